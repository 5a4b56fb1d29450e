/* authorized_keys maintenance (see sshkeys.h). */
#include "guest-tools/sshkeys.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-tools/alog.h"
#include "guest-tools/run.h"

bool sshkeys_valid_user(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 32 && name[0] != '-' && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       n;
}

/* The user's home as a host path, and the owner to give ~/.ssh (-1 for
 * "leave it"). */
static int home_of(const struct guest *g, const char *user, char *home, size_t size, uid_t *uid,
		   gid_t *gid, struct herr *e)
{
	struct passwd *pw;
	char gpath[300];

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (g->system) {
		pw = getpwnam(user);
		if (!pw && g->privileged) {
			char *argv[] = {"useradd", "--create-home", "--shell",
					"/bin/sh", (char *)user,    NULL};

			alog_info("creating user %s", user);
			run_argv(g, "useradd", argv);
			pw = getpwnam(user);
		}
		if (pw) {
			if (g->privileged) {
				*uid = pw->pw_uid;
				*gid = pw->pw_gid;
			}
			if (snprintf(home, size, "%s", pw->pw_dir) >= (int)size) {
				herr_set(e, HERR_TOO_BIG, "home of %s is too long", user);
				return -1;
			}
			return 0;
		}
	}
	snprintf(gpath, sizeof(gpath), strcmp(user, "root") == 0 ? "/root" : "/home/%s", user);
	return rootfs_path(g->root, gpath, home, size, e);
}

/* Whether line (len n, no newline) is a line of text. */
static bool has_line(const char *text, const char *line, size_t n)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' ' || p[l - 1] == '\t'))
			l--;
		if (l == n && memcmp(p, line, n) == 0)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Appends to *buf (len *len): one line. */
static int append(char **buf, size_t *len, const char *s, size_t n)
{
	char *grown = realloc(*buf, *len + n + 2);

	if (!grown)
		return -1;
	memcpy(grown + *len, s, n);
	grown[*len + n] = '\n';
	*len += n + 1;
	grown[*len] = '\0';
	*buf = grown;
	return 0;
}

int sshkeys_install(const struct guest *g, const char *user, json_t *keys, struct herr *e)
{
	char home[ROOTFS_PATH_MAX], dir[ROOTFS_PATH_MAX + 8], file[ROOTFS_PATH_MAX + 32];
	char *text = NULL;
	size_t len = 0;
	uid_t uid;
	gid_t gid;
	int added = 0, ret = -1;
	struct herr re = HERR_INIT;
	json_t *k;
	size_t i;

	if (!sshkeys_valid_user(user)) {
		herr_set(e, HERR_INVALID, "invalid user name \"%s\"", user);
		return -1;
	}
	if (home_of(g, user, home, sizeof(home), &uid, &gid, e) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/.ssh", home);
	snprintf(file, sizeof(file), "%s/authorized_keys", dir);
	text = rootfs_read(file, SSHKEYS_MAX_FILE, &len, &re);
	if (!text && re.code != HERR_NOT_FOUND) {
		herr_set(e, re.code, "%s", re.msg);
		return -1;
	}
	if (!text) {
		text = strdup("");
		len = 0;
	}
	if (len > 0 && text[len - 1] != '\n' && append(&text, &len, "", 0) < 0)
		goto nomem;
	json_array_foreach (keys, i, k) {
		for (const char *p = json_string_value(k); p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			const char *s = p;

			p = nl ? nl + 1 : NULL;
			while (n > 0 && (*s == ' ' || *s == '\t')) {
				s++;
				n--;
			}
			while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			if (n == 0 || *s == '#' || has_line(text, s, n))
				continue;
			if (append(&text, &len, s, n) < 0)
				goto nomem;
			added++;
		}
	}
	if (rootfs_mkdirs(home, 0755, e) < 0 || rootfs_mkdirs(dir, 0700, e) < 0)
		goto out;
	if (chmod(dir, 0700) < 0) {
		herr_errno(e, errno, "cannot chmod %s", dir);
		goto out;
	}
	if (added > 0 && rootfs_write(file, text, len, 0600, e) < 0)
		goto out;
	if (uid != (uid_t)-1 &&
	    (chown(dir, uid, gid) < 0 || (rootfs_exists(file) && chown(file, uid, gid) < 0))) {
		herr_errno(e, errno, "cannot chown %s", dir);
		goto out;
	}
	ret = added;
	goto out;
nomem:
	herr_set(e, HERR_NOMEM, "out of memory");
out:
	free(text);
	return ret;
}
