/* HOT versions: which heat_template_version a template declares, and what
 * each version allows (hot-spec §1.3, §1.4, §2.2). */
#ifndef HEARTH_VERSION_H
#define HEARTH_VERSION_H

#include <stdbool.h>

#include "engine/diag.h"
#include "engine/load.h"

/* In date order; comparisons between them are meaningful. */
enum hot_version {
	HOT_2013_05_23,
	HOT_2014_10_16,
	HOT_2015_04_30,
	HOT_2015_10_15,
	HOT_2016_04_08,
	HOT_2016_10_14, /* newton */
	HOT_2017_02_24, /* ocata */
	HOT_2017_09_01, /* pike */
	HOT_2018_03_02, /* queens */
	HOT_2018_08_31, /* rocky */
	HOT_2021_04_16, /* wallaby */
	HOT_VERSION_COUNT
};

/* Reads the version key of the template; returns the version, or -1 with
 * the error (in Heat's words) added to dg. */
int version_detect(const struct doc *d, struct diags *dg);
/* "2016-10-14" for HOT_2016_10_14. */
const char *version_name(enum hot_version v);
/* "newton" for HOT_2016_10_14; NULL for a version without one. */
const char *version_alias(enum hot_version v);

#endif
