/* Fetching the instance's metadata from the metadata service: the
 * OpenStack tree first, the EC2 tree when the service has no OpenStack tree
 * (metadata-spec §1, §4).  Owns every HTTP request the boot makes.
 *
 * Until the service answers at all (connection refused, timeouts, 5xx, or
 * 404 on both trees because the guest is not registered yet) requests are
 * retried with backoff for up to conf->timeout_s seconds.  Once it has
 * answered, each later request gets a few quick retries on connection
 * errors and 5xx; a 404 is final. */
#ifndef HEARTH_AGENT_IMDS_H
#define HEARTH_AGENT_IMDS_H

#include <jansson.h>
#include <stddef.h>

#include "common/err.h"

#define IMDS_MAX_BODY (1u << 20) /* any one document, user_data included */

struct imds_conf {
	const char *url;  /* base URL, e.g. http://169.254.169.254 */
	const char *bind; /* source address of every request, or NULL */
	int timeout_s;    /* how long to wait for the service to answer */
};

struct imds_data {
	const char *source; /* "openstack" or "ec2" (static) */
	char *version;      /* the tree version read */
	char *uuid;         /* instance id: meta_data uuid, or EC2 instance-id */
	char *hostname;     /* as served (may be an FQDN), or NULL */
	json_t *keys;       /* array of public key strings, maybe empty */
	/* meta_data.json as served (OpenStack) or built from the EC2 keys
	 * ({"uuid", "hostname", "public_keys"}) */
	char *meta_text;
	size_t meta_len;
	char *net_text; /* network_data.json as served, or NULL */
	size_t net_len;
	char *user_data; /* raw bytes (NUL-terminated for convenience), or NULL */
	size_t user_data_len;
};

/* Fills out (every field owned by it) or fails with e set. */
int imds_fetch(const struct imds_conf *conf, struct imds_data *out, struct herr *e);
void imds_data_release(struct imds_data *d);

#endif
