/* Redis access (see store.h).  The only file that includes hiredis.
 *
 * State: the parsed URL and timeouts (set once by store_init), one
 * connection per thread (a pthread key whose destructor frees it), and a
 * shared health record: a generation number that a failing thread bumps so
 * every other thread drops its connection too, and the time before which
 * nobody tries to connect again. */
#include "common/store.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define MAX_ARGS       1024

struct conn {
	redisContext *ctx;
	unsigned gen;
};

static struct {
	struct store_url url;
	char redacted[512];
	struct timeval connect_tv, command_tv;
	pthread_key_t key;
	bool ready;
	pthread_mutex_t lock; /* guards failing, next_try_ns and backoff_ms */
	bool failing;
	uint64_t next_try_ns;
	int backoff_ms;
	_Atomic unsigned gen;
	_Atomic bool up;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------------- URL */

static int copy_part(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int parse_int(const char *s, size_t len, int min, int max, int *out)
{
	long v = 0;

	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int store_url_parse(const char *url, struct store_url *u, struct herr *e)
{
	const char *p, *at, *end;
	bool is_unix;

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	if (strncmp(url, "tcp://", 6) == 0 || strncmp(url, "redis://", 8) == 0) {
		is_unix = false;
		p = strstr(url, "://") + 3;
	} else if (strncmp(url, "unix://", 7) == 0) {
		is_unix = true;
		p = url + 7;
	} else {
		herr_set(e, HERR_INVALID, "redis URL must start with tcp://, redis:// or unix://");
		return -1;
	}
	/* user:password@ -- the password may contain anything but '@' is the
	 * last one before the address. */
	at = strrchr(p, '@');
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			if (copy_part(u->user, sizeof(u->user), p, (size_t)(colon - p)) < 0 ||
			    copy_part(u->password, sizeof(u->password), colon + 1,
				      (size_t)(at - colon - 1)) < 0)
				goto bad;
		} else if (copy_part(u->user, sizeof(u->user), p, (size_t)(at - p)) < 0) {
			goto bad;
		}
		p = at + 1;
	}
	if (is_unix) {
		const char *q = strchr(p, '?');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (p[0] != '/' || copy_part(u->path, sizeof(u->path), p, len) < 0) {
			herr_set(
				e, HERR_INVALID,
				"redis URL: unix:// needs an absolute socket path of at most %zu bytes",
				sizeof(u->path) - 1);
			return -1;
		}
		if (q) {
			if (strncmp(q, "?db=", 4) != 0 ||
			    parse_int(q + 4, strlen(q + 4), 0, 1000000, &u->db) < 0) {
				herr_set(e, HERR_INVALID,
					 "redis URL: only ?db=N may follow the socket path");
				return -1;
			}
		}
		return 0;
	}
	end = strchr(p, '/');
	if (!end)
		end = p + strlen(p);
	{
		const char *hs = p, *he, *colon;
		if (*p == '[') {
			hs = p + 1;
			he = memchr(hs, ']', (size_t)(end - hs));
			if (!he)
				goto bad;
			colon = he + 1 < end && he[1] == ':' ? he + 1 : NULL;
		} else {
			colon = memchr(p, ':', (size_t)(end - p));
			he = colon ? colon : end;
		}
		if (he == hs || copy_part(u->host, sizeof(u->host), hs, (size_t)(he - hs)) < 0)
			goto bad;
		if (colon &&
		    parse_int(colon + 1, (size_t)(end - colon - 1), 1, 65535, &u->port) < 0) {
			herr_set(e, HERR_INVALID, "redis URL: bad port");
			return -1;
		}
	}
	if (*end == '/' && end[1] && parse_int(end + 1, strlen(end + 1), 0, 1000000, &u->db) < 0) {
		herr_set(e, HERR_INVALID, "redis URL: the path must be a database number");
		return -1;
	}
	return 0;
bad:
	herr_set(e, HERR_INVALID, "redis URL is malformed");
	return -1;
}

void store_url_redact(const char *url, char *buf, size_t size)
{
	const char *scheme = strstr(url, "://"), *at, *colon;

	at = scheme ? strrchr(scheme + 3, '@') : NULL;
	colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (!colon) {
		snprintf(buf, size, "%s", url);
		return;
	}
	snprintf(buf, size, "%.*s:***%s", (int)(colon - url), url, at);
}

/* ------------------------------------------------------------ connection */

static void conn_free(void *p)
{
	struct conn *c = p;

	if (c) {
		if (c->ctx)
			redisFree(c->ctx);
		free(c);
	}
}

static void mark_up(bool up, const char *why)
{
	bool was = atomic_exchange(&S.up, up);

	if (was && !up)
		log_warn("store", "redis unreachable url=%s reason=\"%s\"", S.redacted, why);
	else if (!was && up)
		log_info("store", "redis reachable url=%s", S.redacted);
}

static redisContext *dial(const struct store_url *u, const struct timeval *tv, struct herr *e)
{
	redisContext *ctx = u->path[0] ? redisConnectUnixWithTimeout(u->path, *tv)
				       : redisConnectWithTimeout(u->host, u->port, *tv);

	if (!ctx) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return NULL;
	}
	if (ctx->err) {
		herr_set(e, HERR_UNAVAILABLE, "redis: %s", ctx->errstr);
		redisFree(ctx);
		return NULL;
	}
	/* hiredis 0.14 does not set it: a restarted embedded redis-server
	 * must not inherit every thread's connection. */
	fcntl(ctx->fd, F_SETFD, FD_CLOEXEC);
	return ctx;
}

/* AUTH and SELECT on a fresh connection. */
static int handshake(redisContext *ctx, struct herr *e)
{
	redisReply *r = NULL;

	if (S.url.password[0]) {
		if (S.url.user[0])
			r = redisCommand(ctx, "AUTH %s %s", S.url.user, S.url.password);
		else
			r = redisCommand(ctx, "AUTH %s", S.url.password);
		if (!r || r->type == REDIS_REPLY_ERROR) {
			/* Redis's message names no secret ("WRONGPASS ..."). */
			herr_set(e, r ? HERR_INVALID : HERR_UNAVAILABLE, "redis AUTH: %s",
				 r ? r->str : ctx->errstr);
			goto fail;
		}
		freeReplyObject(r);
	}
	if (S.url.db) {
		r = redisCommand(ctx, "SELECT %d", S.url.db);
		if (!r || r->type == REDIS_REPLY_ERROR) {
			herr_set(e, r ? HERR_INVALID : HERR_UNAVAILABLE, "redis SELECT: %s",
				 r ? r->str : ctx->errstr);
			goto fail;
		}
		freeReplyObject(r);
	}
	return 0;
fail:
	if (r)
		freeReplyObject(r);
	return -1;
}

/* The calling thread's live connection, or NULL with e set. */
static struct conn *conn_get(struct herr *e)
{
	struct conn *c = pthread_getspecific(S.key);
	unsigned gen = atomic_load(&S.gen);
	uint64_t now;
	int wait_ms = 0;

	if (!S.ready) {
		herr_set(e, HERR_UNAVAILABLE, "redis: store not initialised");
		return NULL;
	}
	if (c && c->ctx && c->gen == gen)
		return c;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || pthread_setspecific(S.key, c) != 0) {
			free(c);
			herr_set(e, HERR_NOMEM, "out of memory");
			return NULL;
		}
	}
	if (c->ctx) {
		redisFree(c->ctx);
		c->ctx = NULL;
	}
	/* While Redis is failing, one thread per backoff interval tries to
	 * connect and the others fail fast; while it is healthy, all connect
	 * freely. */
	now = clock_now_ns();
	pthread_mutex_lock(&S.lock);
	if (S.failing && now < S.next_try_ns)
		wait_ms = (int)((S.next_try_ns - now) / 1000000) + 1;
	else if (S.failing)
		S.next_try_ns = now + (uint64_t)S.backoff_ms * 1000000ull;
	pthread_mutex_unlock(&S.lock);
	if (wait_ms) {
		herr_set(e, HERR_UNAVAILABLE, "redis unreachable, next attempt in %d ms", wait_ms);
		return NULL;
	}

	c->ctx = dial(&S.url, &S.connect_tv, e);
	if (c->ctx &&
	    (redisSetTimeout(c->ctx, S.command_tv) != REDIS_OK || handshake(c->ctx, e) < 0)) {
		herr_set(e, HERR_UNAVAILABLE, "redis: %s", c->ctx->errstr);
		redisFree(c->ctx);
		c->ctx = NULL;
	}
	pthread_mutex_lock(&S.lock);
	if (c->ctx) {
		S.failing = false;
		S.backoff_ms = BACKOFF_MIN_MS;
	} else {
		S.next_try_ns = clock_now_ns() + (uint64_t)S.backoff_ms * 1000000ull;
		if (S.failing)
			S.backoff_ms = S.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
									 : S.backoff_ms * 2;
		S.failing = true;
	}
	pthread_mutex_unlock(&S.lock);
	if (!c->ctx) {
		mark_up(false, e ? e->msg : "connect failed");
		return NULL;
	}
	c->gen = gen;
	mark_up(true, NULL);
	return c;
}

/* ------------------------------------------------------------------- API */

int store_init(const struct store_cfg *cfg, struct herr *e)
{
	if (store_url_parse(cfg->url, &S.url, e) < 0)
		return -1;
	if (cfg->password && cfg->password[0]) {
		if (strlen(cfg->password) >= sizeof(S.url.password)) {
			herr_set(e, HERR_INVALID, "redis password too long");
			return -1;
		}
		memcpy(S.url.password, cfg->password, strlen(cfg->password) + 1);
	}
	store_url_redact(cfg->url, S.redacted, sizeof(S.redacted));
	S.connect_tv.tv_sec = cfg->connect_timeout_ms / 1000;
	S.connect_tv.tv_usec = (cfg->connect_timeout_ms % 1000) * 1000;
	S.command_tv.tv_sec = cfg->command_timeout_ms / 1000;
	S.command_tv.tv_usec = (cfg->command_timeout_ms % 1000) * 1000;
	if (pthread_key_create(&S.key, conn_free) != 0) {
		herr_set(e, HERR_SYSTEM, "pthread_key_create failed");
		return -1;
	}
	S.backoff_ms = BACKOFF_MIN_MS;
	S.failing = false;
	atomic_store(&S.up, true); /* so that the first failure is logged */
	S.ready = true;
	return 0;
}

void store_shutdown(void)
{
	if (!S.ready)
		return;
	conn_free(pthread_getspecific(S.key));
	pthread_setspecific(S.key, NULL);
	pthread_key_delete(S.key);
	S.ready = false;
	explicit_bzero(S.url.password, sizeof(S.url.password));
}

bool store_up(void)
{
	return atomic_load(&S.up);
}

struct store_reply *store_cmd(int argc, const char *const *argv, const size_t *lens, struct herr *e)
{
	size_t deflens[MAX_ARGS];
	struct conn *c;
	redisReply *r;
	uint64_t t0;

	if (argc <= 0 || argc > MAX_ARGS) {
		herr_set(e, HERR_INVALID, "redis: bad argument count %d", argc);
		return NULL;
	}
	if (!lens) {
		for (int i = 0; i < argc; i++)
			deflens[i] = strlen(argv[i]);
		lens = deflens;
	}
	c = conn_get(e);
	if (!c)
		return NULL;
	t0 = clock_now_ns();
	r = redisCommandArgv(c->ctx, argc, (const char **)argv, lens);
	metrics_redis_observe(clock_now_ns() - t0, r && r->type != REDIS_REPLY_ERROR);
	if (!r) {
		/* The connection is broken (reset, EOF, timeout): every thread's
		 * connection to this server is suspect, so all reconnect. */
		herr_set(e, HERR_UNAVAILABLE, "redis: %s", c->ctx->errstr);
		mark_up(false, c->ctx->errstr);
		redisFree(c->ctx);
		c->ctx = NULL;
		atomic_fetch_add(&S.gen, 1);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		herr_set(e, HERR_INVALID, "redis: %s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return (struct store_reply *)r;
}

struct store_reply *store_cmdv(struct herr *e, ...)
{
	const char *argv[MAX_ARGS];
	int argc = 0;
	const char *a;
	va_list ap;

	va_start(ap, e);
	while ((a = va_arg(ap, const char *))) {
		if (argc == MAX_ARGS) {
			va_end(ap);
			herr_set(e, HERR_INVALID, "redis: more than %d arguments", MAX_ARGS);
			return NULL;
		}
		argv[argc++] = a;
	}
	va_end(ap);
	return store_cmd(argc, argv, NULL, e);
}

void store_reply_free(struct store_reply **r)
{
	if (*r) {
		freeReplyObject((redisReply *)*r);
		*r = NULL;
	}
}

enum store_type store_reply_type(const struct store_reply *sr)
{
	const redisReply *r = (const redisReply *)sr;

	switch (r->type) {
	case REDIS_REPLY_INTEGER:
		return STORE_INT;
	case REDIS_REPLY_STRING:
		return STORE_STR;
	case REDIS_REPLY_ARRAY:
		return STORE_ARRAY;
	case REDIS_REPLY_STATUS:
		return STORE_STATUS;
	default:
		return STORE_NIL;
	}
}

long long store_reply_int(const struct store_reply *sr)
{
	const redisReply *r = (const redisReply *)sr;

	return r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
}

const char *store_reply_str(const struct store_reply *sr, size_t *len)
{
	const redisReply *r = (const redisReply *)sr;
	bool has = r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS;

	if (len)
		*len = has ? r->len : 0;
	return has ? r->str : NULL;
}

size_t store_reply_count(const struct store_reply *sr)
{
	const redisReply *r = (const redisReply *)sr;

	return r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
}

const struct store_reply *store_reply_elem(const struct store_reply *sr, size_t i)
{
	const redisReply *r = (const redisReply *)sr;

	return r->type == REDIS_REPLY_ARRAY && i < r->elements
		       ? (const struct store_reply *)r->element[i]
		       : NULL;
}

int store_run(struct herr *e, const char *const *argv)
{
	int argc = 0;
	struct store_reply *r;

	while (argv[argc])
		argc++;
	r = store_cmd(argc, argv, NULL, e);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}

int store_ping(struct herr *e)
{
	struct store_reply *r = store_cmdv(e, "PING", NULL);

	if (!r)
		return -1;
	store_reply_free(&r);
	return 0;
}

int store_probe_unix(const char *path, int timeout_ms, struct herr *e)
{
	struct store_url u = {0};
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *ctx;
	redisReply *r;
	int rc = -1;

	if (strlen(path) >= sizeof(u.path)) {
		herr_set(e, HERR_INVALID, "socket path too long: %s", path);
		return -1;
	}
	memcpy(u.path, path, strlen(path) + 1);
	ctx = dial(&u, &tv, e);
	if (!ctx)
		return -1;
	redisSetTimeout(ctx, tv);
	r = redisCommand(ctx, "PING");
	if (r && r->type == REDIS_REPLY_STATUS)
		rc = 0;
	else
		herr_set(e, HERR_UNAVAILABLE, "redis: %s",
			 r && r->str ? r->str : (r ? "unexpected reply" : ctx->errstr));
	if (r)
		freeReplyObject(r);
	redisFree(ctx);
	return rc;
}
