/* A subscription to hearth:instance-changed on a dedicated Redis
 * connection and thread, feeding the instance cache (cache.c).
 *
 * This is the one file outside common/store.c that includes hiredis:
 * store.c has no way to hold a connection in subscribe mode, and common/
 * is not the metadata role's to change.  It keeps to store's habits (the
 * URL through store_url_parse, AUTH, connect and command timeouts,
 * backoff from 50 ms to 2 s) and would move there as store_subscribe()
 * unchanged.
 *
 * Contract of the callbacks, all run on the watcher's thread:
 *   on_live()     the subscription is confirmed; every message published
 *                 from now on will be seen (what came before is unknown);
 *   on_message(p) a message with payload p (NUL-terminated, borrowed);
 *   on_lost()     the connection is gone; messages may be missed until
 *                 the next on_live().
 * on_live and on_lost alternate, starting with on_live. */
#ifndef HEARTH_METADATA_WATCH_H
#define HEARTH_METADATA_WATCH_H

#include <stdbool.h>

#include "common/err.h"

struct watch_cfg {
	const char *url;      /* as store_url_parse takes it */
	const char *password; /* overrides one in the URL; may be NULL */
	const char *channel;
	int timeout_ms; /* connect and command timeout */
	void (*on_live)(void);
	void (*on_message)(const char *payload);
	void (*on_lost)(void);
};

/* Starts the thread (it connects on its own, retrying for ever). */
int watch_start(const struct watch_cfg *cfg, struct herr *e);
/* Stops and joins the thread; on_lost() has run if on_live() had. */
void watch_stop(void);

/* Whether a message may have reached this process without its callback
 * having finished: bytes wait on the socket, or the thread is handling
 * some.  A reader that sees false after an invalidation was written to
 * the socket also sees that invalidation's effect.  Lock-free; costs one
 * poll(2). */
bool watch_pending(void);

#endif
