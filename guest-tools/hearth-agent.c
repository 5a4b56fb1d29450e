/* hearth-agent: what runs inside a guest.
 *
 * This file owns the command line: usage, the dispatch to a command, and
 * `signal` (the equivalent of a WaitConditionHandle's curl_cli for scripts,
 * with retries).  `boot` (cloud-init's essentials) lives in boot.c and the
 * files it names; `collect` and `apply` (software deployments) in
 * collect.c and the files it names. */
#include <config.h>

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/client.h"
#include "guest-tools/boot.h"
#include "guest-tools/collect.h"

#define MAX_RESPONSE (1u << 20)

static void usage(FILE *out)
{
	fputs("Usage: hearth-agent [OPTION]... COMMAND [ARG]...\n"
	      "The Hearth guest agent.\n"
	      "\n"
	      "Commands:\n",
	      out);
	boot_usage(out);
	fputs("\n", out);
	collect_usage(out);
	fputs("\n"
	      "  signal URL        report to a wait condition or deployment: POSTs\n"
	      "                    {\"status\", \"reason\", \"data\", \"id\"} to URL\n"
	      "\n"
	      "Options of signal:\n"
	      "  -s, --status S    SUCCESS (default) or FAILURE\n"
	      "  -r, --reason R    why, in words (optional)\n"
	      "  -d, --data D      data to hand back (the wait condition's data attribute)\n"
	      "  -i, --id ID       unique id of this signal; a repeat with the same id\n"
	      "                    replaces the earlier one\n"
	      "  -k, --token T     X-Auth-Token header (TOKEN_SIGNAL handles); default\n"
	      "                    $HEARTH_TOKEN\n"
	      "  -n, --retries N   attempts on connection errors and 5xx (default 5)\n"
	      "\n"
	      "  -h, --help        show this help and exit\n"
	      "  -V, --version     show the version and exit\n"
	      "\n"
	      "Exit status of boot: 0 when the guest booted (even if a user script\n"
	      "failed: see the log), 1 when no metadata could be fetched or the state\n"
	      "could not be written, 2 on usage errors.\n"
	      "Exit status of collect --once: 0 when every deployment ran and was\n"
	      "signalled, 1 when one failed or its signal was refused, 3 when the metadata\n"
	      "or a signal endpoint could not be reached, 4 when the agent could not work.\n"
	      "Exit status of apply: 0 when every deployment ran (a failing one is reported\n"
	      "through its signal), 1 when the agent could not work, 3 when a signal could\n"
	      "not be delivered (it is sent again at the next run).\n"
	      "Exit status of signal: 0 when the signal was accepted (2xx), 1 when\n"
	      "refused, 2 on usage errors, 3 when the endpoint could not be reached.\n"
	      "See hearth-agent(8).\n",
	      out);
}

static int cmd_signal(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"status", required_argument, NULL, 's'},
		{"reason", required_argument, NULL, 'r'},
		{"data", required_argument, NULL, 'd'},
		{"id", required_argument, NULL, 'i'},
		{"token", required_argument, NULL, 'k'},
		{"retries", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const char *status = "SUCCESS", *reason = NULL, *data = NULL, *id = NULL;
	const char *token = getenv("HEARTH_TOKEN");
	const char *headers[4] = {"Content-Type: application/json", "Accept: application/json",
				  NULL, NULL};
	char tokhdr[1024];
	int c, retries = 5, rc = 3;
	char *body, *end;
	json_t *doc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:r:d:i:k:n:", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			status = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 'k':
			token = optarg;
			break;
		case 'n':
			retries = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || retries < 1 || retries > 100) {
				fprintf(stderr,
					"hearth-agent: --retries needs 1 to 100, got \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs("hearth-agent: signal needs exactly one URL (see --help)\n", stderr);
		return 2;
	}
	if (strcmp(status, "SUCCESS") != 0 && strcmp(status, "FAILURE") != 0) {
		fprintf(stderr, "hearth-agent: --status must be SUCCESS or FAILURE, got \"%s\"\n",
			status);
		return 2;
	}
	doc = json_pack("{s:s}", "status", status);
	if (reason)
		json_object_set_new(doc, "reason", json_string(reason));
	if (data)
		json_object_set_new(doc, "data", json_string(data));
	if (id)
		json_object_set_new(doc, "id", json_string(id));
	body = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (token && token[0]) {
		snprintf(tokhdr, sizeof(tokhdr), "X-Auth-Token: %s", token);
		headers[2] = tokhdr;
	}
	for (int attempt = 1, delay = 500;; attempt++, delay *= 2) {
		struct client_resp r;
		struct herr e = HERR_INIT;

		if (client_request("POST", argv[optind], headers, body, strlen(body), 30000,
				   MAX_RESPONSE, &r, &e) == 0) {
			int retry = r.status >= 500;

			if (r.status >= 200 && r.status < 300)
				rc = 0;
			else if (!retry || attempt >= retries)
				fprintf(stderr, "hearth-agent: signal refused (%ld): %s\n",
					r.status, r.body);
			free(r.body);
			if (!retry || attempt >= retries) {
				rc = rc == 0 ? 0 : (retry ? 3 : 1);
				break;
			}
		} else if (attempt >= retries) {
			fprintf(stderr, "hearth-agent: %s\n", e.msg);
			rc = 3;
			break;
		}
		clock_sleep_ms(delay > 8000 ? 8000 : delay);
	}
	explicit_bzero(tokhdr, sizeof(tokhdr));
	free(body);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("hearth-agent %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "signal") != 0 && strcmp(argv[1], "boot") != 0 &&
	    strcmp(argv[1], "collect") != 0 && strcmp(argv[1], "apply") != 0) {
		fprintf(stderr, "hearth-agent: unknown command \"%s\" (see --help)\n", argv[1]);
		return 2;
	}
	client_init();
	if (strcmp(argv[1], "boot") == 0)
		rc = boot_main(argc - 1, argv + 1);
	else if (strcmp(argv[1], "collect") == 0)
		rc = collect_main(argc - 1, argv + 1);
	else if (strcmp(argv[1], "apply") == 0)
		rc = apply_main(argc - 1, argv + 1);
	else
		rc = cmd_signal(argc - 1, argv + 1);
	client_cleanup();
	return rc;
}
