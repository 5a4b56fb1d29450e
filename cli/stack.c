/* hearth stack|output|resource|event|signal|admin (see stack.h). */
#include "cli/stack.h"

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/inputs.h"
#include "common/clock.h"
#include "common/client.h"

#define MAX_RESPONSE    (64u << 20)
#define MAX_FILES       10000
#define MAX_FILES_BYTES (64u << 20)
#define MAX_ENVS        64

/* ------------------------------------------------------------------ HTTP */

/* One request to the API with text (NULL: no body) as its body; *out
 * gets the parsed JSON answer (or NULL).  Returns the status, or -1
 * (printed) when hearthd cannot be reached. */
static long call_text(const struct api_conn *c, const char *method, const char *path,
		      const char *text, json_t **out)
{
	char url[4096], auth[512];
	const char *headers[] = {auth, "Content-Type: application/json", "Accept: application/json",
				 NULL};
	struct client_resp r = {0};
	struct herr e = HERR_INIT;

	*out = NULL;
	snprintf(url, sizeof(url), "%s%s", c->url, path);
	snprintf(auth, sizeof(auth), "X-Auth-Token: %s", c->token ? c->token : "");
	if (client_request(method, url, headers, text, text ? strlen(text) : 0, c->timeout_ms,
			   MAX_RESPONSE, &r, &e) < 0) {
		fprintf(stderr, "hearth: cannot reach hearthd at %s: %s\n", c->url, e.msg);
		return -1;
	}
	if (r.body && r.len)
		*out = json_loadb(r.body, r.len, 0, NULL);
	free(r.body);
	return r.status;
}

/* The same with a JSON body (NULL: none). */
static long call(const struct api_conn *c, const char *method, const char *path, json_t *body,
		 json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	long st = call_text(c, method, path, text, out);

	free(text);
	return st;
}

/* Prints the server's error ("ERROR: message", as the openstack CLI
 * does); for a template given as a file, "template:" becomes its path. */
static int fail(long status, json_t *body, const char *file)
{
	const char *msg =
		json_string_value(json_object_get(json_object_get(body, "error"), "message"));
	char *copy;

	if (status < 0)
		return 2;
	if (!msg) {
		fprintf(stderr, "ERROR: hearthd answered %ld\n", status);
		return 1;
	}
	copy = strdup(msg);
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (file && strncmp(line, "template:", 9) == 0)
			fprintf(stderr, "ERROR: %s:%s\n", file, line + 9);
		else
			fprintf(stderr, "ERROR: %s\n", line);
	}
	free(copy);
	return 1;
}

/* Fills c->project from the token when not given. */
static int project(struct api_conn *c)
{
	static char own[128];
	json_t *b;
	long st;

	if (c->project)
		return 0;
	st = call(c, "GET", "/v1/tokens/self", NULL, &b);
	if (st != 200) {
		int rc = fail(st, b, NULL);

		json_decref(b);
		return rc;
	}
	snprintf(own, sizeof(own), "%s", json_string_value(json_object_get(b, "project")) ?: "");
	json_decref(b);
	c->project = own;
	return 0;
}

/* "/v1/P/stacks/NAME/ID" of a stack named or numbered arg, from the
 * lookup's redirect; rc as fail() on error. */
static int canonical(struct api_conn *c, const char *stack, char *out, size_t size)
{
	char path[1024];
	json_t *b;
	long st;
	const char *loc, *v1;

	snprintf(path, sizeof(path), "/v1/%s/stacks/%s", c->project, stack);
	st = call(c, "GET", path, NULL, &b);
	if (st != 302) {
		int rc = fail(st, b, NULL);

		json_decref(b);
		return rc ? rc : 1;
	}
	loc = json_string_value(json_object_get(b, "location"));
	v1 = loc ? strstr(loc, "/v1/") : NULL;
	snprintf(out, size, "%s", v1 ? v1 : "");
	json_decref(b);
	return v1 ? 0 : 1;
}

/* ---------------------------------------------------------------- output */

static void yaml_scalar(const json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *q = json_dumps(v, JSON_ENCODE_ANY);

		/* plain when it cannot be read back as something else */
		if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") > 0 &&
		    strspn(s,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") ==
			    strlen(s) &&
		    strcmp(s, "true") != 0 && strcmp(s, "false") != 0 && strcmp(s, "null") != 0 &&
		    strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
			fputs(s, stdout);
		else
			fputs(q ? q : "\"\"", stdout);
		free(q);
	} else {
		char *t = json_dumps(v, JSON_ENCODE_ANY);

		fputs(t ? t : "null", stdout);
		free(t);
	}
}

static void yaml(const json_t *v, int indent, bool in_list)
{
	const char *k;
	json_t *x;
	size_t i;
	bool first = true;

	if (json_is_object(v) && json_object_size(v)) {
		json_object_foreach ((json_t *)v, k, x) {
			if (!(first && in_list))
				printf("%*s", indent, "");
			first = false;
			printf("%s:", k);
			if ((json_is_object(x) && json_object_size(x)) ||
			    (json_is_array(x) && json_array_size(x))) {
				putchar('\n');
				yaml(x, indent + 2, false);
			} else {
				putchar(' ');
				yaml(x, 0, false);
			}
		}
	} else if (json_is_array(v) && json_array_size(v)) {
		json_array_foreach (v, i, x) {
			printf("%*s- ", indent, "");
			if (json_is_object(x) && json_object_size(x))
				yaml(x, indent + 2, true);
			else
				yaml(x, indent + 2, false);
		}
	} else {
		if (json_is_object(v))
			fputs("{}", stdout);
		else if (json_is_array(v))
			fputs("[]", stdout);
		else
			yaml_scalar(v);
		putchar('\n');
	}
}

static char *cell(json_t *v)
{
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (!v || json_is_null(v))
		return strdup("");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* rows: an array of objects; cols: the keys to show, NULL-terminated. */
static void table(json_t *rows, const char *const *cols)
{
	size_t ncols = 0, w[16] = {0}, i;
	json_t *row;

	while (cols[ncols] && ncols < 16)
		ncols++;
	for (size_t k = 0; k < ncols; k++)
		w[k] = strlen(cols[k]);
	json_array_foreach (rows, i, row)
		for (size_t k = 0; k < ncols; k++) {
			char *t = cell(json_object_get(row, cols[k]));

			if (t && strlen(t) > w[k])
				w[k] = strlen(t);
			free(t);
		}
	for (size_t k = 0; k < ncols; k++) /* the last column unpadded */
		printf("%-*s%s", k + 1 < ncols ? (int)w[k] : 0, cols[k],
		       k + 1 < ncols ? "  " : "\n");
	json_array_foreach (rows, i, row)
		for (size_t k = 0; k < ncols; k++) {
			char *t = cell(json_object_get(row, cols[k]));

			printf("%-*s%s", k + 1 < ncols ? (int)w[k] : 0, t ? t : "",
			       k + 1 < ncols ? "  " : "\n");
			free(t);
		}
}

/* A single object as "key  value" lines. */
static void fields(json_t *o, const char *const *keys)
{
	size_t w = 0;

	for (const char *const *k = keys; *k; k++)
		if (strlen(*k) > w)
			w = strlen(*k);
	for (const char *const *k = keys; *k; k++) {
		char *t;

		if (!json_object_get(o, *k))
			continue; /* a field this answer does not have */
		t = cell(json_object_get(o, *k));
		printf("%-*s  %s\n", (int)w, *k, t ? t : "");
		free(t);
	}
}

static void show(const struct api_conn *c, json_t *v, json_t *rows, const char *const *cols,
		 bool one)
{
	if (strcmp(c->format, "json") == 0) {
		char *t = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

		puts(t ? t : "null");
		free(t);
	} else if (strcmp(c->format, "yaml") == 0) {
		yaml(v, 0, false);
	} else if (one) {
		fields(rows, cols);
	} else {
		table(rows, cols);
	}
}

/* ---------------------------------------------------------------- events */

static void print_event(json_t *ev, const char *stack)
{
	const char *name = json_string_value(json_object_get(ev, "resource_name")) ?: "";

	if (strcmp(name, stack) == 0)
		printf("%s [%s]: %s  %s\n", json_string_value(json_object_get(ev, "event_time")),
		       stack, json_string_value(json_object_get(ev, "resource_status")),
		       json_string_value(json_object_get(ev, "resource_status_reason")));
	else
		printf("%s [%s.%s]: %s  %s\n", json_string_value(json_object_get(ev, "event_time")),
		       stack, name, json_string_value(json_object_get(ev, "resource_status")),
		       json_string_value(json_object_get(ev, "resource_status_reason")));
	fflush(stdout);
}

/* Prints events after *marker; updates it.  The last stack-level status
 * seen goes to last (may stay ""). */
static int poll_events(struct api_conn *c, const char *base, const char *stack, char *marker,
		       size_t msize, char *last, size_t lsize)
{
	char path[2048];
	json_t *b, *ev;
	size_t i;
	long st;

	snprintf(path, sizeof(path), "%s/events%s%s", base, marker[0] ? "?marker=" : "", marker);
	st = call(c, "GET", path, NULL, &b);
	if (st != 200) {
		int rc = fail(st, b, NULL);

		json_decref(b);
		return rc;
	}
	json_array_foreach (json_object_get(b, "events"), i, ev) {
		print_event(ev, stack);
		snprintf(marker, msize, "%s", json_string_value(json_object_get(ev, "id")) ?: "");
		if (strcmp(json_string_value(json_object_get(ev, "resource_name")) ?: "", stack) ==
		    0)
			snprintf(last, lsize, "%s",
				 json_string_value(json_object_get(ev, "resource_status")) ?: "");
	}
	json_decref(b);
	return 0;
}

/* Moves *marker to the last event so far, printing nothing. */
static int poll_events_quiet(struct api_conn *c, const char *base, char *marker, size_t msize)
{
	char path[2048];
	json_t *b, *evs;
	long st;

	snprintf(path, sizeof(path), "%s/events", base);
	st = call(c, "GET", path, NULL, &b);
	if (st != 200) {
		int rc = fail(st, b, NULL);

		json_decref(b);
		return rc;
	}
	evs = json_object_get(b, "events");
	if (json_array_size(evs))
		snprintf(marker, msize, "%s",
			 json_string_value(json_object_get(
				 json_array_get(evs, json_array_size(evs) - 1), "id"))
				 ?: "");
	json_decref(b);
	return 0;
}

static bool settled(const char *status)
{
	return *status && !strstr(status, "IN_PROGRESS");
}

/* Follows a stack's events until it settles; exit status by its end. */
static int follow(struct api_conn *c, const char *base, const char *stack, const char *marker0)
{
	char marker[128], last[64] = "";
	int rc;

	snprintf(marker, sizeof(marker), "%s", marker0 ? marker0 : "");
	for (;;) {
		if ((rc = poll_events(c, base, stack, marker, sizeof(marker), last, sizeof(last))))
			return rc;
		/* CREATE_FAILED may be followed by a rollback */
		if (settled(last) && strcmp(last, "CREATE_FAILED") != 0 &&
		    strcmp(last, "UPDATE_FAILED") != 0)
			break;
		if (strcmp(last, "CREATE_FAILED") == 0 || strcmp(last, "UPDATE_FAILED") == 0) {
			char path[2048];
			json_t *b;
			long st;

			snprintf(path, sizeof(path), "%s", base);
			st = call(c, "GET", path, NULL, &b);
			if (st == 200 &&
			    strstr(json_string_value(json_object_get(json_object_get(b, "stack"),
								     "stack_status"))
					   ?: "",
				   "FAILED")) {
				json_decref(b);
				break; /* no rollback */
			}
			json_decref(b);
		}
		clock_sleep_ms(300);
	}
	return strstr(last, "FAILED") || strncmp(last, "ROLLBACK", 8) == 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- create */

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 0;
	char *buf = NULL;

	if (!f) {
		fprintf(stderr, "hearth: cannot read %s: %m\n", path);
		return -1;
	}
	for (;;) {
		if (n + 4096 > cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!b)
				break;
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	if (!buf)
		return -1;
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/* stack create, and stack update (update: PUT, or PATCH with
 * --existing, where the template is optional). */
static int stack_create(struct api_conn *c, int argc, char **argv, bool update)
{
	static const struct option lopts[] = {
		{"existing", no_argument, NULL, 'x'},
		{"template", required_argument, NULL, 't'},
		{"environment", required_argument, NULL, 'e'},
		{"parameter", required_argument, NULL, 'P'},
		{"files-dir", required_argument, NULL, 'f'},
		{"timeout", required_argument, NULL, 'T'},
		{"enable-rollback", no_argument, NULL, 'r'},
		{"wait", no_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	const char *tmpl = NULL, *envs[MAX_ENVS], *files_dir = NULL;
	int nenv = 0, opt, rc = 2, timeout = 0;
	bool rollback = false, wait = false, existing = false;
	json_t *params = json_object(), *body = NULL, *files = NULL, *resp = NULL, *ef;
	char *text = NULL, path[1024], base[1024], marker[128] = "";
	long st;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:e:P:", lopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			tmpl = optarg;
			break;
		case 'e':
			if (nenv == MAX_ENVS)
				goto usage;
			envs[nenv++] = optarg;
			break;
		case 'P': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg)
				goto usage;
			{
				char *k = strndup(optarg, (size_t)(eq - optarg));

				json_object_set_new(params, k, json_string(eq + 1));
				free(k);
			}
			break;
		}
		case 'f':
			files_dir = optarg;
			break;
		case 'T': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v <= 0 || v > 100000)
				goto usage;
			timeout = (int)v;
			break;
		}
		case 'r':
			rollback = true;
			break;
		case 'w':
			wait = true;
			break;
		case 'x':
			existing = update;
			if (!update)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if ((!tmpl && !existing) || optind + 1 != argc)
		goto usage;
	if (tmpl && read_file(tmpl, &text) < 0)
		goto out;
	if (files_dir) {
		struct herr e = HERR_INIT;

		if (!(files = inputs_files_dir(files_dir, MAX_FILES, MAX_FILES_BYTES, &e))) {
			fprintf(stderr, "hearth: %s\n", e.msg);
			goto out;
		}
	} else {
		files = json_object();
	}
	ef = json_array();
	for (int i = 0; i < nenv; i++) {
		char *env;

		if (read_file(envs[i], &env) < 0) {
			json_decref(ef);
			goto out;
		}
		json_object_set_new(files, envs[i], json_string(env));
		json_array_append_new(ef, json_string(envs[i]));
		free(env);
	}
	body = json_pack("{s:s,s:o,s:O,s:O}", "stack_name", argv[optind], "environment_files", ef,
			 "files", files, "parameters", params);
	/* an update keeps the stack's rollback setting unless asked */
	if (!update || rollback)
		json_object_set_new(body, "disable_rollback", json_boolean(!rollback));
	if (text)
		json_object_set_new(body, "template", json_string(text));
	if (timeout)
		json_object_set_new(body, "timeout_mins", json_integer(timeout));
	if ((rc = project(c)))
		goto out;
	if (update) {
		json_object_del(body, "stack_name");
		if (!nenv) /* keep the stack's environment files */
			json_object_del(body, "environment_files");
		if ((rc = canonical(c, argv[optind], base, sizeof(base))) ||
		    (wait && (rc = poll_events_quiet(c, base, marker, sizeof(marker)))))
			goto out;
		st = call(c, existing ? "PATCH" : "PUT", base, body, &resp);
		if (st != 202) {
			rc = fail(st, resp, tmpl);
			goto out;
		}
		rc = wait ? follow(c, base, argv[optind], marker) : 0;
		goto out;
	}
	snprintf(path, sizeof(path), "/v1/%s/stacks", c->project);
	st = call(c, "POST", path, body, &resp);
	if (st != 201) {
		rc = fail(st, resp, tmpl);
		goto out;
	}
	if (!wait) {
		json_t *s = json_object_get(resp, "stack");

		show(c, s, s, (const char *const[]){"id", NULL}, true);
		rc = 0;
		goto out;
	}
	snprintf(base, sizeof(base), "/v1/%s/stacks/%s/%s", c->project, argv[optind],
		 json_string_value(json_object_get(json_object_get(resp, "stack"), "id")));
	rc = follow(c, base, argv[optind], NULL);
	goto out;
usage:
	if (update)
		fprintf(stderr,
			"Usage: hearth stack update [-t TEMPLATE | --existing [-t TEMPLATE]] "
			"[-e ENV]... [-P KEY=VALUE]... [--files-dir DIR] [--timeout MINUTES] "
			"[--enable-rollback] [--wait] NAME\n");
	else
		fprintf(stderr,
			"Usage: hearth stack create -t TEMPLATE [-e ENV]... [-P KEY=VALUE]... "
			"[--files-dir DIR] [--timeout MINUTES] [--enable-rollback] [--wait] "
			"NAME\n");
	rc = 2;
out:
	free(text);
	json_decref(params);
	json_decref(files);
	json_decref(body);
	json_decref(resp);
	return rc;
}

/* ------------------------------------------------------ the simple ones */

/* GET base+sub of a stack named argv[1]; shows key's value with cols. */
static int get_and_show(struct api_conn *c, const char *stack, const char *sub, const char *key,
			const char *const *cols, bool one)
{
	char base[1024], path[2048];
	json_t *b;
	long st;
	int rc;

	if ((rc = project(c)) || (rc = canonical(c, stack, base, sizeof(base))))
		return rc;
	snprintf(path, sizeof(path), "%s%s", base, sub);
	st = call(c, "GET", path, NULL, &b);
	if (st != 200) {
		rc = fail(st, b, NULL);
		json_decref(b);
		return rc;
	}
	show(c, json_object_get(b, key), json_object_get(b, key), cols, one);
	json_decref(b);
	return 0;
}

static int stack_list(struct api_conn *c)
{
	char path[1024];
	json_t *b;
	long st;
	int rc;

	if ((rc = project(c)))
		return rc;
	snprintf(path, sizeof(path), "/v1/%s/stacks", c->project);
	st = call(c, "GET", path, NULL, &b);
	if (st != 200) {
		rc = fail(st, b, NULL);
		json_decref(b);
		return rc;
	}
	show(c, json_object_get(b, "stacks"), json_object_get(b, "stacks"),
	     (const char *const[]){"id", "stack_name", "stack_status", "creation_time",
				   "updated_time", NULL},
	     false);
	json_decref(b);
	return 0;
}

static int stack_delete(struct api_conn *c, const char *stack, bool wait)
{
	char base[1024], marker[128] = "";
	json_t *b = NULL;
	long st;
	int rc;

	if ((rc = project(c)) || (rc = canonical(c, stack, base, sizeof(base))))
		return rc;
	if (wait) { /* only what comes after the delete is followed */
		if ((rc = poll_events_quiet(c, base, marker, sizeof(marker))))
			return rc;
	}
	st = call(c, "DELETE", base, NULL, &b);
	if (st != 204) {
		rc = fail(st, b, NULL);
		json_decref(b);
		return rc;
	}
	json_decref(b);
	if (!wait)
		return 0;
	return follow(c, base, stack, marker);
}

static int admin(struct api_conn *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{"project", required_argument, NULL, 'p'},
		{"role", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *proj = NULL, *role = "member";
	json_t *body, *b;
	long st;
	int opt, rc;

	if (argc < 3 || strcmp(argv[1], "token") != 0 || strcmp(argv[2], "create") != 0)
		goto usage;
	optind = 3;
	while ((opt = getopt_long(argc, argv, "p:r:", lopts, NULL)) != -1) {
		if (opt == 'p')
			proj = optarg;
		else if (opt == 'r')
			role = optarg;
		else
			goto usage;
	}
	if (!proj || optind != argc)
		goto usage;
	body = json_pack("{s:s,s:s}", "project", proj, "role", role);
	st = call(c, "POST", "/v1/admin/tokens", body, &b);
	json_decref(body);
	if (st != 201) {
		rc = fail(st, b, NULL);
		json_decref(b);
		return rc;
	}
	show(c, b, b, (const char *const[]){"token", "project", "role", NULL}, true);
	json_decref(b);
	return 0;
usage:
	fprintf(stderr,
		"Usage: hearth admin token create --project PROJECT [--role member|admin]\n");
	return 2;
}

/* ---------------------------------------------------------------- signal */

/* signal STACK RESOURCE [--status S] [--reason R] [--data D] [--id ID] |
 * [--details JSON]: POST .../resources/RESOURCE/signal.  argv[0] is
 * "signal".  The body has only the keys given; with none, no body at
 * all (a default SUCCESS signal, as openstack stack resource signal). */
static int resource_signal(struct api_conn *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{"status", required_argument, NULL, 's'},  {"reason", required_argument, NULL, 'r'},
		{"data", required_argument, NULL, 'd'},    {"id", required_argument, NULL, 'i'},
		{"details", required_argument, NULL, 'D'}, {NULL, 0, NULL, 0},
	};
	static const char *const keys[] = {"status", "reason", "data", "id"};
	const char *given[4] = {NULL}, *details = NULL;
	char base[1024], path[2048], *text = NULL;
	json_t *b = NULL;
	long st;
	int opt, rc;

	/* 0, not 1: glibc starts afresh and permutes, so that the options may
	 * follow STACK RESOURCE (main's "+" would stay in force otherwise) */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "s:r:d:i:", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (strcmp(optarg, "SUCCESS") != 0 && strcmp(optarg, "FAILURE") != 0) {
				fprintf(stderr,
					"hearth: --status is SUCCESS or FAILURE, not \"%s\"\n",
					optarg);
				return 2;
			}
			given[0] = optarg;
			break;
		case 'r':
			given[1] = optarg;
			break;
		case 'd':
			given[2] = optarg;
			break;
		case 'i':
			given[3] = optarg;
			break;
		case 'D':
			details = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 2 != argc)
		goto usage;
	if (details) {
		json_error_t je;
		json_t *d;

		if (given[0] || given[1] || given[2] || given[3]) {
			fprintf(stderr, "hearth: --details replaces --status, --reason, --data "
					"and --id; give one or the other\n");
			return 2;
		}
		d = json_loads(details, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(d)) {
			if (d)
				fprintf(stderr, "hearth: --details must be a JSON object, not %s\n",
					json_is_array(d)     ? "an array"
					: json_is_string(d)  ? "a string"
					: json_is_null(d)    ? "null"
					: json_is_boolean(d) ? "a boolean"
							     : "a number");
			else
				fprintf(stderr,
					"hearth: --details must be a JSON object: %s (column %d)\n",
					je.text, je.column);
			json_decref(d);
			return 2;
		}
		json_decref(d);
		/* as given, without the leading blanks (hearthd reads a body as
		 * JSON only when it starts with "{", as Heat does) */
		details += strspn(details, " \t\r\n");
	} else if (given[0] || given[1] || given[2] || given[3]) {
		json_t *o = json_object();

		for (size_t k = 0; k < 4; k++)
			if (given[k])
				json_object_set_new(o, keys[k], json_string(given[k]));
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (!text) {
			fprintf(stderr, "hearth: a signal's values must be UTF-8\n");
			return 2;
		}
	}
	if ((rc = project(c)) || (rc = canonical(c, argv[optind], base, sizeof(base))))
		goto out;
	snprintf(path, sizeof(path), "%s/resources/%s/signal", base, argv[optind + 1]);
	st = call_text(c, "POST", path, details ? details : text, &b);
	rc = st >= 200 && st < 300 ? 0 : fail(st, b, NULL);
out:
	json_decref(b);
	free(text);
	return rc;
usage:
	fprintf(stderr, "Usage: hearth signal STACK RESOURCE [--status SUCCESS|FAILURE] "
			"[--reason REASON] [--data DATA] [--id ID] | [--details JSON]\n");
	return 2;
}

int stack_cli_main(struct api_conn *c, int argc, char **argv)
{
	const char *group = argv[0], *verb = argc > 1 ? argv[1] : "";

	if (!c->token || !*c->token) {
		fprintf(stderr, "hearth: no token: set HEARTH_TOKEN or use --token-file\n");
		return 2;
	}
	if (strcmp(group, "admin") == 0)
		return admin(c, argc, argv);
	if (strcmp(group, "signal") == 0)
		return resource_signal(c, argc, argv);
	if (strcmp(group, "resource") == 0 && strcmp(verb, "signal") == 0)
		return resource_signal(c, argc - 1, argv + 1);
	if (strcmp(group, "stack") == 0) {
		if (strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0)
			return stack_create(c, argc - 1, argv + 1, verb[0] == 'u');
		if (strcmp(verb, "list") == 0 && argc == 2)
			return stack_list(c);
		if (strcmp(verb, "show") == 0 && argc == 3)
			return get_and_show(c, argv[2], "", "stack",
					    (const char *const[]){"id", "stack_name", "description",
								  "stack_status",
								  "stack_status_reason",
								  "creation_time", "updated_time",
								  "parameters", "outputs", NULL},
					    true);
		if (strcmp(verb, "delete") == 0 && (argc == 3 || argc == 4)) {
			bool wait = argc == 4 && strcmp(argv[3], "--wait") == 0;

			if (argc == 4 && !wait)
				goto usage;
			return stack_delete(c, argv[2], wait);
		}
	} else if (strcmp(group, "output") == 0) {
		if (strcmp(verb, "list") == 0 && argc == 3)
			return get_and_show(
				c, argv[2], "/outputs", "outputs",
				(const char *const[]){"output_key", "description", NULL}, false);
		if (strcmp(verb, "show") == 0 && argc == 4) {
			char sub[1024];

			snprintf(sub, sizeof(sub), "/outputs/%s", argv[3]);
			return get_and_show(c, argv[2], sub, "output",
					    (const char *const[]){"output_key", "output_value",
								  "description", "output_error",
								  NULL},
					    true);
		}
	} else if (strcmp(group, "resource") == 0) {
		if (strcmp(verb, "list") == 0 && argc == 3)
			return get_and_show(
				c, argv[2], "/resources", "resources",
				(const char *const[]){"resource_name", "physical_resource_id",
						      "resource_type", "resource_status",
						      "updated_time", NULL},
				false);
		if (strcmp(verb, "show") == 0 && argc == 4) {
			char sub[1024];

			snprintf(sub, sizeof(sub), "/resources/%s", argv[3]);
			return get_and_show(
				c, argv[2], sub, "resource",
				(const char *const[]){"resource_name", "physical_resource_id",
						      "resource_type", "resource_status",
						      "resource_status_reason", "required_by",
						      "attributes", NULL},
				true);
		}
	} else if (strcmp(group, "event") == 0 && strcmp(verb, "list") == 0 &&
		   (argc == 3 || (argc == 4 && strcmp(argv[3], "--follow") == 0))) {
		char base[1024];
		int rc;

		if ((rc = project(c)) || (rc = canonical(c, argv[2], base, sizeof(base))))
			return rc;
		if (argc == 4)
			return follow(c, base, argv[2], NULL);
		return get_and_show(c, argv[2], "/events", "events",
				    (const char *const[]){"event_time", "resource_name",
							  "resource_status",
							  "resource_status_reason", NULL},
				    false);
	}
usage:
	fprintf(stderr, "hearth: unknown or incomplete command \"%s %s\" (see hearth --help)\n",
		group, verb);
	return 2;
}
