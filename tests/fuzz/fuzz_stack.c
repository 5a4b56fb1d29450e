/* Fuzz target: load → validate → resolve.  The input is the template,
 * and also the only file of the files map (as "nested.yaml" and
 * "nested.template"), so a template that uses itself as a template
 * resource or group member exercises nesting down to the depth limit. */
#include <stdlib.h>

#include "engine/stack.h"
#include "tests/fuzz/fuzz.h"

static void define(const struct doc *d, json_t *files, enum eval_mode mode)
{
	struct stack_opts o = STACK_OPTS_DEFAULT;
	struct diags *dg = diags_new();
	json_t *def;

	o.mode = mode;
	o.files = files;
	o.max_resources = 200; /* keeps self-nesting cheap */
	def = stack_define(d, &o, dg);
	if (!def)
		abort(); /* only out of memory may give no definition */
	for (int i = 0; i < diags_total(dg); i++)
		if (!diags_line(dg, i))
			abort();
	json_decref(def);
	diags_free(&dg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct herr e = HERR_INIT;
	struct doc *d = load_template("fuzz.yaml", (const char *)data, size, NULL, &e);
	json_t *files;

	if (!d)
		return 0;
	files = json_object();
	json_object_set_new(files, "nested.yaml", json_stringn((const char *)data, size));
	json_object_set_new(files, "nested.template", json_stringn((const char *)data, size));
	define(d, files, EVAL_VALIDATE);
	define(d, files, EVAL_RESOLVE);
	json_decref(files);
	doc_free(&d);
	return 0;
}
