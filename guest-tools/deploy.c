/* Running deployments and their state (see deploy.h). */
#include "guest-tools/deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/text.h"
#include "guest-tools/alog.h"
#include "guest-tools/fetch.h"
#include "guest-tools/hooks.h"
#include "guest-tools/run.h"

extern char **environ;

#define HOOKS_GPATH    "/var/lib/heat-config/hooks"
#define SYS_HOOKS      "/usr/libexec/heat-config/hooks"
#define WORKING_GPATH  "/var/lib/heat-config/heat-config-script"
#define OUTPUTS_GPATH  "/var/run/heat-config/heat-config-script"
#define MAX_STATE_FILE (8u << 20)

/* ------------------------------------------------------------- helpers */

json_t *deploy_input(json_t *config, const char *name)
{
	json_t *in;
	size_t i;

	json_array_foreach (json_object_get(config, "inputs"), i, in) {
		const char *n = json_string_value(json_object_get(in, "name"));

		if (n && strcmp(n, name) == 0) {
			json_t *v = json_object_get(in, "value");

			return v ? v : json_null();
		}
	}
	return NULL;
}

json_t *deploy_text(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '?';
	buf[n] = '\0';
	text_utf8_clean(buf);
	return json_stringn(buf, n);
}

json_t *deploy_result(char *out, size_t out_len, char *err, size_t err_len, int code)
{
	return json_pack("{s:o, s:o, s:i}", "deploy_stdout", deploy_text(out, out_len),
			 "deploy_stderr", deploy_text(err, err_len), "deploy_status_code", code);
}

/* A result that reports msg as the failure. */
static json_t *failure(const char *msg)
{
	return json_pack("{s:s, s:s+, s:i}", "deploy_stdout", "", "deploy_stderr", msg, "\n",
			 "deploy_status_code", 1);
}

/* A config id names files: 1-128 of [A-Za-z0-9._-], not starting with '.'. */
static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 128 && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Whether result reports a failure, as the server will judge it
 * (signal-deploy-spec §3.3): a status code other than 0, or an output
 * declared error_output present. */
static bool result_failed(json_t *cfg, json_t *result)
{
	json_t *code = json_object_get(result, "deploy_status_code"), *out;
	size_t i;

	if (json_is_integer(code) && json_integer_value(code) != 0)
		return true;
	if (json_is_string(code) && json_string_length(code) > 0 &&
	    strcmp(json_string_value(code), "0") != 0)
		return true;
	if (json_is_true(code) || (json_is_real(code) && json_real_value(code) != 0))
		return true;
	json_array_foreach (json_object_get(cfg, "outputs"), i, out) {
		const char *name = json_string_value(json_object_get(out, "name"));

		if (name && json_is_true(json_object_get(out, "error_output")) &&
		    json_object_get(result, name))
			return true;
	}
	return false;
}

static int write_json(const char *path, json_t *doc, struct herr *e)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	int rc;

	if (!text) {
		herr_set(e, HERR_NOMEM, "cannot encode %s", path);
		return -1;
	}
	rc = rootfs_write(path, text, strlen(text), 0600, e);
	free(text);
	return rc;
}

/* ------------------------------------------------------------- configs */

/* A copy of item as its hook sees it: every input has a value, and a
 * String input's value is a string (null becomes "", other JSON values
 * their JSON text). */
static json_t *normalize(json_t *item)
{
	json_t *cfg = json_deep_copy(item), *in;
	size_t i;

	json_array_foreach (json_object_get(cfg, "inputs"), i, in) {
		const char *type = json_string_value(json_object_get(in, "type"));
		json_t *v = json_object_get(in, "value");

		if (!json_is_object(in))
			continue;
		if (type && strcmp(type, "String") != 0) {
			if (!v)
				json_object_set_new(in, "value", json_null());
		} else if (!v || json_is_null(v)) {
			json_object_set_new(in, "value", json_string(""));
		} else if (!json_is_string(v)) {
			char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

			json_object_set_new(in, "value", json_string(text ? text : ""));
			free(text);
		}
	}
	return cfg;
}

/* Group "component" (OS::Heat::SoftwareComponent): the entry of
 * config.configs whose actions hold deploy_action gives the config and
 * the group (its tool).  false when none does. */
static bool pick_component(json_t *cfg)
{
	const char *action = json_string_value(deploy_input(cfg, "deploy_action"));
	json_t *entry;
	size_t i;

	json_array_foreach (json_object_get(json_object_get(cfg, "config"), "configs"), i, entry) {
		json_t *a, *actions = json_object_get(entry, "actions");
		size_t j;

		json_array_foreach (actions, j, a) {
			if (action && json_is_string(a) &&
			    strcmp(json_string_value(a), action) == 0) {
				json_t *conf = json_incref(json_object_get(entry, "config"));
				json_t *tool = json_incref(json_object_get(entry, "tool"));

				json_object_set_new(cfg, "config", conf ? conf : json_string(""));
				json_object_set_new(cfg, "group",
						    tool ? tool : json_string("Heat::Ungrouped"));
				return true;
			}
		}
	}
	return false;
}

static const char *group_of(json_t *cfg)
{
	const char *g = json_string_value(json_object_get(cfg, "group"));

	return g && *g ? g : "Heat::Ungrouped";
}

/* --------------------------------------------------------------- hooks */

/* The hook program of group: the first executable in the hook
 * directories named by the group with only [A-Za-z0-9_-] kept. */
static bool find_hook(const struct deploy_ctx *c, const char *group, char *path, size_t size)
{
	char name[256];
	size_t n = 0;

	for (const char *p = group; *p && n + 1 < sizeof(name); p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			name[n++] = *p;
	name[n] = '\0';
	if (!n)
		return false;
	for (size_t i = 0; i < c->n_hook_dirs; i++) {
		struct stat st;

		snprintf(path, size, "%s/%s", c->hook_dirs[i], name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return true;
	}
	return false;
}

/* A hook program: the config on stdin (the file written for it); JSON
 * (an object) on its stdout is the result, else its output and status. */
static json_t *run_program(struct deploy_ctx *c, const char *hook, const char *cfg_path,
			   const char *label)
{
	char *argv[] = {(char *)hook, NULL};
	struct run_output o;
	json_t *result = NULL;
	int in = open(cfg_path, O_RDONLY | O_CLOEXEC), rc;

	if (in < 0) {
		alog_error("%s: cannot open %s: %s", label, cfg_path, strerror(errno));
		return failure("hearth-agent: cannot give the config to its hook");
	}
	alog_info("%s: hook %s", label, hook);
	rc = run_capture(&c->g, label, argv, NULL, in, DEPLOY_HOOK_OUTPUT, &o);
	close(in);
	if (o.out_len > 0 && !o.out_cut) {
		result = json_loadb(o.out, o.out_len, 0, NULL);
		if (!json_is_object(result)) {
			json_decref(result);
			result = NULL;
		}
	}
	if (result && o.err_len > 0)
		alog_info("%s: the hook also wrote %zu bytes on stderr (not signalled)", label,
			  o.err_len);
	if (!result)
		result = deploy_result(o.out, o.out_len, o.err, o.err_len, rc < 0 ? 1 : rc);
	run_output_release(&o);
	return result;
}

static json_t *run_hook(struct deploy_ctx *c, json_t *cfg, const char *cfg_path, const char *label)
{
	const char *group = group_of(cfg);
	char hook[ROOTFS_PATH_MAX + 300], msg[400];
	hooks_fn *builtin;

	if (find_hook(c, group, hook, sizeof(hook)))
		return run_program(c, hook, cfg_path, label);
	builtin = hooks_builtin(group);
	if (builtin) {
		alog_info("%s: built-in hook %s", label, group);
		return builtin(c, cfg, label);
	}
	snprintf(msg, sizeof(msg), "no hook for group %.200s", group);
	alog_error("%s: %s", label, msg);
	return failure(msg);
}

/* -------------------------------------------------------------- signal */

static void mark(const char *label, const char *path, const char *what)
{
	char line[128], stamp[32];
	struct herr e = HERR_INIT;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof(line), "%s %s\n", what, stamp);
	if (rootfs_write(path, line, strlen(line), 0600, &e) < 0)
		alog_error("%s: %s (its signal may be sent again)", label, e.msg);
}

/* Sends body to cfg's signal target and marks it done when no more
 * sending is needed. */
static enum deploy_outcome send_signal(struct deploy_ctx *c, const char *label, json_t *cfg,
				       const char *body, const char *mark_path)
{
	const char *url, *verb;
	struct herr e = HERR_INIT;
	char what[64];
	long status;
	int rc = notify_target(cfg, &url, &verb, &e);

	if (rc > 0) {
		alog_info("%s: no signal to send (NO_SIGNAL)", label);
		mark(label, mark_path, "none");
		return DEPLOY_OK;
	}
	if (rc < 0) {
		alog_error("%s: cannot signal: %s", label, e.msg);
		mark(label, mark_path, "unsupported");
		return DEPLOY_REFUSED;
	}
	switch (notify_send(&c->notify, label, url, verb, body, &status)) {
	case NOTIFY_SENT:
		snprintf(what, sizeof(what), "accepted %ld", status);
		mark(label, mark_path, what);
		return DEPLOY_OK;
	case NOTIFY_REFUSED:
		snprintf(what, sizeof(what), "refused %ld", status);
		mark(label, mark_path, what);
		return DEPLOY_REFUSED;
	case NOTIFY_UNSENT:
		break;
	}
	return DEPLOY_UNSENT;
}

/* ---------------------------------------------------------- one config */

struct paths {
	char cfg[ROOTFS_PATH_MAX + 160], notify[ROOTFS_PATH_MAX + 160], mark[ROOTFS_PATH_MAX + 160];
};

/* The saved signal of a config whose hook has run: sent again. */
static enum deploy_outcome resend(struct deploy_ctx *c, const char *label, json_t *item,
				  const struct paths *p)
{
	struct herr e = HERR_INIT;
	json_t *saved = json_load_file(p->cfg, 0, NULL);
	char *body = rootfs_read(p->notify, MAX_STATE_FILE, NULL, &e);
	enum deploy_outcome o = DEPLOY_ERROR;

	if (!body) {
		alog_error("%s: %s", label, e.msg);
	} else {
		alog_info("%s: ran before; sending its saved signal again", label);
		o = send_signal(c, label, json_is_object(saved) ? saved : item, body, p->mark);
	}
	free(body);
	json_decref(saved);
	return o;
}

static enum deploy_outcome finish(struct deploy_ctx *c, const char *label, json_t *cfg,
				  json_t *result, const struct paths *p)
{
	bool failed = result_failed(cfg, result);
	char *body = notify_body(result);
	struct herr e = HERR_INIT;
	enum deploy_outcome o;

	if (!body) {
		alog_error("%s: cannot encode its signal", label);
		return DEPLOY_ERROR;
	}
	if (failed && json_is_integer(json_object_get(result, "deploy_status_code")))
		alog_warn("%s: failed (deploy_status_code %lld)", label,
			  (long long)json_integer_value(
				  json_object_get(result, "deploy_status_code")));
	else if (failed)
		alog_warn("%s: failed", label);
	else
		alog_info("%s: succeeded", label);
	if (rootfs_write(p->notify, body, strlen(body), 0600, &e) < 0)
		alog_error("%s: %s (the signal cannot be sent again if this one fails)", label,
			   e.msg);
	o = send_signal(c, label, cfg, body, p->mark);
	free(body);
	return o > DEPLOY_FAILED ? o : failed ? DEPLOY_FAILED : DEPLOY_OK;
}

static enum deploy_outcome deploy_one(struct deploy_ctx *c, json_t *item, size_t index,
				      json_t *seen)
{
	const char *id = json_string_value(json_object_get(item, "id"));
	const char *name = json_string_value(json_object_get(item, "name"));
	char label[300];
	struct paths p;
	struct herr e = HERR_INIT;
	json_t *cfg, *result;
	enum deploy_outcome o;

	if (!id || !valid_id(id)) {
		alog_error("deployments[%zu]: no \"id\" fit for a file name: skipped", index);
		return DEPLOY_ERROR;
	}
	if (json_object_get(seen, id))
		return DEPLOY_OK;
	json_object_set_new(seen, id, json_true());
	snprintf(label, sizeof(label), "deployment %.100s (%s)", name ? name : "", id);
	snprintf(p.cfg, sizeof(p.cfg), "%s/%s.json", c->state, id);
	snprintf(p.notify, sizeof(p.notify), "%s/%s.notify.json", c->state, id);
	snprintf(p.mark, sizeof(p.mark), "%s/%s.signalled", c->state, id);
	if (rootfs_exists(p.mark))
		return DEPLOY_OK;
	if (rootfs_exists(p.cfg)) {
		if (rootfs_exists(p.notify))
			return resend(c, label, item, &p);
		alog_error("%s: the agent stopped while its hook ran; not run again, reported "
			   "as failed",
			   label);
		result = failure("hearth-agent stopped while this deployment's hook ran; it is "
				 "not run again (a new config id runs anew)");
		o = finish(c, label, item, result, &p);
		json_decref(result);
		return o;
	}

	cfg = normalize(item);
	if (strcmp(group_of(cfg), "component") == 0 && !pick_component(cfg)) {
		alog_info("%s: no component config for this action: nothing to run", label);
		json_object_set_new(cfg, "group", json_string("Heat::Ungrouped"));
		json_object_set_new(cfg, "config", json_string(""));
	}
	/* Recorded before the hook starts: a crash never runs it twice. */
	if (write_json(p.cfg, cfg, &e) < 0) {
		alog_error("%s: %s: not run", label, e.msg);
		json_decref(cfg);
		return DEPLOY_ERROR;
	}
	alog_info("%s: group %s, action %s", label, group_of(cfg),
		  json_string_value(deploy_input(cfg, "deploy_action"))
			  ? json_string_value(deploy_input(cfg, "deploy_action"))
			  : "(none)");
	result = run_hook(c, cfg, p.cfg, label);
	if (!json_is_object(result)) {
		json_decref(result);
		result = failure("hearth-agent: out of memory");
	}
	o = finish(c, label, cfg, result, &p);
	json_decref(result);
	json_decref(cfg);
	return o;
}

/* ---------------------------------------------------------------- pass */

enum deploy_outcome deploy_list(struct deploy_ctx *c, json_t *list)
{
	char path[ROOTFS_PATH_MAX + 32];
	enum deploy_outcome worst = DEPLOY_OK;
	json_t *seen, *item;
	size_t i;
	int fd;

	if (json_array_size(list) == 0)
		return DEPLOY_OK;
	snprintf(path, sizeof(path), "%s/deploy.lock", c->state);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		alog_error("cannot open %s: %s", path, strerror(errno));
		return DEPLOY_ERROR;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR || fetch_stopped()) {
			if (errno != EINTR)
				alog_error("cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return errno == EINTR ? DEPLOY_UNSENT : DEPLOY_ERROR;
		}
	}
	seen = json_object();
	json_array_foreach (list, i, item) {
		enum deploy_outcome o;

		if (fetch_stopped()) {
			worst = worst > DEPLOY_UNSENT ? worst : DEPLOY_UNSENT;
			break;
		}
		if (!json_is_object(item)) {
			alog_error("deployments[%zu] is not an object: skipped", i);
			o = DEPLOY_ERROR;
		} else {
			o = deploy_one(c, item, i, seen);
		}
		if (o > worst)
			worst = o;
	}
	json_decref(seen);
	close(fd); /* the lock goes with it */
	return worst;
}

/* ---------------------------------------------------------------- init */

int deploy_init(struct deploy_ctx *c, const char *root, const char *const *hook_dirs,
		size_t n_hook_dirs, const char *state, const struct notify_conf *nc, struct herr *e)
{
	char real[PATH_MAX];
	const char *user = getenv("HEARTH_USER");

	memset(c, 0, sizeof(*c));
	c->g.root = root;
	c->g.system = realpath(root, real) && strcmp(real, "/") == 0;
	c->g.privileged = geteuid() == 0;
	c->g.user = user && *user ? user : "hearth";
	c->g.env = environ;
	c->notify = *nc;
	if (n_hook_dirs > DEPLOY_MAX_HOOK_DIRS - 2) {
		herr_set(e, HERR_INVALID, "at most %d hook directories", DEPLOY_MAX_HOOK_DIRS - 2);
		return -1;
	}
	for (size_t i = 0; i < n_hook_dirs; i++)
		c->hook_dirs[c->n_hook_dirs++] = hook_dirs[i];
	if (rootfs_path(root, HOOKS_GPATH, c->root_hooks, sizeof(c->root_hooks), e) < 0)
		return -1;
	c->hook_dirs[c->n_hook_dirs++] = c->root_hooks;
	c->hook_dirs[c->n_hook_dirs++] = SYS_HOOKS;
	if (state)
		snprintf(c->state, sizeof(c->state), "%s", state);
	else if (rootfs_path(root, DEPLOY_STATE_GPATH, c->state, sizeof(c->state), e) < 0)
		return -1;
	snprintf(c->g.state, sizeof(c->g.state), "%s", c->state);
	if (rootfs_path(root, WORKING_GPATH, c->working, sizeof(c->working), e) < 0 ||
	    rootfs_path(root, OUTPUTS_GPATH, c->outputs, sizeof(c->outputs), e) < 0)
		return -1;
	if (rootfs_mkdirs(c->state, 0700, e) < 0)
		return -1;
	if (chmod(c->state, 0700) < 0) {
		herr_errno(e, errno, "cannot chmod %s", c->state);
		return -1;
	}
	return 0;
}
