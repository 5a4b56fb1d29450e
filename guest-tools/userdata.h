/* user_data into parts (metadata-spec §4.3): gzip is inflated, MIME
 * multipart is walked (nested multiparts, base64 and quoted-printable
 * bodies, gzip parts), and a part's kind comes from its Content-Type, or
 * from its first line for text/plain and for user_data that is not MIME.
 * Pure parsing: nothing is run or written here. */
#ifndef HEARTH_AGENT_USERDATA_H
#define HEARTH_AGENT_USERDATA_H

#include <stddef.h>

#include "common/err.h"

#define USERDATA_MAX_PARTS 256
#define USERDATA_MAX_DEPTH 8

enum ud_kind {
	UD_SCRIPT,       /* #! or text/x-shellscript: run once per instance */
	UD_CLOUD_CONFIG, /* #cloud-config or text/cloud-config */
	UD_INCLUDE,      /* #include, text/x-include-url: refused */
	UD_BOOTHOOK,     /* #cloud-boothook: not supported */
	UD_UNKNOWN,      /* anything else: skipped */
	UD_CFNDATA,      /* text/x-cfninitdata: a file for heat-cfntools (Heat's metadata) */
	UD_HANDLER,      /* #part-handler, text/part-handler: Python, not run */
};

struct ud_part {
	enum ud_kind kind;
	char ctype[128]; /* the declared or guessed content type, for logs */
	char name[128];  /* filename from the MIME headers, or "" */
	char *body;      /* decoded, NUL-terminated */
	size_t len;
};

struct ud_parts {
	struct ud_part *v;
	size_t n;
};

/* Splits data into out (owned by it; release with userdata_release) or
 * fails with e set.  Empty user_data gives no parts. */
int userdata_split(const char *data, size_t len, struct ud_parts *out, struct herr *e);
void userdata_release(struct ud_parts *p);

const char *userdata_kind_name(enum ud_kind k);

#endif
