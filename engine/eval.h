/* Evaluation of intrinsic functions over a template's values, per
 * version (hot-spec §2): the context functions (get_param, get_resource,
 * get_attr, get_file, resource_facade, if, Ref, Fn::GetAZs,
 * Fn::ResourceFacade) here, the rest through fnlib, and the conditions
 * grammar (equals, not, and, or, contains, named conditions).
 *
 * Two modes: VALIDATE, where what exists only once resources are created
 * (get_attr) becomes eval_unknown() and taints what is computed from it,
 * and RESOLVE, where every value is real (attribute values from the
 * caller, null when it has none, as Heat's preview). */
#ifndef HEARTH_EVAL_H
#define HEARTH_EVAL_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/diag.h"
#include "engine/load.h"
#include "engine/path.h"
#include "engine/version.h"

struct graph_refs; /* engine/graph.h */

/* The value that stands for "known only at create time".  Borrowed,
 * shared, never freed. */
json_t *eval_unknown(void);
/* Whether v is or contains eval_unknown(). */
bool eval_tainted(const json_t *v);

enum eval_mode { EVAL_VALIDATE, EVAL_RESOLVE };

/* Everything a value may refer to.  All json_t members are borrowed. */
struct eval_ctx {
	const struct doc *d; /* where the evaluated nodes were written */
	enum hot_version v;
	enum eval_mode mode;
	json_t *params;     /* name → typed value, pseudo parameters included */
	json_t *files;      /* get_file: key → content; may be NULL */
	json_t *conditions; /* the template's conditions section; may be NULL */
	json_t *cond_cache; /* name → true/false as decided; the caller's object */
	json_t *resources;  /* the template's resources section (names) */
	json_t *enabled;    /* name → true for resources whose condition holds */
	json_t *facade;     /* the parent resource's {metadata, deletion_policy,
			       update_policy}; NULL in a root stack */
	/* Whether get_attr may name attribute attr of resource res: 1 yes,
	 * 0 no (an error), -1 not one it has but Heat does not check (a
	 * warning: the value will be null). */
	int (*has_attr)(void *u, const char *res, const char *attr);
	/* RESOLVE: the value of attribute attr of res (new reference, NULL
	 * for null) and the reference id of res (new reference). */
	json_t *(*attr)(void *u, const char *res, const char *attr);
	json_t *(*ref)(void *u, const char *res);
	void *u;
	struct diags *dg;
	/* Set while an output is evaluated: Heat reports errors of values
	 * only when the output is read, so they are warnings here and the
	 * first one's message is kept in output_error (malloc'd). */
	bool in_output;
	char *output_error;
	/* Heat's "(in a.Properties.x)" for reference errors: where_res,
	 * where_part and where_key joined by dots, as far as they are set. */
	const char *where_res, *where_part, *where_key;
	/* Where the references found so far go (from where_res), for
	 * dependencies; may be NULL. */
	struct graph_refs *refs;
	/* What function results added up to (bytes of text, items), shared
	 * by a whole stack tree: evaluation stops at EVAL_BUDGET. */
	size_t *spent;
	int depth;  /* of conditions being evaluated */
	bool whole; /* internal: see arg_value */
	int errors;
};

#define EVAL_BUDGET ((size_t)256 << 20)

/* Evaluates node (written in c->d) at path.  Returns 0 with *out a new
 * reference, 1 when the value is omitted (a two-argument `if` whose
 * condition is false: the caller drops the map entry or list item), -1
 * after reporting an error. */
int eval_value(struct eval_ctx *c, json_t *node, const struct path *path, json_t **out);

/* Evaluates the condition named name (memoised in c->cond_cache, loops
 * refused).  -1 after an error. */
int eval_named_condition(struct eval_ctx *c, const char *name, bool *out);

/* A condition operand: a boolean, a condition's name or an expression. */
int eval_condition(struct eval_ctx *c, json_t *node, const struct path *path, bool *out);

#endif
