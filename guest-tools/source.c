/* Metadata sources (see source.h). */
#include "guest-tools/source.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sigv2.h"
#include "guest-tools/alog.h"
#include "guest-tools/fetch.h"

#define TIMEOUT_MS     30000
#define MAX_URL        8192
#define MAX_XML_ESCAPE 12

/* --------------------------------------------------------------- config */

static char *str_dup(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? strdup(s) : NULL;
}

static bool http_url(const char *u)
{
	return u && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) &&
	       strlen(u) < MAX_URL / 2;
}

static void add_url_source(struct sources *out, enum source_kind kind, json_t *section,
			   const char *key)
{
	json_t *sub = json_object_get(section, key);
	char *url;

	if (!json_is_object(sub))
		return;
	url = str_dup(sub, "metadata_url");
	if (!http_url(url)) {
		alog_warn("os-collect-config.%s: no http(s) metadata_url: not used", key);
		free(url);
		return;
	}
	out->v[out->n++] = (struct source){.kind = kind, .url = url};
}

/* cfn's path "Resource.Field[.sub.keys]" (a string, or a list whose first
 * entry is used). */
static void add_cfn(struct sources *out, json_t *section)
{
	json_t *sub = json_object_get(section, "cfn"), *path;
	struct source s = {.kind = SOURCE_CFN};
	const char *p;

	if (!json_is_object(sub))
		return;
	path = json_object_get(sub, "path");
	if (json_is_array(path))
		path = json_array_get(path, 0);
	p = json_string_value(path);
	s.url = str_dup(sub, "metadata_url");
	s.access = str_dup(sub, "access_key_id");
	s.secret = str_dup(sub, "secret_access_key");
	s.stack = str_dup(sub, "stack_name");
	if (!http_url(s.url) || !s.access || !s.secret || !s.stack || !p || !strchr(p, '.')) {
		alog_warn("os-collect-config.cfn: needs metadata_url, access_key_id, "
			  "secret_access_key, stack_name and path (Resource.Field): not used");
		goto fail;
	}
	s.resource = strndup(p, strcspn(p, "."));
	p += strcspn(p, ".") + 1;
	s.field = strndup(p, strcspn(p, "."));
	s.subkeys = json_array();
	for (p += strcspn(p, "."); *p == '.'; p += strcspn(p, ".")) {
		p++;
		json_array_append_new(s.subkeys, json_stringn(p, strcspn(p, ".")));
	}
	if (!*s.resource || !*s.field) {
		alog_warn("os-collect-config.cfn: path must be Resource.Field: not used");
		goto fail;
	}
	out->v[out->n++] = s;
	return;
fail:
	free(s.url);
	free(s.access);
	free(s.secret);
	free(s.stack);
	free(s.resource);
	free(s.field);
	json_decref(s.subkeys);
}

void source_load(json_t *section, struct sources *out)
{
	memset(out, 0, sizeof(*out));
	add_url_source(out, SOURCE_HEARTH, section, "hearth");
	add_url_source(out, SOURCE_REQUEST, section, "request");
	add_cfn(out, section);
}

void source_release(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct source *v = &s->v[i];

		free(v->url);
		free(v->access);
		if (v->secret)
			explicit_bzero(v->secret, strlen(v->secret));
		free(v->secret);
		free(v->stack);
		free(v->resource);
		free(v->field);
		json_decref(v->subkeys);
	}
	memset(s, 0, sizeof(*s));
}

const char *source_name(const struct source *s)
{
	static const char *const names[] = {"hearth", "request", "cfn"};

	return names[s->kind];
}

/* ------------------------------------------------------------------ XML */

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The text of n bytes of XML content: entities and character references
 * decoded, CDATA sections copied.  NULL when malformed. */
static char *xml_text(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
			const char *end = memmem(s + i + 9, n - i - 9, "]]>", 3);

			if (!end)
				goto bad;
			memcpy(out + o, s + i + 9, (size_t)(end - s - i - 9));
			o += (size_t)(end - s - i - 9);
			i = (size_t)(end - s) + 3;
		} else if (s[i] == '&') {
			static const struct {
				const char *name;
				char ch;
			} ents[] = {{"amp;", '&'},
				    {"lt;", '<'},
				    {"gt;", '>'},
				    {"quot;", '"'},
				    {"apos;", '\''}};
			const char *semi =
				memchr(s + i, ';', n - i < MAX_XML_ESCAPE ? n - i : MAX_XML_ESCAPE);
			bool done = false;

			if (!semi)
				goto bad;
			for (size_t k = 0; k < sizeof(ents) / sizeof(*ents) && !done; k++)
				if ((size_t)(semi - s - i) == strlen(ents[k].name) &&
				    memcmp(s + i + 1, ents[k].name, strlen(ents[k].name)) == 0) {
					out[o++] = ents[k].ch;
					done = true;
				}
			if (!done && s[i + 1] == '#') {
				bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
				char *end;
				unsigned long cp =
					strtoul(s + i + (hex ? 3 : 2), &end, hex ? 16 : 10);

				if (end != semi || cp == 0 || cp > 0x10FFFF ||
				    (cp >= 0xD800 && cp <= 0xDFFF))
					goto bad;
				/* a reference is never shorter than its UTF-8 */
				o += put_utf8(out + o, cp);
				done = true;
			}
			if (!done)
				goto bad;
			i = (size_t)(semi - s) + 1;
		} else if (s[i] == '<') {
			goto bad; /* markup inside the text */
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* The text of element field inside StackResourceDetail; NULL when absent
 * or malformed. */
static char *xml_field(const char *xml, size_t len, const char *field, struct herr *e)
{
	const char *detail = memmem(xml, len, "<StackResourceDetail>", 21), *start, *end;
	char open[80], close[80];
	size_t ol, cl;

	if (!detail) {
		herr_set(e, HERR_INVALID, "the answer has no StackResourceDetail element");
		return NULL;
	}
	ol = (size_t)snprintf(open, sizeof(open), "<%s>", field);
	cl = (size_t)snprintf(close, sizeof(close), "</%s>", field);
	start = memmem(detail, len - (size_t)(detail - xml), open, ol);
	if (!start) {
		snprintf(open, sizeof(open), "<%s/>", field);
		if (memmem(detail, len - (size_t)(detail - xml), open, strlen(open)))
			return strdup("");
		herr_set(e, HERR_INVALID, "the answer has no %s element", field);
		return NULL;
	}
	start += ol;
	end = memmem(start, len - (size_t)(start - xml), close, cl);
	if (!end) {
		herr_set(e, HERR_INVALID, "the %s element is not closed", field);
		return NULL;
	}
	return xml_text(start, (size_t)(end - start));
}

/* ---------------------------------------------------------------- fetch */

/* url's host[:port] and decoded path (for the signature). */
static int split_url(const char *url, char *host, size_t hsize, char *path, size_t psize)
{
	const char *h = strstr(url, "://") + 3;
	size_t hl = strcspn(h, "/?#"), pl;
	const char *p = h + hl;

	if (hl == 0 || hl >= hsize)
		return -1;
	snprintf(host, hsize, "%.*s", (int)hl, h);
	pl = *p == '/' ? strcspn(p, "?#") : 0;
	if (pl == 0) {
		snprintf(path, psize, "/");
		return 0;
	}
	return sigv2_unquote(p, pl, path, psize);
}

static int cfn_url(const struct source *s, char *out, size_t size, struct herr *e)
{
	char host[512], path[2048], sig[SIGV2_SIZE], q[1024];
	struct sigv2_param params[] = {
		{"Action", "DescribeStackResource"}, {"StackName", s->stack},
		{"LogicalResourceId", s->resource},  {"AWSAccessKeyId", s->access},
		{"SignatureVersion", "2"},           {"SignatureMethod", "HmacSHA256"},
	};
	size_t n = (size_t)snprintf(out, size, "%.*s%c", (int)strcspn(s->url, "#"), s->url,
				    strchr(s->url, '?') ? '&' : '?');

	if (split_url(s->url, host, sizeof(host), path, sizeof(path)) < 0) {
		herr_set(e, HERR_INVALID, "cfn metadata_url cannot be read");
		return -1;
	}
	sigv2_sign(s->secret, "GET", host, path, params, sizeof(params) / sizeof(*params), sig);
	if (!sig[0]) {
		herr_set(e, HERR_NOMEM, "cannot sign the request");
		return -1;
	}
	for (size_t i = 0; i < sizeof(params) / sizeof(*params); i++) {
		if (sigv2_quote(params[i].value, NULL, q, sizeof(q)) >= sizeof(q))
			goto too_long;
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s=%s&", params[i].name,
				      q);
	}
	sigv2_quote(sig, NULL, q, sizeof(q));
	n += (size_t)snprintf(out + n, n < size ? size - n : 0, "Signature=%s", q);
	explicit_bzero(sig, sizeof(sig));
	if (n < size)
		return 0;
too_long:
	herr_set(e, HERR_TOO_BIG, "cfn request URL too long");
	return -1;
}

/* The document inside a DescribeStackResource answer. */
static json_t *cfn_doc(const struct source *s, const char *xml, size_t len, struct herr *e)
{
	char *text = xml_field(xml, len, s->field, e);
	json_t *doc, *sel, *k;
	json_error_t je;
	size_t i;

	if (!text) {
		if (!herr_isset(e))
			herr_set(e, HERR_INVALID, "the %s element is not valid XML text", s->field);
		return NULL;
	}
	doc = json_loads(text, JSON_DECODE_ANY, &je);
	free(text);
	if (!doc) {
		herr_set(e, HERR_INVALID, "%s is not JSON: %s", s->field, je.text);
		return NULL;
	}
	sel = doc;
	json_array_foreach (s->subkeys, i, k) {
		sel = json_object_get(sel, json_string_value(k));
	}
	json_incref(sel);
	json_decref(doc);
	if (!sel)
		herr_set(e, HERR_INVALID, "the path selects nothing in %s", s->field);
	return sel;
}

static void unquote_etag(const char *raw, char *out, size_t size)
{
	size_t n;

	if (strncmp(raw, "W/", 2) == 0)
		raw += 2;
	n = strlen(raw);
	if (n >= 2 && raw[0] == '"' && raw[n - 1] == '"') {
		raw++;
		n -= 2;
	}
	snprintf(out, size, "%.*s", (int)n, raw);
}

int source_fetch(const struct source *s, const char *bind, const char *since, int wait_s,
		 json_t **doc, char *etag, size_t etag_size, struct herr *e)
{
	static const char *const cfn_headers[] = {"Content-Type: application/json", NULL};
	static const char *const json_headers[] = {"Accept: application/json", NULL};
	struct fetch_req req = {"GET", NULL,       bind,           json_headers, NULL,
				0,     TIMEOUT_MS, FETCH_MAX_BODY, false};
	char *url = malloc(MAX_URL), shown[512], q[600];
	struct fetch_resp r = {0};
	json_error_t je;
	int ret = -1;

	*doc = NULL;
	etag[0] = '\0';
	if (!url) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	url[0] = '\0';
	if (s->kind == SOURCE_CFN) {
		if (cfn_url(s, url, MAX_URL, e) < 0)
			goto out;
		req.headers = cfn_headers;
	} else if (s->kind == SOURCE_HEARTH && since && *since && wait_s > 0) {
		sigv2_quote(since, NULL, q, sizeof(q));
		snprintf(url, MAX_URL, "%s%cwait=%d&since=%s", s->url,
			 strchr(s->url, '?') ? '&' : '?', wait_s, q);
		req.timeout_ms = (wait_s + 30) * 1000;
		req.abortable = true;
	} else {
		snprintf(url, MAX_URL, "%s", s->url);
	}
	req.url = url;
	fetch_redact(s->url, shown, sizeof(shown));
	if (fetch(&req, &r, e) < 0)
		goto out;
	if (r.status == 304 && s->kind == SOURCE_HEARTH) {
		ret = 1;
		goto out;
	}
	if (r.status != 200) {
		herr_set(e, r.status >= 500 ? HERR_UNAVAILABLE : HERR_INVALID,
			 "%s source %s: status %ld", source_name(s), shown, r.status);
		goto out;
	}
	if (s->kind == SOURCE_CFN)
		*doc = cfn_doc(s, r.body, r.len, e);
	else if (!(*doc = json_loadb(r.body, r.len, 0, &je)))
		herr_set(e, HERR_INVALID, "%s source %s: not JSON: %s", source_name(s), shown,
			 je.text);
	if (*doc && !json_is_object(*doc)) {
		herr_set(e, HERR_INVALID, "%s source %s: the document is not a JSON object",
			 source_name(s), shown);
		json_decref(*doc);
		*doc = NULL;
	}
	if (*doc) {
		unquote_etag(r.etag, etag, etag_size);
		ret = 0;
	}
out:
	fetch_resp_release(&r);
	explicit_bzero(url, strlen(url) + 1 < MAX_URL ? strlen(url) + 1 : MAX_URL);
	free(url);
	return ret;
}
