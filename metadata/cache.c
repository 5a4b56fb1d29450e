/* The instance cache (see cache.h): two string-keyed tables under one
 * read-write lock, UUID -> counted view and address -> UUID, a generation
 * counter, and the watcher's three callbacks. */
#include <config.h>

#include "metadata/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/store.h"
#include "metadata/watch.h"

#define NBUCKETS    4096
#define MAX_ENTRIES 100000
#define KEY_SIZE    320

struct cache_ref {
	_Atomic int refs;
	struct render_view *view;
};

/* ------------------------------------------------------------- tables */

struct node {
	struct node *next;
	char *key;
	void *val;
};

struct map {
	struct node *b[NBUCKETS];
	size_t n;
	void (*free_val)(void *);
};

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h % NBUCKETS);
}

static void *map_get(const struct map *m, const char *key)
{
	for (struct node *n = m->b[hash(key)]; n; n = n->next)
		if (strcmp(n->key, key) == 0)
			return n->val;
	return NULL;
}

static void map_clear(struct map *m)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct node *n = m->b[i];

		while (n) {
			struct node *next = n->next;

			m->free_val(n->val);
			free(n->key);
			free(n);
			n = next;
		}
		m->b[i] = NULL;
	}
	m->n = 0;
}

/* Removes key; its value is freed. */
static void map_del(struct map *m, const char *key)
{
	for (struct node **p = &m->b[hash(key)]; *p; p = &(*p)->next)
		if (strcmp((*p)->key, key) == 0) {
			struct node *n = *p;

			*p = n->next;
			m->free_val(n->val);
			free(n->key);
			free(n);
			m->n--;
			return;
		}
}

/* Sets key to val (which it then owns, even when out of memory); a full
 * table is emptied first, bounding memory without bookkeeping of use. */
static void map_put(struct map *m, const char *key, void *val)
{
	struct node *n;

	map_del(m, key);
	if (m->n >= MAX_ENTRIES)
		map_clear(m);
	n = malloc(sizeof(*n));
	if (!n || !(n->key = strdup(key))) {
		free(n);
		m->free_val(val);
		return;
	}
	n->val = val;
	n->next = m->b[hash(key)];
	m->b[hash(key)] = n;
	m->n++;
}

/* --------------------------------------------------------------- state */

static void free_ref(void *p)
{
	struct cache_ref *r = p;

	cache_release(&r);
}

static struct {
	pthread_rwlock_t lock;
	struct map uuids; /* UUID -> struct cache_ref (one reference) */
	struct map addrs; /* address -> UUID (malloc'd string) */
	bool live;        /* the subscription is confirmed */
	_Atomic uint64_t gen;
	bool started;
	_Atomic bool stopping;
} C = {
	.lock = PTHREAD_RWLOCK_INITIALIZER,
	.uuids = {.free_val = free_ref},
	.addrs = {.free_val = free},
};

void cache_release(struct cache_ref **pr)
{
	struct cache_ref *r = *pr;

	if (!r)
		return;
	if (atomic_fetch_sub(&r->refs, 1) == 1) {
		render_view_free(&r->view);
		free(r);
	}
	*pr = NULL;
}

const struct render_view *cache_view(const struct cache_ref *r)
{
	return r->view;
}

static void forget_all(bool live)
{
	pthread_rwlock_wrlock(&C.lock);
	C.live = live;
	atomic_fetch_add(&C.gen, 1);
	map_clear(&C.uuids);
	map_clear(&C.addrs);
	pthread_rwlock_unlock(&C.lock);
}

static void forget(const char *uuid)
{
	pthread_rwlock_wrlock(&C.lock);
	atomic_fetch_add(&C.gen, 1);
	map_del(&C.uuids, uuid);
	pthread_rwlock_unlock(&C.lock);
}

static void on_live(void)
{
	forget_all(true);
}

static void on_lost(void)
{
	forget_all(false);
	if (!atomic_load(&C.stopping))
		log_warn("metadata", "instance cache off until the subscription is back");
}

/* The payload is an instance UUID; "*" drops everything. */
static void on_message(const char *payload)
{
	if (strcmp(payload, "*") == 0)
		forget_all(true);
	else
		forget(payload);
}

int cache_start(const char *url, const char *password, struct herr *e)
{
	struct watch_cfg wc = {
		.url = url,
		.password = password,
		.channel = CACHE_CHANNEL,
		.timeout_ms = 2000,
		.on_live = on_live,
		.on_message = on_message,
		.on_lost = on_lost,
	};

	atomic_store(&C.stopping, false);
	if (watch_start(&wc, e) < 0)
		return -1;
	C.started = true;
	return 0;
}

void cache_stop(void)
{
	if (!C.started)
		return;
	atomic_store(&C.stopping, true);
	watch_stop();
	forget_all(false);
	C.started = false;
}

/* ---------------------------------------------------------------- Redis */

static struct cache_ref *make_ref(const char *doc, size_t len, const char *pw, size_t pwlen,
				  struct herr *e)
{
	json_error_t je;
	json_t *j = json_loadb(doc, len, 0, &je);
	struct render_view *v;
	struct cache_ref *r;

	if (!j) {
		herr_set(e, HERR_INVALID, "instance document is not JSON: %s", je.text);
		return NULL;
	}
	v = render_view_new(j, pw, pwlen, e);
	if (!v)
		return NULL;
	r = malloc(sizeof(*r));
	if (!r) {
		render_view_free(&v);
		herr_set(e, HERR_NOMEM, "out of memory");
		return NULL;
	}
	atomic_init(&r->refs, 1);
	r->view = v;
	return r;
}

/* A string element of an array reply, or NULL. */
static const char *elem(const struct store_reply *r, size_t i, size_t *len)
{
	const struct store_reply *x = store_reply_elem(r, i);

	return x && store_reply_type(x) == STORE_STR ? store_reply_str(x, len) : NULL;
}

static struct cache_ref *fetch_addr(const char *ip, struct herr *e)
{
	/* The mapping and the document it names, read at one instant. */
	static const char lua[] =
		"local u = redis.call('GET', KEYS[1])\n"
		"if not u then return false end\n"
		"return {u, redis.call('GET', 'hearth:instance:' .. u),\n"
		"        redis.call('GET', 'hearth:instance:' .. u .. ':password')}\n";
	char key[KEY_SIZE];
	struct store_reply *r;
	struct cache_ref *ref = NULL;
	const char *doc, *pw;
	size_t dlen = 0, plen = 0;

	snprintf(key, sizeof(key), "hearth:addr:%s", ip);
	r = store_cmdv(e, "EVAL", lua, "1", key, NULL);
	if (!r)
		return NULL;
	doc = elem(r, 1, &dlen);
	pw = elem(r, 2, &plen);
	if (store_reply_type(r) != STORE_ARRAY || !doc)
		herr_set(e, HERR_NOT_FOUND, "no instance has address %s", ip);
	else
		ref = make_ref(doc, dlen, pw, plen, e);
	store_reply_free(&r);
	return ref;
}

static struct cache_ref *fetch_uuid(const char *uuid, struct herr *e)
{
	char dk[KEY_SIZE], pk[KEY_SIZE];
	struct store_reply *r;
	struct cache_ref *ref = NULL;
	const char *doc, *pw;
	size_t dlen = 0, plen = 0;

	snprintf(dk, sizeof(dk), "hearth:instance:%s", uuid);
	snprintf(pk, sizeof(pk), "hearth:instance:%s:password", uuid);
	r = store_cmdv(e, "MGET", dk, pk, NULL);
	if (!r)
		return NULL;
	doc = elem(r, 0, &dlen);
	pw = elem(r, 1, &plen);
	if (!doc)
		herr_set(e, HERR_NOT_FOUND, "no instance %s", uuid);
	else
		ref = make_ref(doc, dlen, pw, plen, e);
	store_reply_free(&r);
	return ref;
}

/* Keeps ref under its UUID (and ip -> UUID when ip is the document's
 * address) unless an invalidation came since gen0 or the subscription is
 * not live. */
static void keep(struct cache_ref *ref, const char *ip, uint64_t gen0)
{
	const char *uuid = render_view_uuid(ref->view);

	pthread_rwlock_wrlock(&C.lock);
	if (C.live && atomic_load(&C.gen) == gen0) {
		atomic_fetch_add(&ref->refs, 1);
		map_put(&C.uuids, uuid, ref);
		if (ip && strcmp(render_view_address(ref->view), ip) == 0) {
			char *u = strdup(uuid);

			if (u)
				map_put(&C.addrs, ip, u);
		}
	}
	pthread_rwlock_unlock(&C.lock);
}

/* ------------------------------------------------------------- lookups */

struct cache_ref *cache_by_addr(const char *ip, struct herr *e)
{
	struct cache_ref *ref = NULL;
	uint64_t gen0;

	if (!watch_pending()) {
		pthread_rwlock_rdlock(&C.lock);
		if (C.live) {
			const char *u = map_get(&C.addrs, ip);

			ref = u ? map_get(&C.uuids, u) : NULL;
			/* A view is served for an address only if it still says
			 * that address is its own. */
			if (ref && strcmp(render_view_address(ref->view), ip) == 0)
				atomic_fetch_add(&ref->refs, 1);
			else
				ref = NULL;
		}
		pthread_rwlock_unlock(&C.lock);
		if (ref)
			return ref;
	}
	gen0 = atomic_load(&C.gen);
	ref = fetch_addr(ip, e);
	if (ref)
		keep(ref, ip, gen0);
	return ref;
}

struct cache_ref *cache_by_uuid(const char *uuid, struct herr *e)
{
	struct cache_ref *ref = NULL;
	uint64_t gen0;

	if (!watch_pending()) {
		pthread_rwlock_rdlock(&C.lock);
		if (C.live) {
			ref = map_get(&C.uuids, uuid);
			if (ref)
				atomic_fetch_add(&ref->refs, 1);
		}
		pthread_rwlock_unlock(&C.lock);
		if (ref)
			return ref;
	}
	gen0 = atomic_load(&C.gen);
	ref = fetch_uuid(uuid, e);
	if (ref) {
		/* The document must be the one asked for. */
		if (strcmp(render_view_uuid(ref->view), uuid) != 0) {
			cache_release(&ref);
			herr_set(e, HERR_INVALID, "instance document %s names another uuid", uuid);
			return NULL;
		}
		keep(ref, NULL, gen0);
	}
	return ref;
}

int cache_set_password(const char *uuid, const char *pw, size_t len, struct herr *e)
{
	static const char lua[] = "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
				  "if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then\n"
				  "  return 0\n"
				  "end\n"
				  "redis.call('PUBLISH', '" CACHE_CHANNEL "', ARGV[2])\n"
				  "return 1\n";
	char dk[KEY_SIZE], pk[KEY_SIZE];
	const char *argv[7] = {"EVAL", lua, "2", dk, pk, pw, uuid};
	size_t lens[7];
	struct store_reply *r;
	long long v;

	snprintf(dk, sizeof(dk), "hearth:instance:%s", uuid);
	snprintf(pk, sizeof(pk), "hearth:instance:%s:password", uuid);
	for (int i = 0; i < 7; i++)
		lens[i] = i == 5 ? len : strlen(argv[i]);
	r = store_cmd(7, argv, lens, e);
	if (!r)
		return -1;
	v = store_reply_int(r);
	store_reply_free(&r);
	/* This replica sees its own write at once, message or not. */
	forget(uuid);
	if (v < 0) {
		herr_set(e, HERR_NOT_FOUND, "instance %s is gone", uuid);
		return -1;
	}
	return v > 0;
}
