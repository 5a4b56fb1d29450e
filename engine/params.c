/* Parameter schemas and defaults (see params.h).
 *
 * Conversions follow Heat's (hot-spec §3.2): a number accepts numeric
 * strings, a boolean accepts Python's truth words, a json parameter
 * accepts a JSON string, a comma_delimited_list splits a string on commas
 * without trimming.  Constraint messages are Heat's, so are their
 * precedence (one constraint per map, the first of modulo, range, length,
 * allowed_values, allowed_pattern, custom_constraint) and allowed_pattern's
 * match (anchored at the start, and the match must end at the end of the
 * value: Python's re.match semantics, which PCRE2 shares). */
#include "engine/params.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "engine/eval.h"
#include "engine/schema.h"

/* Backtracking budget of one allowed_pattern match. */
#define PATTERN_MATCH_LIMIT 100000
#define PATTERN_DEPTH_LIMIT 10000

enum ptype { P_STRING, P_NUMBER, P_JSON, P_LIST, P_BOOLEAN, P_BAD };

static const char *const type_names[] = {"string", "number", "json", "comma_delimited_list",
					 "boolean"};

static enum ptype type_of(const char *s)
{
	for (int i = 0; i < P_BAD; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (enum ptype)i;
	return P_BAD;
}

struct ctx {
	const struct doc *d;
	enum hot_version v;
	struct diags *dg;
	int errors;
};

/* ------------------------------------------------------------ conversion */

/* The text Python's str() gives a scalar, into buf; false for containers. */
static bool py_str(const json_t *v, char *buf, size_t size)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, size, "%s", json_string_value(v));
		return true;
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return true;
	case JSON_REAL: {
		double r = json_real_value(v);

		if (r == floor(r) && fabs(r) < 1e16)
			snprintf(buf, size, "%.1f", r);
		else
			snprintf(buf, size, "%.17g", r);
		return true;
	}
	case JSON_TRUE:
		snprintf(buf, size, "True");
		return true;
	case JSON_FALSE:
		snprintf(buf, size, "False");
		return true;
	case JSON_NULL:
		snprintf(buf, size, "None");
		return true;
	default:
		return false;
	}
}

/* Any value as text for messages: str() of scalars, JSON of containers. */
static void value_text(const json_t *v, char *buf, size_t size)
{
	char *t;

	if (py_str(v, buf, size))
		return;
	t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, size, "%s", t ? t : "?");
	free(t);
}

/* A number parameter's value: int() first, then float(). */
static json_t *to_number(const json_t *v, char *why, size_t whysize)
{
	const char *s;
	char *end;
	long long i;
	double f;

	if (json_is_integer(v) || json_is_real(v))
		return json_deep_copy(v);
	if (!json_is_string(v)) {
		char text[64] = "a list or map";

		py_str(v, text, sizeof(text));
		snprintf(why, whysize, "could not convert to a number: %s", text);
		return NULL;
	}
	s = json_string_value(v);
	while (isspace((unsigned char)*s))
		s++;
	/* Python's int() and float() take no hexadecimal, which strtod does. */
	if (strpbrk(s, "xXpP"))
		goto bad;
	errno = 0;
	i = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (end != s && !*end && errno != ERANGE)
		return json_integer(i);
	f = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end != s && !*end && isfinite(f))
		return json_real(f);
bad:
	snprintf(why, whysize, "could not convert string to float: '%s'", json_string_value(v));
	return NULL;
}

static json_t *to_boolean(const json_t *v, char *why, size_t whysize)
{
	static const char *const yes[] = {"1", "t", "true", "y", "yes", "on", NULL};
	static const char *const no[] = {"0", "f", "false", "n", "no", "off", NULL};
	char text[64] = "a list or map";

	if (json_is_boolean(v))
		return json_incref((json_t *)v);
	if (py_str(v, text, sizeof(text))) {
		for (char *p = text; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (int i = 0; yes[i]; i++)
			if (strcmp(text, yes[i]) == 0)
				return json_true();
		for (int i = 0; no[i]; i++)
			if (strcmp(text, no[i]) == 0)
				return json_false();
		py_str(v, text, sizeof(text));
	}
	snprintf(why, whysize,
		 "Unrecognized value '%s', acceptable values are: '0', '1', 'f', 'false', 'n', "
		 "'no', 'off', 'on', 't', 'true', 'y', 'yes'",
		 text);
	return NULL;
}

static json_t *to_list(const json_t *v, char *why, size_t whysize)
{
	json_t *out = json_array(), *item;
	char text[4096];
	size_t i;

	if (!out)
		return NULL;
	if (json_is_array(v)) {
		json_array_foreach (v, i, item) {
			if (json_is_string(item)) {
				json_array_append(out, item);
				continue;
			}
			if (!py_str(item, text, sizeof(text))) {
				snprintf(why, whysize,
					 "Value must be a comma-delimited list string");
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, json_string(text));
		}
		return out;
	}
	{
		/* Strings of any length are split in place of a copy. */
		char *copy = json_is_string(v)
				     ? strdup(json_string_value(v))
				     : (py_str(v, text, sizeof(text)) ? strdup(text) : NULL);

		if (!copy) {
			snprintf(why, whysize, "Value must be a comma-delimited list string");
			json_decref(out);
			return NULL;
		}
		if (copy[0]) /* "" is [] */
			for (char *p = copy;;) {
				char *comma = strchr(p, ',');

				if (comma)
					*comma = '\0';
				json_array_append_new(out, json_string(p));
				if (!comma)
					break;
				p = comma + 1;
			}
		free(copy);
	}
	return out;
}

/* Python's json.loads message for what jansson refused in text: the
 * phrase, then where the offending token starts. */
static void py_json_error(const char *text, const json_error_t *je, char *why, size_t whysize)
{
	static const struct {
		const char *jansson, *python;
	} phrases[] = {
		{"invalid token", "Expecting value"},
		{"unexpected token", "Expecting value"},
		{"string or '}' expected", "Expecting property name enclosed in double quotes"},
		{"']' expected", "Expecting ',' delimiter"},
		{"'}' expected", "Expecting ',' delimiter"},
		{"':' expected", "Expecting ':' delimiter"},
		{"end of file expected", "Extra data"},
	};
	const char *near = strstr(je->text, "near '"), *phrase = NULL;
	size_t start = (size_t)je->position, line = 1, col;

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (strncmp(je->text, phrases[i].jansson, strlen(phrases[i].jansson)) == 0)
			phrase = phrases[i].python;
	if (!phrase || start > strlen(text)) {
		snprintf(why, whysize, "Value must be valid JSON: %s", je->text);
		return;
	}
	if (near) /* jansson stands after the token it names */
		start -= strlen(near + 6) - 1 <= start ? strlen(near + 6) - 1 : start;
	col = start + 1;
	for (size_t i = 0; i < start; i++)
		if (text[i] == '\n') {
			line++;
			col = start - i;
		}
	snprintf(why, whysize, "Value must be valid JSON: %s: line %zu column %zu (char %zu)",
		 phrase, line, col, start);
}

static json_t *to_json(const json_t *v, char *why, size_t whysize)
{
	json_error_t je;
	json_t *out;

	if (!json_is_string(v) || !json_string_value(v)[0])
		return json_deep_copy(v);
	out = json_loads(json_string_value(v), JSON_DECODE_ANY, &je);
	if (!out)
		py_json_error(json_string_value(v), &je, why, whysize);
	return out;
}

/* The typed value of raw for a parameter of type t; NULL with why. */
static json_t *convert(enum ptype t, const json_t *raw, char *why, size_t whysize)
{
	char text[4096];

	switch (t) {
	case P_STRING:
		if (json_is_string(raw))
			return json_incref((json_t *)raw);
		if (!py_str(raw, text, sizeof(text))) {
			snprintf(why, whysize, "Value must be a string");
			return NULL;
		}
		return json_string(text);
	case P_NUMBER:
		return to_number(raw, why, whysize);
	case P_BOOLEAN:
		return to_boolean(raw, why, whysize);
	case P_LIST:
		return to_list(raw, why, whysize);
	case P_JSON:
		return to_json(raw, why, whysize);
	default:
		return NULL;
	}
}

/* ----------------------------------------------------------- constraints */

enum ckind { C_MODULO, C_RANGE, C_LENGTH, C_ALLOWED_VALUES, C_ALLOWED_PATTERN, C_CUSTOM, C_NONE };

static const struct {
	const char *key, *cls;
	unsigned types; /* bit per enum ptype */
} kinds[] = {
	[C_MODULO] = {"modulo", "Modulo", 1u << P_NUMBER},
	[C_RANGE] = {"range", "Range", 1u << P_NUMBER},
	[C_LENGTH] = {"length", "Length", 1u << P_STRING | 1u << P_LIST | 1u << P_JSON},
	[C_ALLOWED_VALUES] = {"allowed_values", "AllowedValues",
			      1u << P_STRING | 1u << P_NUMBER | 1u << P_BOOLEAN | 1u << P_LIST},
	[C_ALLOWED_PATTERN] = {"allowed_pattern", "AllowedPattern", 1u << P_STRING},
	[C_CUSTOM] = {"custom_constraint", "CustomConstraint",
		      1u << P_STRING | 1u << P_NUMBER | 1u << P_BOOLEAN | 1u << P_LIST},
};

static enum ckind kind_of(const json_t *c, enum hot_version v)
{
	for (int k = v >= HOT_2017_02_24 ? C_MODULO : C_RANGE; k < C_NONE; k++)
		if (json_object_get(c, kinds[k].key))
			return (enum ckind)k;
	return C_NONE;
}

/* A number for messages, as Python prints it. */
static void num_text(const json_t *v, char *buf, size_t size)
{
	if (!v || json_is_null(v))
		snprintf(buf, size, "None");
	else
		py_str(v, buf, size);
}

static bool num_value(const json_t *v, double *out)
{
	char why[64];
	json_t *n = v ? to_number(v, why, sizeof(why)) : NULL;

	if (!n)
		return false;
	*out = json_number_value(n);
	json_decref(n);
	return true;
}

static size_t length_of(const json_t *value)
{
	if (json_is_string(value))
		return strlen(json_string_value(value)); /* bytes; Heat counts characters */
	if (json_is_array(value))
		return json_array_size(value);
	if (json_is_object(value))
		return json_object_size(value);
	return 0;
}

/* JSON text of a list for messages: ["a", "b"]. */
static void list_text(const json_t *list, char *buf, size_t size)
{
	char *t = json_dumps(list, JSON_ENCODE_ANY);

	snprintf(buf, size, "%s", t ? t : "[]");
	free(t);
}

/* Checks typed value against constraint c; on failure writes Heat's
 * message into why and returns false. */
static bool satisfies(enum ptype t, enum ckind k, const json_t *c, const json_t *value, char *why,
		      size_t whysize)
{
	const json_t *arg = json_object_get(c, kinds[k].key);
	char a[64], b[64], v[256];
	double x, lo, hi;

	switch (k) {
	case C_RANGE:
		num_value(value, &x);
		if ((num_value(json_object_get(arg, "min"), &lo) && x < lo) ||
		    (num_value(json_object_get(arg, "max"), &hi) && x > hi)) {
			num_text(value, v, sizeof(v));
			num_text(json_object_get(arg, "min"), a, sizeof(a));
			num_text(json_object_get(arg, "max"), b, sizeof(b));
			snprintf(why, whysize, "%s is out of range (min: %s, max: %s)", v, a, b);
			return false;
		}
		return true;
	case C_LENGTH: {
		double n = (double)length_of(value);

		if ((num_value(json_object_get(arg, "min"), &lo) && n < lo) ||
		    (num_value(json_object_get(arg, "max"), &hi) && n > hi)) {
			num_text(json_object_get(arg, "min"), a, sizeof(a));
			num_text(json_object_get(arg, "max"), b, sizeof(b));
			snprintf(why, whysize, "length (%zu) is out of range (min: %s, max: %s)",
				 length_of(value), a, b);
			return false;
		}
		return true;
	}
	case C_MODULO: {
		double step, offset;

		if (!num_value(json_object_get(arg, "step"), &step) ||
		    !num_value(json_object_get(arg, "offset"), &offset) || step == 0)
			return true; /* a schema error, reported separately */
		num_value(value, &x);
		if (fmod(fmod(x, step) + step, step) != fmod(fmod(offset, step) + step, step)) {
			num_text(value, v, sizeof(v));
			num_text(json_object_get(arg, "step"), a, sizeof(a));
			num_text(json_object_get(arg, "offset"), b, sizeof(b));
			snprintf(why, whysize, "%s is not a multiple of %s with an offset of %s", v,
				 a, b);
			return false;
		}
		return true;
	}
	case C_ALLOWED_VALUES: {
		json_t *items = t == P_LIST ? (json_t *)value : NULL, *one = NULL, *item, *allowed;
		size_t i, j;
		bool ok = true;

		if (!items) {
			one = json_array();
			json_array_append(one, (json_t *)value);
			items = one;
		}
		json_array_foreach (items, i, item) {
			bool found = false;

			json_array_foreach (arg, j, allowed) {
				char why2[64];
				json_t *conv = convert(t == P_LIST ? P_STRING : t, allowed, why2,
						       sizeof(why2));

				found = conv && json_equal(conv, item);
				json_decref(conv);
				if (found)
					break;
			}
			if (!found) {
				char vt[256], at[512];

				py_str(item, vt, sizeof(vt));
				list_text(arg, at, sizeof(at));
				snprintf(why, whysize, "\"%s\" is not an allowed value %s", vt, at);
				ok = false;
				break;
			}
		}
		json_decref(one);
		return ok;
	}
	case C_ALLOWED_PATTERN: {
		const char *pat = json_string_value(arg), *s = json_string_value(value);
		PCRE2_SIZE erroff;
		int err, rc;
		pcre2_code *re;
		pcre2_match_data *md;
		pcre2_match_context *mctx;
		bool ok = false;

		if (!pat || !s)
			return true;
		re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &erroff,
				   NULL);
		if (!re)
			return true; /* a schema error, reported separately */
		/* Bounded backtracking: a pattern written to explode costs
		 * milliseconds, not minutes, and says so. */
		mctx = pcre2_match_context_create(NULL);
		if (mctx) {
			pcre2_set_match_limit(mctx, PATTERN_MATCH_LIMIT);
			pcre2_set_depth_limit(mctx, PATTERN_DEPTH_LIMIT);
		}
		md = pcre2_match_data_create_from_pattern(re, NULL);
		rc = md && mctx ? pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, PCRE2_ANCHORED, md,
					      mctx)
				: -1;
		ok = rc >= 0 && pcre2_get_ovector_pointer(md)[1] == strlen(s);
		pcre2_match_data_free(md);
		pcre2_match_context_free(mctx);
		pcre2_code_free(re);
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
			snprintf(
				why, whysize,
				"matching \"%s\" against pattern \"%s\" needs too much backtracking",
				s, pat);
		else if (!ok)
			snprintf(why, whysize, "\"%s\" does not match pattern \"%s\"", s, pat);
		return ok;
	}
	case C_CUSTOM: {
		/* Each value of a list; strings, numbers and booleans as text. */
		json_t *items = t == P_LIST ? (json_t *)value : NULL, *item;
		const char *cname = json_string_value(arg);
		size_t i, n = items ? json_array_size(items) : 1;

		for (i = 0; cname && i < n; i++) {
			char text[4096];

			item = items ? json_array_get(items, i) : (json_t *)value;
			if (!json_is_string(item) && !py_str(item, text, sizeof(text)))
				continue;
			switch (rtype_constraint_check(
				cname, json_is_string(item) ? json_string_value(item) : text, why,
				whysize)) {
			case 0:
				return false;
			case -1:
				snprintf(
					why, whysize,
					"\"%.700s\" does not validate %.100s (constraint not found)",
					text, cname);
				return false;
			}
		}
		return true;
	}
	default:
		return true;
	}
}

/* ---------------------------------------------------------------- schema */

/* The constraint's own shape: bounds that are numbers, a modulo with a
 * usable step and offset, a list of allowed values, a pattern that
 * compiles. */
static void check_constraint_shape(struct ctx *c, const char *name, json_t *con, enum ckind k,
				   const char *path)
{
	json_t *arg = json_object_get(con, kinds[k].key);
	double step, offset, x;

	switch (k) {
	case C_RANGE:
	case C_LENGTH:
		if (!json_is_object(arg) ||
		    (json_object_get(arg, "min") && !num_value(json_object_get(arg, "min"), &x)) ||
		    (json_object_get(arg, "max") && !num_value(json_object_get(arg, "max"), &x)))
			DIAG_ERR(
				c, con, kinds[k].key, path,
				"Parameter '%s' is invalid: %s must be a map of numbers min and max",
				name, kinds[k].key);
		break;
	case C_MODULO:
		if (!json_is_object(arg) || !num_value(json_object_get(arg, "step"), &step) ||
		    !num_value(json_object_get(arg, "offset"), &offset))
			DIAG_ERR(c, con, kinds[k].key, path,
				 "Parameter '%s' is invalid: modulo needs both step and offset",
				 name);
		else if (step == 0)
			DIAG_ERR(c, con, kinds[k].key, path,
				 "Parameter '%s' is invalid: step cannot be 0.", name);
		else if (fabs(offset) >= fabs(step))
			DIAG_ERR(
				c, con, kinds[k].key, path,
				"Parameter '%s' is invalid: offset must be smaller (by absolute value) "
				"than step.",
				name);
		else if (offset != 0 && (step < 0) != (offset < 0))
			DIAG_ERR(
				c, con, kinds[k].key, path,
				"Parameter '%s' is invalid: step and offset must be both positive or both "
				"negative.",
				name);
		break;
	case C_ALLOWED_VALUES:
		if (!json_is_array(arg))
			DIAG_ERR(c, con, kinds[k].key, path,
				 "Parameter '%s' is invalid: allowed_values must be a list", name);
		break;
	case C_ALLOWED_PATTERN: {
		PCRE2_UCHAR msg[256];
		PCRE2_SIZE erroff;
		pcre2_code *re;
		int err;

		if (!json_is_string(arg)) {
			DIAG_ERR(c, con, kinds[k].key, path,
				 "Parameter '%s' is invalid: allowed_pattern must be a string",
				 name);
			break;
		}
		re = pcre2_compile((PCRE2_SPTR)json_string_value(arg), PCRE2_ZERO_TERMINATED,
				   PCRE2_UTF, &err, &erroff, NULL);
		if (!re) {
			pcre2_get_error_message(err, msg, sizeof(msg));
			DIAG_ERR(
				c, con, kinds[k].key, path,
				"Parameter '%s' is invalid: allowed_pattern does not compile: %s at "
				"offset %zu",
				name, (const char *)msg, (size_t)erroff);
		}
		pcre2_code_free(re);
		break;
	}
	default:
		if (!json_is_string(arg))
			DIAG_ERR(c, con, kinds[k].key, path,
				 "Parameter '%s' is invalid: custom_constraint must be a name",
				 name);
	}
}

static void check_param(struct ctx *c, json_t *params, const char *name)
{
	static const char *const keys[] = {"type",   "description", "label",       "default",
					   "hidden", "immutable",   "constraints", "schema",
					   "tags",   NULL};
	json_t *p = json_object_get(params, name), *v, *cons, *con, *typed = NULL;
	char path[512], why[1024];
	enum ptype t = P_BAD;
	const char *k;
	size_t i;

	snprintf(path, sizeof(path), "parameters.%s", name);
	if (!json_is_object(p)) {
		DIAG_ERR(c, params, name, path, "Parameter %s must be a map of its schema", name);
		return;
	}
	json_object_foreach (p, k, v) {
		if (!text_in(k, keys) || (strcmp(k, "tags") == 0 && c->v < HOT_2018_03_02)) {
			DIAG_ERR_KEY(c, p, k, path, "Invalid key '%s' for parameter (%s)", k, name);
		}
	}
	v = json_object_get(p, "type");
	if (!v) {
		DIAG_ERR_KEY(c, params, name, path, "Missing parameter type for parameter: %s",
			     name);
	} else if (!json_is_string(v) || (t = type_of(json_string_value(v))) == P_BAD) {
		char text[256];

		value_text(v, text, sizeof(text));
		DIAG_ERR(c, p, "type", path, "Invalid type (%s)", text);
	}
	for (const char *const *b = (const char *const[]){"hidden", "immutable", NULL}; *b; b++) {
		v = json_object_get(p, *b);
		if (v && !json_is_boolean(v))
			DIAG_ERR(c, p, *b, path, "Parameter %s: %s must be true or false", name,
				 *b);
	}
	v = json_object_get(p, "tags");
	if (v && c->v >= HOT_2018_03_02 && !json_is_array(v))
		DIAG_ERR(c, p, "tags", path, "Tags property should be a list for parameter: %s",
			 name);

	cons = json_object_get(p, "constraints");
	if (cons && !json_is_array(cons)) {
		DIAG_ERR(c, p, "constraints", path,
			 "Invalid parameter constraints for parameter %s, expected a list", name);
		cons = NULL;
	}
	json_array_foreach (cons, i, con) {
		enum ckind kind;

		if (!json_is_object(con)) {
			DIAG_ERR(
				c, cons, NULL, path,
				"Invalid parameter constraints for parameter %s, expected a list of maps",
				name);
			continue;
		}
		kind = kind_of(con, c->v);
		if (kind == C_NONE) {
			DIAG_ERR(c, con, NULL, path, "No constraint expressed");
			continue;
		}
		if (t != P_BAD && !(kinds[kind].types & (1u << t)))
			DIAG_ERR(c, con, kinds[kind].key, path,
				 "Parameter '%s' is invalid: %s constraint invalid for %s", name,
				 kinds[kind].cls, type_names[t]);
		else
			check_constraint_shape(c, name, con, kind, path);
	}
	/* The default must convert and satisfy every constraint but custom
	 * ones (hot-spec §3.1). */
	v = json_object_get(p, "default");
	if (!v || json_is_null(v) || t == P_BAD)
		return;
	typed = convert(t, v, why, sizeof(why));
	if (!typed) {
		char text[256];

		value_text(v, text, sizeof(text));
		DIAG_ERR(c, p, "default", path, "Invalid default %s (%s)", text, why);
		return;
	}
	json_array_foreach (cons, i, con) {
		enum ckind kind = json_is_object(con) ? kind_of(con, c->v) : C_NONE;
		const json_t *desc;

		if (kind == C_NONE || kind == C_CUSTOM || !(kinds[kind].types & (1u << t)))
			continue; /* custom constraints apply when a stack uses it */
		if (!satisfies(t, kind, con, typed, why, sizeof(why))) {
			char text[256];

			desc = json_object_get(con, "description");
			value_text(v, text, sizeof(text));
			DIAG_ERR(c, p, "default", path, "Invalid default %s (%s)", text,
				 json_is_string(desc) ? json_string_value(desc) : why);
			break;
		}
	}
	json_decref(typed);
}

static void check_groups(struct ctx *c, json_t *groups, json_t *params)
{
	json_t *g, *names, *name, *seen = json_object();
	size_t i, j;

	json_array_foreach (groups, i, g) {
		names = json_is_object(g) ? json_object_get(g, "parameters") : NULL;
		if (!json_is_array(names)) {
			DIAG_ERR(
				c, g, NULL, "parameter_groups",
				"Parameter Groups error: parameter_groups: The parameters must be provided "
				"for each parameter group.");
			continue;
		}
		json_array_foreach (names, j, name) {
			const char *n = json_string_value(name);

			if (!n)
				continue;
			if (json_object_get(seen, n))
				DIAG_ERR(
					c, name, NULL, "parameter_groups",
					"Parameter Groups error: parameter_groups: The %s parameter must be "
					"assigned to one parameter group only.",
					n);
			else if (!json_object_get(params, n))
				DIAG_ERR(
					c, name, NULL, "parameter_groups",
					"Parameter Groups error: parameter_groups: The grouped parameter %s "
					"does not reference a valid parameter.",
					n);
			json_object_set(seen, n, json_true());
		}
	}
	json_decref(seen);
}

int params_check(const struct doc *d, enum hot_version v, struct diags *dg)
{
	struct ctx c = {d, v, dg, 0};
	json_t *params = json_object_get(doc_root(d), "parameters"), *p;
	json_t *groups = json_object_get(doc_root(d), "parameter_groups");
	const char *name;

	if (json_is_object(params))
		json_object_foreach (params, name, p)
			check_param(&c, params, name);
	if (json_is_array(groups))
		check_groups(&c, groups, json_is_object(params) ? params : NULL);
	return c.errors;
}

/* ---------------------------------------------------------------- values */

/* Where a value given for a parameter was written: the node itself when
 * it is one of the where docs' (environment files), else the last of
 * them that sets the name in section (the
 * merge may have combined or copied values), else the parameter's name
 * in the template. */
static void value_place(const struct doc *d, const struct doc *const *where, int nwhere,
			json_t *value, const char *name, const char *section, const struct doc **pd,
			json_t **obj, const char **key)
{
	struct mark m;

	for (int i = 0; i < nwhere; i++)
		if (where[i] && doc_mark(where[i], value, &m)) {
			*pd = where[i];
			*obj = value;
			*key = NULL;
			return;
		}
	for (int i = nwhere - 1; i >= 0; i--) {
		json_t *sec = where[i] ? json_object_get(doc_root(where[i]), section) : NULL;

		if (json_is_object(sec) && json_object_get(sec, name)) {
			*pd = where[i];
			*obj = sec;
			*key = name;
			return;
		}
	}
	*pd = d;
	*obj = json_object_get(doc_root(d), "parameters");
	*key = name;
}

/* The typed value of parameter name from raw, checked against its
 * constraints; NULL after reporting why. */
static json_t *typed_value(const struct doc *d, enum hot_version v, json_t *schema,
			   const char *name, json_t *raw, const char *source,
			   const struct doc *const *where, int nwhere, struct diags *dg)
{
	json_t *cons = json_object_get(schema, "constraints"), *con, *typed, *obj;
	enum ptype t = type_of(json_string_value(json_object_get(schema, "type")) ?: "");
	const struct doc *pd = d;
	const char *key = "default";
	char why[1024] = "", path[512];
	bool custom = false, desc_used = false;
	size_t i;

	if (t == P_BAD)
		return NULL; /* reported by params_check */
	obj = schema;
	if (source)
		value_place(d, where, nwhere, raw, name, source, &pd, &obj, &key);
	snprintf(path, sizeof(path), "parameters.%s", name);
	typed = convert(t, raw, why, sizeof(why));
	if (typed && json_is_array(cons))
		json_array_foreach (cons, i, con) {
			enum ckind kind = json_is_object(con) ? kind_of(con, v) : C_NONE;
			const json_t *desc = json_object_get(con, "description");

			/* A default was checked by params_check, but for custom
			 * constraints, which apply when a stack uses it. */
			if (kind == C_NONE || !(kinds[kind].types & (1u << t)) ||
			    (!source && kind != C_CUSTOM) ||
			    satisfies(t, kind, con, typed, why, sizeof(why)))
				continue;
			if (json_is_string(desc)) {
				snprintf(why, sizeof(why), "%s", json_string_value(desc));
				desc_used = true;
			}
			json_decref(typed);
			typed = NULL;
			custom = kind == C_CUSTOM;
			break;
		}
	/* A hidden value never reaches a message. */
	if (!typed && json_is_true(json_object_get(schema, "hidden")) && !desc_used)
		snprintf(why, sizeof(why), "the value (hidden) is not valid for this parameter");
	if (!typed && source && pd == d) /* given with -P: at the parameter's name */
		diag_add_key(dg, DIAG_ERROR, pd, obj, key, path, "Parameter '%s' is invalid: %s",
			     name, why);
	else if (!typed && (source || custom)) /* a default failing a custom constraint */
		diag_add(dg, DIAG_ERROR, pd, obj, key, path, "Parameter '%s' is invalid: %s", name,
			 why);
	return typed;
}

json_t *params_values(const struct doc *d, enum hot_version v, json_t *given, json_t *defaults,
		      json_t *pseudo, const struct doc *const *where, int nwhere,
		      enum params_missing how, struct diags *dg)
{
	json_t *params = json_object_get(doc_root(d), "parameters"), *out = json_object();
	json_t *schema, *raw, *missing = json_array();
	const char *name;
	char list[1024];
	size_t n = 0;

	if (!out || !missing) {
		json_decref(out);
		json_decref(missing);
		return NULL;
	}
	json_object_foreach (given, name, raw) {
		const struct doc *pd;
		json_t *obj;
		const char *key;

		if (json_object_get(params, name) || json_object_get(pseudo, name))
			continue;
		value_place(d, where, nwhere, raw, name, "parameters", &pd, &obj, &key);
		if (pd == d) { /* not in an environment file: at the section */
			obj = doc_root(d);
			key = json_object_get(obj, "parameters") ? "parameters" : NULL;
		}
		diag_add_key(dg, DIAG_ERROR, pd, obj, key, "parameters",
			     "The Parameter (%s) was not defined in template.", name);
	}
	if (json_is_object(params))
		json_object_foreach (params, name, schema) {
			const char *source = "parameters";
			json_t *typed;

			if (!json_is_object(schema))
				continue;
			raw = json_object_get(given, name);
			if (!raw || json_is_null(raw)) {
				raw = json_object_get(defaults, name);
				source = "parameter_defaults";
			}
			if (!raw || json_is_null(raw)) {
				raw = json_object_get(schema, "default");
				source = NULL;
			}
			if (!raw || json_is_null(raw)) {
				json_array_append_new(missing, json_string(name));
				json_object_set(out, name, eval_unknown());
				continue;
			}
			if (eval_tainted(raw)) { /* known at create time */
				json_object_set(out, name, eval_unknown());
				continue;
			}
			typed = typed_value(d, v, schema, name, raw, source, where, nwhere, dg);
			json_object_set_new(out, name, typed ? typed : json_incref(eval_unknown()));
		}
	json_object_update(out, pseudo);
	list[0] = '\0';
	for (size_t i = 0; i < json_array_size(missing); i++)
		n += (size_t)snprintf(list + (n < sizeof(list) ? n : sizeof(list) - 1),
				      n < sizeof(list) ? sizeof(list) - n : 1, "%s%s",
				      i ? ", " : "", json_string_value(json_array_get(missing, i)));
	if (how == PARAMS_MISSING_QUIET)
		;
	else if (json_array_size(missing) == 1)
		diag_add_key(dg, how == PARAMS_MISSING_WARN ? DIAG_WARNING : DIAG_ERROR, d,
			     doc_root(d), "parameters", "parameters",
			     "The Parameter (%s) was not provided.%s", list,
			     how == PARAMS_MISSING_WARN ? " (a stack needs it)" : "");
	else if (json_array_size(missing) > 1)
		diag_add_key(dg, how == PARAMS_MISSING_WARN ? DIAG_WARNING : DIAG_ERROR, d,
			     doc_root(d), "parameters", "parameters",
			     "The Parameters (%s) were not provided.%s", list,
			     how == PARAMS_MISSING_WARN ? " (a stack needs them)" : "");
	json_decref(missing);
	return out;
}
