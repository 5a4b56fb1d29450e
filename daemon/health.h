/* /healthz and /metrics, served on every role's listener. */
#ifndef HEARTH_HEALTH_H
#define HEARTH_HEALTH_H

#include "common/http.h"

/* What the health handlers report about this process; owned by main. */
struct health_info {
	const char *roles;             /* "engine,metadata,signal,api" */
	const char *redis;             /* redacted URL or "embedded" */
	unsigned long long started_ns; /* CLOCK_MONOTONIC */
	struct http_server **servers;  /* for in-flight gauges */
	int nservers;
};

extern const struct http_route health_routes[];
extern const int health_nroutes;

#endif
