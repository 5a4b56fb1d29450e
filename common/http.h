/* HTTP server glue over libmicrohttpd.
 *
 * A server is one listener with a route table, run by a pool of epoll
 * threads.  Handlers run on those threads, so they must not block for long
 * (a Redis round trip is fine).  A handler answers exactly once with one of
 * the http_reply* calls; every byte a request allocates is released when
 * libmicrohttpd reports the request complete. */
#ifndef HEARTH_HTTP_H
#define HEARTH_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct http_req;
struct http_server;

/* Answers the request; returns what http_reply* returned. */
typedef int (*http_fn)(struct http_req *req, void *arg);

struct http_route {
	const char *method;  /* "GET", "POST", ...; GET routes also answer HEAD */
	const char *pattern; /* "/v1/{project}/stacks", or ending in a "*" segment */
	http_fn fn;
	const char *name; /* metrics label; defaults to the pattern */
};

struct http_cfg {
	int threads; /* epoll threads in the pool */
	int conn_limit;
	int backlog;
	int timeout_s;   /* idle connection timeout */
	size_t max_body; /* larger request bodies get 413 */
};

/* Opens addr and starts serving.  role labels logs and metrics and must be
 * a static string; routes must outlive the server. */
struct http_server *http_start(const char *role, const char *addr, const struct http_route *routes,
			       int nroutes, void *arg, const struct http_cfg *cfg, struct herr *e);
/* The address actually bound (with the real port when 0 was asked). */
const char *http_bound(const struct http_server *s);
/* Stops accepting; requests on open connections are still answered, with
 * "Connection: close". */
void http_quiesce(struct http_server *s);
/* Requests received and not yet answered. */
int http_inflight(const struct http_server *s);
/* Open connections, idle ones included. */
int http_connections(const struct http_server *s);
/* Closes every connection and joins the threads; s stays readable.  Halt
 * every server before stopping any: a handler of one (/metrics) may read
 * the others. */
void http_halt(struct http_server *s);
/* Halts (if not yet) and frees s. */
void http_stop(struct http_server **s);

/* Request accessors; strings are borrowed for the request's lifetime. */
const char *http_method(const struct http_req *req);
const char *http_path(const struct http_req *req);
const char *http_role(const struct http_req *req);
const char *http_header(const struct http_req *req, const char *name);
const char *http_query(const struct http_req *req, const char *name);
/* The query as "?k=v&..." (URL-encoded again; "" when there is none);
 * malloc'd, NULL when out of memory. */
char *http_query_string(const struct http_req *req);
/* Calls fn for each query parameter (decoded; value "" when absent). */
void http_query_each(const struct http_req *req,
		     void (*fn)(void *arg, const char *name, const char *value), void *arg);
/* A {name} segment of the matched pattern, or NULL. */
const char *http_param(const struct http_req *req, const char *name);
const char *http_body(const struct http_req *req, size_t *len);
/* The peer's address as text (no port). */
const char *http_peer(struct http_req *req);
/* For a peer on this host (IPv4 TCP): the user id that owns its socket,
 * from the kernel (sock_diag); -1 when it cannot be told. */
long http_peer_uid(struct http_req *req);

/* Long-poll.  Instead of answering, a handler may suspend the request:
 * the connection then waits, holding no thread, until http_resume (from
 * any thread), and the route's handler runs again with http_resumed()
 * true, to answer or suspend once more.  Whoever suspends must resume
 * before the server halts.  A handler keeps what it needs across
 * suspensions in its state (freed with state_free when the request
 * ends). */
void http_suspend(struct http_req *req);
void http_resume(struct http_req *req);
bool http_resumed(const struct http_req *req);
void *http_state(const struct http_req *req);
void http_set_state(struct http_req *req, void *state, void (*state_free)(void *));

/* Copies data into the response. */
int http_reply(struct http_req *req, int status, const char *content_type, const void *data,
	       size_t len);
/* Takes ownership of data (malloc'd). */
int http_reply_take(struct http_req *req, int status, const char *content_type, void *data,
		    size_t len);
/* Steals body, even on failure. */
int http_reply_json(struct http_req *req, int status, json_t *body);
/* A Heat-shaped JSON error: {"code", "title", "explanation", "error":
 * {"type", "message"}}. */
int http_error(struct http_req *req, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Adds a header to the response that the handler is about to send. */
void http_set_header(struct http_req *req, const char *name, const char *value);

/* Matches path against pattern ("/a/{x}/" then "*"); fills up to maxp captured
 * values (pointers into scratch).  Exposed for tests. */
int http_match(const char *pattern, const char *path, char *scratch, size_t scratchsize,
	       const char **names, const char **values, int maxp);

/* Answers with the status that fits e->code (503 for an unreachable Redis,
 * 400, 404, 409, 413, else 500) and e->msg. */
int http_herr(struct http_req *req, const struct herr *e);

#endif
