/* Stack definitions (see stack.h).
 *
 * One `level` per stack of the tree: the root, each template resource's
 * nested stack and each ResourceGroup's.  A level runs the template's
 * checks (validate.c's stages), computes its parameters, decides its
 * conditions, resolves each enabled resource's type, evaluates its
 * properties, metadata and policies (noting what they reference),
 * checks them against the type (a table in schema.c, or the nested
 * template's parameters), recurses into nested stacks, builds the
 * dependency graph from those references, evaluates the outputs, and
 * finally scans what conditions left out. */
#include "engine/stack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conditions.h"
#include "engine/env.h"
#include "engine/functions.h"
#include "engine/graph.h"
#include "engine/params.h"
#include "engine/schema.h"
#include "engine/sections.h"
#include "engine/version.h"

/* What the whole tree shares. */
struct build {
	const struct stack_opts *o;
	struct diags *dg;
	long long resources; /* counted over the tree */
	size_t spent;        /* what functions made, over the tree (eval.h) */
	json_t *secrets;     /* hidden parameters' values as text, to mask */
	bool too_many;       /* reported once */
	bool env_failed;     /* the environment did not merge: values may lack */
};

/* One stack of the tree. */
struct level {
	struct build *b;
	const struct doc *d;
	enum hot_version v;
	const char *name; /* OS::stack_name */
	json_t *given;    /* parameter values given to it (borrowed) */
	json_t *env;      /* parameter_defaults, resource_registry (borrowed) */
	json_t *registry; /* borrowed */
	json_t *facade;   /* borrowed; NULL at the root */
	json_t *attrs;    /* RESOLVE: attribute values (borrowed, root only) */
	int depth;
	json_t *types;    /* resource → resolved type */
	json_t *children; /* resource → output names of its template (or true) */
	json_t *docidx;   /* resource → index in docs of its template */
	struct doc **docs;
	size_t ndocs;
	json_t *out;
	struct eval_ctx ec;
};

static json_t *define(struct build *b, const struct doc *d, const char *name, json_t *given,
		      json_t *env, json_t *facade, json_t *attrs, int depth);

/* ------------------------------------------------------------- callbacks */

static int has_attr(void *u, const char *res, const char *attr)
{
	struct level *l = u;
	const char *type = json_string_value(json_object_get(l->types, res));
	const struct rtype *t = type ? rtype_find(type) : NULL;
	json_t *outputs = json_object_get(l->children, res);

	if (t)
		return rtype_has_attr(t, attr);
	if (json_is_object(outputs)) /* a template resource: its outputs */
		return json_object_get(outputs, attr) || strcmp(attr, "show") == 0 ||
				       strcmp(attr, "OS::stack_id") == 0 ||
				       strncmp(attr, "resource.", 9) == 0
			       ? 1
			       : -1;
	return 1; /* a type that did not resolve: reported already */
}

static json_t *ref_value(void *u, const char *res)
{
	struct level *l = u;
	json_t *id =
		l->depth == 0 && l->b->o->ref_ids ? json_object_get(l->b->o->ref_ids, res) : NULL;

	return id ? json_incref(id) : json_string(res);
}

static json_t *attr_value(void *u, const char *res, const char *attr)
{
	struct level *l = u;
	json_t *all = json_object_get(l->attrs, res), *v;

	if (attr)
		return json_incref(json_object_get(all, attr));
	/* get_attr [res]: every attribute but show */
	v = json_is_object(all) ? json_copy(all) : json_object();
	json_object_del(v, "show");
	return v;
}

/* --------------------------------------------------------------- helpers */

/* Counts n more resources in the tree; false (reported once) beyond the
 * limit, and then nothing more is expanded: a small template must not
 * make millions of members or nested stacks. */
static bool count_resources(struct level *l, json_t *where, const char *key, long long n)
{
	struct build *b = l->b;
	long long max = b->o->max_resources < 0 ? (1ll << 40) : b->o->max_resources;

	if (!b->too_many && n >= 0 && n <= max - b->resources) {
		b->resources += n;
		return true;
	}
	if (!b->too_many)
		diag_add_key(b->dg, DIAG_ERROR, l->d, where, key, "resources",
			     "Request limit exceeded: Maximum resources per stack exceeded.");
	b->too_many = true;
	return false;
}

/* Replaces var in every string of v (values, not keys), in place. */
static json_t *replace_index(json_t *v, const char *var, const char *with)
{
	const char *k;
	json_t *x;
	size_t i;

	if (v == eval_unknown())
		return json_incref(v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v), *p;
		size_t vl = strlen(var), wl = strlen(with), n = 0, len;
		char *buf;

		if (!*var || !strstr(s, var))
			return json_incref(v);
		len = strlen(s) + 1;
		for (p = s; (p = strstr(p, var)); p += vl)
			len += wl;
		buf = malloc(len);
		if (!buf)
			return NULL;
		for (p = s; *p;) {
			if (strncmp(p, var, vl) == 0) {
				memcpy(buf + n, with, wl);
				n += wl;
				p += vl;
			} else {
				buf[n++] = *p++;
			}
		}
		buf[n] = '\0';
		x = json_string(buf);
		free(buf);
		return x;
	}
	if (json_is_object(v)) {
		json_t *o = json_object();

		json_object_foreach (v, k, x)
			json_object_set_new(o, k, replace_index(x, var, with));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();

		json_array_foreach (v, i, x)
			json_array_append_new(a, replace_index(x, var, with));
		return a;
	}
	return json_incref(v);
}

/* The template of a template resource, loaded from the files map. */
static struct doc *child_doc(struct level *l, json_t *def, const char *res, const char *key,
			     const char *path)
{
	const struct stack_opts *o = l->b->o;
	json_t *content = json_object_get(o->files, key);
	struct herr e = HERR_INIT;
	char name[1024];
	struct doc *cd;

	if (!json_is_string(content)) {
		diag_add(l->b->dg, DIAG_ERROR, l->d, def, "type", path,
			 "Could not fetch remote template \"%s\": it is not in the files map "
			 "(templates come with the request, never from the server's disk)",
			 key);
		return NULL;
	}
	snprintf(name, sizeof(name), "%s%s", o->files_prefix ? o->files_prefix : "", key);
	cd = load_template(name, json_string_value(content), json_string_length(content),
			   &o->limits, &e);
	if (!cd)
		diag_add(l->b->dg, DIAG_ERROR, l->d, def, "type", path,
			 "Error parsing template of resource %s: %s", res, e.msg);
	return cd;
}

/* The names of a template's outputs (an object name → true). */
static json_t *output_names(const struct doc *d)
{
	json_t *outputs = json_object_get(doc_root(d), "outputs"), *names = json_object(), *x;
	const char *k;

	if (json_is_object(outputs))
		json_object_foreach (outputs, k, x)
			json_object_set(names, k, json_true());
	return names;
}

/* ------------------------------------------------------ nested stacks */

/* A template resource's properties against its template's parameters:
 * each property must be a parameter, each parameter without a default
 * (after parameter_defaults) must be given. */
static void check_template_props(struct level *l, const struct doc *cd, json_t *def, json_t *props,
				 const char *res, const char *path)
{
	json_t *params = json_object_get(doc_root(cd), "parameters"), *raw, *p, *dflts;
	json_t *rawprops = json_object_get(def, "properties");
	const char *k;

	dflts = json_object_get(l->env, "parameter_defaults");
	json_object_foreach (props, k, raw) {
		if (json_is_object(params) && json_object_get(params, k))
			continue;
		diag_add_key(l->b->dg, DIAG_ERROR, l->d, json_is_object(rawprops) ? rawprops : def,
			     json_is_object(rawprops) ? k : "properties", path,
			     "Property error: Unknown Property %s", k);
	}
	if (!json_is_object(params))
		return;
	json_object_foreach (params, k, p) {
		json_t *dv = json_object_get(p, "default");

		if (json_object_get(props, k) || (dv && !json_is_null(dv)) ||
		    json_object_get(dflts, k))
			continue;
		diag_add_key(l->b->dg, DIAG_ERROR, l->d,
			     rawprops || !res ? def : json_object_get(doc_root(l->d), "resources"),
			     rawprops || !res ? "properties" : res, path,
			     "Property error: Property %s not assigned", k);
	}
}

/* The nested stack of resource res, written as of type `type`, whose
 * template is cd. */
static json_t *nest(struct level *l, const struct doc *cd, json_t *def, const char *res,
		    const char *type, json_t *props, json_t *facade, json_t *registry)
{
	char name[512], path[512];
	json_t *env, *given, *x, *child, *params = json_object_get(doc_root(cd), "parameters");
	const char *k;

	snprintf(path, sizeof(path), "resources.%s", res);
	if (l->depth + 1 > l->b->o->max_depth) {
		diag_add(l->b->dg, DIAG_ERROR, l->d, def, "type", path,
			 "Request limit exceeded: Recursion depth exceeds %d.", l->b->o->max_depth);
		return NULL;
	}
	/* parameter_defaults and the registry reach nested stacks; the
	 * `parameters` of the environment do not (hot-spec §4.3 step 4). */
	env = json_pack("{s:O,s:o}", "parameter_defaults",
			json_object_get(l->env, "parameter_defaults"), "resource_registry",
			env_child_registry_of(registry, res, type, rtype_is_builtin));
	given = json_object();
	json_object_foreach (props, k, x)
		if (json_is_object(params) && json_object_get(params, k))
			json_object_set(given, k, x);
	snprintf(name, sizeof(name), "%s-%s", l->name, res);
	child = define(l->b, cd, name, given, env, facade, NULL, l->depth + 1);
	json_decref(given);
	json_decref(env);
	return child;
}

/* A ResourceGroup's members (hot-spec §7.13): count copies of
 * resource_def named "0", "1", … with index_var replaced in the strings
 * of their properties.  Validation looks at the first member only, as
 * Heat; resolution makes them all. */
static json_t *group(struct level *l, json_t *def, const char *res, json_t *props)
{
	json_t *rdef = json_object_get(props, "resource_def"),
	       *count = json_object_get(props, "count");
	json_t *ivar = json_object_get(props, "index_var"), *rawprops, *rawdef;
	json_t *out, *resources, *types, *nested, *registry, *metadata;
	const char *type = json_string_value(json_object_get(rdef, "type"));
	const char *var = json_is_string(ivar) ? json_string_value(ivar) : "%index%";
	long long n = 1;
	char path[512], err[512];

	if (json_is_string(count)) { /* an integer property takes "5" */
		char *end;

		errno = 0;
		n = strtoll(json_string_value(count), &end, 10);
		if (end == json_string_value(count) || *end || errno)
			return NULL; /* reported by the schema check */
	} else if (json_is_integer(count)) {
		n = json_integer_value(count);
	} else if (count && count != eval_unknown()) {
		return NULL; /* reported by the schema check */
	}
	if (!json_is_object(rdef) || !type)
		return NULL; /* reported by the schema check */
	if (n < 0)
		return NULL;
	if (l->depth + 1 > l->b->o->max_depth) {
		snprintf(path, sizeof(path), "resources.%s", res);
		diag_add(l->b->dg, DIAG_ERROR, l->d, def, "type", path,
			 "Request limit exceeded: Recursion depth exceeds %d.", l->b->o->max_depth);
		return NULL;
	}
	if (!count_resources(l, def, "type", n))
		return NULL;
	rawprops = json_object_get(def, "properties");
	rawdef = json_is_object(rawprops) ? json_object_get(rawprops, "resource_def") : NULL;
	snprintf(path, sizeof(path), "resources.%s.properties.resource_def.properties", res);
	registry = env_child_registry(l->registry, res);
	out = json_object();
	resources = json_object();
	types = json_object();
	nested = json_object();
	metadata = json_object();
	for (long long i = 0; i < n && (i == 0 || l->b->o->mode == EVAL_RESOLVE); i++) {
		char member[32];
		json_t *mprops, *mdef = json_object_get(rdef, "properties");
		char *mtype;
		const struct rtype *t;

		snprintf(member, sizeof(member), "%lld", i);
		mprops = mdef ? replace_index(mdef, var, member) : json_object();
		mtype = env_resolve_type(registry, member, type, rtype_is_builtin, err,
					 sizeof(err));
		if (!mtype) {
			if (i == 0)
				diag_add(l->b->dg, DIAG_ERROR, l->d, rawdef ? rawdef : def,
					 rawdef ? "type" : NULL, path, "%s", err);
			json_decref(mprops);
			break;
		}
		json_object_set_new(types, member, json_string(mtype));
		if ((t = rtype_find(mtype))) {
			if (i == 0)
				rtype_check_props_at(
					t, l->d,
					rawdef ? json_object_get(rawdef, "properties") : NULL,
					rawdef && json_object_get(rawdef, "properties") ? rawdef
											: rawprops,
					rawdef && json_object_get(rawdef, "properties")
						? "properties"
						: "resource_def",
					mprops, path, l->b->dg);
		} else {
			struct doc *cd = child_doc(l, rawdef ? rawdef : def, member, mtype, path);

			if (cd) {
				json_t *fac = json_pack(
					"{s:o,s:s,s:{}}", "metadata",
					json_is_object(json_object_get(rdef, "metadata"))
						? json_incref(json_object_get(rdef, "metadata"))
						: json_object(),
					"deletion_policy", "Delete", "update_policy");
				json_t *ch, *env = json_pack(
						    "{s:O,s:O}", "parameter_defaults",
						    json_object_get(l->env, "parameter_defaults"),
						    "resource_registry", registry);
				struct level sub = *l;

				if (i == 0) /* Heat validates the first member */
					check_template_props(l, cd, rawdef ? rawdef : def, mprops,
							     NULL, path);
				sub.depth = l->depth + 1;
				sub.env = env;
				sub.registry = registry;
				ch = nest(&sub, cd, def, member, type, mprops, fac, registry);
				if (ch)
					json_object_set_new(nested, member, ch);
				json_decref(fac);
				json_decref(env);
				doc_free(&cd);
			}
		}
		json_object_set_new(resources, member, mprops);
		/* index_var reaches properties only */
		json_object_set_new(metadata, member,
				    json_is_object(json_object_get(rdef, "metadata"))
					    ? json_incref(json_object_get(rdef, "metadata"))
					    : json_object());
		free(mtype);
	}
	json_object_set_new(out, "resources", resources);
	json_object_set_new(out, "types", types);
	json_object_set_new(out, "metadata", metadata);
	if (json_object_size(nested))
		json_object_set_new(out, "nested", nested);
	else
		json_decref(nested);
	json_decref(registry);
	return out;
}

/* ------------------------------------------------------------- resources */

/* Evaluates part (properties, metadata) of resource res, key by key so
 * that reference errors name "(in res.Properties.key)" as Heat does. */
static json_t *eval_part(struct level *l, json_t *def, const char *res, const char *part,
			 const char *heat_part)
{
	json_t *node = json_object_get(def, part), *out = NULL, *x, *v;
	const struct path *path = PATH_KEY(PATH_KEY(PATH_KEY(NULL, "resources"), res), part);
	const char *k;

	if (!node || json_is_null(node))
		return json_object();
	l->ec.where_res = res;
	l->ec.where_part = heat_part;
	l->ec.where_key = NULL;
	if (!json_is_object(node) || json_object_size(node) == 1) {
		/* a function computing the whole part, or one key */
		if (json_is_object(node) && json_object_size(node) == 1)
			l->ec.where_key = json_object_iter_key(json_object_iter(node));
		if (eval_value(&l->ec, node, path, &out) != 0)
			return NULL;
		if (!json_is_object(out) && out != eval_unknown()) {
			json_decref(out);
			return NULL; /* a shape error, reported by sections_check */
		}
		return out;
	}
	out = json_object();
	json_object_foreach (node, k, x) {
		l->ec.where_key = k;
		if (eval_value(&l->ec, x, PATH_KEY(path, k), &v) == 0)
			json_object_set_new(out, k, v);
	}
	return out;
}

static void resource(struct level *l, const char *res, json_t *def)
{
	json_t *props, *md, *x, *facade = NULL;
	const char *type = json_string_value(json_object_get(l->types, res));
	const struct rtype *t = type ? rtype_find(type) : NULL;
	char path[512];

	props = eval_part(l, def, res, "properties", "Properties");
	md = eval_part(l, def, res, "metadata", "Metadata");
	for (const char *const *p =
		     (const char *const[]){"deletion_policy", "update_policy", "external_id", NULL};
	     *p; p++) {
		struct graph_refs *refs = l->ec.refs;

		if (!(x = json_object_get(def, *p)))
			continue;
		l->ec.refs = NULL; /* only properties and metadata make edges */
		l->ec.where_res = res;
		l->ec.where_part = NULL;
		if (eval_value(&l->ec, x, PATH_KEY(PATH_KEY(PATH_KEY(NULL, "resources"), res), *p),
			       &x) == 0) {
			if (!facade)
				facade = json_object();
			json_object_set_new(facade, *p, x);
		}
		l->ec.refs = refs;
	}
	if (props) {
		json_object_set(json_object_get(l->out, "resources"), res, props);
		snprintf(path, sizeof(path), "resources.%s.properties", res);
		if (t) {
			bool has = json_object_get(def, "properties") != NULL;

			rtype_check_props_at(t, l->d, json_object_get(def, "properties"),
					     has ? def
						 : json_object_get(doc_root(l->d), "resources"),
					     has ? "properties" : res, props, path, l->b->dg);
			if (strcmp(type, "OS::Heat::ResourceGroup") == 0) {
				json_t *g = group(l, def, res, props);

				if (g)
					json_object_set_new(json_object_get(l->out, "nested"), res,
							    g);
			}
		} else if (json_is_integer(json_object_get(l->docidx, res))) {
			const struct doc *cd =
				l->docs[json_integer_value(json_object_get(l->docidx, res))];
			json_t *ch;

			if (!facade)
				facade = json_object();
			json_object_set_new(facade, "metadata",
					    md ? json_incref(md) : json_object());
			snprintf(path, sizeof(path), "resources.%s.properties", res);
			check_template_props(l, cd, def, props, res, path);
			ch = nest(l, cd, def, res, json_string_value(json_object_get(def, "type")),
				  props, facade, l->registry);
			if (ch)
				json_object_set_new(json_object_get(l->out, "nested"), res, ch);
		}
	}
	if (md)
		json_object_set(json_object_get(l->out, "metadata"), res, md);
	json_decref(props);
	json_decref(md);
	json_decref(facade);
}

/* Resolves the type of every enabled resource and loads the templates of
 * template resources (whose outputs are their attributes). */
static void resolve_types(struct level *l, json_t *resources)
{
	const char *res;
	json_t *def, *last = NULL; /* resources of one type share its string */
	char err[512], path[512];

	json_object_foreach (resources, res, def) {
		const char *type = json_string_value(json_object_get(def, "type"));
		char *impl;

		if (!json_object_get(l->ec.enabled, res) || !type)
			continue;
		snprintf(path, sizeof(path), "resources.%s", res);
		impl = env_resolve_type(l->registry, res, type, rtype_is_builtin, err, sizeof(err));
		if (!impl) {
			diag_add(l->b->dg, DIAG_ERROR, l->d, def, "type", path, "%s", err);
			continue; /* path: resources.NAME, as Heat names the resource */
		}
		if (!last || strcmp(json_string_value(last), impl) != 0)
			last = json_string(impl);
		else
			json_incref(last);
		json_object_set_new(l->types, res, last);
		if (!rtype_is_builtin(impl)) {
			struct doc *cd = child_doc(l, def, res, impl, path);
			struct doc **docs =
				cd ? realloc(l->docs, (l->ndocs + 1) * sizeof(*docs)) : NULL;

			json_object_set_new(l->children, res, cd ? output_names(cd) : json_true());
			if (docs) {
				l->docs = docs;
				json_object_set_new(l->docidx, res,
						    json_integer((json_int_t)l->ndocs));
				docs[l->ndocs++] = cd;
			} else {
				doc_free(&cd);
			}
		}
		free(impl);
	}
}

/* What each resource requires and the batches in which they can be
 * created: `requires` and `batches` of the definition (no batches when
 * there is a cycle, reported by the graph). */
static void record_graph(struct level *l, struct graph *g)
{
	int n = graph_count(g), *batch = malloc(((size_t)n + 1) * sizeof(int)), nb;
	json_t **name = calloc((size_t)n + 1, sizeof(*name)); /* one string each, shared */
	json_t *requires = json_object(), *batches = json_array();

	nb = batch && name ? graph_batches(g, batch) : -2;
	for (int i = 0; name && i < n; i++)
		name[i] = json_string(graph_name(g, i));
	for (int i = 0; name && i < n; i++) {
		const int *deps;
		int nd = graph_requires(g, i, &deps);
		json_t *names = json_array();

		for (int k = 0; k < nd; k++)
			json_array_append(names, name[deps[k]]);
		json_object_set_new(requires, graph_name(g, i), names);
	}
	for (int k = 0; k < nb; k++)
		json_array_append_new(batches, json_array());
	for (int i = 0; nb > 0 && i < n; i++)
		json_array_append(json_array_get(batches, (size_t)batch[i]), name[i]);
	json_object_set_new(l->out, "requires", requires);
	if (nb >= 0)
		json_object_set_new(l->out, "batches", batches);
	else
		json_decref(batches);
	for (int i = 0; name && i < n; i++)
		json_decref(name[i]);
	free(name);
	free(batch);
}

/* --------------------------------------------------------------- outputs */

static void outputs(struct level *l, json_t *section, json_t *enabled)
{
	json_t *values = json_object_get(l->out, "outputs");
	json_t *errors = json_object_get(l->out, "output_errors");
	const char *name;
	json_t *def, *v;

	json_object_foreach (section, name, def) {
		if (!json_is_object(def) || !json_object_get(def, "value"))
			continue;
		if (!json_object_get(enabled, name)) {
			json_object_set_new(values, name, json_null());
			continue;
		}
		l->ec.in_output = true;
		l->ec.where_res = NULL;
		if (eval_value(&l->ec, json_object_get(def, "value"),
			       PATH_KEY(PATH_KEY(PATH_KEY(NULL, "outputs"), name), "value"),
			       &v) != 0)
			v = json_null();
		l->ec.in_output = false;
		json_object_set_new(values, name, v);
		if (l->ec.output_error) {
			json_object_set_new(errors, name, json_string(l->ec.output_error));
			free(l->ec.output_error);
			l->ec.output_error = NULL;
		}
	}
}

/* ---------------------------------------------------------------- levels */

static json_t *define(struct build *b, const struct doc *d, const char *name, json_t *given,
		      json_t *env, json_t *facade, json_t *attrs, int depth)
{
	const struct stack_opts *o = b->o;
	json_t *root = doc_root(d), *resources = json_object_get(root, "resources");
	json_t *conds = json_object_get(root, "conditions"),
	       *outs = json_object_get(root, "outputs");
	json_t *params_section = json_object_get(root, "parameters");
	json_t *pseudo, *enabled = json_object(), *out_enabled = json_object(), *def;
	struct level l = {.b = b,
			  .d = d,
			  .name = name,
			  .given = given,
			  .env = env,
			  .facade = facade,
			  .attrs = attrs,
			  .depth = depth};
	struct graph_opts go = {0};
	struct graph_refs refs = {0};
	struct graph *g;
	const char *k;
	int v = version_detect(d, b->dg);

	l.out = json_pack("{s:{},s:{},s:{},s:{},s:{},s:{},s:{},s:{}}", "resources", "metadata",
			  "types", "parameters", "conditions", "outputs", "output_errors",
			  "nested");
	if (v < 0 || !l.out || !enabled || !out_enabled) {
		json_decref(enabled);
		json_decref(out_enabled);
		return l.out;
	}
	l.v = (enum hot_version)v;
	sections_check(d, l.v, b->dg);
	params_check(d, l.v, b->dg);
	cond_check(d, l.v, b->dg);
	if (!json_is_object(resources))
		resources = NULL;
	if (!json_is_object(conds))
		conds = NULL;
	if (!json_is_object(outs))
		outs = NULL;
	if (!count_resources(&l, root, "resources", (long long)json_object_size(resources)))
		resources = NULL; /* beyond the limit: not expanded */

	l.registry = json_object_get(env, "resource_registry");
	l.types = json_object_get(l.out, "types");
	l.children = json_object();
	l.docidx = json_object();
	pseudo = json_pack("{s:s,s:s,s:s}", "OS::stack_name", name, "OS::stack_id", o->id,
			   "OS::project_id", o->project);
	{
		json_t *params = params_values(
			d, l.v, given, json_object_get(env, "parameter_defaults"), pseudo,
			depth ? NULL : o->envs, depth ? 0 : o->nenv,
			b->env_failed || depth                           ? PARAMS_MISSING_QUIET
			: o->mode == EVAL_VALIDATE && !o->require_params ? PARAMS_MISSING_WARN
									 : PARAMS_MISSING_ERROR,
			b->dg);

		json_object_set_new(l.out, "parameters", params ? params : json_object());
	}
	json_decref(pseudo);

	l.ec = (struct eval_ctx){.d = d,
				 .v = l.v,
				 .mode = o->mode,
				 .params = json_object_get(l.out, "parameters"),
				 .files = o->files,
				 .conditions = conds,
				 .cond_cache = json_object_get(l.out, "conditions"),
				 .resources =
					 resources ? resources : json_object_get(l.out, "types"),
				 .enabled = enabled,
				 .facade = facade,
				 .has_attr = has_attr,
				 .attr = attr_value,
				 .ref = ref_value,
				 .u = &l,
				 .dg = b->dg,
				 .spent = &b->spent};
	if (conds)
		json_object_foreach (conds, k, def) {
			bool yes;

			eval_named_condition(&l.ec, k, &yes);
		}
	if (resources)
		json_object_foreach (resources, k, def) {
			json_t *c = json_is_object(def) ? json_object_get(def, "condition") : NULL;
			bool yes = true;
			if (c && l.v >= HOT_2016_10_14)
				eval_condition(&l.ec, c,
					       PATH_KEY(PATH_KEY(PATH_KEY(NULL, "resources"), k),
							"condition"),
					       &yes);
			if (yes && json_is_object(def))
				json_object_set(enabled, k, json_true());
		}
	if (outs)
		json_object_foreach (outs, k, def) {
			json_t *c = json_is_object(def) ? json_object_get(def, "condition") : NULL;
			bool yes = true;
			if (c && l.v >= HOT_2016_10_14)
				eval_condition(&l.ec, c,
					       PATH_KEY(PATH_KEY(PATH_KEY(NULL, "outputs"), k),
							"condition"),
					       &yes);
			if (yes)
				json_object_set(out_enabled, k, json_true());
		}
	/* Evaluation finds each resource's references (in the branches
	 * conditions take); the graph adds depends_on and Heat's implicit
	 * rules. */
	if (resources) {
		resolve_types(&l, resources);
		l.ec.refs = &refs;
		json_object_foreach (resources, k, def)
			if (json_object_get(enabled, k))
				resource(&l, k, def);
		l.ec.refs = NULL;
	}
	go = (struct graph_opts){&refs, enabled, out_enabled};
	if (json_object_size(enabled) == json_object_size(resources))
		go.enabled = NULL; /* all of them: nothing to look up */
	g = graph_build_with(d, l.v, b->dg, &go);
	if (g)
		record_graph(&l, g);
	graph_free(&g);
	graph_refs_free(&refs);
	if (outs)
		outputs(&l, outs, out_enabled);
	/* What evaluation did not walk: resources and outputs left out by
	 * their conditions. */
	fn_scan_except(d, l.v, b->dg, enabled, out_enabled);
	if (o->mask_hidden && params_section) {
		json_t *values = json_object_get(l.out, "parameters"), *schema, *secret;

		json_object_foreach (params_section, k, schema) {
			if (!json_is_true(json_object_get(schema, "hidden")) ||
			    !(secret = json_object_get(values, k)))
				continue;
			if (json_is_string(secret) && json_string_length(secret) >= 3)
				json_array_append(b->secrets, secret);
			json_object_set_new(values, k, json_string("******"));
		}
	}
	/* Drop what would only clutter a definition. */
	for (const char *const *p = (const char *const[]){"metadata", "output_errors", "nested",
							  "conditions", NULL};
	     *p; p++)
		if (json_object_size(json_object_get(l.out, *p)) == 0 &&
		    (strcmp(*p, "conditions") != 0 || !conds))
			json_object_del(l.out, *p);
	json_decref(l.children);
	json_decref(l.docidx);
	for (size_t i = 0; i < l.ndocs; i++)
		doc_free(&l.docs[i]);
	free(l.docs);
	json_decref(enabled);
	json_decref(out_enabled);
	return l.out;
}

json_t *stack_mask(json_t *v, json_t *secrets)
{
	const char *k;
	json_t *x, *s;
	size_t i, j;

	if (json_is_string(v)) {
		const char *text = json_string_value(v);
		bool hit = false;

		json_array_foreach (secrets, j, s)
			hit = hit || strstr(text, json_string_value(s));
		if (!hit)
			return json_incref(v);
		{
			char *buf = strdup(text), *p, *q;

			json_array_foreach (secrets, j, s) {
				size_t sl = json_string_length(s), w = sl < 6 ? sl : 6;

				/* Stars no longer than the secret: replaced in
				 * place, the gap closed, the search going on after
				 * them (a secret may be made of stars). */
				for (p = buf; p && (q = strstr(p, json_string_value(s)));
				     p = q + w) {
					memcpy(q, "******", w);
					memmove(q + w, q + sl, strlen(q + sl) + 1);
				}
			}
			x = json_string(buf ? buf : "******");
			free(buf);
			return x;
		}
	}
	if (json_is_object(v)) {
		json_t *o = json_object();

		json_object_foreach (v, k, x)
			json_object_set_new(o, k, stack_mask(x, secrets));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array();

		json_array_foreach (v, i, x)
			json_array_append_new(a, stack_mask(x, secrets));
		return a;
	}
	return json_incref(v);
}

json_t *stack_define(const struct doc *tmpl, const struct stack_opts *o, struct diags *dg)
{
	struct build b = {.o = o, .dg = dg, .secrets = json_array()};
	json_t *declared = json_object(), *params, *env, *out, *x;
	const char *k;
	int errors;

	/* The names the template declares decide which environment values
	 * are kept (hot-spec §4.3). */
	params = json_object_get(doc_root(tmpl), "parameters");
	if (json_is_object(params))
		json_object_foreach (params, k, x) {
			json_t *type = json_object_get(x, "type");

			json_object_set(declared, k, json_is_string(type) ? type : json_true());
		}
	errors = diags_count(dg, DIAG_ERROR);
	env = env_merge(o->params, o->envs, o->nenv, declared, dg);
	if (env && diags_count(dg, DIAG_ERROR) > errors) {
		json_decref(env);
		env = NULL;
	}
	json_decref(declared);
	if (!env) {
		b.env_failed = true;
		env = json_pack("{s:O?,s:{},s:{},s:[]}", "parameters", o->params,
				"parameter_defaults", "resource_registry", "event_sinks");
	}
	out = define(&b, tmpl, o->name, json_object_get(env, "parameters"), env, NULL,
		     o->mode == EVAL_RESOLVE ? o->attributes : NULL, 0);
	json_decref(env);
	/* Hidden values also leave through get_param and template resources'
	 * properties: they are masked wherever they appear. */
	if (out && json_array_size(b.secrets)) {
		json_t *masked = stack_mask(out, b.secrets);

		json_decref(out);
		out = masked;
	}
	json_decref(b.secrets);
	return out;
}
