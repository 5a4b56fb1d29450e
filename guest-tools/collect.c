/* collect (the polling daemon) and apply (see collect.h): options, the
 * polling loop and its backoff.  Fetching is source.c's, running the
 * deployments deploy.c's. */
#include <config.h>

#include "guest-tools/collect.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "guest-tools/alog.h"
#include "guest-tools/deploy.h"
#include "guest-tools/fetch.h"
#include "guest-tools/source.h"

#define DEFAULT_INTERVAL 30
#define DEFAULT_WAIT     60
#define MIN_SLEEP_MS     1000

struct opts {
	bool once;
	int interval_s, wait_s, attempts;
	const char *root, *bind, *state_dir, *metadata_file, *log;
	const char *hooks[DEPLOY_MAX_HOOK_DIRS];
	size_t n_hooks;
};

void collect_usage(FILE *out)
{
	fputs("  collect           run the software deployments of this server: poll its\n"
	      "                    metadata (the os-collect-config section boot wrote) and\n"
	      "                    run each new deployment once, then signal its outputs\n"
	      "  apply [FILE]...   run the deployments of the JSON files named in\n"
	      "                    $OS_CONFIG_FILES (or given): os-collect-config's --command\n"
	      "\n"
	      "Options of collect and apply:\n"
	      "  -R, --root DIR    the guest's root (default $HEARTH_ROOT, else /)\n"
	      "  -b, --bind ADDR   source address of every request (default $HEARTH_BIND)\n"
	      "      --hooks DIR   a hook directory tried before ROOT/var/lib/heat-config/hooks\n"
	      "                    and /usr/libexec/heat-config/hooks (repeatable)\n"
	      "      --state-dir DIR  what ran and was signalled (default\n"
	      "                    ROOT" DEPLOY_STATE_GPATH ")\n"
	      "      --signal-retries N  attempts per signal on connection errors and 5xx\n"
	      "                    (default 10)\n"
	      "      --log FILE    log file, besides stderr\n"
	      "Options of collect only:\n"
	      "      --metadata-file FILE  where the os-collect-config section is read\n"
	      "                    (default ROOT" COLLECT_DATA_GPATH ")\n"
	      "      --once        one pass: fetch, run, signal, exit\n"
	      "      --interval S  longest sleep between polls when the source cannot\n"
	      "                    long-poll, and after errors (default 30)\n"
	      "      --wait S      how long the server may hold a long poll (default 60)\n",
	      out);
}

/* ------------------------------------------------------------- options */

static int number(const char *opt, const char *arg, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "hearth-agent: --%s needs %d to %d, got \"%s\"\n", opt, lo, hi,
			arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_opts(int argc, char **argv, bool apply, struct opts *o)
{
	static const struct option lopts[] = {
		{"root", required_argument, NULL, 'R'},
		{"bind", required_argument, NULL, 'b'},
		{"hooks", required_argument, NULL, 'H'},
		{"state-dir", required_argument, NULL, 'S'},
		{"signal-retries", required_argument, NULL, 'n'},
		{"log", required_argument, NULL, 'L'},
		{"metadata-file", required_argument, NULL, 'M'},
		{"once", no_argument, NULL, 'O'},
		{"interval", required_argument, NULL, 'I'},
		{"wait", required_argument, NULL, 'W'},
		{NULL, 0, NULL, 0},
	};
	const char *env;
	int c;

	memset(o, 0, sizeof(*o));
	o->root = (env = getenv("HEARTH_ROOT")) && *env ? env : "/";
	o->bind = (env = getenv("HEARTH_BIND")) && *env ? env : NULL;
	o->interval_s = DEFAULT_INTERVAL;
	o->wait_s = DEFAULT_WAIT;
	o->attempts = NOTIFY_DEF_ATTEMPTS;
	optind = 1;
	while ((c = getopt_long(argc, argv, "R:b:", lopts, NULL)) != -1) {
		if (apply && strchr("MOIW", c)) {
			fprintf(stderr, "hearth-agent: %s is an option of collect, not apply\n",
				argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'R':
			o->root = optarg;
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'H':
			if (o->n_hooks >= DEPLOY_MAX_HOOK_DIRS - 2) {
				fprintf(stderr, "hearth-agent: at most %d --hooks\n",
					DEPLOY_MAX_HOOK_DIRS - 2);
				return -1;
			}
			o->hooks[o->n_hooks++] = optarg;
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'n':
			if (number("signal-retries", optarg, 1, NOTIFY_MAX_ATTEMPTS, &o->attempts) <
			    0)
				return -1;
			break;
		case 'L':
			o->log = optarg;
			break;
		case 'M':
			o->metadata_file = optarg;
			break;
		case 'O':
			o->once = true;
			break;
		case 'I':
			if (number("interval", optarg, 1, 86400, &o->interval_s) < 0)
				return -1;
			break;
		case 'W':
			if (number("wait", optarg, 1, SOURCE_MAX_WAIT, &o->wait_s) < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (!apply && optind != argc) {
		fprintf(stderr, "hearth-agent: collect takes no arguments, got \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if (o->root[0] != '/') {
		fputs("hearth-agent: --root must be an absolute path\n", stderr);
		return -1;
	}
	return 0;
}

/* Opens the log, sets up the signals and the deployment context. */
static int setup(const struct opts *o, struct deploy_ctx *dc)
{
	struct notify_conf nc = {o->bind, o->attempts};
	struct sigaction sa = {0};
	struct herr e = HERR_INIT;

	if (o->log) {
		if (rootfs_mkparent(o->log, &e) < 0) {
			fprintf(stderr, "hearth-agent: %s\n", e.msg);
			return -1;
		}
		if (alog_open(o->log) < 0)
			return -1;
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (deploy_init(dc, o->root, o->hooks, o->n_hooks, o->state_dir, &nc, &e) < 0) {
		alog_error("%s", e.msg);
		return -1;
	}
	return 0;
}

static void on_stop(int sig)
{
	(void)sig;
	fetch_stop();
}

/* SIGTERM and SIGINT stop the agent; without SA_RESTART, so that waits
 * end early. */
static void catch_stop(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* A document's deployments (borrowed), or NULL. */
static json_t *deployments_of(json_t *doc, const char *where)
{
	json_t *list = json_object_get(doc, "deployments");

	if (list && !json_is_array(list)) {
		alog_warn("%s: \"deployments\" is not a list: ignored", where);
		return NULL;
	}
	return list;
}

/* --------------------------------------------------------------- apply */

int apply_main(int argc, char **argv)
{
	struct opts o;
	struct deploy_ctx dc;
	const char *env = getenv("OS_CONFIG_FILES");
	char *files = NULL, *save = NULL;
	json_t *list = NULL;
	bool bad = false;
	enum deploy_outcome out;
	int rc = 1;

	if (parse_opts(argc, argv, true, &o) < 0)
		return 2;
	if (optind == argc && (!env || !*env)) {
		fputs("hearth-agent: apply needs FILE arguments or $OS_CONFIG_FILES\n", stderr);
		return 2;
	}
	if (setup(&o, &dc) < 0)
		goto out;
	catch_stop();
	list = json_array();
	files = optind == argc ? strdup(env) : NULL;
	for (int i = optind;; i++) {
		const char *path = files      ? strtok_r(i == optind ? files : NULL, ":", &save)
				   : i < argc ? argv[i]
					      : NULL;
		json_error_t je;
		json_t *doc, *dl;

		if (!path)
			break;
		doc = json_load_file(path, JSON_DECODE_ANY, &je);
		if (!doc) {
			alog_error("apply: %s: %s", path, je.text);
			bad = true;
			continue;
		}
		dl = json_is_array(doc) ? doc : deployments_of(doc, path);
		if (dl)
			json_array_extend(list, dl);
		alog_info("apply: %s: %zu deployment(s)", path, json_array_size(dl));
		json_decref(doc);
	}
	out = deploy_list(&dc, list);
	rc = bad || out == DEPLOY_ERROR ? 1 : out == DEPLOY_UNSENT ? 3 : 0;
out:
	json_decref(list);
	free(files);
	alog_close();
	return rc;
}

/* ------------------------------------------------------------- collect */

struct collector {
	struct opts o;
	struct deploy_ctx dc;
	json_t *section; /* the os-collect-config section in use */
	struct sources srcs;
	json_t *last;   /* the last document */
	char etag[256]; /* of the last hearth answer, unquoted */
	bool pending;   /* the last pass left work: signals to send again */
};

/* Uses section's sources, unless it names none. */
static void use_section(struct collector *c, json_t *section)
{
	struct sources s;

	source_load(section, &s);
	if (s.n == 0) {
		alog_warn("os-collect-config names no source hearth-agent reads (hearth, "
			  "request, cfn): %s",
			  c->srcs.n ? "the previous ones are kept" : "nothing to poll");
		source_release(&s);
		return;
	}
	source_release(&c->srcs);
	c->srcs = s;
	c->etag[0] = '\0';
	json_decref(c->section);
	c->section = json_incref(section);
	for (size_t i = 0; i < s.n; i++) {
		char shown[512];

		fetch_redact(s.v[i].url, shown, sizeof(shown));
		alog_info("collect: metadata source %zu: %s %s", i + 1, source_name(&s.v[i]),
			  shown);
	}
}

static int load_section(struct collector *c)
{
	char def[ROOTFS_PATH_MAX];
	const char *path = c->o.metadata_file;
	struct herr e = HERR_INIT;
	json_error_t je;
	json_t *doc;

	if (!path) {
		if (rootfs_path(c->o.root, COLLECT_DATA_GPATH, def, sizeof(def), &e) < 0) {
			alog_error("%s", e.msg);
			return -1;
		}
		path = def;
	}
	doc = json_load_file(path, 0, &je);
	if (!json_is_object(json_object_get(doc, "os-collect-config"))) {
		alog_error("collect: %s: %s", path,
			   doc ? "no \"os-collect-config\" object" : je.text);
		json_decref(doc);
		return -1;
	}
	use_section(c, json_object_get(doc, "os-collect-config"));
	json_decref(doc);
	return c->srcs.n ? 0 : -1;
}

/* One poll: the first source that answers gives the document; a new one
 * (or work left by the last pass) is run.  -1 when no source answered. */
static int poll_pass(struct collector *c, bool wait, enum deploy_outcome *out, bool *long_poll,
		     bool *changed)
{
	*out = DEPLOY_OK;
	*long_poll = *changed = false;
	for (size_t i = 0; i < c->srcs.n; i++) {
		const struct source *s = &c->srcs.v[i];
		const char *name = source_name(s); /* static: s changes with the section */
		bool hearth = s->kind == SOURCE_HEARTH;
		struct herr e = HERR_INIT;
		char etag[256];
		json_t *doc, *sec;
		int rc = source_fetch(s, c->o.bind, wait && hearth ? c->etag : NULL, c->o.wait_s,
				      &doc, etag, sizeof(etag), &e);

		if (rc < 0) {
			if (fetch_stopped())
				return -1;
			alog_warn("collect: %s", e.msg);
			continue;
		}
		*long_poll = wait && hearth;
		if (rc == 0) {
			if (hearth)
				snprintf(c->etag, sizeof(c->etag), "%s", etag);
			*changed = !c->last || !json_equal(doc, c->last);
			json_decref(c->last);
			c->last = doc;
		}
		if (*changed) {
			alog_info("collect: new metadata from %s: %zu deployment(s)", name,
				  json_array_size(json_object_get(c->last, "deployments")));
			sec = json_object_get(c->last, "os-collect-config");
			if (json_is_object(sec) && !json_equal(sec, c->section))
				use_section(c, sec);
		}
		if (*changed || c->pending) {
			*out = deploy_list(&c->dc, deployments_of(c->last, name));
			c->pending = *out == DEPLOY_UNSENT || *out == DEPLOY_ERROR;
		}
		return 0;
	}
	return -1;
}

/* One process per state directory: collect.pid holds the lock and pid.
 * 0 locked, 1 another holds it, -1 error. */
static int lock_state(const struct deploy_ctx *dc, int *fd)
{
	char path[ROOTFS_PATH_MAX + 16], pid[32];
	int n;

	snprintf(path, sizeof(path), "%s/collect.pid", dc->state);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		alog_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)pread(*fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		alog_info("collect: another hearth-agent collect (pid %.*s) serves %s: exiting",
			  (int)strcspn(pid, "\n"), pid, dc->state);
		close(*fd);
		*fd = -1;
		return 1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) < 0 || pwrite(*fd, pid, (size_t)n, 0) != n)
		alog_warn("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int once_status(int polled, enum deploy_outcome o)
{
	if (polled < 0)
		return 3;
	switch (o) {
	case DEPLOY_OK:
		return 0;
	case DEPLOY_FAILED:
	case DEPLOY_REFUSED:
		return 1;
	case DEPLOY_UNSENT:
		return 3;
	case DEPLOY_ERROR:
		break;
	}
	return 4;
}

int collect_main(int argc, char **argv)
{
	struct collector c = {0};
	int rc = 4, lock_fd = -1, sleep_ms = MIN_SLEEP_MS, err_ms = MIN_SLEEP_MS;

	if (parse_opts(argc, argv, false, &c.o) < 0)
		return 2;
	if (setup(&c.o, &c.dc) < 0)
		goto out;
	catch_stop();
	if (!c.o.once) {
		int l = lock_state(&c.dc, &lock_fd);

		if (l != 0) {
			rc = l > 0 ? 0 : 4;
			goto out;
		}
	}
	alog_info("collect: root %s%s%s, state %s%s", c.o.root, c.o.bind ? ", from " : "",
		  c.o.bind ? c.o.bind : "", c.dc.state, c.o.once ? ", one pass" : "");
	/* The section boot wrote; a service may start before boot wrote it. */
	while (load_section(&c) < 0) {
		if (c.o.once || !fetch_sleep_ms(err_ms)) {
			rc = c.o.once ? 4 : 0;
			goto out;
		}
		err_ms = err_ms * 2 > c.o.interval_s * 1000 ? c.o.interval_s * 1000 : err_ms * 2;
	}
	err_ms = MIN_SLEEP_MS;
	for (;;) {
		uint64_t start = clock_now_ns(), elapsed_ms;
		enum deploy_outcome o;
		bool long_poll, changed;
		struct stat st;
		int polled = poll_pass(&c, !c.o.once, &o, &long_poll, &changed);

		if (c.o.once) {
			rc = once_status(polled, o);
			break;
		}
		if (fetch_stopped())
			break;
		if (stat(c.o.root, &st) < 0 && errno == ENOENT) {
			alog_info("collect: %s is gone: exiting", c.o.root);
			break;
		}
		if (polled < 0) {
			/* errors: back off, doubling up to the interval */
			if (!fetch_sleep_ms(err_ms))
				break;
			err_ms = err_ms * 2 > c.o.interval_s * 1000 ? c.o.interval_s * 1000
								    : err_ms * 2;
			continue;
		}
		err_ms = MIN_SLEEP_MS;
		/* A long poll waits at the server: ask again at once, unless it
		 * answered at once with nothing new (a server that does not
		 * hold the request must not make the agent spin), and never
		 * more often than once a second. */
		elapsed_ms = (clock_now_ns() - start) / 1000000ull;
		if (long_poll && (changed || elapsed_ms >= MIN_SLEEP_MS)) {
			if (elapsed_ms < MIN_SLEEP_MS &&
			    !fetch_sleep_ms(MIN_SLEEP_MS - (int)elapsed_ms))
				break;
			continue;
		}
		/* os-collect-config's schedule: 1 s, doubling up to the interval */
		if (!fetch_sleep_ms(sleep_ms))
			break;
		sleep_ms =
			sleep_ms * 2 > c.o.interval_s * 1000 ? c.o.interval_s * 1000 : sleep_ms * 2;
	}
	if (!c.o.once) {
		alog_info("collect: stopping");
		rc = 0;
	}
out:
	source_release(&c.srcs);
	json_decref(c.section);
	json_decref(c.last);
	if (lock_fd >= 0)
		close(lock_fd);
	alog_close();
	return rc;
}
