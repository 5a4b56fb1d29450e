/* Message digests for the `digest` intrinsic function: MD5, SHA-1 and the
 * SHA-2 family, written out here because libsodium has only SHA-256/512
 * and Heat's users ask for the others too.  Not for secrets' storage
 * (tokens use libsodium's keyed hashes). */
#ifndef HEARTH_HASH_H
#define HEARTH_HASH_H

#include <stddef.h>

enum hash_alg { HASH_MD5, HASH_SHA1, HASH_SHA224, HASH_SHA256, HASH_SHA384, HASH_SHA512 };

#define HASH_MAX_DIGEST 64

/* The algorithm named (case-insensitively) "md5", "sha1", "sha224",
 * "sha256", "sha384" or "sha512"; -1 for any other name. */
int hash_find(const char *name);

/* Digest of data into out (HASH_MAX_DIGEST bytes at least); returns its
 * length in bytes. */
size_t hash_digest(enum hash_alg alg, const void *data, size_t len, unsigned char *out);

#endif
