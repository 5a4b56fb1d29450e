/* The function table and the scan (see functions.h). */
#include "engine/functions.h"

#include <string.h>

#include "common/text.h"
#include "engine/conditions.h"
#include "engine/path.h"

/* A function exists from `since` and, if `removed` is set, is refused from
 * that version on (the CFN functions). */
struct fn_row {
	const char *name;
	enum hot_version since;
	int removed; /* a version, or -1 */
};

#define ALWAYS HOT_2013_05_23
static const struct fn_row fn_table[] = {
	{"get_param", ALWAYS, -1},
	{"get_resource", ALWAYS, -1},
	{"get_attr", ALWAYS, -1},
	{"get_file", ALWAYS, -1},
	{"resource_facade", ALWAYS, -1},
	{"list_join", ALWAYS, -1},
	{"str_replace", ALWAYS, -1},
	{"repeat", HOT_2015_04_30, -1},
	{"digest", HOT_2015_04_30, -1},
	{"str_split", HOT_2015_10_15, -1},
	{"map_merge", HOT_2016_04_08, -1},
	{"map_replace", HOT_2016_10_14, -1},
	{"yaql", HOT_2016_10_14, -1},
	{"if", HOT_2016_10_14, -1},
	{"filter", HOT_2017_02_24, -1},
	{"str_replace_strict", HOT_2017_02_24, -1},
	{"make_url", HOT_2017_09_01, -1},
	{"list_concat", HOT_2017_09_01, -1},
	{"list_concat_unique", HOT_2017_09_01, -1},
	{"str_replace_vstrict", HOT_2017_09_01, -1},
	{"contains", HOT_2017_09_01, -1},
	{"Fn::Select", ALWAYS, HOT_2015_10_15},
	{"Fn::GetAZs", ALWAYS, HOT_2014_10_16},
	{"Ref", ALWAYS, HOT_2014_10_16},
	{"Fn::Join", ALWAYS, HOT_2014_10_16},
	{"Fn::Split", ALWAYS, HOT_2014_10_16},
	{"Fn::Replace", ALWAYS, HOT_2014_10_16},
	{"Fn::Base64", ALWAYS, HOT_2014_10_16},
	{"Fn::MemberListToMap", ALWAYS, HOT_2014_10_16},
	{"Fn::ResourceFacade", ALWAYS, HOT_2014_10_16},
};

/* Functions only of the conditions grammar: data anywhere else. */
static const char *const condition_only[] = {"equals", "not", "and", "or", NULL};

static const struct fn_row *find(const char *name)
{
	/* Every map key of a template comes here: most differ at once. */
	for (size_t i = 0; i < sizeof(fn_table) / sizeof(fn_table[0]); i++)
		if (fn_table[i].name[0] == name[0] && strcmp(fn_table[i].name, name) == 0)
			return &fn_table[i];
	return NULL;
}

enum fn_status fn_lookup(const char *name, enum hot_version v, int *since)
{
	const struct fn_row *f = find(name);

	*since = -1;
	if (!f)
		return FN_NONE;
	if (f->removed >= 0 && (int)v >= f->removed)
		return FN_REMOVED;
	if (v < f->since) {
		*since = (int)f->since;
		return FN_NONE;
	}
	return FN_AVAILABLE;
}

/* The available function a one-key map's key probably meant, or NULL. */
static const char *misspelt(const char *name, enum hot_version v)
{
	size_t len = strlen(name);

	if (len < 5 || strchr(name, ' '))
		return NULL;
	for (size_t i = 0; i < sizeof(fn_table) / sizeof(fn_table[0]); i++) {
		const struct fn_row *f = &fn_table[i];

		size_t fl = strlen(f->name), max = len < 8 ? 1 : 2;

		/* The distance is at least the difference in length. */
		if (v >= f->since && (f->removed < 0 || (int)v < f->removed) &&
		    (fl > len ? fl - len : len - fl) <= max &&
		    text_distance_max(name, f->name, max) <= max)
			return f->name;
	}
	return NULL;
}

int fn_check_key(const struct doc *d, enum hot_version v, struct diags *dg, json_t *node,
		 const char *name, const struct path *at, bool quiet)
{
	const char *guess;
	enum fn_status st;
	char sub[PATH_SIZE];
	int since;

	st = fn_lookup(name, v, &since);
	if (st == FN_REMOVED) {
		diag_add_key(dg, quiet ? DIAG_WARNING : DIAG_ERROR, d, node, name,
			     path_str(at, sub),
			     "The template version is invalid: The function %s is not supported in "
			     "this version of HOT.",
			     name);
		return !quiet;
	}
	if (st == FN_AVAILABLE && strcmp(name, "yaql") == 0) {
		diag_add_key(dg, quiet ? DIAG_WARNING : DIAG_ERROR, d, node, name,
			     path_str(at, sub), "yaql is not supported by Hearth yet");
		return !quiet;
	}
	if (st == FN_NONE && since >= 0) {
		diag_add_key(
			dg, DIAG_WARNING, d, node, name, path_str(at, sub),
			"%s is a function only from heat_template_version %s; in a template of "
			"version %s it is plain data",
			name, version_name((enum hot_version)since), version_name(v));
	} else if (st == FN_NONE) {
		for (const char *const *c = condition_only; *c; c++)
			if (strcmp(name, *c) == 0)
				diag_add_key(dg, DIAG_WARNING, d, node, name, path_str(at, sub),
					     "%s is a condition function: outside conditions it is "
					     "plain data",
					     name);
		if ((guess = misspelt(name, v)))
			diag_add_key(
				dg, DIAG_WARNING, d, node, name, path_str(at, sub),
				"%s is no function and is kept as plain data; did you mean %s?",
				name, guess);
	}
	return 0;
}

struct scan {
	const struct doc *d;
	enum hot_version v;
	struct diags *dg;
	int errors;
	bool in_output; /* Heat checks outputs only when they are read */
};

static const char *const pseudo_params[] = {"OS::stack_name", "OS::stack_id", "OS::project_id",
					    NULL};

/* get_param's arguments and the parameter it names (hot-spec §2.3).  An
 * unknown name is an error in resources; in outputs and `if` branches,
 * where Heat only fails when the value is read, a warning. */
static void check_get_param(struct scan *s, json_t *node, json_t *arg, const struct path *at,
			    bool quiet)
{
	char path[PATH_SIZE];
	enum diag_level lvl = quiet || s->in_output ? DIAG_WARNING : DIAG_ERROR;
	json_t *params = json_object_get(doc_root(s->d), "parameters");
	json_t *first = json_is_array(arg) ? json_array_get(arg, 0) : arg;
	const char *name;

	if (json_is_null(arg) || (json_is_array(arg) && json_array_size(arg) == 0)) {
		diag_add_key(s->dg, lvl, s->d, node, "get_param", path_str(at, path),
			     "Function \"get_param\" must have arguments");
	} else if (!json_is_string(arg) && !json_is_array(arg) && !json_is_object(arg)) {
		diag_add_key(s->dg, lvl, s->d, node, "get_param", path_str(at, path),
			     "Argument to \"get_param\" must be string or list");
	} else if (json_is_string(first)) {
		name = json_string_value(first);
		for (const char *const *p = pseudo_params; *p; p++)
			if (strcmp(name, *p) == 0)
				return;
		if (json_object_get(params, name))
			return;
		diag_add(s->dg, lvl, s->d, first, NULL, path_str(at, path),
			 "The Parameter (%s) was not provided.", name);
	} else if (!json_is_object(first)) {
		/* A function computing the name is resolved later. */
		diag_add_key(s->dg, lvl, s->d, node, "get_param", path_str(at, path),
			     "Parameter name in \"get_param\" must be string");
	} else {
		return;
	}
	s->errors += lvl == DIAG_ERROR;
}

static void walk(struct scan *s, json_t *node, const struct path *path, bool quiet, int depth);

static void walk_children(struct scan *s, json_t *node, const struct path *path, bool quiet,
			  int depth)
{
	const char *k;
	json_t *child;
	size_t i;

	if (json_is_object(node)) {
		json_object_foreach (node, k, child) {
			walk(s, child, PATH_KEY(path, k), quiet, depth + 1);
		}
	} else if (json_is_array(node)) {
		json_array_foreach (node, i, child) {
			walk(s, child, PATH_IDX(path, i), quiet, depth + 1);
		}
	}
}

/* quiet: inside a branch of `if`, which Heat parses only when chosen, so
 * errors there would refuse templates Heat accepts; they become warnings. */
static void walk(struct scan *s, json_t *node, const struct path *path, bool quiet, int depth)
{
	const char *name;
	const struct path *at;
	enum fn_status st;
	char sub[PATH_SIZE];
	int since;

	/* Aliases share nodes, so a document can be a deep DAG; the loader
	 * already bounds the depth of the tree itself. */
	if (depth > 512)
		return;
	if (!json_is_object(node) || json_object_size(node) != 1) {
		walk_children(s, node, path, quiet, depth);
		return;
	}
	name = json_object_iter_key(json_object_iter(node));
	at = PATH_KEY(path, name);
	st = fn_lookup(name, s->v, &since);
	s->errors += fn_check_key(s->d, s->v, s->dg, node, name, at, quiet);
	if (st == FN_AVAILABLE && strcmp(name, "if") == 0) {
		json_t *arg = json_object_get(node, name);
		size_t n = json_array_size(arg);

		if (!quiet &&
		    (!json_is_array(arg) || !(n == 3 || (n == 2 && s->v >= HOT_2021_04_16)))) {
			diag_add_key(s->dg, DIAG_ERROR, s->d, node, name, path_str(at, sub),
				     "Arguments to \"if\" must be of the form: [condition_name, "
				     "value_if_true, value_if_false]");
			s->errors++;
		} else if (!quiet) {
			s->errors += cond_check_operand(s->d, s->v, s->dg, json_array_get(arg, 0),
							path_str(PATH_IDX(at, 0), sub));
		}
		/* The first argument is a condition, checked above; the
		 * branches are values. */
		for (size_t i = 1; i < n; i++) {
			walk(s, json_array_get(arg, i), PATH_IDX(at, i), true, depth + 1);
		}
		return;
	}
	if (st == FN_AVAILABLE && strcmp(name, "get_param") == 0)
		check_get_param(s, node, json_object_get(node, name), at, quiet);
	walk_children(s, node, path, quiet, depth);
}

int fn_scan(const struct doc *d, enum hot_version v, struct diags *dg)
{
	return fn_scan_except(d, v, dg, NULL, NULL);
}

int fn_scan_except(const struct doc *d, enum hot_version v, struct diags *dg, json_t *resources,
		   json_t *outputs)
{
	static const char *const resource_parts[] = {
		"properties", "metadata", "deletion_policy", "update_policy", "external_id", NULL};
	struct scan s = {d, v, dg, 0, false};
	json_t *root = doc_root(d), *section, *item;
	const char *name;

	section = json_object_get(root, "resources");
	if (json_is_object(section))
		json_object_foreach (section, name, item) {
			if (!json_is_object(item) || json_object_get(resources, name))
				continue;
			for (const char *const *p = resource_parts; *p; p++) {
				json_t *part = json_object_get(item, *p);

				if (part)
					walk(&s, part,
					     PATH_KEY(PATH_KEY(PATH_KEY(NULL, "resources"), name),
						      *p),
					     false, 0);
			}
		}
	section = json_object_get(root, "outputs");
	if (json_is_object(section))
		json_object_foreach (section, name, item) {
			json_t *value =
				json_is_object(item) ? json_object_get(item, "value") : NULL;

			s.in_output = true;
			if (value && !json_object_get(outputs, name))
				walk(&s, value,
				     PATH_KEY(PATH_KEY(PATH_KEY(NULL, "outputs"), name), "value"),
				     false, 0);
		}
	return s.errors;
}
