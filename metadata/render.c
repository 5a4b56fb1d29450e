/* The metadata trees (see render.h): path normalisation, the EC2 tree, the
 * OpenStack tree, network_data.json and Nova-shaped error bodies.
 *
 * What it owns: the byte formats of metadata-spec §1-2.  What it does not:
 * who the instance is (metadata.c decides, from the peer or signed proxy
 * headers) and where documents come from (cache.c, from Redis). */
#include <config.h>

#include "metadata/render.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"

#define MAX_SEGS    32
#define MAX_PATH    4096
#define BODY_CAP    (64u << 20)
#define RANDOM_SEED 512
#define SEED_B64    (sodium_base64_ENCODED_LEN(RANDOM_SEED, sodium_base64_VARIANT_ORIGINAL) - 1)
#define CT_TEXT     "text/plain; charset=UTF-8"
#define CT_JSON     "application/json"
#define CT_HTML     "text/html; charset=UTF-8"

/* EC2 versions, oldest first; "latest" is the last. */
static const char *const ec2_versions[] = {
	"1.0",        "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
	"2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04",
};
enum {
	EC2_1_0,
	EC2_2007_01_19,
	EC2_2007_03_01,
	EC2_2007_08_29,
	EC2_2007_10_10,
	EC2_2007_12_15,
	EC2_2008_02_01,
	EC2_2008_09_01,
	EC2_2009_04_04,
	EC2_NVERSIONS
};

/* OpenStack versions, oldest first (Folsom ... Victoria). */
static const char *const os_versions[] = {
	"2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
	"2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14",
};
enum {
	OS_FOLSOM,
	OS_GRIZZLY,
	OS_HAVANA,
	OS_LIBERTY,
	OS_NEWTON_ONE,
	OS_NEWTON_TWO,
	OS_OCATA,
	OS_ROCKY,
	OS_VICTORIA,
	OS_NVERSIONS
};

/* A body rendered once per view (and configuration), kept in the view:
 * the parts of meta_data.json that do not change per request, and
 * network_data.json.  seed_at is the offset of the random seed's
 * SEED_B64 characters, refilled for each request (0: none). */
struct rendered {
	const struct render_cfg *cfg;
	char *text;
	size_t len, seed_at;
};

struct render_view {
	json_t *doc;
	unsigned char *ud;
	size_t ud_len;
	bool has_ud;
	char *password;
	size_t password_len;
	/* Filled lazily by whichever request comes first; a view stays
	 * immutable in every other respect. */
	_Atomic(struct rendered *) meta_data[OS_NVERSIONS];
	_Atomic(struct rendered *) network_data;
};

/* ---------------------------------------------------------------- buffer */

struct buf {
	char *p;
	size_t len, cap;
	bool bad;
};

static void buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > BODY_CAP + 1) {
			b->bad = true;
			return;
		}
		grown = realloc(b->p, cap);
		if (!grown) {
			b->bad = true;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Hands b's bytes to out as a 200 answer (or -1 when b went bad). */
static int buf_reply(struct buf *b, const char *ctype, struct render_out *out)
{
	if (b->bad) {
		free(b->p);
		return -1;
	}
	out->status = 200;
	out->ctype = ctype;
	out->body = b->p;
	out->len = b->len;
	return 0;
}

/* ---------------------------------------------------------------- views */

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

struct render_view *render_view_new(json_t *doc, const char *password, size_t password_len,
				    struct herr *e)
{
	struct render_view *v = NULL;
	json_t *ud;

	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "uuid"))) {
		herr_set(e, HERR_INVALID,
			 "instance document: not an object with a \"uuid\" string");
		goto fail;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		goto nomem;
	v->doc = doc;
	doc = NULL;
	ud = json_object_get(v->doc, "user_data");
	if (json_is_string(ud)) {
		size_t n = json_string_length(ud), cap = n / 4 * 3 + 4;

		v->ud = malloc(cap);
		if (!v->ud)
			goto nomem;
		if (sodium_base642bin(v->ud, cap, json_string_value(ud), n, " \t\r\n", &v->ud_len,
				      NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
			herr_set(e, HERR_INVALID, "instance document: user_data is not base64");
			goto fail;
		}
		v->has_ud = true;
	} else if (ud && !json_is_null(ud)) {
		herr_set(e, HERR_INVALID, "instance document: user_data is not a string");
		goto fail;
	}
	/* An empty password is none (Nova tests the stored value's truth). */
	if (password && password_len) {
		v->password = malloc(password_len + 1);
		if (!v->password)
			goto nomem;
		memcpy(v->password, password, password_len);
		v->password[password_len] = '\0';
		v->password_len = password_len;
	}
	return v;
nomem:
	herr_set(e, HERR_NOMEM, "out of memory");
fail:
	json_decref(doc);
	render_view_free(&v);
	return NULL;
}

void render_view_free(struct render_view **pv)
{
	struct render_view *v = *pv;

	if (!v)
		return;
	json_decref(v->doc);
	free(v->ud);
	for (int i = 0; i <= OS_NVERSIONS; i++) {
		struct rendered *r = i < OS_NVERSIONS ? atomic_load(&v->meta_data[i])
						      : atomic_load(&v->network_data);

		if (r)
			free(r->text);
		free(r);
	}
	if (v->password)
		sodium_memzero(v->password, v->password_len);
	free(v->password);
	free(v);
	*pv = NULL;
}

const char *render_view_uuid(const struct render_view *v)
{
	return sget(v->doc, "uuid") ?: "";
}

const char *render_view_project(const struct render_view *v)
{
	return sget(v->doc, "project_id") ?: "";
}

const char *render_view_address(const struct render_view *v)
{
	return sget(v->doc, "address") ?: "";
}

long render_view_uid(const struct render_view *v)
{
	json_t *u = json_object_get(v->doc, "uid");

	return json_is_integer(u) ? (long)json_integer_value(u) : -1;
}

bool render_view_has_password(const struct render_view *v)
{
	return v->password != NULL;
}

void render_out_free(struct render_out *out)
{
	free(out->body);
	out->body = NULL;
	out->len = 0;
}

/* ------------------------------------------------------------------ JSON */

char *render_dumps(const json_t *v, size_t *len)
{
	char *s = json_dumps(v, JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	size_t n;

	if (!s)
		return NULL;
	/* jansson writes \u escapes in upper case, Python in lower case. */
	n = strlen(s);
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u')
			for (size_t k = i + 2; k < i + 6 && k < n; k++)
				if (s[k] >= 'A' && s[k] <= 'F')
					s[k] = (char)(s[k] - 'A' + 'a');
		i++; /* skip the escaped character */
	}
	if (len)
		*len = n;
	return s;
}

static int json_reply(json_t *v, const char *ctype, struct render_out *out)
{
	size_t n;
	char *s = v ? render_dumps(v, &n) : NULL;

	json_decref(v);
	if (!s)
		return -1;
	out->status = 200;
	out->ctype = ctype;
	out->body = s;
	out->len = n;
	return 0;
}

/* --------------------------------------------------------------- errors */

static const char *status_title(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Request Entity Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static const char *status_explanation(int status)
{
	switch (status) {
	case 400:
		return "The server could not comply with the request since it is either malformed "
		       "or otherwise incorrect.";
	case 401:
		return "This server could not verify that you are authorized to access the document "
		       "you requested.  Either you supplied the wrong credentials (e.g., bad "
		       "password), or your browser does not understand how to supply the "
		       "credentials required.";
	case 403:
		return "Access was denied to this resource.";
	case 404:
		return "The resource could not be found.";
	case 409:
		return "There was a conflict when trying to complete your request.";
	case 503:
		return "The server is currently unavailable. Please try again at a later time.";
	default:
		return "The server has either erred or is incapable of performing the requested "
		       "operation.";
	}
}

int render_error(int status, const char *expl, const char *accept, struct render_out *out)
{
	char code[64];
	struct buf b = {0};
	const char *title = status_title(status);

	memset(out, 0, sizeof(*out));
	if (!expl)
		expl = status_explanation(status);
	snprintf(code, sizeof(code), "%d %s", status, title);
	if (!accept || !accept[0] || strstr(accept, "text/html") || strstr(accept, "*/*")) {
		buf_str(&b, "<html>\n <head>\n  <title>");
		buf_str(&b, code);
		buf_str(&b, "</title>\n </head>\n <body>\n  <h1>");
		buf_str(&b, code);
		buf_str(&b, "</h1>\n  ");
		buf_str(&b, expl);
		buf_str(&b, "<br /><br />\n\n\n\n </body>\n</html>");
		if (buf_reply(&b, CT_HTML, out) < 0)
			return -1;
	} else if (strstr(accept, "application/json")) {
		json_t *j = json_object();
		char *msg = NULL;

		if (j && asprintf(&msg, "%s<br /><br />\n\n\n", expl) >= 0) {
			json_object_set_new(j, "message", json_string(msg));
			json_object_set_new(j, "code", json_string(code));
			json_object_set_new(j, "title", json_string(title));
		}
		free(msg);
		if (json_reply(j, CT_JSON, out) < 0)
			return -1;
	} else {
		buf_str(&b, code);
		buf_str(&b, "\n\n");
		buf_str(&b, expl);
		buf_str(&b, "\n\n   ");
		if (buf_reply(&b, CT_TEXT, out) < 0)
			return -1;
	}
	out->status = status;
	return 0;
}

/* ----------------------------------------------------------------- paths */

int render_normalise(const char *path, char *out, size_t outsize)
{
	size_t len = 0;
	const char *p = path;

	if (outsize < 2)
		return -1;
	while (*p) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		n = strcspn(p, "/");
		p += n;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash before it */
			continue;
		}
		if (len + 1 + n + 1 > outsize)
			return -1;
		out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

bool render_is_anonymous(const char *normalised)
{
	return strcmp(normalised, "/") == 0;
}

/* Splits a normalised path into its segments (pointers into buf, which
 * it modifies); -1 when there are too many. */
static int split(char *buf, char **segs, int max)
{
	int n = 0;
	char *p = buf;

	while (*p == '/')
		p++;
	while (*p) {
		if (n == max)
			return -1;
		segs[n++] = p;
		p += strcspn(p, "/");
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* ------------------------------------------------------------- printing */

static int keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_scalar(struct buf *b, const json_t *v)
{
	char tmp[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		buf_str(b, tmp);
		break;
	case JSON_REAL:
		snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
		buf_str(b, tmp);
		break;
	case JSON_TRUE:
		buf_str(b, "True");
		break;
	case JSON_FALSE:
		buf_str(b, "False");
		break;
	default:
		buf_str(b, "None");
		break;
	}
}

/* A found value as Nova prints it: a dict's sorted keys (a child dict's
 * key with "/", or that child's "_name"), a list's items, a scalar's
 * text; lines joined by "\n" with none at the end. */
static void print_node(struct buf *b, const json_t *v)
{
	if (json_is_object(v)) {
		size_t n = json_object_size(v), k = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *key;
		json_t *child;

		if (!keys) {
			b->bad = true;
			return;
		}
		json_object_foreach ((json_t *)v, key, child)
			if (strcmp(key, "_name") != 0)
				keys[k++] = key;
		qsort(keys, k, sizeof(*keys), keycmp);
		for (size_t i = 0; i < k; i++) {
			const json_t *c = json_object_get(v, keys[i]);
			const char *name = json_is_object(c) ? sget(c, "_name") : NULL;

			if (i)
				buf_str(b, "\n");
			if (name) {
				buf_str(b, name);
			} else {
				buf_str(b, keys[i]);
				if (json_is_object(c))
					buf_str(b, "/");
			}
		}
		free(keys);
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_str(b, "\n");
			print_scalar(b, json_array_get(v, i));
		}
	} else {
		print_scalar(b, v);
	}
}

static int print_reply(const json_t *v, struct render_out *out)
{
	struct buf b = {0};

	buf_add(&b, "", 0);
	print_node(&b, v);
	return buf_reply(&b, CT_TEXT, out);
}

/* ---------------------------------------------------- instance's values */

/* prefix and an id as 8 hex digits ("i-0000002a"); new reference. */
static json_t *ec2_id(const char *prefix, long long v)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), "%s-%08llx", prefix, v);
	return json_string(tmp);
}

static long long iget(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* The host name with the DHCP domain (Nova's "hostname"); new reference. */
static json_t *fqdn(const struct render_cfg *cfg, const json_t *doc)
{
	const char *h = sget(doc, "hostname") ?: sget(doc, "name") ?: "";
	const char *dom = cfg->dhcp_domain ? cfg->dhcp_domain : "";
	char *s = NULL;
	json_t *j;

	if (!dom[0])
		return json_string(h);
	if (asprintf(&s, "%s.%s", h, dom) < 0)
		return NULL;
	j = json_string(s);
	free(s);
	return j;
}

static bool is_v6(const char *ip)
{
	return strchr(ip, ':') != NULL;
}

/* The first fixed IPv4 address over the ports, or NULL. */
static const char *first_fixed_v4(const json_t *doc)
{
	const json_t *port, *fip;
	size_t i, k;

	json_array_foreach (json_object_get(doc, "ports"), i, port)
		json_array_foreach (json_object_get(port, "fixed_ips"), k, fip) {
			const char *ip = sget(fip, "ip_address");

			if (ip && !is_v6(ip))
				return ip;
		}
	return NULL;
}

static const char *first_floating(const json_t *doc)
{
	const json_t *port, *ip;
	size_t i, k;

	json_array_foreach (json_object_get(doc, "ports"), i, port)
		json_array_foreach (json_object_get(port, "floating_ips"), k, ip)
			if (json_is_string(ip))
				return json_string_value(ip);
	return NULL;
}

static int devcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *block_device_mapping(const json_t *doc)
{
	const char *root = sget(doc, "root_device");
	const json_t *vols = json_object_get(doc, "volumes"), *vol;
	json_t *m = json_object();
	const char **devs;
	size_t i, n = 0;

	if (!m)
		return NULL;
	if (!root || !root[0]) {
		json_object_set_new(m, "ami", json_string("sda1"));
		json_object_set_new(m, "ephemeral0", json_string("sda2"));
		json_object_set_new(m, "root", json_string("/dev/sda1"));
		json_object_set_new(m, "swap", json_string("sda3"));
		return m;
	}
	json_object_set_new(m, "ami",
			    json_string(strncmp(root, "/dev/", 5) == 0 ? root + 5 : root));
	json_object_set_new(m, "root", json_string(root));
	devs = calloc(json_array_size(vols) + 1, sizeof(*devs));
	if (!devs) {
		json_decref(m);
		return NULL;
	}
	json_array_foreach (vols, i, vol)
		if (json_is_string(vol) && strcmp(json_string_value(vol), root) != 0)
			devs[n++] = json_string_value(vol);
	qsort(devs, n, sizeof(*devs), devcmp);
	for (i = 0; i < n; i++) {
		char key[32];

		snprintf(key, sizeof(key), "ebs%zu", i);
		json_object_set_new(m, key, json_string(devs[i]));
	}
	free(devs);
	return m;
}

/* The meta-data dict of an EC2 version (new reference). */
static json_t *ec2_meta_data(const struct render_cfg *cfg, const struct render_view *view,
			     const char *remote, int ver)
{
	const json_t *doc = view->doc;
	const char *key = sget(doc, "key_name"), *v4 = first_fixed_v4(doc);
	const char *fip = first_floating(doc);
	json_t *md = json_object(), *sg = json_array(), *host = fqdn(cfg, doc), *x;
	size_t i;

	if (!md || !sg || !host) {
		json_decref(md);
		json_decref(sg);
		json_decref(host);
		return NULL;
	}
	json_object_set_new(md, "ami-id", ec2_id("ami", iget(doc, "image_ec2_id")));
	json_object_set_new(md, "ami-launch-index", json_integer(iget(doc, "launch_index")));
	json_object_set_new(md, "ami-manifest-path", json_string("FIXME"));
	json_object_set(md, "hostname", host);
	json_object_set_new(md, "instance-id", ec2_id("i", iget(doc, "ec2_id")));
	json_object_set_new(md, "local-ipv4",
			    v4       ? json_string(v4)
			    : remote ? json_string(remote)
				     : json_null());
	json_object_set_new(md, "reservation-id", json_string(sget(doc, "reservation_id") ?: ""));
	json_array_foreach (json_object_get(doc, "security_groups"), i, x) {
		if (json_is_string(x))
			json_array_append(sg, x);
		else if (json_is_object(x) && json_is_string(json_object_get(x, "name")))
			json_array_append(sg, json_object_get(x, "name"));
	}
	json_object_set_new(md, "security-groups", sg);
	if (key) {
		json_t *k0 = json_object();
		char *name = NULL;

		if (!k0 || asprintf(&name, "0=%s", key) < 0) {
			json_decref(k0);
			json_decref(md);
			json_decref(host);
			return NULL;
		}
		json_object_set_new(k0, "_name", json_string(name));
		json_object_set_new(k0, "openssh-key", json_string(sget(doc, "public_key") ?: ""));
		json_object_set_new(md, "public-keys", json_pack("{s:o}", "0", k0));
		free(name);
	}
	if (ver >= EC2_2007_01_19) {
		json_object_set(md, "local-hostname", host);
		json_object_set(md, "public-hostname", host);
		json_object_set_new(md, "public-ipv4", json_string(fip ? fip : ""));
	}
	if (ver >= EC2_2007_08_29)
		json_object_set(md, "instance-type", json_object_get(doc, "flavor") ?: json_null());
	if (ver >= EC2_2007_12_15)
		json_object_set_new(md, "block-device-mapping", block_device_mapping(doc));
	if (ver >= EC2_2008_02_01) {
		json_t *az = json_object_get(doc, "availability_zone");

		json_object_set_new(md, "placement",
				    json_pack("{s:O}", "availability-zone", az ? az : json_null()));
	}
	if (ver >= EC2_2008_09_01)
		json_object_set_new(md, "instance-action", json_string("none"));
	json_decref(host);
	return md;
}

/* ----------------------------------------------------------- EC2 tree */

static int ec2_version_list(struct render_out *out)
{
	struct buf b = {0};

	for (int i = 0; i < EC2_NVERSIONS; i++) {
		buf_str(&b, ec2_versions[i]);
		buf_str(&b, "\n");
	}
	buf_str(&b, "latest");
	return buf_reply(&b, CT_TEXT, out);
}

static int find_version(const char *const *list, int n, const char *v)
{
	if (strcmp(v, "latest") == 0)
		return n - 1;
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], v) == 0)
			return i;
	return -1;
}

static int not_found(const struct render_req *req, struct render_out *out)
{
	return render_error(404, NULL, req->accept, out);
}

static int ec2_tree(const struct render_cfg *cfg, const struct render_view *view,
		    const struct render_req *req, char **segs, int n, struct render_out *out)
{
	int ver, rc;
	json_t *md;
	const json_t *node;

	if (n == 0)
		return ec2_version_list(out);
	ver = find_version(ec2_versions, EC2_NVERSIONS, segs[0]);
	if (ver < 0)
		return not_found(req, out);
	if (n == 1) {
		struct buf b = {0};

		buf_str(&b, "meta-data/");
		if (view->has_ud)
			buf_str(&b, "\nuser-data");
		return buf_reply(&b, CT_TEXT, out);
	}
	if (strcmp(segs[1], "user-data") == 0) {
		struct buf b = {0};

		if (n != 2 || !view->has_ud)
			return not_found(req, out);
		buf_add(&b, view->ud, view->ud_len);
		return buf_reply(&b, CT_TEXT, out);
	}
	if (strcmp(segs[1], "meta-data") != 0)
		return not_found(req, out);
	md = ec2_meta_data(cfg, view, req->remote, ver);
	if (!md)
		return -1;
	node = md;
	for (int i = 2; i < n && node; i++)
		node = json_is_object(node) && strcmp(segs[i], "_name") != 0
			       ? json_object_get(node, segs[i])
			       : NULL;
	rc = node ? print_reply(node, out) : not_found(req, out);
	json_decref(md);
	return rc;
}

/* ------------------------------------------------------ OpenStack tree */

/* placeholder: the random seed is SEED_B64 '@'s (for rendered()). */
static json_t *meta_data_json(const struct render_cfg *cfg, const struct render_view *view, int ver,
			      bool placeholder)
{
	const json_t *doc = view->doc, *meta = json_object_get(doc, "meta");
	const char *key = sget(doc, "key_name");
	json_t *o = json_object(), *az = json_object_get(doc, "availability_zone");

	if (!o)
		return NULL;
	json_object_set(o, "uuid", json_object_get(doc, "uuid"));
	if (json_is_object(meta) && json_object_size(meta))
		json_object_set(o, "meta", (json_t *)meta);
	if (key) {
		const char *pk = sget(doc, "public_key") ?: "";

		json_object_set_new(o, "public_keys", json_pack("{s:s}", key, pk));
		json_object_set_new(o, "keys",
				    json_pack("[{s:s, s:s, s:s}]", "name", key, "type",
					      sget(doc, "key_type") ?: "ssh", "data", pk));
	}
	json_object_set_new(o, "hostname", fqdn(cfg, doc));
	json_object_set(o, "name", json_object_get(doc, "name") ?: json_null());
	json_object_set_new(o, "launch_index", json_integer(iget(doc, "launch_index")));
	json_object_set(o, "availability_zone", az ? az : json_null());
	if (ver >= OS_GRIZZLY) {
		unsigned char seed[RANDOM_SEED];
		char b64[SEED_B64 + 1];

		if (placeholder) {
			memset(b64, '@', SEED_B64);
			b64[SEED_B64] = '\0';
		} else {
			randombytes_buf(seed, sizeof(seed));
			sodium_bin2base64(b64, sizeof(b64), seed, sizeof(seed),
					  sodium_base64_VARIANT_ORIGINAL);
		}
		json_object_set_new(o, "random_seed", json_string(b64));
	}
	if (ver >= OS_LIBERTY)
		json_object_set(o, "project_id", json_object_get(doc, "project_id") ?: json_null());
	if (ver >= OS_NEWTON_ONE)
		json_object_set_new(o, "devices", json_array());
	if (ver >= OS_VICTORIA)
		json_object_set_new(o, "dedicated_cpus", json_array());
	return o;
}

static json_t *vendor_static(const struct render_cfg *cfg)
{
	return cfg->vendor_data ? json_incref((json_t *)cfg->vendor_data) : json_object();
}

static int password(const struct render_view *view, const struct render_req *req,
		    struct render_out *out)
{
	if (strcmp(req->method, "GET") == 0) {
		struct buf b = {0};

		buf_add(&b, view->password ? view->password : "", view->password_len);
		return buf_reply(&b, CT_HTML, out);
	}
	if (strcmp(req->method, "POST") != 0)
		return render_error(400, "GET and POST only are supported.", req->accept, out);
	if (view->password)
		return render_error(409, NULL, req->accept, out);
	if (req->content_length > RENDER_PASSWORD_MAX || req->body_len > RENDER_PASSWORD_MAX)
		return render_error(400, "Request is too large.", req->accept, out);
	out->status = 200;
	out->ctype = CT_HTML;
	out->action = RENDER_SET_PASSWORD;
	return 0;
}

/* The rendered body in *slot, made by make_json (new reference) on first
 * use; NULL when out of memory.  *kept says whether the view holds it;
 * a body made for another configuration than the kept one is not kept
 * (only tests render one view with two). */
static struct rendered *rendered(_Atomic(struct rendered *) *slot, const struct render_cfg *cfg,
				 json_t *(*make_json)(const struct render_cfg *,
						      const struct render_view *, int),
				 const struct render_view *view, int ver, bool *kept)
{
	static const char key[] = "\"random_seed\": \"";
	struct rendered *r = atomic_load(slot), *none = NULL;
	json_t *j;

	*kept = true;
	if (r && r->cfg == cfg)
		return r;
	r = calloc(1, sizeof(*r));
	j = r ? make_json(cfg, view, ver) : NULL;
	if (!j || !(r->text = render_dumps(j, &r->len))) {
		json_decref(j);
		free(r);
		return NULL;
	}
	json_decref(j);
	r->cfg = cfg;
	/* The last match is the top-level key: meta's strings come before it
	 * and a quote inside any string value is escaped. */
	for (const char *p = r->text; (p = strstr(p, key)); p++) {
		size_t at = (size_t)(p - r->text) + sizeof(key) - 1;

		if (at + SEED_B64 < r->len && r->text[at] == '@' && r->text[at + SEED_B64] == '"')
			r->seed_at = at;
	}
	if (!atomic_compare_exchange_strong(slot, &none, r))
		*kept = false; /* another request kept its own first */
	return r;
}

static void rendered_drop(struct rendered *r, bool kept)
{
	if (r && !kept) {
		free(r->text);
		free(r);
	}
}

static json_t *md_placeholder(const struct render_cfg *cfg, const struct render_view *view, int ver)
{
	return meta_data_json(cfg, view, ver, true);
}

static json_t *nd_json(const struct render_cfg *cfg, const struct render_view *view, int ver)
{
	(void)cfg;
	(void)ver;
	return render_network_data(view->doc);
}

/* A copy of a rendered body, with a fresh seed where it has one. */
static int rendered_reply(struct rendered *r, bool kept, const char *ctype, struct render_out *out)
{
	char *body;

	if (!r)
		return -1;
	body = malloc(r->len + 1);
	if (!body) {
		rendered_drop(r, kept);
		return -1;
	}
	memcpy(body, r->text, r->len + 1);
	if (r->seed_at) {
		unsigned char seed[RANDOM_SEED];
		char b64[SEED_B64 + 1];

		randombytes_buf(seed, sizeof(seed));
		sodium_bin2base64(b64, sizeof(b64), seed, sizeof(seed),
				  sodium_base64_VARIANT_ORIGINAL);
		memcpy(body + r->seed_at, b64, SEED_B64);
	}
	out->status = 200;
	out->ctype = ctype;
	out->body = body;
	out->len = r->len;
	rendered_drop(r, kept);
	return 0;
}

/* The slots are filled through a const view: they are a cache, not
 * part of what the view says. */
static int meta_data_reply(const struct render_cfg *cfg, const struct render_view *view, int ver,
			   struct render_out *out)
{
	struct render_view *v = (struct render_view *)view;
	bool kept;
	struct rendered *r = rendered(&v->meta_data[ver], cfg, md_placeholder, view, ver, &kept);

	return rendered_reply(r, kept, CT_JSON, out);
}

static int network_data_reply(const struct render_cfg *cfg, const struct render_view *view,
			      struct render_out *out)
{
	struct render_view *v = (struct render_view *)view;
	bool kept;
	struct rendered *r = rendered(&v->network_data, cfg, nd_json, view, 0, &kept);

	return rendered_reply(r, kept, CT_TEXT, out);
}

static int os_tree(const struct render_cfg *cfg, const struct render_view *view,
		   const struct render_req *req, char **segs, int n, struct render_out *out)
{
	int ver;
	const char *f;

	if (n == 0) {
		char today[16] = "9999-99-99";
		struct tm tm;
		struct buf b = {0};

		if (gmtime_r(&req->now, &tm))
			strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		for (int i = 0; i < OS_NVERSIONS; i++)
			if (strcmp(os_versions[i], today) <= 0) {
				buf_str(&b, os_versions[i]);
				buf_str(&b, "\n");
			}
		buf_str(&b, "latest");
		return buf_reply(&b, CT_TEXT, out);
	}
	ver = find_version(os_versions, OS_NVERSIONS, segs[0]);
	if (ver < 0)
		return not_found(req, out);
	if (n == 1) {
		struct buf b = {0};

		buf_str(&b, "meta_data.json");
		if (view->has_ud)
			buf_str(&b, "\nuser_data");
		if (ver >= OS_GRIZZLY)
			buf_str(&b, "\npassword");
		if (ver >= OS_HAVANA)
			buf_str(&b, "\nvendor_data.json");
		if (ver >= OS_LIBERTY)
			buf_str(&b, "\nnetwork_data.json");
		if (ver >= OS_NEWTON_TWO)
			buf_str(&b, "\nvendor_data2.json");
		return buf_reply(&b, CT_TEXT, out);
	}
	if (n > 2)
		return not_found(req, out);
	f = segs[1];
	if (strcmp(f, "meta_data.json") == 0)
		return meta_data_reply(cfg, view, ver, out);
	if (strcmp(f, "user_data") == 0) {
		struct buf b = {0};

		if (!view->has_ud)
			return not_found(req, out);
		buf_add(&b, view->ud, view->ud_len);
		return buf_reply(&b, CT_TEXT, out);
	}
	if (strcmp(f, "password") == 0 && ver >= OS_GRIZZLY)
		return password(view, req, out);
	if (strcmp(f, "vendor_data.json") == 0 && ver >= OS_HAVANA)
		return json_reply(vendor_static(cfg), CT_JSON, out);
	/* Nova serves it at every version, though it lists it from Liberty,
	 * and as text/plain. */
	if (strcmp(f, "network_data.json") == 0)
		return network_data_reply(cfg, view, out);
	if (strcmp(f, "vendor_data2.json") == 0 && ver >= OS_NEWTON_TWO) {
		json_t *vd = json_object();

		if (vd)
			json_object_set_new(vd, "static", vendor_static(cfg));
		return json_reply(vd, CT_JSON, out);
	}
	return not_found(req, out);
}

int render(const struct render_cfg *cfg, const struct render_view *view,
	   const struct render_req *req, struct render_out *out)
{
	char path[MAX_PATH];
	char *segs[MAX_SEGS];
	int n;

	memset(out, 0, sizeof(*out));
	if (render_normalise(req->path, path, sizeof(path)) < 0 ||
	    (n = split(path, segs, MAX_SEGS)) < 0)
		return not_found(req, out);
	if (n == 0)
		return ec2_version_list(out);
	if (!view)
		return not_found(req, out);
	if (strcmp(segs[0], "openstack") == 0)
		return os_tree(cfg, view, req, segs + 1, n - 1, out);
	if (strcmp(segs[0], "ec2") == 0)
		return ec2_tree(cfg, view, req, segs + 1, n - 1, out);
	return ec2_tree(cfg, view, req, segs, n, out);
}

/* ----------------------------------------------------- network_data.json */

static const char *const link_types[] = {"bridge", "dvs",       "hw_veb", "hyperv", "ovs",
					 "tap",    "vhostuser", "vif",    NULL};

/* The network part and mask of "addr/prefix" (or of addr with prefix
 * when cidr is NULL) as text; -1 when it does not parse. */
static int cidr_parts(const char *cidr, int family, char *net, char *mask, size_t size)
{
	unsigned char a[16] = {0}, m[16] = {0};
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	int bits = family == AF_INET ? 32 : 128, prefix;
	char *end;
	size_t hl = slash ? (size_t)(slash - cidr) : strlen(cidr);

	if (!slash || hl >= sizeof(host))
		return -1;
	memcpy(host, cidr, hl);
	host[hl] = '\0';
	prefix = (int)strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || prefix < 0 || prefix > bits ||
	    inet_pton(family, host, a) != 1)
		return -1;
	for (int i = 0; i < bits / 8; i++) {
		int left = prefix - i * 8;

		m[i] = left >= 8 ? 0xff : left <= 0 ? 0 : (unsigned char)(0xff << (8 - left));
		a[i] &= m[i];
	}
	if ((net && !inet_ntop(family, a, net, (socklen_t)size)) ||
	    (mask && !inet_ntop(family, m, mask, (socklen_t)size)))
		return -1;
	return 0;
}

static json_t *dns_services(const json_t *subnet)
{
	json_t *s = json_array(), *ip;
	size_t i;

	json_array_foreach (json_object_get(subnet, "dns_nameservers"), i, ip)
		if (json_is_string(ip))
			json_array_append_new(
				s, json_pack("{s:s, s:O}", "type", "dns", "address", ip));
	return s;
}

static json_t *routes(const json_t *subnet, int family)
{
	const char *gw = sget(subnet, "gateway_ip"), *any = family == AF_INET ? "0.0.0.0" : "::";
	json_t *r = json_array(), *hr;
	size_t i;

	if (gw)
		json_array_append_new(r, json_pack("{s:s, s:s, s:s}", "network", any, "netmask",
						   any, "gateway", gw));
	json_array_foreach (json_object_get(subnet, "host_routes"), i, hr) {
		char net[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN];
		const char *dst = sget(hr, "destination"), *hop = sget(hr, "nexthop");

		if (!dst || !hop || cidr_parts(dst, family, net, mask, sizeof(net)) < 0)
			continue;
		json_array_append_new(r, json_pack("{s:s, s:s, s:s}", "network", net, "netmask",
						   mask, "gateway", hop));
	}
	return r;
}

static void add_services(json_t *all, const json_t *more)
{
	const json_t *s, *t;
	size_t i, k;

	json_array_foreach (more, i, s) {
		bool seen = false;

		json_array_foreach (all, k, t)
			if (json_equal((json_t *)s, (json_t *)t))
				seen = true;
		if (!seen)
			json_array_append((json_t *)all, (json_t *)s);
	}
}

json_t *render_network_data(const json_t *doc)
{
	const json_t *ports = json_object_get(doc, "ports"),
		     *subnets = json_object_get(doc, "subnets");
	const json_t *port;
	json_t *links, *nets, *services, *top;
	size_t i;
	int nlinks = 0, nnets = 0;

	if (!json_array_size(ports))
		return json_object();
	links = json_array();
	nets = json_array();
	services = json_array();
	top = json_pack("{s:o, s:o, s:o}", "links", links, "networks", nets, "services", services);
	if (!top)
		return NULL;
	json_array_foreach (ports, i, port) {
		const json_t *sub[2] = {NULL, NULL}, *fip;
		const char *ip[2] = {NULL, NULL}, *type = sget(port, "vif_type") ?: "";
		const char *net_id = sget(port, "network_id");
		const char *mac = sget(port, "mac") ?: "", *dev = sget(port, "device");
		bool dhcp = false;
		char link_id[64], macl[64];
		json_t *mtu, *link;
		size_t k;

		json_array_foreach (json_object_get(port, "fixed_ips"), k, fip) {
			const json_t *s = json_object_get(subnets, sget(fip, "subnet_id") ?: "");
			const char *a = sget(fip, "ip_address");
			int v;

			if (!json_is_object(s) || !a)
				continue;
			v = json_integer_value(json_object_get(s, "ip_version"))
				    ? (int)json_integer_value(json_object_get(s, "ip_version"))
			    : is_v6(a) ? 6
				       : 4;
			if (json_is_true(json_object_get(s, "enable_dhcp")))
				dhcp = true;
			if (v != 4 && v != 6)
				continue;
			if (!sub[v == 6]) {
				sub[v == 6] = s;
				ip[v == 6] = a;
			}
		}
		if (!sub[0] && !sub[1])
			continue;
		if (dev && dev[0])
			snprintf(link_id, sizeof(link_id), "%s", dev);
		else
			snprintf(link_id, sizeof(link_id), "interface%d", nlinks);
		nlinks++;
		snprintf(macl, sizeof(macl), "%s", mac);
		for (char *c = macl; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		mtu = dhcp ? NULL
			   : json_object_get(json_object_get(json_object_get(doc, "networks"),
							     net_id ? net_id : ""),
					     "mtu");
		link = json_object();
		json_object_set_new(link, "id", json_string(link_id));
		json_object_set(link, "vif_id", json_object_get(port, "id") ?: json_null());
		json_object_set_new(link, "type",
				    json_string(text_in(type, link_types) ? type : "phy"));
		json_object_set(link, "mtu", json_is_integer(mtu) ? mtu : json_null());
		json_object_set_new(link, "ethernet_mac_address", json_string(macl));
		json_array_append_new(links, link);

		for (int f = 0; f < 2; f++) {
			const json_t *s = sub[f];
			const char *mode = f ? sget(s, "ipv6_address_mode") : NULL;
			int family = f ? AF_INET6 : AF_INET;
			char id[32], tbuf[64], mask[INET6_ADDRSTRLEN];
			json_t *n, *svc;

			if (!s)
				continue;
			svc = dns_services(s);
			add_services(services, svc);
			snprintf(id, sizeof(id), "network%d", nnets++);
			n = json_object();
			json_object_set_new(n, "id", json_string(id));
			if (mode)
				snprintf(tbuf, sizeof(tbuf), "ipv%d_%s", f ? 6 : 4, mode);
			else if (json_is_true(json_object_get(s, "enable_dhcp")))
				snprintf(tbuf, sizeof(tbuf), "ipv%d_dhcp", f ? 6 : 4);
			else
				snprintf(tbuf, sizeof(tbuf), "ipv%d", f ? 6 : 4);
			json_object_set_new(n, "type", json_string(tbuf));
			json_object_set_new(n, "link", json_string(link_id));
			if (!mode && json_is_true(json_object_get(s, "enable_dhcp"))) {
				json_object_set_new(n, "network_id",
						    net_id ? json_string(net_id) : json_null());
				json_decref(svc);
				json_array_append_new(nets, n);
				continue;
			}
			json_object_set_new(n, "ip_address", json_string(ip[f]));
			if (cidr_parts(sget(s, "cidr") ?: "", family, NULL, mask, sizeof(mask)) < 0)
				json_object_set_new(n, "netmask", json_null());
			else
				json_object_set_new(n, "netmask", json_string(mask));
			json_object_set_new(n, "routes", routes(s, family));
			json_object_set_new(n, "network_id",
					    net_id ? json_string(net_id) : json_null());
			json_object_set_new(n, "services", svc);
			json_array_append_new(nets, n);
		}
	}
	return top;
}
