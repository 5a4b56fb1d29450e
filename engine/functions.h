/* Intrinsic functions: which names are functions in which version
 * (hot-spec §2.1, §2.2), and the scan that finds them in a template.
 * Evaluating them comes later. */
#ifndef HEARTH_FUNCTIONS_H
#define HEARTH_FUNCTIONS_H

#include <stdbool.h>

#include "engine/diag.h"
#include "engine/load.h"
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

#endif
