/* Decoding what user_data and cloud-config carry: base64 and gzip.
 * Pure functions over buffers; no I/O. */
#ifndef HEARTH_AGENT_CODEC_H
#define HEARTH_AGENT_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/* Most that one decompression may produce: a guard against gzip bombs. */
#define CODEC_MAX_INFLATED (16u << 20)

/* True when buf starts with the gzip magic 1f 8b. */
bool codec_is_gzip(const char *buf, size_t len);

/* Decodes base64 (standard or URL-safe alphabet; whitespace and missing
 * padding tolerated).  Returns a new NUL-terminated buffer (free() it) and
 * its length in *out_len, or NULL with e set. */
char *codec_b64decode(const char *in, size_t len, size_t *out_len, struct herr *e);

/* Inflates gzip (or zlib) data, at most max bytes.  Returns a new
 * NUL-terminated buffer and its length, or NULL with e set. */
char *codec_gunzip(const char *in, size_t len, size_t max, size_t *out_len, struct herr *e);

#endif
