/* Loading templates and environments into jansson trees that remember
 * where every node came from.
 *
 * Reproduces Heat's loader (hot-spec §1.1): a template is tried as strict
 * JSON first, then as YAML 1.1 with PyYAML's safe resolver (timestamps stay
 * strings, yes/no/on/off are booleans, 012 is octal, 1e3 is a string,
 * duplicate keys: last wins, anchors share structure, << merges).  Every
 * error names the file, line and column. */
#ifndef HEARTH_LOAD_H
#define HEARTH_LOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct mark {
	unsigned line, col; /* 1-based; 0 when unknown */
};

struct load_limits {
	size_t max_size; /* bytes; Heat's max_template_size is 524288 */
	int max_depth;   /* nesting of mappings and sequences */
};

#define LOAD_LIMITS_DEFAULT \
	{                   \
		524288, 512 \
	}

struct doc;

/* Parses a template (JSON first, then YAML).  name is used in messages.
 * Errors: "name:line:col: message". */
struct doc *load_template(const char *name, const char *text, size_t len,
			  const struct load_limits *lim, struct herr *e);
/* Parses an environment (YAML only, which also reads JSON). */
struct doc *load_environment(const char *name, const char *text, size_t len,
			     const struct load_limits *lim, struct herr *e);
void doc_free(struct doc **d);

/* Borrowed; lives as long as the doc. */
json_t *doc_root(const struct doc *d);
const char *doc_name(const struct doc *d);
/* Where node starts.  true/false/null are shared by jansson and have no
 * mark of their own: use doc_key_mark on their parent. */
bool doc_mark(const struct doc *d, const json_t *node, struct mark *m);
/* Where key of object obj was written. */
bool doc_key_mark(const struct doc *d, const json_t *obj, const char *key, struct mark *m);

#endif
