/* Heat's software_configs and software_deployments routes (signal-deploy-
 * spec §2.1, §3.1): configs made, shown, listed and deleted by hand, and
 * deployments an operator (or a tool) records without a stack. */
#ifndef HEARTH_SWAPI_H
#define HEARTH_SWAPI_H

#include "common/http.h"

extern const struct http_route swapi_routes[];
extern const int swapi_nroutes;

#endif
