/* Version detection (see version.h). */
#include "engine/version.h"

#include <string.h>

static const struct {
	const char *date, *alias;
} versions[HOT_VERSION_COUNT] = {
	[HOT_2013_05_23] = {"2013-05-23", NULL},      [HOT_2014_10_16] = {"2014-10-16", NULL},
	[HOT_2015_04_30] = {"2015-04-30", NULL},      [HOT_2015_10_15] = {"2015-10-15", NULL},
	[HOT_2016_04_08] = {"2016-04-08", NULL},      [HOT_2016_10_14] = {"2016-10-14", "newton"},
	[HOT_2017_02_24] = {"2017-02-24", "ocata"},   [HOT_2017_09_01] = {"2017-09-01", "pike"},
	[HOT_2018_03_02] = {"2018-03-02", "queens"},  [HOT_2018_08_31] = {"2018-08-31", "rocky"},
	[HOT_2021_04_16] = {"2021-04-16", "wallaby"},
};

/* Heat's list in its error message: every name, sorted as strings (the
 * dates sort before the aliases). */
#define VERSION_LIST                                                                           \
	"2013-05-23, 2014-10-16, 2015-04-30, 2015-10-15, 2016-04-08, 2016-10-14, 2017-02-24, " \
	"2017-09-01, 2018-03-02, 2018-08-31, 2021-04-16, newton, ocata, pike, queens, rocky, " \
	"wallaby"

static const char *const version_keys[] = {"heat_template_version", "HeatTemplateFormatVersion",
					   "AWSTemplateFormatVersion"};

const char *version_name(enum hot_version v)
{
	return v < HOT_VERSION_COUNT ? versions[v].date : "?";
}

const char *version_alias(enum hot_version v)
{
	return v < HOT_VERSION_COUNT ? versions[v].alias : NULL;
}

int version_detect(const struct doc *d, struct diags *dg)
{
	const json_t *root = doc_root(d);
	const char *found[3];
	int nfound = 0, present = 0;
	const char *value;

	for (int i = 0; i < 3; i++) {
		const json_t *v = json_object_get(root, version_keys[i]);

		present += v != NULL;
		if (json_is_string(v))
			found[nfound++] = version_keys[i];
	}
	if (nfound > 1) {
		diag_add(dg, DIAG_ERROR, d, root, found[1], NULL,
			 "The template version is invalid: Ambiguous versions (%s, %s)", found[0],
			 found[1]);
		return -1;
	}
	if (nfound == 0) {
		if (present)
			diag_add(
				dg, DIAG_ERROR, d, root, "heat_template_version", NULL,
				"The template version is invalid: Template version was not provided");
		else
			diag_add(dg, DIAG_ERROR, d, root, NULL, NULL,
				 "Template format version not found.");
		return -1;
	}
	value = json_string_value(json_object_get(root, found[0]));
	if (strcmp(found[0], "heat_template_version") != 0) {
		diag_add(dg, DIAG_ERROR, d, root, found[0], NULL,
			 "CloudFormation-format templates (%s) are not supported; write HOT "
			 "(heat_template_version)",
			 found[0]);
		return -1;
	}
	for (int v = 0; v < HOT_VERSION_COUNT; v++)
		if (strcmp(value, versions[v].date) == 0 ||
		    (versions[v].alias && strcmp(value, versions[v].alias) == 0))
			return v;
	diag_add(dg, DIAG_ERROR, d, root, found[0], NULL,
		 "The template version is invalid: \"heat_template_version: %s\". "
		 "\"heat_template_version\" should be one of: " VERSION_LIST,
		 value);
	return -1;
}
