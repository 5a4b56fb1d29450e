/* The conditions grammar (see conditions.h, hot-spec §2.4). */
#include "engine/conditions.h"

#include <stdlib.h>
#include <string.h>

#include "engine/functions.h"

struct ctx {
	const struct doc *d;
	enum hot_version v;
	struct diags *dg;
	json_t *conditions; /* the section, or NULL */
	json_t *params;     /* the parameters section, or NULL */
	int errors;
};

static bool is_condition_fn(const char *name, enum hot_version v)
{
	static const char *const always[] = {"get_param", "equals", "not", "and", "or", NULL};

	for (const char *const *p = always; *p; p++)
		if (strcmp(name, *p) == 0)
			return true;
	return v >= HOT_2017_09_01 && (strcmp(name, "yaql") == 0 || strcmp(name, "contains") == 0);
}

static void expr(struct ctx *c, json_t *node, const char *path, int depth);

/* An operand of not/and/or, or a resource's, output's or if's
 * condition: a boolean, the name of a condition, or an expression. */
static void operand(struct ctx *c, json_t *node, const char *path, int depth)
{
	if (json_is_boolean(node))
		return;
	if (json_is_string(node)) {
		if (!json_object_get(c->conditions, json_string_value(node)))
			DIAG_ERR(c, node, NULL, path, "Invalid condition \"%s\"",
				 json_string_value(node));
		return;
	}
	expr(c, node, path, depth);
}

/* A value inside equals or contains: data, or get_param, or another
 * condition function; any other function is out of place here. */
static void value(struct ctx *c, json_t *node, const char *path, int depth)
{
	char sub[1024];
	const char *k;
	json_t *child;
	size_t i;
	int since;

	if (depth > 256)
		return;
	if (json_is_object(node) && json_object_size(node) == 1) {
		const char *name = json_object_iter_key(json_object_iter(node));

		if (is_condition_fn(name, c->v)) {
			expr(c, node, path, depth);
			return;
		}
		if (fn_lookup(name, c->v, &since) == FN_AVAILABLE) {
			snprintf(sub, sizeof(sub), "%s.%s", path, name);
			DIAG_ERR_KEY(c, node, name, sub,
				     "The function \"%s\" is invalid in this context", name);
			return;
		}
	}
	if (json_is_object(node))
		json_object_foreach (node, k, child) {
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			value(c, child, sub, depth + 1);
		}
	else if (json_is_array(node))
		json_array_foreach (node, i, child) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			value(c, child, sub, depth + 1);
		}
}

/* A condition function call (a one-key map). */
static void expr(struct ctx *c, json_t *node, const char *path, int depth)
{
	const char *name;
	json_t *arg, *item;
	char sub[1024], text[512];
	size_t i;
	int since;

	if (depth > 256)
		return;
	if (!json_is_object(node) || json_object_size(node) != 1) {
		char *t = json_dumps(node, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(text, sizeof(text), "%s", t ? t : "?");
		free(t);
		DIAG_ERR(c, node, NULL, path, "Invalid condition definition: %s", text);
		return;
	}
	name = json_object_iter_key(json_object_iter(node));
	arg = json_object_get(node, name);
	snprintf(sub, sizeof(sub), "%s.%s", path, name);
	if (!is_condition_fn(name, c->v)) {
		if (fn_lookup(name, c->v, &since) == FN_AVAILABLE)
			DIAG_ERR_KEY(c, node, name, sub,
				     "The function \"%s\" is invalid in this context", name);
		else
			DIAG_ERR_KEY(c, node, name, sub, "\"%s\" is not a condition function",
				     name);
		return;
	}
	if (strcmp(name, "not") == 0) {
		if (json_is_null(arg))
			DIAG_ERR(c, node, name, sub, "Argument to \"not\" must be a condition");
		else
			operand(c, arg, sub, depth + 1);
	} else if (strcmp(name, "and") == 0 || strcmp(name, "or") == 0) {
		if (!json_is_array(arg) || json_array_size(arg) < 2) {
			DIAG_ERR(c, node, name, sub,
				 "The minimum number of condition arguments to \"%s\" is 2.", name);
			return;
		}
		json_array_foreach (arg, i, item) {
			char isub[1100];

			snprintf(isub, sizeof(isub), "%s[%zu]", sub, i);
			operand(c, item, isub, depth + 1);
		}
	} else if (strcmp(name, "equals") == 0) {
		if (!json_is_array(arg) || json_array_size(arg) != 2)
			DIAG_ERR(c, node, name, sub,
				 "Arguments to \"equals\" must be of the form: [value_1, value_2]");
		else
			value(c, arg, sub, depth + 1);
	} else if (strcmp(name, "contains") == 0) {
		if (!json_is_array(arg) || json_array_size(arg) != 2)
			DIAG_ERR(c, node, name, sub,
				 "Arguments to \"contains\" must be of the form: [value1, [value1, "
				 "value2]]");
		else
			value(c, arg, sub, depth + 1);
	} else if (strcmp(name, "get_param") == 0) {
		json_t *first = json_is_array(arg) ? json_array_get(arg, 0) : arg;

		if (json_is_string(first) &&
		    !json_object_get(c->params, json_string_value(first)) &&
		    strncmp(json_string_value(first), "OS::", 4) != 0)
			DIAG_ERR(c, first, NULL, sub, "The Parameter (%s) was not provided.",
				 json_string_value(first));
	} else { /* yaql */
		DIAG_ERR(c, node, name, sub, "yaql is not supported by Hearth yet");
	}
}

/* The names a definition refers to through not/and/or, into refs. */
static void refs_of(const json_t *node, json_t *refs, int depth)
{
	const char *name;
	json_t *arg, *item;
	size_t i;

	if (depth > 256 || !json_is_object(node) || json_object_size(node) != 1)
		return;
	name = json_object_iter_key(json_object_iter((json_t *)node));
	arg = json_object_get(node, name);
	if (strcmp(name, "not") == 0) {
		if (json_is_string(arg))
			json_object_set_new(refs, json_string_value(arg), json_true());
		else
			refs_of(arg, refs, depth + 1);
	} else if (strcmp(name, "and") == 0 || strcmp(name, "or") == 0) {
		json_array_foreach (arg, i, item) {
			if (json_is_string(item))
				json_object_set_new(refs, json_string_value(item), json_true());
			else
				refs_of(item, refs, depth + 1);
		}
	}
}

/* Reports each condition that reaches itself through names (Heat finds
 * them when it evaluates; here every one is found up front).  state:
 * 0 new, 1 on the current path, 2 done. */
static void find_loops(struct ctx *c, const char *name, json_t *state, int depth)
{
	json_t *refs, *s = json_object_get(state, name);
	const char *r;
	json_t *unused;

	if (s || !json_object_get(c->conditions, name))
		return;
	if (depth > 256) {
		DIAG_ERR_KEY(c, c->conditions, name, "conditions",
			     "Condition validation error: conditions refer to each other more than "
			     "256 deep at \"%s\"",
			     name);
		return;
	}
	json_object_set_new(state, name, json_integer(1));
	refs = json_object();
	refs_of(json_object_get(c->conditions, name), refs, 0);
	json_object_foreach (refs, r, unused) {
		json_t *rs = json_object_get(state, r);

		if (rs && json_integer_value(rs) == 1) {
			DIAG_ERR_KEY(
				c, c->conditions, r, "conditions",
				"Condition validation error: Circular definition for condition "
				"\"%s\"",
				r);
		} else {
			find_loops(c, r, state, depth + 1);
		}
	}
	json_decref(refs);
	json_object_set_new(state, name, json_integer(2));
}

/* A resource's or output's `condition`. */
static void item_conditions(struct ctx *c, const char *section)
{
	json_t *items = json_object_get(doc_root(c->d), section), *item, *cond;
	const char *name;
	char path[512];

	if (!json_is_object(items))
		return;
	json_object_foreach (items, name, item) {
		cond = json_is_object(item) ? json_object_get(item, "condition") : NULL;
		if (!cond || json_is_null(cond))
			continue;
		snprintf(path, sizeof(path), "%s.%s.condition", section, name);
		if (json_is_string(cond) &&
		    !json_object_get(c->conditions, json_string_value(cond)))
			DIAG_ERR(c, item, "condition", path, "Invalid condition \"%s\"",
				 json_string_value(cond));
		else
			operand(c, cond, path, 0);
	}
}

int cond_check_operand(const struct doc *d, enum hot_version v, struct diags *dg, json_t *node,
		       const char *path)
{
	struct ctx c = {d, v, dg, NULL, NULL, 0};

	c.conditions = json_object_get(doc_root(d), "conditions");
	if (!json_is_object(c.conditions))
		c.conditions = NULL;
	c.params = json_object_get(doc_root(d), "parameters");
	operand(&c, node, path, 0);
	return c.errors;
}

int cond_check(const struct doc *d, enum hot_version v, struct diags *dg)
{
	struct ctx c = {d, v, dg, NULL, NULL, 0};
	json_t *root = doc_root(d), *def, *state;
	const char *name;
	char path[512];

	if (v < HOT_2016_10_14)
		return 0;
	c.conditions = json_object_get(root, "conditions");
	if (!json_is_object(c.conditions))
		c.conditions = NULL;
	c.params = json_object_get(root, "parameters");
	json_object_foreach (c.conditions, name, def) {
		snprintf(path, sizeof(path), "conditions.%s", name);
		if (json_is_boolean(def))
			continue;
		if (json_is_string(def)) {
			/* Names are references only inside not/and/or/if. */
			DIAG_ERR(
				&c, c.conditions, name, path,
				"Condition validation error: The definition of condition \"%s\" is "
				"invalid: %s",
				name, json_string_value(def));
			continue;
		}
		expr(&c, def, path, 0);
	}
	state = json_object();
	json_object_foreach (c.conditions, name, def)
		find_loops(&c, name, state, 0);
	json_decref(state);
	item_conditions(&c, "resources");
	item_conditions(&c, "outputs");
	return c.errors;
}
