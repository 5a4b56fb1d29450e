/* HTTP server glue (see http.h).
 *
 * Threading: libmicrohttpd's internal epoll thread pool.  Measured on a
 * 2-core machine this answers keep-alive traffic at about half of nginx's
 * CPU per request, where a single epoll thread stalls beyond ~128 open
 * connections and thread-per-connection costs a thread per client (see
 * docs/internals/http.md).
 *
 * A request is answered on the call after its body is complete, never on
 * the first call: libmicrohttpd answers "Connection: close" to responses
 * queued on the first call, which would silently turn keep-alive off. */
#include "common/http.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/net.h"
#include "common/text.h"

#define MAX_PARAMS  8
#define MAX_HEADERS 8

struct http_server {
	const char *role;
	struct MHD_Daemon *d;
	const struct http_route *routes;
	int nroutes;
	void *arg;
	size_t max_body;
	char bound[128];
	_Atomic int inflight;
	_Atomic bool draining;
};

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *route_name;
	unsigned long long id;
	uint64_t t0;
	int status;
	enum MHD_Result result;
	bool answered, too_big;
	bool parked;          /* the handler suspended it (set on the handler's thread) */
	_Atomic bool resumed; /* set by http_resume, read when the handler runs again */
	void *state;          /* a handler's, across a suspension */
	void (*state_free)(void *);
	int nparams;
	const char *pnames[MAX_PARAMS], *pvals[MAX_PARAMS];
	char *scratch;
	char *body;
	size_t body_len, body_cap;
	int nheaders;
	char *headers[MAX_HEADERS][2];
	char peer[INET6_ADDRSTRLEN];
};

static _Atomic unsigned long long next_req_id;

/* ---------------------------------------------------------------- routes */

int http_match(const char *pattern, const char *path, char *scratch, size_t scratchsize,
	       const char **names, const char **values, int maxp)
{
	const char *p = pattern, *u = path;
	size_t used = 0;
	int n = 0;

	while (*p) {
		if (p[0] == '*' && p[1] == '\0')
			return n;
		if (*p == '{') {
			const char *close = strchr(p, '}');
			size_t nlen, vlen = strcspn(u, "/");

			if (!close || n >= maxp || vlen == 0)
				return -1;
			nlen = (size_t)(close - p - 1);
			if (used + nlen + vlen + 2 > scratchsize)
				return -1;
			names[n] = memcpy(scratch + used, p + 1, nlen);
			scratch[used + nlen] = '\0';
			used += nlen + 1;
			values[n] = memcpy(scratch + used, u, vlen);
			scratch[used + vlen] = '\0';
			used += vlen + 1;
			n++;
			p = close + 1;
			u += vlen;
			continue;
		}
		if (*p != *u)
			return -1;
		p++;
		u++;
	}
	return *u == '\0' ? n : -1;
}

/* ------------------------------------------------------------- responses */

static int queue(struct http_req *r, int status, struct MHD_Response *resp,
		 const char *content_type)
{
	if (!resp) {
		r->result = MHD_NO;
		return MHD_NO;
	}
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	if (atomic_load_explicit(&r->srv->draining, memory_order_relaxed))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	r->status = status;
	r->answered = true;
	r->result = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return r->result;
}

int http_reply(struct http_req *r, int status, const char *content_type, const void *data,
	       size_t len)
{
	return queue(r, status,
		     MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY),
		     content_type);
}

int http_reply_take(struct http_req *r, int status, const char *content_type, void *data,
		    size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);

	if (!resp)
		free(data);
	return queue(r, status, resp, content_type);
}

int http_reply_json(struct http_req *r, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;

	json_decref(body);
	if (!text)
		return http_reply(r, 500, "text/plain", "out of memory\n", 14);
	/* Append a newline for humans using curl; JSON parsers ignore it. */
	{
		char *grown = realloc(text, len + 2);
		if (grown) {
			text = grown;
			text[len++] = '\n';
			text[len] = '\0';
		}
	}
	return http_reply_take(r, status, "application/json", text, len);
}

/* What Heat's error bodies say for each status (WebOb's texts). */
static const char *explanation(int status)
{
	switch (status) {
	case 400:
		return "The server could not comply with the request since it is either malformed "
		       "or otherwise incorrect.";
	case 401:
		return "This server could not verify that you are authorized to access the "
		       "document you requested. Either you supplied the wrong credentials (e.g., "
		       "bad password), or your browser does not understand how to supply the "
		       "credentials required.";
	case 403:
		return "Access was denied to this resource.";
	case 404:
		return "The resource could not be found.";
	case 405:
		return "The method is not allowed for this resource.";
	case 409:
		return "There was a conflict when trying to complete your request.";
	case 413:
		return "The request is larger than the server is willing or able to process.";
	case 503:
		return "The server is currently unavailable. Please try again at a later time.";
	default:
		return "The server has either erred or is incapable of performing the requested "
		       "operation.";
	}
}

int http_error(struct http_req *r, int status, const char *type, const char *fmt, ...)
{
	const char *title = MHD_get_reason_phrase_for((unsigned)status);
	char *msg = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		text_utf8_clean(msg);
	rc = http_reply_json(r, status,
			     json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:n}}", "code", status,
				       "title", title, "explanation", explanation(status), "error",
				       "type", type, "message", msg ? msg : "out of memory",
				       "traceback"));
	free(msg);
	return rc;
}

void http_set_header(struct http_req *r, const char *name, const char *value)
{
	if (r->nheaders >= MAX_HEADERS)
		return;
	r->headers[r->nheaders][0] = strdup(name);
	r->headers[r->nheaders][1] = strdup(value);
	if (!r->headers[r->nheaders][0] || !r->headers[r->nheaders][1]) {
		free(r->headers[r->nheaders][0]);
		free(r->headers[r->nheaders][1]);
		return;
	}
	r->nheaders++;
}

/* ------------------------------------------------------------- accessors */

const char *http_method(const struct http_req *r)
{
	return r->method;
}
const char *http_path(const struct http_req *r)
{
	return r->path;
}
const char *http_role(const struct http_req *r)
{
	return r->srv->role;
}

const char *http_header(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct qs {
	FILE *f;
	int n;
};

static void qs_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

static enum MHD_Result qs_add(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *value)
{
	struct qs *q = cls;

	(void)kind;
	fputc(q->n++ ? '&' : '?', q->f);
	qs_escape(q->f, key);
	if (value) {
		fputc('=', q->f);
		qs_escape(q->f, value);
	}
	return MHD_YES;
}

char *http_query_string(const struct http_req *r)
{
	char *buf = NULL;
	size_t len = 0;
	struct qs q = {open_memstream(&buf, &len), 0};

	if (!q.f)
		return NULL;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, qs_add, &q);
	if (fclose(q.f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void http_suspend(struct http_req *r)
{
	r->parked = true;
	atomic_store(&r->resumed, false);
	MHD_suspend_connection(r->conn);
}

void http_resume(struct http_req *r)
{
	atomic_store(&r->resumed, true);
	MHD_resume_connection(r->conn);
}

bool http_resumed(const struct http_req *r)
{
	return atomic_load(&r->resumed);
}

void *http_state(const struct http_req *r)
{
	return r->state;
}

void http_set_state(struct http_req *r, void *state, void (*state_free)(void *))
{
	r->state = state;
	r->state_free = state_free;
}

struct each {
	void (*fn)(void *arg, const char *name, const char *value);
	void *arg;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct each *x = cls;

	(void)kind;
	x->fn(x->arg, key, value ? value : "");
	return MHD_YES;
}

void http_query_each(const struct http_req *r,
		     void (*fn)(void *arg, const char *name, const char *value), void *arg)
{
	struct each x = {fn, arg};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_arg, &x);
}

const char *http_param(const struct http_req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->pnames[i], name) == 0)
			return r->pvals[i];
	return NULL;
}

const char *http_body(const struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? r->body : "";
}

long http_peer_uid(struct http_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_in peer, self;
	socklen_t pl = sizeof(peer), sl = sizeof(self);
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q;
	char buf[1024];
	long uid = -1;
	ssize_t n;
	int nl;

	if (!ci || getpeername(ci->connect_fd, (struct sockaddr *)&peer, &pl) < 0 ||
	    getsockname(ci->connect_fd, (struct sockaddr *)&self, &sl) < 0 ||
	    peer.sin_family != AF_INET || self.sin_family != AF_INET)
		return -1;
	/* the peer's socket is the one from its address to ours */
	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST;
	q.req.sdiag_family = AF_INET;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0u;
	q.req.id.idiag_sport = peer.sin_port;
	q.req.id.idiag_dport = self.sin_port;
	q.req.id.idiag_src[0] = peer.sin_addr.s_addr;
	q.req.id.idiag_dst[0] = self.sin_addr.s_addr;
	q.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if ((nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
		return -1;
	if (send(nl, &q, sizeof(q), 0) == (ssize_t)sizeof(q) &&
	    (n = recv(nl, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf;

		if (NLMSG_OK(h, (size_t)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			uid = (long)m->idiag_uid;
		}
	}
	close(nl);
	return uid;
}

const char *http_peer(struct http_req *r)
{
	const union MHD_ConnectionInfo *ci;

	if (r->peer[0])
		return r->peer;
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				  r->peer, sizeof(r->peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				  r->peer, sizeof(r->peer));
	}
	if (!r->peer[0])
		snprintf(r->peer, sizeof(r->peer), "unknown");
	return r->peer;
}

/* --------------------------------------------------------------- serving */

static void dispatch(struct http_req *r)
{
	struct http_server *s = r->srv;
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	size_t scratchsize = strlen(r->path) * 2 + 64;
	char allow[128] = "";
	size_t allowlen = 0;
	int n;

	free(r->scratch); /* a resumed request matches again */
	r->scratch = malloc(scratchsize);
	if (!r->scratch) {
		http_error(r, 500, "InternalError", "out of memory");
		return;
	}
	for (int i = 0; i < s->nroutes; i++) {
		const struct http_route *rt = &s->routes[i];

		n = http_match(rt->pattern, r->path, r->scratch, scratchsize, r->pnames, r->pvals,
			       MAX_PARAMS);
		if (n < 0)
			continue;
		if (strcmp(rt->method, method) != 0) {
			if (allowlen < sizeof(allow))
				allowlen +=
					(size_t)snprintf(allow + allowlen, sizeof(allow) - allowlen,
							 "%s%s", allowlen ? ", " : "", rt->method);
			continue;
		}
		r->nparams = n;
		r->route_name = rt->name ? rt->name : rt->pattern;
		r->parked = false;
		rt->fn(r, s->arg);
		if (!r->answered && !r->parked)
			http_error(r, 500, "InternalError", "the handler gave no answer");
		return;
	}
	if (allow[0]) {
		r->route_name = "method-not-allowed";
		http_set_header(r, "Allow", allow);
		http_error(r, 405, "MethodNotAllowed", "%s is not allowed on %s", r->method,
			   r->path);
		return;
	}
	r->route_name = "not-found";
	http_error(r, 404, "NotFound", "no such resource: %s", r->path);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_req *r = *con_cls;

	(void)version;
	if (!r) {
		const char *cl;

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = s;
		r->conn = conn;
		r->method = method;
		r->path = url;
		r->route_name = "unmatched";
		r->t0 = clock_now_ns();
		r->id = atomic_fetch_add_explicit(&next_req_id, 1, memory_order_relaxed) + 1;
		r->result = MHD_YES;
		atomic_fetch_add(&s->inflight, 1);
		*con_cls = r;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->max_body) {
			/* Answer now: the connection is closed after it and the
			 * body is never read. */
			r->route_name = "too-large";
			return (enum MHD_Result)http_error(r, 413, "RequestEntityTooLarge",
							   "request body larger than %zu bytes",
							   s->max_body);
		}
		return MHD_YES;
	}
	if (r->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (r->too_big || r->body_len + n > s->max_body) {
			r->too_big = true;
			return MHD_YES; /* drain; answered once complete */
		}
		if (r->body_len + n + 1 > r->body_cap) {
			size_t cap = r->body_cap ? r->body_cap : 4096;
			char *grown;

			while (cap < r->body_len + n + 1)
				cap *= 2;
			if (cap > s->max_body + 1)
				cap = s->max_body + 1;
			grown = realloc(r->body, cap);
			if (!grown)
				return MHD_NO;
			r->body = grown;
			r->body_cap = cap;
		}
		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = '\0';
		return MHD_YES;
	}
	log_context("role=%s req=%llu", s->role, r->id);
	if (r->too_big) {
		r->route_name = "too-large";
		http_error(r, 413, "RequestEntityTooLarge", "request body larger than %zu bytes",
			   s->max_body);
	} else {
		dispatch(r);
	}
	log_context_clear();
	return r->result;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct http_req *r = *con_cls;
	uint64_t ns;

	(void)conn;
	if (!r)
		return;
	ns = clock_now_ns() - r->t0;
	if (r->answered)
		metrics_http_observe(s->role, r->route_name, r->status, ns);
	if (log_threshold <= HLOG_DEBUG)
		log_debug("http", "request role=%s req=%llu method=%s path=%s status=%d us=%llu%s",
			  s->role, r->id, r->method, r->path, r->status,
			  (unsigned long long)(ns / 1000),
			  toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
	for (int i = 0; i < r->nheaders; i++) {
		free(r->headers[i][0]);
		free(r->headers[i][1]);
	}
	if (r->state_free)
		r->state_free(r->state);
	free(r->scratch);
	free(r->body);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http", "libmicrohttpd role=%s: %s", s->role, msg);
}

struct http_server *http_start(const char *role, const char *addr, const struct http_route *routes,
			       int nroutes, void *arg, const struct http_cfg *cfg, struct herr *e)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int fd;

	if (!s) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return NULL;
	}
	s->role = role;
	s->routes = routes;
	s->nroutes = nroutes;
	s->arg = arg;
	s->max_body = cfg->max_body;
	fd = net_listen(addr, cfg->backlog, s->bound, sizeof(s->bound), e);
	if (fd < 0) {
		free(s);
		return NULL;
	}
	s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
					MHD_ALLOW_SUSPEND_RESUME,
				0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
				s, /* first, to catch all */
				MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned)(cfg->threads > 1 ? cfg->threads : 1),
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->conn_limit,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_s,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)cfg->backlog,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (!s->d) {
		herr_set(e, HERR_SYSTEM, "%s: libmicrohttpd failed to start on %s", role, addr);
		close(fd);
		free(s);
		return NULL;
	}
	log_info("http", "listening role=%s addr=%s threads=%d", role, s->bound, cfg->threads);
	return s;
}

const char *http_bound(const struct http_server *s)
{
	return s->bound;
}

void http_quiesce(struct http_server *s)
{
	MHD_socket fd;

	atomic_store(&s->draining, true);
	fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

int http_inflight(const struct http_server *s)
{
	return atomic_load(&s->inflight);
}

int http_connections(const struct http_server *s)
{
	const union MHD_DaemonInfo *di =
		!s->d ? NULL : MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return di ? (int)di->num_connections : 0;
}

void http_halt(struct http_server *s)
{
	if (s && s->d) {
		MHD_stop_daemon(s->d);
		s->d = NULL;
	}
}

void http_stop(struct http_server **ps)
{
	struct http_server *s = *ps;

	if (!s)
		return;
	http_halt(s);
	free(s);
	*ps = NULL;
}

int http_herr(struct http_req *r, const struct herr *e)
{
	static const struct {
		int status;
		const char *type;
	} map[] = {
		[HERR_OK] = {500, "InternalError"},
		[HERR_INVALID] = {400, "BadRequest"},
		[HERR_NOT_FOUND] = {404, "NotFound"},
		[HERR_CONFLICT] = {409, "Conflict"},
		[HERR_TOO_BIG] = {413, "RequestEntityTooLarge"},
		[HERR_UNAVAILABLE] = {503, "ServiceUnavailable"},
		[HERR_SYSTEM] = {500, "InternalError"},
		[HERR_NOMEM] = {500, "InternalError"},
	};
	int c = e->code >= HERR_OK && e->code <= HERR_NOMEM ? (int)e->code : 0;

	return http_error(r, map[c].status, map[c].type, "%s",
			  e->msg[0] ? e->msg : "internal error");
}
