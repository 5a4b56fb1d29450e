/* The dependency graph of a template's resources (hot-spec §5.1): edges
 * from get_resource and get_attr anywhere in a resource's properties and
 * metadata, and from depends_on.  Yields the batches in which resources
 * can be created concurrently (and, reversed, deleted).
 *
 * Also Heat's implicit rules for network resources (§5.1): ports and
 * servers wait for the subnets of their networks, routers with a gateway
 * for the external network's subnets, floating IPs for their router. */
#ifndef HEARTH_GRAPH_H
#define HEARTH_GRAPH_H

#include <stdbool.h>

#include "engine/diag.h"
#include "engine/load.h"
#include "engine/version.h"

struct graph;

/* Builds the graph, adding to dg an error for every reference to a
 * resource that does not exist and for every cycle (naming the resources
 * on it), and a warning for such references in outputs (Heat reports those
 * only when the output is read).  NULL only when out of memory. */
struct graph *graph_build(const struct doc *d, enum hot_version v, struct diags *dg);

/* A reference evaluation found: resource `from`'s properties or metadata
 * name resource `to` (both borrowed from the template). */
struct graph_ref {
	const char *from, *to;
};
struct graph_refs {
	struct graph_ref *v;
	size_t n, cap;
	bool oom;
};
void graph_refs_add(struct graph_refs *r, const char *from, const char *to);
void graph_refs_free(struct graph_refs *r);

/* With conditions decided: resources not in enabled (name → true) are
 * left out (references to them are errors, depends_on on them is
 * dropped, as in Heat) and outputs not in outputs_enabled are not
 * walked.  NULL members mean all.  Without refs, references inside `if`
 * make no edges (which branch counts is known only to evaluation). */
struct graph_opts {
	/* When set: the references of resources' properties and metadata as
	 * evaluation found them (and reported the unknown ones); those parts
	 * and the outputs are then not walked again. */
	const struct graph_refs *refs;
	json_t *enabled;
	json_t *outputs_enabled;
};
struct graph *graph_build_with(const struct doc *d, enum hot_version v, struct diags *dg,
			       const struct graph_opts *o);
void graph_free(struct graph **g);

int graph_count(const struct graph *g);
/* Resource i's name (borrowed). */
const char *graph_name(const struct graph *g, int i);
/* The resources resource i requires, as indexes, in name order. */
int graph_requires(const struct graph *g, int i, const int **deps);
/* batch[i] = the creation batch of resource i (0 first; -1 for resources
 * on or behind a cycle); returns the number of batches, -1 when the graph
 * has a cycle, -2 when out of memory. */
int graph_batches(const struct graph *g, int *batch);

#endif
