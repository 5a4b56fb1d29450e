/* Deployment signals (see notify.h). */
#include "guest-tools/notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "guest-tools/alog.h"
#include "guest-tools/deploy.h"
#include "guest-tools/fetch.h"

#define SEND_TIMEOUT_MS 30000
#define MAX_DELAY_MS    30000

/* ----------------------------------------------------------------- body */

/* How many bytes c takes in jansson's compact output (UTF-8 as it is). */
static size_t json_cost(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

/* Drops the beginning of the string member key, enough to shorten the
 * JSON by need bytes (a UTF-8 sequence cut there goes too).  How many
 * bytes of JSON went. */
static size_t trim_front(json_t *result, const char *key, size_t need)
{
	json_t *v = json_object_get(result, key);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), n = 0, saved = 0;

	if (!s || need == 0)
		return 0;
	while (n < len && saved < need)
		saved += json_cost((unsigned char)s[n++]);
	while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
		saved += json_cost((unsigned char)s[n++]);
	json_object_set_new(result, key, json_stringn(s + n, len - n));
	return saved;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t str_len(json_t *result, const char *key)
{
	return json_string_length(json_object_get(result, key));
}

/* The last resort: the outputs alone are too large. */
static char *without_outputs(json_t *result, size_t size)
{
	json_t *code = json_object_get(result, "deploy_status_code");
	json_t *small = json_object();
	char msg[200], *text;

	snprintf(msg, sizeof(msg),
		 "hearth-agent: the outputs of this deployment (%zu bytes of JSON) are too "
		 "large to signal (at most %u): left out",
		 size, NOTIFY_MAX_BODY);
	json_object_set_new(small, "deploy_stdout", json_string(""));
	json_object_set_new(small, "deploy_stderr", json_string(msg));
	if (!code || json_is_null(code) || (json_is_integer(code) && !json_integer_value(code)))
		json_object_set_new(small, "deploy_status_code", json_integer(1));
	else
		json_object_set(small, "deploy_status_code", code);
	text = json_dumps(small, JSON_COMPACT);
	json_decref(small);
	return text;
}

char *notify_body(json_t *result)
{
	json_t *r = json_deep_copy(result);
	char *text = NULL;

	if (!r)
		return NULL;
	/* One round usually suffices; every round takes some, or ends. */
	for (;;) {
		size_t len, excess, out, err;

		text = json_dumps(r, JSON_COMPACT);
		if (!text || (len = strlen(text)) <= NOTIFY_MAX_BODY)
			break;
		excess = len - NOTIFY_MAX_BODY;
		out = str_len(r, "deploy_stdout");
		err = str_len(r, "deploy_stderr");
		if (out + err == 0) {
			free(text);
			text = without_outputs(r, len);
			break;
		}
		free(text);
		text = NULL;
		/* from the longer first, then the other */
		excess -= min_size(
			excess,
			trim_front(r, out >= err ? "deploy_stdout" : "deploy_stderr", excess));
		if (excess > 0)
			trim_front(r, out >= err ? "deploy_stderr" : "deploy_stdout", excess);
	}
	json_decref(r);
	return text;
}

/* --------------------------------------------------------------- target */

int notify_target(json_t *config, const char **url, const char **verb, struct herr *e)
{
	json_t *id = deploy_input(config, "deploy_signal_id");
	const char *v = json_string_value(deploy_input(config, "deploy_signal_verb"));
	const char *transport = json_string_value(deploy_input(config, "deploy_signal_transport"));

	if (json_is_string(id) && json_string_length(id) > 0) {
		*url = json_string_value(id);
		*verb = v && strcasecmp(v, "PUT") == 0 ? "PUT" : "POST";
		if (strncmp(*url, "http://", 7) != 0 && strncmp(*url, "https://", 8) != 0) {
			herr_set(e, HERR_INVALID, "deploy_signal_id is not an http(s) URL");
			return -1;
		}
		return 0;
	}
	if (deploy_input(config, "deploy_auth_url") || deploy_input(config, "deploy_queue_id")) {
		herr_set(e, HERR_INVALID,
			 "signal transport %s (Keystone credentials) is not supported by "
			 "hearth-agent: use CFN_SIGNAL or TEMP_URL_SIGNAL",
			 transport ? transport : "HEAT_SIGNAL");
		return -1;
	}
	return 1;
}

/* ----------------------------------------------------------------- send */

/* The start of an answer's body, fit for one log line. */
static void excerpt(const char *body, char *buf, size_t size)
{
	size_t o = 0;

	for (const char *p = body; *p && o + 1 < size; p++)
		buf[o++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
	buf[o] = '\0';
	text_utf8_clean(buf);
}

enum notify_result notify_send(const struct notify_conf *c, const char *label, const char *url,
			       const char *verb, const char *body, long *status)
{
	static const char *const headers[] = {"Content-Type: application/json",
					      "Accept: application/json", NULL};
	struct fetch_req req = {verb,  url,  c->bind, headers, body, strlen(body), SEND_TIMEOUT_MS,
				65536, false};
	char shown[512], what[300];

	*status = 0;
	fetch_redact(url, shown, sizeof(shown));
	for (int attempt = 1, delay = 500;; attempt++) {
		struct fetch_resp r;
		struct herr e = HERR_INIT;

		if (fetch(&req, &r, &e) == 0) {
			*status = r.status;
			excerpt(r.body, what, sizeof(what));
			fetch_resp_release(&r);
			if (*status >= 200 && *status < 300) {
				alog_info("%s: signal %s %s: accepted (%ld)", label, verb, shown,
					  *status);
				return NOTIFY_SENT;
			}
			if (*status < 500) {
				alog_error("%s: signal %s %s: refused (%ld): %s", label, verb,
					   shown, *status, what);
				return NOTIFY_REFUSED;
			}
			herr_set(&e, HERR_UNAVAILABLE, "%s %s: status %ld: %s", verb, shown,
				 *status, what);
		}
		if (attempt >= c->attempts || fetch_stopped()) {
			alog_error("%s: signal not delivered after %d attempt(s): %s; it is "
				   "sent again at the next run",
				   label, attempt, e.msg);
			return NOTIFY_UNSENT;
		}
		alog_warn("%s: signal attempt %d/%d: %s; again in %d ms", label, attempt,
			  c->attempts, e.msg, delay);
		if (!fetch_sleep_ms(delay)) {
			alog_error("%s: stopping: signal not delivered; it is sent again at the "
				   "next run",
				   label);
			return NOTIFY_UNSENT;
		}
		delay = delay * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : delay * 2;
	}
}
