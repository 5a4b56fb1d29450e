/* Where collect reads the server's metadata document (signal-deploy-spec
 * §4.1, §5.3), from the "os-collect-config" section of that document:
 *
 *   hearth   Hearth's own capability URL: GET, no credentials; with
 *            "&wait=S&since=ETAG" a long poll answered 200 as soon as the
 *            document differs from ETAG, or 304 after S seconds;
 *   request  a plain JSON URL (POLL_TEMP_URL): GET;
 *   cfn      heat-api-cfn's DescribeStackResource (POLL_SERVER_CFN): a GET
 *            signed with AWS signature version 2, answered in XML whose
 *            Metadata element holds the document as JSON text.
 *
 * Preferred in that order.  os-collect-config's ec2 and local collectors
 * carry no deployments and are not read. */
#ifndef HEARTH_AGENT_SOURCE_H
#define HEARTH_AGENT_SOURCE_H

#include <jansson.h>
#include <stddef.h>

#include "common/err.h"

#define SOURCE_MAX_WAIT 300 /* the longest long poll the server accepts */

enum source_kind { SOURCE_HEARTH, SOURCE_REQUEST, SOURCE_CFN };

struct source {
	enum source_kind kind;
	char *url; /* metadata_url */
	/* cfn only */
	char *access, *secret, *stack, *resource, *field;
	json_t *subkeys; /* array of keys to select inside the document */
};

struct sources {
	struct source v[3];
	size_t n;
};

/* The sources that section (an "os-collect-config" object; borrowed)
 * configures, preferred first, into out (release it).  Incomplete or
 * invalid ones are logged and left out. */
void source_load(json_t *section, struct sources *out);
void source_release(struct sources *s);
const char *source_name(const struct source *s);

/* Fetches the document.  For hearth, since (an ETag value without quotes)
 * and wait_s > 0 make it a long poll.  0 with *doc (a new reference, an
 * object) and etag (unquoted; "" when none); 1 when unchanged (304); -1
 * with e set. */
int source_fetch(const struct source *s, const char *bind, const char *since, int wait_s,
		 json_t **doc, char *etag, size_t etag_size, struct herr *e);

#endif
