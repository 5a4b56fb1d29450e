/* A small HTTP client over libcurl for the command-line tools (hearth,
 * hearth-agent).  Not linked into hearthd. */
#ifndef HEARTH_CLIENT_H
#define HEARTH_CLIENT_H

#include <stddef.h>

#include "common/err.h"

struct client_resp {
	long status;
	char *body; /* NUL-terminated; free() it */
	size_t len;
};

/* Once per process, before and after all requests. */
void client_init(void);
void client_cleanup(void);

/* Sends one request.  headers is NULL or a NULL-terminated list of
 * "Name: value" lines; body may be NULL.  The response body is capped at
 * max_body bytes (HERR_TOO_BIG beyond).  Fails with HERR_UNAVAILABLE when
 * the server cannot be reached. */
int client_request(const char *method, const char *url, const char *const *headers,
		   const char *body, size_t body_len, int timeout_ms, size_t max_body,
		   struct client_resp *out, struct herr *e);

#endif
