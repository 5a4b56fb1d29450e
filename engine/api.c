/* The orchestration REST API (see api.h).  Shapes, status codes and
 * messages follow hot-spec §8; every answer about a stack comes from its
 * record in Redis (stackdb.h), so any replica can serve any request. */
#include <config.h>

#include "engine/api.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "engine/lifecycle.h"
#include "engine/pyjson.h"
#include "engine/schema.h"
#include "engine/stack.h"
#include "engine/version.h"
#include "engine/software.h"
#include "engine/stackdb.h"

#define NAME_MAX_LEN 255

/* ------------------------------------------------------------------ auth */

struct caller {
	char project[128];
	bool admin;
};

/* The caller of req, from its X-Auth-Token; answers 401 and returns false
 * when there is none or it is unknown. */
static bool authenticate(struct http_req *req, struct caller *c)
{
	const char *token = http_header(req, "X-Auth-Token");
	struct herr e = HERR_INIT;
	json_t *t;

	if (!token || !*token) {
		http_set_header(req, "WWW-Authenticate", "Token");
		http_error(req, 401, "Unauthorized", "Authentication required: send X-Auth-Token");
		return false;
	}
	t = sdb_token_get(token, &e);
	if (!t) {
		if (herr_isset(&e)) {
			http_herr(req, &e);
			return false;
		}
		http_set_header(req, "WWW-Authenticate", "Token");
		http_error(req, 401, "Unauthorized", "The token is not valid");
		return false;
	}
	snprintf(c->project, sizeof(c->project), "%s",
		 json_string_value(json_object_get(t, "project")) ?: "");
	c->admin = strcmp(json_string_value(json_object_get(t, "role")) ?: "", "admin") == 0;
	json_decref(t);
	return true;
}

/* A name that may go into a Redis key: 1 to 64 of [A-Za-z0-9_.-]. */
static bool safe_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A stack id as Hearth makes them (a UUID): nothing else reaches a key. */
static bool valid_id(const char *s)
{
	if (!s || strlen(s) != SDB_ID_SIZE - 1)
		return false;
	for (int i = 0; s[i]; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-'
							    : !strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* Authenticates and checks that the path's project is the caller's (an
 * admin may act in any project). */
static bool authorize(struct http_req *req, struct caller *c)
{
	const char *project = http_param(req, "project");

	if (!authenticate(req, c))
		return false;
	if (project && !safe_name(project)) {
		http_error(req, 404, "NotFound", "No such project");
		return false;
	}
	if (!c->admin && (!project || strcmp(project, c->project) != 0)) {
		http_error(req, 403, "Forbidden", "You are not authorized to act in this project");
		return false;
	}
	if (project)
		snprintf(c->project, sizeof(c->project), "%s", project);
	return true;
}

bool api_authorize(struct http_req *req, char project[128])
{
	struct caller c;

	if (!authorize(req, &c))
		return false;
	snprintf(project, 128, "%s", c.project);
	return true;
}

/* --------------------------------------------------------------- helpers */

/* v (new reference) with the secrets a nested stack inherited from its
 * parents masked: its template and parameters hold their values. */
static json_t *masked(json_t *rec, json_t *v)
{
	json_t *secrets = json_object_get(rec, "inherited_secrets");

	return json_array_size(secrets) ? stack_mask(v, secrets) : json_incref(v);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* "http://host/v1/project/stacks/name/id" + rest, from the request. */
static void stack_url(struct http_req *req, json_t *rec, const char *rest, char *out, size_t size)
{
	const char *host = http_header(req, "Host");

	snprintf(out, size, "http://%s/v1/%s/stacks/%s/%s%s", host ? host : "localhost",
		 str(rec, "project"), str(rec, "stack_name"), str(rec, "id"), rest ? rest : "");
}

static json_t *links(struct http_req *req, json_t *rec)
{
	char url[1024];

	stack_url(req, rec, NULL, url, sizeof(url));
	return json_pack("[{s:s,s:s}]", "href", url, "rel", "self");
}

/* The stack record named by {name} and {id} in the path, in the caller's
 * project; answers 404 and returns NULL otherwise. */
static json_t *find_stack_as(struct http_req *req, const struct caller *c, bool full)
{
	const char *name = http_param(req, "name"), *id = http_param(req, "id");
	struct herr e = HERR_INIT;
	json_t *rec = !valid_id(id) ? NULL : full ? sdb_get_full(id, &e) : sdb_get(id, &e);

	if (!rec && herr_isset(&e) && e.code != HERR_NOT_FOUND) {
		http_herr(req, &e);
		return NULL;
	}
	if (!rec || strcmp(str(rec, "project"), c->project) != 0 ||
	    strcmp(str(rec, "stack_name"), name ? name : "") != 0) {
		json_decref(rec);
		http_error(req, 404, "EntityNotFound", "The Stack (%s) could not be found.",
			   name ? name : "");
		return NULL;
	}
	return rec;
}

static json_t *find_stack(struct http_req *req, const struct caller *c)
{
	return find_stack_as(req, c, false);
}

/* find_stack with the stored request and pending update. */
static json_t *find_stack_full(struct http_req *req, const struct caller *c)
{
	return find_stack_as(req, c, true);
}

/* A stack's name or id to its id, in the caller's project. */
static bool resolve_name(const struct caller *c, const char *name_or_id, char id[SDB_ID_SIZE],
			 json_t **rec, struct herr *e)
{
	*rec = NULL;
	if (sdb_lookup(c->project, name_or_id, id, e) && (*rec = sdb_get(id, e)))
		return true;
	if (herr_isset(e) && e->code != HERR_NOT_FOUND)
		return false;
	herr_clear(e);
	/* an id: only a stack of this project */
	if (valid_id(name_or_id) && (*rec = sdb_get(name_or_id, e))) {
		if (strcmp(str(*rec, "project"), c->project) == 0) {
			snprintf(id, SDB_ID_SIZE, "%s", name_or_id);
			return true;
		}
		json_decref(*rec);
		*rec = NULL;
	}
	herr_clear(e);
	return false;
}

/* ---------------------------------------------------------------- stacks */

/* A parameter's value as Heat shows it: a string. */
static json_t *param_text(json_t *v)
{
	if (json_is_string(v))
		return json_incref(v);
	if (json_is_array(v)) { /* comma_delimited_list */
		char *s = NULL;
		size_t n = 0;
		json_t *x;
		size_t i;
		FILE *f = open_memstream(&s, &n);

		if (!f)
			return json_string("");
		json_array_foreach (v, i, x) {
			char *t = pyjson_str(x);

			fprintf(f, "%s%s", i ? "," : "", t ? t : "");
			free(t);
		}
		fclose(f);
		{
			json_t *r = json_string(s ? s : "");

			free(s);
			return r;
		}
	}
	{
		char *t = json_is_object(v) ? pyjson_dumps(v, false) : pyjson_str(v);
		json_t *r = json_string(t ? t : "");

		free(t);
		return r;
	}
}

/* What a stack is defined from, taken from a create, preview, validate or
 * PUT body. */
static json_t *request_of(json_t *body)
{
	return json_pack(
		"{s:O?,s:O?,s:O?,s:O?,s:O?}", "template", json_object_get(body, "template"),
		"environment", json_object_get(body, "environment"), "environment_files",
		json_object_get(body, "environment_files"), "files", json_object_get(body, "files"),
		"parameters", json_object_get(body, "parameters"));
}

/* Output name → its description (or null), from a parsed template. */
static json_t *declared_outputs(json_t *tmpl)
{
	json_t *out = json_object(), *o;
	const char *k;

	json_object_foreach (json_object_get(tmpl, "outputs"), k, o) {
		json_t *d = json_object_get(o, "description");

		json_object_set(out, k, json_is_string(d) ? d : json_null());
	}
	return out;
}

/* Checks a create request's fields (hot-spec §8.2); NULL when fine, else
 * the message. */
static const char *check_create(json_t *body, char *buf, size_t size)
{
	json_t *name = json_object_get(body, "stack_name"),
	       *t = json_object_get(body, "timeout_mins");
	const char *n = json_string_value(name);

	if (!json_is_object(body))
		return "The request body must be a JSON object";
	if (!n || !*n)
		return "No stack name specified";
	if (strlen(n) > NAME_MAX_LEN ||
	    !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z'))) {
		snprintf(
			buf, size,
			"Invalid stack name %s must contain only alphanumeric or \"_-.\" characters, "
			"must start with alpha and must be 255 characters or less.",
			n);
		return buf;
	}
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.')) {
			snprintf(buf, size,
				 "Invalid stack name %s must contain only alphanumeric or \"_-.\" "
				 "characters, must start with alpha and must be 255 characters or "
				 "less.",
				 n);
			return buf;
		}
	if (json_object_get(body, "converge"))
		return "converge flag only supported in stack update (or update preview) request.";
	if (t && !json_is_null(t)) {
		long long v;
		char *end = NULL;

		if (json_is_integer(t)) {
			v = json_integer_value(t);
		} else if (json_is_string(t)) {
			errno = 0;
			v = strtoll(json_string_value(t), &end, 10);
			if (!*json_string_value(t) || *end || errno)
				return "Only integer is acceptable by 'timeout_mins'.";
		} else {
			return "Only integer is acceptable by 'timeout_mins'.";
		}
		if (v < 0) {
			snprintf(buf, size,
				 "Value '%lld' is invalid for 'timeout_mins' which only accepts "
				 "non-negative integer.",
				 v);
			return buf;
		}
	}
	if (json_object_get(body, "tags") && !json_is_string(json_object_get(body, "tags")) &&
	    !json_is_null(json_object_get(body, "tags")))
		return "tags must be a comma-separated string";
	return NULL;
}

static long long timeout_of(json_t *t)
{
	if (json_is_integer(t))
		return json_integer_value(t);
	if (json_is_string(t))
		return strtoll(json_string_value(t), NULL, 10);
	return 0;
}

static bool bool_of(json_t *v, bool dflt)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v))
		return strcasecmp(json_string_value(v), "true") == 0;
	return dflt;
}

static int create_stack(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_error_t je;
	size_t len;
	const char *text, *bad;
	json_t *body, *request, *rec, *def, *tags = json_null(), *params, *parsed;
	char id[SDB_ID_SIZE], now[21], buf[512], created[32], *errors = NULL, url[1024];
	const char *k;
	json_t *v;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	text = http_body(req, &len);
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!body)
		return http_error(req, 400, "BadRequest", "The request body is not valid JSON: %s",
				  text ? je.text : "empty body");
	if ((bad = check_create(body, buf, sizeof(buf)))) {
		json_decref(body);
		return http_error(req, 400, "StackValidationFailed", "%s", bad);
	}
	sdb_uuid(id);
	request = request_of(body);
	def = lc_define(request, str(body, "stack_name"), id, c.project, EVAL_VALIDATE, true, NULL,
			NULL, &errors, &parsed);
	if (parsed) /* kept as Heat keeps it: the parsed template */
		json_object_set_new(request, "template", parsed);
	if (!def) {
		int rc = http_error(req, 400, "StackValidationFailed", "%s",
				    errors ? errors : "invalid stack");

		free(errors);
		json_decref(request);
		json_decref(body);
		return rc;
	}
	params = json_object();
	json_object_foreach (json_object_get(def, "parameters"), k, v)
		json_object_set_new(params, k, param_text(v));
	if (json_is_string(json_object_get(body, "tags"))) {
		char *copy = strdup(str(body, "tags")), *save = NULL;

		tags = json_array();
		for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
		     t = strtok_r(NULL, ",", &save))
			json_array_append_new(tags, json_string(t));
		free(copy);
	}
	sdb_now(now);
	snprintf(created, sizeof(created), "%llu", (unsigned long long)sdb_wall_ns());
	rec = json_pack(
		"{s:s,s:O,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O?,s:o,s:o,s:I,s:b,s:O,s:o,s:o}", "id", id,
		"stack_name", json_object_get(body, "stack_name"), "project", c.project,
		"stack_action", "INIT", "stack_status", "INIT_COMPLETE", "status_reason",
		"Stack queued", "creation_time", now, "created_ns", created, "description",
		str(json_object_get(request, "template"), "description"), "template_description",
		json_object_get(json_object_get(request, "template"), "description"), "parameters",
		params, "tags", tags, "timeout_mins",
		(json_int_t)timeout_of(json_object_get(body, "timeout_mins")), "disable_rollback",
		bool_of(json_object_get(body, "disable_rollback"), true), "request", request,
		"outputs_declared", declared_outputs(json_object_get(request, "template")),
		"updated_time", json_null());
	json_decref(def);
	json_decref(request);
	if (!rec) {
		json_decref(body);
		return http_error(req, 500, "InternalError", "out of memory");
	}
	if (sdb_create(rec, &e) < 0) {
		int rc = e.code == HERR_CONFLICT ? http_error(req, 409, "StackExists", "%s", e.msg)
						 : http_herr(req, &e);

		json_decref(rec);
		json_decref(body);
		return rc;
	}
	stack_url(req, rec, NULL, url, sizeof(url));
	http_set_header(req, "Location", url);
	log_info("api", "stack %s (%s) queued in project %s", str(rec, "stack_name"), id,
		 c.project);
	json_decref(body);
	{
		json_t *out =
			json_pack("{s:{s:s,s:o}}", "stack", "id", id, "links", links(req, rec));

		json_decref(rec);
		return http_reply_json(req, 201, out);
	}
}

/* POST /stacks/preview: what a create would make, validated whole, nothing
 * stored: the stack with its resources' resolved properties (values known
 * only at create time shown as "unknown"; hidden values masked). */
static int preview_stack(struct http_req *req, void *arg)
{
	struct caller c;
	json_error_t je;
	size_t len;
	const char *text = http_body(req, &len), *bad, *k;
	json_t *body, *request, *def, *parsed, *res, *out, *v;
	char buf[512], *errors = NULL;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!body)
		return http_error(req, 400, "BadRequest", "The request body is not valid JSON");
	if ((bad = check_create(body, buf, sizeof(buf)))) {
		json_decref(body);
		return http_error(req, 400, "StackValidationFailed", "%s", bad);
	}
	request = request_of(body);
	def = lc_define(request, str(body, "stack_name"), "None", c.project, EVAL_VALIDATE, true,
			NULL, NULL, &errors, &parsed);
	json_decref(request);
	if (!def) {
		int rc = http_error(req, 400, "StackValidationFailed", "%s",
				    errors ? errors : "invalid stack");

		free(errors);
		json_decref(parsed);
		json_decref(body);
		return rc;
	}
	res = json_array();
	json_object_foreach (json_object_get(def, "types"), k, v) {
		json_t *props = json_object_get(json_object_get(def, "resources"), k);

		/* properties known only at create time are shown as such */
		json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:o,s:s}", "resource_name", k,
						     "resource_type", json_string_value(v),
						     "resource_action", "INIT", "properties",
						     props && props != eval_unknown()
							     ? json_incref(props)
							     : json_string("unknown"),
						     "resource_status", "COMPLETE"));
	}
	out = json_pack("{s:{s:s,s:s,s:o,s:o,s:o}}", "stack", "id", "None", "stack_name",
			str(body, "stack_name"), "description",
			json_string(str(parsed, "description")), "parameters",
			json_object_get(def, "parameters")
				? json_incref(json_object_get(def, "parameters"))
				: json_object(),
			"resources", res);
	json_decref(parsed);
	json_decref(def);
	json_decref(body);
	return http_reply_json(req, 200, out);
}

/* A list item or a show (full) from a record. */
static json_t *stack_view(struct http_req *req, json_t *rec, bool full)
{
	json_t *o = json_object(), *x;
	static const char *const times[] = {"creation_time", "updated_time", "deletion_time"};

	json_object_set_new(o, "id", json_string(str(rec, "id")));
	json_object_set_new(o, "links", links(req, rec));
	json_object_set_new(o, "stack_name", json_string(str(rec, "stack_name")));
	json_object_set_new(o, "description",
			    json_string(full ? str(rec, "template_description") : ""));
	json_object_set_new(o, "stack_status", json_string(str(rec, "stack_status")));
	json_object_set_new(o, "stack_status_reason", json_string(str(rec, "status_reason")));
	for (size_t i = 0; i < 3; i++) {
		x = json_object_get(rec, times[i]);
		json_object_set_new(o, times[i],
				    json_is_string(x) && *json_string_value(x) ? json_incref(x)
									       : json_null());
	}
	json_object_set_new(o, "stack_owner", json_null());
	json_object_set_new(o, "parent",
			    *str(rec, "parent") ? json_string(str(rec, "parent")) : json_null());
	json_object_set_new(o, "stack_user_project_id", json_string(str(rec, "project")));
	x = json_object_get(rec, "tags");
	json_object_set_new(o, "tags", json_is_array(x) ? json_incref(x) : json_null());
	if (!full)
		return o;
	json_object_set_new(o, "template_description",
			    json_string(str(rec, "template_description")));
	x = json_object_get(rec, "parameters");
	json_object_set_new(o, "parameters", json_is_object(x) ? json_incref(x) : json_object());
	json_object_set_new(o, "disable_rollback",
			    json_boolean(bool_of(json_object_get(rec, "disable_rollback"), true)));
	x = json_object_get(rec, "timeout_mins");
	json_object_set_new(o, "timeout_mins",
			    timeout_of(x) > 0 ? json_integer(timeout_of(x)) : json_null());
	json_object_set_new(o, "notification_topics", json_array());
	json_object_set_new(o, "capabilities", json_array());
	return o;
}

/* [{output_key, description, output_value[, output_error]}] of a record;
 * values only once the stack is complete (Heat resolves them then). */
static json_t *outputs_view(json_t *rec, bool values, const char *only)
{
	json_t *declared = json_object_get(rec, "outputs_declared"); /* key → description */
	json_t *vals = json_object_get(rec, "outputs"),
	       *errs = json_object_get(rec, "output_errors");
	json_t *out = json_array(), *desc;
	const char *k;

	values = values && json_is_object(vals); /* resolved when an action completed */
	json_object_foreach (declared, k, desc) {
		json_t *o;

		if (only && strcmp(only, k) != 0)
			continue;
		o = json_pack("{s:s,s:s}", "output_key", k, "description",
			      json_is_string(desc) ? json_string_value(desc)
						   : "No description given");
		if (values) {
			json_object_set(o, "output_value", json_object_get(vals, k) ?: json_null());
			if (json_object_get(errs, k))
				json_object_set(o, "output_error", json_object_get(errs, k));
		}
		json_array_append_new(out, o);
	}
	return out;
}

static int list_stacks(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_t *all, *out, *rec;
	size_t i;
	bool deleted, nested;
	const char *sd = http_query(req, "show_deleted");

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	if (sd && strcmp(sd, "true") != 0 && strcmp(sd, "false") != 0)
		return http_error(
			req, 400, "BadRequest",
			"Unrecognized value \"%s\" for \"show_deleted\", acceptable values "
			"are: true, false.",
			sd);
	deleted = sd && strcmp(sd, "true") == 0;
	nested = http_query(req, "show_nested") &&
		 strcmp(http_query(req, "show_nested"), "true") == 0;
	if (!(all = sdb_list(c.project, &e)))
		return http_herr(req, &e);
	out = json_array();
	json_array_foreach (all, i, rec)
		if ((deleted || strcmp(str(rec, "stack_status"), "DELETE_COMPLETE") != 0) &&
		    (nested || !*str(rec, "parent")))
			json_array_append_new(out, stack_view(req, rec, false));
	json_decref(all);
	return http_reply_json(req, 200, json_pack("{s:o}", "stacks", out));
}

/* GET|DELETE|... /stacks/{name}[/{sub}]: 302 to the canonical URL. */
static int redirect(struct http_req *req, const struct caller *c, const char *name_or_id,
		    const char *sub)
{
	struct herr e = HERR_INIT;
	char id[SDB_ID_SIZE], url[1200], rest[160] = "", *q, *location;
	json_t *rec;
	int rc;

	if (!resolve_name(c, name_or_id, id, &rec, &e)) {
		if (herr_isset(&e))
			return http_herr(req, &e);
		return http_error(req, 404, "EntityNotFound", "The Stack (%s) could not be found.",
				  name_or_id);
	}
	if (sub)
		snprintf(rest, sizeof(rest), "/%s", sub);
	stack_url(req, rec, rest, url, sizeof(url));
	json_decref(rec);
	/* the query goes along: clients page events through the redirect */
	q = http_query_string(req);
	if (!q || asprintf(&location, "%s%s", url, q) < 0) {
		free(q);
		return http_error(req, 500, "InternalError", "out of memory");
	}
	free(q);
	http_set_header(req, "Location", location);
	rc = http_reply_json(req, 302, json_pack("{s:s}", "location", location));
	free(location);
	return rc;
}

static bool is_sub(const char *s)
{
	static const char *const subs[] = {"resources",   "events", "template", "actions",
					   "environment", "files",  "outputs",  NULL};

	for (const char *const *p = subs; *p; p++)
		if (strcmp(s, *p) == 0)
			return true;
	return false;
}

static int lookup(struct http_req *req, void *arg)
{
	struct caller c;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	return redirect(req, &c, http_param(req, "name"), NULL);
}

static int show_stack(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *rec, *o;
	const char *ro = http_query(req, "resolve_outputs");

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	if (is_sub(http_param(req, "id")))
		return redirect(req, &c, http_param(req, "name"), http_param(req, "id"));
	if (!(rec = find_stack(req, &c)))
		return 0;
	o = stack_view(req, rec, true);
	if (!ro || strcasecmp(ro, "false") != 0)
		json_object_set_new(o, "outputs", outputs_view(rec, true, NULL));
	json_decref(rec);
	return http_reply_json(req, 200, json_pack("{s:o}", "stack", o));
}

/* Merges the maps of src into those of dst, key by key (PATCH). */
static void merge_maps(json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach (src, k, v) {
		json_t *d = json_object_get(dst, k);

		if (json_is_object(d) && json_is_object(v))
			json_object_update(d, v);
		else
			json_object_set(dst, k, v);
	}
}

/* The request an update body makes of the stored one (hot-spec §6.2):
 * PUT replaces, PATCH (or existing: true) merges.  NULL when it has no
 * template (the message in *why). */
static json_t *update_request(json_t *old, json_t *body, bool existing, const char **why)
{
	json_t *request, *x;
	size_t i;

	*why = NULL;
	if (!existing) {
		if (!json_object_get(body, "template") ||
		    json_is_null(json_object_get(body, "template"))) {
			*why = "No template specified";
			return NULL;
		}
		return request_of(body);
	}
	request = json_deep_copy(old);
	x = json_object_get(body, "template");
	if (x && !json_is_null(x))
		json_object_set(request, "template", x);
	if (!json_is_object(json_object_get(request, "parameters")))
		json_object_set_new(request, "parameters", json_object());
	if (json_is_object(json_object_get(body, "parameters")))
		json_object_update(json_object_get(request, "parameters"),
				   json_object_get(body, "parameters"));
	json_array_foreach (json_object_get(body, "clear_parameters"), i, x)
		json_object_del(json_object_get(request, "parameters"), json_string_value(x) ?: "");
	x = json_object_get(body, "environment");
	if (json_is_object(x) && json_object_size(x)) {
		if (!json_is_object(json_object_get(request, "environment")))
			json_object_set_new(request, "environment", json_object());
		merge_maps(json_object_get(request, "environment"), x);
	}
	if (json_is_object(json_object_get(body, "files"))) {
		if (!json_is_object(json_object_get(request, "files")))
			json_object_set_new(request, "files", json_object());
		json_object_update(json_object_get(request, "files"),
				   json_object_get(body, "files"));
	}
	if (json_is_array(json_object_get(body, "environment_files")))
		json_object_set(request, "environment_files",
				json_object_get(body, "environment_files"));
	return request;
}

/* PUT|PATCH .../preview: what the update would do, resource by resource
 * (added, deleted, replaced, updated, unchanged), nothing changed. */
static int update_preview(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_error_t je;
	size_t len;
	const char *text = http_body(req, &len), *why;
	json_t *rec, *body, *request, *resources, *plan;
	char *errors = NULL;
	int rc;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack_full(req, &c)))
		return 0;
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!json_is_object(body)) {
		json_decref(rec);
		json_decref(body);
		return http_error(req, 400, "BadRequest", "The request body is not a JSON object");
	}
	request = update_request(json_object_get(rec, "request"), body,
				 strcmp(http_method(req), "PATCH") == 0 ||
					 json_is_true(json_object_get(body, "existing")),
				 &why);
	json_decref(body);
	if (!request) {
		json_decref(rec);
		return http_error(req, 400, "BadRequest", "%s", why);
	}
	if (!(resources = sdb_resources(str(rec, "id"), &e))) {
		json_decref(request);
		json_decref(rec);
		return http_herr(req, &e);
	}
	plan = lc_plan(rec, resources, request, &errors);
	rc = plan ? http_reply_json(req, 200, json_pack("{s:o}", "resource_changes", plan))
		  : http_error(req, 400, "StackValidationFailed", "%s",
			       errors ? errors : "invalid stack");
	free(errors);
	json_decref(resources);
	json_decref(request);
	json_decref(rec);
	return rc;
}

/* PUT and PATCH (hot-spec §6.2): the new request, validated whole, is
 * stored as pending and the update queued; 202. */
static int update_stack(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_error_t je;
	size_t len;
	const char *text = http_body(req, &len);
	json_t *rec, *body, *old, *request, *def, *parsed, *pending, *params, *x;
	bool existing = strcmp(http_method(req), "PATCH") == 0;
	char *errors = NULL;
	const char *k;
	int rc;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack_full(req, &c)))
		return 0;
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!json_is_object(body)) {
		json_decref(rec);
		json_decref(body);
		return http_error(req, 400, "BadRequest", "The request body is not a JSON object");
	}
	existing = existing || json_is_true(json_object_get(body, "existing"));
	old = json_object_get(rec, "request");
	{
		const char *why;

		if (!(request = update_request(old, body, existing, &why))) {
			json_decref(rec);
			json_decref(body);
			return http_error(req, 400, "BadRequest", "%s", why);
		}
	}
	def = lc_define(request, str(rec, "stack_name"), str(rec, "id"), c.project, EVAL_VALIDATE,
			true, NULL, NULL, &errors, &parsed);
	if (parsed)
		json_object_set_new(request, "template", parsed);
	if (!def) {
		rc = http_error(req, 400, "StackValidationFailed", "%s",
				errors ? errors : "invalid stack");
		goto out;
	}
	params = json_object();
	json_object_foreach (json_object_get(def, "parameters"), k, x)
		json_object_set_new(params, k, param_text(x));
	pending = json_pack("{s:O,s:o,s:o,s:s}", "request", request, "parameters", params,
			    "outputs_declared",
			    declared_outputs(json_object_get(request, "template")), "description",
			    str(json_object_get(request, "template"), "description"));
	json_object_set(pending, "template_description", json_object_get(pending, "description"));
	if ((x = json_object_get(body, "timeout_mins")) && !json_is_null(x))
		json_object_set_new(pending, "timeout_mins", json_integer(timeout_of(x)));
	if ((x = json_object_get(body, "disable_rollback")) && !json_is_null(x))
		json_object_set_new(pending, "disable_rollback", json_boolean(bool_of(x, true)));
	json_decref(def);
	if (sdb_begin(str(rec, "id"), "UPDATE", pending, &e) < 0) {
		rc = e.code == HERR_CONFLICT ? http_error(req, 409, "ActionInProgress", "%s", e.msg)
		     : e.code == HERR_INVALID ? http_error(req, 400, "NotSupported", "%s", e.msg)
					      : http_herr(req, &e);
		json_decref(pending);
		goto out;
	}
	json_decref(pending);
	log_info("api", "stack %s (%s) update queued", str(rec, "stack_name"), str(rec, "id"));
	rc = http_reply(req, 202, NULL, NULL, 0);
out:
	free(errors);
	json_decref(request);
	json_decref(body);
	json_decref(rec);
	return rc;
}

/* POST /stacks/{name}/actions: 302 to the canonical URL. */
static int lookup_post(struct http_req *req, void *arg)
{
	struct caller c;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	return redirect(req, &c, http_param(req, "name"), "actions");
}

static int delete_lookup(struct http_req *req, void *arg)
{
	return lookup(req, arg);
}

static int delete_stack(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_t *rec;
	const char *status;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	if (!(rec = find_stack(req, &c)))
		return 0;
	status = str(rec, "stack_status");
	if (strcmp(status, "DELETE_COMPLETE") == 0) {
		json_decref(rec);
		return http_error(req, 404, "EntityNotFound", "The Stack (%s) could not be found.",
				  http_param(req, "name"));
	}
	/* DELETE_IN_PROGRESS at once; a create or update still running stops
	 * at its next step */
	if (sdb_begin_delete(str(rec, "id"), &e) < 0) {
		json_decref(rec);
		return e.code == HERR_NOT_FOUND
			       ? http_error(req, 404, "EntityNotFound", "%s", e.msg)
			       : http_herr(req, &e);
	}
	log_info("api", "stack %s (%s) delete queued", str(rec, "stack_name"), str(rec, "id"));
	json_decref(rec);
	return http_reply(req, 204, NULL, NULL, 0);
}

static int list_outputs(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *rec;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	{
		json_t *o = outputs_view(rec, false, NULL);

		json_decref(rec);
		return http_reply_json(req, 200, json_pack("{s:o}", "outputs", o));
	}
}

static int show_output(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *rec, *list;
	const char *key = http_param(req, "key");

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	list = outputs_view(rec, true, key);
	json_decref(rec);
	if (json_array_size(list) == 0) {
		json_decref(list);
		return http_error(req, 404, "NotFound", "Specified output key %s not found.", key);
	}
	{
		json_t *o = json_incref(json_array_get(list, 0));

		json_decref(list);
		return http_reply_json(req, 200, json_pack("{s:o}", "output", o));
	}
}

/* The names that require each resource (the reverse of requires). */
static json_t *required_by(json_t *rec)
{
	json_t *out = json_object();
	json_t *requires = json_object_get(rec, "requires");
	const char *k;
	json_t *deps, *d;
	size_t i;

	json_object_foreach (requires, k, deps)
		json_array_foreach (deps, i, d) {
			json_t *l = json_object_get(out, json_string_value(d));

			if (!l)
				json_object_set_new(out, json_string_value(d), l = json_array());
			json_array_append_new(l, json_string(k));
		}
	return out;
}

static json_t *resource_view(struct http_req *req, json_t *rec, json_t *res, json_t *rb,
			     bool detail)
{
	char url[1200], self[1400];
	const char *name = str(res, "resource_name");
	json_t *o, *x;

	stack_url(req, rec, NULL, url, sizeof(url));
	snprintf(self, sizeof(self), "%s/resources/%s", url, name);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O?,s:O?,s:[{s:s,s:s},{s:s,s:s}]}",
		      "resource_name", name, "logical_resource_id", name, "physical_resource_id",
		      str(res, "physical_resource_id"), "resource_type", str(res, "resource_type"),
		      "resource_status", "", "resource_status_reason",
		      str(res, "resource_status_reason"), "creation_time",
		      json_object_get(res, "creation_time"), "updated_time",
		      json_object_get(res, "updated_time"), "links", "href", self, "rel", "self",
		      "href", url, "rel", "stack");
	if (!o)
		return json_object();
	{
		char state[64];

		snprintf(state, sizeof(state), "%s_%s", str(res, "resource_action"),
			 str(res, "resource_status"));
		json_object_set_new(o, "resource_status", json_string(state));
	}
	x = json_object_get(rb, name);
	json_object_set_new(o, "required_by", x ? json_incref(x) : json_array());
	if (detail) {
		/* hidden parameters masked; RandomString's value is a secret
		 * the API does not show */
		x = json_object_get(res, "shown_attributes");
		json_object_set_new(o, "attributes",
				    json_is_object(x) && strcmp(str(res, "resource_type"),
								"OS::Heat::RandomString") != 0
					    ? json_incref(x)
					    : json_object());
		json_object_set_new(o, "description", json_string(""));
	}
	return o;
}

static int list_resources(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_t *rec, *all, *rb, *out, *res;
	const char *k, *wd = http_query(req, "with_detail");

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	if (!(all = sdb_resources(str(rec, "id"), &e))) {
		json_decref(rec);
		return http_herr(req, &e);
	}
	rb = required_by(rec);
	out = json_array();
	json_object_foreach (all, k, res)
		json_array_append_new(
			out, resource_view(req, rec, res, rb, wd && strcasecmp(wd, "true") == 0));
	json_decref(rb);
	json_decref(all);
	json_decref(rec);
	return http_reply_json(req, 200, json_pack("{s:o}", "resources", out));
}

static int show_resource(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_t *rec, *all, *rb, *res;
	const char *name = http_param(req, "res");

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	if (!(all = sdb_resources(str(rec, "id"), &e))) {
		json_decref(rec);
		return http_herr(req, &e);
	}
	res = json_object_get(all, name);
	if (!res) {
		json_decref(all);
		json_decref(rec);
		return http_error(req, 404, "ResourceNotFound",
				  "The Resource (%s) could not be found.", name);
	}
	rb = required_by(rec);
	{
		json_t *o = resource_view(req, rec, res, rb, true);

		json_decref(rb);
		json_decref(all);
		json_decref(rec);
		return http_reply_json(req, 200, json_pack("{s:o}", "resource", o));
	}
}

static bool match(json_t *ev, struct http_req *req, const char *key)
{
	const char *want = http_query(req, key);

	return !want || strcmp(want, str(ev, key)) == 0;
}

static int list_events(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_t *rec, *all, *out, *ev;
	const char *limit = http_query(req, "limit"), *dir = http_query(req, "sort_dir");
	size_t i, max = limit ? strtoul(limit, NULL, 10) : 0;
	char url[1200];

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	if (dir && strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0) {
		json_decref(rec);
		return http_error(req, 400, "BadRequest",
				  "Unknown sort direction, must be one of: asc, desc");
	}
	if (!(all = sdb_events(str(rec, "id"), http_query(req, "marker"), 0, &e))) {
		json_decref(rec);
		return http_herr(req, &e);
	}
	stack_url(req, rec, NULL, url, sizeof(url));
	out = json_array();
	json_array_foreach (all, i, ev) {
		json_t *o;
		char self[1600];

		if (!match(ev, req, "resource_status") || !match(ev, req, "resource_action") ||
		    !match(ev, req, "resource_name") || !match(ev, req, "resource_type"))
			continue;
		snprintf(self, sizeof(self), "%s/resources/%s/events/%s", url,
			 str(ev, "resource_name"), str(ev, "id"));
		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s},{s:s,s:s}]}", "id",
			      str(ev, "id"), "event_time", str(ev, "event_time"), "resource_name",
			      str(ev, "resource_name"), "logical_resource_id",
			      str(ev, "resource_name"), "physical_resource_id",
			      str(ev, "physical_resource_id"), "resource_status_reason",
			      str(ev, "resource_status_reason"), "resource_status", "", "links",
			      "href", self, "rel", "self", "href", url, "rel", "stack");
		if (!o)
			continue;
		{
			char state[64];

			snprintf(state, sizeof(state), "%s_%s", str(ev, "resource_action"),
				 str(ev, "resource_status"));
			json_object_set_new(o, "resource_status", json_string(state));
		}
		json_array_append_new(out, o);
	}
	if (dir && strcmp(dir, "desc") == 0) {
		json_t *rev = json_array();

		for (size_t k = json_array_size(out); k-- > 0;)
			json_array_append(rev, json_array_get(out, k));
		json_decref(out);
		out = rev;
	}
	while (max && json_array_size(out) > max)
		json_array_remove(out, json_array_size(out) - 1);
	json_decref(all);
	json_decref(rec);
	return http_reply_json(req, 200, json_pack("{s:o}", "events", out));
}

static int show_template(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *rec, *t;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack_full(req, &c)))
		return 0;
	t = json_object_get(json_object_get(rec, "request"), "template");
	t = t ? masked(rec, t) : json_object();
	json_decref(rec);
	return http_reply_json(req, 200, t);
}

/* --------------------------------------------------------------- actions */

/* POST .../actions: exactly one of suspend, resume, check, cancel_update,
 * cancel_without_rollback (hot-spec §8.1). */
static int stack_action(struct http_req *req, void *arg)
{
	static const char *const names[] = {"suspend", "resume", "check", "cancel_update",
					    "cancel_without_rollback"};
	struct caller c;
	struct herr e = HERR_INIT;
	json_error_t je;
	size_t len;
	const char *text = http_body(req, &len), *k, *action = NULL;
	json_t *rec, *body, *v;
	int rc;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!json_is_object(body) || json_object_size(body) == 0)
		rc = http_error(req, 400, "BadRequest", "No action specified");
	else if (json_object_size(body) > 1)
		rc = http_error(req, 400, "BadRequest", "Multiple actions specified");
	else
		rc = 0;
	if (rc) {
		json_decref(body);
		json_decref(rec);
		return rc;
	}
	json_object_foreach (body, k, v)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(k, names[i]) == 0)
				action = names[i];
	if (!action) {
		rc = http_error(req, 400, "BadRequest", "Invalid action %s specified",
				json_object_iter_key(json_object_iter(body)));
	} else if (strncmp(action, "cancel", 6) == 0) {
		if (strcmp(str(rec, "stack_status"), "UPDATE_IN_PROGRESS") != 0) {
			rc = http_error(req, 400, "NotSupported",
					"Cancelling update when stack is %s is not supported.",
					str(rec, "stack_status"));
		} else {
			json_t *f = json_pack("{s:s}", "cancel_update",
					      strcmp(action, "cancel_update") == 0 ? "rollback"
										   : "stop");

			rc = sdb_set(str(rec, "id"), f, &e) < 0
				     ? http_herr(req, &e)
				     : http_reply(req, 200, "application/json", "null", 4);
			json_decref(f);
		}
	} else {
		char upper[16];
		size_t i;

		for (i = 0; action[i] && i < sizeof(upper) - 1; i++)
			upper[i] = (char)(action[i] - 32);
		upper[i] = '\0';
		if (sdb_begin(str(rec, "id"), upper, NULL, &e) < 0)
			rc = e.code == HERR_CONFLICT
				     ? http_error(req, 409, "ActionInProgress", "%s", e.msg)
				     : http_herr(req, &e);
		else
			rc = http_reply(req, 200, "application/json", "null", 4);
	}
	json_decref(body);
	json_decref(rec);
	return rc;
}

/* ------------------------------------------------ stored parts of a stack */

/* The stack's environment as Heat shows it: the merged sections, hidden
 * parameters' values as ******. */
static int show_environment(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *rec, *request, *env, *params, *tparams, *x;
	const char *k;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack_full(req, &c)))
		return 0;
	request = json_object_get(rec, "request");
	x = json_object_get(request, "environment");
	env = json_is_object(x) ? json_deep_copy(x) : json_object();
	for (const char *const *s = (const char *const[]){"parameters", "parameter_defaults",
							  "resource_registry", "event_sinks", NULL};
	     *s; s++)
		if (!json_object_get(env, *s))
			json_object_set_new(env, *s,
					    strcmp(*s, "event_sinks") == 0 ? json_array()
									   : json_object());
	params = json_object_get(env, "parameters");
	if (json_is_object(json_object_get(request, "parameters")))
		json_object_update(params, json_object_get(request, "parameters"));
	tparams = json_object_get(json_object_get(request, "template"), "parameters");
	json_object_foreach (tparams, k, x)
		if (json_is_true(json_object_get(x, "hidden"))) {
			if (json_object_get(params, k))
				json_object_set_new(params, k, json_string("******"));
			if (json_object_get(json_object_get(env, "parameter_defaults"), k))
				json_object_set_new(json_object_get(env, "parameter_defaults"), k,
						    json_string("******"));
		}
	x = masked(rec, env);
	json_decref(env);
	json_decref(rec);
	return http_reply_json(req, 200, x);
}

static int show_files(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *rec, *files;

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack_full(req, &c)))
		return 0;
	files = json_object_get(json_object_get(rec, "request"), "files");
	files = json_is_object(files) ? masked(rec, files) : json_object();
	json_decref(rec);
	return http_reply_json(req, 200, files);
}

static int resource_metadata(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_t *rec, *all, *res, *md;
	const char *name = http_param(req, "res");

	(void)arg;
	if (!authorize(req, &c) || !(rec = find_stack(req, &c)))
		return 0;
	all = sdb_resources(str(rec, "id"), &e);
	json_decref(rec);
	if (!all)
		return http_herr(req, &e);
	res = json_object_get(all, name);
	if (!res) {
		json_decref(all);
		return http_error(req, 404, "ResourceNotFound",
				  "The Resource (%s) could not be found.", name);
	}
	md = json_object_get(res, "metadata");
	md = json_is_object(md) ? json_incref(md) : json_object();
	if (strcmp(str(res, "resource_type"), "OS::Nova::Server") == 0 &&
	    *str(res, "physical_resource_id")) { /* with its deployments, as agents see it */
		json_t *full = software_server_metadata(str(res, "physical_resource_id"), &e);
		json_t *cfn = json_object_get(json_object_get(full, "os-collect-config"), "cfn");

		herr_clear(&e);
		if (cfn) /* the guest's secret is the guest's */
			json_object_set_new(cfn, "secret_access_key", json_string("******"));
		if (full) {
			json_decref(md);
			md = full;
		}
	}
	json_decref(all);
	return http_reply_json(req, 200, json_pack("{s:o}", "metadata", md));
}

/* ----------------------------------------------------- about the service */

static int build_info(struct http_req *req, void *arg)
{
	struct caller c;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	return http_reply_json(req, 200,
			       json_pack("{s:{s:s},s:{s:s}}", "api", "revision", PACKAGE_VERSION,
					 "engine", "revision", PACKAGE_VERSION));
}

static int template_versions(struct http_req *req, void *arg)
{
	struct caller c;
	json_t *out;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	out = json_array();
	json_array_append_new(out, json_pack("{s:s,s:s,s:[]}", "version",
					     "AWSTemplateFormatVersion.2010-09-09", "type", "cfn",
					     "aliases"));
	json_array_append_new(out, json_pack("{s:s,s:s,s:[]}", "version",
					     "HeatTemplateFormatVersion.2012-12-12", "type", "cfn",
					     "aliases"));
	for (int v = 0; v < HOT_VERSION_COUNT; v++) {
		char name[64];
		json_t *aliases = json_array();

		snprintf(name, sizeof(name), "heat_template_version.%s", version_name(v));
		if (version_alias(v))
			json_array_append_new(aliases, json_string(version_alias(v)));
		json_array_append_new(out, json_pack("{s:s,s:s,s:o}", "version", name, "type",
						     "hot", "aliases", aliases));
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "template_versions", out));
}

static int resource_types(struct http_req *req, void *arg)
{
	struct caller c;
	const char *name = http_query(req, "name");
	json_t *out;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	out = json_array();
	for (size_t i = 0; i < rtype_count(); i++) {
		const char *t = rtype_name(rtype_at(i));

		if (!name || strstr(t, name))
			json_array_append_new(out, json_string(t));
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "resource_types", out));
}

/* A type's schema: its properties (required, update_allowed, immutable,
 * default) and attributes. */
static int resource_type(struct http_req *req, void *arg)
{
	struct caller c;
	const char *name = http_param(req, "type"), *p;
	const struct rtype *t;
	json_t *props, *attrs;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	if (!(t = rtype_find(name)))
		return http_error(req, 404, "EntityNotFound",
				  "The Resource Type (%s) could not be found.", name);
	props = json_object();
	for (size_t i = 0; (p = rtype_prop_at(t, i)); i++) {
		enum rtype_update u = rtype_prop_update(t, p);
		json_t *d = rtype_prop_default(t, p);
		json_t *o = json_pack("{s:b,s:b,s:b}", "required", rtype_prop_required(t, p),
				      "update_allowed", u == RTYPE_UPD_UPDATE, "immutable",
				      u == RTYPE_UPD_IMMUTABLE);

		if (d)
			json_object_set_new(o, "default", d);
		json_object_set_new(props, p, o);
	}
	attrs = json_object();
	{
		char *copy = strdup(rtype_attrs(t)), *save = NULL;

		for (char *a = copy ? strtok_r(copy, " ", &save) : NULL; a;
		     a = strtok_r(NULL, " ", &save))
			json_object_set_new(attrs, a, json_object());
		free(copy);
		json_object_set_new(
			attrs, "show",
			json_pack("{s:s}", "description", "Detailed information about resource."));
	}
	return http_reply_json(req, 200,
			       json_pack("{s:s,s:o,s:o,s:{s:s}}", "resource_type", name,
					 "properties", props, "attributes", attrs, "support_status",
					 "status", "SUPPORTED"));
}

/* Heat's parameter types as validate shows them. */
static const char *param_type(const char *t)
{
	return strcmp(t, "number") == 0                 ? "Number"
	       : strcmp(t, "comma_delimited_list") == 0 ? "CommaDelimitedList"
	       : strcmp(t, "json") == 0                 ? "Json"
	       : strcmp(t, "boolean") == 0              ? "Boolean"
							: "String";
}

/* POST /validate: the template checked whole (with the given parameters
 * and environment); 200 with its parameters described, or 400 with every
 * error. */
static int validate(struct http_req *req, void *arg)
{
	struct caller c;
	json_error_t je;
	size_t len, i;
	const char *text = http_body(req, &len), *k;
	json_t *body, *request, *def, *parsed, *out, *params, *p, *cs, *x;
	char *errors = NULL;

	(void)arg;
	if (!authorize(req, &c))
		return 0;
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	if (!json_is_object(body))
		return http_error(req, 400, "BadRequest", "The request body is not a JSON object");
	request = request_of(body);
	json_decref(body);
	def = lc_validate(request, c.project, &errors, &parsed);
	json_decref(request);
	if (!def) {
		int rc = http_error(req, 400, "StackValidationFailed", "%s",
				    errors ? errors : "invalid template");

		free(errors);
		json_decref(parsed);
		return rc;
	}
	params = json_object();
	json_object_foreach (json_object_get(parsed, "parameters"), k, p) {
		bool hidden = json_is_true(json_object_get(p, "hidden"));
		json_t *o = json_pack(
			"{s:s,s:s,s:s,s:s}", "Type", param_type(str(p, "type")), "Description",
			str(p, "description"), "NoEcho", hidden ? "true" : "false", "Label",
			json_is_string(json_object_get(p, "label")) ? str(p, "label") : k);

		if ((x = json_object_get(p, "default")))
			json_object_set_new(o, "Default",
					    hidden ? json_string("******") : json_incref(x));
		if ((x = json_object_get(json_object_get(def, "parameters"), k)) &&
		    !json_is_null(x))
			json_object_set_new(o, "Value",
					    hidden ? json_string("******") : param_text(x));
		cs = json_object_get(p, "constraints");
		json_array_foreach (cs, i, x) {
			json_t *v;

			if ((v = json_object_get(x, "allowed_values")))
				json_object_set(o, "AllowedValues", v);
			if ((v = json_object_get(x, "allowed_pattern")))
				json_object_set(o, "AllowedPattern", v);
			if ((v = json_object_get(x, "custom_constraint")))
				json_object_set(o, "CustomConstraint", v);
			if ((v = json_object_get(json_object_get(x, "length"), "min")))
				json_object_set(o, "MinLength", v);
			if ((v = json_object_get(json_object_get(x, "length"), "max")))
				json_object_set(o, "MaxLength", v);
			if ((v = json_object_get(json_object_get(x, "range"), "min")))
				json_object_set(o, "MinValue", v);
			if ((v = json_object_get(json_object_get(x, "range"), "max")))
				json_object_set(o, "MaxValue", v);
			if ((v = json_object_get(x, "description")))
				json_object_set(o, "ConstraintDescription", v);
		}
		json_object_set_new(params, k, o);
	}
	out = json_pack("{s:s,s:o}", "Description",
			json_is_string(json_object_get(parsed, "description"))
				? str(parsed, "description")
				: "No description",
			"Parameters", params);
	if (json_is_array(json_object_get(parsed, "parameter_groups")))
		json_object_set(out, "ParameterGroups",
				json_object_get(parsed, "parameter_groups"));
	json_decref(parsed);
	json_decref(def);
	return http_reply_json(req, 200, out);
}

/* ---------------------------------------------------------------- tokens */

static void new_token(char out[65])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, 65, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

static int create_token(struct http_req *req, void *arg)
{
	struct caller c;
	struct herr e = HERR_INIT;
	json_error_t je;
	size_t len;
	const char *text = http_body(req, &len), *project, *role;
	json_t *body;
	char token[65];
	int rc;

	(void)arg;
	if (!authenticate(req, &c))
		return 0;
	if (!c.admin)
		return http_error(req, 403, "Forbidden", "Only an admin token can issue tokens");
	body = text ? json_loadb(text, len, 0, &je) : NULL;
	project = json_string_value(json_object_get(body, "project"));
	role = json_string_value(json_object_get(body, "role")) ?: "member";
	if (!safe_name(project) || (strcmp(role, "member") != 0 && strcmp(role, "admin") != 0)) {
		json_decref(body);
		return http_error(req, 400, "BadRequest",
				  "Send {\"project\": NAME (1 to 64 of letters, digits, '_', '.', "
				  "'-'), \"role\": \"member\" or \"admin\"}");
	}
	new_token(token);
	if (sdb_token_put(token, project, role, &e) < 0) {
		json_decref(body);
		return http_herr(req, &e);
	}
	log_info("api", "token issued for project %s role %s", project, role);
	rc = http_reply_json(
		req, 201,
		json_pack("{s:s,s:s,s:s}", "token", token, "project", project, "role", role));
	sodium_memzero(token, sizeof(token));
	json_decref(body);
	return rc;
}

/* Who the caller is: lets a client with nothing but a token find its
 * project. */
static int token_self(struct http_req *req, void *arg)
{
	struct caller c;

	(void)arg;
	if (!authenticate(req, &c))
		return 0;
	return http_reply_json(
		req, 200,
		json_pack("{s:s,s:s}", "project", c.project, "role", c.admin ? "admin" : "member"));
}

int api_admin_token(const char *path, struct herr *e)
{
	char token[80] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, token, sizeof(token) - 1);

		close(fd);
		token[n > 0 ? n : 0] = '\0';
		token[strcspn(token, "\r\n")] = '\0';
	}
	if (strlen(token) < 32) {
		new_token(token);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, token, strlen(token)) != (ssize_t)strlen(token) ||
		    write(fd, "\n", 1) != 1) {
			herr_errno(e, errno, "cannot write %s", path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	if (sdb_token_put(token, "admin", "admin", e) < 0)
		return -1;
	sodium_memzero(token, sizeof(token));
	return 0;
}

/* ---------------------------------------------------------------- routes */

const struct http_route api_routes[] = {
	{"POST", "/v1/admin/tokens", create_token, NULL},
	{"GET", "/v1/tokens/self", token_self, NULL},
	{"POST", "/v1/{project}/stacks/preview", preview_stack, NULL},
	{"POST", "/v1/{project}/stacks", create_stack, NULL},
	{"GET", "/v1/{project}/stacks", list_stacks, NULL},
	{"GET", "/v1/{project}/stacks/{name}", lookup, NULL},
	{"DELETE", "/v1/{project}/stacks/{name}", delete_lookup, NULL},
	{"PUT", "/v1/{project}/stacks/{name}", lookup, NULL},
	{"PATCH", "/v1/{project}/stacks/{name}", lookup, NULL},
	{"PUT", "/v1/{project}/stacks/{name}/{id}/preview", update_preview, NULL},
	{"PATCH", "/v1/{project}/stacks/{name}/{id}/preview", update_preview, NULL},
	{"PUT", "/v1/{project}/stacks/{name}/{id}", update_stack, NULL},
	{"PATCH", "/v1/{project}/stacks/{name}/{id}", update_stack, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}", show_stack, NULL},
	{"DELETE", "/v1/{project}/stacks/{name}/{id}", delete_stack, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/outputs", list_outputs, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/outputs/{key}", show_output, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/resources", list_resources, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/resources/{res}", show_resource, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/events", list_events, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/template", show_template, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/environment", show_environment, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/files", show_files, NULL},
	{"GET", "/v1/{project}/stacks/{name}/{id}/resources/{res}/metadata", resource_metadata,
	 NULL},
	{"POST", "/v1/{project}/stacks/{name}/{id}/actions", stack_action, NULL},
	{"POST", "/v1/{project}/stacks/{name}/actions", lookup_post, NULL},
	{"POST", "/v1/{project}/validate", validate, NULL},
	{"GET", "/v1/{project}/build_info", build_info, NULL},
	{"GET", "/v1/{project}/template_versions", template_versions, NULL},
	{"GET", "/v1/{project}/resource_types", resource_types, NULL},
	{"GET", "/v1/{project}/resource_types/{type}", resource_type, NULL},
};
const int api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
