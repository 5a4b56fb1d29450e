/* Fuzz target: the parsers of request paths and addresses — route
 * matching, CFN ARN paths and percent-decoding, Redis URLs and listen
 * addresses. */
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "common/net.h"
#include "common/sigv2.h"
#include "common/store.h"
#include "tests/fuzz/fuzz.h"

static const char *const patterns[] = {
	"/healthz",
	"/v1/{project}/stacks/{name}/{id}/resources/{resource}/signal",
	"/openstack/*",
	"/{version}/meta-data/*",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), scratch[256], host[64];
	const char *names[8], *values[8];
	struct store_url u;
	int port;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		int n = http_match(patterns[i], s, scratch, sizeof(scratch), names, values, 8);
		for (int k = 0; k < n; k++)
			if (strlen(values[k]) == 0 || strchr(values[k], '/'))
				abort(); /* a captured segment is never empty or split */
	}
	{ /* Heat's resource ARNs in CFN paths, and percent-decoding */
		char pr[128], nm[128], id[128], rs[128], out[512];

		if (sigv2_arn_parse(s, pr, nm, id, rs, sizeof(pr)) == 0 && (!*nm || !*id || !*rs))
			abort();
		if (sigv2_unquote(s, strlen(s), out, sizeof(out)) == 0 && strlen(out) > strlen(s))
			abort();
	}
	store_url_parse(s, &u, NULL);
	if (net_split_addr(s, host, sizeof(host), &port, NULL) == 0 && (port < 0 || port > 65535))
		abort();
	{
		char red[512];
		store_url_redact(s, red, sizeof(red));
	}
	free(s);
	return 0;
}
