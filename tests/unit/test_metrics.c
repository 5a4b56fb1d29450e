/* metrics: histogram buckets, HTTP series table, Prometheus rendering. */
#include <pthread.h>

#include "common/metrics.h"
#include "tests/tap.h"

static char *render(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	metrics_render(f);
	fclose(f);
	return text;
}

static void histogram(void)
{
	struct metrics_hist h = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	metrics_hist_observe(&h, 50000);         /* 50 us: first bucket */
	metrics_hist_observe(&h, 3000000);       /* 3 ms */
	metrics_hist_observe(&h, 9000000000ull); /* 9 s: +Inf only */
	metrics_hist_render(f, "x", "a=\"b\"", &h);
	fclose(f);
	CHECK(strstr(text, "x_bucket{a=\"b\",le=\"0.0001\"} 1\n") != NULL);
	CHECK(strstr(text, "x_bucket{a=\"b\",le=\"0.0025\"} 1\n") != NULL);
	CHECK(strstr(text, "x_bucket{a=\"b\",le=\"0.005\"} 2\n") != NULL);
	CHECK(strstr(text, "x_bucket{a=\"b\",le=\"2.5\"} 2\n") != NULL);
	CHECK(strstr(text, "x_bucket{a=\"b\",le=\"+Inf\"} 3\n") != NULL);
	CHECK(strstr(text, "x_count{a=\"b\"} 3\n") != NULL);
	CHECK(strstr(text, "x_sum{a=\"b\"} 9.003050000\n") != NULL);
	free(text);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static const char *const routes[] = {"/a", "/b", "/c", "/d"};

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++)
		metrics_http_observe("api", routes[i % 4], 200 + (i / 4 % 2) * 300, 1000);
	return NULL;
}

static void http_series_concurrent(void)
{
	pthread_t t[4];
	char *text;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	text = render();
	/* 4 threads x 10000 over 4 routes x 2 statuses: 5000 each, none lost
	 * and no series duplicated. */
	CHECK(strstr(text,
		     "hearth_http_requests_total{role=\"api\",route=\"/a\",status=\"200\"} 5000\n") !=
	      NULL);
	CHECK(strstr(text,
		     "hearth_http_requests_total{role=\"api\",route=\"/d\",status=\"500\"} 5000\n") !=
	      NULL);
	CHECK(strstr(text,
		     "hearth_http_requests_total{role=\"api\",route=\"/a\",status=\"500\"} 5000\n") !=
	      NULL);
	CHECK(count(text, "hearth_http_requests_total{role=\"api\",route=\"/b\",status=\"500\"}") ==
	      1);
	CHECK(strstr(text, "# TYPE hearth_http_request_duration_seconds histogram\n") != NULL);
	free(text);
}

static void overflow_series(void)
{
	char *text;

	/* More combinations than slots: the rest land in route="other". */
	for (int s = 0; s < 700; s++)
		metrics_http_observe("api", "/x", 1000 + s, 1000);
	text = render();
	CHECK(strstr(text, "route=\"other\",status=\"0\"}") != NULL);
	free(text);
}

static void redis_series(void)
{
	char *text;

	metrics_redis_observe(20000, 1);
	metrics_redis_observe(20000, 0);
	text = render();
	CHECK(strstr(text, "hearth_redis_command_duration_seconds_count 2\n") != NULL);
	CHECK(strstr(text, "hearth_redis_command_errors_total 1\n") != NULL);
	free(text);
}

static const struct tap_case cases[] = {
	{"histogram buckets are cumulative", histogram, NULL},
	{"HTTP series under concurrent updates", http_series_concurrent, NULL},
	{"full table overflows into one series", overflow_series, NULL},
	{"Redis round trips and errors", redis_series, NULL},
};
TAP_MAIN(cases)
