/* A stack's definition: a template with its environment, files and
 * parameter values, its conditions decided, its resources' types
 * resolved through the registry, template resources and ResourceGroups
 * expanded into nested stacks, its functions evaluated and every
 * resource's properties checked against its type.  What `hearth template
 * validate|resolve` print, and what the engine creates stacks from. */
#ifndef HEARTH_STACK_H
#define HEARTH_STACK_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/diag.h"
#include "engine/eval.h"
#include "engine/load.h"

struct stack_opts {
	const char *name, *id, *project; /* the pseudo parameters' values */
	enum eval_mode mode;
	json_t *files;                 /* the files map, key → content; may be NULL */
	const char *files_prefix;      /* put before a key to name a file in findings */
	json_t *params;                /* the user's values (-P, a request's parameters) */
	const struct doc *const *envs; /* environment files, applied in order */
	int nenv;
	json_t *attributes;        /* RESOLVE: {resource: {attribute: value}}, root stack */
	json_t *ref_ids;           /* RESOLVE: {resource: reference id}, root stack; a
				      resource not in it is referred to by its name */
	int max_depth;             /* nested stacks below the root (Heat: 5) */
	int max_resources;         /* in the whole tree (Heat: 1000); -1: no limit */
	struct load_limits limits; /* for nested templates */
	bool mask_hidden;          /* hidden parameters' values as "******" in the result */
	bool require_params;       /* VALIDATE: a missing parameter value is an error (a
				      stack about to be made), not a warning */
};

#define STACK_OPTS_DEFAULT                                                                       \
	{                                                                                        \
		.name = "stack", .id = "00000000-0000-4000-8000-000000000000",                   \
		.project = "project", .mode = EVAL_VALIDATE, .files_prefix = "", .max_depth = 5, \
		.max_resources = 1000, .limits = LOAD_LIMITS_DEFAULT                             \
	}

/* Defines the stack of template tmpl.  Every finding goes to dg (the
 * stack is valid when diags_count(dg, DIAG_ERROR) is 0).  Returns a new
 * object (tests/data/templates/README.md): resources (name → resolved
 * properties), metadata, types, parameters, conditions, outputs,
 * output_errors, nested (name → the same for its nested stack), requires
 * (name → the names it requires) and batches (lists of names that can be
 * created concurrently, in order; absent when there is a cycle); in
 * VALIDATE mode values known only at create time are eval_unknown().
 * NULL when out of memory. */
json_t *stack_define(const struct doc *tmpl, const struct stack_opts *o, struct diags *dg);

/* A copy of v (new reference; unchanged parts shared) with every
 * occurrence of a secret (an array of strings) in its strings replaced by
 * stars: how hidden parameters' values are kept out of what is shown. */
json_t *stack_mask(json_t *v, json_t *secrets);

#endif
