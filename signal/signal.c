/* Signals from guests (see signal.h; signal-deploy-spec §1.2-1.4).
 *
 * Unlike Heat, which answers 200 and drops a signal it cannot use, every
 * refusal here is a 4xx with the reason; what Heat accepts is accepted
 * the same way.  A 200 means the signal is in Redis: counted once per id,
 * its event written and the waiting engine woken, all in one script. */
#include "signal/signal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/store.h"
#include "engine/pyjson.h"
#include "engine/stackdb.h"
#include "engine/software.h"
#include "engine/wait.h"
#include "signal/cfn.h"
#include "signal/vault.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

/* Heat's rule for when a body is JSON (§1.3): it starts with "{" and its
 * media type is JSON, plain text or none at all. */
bool signal_json_body(struct http_req *req, const char *body, size_t len)
{
	const char *ct = http_header(req, "Content-Type");
	size_t n;

	if (!len || body[0] != '{')
		return false;
	if (!ct || !*ct)
		return true;
	n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
	       (n == 4 && strncmp(ct, "JSON", 4) == 0) || strncasecmp(ct, "text/plain", 10) == 0;
}

/* Whether the caller may signal resource of stack rec: the handle's own
 * token, or an API token of the stack's project.  Answers and returns
 * false when not. */
static bool allowed(struct http_req *req, json_t *rec, const char *id, const char *resource)
{
	const char *token = http_header(req, "X-Auth-Token");
	struct herr e = HERR_INIT;
	json_t *t;
	int rc;

	if (!token || !*token) {
		http_set_header(req, "WWW-Authenticate", "Token");
		http_error(req, 401, "Unauthorized", "Authentication required: send X-Auth-Token");
		return false;
	}
	rc = vault_check(token, id, resource, &e);
	if (rc == 0)
		return true;
	if (rc < 0) {
		http_herr(req, &e);
		return false;
	}
	if (rc == 403) {
		http_error(req, 403, "Forbidden",
			   "This token may signal another resource, not %s of this stack",
			   resource);
		return false;
	}
	t = rec ? sdb_token_get(token, &e) : NULL;
	if (t && strcmp(str(t, "project"), str(rec, "project")) == 0) {
		json_decref(t);
		return true;
	}
	json_decref(t);
	if (herr_isset(&e)) {
		http_herr(req, &e);
		return false;
	}
	http_set_header(req, "WWW-Authenticate", "Token");
	http_error(req, 401, "Unauthorized", "The token is not valid (unknown, or revoked)");
	return false;
}

/* Checks a signal's details and fills the script's arguments. */
static const char *normalise(json_t *d, const char **status, char **reason, char **data, char **sid)
{
	const char *k;
	json_t *v;

	json_object_foreach (d, k, v)
		if (strcmp(k, "status") != 0 && strcmp(k, "reason") != 0 &&
		    strcmp(k, "data") != 0 && strcmp(k, "id") != 0)
			return "Metadata format invalid: a signal's keys are status, reason, data "
			       "and id";
	v = json_object_get(d, "status");
	if (v && !(json_is_string(v) && (strcmp(json_string_value(v), "SUCCESS") == 0 ||
					 strcmp(json_string_value(v), "FAILURE") == 0)))
		return "Metadata format invalid: status must be SUCCESS or FAILURE";
	*status = v ? json_string_value(v) : "SUCCESS";
	v = json_object_get(d, "reason");
	*reason = v ? (json_is_string(v) ? strdup(json_string_value(v)) : pyjson_str(v)) : NULL;
	v = json_object_get(d, "data");
	*data = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
	v = json_object_get(d, "id");
	*sid = v ? (json_is_string(v) ? strdup(json_string_value(v)) : pyjson_str(v)) : NULL;
	return NULL;
}

int signal_store(const char *id, json_t *res, const char *resource, json_t *details, char *why,
		 size_t size, struct herr *e)
{
	/* KEYS: the handle's signals, the stack's events, its wake stream.
	 * ARGV: status, reason, data (JSON), id, the event (JSON), whether a
	 * reason was given, whether an id was.  Defaults count from the
	 * signals already stored (Heat's n). */
	static const char lua[] =
		"local n = redis.call('HLEN', KEYS[1]) + 1\n"
		"local id = ARGV[4]\n"
		"if ARGV[7] == '0' then id = tostring(n) end\n"
		"local reason = ARGV[2]\n"
		"if ARGV[6] == '0' then reason = 'Signal ' .. n .. ' received' end\n"
		"redis.call('HSET', KEYS[1], id, '{\"status\":' .. cjson.encode(ARGV[1]) ..\n"
		"  ',\"reason\":' .. cjson.encode(reason) .. ',\"data\":' .. ARGV[3] .. '}')\n"
		"local ev = cjson.decode(ARGV[5])\n"
		"ev['resource_status_reason'] = 'Signal: status:' .. ARGV[1] .. ' reason:' .. reason\n"
		"redis.call('XADD', KEYS[2], '*', 'e', cjson.encode(ev))\n"
		"redis.call('XADD', KEYS[3], 'MAXLEN', '~', '64', '*', 's', id)\n"
		"return id\n";
	const char *status = NULL, *bad;
	char *reason = NULL, *data = NULL, *sid = NULL, *ev = NULL;
	char sk[256], ek[128], wk[128];
	struct store_reply *r;
	int rc = 0;

	if ((bad = normalise(details, &status, &reason, &data, &sid))) {
		snprintf(why, size, "%s", bad);
		rc = 1;
		goto out;
	}
	ev = signal_event(res, resource);
	snprintf(sk, sizeof(sk), "hearth:stack:{%s}:signals:%s", id, resource);
	snprintf(ek, sizeof(ek), "hearth:stack:{%s}:events", id);
	wait_wake_key(id, wk, sizeof(wk));
	r = store_cmdv(e, "EVAL", lua, "3", sk, ek, wk, status, reason ? reason : "", data,
		       sid ? sid : "", ev ? ev : "{}", reason ? "1" : "0", sid ? "1" : "0", NULL);
	store_reply_free(&r);
	rc = herr_isset(e) ? -1 : 0;
out:
	free(reason);
	free(data);
	free(sid);
	free(ev);
	return rc;
}

char *signal_event(json_t *res, const char *resource)
{
	char now[21];
	json_t *event;
	char *ev;

	sdb_now(now);
	event = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:n}", "event_time", now, "resource_name",
			  resource, "physical_resource_id", str(res, "physical_resource_id"),
			  "resource_type", str(res, "resource_type"), "resource_action", "SIGNAL",
			  "resource_status", "COMPLETE", "resource_status_reason", "",
			  "resource_properties");
	ev = json_dumps(event, JSON_COMPACT);
	json_decref(event);
	return ev;
}

static int resource_signal(struct http_req *req, void *arg)
{
	const char *project = http_param(req, "project"), *name = http_param(req, "stack_name");
	const char *id = http_param(req, "stack_id"), *resource = http_param(req, "resource");
	struct herr e = HERR_INIT;
	json_t *rec = NULL, *res = NULL, *details = NULL;
	size_t len;
	const char *body = http_body(req, &len);
	int rc;

	(void)arg;
	if (strlen(id) != SDB_ID_SIZE - 1 || strspn(id, "0123456789abcdef-") != SDB_ID_SIZE - 1)
		return http_error(req, 404, "NotFound", "The Stack (%s) could not be found.", name);
	rec = sdb_get(id, &e);
	if (!rec && e.code != HERR_NOT_FOUND)
		return http_herr(req, &e);
	if (!allowed(req, rec, id, resource)) {
		json_decref(rec);
		return 0;
	}
	if (!rec || strcmp(str(rec, "project"), project) != 0 ||
	    strcmp(str(rec, "stack_name"), name) != 0 ||
	    strcmp(str(rec, "stack_status"), "DELETE_COMPLETE") == 0) {
		json_decref(rec);
		return http_error(req, 404, "NotFound", "The Stack (%s) could not be found.", name);
	}
	if (!(res = sdb_resource(id, resource, &e))) {
		json_decref(rec);
		if (e.code != HERR_NOT_FOUND)
			return http_herr(req, &e);
		return http_error(req, 404, "NotFound",
				  "The Resource (%s) could not be found in Stack %s.", resource,
				  name);
	}
	if (software_is_deployment(str(res, "resource_type"))) { /* in any action, as Heat */
		rc = cfn_deployment_signal(req, id, res, resource, body, len, false);
		goto out;
	}
	if (strcmp(str(res, "resource_action"), "DELETE") == 0 ||
	    strcmp(str(res, "resource_action"), "SUSPEND") == 0) {
		rc = http_error(req, 400, "NotSupported",
				"Signal resource during %s is not supported.",
				str(res, "resource_action"));
		goto out;
	}
	if (!wait_is_handle(str(res, "resource_type"))) {
		rc = http_error(req, 400, "ResourceActionNotSupported",
				"Resource %s of type %s does not take signals", resource,
				str(res, "resource_type"));
		goto out;
	}
	if (signal_json_body(req, body, len)) {
		json_error_t je;

		details = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
		if (!details) {
			rc = http_error(req, 400, "BadRequest", "The signal is not valid JSON: %s",
					je.text);
			goto out;
		}
		if (!json_is_object(details)) {
			rc = http_error(req, 400, "BadRequest", "Metadata format invalid");
			goto out;
		}
	} else {
		details = json_object(); /* no JSON: a default SUCCESS signal, as Heat */
	}
	{
		char why[300];
		struct herr se = HERR_INIT;
		int st = signal_store(id, res, resource, details, why, sizeof(why), &se);

		rc = st < 0   ? http_herr(req, &se)
		     : st > 0 ? http_error(req, 400, "BadRequest", "%s", why)
			      : http_reply(req, 200, "application/json", "null", 4);
	}
out:
	json_decref(details);
	json_decref(res);
	json_decref(rec);
	return rc;
}

const struct http_route signal_routes[] = {
	{"POST", "/v1/{project}/stacks/{stack_name}/{stack_id}/resources/{resource}/signal",
	 resource_signal, "signal"},
};
const int signal_nroutes = sizeof(signal_routes) / sizeof(signal_routes[0]);
