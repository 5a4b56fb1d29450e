/* base64 and gzip decoding (see codec.h). */
#include "guest-tools/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

bool codec_is_gzip(const char *buf, size_t len)
{
	return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

char *codec_b64decode(const char *in, size_t len, size_t *out_len, struct herr *e)
{
	char *out = malloc(len / 4 * 3 + 4);
	unsigned acc = 0;
	size_t n = 0;
	int bits = 0;
	bool pad = false;

	if (!out) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		v = b64val(c);
		if (v < 0 || pad) {
			herr_set(e, HERR_INVALID, "invalid base64 at byte %zu", i);
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

char *codec_gunzip(const char *in, size_t len, size_t max, size_t *out_len, struct herr *e)
{
	z_stream z;
	char *out = NULL;
	size_t cap = len * 4 + 1024;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 32 + 15: gzip or zlib header, detected. */
	if (inflateInit2(&z, 32 + 15) != Z_OK) {
		herr_set(e, HERR_NOMEM, "cannot initialise zlib");
		return NULL;
	}
	if (cap > max + 1)
		cap = max + 1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	for (;;) {
		char *grown = realloc(out, cap);

		if (!grown) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto fail;
		}
		out = grown;
		z.next_out = (Bytef *)out + z.total_out;
		z.avail_out = (uInt)(cap - 1 - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && z.avail_out > 0) {
			herr_set(e, HERR_INVALID, "truncated gzip data");
			goto fail;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			herr_set(e, HERR_INVALID, "invalid gzip data: %s", z.msg ? z.msg : "?");
			goto fail;
		}
		if (z.avail_out == 0) {
			if (cap - 1 >= max) {
				herr_set(e, HERR_TOO_BIG, "gzip data inflates past %zu bytes", max);
				goto fail;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
		}
	}
	out[z.total_out] = '\0';
	*out_len = z.total_out;
	inflateEnd(&z);
	return out;
fail:
	inflateEnd(&z);
	free(out);
	return NULL;
}
