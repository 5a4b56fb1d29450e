/* Template shape checks (see sections.h).  Messages are Heat's where Heat
 * has one, so that people searching for them find the same explanations;
 * unlike Heat, every error is reported, not only the first. */
#include "engine/sections.h"

#include <string.h>

#include "common/text.h"
#include "engine/pyjson.h"

struct ctx {
	const struct doc *d;
	enum hot_version v;
	struct diags *dg;
	int errors;
};

static void check_resource(struct ctx *c, json_t *resources, const char *name, json_t *r)
{
	static const char *const keys_2013[] = {
		"type",          "properties",  "metadata", "depends_on", "deletion_policy",
		"update_policy", "description", NULL};
	static const char *const keys_2016[] = {
		"type",          "properties",  "metadata",    "depends_on", "deletion_policy",
		"update_policy", "description", "external_id", "condition",  NULL};
	/* the keywords' values, gathered on the one walk over the keys */
	json_t *type = NULL, *props = NULL, *md = NULL, *upd = NULL, *desc = NULL, *deps = NULL,
	       *del = NULL, *ext = NULL, *cond = NULL, *v;
	char path[512];
	const char *k;

	snprintf(path, sizeof(path), "resources.%s", name);
	if (!json_is_object(r)) {
		DIAG_ERR(c, resources, name, path,
			 "Resources must contain Resource. Found a [<class '%s'>] instead",
			 pyjson_type(r));
		return;
	}
	json_object_foreach (r, k, v) {
		json_t **slot = strcmp(k, "type") == 0              ? &type
				: strcmp(k, "properties") == 0      ? &props
				: strcmp(k, "metadata") == 0        ? &md
				: strcmp(k, "depends_on") == 0      ? &deps
				: strcmp(k, "deletion_policy") == 0 ? &del
				: strcmp(k, "update_policy") == 0   ? &upd
				: strcmp(k, "description") == 0     ? &desc
				: strcmp(k, "external_id") == 0     ? &ext
				: strcmp(k, "condition") == 0       ? &cond
								    : NULL;

		if (!text_in(k, c->v >= HOT_2016_10_14 ? keys_2016 : keys_2013))
			DIAG_ERR_KEY(c, r, k, path,
				     "\"%s\" is not a valid keyword inside a resource definition",
				     k);
		if (slot)
			*slot = v;
	}
	v = type;
	if (!v)
		DIAG_ERR_KEY(c, resources, name, path, "Each resource must contain a type key.");
	else if (!json_is_string(v))
		DIAG_ERR(c, r, "type", path, "Resource %s type type must be string", name);

	v = props;
	if (v && !json_is_object(v) && !json_is_null(v))
		DIAG_ERR(c, r, "properties", path, "Resource %s properties type must be object",
			 name);
	v = md;
	if (v && !json_is_object(v) && !json_is_null(v))
		DIAG_ERR(c, r, "metadata", path, "Resource %s metadata type must be object", name);
	v = upd;
	if (v && !json_is_object(v) && !json_is_null(v))
		DIAG_ERR(c, r, "update_policy", path,
			 "Resource %s update_policy type must be object", name);
	v = desc;
	if (v && !json_is_string(v))
		DIAG_ERR(c, r, "description", path, "Resource %s description type must be string",
			 name);

	v = deps;
	if (json_is_array(v)) {
		size_t i;
		json_t *item;

		json_array_foreach (v, i, item) {
			if (!json_is_string(item)) {
				DIAG_ERR(c, v, NULL, path,
					 "Resource %s depends_on must be a list of strings", name);
				break;
			}
		}
	} else if (v && !json_is_string(v) && !json_is_null(v)) {
		DIAG_ERR(c, r, "depends_on", path,
			 "Resource %s depends_on type must be list or string", name);
	}

	v = del;
	if (json_is_string(v)) {
		static const char *const upper[] = {"Delete", "Retain", "Snapshot", NULL};
		static const char *const lower[] = {"delete", "retain", "snapshot", NULL};
		const char *p = json_string_value(v);

		if (!text_in(p, upper) && !(c->v >= HOT_2016_10_14 && text_in(p, lower)))
			DIAG_ERR(c, r, "deletion_policy", path, "Invalid deletion policy \"%s\"",
				 p);
	} else if (v && !json_is_object(v) && !json_is_null(v)) {
		DIAG_ERR(c, r, "deletion_policy", path,
			 "Resource %s deletion_policy type must be string", name);
	}
	v = ext;
	if (v && !json_is_string(v) && !json_is_object(v) && !json_is_null(v))
		DIAG_ERR(c, r, "external_id", path, "Resource %s external_id type must be string",
			 name);
	v = cond;
	if (v && !json_is_string(v) && !json_is_boolean(v) && !json_is_object(v) &&
	    !json_is_null(v))
		DIAG_ERR(c, r, "condition", path,
			 "Resource %s condition must be a condition name, a boolean or a condition "
			 "function",
			 name);
}

static void check_output(struct ctx *c, json_t *outputs, const char *name)
{
	json_t *o = json_object_get(outputs, name);
	char path[512];

	snprintf(path, sizeof(path), "outputs.%s", name);
	if (!json_is_object(o)) {
		DIAG_ERR(c, outputs, name, path,
			 "Output definitions must be a map. Found a %s instead", pyjson_type(o));
		return;
	}
	if (!json_object_get(o, "value"))
		DIAG_ERR_KEY(c, outputs, name, path,
			     "Each output definition must contain a value key.");
	/* Other keys are ignored by Heat's validation (hot-spec §1.4). */
}

int sections_check(const struct doc *d, enum hot_version v, struct diags *dg)
{
	static const char *const sections_2013[] = {"heat_template_version",
						    "description",
						    "parameter_groups",
						    "parameters",
						    "resources",
						    "outputs",
						    NULL};
	static const char *const sections_2016[] = {"heat_template_version",
						    "description",
						    "parameter_groups",
						    "parameters",
						    "resources",
						    "outputs",
						    "conditions",
						    NULL};
	struct ctx c = {d, v, dg, 0};
	json_t *root = doc_root(d), *s;
	const char *k;
	json_t *val;

	json_object_foreach (root, k, val) {
		if (!text_in(k, v >= HOT_2016_10_14 ? sections_2016 : sections_2013))
			DIAG_ERR_KEY(&c, root, k, NULL, "The template section is invalid: %s", k);
	}
	/* Any section may be null: it is then empty. */
	s = json_object_get(root, "resources");
	if (json_is_object(s)) {
		json_object_foreach (s, k, val)
			check_resource(&c, s, k, val);
	} else if (s && !json_is_null(s)) {
		DIAG_ERR(&c, root, "resources", "resources",
			 "The resources section must be a map of names to resource definitions, "
			 "found a %s",
			 pyjson_type(s));
	}
	s = json_object_get(root, "outputs");
	if (json_is_object(s)) {
		json_object_foreach (s, k, val)
			check_output(&c, s, k);
	} else if (s && !json_is_null(s)) {
		DIAG_ERR(
			&c, root, "outputs", "outputs",
			"The outputs section must be a map of names to output definitions, found a %s",
			pyjson_type(s));
	}
	s = json_object_get(root, "parameters");
	if (s && !json_is_object(s) && !json_is_null(s))
		DIAG_ERR(&c, root, "parameters", "parameters",
			 "The parameters section must be a map of names to parameter definitions, "
			 "found a %s",
			 pyjson_type(s));
	s = json_object_get(root, "parameter_groups");
	if (s && !json_is_array(s) && !json_is_null(s))
		DIAG_ERR(&c, root, "parameter_groups", "parameter_groups",
			 "The parameter_groups section must be a list, found a %s", pyjson_type(s));
	s = json_object_get(root, "conditions");
	if (v >= HOT_2016_10_14 && s && !json_is_object(s) && !json_is_null(s))
		DIAG_ERR(&c, root, "conditions", "conditions",
			 "Condition definitions must be a map. Found a %s instead", pyjson_type(s));
	return c.errors;
}
