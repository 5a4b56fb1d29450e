/* /healthz and /metrics (see health.h).
 *
 * /healthz reports Redis reachability.  It does not ping Redis on every
 * call: one caller per HEALTH_PROBE_MS refreshes a shared verdict and the
 * others read it, so a load balancer probing at high rate costs Redis
 * nothing and an outage still shows within HEALTH_PROBE_MS. */
#include <config.h>

#include "daemon/health.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/store.h"

#define HEALTH_PROBE_MS 200
#define JOB_QUEUE_KEY   "hearth:jobs"

static struct {
	_Atomic uint64_t probed_ns; /* when the verdict below was made */
	_Atomic uint64_t rtt_ns;
	_Atomic bool up;
	_Atomic bool known;   /* a first verdict was made */
	pthread_mutex_t lock; /* guards why */
	char why[512];
} H = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Pings Redis if the shared verdict is stale and this caller wins the
 * right to refresh it. */
static void refresh_verdict(void)
{
	uint64_t now = clock_now_ns(), seen = atomic_load(&H.probed_ns);
	struct herr e = HERR_INIT;
	uint64_t t0;
	bool up;

	if (seen && now - seen < HEALTH_PROBE_MS * 1000000ull && atomic_load(&H.known))
		return;
	/* Until a first verdict exists every caller probes for itself, so no
	 * request reads a verdict that was never made. */
	if (!atomic_compare_exchange_strong(&H.probed_ns, &seen, now) && atomic_load(&H.known))
		return; /* another thread is probing */
	t0 = clock_now_ns();
	up = store_ping(&e) == 0;
	atomic_store(&H.rtt_ns, clock_now_ns() - t0);
	pthread_mutex_lock(&H.lock);
	snprintf(H.why, sizeof(H.why), "%s", up ? "" : e.msg);
	pthread_mutex_unlock(&H.lock);
	atomic_store(&H.up, up);
	atomic_store(&H.known, true);
	/* A failed probe is retried by the next request, so recovery shows
	 * as soon as Redis answers (the store's own backoff still applies). */
	if (!up)
		atomic_store(&H.probed_ns, 0);
}

static int healthz(struct http_req *req, void *arg)
{
	const struct health_info *hi = arg;
	char why[512];
	bool up;
	json_t *redis;

	refresh_verdict();
	up = atomic_load(&H.up);
	if (up) {
		redis = json_pack("{s:s, s:s, s:f}", "status", "up", "url", hi->redis, "rtt_ms",
				  (double)atomic_load(&H.rtt_ns) / 1e6);
	} else {
		pthread_mutex_lock(&H.lock);
		memcpy(why, H.why, sizeof(why));
		pthread_mutex_unlock(&H.lock);
		redis = json_pack("{s:s, s:s, s:s}", "status", "down", "url", hi->redis, "error",
				  why);
	}
	return http_reply_json(
		req, up ? 200 : 503,
		json_pack("{s:s, s:s, s:s, s:s, s:o, s:I}", "status", up ? "ok" : "unavailable",
			  "role", http_role(req), "roles", hi->roles, "version", PACKAGE_VERSION,
			  "redis", redis, "uptime_s",
			  (json_int_t)((clock_now_ns() - hi->started_ns) / 1000000000ull)));
}

static int metrics(struct http_req *req, void *arg)
{
	const struct health_info *hi = arg;
	struct store_reply *r;
	struct herr e = HERR_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return http_error(req, 500, "InternalError", "out of memory");
	metrics_render(out);
	fprintf(out,
		"# HELP hearth_build_info Version of this hearthd.\n"
		"# TYPE hearth_build_info gauge\n"
		"hearth_build_info{version=\"%s\",roles=\"%s\"} 1\n"
		"# HELP hearth_uptime_seconds Seconds since this hearthd started.\n"
		"# TYPE hearth_uptime_seconds gauge\n"
		"hearth_uptime_seconds %.3f\n"
		"# HELP hearth_http_inflight Requests received and not yet answered.\n"
		"# TYPE hearth_http_inflight gauge\n",
		PACKAGE_VERSION, hi->roles, (double)(clock_now_ns() - hi->started_ns) / 1e9);
	for (int i = 0; i < hi->nservers; i++)
		if (hi->servers[i])
			fprintf(out, "hearth_http_inflight{listener=\"%s\"} %d\n",
				http_bound(hi->servers[i]), http_inflight(hi->servers[i]));
	r = store_cmdv(&e, "XLEN", JOB_QUEUE_KEY, NULL);
	fprintf(out,
		"# HELP hearth_redis_up Whether the last Redis command succeeded.\n"
		"# TYPE hearth_redis_up gauge\n"
		"hearth_redis_up %d\n",
		r ? 1 : 0);
	if (r) {
		fprintf(out,
			"# HELP hearth_engine_queue_depth Jobs waiting in the engine's queue.\n"
			"# TYPE hearth_engine_queue_depth gauge\n"
			"hearth_engine_queue_depth %lld\n",
			store_reply_int(r));
		store_reply_free(&r);
	}
	if (fclose(out) != 0) {
		free(text);
		return http_error(req, 500, "InternalError", "out of memory");
	}
	return http_reply_take(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

const struct http_route health_routes[] = {
	{"GET", "/healthz", healthz, NULL},
	{"GET", "/metrics", metrics, NULL},
};
const int health_nroutes = sizeof(health_routes) / sizeof(health_routes[0]);
