/* Environments (see env.h).
 *
 * Follows Heat 19's environment code (hot-spec §4): the section checks of
 * its environment parser, the hook and restricted_action checks of its
 * registry loader with their messages, the server-side merge of
 * environment_files, and the candidate order of its registry lookup.
 * Where Heat fails with a Python exception (an HTTP 500) Hearth makes a
 * choice, and the comment says "Heat crashes here". */
#include "engine/env.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "engine/pyjson.h"

/* Chained registry mappings followed for one type at most. */
#define MAX_CHAIN 64
/* Nesting followed in registry maps and json parameter values. */
#define MAX_DEPTH 512

static const char *const sections[] = {
	"parameters",  "parameter_defaults",    "resource_registry",
	"event_sinks", "encrypted_param_names", "parameter_merge_strategies",
	NULL};
static const char *const hook_types[] = {"pre-create",  "pre-update",  "pre-delete", "post-create",
					 "post-update", "post-delete", NULL};
static const char *const restricted_actions[] = {"update", "replace", NULL};
static const char *const strategies[] = {"overwrite", "merge", "deep_merge", NULL};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool is_template_name(const char *s)
{
	return s && (ends_with(s, ".yaml") || ends_with(s, ".template"));
}

/* hooks and restricted_actions are settings inside the registry, not
 * type mappings. */
static bool is_option_key(const char *k)
{
	return strcmp(k, "hooks") == 0 || strcmp(k, "restricted_actions") == 0;
}

/* Python's truth of a value (NULL: absent, false). */
static bool truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------- messages */

struct text {
	char *p;
	size_t size, len;
};

static void put(struct text *t, const char *s, size_t n)
{
	size_t room = t->len < t->size ? t->size - t->len - 1 : 0;

	if (n > room)
		n = room;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* Python's repr() of a string. */
static void put_repr(struct text *t, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	char esc[8];

	put(t, &q, 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\' || ch == (unsigned char)q) {
			esc[0] = '\\';
			esc[1] = (char)ch;
			put(t, esc, 2);
		} else if (ch == '\n') {
			puts_(t, "\\n");
		} else if (ch == '\t') {
			puts_(t, "\\t");
		} else if (ch == '\r') {
			puts_(t, "\\r");
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", ch);
			puts_(t, esc);
		} else {
			put(t, (const char *)s, 1);
		}
	}
	put(t, &q, 1);
}

/* Python's str() of a value the way Heat's messages show it: a string as
 * it is, a list of scalars as its repr (['pre-create', 'x']), the rest
 * through pyjson_str. */
static void py_text(const json_t *v, char *buf, size_t size)
{
	struct text t = {buf, size, 0};
	const json_t *item;
	char num[64];
	size_t i;

	buf[0] = '\0';
	if (json_is_string(v)) {
		puts_(&t, json_string_value(v));
		return;
	}
	if (json_is_array(v)) {
		bool simple = true;

		json_array_foreach (v, i, item)
			simple = simple && (json_is_string(item) || json_is_integer(item) ||
					    json_is_boolean(item) || json_is_null(item));
		if (simple) {
			puts_(&t, "[");
			json_array_foreach (v, i, item) {
				if (i)
					puts_(&t, ", ");
				if (json_is_string(item)) {
					put_repr(&t, json_string_value(item));
				} else if (json_is_integer(item)) {
					snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
						 json_integer_value(item));
					puts_(&t, num);
				} else {
					puts_(&t, json_is_true(item)    ? "True"
						  : json_is_false(item) ? "False"
									: "None");
				}
			}
			puts_(&t, "]");
			return;
		}
	}
	{
		char *s = pyjson_str(v);

		puts_(&t, s ? s : "?");
		free(s);
	}
}

/* Python's repr() of a tuple of names, for "acceptable ... are: (...)". */
static void tuple_text(const char *const *names, char *buf, size_t size)
{
	struct text t = {buf, size, 0};

	buf[0] = '\0';
	puts_(&t, "(");
	for (int i = 0; names[i]; i++) {
		if (i)
			puts_(&t, ", ");
		put_repr(&t, names[i]);
	}
	puts_(&t, ")");
}

/* path.key into out; a path too long for out is cut short. */
static void join(char *out, size_t size, const char *path, const char *key)
{
	int n = snprintf(out, size, "%s%s%s", path, *path ? "." : "", key);

	if (n < 0)
		out[0] = '\0';
}

/* --------------------------------------------------------------- checks */

struct ctx {
	const struct doc *d;
	struct diags *dg;
	int errors;
};

/* true, false and null have no mark of their own: report them at their
 * container instead. */
static bool has_mark(const json_t *v)
{
	return v && !json_is_boolean(v) && !json_is_null(v);
}

/* obj[key] must be one of allowed or a list of them (hooks,
 * restricted_actions); null is a removal and fine. */
static void check_option(struct ctx *c, json_t *obj, const char *key, const char *path)
{
	bool hooks = strcmp(key, "hooks") == 0;
	const char *const *allowed = hooks ? hook_types : restricted_actions;
	json_t *v = json_object_get(obj, key), *item, *bad = NULL;
	char text[512], types[256];
	bool ok = false;
	size_t i;

	if (json_is_null(v))
		return;
	if (json_is_string(v)) {
		ok = text_in(json_string_value(v), allowed);
	} else if (json_is_array(v)) {
		ok = true;
		json_array_foreach (v, i, item)
			if (!json_is_string(item) || !text_in(json_string_value(item), allowed)) {
				ok = false;
				bad = item;
				break;
			}
	}
	if (ok)
		return;
	py_text(v, text, sizeof(text));
	tuple_text(allowed, types, sizeof(types));
	if (has_mark(bad)) {
		obj = bad;
		key = NULL;
	}
	if (hooks)
		DIAG_ERR(c, obj, key, path,
			 "Invalid hook type \"%s\" for resource breakpoint, acceptable hook types "
			 "are: %s",
			 text, types);
	else
		DIAG_ERR(c, obj, key, path,
			 "Invalid restricted_action type \"%s\" for resource, acceptable "
			 "restricted_action types are: %s",
			 text, types);
}

/* The map of one resource under `resources` (or of a nested resource
 * under it): type overrides, hooks, restricted_actions, nested maps. */
static void check_resource(struct ctx *c, json_t *map, const char *path, int depth)
{
	const char *k;
	json_t *v;
	char sub[1024];

	json_object_foreach (map, k, v) {
		join(sub, sizeof(sub), path, k);
		if (is_option_key(k))
			check_option(c, map, k, sub);
		else if (json_is_object(v) && depth < MAX_DEPTH)
			check_resource(c, v, sub, depth + 1);
		else if (!json_is_null(v) && !json_is_string(v) && !json_is_object(v))
			DIAG_ERR(c, map, k, sub,
				 "\"%s\" must map to a resource type or a template name, or hold "
				 "the entries of a nested resource",
				 k);
	}
}

static void check_registry(struct ctx *c, json_t *root)
{
	json_t *reg = json_object_get(root, "resource_registry"), *v, *rv;
	const char *k, *name;
	char sub[1024], rsub[1024];

	if (!json_is_object(reg)) {
		DIAG_ERR(c, root, "resource_registry", "resource_registry",
			 "environment section \"resource_registry\" must be a map");
		return;
	}
	json_object_foreach (reg, k, v) {
		join(sub, sizeof(sub), "resource_registry", k);
		if (is_option_key(k)) {
			check_option(c, reg, k, sub);
		} else if (strcmp(k, "resources") == 0) {
			if (!json_is_object(v)) {
				DIAG_ERR(c, reg, k, sub,
					 "\"resources\" must be a map of resource names to their "
					 "entries");
				continue;
			}
			json_object_foreach (v, name, rv) {
				join(rsub, sizeof(rsub), sub, name);
				if (json_is_object(rv))
					check_resource(c, rv, rsub, 1);
				else if (!json_is_null(rv))
					DIAG_ERR(c, v, name, rsub,
						 "the entries of resource \"%s\" must be a map",
						 name);
			}
		} else if (!json_is_null(v) && !json_is_string(v)) {
			DIAG_ERR(
				c, reg, k, sub,
				"resource_registry entry \"%s\" must be a resource type, a template "
				"name or null",
				k);
		}
	}
}

static void check_sinks(struct ctx *c, json_t *root)
{
	json_t *sinks = json_object_get(root, "event_sinks"), *sink, *v;
	const char *k;
	char path[64], sub[1024], text[256];
	size_t i;

	if (!json_is_array(sinks)) {
		DIAG_ERR(c, root, "event_sinks", "event_sinks",
			 "environment section \"event_sinks\" must be a list");
		return;
	}
	json_array_foreach (sinks, i, sink) {
		snprintf(path, sizeof(path), "event_sinks[%zu]", i);
		if (!json_is_object(sink)) {
			DIAG_ERR(c, has_mark(sink) ? sink : sinks, NULL, path,
				 "an event sink must be a map with type, target and ttl");
			continue;
		}
		v = json_object_get(sink, "type");
		if (!v) {
			DIAG_ERR(c, sink, NULL, path, "event sink has no type");
		} else if (!json_is_string(v) || strcmp(json_string_value(v), "zaqar-queue") != 0) {
			py_text(v, text, sizeof(text));
			join(sub, sizeof(sub), path, "type");
			DIAG_ERR(c, sink, "type", sub,
				 "Unknown event sink type \"%s\" (the only type is zaqar-queue)",
				 text);
		}
		v = json_object_get(sink, "target");
		join(sub, sizeof(sub), path, "target");
		if (!v)
			DIAG_ERR(c, sink, NULL, path,
				 "event sink has no target (a Zaqar queue name)");
		else if (!json_is_string(v))
			DIAG_ERR(c, sink, "target", sub, "event sink target must be a string");
		v = json_object_get(sink, "ttl");
		join(sub, sizeof(sub), path, "ttl");
		if (v && !json_is_integer(v) && !json_is_null(v))
			DIAG_ERR(c, sink, "ttl", sub,
				 "event sink ttl must be an integer (seconds)");
		json_object_foreach (sink, k, v)
			if (strcmp(k, "type") != 0 && strcmp(k, "target") != 0 &&
			    strcmp(k, "ttl") != 0) {
				join(sub, sizeof(sub), path, k);
				DIAG_ERR_KEY(c, sink, k, sub, "Unknown event sink key \"%s\"", k);
			}
	}
}

static void check_strategies(struct ctx *c, json_t *root)
{
	json_t *m = json_object_get(root, "parameter_merge_strategies"), *v;
	const char *k;
	char sub[1024], text[256], types[128];

	if (!json_is_object(m)) {
		DIAG_ERR(c, root, "parameter_merge_strategies", "parameter_merge_strategies",
			 "environment section \"parameter_merge_strategies\" must be a map");
		return;
	}
	tuple_text(strategies, types, sizeof(types));
	json_object_foreach (m, k, v) {
		if (json_is_string(v) && text_in(json_string_value(v), strategies))
			continue;
		py_text(v, text, sizeof(text));
		join(sub, sizeof(sub), "parameter_merge_strategies", k);
		DIAG_ERR(c, m, k, sub,
			 "Invalid merge strategy \"%s\" for \"%s\", acceptable merge strategies "
			 "are: %s",
			 text, k, types);
	}
}

int env_check(const struct doc *d, struct diags *dg)
{
	struct ctx c = {d, dg, 0};
	json_t *root = doc_root(d), *v;
	const char *k;

	json_object_foreach (root, k, v) {
		if (!text_in(k, sections)) {
			DIAG_ERR_KEY(&c, root, k, NULL, "environment has wrong section \"%s\"", k);
			continue;
		}
		if (json_is_null(v)) {
			DIAG_ERR_KEY(&c, root, k, NULL, "environment has empty section \"%s\"", k);
			continue;
		}
		if (strcmp(k, "resource_registry") == 0)
			check_registry(&c, root);
		else if (strcmp(k, "event_sinks") == 0)
			check_sinks(&c, root);
		else if (strcmp(k, "parameter_merge_strategies") == 0)
			check_strategies(&c, root);
		else if (strcmp(k, "encrypted_param_names") == 0 && !json_is_array(v))
			DIAG_ERR(&c, root, k, k, "environment section \"%s\" must be a list", k);
		else if ((strcmp(k, "parameters") == 0 || strcmp(k, "parameter_defaults") == 0) &&
			 !json_is_object(v))
			DIAG_ERR(&c, root, k, k, "environment section \"%s\" must be a map", k);
	}
	return c.errors;
}

/* ---------------------------------------------------------------- merge */

enum mtype { M_STRING, M_NUMBER, M_JSON, M_LIST, M_BOOLEAN };

/* The type that decides how a parameter merges: the declared one, else
 * the new value's. */
static enum mtype merge_type(const json_t *decl, const json_t *v)
{
	static const char *const names[] = {"string", "number", "json", "comma_delimited_list",
					    "boolean"};

	if (json_is_string(decl))
		for (int i = 0; i < 5; i++)
			if (strcmp(json_string_value(decl), names[i]) == 0)
				return (enum mtype)i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return M_JSON;
	case JSON_ARRAY:
		return M_LIST;
	case JSON_INTEGER:
	case JSON_REAL:
		return M_NUMBER;
	case JSON_TRUE:
	case JSON_FALSE:
		return M_BOOLEAN;
	default:
		return M_STRING;
	}
}

/* A new string a + sep + b (sep may be ""). */
static json_t *concat(const char *a, const char *sep, const char *b)
{
	size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
	char *s = malloc(na + ns + nb + 1);
	json_t *r;

	if (!s)
		return NULL;
	memcpy(s, a, na);
	memcpy(s + na, sep, ns);
	memcpy(s + na + ns, b, nb + 1);
	r = json_stringn(s, na + ns + nb);
	free(s);
	return r;
}

/* The items of a comma_delimited_list given as text (split on commas, no
 * trimming, as Heat's). New array. */
static json_t *split_csv(const char *s)
{
	json_t *a = json_array();
	const char *p = s, *comma;

	if (!*s)
		return a;
	for (;;) {
		comma = strchr(p, ',');
		json_array_append_new(a, json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
		if (!comma)
			break;
		p = comma + 1;
	}
	return a;
}

/* Heat's merge_list: nothing before → the new value; two lists → one
 * after the other; two strings → joined with a comma.  A list and a
 * string (Heat crashes here) → a list, the string split on commas.  New
 * reference. */
static json_t *merge_list(const json_t *old, const json_t *nv)
{
	json_t *a, *b;

	if (!truthy(old))
		return json_deep_copy(nv);
	if (json_is_string(old) && json_is_string(nv))
		return concat(json_string_value(old), ",", json_string_value(nv));
	a = json_is_array(old)    ? json_deep_copy(old)
	    : json_is_string(old) ? split_csv(json_string_value(old))
				  : json_pack("[O]", (json_t *)old);
	b = json_is_array(nv)    ? json_deep_copy(nv)
	    : json_is_string(nv) ? split_csv(json_string_value(nv))
				 : json_pack("[O]", (json_t *)nv);
	if (a && b)
		json_array_extend(a, b);
	json_decref(b);
	return a;
}

/* Heat's merge_map onto old (an object of the result tree, modified):
 * every non-null value of nv replaces; with deep, maps merge recursively,
 * lists through merge_list and strings concatenate when both sides have
 * one. */
static void merge_map(json_t *old, const json_t *nv, bool deep, int depth)
{
	const char *k;
	json_t *v, *ov;

	json_object_foreach ((json_t *)nv, k, v) {
		if (json_is_null(v))
			continue;
		ov = json_object_get(old, k);
		if (deep && json_is_object(v) && json_is_object(ov) && truthy(ov) &&
		    depth < MAX_DEPTH)
			merge_map(ov, v, deep, depth + 1);
		else if (deep && json_is_array(v) && truthy(ov) &&
			 (json_is_array(ov) || json_is_string(ov)))
			json_object_set_new(old, k, merge_list(ov, v));
		else if (deep && json_is_string(v) && json_is_string(ov))
			json_object_set_new(
				old, k, concat(json_string_value(ov), "", json_string_value(v)));
		else
			json_object_set_new(old, k, json_deep_copy(v));
	}
}

/* A number from a JSON number or numeric text (Python's float() accepts
 * surrounding blanks); false if it is neither. */
static bool number_of(const json_t *v, json_t **out)
{
	const char *s;
	char *end;
	long long i;
	double r;

	if (json_is_number(v)) {
		*out = json_deep_copy(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	errno = 0;
	i = strtoll(s, &end, 10);
	if (end != s && errno == 0) {
		while (*end == ' ' || *end == '\t' || *end == '\n')
			end++;
		if (!*end) {
			*out = json_integer(i);
			return true;
		}
	}
	r = strtod(s, &end);
	if (end == s)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end)
		return false;
	*out = json_real(r);
	return true;
}

struct merge {
	struct ctx c;     /* the file being applied */
	json_t *declared; /* borrowed */
	json_t *fixed;    /* parameter name → the strategy fixed for it */
};

/* Merges from[k] (the file's value) into section[k] with strategy merge
 * or deep_merge, by the parameter's type.  Errors are Heat's, placed at
 * the file's value. */
static void merge_value(struct merge *m, json_t *section, json_t *from, const char *k, bool deep,
			const char *path)
{
	json_t *v = json_object_get(from, k);
	enum mtype t = merge_type(json_object_get(m->declared, k), v);
	json_t *old = json_object_get(section, k), *nv = NULL, *a = NULL, *b = NULL;
	json_error_t jerr;
	json_int_t sum;
	char text[512];

	if (t == M_JSON) {
		if (json_is_string(v) && json_string_length(v)) {
			nv = json_loads(json_string_value(v), JSON_DECODE_ANY, &jerr);
			if (!nv) {
				DIAG_ERR(&m->c, from, k, path,
					 "Invalid parameter in environment %s.", jerr.text);
				return;
			}
		} else {
			nv = json_is_string(v) ? json_object() : json_deep_copy(v);
		}
		/* A json value given as text earlier (a -P value) merges as the
		 * map it holds. */
		if (json_is_string(old)) {
			json_t *parsed = json_loads(json_string_value(old), 0, NULL);

			if (parsed) {
				json_object_set_new(section, k, parsed);
				old = parsed;
			}
		}
		if (truthy(old) && json_is_object(old) && json_is_object(nv))
			merge_map(old, nv, deep, 0);
		else /* nothing to merge into (or Heat crashes here): replaced */
			json_object_set(section, k, nv);
		json_decref(nv);
		return;
	}
	/* Heat's parse_param: anything but text or a list is refused. */
	if (!json_is_string(v) && !json_is_array(v)) {
		DIAG_ERR(&m->c, from, k, path, "Invalid parameter in environment .");
		return;
	}
	switch (t) {
	case M_LIST:
		json_object_set_new(section, k, merge_list(old, v));
		break;
	case M_STRING:
		if (!json_is_string(v)) { /* Heat crashes here */
			DIAG_ERR(&m->c, from, k, path, "Invalid parameter in environment .");
			break;
		}
		if (old && !json_is_string(old))
			py_text(old, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s", old ? json_string_value(old) : "");
		json_object_set_new(section, k, concat(text, "", json_string_value(v)));
		break;
	case M_NUMBER:
		if (!number_of(v, &b)) {
			py_text(v, text, sizeof(text));
			DIAG_ERR(&m->c, from, k, path,
				 "Invalid parameter in environment could not convert string to "
				 "float: '%s'.",
				 text);
			break;
		}
		if (!old || !number_of(old, &a))
			a = json_integer(0);
		if (json_is_integer(a) && json_is_integer(b) &&
		    !__builtin_add_overflow(json_integer_value(a), json_integer_value(b), &sum))
			json_object_set_new(section, k, json_integer(sum));
		else
			json_object_set_new(section, k,
					    json_real(json_number_value(a) + json_number_value(b)));
		break;
	default: /* boolean: Heat names the strategy merge, whichever it was */
		DIAG_ERR(&m->c, from, k, path, "Invalid merge strategy 'merge' for parameter '%s'.",
			 k);
		break;
	}
	json_decref(a);
	json_decref(b);
}

/* The strategy a file gives parameter k (Heat's get_param_merge_strategy
 * with the strategies fixed so far). */
static const char *strategy_of(json_t *in_file, json_t *fixed, const char *k)
{
	json_t *def = json_object_get(in_file, "default"), *v = json_object_get(in_file, k);
	const char *dflt = json_is_string(def) ? json_string_value(def) : "overwrite";
	const char *s;

	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_string(json_object_get(fixed, k)))
		s = json_string_value(json_object_get(fixed, k));
	else
		s = dflt;
	return text_in(s, strategies) ? s : dflt;
}

/* Applies a file's parameters or parameter_defaults (nv, non-empty) to
 * env[name]. */
static void merge_params(struct merge *m, json_t *env, const char *name, json_t *nv,
			 json_t *in_file)
{
	json_t *section = json_object_get(env, name), *v, *f;
	const char *k, *s;
	char path[1024];
	int before = m->c.errors;

	/* First every strategy is fixed or compared, then values move. */
	json_object_foreach (nv, k, v) {
		if (json_is_null(v) || !json_object_get(m->declared, k))
			continue;
		s = strategy_of(in_file, m->fixed, k);
		f = json_object_get(m->fixed, k);
		if (!f) {
			json_object_set_new(m->fixed, k, json_string(s));
		} else if (strcmp(json_string_value(f), s) != 0) {
			/* Only a file's own entry for k can differ from it. */
			join(path, sizeof(path), "parameter_merge_strategies", k);
			DIAG_ERR(&m->c, json_object_get(in_file, k) ? in_file : nv, k, path,
				 "Conflicting merge strategy '%s' for parameter '%s' in file "
				 "'%s'.",
				 s, k, doc_name(m->c.d));
		}
	}
	if (m->c.errors > before)
		return;
	if (json_object_size(section) == 0) {
		json_object_set_new(env, name, json_deep_copy(nv));
		return;
	}
	json_object_foreach (nv, k, v) {
		if (json_is_null(v) || !json_object_get(m->declared, k))
			continue;
		s = json_string_value(json_object_get(m->fixed, k));
		join(path, sizeof(path), name, k);
		if (strcmp(s, "overwrite") == 0)
			json_object_set_new(section, k, json_deep_copy(v));
		else
			merge_value(m, section, nv, k, strcmp(s, "deep_merge") == 0, path);
	}
}

static void merge_file(struct merge *m, json_t *env)
{
	json_t *root = doc_root(m->c.d), *v, *in_file, *reg, *x;
	const char *k, *rk;
	size_t i;

	in_file = json_object_get(root, "parameter_merge_strategies");
	json_object_foreach (root, k, v) {
		if (!truthy(v))
			continue;
		if (strcmp(k, "parameters") == 0 || strcmp(k, "parameter_defaults") == 0) {
			merge_params(m, env, k, v, in_file);
		} else if (strcmp(k, "resource_registry") == 0) {
			reg = json_object_get(env, k);
			if (json_object_size(reg) == 0) {
				json_object_set_new(env, k, json_deep_copy(v));
				continue;
			}
			json_object_foreach (v, rk, x)
				if (!json_is_null(x))
					json_object_set_new(reg, rk, json_deep_copy(x));
		} else if (strcmp(k, "event_sinks") == 0) {
			json_array_foreach (v, i, x)
				json_array_append_new(json_object_get(env, k), json_deep_copy(x));
		}
	}
}

json_t *env_merge(json_t *user_params, const struct doc *const *envs, int n, json_t *declared,
		  struct diags *dg)
{
	struct merge m = {{NULL, dg, 0}, declared, NULL};
	json_t *env = NULL, *none = NULL;
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad += env_check(envs[i], dg);
	if (bad)
		goto out;
	if (!declared)
		m.declared = none = json_object();
	m.fixed = json_object();
	env = json_pack("{s:o,s:{},s:{},s:[]}", "parameters",
			json_is_object(user_params) ? json_deep_copy(user_params) : json_object(),
			"parameter_defaults", "resource_registry", "event_sinks");
	if (!env || !m.fixed || !m.declared) {
		bad = 1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		m.c.d = envs[i];
		merge_file(&m, env);
	}
	bad = m.c.errors;
out:
	if (bad) {
		json_decref(env);
		env = NULL;
	}
	json_decref(m.fixed);
	json_decref(none);
	return env;
}

/* ------------------------------------------------------------- registry */

/* Heat's removal on a null entry: "Pfx*" removes the type mappings whose
 * key starts with Pfx, any other key itself. */
static void reg_remove(json_t *into, const char *k)
{
	size_t n = strlen(k);
	const char *key;
	json_t *v;
	void *tmp;

	if (n == 0 || k[n - 1] != '*') {
		json_object_del(into, k);
		return;
	}
	json_object_foreach_safe (into, tmp, key, v)
		if (!json_is_object(v) && !is_option_key(key) && strncmp(key, k, n - 1) == 0)
			json_object_del(into, key);
}

static void reg_load(json_t *into, json_t *more, int depth)
{
	const char *k;
	json_t *v, *sub;

	json_object_foreach (more, k, v) {
		if (json_is_null(v)) {
			reg_remove(into, k);
		} else if (is_option_key(k) || !json_is_object(v)) {
			json_object_set_new(into, k, json_deep_copy(v));
		} else if (depth < MAX_DEPTH) {
			sub = json_object_get(into, k);
			if (!json_is_object(sub)) {
				sub = json_object();
				json_object_set_new(into, k, sub);
			}
			reg_load(sub, v, depth + 1);
		}
	}
}

void env_registry_load(json_t *into, json_t *more)
{
	if (json_is_object(into) && json_is_object(more))
		reg_load(into, more, 0);
}

/* A registry as Heat holds it after loading: always with `resources`.
 * New reference. */
static json_t *reg_loaded(json_t *registry)
{
	json_t *r = json_pack("{s:{}}", "resources");

	if (r && json_is_object(registry))
		reg_load(r, registry, 0);
	if (r && !json_is_object(json_object_get(r, "resources")))
		json_object_set_new(r, "resources", json_object());
	return r;
}

/* A candidate of a lookup: the registry path it sits at (1 or 3 keys),
 * and what it maps to. */
struct cand {
	const char *path[3];
	int len;
	const char *value; /* NULL for the built-in and for a template type itself */
	bool builtin;
	bool entry; /* a registry entry (not the template type itself) */
};

struct look {
	json_t *reg; /* loaded */
	const char *res_name;
	bool (*is_builtin)(const char *type);
	const char *chain[MAX_CHAIN];
	int depth;
	bool fatal;
	char *err;
	size_t errsz;
	json_t *tpath; /* where the template entry found is: array of keys, or NULL */
};

static int by_precedence(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->builtin != y->builtin)
		return x->builtin ? 1 : -1;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	for (int i = 0; i < x->len; i++) {
		int c = strcmp(x->path[i], y->path[i]);

		if (c)
			return c;
	}
	return 0;
}

static void set_err(struct look *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct look *l, const char *fmt, ...)
{
	va_list ap;

	if (!l->err || !l->errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(l->err, l->errsz, fmt, ap);
	va_end(ap);
}

static char *resolve(struct look *l, const char *type);

/* Follows one candidate for type; NULL if it leads nowhere (or fatally). */
static char *follow(struct look *l, const struct cand *cd, const char *type)
{
	const char *name = cd->path[cd->len - 1];
	size_t plen = strlen(name);
	char *next, *found;

	if (cd->builtin)
		return strdup(type);
	if (is_template_name(name) || is_template_name(cd->value)) {
		json_decref(l->tpath);
		l->tpath = NULL;
		if (cd->entry) {
			l->tpath = json_array();
			for (int i = 0; i < cd->len; i++)
				json_array_append_new(l->tpath, json_string(cd->path[i]));
		}
		return strdup(is_template_name(name) ? name : cd->value);
	}
	if (plen && name[plen - 1] == '*' && ends_with(cd->value, "*")) {
		/* "Pfx*": "Other*": the rest of the type after Pfx follows Other. */
		size_t vlen = strlen(cd->value) - 1, rest = strlen(type) - (plen - 1);

		next = malloc(vlen + rest + 1);
		if (!next)
			return NULL;
		memcpy(next, cd->value, vlen);
		memcpy(next + vlen, type + plen - 1, rest + 1);
	} else {
		next = strdup(cd->value);
	}
	found = next ? resolve(l, next) : NULL;
	free(next);
	return found;
}

static char *resolve(struct look *l, const char *type)
{
	json_t *per, *v;
	struct cand *cands = NULL;
	size_t n = 0;
	const char *k;
	char *found = NULL;

	for (int i = 0; i < l->depth; i++) {
		if (strcmp(l->chain[i], type) == 0) {
			char chain[1024];
			struct text t = {chain, sizeof(chain), 0};

			chain[0] = '\0';
			for (int j = i; j < l->depth; j++) {
				puts_(&t, l->chain[j]);
				puts_(&t, " -> ");
			}
			puts_(&t, type);
			set_err(l,
				"Resource type \"%s\" maps to itself through the resource_registry: %s",
				type, chain);
			l->fatal = true;
			return NULL;
		}
	}
	if (l->depth == MAX_CHAIN) {
		set_err(l,
			"Resource type \"%s\" goes through more than %d resource_registry mappings",
			l->chain[0], MAX_CHAIN);
		l->fatal = true;
		return NULL;
	}
	l->chain[l->depth++] = type;
	cands = calloc(json_object_size(l->reg) + 4, sizeof(*cands));
	if (!cands)
		goto out;
	v = json_object_get(l->reg, type);
	if (is_template_name(type))
		cands[n++] = (struct cand){{type}, 1, NULL, false, json_is_string(v)};
	per = l->res_name ? json_object_get(json_object_get(l->reg, "resources"), l->res_name)
			  : NULL;
	if (json_is_object(per) && json_is_string(json_object_get(per, type)))
		cands[n++] = (struct cand){{"resources", l->res_name, type},
					   3,
					   json_string_value(json_object_get(per, type)),
					   false,
					   true};
	if (json_is_string(v) && !is_template_name(type) && !is_option_key(type))
		cands[n++] = (struct cand){{type}, 1, json_string_value(v), false, true};
	json_object_foreach (l->reg, k, v) {
		size_t klen = strlen(k);

		if (klen && k[klen - 1] == '*' && json_is_string(v) &&
		    strcmp(type, json_string_value(v)) != 0 && strncmp(type, k, klen - 1) == 0)
			cands[n++] = (struct cand){{k}, 1, json_string_value(v), false, true};
	}
	if (l->is_builtin && l->is_builtin(type))
		cands[n++] = (struct cand){{type}, 1, NULL, true, false};
	qsort(cands, n, sizeof(*cands), by_precedence);
	for (size_t i = 0; i < n && !found && !l->fatal; i++)
		found = follow(l, &cands[i], type);
out:
	free(cands);
	l->depth--;
	return found;
}

/* Resolves type; on success *tpath (if given) is the registry path of the
 * template entry it ended at (new array) or NULL. */
static char *lookup(json_t *loaded, const char *res_name, const char *type,
		    bool (*is_builtin)(const char *), char *err, size_t errsz, json_t **tpath)
{
	struct look l = {.reg = loaded,
			 .res_name = res_name,
			 .is_builtin = is_builtin,
			 .err = err,
			 .errsz = errsz};
	char *found;

	if (err && errsz)
		err[0] = '\0';
	found = type ? resolve(&l, type) : NULL;
	if (!found && !l.fatal)
		set_err(&l, "The Resource Type (%s) could not be found.", type ? type : "");
	if (found && tpath)
		*tpath = json_incref(l.tpath);
	json_decref(l.tpath);
	return found;
}

char *env_resolve_type(json_t *registry, const char *res_name, const char *type,
		       bool (*is_builtin)(const char *type), char *err, size_t errsz)
{
	json_t *loaded;
	char *found;

	/* Nothing to look up: a built-in type is itself. */
	if (json_object_size(registry) == 0 && is_builtin(type))
		return strdup(type);
	loaded = reg_loaded(registry);
	found = loaded ? lookup(loaded, res_name, type, is_builtin, err, errsz, NULL) : NULL;

	json_decref(loaded);
	return found;
}

/* Heat's remove_resources_except: `resources` becomes the contents of
 * every entry matching res_name, then of the exact one. */
static void narrow(json_t *reg, const char *res_name)
{
	json_t *res = json_object_get(reg, "resources"), *kept = json_object(), *v;
	const char *k;

	if (!kept)
		return;
	json_object_foreach (res, k, v)
		if (json_is_object(v) && fnmatch(k, res_name, FNM_NOESCAPE) == 0)
			json_object_update(kept, v);
	v = json_object_get(res, res_name);
	if (json_is_object(v))
		json_object_update(kept, v);
	json_object_set_new(reg, "resources", kept);
}

json_t *env_child_registry(json_t *registry, const char *res_name)
{
	json_t *reg = reg_loaded(registry);

	if (reg && res_name)
		narrow(reg, res_name);
	return reg;
}

json_t *env_child_registry_of(json_t *registry, const char *res_name, const char *type,
			      bool (*is_builtin)(const char *type))
{
	json_t *reg = reg_loaded(registry), *tpath = NULL, *at;
	char err[16];
	char *found;

	if (!reg)
		return NULL;
	found = lookup(reg, res_name, type, is_builtin, err, sizeof(err), &tpath);
	if (found && tpath) {
		size_t n = json_array_size(tpath);

		at = reg;
		for (size_t i = 0; i + 1 < n && at; i++)
			at = json_object_get(at, json_string_value(json_array_get(tpath, i)));
		if (json_is_object(at))
			json_object_del(at, json_string_value(json_array_get(tpath, n - 1)));
	}
	free(found);
	json_decref(tpath);
	if (res_name)
		narrow(reg, res_name);
	return reg;
}

/* Adds the names of an option value (a name or a list) to list, once. */
static void add_names(json_t *list, const json_t *v)
{
	const json_t *item;
	size_t i, j;
	json_t *have;
	bool seen;

	if (json_is_string(v)) {
		json_t *one = json_pack("[O]", v);

		add_names(list, one);
		json_decref(one);
		return;
	}
	json_array_foreach (v, i, item) {
		if (!json_is_string(item))
			continue;
		seen = false;
		json_array_foreach (list, j, have)
			seen = seen || json_equal(have, item);
		if (!seen)
			json_array_append(list, (json_t *)item);
	}
}

json_t *env_resource_options(json_t *registry, const char *res_name)
{
	json_t *reg = reg_loaded(registry),
	       *out = json_pack("{s:[],s:[]}", "hooks", "restricted_actions");
	json_t *v;
	const char *k;

	if (reg && out && res_name)
		json_object_foreach (json_object_get(reg, "resources"), k, v) {
			if (!json_is_object(v) || fnmatch(k, res_name, FNM_NOESCAPE) != 0)
				continue;
			add_names(json_object_get(out, "hooks"), json_object_get(v, "hooks"));
			add_names(json_object_get(out, "restricted_actions"),
				  json_object_get(v, "restricted_actions"));
		}
	json_decref(reg);
	return out;
}
