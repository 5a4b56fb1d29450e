/* YAML (a #cloud-config document) into a jansson tree.
 *
 * Small on purpose: the first document only; plain scalars resolved as
 * YAML 1.1 does for what cloud-config uses (null, ~, true/false, yes/no,
 * on/off, integers with 0 meaning octal and 0x hex; everything else,
 * including floats and timestamps, stays a string); quoted scalars are
 * strings; anchors and aliases work; mapping keys are strings.  Not the
 * engine's loader (engine/load.c), which keeps marks and is far larger. */
#ifndef HEARTH_AGENT_YAMLJSON_H
#define HEARTH_AGENT_YAMLJSON_H

#include <jansson.h>
#include <stddef.h>

#include "common/err.h"

#define YAMLJSON_MAX_DEPTH 64

/* A new reference, or NULL with e set ("line L: why").  An empty document
 * gives a JSON null. */
json_t *yamljson_load(const char *text, size_t len, struct herr *e);

#endif
