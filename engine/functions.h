/* Intrinsic functions: which names are functions in which version
 * (hot-spec §2.1, §2.2), and the scan that finds them in a template.
 * Evaluating them comes later. */
#ifndef HEARTH_FUNCTIONS_H
#define HEARTH_FUNCTIONS_H

#include <stdbool.h>

#include "engine/diag.h"
#include "engine/load.h"
#include "engine/path.h"
#include "engine/version.h"

enum fn_status {
	FN_NONE,      /* not a function in this version: plain data */
	FN_AVAILABLE, /* a function call */
	FN_REMOVED,   /* a function this version removed: an error */
};

/* What name means in a template of version v, outside conditions.  When it
 * is no function but one of a later version, *since is that version;
 * otherwise -1. */
enum fn_status fn_lookup(const char *name, enum hot_version v, int *since);

/* Finds every function in the places Heat evaluates them (resource
 * properties, metadata, deletion_policy, update_policy, external_id;
 * output values): errors for removed functions, for yaql (not supported
 * yet) and for get_param of an undeclared parameter, warnings for names
 * that are plain data here but
 * functions in a later version, condition functions used outside
 * conditions, and likely misspellings.  Returns the errors added. */
int fn_scan(const struct doc *d, enum hot_version v, struct diags *dg);

/* The same, leaving out the resources and outputs named in the objects
 * resources and outputs (may be NULL): those the evaluator walks, making
 * the checks below itself. */
int fn_scan_except(const struct doc *d, enum hot_version v, struct diags *dg, json_t *resources,
		   json_t *outputs);

/* The checks of one one-key map whose key is name, at path at: a removed
 * function or yaql (errors, or warnings when quiet), data that would be a
 * function in a later version, a condition function outside conditions,
 * a likely misspelling (warnings).  Returns the errors added. */
int fn_check_key(const struct doc *d, enum hot_version v, struct diags *dg, json_t *node,
		 const char *name, const struct path *at, bool quiet);

#endif
