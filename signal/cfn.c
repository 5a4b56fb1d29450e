/* The CFN API and Hearth's capability URLs for agents (see cfn.h). */
#include "signal/cfn.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/sigv2.h"
#include "common/store.h"
#include "engine/netdb.h"
#include "engine/pyjson.h"
#include "engine/software.h"
#include "engine/stackdb.h"
#include "engine/swdb.h"
#include "engine/wait.h"
#include "signal/longpoll.h"
#include "signal/signal.h"
#include "signal/vault.h"

#define MAX_PARAMS 32

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

/* ------------------------------------------------------------- AWS errors */

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

/* Heat's AWS error body. */
static int aws_error(struct http_req *req, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int aws_error(struct http_req *req, int status, const char *code, const char *fmt, ...)
{
	char msg[512], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f)
		return http_reply(req, 500, "text/plain", "out of memory\n", 14);
	fprintf(f, "<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>",
		status < 500 ? "Sender" : "Receiver", code);
	xml_escape(f, msg);
	fputs("</Message></Error></ErrorResponse>", f);
	if (fclose(f) != 0) {
		free(buf);
		return http_reply(req, 500, "text/plain", "out of memory\n", 14);
	}
	return http_reply_take(req, status, "application/xml", buf, len);
}

/* ------------------------------------------------------------- signature */

struct params {
	struct sigv2_param p[MAX_PARAMS];
	size_t n;
	bool overflow;
};

static void add_param(void *arg, const char *name, const char *value)
{
	struct params *ps = arg;

	if (ps->n == MAX_PARAMS) {
		ps->overflow = true;
		return;
	}
	ps->p[ps->n++] = (struct sigv2_param){name, value};
}

/* Checks the request's signature (version 2) and finds whose key signed
 * it: 0 with stack and resource; else answered (with AWS's codes). */
static int verify(struct http_req *req, struct params *ps, char stack[64], char *resource,
		  size_t size)
{
	const char *access = http_query(req, "AWSAccessKeyId"), *host = http_header(req, "Host");
	char secret[VAULT_SECRET_SIZE];
	struct herr e = HERR_INIT;
	bool ok;
	int rc;

	http_query_each(req, add_param, ps);
	if (ps->overflow)
		return aws_error(req, 400, "InvalidParameterCombination", "Too many parameters"),
		       -1;
	if (!http_query(req, "Signature"))
		return aws_error(req, 400, "IncompleteSignature",
				 "The request signature does not conform to AWS standards"),
		       -1;
	if (!access || !*access)
		return aws_error(req, 403, "MissingAuthenticationToken",
				 "Request is missing Authentication Token"),
		       -1;
	rc = vault_ec2_lookup(access, stack, resource, size, secret, &e);
	if (rc < 0)
		return http_herr(req, &e), -1;
	if (rc)
		return aws_error(req, 403, "InvalidClientTokenId",
				 "The security token included in the request is invalid"),
		       -1;
	ok = sigv2_verify(secret, http_method(req), host ? host : "", http_path(req), ps->p, ps->n);
	sodium_memzero(secret, sizeof(secret));
	if (!ok)
		return aws_error(req, 403, "SignatureDoesNotMatch",
				 "The request signature we calculated does not match the "
				 "signature you provided"),
		       -1;
	return 0;
}

/* The stack and resource an ARN path names, checked against the key's
 * own: 0 with the stack record and resource record; else answered. */
static int arn_target(struct http_req *req, const char *stack, const char *resource, json_t **rec,
		      json_t **res)
{
	char project[256], sname[256], sid[256], rname[256];
	struct herr e = HERR_INIT;

	if (sigv2_arn_parse(http_path(req), project, sname, sid, rname, sizeof(project)) < 0)
		return aws_error(req, 400, "InvalidParameterValue",
				 "The path does not name a resource (arn:openstack:heat::...)"),
		       -1;
	if (strcmp(sid, stack) != 0 || strcmp(rname, resource) != 0)
		return aws_error(req, 403, "AccessDenied",
				 "This key may signal another resource, not %s", rname),
		       -1;
	*rec = sdb_get(stack, &e);
	if (!*rec || strcmp(str(*rec, "project"), project) != 0 ||
	    strcmp(str(*rec, "stack_name"), sname) != 0) {
		json_decref(*rec);
		return herr_isset(&e) && e.code != HERR_NOT_FOUND
			       ? (http_herr(req, &e), -1)
			       : (aws_error(req, 404, "ValidationError",
					    "The Stack (%s) could not be found", sname),
				  -1);
	}
	if (!(*res = sdb_resource(stack, resource, &e))) {
		json_decref(*rec);
		return e.code != HERR_NOT_FOUND ? (http_herr(req, &e), -1)
						: (aws_error(req, 404, "ValidationError",
							     "Resource %s not found", resource),
						   -1);
	}
	return 0;
}

/* ------------------------------------------------------------ deployments */

int cfn_deployment_signal(struct http_req *req, const char *stack_id, json_t *res,
			  const char *resource, const char *body, size_t len, bool any_type)
{
	/* KEYS: the deployment, the stack's events, its wake stream.  ARGV:
	 * the new deployment, its config id, the event. */
	static const char lua[] =
		"local cur = redis.call('GET', KEYS[1])\n"
		"if not cur then return 0 end\n"
		"local d = cjson.decode(cur)\n"
		"if d['status'] ~= 'IN_PROGRESS' or d['config_id'] ~= ARGV[2] then return 0 end\n"
		"redis.call('SET', KEYS[1], ARGV[1])\n"
		"redis.call('XADD', KEYS[2], '*', 'e', ARGV[3])\n"
		"redis.call('XADD', KEYS[3], 'MAXLEN', '~', '64', '*', 's', 'deployment')\n"
		"return 1\n";
	struct herr e = HERR_INIT;
	char id[SDB_ID_SIZE];
	json_t *d = NULL, *dep, *cfg = NULL, *ov, *x, *code, *ev;
	char reason[2048] = "", evr[300], dk[128], ek[128], wk[128];
	char *text = NULL, *evtext = NULL;
	bool failed = false;
	struct store_reply *r;
	size_t i;
	int rc;

	software_deployment_id(stack_id, resource,
			       (uint64_t)json_integer_value(json_object_get(res, "created_seq")),
			       id);
	if (len && (any_type ? body[0] == '{' : signal_json_body(req, body, len))) {
		json_error_t je;

		if (!(d = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)))
			return http_error(req, 400, "BadRequest",
					  "The signal is not valid JSON: %s", je.text);
		if (!json_is_object(d)) {
			json_decref(d);
			return http_error(req, 400, "BadRequest",
					  "A deployment's signal is a JSON object");
		}
	} else {
		d = json_object();
	}
	if (!(dep = swdb_deployment_get(id, &e))) {
		json_decref(d);
		return e.code == HERR_NOT_FOUND
			       ? http_error(req, 404, "NotFound",
					    "The deployment of %s could not be found", resource)
			       : http_herr(req, &e);
	}
	if (strcmp(str(dep, "status"), "IN_PROGRESS") != 0) {
		rc = http_error(req, 409, "Conflict",
				"Deployment %s is not waiting for a signal (it is %s)", id,
				str(dep, "status"));
		goto out;
	}
	cfg = swdb_config_get(str(dep, "config_id"), &e);
	herr_clear(&e);
	ov = json_object_get(dep, "output_values");
	if (!json_is_object(ov))
		json_object_set_new(dep, "output_values", ov = json_object());
	code = json_object_get(d, "deploy_status_code");
	if (code && !json_is_null(code) && !json_is_false(code) &&
	    !(json_is_integer(code) && json_integer_value(code) == 0) &&
	    !(json_is_string(code) && strcmp(json_string_value(code), "0") == 0) &&
	    !(json_is_string(code) && !*json_string_value(code)) &&
	    !(json_is_real(code) && json_real_value(code) == 0)) {
		char *cs = pyjson_str(code);

		snprintf(reason, sizeof(reason),
			 "deploy_status_code : Deployment exited with non-zero status code: %s",
			 cs ? cs : "?");
		snprintf(evr, sizeof(evr), "Signal: deployment %s failed (%.40s)", id,
			 cs ? cs : "?");
		free(cs);
		failed = true;
	} else {
		snprintf(evr, sizeof(evr), "Signal: deployment %s succeeded", id);
	}
	json_array_foreach (json_object_get(cfg, "outputs"), i, x) {
		const char *name = str(x, "name");
		json_t *v = json_object_get(d, name);

		if (!v)
			continue;
		json_object_set(ov, name, v);
		if (json_is_true(json_object_get(x, "error_output"))) {
			char *vs = pyjson_str(v);
			size_t n = strlen(reason);

			snprintf(reason + n, sizeof(reason) - n, "%s%s : %s", n ? ", " : "", name,
				 vs ? vs : "");
			free(vs);
			if (!failed)
				snprintf(evr, sizeof(evr), "Signal: deployment %s failed", id);
			failed = true;
		}
	}
	json_object_set(ov, "deploy_stdout", json_object_get(d, "deploy_stdout") ?: json_null());
	json_object_set(ov, "deploy_stderr", json_object_get(d, "deploy_stderr") ?: json_null());
	json_object_set(ov, "deploy_status_code", code ? code : json_null());
	json_object_set_new(dep, "status", json_string(failed ? "FAILED" : "COMPLETE"));
	json_object_set_new(dep, "status_reason",
			    json_string(failed ? reason : "Outputs received"));
	{
		char now[21];

		sdb_now(now);
		json_object_set_new(dep, "updated_time", json_string(now));
	}
	evtext = signal_event(res, resource);
	ev = evtext ? json_loads(evtext, 0, NULL) : NULL;
	free(evtext);
	json_object_set_new(ev, "resource_status_reason", json_string(evr));
	evtext = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	text = json_dumps(dep, JSON_COMPACT);
	snprintf(dk, sizeof(dk), "hearth:sd:%s", id);
	snprintf(ek, sizeof(ek), "hearth:stack:{%s}:events", stack_id);
	wait_wake_key(stack_id, wk, sizeof(wk));
	if (!text || !evtext) {
		rc = http_error(req, 500, "InternalError", "out of memory");
		goto out;
	}
	r = store_cmdv(&e, "EVAL", lua, "3", dk, ek, wk, text, str(dep, "config_id"), evtext, NULL);
	if (!r) {
		rc = http_herr(req, &e);
		goto out;
	}
	rc = store_reply_int(r) == 1
		     ? http_reply(req, 200, "application/json", "null", 4)
		     : http_error(req, 409, "Conflict",
				  "Deployment %s is not waiting for a signal any more", id);
	store_reply_free(&r);
out:
	free(text);
	free(evtext);
	json_decref(cfg);
	json_decref(dep);
	json_decref(d);
	return rc;
}

/* POST /v1/signal/ARN: a deployment's pre-signed CFN_SIGNAL URL. */
static int cfn_signal(struct http_req *req, void *arg)
{
	struct params ps = {0};
	char stack[64], resource[256];
	json_t *rec, *res;
	size_t len;
	const char *body = http_body(req, &len);
	int rc;

	(void)arg;
	if (verify(req, &ps, stack, resource, sizeof(resource)) < 0 ||
	    arn_target(req, stack, resource, &rec, &res) < 0)
		return 0;
	if (software_is_deployment(str(res, "resource_type"))) {
		rc = cfn_deployment_signal(req, stack, res, resource, body, len, false);
	} else if (strcmp(str(res, "resource_type"), "OS::Heat::WaitConditionHandle") == 0) {
		/* a CFN_SIGNAL handle's alarm_url: a signal by the OS rules */
		json_t *d = len && signal_json_body(req, body, len)
				    ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)
				    : json_object();
		char why[300];
		struct herr e = HERR_INIT;
		int st = json_is_object(d)
				 ? signal_store(stack, res, resource, d, why, sizeof(why), &e)
				 : (snprintf(why, sizeof(why), "Metadata format invalid"), 1);

		rc = st < 0   ? http_herr(req, &e)
		     : st > 0 ? aws_error(req, 400, "InvalidParameterValue", "%s", why)
			      : http_reply(req, 200, "application/json", "null", 4);
		json_decref(d);
	} else
		rc = aws_error(req, 400, "InvalidParameterValue",
			       "Resource %s of type %s takes no signal here", resource,
			       str(res, "resource_type"));
	json_decref(res);
	json_decref(rec);
	return rc;
}

/* PUT /v1/waitcondition/ARN: an AWS wait condition handle's signal, as
 * cfn-signal sends it (§1.8-1.9). */
static int cfn_waitcondition(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"Status", "Reason", "UniqueId", "Data"};
	struct params ps = {0};
	char stack[64], resource[256], why[300];
	struct herr e = HERR_INIT;
	json_t *rec, *res, *d = NULL, *sig;
	size_t len;
	const char *body = http_body(req, &len), *st;
	int rc;

	(void)arg;
	if (verify(req, &ps, stack, resource, sizeof(resource)) < 0 ||
	    arn_target(req, stack, resource, &rec, &res) < 0)
		return 0;
	if (strcmp(str(res, "resource_type"), "AWS::CloudFormation::WaitConditionHandle") != 0 &&
	    strcmp(str(res, "resource_type"), "OS::Heat::WaitConditionHandle") != 0) {
		rc = aws_error(req, 400, "InvalidParameterValue",
			       "%s is not a wait condition handle", resource);
		goto out;
	}
	if (strcmp(str(res, "resource_action"), "DELETE") == 0) {
		rc = aws_error(req, 400, "InvalidParameterValue",
			       "Signal resource during DELETE is not supported.");
		goto out;
	}
	if (len && body[0] == '{')
		d = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(d)) {
		rc = aws_error(req, 400, "InvalidParameterValue",
			       "Metadata format invalid: the body is not a JSON object");
		goto out;
	}
	for (size_t i = 0; i < 4; i++)
		if (!json_object_get(d, keys[i])) {
			rc = aws_error(
				req, 400, "InvalidParameterValue",
				"Metadata format invalid: %s is missing (the keys are Status, "
				"Reason, UniqueId and Data)",
				keys[i]);
			goto out;
		}
	if (json_object_size(d) != 4) {
		rc = aws_error(req, 400, "InvalidParameterValue",
			       "Metadata format invalid: the keys are Status, Reason, UniqueId and "
			       "Data, no others");
		goto out;
	}
	st = json_string_value(json_object_get(d, "Status"));
	if (!st || (strcmp(st, "SUCCESS") != 0 && strcmp(st, "FAILURE") != 0)) {
		rc = aws_error(req, 400, "InvalidParameterValue",
			       "Metadata format invalid: Status must be SUCCESS or FAILURE");
		goto out;
	}
	sig = json_pack("{s:O,s:O,s:O,s:O}", "status", json_object_get(d, "Status"), "reason",
			json_object_get(d, "Reason"), "data", json_object_get(d, "Data"), "id",
			json_object_get(d, "UniqueId"));
	rc = signal_store(stack, res, resource, sig, why, sizeof(why), &e);
	json_decref(sig);
	if (rc < 0) {
		rc = http_herr(req, &e);
	} else if (rc > 0) {
		rc = aws_error(req, 400, "InvalidParameterValue", "%s", why);
	} else {
		char out[400];
		int n = snprintf(out, sizeof(out), "<resource>%s</resource>", resource);

		rc = http_reply(req, 200, "application/xml", out, (size_t)n);
	}
out:
	json_decref(d);
	json_decref(res);
	json_decref(rec);
	return rc;
}

/* -------------------------------------------------------------- metadata */

/* GET /v1/?Action=DescribeStackResource: the cfn collector's poll. */
static int describe(struct http_req *req, void *arg)
{
	struct params ps = {0};
	char stack[64], resource[256], *buf = NULL, *sname = NULL;
	const char *action = http_query(req, "Action"), *want = http_query(req, "StackName");
	const char *logical = http_query(req, "LogicalResourceId");
	struct herr e = HERR_INIT;
	json_t *res = NULL, *md = NULL;
	size_t len = 0;
	FILE *f;
	char *text;

	(void)arg;
	if (!action || strcmp(action, "DescribeStackResource") != 0)
		return aws_error(req, 400, "InvalidAction", "Action %s is not supported here",
				 action ? action : "(none)");
	if (verify(req, &ps, stack, resource, sizeof(resource)) < 0)
		return 0;
	if (!(sname = sdb_field(stack, "stack_name", &e)))
		return http_herr(req, &e);
	if (!want || (strcmp(want, sname) != 0 && strcmp(want, stack) != 0)) {
		free(sname);
		return aws_error(req, 404, "ValidationError", "Stack %s does not exist",
				 want ? want : "(none)");
	}
	if (!logical || strcmp(logical, resource) != 0) {
		free(sname);
		return aws_error(req, 403, "AccessDenied",
				 "These credentials may read %s's metadata only", resource);
	}
	if (!(res = sdb_resource(stack, resource, &e))) {
		free(sname);
		return e.code == HERR_NOT_FOUND ? aws_error(req, 404, "ValidationError",
							    "Resource %s not found", resource)
						: http_herr(req, &e);
	}
	if (strcmp(str(res, "resource_type"), "OS::Nova::Server") == 0 &&
	    *str(res, "physical_resource_id"))
		md = software_server_metadata(str(res, "physical_resource_id"), &e);
	if (!md && herr_isset(&e) && e.code != HERR_NOT_FOUND) {
		json_decref(res);
		free(sname);
		return http_herr(req, &e);
	}
	if (!md)
		md = json_incref(json_is_object(json_object_get(res, "metadata"))
					 ? json_object_get(res, "metadata")
					 : json_object());
	text = json_dumps(md, JSON_COMPACT);
	json_decref(md);
	if (!(f = open_memstream(&buf, &len)) || !text) {
		free(text);
		json_decref(res);
		free(sname);
		if (f)
			fclose(f);
		free(buf);
		return http_error(req, 500, "InternalError", "out of memory");
	}
	fputs("<DescribeStackResourceResponse><DescribeStackResourceResult><StackResourceDetail>"
	      "<StackName>",
	      f);
	xml_escape(f, sname);
	fprintf(f, "</StackName><StackId>%s</StackId><LogicalResourceId>", stack);
	xml_escape(f, resource);
	fputs("</LogicalResourceId><PhysicalResourceId>", f);
	xml_escape(f, str(res, "physical_resource_id"));
	fputs("</PhysicalResourceId><ResourceType>", f);
	xml_escape(f, str(res, "resource_type"));
	fprintf(f, "</ResourceType><ResourceStatus>%s_%s</ResourceStatus><Metadata>",
		str(res, "resource_action"), str(res, "resource_status"));
	xml_escape(f, text);
	fputs("</Metadata></StackResourceDetail></DescribeStackResourceResult>"
	      "</DescribeStackResourceResponse>",
	      f);
	free(text);
	free(sname);
	json_decref(res);
	if (fclose(f) != 0) {
		free(buf);
		return http_error(req, 500, "InternalError", "out of memory");
	}
	return http_reply_take(req, 200, "application/xml", buf, len);
}

/* The document's entity tag: 32 hex digits of its hash. */
static void etag_of(const char *text, char out[33])
{
	unsigned char h[16];

	crypto_generichash(h, sizeof(h), (const unsigned char *)text, strlen(text), NULL, 0);
	sodium_bin2hex(out, 33, h, sizeof(h));
}

/* GET|HEAD /v1/servers/ID/metadata?sig=S[&wait=N&since=ETAG]: with
 * since the agent's ETag and wait up to MAX_WAIT seconds, the answer
 * waits for a change (200) or for the time to pass (304). */
#define MAX_WAIT 300

static int server_metadata(struct http_req *req, void *arg)
{
	const char *server = http_param(req, "server"), *sig = http_query(req, "sig");
	const char *since = http_query(req, "since"), *wait = http_query(req, "wait");
	uint64_t *deadline = http_state(req);
	unsigned long gen = longpoll_gen();
	struct herr e = HERR_INIT;
	json_t *srv, *md;
	char want[65], etag[33], quoted[40], lm[64];
	char *text;
	long long mtime;
	bool ok;

	(void)arg;
	if (!deadline && wait && since) {
		char *end;
		long secs = strtol(wait, &end, 10);

		if (*end || secs < 0 || secs > MAX_WAIT)
			return http_error(req, 400, "BadRequest",
					  "wait is a number of seconds from 0 to %d", MAX_WAIT);
		if (secs && (deadline = malloc(sizeof(*deadline)))) {
			*deadline = clock_now_ns() + (uint64_t)secs * 1000000000ull;
			http_set_state(req, deadline, free);
		}
	}
	if (!(srv = ndb_get(server, &e)) || strcmp(str(srv, "kind"), "server") != 0) {
		json_decref(srv);
		return e.code && e.code != HERR_NOT_FOUND
			       ? http_herr(req, &e)
			       : http_error(req, 404, "NotFound", "No such server");
	}
	software_metadata_sig(str(srv, "stack"), str(srv, "resource"),
			      (uint64_t)json_integer_value(json_object_get(srv, "seq")), want);
	ok = sig && strlen(sig) == 64 && sodium_memcmp(sig, want, 64) == 0;
	sodium_memzero(want, sizeof(want));
	json_decref(srv);
	if (!ok)
		return http_error(req, 403, "Forbidden", "The signature does not match");
	if (!(md = software_server_metadata(server, &e)))
		return http_herr(req, &e);
	text = json_dumps(md, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(md);
	if (!text)
		return http_error(req, 500, "InternalError", "out of memory");
	etag_of(text, etag);
	if ((mtime = swdb_server_mtime(server, &e)) < 0) {
		free(text);
		return http_herr(req, &e);
	}
	{
		time_t t = (time_t)mtime;

		strftime(lm, sizeof(lm), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
	}
	snprintf(quoted, sizeof(quoted), "\"%s\"", etag);
	http_set_header(req, "ETag", quoted);
	http_set_header(req, "Last-Modified", lm);
	http_set_header(req, "Cache-Control", "no-store");
	if (since && strcmp(since, etag) == 0) {
		free(text);
		if (deadline && clock_now_ns() < *deadline &&
		    longpoll_park(req, server, gen, *deadline))
			return 0; /* answered when it changes, or when the wait is over */
		return http_reply(req, 304, NULL, "", 0);
	}
	return http_reply_take(req, 200, "application/json", text, strlen(text));
}

/* PUT /v1/temp-signal/STACK/RESOURCE?sig=S: a TEMP_URL_SIGNAL deployment's
 * signal, authorised by its URL alone. */
static int temp_signal(struct http_req *req, void *arg)
{
	const char *stack = http_param(req, "stack"), *resource = http_param(req, "resource");
	const char *sig = http_query(req, "sig");
	struct herr e = HERR_INIT;
	json_t *res;
	char want[65];
	size_t len;
	const char *body = http_body(req, &len);
	bool ok;
	int rc;

	(void)arg;
	if (strlen(stack) != SDB_ID_SIZE - 1 ||
	    strspn(stack, "0123456789abcdef-") != SDB_ID_SIZE - 1)
		return http_error(req, 404, "NotFound", "No such resource");
	if (!(res = sdb_resource(stack, resource, &e)))
		return e.code == HERR_NOT_FOUND
			       ? http_error(req, 404, "NotFound", "No such resource")
			       : http_herr(req, &e);
	software_temp_url_sig(stack, resource,
			      (uint64_t)json_integer_value(json_object_get(res, "created_seq")),
			      want);
	ok = sig && strlen(sig) == 64 && sodium_memcmp(sig, want, 64) == 0 &&
	     software_is_deployment(str(res, "resource_type"));
	sodium_memzero(want, sizeof(want));
	/* Heat reads what lands in Swift as JSON, whatever its type */
	rc = ok ? cfn_deployment_signal(req, stack, res, resource, body, len, true)
		: http_error(req, 403, "Forbidden", "The signature does not match");
	json_decref(res);
	return rc;
}

const struct http_route cfn_routes[] = {
	{"PUT", "/v1/waitcondition/*", cfn_waitcondition, "cfn-waitcondition"},
	{"POST", "/v1/signal/*", cfn_signal, "cfn-signal"},
	{"GET", "/v1/", describe, "cfn-describe"},
	{"GET", "/v1/servers/{server}/metadata", server_metadata, "server-metadata"},
	{"PUT", "/v1/temp-signal/{stack}/{resource}", temp_signal, "temp-signal"},
};
const int cfn_nroutes = sizeof(cfn_routes) / sizeof(cfn_routes[0]);
