/* Prometheus metrics: lock-free counters and latency histograms.
 *
 * Recording is a handful of relaxed atomic adds; rendering walks the
 * tables and writes the Prometheus text format (version 0.0.4). */
#ifndef HEARTH_METRICS_H
#define HEARTH_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define METRICS_NBUCKETS 14

struct metrics_hist {
	_Atomic uint64_t count;
	_Atomic uint64_t sum_ns;
	_Atomic uint64_t buckets[METRICS_NBUCKETS]; /* cumulative on render */
};

void metrics_hist_observe(struct metrics_hist *h, uint64_t ns);
/* Writes name_bucket/_sum/_count lines; labels is "" or `a="b",c="d"`. */
void metrics_hist_render(FILE *out, const char *name, const char *labels,
			 const struct metrics_hist *h);

/* One HTTP request finished.  role and route must be static strings. */
void metrics_http_observe(const char *role, const char *route, int status, uint64_t ns);

/* Redis command round trips, recorded by store.c. */
void metrics_redis_observe(uint64_t ns, int ok);

/* Writes every HTTP and Redis series with their HELP and TYPE lines. */
void metrics_render(FILE *out);

#endif
