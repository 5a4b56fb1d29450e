/* The built-in hooks (see hooks.h). */
#include "guest-tools/hooks.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-tools/alog.h"
#include "guest-tools/cloudconfig.h"
#include "guest-tools/run.h"
#include "guest-tools/sshkeys.h"

static json_t *failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *failure(const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	alog_error("%s", msg);
	return json_pack("{s:s, s:s+, s:i}", "deploy_stdout", "", "deploy_stderr", msg, "\n",
			 "deploy_status_code", 1);
}

/* Appends a line to result's deploy_stderr. */
static void add_note(json_t *result, const char *note)
{
	const char *old = json_string_value(json_object_get(result, "deploy_stderr"));
	size_t n = (old ? strlen(old) : 0) + strlen(note) + 2;
	char *s = malloc(n);

	if (!s)
		return;
	snprintf(s, n, "%s%s\n", old ? old : "", note);
	json_object_set_new(result, "deploy_stderr", json_string(s));
	free(s);
}

static int private_dir(const char *path, struct herr *e)
{
	if (rootfs_mkdirs(path, 0700, e) < 0)
		return -1;
	if (chmod(path, 0700) < 0) {
		herr_errno(e, errno, "cannot chmod %s", path);
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- script */

static bool valid_env_name(const char *s)
{
	return *s && !strchr(s, '=');
}

/* The script's environment: one variable per input and
 * heat_outputs_path, then the agent's own variables that these do not
 * replace.  Every string is malloc'd; NULL-terminated. */
static char **script_env(const struct deploy_ctx *c, json_t *cfg, const char *opath,
			 const char *label)
{
	json_t *inputs = json_object_get(cfg, "inputs"), *in;
	size_t n_env = 0, n = 0, i;
	char **env;

	while (c->g.env[n_env])
		n_env++;
	env = calloc(n_env + json_array_size(inputs) + 2, sizeof(*env));
	if (!env)
		return NULL;
	json_array_foreach (inputs, i, in) {
		const char *name = json_string_value(json_object_get(in, "name"));
		json_t *v = json_object_get(in, "value");
		char *text = NULL;

		if (!name || !valid_env_name(name) ||
		    strlen(name) != json_string_length(json_object_get(in, "name"))) {
			alog_warn("%s: input %zu has no name fit for an environment variable: "
				  "left out",
				  label, i);
			continue;
		}
		if (!json_is_string(v) && v && !json_is_null(v))
			text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (asprintf(&env[n], "%s=%s", name,
			     text                ? text
			     : json_is_string(v) ? json_string_value(v)
						 : "") >= 0)
			n++;
		free(text);
	}
	if (asprintf(&env[n], "heat_outputs_path=%s", opath) >= 0)
		n++;
	for (i = 0; i < n_env; i++) {
		size_t nl = strcspn(c->g.env[i], "=");
		bool replaced = false;

		for (size_t j = 0; j < n && !replaced; j++)
			replaced = strncmp(env[j], c->g.env[i], nl + 1) == 0;
		if (!replaced && (env[n] = strdup(c->g.env[i])))
			n++;
	}
	env[n] = NULL;
	return env;
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Each declared output the script wrote into the result. */
static void read_outputs(json_t *cfg, const char *opath, json_t *result, const char *label)
{
	json_t *out;
	size_t i;

	json_array_foreach (json_object_get(cfg, "outputs"), i, out) {
		const char *name = json_string_value(json_object_get(out, "name"));
		char path[ROOTFS_PATH_MAX + 400], note[400];
		struct herr e = HERR_INIT;
		size_t len;
		char *text;

		if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0 || strlen(name) > 200)
			continue;
		snprintf(path, sizeof(path), "%s.%s", opath, name);
		text = rootfs_read(path, HOOKS_OUTPUT_CAP, &len, &e);
		if (!text) {
			if (e.code != HERR_NOT_FOUND) {
				snprintf(note, sizeof(note), "hearth-agent: output %.60s: %.300s",
					 name, e.msg);
				alog_warn("%s: %s", label, note);
				add_note(result, note);
			}
			continue;
		}
		json_object_set_new(result, name, deploy_text(text, len));
		free(text);
	}
}

static json_t *script(const struct deploy_ctx *c, json_t *cfg, const char *label)
{
	const char *id = json_string_value(json_object_get(cfg, "id"));
	json_t *config = json_object_get(cfg, "config"), *result;
	char path[ROOTFS_PATH_MAX + 160], opath[ROOTFS_PATH_MAX + 160];
	char *argv[] = {path, NULL}, **env;
	struct herr e = HERR_INIT;
	struct run_output o;
	int rc;

	if (!json_is_string(config))
		return failure("%s: the config of a script is not a string", label);
	if (private_dir(c->working, &e) < 0 || private_dir(c->outputs, &e) < 0)
		return failure("%s: %s", label, e.msg);
	snprintf(path, sizeof(path), "%s/%s", c->working, id);
	snprintf(opath, sizeof(opath), "%s/%s", c->outputs, id);
	if (rootfs_write(path, json_string_value(config), json_string_length(config), 0700, &e) < 0)
		return failure("%s: %s", label, e.msg);
	env = script_env(c, cfg, opath, label);
	if (!env)
		return failure("%s: out of memory", label);
	rc = run_capture(&c->g, label, argv, env, -1, HOOKS_OUTPUT_CAP, &o);
	free_env(env);
	result = json_object();
	read_outputs(cfg, opath, result, label);
	json_object_update_new(result,
			       deploy_result(o.out, o.out_len, o.err, o.err_len, rc < 0 ? 1 : rc));
	if (o.out_cut || o.err_cut)
		alog_info("%s: output longer than %u bytes: only its end is kept", label,
			  HOOKS_OUTPUT_CAP);
	run_output_release(&o);
	return result;
}

/* -------------------------------------------------------- cloud-config */

/* The last cap bytes written to fd. */
static char *read_tail(int fd, size_t cap, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	size_t n = end > 0 ? (size_t)end : 0, got = 0;
	char *buf;

	if (n > cap)
		n = cap;
	buf = malloc(n + 1);
	if (!buf)
		return NULL;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, end - (off_t)n + (off_t)got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

static json_t *cloud_config(const struct deploy_ctx *c, json_t *cfg, const char *label)
{
	json_t *config = json_object_get(cfg, "config"), *cc = json_object(), *keys, *result;
	struct guest g = c->g;
	struct herr e = HERR_INIT;
	int out = -1, err = -1, failed = 0;
	size_t out_len = 0, err_len = 0;
	char *text, *out_text = NULL, *err_text = NULL;

	text = json_is_string(config) ? strdup(json_string_value(config))
				      : json_dumps(config, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!text || cloudconfig_merge(cc, text, strlen(text), &e) < 0) {
		free(text);
		json_decref(cc);
		return failure("%s: invalid cloud-config: %s", label, e.msg);
	}
	free(text);
	out = memfd_create("hearth-deploy-out", MFD_CLOEXEC);
	err = memfd_create("hearth-deploy-err", MFD_CLOEXEC);
	if (out < 0 || err < 0) {
		result = failure("%s: memfd_create: %s", label, strerror(errno));
		goto out;
	}
	if (json_object_get(cc, "hostname") || json_object_get(cc, "fqdn"))
		alog_info("%s: hostname and fqdn are applied at boot only: ignored", label);
	g.out_fd = out;
	alog_tee(err);
	failed += cloudconfig_bootcmd(&g, cc);
	failed += cloudconfig_write_files(&g, cc, false);
	failed += cloudconfig_users(&g, cc);
	failed += cloudconfig_write_files(&g, cc, true);
	keys = json_array();
	cloudconfig_default_keys(cc, keys);
	if (json_array_size(keys) > 0 && sshkeys_install(&g, g.user, keys, &e) < 0) {
		alog_error("%s: ssh keys for %s: %s", label, g.user, e.msg);
		failed++;
	}
	json_decref(keys);
	failed += cloudconfig_runcmd(&g, cc);
	if (failed)
		alog_error("%s: %d item(s) of the cloud-config failed", label, failed);
	alog_tee(-1);
	out_text = read_tail(out, HOOKS_OUTPUT_CAP, &out_len);
	err_text = read_tail(err, HOOKS_OUTPUT_CAP, &err_len);
	if (!out_text || !err_text)
		result = failure("%s: out of memory", label);
	else
		result = deploy_result(out_text, out_len, err_text, err_len, failed ? 1 : 0);
out:
	free(out_text);
	free(err_text);
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	json_decref(cc);
	return result;
}

/* ----------------------------------------------------------- ungrouped */

static json_t *ungrouped(const struct deploy_ctx *c, json_t *cfg, const char *label)
{
	json_t *config = json_object_get(cfg, "config");
	const char *s = json_string_value(config);

	if (!config || json_is_null(config) || (s && !s[strspn(s, " \t\r\n")])) {
		alog_info("%s: empty config: nothing to run", label);
		return json_pack("{s:s, s:s, s:i}", "deploy_stdout", "", "deploy_stderr", "",
				 "deploy_status_code", 0);
	}
	if (s && strncmp(s, "#!", 2) == 0)
		return script(c, cfg, label);
	if (s && strncasecmp(s + strspn(s, " \t\r\n"), "#cloud-config", 13) == 0)
		return cloud_config(c, cfg, label);
	if (json_is_object(config))
		return failure("%s: a structured config of group Heat::Ungrouped is "
			       "os-apply-config's: hearth-agent does not apply it",
			       label);
	return failure("%s: a config of group Heat::Ungrouped must start with \"#!\" (a "
		       "script) or \"#cloud-config\"",
		       label);
}

/* ---------------------------------------------------------------- table */

hooks_fn *hooks_builtin(const char *group)
{
	static const struct {
		const char *group;
		hooks_fn *fn;
	} table[] = {
		{"script", script},
		{"cloud-config", cloud_config},
		{"Heat::Ungrouped", ungrouped},
		{"ungrouped", ungrouped},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(*table); i++)
		if (strcmp(group, table[i].group) == 0)
			return table[i].fn;
	return NULL;
}
