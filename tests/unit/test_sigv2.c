/* sigv2: signature version 2 as keystone checks it, Heat's ARNs and
 * pre-signed URLs. */
#include <stdlib.h>
#include <string.h>

#include "common/sigv2.h"
#include "tests/tap.h"

#define STACK "42f6f66b-631a-44e7-8d01-e22fb54574a9"

/* The vector of signal-deploy-spec §1.5, checked against keystoneclient. */
static void vector(void)
{
	struct sigv2_param p[] = {
		{"Timestamp", "2024-01-01T00:00:00Z"}, {"SignatureVersion", "2"},
		{"AWSAccessKeyId", "AKID123"},         {"SignatureMethod", "HmacSHA256"},
		{"Signature", "ignored when signing"},
	};
	const char *path = "/v1/waitcondition/arn:openstack:heat::tenant1:stacks/mystack/" STACK
			   "/resources/WaitHandle";
	char sig[SIGV2_SIZE];

	sigv2_sign("secret123", "PUT", "127.0.0.1:8000", path, p, 5, sig);
	CHECK_STR(sig, "2knDzp3Ci+pQZV8X02AkMwsRTbj40bXkYXQ8+NlUHjA=");
	p[4].value = sig;
	CHECK(sigv2_verify("secret123", "PUT", "127.0.0.1:8000", path, p, 5));
	CHECK(!sigv2_verify("secret124", "PUT", "127.0.0.1:8000", path, p, 5));
	CHECK(!sigv2_verify("secret123", "POST", "127.0.0.1:8000", path, p, 5));
	CHECK(!sigv2_verify("secret123", "PUT", "127.0.0.1:8001", path, p, 5));
	p[0].value = "2024-01-01T00:00:01Z";
	CHECK(!sigv2_verify("secret123", "PUT", "127.0.0.1:8000", path, p, 5));
	CHECK(!sigv2_verify("secret123", "PUT", "127.0.0.1:8000", path, p, 4)); /* none given */
}

static void arn(void)
{
	char out[512], pr[64], n[64], i[64], r[64];

	sigv2_arn("tenant1", "my stack", STACK, "wait/h", out, sizeof(out));
	CHECK_STR(out, "arn%3Aopenstack%3Aheat%3A%3Atenant1%3Astacks/my%20stack/" STACK
		       "/resources/wait/h");
	CHECK(sigv2_arn_parse("/v1/signal/ARN:openstack:heat::t1:stacks/web/" STACK
			      "/resources/dep",
			      pr, n, i, r, 64) == 0);
	CHECK_STR(pr, "t1");
	CHECK_STR(n, "web");
	CHECK_STR(i, STACK);
	CHECK_STR(r, "dep");
	CHECK(sigv2_arn_parse("/v1/signal/arn:openstack:heat::t1:stacks/web/" STACK, pr, n, i, r,
			      64) < 0);
	CHECK(sigv2_arn_parse("/v1/signal/", pr, n, i, r, 64) < 0);
	CHECK(sigv2_arn_parse("/v1/signal/arn:openstack:heat::t1:stacks//x/resources/r", pr, n, i,
			      r, 64) < 0);
}

static void quoting(void)
{
	char out[64];

	CHECK(sigv2_unquote("a%3Ab%2f", 8, out, sizeof(out)) == 0);
	CHECK_STR(out, "a:b/");
	CHECK(sigv2_unquote("a%3", 3, out, sizeof(out)) < 0);
	CHECK(sigv2_unquote("a%zz", 4, out, sizeof(out)) < 0);
	CHECK(sigv2_quote("a b+=:~", NULL, out, sizeof(out)) == 15);
	CHECK_STR(out, "a%20b%2B%3D%3A~");
	CHECK(sigv2_quote("abcdef", NULL, out, 4) == 4);
}

/* A pre-signed URL verifies as the server sees it: the decoded path and
 * the decoded parameters. */
static void presign(void)
{
	char *url = sigv2_presign("HTTP://127.0.0.1:8000/v1/signal/arn%3Aopenstack%3Aheat%3A%3At1%"
				  "3Astacks/web/" STACK "/resources/dep",
				  "POST", "AK1", "s3cret", "2026-11-23T10:00:00Z");
	char sig[3 * SIGV2_SIZE], dec[SIGV2_SIZE];
	const char *q;

	CHECK(url != NULL);
	CHECK(strncmp(url, "http://127.0.0.1:8000/v1/signal/arn%3Aopenstack", 47) == 0);
	q = url ? strstr(url, "Signature=") : NULL;
	CHECK(q != NULL);
	if (q) {
		snprintf(sig, sizeof(sig), "%s", q + 10);
		CHECK(sigv2_unquote(sig, strlen(sig), dec, sizeof(dec)) == 0);
		{
			struct sigv2_param p[] = {
				{"AWSAccessKeyId", "AK1"}, {"SignatureMethod", "HmacSHA256"},
				{"SignatureVersion", "2"}, {"Timestamp", "2026-11-23T10:00:00Z"},
				{"Signature", dec},
			};
			const char *path = "/v1/signal/arn:openstack:heat::t1:stacks/web/" STACK
					   "/resources/dep";

			CHECK(sigv2_verify("s3cret", "POST", "127.0.0.1:8000", path, p, 5));
			CHECK(!sigv2_verify("s3cret", "PUT", "127.0.0.1:8000", path, p, 5));
		}
	}
	CHECK(strstr(url ? url : "", "Timestamp=2026-11-23T10%3A00%3A00Z&") != NULL);
	free(url);
	url = sigv2_presign("http://h:1/v1/", "GET", "AK1", "s", NULL);
	CHECK(url && !strstr(url, "Timestamp"));
	free(url);
	CHECK(sigv2_presign("no-scheme", "GET", "a", "s", NULL) == NULL);
}

static const struct tap_case cases[] = {
	{"the verified signature vector", vector, NULL},
	{"resource ARNs", arn, NULL},
	{"percent-encoding", quoting, NULL},
	{"pre-signed URLs verify", presign, NULL},
};
TAP_MAIN(cases)
