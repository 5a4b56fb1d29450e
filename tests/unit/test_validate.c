/* Template validation.  Every folder under tests/data/validate/ holds a
 * template.yaml and an "expect" file: the findings, one per line, in
 * file:line:col order, with NAME standing for the template's path; an
 * empty expect means the template is valid. */
#include "engine/validate.h"
#include "tests/tap.h"

static void data_case(void)
{
	char in[1024], exp[1024], want[2048];
	struct herr e = HERR_INIT;
	struct diags *dg = diags_new();
	struct doc *d;
	char *text, *expect, *line, *save = NULL;
	size_t len;
	int i = 0;

	snprintf(in, sizeof(in), "%s/template.yaml", tap_data);
	snprintf(exp, sizeof(exp), "%s/expect", tap_data);
	text = tap_slurp(in, &len);
	expect = tap_slurp(exp, NULL);
	CHECK(text && expect);
	if (!text || !expect)
		goto out;
	d = load_template(in, text, len, NULL, &e);
	if (!d)
		printf("# %s\n", e.msg);
	CHECK(d != NULL);
	if (!d)
		goto out;
	validate_template(d, dg);
	for (line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char *name = strstr(line, "NAME");

		snprintf(want, sizeof(want), "%.*s%s%s", (int)(name ? name - line : 0), line,
			 name ? in : "", name ? name + 4 : line);
		CHECK_STR(diags_line(dg, i), want);
	}
	if (diags_total(dg) > i) {
		printf("# %d unexpected finding(s):\n", diags_total(dg) - i);
		for (; i < diags_total(dg); i++)
			printf("#   %s\n", diags_line(dg, i));
		CHECK(!"unexpected findings");
	}
	doc_free(&d);
out:
	diags_free(&dg);
	free(text);
	free(expect);
}

/* A real template from tests/data/reference/: it must load and validate
 * with no error. */
static void reference_valid(void)
{
	struct herr e = HERR_INIT;
	struct diags *dg = diags_new();
	struct doc *d;
	size_t len;
	char *text = tap_slurp(tap_data, &len);

	CHECK(text != NULL);
	d = text ? load_template(tap_data, text, len, NULL, &e) : NULL;
	if (!d)
		printf("# %s\n", e.msg);
	CHECK(d != NULL);
	if (d && validate_template(d, dg) > 0) {
		diags_print(dg, stdout);
		CHECK(!"the template has errors");
	}
	doc_free(&d);
	diags_free(&dg);
	free(text);
}

/* Templates, not environments. */
static int is_template(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".yaml") == 0 && strcmp(name, "env.yaml") != 0;
}

int main(void)
{
	struct tap_case cases[512];
	int n = tap_data_cases("validate", data_case, cases, 0, 512), rc;

	if (n < 0 ||
	    (n = tap_dir_cases("reference/heat-tutorial", is_template, reference_valid, cases, n,
			       512)) < 0 ||
	    (n = tap_dir_cases("reference/heat-tutorial/lib", is_template, reference_valid, cases,
			       n, 512)) < 0)
		return 1;
	rc = tap_run(cases, n);
	tap_free_data(cases, n);
	return rc;
}
