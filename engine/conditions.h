/* The conditions section and its uses (hot-spec §2.4): each definition a
 * boolean or a condition function (get_param, equals, not, and, or; yaql
 * and contains from 2017-09-01), names referenced only inside not/and/or,
 * no definition reaching itself, and every resource's and output's
 * `condition` naming a condition that exists.  Evaluating them comes with
 * parameter values. */
#ifndef HEARTH_CONDITIONS_H
#define HEARTH_CONDITIONS_H

#include "engine/diag.h"
#include "engine/load.h"
#include "engine/version.h"

/* Adds every error of the conditions grammar to dg; returns how many. */
int cond_check(const struct doc *d, enum hot_version v, struct diags *dg);

/* Checks one condition operand (the first argument of `if`, say): a
 * boolean, the name of a condition, or a condition expression. */
int cond_check_operand(const struct doc *d, enum hot_version v, struct diags *dg, json_t *node,
		       const char *path);

#endif
