/* The template loader.  Every folder under tests/data/load/ holds an
 * input.yaml or input.json and either expect.json (the tree, as PyYAML with
 * Heat's settings builds it) or expect-error (the message, NAME standing
 * for the input's path), and optionally marks: lines of
 *     node PATH LINE:COL   where the node at PATH starts
 *     key PATH LINE:COL    where the last key of PATH was written
 * with PATH like a.b[2].c.  Then limits, which need generated inputs. */
#include "engine/load.h"
#include "tests/tap.h"

/* Walks PATH; with key_of set, stops at the parent and names the key. */
static json_t *walk(json_t *root, const char *path, json_t **parent, char *last, size_t lastsize)
{
	json_t *cur = root;
	const char *p = path;

	*parent = NULL;
	last[0] = '\0';
	while (*p && cur) {
		if (*p == '[') {
			long i = strtol(p + 1, (char **)&p, 10);
			*parent = NULL;
			cur = json_array_get(cur, (size_t)i);
			p++; /* ] */
		} else {
			size_t n = strcspn(p, ".[");
			snprintf(last, lastsize, "%.*s", (int)n, p);
			*parent = cur;
			cur = json_object_get(cur, last);
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return cur;
}

static void check_marks(const struct doc *d, const char *dir)
{
	char path[1024], *text, *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/marks", dir);
	text = tap_slurp(path, NULL);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind[8], tpath[256], last[256], got[32];
		unsigned l, c;
		json_t *parent, *node;
		struct mark m = {0, 0};

		if (sscanf(line, "%7s %255s %u:%u", kind, tpath, &l, &c) != 4)
			continue;
		node = walk(doc_root(d), tpath, &parent, last, sizeof(last));
		if (strcmp(kind, "key") == 0)
			CHECK(parent && doc_key_mark(d, parent, last, &m));
		else
			CHECK(node && doc_mark(d, node, &m));
		snprintf(got, sizeof(got), "%u:%u", m.line, m.col);
		snprintf(path, sizeof(path), "%u:%u", l, c);
		if (strcmp(got, path) != 0)
			printf("# %s %s\n", kind, tpath);
		CHECK_STR(got, path);
	}
	free(text);
}

static void data_case(void)
{
	char in[1024], exp[1024], want[2048];
	struct herr e = HERR_INIT;
	struct doc *d;
	char *text, *expect;
	size_t len;

	snprintf(in, sizeof(in), "%s/input.yaml", tap_data);
	text = tap_slurp(in, &len);
	if (!text) {
		snprintf(in, sizeof(in), "%s/input.json", tap_data);
		text = tap_slurp(in, &len);
	}
	CHECK(text != NULL);
	if (!text)
		return;
	d = load_template(in, text, len, NULL, &e);
	snprintf(exp, sizeof(exp), "%s/expect-error", tap_data);
	expect = tap_slurp(exp, NULL);
	if (expect) {
		char *name = strstr(expect, "NAME");

		expect[strcspn(expect, "\n")] = '\0';
		snprintf(want, sizeof(want), "%.*s%s%s", (int)(name ? name - expect : 0), expect,
			 name ? in : "", name ? name + 4 : expect);
		CHECK(d == NULL);
		CHECK_STR(e.msg, want);
	} else {
		json_t *wanted;

		snprintf(exp, sizeof(exp), "%s/expect.json", tap_data);
		wanted = json_load_file(exp, 0, NULL);
		if (!d)
			printf("# %s\n", e.msg);
		CHECK(d != NULL && wanted != NULL);
		if (d && wanted && !json_equal(doc_root(d), wanted)) {
			char *g = json_dumps(doc_root(d), JSON_SORT_KEYS);
			printf("# got  %s\n", g);
			free(g);
			CHECK(!"tree differs from expect.json");
		}
		if (d)
			check_marks(d, tap_data);
		json_decref(wanted);
	}
	free(expect);
	free(text);
	doc_free(&d);
}

static void size_limit(void)
{
	struct load_limits lim = {64, 512};
	struct herr e = HERR_INIT;
	char text[100];

	memset(text, 'a', sizeof(text));
	text[0] = '#';
	CHECK(load_template("t.yaml", text, sizeof(text), &lim, &e) == NULL);
	CHECK_STR(
		e.msg,
		"t.yaml: Request limit exceeded: Template size (100 bytes) exceeds maximum allowed size (64 bytes).");
	CHECK(e.code == HERR_TOO_BIG);
}

static void depth_limit(void)
{
	struct load_limits lim = {1 << 20, 100};
	struct herr e = HERR_INIT;
	char text[1000];
	struct doc *d;
	int n = 0;

	n += snprintf(text + n, sizeof(text) - (size_t)n, "a: ");
	for (int i = 0; i < 150; i++)
		text[n++] = '[';
	for (int i = 0; i < 150; i++)
		text[n++] = ']';
	text[n] = '\0';
	CHECK(load_template("deep.yaml", text, (size_t)n, &lim, &e) == NULL);
	CHECK_STR(e.msg, "deep.yaml:1:103: nested more than 100 levels deep");
	herr_clear(&e);
	/* At the limit itself it loads. */
	n = snprintf(text, sizeof(text), "a: ");
	for (int i = 0; i < 99; i++)
		text[n++] = '[';
	for (int i = 0; i < 99; i++)
		text[n++] = ']';
	d = load_template("deep.yaml", text, (size_t)n, &lim, &e);
	CHECK(d != NULL);
	doc_free(&d);
}

static void environment(void)
{
	struct herr e = HERR_INIT;
	struct doc *d;
	const char *env = "parameters:\n  key: 012\nresource_registry:\n  My::Type: t.yaml\n";

	d = load_environment("env.yaml", env, strlen(env), NULL, &e);
	CHECK(d != NULL);
	if (d)
		CHECK(json_integer_value(json_object_get(json_object_get(doc_root(d), "parameters"),
							 "key")) == 10);
	doc_free(&d);
	{
		/* A real environment: the tutorial's resource_registry. */
		const char *src = getenv("HEARTH_TEST_SRCDIR");
		char path[1024];
		size_t len;
		char *text;

		snprintf(path, sizeof(path), "%s/tests/data/reference/heat-tutorial/lib/env.yaml",
			 src ? src : ".");
		text = tap_slurp(path, &len);
		CHECK(text != NULL);
		d = text ? load_environment(path, text, len, NULL, &e) : NULL;
		CHECK(d && json_is_object(json_object_get(doc_root(d), "resource_registry")));
		doc_free(&d);
		free(text);
	}
	CHECK(load_environment("env.yaml", "[1]", 3, NULL, &e) == NULL);
	CHECK_STR(e.msg, "env.yaml:1:1: The environment is not a valid YAML mapping data type.");
}

/* Aliases share one node: a "billion laughs" document stays small. */
static void aliases_share(void)
{
	const char *text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
	struct herr e = HERR_INIT;
	struct doc *d = load_template("laughs.yaml", text, strlen(text), NULL, &e);
	json_t *root;

	CHECK(d != NULL);
	if (!d)
		return;
	root = doc_root(d);
	CHECK(json_array_get(json_object_get(root, "b"), 0) == json_object_get(root, "a"));
	CHECK(json_array_get(json_array_get(json_object_get(root, "d"), 9), 0) ==
	      json_object_get(root, "b"));
	doc_free(&d);
}

int main(void)
{
	struct tap_case cases[256];
	int n = tap_data_cases("load", data_case, cases, 0, 250), rc;

	if (n < 0)
		return 1;
	cases[n++] = (struct tap_case){"template size limit", size_limit, NULL};
	cases[n++] = (struct tap_case){"nesting depth limit", depth_limit, NULL};
	cases[n++] =
		(struct tap_case){"environments: YAML only, mapping required", environment, NULL};
	cases[n++] = (struct tap_case){"aliases share structure", aliases_share, NULL};
	rc = tap_run(cases, n);
	tap_free_data(cases, n);
	return rc;
}
