/* The agent's HTTP requests over libcurl (see fetch.h). */
#include <config.h>

#include "guest-tools/fetch.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/clock.h"

static volatile sig_atomic_t stopping;

void fetch_stop(void)
{
	stopping = 1;
}

bool fetch_stopped(void)
{
	return stopping != 0;
}

bool fetch_sleep_ms(int ms)
{
	uint64_t end = clock_now_ns() + (uint64_t)ms * 1000000ull;

	while (!stopping) {
		uint64_t now = clock_now_ns();
		struct timespec ts;

		if (now >= end)
			return true;
		/* slices, so that a stop is seen soon even if the signal came
		 * just before nanosleep */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)((end - now) > 100000000ull ? 100000000ull : end - now);
		nanosleep(&ts, NULL);
	}
	return false;
}

void fetch_redact(const char *url, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(url, "?#"), url);
}

struct sink {
	struct fetch_resp *r;
	size_t cap, max;
	bool too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->r->len + n > s->max) {
		s->too_big = true;
		return 0;
	}
	if (s->r->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *grown;

		while (cap < s->r->len + n + 1)
			cap *= 2;
		grown = realloc(s->r->body, cap);
		if (!grown)
			return 0;
		s->r->body = grown;
		s->cap = cap;
	}
	memcpy(s->r->body + s->r->len, data, n);
	s->r->len += n;
	s->r->body[s->r->len] = '\0';
	return n;
}

/* Keeps the value of header name (trimmed) in out. */
static void keep_header(const char *line, size_t n, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	if (n < size)
		snprintf(out, size, "%.*s", (int)n, line);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_resp *r = arg;
	size_t n = size * nmemb;

	/* a new status line (a redirect or 100 Continue) starts afresh */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		r->etag[0] = '\0';
	keep_header(data, n, "ETag", r->etag, sizeof(r->etag));
	return n;
}

/* Performs c; an abortable transfer runs through a multi handle polled
 * every 100 ms, so that a stop ends it at once. */
static CURLcode perform(CURL *c, bool abortable)
{
	CURLcode rc = CURLE_ABORTED_BY_CALLBACK;
	CURLM *m;
	CURLMsg *msg;
	int running = 1, left;

	if (!abortable)
		return curl_easy_perform(c);
	m = curl_multi_init();
	if (!m || curl_multi_add_handle(m, c) != CURLM_OK) {
		if (m)
			curl_multi_cleanup(m);
		return CURLE_OUT_OF_MEMORY;
	}
	while (!stopping) {
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			rc = CURLE_RECV_ERROR;
			break;
		}
		if (!running) {
			while ((msg = curl_multi_info_read(m, &left)))
				if (msg->msg == CURLMSG_DONE && msg->easy_handle == c)
					rc = msg->data.result;
			break;
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	curl_multi_remove_handle(m, c);
	curl_multi_cleanup(m);
	return rc;
}

int fetch(const struct fetch_req *req, struct fetch_resp *out, struct herr *e)
{
	struct sink s = {.r = out, .max = req->max_body};
	struct curl_slist *hl = NULL;
	char iface[128], ua[64], shown[512];
	CURL *c = curl_easy_init();
	CURLcode rc;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	fetch_redact(req->url, shown, sizeof(shown));
	if (!c) {
		herr_set(e, HERR_NOMEM, "cannot initialise libcurl");
		return -1;
	}
	for (const char *const *h = req->headers; h && *h; h++) {
		struct curl_slist *n = curl_slist_append(hl, *h);

		if (!n) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto out;
		}
		hl = n;
	}
	snprintf(ua, sizeof(ua), "hearth-agent/%s", PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(req->timeout_ms < 10000 ? req->timeout_ms : 10000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	if (req->bind && req->bind[0]) {
		snprintf(iface, sizeof(iface), "host!%s", req->bind);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	rc = perform(c, req->abortable);
	if (rc != CURLE_OK) {
		if (s.too_big)
			herr_set(e, HERR_TOO_BIG, "%s %s: answer larger than %zu bytes",
				 req->method, shown, req->max_body);
		else
			herr_set(e, HERR_UNAVAILABLE, "%s %s: %s", req->method, shown,
				 rc == CURLE_ABORTED_BY_CALLBACK ? "stopped"
								 : curl_easy_strerror(rc));
		fetch_resp_release(out);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (!out->body && !(out->body = strdup(""))) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return ret;
}

void fetch_resp_release(struct fetch_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}
