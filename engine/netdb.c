/* The local driver's records in Redis (see netdb.h). */
#include "engine/netdb.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store.h"
#include "engine/compute.h"

#define PFX      "hearth:{drv}:"
#define KEY_SIZE 256
#define CHANNEL  "hearth:instance-changed"
/* Every script that records a holding starts so: its last key is the
 * stack's lock and its last argument the worker that must hold it, so a
 * worker that lost its stack to another (too slow, taken for dead)
 * allocates nothing more ("" for the operator's shared objects). */
#define FENCE                                                                           \
	"if ARGV[#ARGV] ~= '' and redis.call('GET', KEYS[#KEYS]) ~= ARGV[#ARGV] then\n" \
	"  return redis.error_reply('fenced: the stack is another worker\\'s now')\n"   \
	"end\n"

/* ------------------------------------------------------------ addresses */

int ndb_ip_parse(const char *text, uint32_t *ip)
{
	struct in_addr a;

	if (!text || inet_pton(AF_INET, text, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

void ndb_ip_text(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

int ndb_cidr_parse(const char *text, struct ndb_cidr *c)
{
	char buf[64], *slash, *end;
	long prefix;
	uint32_t ip;

	if (!text || strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text);
	if (!(slash = strchr(buf, '/')))
		return -1;
	*slash = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || prefix < 0 || prefix > 32 || ndb_ip_parse(buf, &ip) < 0)
		return -1;
	c->prefix = (int)prefix;
	c->mask = prefix ? ~0u << (32 - prefix) : 0;
	c->net = ip & c->mask;
	return 0;
}

/* -------------------------------------------------------------- objects */

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

static void lock_key(const char *stack, char *out, size_t size)
{
	snprintf(out, size, "hearth:stack:{%s}:lock", stack);
}

static void field_of(const struct ndb_owner *o, const char *kind, const char *ref, char *out,
		     size_t size)
{
	snprintf(out, size, "%s\t%llu\t%s\t%s", o->resource, (unsigned long long)o->seq, kind, ref);
}

json_t *ndb_get(const char *id, struct herr *e)
{
	char k[KEY_SIZE];
	struct store_reply *r;
	json_t *v = NULL;

	snprintf(k, sizeof(k), PFX "obj:%s", id);
	if (!(r = store_cmdv(e, "GET", k, NULL)))
		return NULL;
	if (store_reply_type(r) == STORE_STR)
		v = json_loads(store_reply_str(r, NULL), 0, NULL);
	store_reply_free(&r);
	if (!v)
		herr_set(e, HERR_NOT_FOUND, "%s not found", id);
	return v;
}

int ndb_find(const char *project, const char *kind, const char *name_or_id, char id[37],
	     struct herr *e)
{
	json_t *o;

	if (!name_or_id || !*name_or_id)
		return 1;
	if ((o = ndb_get(name_or_id, e))) { /* an id: of this project or shared */
		bool ok = strcmp(str(o, "kind"), kind) == 0 &&
			  (strcmp(str(o, "project"), project) == 0 ||
			   strcmp(str(o, "project"), "*") == 0);

		json_decref(o);
		if (ok) {
			snprintf(id, 37, "%s", name_or_id);
			return 0;
		}
	} else if (e->code != HERR_NOT_FOUND) {
		return -1;
	}
	herr_clear(e);
	for (int pass = 0; pass < 2; pass++) {
		char k[KEY_SIZE];
		struct store_reply *r;
		bool found;

		snprintf(k, sizeof(k), PFX "names:%s:%s", pass ? "*" : project, kind);
		if (!(r = store_cmdv(e, "HGET", k, name_or_id, NULL)))
			return -1;
		found = store_reply_type(r) == STORE_STR;
		if (found)
			snprintf(id, 37, "%s", store_reply_str(r, NULL));
		store_reply_free(&r);
		if (found)
			return 0;
	}
	return 1;
}

/* Writes an object, its name and (unless field is "") its ledger entry. */
static int put(const char *stack, const char *fence, const char *field, json_t *obj, struct herr *e)
{
	static const char lua[] =
		FENCE "redis.call('SET', KEYS[1], ARGV[1])\n"
		      "if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end\n"
		      "if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end\n"
		      "return 1\n";
	char ok[KEY_SIZE], nk[KEY_SIZE], hk[KEY_SIZE], lk[KEY_SIZE];
	char *doc = json_dumps(obj, JSON_COMPACT), *val;
	int rc;

	if (!doc)
		return herr_set(e, HERR_NOMEM, "out of memory"), -1;
	snprintf(ok, sizeof(ok), PFX "obj:%s", str(obj, "id"));
	snprintf(nk, sizeof(nk), PFX "names:%s:%s", str(obj, "project"), str(obj, "kind"));
	snprintf(hk, sizeof(hk), PFX "held:%s", stack);
	{
		json_t *v = json_pack("{s:s,s:s}", "key", ok, "names", nk);

		val = json_dumps(v, JSON_COMPACT);
		json_decref(v);
	}
	lock_key(stack, lk, sizeof(lk));
	rc = store_run(e,
		       (const char *const[]){"EVAL", lua, "4", ok, nk, hk, lk, doc,
					     *str(obj, "name") ? str(obj, "name") : "",
					     str(obj, "id"), field, val ? val : "{}", fence, NULL});
	free(val);
	free(doc);
	return rc;
}

int ndb_put(const struct ndb_owner *o, json_t *obj, struct herr *e)
{
	char f[512];

	field_of(o, "obj", str(obj, "id"), f, sizeof(f));
	return put(o->stack, o->fence ? o->fence : "", f, obj, e);
}

int ndb_put_shared(json_t *obj, struct herr *e)
{
	return put("", "", "", obj, e);
}

int ndb_save(json_t *obj, struct herr *e)
{
	char k[KEY_SIZE], *doc = json_dumps(obj, JSON_COMPACT);
	int rc;

	if (!doc)
		return herr_set(e, HERR_NOMEM, "out of memory"), -1;
	snprintf(k, sizeof(k), PFX "obj:%s", str(obj, "id"));
	rc = store_run(e, (const char *const[]){"SET", k, doc, "XX", NULL});
	free(doc);
	return rc;
}

/* ------------------------------------------------------ IPAM and MACs */

int ndb_ip_alloc(const struct ndb_owner *o, const char *pool, const char *want,
		 const uint32_t *ranges, size_t nranges, char out[16], char *why, size_t size,
		 struct herr *e)
{
	/* KEYS: the pool's hash, the ledger.  ARGV: the field prefix, the
	 * wanted address or "", then first, last pairs.  The first address
	 * HSETNX takes is the answer: no address is ever given twice. */
	static const char lua[] = FENCE
		"local function text(n)\n"
		"  return string.format('%d.%d.%d.%d', math.floor(n / 16777216) % 256,\n"
		"    math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)\n"
		"end\n"
		"local function take(a)\n"
		"  local f = ARGV[1] .. a\n"
		"  if redis.call('HSETNX', KEYS[1], a, f) == 0 then return nil end\n"
		"  redis.call('HSET', KEYS[2], f, cjson.encode({key = KEYS[1], ip = a}))\n"
		"  return a\n"
		"end\n"
		"if ARGV[2] ~= '' then return take(ARGV[2]) or {err = 'hearth-ipam: in use'} end\n"
		"for i = 3, #ARGV - 1, 2 do\n"
		"  for n = tonumber(ARGV[i]), tonumber(ARGV[i + 1]) do\n"
		"    local a = take(text(n))\n"
		"    if a then return a end\n"
		"  end\n"
		"end\n"
		"return {err = 'hearth-ipam: exhausted'}\n";
	char pk[KEY_SIZE], hk[KEY_SIZE], lk[KEY_SIZE], prefix[512], nums[64][12];
	const char *argv[10 + 64];
	int argc = 0;
	struct store_reply *r;

	if (nranges > 32)
		nranges = 32;
	snprintf(pk, sizeof(pk), PFX "ipam:%s", pool);
	snprintf(hk, sizeof(hk), PFX "held:%s", o->stack);
	field_of(o, "ip", pool, prefix, sizeof(prefix));
	strncat(prefix, "/", sizeof(prefix) - strlen(prefix) - 1);
	argv[argc++] = "EVAL";
	argv[argc++] = lua;
	argv[argc++] = "3";
	argv[argc++] = pk;
	argv[argc++] = hk;
	lock_key(o->stack, lk, sizeof(lk));
	argv[argc++] = lk;
	argv[argc++] = prefix;
	argv[argc++] = want ? want : "";
	for (size_t i = 0; i < 2 * nranges; i++) {
		snprintf(nums[i], sizeof(nums[i]), "%u", ranges[i]);
		argv[argc++] = nums[i];
	}
	argv[argc++] = o->fence ? o->fence : "";
	if (!(r = store_cmd(argc, argv, NULL, e))) {
		if (e->code == HERR_INVALID && strstr(e->msg, "hearth-ipam: ")) { /* its answer */
			snprintf(why, size, "%s",
				 strstr(e->msg, "in use") ? "in use" : "exhausted");
			herr_clear(e);
			return 1;
		}
		return -1;
	}
	snprintf(out, 16, "%s", store_reply_str(r, NULL) ?: "");
	store_reply_free(&r);
	return 0;
}

int ndb_mac_alloc(const struct ndb_owner *o, const char *want, char out[18], struct herr *e)
{
	static const char lua[] = FENCE
		"if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end\n"
		"redis.call('HSET', KEYS[2], ARGV[2], cjson.encode({key = KEYS[1], ip = ARGV[1]}))\n"
		"return 1\n";
	char hk[KEY_SIZE], lk[KEY_SIZE], f[512];

	snprintf(hk, sizeof(hk), PFX "held:%s", o->stack);
	lock_key(o->stack, lk, sizeof(lk));
	for (int tries = 0; tries < 8; tries++) {
		struct store_reply *r;
		long long got;

		if (want) {
			snprintf(out, 18, "%s", want);
		} else {
			unsigned char b[3];

			randombytes_buf(b, sizeof(b));
			snprintf(out, 18, "fa:16:3e:%02x:%02x:%02x", b[0], b[1], b[2]);
		}
		field_of(o, "mac", out, f, sizeof(f));
		if (!(r = store_cmdv(e, "EVAL", lua, "3", PFX "macs", hk, lk, out, f,
				     o->fence ? o->fence : "", NULL)))
			return -1;
		got = store_reply_int(r);
		store_reply_free(&r);
		if (got)
			return 0;
		if (want)
			return 1;
	}
	return 1;
}

int ndb_set_add(const struct ndb_owner *o, const char *set, const char *member, struct herr *e)
{
	static const char lua[] = FENCE
		"redis.call('SADD', KEYS[1], ARGV[1])\n"
		"redis.call('HSET', KEYS[2], ARGV[2], cjson.encode({key = KEYS[1], ip = ARGV[1]}))\n"
		"return 1\n";
	char sk[KEY_SIZE], hk[KEY_SIZE], lk[KEY_SIZE], f[600];

	snprintf(sk, sizeof(sk), PFX "%s", set);
	lock_key(o->stack, lk, sizeof(lk));
	snprintf(hk, sizeof(hk), PFX "held:%s", o->stack);
	field_of(o, "member", set, f, sizeof(f));
	strncat(f, "/", sizeof(f) - strlen(f) - 1);
	strncat(f, member, sizeof(f) - strlen(f) - 1);
	return store_run(e, (const char *const[]){"EVAL", lua, "3", sk, hk, lk, member, f,
						  o->fence ? o->fence : "", NULL});
}

json_t *ndb_set_members(const char *set, struct herr *e)
{
	char sk[KEY_SIZE];
	struct store_reply *r;
	json_t *out;

	snprintf(sk, sizeof(sk), PFX "%s", set);
	if (!(r = store_cmdv(e, "SMEMBERS", sk, NULL)))
		return NULL;
	out = json_array();
	for (size_t i = 0; i < store_reply_count(r); i++)
		json_array_append_new(
			out, json_string(store_reply_str(store_reply_elem(r, i), NULL) ?: ""));
	store_reply_free(&r);
	return out;
}

int ndb_hold_guest(const struct ndb_owner *o, const char *uuid, int pid, unsigned long long start,
		   struct herr *e)
{
	static const char lua[] = FENCE "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
					"return 1\n";
	char hk[KEY_SIZE], lk[KEY_SIZE], f[512], v[256];

	snprintf(hk, sizeof(hk), PFX "held:%s", o->stack);
	lock_key(o->stack, lk, sizeof(lk));
	field_of(o, "guest", uuid, f, sizeof(f));
	snprintf(v, sizeof(v), "{\"pid\":%d,\"start\":%llu}", pid, start);
	return store_run(e, (const char *const[]){"EVAL", lua, "2", hk, lk, f, v,
						  o->fence ? o->fence : "", NULL});
}

int ndb_instance_put(const struct ndb_owner *o, json_t *doc, struct herr *e)
{
	static const char lua[] =
		FENCE "redis.call('SET', KEYS[1], ARGV[1])\n"
		      "if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) end\n"
		      "redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])\n"
		      "redis.call('PUBLISH', '" CHANNEL "', ARGV[3])\n"
		      "return 1\n";
	char ik[KEY_SIZE], ak[KEY_SIZE], hk[KEY_SIZE], lk[KEY_SIZE], f[512], v[600];
	char *text = json_dumps(doc, JSON_COMPACT);
	const char *uuid = str(doc, "uuid"), *addr = str(doc, "address");
	int rc;

	if (!text)
		return herr_set(e, HERR_NOMEM, "out of memory"), -1;
	snprintf(ik, sizeof(ik), "hearth:instance:%s", uuid);
	snprintf(ak, sizeof(ak), "hearth:addr:%s", addr);
	snprintf(hk, sizeof(hk), PFX "held:%s", o->stack);
	field_of(o, "instance", uuid, f, sizeof(f));
	snprintf(v, sizeof(v), "{\"key\":\"%s\",\"addr\":\"%s\"}", ik, *addr ? ak : "");
	lock_key(o->stack, lk, sizeof(lk));
	rc = store_run(e, (const char *const[]){"EVAL", lua, "4", ik, ak, hk, lk, text, addr, uuid,
						f, v, o->fence ? o->fence : "", NULL});
	free(text);
	return rc;
}

int ndb_instance_refresh(json_t *doc, struct herr *e)
{
	static const char lua[] = "if redis.call('SET', KEYS[1], ARGV[1], 'XX') then\n"
				  "  redis.call('PUBLISH', '" CHANNEL "', ARGV[2])\n"
				  "end\n"
				  "return 1\n";
	char ik[KEY_SIZE], *text = json_dumps(doc, JSON_COMPACT);
	int rc;

	if (!text)
		return herr_set(e, HERR_NOMEM, "out of memory"), -1;
	snprintf(ik, sizeof(ik), "hearth:instance:%s", str(doc, "uuid"));
	rc = store_run(e,
		       (const char *const[]){"EVAL", lua, "1", ik, text, str(doc, "uuid"), NULL});
	free(text);
	return rc;
}

/* ------------------------------------------------------------ releasing */

static bool mine(const char *field, const char *resource, uint64_t keep, uint64_t *seq)
{
	size_t n = strlen(resource);

	if (strncmp(field, resource, n) != 0 || field[n] != '\t')
		return false;
	*seq = strtoull(field + n + 1, NULL, 10);
	return keep == 0 || *seq != keep;
}

/* Releases one ledger entry; the entry itself goes last, so that a crash
 * halfway leaves it to be released again. */
static int release_one(const char *hk, const char *field, const char *kind, const char *ref,
		       json_t *v, struct herr *e)
{
	/* an address (or MAC) is freed only if this entry still holds it */
	static const char free_lua[] = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then\n"
				       "  redis.call('HDEL', KEYS[1], ARGV[1])\n"
				       "end\n"
				       "redis.call('HDEL', KEYS[2], ARGV[2])\n"
				       "return 1\n";
	static const char obj_lua[] = "redis.call('DEL', KEYS[1])\n"
				      "if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then\n"
				      "  redis.call('HDEL', KEYS[2], ARGV[1])\n"
				      "end\n"
				      "redis.call('HDEL', KEYS[3], ARGV[3])\n"
				      "return 1\n";
	static const char inst_lua[] =
		"redis.call('DEL', KEYS[1], KEYS[1] .. ':password')\n"
		"if KEYS[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then\n"
		"  redis.call('DEL', KEYS[2])\n"
		"end\n"
		"redis.call('HDEL', KEYS[3], ARGV[2])\n"
		"redis.call('PUBLISH', '" CHANNEL "', ARGV[1])\n"
		"return 1\n";

	if (strcmp(kind, "member") == 0)
		return store_run(e, (const char *const[]){
					    "EVAL",
					    "redis.call('SREM', KEYS[1], ARGV[1]) "
					    "redis.call('HDEL', KEYS[2], ARGV[2]) return 1",
					    "2", str(v, "key"), hk, str(v, "ip"), field, NULL});
	if (strcmp(kind, "ip") == 0 || strcmp(kind, "mac") == 0)
		return store_run(e, (const char *const[]){"EVAL", free_lua, "2", str(v, "key"), hk,
							  str(v, "ip"), field, NULL});
	if (strcmp(kind, "obj") == 0) {
		json_t *o = ndb_get(ref, e);
		char name[512];

		if (!o && e->code != HERR_NOT_FOUND)
			return -1;
		herr_clear(e);
		snprintf(name, sizeof(name), "%s", o ? str(o, "name") : "");
		json_decref(o);
		return store_run(e, (const char *const[]){"EVAL", obj_lua, "3", str(v, "key"),
							  str(v, "names"), hk, name, ref, field,
							  NULL});
	}
	if (strcmp(kind, "guest") == 0) {
		struct compute_guest g = {.pid = (int)json_integer_value(json_object_get(v, "pid")),
					  .start = (unsigned long long)json_integer_value(
						  json_object_get(v, "start"))};

		compute_stop(ref, &g);
		return store_run(e, (const char *const[]){"HDEL", hk, field, NULL});
	}
	if (strcmp(kind, "instance") == 0)
		return store_run(e, (const char *const[]){"EVAL", inst_lua, "3", str(v, "key"),
							  str(v, "addr"), hk, ref, field, NULL});
	return store_run(e, (const char *const[]){"HDEL", hk, field, NULL});
}

int ndb_release(const char *stack, const char *resource, uint64_t keep, struct herr *e)
{
	/* guests first (a machine stops before its addresses go), then the
	 * rest */
	static const char *const order[] = {"guest", "instance", NULL};
	char hk[KEY_SIZE];
	struct store_reply *r;
	json_t *todo = json_array();
	int rc = 0;

	snprintf(hk, sizeof(hk), PFX "held:%s", stack);
	if (!(r = store_cmdv(e, "HGETALL", hk, NULL))) {
		json_decref(todo);
		return -1;
	}
	for (size_t i = 0; i + 1 < store_reply_count(r); i += 2) {
		const char *f = store_reply_str(store_reply_elem(r, i), NULL);
		const char *val = store_reply_str(store_reply_elem(r, i + 1), NULL);
		uint64_t seq;

		if (f && val && mine(f, resource, keep, &seq))
			json_array_append_new(todo, json_pack("[s,s]", f, val));
	}
	store_reply_free(&r);
	for (int pass = 0; pass < 3 && rc == 0; pass++) {
		size_t i;
		json_t *x;

		json_array_foreach (todo, i, x) {
			const char *f = json_string_value(json_array_get(x, 0));
			const char *k1 = strchr(strchr(f, '\t') + 1, '\t') + 1,
				   *k2 = strchr(k1, '\t');
			char kind[32];
			json_t *v;
			bool first;

			if (!k2 || (size_t)(k2 - k1) >= sizeof(kind))
				continue;
			snprintf(kind, sizeof(kind), "%.*s", (int)(k2 - k1), k1);
			first = false;
			for (int o = 0; order[o]; o++)
				if (strcmp(kind, order[o]) == 0)
					first = o == pass;
			if (pass < 2
				    ? !first
				    : (strcmp(kind, "guest") == 0 || strcmp(kind, "instance") == 0))
				continue;
			v = json_loads(json_string_value(json_array_get(x, 1)), 0, NULL);
			rc = release_one(hk, f, kind, k2 + 1, v, e);
			json_decref(v);
			if (rc < 0)
				break;
		}
	}
	json_decref(todo);
	return rc;
}
