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

/* Adds a reference_valid case per template in one reference folder. */
static int reference_cases(const char *sub, struct tap_case *cases, int n, int max)
{
	const char *src = getenv("HEARTH_TEST_SRCDIR");
	char dir[1024];
	struct dirent **list;
	int k;

	snprintf(dir, sizeof(dir), "%s/tests/data/reference/%s", src ? src : ".", sub);
	k = scandir(dir, &list, NULL, alphasort);
	if (k < 0) {
		printf("Bail out! cannot read %s\n", dir);
		return -1;
	}
	for (int i = 0; i < k; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);

		/* Environments are not templates. */
		if (len > 5 && strcmp(name + len - 5, ".yaml") == 0 &&
		    strcmp(name, "env.yaml") != 0 && n < max) {
			size_t sz = strlen(dir) + len + 2;
			char *path = malloc(sz);

			snprintf(path, sz, "%s/%s", dir, name);
			cases[n++] = (struct tap_case){strstr(path, "reference/") + 10,
						       reference_valid, path};
		}
		free(list[i]);
	}
	free(list);
	return n;
}

int main(void)
{
	struct tap_case cases[512];
	int n = tap_data_cases("validate", data_case, cases, 0, 512), rc;

	if (n < 0 || (n = reference_cases("heat-tutorial", cases, n, 512)) < 0 ||
	    (n = reference_cases("heat-tutorial/lib", cases, n, 512)) < 0)
		return 1;
	rc = tap_run(cases, n);
	tap_free_data(cases, n);
	return rc;
}
