/* The signal role's routes: Heat's resource signal route, where guests
 * POST what their wait condition handles (and later deployments) wait
 * for, authenticated by the handle's own token (signal/vault.h) or by an
 * API token of the stack's project. */
#ifndef HEARTH_SIGNAL_H
#define HEARTH_SIGNAL_H

#include "common/http.h"

/* Whether the body is JSON by Heat's rule (§1.3): it starts with "{" and
 * its media type is JSON, plain text or none. */
bool signal_json_body(struct http_req *req, const char *body, size_t len);
/* Records a wait condition handle's signal (details, an object) with its
 * event and wakes the engine, in one step: 0; 1 when the details are
 * not a valid signal (why); -1 Redis failed. */
int signal_store(const char *stack_id, json_t *res, const char *resource, json_t *details,
		 char *why, size_t size, struct herr *e);
/* A SIGNAL event of res (JSON text, its reason empty; malloc'd). */
char *signal_event(json_t *res, const char *resource);

extern const struct http_route signal_routes[];
extern const int signal_nroutes;

#endif
