/* The watcher thread (see watch.h).
 *
 * The loop: connect, AUTH, SUBSCRIBE, wait for the confirmation
 * (on_live), then poll the socket and a wake-up pipe.  When the socket is
 * readable, `busy` is raised before the bytes are read and lowered after
 * every complete message has been handled, so that watch_pending() never
 * reports "nothing pending" while a message is between the socket and its
 * callback.  A PING every PING_MS while idle, and no byte for DEAD_MS,
 * counts as a lost connection (a silently dropped TCP link). */
#include <config.h>

#include "metadata/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/store.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define PING_MS        5000
#define DEAD_MS        15000

static struct {
	struct watch_cfg cfg;
	struct store_url url;
	char channel[128];
	pthread_t thread;
	bool started;
	int wake[2]; /* the stop pipe */
	_Atomic int fd;
	_Atomic bool busy;
	_Atomic bool stop;
} W = {.wake = {-1, -1}, .fd = -1};

bool watch_pending(void)
{
	struct pollfd p;
	int fd;

	if (atomic_load(&W.busy))
		return true;
	fd = atomic_load(&W.fd);
	if (fd < 0)
		return true;
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, 0) != 0)
		return true;
	/* The bytes may have been taken by the thread between the two loads:
	 * it raised busy before reading them. */
	return atomic_load(&W.busy);
}

/* Sleeps ms or until stopped; true when stopped. */
static bool nap(int ms)
{
	struct pollfd p = {W.wake[0], POLLIN, 0};

	if (atomic_load(&W.stop))
		return true;
	poll(&p, 1, ms);
	return atomic_load(&W.stop);
}

static redisContext *subscribe(void)
{
	struct timeval tv = {W.cfg.timeout_ms / 1000, (W.cfg.timeout_ms % 1000) * 1000};
	redisContext *c = W.url.path[0] ? redisConnectUnixWithTimeout(W.url.path, tv)
					: redisConnectWithTimeout(W.url.host, W.url.port, tv);
	redisReply *r = NULL;

	if (!c || c->err) {
		log_debug("metadata", "watch: cannot connect: %s", c ? c->errstr : "out of memory");
		goto fail;
	}
	fcntl(c->fd, F_SETFD, FD_CLOEXEC);
	redisSetTimeout(c, tv);
	if (W.url.password[0]) {
		r = W.url.user[0] ? redisCommand(c, "AUTH %s %s", W.url.user, W.url.password)
				  : redisCommand(c, "AUTH %s", W.url.password);
		if (!r || r->type == REDIS_REPLY_ERROR) {
			log_warn("metadata", "watch: AUTH failed: %s", r ? r->str : c->errstr);
			goto fail;
		}
		freeReplyObject(r);
	}
	r = redisCommand(c, "SUBSCRIBE %s", W.channel);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		log_warn("metadata", "watch: SUBSCRIBE failed: %s",
			 r && r->str ? r->str : c->errstr);
		goto fail;
	}
	freeReplyObject(r);
	return c;
fail:
	if (r)
		freeReplyObject(r);
	if (c)
		redisFree(c);
	return NULL;
}

static void handle(redisReply *r)
{
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING)
		W.cfg.on_message(r->element[2]->str);
	/* anything else: "pong" and (un)subscribe confirmations */
}

/* Handles every complete message in hiredis's buffer; -1 on a protocol
 * error. */
static int drain(redisContext *c)
{
	void *reply = NULL;

	for (;;) {
		if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
			return -1;
		if (!reply)
			return 0;
		handle(reply);
		freeReplyObject(reply);
	}
}

/* Reads and handles messages until the connection fails or stop. */
static void serve(redisContext *c)
{
	uint64_t last_rx = clock_now_ns(), last_ping = last_rx;

	for (;;) {
		struct pollfd p[2] = {{c->fd, POLLIN, 0}, {W.wake[0], POLLIN, 0}};
		uint64_t now;
		int n = poll(p, 2, 1000);

		if (atomic_load(&W.stop))
			return;
		if (n < 0 && errno != EINTR)
			return;
		now = clock_now_ns();
		if (n > 0 && p[0].revents) {
			bool ok;

			atomic_store(&W.busy, true);
			ok = redisBufferRead(c) == REDIS_OK && drain(c) == 0;
			atomic_store(&W.busy, false);
			if (!ok) {
				log_warn("metadata", "watch: connection lost: %s",
					 c->errstr[0] ? c->errstr : "closed");
				return;
			}
			last_rx = now;
			continue;
		}
		if (now - last_rx > (uint64_t)DEAD_MS * 1000000ull) {
			log_warn("metadata", "watch: no answer from Redis in %d ms", DEAD_MS);
			return;
		}
		if (now - last_ping > (uint64_t)PING_MS * 1000000ull) {
			int done = 0;

			last_ping = now;
			if (redisAppendCommand(c, "PING") != REDIS_OK)
				return;
			while (!done)
				if (redisBufferWrite(c, &done) != REDIS_OK)
					return;
		}
	}
}

static void *run(void *arg)
{
	int backoff = BACKOFF_MIN_MS;
	bool was_live = false;

	(void)arg;
	log_context("role=metadata watch=%s", W.channel);
	while (!atomic_load(&W.stop)) {
		redisContext *c = subscribe();

		if (!c) {
			if (nap(backoff))
				break;
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		backoff = BACKOFF_MIN_MS;
		/* Messages that came with the confirmation are in hiredis's
		 * buffer, where poll(2) cannot see them: busy covers them. */
		atomic_store(&W.busy, true);
		atomic_store(&W.fd, c->fd);
		W.cfg.on_live();
		was_live = true;
		if (drain(c) < 0) {
			atomic_store(&W.busy, false);
			W.cfg.on_lost();
			was_live = false;
			atomic_store(&W.fd, -1);
			redisFree(c);
			continue;
		}
		atomic_store(&W.busy, false);
		log_info("metadata", "watch: subscribed channel=%s", W.channel);
		serve(c);
		/* Forget before the fd is closed: watch_pending() must not poll a
		 * reused descriptor while the cache still trusts it. */
		W.cfg.on_lost();
		was_live = false;
		atomic_store(&W.fd, -1);
		redisFree(c);
		if (!atomic_load(&W.stop))
			nap(BACKOFF_MIN_MS);
	}
	if (was_live)
		W.cfg.on_lost();
	log_context_clear();
	return NULL;
}

int watch_start(const struct watch_cfg *cfg, struct herr *e)
{
	if (store_url_parse(cfg->url, &W.url, e) < 0)
		return -1;
	if (cfg->password && cfg->password[0])
		snprintf(W.url.password, sizeof(W.url.password), "%s", cfg->password);
	W.cfg = *cfg;
	snprintf(W.channel, sizeof(W.channel), "%s", cfg->channel);
	atomic_store(&W.stop, false);
	if (pipe2(W.wake, O_CLOEXEC) < 0) {
		herr_errno(e, errno, "pipe");
		return -1;
	}
	if (pthread_create(&W.thread, NULL, run, NULL) != 0) {
		herr_set(e, HERR_SYSTEM, "cannot start the metadata watcher thread");
		close(W.wake[0]);
		close(W.wake[1]);
		W.wake[0] = W.wake[1] = -1;
		return -1;
	}
	W.started = true;
	return 0;
}

void watch_stop(void)
{
	if (!W.started)
		return;
	atomic_store(&W.stop, true);
	if (write(W.wake[1], "x", 1) < 0)
		log_debug("metadata", "watch: wake-up write failed");
	pthread_join(W.thread, NULL);
	close(W.wake[0]);
	close(W.wake[1]);
	W.wake[0] = W.wake[1] = -1;
	W.started = false;
	explicit_bzero(W.url.password, sizeof(W.url.password));
}
