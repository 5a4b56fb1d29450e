/* Pure intrinsic functions (see fnlib.h, hot-spec §2.3).
 *
 * Each function reproduces what Heat 19 computes and raises, including
 * the Python errors that reach the user unchanged ("empty separator",
 * "replace() argument 2 must be str, not int").  Where Heat puts a value
 * into a message it uses Python's repr() or str(); pyjson renders those.
 *
 * Equality is Python's ==, as Heat compares resolved values with it
 * (equals, contains, filter, list_concat_unique): no coercion between
 * strings and numbers ([1, "1"] differ), but numbers compare by value
 * across int and float (1 == 1.0), and a boolean is the integer 0 or 1
 * (true == 1); maps compare by content whatever their key order.
 *
 * The strings this file receives are valid UTF-8 (jansson checks it), so
 * searching bytes finds the same matches Python finds in code points;
 * lengths and positions in messages are counted in code points. */
#include "engine/fnlib.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "engine/pyjson.h"

/* jansson 2.14 added keys with a length; with 2.13 a key ends at its
 * first NUL, which the parser never lets into a key anyway. */
#if JANSSON_VERSION_HEX < 0x020e00 || defined(HEARTH_JANSSON_213)
#define json_object_iter_key_len(it) strlen(json_object_iter_key(it))

static json_t *compat_getn(const json_t *o, const char *k, size_t n)
{
	char *t = strndup(k, n);
	json_t *v = t ? json_object_get(o, t) : NULL;

	free(t);
	return v;
}

static int compat_setn_new(json_t *o, const char *k, size_t n, json_t *v)
{
	char *t = strndup(k, n);
	int rc = t ? json_object_set_new(o, t, v) : (json_decref(v), -1);

	free(t);
	return rc;
}
#define json_object_getn     compat_getn
#define json_object_setn_new compat_setn_new
#endif

/* Bytes of one string result, and items of one repeat result: Heat has
 * no limits, so a template could ask for gigabytes; these fail cleanly. */
#define FNLIB_MAX_TEXT  ((size_t)64 << 20)
#define FNLIB_MAX_ITEMS 100000
/* Heat cuts the repr() of a value in its messages to this many characters. */
#define REPR_CUT 200

struct call {
	const char *name;
	enum hot_version v;
	json_t *args;
	struct fn_err *fe;
};

/* ---------------------------------------------------------------- errors */

/* Drops a UTF-8 sequence that truncation cut in the middle. */
static void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && n - i < 3)
		i--;
	if (i == 0)
		return;
	need = (unsigned char)s[i - 1] >= 0xf0   ? 4
	       : (unsigned char)s[i - 1] >= 0xe0 ? 3
	       : (unsigned char)s[i - 1] >= 0xc0 ? 2
						 : 1;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Records Heat's message for this call (the first one wins) and returns
 * NULL, so that error paths read "return fail(...)". */
static json_t *fail(struct call *c, bool form, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_t *fail(struct call *c, bool form, const char *fmt, ...)
{
	va_list ap;

	if (c->fe->msg[0])
		return NULL;
	c->fe->form = form;
	va_start(ap, fmt);
	vsnprintf(c->fe->msg, sizeof(c->fe->msg), fmt, ap);
	va_end(ap);
	utf8_trim(c->fe->msg);
	return NULL;
}

static json_t *oom(struct call *c)
{
	return fail(c, false, "Out of memory evaluating \"%s\"", c->name);
}

/* ---------------------------------------------------------------- text */

/* A growable string with a cap: appends past FNLIB_MAX_TEXT, or that
 * cannot be allocated, mark it failed and are ignored from then on. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom, big;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom || b->big)
		return;
	if (n > FNLIB_MAX_TEXT - b->len) {
		b->big = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_free(struct sbuf *b)
{
	free(b->p);
	*b = (struct sbuf){0};
}

/* The buffer as a new JSON string (the buffer is emptied), or NULL with
 * the error recorded. */
static json_t *sb_json(struct call *c, struct sbuf *b)
{
	json_t *r = NULL;

	if (b->big)
		fail(c, false, "The result of \"%s\" is too big (more than %zu bytes)", c->name,
		     FNLIB_MAX_TEXT);
	else if (b->oom)
		oom(c);
	else if (!(r = json_stringn(b->p ? b->p : "", b->len)))
		fail(c, false, "The result of \"%s\" is not valid UTF-8", c->name);
	sb_free(b);
	return r;
}

/* The code point at s[*i], advancing *i past it (U+FFFD for a bad byte). */
static uint32_t cp_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp = u[*i];
	size_t need = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;

	if (cp >= 0x80 && (cp < 0xc0 || *i + need >= n)) {
		(*i)++;
		return 0xfffd;
	}
	if (need)
		cp &= 0x3f >> need;
	for (size_t k = 1; k <= need; k++) {
		if ((u[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = cp << 6 | (u[*i + k] & 0x3f);
	}
	*i += need + 1;
	return cp;
}

/* len() of a Python str held as UTF-8. */
static size_t cp_count(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

/* str.isspace(), which str.split() and int() use. */
static bool py_isspace(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 ||
	       cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* s.replace(old, new): every non-overlapping occurrence, left to right;
 * an empty old inserts new around every character. */
static void py_replace(struct sbuf *b, const char *s, size_t n, const char *old, size_t on,
		       const char *new, size_t nn)
{
	const char *end = s + n, *hit;

	if (on == 0) {
		size_t i = 0;

		sb_put(b, new, nn);
		while (i < n) {
			size_t from = i;

			cp_next(s, n, &i);
			sb_put(b, s + from, i - from);
			sb_put(b, new, nn);
		}
		return;
	}
	while ((hit = memmem(s, (size_t)(end - s), old, on))) {
		sb_put(b, s, (size_t)(hit - s));
		sb_put(b, new, nn);
		s = hit + on;
	}
	sb_put(b, s, (size_t)(end - s));
}

/* ---------------------------------------------------------------- Python values */

/* bool(v) */
static bool py_truthy(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_TRUE:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return false;
	}
}

static bool is_num(const json_t *v)
{
	return json_is_integer(v) || json_is_real(v) || json_is_boolean(v);
}

static json_int_t int_of(const json_t *v)
{
	return json_is_integer(v) ? json_integer_value(v) : json_is_true(v);
}

/* a == b between numbers, exactly, as Python compares int and float. */
static bool num_equal(const json_t *a, const json_t *b)
{
	double d;
	json_int_t i;

	if (json_is_real(a) && json_is_real(b))
		return json_real_value(a) == json_real_value(b);
	if (!json_is_real(a) && !json_is_real(b))
		return int_of(a) == int_of(b);
	d = json_is_real(a) ? json_real_value(a) : json_real_value(b);
	i = json_is_real(a) ? int_of(b) : int_of(a);
	/* Integral, and inside the range where the conversion is exact. */
	if (!(d == floor(d)) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
		return false;
	return (json_int_t)d == i;
}

/* a == b, Python's way (see the top of this file). */
static bool py_equal(const json_t *a, const json_t *b)
{
	if (a == b)
		return true;
	if (is_num(a) && is_num(b))
		return num_equal(a, b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) ==
			       0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!py_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return false;
		for (void *it = json_object_iter((json_t *)a); it;
		     it = json_object_iter_next((json_t *)a, it)) {
			json_t *w = json_object_getn(b, json_object_iter_key(it),
						     json_object_iter_key_len(it));

			if (!w || !py_equal(json_object_iter_value(it), w))
				return false;
		}
		return true;
	default:
		return true; /* null */
	}
}

/* v in list */
static bool py_in(const json_t *v, const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (py_equal(v, json_array_get(list, i)))
			return true;
	return false;
}

/* repr(v)[:200], as Heat quotes values in messages.  New string. */
static char *repr_cut(const json_t *v)
{
	char *r = pyjson_repr(v);
	size_t i = 0, k = 0, n;

	if (!r)
		return strdup("?");
	n = strlen(r);
	while (i < n && k < REPR_CUT) {
		cp_next(r, n, &i);
		k++;
	}
	r[i] = '\0';
	return r;
}

enum pyint { PYINT_OK, PYINT_VALUE, PYINT_TYPE, PYINT_INF };

/* int(v): integers and booleans as they are, floats truncated, strings
 * parsed as Python does (blanks around, a sign, digits with single
 * underscores between them).  *out is clamped to the long long range with
 * *big set when the exact value does not fit; text (48 bytes) gets the
 * exact value's digits when it is given.  PYINT_VALUE is Python's
 * ValueError, PYINT_TYPE its TypeError (a list, a map, None), PYINT_INF
 * its OverflowError (an infinite float). */
static enum pyint py_int(const json_t *v, long long *out, bool *big, char *text)
{
	*big = false;
	if (json_is_integer(v) || json_is_boolean(v)) {
		*out = int_of(v);
		if (text)
			snprintf(text, 48, "%lld", *out);
		return PYINT_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (isnan(d))
			return PYINT_VALUE;
		if (isinf(d))
			return PYINT_INF;
		d = trunc(d);
		if (text)
			snprintf(text, 48, "%.0f", d);
		if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
			*big = true;
			*out = d < 0 ? LLONG_MIN : LLONG_MAX;
		} else {
			*out = (long long)d;
		}
		return PYINT_OK;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), i = 0, j, nd = 0, k = 0;
		bool neg = false, prev_digit = false;
		unsigned long long acc = 0;

		/* Leading and trailing blanks. */
		while (i < n) {
			size_t at = i;

			if (!py_isspace(cp_next(s, n, &i))) {
				i = at;
				break;
			}
		}
		j = n;
		while (j > i) {
			size_t back = j - 1, at;

			while (back > i && ((unsigned char)s[back] & 0xc0) == 0x80)
				back--;
			at = back;
			if (!py_isspace(cp_next(s, n, &at)))
				break;
			j = back;
		}
		if (i < j && (s[i] == '+' || s[i] == '-'))
			neg = s[i++] == '-';
		if (text && neg)
			text[k++] = '-';
		for (; i < j; i++) {
			if (s[i] == '_' && prev_digit && i + 1 < j && s[i + 1] >= '0' &&
			    s[i + 1] <= '9') {
				prev_digit = false;
				continue;
			}
			if (s[i] < '0' || s[i] > '9')
				return PYINT_VALUE;
			prev_digit = true;
			if (acc > (ULLONG_MAX - 9) / 10)
				*big = true;
			else
				acc = acc * 10 + (unsigned)(s[i] - '0');
			if (text && k < 47 && !(k == (size_t)neg && s[i] == '0'))
				text[k++] = s[i];
			nd++;
		}
		if (nd == 0)
			return PYINT_VALUE;
		if (text) {
			if (k == (size_t)neg)
				text[k++] = '0';
			text[k] = '\0';
			if (k == 2 && neg && text[1] == '0')
				memcpy(text, "0", 2);
		}
		if (!*big && acc > (unsigned long long)LLONG_MAX + neg)
			*big = true;
		if (*big)
			*out = neg ? LLONG_MIN : LLONG_MAX;
		else
			*out = neg ? (long long)(0 - acc) : (long long)acc;
		return PYINT_OK;
	}
	return PYINT_TYPE;
}

static json_t *fail_int(struct call *c, bool form, enum pyint r, const json_t *v)
{
	if (r == PYINT_INF)
		return fail(c, form, "cannot convert float infinity to integer");
	return fail(c, form,
		    "int() argument must be a string, a bytes-like object or a real number, "
		    "not '%s'",
		    pyjson_type(v));
}

/* The items Python's unpacking (a, b = v) sees: a list's items, a
 * string's characters, a map's keys; NULL for the rest, which are not
 * iterable.  New array. */
static json_t *py_items(const json_t *v)
{
	json_t *r;

	if (json_is_array(v))
		return json_copy((json_t *)v);
	if (!json_is_string(v) && !json_is_object(v))
		return NULL;
	if (!(r = json_array()))
		return NULL;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), i = 0;

		while (i < n) {
			size_t from = i;

			cp_next(s, n, &i);
			if (json_array_append_new(r, json_stringn(s + from, i - from)) < 0)
				goto bad;
		}
	} else {
		for (void *it = json_object_iter((json_t *)v); it;
		     it = json_object_iter_next((json_t *)v, it))
			if (json_array_append_new(r, json_stringn(json_object_iter_key(it),
								  json_object_iter_key_len(it))) <
			    0)
				goto bad;
	}
	return r;
bad:
	json_decref(r);
	return NULL;
}

/* Unpacks args into exactly n items, or records Heat's error: form_msg
 * for a wrong count, Python's own TypeError for a value that is not
 * iterable.  New array. */
static json_t *unpack(struct call *c, const json_t *args, size_t n, const char *form_msg)
{
	json_t *items;

	if (!json_is_array(args) && !json_is_string(args) && !json_is_object(args))
		return fail(c, true, "cannot unpack non-iterable %s object", pyjson_type(args));
	if (!(items = py_items(args)))
		return oom(c);
	if (json_array_size(items) != n) {
		json_decref(items);
		return fail(c, true, "%s", form_msg);
	}
	return items;
}

/* Sets key (klen bytes) of obj to a deep copy of v. */
static int set_copy(json_t *obj, const char *key, size_t klen, const json_t *v)
{
	return json_object_setn_new(obj, key, klen, json_deep_copy(v));
}

/* ---------------------------------------------------------------- list_join, Fn::Join */

static json_t *fn_list_join(struct call *c)
{
	bool multi = c->v >= HOT_2015_10_15 && strcmp(c->name, "list_join") == 0;
	json_t *args = c->args, *delim, *item;
	struct sbuf b = {0};
	bool first = true;
	size_t i, j;

	if (!json_is_array(args) ||
	    (multi ? json_array_size(args) < 2 : json_array_size(args) != 2))
		return fail(
			c, true,
			"Incorrect arguments to \"%s\" should be: \"%s\" : [ \" \", [ \"str1\", \"str2\"]%s]",
			c->name, c->name, multi ? " ..." : "");
	delim = json_array_get(args, 0);
	for (j = 1; j < json_array_size(args); j++) {
		json_t *jl = json_array_get(args, j);

		if (multi ? py_truthy(jl) && !json_is_array(jl)
			  : !json_is_null(jl) && !json_is_array(jl))
			return fail(c, false, "\"%s\" must operate on a list", c->name);
	}
	if (!json_is_string(delim))
		return fail(c, false, "\"%s\" delimiter must be a string", c->name);
	for (j = 1; j < json_array_size(args); j++) {
		json_array_foreach (json_array_get(args, j), i, item) {
			char *text = NULL, *rp;

			if (!first)
				sb_put(&b, json_string_value(delim), json_string_length(delim));
			first = false;
			if (json_is_string(item)) {
				sb_put(&b, json_string_value(item), json_string_length(item));
				continue;
			}
			if (json_is_null(item))
				continue;
			if (multi && (json_is_array(item) || json_is_object(item))) {
				if (!(text = pyjson_dumps(item, true))) {
					oom(c);
					goto out;
				}
				sb_puts(&b, text);
				free(text);
				continue;
			}
			rp = repr_cut(item);
			if (multi)
				fail(c, false, "Items to join must be string, map or list not %s",
				     rp);
			else
				fail(c, false, "Items to join must be strings not %s", rp);
			free(rp);
			goto out;
		}
	}
	return sb_json(c, &b);
out:
	sb_free(&b);
	return NULL;
}

/* ---------------------------------------------------------------- str_replace family */

enum rep_kind { REP_P, REP_J, REP_STRICT, REP_VSTRICT };

struct rkey {
	const char *k;
	size_t klen, chars;
	char *val; /* the replacement text, owned */
	size_t vlen;
	bool found;
};

/* Longest first; among equal lengths, the smaller string first. */
static int rkey_cmp(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;
	int d;

	if (x->chars != y->chars)
		return x->chars > y->chars ? -1 : 1;
	d = memcmp(x->k, y->k, x->klen < y->klen ? x->klen : y->klen);
	if (d)
		return d;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* The text a param value stands for, or NULL with the error recorded. */
static char *rep_value(struct call *c, enum rep_kind kind, const struct rkey *k, const json_t *v)
{
	char *t;

	if (json_is_null(v)) {
		if (kind == REP_VSTRICT)
			goto empty;
		return strdup("");
	}
	if (json_is_array(v) || json_is_object(v)) {
		if (kind == REP_P) {
			fail(c, false,
			     "\"%s\" params must be strings or numbers, param %s is not valid",
			     c->name, k->k);
			return NULL;
		}
		if (kind == REP_VSTRICT &&
		    (json_is_array(v) ? json_array_size(v) == 0 : json_object_size(v) == 0))
			goto empty;
		t = pyjson_dumps(v, true);
	} else {
		t = pyjson_str(v);
	}
	if (!t) {
		oom(c);
		return NULL;
	}
	if (kind == REP_VSTRICT && !t[0]) {
		free(t);
		goto empty;
	}
	return t;
empty:
	fail(c, false,
	     "%s has an undefined or empty value for param %s, must be a defined non-empty value",
	     c->name, k->k);
	return NULL;
}

struct rframe {
	const char *s, *end;
	size_t level;
	bool emit; /* put keys[level]'s value before the text */
};

/* Heat's replacement: split the text on the first key, treat each piece
 * with the keys after it, and join the pieces with the key's value; so a
 * longer key wins over the keys inside it and no replacement text is
 * looked at again.  Run with an explicit stack (a template can have many
 * keys); the pieces of one level cover the text once, so the work is
 * the text's length times the number of keys at most. */
static bool rep_run(struct rkey *keys, size_t nkeys, const char *s, size_t n, struct sbuf *out)
{
	struct rframe *st = NULL, f;
	size_t top = 0, cap = 0;
	bool ok = false;

	f = (struct rframe){s, s + n, 0, false};
	for (;;) {
		const char *hit = NULL;
		size_t lvl = f.level;

		if (f.emit)
			sb_put(out, keys[lvl].val, keys[lvl].vlen);
		for (; lvl < nkeys; lvl++) {
			if (keys[lvl].klen <= (size_t)(f.end - f.s) &&
			    (hit = memmem(f.s, (size_t)(f.end - f.s), keys[lvl].k, keys[lvl].klen)))
				break;
		}
		if (lvl == nkeys) {
			sb_put(out, f.s, (size_t)(f.end - f.s));
			if (top == 0)
				break;
			f = st[--top];
			continue;
		}
		keys[lvl].found = true;
		if (top + 1 >= cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct rframe *p = realloc(st, ncap * sizeof(*st));

			if (!p)
				goto out;
			st = p;
			cap = ncap;
		}
		/* The rest of this piece after the value, then the part before
		 * the match with the keys after this one. */
		st[top++] = (struct rframe){hit + keys[lvl].klen, f.end, lvl, true};
		f = (struct rframe){f.s, hit, lvl + 1, false};
	}
	ok = true;
out:
	free(st);
	return ok;
}

static json_t *fn_str_replace(struct call *c)
{
	enum rep_kind kind;
	json_t *args = c->args, *params, *tmpl, *items = NULL, *r = NULL;
	struct rkey *keys = NULL;
	struct sbuf b = {0}, missing = {0};
	size_t n = 0;
	bool cfn = strcmp(c->name, "Fn::Replace") == 0;

	if (cfn)
		kind = REP_P;
	else if (strcmp(c->name, "str_replace_strict") == 0)
		kind = REP_STRICT;
	else if (strcmp(c->name, "str_replace_vstrict") == 0)
		kind = REP_VSTRICT;
	else
		kind = c->v >= HOT_2015_10_15 ? REP_J : REP_P;

	if (cfn) {
		static const char example[] =
			"Incorrect arguments to \"Fn::Replace\" should be: "
			"{\"Fn::Replace\": [ {\"$var1\": \"foo\", \"%var2%\": "
			"\"bar\"}, \"$var1 is %var2%\"]}";

		if (json_is_string(args) || json_is_object(args))
			return fail(c, true, "%s", example);
		if (!(items = unpack(c, args, 2, example)))
			return NULL;
		params = json_array_get(items, 0);
		tmpl = json_array_get(items, 1);
	} else {
		if (!json_is_object(args))
			return fail(c, true, "Arguments to \"%s\" must be a map", c->name);
		params = json_object_get(args, "params");
		tmpl = json_object_get(args, "template");
		if (!params || !tmpl)
			return fail(
				c, true,
				"'\"%s\" syntax should be %s:\\n              template: This is "
				"var1 template var2\\n              params:\\n                "
				"var1: a\\n                var2: string'",
				c->name, c->name);
	}
	if (!json_is_object(params)) {
		fail(c, true, "\"%s\" parameters must be a mapping", c->name);
		goto out;
	}
	if (!json_is_string(tmpl)) {
		fail(c, false, "\"%s\" template must be a string", c->name);
		goto out;
	}

	if (json_object_size(params) && !(keys = calloc(json_object_size(params), sizeof(*keys)))) {
		oom(c);
		goto out;
	}
	for (void *it = json_object_iter(params); it; it = json_object_iter_next(params, it)) {
		keys[n].k = json_object_iter_key(it);
		keys[n].klen = json_object_iter_key_len(it);
		keys[n].chars = cp_count(keys[n].k, keys[n].klen);
		n++;
	}
	if (n)
		qsort(keys, n, sizeof(*keys), rkey_cmp);
	/* Heat checks each value as it reaches its key, in this order. */
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_getn(params, keys[i].k, keys[i].klen);

		if (!(keys[i].val = rep_value(c, kind, &keys[i], v)))
			goto out;
		keys[i].vlen = strlen(keys[i].val);
	}
	if (n && keys[n - 1].klen == 0) {
		fail(c, false, "empty separator");
		goto out;
	}
	if (!rep_run(keys, n, json_string_value(tmpl), json_string_length(tmpl), &b)) {
		oom(c);
		goto out;
	}
	if (kind == REP_STRICT || kind == REP_VSTRICT) {
		for (size_t i = 0; i < n; i++) {
			if (keys[i].found)
				continue;
			if (missing.len)
				sb_put(&missing, ",", 1);
			sb_put(&missing, keys[i].k, keys[i].klen);
		}
		if (missing.len) {
			fail(c, false, "The following params were not found in the template: %s",
			     missing.p);
			goto out;
		}
	}
	r = sb_json(c, &b);
out:
	for (size_t i = 0; i < n; i++)
		free(keys[i].val);
	free(keys);
	sb_free(&b);
	sb_free(&missing);
	json_decref(items);
	return r;
}

/* ---------------------------------------------------------------- repeat */

struct rep_ctx {
	struct call *c;
	size_t nvars;
	const char **var; /* for_each keys */
	size_t *varlen;
	const json_t **val; /* this combination's values */
};

/* The template with every string's variables replaced, in for_each order
 * and one after the other; NULL with the error recorded. */
static json_t *rep_subst(struct rep_ctx *x, const json_t *t, int depth)
{
	json_t *r;

	if (depth > 1000)
		return fail(x->c, false, "The template of \"repeat\" is nested too deeply");
	if (json_is_string(t)) {
		struct sbuf cur = {0}, next = {0};

		sb_put(&cur, json_string_value(t), json_string_length(t));
		for (size_t i = 0; i < x->nvars; i++) {
			const json_t *v = x->val[i];

			if (!json_is_string(v)) {
				sb_free(&cur);
				return fail(x->c, false, "replace() argument 2 must be str, not %s",
					    json_is_null(v) ? "None" : pyjson_type(v));
			}
			py_replace(&next, cur.p ? cur.p : "", cur.len, x->var[i], x->varlen[i],
				   json_string_value(v), json_string_length(v));
			sb_free(&cur);
			cur = next;
			next = (struct sbuf){0};
		}
		return sb_json(x->c, &cur);
	}
	if (json_is_array(t)) {
		if (!(r = json_array()))
			return oom(x->c);
		for (size_t i = 0; i < json_array_size(t); i++) {
			json_t *e = rep_subst(x, json_array_get(t, i), depth + 1);

			if (!e)
				goto fail;
			if (json_array_append_new(r, e) < 0) {
				oom(x->c);
				goto fail;
			}
		}
		return r;
	}
	if (json_is_object(t)) {
		if (!(r = json_object()))
			return oom(x->c);
		/* Each key, then its value, as Python builds the dict. */
		for (void *it = json_object_iter((json_t *)t); it;
		     it = json_object_iter_next((json_t *)t, it)) {
			json_t *kt = json_stringn(json_object_iter_key(it),
						  json_object_iter_key_len(it));
			json_t *k, *v;
			int rc;

			if (!kt) {
				oom(x->c);
				goto fail;
			}
			k = rep_subst(x, kt, depth + 1);
			json_decref(kt);
			if (!k)
				goto fail;
			if (!(v = rep_subst(x, json_object_iter_value(it), depth + 1))) {
				json_decref(k);
				goto fail;
			}
			rc = json_object_setn_new(r, json_string_value(k), json_string_length(k),
						  v);
			json_decref(k);
			if (rc < 0) {
				oom(x->c);
				goto fail;
			}
		}
		return r;
	}
	return json_deep_copy(t);
fail:
	json_decref(r);
	return NULL;
}

static json_t *fn_repeat(struct call *c)
{
	/* L: lists only, always the product; D: lists or maps; N: D plus
	 * permutations, which when false zips lists. */
	char variant = c->v >= HOT_2017_09_01 ? 'N' : c->v >= HOT_2016_10_14 ? 'D' : 'L';
	json_t *args = c->args, *for_each, *tmpl, *perm, *r = NULL, **lists = NULL;
	struct rep_ctx x = {.c = c};
	size_t n, combos = 1, *idx = NULL, i = 0, len = (size_t)-1;
	bool nested = true, maps_ok, *isnull = NULL;

	if (!json_is_object(args))
		return fail(c, true, "Arguments to \"repeat\" must be a map");
	for_each = json_object_get(args, "for_each");
	tmpl = json_object_get(args, "template");
	if (!for_each || !tmpl)
		return fail(c, true,
			    "'\"repeat\" syntax should be repeat:\\n              template: This "
			    "is %%var%%\\n              for_each:\\n                %%var%%: "
			    "[\\'a\\', \\'b\\', \\'c\\']'");
	if (variant == 'N' && (perm = json_object_get(args, "permutations"))) {
		if (!json_is_boolean(perm))
			return fail(c, true,
				    "\"permutations\" should be boolean type for repeat function.");
		nested = json_is_true(perm);
	}
	if (!json_is_object(for_each))
		return fail(c, true, "The \"for_each\" argument to \"repeat\" must contain a map");
	n = json_object_size(for_each);
	if (n == 0)
		return fail(c, false, "not enough values to unpack (expected 2, got 0)");
	maps_ok = variant != 'L' && nested;

	x.nvars = n;
	x.var = calloc(n, sizeof(*x.var));
	x.varlen = calloc(n, sizeof(*x.varlen));
	x.val = calloc(n, sizeof(*x.val));
	lists = calloc(n, sizeof(*lists));
	idx = calloc(n, sizeof(*idx));
	isnull = calloc(n, sizeof(*isnull));
	if (!x.var || !x.varlen || !x.val || !lists || !idx || !isnull) {
		oom(c);
		goto out;
	}
	for (void *it = json_object_iter(for_each); it; it = json_object_iter_next(for_each, it)) {
		json_t *v = json_object_iter_value(it);

		x.var[i] = json_object_iter_key(it);
		x.varlen[i] = json_object_iter_key_len(it);
		if ((isnull[i] = json_is_null(v))) {
			lists[i] = json_array();
		} else if (json_is_array(v) || (maps_ok && json_is_object(v))) {
			lists[i] = py_items(v);
		} else {
			fail(c, false,
			     "The values of the \"for_each\" argument to \"repeat\" must be %s",
			     maps_ok ? "lists or maps" : "lists");
			goto out;
		}
		if (!lists[i]) {
			oom(c);
			goto out;
		}
		i++;
	}
	/* The number of combinations: the product of the lengths (saturated
	 * past the limit), or for zip() the shortest, a null list being empty. */
	for (i = 0; i < n; i++) {
		size_t li = json_array_size(lists[i]);

		if (!nested && !isnull[i]) {
			if (len != (size_t)-1 && len != li) {
				fail(c, false,
				     "For repeat, the length of for_each values should be equal if "
				     "no nested loop.");
				goto out;
			}
			len = li;
		}
		if (li == 0)
			combos = 0;
		else if (nested && combos > FNLIB_MAX_ITEMS / li)
			combos = combos ? FNLIB_MAX_ITEMS + 1 : 0;
		else if (nested)
			combos *= li;
		else if (i == 0 || li < combos)
			combos = li;
	}
	if (combos > FNLIB_MAX_ITEMS) {
		fail(c, false, "The result of \"repeat\" is too big (more than %d items)",
		     FNLIB_MAX_ITEMS);
		goto out;
	}
	if (!(r = json_array())) {
		oom(c);
		goto out;
	}
	/* The first for_each key varies slowest, as itertools.product does. */
	for (size_t k = 0; k < combos; k++) {
		json_t *e;

		for (i = 0; i < n; i++)
			x.val[i] = json_array_get(lists[i], nested ? idx[i] : k);
		if (!(e = rep_subst(&x, tmpl, 0)) || json_array_append_new(r, e) < 0) {
			if (e)
				oom(c);
			json_decref(r);
			r = NULL;
			goto out;
		}
		for (i = n; nested && i-- > 0;) {
			if (++idx[i] < json_array_size(lists[i]))
				break;
			idx[i] = 0;
		}
	}
out:
	for (i = 0; lists && i < n; i++)
		json_decref(lists[i]);
	free(lists);
	free(idx);
	free(isnull);
	free(x.var);
	free(x.varlen);
	free(x.val);
	return r;
}

/* ---------------------------------------------------------------- digest */

static json_t *fn_digest(struct call *c)
{
	json_t *args = c->args, *alg, *val;
	unsigned char *bytes = NULL, md[HASH_MAX_DIGEST];
	char hex[2 * HASH_MAX_DIGEST + 1];
	const char *s;
	size_t n, i = 0, k = 0, pos = 0, len;
	int a;

	if (!json_is_array(args))
		return fail(c, false, "Argument to function \"digest\" must be a list of strings");
	for (size_t j = 0; j < json_array_size(args); j++)
		if (!json_is_string(json_array_get(args, j)))
			return fail(c, false,
				    "Argument to function \"digest\" must be a list of strings");
	if (json_array_size(args) != 2)
		return fail(c, false, "Function \"digest\" usage: [\"<algorithm>\", \"<value>\"]");
	alg = json_array_get(args, 0);
	val = json_array_get(args, 1);
	if (strlen(json_string_value(alg)) != json_string_length(alg) ||
	    (a = hash_find(json_string_value(alg))) < 0)
		return fail(c, false,
			    "Algorithm must be one of {'md5', 'sha1', 'sha224', 'sha256', "
			    "'sha384', 'sha512'}");

	/* Heat hashes value.encode('latin-1'). */
	s = json_string_value(val);
	n = json_string_length(val);
	if (!(bytes = malloc(n + 1)))
		return oom(c);
	while (i < n) {
		uint32_t cp = cp_next(s, n, &i);

		if (cp > 0xff) {
			size_t end = pos + 1;
			char ch[16];

			while (i < n && cp_next(s, n, &i) > 0xff)
				end++;
			free(bytes);
			if (end > pos + 1)
				return fail(c, false,
					    "'latin-1' codec can't encode characters in position "
					    "%zu-%zu: ordinal not in range(256)",
					    pos, end - 1);
			snprintf(ch, sizeof(ch), cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
			return fail(c, false,
				    "'latin-1' codec can't encode character '%s' in position %zu: "
				    "ordinal not in range(256)",
				    ch, pos);
		}
		bytes[k++] = (unsigned char)cp;
		pos++;
	}
	len = hash_digest((enum hash_alg)a, bytes, k, md);
	free(bytes);
	for (size_t j = 0; j < len; j++)
		snprintf(hex + 2 * j, 3, "%02x", md[j]);
	hex[2 * len] = '\0';
	return json_string(hex);
}

/* ---------------------------------------------------------------- str_split, Fn::Split */

/* s.split(delim) (delim NULL: split on runs of blanks) into a new list,
 * or NULL when out of memory. */
static json_t *py_split(const char *s, size_t n, const char *delim, size_t dn)
{
	json_t *r = json_array();
	const char *end = s + n, *hit;

	if (!r)
		return NULL;
	if (!delim) {
		size_t i = 0;

		for (;;) {
			size_t start, at;

			while (i < n) {
				at = i;
				if (!py_isspace(cp_next(s, n, &i))) {
					i = at;
					break;
				}
			}
			if (i >= n)
				break;
			start = i;
			while (i < n) {
				at = i;
				if (py_isspace(cp_next(s, n, &i))) {
					i = at;
					break;
				}
			}
			if (json_array_append_new(r, json_stringn(s + start, i - start)) < 0)
				goto bad;
		}
		return r;
	}
	while ((hit = memmem(s, (size_t)(end - s), delim, dn))) {
		if (json_array_append_new(r, json_stringn(s, (size_t)(hit - s))) < 0)
			goto bad;
		s = hit + dn;
	}
	if (json_array_append_new(r, json_stringn(s, (size_t)(end - s))) < 0)
		goto bad;
	return r;
bad:
	json_decref(r);
	return NULL;
}

static json_t *fn_str_split(struct call *c)
{
	static const char example[] = "\"str_split\" : [ \",\", \"apples,pears\", <index>]";
	json_t *args = c->args, *delim, *str, *parts, *r;
	long long index;
	enum pyint pr;
	bool big;
	size_t len;

	if (json_is_string(args) || json_is_object(args))
		return fail(c, true, "Incorrect arguments to \"str_split\" should be: %s", example);
	if (!json_is_array(args) || json_array_size(args) < 2)
		return fail(c, false, "Incorrect arguments to \"str_split\" should be: %s",
			    example);
	delim = json_array_get(args, 0);
	str = json_array_get(args, 1);
	if (json_is_null(str))
		return json_null();
	if (!json_is_string(str))
		return fail(c, false, "'%s' object has no attribute 'split'", pyjson_type(str));
	if (!json_is_null(delim) && !json_is_string(delim))
		return fail(c, false, "must be str or None, not %s", pyjson_type(delim));
	if (json_is_string(delim) && json_string_length(delim) == 0)
		return fail(c, false, "empty separator");
	parts = py_split(json_string_value(str), json_string_length(str),
			 json_is_null(delim) ? NULL : json_string_value(delim),
			 json_is_null(delim) ? 0 : json_string_length(delim));
	if (!parts)
		return oom(c);
	if (json_array_size(args) < 3)
		return parts;

	pr = py_int(json_array_get(args, 2), &index, &big, NULL);
	if (pr != PYINT_OK) {
		json_decref(parts);
		if (pr == PYINT_VALUE)
			return fail(c, false, "Incorrect index to \"str_split\" should be: %s",
				    example);
		return fail_int(c, false, pr, json_array_get(args, 2));
	}
	len = json_array_size(parts);
	if (!big && index < 0)
		index += (long long)len;
	if (big || index < 0 || (unsigned long long)index >= len) {
		json_decref(parts);
		return fail(c, false,
			    "Incorrect index to \"str_split\" should be between 0 and %lld",
			    (long long)len - 1);
	}
	r = json_incref(json_array_get(parts, (size_t)index));
	json_decref(parts);
	return r;
}

static json_t *fn_cfn_split(struct call *c)
{
	static const char msg[] = "Incorrect arguments to \"Fn::Split\" should be: \"Fn::Split\" "
				  ": [ \",\", \"str1,str2\"]]";
	json_t *items, *delim, *str, *r;

	if (json_is_string(c->args) || json_is_object(c->args))
		return fail(c, true, "%s", msg);
	if (!(items = unpack(c, c->args, 2, msg)))
		return NULL;
	delim = json_array_get(items, 0);
	str = json_array_get(items, 1);
	if (!json_is_string(delim))
		r = fail(c, false, "Delimiter for Fn::Split must be string");
	else if (!json_is_string(str))
		r = fail(c, false, "String to split must be string; got <class '%s'>",
			 pyjson_type(str));
	else if (json_string_length(delim) == 0)
		r = fail(c, false, "empty separator");
	else if (!(r = py_split(json_string_value(str), json_string_length(str),
				json_string_value(delim), json_string_length(delim))))
		oom(c);
	json_decref(items);
	return r;
}

/* ---------------------------------------------------------------- maps */

static json_t *fn_map_merge(struct call *c)
{
	json_t *args = c->args, *items, *r = NULL;

	/* A string is a sequence to Python: its characters are the items. */
	if (!json_is_array(args) && !json_is_string(args))
		return fail(c, false,
			    "Incorrect arguments to \"map_merge\" should be: \"map_merge\" : [ { "
			    "\"key1\": \"val1\" }, { \"key2\": \"val2\" } ]");
	if (!(items = py_items(args)) || !(r = json_object())) {
		json_decref(items);
		return oom(c);
	}
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *m = json_array_get(items, i);

		if (json_is_null(m))
			continue;
		if (!json_is_object(m)) {
			char *rp = repr_cut(m);

			fail(c, false,
			     "Incorrect arguments: Items to merge must be maps. %s is type <class "
			     "'%s'> instead of a dict",
			     rp, pyjson_type(m));
			free(rp);
			json_decref(r);
			r = NULL;
			break;
		}
		for (void *it = json_object_iter(m); it; it = json_object_iter_next(m, it))
			if (set_copy(r, json_object_iter_key(it), json_object_iter_key_len(it),
				     json_object_iter_value(it)) < 0) {
				json_decref(r);
				json_decref(items);
				return oom(c);
			}
	}
	json_decref(items);
	return r;
}

/* The key under which a map written in YAML keeps the scalar v (the
 * loader turns non-string keys into their JSON text), for map_replace's
 * value lookup; false for lists and maps, which Python cannot hash. */
static bool key_text(const json_t *v, char *buf, size_t size, const char **k, size_t *kn)
{
	char *t;

	if (json_is_string(v)) {
		*k = json_string_value(v);
		*kn = json_string_length(v);
		return true;
	}
	if (json_is_array(v) || json_is_object(v) || !(t = pyjson_dumps(v, false)))
		return false;
	snprintf(buf, size, "%s", t);
	free(t);
	*k = buf;
	*kn = strlen(buf);
	return true;
}

static json_t *map_replace_not_maps(struct call *c, const char *example)
{
	return fail(c, false,
		    "Incorrect arguments: to \"map_replace\", arguments must be a list of maps. "
		    "Example:  %s",
		    example);
}

static json_t *fn_map_replace(struct call *c)
{
	static const char example[] =
		"\"map_replace\" : [ { \"key1\": \"val1\" }, {\"keys\": {\"key1\": \"key2\"}, "
		"\"values\": {\"val1\": \"val2\"}}]";
	json_t *args = c->args, *in, *repl, *rk, *rv, *r = NULL;
	char buf[64];

	if (json_is_object(args)) /* Heat's args.pop(0) on a dict: KeyError(0) */
		return fail(c, false, "0");
	if (!json_is_array(args) || json_array_size(args) == 0)
		return fail(c, false, "Incorrect arguments to \"map_replace\" should be: %s",
			    example);
	in = json_array_get(args, 0);
	if (!json_is_null(in) && !json_is_object(in))
		return map_replace_not_maps(c, example);
	if (json_array_size(args) < 2)
		return fail(c, false, "Incorrect arguments to \"map_replace\" should be: %s",
			    example);
	repl = json_array_get(args, 1);
	if (!json_is_null(repl) && !json_is_object(repl))
		return map_replace_not_maps(c, example);
	if (json_array_size(args) > 2)
		return fail(c, false, "Incorrect arguments to \"map_replace\" should be: %s",
			    example);
	for (void *it = json_object_iter(repl); it; it = json_object_iter_next(repl, it)) {
		const char *k = json_object_iter_key(it);

		if (strcmp(k, "keys") != 0 && strcmp(k, "values") != 0)
			return fail(c, false,
				    "Incorrect arguments to \"map_replace\" should be: %s",
				    example);
	}
	rk = json_object_get(repl, "keys");
	rv = json_object_get(repl, "values");
	if ((rk && !json_is_null(rk) && !json_is_object(rk)) ||
	    (rv && !json_is_null(rv) && !json_is_object(rv)))
		return map_replace_not_maps(c, example);

	if (!(r = json_object()))
		return oom(c);
	for (void *it = json_object_iter(in); it; it = json_object_iter_next(in, it)) {
		const char *k = json_object_iter_key(it), *nk = k, *vk;
		size_t klen = json_object_iter_key_len(it), nklen = klen, vklen;
		json_t *v = json_object_iter_value(it), *newk = json_object_getn(rk, k, klen);
		json_t *newv = NULL;

		if (newk && !json_is_null(newk)) {
			if (json_is_array(newk) || json_is_object(newk)) {
				fail(c, false, "unhashable type: '%s'", pyjson_type(newk));
				goto out;
			}
			if (!key_text(newk, buf, sizeof(buf), &nk, &nklen)) {
				oom(c);
				goto out;
			}
			if (json_object_getn(in, nk, nklen) &&
			    (nklen != klen || memcmp(nk, k, klen))) {
				fail(c, false,
				     "key replacement %s collides with a key in the input map", nk);
				goto out;
			}
			if (json_object_getn(r, nk, nklen)) {
				fail(c, false,
				     "key replacement %s collides with a key in the output map",
				     nk);
				goto out;
			}
		}
		/* Only hashable values are looked up; lists and maps pass. */
		if (rv && key_text(v, buf, sizeof(buf), &vk, &vklen))
			newv = json_object_getn(rv, vk, vklen);
		if (set_copy(r, nk, nklen, newv ? newv : v) < 0) {
			oom(c);
			goto out;
		}
	}
	return r;
out:
	json_decref(r);
	return NULL;
}

/* ---------------------------------------------------------------- lists */

static json_t *fn_filter(struct call *c)
{
	json_t *args = c->args, *values, *seq, *r;

	if (!json_is_array(args))
		return fail(c, true, "Argument to \"filter\" must be a list");
	if (json_array_size(args) != 2)
		return fail(
			c, true,
			"\"filter\" expected 2 arguments of the form [values, sequence] but got "
			"%zu arguments instead",
			json_array_size(args));
	values = json_array_get(args, 0);
	seq = json_array_get(args, 1);
	if (!py_truthy(seq))
		return json_deep_copy(seq);
	if (!json_is_array(seq))
		return fail(c, false, "\"filter\" only works with lists");
	if (!py_truthy(values))
		return json_deep_copy(seq);
	if (!json_is_array(values)) /* Heat's own message has a broken format */
		return fail(c, false, "format requires a mapping");
	if (!(r = json_array()))
		return oom(c);
	for (size_t i = 0; i < json_array_size(seq); i++) {
		json_t *e = json_array_get(seq, i);

		if (!py_in(e, values) && json_array_append_new(r, json_deep_copy(e)) < 0) {
			json_decref(r);
			return oom(c);
		}
	}
	return r;
}

static json_t *fn_list_concat(struct call *c)
{
	bool unique = strcmp(c->name, "list_concat_unique") == 0;
	json_t *args = c->args, *r, *e;
	size_t i, j;

	if (!json_is_array(args))
		return fail(c, false,
			    "Incorrect arguments to \"%s\" should be: \"%s\" : [ [ <value 1>, "
			    "<value 2> ], [ <value 3>, <value 4> ] ]",
			    c->name, c->name);
	for (i = 0; i < json_array_size(args); i++) {
		json_t *m = json_array_get(args, i);

		if (!json_is_null(m) && !json_is_array(m)) {
			char *a = pyjson_dumps(args, false), *t = pyjson_dumps(m, false);

			fail(c, false,
			     "Incorrect arguments: Items to concat must be lists. %s contains an item "
			     "that is not a list: %s",
			     a ? a : "?", t ? t : "?");
			free(a);
			free(t);
			return NULL;
		}
	}
	if (!(r = json_array()))
		return oom(c);
	for (i = 0; i < json_array_size(args); i++)
		json_array_foreach (json_array_get(args, i), j, e) {
			if (unique && py_in(e, r))
				continue;
			if (json_array_append_new(r, json_deep_copy(e)) < 0) {
				json_decref(r);
				return oom(c);
			}
		}
	return r;
}

static json_t *fn_contains(struct call *c)
{
	json_t *args = c->args, *v, *seq;

	if (!json_is_array(args) || json_array_size(args) == 0)
		return fail(c, true,
			    "Incorrect arguments to \"contains\" should be: \"contains\" : [ "
			    "\"value1\", [ \"value1\", \"value2\"]]");
	if (json_array_size(args) != 2)
		return fail(c, true,
			    "Arguments to \"contains\" must be of the form: [value1, [value1, "
			    "value2]]");
	v = json_array_get(args, 0);
	seq = json_array_get(args, 1);
	if (json_is_array(seq))
		return json_boolean(py_in(v, seq));
	if (!json_is_string(seq))
		return fail(c, false, "Second argument to \"contains\" should be a sequence.");
	if (!json_is_string(v))
		return fail(c, false, "'in <string>' requires string as left operand, not %s",
			    pyjson_type(v));
	return json_boolean(json_string_length(v) == 0 ||
			    memmem(json_string_value(seq), json_string_length(seq),
				   json_string_value(v), json_string_length(v)));
}

static json_t *fn_equals(struct call *c)
{
	if (!json_is_array(c->args) || json_array_size(c->args) != 2)
		return fail(c, true,
			    "Arguments to \"equals\" must be of the form: [value_1, value_2]");
	return json_boolean(py_equal(json_array_get(c->args, 0), json_array_get(c->args, 1)));
}

/* ---------------------------------------------------------------- make_url */

static const char *const url_keys[] = {"scheme", "username", "password", "host",
				       "port",   "path",     "query",    "fragment"};

/* Python's urllib.parse.uses_netloc (3.11). */
static bool uses_netloc(const char *scheme)
{
	static const char *const list[] = {
		"ftp",   "http",    "gopher", "nntp",  "telnet",  "imap",     "wais",
		"file",  "mms",     "https",  "shttp", "snews",   "prospero", "rtsp",
		"rtsps", "rtspu",   "rsync",  "svn",   "svn+ssh", "sftp",     "nfs",
		"git",   "git+ssh", "ws",     "wss",   NULL};

	for (const char *const *p = list; *p; p++)
		if (strcmp(scheme, *p) == 0)
			return true;
	return false;
}

/* urllib.parse.quote(s, safe): UTF-8 bytes other than letters, digits,
 * "_.-~" and safe as %XX; plus: quote_plus, a space as "+". */
static void url_quote(struct sbuf *b, const char *s, size_t n, const char *safe, bool plus)
{
	static const char hexd[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[3];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || (ch && strchr("_.-~", ch)) ||
		    (ch && strchr(safe, ch))) {
			sb_put(b, s + i, 1);
		} else if (plus && ch == ' ') {
			sb_put(b, "+", 1);
		} else {
			esc[0] = '%';
			esc[1] = hexd[ch >> 4];
			esc[2] = hexd[ch & 15];
			sb_put(b, esc, 3);
		}
	}
}

/* MakeURL._check_args: Heat's checks of the arguments, in its order. */
static bool url_check(struct call *c, const json_t *args)
{
	for (size_t i = 0; i < sizeof(url_keys) / sizeof(url_keys[0]); i++) {
		json_t *v = json_object_get(args, url_keys[i]);

		if (!v)
			continue;
		if (strcmp(url_keys[i], "query") == 0) {
			if (!json_is_object(v)) {
				fail(c, true,
				     "The \"query\" argument to \"make_url\" must be a map");
				return false;
			}
			return true; /* Heat stops checking here */
		}
		if (strcmp(url_keys[i], "port") == 0) {
			long long port;
			bool big;
			char text[48];
			enum pyint pr = py_int(v, &port, &big, text);

			if (pr == PYINT_VALUE) {
				char *ps = pyjson_str(v), *as = pyjson_repr(args);

				fail(c, true, "Invalid URL port \"%s\" for make_url called with %s",
				     ps ? ps : "?", as ? as : "?");
				free(ps);
				free(as);
				return false;
			}
			if (pr != PYINT_OK) {
				fail_int(c, true, pr, v);
				return false;
			}
			if (big || port < 1 || port > 65535) {
				fail(c, true, "Invalid URL port %s, must be in range 1-65535",
				     text);
				return false;
			}
			continue;
		}
		if (!json_is_string(v)) {
			fail(c, true, "The \"%s\" argument to \"make_url\" must be a string",
			     url_keys[i]);
			return false;
		}
	}
	return true;
}

/* The text of an optional string argument (Heat's args.get(k, '')). */
static const char *url_arg(const json_t *args, const char *k, size_t *n)
{
	json_t *v = json_object_get(args, k);

	*n = json_is_string(v) ? json_string_length(v) : 0;
	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *fn_make_url(struct call *c)
{
	json_t *args = c->args, *port, *query, *frag;
	struct sbuf net = {0}, path = {0}, url = {0}, qs = {0}, host = {0};
	const char *s, *scheme;
	size_t n, scheme_n;
	bool first = true;
	json_t *r = NULL;

	if (!json_is_object(args))
		return fail(c, true, "The arguments to \"make_url\" must be a map");
	for (void *it = json_object_iter(args); it; it = json_object_iter_next(args, it)) {
		bool known = false;

		for (size_t i = 0; i < sizeof(url_keys) / sizeof(url_keys[0]); i++)
			known |= strcmp(json_object_iter_key(it), url_keys[i]) == 0;
		if (!known) {
			if (url.len)
				sb_puts(&url, ", ");
			sb_put(&url, json_object_iter_key(it), json_object_iter_key_len(it));
		}
	}
	if (url.len) {
		fail(c, true, "Invalid arguments to \"make_url\": %s", url.p);
		goto out;
	}
	if (!url_check(c, args))
		goto out;
	scheme = url_arg(args, "scheme", &scheme_n);
	if (memchr(scheme, ':', scheme_n)) {
		fail(c, false, "URL \"scheme\" should not contain ':'");
		goto out;
	}
	/* When a query is given Heat does not check the fragment, and quote()
	 * then fails on anything but a string. */
	frag = json_object_get(args, "fragment");
	if (frag && !json_is_string(frag)) {
		fail(c, false, "quote_from_bytes() expected bytes");
		goto out;
	}

	/* netloc: user:password@host:port */
	s = url_arg(args, "username", &n);
	url_quote(&net, s, n, "", false);
	s = url_arg(args, "password", &n);
	if (n) {
		sb_put(&net, ":", 1);
		url_quote(&net, s, n, "", false);
	}
	if (net.len)
		sb_put(&net, "@", 1);
	s = url_arg(args, "host", &n);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	url_quote(&host, s, n, ":", false);
	if (host.len && memchr(host.p, ':', host.len)) {
		sb_put(&net, "[", 1);
		sb_put(&net, host.p, host.len);
		sb_put(&net, "]", 1);
	} else {
		sb_put(&net, host.p, host.len);
	}
	port = json_object_get(args, "port");
	if (port && py_truthy(port)) {
		char *ps = pyjson_str(port);

		sb_put(&net, ":", 1);
		sb_puts(&net, ps ? ps : "");
		free(ps);
	}
	s = url_arg(args, "path", &n);
	url_quote(&path, s, n, "/", false);

	/* urlencode(query) with "%2F" turned back into "/": the same as
	 * quote_plus with "/" safe. */
	query = json_object_get(args, "query");
	for (void *it = json_object_iter(query); it; it = json_object_iter_next(query, it)) {
		char *vs = pyjson_str(json_object_iter_value(it));

		if (!first)
			sb_put(&qs, "&", 1);
		first = false;
		url_quote(&qs, json_object_iter_key(it), json_object_iter_key_len(it), "/", true);
		sb_put(&qs, "=", 1);
		if (vs)
			url_quote(&qs, vs, strlen(vs), "/", true);
		else
			qs.oom = true;
		free(vs);
	}

	/* urlunsplit */
	url.len = 0;
	if (scheme_n) {
		sb_put(&url, scheme, scheme_n);
		sb_put(&url, ":", 1);
	}
	if (net.len || (scheme_n && uses_netloc(scheme) &&
			!(path.len >= 2 && path.p[0] == '/' && path.p[1] == '/'))) {
		sb_put(&url, "//", 2);
		sb_put(&url, net.p, net.len);
		if (path.len && path.p[0] != '/')
			sb_put(&url, "/", 1);
	}
	sb_put(&url, path.p, path.len);
	if (qs.len) {
		sb_put(&url, "?", 1);
		sb_put(&url, qs.p, qs.len);
	}
	s = url_arg(args, "fragment", &n);
	if (n) {
		sb_put(&url, "#", 1);
		url_quote(&url, s, n, "/", false);
	}
	if (net.oom || path.oom || qs.oom || host.oom)
		url.oom = true;
	r = sb_json(c, &url);
out:
	sb_free(&net);
	sb_free(&path);
	sb_free(&url);
	sb_free(&qs);
	sb_free(&host);
	return r;
}

/* ---------------------------------------------------------------- CFN */

/* Whether a JSON value (as Python's decoder reads them) starts at s. */
static bool value_starts(const char *s, size_t n)
{
	static const char *const words[] = {"true", "false",    "null",
					    "NaN",  "Infinity", "-Infinity"};

	if (n == 0)
		return false;
	if (strchr("[{\"", s[0]) && s[0])
		return true;
	if ((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && n > 1 && s[1] >= '0' && s[1] <= '9'))
		return true;
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (n >= strlen(words[k]) && memcmp(s, words[k], strlen(words[k])) == 0)
			return true;
	return false;
}

/* Python's json.loads error text, near enough: "Expecting value" where
 * no value starts, else jansson's reason; then where, as Python says it. */
static json_t *select_parse(struct call *c, const json_t *str)
{
	const char *s = json_string_value(str);
	size_t n = json_string_length(str), i = 0;
	json_error_t je;
	json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

	if (v)
		return v;
	while (i < n && s[i] && strchr(" \t\n\r", s[i]))
		i++;
	if (!value_starts(s + i, n - i)) {
		size_t line = 1, col = i + 1;

		for (size_t k = 0; k < i; k++)
			if (s[k] == '\n') {
				line++;
				col = i - k;
			}
		return fail(c, false,
			    "\"Fn::Select\": Expecting value: line %zu column %zu (char %zu)", line,
			    col, i);
	}
	return fail(c, false, "\"Fn::Select\": %s: line %d column %d (char %d)", je.text, je.line,
		    je.column > 0 ? je.column : 1, je.position);
}

static json_t *fn_select(struct call *c)
{
	json_t *items, *index, *coll, *parsed = NULL, *r = NULL;
	long long i;
	bool big, is_int;
	enum pyint pr;

	if (!(items = unpack(
		      c, c->args, 2,
		      "Arguments to \"Fn::Select\" must be of the form [index, collection]")))
		return NULL;
	index = json_array_get(items, 0);
	coll = json_array_get(items, 1);
	if (json_is_string(coll) && json_string_length(coll) == 0) {
		r = json_string("");
		goto out;
	}
	if (json_is_string(coll)) {
		if (!(parsed = select_parse(c, coll)))
			goto out;
		coll = parsed;
	}
	if (json_is_object(coll)) {
		json_t *v;

		if (!json_is_string(index)) {
			fail(c, false, "Index to \"Fn::Select\" must be a string");
			goto out;
		}
		v = json_object_getn(coll, json_string_value(index), json_string_length(index));
		r = v ? json_deep_copy(v) : json_string("");
		goto out;
	}
	pr = py_int(index, &i, &big, NULL);
	if (pr == PYINT_INF) {
		fail_int(c, false, pr, index);
		goto out;
	}
	is_int = pr == PYINT_OK;
	if (json_is_array(coll)) {
		size_t len = json_array_size(coll);

		if (!is_int) {
			fail(c, false, "Index to \"Fn::Select\" must be an integer");
			goto out;
		}
		if (!big && i < 0)
			i += (long long)len;
		if (big || i < 0 || (unsigned long long)i >= len)
			r = json_string("");
		else
			r = json_deep_copy(json_array_get(coll, (size_t)i));
		goto out;
	}
	if (json_is_null(coll)) {
		r = json_string("");
		goto out;
	}
	fail(c, false, "Arguments to Fn::Select not fully resolved");
out:
	if (!r && !c->fe->msg[0])
		oom(c);
	json_decref(parsed);
	json_decref(items);
	return r;
}

static json_t *fn_base64(struct call *c)
{
	if (!json_is_string(c->args))
		return fail(c, false, "\"Fn::Base64\" argument must be a string");
	return json_deep_copy(c->args);
}

/* Compares two decimal digit strings (no leading zeros) by value. */
static int digits_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return an < bn ? -1 : 1;
	return memcmp(a, b, an);
}

struct member {
	const char *idx; /* the index digits, leading zeros skipped */
	size_t idxlen;
	const char *key, *val;
	size_t keylen, vallen;
	size_t order; /* for a stable sort */
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int d = digits_cmp(x->idx, x->idxlen, y->idx, y->idxlen);

	if (d)
		return d;
	return x->order < y->order ? -1 : x->order > y->order;
}

static json_t *fn_member_list_to_map(struct call *c)
{
	json_t *items, *list, *partials = NULL, *r = NULL, *group = NULL;
	struct member *m = NULL;
	size_t nm = 0;
	const char *keyname, *valuename;

	if (!(items = unpack(
		      c, c->args, 3,
		      "Wrong Arguments try: \"\n            {'Fn::MemberListToMap': ['Name', "
		      "'Value',\n                                     ['.member.0.Name=key',\n "
		      "                                     '.member.0.Value=door']]}\n       "
		      "     \"")))
		return NULL;
	if (!json_is_string(json_array_get(items, 0))) {
		fail(c, true, "Fn::MemberListToMap Key Name must be a string");
		goto out;
	}
	if (!json_is_string(json_array_get(items, 1))) {
		fail(c, true, "Fn::MemberListToMap Value Name must be a string");
		goto out;
	}
	keyname = json_string_value(json_array_get(items, 0));
	valuename = json_string_value(json_array_get(items, 1));
	if (!json_is_array(json_array_get(items, 2)) && !json_is_string(json_array_get(items, 2)) &&
	    !json_is_object(json_array_get(items, 2))) {
		fail(c, false, "Member list must be a list");
		goto out;
	}
	/* dict(s.split('=', 1) for s in member_list) */
	list = py_items(json_array_get(items, 2));
	if (!list || !(partials = json_object())) {
		json_decref(list);
		oom(c);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *s = json_array_get(list, i);
		const char *t, *eq;

		if (!json_is_string(s)) {
			json_decref(list);
			fail(c, false, "Member list items must be strings");
			goto out;
		}
		t = json_string_value(s);
		eq = memchr(t, '=', json_string_length(s));
		if (!eq) {
			json_decref(list);
			fail(c, false,
			     "dictionary update sequence element #%zu has length 1; 2 is required",
			     i);
			goto out;
		}
		if (json_object_setn_new(partials, t, (size_t)(eq - t),
					 json_stringn(eq + 1, json_string_length(s) -
								      (size_t)(eq - t) - 1)) < 0) {
			json_decref(list);
			oom(c);
			goto out;
		}
	}
	json_decref(list);

	/* Keys ".member.<N>.<name>" (name up to a line break), grouped by N
	 * in numeric order; a group with both names gives one entry. */
	if (json_object_size(partials) && !(m = calloc(json_object_size(partials), sizeof(*m)))) {
		oom(c);
		goto out;
	}
	for (void *it = json_object_iter(partials); it; it = json_object_iter_next(partials, it)) {
		const char *k = json_object_iter_key(it), *p;
		size_t kn = json_object_iter_key_len(it), d = 8;
		json_t *v = json_object_iter_value(it);

		if (kn < 10 || memcmp(k, ".member.", 8) != 0)
			continue;
		while (d < kn && k[d] >= '0' && k[d] <= '9')
			d++;
		if (d == 8 || d >= kn || k[d] != '.')
			continue;
		p = k + 8;
		while (p < k + d - 1 && *p == '0')
			p++;
		m[nm] = (struct member){.idx = p,
					.idxlen = (size_t)(k + d - p),
					.key = k + d + 1,
					.val = json_string_value(v),
					.vallen = json_string_length(v),
					.order = nm};
		p = memchr(m[nm].key, '\n', kn - d - 1);
		m[nm].keylen = p ? (size_t)(p - m[nm].key) : kn - d - 1;
		nm++;
	}
	if (nm)
		qsort(m, nm, sizeof(*m), member_cmp);
	if (!(r = json_object())) {
		oom(c);
		goto out;
	}
	for (size_t i = 0; i < nm;) {
		size_t j = i;
		json_t *kv, *vv;

		if (!(group = json_object())) {
			oom(c);
			goto out;
		}
		for (; j < nm && digits_cmp(m[i].idx, m[i].idxlen, m[j].idx, m[j].idxlen) == 0; j++)
			if (json_object_setn_new(group, m[j].key, m[j].keylen,
						 json_stringn(m[j].val, m[j].vallen)) < 0) {
				oom(c);
				goto out;
			}
		kv = json_object_get(group, keyname);
		vv = json_object_get(group, valuename);
		if (kv && vv &&
		    json_object_setn_new(r, json_string_value(kv), json_string_length(kv),
					 json_incref(vv)) < 0) {
			oom(c);
			goto out;
		}
		json_decref(group);
		group = NULL;
		i = j;
	}
out:
	if (c->fe->msg[0]) {
		json_decref(r);
		r = NULL;
	}
	json_decref(group);
	free(m);
	json_decref(partials);
	json_decref(items);
	return r;
}

/* ---------------------------------------------------------------- dispatch */

static const struct {
	const char *name;
	json_t *(*fn)(struct call *c);
} table[] = {
	{"list_join", fn_list_join},
	{"str_replace", fn_str_replace},
	{"str_replace_strict", fn_str_replace},
	{"str_replace_vstrict", fn_str_replace},
	{"repeat", fn_repeat},
	{"digest", fn_digest},
	{"str_split", fn_str_split},
	{"map_merge", fn_map_merge},
	{"map_replace", fn_map_replace},
	{"filter", fn_filter},
	{"make_url", fn_make_url},
	{"list_concat", fn_list_concat},
	{"list_concat_unique", fn_list_concat},
	{"contains", fn_contains},
	{"equals", fn_equals},
	{"Fn::Select", fn_select},
	{"Fn::Join", fn_list_join},
	{"Fn::Split", fn_cfn_split},
	{"Fn::Replace", fn_str_replace},
	{"Fn::Base64", fn_base64},
	{"Fn::MemberListToMap", fn_member_list_to_map},
};

bool fnlib_has(const char *name)
{
	for (size_t i = 0; name && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(name, table[i].name) == 0)
			return true;
	return false;
}

json_t *fnlib_call(const char *name, enum hot_version v, json_t *args, struct fn_err *fe)
{
	struct call c = {name, v, args ? args : json_null(), fe};
	json_t *r;

	fe->form = false;
	fe->msg[0] = '\0';
	for (size_t i = 0; name && i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(name, table[i].name) != 0)
			continue;
		r = table[i].fn(&c);
		if (!r && !fe->msg[0])
			oom(&c);
		return r;
	}
	return fail(&c, true, "Unknown function \"%s\"", name ? name : "(null)");
}
