/* Stacks in Redis (see stackdb.h). */
#include "engine/stackdb.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/store.h"

#define JOBS     "hearth:jobs"
#define GROUP    "engine"
#define KEY_SIZE 128

static void key(char *buf, const char *id, const char *suffix)
{
	snprintf(buf, KEY_SIZE, "hearth:stack:{%s}%s", id, suffix);
}

void sdb_uuid(char out[SDB_ID_SIZE])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, SDB_ID_SIZE,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

void sdb_now(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t sdb_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static char *text_of(json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v))
				 : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* A stack's new state in one step: its record's fields, optionally its
 * request and pending update (keys of their own), and the event.
 * KEYS: record, events, request, pending.  ARGV: the number of field
 * pairs, the pairs, the event, the request ("" to leave it), the pending
 * update ("" to leave it, "-" to drop it). */
static const char state_lua[] = "local n = tonumber(ARGV[1])\n"
				"redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * n))\n"
				"local req, pend = ARGV[3 + 2 * n], ARGV[4 + 2 * n]\n"
				"if req ~= '' then redis.call('SET', KEYS[3], req) end\n"
				"if pend == '-' then redis.call('DEL', KEYS[4])\n"
				"elseif pend ~= '' then redis.call('SET', KEYS[4], pend) end\n"
				"return redis.call('XADD', KEYS[2], '*', 'e', ARGV[2 + 2 * n])\n";

static int set_with_event(const char *id, json_t *fields, json_t *event, struct herr *e)
{
	size_t n = json_object_size(fields), argc = 0, i = 0, pairs = 0;
	const char **argv = calloc(2 * n + 12, sizeof(*argv));
	char **own = calloc(2 * n + 4, sizeof(*own)), num[24], hk[KEY_SIZE], ek[KEY_SIZE],
	     rk[KEY_SIZE], pk[KEY_SIZE];
	const char *req = "", *pend = "";
	struct store_reply *r = NULL;
	const char *k;
	json_t *v;

	if (!argv || !own) {
		free(argv);
		free(own);
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	key(hk, id, "");
	key(ek, id, ":events");
	key(rk, id, ":request");
	key(pk, id, ":pending");
	argv[argc++] = "EVAL";
	argv[argc++] = state_lua;
	argv[argc++] = "4";
	argv[argc++] = hk;
	argv[argc++] = ek;
	argv[argc++] = rk;
	argv[argc++] = pk;
	argv[argc++] = num;
	json_object_foreach (fields, k, v) {
		if (strcmp(k, "request") == 0) {
			req = own[i++] = text_of(v);
			continue;
		}
		if (strcmp(k, "pending") == 0) {
			pend = json_is_null(v) ? "-" : (own[i++] = text_of(v));
			continue;
		}
		argv[argc++] = k;
		argv[argc++] = own[i++] = text_of(v);
		pairs++;
	}
	snprintf(num, sizeof(num), "%zu", pairs);
	argv[argc++] = own[i++] = json_dumps(event, JSON_COMPACT);
	argv[argc++] = req;
	argv[argc++] = pend;
	for (size_t j = 0; j < i; j++)
		if (!own[j]) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto out;
		}
	if (!req || !pend) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	r = store_cmd((int)argc, argv, NULL, e);
out:
	store_reply_free(&r);
	for (size_t j = 0; j < i; j++)
		free(own[j]);
	free(own);
	free(argv);
	return herr_isset(e) ? -1 : 0;
}

/* ---------------------------------------------------------------- stacks */

/* KEYS: names, list, stack, jobs.  ARGV: name, id, created (ms), then the
 * record's field/value pairs.  0 when the name is taken by a live stack. */
static const char create_lua[] =
	"local old = redis.call('HGET', KEYS[1], ARGV[1])\n"
	"if old then\n"
	"  local st = redis.call('HGET', 'hearth:stack:{' .. old .. '}', 'stack_status')\n"
	"  if st and st ~= 'DELETE_COMPLETE' then return 0 end\n"
	"end\n"
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
	"redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])\n"
	"redis.call('SET', KEYS[5], ARGV[4])\n"
	"redis.call('HSET', KEYS[3], unpack(ARGV, 5))\n"
	"redis.call('XADD', KEYS[4], '*', 'op', 'create', 'stack', ARGV[2])\n"
	"return 1\n";

/* The consumer group, made on first use (XGROUP CREATE fails, harmlessly,
 * once it exists). */
static void ensure_group(void)
{
	struct herr e = HERR_INIT;

	store_run(&e,
		  (const char *const[]){"XGROUP", "CREATE", JOBS, GROUP, "0", "MKSTREAM", NULL});
}

int sdb_create(json_t *rec, struct herr *e)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *name = json_string_value(json_object_get(rec, "stack_name"));
	const char *project = json_string_value(json_object_get(rec, "project"));
	size_t n = json_object_size(rec), argc = 0, i = 0;
	const char **argv = calloc(2 * n + 16, sizeof(*argv));
	char **own = calloc(2 * n + 1, sizeof(*own));
	char names[KEY_SIZE + 64], list[KEY_SIZE + 64], stack[KEY_SIZE], reqk[KEY_SIZE], ms[24];
	char *reqtext = NULL;
	struct store_reply *r = NULL;
	const char *k;
	json_t *v;
	int rc = -1;

	if (!argv || !own || !id || !name || !project) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	ensure_group();
	snprintf(ms, sizeof(ms), "%llu", (unsigned long long)(sdb_wall_ns() / 1000000));
	snprintf(names, sizeof(names), "hearth:project:%s:names", project);
	snprintf(list, sizeof(list), "hearth:project:%s:stacks", project);
	key(stack, id, "");
	key(reqk, id, ":request");
	if (!(reqtext = text_of(json_object_get(rec, "request") ?: json_null()))) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	argv[argc++] = "EVAL";
	argv[argc++] = create_lua;
	argv[argc++] = "5";
	argv[argc++] = names;
	argv[argc++] = list;
	argv[argc++] = stack;
	argv[argc++] = JOBS;
	argv[argc++] = reqk;
	argv[argc++] = name;
	argv[argc++] = id;
	argv[argc++] = ms;
	argv[argc++] = reqtext;
	json_object_foreach (rec, k, v) {
		if (strcmp(k, "request") == 0)
			continue; /* in its own key: records stay small */
		argv[argc++] = k;
		if (!(argv[argc++] = own[i++] = text_of(v))) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto out;
		}
	}
	r = store_cmd((int)argc, argv, NULL, e);
	if (!r)
		goto out;
	if (store_reply_type(r) == STORE_INT && store_reply_int(r) == 0) {
		herr_set(e, HERR_CONFLICT, "The Stack (%s) already exists.", name);
		goto out;
	}
	rc = 0;
out:
	store_reply_free(&r);
	for (size_t j = 0; j < i; j++)
		free(own[j]);
	free(own);
	free(argv);
	free(reqtext);
	return rc;
}

/* The record fields that hold JSON (the rest are text, whatever they look
 * like: a stack may well be called "true"). */
static bool json_field(const char *k)
{
	static const char *const fields[] = {
		"parameters",       "outputs",           "output_errors",
		"outputs_raw",      "outputs_declared",  "tags",
		"batches",          "requires",          "target_batches",
		"disable_rollback", "inherited_secrets", NULL};

	for (const char *const *f = fields; *f; f++)
		if (strcmp(k, *f) == 0)
			return true;
	return false;
}

/* A reply of HGETALL as an object; all: every value is JSON (a stack's
 * resources), else only the record's JSON fields. */
static json_t *hash_object(const struct store_reply *r, bool all)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i + 1 < store_reply_count(r); i += 2) {
		size_t kl, vl;
		const char *k = store_reply_str(store_reply_elem(r, i), &kl);
		const char *v = store_reply_str(store_reply_elem(r, i + 1), &vl);
		json_t *x = NULL;

		if (!k || !v)
			continue;
		if (vl && (all || json_field(k)))
			x = json_loadb(v, vl, JSON_DECODE_ANY, NULL);
		json_object_set_new(o, k, x ? x : json_stringn(v, vl));
	}
	return o;
}

json_t *sdb_get(const char *id, struct herr *e)
{
	char k[KEY_SIZE];
	struct store_reply *r;
	json_t *o;

	key(k, id, "");
	r = store_cmdv(e, "HGETALL", k, NULL);
	if (!r)
		return NULL;
	if (store_reply_count(r) == 0) {
		store_reply_free(&r);
		herr_set(e, HERR_NOT_FOUND, "The Stack (%s) could not be found.", id);
		return NULL;
	}
	o = hash_object(r, false);
	store_reply_free(&r);
	return o;
}

/* The JSON value in key (new reference), json null when absent. */
static json_t *get_json(const char *k, struct herr *e)
{
	struct store_reply *r = store_cmdv(e, "GET", k, NULL);
	const char *v;
	size_t len;
	json_t *o = NULL;

	if (!r)
		return NULL;
	v = store_reply_str(r, &len);
	o = v ? json_loadb(v, len, JSON_DECODE_ANY, NULL) : json_null();
	store_reply_free(&r);
	if (!o)
		herr_set(e, HERR_INVALID, "a stored value is not JSON: %s", k);
	return o;
}

json_t *sdb_get_full(const char *id, struct herr *e)
{
	char k[KEY_SIZE];
	json_t *rec = sdb_get(id, e), *v;

	if (!rec)
		return NULL;
	key(k, id, ":request");
	if (!(v = get_json(k, e))) {
		json_decref(rec);
		return NULL;
	}
	json_object_set_new(rec, "request", v);
	key(k, id, ":pending");
	if (!(v = get_json(k, e))) {
		json_decref(rec);
		return NULL;
	}
	json_object_set_new(rec, "pending", v);
	return rec;
}

bool sdb_lookup(const char *project, const char *name, char id[SDB_ID_SIZE], struct herr *e)
{
	char k[KEY_SIZE + 64];
	struct store_reply *r;
	const char *v;
	size_t len;
	bool found = false;

	snprintf(k, sizeof(k), "hearth:project:%s:names", project);
	r = store_cmdv(e, "HGET", k, name, NULL);
	if (r && (v = store_reply_str(r, &len)) && len < SDB_ID_SIZE) {
		memcpy(id, v, len);
		id[len] = '\0';
		found = true;
	}
	store_reply_free(&r);
	return found;
}

json_t *sdb_list(const char *project, struct herr *e)
{
	static const char *const fields[] = {
		"id",           "stack_name",    "project",       "description",
		"stack_action", "stack_status",  "status_reason", "creation_time",
		"updated_time", "deletion_time", "tags",          "parent"};
	char k[KEY_SIZE + 64];
	struct store_reply *ids;
	json_t *out = json_array();

	snprintf(k, sizeof(k), "hearth:project:%s:stacks", project);
	ids = store_cmdv(e, "ZRANGE", k, "0", "-1", NULL);
	if (!ids) {
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < store_reply_count(ids); i++) {
		const char *id = store_reply_str(store_reply_elem(ids, i), NULL);
		const char *argv[2 + sizeof(fields) / sizeof(fields[0])];
		struct store_reply *r;
		char sk[KEY_SIZE];
		json_t *o;
		size_t n = 0;

		if (!id)
			continue;
		key(sk, id, "");
		argv[n++] = "HMGET";
		argv[n++] = sk;
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			argv[n++] = fields[f];
		if (!(r = store_cmd((int)n, argv, NULL, e))) {
			json_decref(out);
			store_reply_free(&ids);
			return NULL;
		}
		o = json_object();
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			size_t len;
			const char *v = store_reply_str(store_reply_elem(r, f), &len);
			json_t *x = v && len && json_field(fields[f])
					    ? json_loadb(v, len, JSON_DECODE_ANY, NULL)
					    : NULL;

			json_object_set_new(o, fields[f],
					    x   ? x
					    : v ? json_stringn(v, len)
						: json_null());
		}
		store_reply_free(&r);
		if (json_is_string(json_object_get(o, "id")))
			json_array_append_new(out, o);
		else
			json_decref(o);
	}
	store_reply_free(&ids);
	return out;
}

char *sdb_field(const char *id, const char *field, struct herr *e)
{
	char k[KEY_SIZE], *out;
	struct store_reply *r;
	const char *v;
	size_t len = 0;

	key(k, id, "");
	if (!(r = store_cmdv(e, "HGET", k, field, NULL)))
		return NULL;
	v = store_reply_str(r, &len);
	out = v ? strndup(v, len) : strdup("");
	store_reply_free(&r);
	return out;
}

bool sdb_flag(const char *id, const char *field, struct herr *e)
{
	char k[KEY_SIZE];
	struct store_reply *r;
	const char *v;
	bool yes;

	key(k, id, "");
	r = store_cmdv(e, "HGET", k, field, NULL);
	yes = r && (v = store_reply_str(r, NULL)) && strcmp(v, "true") == 0;
	store_reply_free(&r);
	return yes;
}

int sdb_set(const char *id, json_t *fields, struct herr *e)
{
	size_t n = json_object_size(fields), argc = 0, i = 0;
	const char **argv = calloc(2 * n + 2, sizeof(*argv));
	char **own = calloc(n + 1, sizeof(*own)), k[KEY_SIZE];
	struct store_reply *r = NULL;
	const char *f;
	json_t *v;

	if (!argv || !own) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	key(k, id, "");
	argv[argc++] = "HSET";
	argv[argc++] = k;
	json_object_foreach (fields, f, v) {
		if (strcmp(f, "request") == 0 || strcmp(f, "pending") == 0) {
			/* in their own keys; pending null: none */
			char sk[KEY_SIZE], *t;

			key(sk, id, f[0] == 'r' ? ":request" : ":pending");
			if (json_is_null(v)) {
				store_run(e, (const char *const[]){"DEL", sk, NULL});
			} else if ((t = text_of(v))) {
				store_run(e, (const char *const[]){"SET", sk, t, NULL});
				free(t);
			} else {
				herr_set(e, HERR_NOMEM, "out of memory");
			}
			if (herr_isset(e))
				goto out;
			n--;
			continue;
		}
		argv[argc++] = f;
		if (!(argv[argc++] = own[i++] = text_of(v))) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (n)
		r = store_cmd((int)argc, argv, NULL, e);
out:
	store_reply_free(&r);
	for (size_t j = 0; j < i; j++)
		free(own[j]);
	free(own);
	free(argv);
	return herr_isset(e) ? -1 : 0;
}

int sdb_stack_state(const char *id, const char *action, const char *status, const char *reason,
		    struct herr *e)
{
	return sdb_stack_state_with(id, action, status, reason, NULL, e);
}

int sdb_stack_state_with(const char *id, const char *action, const char *status, const char *reason,
			 json_t *with, struct herr *e)
{
	char now[21], state[64];
	char *name = sdb_field(id, "stack_name", e);
	json_t *fields, *event;
	int rc;

	if (!name)
		return -1;
	sdb_now(now);
	snprintf(state, sizeof(state), "%s_%s", action, status);
	fields = json_pack("{s:s,s:s,s:s,s:s}", "stack_action", action, "stack_status", state,
			   "status_reason", reason, "updated_time", now);
	if (fields && with)
		json_object_update(fields, with);
	if (strcmp(state, "DELETE_COMPLETE") == 0)
		json_object_set_new(fields, "deletion_time", json_string(now));
	event = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:n}", "event_time", now, "resource_name",
			  name, "physical_resource_id", id, "resource_type", "OS::Heat::Stack",
			  "resource_action", action, "resource_status", status,
			  "resource_status_reason", reason, "resource_properties");
	rc = fields && event ? set_with_event(id, fields, event, e) : -1;
	json_decref(fields);
	json_decref(event);
	free(name);
	return rc;
}

void sdb_stamp(json_t *res)
{
	char now[21];

	sdb_now(now);
	json_object_set_new(res, "updated_time", json_string(now));
	if (!json_object_get(res, "creation_time"))
		json_object_set_new(res, "creation_time", json_string(now));
}

/* A resource's event, from its stamped state. */
static json_t *resource_event(json_t *res)
{
	return json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:n}", "event_time",
			 json_object_get(res, "updated_time"), "resource_name",
			 json_object_get(res, "resource_name"), "physical_resource_id",
			 json_object_get(res, "physical_resource_id"), "resource_type",
			 json_object_get(res, "resource_type"), "resource_action",
			 json_object_get(res, "resource_action"), "resource_status",
			 json_object_get(res, "resource_status"), "resource_status_reason",
			 json_object_get(res, "resource_status_reason"), "resource_properties");
}

#define STATES_PER_CALL 256

int sdb_resource_states(const char *id, json_t *items, struct herr *e)
{
	/* ARGV: (name, resource, event) triples, each stored then its event
	 * appended, in order, in one step. */
	static const char lua[] = "for i = 1, #ARGV, 3 do\n"
				  "  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])\n"
				  "  redis.call('XADD', KEYS[2], '*', 'e', ARGV[i + 2])\n"
				  "end\n"
				  "return #ARGV / 3\n";
	const char *argv[5 + 3 * STATES_PER_CALL];
	char *own[2 * STATES_PER_CALL], hk[KEY_SIZE], ek[KEY_SIZE];
	size_t n = json_array_size(items);

	key(hk, id, ":resources");
	key(ek, id, ":events");
	for (size_t at = 0; at < n; at += STATES_PER_CALL) {
		size_t m = n - at < STATES_PER_CALL ? n - at : STATES_PER_CALL, argc = 0, nown = 0;
		struct store_reply *r = NULL;
		bool oom = false;

		argv[argc++] = "EVAL";
		argv[argc++] = lua;
		argv[argc++] = "2";
		argv[argc++] = hk;
		argv[argc++] = ek;
		for (size_t i = 0; i < m; i++) {
			json_t *res = json_array_get(items, at + i), *ev = resource_event(res);
			char *rt = json_dumps(res, JSON_COMPACT),
			     *et = ev ? json_dumps(ev, JSON_COMPACT) : NULL;

			json_decref(ev);
			own[nown++] = rt;
			own[nown++] = et;
			oom = oom || !rt || !et;
			argv[argc++] =
				json_string_value(json_object_get(res, "resource_name")) ?: "";
			argv[argc++] = rt ? rt : "";
			argv[argc++] = et ? et : "";
		}
		if (oom)
			herr_set(e, HERR_NOMEM, "out of memory");
		else
			r = store_cmd((int)argc, argv, NULL, e);
		store_reply_free(&r);
		for (size_t i = 0; i < nown; i++)
			free(own[i]);
		if (herr_isset(e))
			return -1;
	}
	return 0;
}

int sdb_resource_state(const char *id, json_t *res, struct herr *e)
{
	json_t *one = json_array();
	int rc;

	sdb_stamp(res);
	json_array_append(one, res);
	rc = sdb_resource_states(id, one, e);
	json_decref(one);
	return rc;
}

int sdb_resource_forget(const char *id, const char *name, struct herr *e)
{
	char k[KEY_SIZE];

	key(k, id, ":resources");
	return store_run(e, (const char *const[]){"HDEL", k, name, NULL});
}

json_t *sdb_resource(const char *id, const char *name, struct herr *e)
{
	char k[KEY_SIZE];
	struct store_reply *r;
	json_t *o = NULL;

	key(k, id, ":resources");
	if (!(r = store_cmdv(e, "HGET", k, name, NULL)))
		return NULL;
	if (store_reply_type(r) == STORE_STR)
		o = json_loads(store_reply_str(r, NULL), 0, NULL);
	store_reply_free(&r);
	if (!o)
		herr_set(e, HERR_NOT_FOUND, "no resource %s", name);
	return o;
}

json_t *sdb_resources(const char *id, struct herr *e)
{
	char k[KEY_SIZE];
	struct store_reply *r;
	json_t *o;

	key(k, id, ":resources");
	if (!(r = store_cmdv(e, "HGETALL", k, NULL)))
		return NULL;
	o = hash_object(r, true);
	store_reply_free(&r);
	return o;
}

json_t *sdb_events(const char *id, const char *marker, size_t limit, struct herr *e)
{
	char k[KEY_SIZE], start[80], count[24];
	struct store_reply *r;
	json_t *out = json_array();

	key(k, id, ":events");
	snprintf(start, sizeof(start), marker ? "(%s" : "-", marker);
	snprintf(count, sizeof(count), "%zu", limit);
	r = limit ? store_cmdv(e, "XRANGE", k, start, "+", "COUNT", count, NULL)
		  : store_cmdv(e, "XRANGE", k, start, "+", NULL);
	if (!r) {
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < store_reply_count(r); i++) {
		const struct store_reply *entry = store_reply_elem(r, i);
		const char *eid = store_reply_str(store_reply_elem(entry, 0), NULL);
		const struct store_reply *kv = store_reply_elem(entry, 1);
		size_t len;
		const char *body = store_reply_str(store_reply_elem(kv, 1), &len);
		json_t *ev = body ? json_loadb(body, len, 0, NULL) : NULL;

		if (!ev || !eid) {
			json_decref(ev);
			continue;
		}
		json_object_set_new(ev, "id", json_string(eid));
		json_array_append_new(out, ev);
	}
	store_reply_free(&r);
	return out;
}

int sdb_begin(const char *id, const char *action, json_t *pending, struct herr *e)
{
	/* KEYS: stack, events, jobs, pending.  ARGV: id, pending ("" for
	 * none), now, event, action, op. */
	static const char lua[] =
		"local st = redis.call('HGET', KEYS[1], 'stack_status')\n"
		"if not st then return 'gone' end\n"
		"if string.find(st, '^DELETE_') then return 'gone' end\n"
		"if string.find(st, '_IN_PROGRESS$') then\n"
		"  return 'busy:' .. redis.call('HGET', KEYS[1], 'stack_action')\n"
		"end\n"
		"if st == 'INIT_COMPLETE' then return 'busy:CREATE' end\n"
		"if ARGV[5] == 'UPDATE' and string.find(st, '^SUSPEND_') then return 'suspended' end\n"
		"if ARGV[2] ~= '' then redis.call('SET', KEYS[4], ARGV[2]) end\n"
		"redis.call('HSET', KEYS[1], 'stack_action', ARGV[5],\n"
		"  'stack_status', ARGV[5] .. '_IN_PROGRESS',\n"
		"  'status_reason', 'Stack ' .. ARGV[5] .. ' started', 'updated_time', ARGV[3],\n"
		"  'cancel', 'false', 'cancel_update', '', 'action_started_ns', ARGV[7])\n"
		"redis.call('XADD', KEYS[2], '*', 'e', ARGV[4])\n"
		"redis.call('XADD', KEYS[3], '*', 'op', ARGV[6], 'stack', ARGV[1])\n"
		"return 'ok'\n";
	char hk[KEY_SIZE], ek[KEY_SIZE], pk[KEY_SIZE], now[21], reason[64], op[16], started[32],
		*p = NULL, *ev = NULL;
	json_t *rec = sdb_get(id, e), *event;
	struct store_reply *r = NULL;
	const char *ans;
	int rc = -1;

	if (!rec)
		return -1;
	ensure_group();
	sdb_now(now);
	snprintf(reason, sizeof(reason), "Stack %s started", action);
	{ /* the job's op: the action in lower case */
		size_t i = 0;

		for (; action[i] && i < sizeof(op) - 1; i++)
			op[i] = (char)(action[i] >= 'A' && action[i] <= 'Z' ? action[i] + 32
									    : action[i]);
		op[i] = '\0';
	}
	event = json_pack("{s:s,s:O,s:O,s:s,s:s,s:s,s:s,s:n}", "event_time", now, "resource_name",
			  json_object_get(rec, "stack_name"), "physical_resource_id",
			  json_object_get(rec, "id"), "resource_type", "OS::Heat::Stack",
			  "resource_action", action, "resource_status", "IN_PROGRESS",
			  "resource_status_reason", reason, "resource_properties");
	p = pending ? json_dumps(pending, JSON_COMPACT) : strdup("");
	ev = event ? json_dumps(event, JSON_COMPACT) : NULL;
	if (!p || !ev) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	key(hk, id, "");
	key(ek, id, ":events");
	key(pk, id, ":pending");
	/* when the action began, for its timeout */
	snprintf(started, sizeof(started), "%llu", (unsigned long long)sdb_wall_ns());
	r = store_cmdv(e, "EVAL", lua, "4", hk, ek, JOBS, pk, id, p, now, ev, action, op, started,
		       NULL);
	if (!r)
		goto out;
	ans = store_reply_str(r, NULL);
	if (ans && strcmp(ans, "ok") == 0)
		rc = 0;
	else if (ans && strcmp(ans, "gone") == 0)
		herr_set(e, HERR_NOT_FOUND, "The Stack (%s) could not be found.",
			 json_string_value(json_object_get(rec, "stack_name")));
	else if (ans && strcmp(ans, "suspended") == 0)
		herr_set(e, HERR_INVALID,
			 "Updating a stack when it is suspended is not supported.");
	else
		herr_set(e, HERR_CONFLICT, "Stack %s already has an action (%s) in progress.",
			 json_string_value(json_object_get(rec, "stack_name")),
			 ans && strncmp(ans, "busy:", 5) == 0 ? ans + 5 : "?");
out:
	store_reply_free(&r);
	free(p);
	free(ev);
	json_decref(event);
	json_decref(rec);
	return rc;
}

int sdb_begin_delete(const char *id, struct herr *e)
{
	/* KEYS: stack, events, jobs.  ARGV: id, now, event.  A running
	 * create or update sees `cancel` and stops; the delete follows. */
	static const char lua[] =
		"local st = redis.call('HGET', KEYS[1], 'stack_status')\n"
		"if not st or st == 'DELETE_COMPLETE' then return 'gone' end\n"
		"if st == 'DELETE_IN_PROGRESS' then return 'ok' end\n"
		"redis.call('HSET', KEYS[1], 'cancel', 'true', 'stack_action', 'DELETE',\n"
		"  'stack_status', 'DELETE_IN_PROGRESS', 'status_reason', 'Stack DELETE started',\n"
		"  'updated_time', ARGV[2])\n"
		"redis.call('XADD', KEYS[2], '*', 'e', ARGV[3])\n"
		"redis.call('XADD', KEYS[3], '*', 'op', 'delete', 'stack', ARGV[1])\n"
		"return 'ok'\n";
	char hk[KEY_SIZE], ek[KEY_SIZE], now[21], *ev = NULL,
						  *name = sdb_field(id, "stack_name", e);
	struct store_reply *r = NULL;
	json_t *event;
	const char *ans;
	int rc = -1;

	if (!name)
		return -1;
	ensure_group();
	sdb_now(now);
	event = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:n}", "event_time", now, "resource_name",
			  name, "physical_resource_id", id, "resource_type", "OS::Heat::Stack",
			  "resource_action", "DELETE", "resource_status", "IN_PROGRESS",
			  "resource_status_reason", "Stack DELETE started", "resource_properties");
	if (!event || !(ev = json_dumps(event, JSON_COMPACT))) {
		herr_set(e, HERR_NOMEM, "out of memory");
		goto out;
	}
	key(hk, id, "");
	key(ek, id, ":events");
	if (!(r = store_cmdv(e, "EVAL", lua, "3", hk, ek, JOBS, id, now, ev, NULL)))
		goto out;
	ans = store_reply_str(r, NULL);
	if (ans && strcmp(ans, "ok") == 0)
		rc = 0;
	else
		herr_set(e, HERR_NOT_FOUND, "The Stack (%s) could not be found.", name);
out:
	store_reply_free(&r);
	free(ev);
	free(name);
	json_decref(event);
	return rc;
}

/* ------------------------------------------------------------------ jobs */

int sdb_queue(const char *op, const char *id, struct herr *e)
{
	ensure_group();
	return store_run(e, (const char *const[]){"XADD", JOBS, "*", "op", op, "stack", id, NULL});
}

/* One job out of a reply's list of [id, [field, value, ...]] entries. */
static int job_of(const struct store_reply *entries, char op[16], char id[SDB_ID_SIZE],
		  char job[64])
{
	const struct store_reply *entry = store_reply_elem(entries, 0), *kv;
	const char *jid;

	if (!entry || !(jid = store_reply_str(store_reply_elem(entry, 0), NULL)))
		return 0;
	snprintf(job, 64, "%s", jid);
	op[0] = id[0] = '\0';
	kv = store_reply_elem(entry, 1);
	for (size_t i = 0; kv && i + 1 < store_reply_count(kv); i += 2) {
		const char *k = store_reply_str(store_reply_elem(kv, i), NULL);
		const char *v = store_reply_str(store_reply_elem(kv, i + 1), NULL);

		if (k && v && strcmp(k, "op") == 0)
			snprintf(op, 16, "%s", v);
		else if (k && v && strcmp(k, "stack") == 0)
			snprintf(id, SDB_ID_SIZE, "%s", v);
	}
	return 1;
}

int sdb_take(const char *consumer, int block_ms, char op[16], char id[SDB_ID_SIZE], char job[64],
	     struct herr *e)
{
	char block[24];
	struct store_reply *r;
	int got = 0;

	snprintf(block, sizeof(block), "%d", block_ms);
	r = store_cmdv(e, "XREADGROUP", "GROUP", GROUP, consumer, "COUNT", "1", "BLOCK", block,
		       "STREAMS", JOBS, ">", NULL);
	if (!r) {
		if (strstr(e->msg, "NOGROUP")) { /* no job was ever queued */
			herr_clear(e);
			ensure_group();
		}
		return herr_isset(e) ? -1 : 0;
	}
	if (store_reply_type(r) == STORE_ARRAY && store_reply_count(r) > 0)
		got = job_of(store_reply_elem(store_reply_elem(r, 0), 1), op, id, job);
	store_reply_free(&r);
	return got;
}

int sdb_reclaim(const char *consumer, long idle_ms, char op[16], char id[SDB_ID_SIZE], char job[64],
		struct herr *e)
{
	char idle[24];
	struct store_reply *r;
	int got = 0;

	snprintf(idle, sizeof(idle), "%ld", idle_ms);
	r = store_cmdv(e, "XAUTOCLAIM", JOBS, GROUP, consumer, idle, "0", "COUNT", "1", NULL);
	if (!r) {
		if (strstr(e->msg, "NOGROUP")) {
			herr_clear(e);
			ensure_group();
		}
		return herr_isset(e) ? -1 : 0;
	}
	if (store_reply_type(r) == STORE_ARRAY && store_reply_count(r) >= 2)
		got = job_of(store_reply_elem(r, 1), op, id, job);
	store_reply_free(&r);
	return got;
}

int sdb_done(const char *job, struct herr *e)
{
	if (store_run(e, (const char *const[]){"XACK", JOBS, GROUP, job, NULL}) < 0)
		return -1;
	return store_run(e, (const char *const[]){"XDEL", JOBS, job, NULL});
}

int sdb_lock(const char *id, const char *owner, long ttl_ms, struct herr *e)
{
	static const char lua[] = "local v = redis.call('GET', KEYS[1])\n"
				  "if v == false or v == ARGV[1] then\n"
				  "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
				  "  return 1\n"
				  "end\n"
				  "return 0\n";
	char k[KEY_SIZE], ttl[24];
	struct store_reply *r;
	int got;

	key(k, id, ":lock");
	snprintf(ttl, sizeof(ttl), "%ld", ttl_ms);
	r = store_cmdv(e, "EVAL", lua, "1", k, owner, ttl, NULL);
	if (!r)
		return -1;
	got = store_reply_type(r) == STORE_INT && store_reply_int(r) == 1;
	store_reply_free(&r);
	return got;
}

void sdb_unlock(const char *id, const char *owner)
{
	static const char lua[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
				  "  redis.call('DEL', KEYS[1])\n"
				  "end\n"
				  "return 1\n";
	struct herr e = HERR_INIT;
	char k[KEY_SIZE];

	key(k, id, ":lock");
	store_run(&e, (const char *const[]){"EVAL", lua, "1", k, owner, NULL});
}

int sdb_touch(const char *consumer, const char *job, struct herr *e)
{
	return store_run(e, (const char *const[]){"XCLAIM", JOBS, GROUP, consumer, "0", job,
						  "JUSTID", NULL});
}

int sdb_release_name(const char *project, const char *name, const char *id, struct herr *e)
{
	/* Only when the name still points at this stack; the stack stays
	 * in the project's list (show_deleted=true shows it). */
	static const char lua[] = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then\n"
				  "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
				  "end\n"
				  "return 1\n";
	char names[KEY_SIZE + 64];

	snprintf(names, sizeof(names), "hearth:project:%s:names", project);
	return store_run(e, (const char *const[]){"EVAL", lua, "1", names, name, id, NULL});
}

/* ---------------------------------------------------------------- tokens */

static void token_key(const char *token, char hex[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int sdb_token_put(const char *token, const char *project, const char *role, struct herr *e)
{
	char hex[65];
	json_t *v = json_pack("{s:s,s:s}", "project", project, "role", role);
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
	int rc;

	json_decref(v);
	if (!text) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	token_key(token, hex);
	rc = store_run(e, (const char *const[]){"HSET", "hearth:tokens", hex, text, NULL});
	free(text);
	return rc;
}

json_t *sdb_token_get(const char *token, struct herr *e)
{
	char hex[65];
	struct store_reply *r;
	const char *v;
	size_t len;
	json_t *o = NULL;

	token_key(token, hex);
	r = store_cmdv(e, "HGET", "hearth:tokens", hex, NULL);
	if (r && (v = store_reply_str(r, &len)))
		o = json_loadb(v, len, 0, NULL);
	store_reply_free(&r);
	return o;
}
