/* Python-compatible text of values (see pyjson.h).
 *
 * Floats follow CPython's repr: the shortest digit string that reads back
 * as the same double (found by trying 1 to 17 significant digits), shown
 * positionally when the decimal exponent is in -4..15 (with ".0" on
 * integral values) and as d.ddde+XX otherwise.  Strings are read as UTF-8;
 * a byte that is not part of valid UTF-8 counts as U+FFFD. */
#include "engine/pyjson.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson 2.13 has no key lengths: a key ends at its first NUL there. */
#if JANSSON_VERSION_HEX < 0x020e00 || defined(HEARTH_JANSSON_213)
#define json_object_iter_key_len(it) strlen(json_object_iter_key(it))
#endif

/* ---------------------------------------------------------------- buffer */

struct out {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 64;
		char *p;

		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putc_(struct out *o, char c)
{
	put(o, &c, 1);
}

static char *finish(struct out *o)
{
	if (o->oom) {
		free(o->p);
		return NULL;
	}
	if (!o->p)
		return strdup("");
	return o->p;
}

/* ---------------------------------------------------------------- UTF-8 */

/* The code point at s[*i] (n bytes in all), advancing *i past it. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	uint32_t cp;
	size_t need;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
	} else {
		(*i)++;
		return 0xfffd;
	}
	if (*i + need >= n) {
		(*i)++;
		return 0xfffd;
	}
	for (size_t k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff)) {
		(*i)++;
		return 0xfffd;
	}
	*i += need + 1;
	return cp;
}

static void put_utf8(struct out *o, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		put(o, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		put(o, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		put(o, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		put(o, b, 4);
	}
}

/* ---------------------------------------------------------------- numbers */

/* float.__repr__: json spells the non-finite values NaN/Infinity, str()
 * and repr() nan/inf. */
static void put_float(struct out *o, double d, bool json)
{
	char tmp[48], digits[24], buf[64];
	size_t nd = 0, k = 0;
	int exp, decpt, p;
	bool neg;
	char *e;

	if (isnan(d)) {
		puts_(o, json ? "NaN" : "nan");
		return;
	}
	if (isinf(d)) {
		puts_(o, d > 0 ? (json ? "Infinity" : "inf") : (json ? "-Infinity" : "-inf"));
		return;
	}
	if (d == 0) {
		puts_(o, signbit(d) ? "-0.0" : "0.0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	neg = tmp[0] == '-';
	e = strchr(tmp, 'e');
	if (!e) { /* cannot happen with %e; keep the C text rather than fail */
		puts_(o, tmp);
		return;
	}
	exp = (int)strtol(e + 1, NULL, 10);
	for (char *c = tmp + neg; c < e; c++)
		if (*c >= '0' && *c <= '9' && nd < sizeof(digits) - 1)
			digits[nd++] = *c;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	decpt = exp + 1;

	if (neg)
		buf[k++] = '-';
	if (exp < -4 || exp >= 16) {
		buf[k++] = digits[0];
		if (nd > 1) {
			buf[k++] = '.';
			memcpy(buf + k, digits + 1, nd - 1);
			k += nd - 1;
		}
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "e%c%02d", exp < 0 ? '-' : '+',
				      exp < 0 ? -exp : exp);
	} else if (decpt <= 0) {
		buf[k++] = '0';
		buf[k++] = '.';
		for (int z = 0; z < -decpt; z++)
			buf[k++] = '0';
		memcpy(buf + k, digits, nd);
		k += nd;
	} else if ((size_t)decpt >= nd) {
		memcpy(buf + k, digits, nd);
		k += nd;
		for (size_t z = nd; z < (size_t)decpt; z++)
			buf[k++] = '0';
		buf[k++] = '.';
		buf[k++] = '0';
	} else {
		memcpy(buf + k, digits, (size_t)decpt);
		k += (size_t)decpt;
		buf[k++] = '.';
		memcpy(buf + k, digits + decpt, nd - (size_t)decpt);
		k += nd - (size_t)decpt;
	}
	put(o, buf, k);
}

static void put_int(struct out *o, json_int_t i)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, i);
	puts_(o, buf);
}

/* ---------------------------------------------------------------- json.dumps */

/* A JSON string literal with ensure_ascii: everything outside printable
 * ASCII as \uXXXX (astral characters as a surrogate pair), lowercase. */
static void put_json_string(struct out *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[16];
	size_t i = 0;

	putc_(o, '"');
	while (i < n) {
		size_t start = i;
		uint32_t cp;

		/* Runs of plain characters go out in one piece. */
		while (i < n && u[i] >= 0x20 && u[i] < 0x7f && u[i] != '"' && u[i] != '\\')
			i++;
		if (i > start)
			put(o, s + start, i - start);
		if (i >= n)
			break;
		cp = next_cp(u, n, &i);
		switch (cp) {
		case '"':
			puts_(o, "\\\"");
			break;
		case '\\':
			puts_(o, "\\\\");
			break;
		case '\n':
			puts_(o, "\\n");
			break;
		case '\r':
			puts_(o, "\\r");
			break;
		case '\t':
			puts_(o, "\\t");
			break;
		case '\b':
			puts_(o, "\\b");
			break;
		case '\f':
			puts_(o, "\\f");
			break;
		default:
			if (cp >= 0x10000) {
				uint32_t v = cp - 0x10000;

				snprintf(esc, sizeof(esc), "\\u%04x\\u%04x", 0xd800 | (v >> 10),
					 0xdc00 | (v & 0x3ff));
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
			}
			puts_(o, esc);
		}
	}
	putc_(o, '"');
}

struct keyref {
	const char *k;
	size_t n;
	json_t *v;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->n < y->n ? x->n : y->n);

	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static void dumps(struct out *o, const json_t *v, bool sort_keys, int depth)
{
	if (depth > 10000) { /* deeper than any loader lets through */
		o->oom = true;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		struct keyref *keys;
		void *it;

		if (n == 0) {
			puts_(o, "{}");
			return;
		}
		keys = calloc(n, sizeof(*keys));
		if (!keys) {
			o->oom = true;
			return;
		}
		for (it = json_object_iter((json_t *)v); it && i < n;
		     it = json_object_iter_next((json_t *)v, it), i++) {
			keys[i].k = json_object_iter_key(it);
			keys[i].n = json_object_iter_key_len(it);
			keys[i].v = json_object_iter_value(it);
		}
		if (sort_keys)
			qsort(keys, i, sizeof(*keys), keyref_cmp);
		putc_(o, '{');
		for (size_t j = 0; j < i; j++) {
			if (j)
				puts_(o, ", ");
			put_json_string(o, keys[j].k, keys[j].n);
			puts_(o, ": ");
			dumps(o, keys[j].v, sort_keys, depth + 1);
		}
		putc_(o, '}');
		free(keys);
		return;
	}
	case JSON_ARRAY:
		putc_(o, '[');
		for (size_t j = 0; j < json_array_size(v); j++) {
			if (j)
				puts_(o, ", ");
			dumps(o, json_array_get(v, j), sort_keys, depth + 1);
		}
		putc_(o, ']');
		return;
	case JSON_STRING:
		put_json_string(o, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		put_int(o, json_integer_value(v));
		return;
	case JSON_REAL:
		put_float(o, json_real_value(v), true);
		return;
	case JSON_TRUE:
		puts_(o, "true");
		return;
	case JSON_FALSE:
		puts_(o, "false");
		return;
	case JSON_NULL:
		puts_(o, "null");
		return;
	}
}

char *pyjson_dumps(const json_t *v, bool sort_keys)
{
	struct out o = {0};

	if (!v)
		return NULL;
	dumps(&o, v, sort_keys, 0);
	return finish(&o);
}

/* ---------------------------------------------------------------- str/repr */

/* str.isprintable() for a non-ASCII code point, for the characters
 * templates carry: the C1 controls, the spaces other than ' ', format
 * characters, line/paragraph separators, private use and non-characters
 * are not printable; everything else is taken as printable (Python also
 * escapes unassigned code points, which this does not know). */
static bool printable(uint32_t cp)
{
	static const uint32_t ranges[][2] = {
		{0x80, 0xa0},       {0xad, 0xad},       {0x600, 0x605},     {0x61c, 0x61c},
		{0x6dd, 0x6dd},     {0x70f, 0x70f},     {0x890, 0x891},     {0x8e2, 0x8e2},
		{0x1680, 0x1680},   {0x180e, 0x180e},   {0x2000, 0x200f},   {0x2028, 0x202f},
		{0x205f, 0x2064},   {0x2066, 0x206f},   {0x3000, 0x3000},   {0xd800, 0xf8ff},
		{0xfdd0, 0xfdef},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0xfffe, 0xffff},
		{0x110bd, 0x110bd}, {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},
		{0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f}, {0xf0000, 0x10ffff},
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return false;
	return (cp & 0xfffe) != 0xfffe;
}

/* repr() of a str: single quotes unless the text has a ' and no ". */
static void put_repr_string(struct out *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char quote = '\'', esc[16];
	size_t i = 0;

	if (memchr(s, '\'', n) && !memchr(s, '"', n))
		quote = '"';
	putc_(o, quote);
	while (i < n) {
		uint32_t cp = next_cp(u, n, &i);

		if (cp == (uint32_t)quote || cp == '\\') {
			putc_(o, '\\');
			putc_(o, (char)cp);
		} else if (cp == '\t') {
			puts_(o, "\\t");
		} else if (cp == '\n') {
			puts_(o, "\\n");
		} else if (cp == '\r') {
			puts_(o, "\\r");
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", cp);
			puts_(o, esc);
		} else if (cp < 0x7f || printable(cp)) {
			put_utf8(o, cp);
		} else {
			if (cp <= 0xff)
				snprintf(esc, sizeof(esc), "\\x%02x", cp);
			else if (cp <= 0xffff)
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
			else
				snprintf(esc, sizeof(esc), "\\U%08x", cp);
			puts_(o, esc);
		}
	}
	putc_(o, quote);
}

static void repr(struct out *o, const json_t *v, int depth)
{
	if (depth > 10000) {
		o->oom = true;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		bool first = true;
		void *it;

		putc_(o, '{');
		for (it = json_object_iter((json_t *)v); it;
		     it = json_object_iter_next((json_t *)v, it)) {
			if (!first)
				puts_(o, ", ");
			first = false;
			put_repr_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
			puts_(o, ": ");
			repr(o, json_object_iter_value(it), depth + 1);
		}
		putc_(o, '}');
		return;
	}
	case JSON_ARRAY:
		putc_(o, '[');
		for (size_t j = 0; j < json_array_size(v); j++) {
			if (j)
				puts_(o, ", ");
			repr(o, json_array_get(v, j), depth + 1);
		}
		putc_(o, ']');
		return;
	case JSON_STRING:
		put_repr_string(o, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		put_int(o, json_integer_value(v));
		return;
	case JSON_REAL:
		put_float(o, json_real_value(v), false);
		return;
	case JSON_TRUE:
		puts_(o, "True");
		return;
	case JSON_FALSE:
		puts_(o, "False");
		return;
	case JSON_NULL:
		puts_(o, "None");
		return;
	}
}

char *pyjson_repr(const json_t *v)
{
	struct out o = {0};

	if (!v)
		return NULL;
	repr(&o, v, 0);
	return finish(&o);
}

char *pyjson_str(const json_t *v)
{
	struct out o = {0};

	if (!v)
		return NULL;
	if (json_is_string(v))
		put(&o, json_string_value(v), json_string_length(v));
	else
		repr(&o, v, 0);
	return finish(&o);
}

const char *pyjson_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "str";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_ARRAY:
		return "list";
	case JSON_OBJECT:
		return "dict";
	default:
		return "NoneType";
	}
}
