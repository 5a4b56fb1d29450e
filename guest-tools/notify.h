/* A deployment's signal (signal-deploy-spec §3.4, §3.5): the body made
 * from what the hook produced, and its delivery to deploy_signal_id.
 *
 * The body is a JSON object (the declared outputs the hook produced, and
 * deploy_stdout, deploy_stderr, deploy_status_code), at most
 * NOTIFY_MAX_BODY bytes: deploy_stdout and deploy_stderr lose their
 * beginnings (the tails are kept) until it fits.  Delivery retries
 * connection errors and 5xx with backoff; a 2xx is "sent", any other
 * answer "refused" and not retried. */
#ifndef HEARTH_AGENT_NOTIFY_H
#define HEARTH_AGENT_NOTIFY_H

#include <jansson.h>

#include "common/err.h"

#define NOTIFY_MAX_BODY     950000
#define NOTIFY_DEF_ATTEMPTS 10
#define NOTIFY_MAX_ATTEMPTS 100

enum notify_result {
	NOTIFY_SENT,    /* 2xx */
	NOTIFY_REFUSED, /* another final answer (4xx): logged, not retried */
	NOTIFY_UNSENT,  /* not reached, or 5xx, after every attempt (or stopping) */
};

struct notify_conf {
	const char *bind; /* source address, or NULL */
	int attempts;     /* 1..NOTIFY_MAX_ATTEMPTS */
};

/* The body for result (an object; borrowed): new string, at most
 * NOTIFY_MAX_BODY bytes.  Should even the outputs alone be too large,
 * they are left out, deploy_stderr says so and a status code of 0
 * becomes 1.  NULL only when out of memory. */
char *notify_body(json_t *result);

/* Where config's signal goes, from its inputs: 0 with *url and *verb set
 * (borrowed from config; verb "POST" or "PUT"), 1 when it has none
 * (NO_SIGNAL), -1 with e set when it asks for a transport the agent cannot
 * send (HEAT_SIGNAL, ZAQAR_SIGNAL) or its URL is not http(s). */
int notify_target(json_t *config, const char **url, const char **verb, struct herr *e);

/* Sends body (JSON) with verb to url; label names the deployment in the
 * log.  *status is the last HTTP status (0 when none). */
enum notify_result notify_send(const struct notify_conf *c, const char *label, const char *url,
			       const char *verb, const char *body, long *status);

#endif
