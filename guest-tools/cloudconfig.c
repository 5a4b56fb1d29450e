/* Applying #cloud-config (see cloudconfig.h). */
#include "guest-tools/cloudconfig.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "guest-tools/alog.h"
#include "guest-tools/codec.h"
#include "guest-tools/run.h"
#include "guest-tools/sshkeys.h"
#include "guest-tools/yamljson.h"

static const char *const known_keys[] = {"bootcmd", "fqdn",  "hostname",    "preserve_hostname",
					 "runcmd",  "users", "write_files", "ssh_authorized_keys"};

/* ---------------------------------------------------------------- merge */

int cloudconfig_merge(json_t *cfg, const char *text, size_t len, struct herr *e)
{
	json_t *doc = yamljson_load(text, len, e), *v;
	const char *k;

	if (!doc)
		return -1;
	if (json_is_null(doc)) {
		json_decref(doc);
		return 0;
	}
	if (!json_is_object(doc)) {
		herr_set(e, HERR_INVALID, "cloud-config is not a mapping");
		json_decref(doc);
		return -1;
	}
	json_object_foreach (doc, k, v) {
		json_t *old = json_object_get(cfg, k);
		bool known = false;

		for (size_t i = 0; i < sizeof(known_keys) / sizeof(*known_keys); i++)
			known = known || strcmp(k, known_keys[i]) == 0;
		if (!known)
			alog_warn("cloud-config: key \"%s\" is not supported: ignored", k);
		if (json_is_array(old) && json_is_array(v))
			json_array_extend(old, v);
		else
			json_object_set(cfg, k, v);
	}
	json_decref(doc);
	return 0;
}

/* ------------------------------------------------------------ hostname */

int cloudconfig_hostname(json_t *cfg, char *buf, size_t size)
{
	const char *name = json_string_value(json_object_get(cfg, "fqdn"));

	if (json_is_true(json_object_get(cfg, "preserve_hostname")))
		return 1;
	if (!name)
		name = json_string_value(json_object_get(cfg, "hostname"));
	if (!name || !*name)
		return -1;
	snprintf(buf, size, "%.*s", (int)strcspn(name, "."), name);
	return 0;
}

void cloudconfig_default_keys(json_t *cfg, json_t *keys)
{
	json_t *list = json_object_get(cfg, "ssh_authorized_keys"), *k;
	size_t i;

	json_array_foreach (list, i, k) {
		if (json_is_string(k))
			json_array_append(keys, k);
	}
}

/* ------------------------------------------------------------- commands */

/* One bootcmd or runcmd entry: a string for /bin/sh -c, or a list for
 * argv (non-strings become their JSON text, as scalars print). */
static int run_entry(const struct guest *g, const char *label, json_t *entry)
{
	if (json_is_string(entry))
		return run_shell(g, label, json_string_value(entry));
	if (json_is_array(entry) && json_array_size(entry) > 0 && json_array_size(entry) < 256) {
		char *argv[256];
		size_t i, n = json_array_size(entry);
		json_t *a;
		int rc;

		json_array_foreach (entry, i, a) {
			argv[i] = json_is_string(a) ? strdup(json_string_value(a))
						    : json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT);
		}
		argv[n] = NULL;
		rc = run_argv(g, label, argv);
		for (i = 0; i < n; i++)
			free(argv[i]);
		return rc;
	}
	alog_error("%s: neither a string nor a list of arguments: skipped", label);
	return -1;
}

static int run_list(const struct guest *g, json_t *cfg, const char *key)
{
	json_t *list = json_object_get(cfg, key), *entry;
	int failed = 0;
	size_t i;

	if (!list)
		return 0;
	if (!json_is_array(list)) {
		alog_error("cloud-config: %s is not a list: skipped", key);
		return 1;
	}
	json_array_foreach (list, i, entry) {
		char label[64];

		snprintf(label, sizeof(label), "%s[%zu]", key, i);
		if (run_entry(g, label, entry) != 0)
			failed++;
	}
	return failed;
}

int cloudconfig_bootcmd(const struct guest *g, json_t *cfg)
{
	return run_list(g, cfg, "bootcmd");
}

int cloudconfig_runcmd(const struct guest *g, json_t *cfg)
{
	return run_list(g, cfg, "runcmd");
}

/* ----------------------------------------------------------- write_files */

/* permissions: an integer (YAML's 0644 is octal already) or an octal string. */
static int parse_mode(json_t *v, mode_t *mode)
{
	const char *s = json_string_value(v);
	char *end;
	long m;

	if (!v || json_is_null(v)) {
		*mode = 0644;
		return 0;
	}
	if (json_is_integer(v)) {
		m = (long)json_integer_value(v);
	} else if (s) {
		if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
			s += 2;
		m = strtol(s, &end, 8);
		if (!*s || *end)
			return -1;
	} else {
		return -1;
	}
	if (m < 0 || m > 07777)
		return -1;
	*mode = (mode_t)m;
	return 0;
}

/* Decodes content per encoding: a new buffer, or NULL with e set. */
static char *decode_content(const char *content, size_t len, const char *enc, size_t *out_len,
			    struct herr *e)
{
	bool b64 = false, gz = false;

	if (!enc || strcasecmp(enc, "text/plain") == 0) {
		/* as is */
	} else if (strcasecmp(enc, "b64") == 0 || strcasecmp(enc, "base64") == 0) {
		b64 = true;
	} else if (strcasecmp(enc, "gz") == 0 || strcasecmp(enc, "gzip") == 0) {
		gz = true;
	} else if (strcasecmp(enc, "gz+b64") == 0 || strcasecmp(enc, "gz+base64") == 0 ||
		   strcasecmp(enc, "gzip+b64") == 0 || strcasecmp(enc, "gzip+base64") == 0) {
		b64 = gz = true;
	} else {
		herr_set(e, HERR_INVALID, "unknown encoding \"%s\"", enc);
		return NULL;
	}
	if (b64) {
		char *raw = codec_b64decode(content, len, out_len, e), *plain;

		if (!raw || !gz)
			return raw;
		plain = codec_gunzip(raw, *out_len, CLOUDCONFIG_MAX_FILE, out_len, e);
		free(raw);
		return plain;
	}
	if (gz)
		return codec_gunzip(content, len, CLOUDCONFIG_MAX_FILE, out_len, e);
	*out_len = len;
	return strndup(content, len);
}

/* owner "user[:group]", applied only when privileged. */
static void apply_owner(const struct guest *g, const char *path, const char *owner,
			const char *label)
{
	char user[64], *group;
	struct passwd *pw;
	struct group *gr = NULL;

	if (!g->privileged)
		return;
	snprintf(user, sizeof(user), "%s", owner ? owner : "root:root");
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	pw = getpwnam(user);
	if (group)
		gr = getgrnam(group);
	if (!pw || (group && !gr)) {
		alog_warn("%s: unknown owner \"%s\": left as root", label, owner);
		return;
	}
	if (chown(path, pw->pw_uid, gr ? gr->gr_gid : pw->pw_gid) < 0)
		alog_warn("%s: cannot chown %s: %s", label, path, strerror(errno));
}

static int write_one(const struct guest *g, json_t *f, const char *label)
{
	const char *gpath = json_string_value(json_object_get(f, "path"));
	json_t *content = json_object_get(f, "content");
	const char *enc = json_string_value(json_object_get(f, "encoding"));
	char path[ROOTFS_PATH_MAX];
	struct herr e = HERR_INIT;
	char *data = NULL;
	size_t len = 0;
	mode_t mode;
	int rc;

	if (!gpath) {
		alog_error("%s: no path: skipped", label);
		return -1;
	}
	if (json_object_get(f, "source")) {
		alog_error("%s: %s: \"source\" (a URL) is not supported: skipped", label, gpath);
		return -1;
	}
	if (parse_mode(json_object_get(f, "permissions"), &mode) < 0) {
		alog_error("%s: %s: invalid permissions: skipped", label, gpath);
		return -1;
	}
	if (content && !json_is_null(content) && !json_is_string(content)) {
		alog_error("%s: %s: content is not a string: skipped", label, gpath);
		return -1;
	}
	if (rootfs_path(g->root, gpath, path, sizeof(path), &e) == 0) {
		const char *c = json_string_value(content);

		data = decode_content(c ? c : "", c ? json_string_length(content) : 0, enc, &len,
				      &e);
	}
	if (!data) {
		alog_error("%s: %s: %s", label, gpath, e.msg);
		return -1;
	}
	if (json_is_true(json_object_get(f, "append")))
		rc = rootfs_append(path, data, len, mode, &e);
	else
		rc = rootfs_write(path, data, len, mode, &e);
	free(data);
	if (rc < 0) {
		alog_error("%s: %s", label, e.msg);
		return -1;
	}
	apply_owner(g, path, json_string_value(json_object_get(f, "owner")), label);
	alog_info("%s: wrote %s (%zu bytes, mode %04o)", label, gpath, len, (unsigned)mode);
	return 0;
}

int cloudconfig_write_files(const struct guest *g, json_t *cfg, bool deferred)
{
	json_t *list = json_object_get(cfg, "write_files"), *f;
	int failed = 0;
	size_t i;

	if (list && !json_is_array(list)) {
		alog_error("cloud-config: write_files is not a list: skipped");
		return 1;
	}
	json_array_foreach (list, i, f) {
		char label[64];

		if (json_is_true(json_object_get(f, "defer")) != deferred)
			continue;
		snprintf(label, sizeof(label), "write_files[%zu]", i);
		if (!json_is_object(f)) {
			alog_error("%s: not a mapping: skipped", label);
			failed++;
		} else if (write_one(g, f, label) < 0) {
			failed++;
		}
	}
	return failed;
}

/* ----------------------------------------------------------------- users */

int cloudconfig_users(const struct guest *g, json_t *cfg)
{
	json_t *list = json_object_get(cfg, "users"), *u;
	int failed = 0;
	size_t i;

	if (list && !json_is_array(list)) {
		alog_error("cloud-config: users is not a list: skipped");
		return 1;
	}
	json_array_foreach (list, i, u) {
		const char *name = json_is_string(u)
					   ? json_string_value(u)
					   : json_string_value(json_object_get(u, "name"));
		json_t *keys = json_object_get(u, "ssh_authorized_keys");
		struct herr e = HERR_INIT;
		int n;

		if (!keys)
			keys = json_object_get(u, "ssh-authorized-keys");
		if (!name) {
			alog_error("users[%zu]: no name: skipped", i);
			failed++;
			continue;
		}
		if (strcmp(name, "default") == 0)
			name = g->user;
		if (!json_is_array(keys)) {
			/* Without keys there is nothing this agent does for a user. */
			alog_info("users[%zu]: %s: no ssh_authorized_keys", i, name);
			continue;
		}
		n = sshkeys_install(g, name, keys, &e);
		if (n < 0) {
			alog_error("users[%zu]: %s: %s", i, name, e.msg);
			failed++;
		} else {
			alog_info("users[%zu]: %s: %d key(s) added", i, name, n);
		}
	}
	return failed;
}
