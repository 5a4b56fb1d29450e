/* The template corpus: every folder of tests/data/templates/ run through
 * stack_define in RESOLVE mode, as `hearth template resolve` runs it; the
 * folder's expect (findings) and expected.json (the resolved stack) are
 * compared.  See tests/data/templates/README.md. */
#include <sys/stat.h>

#include "cli/inputs.h"
#include "engine/stack.h"
#include "tests/tap.h"

#define MAX_ENVS 16

static int is_env(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return strncmp(de->d_name, "env", 3) == 0 && n > 5 &&
	       strcmp(de->d_name + n - 5, ".yaml") == 0;
}

/* params: name=value lines. */
static json_t *read_params(const char *dir)
{
	char path[1024], *text, *line, *save = NULL;
	json_t *params;

	snprintf(path, sizeof(path), "%s/params", dir);
	if (!(text = tap_slurp(path, NULL)))
		return NULL;
	params = json_object();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq) {
			printf("# params: no '=' in \"%s\"\n", line);
			CHECK(!"params line without =");
			continue;
		}
		*eq = '\0';
		json_object_set_new(params, line, json_string(eq + 1));
	}
	free(text);
	return params;
}

/* The lines of findings, the case folder taken off every file name in
 * them (messages name files too). */
static json_t *finding_lines(struct diags *dg, const char *dir)
{
	json_t *lines = json_array();
	size_t dl = strlen(dir);

	for (int i = 0; i < diags_total(dg); i++) {
		const char *l = diags_line(dg, i), *p;
		char buf[4096];
		size_t n = 0;

		while ((p = strstr(l, dir)) && p[dl] == '/' && n + (size_t)(p - l) < sizeof(buf)) {
			memcpy(buf + n, l, (size_t)(p - l));
			n += (size_t)(p - l);
			l = p + dl + 1;
		}
		snprintf(buf + n, sizeof(buf) - n, "%s", l);
		json_array_append_new(lines, json_string(buf));
	}
	return lines;
}

static void compare_findings(json_t *got, const char *dir, struct diags *dg)
{
	char path[1024], *expect, *line, *save = NULL;
	size_t i = 0;

	snprintf(path, sizeof(path), "%s/expect", dir);
	expect = tap_slurp(path, NULL);
	if (!expect) { /* no expect: no error */
		if (diags_count(dg, DIAG_ERROR)) {
			for (i = 0; i < json_array_size(got); i++)
				printf("#   %s\n", json_string_value(json_array_get(got, i)));
			CHECK(!"errors where none are expected");
		}
		return;
	}
	for (line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++)
		CHECK_STR(json_string_value(json_array_get(got, i)), line);
	if (json_array_size(got) > i) {
		printf("# %zu unexpected finding(s):\n", json_array_size(got) - i);
		for (; i < json_array_size(got); i++)
			printf("#   %s\n", json_string_value(json_array_get(got, i)));
		CHECK(!"unexpected findings");
	}
	free(expect);
}

/* Compares each key of want with got's; under "nested", each nested
 * stack the same way (only the keys given). */
static void compare_keys(json_t *got, json_t *want, const char *where)
{
	json_t *w;
	const char *k;

	json_object_foreach (want, k, w) {
		json_t *g = json_object_get(got, k), *empty = json_object();

		if (!g)
			g = empty;
		if (strcmp(k, "nested") == 0 && json_is_object(w)) {
			const char *name;
			json_t *sub;
			char here[512];

			json_object_foreach (w, name, sub) {
				snprintf(here, sizeof(here), "%snested.%s.", where, name);
				if (!json_object_get(g, name)) {
					printf("# no nested stack %.*s\n", (int)strlen(here) - 1,
					       here);
					CHECK(!"a nested stack is missing");
				} else {
					compare_keys(json_object_get(g, name), sub, here);
				}
			}
		} else if (!json_equal(g, w)) {
			char *gt = json_dumps(g, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
			char *wt = json_dumps(w, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);

			printf("# %s%s differs\n#   got:  %s\n#   want: %s\n", where, k, gt, wt);
			free(gt);
			free(wt);
			CHECK(!"resolved stack differs from expected.json");
		}
		json_decref(empty);
	}
}

static void compare_result(json_t *got, const char *dir)
{
	char path[1024];
	json_error_t je;
	json_t *want;

	snprintf(path, sizeof(path), "%s/expected.json", dir);
	want = json_load_file(path, JSON_DECODE_ANY, &je);
	if (!want) {
		struct stat st;

		if (stat(path, &st) == 0) {
			printf("# %s:%d: %s\n", path, je.line, je.text);
			CHECK(!"expected.json does not parse");
		}
		return;
	}
	compare_keys(got, want, "");
	json_decref(want);
}

static void corpus_case(void)
{
	const char *dir = tap_data;
	struct stack_opts o = STACK_OPTS_DEFAULT;
	const struct doc *envs[MAX_ENVS];
	struct doc *tmpl = NULL, *owned[MAX_ENVS] = {0};
	struct dirent **list = NULL;
	struct diags *dg = diags_new();
	struct herr e = HERR_INIT;
	json_t *files = NULL, *params, *attrs, *result = NULL, *lines = NULL;
	char path[1024];
	struct stat st;
	bool tmpl_ok = true;
	int n;

	snprintf(path, sizeof(path), "%s/template.yaml", dir);
	if (stat(path, &st) < 0)
		snprintf(path, sizeof(path), "%s/template.json", dir);
	tmpl = inputs_load(path, false, NULL, &e);
	n = scandir(dir, &list, is_env, alphasort);
	for (int i = 0; i < n; i++) {
		char ep[1024];

		snprintf(ep, sizeof(ep), "%s/%s", dir, list[i]->d_name);
		if (i < MAX_ENVS && !(owned[i] = inputs_load(ep, true, NULL, &e)))
			tmpl_ok = false;
		envs[i < MAX_ENVS ? i : 0] = owned[i < MAX_ENVS ? i : 0];
		free(list[i]);
	}
	free(list);
	snprintf(path, sizeof(path), "%s/files", dir);
	if (stat(path, &st) == 0 && !(files = inputs_files_dir(path, 1000, 8 << 20, &e)))
		printf("# %s\n", e.msg);
	params = read_params(dir);
	snprintf(path, sizeof(path), "%s/attributes.json", dir);
	attrs = json_load_file(path, 0, NULL);

	if (!tmpl || !tmpl_ok) {
		/* An input that does not load: its one finding is the
		 * loader's message. */
		json_t *got = json_pack("[s]", strncmp(e.msg, dir, strlen(dir)) == 0
						       ? e.msg + strlen(dir) + 1
						       : e.msg);

		printf("# %s\n", e.msg);
		compare_findings(got, dir, dg);
		CHECK(diags_total(dg) == 0);
		json_decref(got);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/files/", dir);
	o.name = "test-stack";
	o.id = "11111111-2222-4333-8444-555555555555";
	o.project = "test-project";
	o.mode = EVAL_RESOLVE;
	o.files = files;
	o.files_prefix = path;
	o.params = params;
	o.envs = envs;
	o.nenv = n > 0 ? (n < MAX_ENVS ? n : MAX_ENVS) : 0;
	o.attributes = attrs;
	result = stack_define(tmpl, &o, dg);
	CHECK(result != NULL);
	lines = finding_lines(dg, dir);
	compare_findings(lines, dir, dg);
	if (result)
		compare_result(result, dir);
	/* Validation (what `hearth template validate` runs) knows less than
	 * resolution: every error it finds, resolution finds too. */
	{
		struct diags *vdg = diags_new();
		json_t *vdef, *vlines;
		size_t i, j;

		o.mode = EVAL_VALIDATE;
		vdef = stack_define(tmpl, &o, vdg);
		CHECK(vdef != NULL);
		vlines = finding_lines(vdg, dir);
		for (i = 0; i < json_array_size(vlines); i++) {
			const char *v = json_string_value(json_array_get(vlines, i));
			bool found = strstr(v, ": warning: ") != NULL;

			for (j = 0; !found && j < json_array_size(lines); j++)
				found = strcmp(v, json_string_value(json_array_get(lines, j))) == 0;
			if (!found) {
				printf("# validation alone finds: %s\n", v);
				CHECK(!"an error of validation that resolution does not find");
			}
		}
		json_decref(vlines);
		json_decref(vdef);
		diags_free(&vdg);
	}
out:
	json_decref(lines);
	json_decref(result);
	json_decref(files);
	json_decref(params);
	json_decref(attrs);
	for (int i = 0; i < MAX_ENVS; i++)
		doc_free(&owned[i]);
	doc_free(&tmpl);
	diags_free(&dg);
}

/* 23,000 conditions, each the negation of the next: refused by the
 * grammar check past 256 links, and never followed that deep (a stack
 * overflow before). */
static void deep_conditions(void)
{
	size_t cap = 2u << 20, n = 0;
	char *text = malloc(cap);
	struct stack_opts o = STACK_OPTS_DEFAULT;
	struct diags *dg = diags_new();
	struct herr e = HERR_INIT;
	struct doc *d;
	json_t *def;

	n += (size_t)snprintf(text + n, cap - n,
			      "{\"heat_template_version\": \"2016-10-14\", \"conditions\": {");
	for (int i = 0; i < 23000; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s\"c%d\": {\"not\": \"c%d\"}",
				      i ? ", " : "", i, i + 1);
	n += (size_t)snprintf(text + n, cap - n, ", \"c23000\": true}}");
	d = load_template("deep.json", text, n, &(struct load_limits){cap, 512}, &e);
	CHECK(d != NULL);
	def = d ? stack_define(d, &o, dg) : NULL;
	CHECK(def != NULL);
	CHECK(diags_count(dg, DIAG_ERROR) > 0);
	json_decref(def);
	doc_free(&d);
	diags_free(&dg);
	free(text);
}

/* A template whose 12 resources are each the template itself: the
 * resource limit stops the expansion at once instead of making 12^5
 * nested stacks. */
static void fan_out_limit(void)
{
	const char *text =
		"heat_template_version: 2016-10-14\nresources:\n"
		"  a: {type: self.yaml}\n  b: {type: self.yaml}\n  c: {type: self.yaml}\n"
		"  d: {type: self.yaml}\n  e: {type: self.yaml}\n  f: {type: self.yaml}\n"
		"  g: {type: self.yaml}\n  h: {type: self.yaml}\n  i: {type: self.yaml}\n"
		"  j: {type: self.yaml}\n  k: {type: self.yaml}\n  l: {type: self.yaml}\n";
	struct stack_opts o = STACK_OPTS_DEFAULT;
	struct diags *dg = diags_new();
	struct herr e = HERR_INIT;
	struct doc *d = load_template("self.yaml", text, strlen(text), NULL, &e);
	json_t *files = json_pack("{s:s}", "self.yaml", text), *def;
	int limit = 0;

	o.files = files;
	def = d ? stack_define(d, &o, dg) : NULL;
	CHECK(def != NULL);
	for (int i = 0; i < diags_total(dg); i++)
		limit += strstr(diags_line(dg, i), "Maximum resources per stack exceeded") != NULL;
	CHECK(limit == 1);
	json_decref(def);
	json_decref(files);
	doc_free(&d);
	diags_free(&dg);
}

/* Folders (README.md is not a case); HEARTH_CORPUS=prefix runs only the
 * cases whose names start with it. */
static int is_case(const char *name)
{
	const char *only = getenv("HEARTH_CORPUS");

	return strchr(name, '.') == NULL && (!only || strncmp(name, only, strlen(only)) == 0);
}

int main(void)
{
	static struct tap_case cases[2048];
	int n = tap_dir_cases("templates", is_case, corpus_case, cases, 0, 2048), rc;

	if (n < 0)
		return 1;
	if (!getenv("HEARTH_CORPUS")) {
		cases[n++] =
			(struct tap_case){"a 23,000-link condition chain", deep_conditions, NULL};
		cases[n++] = (struct tap_case){"self-nesting stops at the resource limit",
					       fan_out_limit, NULL};
	}
	rc = tap_run(cases, n);
	tap_free_data(cases, n);
	return rc;
}
