/* Wait condition handles and wait conditions (see wait.h). */
#include "engine/wait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/sigv2.h"
#include "common/store.h"
#include "engine/pyjson.h"
#include "signal/vault.h"

static char endpoint_base[256] = "http://127.0.0.1:8000";

void wait_set_endpoint(const char *base)
{
	snprintf(endpoint_base, sizeof(endpoint_base), "%s", base);
}

const char *wait_endpoint(void)
{
	return endpoint_base;
}

bool wait_is_handle(const char *type)
{
	return strcmp(type, "OS::Heat::WaitConditionHandle") == 0 ||
	       strcmp(type, "AWS::CloudFormation::WaitConditionHandle") == 0;
}

bool wait_handles(const char *type)
{
	return wait_is_handle(type) || strcmp(type, "OS::Heat::WaitCondition") == 0 ||
	       strcmp(type, "AWS::CloudFormation::WaitCondition") == 0;
}

static bool is_aws(const char *type)
{
	return strncmp(type, "AWS::", 5) == 0;
}

/* The pre-signed CFN URL of a handle (§1.5): PUT to /waitcondition for
 * an AWS handle, POST to /signal for CFN_SIGNAL; malloc'd. */
static char *presigned(const char *stack_id, const char *stack_name, const char *project,
		       const char *name, uint64_t seq, bool put)
{
	char arn[700], url[1200], access[VAULT_ACCESS_SIZE], secret[VAULT_SECRET_SIZE], ts[32];
	time_t now = time(NULL);
	char *out;

	sigv2_arn(project, stack_name, stack_id, name, arn, sizeof(arn));
	snprintf(url, sizeof(url), "%s/v1/%s/%s", endpoint_base, put ? "waitcondition" : "signal",
		 arn);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	vault_ec2(stack_id, name, seq, access, secret);
	out = sigv2_presign(url, put ? "PUT" : "POST", access, secret, ts);
	sodium_memzero(secret, sizeof(secret));
	return out;
}

void wait_wake_key(const char *stack_id, char *out, size_t size)
{
	snprintf(out, size, "hearth:stack:{%s}:wake", stack_id);
}

static void signals_key(const char *stack_id, const char *res, char *out, size_t size)
{
	snprintf(out, size, "hearth:stack:{%s}:signals:%s", stack_id, res);
}

/* Percent-encodes s with no safe characters beyond A-Za-z0-9_.-~. */
static void quote(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("_.-~", ch))
			out[n++] = (char)ch;
		else
			n += (size_t)snprintf(out + n, size - n, "%%%02X", ch);
	}
	out[n] = '\0';
}

json_t *wait_handle_attributes(const char *stack_id, const char *stack_name, const char *project,
			       const char *name, uint64_t seq, json_t *props)
{
	const char *transport =
		json_string_value(json_object_get(props, "signal_transport")) ?: "TOKEN_SIGNAL";
	char token[VAULT_TOKEN_SIZE], url[1024], qs[300], qn[300], cli[1400];

	if (strcmp(transport, "NO_SIGNAL") == 0)
		return json_pack("{s:n,s:n,s:n,s:s}", "token", "endpoint", "curl_cli", "signal",
				 "{}");
	if (strcmp(transport, "CFN_SIGNAL") == 0) { /* a pre-signed URL and no token */
		char *alarm = presigned(stack_id, stack_name, project, name, seq, false);
		json_t *sig = json_pack("{s:s}", "alarm_url", alarm ? alarm : "");
		char *text = json_dumps(sig, JSON_COMPACT);
		json_t *out = json_pack("{s:n,s:n,s:n,s:s}", "token", "endpoint", "curl_cli",
					"signal", text ? text : "{}");

		free(alarm);
		free(text);
		json_decref(sig);
		return out;
	}
	quote(stack_name, qs, sizeof(qs));
	quote(name, qn, sizeof(qn));
	vault_token(stack_id, name, seq, token);
	snprintf(url, sizeof(url), "%s/v1/%s/stacks/%s/%s/resources/%s/signal", endpoint_base,
		 project, qs, stack_id, qn);
	snprintf(cli, sizeof(cli),
		 "curl -i -X POST -H 'X-Auth-Token: %s' -H 'Content-Type: application/json' -H "
		 "'Accept: application/json' %s",
		 token, url);
	if (strcmp(transport, "TOKEN_SIGNAL") == 0)
		return json_pack("{s:s,s:s,s:s,s:n}", "token", token, "endpoint", url, "curl_cli",
				 cli, "signal");
	/* HEAT_SIGNAL and the others Hearth answers the same way: the signal
	 * attribute carries the URL and the token it needs */
	{
		json_t *sig = json_pack("{s:s,s:s}", "alarm_url", url, "token", token);
		char *text = json_dumps(sig, JSON_COMPACT);
		json_t *out = json_pack("{s:n,s:n,s:n,s:s}", "token", "endpoint", "curl_cli",
					"signal", text ? text : "{}");

		free(text);
		json_decref(sig);
		return out;
	}
}

/* The handle resource that c's handle property names (by its reference). */
static const char *find_handle(const struct rsrc_ctx *c, const char *ref)
{
	const char *k;
	json_t *res;

	json_object_foreach (c->siblings, k, res)
		if (json_is_string(json_object_get(res, "reference_id")) &&
		    strcmp(json_string_value(json_object_get(res, "reference_id")), ref) == 0 &&
		    wait_is_handle(json_string_value(json_object_get(res, "resource_type")) ?: ""))
			return k;
	return NULL;
}

static int condition_start(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	bool aws = is_aws(c->type);
	const char *ref =
		json_string_value(json_object_get(props, aws ? "Handle" : "handle")) ?: "";
	const char *handle = find_handle(c, ref);
	json_t *count = json_object_get(props, aws ? "Count" : "count"),
	       *timeout = json_object_get(props, aws ? "Timeout" : "timeout");
	double secs = json_is_number(timeout)   ? json_number_value(timeout)
		      : json_is_string(timeout) ? strtod(json_string_value(timeout), NULL)
						: 0;

	if (!handle) {
		if (aws)
			snprintf(r->reason, sizeof(r->reason),
				 "ValueError: resources.%s: WaitCondition invalid Handle %.300s",
				 c->name, ref);
		else
			snprintf(r->reason, sizeof(r->reason),
				 "ValueError: resources.%s: %s is not a valid wait condition "
				 "handle.",
				 c->name, ref);
		return -1;
	}
	snprintf(r->wait_handle, sizeof(r->wait_handle), "%s", handle);
	r->wait_count = json_is_integer(count)  ? (long)json_integer_value(count)
			: json_is_string(count) ? atol(json_string_value(count))
						: 1;
	if (r->wait_count < 1)
		r->wait_count = 1;
	r->wait_ms = secs > 0 ? (uint64_t)(secs * 1000) : 0;
	return 0;
}

int wait_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;

	if (!wait_is_handle(c->type))
		return condition_start(c, props, r);
	if ((is_aws(c->type) ||
	     strcmp(json_string_value(json_object_get(props, "signal_transport")) ?: "",
		    "CFN_SIGNAL") == 0) &&
	    vault_ec2_issue(c->stack_id, c->name, c->seq, &e) < 0) {
		snprintf(r->reason, sizeof(r->reason), "Error: resources.%s: %.400s", c->name,
			 e.msg);
		return -1;
	}
	if (is_aws(c->type)) { /* its reference is the URL cfn-signal PUTs to */
		char *url =
			presigned(c->stack_id, c->stack_name, c->project, c->name, c->seq, true);

		r->ref_id = json_string(url ? url : r->physical_id);
		free(url);
		r->attributes = json_object();
		return 0;
	}
	if (vault_issue(c->stack_id, c->name, c->seq, &e) < 0) {
		snprintf(r->reason, sizeof(r->reason), "Error: resources.%s: %.400s", c->name,
			 e.msg);
		return -1;
	}
	r->ref_id = json_string(r->physical_id);
	r->attributes = wait_handle_attributes(c->stack_id, c->stack_name, c->project, c->name,
					       c->seq, props);
	/* stored and shown without the token: derived again when needed */
	r->stored = json_pack("{s:n,s:n,s:n,s:n}", "token", "endpoint", "curl_cli", "signal");
	return 0;
}

int wait_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		struct rsrc_result *r)
{
	(void)old_props;
	if (!wait_is_handle(c->type))
		return condition_start(c, new_props, r); /* the clock starts again */
	if (is_aws(c->type))
		return 0;
	r->attributes = wait_handle_attributes(
		c->stack_id, c->stack_name, c->project, c->name,
		(uint64_t)json_integer_value(json_object_get(c->stored, "live_seq")), new_props);
	r->stored = json_pack("{s:n,s:n,s:n,s:n}", "token", "endpoint", "curl_cli", "signal");
	return 0;
}

int wait_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	char k[256];
	struct store_reply *rep;

	(void)props;
	if (!wait_is_handle(c->type))
		return 0;
	signals_key(c->stack_id, c->name, k, sizeof(k));
	if (vault_revoke(c->stack_id, c->name, &e) < 0 ||
	    vault_ec2_revoke(c->stack_id, c->name, &e) < 0 ||
	    !(rep = store_cmdv(&e, "DEL", k, NULL))) {
		snprintf(r->reason, sizeof(r->reason), "Error: resources.%s: %.400s", c->name,
			 e.msg);
		return -1;
	}
	store_reply_free(&rep);
	return 0;
}

int wait_check(const char *stack_id, const char *cond, const char *handle, long count,
	       bool timed_out, json_t **data, char *why, size_t size, struct herr *e)
{
	char k[256], failures[400] = "", oks[400] = "";
	struct store_reply *rep;
	json_t *d;
	long n = 0, successes = 0;
	bool failed = false;

	signals_key(stack_id, handle, k, sizeof(k));
	if (!(rep = store_cmdv(e, "HGETALL", k, NULL)))
		return -2;
	d = json_object();
	for (size_t i = 0; i + 1 < store_reply_count(rep); i += 2) {
		const char *id = store_reply_str(store_reply_elem(rep, i), NULL);
		json_t *s = json_loads(store_reply_str(store_reply_elem(rep, i + 1), NULL) ?: "", 0,
				       NULL);
		const char *status = json_string_value(json_object_get(s, "status")) ?: "";
		const char *reason = json_string_value(json_object_get(s, "reason")) ?: "";
		char *list = strcmp(status, "SUCCESS") == 0 ? oks : failures;

		if (strcmp(status, "SUCCESS") != 0)
			failed = true;
		else
			successes++;
		if (strlen(list) + strlen(reason) + 2 < sizeof(oks))
			snprintf(list + strlen(list), sizeof(oks) - strlen(list), "%s%s",
				 *list ? ";" : "", reason);
		json_object_set(d, id ? id : "", json_object_get(s, "data") ?: json_null());
		json_decref(s);
		n++;
	}
	store_reply_free(&rep);
	if (timed_out) { /* Heat looks at the clock first */
		snprintf(why, size, "WaitConditionTimeout: resources.%s: %ld of %ld received%s%s",
			 cond, successes, count, *oks ? " - " : "", oks);
		json_decref(d);
		return -1;
	}
	if (failed) {
		snprintf(why, size, "WaitConditionFailure: resources.%s: %s", cond, failures);
		json_decref(d);
		return -1;
	}
	if (n < count) {
		json_decref(d);
		return 0;
	}
	{
		char *text = pyjson_dumps(d, true); /* as Python's json.dumps writes it */

		*data = json_string(text ? text : "{}");
		free(text);
	}
	json_decref(d);
	return 1;
}
