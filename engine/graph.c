/* The dependency graph (see graph.h).
 *
 * Resources are numbered in name order, so output and batches are stable.
 * Every step is linear in the template's size: one walk of the function
 * places, Kahn's algorithm for the batches, and one walk per cycle to name
 * it. */
#include "engine/graph.h"

#include <stdlib.h>
#include <string.h>

#include "engine/functions.h"
#include "engine/path.h"

struct node {
	const char *name;
	json_t *def;
	int *deps;
	int ndeps, cap;
};

struct graph {
	struct node *nodes; /* in name order: found by binary search */
	int n;
	int cycles;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->name, ((const struct node *)b)->name);
}

static int find(const struct graph *g, const char *name)
{
	int lo = 0, hi = g->n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(name, g->nodes[mid].name);

		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Appends an edge; duplicates go when the edges are sorted. */
static int add_edge(struct node *from, int to)
{
	if (from->ndeps && from->deps[from->ndeps - 1] == to)
		return 0;
	if (from->ndeps == from->cap) {
		int cap = from->cap ? from->cap * 2 : 4;
		int *d = realloc(from->deps, (size_t)cap * sizeof(*d));

		if (!d)
			return -1;
		from->deps = d;
		from->cap = cap;
	}
	from->deps[from->ndeps++] = to;
	return 0;
}

struct walk {
	struct graph *g;
	const struct doc *d;
	enum hot_version v;
	struct diags *dg;
	int from; /* the resource whose parts are walked; -1 for outputs */
	/* Heat's "(in a.Properties.x)": where_res.where_part.where_key, or
	 * "unknown" without a resource */
	const char *where_res, *where_part, *where_key;
	const struct graph_opts *o;
	int oom;
};

/* A reference to name from w->from: an edge, or a finding. */
static void reference(struct walk *w, json_t *fn, const char *fname, const char *name,
		      const struct path *at)
{
	int to = find(w->g, name);

	if (to < 0) {
		char path[PATH_SIZE], where[1024] = "unknown";

		if (w->where_res && w->where_part)
			snprintf(where, sizeof(where), "%s.%s.%s", w->where_res, w->where_part,
				 w->where_key);
		else if (w->where_res)
			snprintf(where, sizeof(where), "%s", w->where_res);
		diag_add_key(w->dg, w->from < 0 ? DIAG_WARNING : DIAG_ERROR, w->d, fn, fname,
			     path_str(at, path),
			     "The specified reference \"%s\" (in %s) is incorrect.%s", name, where,
			     w->from < 0 ? " (Heat reports this only when the output is read)"
					 : "");
		return;
	}
	if (w->from >= 0 && add_edge(&w->g->nodes[w->from], to) < 0)
		w->oom = 1;
}

static void walk(struct walk *w, json_t *node, const struct path *path, int depth)
{
	const char *k;
	json_t *child;
	size_t i;
	int since;

	if (depth > 512)
		return;
	if (json_is_object(node) && json_object_size(node) == 1) {
		const char *fname = json_object_iter_key(json_object_iter(node));
		json_t *arg = json_object_get(node, fname);

		if (fn_lookup(fname, w->v, &since) == FN_AVAILABLE) {
			const struct path *sub = PATH_KEY(path, fname);

			/* The branch an `if` takes is known once conditions are
			 * decided: stack.c passes the references evaluation
			 * found instead of this walk. */
			if (strcmp(fname, "if") == 0)
				return;
			if (strcmp(fname, "get_resource") == 0 && json_is_string(arg))
				reference(w, node, fname, json_string_value(arg), sub);
			else if (strcmp(fname, "get_attr") == 0 && json_is_array(arg) &&
				 json_is_string(json_array_get(arg, 0)))
				reference(w, node, fname, json_string_value(json_array_get(arg, 0)),
					  sub);
		}
	}
	if (json_is_object(node)) {
		json_object_foreach (node, k, child) {
			walk(w, child, PATH_KEY(path, k), depth + 1);
		}
	} else if (json_is_array(node)) {
		json_array_foreach (node, i, child) {
			walk(w, child, PATH_IDX(path, i), depth + 1);
		}
	}
}

/* Walks one part (properties or metadata) of resource i. */
static void walk_part(struct walk *w, int i, const char *part, const char *heat_part)
{
	json_t *p = json_object_get(w->g->nodes[i].def, part), *child;
	const struct path *at =
		PATH_KEY(PATH_KEY(PATH_KEY(NULL, "resources"), w->g->nodes[i].name), part);
	const char *k;

	if (!json_is_object(p))
		return;
	w->from = i;
	json_object_foreach (p, k, child) {
		w->where_res = w->g->nodes[i].name;
		w->where_part = heat_part;
		w->where_key = k;
		walk(w, child, PATH_KEY(at, k), 0);
	}
}

/* A resource of the template left out by its condition. */
static bool disabled(struct walk *w, const char *name)
{
	return w->o && w->o->enabled && !json_object_get(w->o->enabled, name) &&
	       json_object_get(json_object_get(doc_root(w->d), "resources"), name);
}

static void depends_on(struct walk *w, int i)
{
	struct node *nd = &w->g->nodes[i];
	json_t *dep = json_object_get(nd->def, "depends_on"), *item;
	const struct path *at =
		PATH_KEY(PATH_KEY(PATH_KEY(NULL, "resources"), nd->name), "depends_on");
	char path[PATH_SIZE];
	size_t k;

	w->from = i;
	w->where_res = nd->name;
	w->where_part = NULL;
	/* An edge to a resource left out by its condition is dropped
	 * silently, as Heat does. */
	if (json_is_string(dep)) {
		if (find(w->g, json_string_value(dep)) >= 0 || !disabled(w, json_string_value(dep)))
			reference(w, nd->def, "depends_on", json_string_value(dep), at);
	} else if (json_is_array(dep)) {
		json_array_foreach (dep, k, item) {
			int to;

			if (!json_is_string(item))
				continue; /* a shape error, reported by sections_check */
			if ((to = find(w->g, json_string_value(item))) >= 0) {
				if (add_edge(nd, to) < 0)
					w->oom = 1;
			} else if (!disabled(w, json_string_value(item))) {
				diag_add(w->dg, DIAG_ERROR, w->d, item, NULL, path_str(at, path),
					 "The specified reference \"%s\" (in %s) is incorrect.",
					 json_string_value(item), nd->name);
			}
		}
	}
}

/* ------------------------------------------------- implicit dependencies */

static const char *type_of(const struct node *nd)
{
	return json_string_value(json_object_get(nd->def, "type"));
}

static json_t *prop(const struct node *nd, const char *name)
{
	return json_object_get(json_object_get(nd->def, "properties"), name);
}

/* An edge from i to every resource of type `type` whose property `key`
 * is written as net is (hot-spec §5.1: Heat compares the values). */
static void implicit_on(struct walk *w, int i, const int *subnets, int ns, json_t *net)
{
	if (!net)
		return;
	for (int k = 0; k < ns; k++)
		if (subnets[k] != i && json_equal(prop(&w->g->nodes[subnets[k]], "network"), net) &&
		    add_edge(&w->g->nodes[i], subnets[k]) < 0)
			w->oom = 1;
}

/* The network types the implicit rules concern. */
enum net_kind { NK_OTHER, NK_SUBNET, NK_PORT, NK_SERVER, NK_ROUTER, NK_FIP };

static enum net_kind net_kind(const struct node *nd)
{
	const char *t = type_of(nd);

	if (!t || strncmp(t, "OS::N", 5) != 0) /* most resources: one compare */
		return NK_OTHER;
	return strcmp(t, "OS::Neutron::Subnet") == 0       ? NK_SUBNET
	       : strcmp(t, "OS::Neutron::Port") == 0       ? NK_PORT
	       : strcmp(t, "OS::Nova::Server") == 0        ? NK_SERVER
	       : strcmp(t, "OS::Neutron::Router") == 0     ? NK_ROUTER
	       : strcmp(t, "OS::Neutron::FloatingIP") == 0 ? NK_FIP
							   : NK_OTHER;
}

/* Heat's add_dependencies rules for network resources: a port or server
 * waits for the subnets of its networks, a router with a gateway for the
 * subnets of the external network, a floating IP for the router that
 * gives its network a gateway. */
static void implicit(struct walk *w)
{
	int *subnets = malloc(((size_t)w->g->n + 1) * sizeof(int)), ns = 0;
	int *routers = malloc(((size_t)w->g->n + 1) * sizeof(int)), nr = 0;
	unsigned char *kind = malloc((size_t)w->g->n + 1);

	if (!subnets || !routers || !kind) {
		w->oom = 1;
		goto out;
	}
	for (int i = 0; i < w->g->n; i++) {
		kind[i] = (unsigned char)net_kind(&w->g->nodes[i]);
		if (kind[i] == NK_SUBNET)
			subnets[ns++] = i;
		else if (kind[i] == NK_ROUTER)
			routers[nr++] = i;
	}
	for (int i = 0; i < w->g->n; i++) {
		struct node *nd = &w->g->nodes[i];
		json_t *x, *gw;
		size_t k;

		switch (kind[i]) {
		case NK_PORT:
			implicit_on(w, i, subnets, ns, prop(nd, "network"));
			break;
		case NK_SERVER:
			json_array_foreach (prop(nd, "networks"), k, x)
				implicit_on(w, i, subnets, ns, json_object_get(x, "network"));
			break;
		case NK_ROUTER:
			implicit_on(w, i, subnets, ns,
				    json_object_get(prop(nd, "external_gateway_info"), "network"));
			break;
		case NK_FIP:
			if (!(x = prop(nd, "floating_network")))
				break;
			for (int j = 0; j < nr; j++) {
				gw = json_object_get(
					prop(&w->g->nodes[routers[j]], "external_gateway_info"),
					"network");
				if (json_equal(gw, x) && add_edge(nd, routers[j]) < 0)
					w->oom = 1;
			}
			break;
		}
	}
out:
	free(subnets);
	free(routers);
	free(kind);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Names each cycle among the resources Kahn's algorithm could not place:
 * every such resource has a requirement that is also unplaced, so walking
 * those requirements must come back to a resource seen on the same walk. */
static void report_cycles(struct graph *g, const int *batch, const struct doc *d, struct diags *dg)
{
	int *seen = calloc((size_t)g->n, sizeof(int)), *path = malloc((size_t)g->n * sizeof(int));
	json_t *resources = json_object_get(doc_root(d), "resources");

	if (!seen || !path)
		goto out;
	for (int start = 0; start < g->n; start++) {
		int len = 0, cur = start;

		if (batch[start] >= 0 || seen[start])
			continue;
		/* seen: 0 never, start+1 on this walk, -1 on an earlier walk */
		while (!seen[cur]) {
			seen[cur] = start + 1;
			path[len++] = cur;
			for (int k = 0; k < g->nodes[cur].ndeps; k++)
				if (batch[g->nodes[cur].deps[k]] < 0) {
					cur = g->nodes[cur].deps[k];
					break;
				}
		}
		if (seen[cur] == start + 1) {
			char text[2048];
			size_t n = 0;
			int from = 0;

			while (path[from] != cur)
				from++;
			for (int k = from; k < len && n < sizeof(text); k++)
				n += (size_t)snprintf(text + n, sizeof(text) - n, "%s -> ",
						      g->nodes[path[k]].name);
			if (n < sizeof(text))
				snprintf(text + n, sizeof(text) - n, "%s", g->nodes[cur].name);
			diag_add_key(dg, DIAG_ERROR, d, resources, g->nodes[cur].name, "resources",
				     "Circular Dependency Found: %s", text);
			g->cycles++;
		}
		for (int k = 0; k < len; k++)
			seen[path[k]] = -1;
	}
out:
	free(seen);
	free(path);
}

int graph_batches(const struct graph *g, int *batch)
{
	size_t n = (size_t)g->n + 1, edges = 0;
	int *waiting = calloc(n, sizeof(int)), *first = calloc(n + 1, sizeof(int));
	int *queue = malloc(n * sizeof(int)), *next = malloc(n * sizeof(int)), *users;
	int placed = 0, nb = 0, qn = 0;

	for (int i = 0; i < g->n; i++) {
		batch[i] = -1;
		edges += (size_t)g->nodes[i].ndeps;
	}
	users = malloc((edges + 1) * sizeof(int));
	if (!waiting || !first || !queue || !next || !users) {
		nb = -2;
		goto out;
	}
	/* Reverse edges, who requires each resource: users[first[r] ..
	 * first[r + 1]) for resource r.  Counts, sums to the slices' ends,
	 * then each slice filled from its end back to its start. */
	for (int i = 0; i < g->n; i++) {
		waiting[i] = g->nodes[i].ndeps;
		for (int k = 0; k < g->nodes[i].ndeps; k++)
			first[g->nodes[i].deps[k]]++;
	}
	for (int i = 1; i <= g->n; i++)
		first[i] += first[i - 1];
	for (int i = g->n - 1; i >= 0; i--)
		for (int k = 0; k < g->nodes[i].ndeps; k++)
			users[--first[g->nodes[i].deps[k]]] = i;
	for (int i = 0; i < g->n; i++)
		if (waiting[i] == 0)
			queue[qn++] = i;
	while (qn) {
		int nn = 0;

		for (int q = 0; q < qn; q++) {
			int r = queue[q];

			batch[r] = nb;
			placed++;
			for (int k = first[r]; k < first[r + 1]; k++)
				if (--waiting[users[k]] == 0)
					next[nn++] = users[k];
		}
		nb++;
		memcpy(queue, next, (size_t)nn * sizeof(int));
		qn = nn;
	}
	if (placed < g->n)
		nb = -1;
out:
	free(users);
	free(first);
	free(waiting);
	free(queue);
	free(next);
	return nb;
}

struct graph *graph_build(const struct doc *d, enum hot_version v, struct diags *dg)
{
	return graph_build_with(d, v, dg, NULL);
}

struct graph *graph_build_with(const struct doc *d, enum hot_version v, struct diags *dg,
			       const struct graph_opts *o)
{
	struct graph *g = calloc(1, sizeof(*g));
	json_t *resources = json_object_get(doc_root(d), "resources"), *def, *outputs;
	struct walk w = {.d = d, .v = v, .dg = dg, .o = o, .oom = o && o->refs && o->refs->oom};
	const char *name;
	int *batch = NULL;

	if (!g)
		goto fail;
	w.g = g;
	if (json_is_object(resources)) {
		g->nodes = calloc(json_object_size(resources) + 1, sizeof(*g->nodes));
		if (!g->nodes)
			goto fail;
		json_object_foreach (resources, name, def) {
			if (!json_is_object(def))
				continue; /* a shape error, reported by sections_check */
			if (o && o->enabled && !json_object_get(o->enabled, name))
				continue; /* left out by its condition */
			g->nodes[g->n].name = name;
			g->nodes[g->n++].def = def;
		}
	}
	if (g->n > 1)
		qsort(g->nodes, (size_t)g->n, sizeof(*g->nodes), by_name);
	for (size_t k = 0; o && o->refs && k < o->refs->n; k++) {
		int from = find(g, o->refs->v[k].from), to = find(g, o->refs->v[k].to);

		if (from >= 0 && to >= 0 && add_edge(&g->nodes[from], to) < 0)
			w.oom = 1;
	}
	for (int i = 0; i < g->n; i++) {
		if (!o || !o->refs) {
			walk_part(&w, i, "properties", "Properties");
			walk_part(&w, i, "metadata", "Metadata");
		}
		depends_on(&w, i);
	}
	outputs = o && o->refs ? NULL : json_object_get(doc_root(d), "outputs");
	if (json_is_object(outputs)) {
		json_object_foreach (outputs, name, def) {
			if (!json_is_object(def) || !json_object_get(def, "value"))
				continue;
			if (o && o->outputs_enabled && !json_object_get(o->outputs_enabled, name))
				continue;
			w.from = -1;
			w.where_res = NULL;
			walk(&w, json_object_get(def, "value"),
			     PATH_KEY(PATH_KEY(PATH_KEY(NULL, "outputs"), name), "value"), 0);
		}
	}
	implicit(&w);
	if (w.oom)
		goto fail;
	for (int i = 0; i < g->n; i++) {
		struct node *nd = &g->nodes[i];
		int k = 0;

		if (nd->ndeps > 1)
			qsort(nd->deps, (size_t)nd->ndeps, sizeof(int), cmp_int);
		for (int j = 0; j < nd->ndeps; j++)
			if (!k || nd->deps[k - 1] != nd->deps[j])
				nd->deps[k++] = nd->deps[j];
		nd->ndeps = k;
	}
	batch = malloc(((size_t)g->n + 1) * sizeof(int));
	if (!batch)
		goto fail;
	switch (graph_batches(g, batch)) {
	case -2:
		goto fail;
	case -1:
		report_cycles(g, batch, d, dg);
		break;
	}
	free(batch);
	return g;
fail:
	free(batch);
	graph_free(&g);
	return NULL;
}

void graph_refs_add(struct graph_refs *r, const char *from, const char *to)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct graph_ref *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			r->oom = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct graph_ref){from, to};
}

void graph_refs_free(struct graph_refs *r)
{
	free(r->v);
	*r = (struct graph_refs){0};
}

void graph_free(struct graph **pg)
{
	struct graph *g = *pg;

	if (!g)
		return;
	for (int i = 0; i < g->n; i++)
		free(g->nodes[i].deps);
	free(g->nodes);
	free(g);
	*pg = NULL;
}

int graph_count(const struct graph *g)
{
	return g->n;
}

const char *graph_name(const struct graph *g, int i)
{
	return g->nodes[i].name;
}

int graph_requires(const struct graph *g, int i, const int **deps)
{
	*deps = g->nodes[i].deps;
	return g->nodes[i].ndeps;
}
