/* Files under the guest's root (--root): every path the agent writes is
 * a guest path ("/etc/hostname") placed under that root.
 *
 * A guest path must be absolute and may not contain a ".." component, so
 * that nothing from metadata or user_data names a file outside the root
 * by spelling (symbolic links inside the root are the sandbox's business). */
#ifndef HEARTH_AGENT_ROOTFS_H
#define HEARTH_AGENT_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

#define ROOTFS_PATH_MAX 4096

/* ROOT + guest path into buf.  root "/" leaves the path as it is. */
int rootfs_path(const char *root, const char *gpath, char *buf, size_t size, struct herr *e);

/* mkdir -p of a host path; new directories get mode. */
int rootfs_mkdirs(const char *path, mode_t mode, struct herr *e);
/* mkdir -p of the parent directory of a host path (mode 0755). */
int rootfs_mkparent(const char *path, struct herr *e);

/* Replaces path atomically (a temporary file renamed over it) with data,
 * mode applied whatever the umask.  Parents are created. */
int rootfs_write(const char *path, const char *data, size_t len, mode_t mode, struct herr *e);
/* Appends data to path, creating it; mode is applied either way (as
 * cloud-init's write_files does).  Parents are created. */
int rootfs_append(const char *path, const char *data, size_t len, mode_t mode, struct herr *e);

/* Reads a whole file of at most max bytes: a new NUL-terminated buffer, or
 * NULL with e set (HERR_NOT_FOUND when it does not exist). */
char *rootfs_read(const char *path, size_t max, size_t *len, struct herr *e);

bool rootfs_exists(const char *path);

#endif
