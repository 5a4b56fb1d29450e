/* The instance cache: each instance's view (render.h), looked up by the
 * guest's address or by its UUID, read from Redis on a miss and dropped
 * when the engine publishes the instance's UUID on hearth:instance-changed
 * (watch.h).  No TTL: an entry lives until invalidated or the cache is
 * full.
 *
 * Freshness (docs/internals/metadata.md): an entry is served only while
 * the subscription is live and no message is pending between the socket
 * and its handler; every invalidation, (re)subscription and loss of the
 * connection bumps a generation under the write lock, and a view read
 * from Redis is kept only if the generation did not move while it was
 * read.  While the subscription is down every request reads Redis.
 *
 * Redis keys read: hearth:addr:IP, hearth:instance:UUID,
 * hearth:instance:UUID:password; written: the password (SET NX). */
#ifndef HEARTH_METADATA_CACHE_H
#define HEARTH_METADATA_CACHE_H

#include <stddef.h>

#include "common/err.h"
#include "metadata/render.h"

#define CACHE_CHANNEL "hearth:instance-changed"

struct cache_ref;

/* Starts the subscription (url and password as for store_init). */
int cache_start(const char *url, const char *password, struct herr *e);
void cache_stop(void);

/* The instance whose guest uses source address ip, or the one with this
 * UUID: a counted reference to release with cache_release, or NULL with
 * e set (HERR_NOT_FOUND: no such instance; HERR_UNAVAILABLE: Redis;
 * HERR_INVALID: a malformed document). */
struct cache_ref *cache_by_addr(const char *ip, struct herr *e);
struct cache_ref *cache_by_uuid(const char *uuid, struct herr *e);
void cache_release(struct cache_ref **r);

/* Borrowed; valid while the reference is held. */
const struct render_view *cache_view(const struct cache_ref *r);

/* Stores the password of instance uuid unless one is set, publishing the
 * change.  1 stored, 0 one was set already, -1 with e set
 * (HERR_NOT_FOUND: the instance is gone). */
int cache_set_password(const char *uuid, const char *pw, size_t len, struct herr *e);

#endif
