/* What the offline template commands read from the local disk: a
 * template or environment file, and a directory as the `files` map (the
 * way python-heatclient packages get_file contents and nested templates).
 * The engine itself never touches the filesystem. */
#ifndef HEARTH_INPUTS_H
#define HEARTH_INPUTS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"
#include "engine/load.h"

/* Reads and parses path as a template (or, with env, an environment).
 * NULL with e set ("path: No such file or directory", or the parser's
 * file:line:col message). */
struct doc *inputs_load(const char *path, bool env, const struct load_limits *lim, struct herr *e);

/* Every regular file under dir (recursively, at most max_files files and
 * max_bytes in all) as an object: path relative to dir → content.  New
 * reference; NULL with e set. */
json_t *inputs_files_dir(const char *dir, size_t max_files, size_t max_bytes, struct herr *e);

#endif
