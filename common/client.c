/* HTTP client over libcurl (see client.h). */
#include "common/client.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

struct sink {
	char *buf;
	size_t len, cap, max;
	int too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->len + n > s->max) {
		s->too_big = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *grown;

		while (cap < s->len + n + 1)
			cap *= 2;
		grown = realloc(s->buf, cap);
		if (!grown)
			return 0;
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

int client_request(const char *method, const char *url, const char *const *headers,
		   const char *body, size_t body_len, int timeout_ms, size_t max_body,
		   struct client_resp *out, struct herr *e)
{
	struct curl_slist *hl = NULL;
	struct sink s = {.max = max_body};
	CURL *c = curl_easy_init();
	CURLcode rc;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!c) {
		herr_set(e, HERR_NOMEM, "cannot initialise libcurl");
		return -1;
	}
	for (const char *const *h = headers; h && *h; h++) {
		struct curl_slist *n = curl_slist_append(hl, *h);
		if (!n) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto out;
		}
		hl = n;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (s.too_big)
			herr_set(e, HERR_TOO_BIG, "%s: response larger than %zu bytes", url,
				 max_body);
		else
			herr_set(e, HERR_UNAVAILABLE, "%s: %s", url, curl_easy_strerror(rc));
		free(s.buf);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = s.buf ? s.buf : strdup("");
	out->len = s.len;
	if (!out->body) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return ret;
}

void client_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void client_cleanup(void)
{
	curl_global_cleanup();
}
