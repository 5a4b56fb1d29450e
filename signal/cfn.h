/* The routes agents and cfn-signal use (signal-deploy-spec §1.4-1.5, §3,
 * §5.3): Heat's CFN API with signature version 2 (PUT /v1/waitcondition/ARN
 * for wait condition handles, POST /v1/signal/ARN for deployments, GET
 * /v1/?Action=DescribeStackResource for the cfn collector), and Hearth's
 * capability URLs (GET /v1/servers/ID/metadata?sig= for the request
 * collector and hearth-agent, with long-poll; PUT /v1/temp-signal/STACK/
 * RESOURCE?sig= for TEMP_URL_SIGNAL deployments). */
#ifndef HEARTH_CFN_H
#define HEARTH_CFN_H

#include <jansson.h>
#include <stdbool.h>

#include "common/http.h"

extern const struct http_route cfn_routes[];
extern const int cfn_nroutes;

/* A deployment's signal (§3.3) from any route: body is its details (JSON
 * by Heat's rule of §1.3, or whatever its type when any_type). */
int cfn_deployment_signal(struct http_req *req, const char *stack_id, json_t *res,
			  const char *resource, const char *body, size_t len, bool any_type);

#endif
