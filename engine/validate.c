/* Validation pipeline (see validate.h). */
#include "engine/validate.h"

#include "engine/conditions.h"
#include "engine/functions.h"
#include "engine/graph.h"
#include "engine/params.h"
#include "engine/sections.h"
#include "engine/version.h"

int validate_template(const struct doc *d, struct diags *dg)
{
	int v = version_detect(d, dg);

	if (v < 0)
		return diags_count(dg, DIAG_ERROR);
	sections_check(d, (enum hot_version)v, dg);
	params_check(d, (enum hot_version)v, dg);
	cond_check(d, (enum hot_version)v, dg);
	fn_scan(d, (enum hot_version)v, dg);
	{
		struct graph *g = graph_build(d, (enum hot_version)v, dg);

		if (!g)
			diag_add(dg, DIAG_ERROR, d, doc_root(d), NULL, NULL, "out of memory");
		graph_free(&g);
	}
	return diags_count(dg, DIAG_ERROR);
}
