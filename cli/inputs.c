/* Local inputs of the offline template commands (see inputs.h). */
#include "cli/inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The whole of path, NUL-terminated, at most max bytes. */
static char *slurp(const char *path, size_t max, bool template, size_t *len, struct herr *e)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	struct stat st;

	if (!f) {
		herr_set(e, HERR_SYSTEM, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		herr_set(e, HERR_INVALID, "%s: not a regular file", path);
	} else if ((size_t)st.st_size > max && !template) {
		herr_set(e, HERR_TOO_BIG, "%s: the files together exceed %zu bytes", path, max);
	} else if ((size_t)st.st_size > max) {
		herr_set(e, HERR_TOO_BIG,
			 "%s: Request limit exceeded: Template size (%lld bytes) exceeds maximum "
			 "allowed size (%zu bytes).",
			 path, (long long)st.st_size, max);
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		herr_set(e, HERR_NOMEM, "%s: out of memory", path);
	} else if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		herr_set(e, HERR_SYSTEM, "%s: read error", path);
		free(buf);
		buf = NULL;
	} else {
		buf[st.st_size] = '\0';
		*len = (size_t)st.st_size;
	}
	fclose(f);
	return buf;
}

struct doc *inputs_load(const char *path, bool env, const struct load_limits *lim, struct herr *e)
{
	static const struct load_limits defaults = LOAD_LIMITS_DEFAULT;
	size_t len = 0;
	char *text = slurp(path, (lim ? lim : &defaults)->max_size, true, &len, e);
	struct doc *d;

	if (!text)
		return NULL;
	d = env ? load_environment(path, text, len, lim, e)
		: load_template(path, text, len, lim, e);
	free(text);
	return d;
}

struct walk {
	json_t *files;
	size_t max_files, max_bytes, bytes;
	size_t root_len;
	struct herr *e;
};

static int add_dir(struct walk *w, const char *dir, int depth)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort), rc = 0;

	if (n < 0) {
		herr_set(w->e, HERR_SYSTEM, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		size_t len = 0;
		char *text;

		if (rc < 0 || list[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (stat(path, &st) < 0)
			goto next;
		if (S_ISDIR(st.st_mode)) {
			if (depth >= 16) {
				herr_set(w->e, HERR_INVALID, "%s: folders nested too deep", path);
				rc = -1;
			} else {
				rc = add_dir(w, path, depth + 1);
			}
			goto next;
		}
		if (json_object_size(w->files) >= w->max_files) {
			herr_set(w->e, HERR_TOO_BIG, "%s: more than %zu files", dir, w->max_files);
			rc = -1;
			goto next;
		}
		text = slurp(path, w->max_bytes - w->bytes, false, &len, w->e);
		if (!text) {
			rc = -1;
			goto next;
		}
		w->bytes += len;
		json_object_set_new(w->files, path + w->root_len, json_stringn(text, len));
		free(text);
	next:
		free(list[i]);
	}
	free(list);
	return rc;
}

json_t *inputs_files_dir(const char *dir, size_t max_files, size_t max_bytes, struct herr *e)
{
	struct walk w = {json_object(), max_files, max_bytes, 0, strlen(dir) + 1, e};

	if (!w.files || add_dir(&w, dir, 0) < 0) {
		json_decref(w.files);
		return NULL;
	}
	return w.files;
}
