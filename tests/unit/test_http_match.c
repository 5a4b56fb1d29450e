/* http_match: route patterns with {params} and trailing wildcards. */
#include "common/http.h"
#include "tests/tap.h"

static int match(const char *pattern, const char *path, const char **names, const char **values)
{
	static char scratch[512];

	return http_match(pattern, path, scratch, sizeof(scratch), names, values, 8);
}

static void exact(void)
{
	const char *n[8], *v[8];

	CHECK(match("/healthz", "/healthz", n, v) == 0);
	CHECK(match("/healthz", "/healthz/", n, v) < 0);
	CHECK(match("/healthz", "/health", n, v) < 0);
	CHECK(match("/", "/", n, v) == 0);
	CHECK(match("/", "", n, v) < 0);
}

static void params(void)
{
	const char *n[8], *v[8];

	CHECK(match("/v1/{project}/stacks/{name}/{id}", "/v1/p1/stacks/web/abc-1", n, v) == 3);
	CHECK_STR(n[0], "project");
	CHECK_STR(v[0], "p1");
	CHECK_STR(n[1], "name");
	CHECK_STR(v[1], "web");
	CHECK_STR(v[2], "abc-1");
	/* An empty segment is no value. */
	CHECK(match("/v1/{project}/stacks", "/v1//stacks", n, v) < 0);
	CHECK(match("/v1/{project}/stacks", "/v1/p/stacks/x", n, v) < 0);
}

static void wildcard(void)
{
	const char *n[8], *v[8];

	CHECK(match("/openstack/*", "/openstack/latest/meta_data.json", n, v) == 0);
	CHECK(match("/openstack/*", "/openstack/", n, v) == 0);
	CHECK(match("/openstack/*", "/openstack", n, v) < 0);
	CHECK(match("/{v}/*", "/2009-04-04/meta-data/", n, v) == 1);
	CHECK_STR(v[0], "2009-04-04");
}

static void scratch_overflow(void)
{
	const char *n[8], *v[8];
	char small[8];

	/* A value that does not fit the scratch space is no match, not an
	 * overflow. */
	CHECK(http_match("/{name}", "/aaaaaaaaaaaaaaaa", small, sizeof(small), n, v, 8) < 0);
	CHECK(http_match("/{a}/{b}", "/x/y", small, sizeof(small), n, v, 1) < 0);
}

static const struct tap_case cases[] = {
	{"exact paths", exact, NULL},
	{"{param} segments", params, NULL},
	{"trailing wildcard", wildcard, NULL},
	{"bounded scratch space", scratch_overflow, NULL},
};
TAP_MAIN(cases)
