/* The orchestration REST API (hot-spec §8): Heat v1's stack routes under
 * /v1/{project}/, with API tokens (X-Auth-Token) bound to a project and a
 * role, and Hearth's own /v1/admin/tokens to issue and revoke them. */
#ifndef HEARTH_API_H
#define HEARTH_API_H

#include "common/err.h"
#include "common/http.h"

#include <stdbool.h>

extern const struct http_route api_routes[];

/* Authenticates req's token and checks that it may act in the path's
 * {project} (answering 401/403/404 when not): true with the project. */
bool api_authorize(struct http_req *req, char project[128]);
extern const int api_nroutes;

/* Makes sure the admin token in path exists (a new random one, mode 0600,
 * when the file does not) and that Redis knows it. */
int api_admin_token(const char *path, struct herr *e);

#endif
