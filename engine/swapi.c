/* software_configs and software_deployments (see swapi.h). */
#include "engine/swapi.h"

#include <stdio.h>
#include <string.h>

#include "engine/api.h"
#include "engine/stackdb.h"
#include "engine/swdb.h"
#include "engine/wait.h"
#include "common/store.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

/* The request's JSON object body, or NULL (answered). */
static json_t *body_object(struct http_req *req)
{
	size_t len;
	const char *body = http_body(req, &len);
	json_error_t je;
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);

	if (!json_is_object(v)) {
		json_decref(v);
		http_error(req, 400, "BadRequest", "The body must be a JSON object%s%s",
			   v ? "" : ": ", v ? "" : je.text);
		return NULL;
	}
	return v;
}

/* A stored document of the caller's project (new reference), or NULL
 * (answered 404). */
static json_t *own(struct http_req *req, json_t *v, const char *project, const char *what,
		   const char *id, const struct herr *e)
{
	if (!v && e->code != HERR_NOT_FOUND) {
		http_herr(req, e);
		return NULL;
	}
	if (!v || strcmp(str(v, "project"), project) != 0) {
		json_decref(v);
		http_error(req, 404, "NotFound", "%s (%s) could not be found.", what, id);
		return NULL;
	}
	return v;
}

/* What the API shows of a stored document. */
static json_t *shown(json_t *v)
{
	json_t *out = json_deep_copy(v);

	json_object_del(out, "project");
	json_object_del(out, "stack_id");
	json_object_del(out, "resource");
	return out;
}

/* Answers {key: what the API shows of v} and drops v. */
static int reply(struct http_req *req, const char *key, json_t *v)
{
	json_t *out = shown(v);

	json_decref(v);
	return http_reply_json(req, 200, json_pack("{s:o}", key, out));
}

/* ---------------------------------------------------------------- configs */

static int config_create(struct http_req *req, void *arg)
{
	char project[128], why[300];
	struct herr e = HERR_INIT;
	json_t *b, *cfg, *v;

	(void)arg;
	if (!api_authorize(req, project) || !(b = body_object(req)))
		return 0;
	v = json_object_get(b, "name");
	if (!json_is_string(v) || !*json_string_value(v)) {
		json_decref(b);
		return http_error(req, 400, "BadRequest", "name (a string) is required");
	}
	v = json_object_get(b, "group");
	if (v && !json_is_string(v)) {
		json_decref(b);
		return http_error(req, 400, "BadRequest", "group must be a string");
	}
	v = json_object_get(b, "options");
	if (v && !json_is_null(v) && !json_is_object(v)) {
		json_decref(b);
		return http_error(req, 400, "BadRequest", "options must be a map");
	}
	cfg = swdb_config_make(project, str(b, "name"), str(b, "group"),
			       json_object_get(b, "config"), json_object_get(b, "inputs"),
			       json_object_get(b, "outputs"), json_object_get(b, "options"), why,
			       sizeof(why));
	json_decref(b);
	if (!cfg)
		return http_error(req, 400, "BadRequest", "%s", why);
	if (swdb_config_put(cfg, &e) < 0) {
		json_decref(cfg);
		return http_herr(req, &e);
	}
	return reply(req, "software_config", cfg);
}

static int config_show(struct http_req *req, void *arg)
{
	char project[128];
	const char *id = http_param(req, "id");
	struct herr e = HERR_INIT;
	json_t *cfg;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	cfg = swdb_config_get(id, &e);
	if (!(cfg = own(req, cfg, project, "Software config", id, &e)))
		return 0;
	return reply(req, "software_config", cfg);
}

static int config_list(struct http_req *req, void *arg)
{
	char project[128];
	struct herr e = HERR_INIT;
	json_t *all, *out, *x;
	size_t i;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	if (!(all = swdb_config_list(project, &e)))
		return http_herr(req, &e);
	out = json_array();
	json_array_foreach (all, i, x)
		json_array_append_new(out,
				      json_pack("{s:O,s:O,s:O,s:O}", "id", json_object_get(x, "id"),
						"name", json_object_get(x, "name"), "group",
						json_object_get(x, "group"), "creation_time",
						json_object_get(x, "creation_time")));
	json_decref(all);
	return http_reply_json(req, 200, json_pack("{s:o}", "software_configs", out));
}

static int config_delete(struct http_req *req, void *arg)
{
	char project[128];
	const char *id = http_param(req, "id");
	struct herr e = HERR_INIT;
	json_t *cfg;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	cfg = swdb_config_get(id, &e);
	if (!(cfg = own(req, cfg, project, "Software config", id, &e)))
		return 0;
	json_decref(cfg);
	if (swdb_config_delete(id, &e) < 0)
		return http_herr(req, &e);
	return http_reply(req, 204, NULL, "", 0);
}

/* ------------------------------------------------------------ deployments */

static const char *const statuses[] = {"IN_PROGRESS", "COMPLETE", "FAILED"};

/* Copies the writable fields of b into dep: NULL, or what is wrong. */
static const char *apply(json_t *dep, json_t *b)
{
	static const char *const strings[] = {"config_id", "action", "status", "status_reason"};
	static const char *const maps[] = {"input_values", "output_values"};
	const char *k;
	json_t *v;

	json_object_foreach (b, k, v) {
		bool known = strcmp(k, "server_id") == 0 || strcmp(k, "stack_user_project_id") == 0;

		for (size_t i = 0; i < 4; i++)
			if (strcmp(k, strings[i]) == 0) {
				if (!json_is_string(v))
					return "config_id, action, status and status_reason are "
					       "strings";
				known = true;
			}
		for (size_t i = 0; i < 2; i++)
			if (strcmp(k, maps[i]) == 0) {
				if (!json_is_object(v))
					return "input_values and output_values are maps";
				known = true;
			}
		if (!known)
			return "unknown key (the keys are config_id, server_id, input_values, "
			       "output_values, action, status, status_reason)";
	}
	if ((v = json_object_get(b, "status"))) {
		bool ok = false;

		for (size_t i = 0; i < 3; i++)
			ok |= strcmp(json_string_value(v), statuses[i]) == 0;
		if (!ok)
			return "status is IN_PROGRESS, COMPLETE or FAILED";
	}
	json_object_foreach (b, k, v)
		if (strcmp(k, "server_id") != 0 && strcmp(k, "stack_user_project_id") != 0)
			json_object_set(dep, k, v);
	return NULL;
}

/* A deployment of a stack's resource changed by hand: the stack's
 * waiting engine looks again. */
static void wake(json_t *dep)
{
	struct herr e = HERR_INIT;
	char k[128];
	struct store_reply *r;

	if (!*str(dep, "stack_id"))
		return;
	wait_wake_key(str(dep, "stack_id"), k, sizeof(k));
	r = store_cmdv(&e, "XADD", k, "MAXLEN", "~", "64", "*", "s", "api", NULL);
	store_reply_free(&r);
}

static int deployment_create(struct http_req *req, void *arg)
{
	char project[128], id[SDB_ID_SIZE], now[21];
	struct herr e = HERR_INIT;
	json_t *b, *dep, *cfg;
	const char *bad;

	(void)arg;
	if (!api_authorize(req, project) || !(b = body_object(req)))
		return 0;
	if (!json_is_string(json_object_get(b, "server_id")) ||
	    !json_is_string(json_object_get(b, "config_id"))) {
		json_decref(b);
		return http_error(req, 400, "BadRequest", "config_id and server_id are required");
	}
	cfg = swdb_config_get(str(b, "config_id"), &e);
	if (!(cfg = own(req, cfg, project, "Software config", str(b, "config_id"), &e))) {
		json_decref(b);
		return 0;
	}
	json_decref(cfg);
	sdb_uuid(id);
	sdb_now(now);
	dep = json_pack("{s:s,s:O,s:O,s:{},s:{},s:s,s:s,s:s,s:s,s:s}", "id", id, "config_id",
			json_object_get(b, "config_id"), "server_id",
			json_object_get(b, "server_id"), "input_values", "output_values", "action",
			"INIT", "status", "COMPLETE", "status_reason", "", "creation_time", now,
			"project", project);
	if ((bad = apply(dep, b))) {
		json_decref(b);
		json_decref(dep);
		return http_error(req, 400, "BadRequest", "%s", bad);
	}
	json_decref(b);
	if (swdb_deployment_put(dep, NULL, &e) < 0) {
		json_decref(dep);
		return http_herr(req, &e);
	}
	return reply(req, "software_deployment", dep);
}

static int deployment_show(struct http_req *req, void *arg)
{
	char project[128];
	const char *id = http_param(req, "id");
	struct herr e = HERR_INIT;
	json_t *dep;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	dep = swdb_deployment_get(id, &e);
	if (!(dep = own(req, dep, project, "Software deployment", id, &e)))
		return 0;
	return reply(req, "software_deployment", dep);
}

static int deployment_update(struct http_req *req, void *arg)
{
	char project[128], now[21];
	const char *id = http_param(req, "id"), *bad;
	struct herr e = HERR_INIT;
	json_t *dep, *b, *cfg;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	dep = swdb_deployment_get(id, &e);
	if (!(dep = own(req, dep, project, "Software deployment", id, &e)))
		return 0;
	if (!(b = body_object(req))) {
		json_decref(dep);
		return 0;
	}
	if (json_is_string(json_object_get(b, "config_id"))) {
		cfg = swdb_config_get(str(b, "config_id"), &e);
		if (!(cfg = own(req, cfg, project, "Software config", str(b, "config_id"), &e))) {
			json_decref(b);
			json_decref(dep);
			return 0;
		}
		json_decref(cfg);
	}
	if ((bad = apply(dep, b))) {
		json_decref(b);
		json_decref(dep);
		return http_error(req, 400, "BadRequest", "%s", bad);
	}
	json_decref(b);
	sdb_now(now);
	json_object_set_new(dep, "updated_time", json_string(now));
	if (swdb_deployment_put(dep, NULL, &e) < 0) {
		json_decref(dep);
		return http_herr(req, &e);
	}
	wake(dep);
	return reply(req, "software_deployment", dep);
}

static int deployment_list(struct http_req *req, void *arg)
{
	char project[128];
	struct herr e = HERR_INIT;
	json_t *all, *out, *x;
	size_t i;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	if (!(all = swdb_deployment_list(project, http_query(req, "server_id"), &e)))
		return http_herr(req, &e);
	out = json_array();
	json_array_foreach (all, i, x)
		json_array_append_new(out, shown(x));
	json_decref(all);
	return http_reply_json(req, 200, json_pack("{s:o}", "software_deployments", out));
}

static int deployment_delete(struct http_req *req, void *arg)
{
	char project[128];
	const char *id = http_param(req, "id");
	struct herr e = HERR_INIT;
	json_t *dep;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	dep = swdb_deployment_get(id, &e);
	if (!(dep = own(req, dep, project, "Software deployment", id, &e)))
		return 0;
	json_decref(dep);
	if (swdb_deployment_delete(id, &e) < 0)
		return http_herr(req, &e);
	return http_reply(req, 204, NULL, "", 0);
}

static int server_metadata(struct http_req *req, void *arg)
{
	char project[128];
	struct herr e = HERR_INIT;
	json_t *deps, *mine, *all, *x;
	size_t i;

	(void)arg;
	if (!api_authorize(req, project))
		return 0;
	/* only servers the project deploys to */
	if (!(all = swdb_deployment_list(project, http_param(req, "server"), &e)))
		return http_herr(req, &e);
	mine = json_array();
	if (json_array_size(all) &&
	    (deps = swdb_server_deployments(http_param(req, "server"), &e))) {
		json_array_foreach (deps, i, x) {
			json_t *cfg = swdb_config_get(str(x, "id"), &e);

			herr_clear(&e);
			if (cfg && strcmp(str(cfg, "project"), project) == 0)
				json_array_append(mine, x);
			json_decref(cfg);
		}
		json_decref(deps);
	}
	json_decref(all);
	if (herr_isset(&e)) {
		json_decref(mine);
		return http_herr(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "metadata", mine));
}

const struct http_route swapi_routes[] = {
	{"POST", "/v1/{project}/software_configs", config_create, NULL},
	{"GET", "/v1/{project}/software_configs", config_list, NULL},
	{"GET", "/v1/{project}/software_configs/{id}", config_show, NULL},
	{"DELETE", "/v1/{project}/software_configs/{id}", config_delete, NULL},
	{"POST", "/v1/{project}/software_deployments", deployment_create, NULL},
	{"GET", "/v1/{project}/software_deployments", deployment_list, NULL},
	{"GET", "/v1/{project}/software_deployments/metadata/{server}", server_metadata, NULL},
	{"GET", "/v1/{project}/software_deployments/{id}", deployment_show, NULL},
	{"PUT", "/v1/{project}/software_deployments/{id}", deployment_update, NULL},
	{"DELETE", "/v1/{project}/software_deployments/{id}", deployment_delete, NULL},
};
const int swapi_nroutes = sizeof(swapi_routes) / sizeof(swapi_routes[0]);
