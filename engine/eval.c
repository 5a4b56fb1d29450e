/* Evaluation of intrinsic functions (see eval.h).
 *
 * eval_value walks a node: maps and lists are rebuilt from their
 * evaluated children (omitted ones dropped), a one-key map naming a
 * function of the template's version is a call.  Arguments are evaluated
 * before the call except for `if`, whose untaken branch is never looked
 * at (Heat parses only the chosen one).  Errors of the arguments' form
 * and references are reported here; the grammar of conditions, removed
 * functions and yaql were reported by the earlier stages (conditions.c,
 * functions.c), so those fail quietly here. */
#include "engine/eval.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "engine/fnlib.h"
#include "engine/conditions.h"
#include "engine/functions.h"
#include "engine/graph.h"
#include "engine/path.h"

static json_t *unknown;
static pthread_once_t unknown_once = PTHREAD_ONCE_INIT;

static void unknown_init(void)
{
	unknown = json_object();
}

json_t *eval_unknown(void)
{
	pthread_once(&unknown_once, unknown_init);
	return unknown;
}

bool eval_tainted(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (v == eval_unknown())
		return true;
	if (json_is_array(v)) {
		json_array_foreach (v, i, x)
			if (eval_tainted(x))
				return true;
	} else if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, k, x)
			if (eval_tainted(x))
				return true;
	}
	return false;
}

/* ---------------------------------------------------------------- errors */

/* Reports an error of the call fname in node (marked at the function's
 * name).  In an output, an error Heat finds only when the output is read
 * (form false) is a warning, and the first message becomes the output's
 * error. */
static int fail(struct eval_ctx *c, json_t *node, const char *fname, const struct path *path,
		bool form, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int fail(struct eval_ctx *c, json_t *node, const char *fname, const struct path *path,
		bool form, const char *fmt, ...)
{
	char msg[1024], where[PATH_SIZE];
	va_list ap;
	bool warn = c->in_output && !form;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->in_output && !c->output_error)
		c->output_error = strdup(msg);
	diag_add_key(c->dg, warn ? DIAG_WARNING : DIAG_ERROR, c->d, node, fname,
		     path_str(path, where), "%s%s", msg,
		     warn ? " (Heat reports this only when the output is read)" : "");
	if (!warn)
		c->errors++;
	return -1;
}

/* An argument evaluated: an omitted value is null there. */
/* A function's arguments.  whole: the function uses them only when
 * nothing in them is unknown, so a container holding an unknown is
 * itself made unknown instead of being built (its children are still
 * walked, for their findings and references). */
static int arg_value(struct eval_ctx *c, json_t *node, const struct path *path, bool whole,
		     json_t **out)
{
	bool was = c->whole;
	int r;

	c->whole = whole;
	r = eval_value(c, node, path, out);
	c->whole = was;

	if (r == 1) {
		*out = json_null();
		r = 0;
	}
	return r;
}

static bool is_enabled(struct eval_ctx *c, const char *name)
{
	return c->enabled ? json_object_get(c->enabled, name) != NULL
			  : json_object_get(c->resources, name) != NULL;
}

/* Python's int() of a path component: an integer, or a string holding
 * one. */
static bool int_of(const json_t *v, long long *out)
{
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	errno = 0;
	*out = strtoll(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return end != s && !*end && errno == 0;
}

/* ------------------------------------------------------------ references */

static int reference(struct eval_ctx *c, json_t *node, const char *fname, const char *name,
		     const struct path *path)
{
	if (!is_enabled(c, name)) {
		char where[1024] = "unknown";

		if (!c->in_output && c->where_res)
			snprintf(where, sizeof(where), "%s%s%s%s%s", c->where_res,
				 c->where_part ? "." : "", c->where_part ? c->where_part : "",
				 c->where_part && c->where_key ? "." : "",
				 c->where_part && c->where_key ? c->where_key : "");
		return fail(c, node, fname, path, !c->in_output,
			    "The specified reference \"%s\" (in %s) is incorrect.", name, where);
	}
	if (c->refs && c->where_res) /* names that live as long as the template */
		graph_refs_add(c->refs, c->where_res,
			       json_object_iter_key(json_object_iter_at(c->resources, name)));
	return 0;
}

static json_t *ref_id(struct eval_ctx *c, const char *name)
{
	if (c->mode == EVAL_RESOLVE && c->ref)
		return c->ref(c->u, name);
	return json_string(name); /* Heat's reference id before creation */
}

static int get_param(struct eval_ctx *c, json_t *node, json_t *args, const struct path *path,
		     json_t **out)
{
	json_t *name = json_is_array(args) ? json_array_get(args, 0) : args, *v;
	size_t i;

	if (json_is_null(args) || (json_is_array(args) && json_array_size(args) == 0))
		return fail(c, node, "get_param", path, true,
			    "Function \"get_param\" must have arguments");
	if (!json_is_string(args) && !json_is_array(args))
		return fail(c, node, "get_param", path, true,
			    "Argument to \"get_param\" must be string or list");
	if (name == eval_unknown()) {
		*out = json_incref(eval_unknown());
		return 0;
	}
	if (!json_is_string(name))
		return fail(c, node, "get_param", path, true,
			    "Parameter name in \"get_param\" must be string");
	v = json_object_get(c->params, json_string_value(name));
	if (!v) {
		const char *fname = json_object_iter_key(json_object_iter(node));
		json_t *raw = json_object_get(node, fname);
		json_t *written = json_is_array(raw) ? json_array_get(raw, 0) : raw;
		char msg[512];

		snprintf(msg, sizeof(msg), "The Parameter (%s) was not provided.",
			 json_string_value(name));
		if (!json_is_string(written) || strcmp(fname, "get_param") != 0)
			return fail(c, node, fname, path, false, "%s", msg);
		/* A name written out: at the name, as functions.c places it
		 * (a warning in an output, which Heat reads only on demand). */
		if (c->in_output) {
			char where[PATH_SIZE];

			diag_add(c->dg, DIAG_WARNING, c->d, written, NULL, path_str(path, where),
				 "%s", msg);
			if (!c->output_error)
				c->output_error = strdup(msg);
			return -1;
		}
		char where[PATH_SIZE];

		diag_add(c->dg, DIAG_ERROR, c->d, written, NULL, path_str(path, where), "%s", msg);
		c->errors++;
		return -1;
	}
	for (i = 1; json_is_array(args) && i < json_array_size(args); i++) {
		json_t *k = json_array_get(args, i);
		long long idx;

		if (v == eval_unknown() || k == eval_unknown()) {
			v = eval_unknown();
			break;
		}
		if (!json_is_string(k) && !json_is_integer(k))
			return fail(c, node, "get_param", path, false,
				    "Path components in \"get_param\" must be strings or integers");
		if (json_is_object(v)) {
			v = json_is_string(k) ? json_object_get(v, json_string_value(k)) : NULL;
		} else if (json_is_array(v)) {
			if (!int_of(k, &idx))
				return fail(c, node, "get_param", path, false,
					    "Path components in 'get_param' must be a string that "
					    "can be parsed into an integer.");
			if (idx < 0)
				idx += (long long)json_array_size(v);
			v = idx >= 0 ? json_array_get(v, (size_t)idx) : NULL;
		} else {
			v = NULL;
		}
		if (!v) {
			*out = json_string(""); /* any miss: "", not null */
			return 0;
		}
	}
	*out = json_incref(v);
	return 0;
}

/* Walks an attribute value down path (from index `from` of args): any
 * miss is null. */
static json_t *attr_path(json_t *v, json_t *args, size_t from)
{
	for (size_t i = from; v && i < json_array_size(args); i++) {
		json_t *k = json_array_get(args, i);
		long long idx;

		if (json_is_object(v) && json_is_string(k))
			v = json_object_get(v, json_string_value(k));
		else if (json_is_array(v) && int_of(k, &idx) && idx >= 0)
			v = json_array_get(v, (size_t)idx);
		else
			v = NULL;
	}
	return v;
}

static int get_attr(struct eval_ctx *c, json_t *node, json_t *args, const struct path *path,
		    json_t **out)
{
	size_t n = json_array_size(args);
	const char *res, *attr;
	json_t *whole, *v;

	if (!json_is_array(args))
		return fail(c, node, "get_attr", path, true,
			    "Argument to \"get_attr\" must be a list");
	if (c->v < HOT_2015_10_15 && n < 2)
		return fail(c, node, "get_attr", path, true,
			    "Arguments to \"get_attr\" must be of the form [resource_name, "
			    "attribute, (path), ...]");
	if (n < 1)
		return fail(c, node, "get_attr", path, true,
			    "Arguments to \"get_attr\" can be of the next forms: [resource_name] "
			    "or [resource_name, attribute, (path), ...]");
	if (json_array_get(args, 0) == eval_unknown() ||
	    (n > 1 && json_array_get(args, 1) == eval_unknown())) {
		*out = json_incref(eval_unknown());
		return 0;
	}
	res = json_string_value(json_array_get(args, 0));
	attr = n > 1 ? json_string_value(json_array_get(args, 1)) : NULL;
	if (!res || (n > 1 && !attr))
		return fail(c, node, "get_attr", path, true,
			    "Arguments to \"get_attr\" must be of the form [resource_name, "
			    "attribute, (path), ...]");
	if (reference(c, node, "get_attr", res, path) < 0)
		return -1;
	if (attr && c->has_attr) {
		int has = c->has_attr(c->u, res, attr);

		if (has == 0)
			return fail(c, node, "get_attr", path, true,
				    "The Referenced Attribute (%s %s) is incorrect.", res, attr);
		if (has < 0) {
			char where[PATH_SIZE];

			diag_add_key(c->dg, DIAG_WARNING, c->d, node, "get_attr",
				     path_str(path, where),
				     "The Referenced Attribute (%s %s) is incorrect: its template "
				     "has no such output (Heat does not check; the value is null)",
				     res, attr);
		}
	}
	if (c->mode == EVAL_VALIDATE || !c->attr) {
		*out = c->mode == EVAL_VALIDATE ? json_incref(eval_unknown()) : json_null();
		return 0;
	}
	whole = c->attr(c->u, res, attr);
	v = attr_path(whole, args, 2);
	*out = v ? json_incref(v) : json_null();
	json_decref(whole);
	return 0;
}

static int get_file(struct eval_ctx *c, json_t *node, json_t *args, const struct path *path,
		    json_t **out)
{
	json_t *content;

	if (args == eval_unknown()) {
		*out = json_incref(eval_unknown());
		return 0;
	}
	if (!json_is_string(args))
		return fail(c, node, "get_file", path, true,
			    "Argument to \"get_file\" must be a string");
	content = json_object_get(c->files, json_string_value(args));
	if (!json_is_string(content))
		return fail(c, node, "get_file", path, false,
			    "No content found in the \"files\" section for get_file path: %s",
			    json_string_value(args));
	*out = json_incref(content);
	return 0;
}

/* resource_facade and Fn::ResourceFacade: the parent resource's parts. */
static int facade(struct eval_ctx *c, json_t *node, const char *fname, json_t *args,
		  const struct path *path, json_t **out)
{
	static const char *const hot[] = {"metadata", "deletion_policy", "update_policy"};
	static const char *const cfn[] = {"Metadata", "DeletionPolicy", "UpdatePolicy"};
	bool is_cfn = fname[0] == 'F';
	const char *const *names = is_cfn ? cfn : hot;
	int i;

	for (i = 0; i < 3; i++)
		if (json_is_string(args) && strcmp(json_string_value(args), names[i]) == 0)
			break;
	if (i == 3)
		return fail(c, node, fname, path, true,
			    "Incorrect arguments to \"%s\" should be one of: %s, %s, %s", fname,
			    names[0], names[1], names[2]);
	if (!c->facade) {
		if (c->mode == EVAL_VALIDATE) {
			*out = json_incref(eval_unknown());
			return 0;
		}
		return fail(c, node, fname, path, false,
			    "\"%s\" is only available in the template of a template resource",
			    fname);
	}
	*out = json_incref(json_object_get(c->facade, hot[i]));
	if (!*out)
		*out = i == 1 ? json_string("Delete") : json_object();
	return 0;
}

static int if_fn(struct eval_ctx *c, json_t *node, json_t *args, const struct path *path,
		 json_t **out)
{
	size_t n = json_array_size(args);
	bool yes = true;

	if (!json_is_array(args) || !(n == 3 || (n == 2 && c->v >= HOT_2021_04_16)))
		return fail(c, node, "if", path, true,
			    "Arguments to \"if\" must be of the form: [condition_name, "
			    "value_if_true, value_if_false]");
	{
		char where[PATH_SIZE];
		int bad = cond_check_operand(c->d, c->v, c->dg, json_array_get(args, 0),
					     path_str(PATH_IDX(path, 0), where));

		c->errors += bad;
		if (bad)
			return -1;
	}
	if (eval_condition(c, json_array_get(args, 0), PATH_IDX(path, 0), &yes) < 0)
		return -1;
	if (!yes && n == 2)
		return 1;
	return eval_value(c, json_array_get(args, yes ? 1 : 2), PATH_IDX(path, yes ? 1 : 2), out);
}

/* ----------------------------------------------------------------- calls */

/* What a function result adds to the stack's budget: its text or its
 * items (a result may share nodes with its arguments; it is counted
 * whole, which is what a copy of it would cost). */
static size_t cost(const json_t *v)
{
	if (json_is_string(v))
		return json_string_length(v);
	if (json_is_array(v))
		return json_array_size(v) * 16;
	if (json_is_object(v))
		return json_object_size(v) * 32;
	return 8;
}

/* The functions that read the stack (parameters, resources, files) and
 * look into their arguments themselves; the others are pure (fnlib). */
static bool context_fn(const char *fname)
{
	static const char *const names[] = {"get_param",  "get_resource",       "Ref",
					    "get_attr",   "get_file",           "resource_facade",
					    "Fn::GetAZs", "Fn::ResourceFacade", NULL};

	return text_in(fname, names);
}

static int call(struct eval_ctx *c, json_t *node, const char *fname, json_t *arg,
		const struct path *path, json_t **out)
{
	const struct path *sub = PATH_KEY(path, fname);
	struct fn_err fe = {false, ""};
	json_t *args = NULL;
	int r;

	if (strcmp(fname, "if") == 0)
		return if_fn(c, node, arg, sub, out);
	if (strcmp(fname, "yaql") == 0)
		return -1; /* refused by fn_check_key */
	if (arg_value(c, arg, sub, !context_fn(fname), &args) < 0)
		return -1;
	if (strcmp(fname, "get_param") == 0) {
		r = get_param(c, node, args, sub, out);
	} else if (strcmp(fname, "get_resource") == 0) {
		if (args == eval_unknown()) {
			*out = json_incref(eval_unknown());
			r = 0;
		} else if (!json_is_string(args)) {
			r = fail(c, node, fname, sub, true,
				 "Argument to \"get_resource\" must be a string");
		} else if ((r = reference(c, node, fname, json_string_value(args), sub)) == 0) {
			*out = ref_id(c, json_string_value(args));
		}
	} else if (strcmp(fname, "Ref") == 0) {
		const char *name = json_string_value(args);

		if (!name)
			r = fail(c, node, fname, sub, true, "Argument to \"Ref\" must be a string");
		else if (json_object_get(c->resources, name))
			r = (r = reference(c, node, fname, name, sub)) == 0
				    ? (*out = ref_id(c, name), 0)
				    : r;
		else
			r = get_param(c, node, args, sub, out);
	} else if (strcmp(fname, "get_attr") == 0) {
		r = get_attr(c, node, args, sub, out);
	} else if (strcmp(fname, "get_file") == 0) {
		r = get_file(c, node, args, sub, out);
	} else if (strcmp(fname, "resource_facade") == 0 ||
		   strcmp(fname, "Fn::ResourceFacade") == 0) {
		r = facade(c, node, fname, args, sub, out);
	} else if (strcmp(fname, "Fn::GetAZs") == 0) {
		*out = json_pack("[s]", "nova"); /* the local driver's one zone */
		r = 0;
	} else if (eval_tainted(args)) {
		*out = json_incref(eval_unknown()); /* computed at create time */
		r = 0;
	} else if ((*out = fnlib_call(fname, c->v, args, &fe))) {
		r = 0;
		if (c->spent && (*c->spent += cost(*out)) > EVAL_BUDGET) {
			json_decref(*out);
			*out = NULL;
			r = fail(c, node, fname, sub, false,
				 "The functions of this stack make more than %zu MiB of values",
				 EVAL_BUDGET >> 20);
		}
	} else {
		r = fail(c, node, fname, sub, fe.form, "%s", fe.msg);
	}
	json_decref(args);
	return r;
}

int eval_value(struct eval_ctx *c, json_t *node, const struct path *path, json_t **out)
{
	const char *k;
	json_t *child, *v, *res;
	size_t i;
	int since, bad = 0;
	bool collapsed = false; /* whole arguments holding an unknown */

	*out = NULL;
	if (json_is_object(node) && json_object_size(node) == 1) {
		k = json_object_iter_key(json_object_iter(node));
		/* What fn_scan checks elsewhere (removed functions, yaql, data
		 * that looks like a function), checked on this walk. */
		if (fn_check_key(c->d, c->v, c->dg, node, k, PATH_KEY(path, k), false)) {
			c->errors++;
			return -1;
		}
		switch (fn_lookup(k, c->v, &since)) {
		case FN_AVAILABLE:
			return call(c, node, k, json_object_get(node, k), path, out);
		case FN_REMOVED:
			return -1;
		case FN_NONE:
			break;
		}
	}
	/* Containers are rebuilt only from the first child that changes:
	 * literal data is shared with the template, not copied. */
	if (json_is_object(node)) {
		void *it;
		size_t n = 0;

		res = NULL;
		for (it = json_object_iter(node); it; it = json_object_iter_next(node, it), n++) {
			k = json_object_iter_key(it);
			child = json_object_iter_value(it);
			switch (eval_value(c, child, PATH_KEY(path, k), &v)) {
			case 0:
				if (c->whole && v == eval_unknown() && !collapsed) {
					collapsed = true;
					json_decref(res);
					res = json_incref(v);
				}
				if (collapsed) {
					json_decref(v);
					break;
				}
				if (!res && v != child) {
					res = json_object();
					for (void *j = json_object_iter(node); j != it;
					     j = json_object_iter_next(node, j))
						json_object_set(res, json_object_iter_key(j),
								json_object_iter_value(j));
				}
				if (res)
					json_object_set_new(res, k, v);
				else
					json_decref(v);
				break;
			case 1:
				if (!res && !collapsed) {
					res = json_object();
					for (void *j = json_object_iter(node); j != it;
					     j = json_object_iter_next(node, j))
						json_object_set(res, json_object_iter_key(j),
								json_object_iter_value(j));
				}
				break;
			case -1:
				bad = 1;
				break;
			}
		}
		if (!res && !bad)
			res = json_incref(node);
	} else if (json_is_array(node)) {
		res = NULL;
		json_array_foreach (node, i, child) {
			switch (eval_value(c, child, PATH_IDX(path, i), &v)) {
			case 0:
				if (c->whole && v == eval_unknown() && !collapsed) {
					collapsed = true;
					json_decref(res);
					res = json_incref(v);
				}
				if (collapsed) {
					json_decref(v);
					break;
				}
				if (!res && v != child) {
					res = json_array();
					for (size_t j = 0; j < i; j++)
						json_array_append(res, json_array_get(node, j));
				}
				if (res)
					json_array_append_new(res, v);
				else
					json_decref(v);
				break;
			case 1:
				if (!res && !collapsed) {
					res = json_array();
					for (size_t j = 0; j < i; j++)
						json_array_append(res, json_array_get(node, j));
				}
				break;
			case -1:
				bad = 1;
				break;
			}
		}
		if (!res && !bad)
			res = json_incref(node);
	} else {
		res = json_incref(node);
	}
	if (bad) {
		json_decref(res);
		return -1;
	}
	*out = res;
	return 0;
}

/* ------------------------------------------------------------ conditions */

static int condition(struct eval_ctx *c, json_t *node, const struct path *path, bool *out);

static int cond_fn(struct eval_ctx *c, json_t *node, const char *fname, json_t *arg,
		   const struct path *path, bool *out)
{
	const struct path *sub = PATH_KEY(path, fname);
	json_t *args = NULL, *r;
	struct fn_err fe;
	size_t i;
	bool b;

	if (strcmp(fname, "not") == 0) {
		if (eval_condition(c, arg, sub, &b) < 0)
			return -1;
		*out = !b;
		return 0;
	}
	if (strcmp(fname, "and") == 0 || strcmp(fname, "or") == 0) {
		bool is_and = fname[0] == 'a', acc = is_and;
		int bad = 0;

		if (!json_is_array(arg) || json_array_size(arg) < 2)
			return -1; /* reported by cond_check */
		for (i = 0; i < json_array_size(arg); i++) {
			if (eval_condition(c, json_array_get(arg, i), PATH_IDX(sub, i), &b) < 0)
				bad = 1;
			else
				acc = is_and ? acc && b : acc || b;
		}
		*out = acc;
		return bad ? -1 : 0;
	}
	if (strcmp(fname, "equals") == 0 || strcmp(fname, "contains") == 0 ||
	    strcmp(fname, "get_param") == 0) {
		if (arg_value(c, arg, sub, fname[0] != 'g', &args) < 0)
			return -1;
		if (fname[0] == 'g') {
			json_t *v = NULL;

			if (get_param(c, node, args, sub, &v) < 0) {
				json_decref(args);
				return -1;
			}
			/* A value known only later counts as true. */
			*out = v == eval_unknown() || json_is_true(v);
			if (!json_is_boolean(v) && v != eval_unknown()) {
				json_decref(v);
				json_decref(args);
				return fail(c, node, fname, sub, true,
					    "The definition of condition is invalid: \"get_param\" "
					    "must give a boolean");
			}
			json_decref(v);
			json_decref(args);
			return 0;
		}
		if (eval_tainted(args)) {
			*out = true;
			json_decref(args);
			return 0;
		}
		r = fnlib_call(fname, c->v, args, &fe);
		json_decref(args);
		if (!r)
			return fail(c, node, fname, sub, fe.form, "%s", fe.msg);
		*out = json_is_true(r);
		json_decref(r);
		return 0;
	}
	c->errors++; /* not a condition function: reported by cond_check */
	return -1;
}

int eval_condition(struct eval_ctx *c, json_t *node, const struct path *path, bool *out)
{
	int r;

	*out = true;
	/* cond_check refused chains this deep; they are not followed. */
	if (c->depth >= 256) {
		c->errors++;
		return -1;
	}
	c->depth++;
	r = condition(c, node, path, out);
	c->depth--;
	return r;
}

static int condition(struct eval_ctx *c, json_t *node, const struct path *path, bool *out)
{
	*out = true;
	if (json_is_boolean(node)) {
		*out = json_is_true(node);
		return 0;
	}
	if (json_is_string(node))
		return eval_named_condition(c, json_string_value(node), out);
	if (json_is_object(node) && json_object_size(node) == 1) {
		const char *k = json_object_iter_key(json_object_iter(node));

		return cond_fn(c, node, k, json_object_get(node, k), path, out);
	}
	c->errors++; /* reported by cond_check */
	return -1;
}

int eval_named_condition(struct eval_ctx *c, const char *name, bool *out)
{
	json_t *known = json_object_get(c->cond_cache, name);
	json_t *def = json_object_get(c->conditions, name);
	int r;

	*out = true;
	if (json_is_boolean(known)) {
		*out = json_is_true(known);
		return 0;
	}
	if (known || !def || json_is_string(def)) {
		c->errors++; /* a loop, an unknown name, a bare name: cond_check's */
		return -1;
	}
	json_object_set_new(c->cond_cache, name, json_null()); /* in progress */
	r = eval_condition(c, def, PATH_KEY(PATH_KEY(NULL, "conditions"), name), out);
	json_object_set_new(c->cond_cache, name, json_boolean(*out));
	return r;
}
