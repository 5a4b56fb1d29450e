/* The shape of a template: its sections, each resource's keys and each
 * output's keys, per version (hot-spec §1.4).  Functions, parameters and
 * references are checked by later stages. */
#ifndef HEARTH_SECTIONS_H
#define HEARTH_SECTIONS_H

#include "engine/diag.h"
#include "engine/load.h"
#include "engine/version.h"

/* Adds every shape error of the template to dg; returns how many. */
int sections_check(const struct doc *d, enum hot_version v, struct diags *dg);

#endif
