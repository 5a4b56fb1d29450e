/* Template validation.  Every folder under tests/data/validate/ holds a
 * template.yaml and an "expect" file: the findings, one per line, in
 * file:line:col order, with NAME standing for the template's path; an
 * empty expect means the template is valid. */
#include "engine/graph.h"
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

/* Batches: independent resources together, each after what it requires;
 * a long chain stays linear (no recursion). */
static void batches(void)
{
	const char *text = "heat_template_version: 2016-10-14\n"
			   "resources:\n"
			   "  db: {type: OS::Heat::None}\n"
			   "  net: {type: OS::Heat::None}\n"
			   "  web: {type: OS::Heat::None, depends_on: [db, net]}\n"
			   "  lb:\n"
			   "    type: OS::Heat::Value\n"
			   "    properties: {value: {get_attr: [web, value]}}\n"
			   "  mon: {type: OS::Heat::None, depends_on: net}\n";
	struct herr e = HERR_INIT;
	struct diags *dg = diags_new();
	struct doc *d = load_template("t.yaml", text, strlen(text), NULL, &e);
	struct graph *g = d ? graph_build(d, HOT_2016_10_14, dg) : NULL;
	int batch[5], nb;
	const int *deps;
	char *chain;
	size_t n = 0, cap = 20000 * 64;

	CHECK(g != NULL && diags_total(dg) == 0);
	if (!g)
		goto out;
	/* Numbered in name order: db, lb, mon, net, web. */
	CHECK_STR(graph_name(g, 0), "db");
	CHECK_STR(graph_name(g, 4), "web");
	nb = graph_batches(g, batch);
	CHECK(nb == 3);
	CHECK(batch[0] == 0 && batch[3] == 0); /* db, net */
	CHECK(batch[2] == 1 && batch[4] == 1); /* mon, web */
	CHECK(batch[1] == 2);                  /* lb */
	CHECK(graph_requires(g, 4, &deps) == 2 && deps[0] == 0 && deps[1] == 3);
	graph_free(&g);
	doc_free(&d);

	/* A chain of 20,000. */
	chain = malloc(cap);
	n += (size_t)snprintf(chain + n, cap - n,
			      "heat_template_version: 2013-05-23\nresources:\n");
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(chain + n, cap - n,
				      i ? "  r%05d: {type: OS::Heat::None, depends_on: r%05d}\n"
					: "  r%05d: {type: OS::Heat::None}\n",
				      i, i - 1);
	d = load_template("chain.yaml", chain, n, &(struct load_limits){cap, 512}, &e);
	g = d ? graph_build(d, HOT_2013_05_23, dg) : NULL;
	CHECK(g != NULL);
	if (g) {
		int *b = malloc(20000 * sizeof(int));

		CHECK(graph_batches(g, b) == 20000);
		CHECK(b[19999] == 19999);
		free(b);
	}
	free(chain);
out:
	graph_free(&g);
	doc_free(&d);
	diags_free(&dg);
}

/* A default longer than any fixed buffer is checked whole. */
static void long_default(void)
{
	size_t cap = 16384, n = 0;
	char *text = malloc(cap);
	struct herr e = HERR_INIT;
	struct diags *dg = diags_new();
	struct doc *d;

	n += (size_t)snprintf(text + n, cap - n,
			      "heat_template_version: 2013-05-23\nparameters:\n  s:\n"
			      "    type: string\n    constraints: [{length: {max: 4999}}]\n"
			      "    default: ");
	memset(text + n, 'x', 5000);
	n += 5000;
	n += (size_t)snprintf(text + n, cap - n,
			      "\n  l:\n    type: comma_delimited_list\n"
			      "    constraints: [{length: {max: 1}}]\n    default: ");
	memset(text + n, 'y', 5000);
	n += 5000;
	text[n++] = ',';
	text[n++] = 'z';
	text[n++] = '\n';
	d = load_template("long.yaml", text, n, NULL, &e);
	CHECK(d != NULL);
	if (d) {
		validate_template(d, dg);
		CHECK(diags_total(dg) == 2);
		CHECK(diags_total(dg) > 0 &&
		      strstr(diags_line(dg, 0),
			     "(length (5000) is out of range (min: None, max: 4999))"));
		CHECK(diags_total(dg) > 1 &&
		      strstr(diags_line(dg, 1),
			     "(length (2) is out of range (min: None, max: 1))"));
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
	cases[n++] = (struct tap_case){"graph batches, and a chain of 20,000", batches, NULL};
	cases[n++] = (struct tap_case){"defaults longer than any buffer", long_default, NULL};
	rc = tap_run(cases, n);
	tap_free_data(cases, n);
	return rc;
}
