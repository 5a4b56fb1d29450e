/* Paths inside a template ("resources.web.properties.networks[0]"),
 * built as a chain of segments on the walkers' stacks and formatted only
 * when a finding needs one: a walk over every node of a large template
 * formats nothing until something is wrong. */
#ifndef HEARTH_PATH_H
#define HEARTH_PATH_H

#include <stddef.h>

struct path {
	const struct path *up;
	const char *key; /* a map key; NULL for a list index */
	size_t idx;
};

/* The segments below up: a key, a list index.  They live until the end
 * of the enclosing block (compound literals). */
#define PATH_KEY(up, k) (&(const struct path){(up), (k), 0})
#define PATH_IDX(up, i) (&(const struct path){(up), NULL, (size_t)(i)})

#define PATH_SIZE 1024

/* The path as text into buf (PATH_SIZE bytes): keys joined with '.',
 * indexes as [n]; cut short when too long.  Returns buf. */
const char *path_str(const struct path *p, char *buf);

#endif
