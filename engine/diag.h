/* Diagnostics: every error and warning that validation finds, collected
 * (not first-wins), each with file, line, column and the path inside the
 * template, printed as  file:line:col: path: message. */
#ifndef HEARTH_DIAG_H
#define HEARTH_DIAG_H

#include <jansson.h>
#include <stdio.h>

#include "engine/load.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diags;

struct diags *diags_new(void);
void diags_free(struct diags **dg);

/* Records a finding about the value at obj[key] (or about node itself when
 * key is NULL): the mark is the value's own, else its key's, else obj's.
 * path is like "resources.web.properties" (NULL or "" for none). */
void diag_add(struct diags *dg, enum diag_level lvl, const struct doc *d, const json_t *obj,
	      const char *key, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* The same, marked where the key was written: for findings about a named
 * thing as a whole ("resource web has no type"). */
void diag_add_key(struct diags *dg, enum diag_level lvl, const struct doc *d, const json_t *obj,
		  const char *key, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* For checkers whose context holds `d` (the doc), `dg` and an `errors`
 * count: add an error (at the value, or at its key) and count it. */
#define DIAG_ERR(c, obj, key, path, ...)                                                  \
	do {                                                                              \
		diag_add((c)->dg, DIAG_ERROR, (c)->d, (obj), (key), (path), __VA_ARGS__); \
		(c)->errors++;                                                            \
	} while (0)
#define DIAG_ERR_KEY(c, obj, key, path, ...)                                                  \
	do {                                                                                  \
		diag_add_key((c)->dg, DIAG_ERROR, (c)->d, (obj), (key), (path), __VA_ARGS__); \
		(c)->errors++;                                                                \
	} while (0)

int diags_count(const struct diags *dg, enum diag_level lvl);
/* Sorted by file, line, column; warnings say "warning: ". */
void diags_print(const struct diags *dg, FILE *out);
/* The i-th finding (in sorted order) as one line, for tests. */
const char *diags_line(struct diags *dg, int i);
int diags_total(const struct diags *dg);

#endif
