/* AWS signature version 2 (HmacSHA256), the way heat-api-cfn and
 * keystone's ec2tokens check it and os-collect-config's cfn collector and
 * Heat's pre-signed URLs make it (signal-deploy-spec §1.5, §5.3):
 *
 *   base64(HMAC-SHA256(secret, VERB "\n" host "\n" path "\n" query))
 *
 * host is "host[:port]" as the client addressed it, path the decoded
 * path, query every parameter but Signature, sorted by name, each name and
 * value percent-encoded (only A-Z a-z 0-9 _ . - ~ left as they are) and
 * joined by "&". */
#ifndef HEARTH_SIGV2_H
#define HEARTH_SIGV2_H

#include <stdbool.h>
#include <stddef.h>

#define SIGV2_SIZE 45 /* base64 of 32 bytes and NUL */

struct sigv2_param {
	const char *name, *value;
};

/* The signature of a request with params (any order; one named
 * "Signature" is left out). */
void sigv2_sign(const char *secret, const char *verb, const char *host, const char *path,
		const struct sigv2_param *params, size_t n, char out[SIGV2_SIZE]);
/* Whether the request's Signature parameter is the right one (constant
 * time). */
bool sigv2_verify(const char *secret, const char *verb, const char *host, const char *path,
		  const struct sigv2_param *params, size_t n);
/* A pre-signed URL: url (scheme://host[:port]/path, path percent-encoded
 * as it goes on the wire) with AWSAccessKeyId, SignatureMethod,
 * SignatureVersion, Timestamp (when not NULL) and Signature; malloc'd.
 * The host is lower-cased first, as Heat does with the whole base. */
char *sigv2_presign(const char *url, const char *verb, const char *access, const char *secret,
		    const char *timestamp);
/* Percent-encodes s (only A-Z a-z 0-9 _ . - ~ and the characters in safe
 * left as they are) into out; the length written, or size when it did
 * not fit. */
size_t sigv2_quote(const char *s, const char *safe, char *out, size_t size);
/* Decodes %XX escapes of s (n bytes) into out (NUL-terminated); -1 when
 * an escape is malformed or out is too small. */
int sigv2_unquote(const char *s, size_t n, char *out, size_t size);

/* Heat's resource ARN path (§1.5):
 * "arn%3Aopenstack%3Aheat%3A%3APROJECT%3Astacks/NAME/ID/resources/RESOURCE"
 * with each part percent-encoded. */
void sigv2_arn(const char *project, const char *stack_name, const char *stack_id,
	       const char *resource, char *out, size_t size);
/* Finds the ARN in a decoded path and splits it: 0, or -1 when the path
 * holds none ("arn:openstack:heat::P:stacks/N/I/resources/R", the
 * "arn:openstack:heat::" case-insensitively). */
int sigv2_arn_parse(const char *path, char *project, char *stack_name, char *stack_id,
		    char *resource, size_t size);

#endif
