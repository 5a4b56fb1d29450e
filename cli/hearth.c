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
#include "cli/stack.h"
#include "cli/template.h"

#define MAX_RESPONSE (16u << 20)

struct opts {
	const char *url;
	int timeout_ms;
	int wait_s;
	int json;
	const char *token_file, *project, *format;
};

static void usage(FILE *out)
{
	fputs("Usage: hearth [OPTION]... COMMAND [ARG]...\n"
	      "Talk to a hearthd.\n"
	      "\n"
	      "Commands:\n"
	      "  health            show a hearthd role's health (GET /healthz); exit 0 when\n"
	      "                    it is healthy, 1 when not, 2 when it cannot be reached\n"
	      "  template validate|resolve|show|graph [OPTION]... FILE\n"
	      "                    work on a HOT template offline, no hearthd needed\n"
	      "                    (see hearth template --help)\n"
	      "  stack create -t TEMPLATE [-e ENV]... [-P KEY=VALUE]... [--files-dir DIR]\n"
	      "               [--timeout MINUTES] [--enable-rollback] [--wait] NAME\n"
	      "                    create a stack; --wait follows its events and exits 1\n"
	      "                    when it ends FAILED or rolled back\n"
	      "  stack update [-t TEMPLATE | --existing [-t TEMPLATE]] [-e ENV]... [-P K=V]...\n"
	      "               [--files-dir DIR] [--timeout MINUTES] [--enable-rollback] [--wait] NAME\n"
	      "                    update a stack (PUT; --existing: PATCH, keeping what is\n"
	      "                    not given)\n"
	      "  stack list | stack show NAME | stack delete NAME [--wait]\n"
	      "  output list STACK | output show STACK KEY\n"
	      "  resource list STACK | resource show STACK NAME\n"
	      "  event list STACK [--follow]\n"
	      "  signal STACK RESOURCE [--status SUCCESS|FAILURE] [--reason R] [--data D]\n"
	      "         [--id ID] | [--details JSON]\n"
	      "                    signal a resource (a wait condition handle); with no\n"
	      "                    option, a default SUCCESS signal; --details sends a JSON\n"
	      "                    object as it is (also: resource signal STACK RESOURCE)\n"
	      "  admin token create --project PROJECT [--role member|admin]\n"
	      "                    issue an API token (needs an admin token)\n"
	      "\n"
	      "Options:\n"
	      "  -u, --url URL     the hearthd endpoint (default $HEARTH_URL, else\n"
	      "                    http://127.0.0.1:8004, the API role)\n"
	      "  -t, --timeout S   seconds to wait for each answer (default 10)\n"
	      "  -w, --wait S      health: retry until healthy for up to S seconds\n"
	      "  -j, --json        health: print the server's JSON as it is\n"
	      "  -k, --token-file FILE  read the API token from FILE (default\n"
	      "                    $HEARTH_TOKEN; hearthd writes an admin token to\n"
	      "                    STATE_DIR/admin-token)\n"
	      "  -p, --project P   act in project P (default $HEARTH_PROJECT, else the\n"
	      "                    token's own)\n"
	      "  -f, --format F    table (default), json or yaml\n"
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

/* The stack commands, with the token read from --token-file or
 * $HEARTH_TOKEN. */
static int api_command(const struct opts *o, int argc, char **argv)
{
	struct api_conn c = {o->url, getenv("HEARTH_TOKEN"), o->project, o->format, o->timeout_ms};
	char token[256] = "";
	int rc;

	if (c.project && !*c.project)
		c.project = NULL;
	if (o->token_file) {
		FILE *f = fopen(o->token_file, "r");

		if (!f || !fgets(token, sizeof(token), f)) {
			fprintf(stderr, "hearth: cannot read the token from %s: %s\n",
				o->token_file, f ? "it is empty" : strerror(errno));
			if (f)
				fclose(f);
			return 2;
		}
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
		c.token = token;
	}
	rc = stack_cli_main(&c, argc, argv);
	explicit_bzero(token, sizeof(token));
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"url", required_argument, NULL, 'u'},
		{"timeout", required_argument, NULL, 't'},
		{"wait", required_argument, NULL, 'w'},
		{"json", no_argument, NULL, 'j'},
		{"token-file", required_argument, NULL, 'k'},
		{"project", required_argument, NULL, 'p'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.url = getenv("HEARTH_URL"),
			 .timeout_ms = 10000,
			 .project = getenv("HEARTH_PROJECT"),
			 .format = "table"};
	int c, secs, rc;

	if (!o.url || !o.url[0])
		o.url = "http://127.0.0.1:8004";
	while ((c = getopt_long(argc, argv, "+u:t:w:jk:p:f:hV", lopts, NULL)) != -1) {
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
		case 'k':
			o.token_file = optarg;
			break;
		case 'p':
			o.project = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "yaml") != 0) {
				fprintf(stderr,
					"hearth: --format is table, json or yaml, not \"%s\"\n",
					optarg);
				return 2;
			}
			o.format = optarg;
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
	} else if (strcmp(argv[optind], "template") == 0) {
		rc = template_main(argc - optind, argv + optind);
	} else if (strcmp(argv[optind], "stack") == 0 || strcmp(argv[optind], "output") == 0 ||
		   strcmp(argv[optind], "resource") == 0 || strcmp(argv[optind], "event") == 0 ||
		   strcmp(argv[optind], "signal") == 0 || strcmp(argv[optind], "admin") == 0) {
		rc = api_command(&o, argc - optind, argv + optind);
	} else {
		fprintf(stderr, "hearth: unknown command \"%s\" (see --help)\n", argv[optind]);
		rc = 2;
	}
	client_cleanup();
	return rc;
}
