/* hearth template validate|resolve|show|graph: the template engine run
 * offline on local files (see template.h).  Local files become what a
 * client would send: the template, environment files in order (as
 * environment_files), -P values (as the request's parameters) and a
 * folder as the files map. */
#include "cli/template.h"

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/inputs.h"
#include "engine/stack.h"
#include "engine/version.h"

#define MAX_ENVS        32
#define MAX_FILES       10000
#define MAX_FILES_BYTES (64u << 20)

struct topts {
	const char *sub, *file;
	const char *envs[MAX_ENVS];
	int nenv;
	json_t *params;
	const char *files_dir, *attributes, *stack_name;
	bool dot;
	int max_depth, max_resources; /* Heat's defaults: 5, 1000 */
	struct load_limits limits;
};

static void usage(FILE *out)
{
	fputs("Usage: hearth template COMMAND [OPTION]... TEMPLATE\n"
	      "Work on a HOT template offline: no hearthd is needed.\n"
	      "\n"
	      "Commands:\n"
	      "  validate   check everything a stack create would check: every error\n"
	      "             as file:line:col: path: message, warnings too; exit 0\n"
	      "             when valid, 1 when not, 2 when an input cannot be read\n"
	      "  resolve    evaluate every function as Heat's preview does and print\n"
	      "             each resource's properties and the outputs as JSON\n"
	      "             (reference ids are resource names; get_attr values come\n"
	      "             from --attributes, else null); hidden parameters masked\n"
	      "  show       print the parameters (hidden defaults masked), resources\n"
	      "             and outputs as the engine read them\n"
	      "  graph      print the dependencies and the batches in which resources\n"
	      "             can be created concurrently (Graphviz DOT with --dot)\n"
	      "\n"
	      "Options:\n"
	      "  -e, --environment FILE  an environment file; several are applied in\n"
	      "                          order, as Heat applies environment_files\n"
	      "  -P, --parameter K=V     a parameter value (repeatable)\n"
	      "  -f, --files-dir DIR     the files map: each file under DIR by its path\n"
	      "                          relative to DIR (for get_file and template\n"
	      "                          resources; nothing else is read from disk)\n"
	      "  -a, --attributes FILE   resolve: a JSON map {resource: {attribute:\n"
	      "                          value}} for get_attr\n"
	      "  -n, --stack-name NAME   OS::stack_name (default \"stack\")\n"
	      "      --max-template-size BYTES\n"
	      "                          per template (default 524288, Heat's)\n"
	      "      --max-depth N       nested stacks below the root (default 5)\n"
	      "      --max-resources N   in the whole tree, -1 for no limit (default 1000)\n"
	      "      --dot               graph: Graphviz DOT output\n"
	      "  -h, --help              show this help and exit\n"
	      "\n"
	      "See hearth(1).\n",
	      out);
}

/* Loads the template and the inputs, defines the stack in mode, prints
 * the findings to stderr.  Returns the template (NULL when it does not
 * load) and sets *rc; *result gets the definition when wanted. */
static struct doc *load_and_check(struct topts *t, enum eval_mode mode, bool quiet_ok, int *rc,
				  json_t **result)
{
	struct stack_opts o = STACK_OPTS_DEFAULT;
	struct doc *envs[MAX_ENVS] = {0}, *d = NULL;
	struct herr e = HERR_INIT;
	struct diags *dg = NULL;
	json_t *files = NULL, *attrs = NULL, *def = NULL;
	char prefix[4096];
	int errors, warnings;

	*rc = 2;
	if (t->files_dir &&
	    !(files = inputs_files_dir(t->files_dir, MAX_FILES, MAX_FILES_BYTES, &e)))
		goto input_error;
	if (t->attributes) {
		json_error_t je;

		attrs = json_load_file(t->attributes, 0, &je);
		if (!json_is_object(attrs)) {
			fprintf(stderr, "hearth: %s:%d:%d: %s\n", t->attributes, je.line, je.column,
				attrs ? "attributes must be a JSON object" : je.text);
			goto out;
		}
	}
	for (int i = 0; i < t->nenv; i++)
		if (!(envs[i] = inputs_load(t->envs[i], true, &t->limits, &e))) {
			*rc = e.code == HERR_INVALID || e.code == HERR_TOO_BIG ? 1 : 2;
			fprintf(stderr, *rc == 2 ? "hearth: cannot read %s\n" : "%s\n", e.msg);
			goto out;
		}
	d = inputs_load(t->file, false, &t->limits, &e);
	if (!d) {
		*rc = e.code == HERR_INVALID || e.code == HERR_TOO_BIG ? 1 : 2;
		fprintf(stderr, *rc == 2 ? "hearth: cannot read %s\n" : "%s\n", e.msg);
		goto out;
	}
	if (!(dg = diags_new()))
		goto out;
	snprintf(prefix, sizeof(prefix), "%s/", t->files_dir ? t->files_dir : ".");
	o.mode = mode;
	o.mask_hidden = true; /* in every nested stack too */
	o.max_depth = t->max_depth;
	o.max_resources = t->max_resources;
	o.limits = t->limits;
	if (t->stack_name)
		o.name = t->stack_name;
	o.files = files;
	o.files_prefix = prefix;
	o.params = t->params;
	o.envs = (const struct doc *const *)envs;
	o.nenv = t->nenv;
	o.attributes = attrs;
	def = stack_define(d, &o, dg);
	errors = diags_count(dg, DIAG_ERROR);
	warnings = diags_count(dg, DIAG_WARNING);
	/* show and graph print warnings only along with errors. */
	if (errors || !quiet_ok)
		diags_print(dg, stderr);
	if (errors)
		fprintf(stderr, "%s: %d error(s), %d warning(s)\n", t->file, errors, warnings);
	else if (!quiet_ok)
		printf("%s: valid (%d warning(s))\n", t->file, warnings);
	*rc = !def ? 2 : errors ? 1 : 0;
	if (result && def && !errors)
		*result = json_incref(def);
	goto out;
input_error:
	fprintf(stderr, "hearth: %s\n", e.msg);
out:
	json_decref(def);
	json_decref(files);
	json_decref(attrs);
	for (int i = 0; i < t->nenv; i++)
		doc_free(&envs[i]);
	diags_free(&dg);
	return d;
}

static int cmd_validate(struct topts *t)
{
	int rc;
	struct doc *d = load_and_check(t, EVAL_VALIDATE, false, &rc, NULL);

	doc_free(&d);
	return rc;
}

static int cmd_resolve(struct topts *t)
{
	json_t *def = NULL;
	int rc;
	struct doc *d = load_and_check(t, EVAL_RESOLVE, true, &rc, &def);

	if (def) {
		json_dumpf(def, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(def);
	doc_free(&d);
	return rc;
}

/* A scalar as one short line of JSON, for show. */
static void print_value(const json_t *v)
{
	char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	fputs(t ? t : "?", stdout);
	free(t);
}

static int cmd_show(struct topts *t)
{
	int rc;
	struct doc *d = load_and_check(t, EVAL_VALIDATE, true, &rc, NULL);
	json_t *root, *section, *item, *v;
	const char *name;

	if (!d || rc != 0) {
		doc_free(&d);
		return rc;
	}
	root = doc_root(d);
	printf("heat_template_version: %s\n",
	       json_string_value(json_object_get(root, "heat_template_version")));
	if (json_is_string(json_object_get(root, "description")))
		printf("description: %s\n",
		       json_string_value(json_object_get(root, "description")));
	section = json_object_get(root, "parameters");
	printf("parameters: %zu\n", json_object_size(section));
	json_object_foreach (section, name, item) {
		printf("  %s: %s", name, json_string_value(json_object_get(item, "type")));
		v = json_object_get(item, "default");
		if (v && json_is_true(json_object_get(item, "hidden")))
			printf(" = ******");
		else if (v) {
			printf(" = ");
			print_value(v);
		} else {
			printf(" (required)");
		}
		if (json_is_true(json_object_get(item, "hidden")))
			printf(" [hidden]");
		if (json_is_true(json_object_get(item, "immutable")))
			printf(" [immutable]");
		putchar('\n');
	}
	section = json_object_get(root, "resources");
	printf("resources: %zu\n", json_object_size(section));
	json_object_foreach (section, name, item) {
		printf("  %s: %s", name, json_string_value(json_object_get(item, "type")));
		if ((v = json_object_get(item, "condition"))) {
			printf(" if ");
			print_value(v);
		}
		putchar('\n');
	}
	section = json_object_get(root, "outputs");
	printf("outputs: %zu\n", json_object_size(section));
	json_object_foreach (section, name, item) {
		v = json_object_get(item, "description");
		printf("  %s%s%s\n", name, json_is_string(v) ? ": " : "",
		       json_is_string(v) ? json_string_value(v) : "");
	}
	doc_free(&d);
	return 0;
}

static int cmd_graph(struct topts *t)
{
	json_t *def = NULL, *requires, *batches, *deps, *batch;
	const char *name;
	size_t i, k;
	int rc;
	struct doc *d = load_and_check(t, EVAL_VALIDATE, true, &rc, &def);

	requires = json_object_get(def, "requires");
	batches = json_object_get(def, "batches");
	if (rc == 0 && t->dot)
		printf("digraph template {\n  rankdir=BT;\n");
	json_object_foreach (requires, name, deps) {
		if (t->dot) {
			printf("  \"%s\";\n", name);
			json_array_foreach (deps, k, batch)
				printf("  \"%s\" -> \"%s\";\n", name, json_string_value(batch));
			continue;
		}
		printf("%s", name);
		json_array_foreach (deps, k, batch)
			printf("%s%s", k ? ", " : " requires ", json_string_value(batch));
		putchar('\n');
	}
	if (rc == 0 && t->dot)
		puts("}");
	else if (rc == 0)
		json_array_foreach (batches, i, batch) {
			printf("batch %zu:", i + 1);
			json_array_foreach (batch, k, deps)
				printf("%s%s", k ? ", " : " ", json_string_value(deps));
			putchar('\n');
		}
	json_decref(def);
	doc_free(&d);
	return rc;
}

/* -P name=value */
static int add_param(struct topts *t, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name;

	if (!eq || eq == arg) {
		fprintf(stderr, "hearth: -P needs NAME=VALUE, got \"%s\"\n", arg);
		return -1;
	}
	name = strndup(arg, (size_t)(eq - arg));
	if (!name || json_object_set_new(t->params, name, json_string(eq + 1)) < 0) {
		free(name);
		fprintf(stderr, "hearth: -P %s: the value must be UTF-8 text\n", arg);
		return -1;
	}
	free(name);
	return 0;
}

int template_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"environment", required_argument, NULL, 'e'},
		{"parameter", required_argument, NULL, 'P'},
		{"files-dir", required_argument, NULL, 'f'},
		{"attributes", required_argument, NULL, 'a'},
		{"stack-name", required_argument, NULL, 'n'},
		{"dot", no_argument, NULL, 'D'},
		{"max-template-size", required_argument, NULL, 'S'},
		{"max-depth", required_argument, NULL, 'M'},
		{"max-resources", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct {
		const char *name;
		int (*fn)(struct topts *);
	} cmds[] = {{"validate", cmd_validate},
		    {"resolve", cmd_resolve},
		    {"show", cmd_show},
		    {"graph", cmd_graph}};
	struct topts t = {.params = json_object(),
			  .max_depth = 5,
			  .max_resources = 1000,
			  .limits = LOAD_LIMITS_DEFAULT};
	int c, rc = 2;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		json_decref(t.params);
		return argc < 2 ? 2 : 0;
	}
	t.sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "e:P:f:a:n:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (t.nenv == MAX_ENVS) {
				fprintf(stderr, "hearth: at most %d environment files\n", MAX_ENVS);
				goto out;
			}
			t.envs[t.nenv++] = optarg;
			break;
		case 'P':
			if (add_param(&t, optarg) < 0)
				goto out;
			break;
		case 'f':
			t.files_dir = optarg;
			break;
		case 'a':
			t.attributes = optarg;
			break;
		case 'n':
			t.stack_name = optarg;
			break;
		case 'D':
			t.dot = true;
			break;
		case 'S':
		case 'M':
		case 'R': {
			char *end;
			long long v = strtoll(optarg, &end, 10);

			if (!*optarg || *end || v < (c == 'R' ? -1 : 0) || v > (1ll << 30)) {
				fprintf(stderr, "hearth: --%s needs a number, got \"%s\"\n",
					c == 'S'   ? "max-template-size"
					: c == 'M' ? "max-depth"
						   : "max-resources",
					optarg);
				goto out;
			}
			if (c == 'S')
				t.limits.max_size = (size_t)v;
			else if (c == 'M')
				t.max_depth = (int)v;
			else
				t.max_resources = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			fputs("hearth: see hearth template --help\n", stderr);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		fputs("hearth: template: give exactly one TEMPLATE (see hearth template --help)\n",
		      stderr);
		goto out;
	}
	t.file = argv[optind];
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, t.sub) == 0) {
			rc = cmds[i].fn(&t);
			goto out;
		}
	fprintf(stderr, "hearth: template: unknown command \"%s\" (see hearth template --help)\n",
		t.sub);
out:
	json_decref(t.params);
	return rc;
}
