/* Parameters: each parameter's schema (type, keys per version,
 * constraints and their applicability), its default converted to its type
 * and checked against its constraints, and parameter_groups (hot-spec §3).
 * Values supplied by users and environments come later. */
#ifndef HEARTH_PARAMS_H
#define HEARTH_PARAMS_H

#include "engine/diag.h"
#include "engine/load.h"
#include "engine/version.h"

/* Adds every parameter error to dg; returns how many. */
int params_check(const struct doc *d, enum hot_version v, struct diags *dg);

enum params_missing { PARAMS_MISSING_ERROR, PARAMS_MISSING_WARN, PARAMS_MISSING_QUIET };

/* The typed value of every parameter (hot-spec §3.2-3.4): from given (the
 * user's values: the environment's `parameters`, or a template resource's
 * properties; borrowed, may be NULL), else from defaults (the
 * environment's `parameter_defaults`), else the template's default;
 * converted to the parameter's type and checked against its constraints
 * (custom ones aside).  The pseudo parameters (borrowed) are added as
 * they are.  Findings go to dg: names in given that the template does not
 * declare, values that do not convert or satisfy a constraint ("Parameter
 * 'p' is invalid: ..."), placed where the value was written when it is
 * one of the where docs (environment files), else at the parameter; all
 * missing values in one finding at the `parameters` key: an error, a
 * warning (validation without values) or nothing (when an earlier error,
 * in the environment, explains them), as `how` says.  A missing or
 * bad value is eval_unknown() in the result.  Returns a new object, NULL
 * when out of memory. */
json_t *params_values(const struct doc *d, enum hot_version v, json_t *given, json_t *defaults,
		      json_t *pseudo, const struct doc *const *where, int nwhere,
		      enum params_missing how, struct diags *dg);

#endif
