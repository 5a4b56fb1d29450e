/* Metrics tables (see metrics.h).
 *
 * HTTP series live in a fixed open-addressing table keyed by (role, route,
 * status).  A slot is claimed once with a compare-and-swap and never
 * released, so readers need no lock; when the table is full further
 * combinations are counted in the overflow series (route="other"). */
#include "common/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Upper bounds in nanoseconds: 100us .. 2.5s, then +Inf. */
static const uint64_t bucket_ns[METRICS_NBUCKETS - 1] = {
	100000,   250000,   500000,    1000000,   2500000,   5000000,       10000000,
	25000000, 50000000, 100000000, 250000000, 500000000, 2500000000ull,
};

void metrics_hist_observe(struct metrics_hist *h, uint64_t ns)
{
	int b = 0;

	while (b < METRICS_NBUCKETS - 1 && ns > bucket_ns[b])
		b++;
	atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void metrics_hist_render(FILE *out, const char *name, const char *labels,
			 const struct metrics_hist *h)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;

	for (int b = 0; b < METRICS_NBUCKETS; b++) {
		cum += atomic_load_explicit(&h->buckets[b], memory_order_relaxed);
		if (b < METRICS_NBUCKETS - 1)
			fprintf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
				(double)bucket_ns[b] / 1e9, (unsigned long long)cum);
		else
			fprintf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
				(unsigned long long)cum);
	}
	fprintf(out, "%s_sum%s%s%s %.9f\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		(double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9);
	fprintf(out, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
		(unsigned long long)atomic_load_explicit(&h->count, memory_order_relaxed));
}

/* ------------------------------------------------------------------ HTTP */

#define HTTP_SLOTS 512

enum { SLOT_FREE, SLOT_CLAIMED, SLOT_READY };

struct http_slot {
	_Atomic int state;
	const char *role, *route;
	int status;
	struct metrics_hist hist;
};

static struct http_slot http_slots[HTTP_SLOTS];
static struct http_slot http_overflow = {SLOT_READY, "any", "other", 0, {0}};

static size_t slot_hash(const char *role, const char *route, int status)
{
	uint64_t h = (uintptr_t)role * 0x9e3779b97f4a7c15ull;

	h ^= (uintptr_t)route * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)status * 0x165667b19e3779f9ull;
	return (size_t)(h >> 32) % HTTP_SLOTS;
}

static struct http_slot *http_slot(const char *role, const char *route, int status)
{
	size_t i = slot_hash(role, route, status);

	for (size_t probe = 0; probe < HTTP_SLOTS; probe++, i = (i + 1) % HTTP_SLOTS) {
		struct http_slot *s = &http_slots[i];
		int st = atomic_load_explicit(&s->state, memory_order_acquire);

		if (st == SLOT_FREE) {
			int expect = SLOT_FREE;
			if (atomic_compare_exchange_strong(&s->state, &expect, SLOT_CLAIMED)) {
				s->role = role;
				s->route = route;
				s->status = status;
				atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
				return s;
			}
			st = expect;
		}
		while (st == SLOT_CLAIMED) /* another thread is filling it in */
			st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (s->role == role && s->route == route && s->status == status)
			return s;
	}
	return &http_overflow;
}

void metrics_http_observe(const char *role, const char *route, int status, uint64_t ns)
{
	metrics_hist_observe(&http_slot(role, route, status)->hist, ns);
}

/* ----------------------------------------------------------------- Redis */

static struct metrics_hist redis_hist;
static _Atomic uint64_t redis_errors;

void metrics_redis_observe(uint64_t ns, int ok)
{
	metrics_hist_observe(&redis_hist, ns);
	if (!ok)
		atomic_fetch_add_explicit(&redis_errors, 1, memory_order_relaxed);
}

/* ---------------------------------------------------------------- render */

static void render_http(FILE *out, bool counts)
{
	char labels[256];

	for (int i = -1; i < HTTP_SLOTS; i++) {
		const struct http_slot *s = i < 0 ? &http_overflow : &http_slots[i];

		if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY)
			continue;
		if (atomic_load_explicit(&s->hist.count, memory_order_relaxed) == 0)
			continue;
		snprintf(labels, sizeof(labels), "role=\"%s\",route=\"%s\",status=\"%d\"", s->role,
			 s->route, s->status);
		if (counts)
			fprintf(out, "hearth_http_requests_total{%s} %llu\n", labels,
				(unsigned long long)atomic_load_explicit(&s->hist.count,
									 memory_order_relaxed));
		else
			metrics_hist_render(out, "hearth_http_request_duration_seconds", labels,
					    &s->hist);
	}
}

void metrics_render(FILE *out)
{
	fputs("# HELP hearth_http_requests_total HTTP requests answered, by role, route and status.\n"
	      "# TYPE hearth_http_requests_total counter\n",
	      out);
	render_http(out, true);
	fputs("# HELP hearth_http_request_duration_seconds Time from a request's first byte to its last response byte.\n"
	      "# TYPE hearth_http_request_duration_seconds histogram\n",
	      out);
	render_http(out, false);
	fputs("# HELP hearth_redis_command_duration_seconds Redis command round trips.\n"
	      "# TYPE hearth_redis_command_duration_seconds histogram\n",
	      out);
	metrics_hist_render(out, "hearth_redis_command_duration_seconds", "", &redis_hist);
	fprintf(out,
		"# HELP hearth_redis_command_errors_total Redis commands that failed (connection or error reply).\n"
		"# TYPE hearth_redis_command_errors_total counter\n"
		"hearth_redis_command_errors_total %llu\n",
		(unsigned long long)atomic_load_explicit(&redis_errors, memory_order_relaxed));
}
