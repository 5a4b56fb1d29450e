/* Validation pipeline (see validate.h). */
#include "engine/validate.h"

#include "engine/functions.h"
#include "engine/sections.h"
#include "engine/version.h"

int validate_template(const struct doc *d, struct diags *dg)
{
	int v = version_detect(d, dg);

	if (v < 0)
		return diags_count(dg, DIAG_ERROR);
	sections_check(d, (enum hot_version)v, dg);
	fn_scan(d, (enum hot_version)v, dg);
	return diags_count(dg, DIAG_ERROR);
}
