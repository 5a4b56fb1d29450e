/* hearth: the command-line client of hearthd's REST API. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/client.h"
#include "engine/graph.h"
#include "engine/validate.h"
#include "engine/version.h"

#define MAX_RESPONSE (16u << 20)

struct opts {
	const char *url;
	int timeout_ms;
	int wait_s;
	int json;
};

static void usage(FILE *out)
{
	fputs("Usage: hearth [OPTION]... COMMAND [ARG]...\n"
	      "Talk to a hearthd.\n"
	      "\n"
	      "Commands:\n"
	      "  health            show a hearthd role's health (GET /healthz); exit 0 when\n"
	      "                    it is healthy, 1 when not, 2 when it cannot be reached\n"
	      "  template validate FILE\n"
	      "                    check a HOT template offline (no hearthd needed): every\n"
	      "                    error as file:line:col: path: message; exit 0 when valid,\n"
	      "                    1 when not, 2 when FILE cannot be read\n"
	      "  template show FILE\n"
	      "                    print the template's parameters (hidden defaults masked),\n"
	      "                    resources and outputs as the engine read them\n"
	      "  template graph [--dot] FILE\n"
	      "                    print the resources' dependencies and the batches in\n"
	      "                    which they can be created concurrently (Graphviz DOT\n"
	      "                    with --dot)\n"
	      "\n"
	      "Options:\n"
	      "  -u, --url URL     the hearthd endpoint (default $HEARTH_URL, else\n"
	      "                    http://127.0.0.1:8004, the API role)\n"
	      "  -t, --timeout S   seconds to wait for each answer (default 10)\n"
	      "  -w, --wait S      health: retry until healthy for up to S seconds\n"
	      "  -j, --json        print the server's JSON as it is\n"
	      "  -h, --help        show this help and exit\n"
	      "  -V, --version     show the version and exit\n"
	      "\n"
	      "See hearth(1).\n",
	      out);
}

static int parse_seconds(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

static int cmd_health(const struct opts *o)
{
	char url[2048];
	struct client_resp r;
	struct herr e;
	time_t deadline = time(NULL) + o->wait_s;
	json_t *doc, *redis;

	snprintf(url, sizeof(url), "%s/healthz", o->url);
	for (;;) {
		herr_clear(&e);
		if (client_request("GET", url, NULL, NULL, 0, o->timeout_ms, MAX_RESPONSE, &r,
				   &e) == 0) {
			if (r.status == 200 || time(NULL) >= deadline)
				break;
			free(r.body);
		} else if (time(NULL) >= deadline) {
			fprintf(stderr, "hearth: cannot reach hearthd: %s\n", e.msg);
			return 2;
		}
		clock_sleep_ms(100);
	}
	if (o->json) {
		fputs(r.body, stdout);
		free(r.body);
		return r.status == 200 ? 0 : 1;
	}
	doc = json_loads(r.body, 0, NULL);
	free(r.body);
	if (!doc) {
		fprintf(stderr, "hearth: %s answered %ld with a body that is not JSON\n", url,
			r.status);
		return 1;
	}
	redis = json_object_get(doc, "redis");
	printf("%s: role=%s roles=%s version=%s uptime=%llds redis=%s",
	       json_string_value(json_object_get(doc, "status")),
	       json_string_value(json_object_get(doc, "role")),
	       json_string_value(json_object_get(doc, "roles")),
	       json_string_value(json_object_get(doc, "version")),
	       (long long)json_integer_value(json_object_get(doc, "uptime_s")),
	       json_string_value(json_object_get(redis, "status")));
	if (json_object_get(redis, "error"))
		printf(" (%s)", json_string_value(json_object_get(redis, "error")));
	putchar('\n');
	json_decref(doc);
	return r.status == 200 ? 0 : 1;
}

/* Reads a whole file, at most max bytes (one more tells "too big"). */
static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 2);
	n = buf ? fread(buf, 1, max + 1, f) : 0;
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

/* Loads and validates path; prints the findings.  Returns the doc (or
 * NULL) and sets *rc to the exit status validate would have. */
static struct doc *load_and_validate(const char *path, bool quiet_ok, int *rc)
{
	struct load_limits lim = LOAD_LIMITS_DEFAULT;
	struct herr e = HERR_INIT;
	struct diags *dg;
	struct doc *d;
	size_t len;
	char *text = read_file(path, lim.max_size, &len);
	int errors, warnings;

	*rc = 2;
	if (!text) {
		fprintf(stderr, "hearth: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	d = load_template(path, text, len, &lim, &e);
	free(text);
	if (!d) {
		fprintf(stderr, "%s\n", e.msg);
		*rc = 1;
		return NULL;
	}
	dg = diags_new();
	if (!dg) {
		doc_free(&d);
		return NULL;
	}
	validate_template(d, dg);
	diags_print(dg, stderr);
	errors = diags_count(dg, DIAG_ERROR);
	warnings = diags_count(dg, DIAG_WARNING);
	if (errors)
		fprintf(stderr, "%s: %d error(s), %d warning(s)\n", path, errors, warnings);
	else if (!quiet_ok)
		printf("%s: valid (%d warning(s))\n", path, warnings);
	diags_free(&dg);
	*rc = errors ? 1 : 0;
	return d;
}

static int cmd_template_validate(const char *path)
{
	int rc;
	struct doc *d = load_and_validate(path, false, &rc);

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

static int cmd_template_show(const char *path)
{
	int rc;
	struct doc *d = load_and_validate(path, true, &rc);
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

static int cmd_template_graph(const char *path, bool dot)
{
	struct diags *dg = NULL;
	struct graph *g = NULL;
	int rc, nb, *batch = NULL;
	struct doc *d = load_and_validate(path, true, &rc);

	if (!d || rc != 0)
		goto out;
	dg = diags_new();
	g = dg ? graph_build(d, (enum hot_version)version_detect(d, dg), dg) : NULL;
	batch = g ? malloc(((size_t)graph_count(g) + 1) * sizeof(int)) : NULL;
	if (!batch) {
		rc = 2;
		goto out;
	}
	nb = graph_batches(g, batch);
	if (dot)
		printf("digraph template {\n  rankdir=BT;\n");
	for (int i = 0; i < graph_count(g); i++) {
		const int *deps;
		int n = graph_requires(g, i, &deps);

		if (dot) {
			printf("  \"%s\";\n", graph_name(g, i));
			for (int k = 0; k < n; k++)
				printf("  \"%s\" -> \"%s\";\n", graph_name(g, i),
				       graph_name(g, deps[k]));
			continue;
		}
		printf("%s", graph_name(g, i));
		for (int k = 0; k < n; k++)
			printf("%s%s", k ? ", " : " requires ", graph_name(g, deps[k]));
		putchar('\n');
	}
	if (dot) {
		puts("}");
	} else {
		for (int b = 0; b < nb; b++) {
			int first = 1;

			printf("batch %d:", b + 1);
			for (int i = 0; i < graph_count(g); i++)
				if (batch[i] == b) {
					printf("%s%s", first ? " " : ", ", graph_name(g, i));
					first = 0;
				}
			putchar('\n');
		}
	}
out:
	free(batch);
	graph_free(&g);
	diags_free(&dg);
	doc_free(&d);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"url", required_argument, NULL, 'u'},
		{"timeout", required_argument, NULL, 't'},
		{"wait", required_argument, NULL, 'w'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.url = getenv("HEARTH_URL"), .timeout_ms = 10000};
	int c, secs, rc;

	if (!o.url || !o.url[0])
		o.url = "http://127.0.0.1:8004";
	while ((c = getopt_long(argc, argv, "+u:t:w:jhV", lopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.url = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, &secs) < 0 || secs == 0) {
				fprintf(stderr,
					"hearth: --timeout needs a number of seconds, got \"%s\"\n",
					optarg);
				return 2;
			}
			o.timeout_ms = secs * 1000;
			break;
		case 'w':
			if (parse_seconds(optarg, &o.wait_s) < 0) {
				fprintf(stderr,
					"hearth: --wait needs a number of seconds, got \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("hearth %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fputs("hearth: see --help\n", stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	client_init();
	if (strcmp(argv[optind], "health") == 0 && optind + 1 == argc) {
		rc = cmd_health(&o);
	} else if (strcmp(argv[optind], "template") == 0 && optind + 3 == argc &&
		   strcmp(argv[optind + 1], "validate") == 0) {
		rc = cmd_template_validate(argv[optind + 2]);
	} else if (strcmp(argv[optind], "template") == 0 && optind + 3 == argc &&
		   strcmp(argv[optind + 1], "show") == 0) {
		rc = cmd_template_show(argv[optind + 2]);
	} else if (strcmp(argv[optind], "template") == 0 && optind + 3 <= argc &&
		   optind + 4 >= argc && strcmp(argv[optind + 1], "graph") == 0 &&
		   (optind + 3 == argc || strcmp(argv[optind + 2], "--dot") == 0)) {
		rc = cmd_template_graph(argv[argc - 1], optind + 4 == argc);
	} else if (strcmp(argv[optind], "template") == 0) {
		fprintf(stderr, "hearth: usage: hearth template validate FILE\n"
				"       hearth template show FILE\n"
				"       hearth template graph [--dot] FILE\n");
		rc = 2;
	} else {
		fprintf(stderr, "hearth: unknown command \"%s\" (see --help)\n", argv[optind]);
		rc = 2;
	}
	client_cleanup();
	return rc;
}
