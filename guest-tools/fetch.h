/* HTTP requests of the deployment side of the agent (collect, apply): the
 * metadata polls and the deployment signals.  Every request leaves from the
 * bind address when one is set (libcurl's "host!ADDR"), bodies are capped,
 * and the ETag header of the answer is kept.
 *
 * Also owns the "stop" flag that SIGTERM sets: a long poll in progress is
 * cut short by it, and fetch_sleep_ms() returns early.  Other requests (a
 * signal) are not aborted, so that a signal under way is still sent. */
#ifndef HEARTH_AGENT_FETCH_H
#define HEARTH_AGENT_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define FETCH_MAX_BODY (4u << 20) /* a metadata document */

struct fetch_req {
	const char *method;         /* GET, HEAD, POST, PUT */
	const char *url;            /* http:// or https:// */
	const char *bind;           /* source address, or NULL */
	const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;           /* or NULL */
	size_t body_len;
	int timeout_ms;  /* whole request */
	size_t max_body; /* larger answers fail with HERR_TOO_BIG */
	bool abortable;  /* cut short by fetch_stop() */
};

struct fetch_resp {
	long status;
	char *body; /* NUL-terminated; release with fetch_resp_release */
	size_t len;
	char etag[256]; /* as sent, quotes included; "" when none */
};

/* One request.  0 with out filled (any status), or -1 with e set
 * (HERR_UNAVAILABLE: not reached or aborted; HERR_TOO_BIG). */
int fetch(const struct fetch_req *req, struct fetch_resp *out, struct herr *e);
void fetch_resp_release(struct fetch_resp *r);

/* The URL for logs: scheme, host and path, without the query (which may
 * carry a signature) into buf. */
void fetch_redact(const char *url, char *buf, size_t size);

/* Called from a signal handler: only sets a flag. */
void fetch_stop(void);
bool fetch_stopped(void);
/* Sleeps ms milliseconds; false (at once) when stopping. */
bool fetch_sleep_ms(int ms);

#endif
