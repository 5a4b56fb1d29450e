/* Message digests (see hash.h).  Stub: filled in by the digest work. */
#include "common/hash.h"

int hash_find(const char *name)
{
	(void)name;
	return -1;
}

size_t hash_digest(enum hash_alg alg, const void *data, size_t len, unsigned char *out)
{
	(void)alg, (void)data, (void)len, (void)out;
	return 0;
}
