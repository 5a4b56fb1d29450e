/* Resource handlers (see rsrc.h). */
#include "engine/rsrc.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/netdb.h"
#include "engine/netres.h"
#include "engine/schema.h"
#include "engine/server.h"
#include "engine/software.h"
#include "engine/wait.h"
#include "engine/stackdb.h"

void rsrc_result_clear(struct rsrc_result *r)
{
	json_decref(r->ref_id);
	json_decref(r->attributes);
	json_decref(r->shown);
	json_decref(r->stored);
	memset(r, 0, sizeof(*r));
}

int rsrc_fail(const struct rsrc_ctx *c, struct rsrc_result *r, const char *type, const char *fmt,
	      ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->reason, sizeof(r->reason), "%s: resources.%s: %s", type, c->name, msg);
	return -1;
}

json_t *rsrc_or_new(json_t *v, json_t *fallback)
{
	if (!v || json_is_null(v))
		return fallback;
	json_decref(fallback);
	return json_deep_copy(v);
}

/* A property's value, or its type's default (new reference or NULL). */
static json_t *prop(const char *type, json_t *props, const char *name)
{
	json_t *v = json_object_get(props, name);
	const struct rtype *t;

	if (v && !json_is_null(v))
		return json_incref(v);
	t = rtype_find(type);
	return t ? rtype_prop_default(t, name) : NULL;
}

static double number(json_t *v)
{
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	return 0;
}

void rsrc_physical_name(const char *stack, const char *name, char *out, size_t size)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char b[12];
	char tail[13];

	randombytes_buf(b, sizeof(b)); /* one call: 32 divides 256, so & 31 is uniform */
	for (int i = 0; i < 12; i++)
		tail[i] = b32[b[i] & 31];
	tail[12] = '\0';
	snprintf(out, size, "%s-%s-%s", stack, name, tail);
}

/* -------------------------------------------------------- RandomString */

static const char *class_chars(const char *cls)
{
	static const struct {
		const char *name, *chars;
	} classes[] = {
		{"lettersdigits", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"},
		{"letters", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
		{"lowercase", "abcdefghijklmnopqrstuvwxyz"},
		{"uppercase", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{"digits", "0123456789"},
		{"hexdigits", "0123456789ABCDEF"},
		{"octdigits", "01234567"},
	};

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(cls, classes[i].name) == 0)
			return classes[i].chars;
	return NULL;
}

/* Adds the characters of set to pool (each once). */
static void pool_add(char *pool, size_t size, const char *set)
{
	size_t n = strlen(pool);

	for (; *set && n + 1 < size; set++)
		if (!strchr(pool, *set))
			pool[n++] = *set, pool[n] = '\0';
}

/* Each class and sequence gives its minimum of characters, the union of
 * all of them fills the rest, and the whole is shuffled (libsodium's
 * CSPRNG throughout). */
static int random_string(const char *type, json_t *props, struct rsrc_result *r)
{
	json_t *len_v = prop(type, props, "length"),
	       *classes = prop(type, props, "character_classes");
	json_t *seqs = prop(type, props, "character_sequences"), *item;
	long long length = json_is_integer(len_v) ? json_integer_value(len_v) : 32;
	char pool[1024] = "", out[513];
	size_t n = 0, i;
	int rc = -1;

	if (length < 1 || length > 512)
		length = 32;
	json_array_foreach (classes, i, item) {
		const char *chars = class_chars(json_string_value(json_object_get(item, "class"))
							?: "lettersdigits");
		json_t *m = json_object_get(item, "min");
		long long min = json_is_integer(m) ? json_integer_value(m) : 1;

		if (!chars)
			continue;
		pool_add(pool, sizeof(pool), chars);
		for (long long k = 0; k < min && n < (size_t)length; k++)
			out[n++] = chars[randombytes_uniform((uint32_t)strlen(chars))];
	}
	json_array_foreach (seqs, i, item) {
		const char *chars = json_string_value(json_object_get(item, "sequence"));
		json_t *m = json_object_get(item, "min");
		long long min = json_is_integer(m) ? json_integer_value(m) : 1;

		if (!chars || !*chars)
			continue;
		pool_add(pool, sizeof(pool), chars);
		for (long long k = 0; k < min && n < (size_t)length; k++)
			out[n++] = chars[randombytes_uniform((uint32_t)strlen(chars))];
	}
	if (!pool[0])
		pool_add(pool, sizeof(pool), class_chars("lettersdigits"));
	while (n < (size_t)length)
		out[n++] = pool[randombytes_uniform((uint32_t)strlen(pool))];
	for (size_t k = n; k > 1; k--) { /* Fisher-Yates */
		size_t j = randombytes_uniform((uint32_t)k);
		char c = out[k - 1];

		out[k - 1] = out[j];
		out[j] = c;
	}
	out[n] = '\0';
	r->ref_id = json_string(out); /* get_resource gives the secret itself */
	r->attributes = json_pack("{s:s}", "value", out);
	sodium_memzero(out, sizeof(out));
	rc = r->ref_id && r->attributes ? 0 : -1;
	json_decref(len_v);
	json_decref(classes);
	json_decref(seqs);
	return rc;
}

/* --------------------------------------------------------- TestResource */

static int test_resource(const char *type, const char *name, json_t *props, struct rsrc_result *r)
{
	json_t *fail = prop(type, props, "fail"), *value = prop(type, props, "value");
	json_t *wait = prop(type, props, "wait_secs");
	json_t *action = json_object_get(json_object_get(props, "action_wait_secs"), "create");
	double secs = action && !json_is_null(action) ? number(action) : number(wait);
	int rc = 0;

	if (json_is_true(fail) ||
	    (json_is_string(fail) && strcasecmp(json_string_value(fail), "true") == 0)) {
		snprintf(r->reason, sizeof(r->reason),
			 "ValueError: resources.%s: Test Resource failed %s", name, name);
		rc = -1;
	} else {
		r->attributes = json_pack("{s:O}", "output", value ? value : json_null());
		r->ref_id = json_string(r->physical_id);
		r->wait_ms = secs > 0 ? (uint64_t)(secs * 1000) : 0;
	}
	json_decref(fail);
	json_decref(value);
	json_decref(wait);
	return rc;
}

/* ------------------------------------------------------------------ API */

int rsrc_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	const char *name = c->name, *type = c->type;

	rsrc_physical_name(c->stack_name, name, r->physical_id, sizeof(r->physical_id));
	if (netres_handles(type) || strcmp(type, "OS::Nova::Server") == 0) {
		struct herr e = HERR_INIT;
		json_t *live = json_object_get(c->stored, "live_seq");

		/* what an attempt a dead worker left half done holds goes
		 * first; a resource being replaced keeps its own */
		if (ndb_release(c->stack_id, name, (uint64_t)json_integer_value(live), &e) < 0) {
			snprintf(r->reason, sizeof(r->reason), "Error: resources.%s: %.400s", name,
				 e.msg);
			return -1;
		}
	}
	if (netres_handles(type))
		return netres_create(c, props, r);
	if (wait_handles(type))
		return wait_create(c, props, r);
	if (software_handles(type))
		return software_create(c, props, r);
	if (strcmp(type, "OS::Nova::Server") == 0)
		return server_create(c, props, r);
	if (strcmp(type, "OS::Heat::None") == 0) {
		char id[SDB_ID_SIZE];

		sdb_uuid(id); /* a random id and nothing else */
		snprintf(r->physical_id, sizeof(r->physical_id), "%s", id);
		r->ref_id = json_string(id);
		r->attributes = json_object(); /* every attribute is null */
		return 0;
	}
	if (strcmp(type, "OS::Heat::Value") == 0) {
		json_t *v = json_object_get(props, "value");

		r->ref_id = json_string(r->physical_id);
		r->attributes = json_pack("{s:O}", "value", v ? v : json_null());
		return 0;
	}
	if (strcmp(type, "OS::Heat::RandomString") == 0)
		return random_string(type, props, r);
	if (strcmp(type, "OS::Heat::TestResource") == 0)
		return test_resource(type, name, props, r);
	snprintf(r->reason, sizeof(r->reason),
		 "ResourceTypeUnavailable: resources.%s: Hearth's engine cannot create %s "
		 "resources yet",
		 name, type);
	return -1;
}

int rsrc_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		struct rsrc_result *r)
{
	const char *name = c->name, *type = c->type;

	if (netres_handles(type))
		return netres_update(c, old_props, new_props, r);
	if (wait_handles(type))
		return wait_update(c, old_props, new_props, r);
	if (software_handles(type))
		return software_update(c, old_props, new_props, r);
	if (strcmp(type, "OS::Nova::Server") == 0)
		return server_update(c, old_props, new_props, r);
	if (strcmp(type, "OS::Heat::None") == 0)
		return 0; /* changes are ignored */
	if (strcmp(type, "OS::Heat::Value") == 0) {
		json_t *v = json_object_get(new_props, "value");

		r->attributes = json_pack("{s:O}", "value", v ? v : json_null());
		return r->attributes ? 0 : -1;
	}
	if (strcmp(type, "OS::Heat::TestResource") == 0) {
		json_t *value = prop(type, new_props, "value"),
		       *fail = prop(type, new_props, "fail");
		json_t *wait = prop(type, new_props, "wait_secs");
		json_t *action =
			json_object_get(json_object_get(new_props, "action_wait_secs"), "update");
		double secs = action && !json_is_null(action) ? number(action) : number(wait);
		int rc = 0;

		if (json_is_true(fail)) {
			snprintf(r->reason, sizeof(r->reason),
				 "ValueError: resources.%s: Test Resource failed %s", name, name);
			rc = -1;
		} else {
			r->attributes = json_pack("{s:O}", "output", value ? value : json_null());
			r->wait_ms = secs > 0 ? (uint64_t)(secs * 1000) : 0;
		}
		json_decref(value);
		json_decref(fail);
		json_decref(wait);
		return rc;
	}
	snprintf(r->reason, sizeof(r->reason),
		 "ResourceTypeUnavailable: resources.%s: Hearth's engine cannot update %s "
		 "resources yet",
		 name, type);
	return -1;
}

int rsrc_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;

	if (netres_handles(c->type) && netres_delete(c, props, r) < 0)
		return -1;
	if (wait_handles(c->type) && wait_delete(c, props, r) < 0)
		return -1;
	if (software_handles(c->type) && software_delete(c, props, r) < 0)
		return -1;
	if (strcmp(c->type, "OS::Nova::Server") == 0 && server_delete(c, props, r) < 0)
		return -1;
	/* whatever the driver holds for it (the pure types hold nothing) */
	if ((netres_handles(c->type) || strcmp(c->type, "OS::Nova::Server") == 0) &&
	    ndb_release(c->stack_id, c->name, 0, &e) < 0) {
		snprintf(r->reason, sizeof(r->reason), "Error: resources.%s: %.400s", c->name,
			 e.msg);
		return -1;
	}
	return 0;
}

bool rsrc_in_place(const char *type, const char *prop)
{
	if (netres_handles(type))
		return netres_in_place(type, prop);
	if (strcmp(type, "OS::Nova::Server") == 0)
		return server_in_place(prop);
	return true;
}
