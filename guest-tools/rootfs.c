/* Paths and file writes under the guest's root (see rootfs.h). */
#include "guest-tools/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rootfs_path(const char *root, const char *gpath, char *buf, size_t size, struct herr *e)
{
	size_t rl = strlen(root);
	int n;

	if (gpath[0] != '/') {
		herr_set(e, HERR_INVALID, "path \"%s\" is not absolute", gpath);
		return -1;
	}
	for (const char *p = gpath; *p;) {
		const char *s = strchr(p, '/');
		size_t cl = s ? (size_t)(s - p) : strlen(p);

		if (cl == 2 && p[0] == '.' && p[1] == '.') {
			herr_set(e, HERR_INVALID, "path \"%s\" has a \"..\" component", gpath);
			return -1;
		}
		p += cl;
		if (*p == '/')
			p++;
	}
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(buf, size, "%.*s%s", (int)rl, root, gpath);
	if (n < 0 || (size_t)n >= size) {
		herr_set(e, HERR_TOO_BIG, "path \"%s\" is too long", gpath);
		return -1;
	}
	return 0;
}

int rootfs_mkdirs(const char *path, mode_t mode, struct herr *e)
{
	char buf[ROOTFS_PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		herr_set(e, HERR_TOO_BIG, "path too long");
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			herr_errno(e, errno, "cannot create directory %s", buf);
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

int rootfs_mkparent(const char *path, struct herr *e)
{
	char buf[ROOTFS_PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(buf)) {
		herr_set(e, HERR_TOO_BIG, "path too long");
		return -1;
	}
	memcpy(buf, path, strlen(path) + 1);
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return rootfs_mkdirs(buf, 0755, e);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int rootfs_write(const char *path, const char *data, size_t len, mode_t mode, struct herr *e)
{
	char tmp[ROOTFS_PATH_MAX + 32];
	int fd = -1, ret = -1;

	if (rootfs_mkparent(path, e) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		herr_errno(e, errno, "cannot create %s", tmp);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		herr_errno(e, errno, "cannot write %s", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		herr_errno(e, errno, "cannot write %s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		herr_errno(e, errno, "cannot rename %s to %s", tmp, path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	return ret;
}

int rootfs_append(const char *path, const char *data, size_t len, mode_t mode, struct herr *e)
{
	int fd, ret = 0;

	if (rootfs_mkparent(path, e) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		herr_errno(e, errno, "cannot open %s", path);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0) {
		herr_errno(e, errno, "cannot write %s", path);
		ret = -1;
	}
	if (close(fd) < 0 && ret == 0) {
		herr_errno(e, errno, "cannot write %s", path);
		ret = -1;
	}
	return ret;
}

char *rootfs_read(const char *path, size_t max, size_t *len, struct herr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0;

	if (fd < 0) {
		int err = errno;

		herr_errno(e, err, "cannot read %s", path);
		if (e && err == ENOENT)
			e->code = HERR_NOT_FOUND;
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			herr_errno(e, errno, "cannot read %s", path);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			herr_set(e, HERR_TOO_BIG, "%s is larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

bool rootfs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}
