/* Fuzz target: the template loader (JSON first, then YAML), a walk of the
 * result asking for every node's mark, and validation. */
#include <stdlib.h>

#include "engine/load.h"
#include "engine/validate.h"
#include "tests/fuzz/fuzz.h"

static void walk(const struct doc *d, json_t *node, int depth)
{
	struct mark m;
	const char *k;
	json_t *v;
	size_t i;

	if (depth > 600)
		abort(); /* deeper than the loader allows */
	doc_mark(d, node, &m);
	if (json_is_object(node))
		json_object_foreach (node, k, v) {
			doc_key_mark(d, node, k, &m);
			walk(d, v, depth + 1);
		}
	else if (json_is_array(node))
		json_array_foreach (node, i, v)
			walk(d, v, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct herr e = HERR_INIT;
	struct doc *d = load_template("fuzz.yaml", (const char *)data, size, NULL, &e);

	if (!d) {
		if (!e.msg[0])
			abort(); /* every failure must say why */
		return 0;
	}
	if (!json_is_object(doc_root(d)))
		abort();
	walk(d, doc_root(d), 0);
	{
		struct diags *dg = diags_new();
		int errors = validate_template(d, dg);

		if (errors != diags_count(dg, DIAG_ERROR))
			abort();
		for (int i = 0; i < diags_total(dg); i++)
			if (!diags_line(dg, i))
				abort();
		diags_free(&dg);
	}
	doc_free(&d);
	return 0;
}
