/* The signal role's routes: Heat's resource signal route, where guests
 * POST what their wait condition handles (and later deployments) wait
 * for, authenticated by the handle's own token (signal/vault.h) or by an
 * API token of the stack's project. */
#ifndef HEARTH_SIGNAL_H
#define HEARTH_SIGNAL_H

#include "common/http.h"

extern const struct http_route signal_routes[];
extern const int signal_nroutes;

#endif
