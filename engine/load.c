/* Template and environment loading (see load.h).
 *
 * Owns: the YAML event walk that builds jansson trees, PyYAML's scalar
 * resolution, merge keys and anchors, the JSON-first rule, and the table of
 * source marks.  It does not know HOT: versions, sections and functions are
 * read by later stages from the tree and the marks kept here.
 *
 * Marks live in a side table keyed by node pointer (jansson has no user
 * data slot), and by (object, key) for where a key was written. */
#include "engine/load.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/yamlerr.h"

/* ------------------------------------------------------------ mark table */

/* Key marks are keyed by jansson's own copy of the key (stable while the
 * object keeps that key), so recording one costs no allocation. */
struct mark_slot {
	const void *node; /* NULL: free */
	const void *key;  /* NULL for a node's own mark */
	struct mark m;
};

struct doc {
	char *name;
	json_t *root;
	struct mark_slot *slots;
	size_t nslots, used; /* nslots is a power of two */
	/* Marks are indexed only when first asked for (most templates are
	 * valid and never ask): a JSON template's text waits here, and a
	 * YAML template's marks in the order the parser wrote them. */
	char *json_text;
	size_t json_len;
	struct mark_slot *log;
	size_t nlog, caplog;
	int max_depth;
	pthread_mutex_t lock;
};

/* Pointers from malloc share their low bits, so mix all bits down
 * (MurmurHash3's finaliser) before masking. */
static size_t slot_hash(const void *node, const void *key)
{
	uint64_t h = (uintptr_t)node ^ ((uintptr_t)key * 0x9e3779b97f4a7c15ull);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (size_t)h;
}

static struct mark_slot *slot_find(const struct doc *d, const void *node, const void *key)
{
	size_t mask = d->nslots - 1, i;

	if (!d->nslots)
		return NULL;
	for (i = slot_hash(node, key) & mask;; i = (i + 1) & mask) {
		struct mark_slot *s = &d->slots[i];

		if (!s->node || (s->node == node && s->key == key))
			return s;
	}
}

static int slot_grow(struct doc *d)
{
	struct mark_slot *old = d->slots;
	size_t n = d->nslots;

	d->nslots = n ? n * 2 : 1024;
	d->slots = calloc(d->nslots, sizeof(*d->slots));
	if (!d->slots) {
		d->slots = old;
		d->nslots = n;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (old[i].node)
			*slot_find(d, old[i].node, old[i].key) = old[i];
	free(old);
	return 0;
}

/* Records where node, or the key of object node whose jansson copy is key,
 * was written. */
static int mark_set(struct doc *d, const void *node, const void *key, struct mark m)
{
	struct mark_slot *s;

	if ((d->used + 1) * 4 > d->nslots * 3 && slot_grow(d) < 0)
		return -1;
	s = slot_find(d, node, key);
	if (!s->node) {
		s->node = node;
		s->key = key;
		d->used++;
	}
	s->m = m;
	return 0;
}

/* The parser's marks go to the log, in order (a later mark of the same
 * node wins when they are indexed). */
static int mark_put(struct doc *d, const void *node, const void *key, const yaml_mark_t *ym)
{
	if (d->nlog == d->caplog) {
		size_t cap = d->caplog ? d->caplog * 2 : 1024;
		struct mark_slot *log = realloc(d->log, cap * sizeof(*log));

		if (!log)
			return -1;
		d->log = log;
		d->caplog = cap;
	}
	d->log[d->nlog++] =
		(struct mark_slot){node, key, {(unsigned)ym->line + 1, (unsigned)ym->column + 1}};
	return 0;
}

/* jansson's copy of key in obj, or NULL. */
static const void *key_ref(const json_t *obj, const char *key)
{
	void *it = json_object_iter_at((json_t *)obj, key);

	return it ? json_object_iter_key(it) : NULL;
}

static void marks_ready(const struct doc *cd);

bool doc_mark(const struct doc *d, const json_t *node, struct mark *m)
{
	const struct mark_slot *s;

	marks_ready(d);
	s = slot_find(d, node, NULL);

	if (!s || !s->node)
		return false;
	*m = s->m;
	return true;
}

bool doc_key_mark(const struct doc *d, const json_t *obj, const char *key, struct mark *m)
{
	const void *k = key_ref(obj, key);
	const struct mark_slot *s;

	marks_ready(d);
	s = k ? slot_find(d, obj, k) : NULL;

	if (!s || !s->node)
		return false;
	*m = s->m;
	return true;
}

json_t *doc_root(const struct doc *d)
{
	return d->root;
}

const char *doc_name(const struct doc *d)
{
	return d->name;
}

void doc_free(struct doc **pd)
{
	struct doc *d = *pd;

	if (!d)
		return;
	free(d->slots);
	free(d->log);
	free(d->json_text);
	json_decref(d->root);
	free(d->name);
	pthread_mutex_destroy(&d->lock);
	free(d);
	*pd = NULL;
}

/* ------------------------------------------------------ scalar resolution */

/* Copies s without '_' into buf; false if it does not fit. */
static bool strip_underscores(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s; s++)
		if (*s != '_') {
			if (n + 1 >= size)
				return false;
			buf[n++] = *s;
		}
	buf[n] = '\0';
	return true;
}

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* PyYAML's int: [-+]?(0b[01_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+
 * | [1-9][0-9_]*(:[0-5]?[0-9])+).  Returns 1 and *out, 0 when text is not an
 * int, -1 when it is one that does not fit in 64 bits. */
static int yaml_int(const char *text, long long *out)
{
	char buf[512];
	const char *p = text;
	int neg = 0, base = 10;
	unsigned long long v = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && p[1] == 'b' && all_of(p + 2, "01_"))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1] == 'x' && all_of(p + 2, "0123456789abcdefABCDEF_"))
		base = 16, p += 2;
	else if (p[0] == '0' && p[1] && all_of(p + 1, "01234567_"))
		base = 8, p += 1;
	else if (strcmp(p, "0") == 0)
		base = 10;
	else if (p[0] >= '1' && p[0] <= '9' && all_of(p, "0123456789_"))
		base = 10;
	else if (p[0] >= '1' && p[0] <= '9' && strchr(p, ':') && all_of(p, "0123456789_:")) {
		/* Sexagesimal: every group after the first is [0-5]?[0-9]. */
		const char *g = strchr(p, ':');
		while (g) {
			size_t len = strcspn(g + 1, ":");
			if (len < 1 || len > 2 || (len == 2 && g[1] > '5'))
				return 0;
			g = strchr(g + 1, ':');
		}
		base = 60;
	} else
		return 0;
	if (!strip_underscores(p, buf, sizeof(buf)))
		return -1;
	if (!buf[0]) /* "0x_": digits are required (PyYAML refuses it) */
		return 0;
	if (base == 60) {
		char *q = buf;
		while (*q) {
			unsigned long long part = strtoull(q, &q, 10);
			if (v > (ULLONG_MAX - part) / 60)
				return -1;
			v = v * 60 + part;
			if (*q == ':')
				q++;
		}
	} else if (buf[0]) {
		char *end;
		errno = 0;
		v = strtoull(buf, &end, base);
		if (errno || *end)
			return errno ? -1 : 0;
	}
	if (v > (unsigned long long)LLONG_MAX + (unsigned long long)neg)
		return -1;
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 1;
}

/* PyYAML's float: [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)?
 * | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN).
 * Note the exponent needs a dot before it and a sign: 1e3 is a string.
 * Returns 1 for a finite float, 2 for inf/nan (kept as text), 0 otherwise. */
static int yaml_float(const char *text, double *out)
{
	const char *p = text, *q;
	char buf[512];

	if (*p == '-' || *p == '+')
		p++;
	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 || strcmp(p, ".INF") == 0)
		return 2;
	if (p == text &&
	    (strcmp(p, ".nan") == 0 || strcmp(p, ".NaN") == 0 || strcmp(p, ".NAN") == 0))
		return 2;
	if (strchr(p, ':')) {
		/* Sexagesimal float: 190:20:30.15 */
		double v = 0;
		const char *dot = strchr(p, '.');
		if (!dot || p[0] < '1' || p[0] > '9' || (dot[1] && !all_of(dot + 1, "0123456789_")))
			return 0;
		for (q = p; q < dot;) {
			size_t len = strcspn(q, ":.");
			char part[32];
			if (len == 0 || len >= sizeof(part))
				return 0;
			memcpy(part, q, len);
			part[len] = '\0';
			if (!all_of(part, "0123456789_"))
				return 0;
			if (q != p && (strlen(part) > 2 || (strlen(part) == 2 && part[0] > '5')))
				return 0;
			strip_underscores(part, part, sizeof(part));
			v = v * 60 + strtod(part, NULL);
			q += len;
			if (*q == ':')
				q++;
		}
		if (!strip_underscores(dot, buf, sizeof(buf)))
			return 0;
		v += strtod(buf, NULL);
		*out = text[0] == '-' ? -v : v;
		return 1;
	}
	q = p;
	if (*q == '.') {
		/* \.[0-9][0-9_]* -- no sign before a leading dot */
		if (p != text || !isdigit((unsigned char)q[1]))
			return 0;
		q++;
		q += strspn(q, "0123456789_");
	} else {
		if (!isdigit((unsigned char)*q))
			return 0;
		q += strspn(q, "0123456789_");
		if (*q != '.')
			return 0;
		q++;
		q += strspn(q, "0123456789_");
	}
	if (*q == 'e' || *q == 'E') {
		if ((q[1] != '-' && q[1] != '+') || !all_of(q + 2, "0123456789"))
			return 0;
	} else if (*q) {
		return 0;
	}
	if (!strip_underscores(text, buf, sizeof(buf)))
		return 0;
	*out = strtod(buf, NULL);
	return 1;
}

static bool one_of(const char *s, const char *const *words)
{
	/* Most scalars are none of the words: decide those on one byte. */
	if (*s && !strchr("~nNtTyYoOfF", *s))
		return false;
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"yes",  "Yes", "YES", "true", "True",
					 "TRUE", "on",  "On",  "ON",   NULL};
static const char *const false_words[] = {"no",    "No",  "NO",  "false", "False",
					  "FALSE", "off", "Off", "OFF",   NULL};

#define TAG_PREFIX "tag:yaml.org,2002:"

/* The value of a scalar; NULL with why filled when a tag cannot apply. */
static json_t *resolve_scalar(const yaml_event_t *ev, char *why, size_t whysize)
{
	const char *text = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	long long iv;
	double fv;
	int r;

	if (tag && strcmp(tag, "!") != 0) {
		const char *t = strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0
					? tag + strlen(TAG_PREFIX)
					: NULL;
		if (t && (strcmp(t, "str") == 0 || strcmp(t, "timestamp") == 0 ||
			  strcmp(t, "binary") == 0))
			return json_string(text);
		if (t && strcmp(t, "null") == 0)
			return json_null();
		if (t && strcmp(t, "bool") == 0) {
			if (one_of(text, true_words))
				return json_true();
			if (one_of(text, false_words))
				return json_false();
		} else if (t && strcmp(t, "int") == 0) {
			if ((r = yaml_int(text, &iv)) == 1)
				return json_integer(iv);
		} else if (t && strcmp(t, "float") == 0) {
			if ((r = yaml_float(text, &fv)) == 1)
				return json_real(fv);
			if (r == 2)
				return json_string(text);
			if ((r = yaml_int(text, &iv)) == 1)
				return json_real((double)iv);
		} else {
			snprintf(why, whysize, "could not determine a constructor for the tag '%s'",
				 tag);
			return NULL;
		}
		snprintf(why, whysize, "\"%s\" is not a valid !!%s", text, t);
		return NULL;
	}
	if (!plain || tag)
		return json_string(text);
	if (one_of(text, null_words))
		return json_null();
	if (one_of(text, true_words))
		return json_true();
	if (one_of(text, false_words))
		return json_false();
	r = yaml_int(text, &iv);
	if (r == 1)
		return json_integer(iv);
	if (r < 0) {
		snprintf(why, whysize, "integer %s does not fit in 64 bits", text);
		return NULL;
	}
	r = yaml_float(text, &fv);
	if (r == 1)
		return json_real(fv);
	/* Timestamps, .inf and .nan, and everything else stay text. */
	return json_string(text);
}

/* ---------------------------------------------------------------- builder */

struct anchor {
	char *name;
	json_t *node; /* a reference */
	size_t size;  /* nodes it stands for, aliases inside expanded */
};

/* Aliases share nodes, but whoever walks the tree later visits a shared
 * node once per path: a few hundred bytes of nested aliases can stand for
 * billions of nodes.  The loader refuses a document whose expansion
 * exceeds this many nodes. */
#define MAX_EXPANDED_NODES 2000000u

struct builder {
	struct doc *doc;
	yaml_parser_t parser;
	int depth, max_depth;
	size_t nodes; /* nodes built so far, aliases counted expanded */
	struct anchor *anchors;
	size_t nanchors, capanchors;
	json_t *anchor_index; /* name -> index of its latest definition */
	struct herr *e;
};

/* Sets b->e to "name:line:col: " and the message. */
static void fail_at(struct builder *b, const yaml_mark_t *m, enum herr_code code, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
static void fail_at(struct builder *b, const yaml_mark_t *m, enum herr_code code, const char *fmt,
		    ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	herr_set(b->e, code, "%s:%zu:%zu: %s", b->doc->name, m->line + 1, m->column + 1, msg);
}

static int next(struct builder *b, yaml_event_t *ev)
{
	if (yaml_parser_parse(&b->parser, ev))
		return 0;
	yamlerr_set(b->e, b->doc->name, &b->parser);
	return -1;
}

static int anchor_add(struct builder *b, const char *name, json_t *node, size_t size)
{
	struct anchor *a;

	if (b->nanchors == b->capanchors) {
		size_t cap = b->capanchors ? b->capanchors * 2 : 16;
		a = realloc(b->anchors, cap * sizeof(*a));
		if (!a)
			return -1;
		b->anchors = a;
		b->capanchors = cap;
	}
	a = &b->anchors[b->nanchors];
	a->name = strdup(name);
	if (!a->name)
		return -1;
	a->node = json_incref(node);
	a->size = size;
	b->nanchors++;
	if (!b->anchor_index && !(b->anchor_index = json_object()))
		return -1;
	return json_object_set_new(b->anchor_index, name,
				   json_integer((json_int_t)b->nanchors - 1));
}

/* The latest anchor of that name (YAML lets a name be redefined). */
static const struct anchor *anchor_get(const struct builder *b, const char *name)
{
	json_t *i = json_object_get(b->anchor_index, name);

	return i ? &b->anchors[json_integer_value(i)] : NULL;
}

static json_t *build(struct builder *b, yaml_event_t *ev);

/* The text of a key: JSON keys are strings, so scalars other than strings
 * become their JSON text, as Python's json module writes them. */
static int key_text(const json_t *k, char *buf, size_t size)
{
	switch (json_typeof(k)) {
	case JSON_STRING: {
		size_t n = json_string_length(k);

		if (n >= size)
			return -1;
		memcpy(buf, json_string_value(k), n + 1);
		return 0;
	}
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(k));
		return 0;
	case JSON_REAL:
		snprintf(buf, size, "%.17g", json_real_value(k));
		return 0;
	case JSON_TRUE:
		snprintf(buf, size, "true");
		return 0;
	case JSON_FALSE:
		snprintf(buf, size, "false");
		return 0;
	case JSON_NULL:
		snprintf(buf, size, "null");
		return 0;
	default:
		return -1;
	}
}

/* Applies a "<<" value: a mapping, or a sequence of mappings of which the
 * earlier win. */
static int merge_into(struct builder *b, json_t *merged, json_t *value, const yaml_mark_t *m)
{
	if (json_is_object(value))
		return json_object_update(merged, value);
	if (json_is_array(value)) {
		for (size_t i = json_array_size(value); i > 0; i--) {
			json_t *v = json_array_get(value, i - 1);
			if (!json_is_object(v))
				goto bad;
			if (json_object_update(merged, v) < 0)
				return -1;
		}
		return 0;
	}
bad:
	fail_at(b, m, HERR_INVALID, "expected a mapping or list of mappings for merging (<<)");
	return -1;
}

static json_t *build_mapping(struct builder *b)
{
	json_t *obj = json_object(), *merged = NULL;
	char key[1024];

	if (!obj)
		return NULL;
	for (;;) {
		yaml_event_t kev, vev;
		json_t *k = NULL, *v = NULL;
		yaml_mark_t kmark;
		bool is_merge;

		if (next(b, &kev) < 0)
			goto fail;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		kmark = kev.start_mark;
		is_merge = kev.type == YAML_SCALAR_EVENT && !kev.data.scalar.tag &&
			   kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			   strcmp((const char *)kev.data.scalar.value, "<<") == 0;
		if (kev.type == YAML_SEQUENCE_START_EVENT || kev.type == YAML_MAPPING_START_EVENT) {
			fail_at(b, &kmark, HERR_INVALID,
				"found unhashable key (a mapping key must be a scalar)");
			yaml_event_delete(&kev);
			goto fail;
		}
		k = build(b, &kev);
		if (!k)
			goto fail;
		if (key_text(k, key, sizeof(key)) < 0) {
			fail_at(b, &kmark, HERR_INVALID, "found unhashable key");
			json_decref(k);
			goto fail;
		}
		json_decref(k);
		if (next(b, &vev) < 0)
			goto fail;
		v = build(b, &vev);
		if (!v)
			goto fail;
		if (is_merge) {
			if (!merged && !(merged = json_object())) {
				json_decref(v);
				goto fail;
			}
			if (merge_into(b, merged, v, &kmark) < 0) {
				json_decref(v);
				goto fail;
			}
			json_decref(v);
			continue;
		}
		/* Duplicate keys: the last one wins, as in PyYAML. */
		if (json_object_set_new(obj, key, v) < 0 ||
		    mark_put(b->doc, obj, key_ref(obj, key), &kmark) < 0)
			goto fail;
	}
	if (merged) {
		/* Explicit keys win over merged ones wherever they were written;
		 * obj stays the node, so its marks stay valid. */
		const char *k;
		json_t *v;

		json_object_foreach (merged, k, v) {
			if (!json_object_get(obj, k) && json_object_set(obj, k, v) < 0)
				goto fail;
		}
		json_decref(merged);
	}
	return obj;
fail:
	json_decref(merged);
	json_decref(obj);
	return NULL;
}

static json_t *build_sequence(struct builder *b)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (;;) {
		yaml_event_t ev;
		json_t *v;

		if (next(b, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		v = build(b, &ev);
		if (!v || json_array_append_new(arr, v) < 0)
			goto fail;
	}
fail:
	json_decref(arr);
	return NULL;
}

/* Builds the node that ev starts, consuming its events; deletes ev.
 * Returns a new reference, or NULL with b->e set. */
static json_t *build(struct builder *b, yaml_event_t *ev)
{
	yaml_mark_t start = ev->start_mark;
	const char *anchor = NULL;
	char why[400], *anchor_copy = NULL;
	json_t *node = NULL;
	size_t first = b->nodes++;

	switch (ev->type) {
	case YAML_ALIAS_EVENT: {
		const struct anchor *a = anchor_get(b, (const char *)ev->data.alias.anchor);

		if (!a) {
			fail_at(b, &start, HERR_INVALID, "found undefined alias '%s'",
				(const char *)ev->data.alias.anchor);
		} else if ((b->nodes += a->size) > MAX_EXPANDED_NODES) {
			fail_at(b, &start, HERR_TOO_BIG,
				"aliases expand the document beyond %u nodes", MAX_EXPANDED_NODES);
			a = NULL;
		}
		yaml_event_delete(ev);
		return a ? json_incref(a->node) : NULL;
	}
	case YAML_SCALAR_EVENT:
		anchor = (const char *)ev->data.scalar.anchor;
		node = resolve_scalar(ev, why, sizeof(why));
		if (!node)
			fail_at(b, &start, HERR_INVALID, "%s", why);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++b->depth > b->max_depth) {
			fail_at(b, &start, HERR_TOO_BIG, "nested more than %d levels deep",
				b->max_depth);
			yaml_event_delete(ev);
			return NULL;
		}
		anchor = ev->type == YAML_SEQUENCE_START_EVENT
				 ? (const char *)ev->data.sequence_start.anchor
				 : (const char *)ev->data.mapping_start.anchor;
		/* The anchor outlives the event, which is deleted before the
		 * children are read. */
		if (anchor && !(anchor_copy = strdup(anchor))) {
			yaml_event_delete(ev);
			return NULL;
		}
		anchor = anchor_copy;
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			yaml_event_delete(ev);
			node = build_sequence(b);
		} else {
			yaml_event_delete(ev);
			node = build_mapping(b);
		}
		b->depth--;
		break;
	default:
		fail_at(b, &start, HERR_INVALID, "unexpected YAML event");
		yaml_event_delete(ev);
		return NULL;
	}
	if (node && !json_is_boolean(node) && !json_is_null(node) &&
	    mark_put(b->doc, node, NULL, &start) < 0) {
		json_decref(node);
		node = NULL;
	}
	if (node && anchor && anchor_add(b, anchor, node, b->nodes - first) < 0) {
		json_decref(node);
		node = NULL;
	}
	if (!node && !herr_isset(b->e))
		fail_at(b, &start, HERR_NOMEM, "out of memory");
	if (ev->type == YAML_SCALAR_EVENT)
		yaml_event_delete(ev);
	free(anchor_copy);
	return node;
}

/* Reads one document into b->doc->root ({} for an empty stream). */
static int build_document(struct builder *b, const char *text, size_t len)
{
	yaml_event_t ev;
	int rc = -1;

	if (!yaml_parser_initialize(&b->parser)) {
		herr_set(b->e, HERR_NOMEM, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&b->parser, (const unsigned char *)text, len);
	if (next(b, &ev) < 0) /* STREAM-START */
		goto out;
	yaml_event_delete(&ev);
	if (next(b, &ev) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		b->doc->root = json_object();
		if (!b->doc->root)
			herr_set(b->e, HERR_NOMEM, "out of memory");
		rc = b->doc->root ? 0 : -1;
		goto out;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if (next(b, &ev) < 0)
		goto out;
	b->doc->root = build(b, &ev);
	if (!b->doc->root)
		goto out;
	if (next(b, &ev) < 0) /* DOCUMENT-END */
		goto out;
	yaml_event_delete(&ev);
	if (next(b, &ev) < 0)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT) {
		fail_at(b, &ev.start_mark, HERR_INVALID,
			"expected a single document in the stream, but found another document");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	rc = 0;
out:
	for (size_t i = 0; i < b->nanchors; i++) {
		free(b->anchors[i].name);
		json_decref(b->anchors[i].node);
	}
	json_decref(b->anchor_index);
	b->anchor_index = NULL;
	free(b->anchors);
	b->anchors = NULL;
	b->nanchors = b->capanchors = 0;
	yaml_parser_delete(&b->parser);
	return rc;
}

/* ------------------------------------------------------------ JSON marks */

/* Walks a JSON text that jansson accepted, in step with the tree it made,
 * recording marks.  Columns count characters, as libyaml's do.  Where the
 * text and the tree disagree (a duplicate key whose last value wins), the
 * text's value is skipped unmarked. */
struct jscan {
	const char *p, *end;
	unsigned line, col;
	struct doc *d;
};

static void js_adv(struct jscan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xC0) != 0x80) {
		s->col++;
	}
	s->p++;
}

static void js_ws(struct jscan *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p) && *s->p)
		js_adv(s);
}

/* Skips a string, copying its decoded bytes into buf when given (keys);
 * returns the decoded length, or -1 if it does not fit. */
static long js_string(struct jscan *s, char *buf, size_t size)
{
	size_t n = 0;
	bool fits = true;

	js_adv(s); /* " */
	while (s->p < s->end && *s->p != '"') {
		unsigned cp;
		char tmp[4];
		size_t k = 0;

		if (*s->p != '\\') {
			tmp[k++] = *s->p;
			js_adv(s);
		} else {
			js_adv(s);
			switch (*s->p) {
			case 'b':
				tmp[k++] = '\b';
				break;
			case 'f':
				tmp[k++] = '\f';
				break;
			case 'n':
				tmp[k++] = '\n';
				break;
			case 'r':
				tmp[k++] = '\r';
				break;
			case 't':
				tmp[k++] = '\t';
				break;
			case 'u':
				cp = (unsigned)strtoul(
					(char[5]){s->p[1], s->p[2], s->p[3], s->p[4], 0}, NULL, 16);
				for (int i = 0; i < 4; i++)
					js_adv(s);
				if (cp >= 0xD800 && cp < 0xDC00 && s->p + 6 < s->end &&
				    s->p[1] == '\\') {
					unsigned lo = (unsigned)strtoul(
						(char[5]){s->p[3], s->p[4], s->p[5], s->p[6], 0},
						NULL, 16);
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					for (int i = 0; i < 6; i++)
						js_adv(s);
				}
				if (cp < 0x80) {
					tmp[k++] = (char)cp;
				} else if (cp < 0x800) {
					tmp[k++] = (char)(0xC0 | cp >> 6);
					tmp[k++] = (char)(0x80 | (cp & 0x3F));
				} else if (cp < 0x10000) {
					tmp[k++] = (char)(0xE0 | cp >> 12);
					tmp[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
					tmp[k++] = (char)(0x80 | (cp & 0x3F));
				} else {
					tmp[k++] = (char)(0xF0 | cp >> 18);
					tmp[k++] = (char)(0x80 | (cp >> 12 & 0x3F));
					tmp[k++] = (char)(0x80 | (cp >> 6 & 0x3F));
					tmp[k++] = (char)(0x80 | (cp & 0x3F));
				}
				break;
			default: /* " \\ / */
				tmp[k++] = *s->p;
			}
			js_adv(s);
		}
		if (buf && fits) {
			if (n + k >= size)
				fits = false;
			else
				memcpy(buf + n, tmp, k);
		}
		n += k;
	}
	if (s->p < s->end)
		js_adv(s); /* " */
	if (buf && fits)
		buf[n] = '\0';
	return fits ? (long)n : -1;
}

static int jscan_value(struct jscan *s, json_t *node, int depth, int max_depth, struct herr *e)
{
	struct mark at;
	char c;

	js_ws(s);
	if (s->p >= s->end)
		return 0;
	at = (struct mark){s->line, s->col};
	c = *s->p;
	if ((c == '{' || c == '[') && depth >= max_depth) {
		herr_set(e, HERR_TOO_BIG, "%s:%u:%u: nested more than %d levels deep", s->d->name,
			 s->line, s->col, max_depth);
		return -1;
	}
	if (node && !json_is_boolean(node) && !json_is_null(node) &&
	    mark_set(s->d, node, NULL, at) < 0)
		goto nomem;
	if (c == '{') {
		if (node && !json_is_object(node))
			node = NULL;
		js_adv(s);
		for (js_ws(s); s->p < s->end && *s->p != '}'; js_ws(s)) {
			const char *before = s->p;
			char key[1024];
			struct mark km = {s->line, s->col};
			long n = js_string(s, key, sizeof(key));
			json_t *child = NULL;

			if (node && n >= 0 && (size_t)n == strlen(key)) {
				void *it = json_object_iter_at(node, key);

				child = json_object_iter_value(it);
				if (it && mark_set(s->d, node, json_object_iter_key(it), km) < 0)
					goto nomem;
			}
			js_ws(s);
			js_adv(s); /* : */
			if (jscan_value(s, child, depth + 1, max_depth, e) < 0)
				return -1;
			js_ws(s);
			if (s->p < s->end && *s->p == ',')
				js_adv(s);
			if (s->p == before) /* a byte jansson took and we do not */
				js_adv(s);
		}
	} else if (c == '[') {
		size_t i = 0;

		if (node && !json_is_array(node))
			node = NULL;
		js_adv(s);
		for (js_ws(s); s->p < s->end && *s->p != ']'; js_ws(s), i++) {
			const char *before = s->p;

			if (jscan_value(s, node ? json_array_get(node, i) : NULL, depth + 1,
					max_depth, e) < 0)
				return -1;
			js_ws(s);
			if (s->p < s->end && *s->p == ',')
				js_adv(s);
			if (s->p == before) /* a byte jansson took and we do not */
				js_adv(s);
		}
	} else if (c == '"') {
		js_string(s, NULL, 0);
		return 0;
	} else {
		while (s->p < s->end && !strchr(",]} \t\r\n", *s->p) && *s->p)
			js_adv(s);
		return 0;
	}
	if (s->p < s->end)
		js_adv(s); /* } or ] */
	return 0;
nomem:
	herr_set(e, HERR_NOMEM, "out of memory");
	return -1;
}

/* Indexes the marks, once, on first use: the YAML parser's log, or a
 * scan of a JSON template's text. */
static void marks_ready(const struct doc *cd)
{
	struct doc *d = (struct doc *)cd;

	pthread_mutex_lock(&d->lock);
	if (d->log) {
		while (d->nslots * 3 < d->nlog * 4)
			if (slot_grow(d) < 0)
				break;
		for (size_t i = 0; i < d->nlog; i++)
			if (mark_set(d, d->log[i].node, d->log[i].key, d->log[i].m) < 0)
				break;
		free(d->log);
		d->log = NULL;
		d->nlog = d->caplog = 0;
	}
	if (d->json_text) {
		struct jscan js = {.p = d->json_text,
				   .end = d->json_text + d->json_len,
				   .line = 1,
				   .col = 1,
				   .d = d};
		struct herr e = HERR_INIT;

		/* About one mark per 8 bytes of text: the table is sized once. */
		while (d->nslots * 3 < d->json_len / 8 * 4)
			if (slot_grow(d) < 0)
				break;
		jscan_value(&js, d->root, 0, d->max_depth + 1, &e); /* depth checked at load */
		free(d->json_text);
		d->json_text = NULL;
	}
	pthread_mutex_unlock(&d->lock);
}

/* Whether JSON text nests deeper than max (brackets outside strings);
 * says where with Heat-like file:line:col. */
static bool json_too_deep(const char *name, const char *text, size_t len, int max, struct herr *e)
{
	unsigned line = 1, col = 1;
	bool in_string = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++, col++) {
		char c = text[i];

		if (c == '\n') {
			line++;
			col = 0;
		} else if (in_string) {
			if (c == '\\')
				i++, col++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max) {
				herr_set(e, HERR_TOO_BIG,
					 "%s:%u:%u: nested more than %d levels deep", name, line,
					 col, max);
				return true;
			}
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return false;
}

/* ------------------------------------------------------------------- API */

static struct doc *load(const char *name, const char *text, size_t len,
			const struct load_limits *lim, bool json_first, const char *not_mapping,
			struct herr *e)
{
	static const struct load_limits defaults = LOAD_LIMITS_DEFAULT;
	struct builder b = {.e = e};
	struct doc *d;
	json_t *parsed = NULL;

	if (!lim)
		lim = &defaults;
	if (len > lim->max_size) {
		herr_set(
			e, HERR_TOO_BIG,
			"%s: Request limit exceeded: Template size (%zu bytes) exceeds maximum allowed size (%zu bytes).",
			name, len, lim->max_size);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	pthread_mutex_init(&d->lock, NULL);
	if (!(d->name = strdup(name)))
		goto nomem;
	b.doc = d;
	b.max_depth = lim->max_depth;
	d->max_depth = lim->max_depth;
	if (json_first) {
		/* Strict JSON decides; a scan of the same text in step with the
		 * tree records where each node is, when a mark is first asked
		 * for. */
		parsed = json_loadb(text, len, JSON_DECODE_ANY, NULL);
		if (parsed) {
			d->root = parsed;
			if (json_too_deep(name, text, len, lim->max_depth, e))
				goto fail;
			if (!(d->json_text = malloc(len + 1)))
				goto nomem;
			memcpy(d->json_text, text, len);
			d->json_text[len] = '\0';
			d->json_len = len;
		}
	}
	if (!parsed) {
		if (build_document(&b, text, len) < 0)
			goto fail;
	}
	if (!json_is_object(d->root)) {
		if (json_is_null(d->root)) { /* a document holding only null */
			json_decref(d->root);
			d->root = json_object();
			if (!d->root)
				goto nomem;
		} else {
			struct mark m = {1, 1};
			doc_mark(d, d->root, &m);
			herr_set(e, HERR_INVALID, "%s:%u:%u: %s", name, m.line, m.col, not_mapping);
			goto fail;
		}
	}
	return d;
nomem:
	herr_set(e, HERR_NOMEM, "out of memory");
fail:
	doc_free(&d);
	return NULL;
}

struct doc *load_template(const char *name, const char *text, size_t len,
			  const struct load_limits *lim, struct herr *e)
{
	return load(name, text, len, lim, true,
		    "The template is not a JSON object or YAML mapping.", e);
}

struct doc *load_environment(const char *name, const char *text, size_t len,
			     const struct load_limits *lim, struct herr *e)
{
	return load(name, text, len, lim, false,
		    "The environment is not a valid YAML mapping data type.", e);
}
