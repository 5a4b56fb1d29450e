/* The boot sequence (see boot.h): options, the order of the steps, the
 * state directory and the once-per-instance marker.  The steps themselves
 * live in their own files. */
#include <config.h>

#include "guest-tools/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest-tools/alog.h"
#include "guest-tools/cloudconfig.h"
#include "guest-tools/collect.h"
#include "guest-tools/guest.h"
#include "guest-tools/imds.h"
#include "guest-tools/rootfs.h"
#include "guest-tools/run.h"
#include "guest-tools/sshkeys.h"
#include "guest-tools/userdata.h"

#define DEFAULT_URL     "http://169.254.169.254"
#define DEFAULT_USER    "hearth"
#define DEFAULT_TIMEOUT 120
#define STATE_GPATH     "/var/lib/hearth-agent"
#define LOG_GPATH       "/var/log/hearth-agent.log"
#define COLLECT_LOG     "/var/log/hearth-agent-collect.log"
#define MAX_ENV         24

struct boot_opts {
	const char *url, *bind, *root, *user, *state_dir, *log;
	int timeout_s;
	bool force, no_run, no_collect;
};

void boot_usage(FILE *out)
{
	fputs("  boot              configure this guest from the metadata service, as\n"
	      "                    cloud-init does: host name, SSH keys, user_data\n"
	      "\n"
	      "Options of boot:\n"
	      "  -m, --metadata-url URL  the metadata service (default\n"
	      "                    $HEARTH_METADATA_URL, else " DEFAULT_URL ")\n"
	      "  -b, --bind ADDR   source address of every request (default $HEARTH_BIND)\n"
	      "  -R, --root DIR    the guest's root: every file is written under it\n"
	      "                    (default $HEARTH_ROOT, else /)\n"
	      "  -u, --user NAME   default user, who gets the instance's SSH keys\n"
	      "                    (default $HEARTH_USER, else " DEFAULT_USER ")\n"
	      "      --state-dir DIR  instance data and the boot-finished marker\n"
	      "                    (default ROOT" STATE_GPATH ")\n"
	      "      --log FILE    log file, besides stderr\n"
	      "                    (default ROOT" LOG_GPATH ")\n"
	      "  -t, --timeout S   how long to wait for the metadata service (default 120)\n"
	      "  -f, --force       run user_data again although this instance has booted\n"
	      "      --no-run      fetch and write files, but run no command or script\n"
	      "      --no-collect  do not start collect, although user_data carries Heat's\n"
	      "                    os-collect-config section (software deployments)\n",
	      out);
}

/* ------------------------------------------------------------- options */

static int parse_opts(int argc, char **argv, struct boot_opts *o)
{
	static const struct option lopts[] = {
		{"metadata-url", required_argument, NULL, 'm'},
		{"bind", required_argument, NULL, 'b'},
		{"root", required_argument, NULL, 'R'},
		{"user", required_argument, NULL, 'u'},
		{"state-dir", required_argument, NULL, 'S'},
		{"log", required_argument, NULL, 'L'},
		{"timeout", required_argument, NULL, 't'},
		{"force", no_argument, NULL, 'f'},
		{"no-run", no_argument, NULL, 'N'},
		{"no-collect", no_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	const char *env;
	char *end;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->url = (env = getenv("HEARTH_METADATA_URL")) && *env ? env : DEFAULT_URL;
	o->bind = (env = getenv("HEARTH_BIND")) && *env ? env : NULL;
	o->root = (env = getenv("HEARTH_ROOT")) && *env ? env : "/";
	o->user = (env = getenv("HEARTH_USER")) && *env ? env : DEFAULT_USER;
	o->timeout_s = DEFAULT_TIMEOUT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:b:R:u:t:f", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->url = optarg;
			break;
		case 'b':
			o->bind = optarg;
			break;
		case 'R':
			o->root = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'L':
			o->log = optarg;
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || v < 1 || v > 86400) {
				fprintf(stderr,
					"hearth-agent: --timeout needs 1 to 86400 seconds, got \"%s\"\n",
					optarg);
				return -1;
			}
			o->timeout_s = (int)v;
			break;
		case 'f':
			o->force = true;
			break;
		case 'N':
			o->no_run = true;
			break;
		case 'C':
			o->no_collect = true;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hearth-agent: boot takes no arguments, got \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0) {
		fprintf(stderr, "hearth-agent: --metadata-url must be http:// or https://\n");
		return -1;
	}
	if (!sshkeys_valid_user(o->user)) {
		fprintf(stderr, "hearth-agent: invalid --user \"%s\"\n", o->user);
		return -1;
	}
	if (o->root[0] != '/') {
		fprintf(stderr, "hearth-agent: --root must be an absolute path\n");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- environment */

/* The environment of everything run: a clean one, with where the guest
 * lives and who it is.  Strings are owned by the static buffer. */
static char **build_env(const struct guest *g, const struct boot_opts *o, const char *uuid)
{
	static char buf[MAX_ENV][PATH_MAX + 32];
	static char *env[MAX_ENV + 1];
	struct passwd *pw = getpwuid(geteuid());
	const char *path = getenv("PATH"), *tmp = getenv("TMPDIR"), *home;
	int n = 0;

	if (g->system)
		home = g->privileged ? "/root" : pw ? pw->pw_dir : "/";
	else
		home = g->root;
#define PUT(...) snprintf(buf[n], sizeof(buf[n]), __VA_ARGS__), env[n] = buf[n], n++
	PUT("PATH=%s",
	    path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	PUT("HOME=%s", home);
	/* A guest of the local driver runs as a uid with no passwd entry. */
	if (pw) {
		PUT("USER=%s", pw->pw_name);
		PUT("LOGNAME=%s", pw->pw_name);
	} else {
		PUT("USER=%u", (unsigned)geteuid());
		PUT("LOGNAME=%u", (unsigned)geteuid());
	}
	PUT("SHELL=/bin/sh");
	PUT("LANG=C");
	if (tmp && *tmp)
		PUT("TMPDIR=%s", tmp);
	PUT("HEARTH_ROOT=%s", g->root);
	PUT("HEARTH_STATE_DIR=%s", g->state);
	PUT("HEARTH_METADATA_URL=%s", o->url);
	if (o->bind)
		PUT("HEARTH_BIND=%s", o->bind);
	PUT("HEARTH_INSTANCE_ID=%s", uuid);
#undef PUT
	env[n] = NULL;
	return env;
}

/* ---------------------------------------------------------------- steps */

/* Writes one file of the instance data (0600: user_data may hold tokens). */
static int save(const struct guest *g, const char *name, const char *data, size_t len)
{
	char path[ROOTFS_PATH_MAX + 64];
	struct herr e = HERR_INIT;

	snprintf(path, sizeof(path), "%s/instance/%s", g->state, name);
	if (rootfs_write(path, data, len, 0600, &e) < 0) {
		alog_error("cannot save instance data: %s", e.msg);
		return -1;
	}
	return 0;
}

static int save_instance(const struct guest *g, const struct imds_data *d)
{
	char dir[ROOTFS_PATH_MAX + 16];
	struct herr e = HERR_INIT;

	snprintf(dir, sizeof(dir), "%s/instance", g->state);
	if (rootfs_mkdirs(dir, 0700, &e) < 0) {
		alog_error("%s", e.msg);
		return -1;
	}
	if (save(g, "meta_data.json", d->meta_text, d->meta_len) < 0)
		return -1;
	if (d->net_text && save(g, "network_data.json", d->net_text, d->net_len) < 0)
		return -1;
	if (d->user_data && save(g, "user_data", d->user_data, d->user_data_len) < 0)
		return -1;
	return 0;
}

/* Whether boot-finished names this instance. */
static bool booted_before(const struct guest *g, const char *uuid)
{
	char path[ROOTFS_PATH_MAX + 16], *text, *sp;
	bool same = false;

	snprintf(path, sizeof(path), "%s/boot-finished", g->state);
	text = rootfs_read(path, 4096, NULL, NULL);
	if (!text)
		return false;
	sp = strchr(text, ' ');
	if (sp) {
		sp[1 + strcspn(sp + 1, " \r\n")] = '\0';
		same = strcmp(sp + 1, uuid) == 0;
	}
	free(text);
	return same;
}

static int mark_finished(const struct guest *g, const char *uuid)
{
	char path[ROOTFS_PATH_MAX + 16], line[256], stamp[32];
	struct herr e = HERR_INIT;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s %s\n", stamp, uuid);
	snprintf(path, sizeof(path), "%s/boot-finished", g->state);
	if (rootfs_write(path, line, (size_t)n, 0644, &e) < 0) {
		alog_error("%s", e.msg);
		return -1;
	}
	return 0;
}

static bool valid_hostname(const char *h)
{
	size_t n = strlen(h);

	return n >= 1 && n <= 63 && h[0] != '-' &&
	       strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static void set_hostname(const struct guest *g, const struct imds_data *d, json_t *cfg)
{
	char name[256] = "", path[ROOTFS_PATH_MAX], line[80];
	struct herr e = HERR_INIT;
	int rc = cloudconfig_hostname(cfg, name, sizeof(name));

	if (rc == 1) {
		alog_info("hostname: preserve_hostname is set: left alone");
		return;
	}
	if (rc < 0 && d->hostname)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(d->hostname, "."), d->hostname);
	if (!name[0]) {
		alog_info("hostname: none in the metadata");
		return;
	}
	if (!valid_hostname(name)) {
		alog_error("hostname: \"%.64s\" is not a valid host name: left alone", name);
		return;
	}
	snprintf(line, sizeof(line), "%s\n", name);
	if (rootfs_path(g->root, "/etc/hostname", path, sizeof(path), &e) < 0 ||
	    rootfs_write(path, line, strlen(line), 0644, &e) < 0) {
		alog_error("hostname: %s", e.msg);
		return;
	}
	if (g->system && sethostname(name, strlen(name)) < 0)
		alog_warn("hostname: wrote /etc/hostname, but sethostname: %s", strerror(errno));
	alog_info("hostname: %s", name);
}

static void install_default_keys(const struct guest *g, const struct imds_data *d, json_t *cfg)
{
	json_t *keys = json_copy(d->keys);
	struct herr e = HERR_INIT;
	int n;

	cloudconfig_default_keys(cfg, keys);
	if (json_array_size(keys) == 0) {
		alog_info("ssh keys: none for %s", g->user);
	} else if ((n = sshkeys_install(g, g->user, keys, &e)) < 0) {
		alog_error("ssh keys for %s: %s", g->user, e.msg);
	} else {
		alog_info("ssh keys: %s has %zu key(s), %d new", g->user, json_array_size(keys), n);
	}
	json_decref(keys);
}

/* Parts that are scripts are written to the state directory and run in
 * order; the others are reported.  Returns how many failed. */
static int run_scripts(const struct guest *g, const struct ud_parts *parts)
{
	int failed = 0;

	for (size_t i = 0; i < parts->n; i++) {
		const struct ud_part *p = &parts->v[i];
		char path[ROOTFS_PATH_MAX + 64], label[64];
		char *argv[2] = {path, NULL};
		struct herr e = HERR_INIT;

		if (p->kind != UD_SCRIPT)
			continue;
		snprintf(label, sizeof(label), "user_data part %zu", i + 1);
		snprintf(path, sizeof(path), "%s/instance/scripts/part-%03zu", g->state, i + 1);
		if (rootfs_write(path, p->body, p->len, 0700, &e) < 0) {
			alog_error("%s: %s", label, e.msg);
			failed++;
			continue;
		}
		if (run_argv(g, label, argv) != 0)
			failed++;
	}
	return failed;
}

/* Splits user_data and merges its cloud-config parts into cfg. */
static void read_user_data(const struct imds_data *d, struct ud_parts *parts, json_t *cfg)
{
	struct herr e = HERR_INIT;

	if (!d->user_data) {
		alog_info("user_data: none");
		return;
	}
	if (userdata_split(d->user_data, d->user_data_len, parts, &e) < 0) {
		alog_error("user_data (%zu bytes) cannot be read: %s: not applied",
			   d->user_data_len, e.msg);
		return;
	}
	for (size_t i = 0; i < parts->n; i++) {
		const struct ud_part *p = &parts->v[i];
		const char *why = NULL;

		alog_info("user_data part %zu: %s (%s%s%s), %zu bytes", i + 1,
			  userdata_kind_name(p->kind), p->ctype, p->name[0] ? ", " : "", p->name,
			  p->len);
		switch (p->kind) {
		case UD_CLOUD_CONFIG:
			herr_clear(&e);
			if (cloudconfig_merge(cfg, p->body, p->len, &e) < 0)
				alog_error("user_data part %zu: invalid cloud-config: %s", i + 1,
					   e.msg);
			break;
		case UD_INCLUDE:
			why = "refused: hearth-agent does not fetch URLs from user_data";
			break;
		case UD_BOOTHOOK:
			why = "not supported";
			break;
		case UD_UNKNOWN:
			why = "unhandled type";
			break;
		case UD_HANDLER:
			alog_info(
				"user_data part %zu (%s): not run: hearth-agent runs no Python part "
				"handlers (it writes text/x-cfninitdata parts itself)",
				i + 1, p->ctype);
			break;
		case UD_SCRIPT:
		case UD_CFNDATA:
			break;
		}
		if (why)
			alog_warn("user_data part %zu (%s): %s: skipped", i + 1, p->ctype, why);
	}
}

/* ------------------------------------------------ software deployments */

static bool valid_file_name(const char *n)
{
	size_t len = strlen(n);

	return len >= 1 && len < 128 && n[0] != '.' &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       len;
}

/* text/x-cfninitdata parts, where Heat's part handler puts them:
 * ROOT/var/lib/heat-cfntools/NAME (a 0700 directory) and
 * ROOT/var/lib/cloud/data/NAME, 0600 (they carry credentials).  Returns
 * how many failed. */
static int write_cfn_data(const struct guest *g, const struct ud_parts *parts)
{
	static const struct {
		const char *dir;
		mode_t mode;
	} dirs[] = {{"/var/lib/heat-cfntools", 0700}, {"/var/lib/cloud/data", 0755}};
	int failed = 0;

	for (size_t i = 0; i < parts->n; i++) {
		const struct ud_part *p = &parts->v[i];

		if (p->kind != UD_CFNDATA)
			continue;
		if (!valid_file_name(p->name)) {
			alog_error("user_data part %zu (%s): no file name fit for a file: skipped",
				   i + 1, p->ctype);
			failed++;
			continue;
		}
		for (size_t d = 0; d < sizeof(dirs) / sizeof(*dirs); d++) {
			char dir[ROOTFS_PATH_MAX], path[ROOTFS_PATH_MAX + 130];
			struct herr e = HERR_INIT;

			if (rootfs_path(g->root, dirs[d].dir, dir, sizeof(dir), &e) == 0 &&
			    rootfs_mkdirs(dir, dirs[d].mode, &e) == 0 &&
			    chmod(dir, dirs[d].mode) < 0)
				herr_errno(&e, errno, "cannot chmod %s", dir);
			snprintf(path, sizeof(path), "%s/%s", dir, p->name);
			if (herr_isset(&e) || rootfs_write(path, p->body, p->len, 0600, &e) < 0) {
				alog_error("user_data part %zu: %s", i + 1, e.msg);
				failed++;
				continue;
			}
			alog_info("user_data part %zu: wrote %s/%s (%zu bytes)", i + 1, dirs[d].dir,
				  p->name, p->len);
		}
	}
	return failed;
}

/* Starts `hearth-agent collect` in the background when the metadata boot
 * wrote for heat-cfntools names an os-collect-config section: detached
 * (double fork; a new session only when there is a terminal to leave, so
 * that whoever stops the boot's process group stops it too), its output
 * appended to ROOT/var/log/hearth-agent-collect.log. */
static void start_collect(const struct guest *g, const struct boot_opts *o)
{
	char data[ROOTFS_PATH_MAX], logpath[ROOTFS_PATH_MAX], exe[PATH_MAX];
	char *argv[] = {exe,  "collect", "--root", (char *)g->root, "--log", logpath,
			NULL, NULL,      NULL};
	struct herr e = HERR_INIT;
	json_t *doc;
	bool wanted;
	pid_t pid;
	ssize_t n;
	int status;

	if (rootfs_path(g->root, COLLECT_DATA_GPATH, data, sizeof(data), &e) < 0 ||
	    rootfs_path(g->root, COLLECT_LOG, logpath, sizeof(logpath), &e) < 0)
		return;
	doc = json_load_file(data, 0, NULL);
	wanted = json_is_object(json_object_get(doc, "os-collect-config"));
	json_decref(doc);
	if (!wanted)
		return;
	if (o->no_collect || g->no_run) {
		alog_info("collect: not started (%s)", o->no_collect ? "--no-collect" : "--no-run");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || rootfs_mkparent(logpath, &e) < 0) {
		alog_error("collect: cannot start: %s", n <= 0 ? strerror(errno) : e.msg);
		return;
	}
	exe[n] = '\0';
	if (o->bind) {
		argv[6] = "--bind";
		argv[7] = (char *)o->bind;
	}
	pid = fork();
	if (pid < 0) {
		alog_error("collect: cannot fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int tty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC), out, in;

		if (tty >= 0) {
			close(tty);
			setsid();
		}
		pid = fork();
		if (pid != 0)
			_exit(pid < 0);
		out = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (out < 0 || in < 0)
			_exit(127);
		dup2(in, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		if (chdir(g->root) < 0)
			_exit(127);
		execve(exe, argv, g->env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		alog_info("collect: started in the background (log %s)", COLLECT_LOG);
	else
		alog_error("collect: cannot fork");
}

/* ----------------------------------------------------------------- main */

int boot_main(int argc, char **argv)
{
	struct boot_opts o;
	struct guest g = {0};
	struct imds_conf conf;
	struct imds_data d = {0};
	struct ud_parts parts = {0};
	struct herr e = HERR_INIT;
	char logpath[ROOTFS_PATH_MAX], real[PATH_MAX];
	json_t *cfg = NULL;
	int rc = 1, failed = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	g.root = o.root;
	g.system = realpath(o.root, real) && strcmp(real, "/") == 0;
	g.privileged = geteuid() == 0;
	g.no_run = o.no_run;
	g.user = o.user;
	if (o.state_dir)
		snprintf(g.state, sizeof(g.state), "%s", o.state_dir);
	else if (rootfs_path(o.root, STATE_GPATH, g.state, sizeof(g.state), &e) < 0)
		goto fail_early;
	if (o.log)
		snprintf(logpath, sizeof(logpath), "%s", o.log);
	else if (rootfs_path(o.root, LOG_GPATH, logpath, sizeof(logpath), &e) < 0)
		goto fail_early;
	if (rootfs_mkparent(logpath, &e) == 0)
		alog_open(logpath);
	else
		alog_warn("no log file: %s", e.msg);

	alog_info("boot: metadata %s%s%s, root %s, user %s%s", o.url, o.bind ? " from " : "",
		  o.bind ? o.bind : "", o.root, o.user, g.privileged ? "" : " (unprivileged)");
	conf = (struct imds_conf){o.url, o.bind, o.timeout_s};
	herr_clear(&e);
	if (imds_fetch(&conf, &d, &e) < 0) {
		alog_error("boot failed: %s", e.msg);
		goto out;
	}
	alog_info("instance %s: %s tree %s, hostname %s, %zu key(s), user_data %zu bytes", d.uuid,
		  d.source, d.version, d.hostname ? d.hostname : "(none)", json_array_size(d.keys),
		  d.user_data_len);
	if (save_instance(&g, &d) < 0)
		goto out;
	g.env = build_env(&g, &o, d.uuid);

	cfg = json_object();
	read_user_data(&d, &parts, cfg);

	/* Every boot. */
	failed += cloudconfig_bootcmd(&g, cfg);
	set_hostname(&g, &d, cfg);
	install_default_keys(&g, &d, cfg);

	/* Once per instance. */
	if (booted_before(&g, d.uuid) && !o.force) {
		alog_info("instance %s has booted before: user_data not run again (--force "
			  "to run it)",
			  d.uuid);
	} else {
		failed += write_cfn_data(&g, &parts);
		failed += cloudconfig_write_files(&g, cfg, false);
		failed += cloudconfig_users(&g, cfg);
		failed += cloudconfig_write_files(&g, cfg, true);
		failed += run_scripts(&g, &parts);
		failed += cloudconfig_runcmd(&g, cfg);
	}
	if (mark_finished(&g, d.uuid) < 0)
		goto out;
	start_collect(&g, &o);
	if (failed)
		alog_warn("boot finished for instance %s; %d step(s) failed (see above)", d.uuid,
			  failed);
	else
		alog_info("boot finished for instance %s", d.uuid);
	rc = 0;
out:
	json_decref(cfg);
	userdata_release(&parts);
	imds_data_release(&d);
	alog_close();
	return rc;
fail_early:
	fprintf(stderr, "hearth-agent: %s\n", e.msg);
	return 2;
}
