/* user_data parsing: gzip, MIME multipart, part kinds (see userdata.h). */
#include "guest-tools/userdata.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guest-tools/codec.h"

/* ------------------------------------------------------------- helpers */

/* Case-insensitive search for needle in the first n bytes of hay. */
static const char *memcasestr(const char *hay, size_t n, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= n; i++)
		if (strncasecmp(hay + i, needle, nl) == 0)
			return hay + i;
	return NULL;
}

static bool starts_withi(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && strncasecmp(s, prefix, pl) == 0;
}

/* The kind a body announces on its first line (leading whitespace
 * ignored, case-insensitive). */
static enum ud_kind kind_from_content(const char *s, size_t n, const char **ctype)
{
	static const struct {
		const char *prefix;
		enum ud_kind kind;
		const char *ctype;
	} table[] = {
		{"#!", UD_SCRIPT, "text/x-shellscript"},
		{"#cloud-config-archive", UD_UNKNOWN, "text/cloud-config-archive"},
		{"#cloud-config-jsonp", UD_UNKNOWN, "text/cloud-config-jsonp"},
		{"#cloud-config", UD_CLOUD_CONFIG, "text/cloud-config"},
		{"#include-once", UD_INCLUDE, "text/x-include-once-url"},
		{"#include", UD_INCLUDE, "text/x-include-url"},
		{"#cloud-boothook", UD_BOOTHOOK, "text/cloud-boothook"},
		{"#part-handler", UD_HANDLER, "text/part-handler"},
		{"## template: jinja", UD_UNKNOWN, "text/jinja2"},
	};

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (starts_withi(s, n, table[i].prefix)) {
			*ctype = table[i].ctype;
			return table[i].kind;
		}
	*ctype = "text/x-not-multipart";
	return UD_UNKNOWN;
}

static bool is_gzip_type(const char *t)
{
	static const char *const types[] = {"application/gzip", "application/x-gzip",
					    "application/gzip-compressed",
					    "application/x-gzip-compressed", "application/gzipped"};

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (strcasecmp(t, types[i]) == 0)
			return true;
	return false;
}

static enum ud_kind kind_from_type(const char *t)
{
	static const struct {
		const char *type;
		enum ud_kind kind;
	} table[] = {
		{"text/x-shellscript", UD_SCRIPT},    {"text/cloud-config", UD_CLOUD_CONFIG},
		{"text/x-include-url", UD_INCLUDE},   {"text/x-include-once-url", UD_INCLUDE},
		{"text/cloud-boothook", UD_BOOTHOOK}, {"text/x-cfninitdata", UD_CFNDATA},
		{"text/part-handler", UD_HANDLER},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strcasecmp(t, table[i].type) == 0)
			return table[i].kind;
	return UD_UNKNOWN;
}

/* The value of header name in a header block (continuation lines joined),
 * into out; false when absent. */
static bool header_get(const char *h, size_t n, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name), o = 0;

	for (const char *p = h, *end = h + n; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;

		if ((size_t)(le - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;

			for (;;) {
				for (; v < le && o + 1 < size; v++)
					if (*v != '\r')
						out[o++] = *v;
				if (!eol || eol + 1 >= end || (eol[1] != ' ' && eol[1] != '\t'))
					break;
				v = eol + 1;
				eol = memchr(v, '\n', (size_t)(end - v));
				le = eol ? eol : end;
			}
			out[o] = '\0';
			/* trim */
			while (o > 0 && isspace((unsigned char)out[o - 1]))
				out[--o] = '\0';
			o = strspn(out, " \t");
			memmove(out, out + o, strlen(out + o) + 1);
			return true;
		}
		p = eol ? eol + 1 : end;
	}
	return false;
}

/* A parameter of a header value ("multipart/mixed; boundary=x"). */
static bool param_get(const char *value, const char *param, char *out, size_t size)
{
	size_t pl = strlen(param);

	for (const char *p = strchr(value, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1;
		size_t o = 0;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, param, pl) != 0 || q[pl] != '=')
			continue;
		q += pl + 1;
		if (*q == '"') {
			for (q++; *q && *q != '"' && o + 1 < size; q++)
				out[o++] = *q;
		} else {
			for (; *q && *q != ';' && !isspace((unsigned char)*q) && o + 1 < size; q++)
				out[o++] = *q;
		}
		out[o] = '\0';
		return o > 0;
	}
	return false;
}

static char *qp_decode(const char *in, size_t n, size_t *out_len)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '=' && i + 1 < n && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
			i += in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n' ? 2 : 1;
		} else if (in[i] == '=' && i + 2 < n && isxdigit((unsigned char)in[i + 1]) &&
			   isxdigit((unsigned char)in[i + 2])) {
			char hex[3] = {in[i + 1], in[i + 2], 0};

			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* -------------------------------------------------------------- parsing */

static int walk(const char *data, size_t len, int depth, struct ud_parts *out, struct herr *e);

static int add_part(struct ud_parts *out, enum ud_kind kind, const char *ctype, const char *name,
		    const char *body, size_t len, struct herr *e)
{
	struct ud_part *v, *p;

	if (out->n >= USERDATA_MAX_PARTS) {
		herr_set(e, HERR_TOO_BIG, "user_data has more than %d parts", USERDATA_MAX_PARTS);
		return -1;
	}
	v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	out->v = v;
	p = &v[out->n];
	memset(p, 0, sizeof(*p));
	p->body = malloc(len + 1);
	if (!p->body) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	memcpy(p->body, body, len);
	p->body[len] = '\0';
	p->len = len;
	p->kind = kind;
	snprintf(p->ctype, sizeof(p->ctype), "%s", ctype);
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	out->n++;
	return 0;
}

/* A decoded leaf body: inflated if gzip, recursed into if MIME, else a
 * part of the given (or guessed) type. */
static int leaf(const char *ctype, const char *name, const char *body, size_t len, int depth,
		struct ud_parts *out, struct herr *e)
{
	const char *guessed;
	enum ud_kind kind;

	if (is_gzip_type(ctype) || codec_is_gzip(body, len)) {
		size_t n;
		char *plain = codec_gunzip(body, len, CODEC_MAX_INFLATED, &n, e);
		int rc;

		if (!plain)
			return -1;
		rc = walk(plain, n, depth + 1, out, e);
		free(plain);
		return rc;
	}
	if (!*ctype || strcasecmp(ctype, "text/plain") == 0 ||
	    strcasecmp(ctype, "text/x-not-multipart") == 0) {
		kind = kind_from_content(body, len, &guessed);
		return add_part(out, kind, guessed, name, body, len, e);
	}
	return add_part(out, kind_from_type(ctype), ctype, name, body, len, e);
}

/* One MIME entity: headers, a blank line, a body. */
static int entity(const char *data, size_t len, int depth, struct ud_parts *out, struct herr *e)
{
	char ctv[512] = "", ctype[128] = "", cte[64] = "", disp[512] = "", name[128] = "";
	char boundary[128];
	const char *body = data + len, *p;
	size_t hlen = len, blen = 0;
	char *decoded = NULL;
	int rc = -1;

	if (depth > USERDATA_MAX_DEPTH) {
		herr_set(e, HERR_TOO_BIG, "user_data nested deeper than %d", USERDATA_MAX_DEPTH);
		return -1;
	}
	/* The header block ends at the first empty line. */
	for (p = data; p < data + len;) {
		const char *eol = memchr(p, '\n', (size_t)(data + len - p));

		if (p[0] == '\n' || (p[0] == '\r' && p + 1 < data + len && p[1] == '\n')) {
			hlen = (size_t)(p - data);
			body = eol + 1;
			blen = (size_t)(data + len - body);
			break;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	header_get(data, hlen, "Content-Type", ctv, sizeof(ctv));
	snprintf(ctype, sizeof(ctype), "%.*s", (int)strcspn(ctv, "; \t"), ctv);
	header_get(data, hlen, "Content-Transfer-Encoding", cte, sizeof(cte));
	if (header_get(data, hlen, "Content-Disposition", disp, sizeof(disp)))
		param_get(disp, "filename", name, sizeof(name));
	if (!name[0])
		param_get(ctv, "name", name, sizeof(name));

	if (strncasecmp(ctype, "multipart/", 10) == 0) {
		const char *part = NULL, *end = body + blen;
		size_t bl;

		if (!param_get(ctv, "boundary", boundary, sizeof(boundary))) {
			herr_set(e, HERR_INVALID, "a multipart user_data part has no boundary");
			return -1;
		}
		bl = strlen(boundary);
		for (p = body; p < end;) {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			const char *next = eol ? eol + 1 : end;

			if ((size_t)(end - p) >= bl + 2 && p[0] == '-' && p[1] == '-' &&
			    memcmp(p + 2, boundary, bl) == 0) {
				bool last = (size_t)(end - p) >= bl + 4 && p[bl + 2] == '-' &&
					    p[bl + 3] == '-';

				if (part) {
					/* The line break before a delimiter is the delimiter's. */
					const char *pe = p;

					if (pe > part && pe[-1] == '\n')
						pe--;
					if (pe > part && pe[-1] == '\r')
						pe--;
					if (entity(part, (size_t)(pe - part), depth + 1, out, e) <
					    0)
						return -1;
				}
				if (last)
					return 0;
				part = next;
			}
			p = next;
		}
		if (part && part < end)
			return entity(part, (size_t)(end - part), depth + 1, out, e);
		return 0;
	}

	if (strcasecmp(cte, "base64") == 0) {
		decoded = codec_b64decode(body, blen, &blen, e);
		if (!decoded)
			return -1;
		body = decoded;
	} else if (strcasecmp(cte, "quoted-printable") == 0) {
		decoded = qp_decode(body, blen, &blen);
		if (!decoded) {
			herr_set(e, HERR_NOMEM, "out of memory");
			return -1;
		}
		body = decoded;
	}
	rc = leaf(ctype, name, body, blen, depth, out, e);
	free(decoded);
	return rc;
}

static int walk(const char *data, size_t len, int depth, struct ud_parts *out, struct herr *e)
{
	if (depth > USERDATA_MAX_DEPTH) {
		herr_set(e, HERR_TOO_BIG, "user_data nested deeper than %d", USERDATA_MAX_DEPTH);
		return -1;
	}
	if (len == 0)
		return 0;
	if (codec_is_gzip(data, len))
		return leaf("", "", data, len, depth, out, e);
	if (memcasestr(data, len < 4096 ? len : 4096, "mime-version:"))
		return entity(data, len, depth, out, e);
	return leaf("", "", data, len, depth, out, e);
}

int userdata_split(const char *data, size_t len, struct ud_parts *out, struct herr *e)
{
	memset(out, 0, sizeof(*out));
	if (walk(data, len, 0, out, e) < 0) {
		userdata_release(out);
		return -1;
	}
	return 0;
}

void userdata_release(struct ud_parts *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].body);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const char *userdata_kind_name(enum ud_kind k)
{
	static const char *const names[] = {"script",  "cloud-config",  "include",     "boothook",
					    "unknown", "cfn-init-data", "part-handler"};

	return names[k];
}
