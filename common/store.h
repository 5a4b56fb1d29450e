/* The one door to Redis.  Only store.c includes hiredis.
 *
 * Each thread that calls store_* gets its own connection, made on first
 * use and remade after a failure.  While Redis cannot be reached every call
 * fails fast with HERR_UNAVAILABLE; reconnection attempts back off from
 * 50 ms to 2 s and are shared by all threads, so an outage costs one
 * connect attempt per interval, not one per request. */
#ifndef HEARTH_STORE_H
#define HEARTH_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct store_cfg {
	const char *url;      /* tcp://, redis://, unix:// (see store_url_parse) */
	const char *password; /* overrides one in the URL; may be NULL */
	int connect_timeout_ms;
	int command_timeout_ms;
};

/* A parsed Redis URL:
 *   tcp://[user[:password]@]host[:port][/db]   (redis:// is the same)
 *   unix://[user[:password]@]/path/to/socket[?db=N] */
struct store_url {
	char host[256];
	int port;
	char path[108];
	char user[128];
	char password[256];
	int db;
};

int store_url_parse(const char *url, struct store_url *out, struct herr *e);
/* Copies url with any password replaced by "***", for logs and output. */
void store_url_redact(const char *url, char *buf, size_t size);

int store_init(const struct store_cfg *cfg, struct herr *e);
/* Frees the calling thread's connection and the module's state.  Other
 * threads' connections are freed when those threads exit. */
void store_shutdown(void);

/* Whether the last command or connection attempt succeeded. */
bool store_up(void);

enum store_type { STORE_NIL, STORE_INT, STORE_STR, STORE_ARRAY, STORE_STATUS };

struct store_reply;

/* Runs one command (argv strings with lengths; lens may be NULL for
 * NUL-terminated ones).  Returns a new reply to free with
 * store_reply_free(), or NULL with e set: HERR_UNAVAILABLE when Redis
 * cannot be reached, HERR_INVALID with Redis's message for an error
 * reply. */
struct store_reply *store_cmd(int argc, const char *const *argv, const size_t *lens,
			      struct herr *e);
/* The same, with a NULL-terminated list of C strings. */
struct store_reply *store_cmdv(struct herr *e, ...) __attribute__((sentinel));
void store_reply_free(struct store_reply **r);
/* Runs a command given as a NULL-terminated list and drops its reply:
 * 0, or -1 with e set. */
int store_run(struct herr *e, const char *const *argv);

enum store_type store_reply_type(const struct store_reply *r);
long long store_reply_int(const struct store_reply *r);
/* Borrowed; valid until the reply is freed. */
const char *store_reply_str(const struct store_reply *r, size_t *len);
size_t store_reply_count(const struct store_reply *r);
const struct store_reply *store_reply_elem(const struct store_reply *r, size_t i);

int store_ping(struct herr *e);

/* Connects to a Unix socket and PINGs it once, outside the shared state:
 * used to wait for an embedded redis-server to come up. */
int store_probe_unix(const char *path, int timeout_ms, struct herr *e);

#endif
