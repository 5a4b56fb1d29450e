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

#endif
