/* Long-poll (see longpoll.h). */
#include "signal/longpoll.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/store.h"
#include "engine/swdb.h"

struct waiter {
	struct http_req *req;
	char server[40];
	uint64_t deadline_ns;
	struct waiter *next;
};

static struct {
	pthread_mutex_t lock;
	struct waiter *list;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	_Atomic unsigned long gen;
} L = {.lock = PTHREAD_MUTEX_INITIALIZER};

unsigned long longpoll_gen(void)
{
	return atomic_load(&L.gen);
}

bool longpoll_park(struct http_req *req, const char *server, unsigned long gen,
		   uint64_t deadline_ns)
{
	struct waiter *w;

	if (!L.started || atomic_load(&L.stop) || !(w = calloc(1, sizeof(*w))))
		return false;
	w->req = req;
	snprintf(w->server, sizeof(w->server), "%s", server);
	w->deadline_ns = deadline_ns;
	http_suspend(req); /* before it is listed: a resume may come at once */
	pthread_mutex_lock(&L.lock);
	if (atomic_load(&L.gen) != gen || atomic_load(&L.stop)) {
		pthread_mutex_unlock(&L.lock);
		free(w);
		http_resume(req); /* it runs again and looks again */
		return true;
	}
	w->next = L.list;
	L.list = w;
	pthread_mutex_unlock(&L.lock);
	return true;
}

/* Resumes the waiters of server (NULL: every one), or those past their
 * deadline when server is "" . */
static void wake(const char *server, uint64_t now)
{
	struct waiter **pp, *w, *ready = NULL;

	pthread_mutex_lock(&L.lock);
	for (pp = &L.list; (w = *pp);) {
		bool go = !server   ? true
			  : *server ? strcmp(w->server, server) == 0
				    : w->deadline_ns <= now;

		if (go) {
			*pp = w->next;
			w->next = ready;
			ready = w;
		} else {
			pp = &w->next;
		}
	}
	pthread_mutex_unlock(&L.lock);
	while ((w = ready)) {
		ready = w->next;
		http_resume(w->req);
		free(w);
	}
}

static void *run(void *arg)
{
	char last[64] = "$";
	struct herr e = HERR_INIT;

	(void)arg;
	while (!atomic_load(&L.stop)) {
		struct store_reply *r = store_cmdv(&e, "XREAD", "COUNT", "256", "BLOCK", "500",
						   "STREAMS", SWDB_CHANGES, last, NULL);
		const struct store_reply *entries;

		if (!r) { /* changes may be missed: everyone looks again */
			herr_clear(&e);
			atomic_fetch_add(&L.gen, 1);
			wake(NULL, 0);
			clock_sleep_ms(200);
			continue;
		}
		if (store_reply_count(r) == 1 &&
		    (entries = store_reply_elem(store_reply_elem(r, 0), 1))) {
			for (size_t i = 0; i < store_reply_count(entries); i++) {
				const struct store_reply *en = store_reply_elem(entries, i);
				const char *id = store_reply_str(store_reply_elem(en, 0), NULL);
				const char *srv = store_reply_str(
					store_reply_elem(store_reply_elem(en, 1), 1), NULL);

				if (id)
					snprintf(last, sizeof(last), "%s", id);
				atomic_fetch_add(&L.gen, 1);
				if (srv)
					wake(srv, 0);
			}
		}
		store_reply_free(&r);
		wake("", clock_now_ns());
	}
	return NULL;
}

int longpoll_start(struct herr *e)
{
	atomic_store(&L.stop, false);
	if (pthread_create(&L.thread, NULL, run, NULL) != 0) {
		herr_set(e, HERR_SYSTEM, "cannot start the long-poll thread");
		return -1;
	}
	L.started = true;
	return 0;
}

void longpoll_stop(void)
{
	if (!L.started)
		return;
	atomic_store(&L.stop, true);
	pthread_join(L.thread, NULL);
	wake(NULL, 0);
	L.started = false;
}
