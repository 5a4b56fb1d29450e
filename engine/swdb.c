/* Software configs and deployments in Redis (see swdb.h). */
#include "engine/swdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/store.h"
#include "engine/stackdb.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

/* ---------------------------------------------------------------- configs */

static const char *const types[] = {"String", "Number", "CommaDelimitedList", "Json", "Boolean"};

/* A boolean property as templates give it: true, or a string "true". */
static bool truthy(json_t *v)
{
	return json_is_true(v) ||
	       (json_is_string(v) && (strcasecmp(json_string_value(v), "true") == 0 ||
				      strcmp(json_string_value(v), "1") == 0 ||
				      strcasecmp(json_string_value(v), "yes") == 0 ||
				      strcasecmp(json_string_value(v), "on") == 0 ||
				      strcasecmp(json_string_value(v), "t") == 0 ||
				      strcasecmp(json_string_value(v), "y") == 0));
}

static bool known_type(const char *t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

/* One input or output, normalised; NULL with why. */
static json_t *io_item(json_t *in, bool output, size_t i, char *why, size_t size)
{
	const char *kind = output ? "outputs" : "inputs";
	json_t *o, *v;

	if (!json_is_object(in) || !json_is_string(json_object_get(in, "name"))) {
		snprintf(why, size, "%s[%zu]: a name (a string) is required", kind, i);
		return NULL;
	}
	v = json_object_get(in, "type");
	if (v && !json_is_null(v) && !(json_is_string(v) && known_type(json_string_value(v)))) {
		snprintf(why, size,
			 "%s[%zu].type: must be String, Number, CommaDelimitedList, "
			 "Json or Boolean",
			 kind, i);
		return NULL;
	}
	o = json_object();
	json_object_set(o, "name", json_object_get(in, "name"));
	if (json_is_string(json_object_get(in, "description")))
		json_object_set(o, "description", json_object_get(in, "description"));
	json_object_set_new(o, "type",
			    json_string(json_is_string(v) ? json_string_value(v) : "String"));
	if (output) {
		json_object_set_new(o, "error_output",
				    json_boolean(truthy(json_object_get(in, "error_output"))));
	} else {
		if ((v = json_object_get(in, "default")) && !json_is_null(v))
			json_object_set(o, "default", v);
		if (truthy(json_object_get(in, "replace_on_change")))
			json_object_set_new(o, "replace_on_change", json_true());
		if ((v = json_object_get(in, "value")))
			json_object_set(o, "value", v);
	}
	return o;
}

static json_t *io_list(json_t *list, bool output, char *why, size_t size)
{
	json_t *out = json_array(), *x, *o;
	size_t i;

	if (list && !json_is_null(list) && !json_is_array(list)) {
		snprintf(why, size, "%s: must be a list", output ? "outputs" : "inputs");
		json_decref(out);
		return NULL;
	}
	json_array_foreach (list, i, x) {
		if (!(o = io_item(x, output, i, why, size))) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(out, o);
	}
	return out;
}

json_t *swdb_config_make(const char *project, const char *name, const char *group, json_t *config,
			 json_t *inputs, json_t *outputs, json_t *options, char *why, size_t size)
{
	char id[SDB_ID_SIZE], now[21];
	json_t *in = io_list(inputs, false, why, size), *out;

	if (!in)
		return NULL;
	if (!(out = io_list(outputs, true, why, size))) {
		json_decref(in);
		return NULL;
	}
	sdb_uuid(id);
	sdb_now(now);
	return json_pack("{s:s,s:s,s:s,s:s,s:O,s:o,s:o,s:O,s:s}", "id", id, "name", name, "group",
			 group && *group ? group : "Heat::Ungrouped", "creation_time", now,
			 "config", config ? config : json_null(), "inputs", in, "outputs", out,
			 "options", json_is_object(options) ? options : json_object(), "project",
			 project);
}

static void key(char *out, size_t size, const char *kind, const char *id)
{
	snprintf(out, size, "hearth:%s:%s", kind, id);
}

static json_t *get_json(const char *kind, const char *id, const char *what, struct herr *e)
{
	char k[128];
	struct store_reply *r;
	json_t *v = NULL;

	if (strlen(id) >= 64) {
		herr_set(e, HERR_NOT_FOUND, "%s %s not found", what, id);
		return NULL;
	}
	key(k, sizeof(k), kind, id);
	if (!(r = store_cmdv(e, "GET", k, NULL)))
		return NULL;
	if (store_reply_type(r) == STORE_STR)
		v = json_loads(store_reply_str(r, NULL), 0, NULL);
	store_reply_free(&r);
	if (!v)
		herr_set(e, HERR_NOT_FOUND, "%s %s not found", what, id);
	return v;
}

int swdb_config_put(json_t *cfg, struct herr *e)
{
	char k[128], ik[200], score[32];
	char *text = json_dumps(cfg, JSON_COMPACT);
	struct store_reply *r;

	if (!text) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	key(k, sizeof(k), "sc", str(cfg, "id"));
	snprintf(ik, sizeof(ik), "hearth:sc:project:%s", str(cfg, "project"));
	snprintf(score, sizeof(score), "%llu", (unsigned long long)(sdb_wall_ns() / 1000));
	r = store_cmdv(e, "EVAL",
		       "redis.call('SET', KEYS[1], ARGV[1])\n"
		       "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])\nreturn 1\n",
		       "2", k, ik, text, score, str(cfg, "id"), NULL);
	store_reply_free(&r);
	free(text);
	return herr_isset(e) ? -1 : 0;
}

json_t *swdb_config_get(const char *id, struct herr *e)
{
	return get_json("sc", id, "Software config", e);
}

int swdb_config_delete(const char *id, struct herr *e)
{
	json_t *cfg = swdb_config_get(id, e);
	char k[128], ik[200];
	struct store_reply *r;

	if (!cfg)
		return -1;
	key(k, sizeof(k), "sc", id);
	snprintf(ik, sizeof(ik), "hearth:sc:project:%s", str(cfg, "project"));
	json_decref(cfg);
	r = store_cmdv(e, "EVAL",
		       "redis.call('DEL', KEYS[1])\nredis.call('ZREM', KEYS[2], ARGV[1])\n"
		       "return 1\n",
		       "2", k, ik, id, NULL);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}

/* The JSON documents of the ids in r (an array reply), those that exist. */
static json_t *load_all(const char *kind, struct store_reply *ids, struct herr *e)
{
	json_t *out = json_array();

	for (size_t i = 0; i < store_reply_count(ids); i++) {
		const char *id = store_reply_str(store_reply_elem(ids, i), NULL);
		json_t *v = id ? get_json(kind, id, "", e) : NULL;

		if (v)
			json_array_append_new(out, v);
		else if (e->code == HERR_NOT_FOUND)
			herr_clear(e);
		else
			break;
	}
	if (herr_isset(e)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *swdb_config_list(const char *project, struct herr *e)
{
	char ik[200];
	struct store_reply *r;
	json_t *out;

	snprintf(ik, sizeof(ik), "hearth:sc:project:%s", project);
	if (!(r = store_cmdv(e, "ZRANGE", ik, "0", "-1", NULL)))
		return NULL;
	out = load_all("sc", r, e);
	store_reply_free(&r);
	return out;
}

/* ------------------------------------------------------------ deployments */

int swdb_deployment_put(json_t *dep, const char *old_server, struct herr *e)
{
	/* KEYS: the deployment, its project's set, its server's set, the old
	 * server's set, the mtime hash.  ARGV: the JSON, id, server, old
	 * server, now. */
	static const char lua[] = "redis.call('SET', KEYS[1], ARGV[1])\n"
				  "redis.call('SADD', KEYS[2], ARGV[2])\n"
				  "if KEYS[4] ~= KEYS[3] then\n"
				  "  redis.call('SREM', KEYS[4], ARGV[2])\n"
				  "  redis.call('HSET', KEYS[5], ARGV[4], ARGV[5])\n"
				  "  redis.call('XADD', '" SWDB_CHANGES
				  "', 'MAXLEN', '~', '10000', '*', 's', ARGV[4])\n"
				  "end\n"
				  "redis.call('SADD', KEYS[3], ARGV[2])\n"
				  "redis.call('HSET', KEYS[5], ARGV[3], ARGV[5])\n"
				  "redis.call('XADD', '" SWDB_CHANGES
				  "', 'MAXLEN', '~', '10000', '*', 's', ARGV[3])\n"
				  "return 1\n";
	const char *server = str(dep, "server_id");
	char k[128], pk[200], sk[200], ok[200], now[24];
	char *text = json_dumps(dep, JSON_COMPACT);
	struct store_reply *r;

	if (!text) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	if (!old_server || !*old_server)
		old_server = server;
	key(k, sizeof(k), "sd", str(dep, "id"));
	snprintf(pk, sizeof(pk), "hearth:sd:project:%s", str(dep, "project"));
	snprintf(sk, sizeof(sk), "hearth:sd:server:%s", server);
	snprintf(ok, sizeof(ok), "hearth:sd:server:%s", old_server);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	r = store_cmdv(e, "EVAL", lua, "5", k, pk, sk, ok, "hearth:sd:mtime", text, str(dep, "id"),
		       server, old_server, now, NULL);
	store_reply_free(&r);
	free(text);
	return herr_isset(e) ? -1 : 0;
}

json_t *swdb_deployment_get(const char *id, struct herr *e)
{
	return get_json("sd", id, "Software deployment", e);
}

int swdb_deployment_delete(const char *id, struct herr *e)
{
	json_t *dep = swdb_deployment_get(id, e);
	char k[128], pk[200], sk[200], now[24];
	struct store_reply *r;

	if (!dep)
		return -1;
	key(k, sizeof(k), "sd", id);
	snprintf(pk, sizeof(pk), "hearth:sd:project:%s", str(dep, "project"));
	snprintf(sk, sizeof(sk), "hearth:sd:server:%s", str(dep, "server_id"));
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	r = store_cmdv(e, "EVAL",
		       "redis.call('DEL', KEYS[1])\nredis.call('SREM', KEYS[2], ARGV[1])\n"
		       "redis.call('SREM', KEYS[3], ARGV[1])\n"
		       "redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])\n"
		       "redis.call('XADD', '" SWDB_CHANGES
		       "', 'MAXLEN', '~', '10000', '*', 's', ARGV[2])\nreturn 1\n",
		       "4", k, pk, sk, "hearth:sd:mtime", id, str(dep, "server_id"), now, NULL);
	store_reply_free(&r);
	json_decref(dep);
	return herr_isset(e) ? -1 : 0;
}

static int by_time(const void *a, const void *b)
{
	return strcmp(str(*(json_t *const *)a, "creation_time"),
		      str(*(json_t *const *)b, "creation_time"));
}

json_t *swdb_deployment_list(const char *project, const char *server, struct herr *e)
{
	char k[200];
	struct store_reply *r;
	json_t *all, *out, *d;
	size_t i, n;
	json_t **v;

	if (server)
		snprintf(k, sizeof(k), "hearth:sd:server:%s", server);
	else
		snprintf(k, sizeof(k), "hearth:sd:project:%s", project);
	if (!(r = store_cmdv(e, "SMEMBERS", k, NULL)))
		return NULL;
	all = load_all("sd", r, e);
	store_reply_free(&r);
	if (!all)
		return NULL;
	n = json_array_size(all);
	v = calloc(n + 1, sizeof(*v));
	out = json_array();
	json_array_foreach (all, i, d)
		v[i] = d;
	if (v)
		qsort(v, n, sizeof(*v), by_time);
	for (i = 0; v && i < n; i++)
		if (!project || strcmp(str(v[i], "project"), project) == 0)
			json_array_append(out, v[i]);
	free(v);
	json_decref(all);
	return out;
}

int swdb_deployment_settle(json_t *dep, struct herr *e)
{
	static const char lua[] =
		"local cur = redis.call('GET', KEYS[1])\n"
		"if not cur then return 0 end\n"
		"local d = cjson.decode(cur)\n"
		"if d['status'] ~= 'IN_PROGRESS' or d['config_id'] ~= ARGV[2] then\n"
		"  return 0 end\n"
		"redis.call('SET', KEYS[1], ARGV[1])\n"
		"return 1\n";
	char k[128];
	char *text = json_dumps(dep, JSON_COMPACT);
	struct store_reply *r;
	int rc;

	if (!text) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	key(k, sizeof(k), "sd", str(dep, "id"));
	r = store_cmdv(e, "EVAL", lua, "1", k, text, str(dep, "config_id"), NULL);
	free(text);
	rc = r ? (int)store_reply_int(r) : -1;
	store_reply_free(&r);
	return rc;
}

/* --------------------------------------------------------------- servers */

static int by_name(const void *a, const void *b)
{
	int c = strcmp(str(*(json_t *const *)a, "name"), str(*(json_t *const *)b, "name"));

	return c ? c : strcmp(str(*(json_t *const *)a, "id"), str(*(json_t *const *)b, "id"));
}

json_t *swdb_server_deployments(const char *server, struct herr *e)
{
	json_t *deps = swdb_deployment_list(NULL, server, e), *out, *d, **v;
	size_t i, n = 0;

	if (!deps)
		return NULL;
	v = calloc(json_array_size(deps) + 1, sizeof(*v));
	json_array_foreach (deps, i, d) {
		json_t *cfg = v ? swdb_config_get(str(d, "config_id"), e) : NULL;

		if (cfg) {
			json_object_del(cfg, "project");
			v[n++] = cfg;
		} else if (e->code == HERR_NOT_FOUND) {
			herr_clear(e); /* its config is gone: Heat leaves it out */
		} else {
			break;
		}
	}
	json_decref(deps);
	if (v)
		qsort(v, n, sizeof(*v), by_name);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	if (herr_isset(e)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

long long swdb_server_mtime(const char *server, struct herr *e)
{
	struct store_reply *r = store_cmdv(e, "HGET", "hearth:sd:mtime", server, NULL);
	long long t;

	if (!r)
		return -1;
	t = store_reply_type(r) == STORE_STR ? atoll(store_reply_str(r, NULL)) : 0;
	store_reply_free(&r);
	return t;
}

int swdb_server_touch(const char *server, struct herr *e)
{
	char now[24];
	struct store_reply *r;

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	r = store_cmdv(e, "EVAL",
		       "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
		       "redis.call('XADD', '" SWDB_CHANGES
		       "', 'MAXLEN', '~', '10000', '*', 's', ARGV[1])\nreturn 1\n",
		       "1", "hearth:sd:mtime", server, now, NULL);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}

json_t *swdb_derive_inputs(json_t *declared, json_t *input_values, json_t *implicit)
{
	json_t *out = json_array(), *x, *v;
	const char *k;
	size_t i;

	json_array_foreach (declared, i, x) {
		json_t *in = json_deep_copy(x);
		const char *name = str(x, "name");

		v = json_object_get(input_values, name);
		json_object_set(in, "value",
				v ? v : (json_object_get(x, "default") ?: json_null()));
		json_array_append_new(out, in);
	}
	json_object_foreach (input_values, k, v) {
		bool known = false;

		json_array_foreach (declared, i, x)
			known |= strcmp(str(x, "name"), k) == 0;
		if (!known)
			json_array_append_new(out, json_pack("{s:s,s:s,s:O}", "name", k, "type",
							     "String", "value", v));
	}
	json_array_foreach (implicit, i, x)
		json_array_append_new(
			out, json_pack("{s:O,s:s,s:O,s:O}", "name", json_object_get(x, "name"),
				       "type", "String", "value", json_object_get(x, "value"),
				       "description", json_object_get(x, "description")));
	return out;
}
