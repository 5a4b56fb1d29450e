/* The stack lifecycle (see lifecycle.h).
 *
 * A create job walks the definition's batches: every resource of a batch
 * is started (CREATE_IN_PROGRESS), then each completes when its handler
 * says so (at once, or after a wait: resources of a batch wait
 * concurrently), and the next batch is resolved with the attributes the
 * finished ones gave.  Every step is stored before the next, so a job
 * taken over from a worker that died resumes where that worker stopped:
 * resources already CREATE_COMPLETE are kept, the others started again. */
#include "engine/lifecycle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/store.h"
#include "engine/load.h"
#include "engine/netdb.h"
#include "engine/netres.h"
#include "engine/rsrc.h"
#include "engine/software.h"
#include "engine/wait.h"
#include "signal/vault.h"
#include "engine/schema.h"
#include "engine/stack.h"
#include "engine/stackdb.h"

#define MAX_ENVS 64

/* ------------------------------------------------------------ definition */

static int max_resources = 1000;

void lc_set_max_resources(int n)
{
	max_resources = n;
}

static char external_name[256], external_cidr[64];
static atomic_bool external_made;

void lc_set_external(const char *name, const char *cidr)
{
	snprintf(external_name, sizeof(external_name), "%s", name);
	snprintf(external_cidr, sizeof(external_cidr), "%s", cidr);
}

/* The external network exists before any job needs it (made again after
 * a failure: Redis may have been away). */
static int make_external(struct herr *e)
{
	if (atomic_load(&external_made) || !external_name[0])
		return 0;
	if (netres_external(external_name, external_cidr, e) < 0)
		return -1;
	atomic_store(&external_made, true);
	return 0;
}

static struct doc *load_value(json_t *v, const char *name, bool env, struct herr *e)
{
	static const struct load_limits lim = LOAD_LIMITS_DEFAULT;
	char *text = json_is_string(v) ? strdup(json_string_value(v))
				       : json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	struct doc *d;

	if (!text) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return NULL;
	}
	d = env ? load_environment(name, text, strlen(text), &lim, e)
		: load_template(name, text, strlen(text), &lim, e);
	free(text);
	return d;
}

/* Appends line to *buf (malloc'd, lines joined by newlines). */
static void append(char **buf, const char *line)
{
	size_t n = *buf ? strlen(*buf) : 0, l = strlen(line);
	char *b = realloc(*buf, n + l + 2);

	if (!b)
		return;
	if (n)
		b[n++] = '\n';
	memcpy(b + n, line, l + 1);
	*buf = b;
}

/* "name:line:col: rest" → "rest". */
static const char *skip_position(const char *line)
{
	const char *p = line;

	for (int colons = 0; *p && colons < 3; p++)
		if (*p == ':')
			colons++;
	return *p == ' ' ? p + 1 : line;
}

static json_t *define_as(json_t *request, const char *name, const char *id, const char *project,
			 enum eval_mode mode, bool mask_hidden, bool require_params, json_t *attrs,
			 json_t *ref_ids, char **errors, json_t **parsed);

json_t *lc_define(json_t *request, const char *name, const char *id, const char *project,
		  enum eval_mode mode, bool mask_hidden, json_t *attrs, json_t *ref_ids,
		  char **errors, json_t **parsed)
{
	return define_as(request, name, id, project, mode, mask_hidden, true, attrs, ref_ids,
			 errors, parsed);
}

json_t *lc_validate(json_t *request, const char *project, char **errors, json_t **parsed)
{
	return define_as(request, "stack", "None", project, EVAL_VALIDATE, true, false, NULL, NULL,
			 errors, parsed);
}

static json_t *define_as(json_t *request, const char *name, const char *id, const char *project,
			 enum eval_mode mode, bool mask_hidden, bool require_params, json_t *attrs,
			 json_t *ref_ids, char **errors, json_t **parsed)
{
	struct stack_opts o = STACK_OPTS_DEFAULT;
	struct doc *d = NULL, *envs[MAX_ENVS] = {0};
	json_t *files = json_object_get(request, "files"), *ef, *def = NULL, *x;
	struct herr e = HERR_INIT;
	struct diags *dg = NULL;
	int nenv = 0;
	size_t i;

	*errors = NULL;
	if (parsed)
		*parsed = NULL;
	if (!json_object_get(request, "template")) {
		append(errors, "No template specified");
		return NULL;
	}
	if (!(d = load_value(json_object_get(request, "template"), "template", false, &e)))
		goto fail;
	ef = json_object_get(request, "environment_files");
	if (json_array_size(ef) > 0) {
		json_array_foreach (ef, i, x) {
			json_t *text = json_object_get(files, json_string_value(x) ?: "");

			if (!json_is_string(text)) {
				herr_set(&e, HERR_INVALID, "File %s not found in the files map",
					 json_string_value(x) ?: "?");
				goto fail;
			}
			if (nenv == MAX_ENVS ||
			    !(envs[nenv++] = load_value(text, json_string_value(x), true, &e)))
				goto fail;
		}
	} else if ((x = json_object_get(request, "environment")) && !json_is_null(x) &&
		   !(json_is_object(x) && json_object_size(x) == 0)) {
		if (!(envs[nenv++] = load_value(x, "environment", true, &e)))
			goto fail;
	}
	if (!(dg = diags_new()))
		goto fail;
	o.name = name;
	o.id = id;
	o.project = project;
	o.mode = mode;
	o.files = json_is_object(files) ? files : NULL;
	o.params = json_is_object(json_object_get(request, "parameters"))
			   ? json_object_get(request, "parameters")
			   : NULL;
	o.envs = (const struct doc *const *)envs;
	o.nenv = nenv;
	o.attributes = attrs;
	o.ref_ids = ref_ids;
	o.mask_hidden = mask_hidden;
	o.require_params = require_params;
	o.max_resources = max_resources;
	def = stack_define(d, &o, dg);
	if (parsed)
		*parsed = json_incref(doc_root(d));
	if (diags_count(dg, DIAG_ERROR) > 0) {
		for (int k = 0; k < diags_total(dg); k++) {
			const char *line = diags_line(dg, k);

			if (strstr(line, ": warning: "))
				continue;
			/* A template or environment sent as a JSON object has no
			 * lines of its own: the path inside it says where. */
			if (!json_is_string(json_object_get(request, "template")) &&
			    strncmp(line, "template:", 9) == 0)
				line = skip_position(line);
			else if (!json_is_string(json_object_get(request, "environment")) &&
				 strncmp(line, "environment:", 12) == 0)
				line = skip_position(line);
			append(errors, line);
		}
		json_decref(def);
		def = NULL;
	} else if (!def) {
		append(errors, "out of memory");
	}
	goto out;
fail:
	append(errors, e.msg[0] ? e.msg : "out of memory");
out:
	diags_free(&dg);
	for (int k = 0; k < nenv; k++)
		doc_free(&envs[k]);
	doc_free(&d);
	return def;
}

/* ---------------------------------------------------------------- worker */

static atomic_bool stopping;
static pthread_t *threads;
static int nthreads;
static long reclaim_after_ms;

/* One job's context. */
struct job {
	char id[SDB_ID_SIZE];
	const char *consumer, *job; /* who runs it, and its entry in the queue
				       (NULL for a nested stack run inline) */
	struct job *parent;         /* the job that runs this one inline */
	uint64_t touched_ns;        /* when the lock and the job were last renewed */
	json_t *rec;
	const char *name, *project;
	uint64_t deadline_ns; /* 0: none */
	uint64_t timeout_ns;  /* the action's timeout, for a rollback's own */
	json_t *resources;    /* name → stored resource */
	json_t *attrs, *refs; /* of the created ones */
	json_t *buf;          /* transitions not written yet (resource snapshots) */
	json_t *secrets;      /* hidden parameters' values, kept out of what is shown */
	/* wait conditions still waiting, carried from batch to batch: a later
	 * batch may hold the server whose guest signals them */
	struct pending *carry;
	size_t ncarry;
	struct herr e;
};

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* timeout_mins as stored or given: a number or a numeric string. */
static long long timeout_of(json_t *t)
{
	if (json_is_integer(t))
		return json_integer_value(t);
	return json_is_string(t) ? atoll(json_string_value(t)) : 0;
}

/* A rollback gets a timeout of its own. */
static void fresh_deadline(struct job *j)
{
	if (j->timeout_ns)
		j->deadline_ns = clock_now_ns() + j->timeout_ns;
}

static int run_job(struct job *parent, const char *consumer, const char *job, const char *op,
		   const char *id);

/* Renews the stack's lock and the job's claim, at most once a second:
 * false when the lock went to another worker (this one was too slow). */
static bool alive(struct job *j)
{
	uint64_t now = clock_now_ns();
	struct herr e = HERR_INIT;

	/* a quarter of the lock's life, at most a second */
	uint64_t every = (uint64_t)reclaim_after_ms * 250000ull;

	if (now - j->touched_ns < (every < 1000000000ull ? every : 1000000000ull))
		return true;
	j->touched_ns = now;
	if (j->job)
		sdb_touch(j->consumer, j->job, &e);
	/* the jobs that wait for this one (nested stacks run inline) stay
	 * alive too */
	if (j->parent && !alive(j->parent))
		return false;
	return sdb_lock(j->id, j->consumer, reclaim_after_ms, &e) > 0;
}

/* Whether a delete has begun (it stops what runs, then takes over). */
static bool deleting(struct job *j)
{
	struct herr e = HERR_INIT;
	char *st = sdb_field(j->id, "stack_status", &e);
	bool yes = st && strcmp(st, "DELETE_IN_PROGRESS") == 0;

	free(st);
	return yes;
}

/* Whether a delete asked the running create or update to stop, or a
 * cancel_update the running update. */
static bool cancelled(struct job *j)
{
	struct herr e = HERR_INIT;
	char *how;
	bool yes;

	if (sdb_flag(j->id, "cancel", &e))
		return true;
	how = sdb_field(j->id, "cancel_update", &e);
	yes = how && *how;
	free(how);
	return yes;
}

/* The one function through which a resource changes state. */
static int resource_state(struct job *j, const char *name, const char *type, const char *action,
			  const char *status, const char *reason, const struct rsrc_result *r)
{
	json_t *res = json_object_get(j->resources, name);

	if (!res) {
		res = json_pack("{s:s,s:s,s:s,s:s}", "resource_name", name, "logical_resource_id",
				name, "resource_type", type, "physical_resource_id", "");
		json_object_set_new(j->resources, name, res);
	}
	if (strcmp(action, "CREATE") == 0 && strcmp(status, "IN_PROGRESS") == 0)
		/* the order things were made in, for deletes; and this
		 * attempt's mark on what the driver allocates (netdb.h) */
		json_object_set_new(res, "created_seq", json_integer((json_int_t)sdb_wall_ns()));
	if (strcmp(action, "CREATE") == 0 && strcmp(status, "COMPLETE") == 0)
		json_object_set(res, "live_seq", json_object_get(res, "created_seq"));
	json_object_set_new(res, "resource_action", json_string(action));
	json_object_set_new(res, "resource_status", json_string(status));
	json_object_set_new(res, "resource_status_reason", json_string(reason));
	if (r && r->physical_id[0])
		json_object_set_new(res, "physical_resource_id", json_string(r->physical_id));
	if (r && r->attributes) {
		json_object_set(res, "attributes", r->stored ? r->stored : r->attributes);
		json_t *shown = r->shown ? r->shown : r->stored ? r->stored : r->attributes;

		json_object_set_new(res, "shown_attributes",
				    j->secrets ? stack_mask(shown, j->secrets)
					       : json_incref(shown));
	}
	if (r && r->ref_id)
		json_object_set(res, "reference_id", r->ref_id);
	if (j->buf) { /* written with the others of its step */
		/* a shallow copy: values are replaced, never changed in place */
		sdb_stamp(res);
		return json_array_append_new(j->buf, json_copy(res));
	}
	return sdb_resource_state(j->id, res, &j->e);
}

/* Writes the buffered transitions, in order. */
static int flush(struct job *j)
{
	int rc = 0;

	if (j->buf && json_array_size(j->buf)) {
		rc = sdb_resource_states(j->id, j->buf, &j->e);
		json_array_clear(j->buf);
	}
	return rc;
}

static bool timed_out(const struct job *j)
{
	return j->deadline_ns && clock_now_ns() > j->deadline_ns;
}

/* Whether a stored resource stands for something that exists. */
static bool exists(json_t *res)
{
	const char *a = str(res, "resource_action"), *st = str(res, "resource_status");

	/* a failed or interrupted create may have left something behind */
	return res && *a && strcmp(a, "INIT") != 0 &&
	       !(strcmp(a, "DELETE") == 0 && strcmp(st, "COMPLETE") == 0);
}

/* Whether a stored resource is complete and sound (its attributes hold). */
static bool sound(json_t *res)
{
	return exists(res) && strcmp(str(res, "resource_status"), "COMPLETE") == 0;
}

static int wake_mark(struct job *j, char *id, size_t size);
static int wake_wait(struct job *j, char *id, size_t size, uint64_t ms);

/* A deployment's DELETE action, before it goes: waits for the agent's
 * signal, or for its server to go.  0, 1 after a failure, -1. */
static int delete_action(struct job *j, const char *name, const char *type, json_t *res)
{
	struct rsrc_ctx c = {
		j->id,      j->name,
		j->project, name,
		type,       (uint64_t)json_integer_value(json_object_get(res, "created_seq")),
		res,        j->resources,
		j->consumer};
	json_t *props = json_object_get(res, "properties");
	struct rsrc_result r = {0};
	char id[SDB_ID_SIZE], mark[64] = "0-0";
	int st;

	if (wake_mark(j, mark, sizeof(mark)) < 0)
		return -1;
	st = software_delete_start(&c, props, id, &r);
	rsrc_result_clear(&r);
	if (st <= 0) {
		if (st < 0)
			resource_state(j, name, type, "DELETE", "FAILED", r.reason, NULL);
		return st < 0 ? 1 : 0;
	}
	for (;;) {
		json_t *attrs = NULL;
		int ck = software_check(name, id, &attrs, r.reason, sizeof(r.reason), &j->e);

		json_decref(attrs);
		if (ck == -2 || atomic_load(&stopping) || !alive(j))
			return -1;
		if (ck == -1) {
			resource_state(j, name, type, "DELETE", "FAILED", r.reason, NULL);
			return 1;
		}
		if (ck == 1 || !software_server_exists(str(props, "server")))
			return 0;
		if (timed_out(j)) {
			resource_state(j, name, type, "DELETE", "FAILED",
				       "Error: the deployment's DELETE action timed out", NULL);
			return 1;
		}
		if (wake_wait(j, mark, sizeof(mark), 1000) < 0)
			return -1;
	}
}

/* Deletes one resource (events DELETE_*); 0, 1 after a failure, -1. */
static int delete_one(struct job *j, const char *name)
{
	json_t *res = json_object_get(j->resources, name);
	const char *type = str(res, "resource_type");
	struct rsrc_result r = {0};

	if (!alive(j))
		return -1;
	if (resource_state(j, name, type, "DELETE", "IN_PROGRESS", "state changed", NULL) < 0)
		return -1;
	if (software_is_deployment(type)) {
		int st = flush(j) < 0 ? -1 : delete_action(j, name, type, res);

		if (st != 0)
			return st;
	}
	if (*str(res, "nested_stack")) { /* its own delete job; waited for */
		char child[SDB_ID_SIZE];

		snprintf(child, sizeof(child), "%s", str(res, "nested_stack"));
		if (flush(j) < 0 ||
		    (sdb_begin_delete(child, &j->e) < 0 && j->e.code != HERR_NOT_FOUND) ||
		    run_job(j, j->consumer, NULL, "delete", child) < 0)
			return -1;
		herr_clear(&j->e);
		for (;;) {
			char *cs = sdb_field(child, "stack_status", &j->e);
			bool done = cs && (!*cs || strcmp(cs, "DELETE_COMPLETE") == 0);
			bool failed = cs && strcmp(cs, "DELETE_FAILED") == 0;

			free(cs);
			if (!cs || atomic_load(&stopping) || !alive(j))
				return -1;
			if (failed) {
				resource_state(j, name, type, "DELETE", "FAILED",
					       "Error: the nested stack's delete failed", NULL);
				return 1;
			}
			if (done)
				break;
			usleep(50000);
		}
	} else if (rsrc_delete(&(struct rsrc_ctx){j->id, j->name, j->project, name, type,
						  (uint64_t)json_integer_value(
							  json_object_get(res, "created_seq")),
						  res, j->resources, j->consumer},
			       json_object_get(res, "properties"), &r) < 0) {
		resource_state(j, name, type, "DELETE", "FAILED", r.reason, NULL);
		rsrc_result_clear(&r);
		return 1;
	}
	rsrc_result_clear(&r);
	return resource_state(j, name, type, "DELETE", "COMPLETE", "state changed", NULL);
}

static int by_seq_desc(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "created_seq"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "created_seq"));

	return (x < y) - (x > y);
}

/* Deletes the resources that exist and that keep (if given) does not
 * name: those of batches last batch first, then any others newest first
 * (made by an update that did not finish).  forget: drop their records
 * too (resources an update removed).  0, 1 after a failure, -1. */
static int remove_resources(struct job *j, json_t *batches, json_t *keep, bool forget)
{
	size_t n = 0, i;
	json_t **rest = calloc(json_object_size(j->resources) + 1, sizeof(*rest)), *res;
	const char *name;
	bool own_buf = !j->buf;
	int rc = 0;

	if (!rest)
		return -1;
	if (own_buf) /* written a step at a time: a batch's deletes together */
		j->buf = json_array();
	for (size_t b = json_array_size(batches); b-- > 0 && rc == 0;) {
		json_t *batch = json_array_get(batches, b), *x;

		json_array_foreach (batch, i, x) {
			name = json_string_value(x);
			if (!name || (keep && json_object_get(keep, name)) ||
			    !exists(json_object_get(j->resources, name)))
				continue;
			if ((rc = delete_one(j, name)) != 0)
				break;
			if (forget) {
				if (flush(j) < 0) {
					rc = -1;
					break;
				}
				sdb_resource_forget(j->id, name, &j->e);
				json_object_del(j->resources, name);
			}
		}
		if (rc == 0 && flush(j) < 0)
			rc = -1;
	}
	json_object_foreach (j->resources, name, res)
		if (rc == 0 && exists(res) && !(keep && json_object_get(keep, name)))
			rest[n++] = res;
	qsort(rest, n, sizeof(*rest), by_seq_desc);
	for (i = 0; i < n && rc == 0; i++) {
		char *copy = strdup(str(rest[i], "resource_name"));

		if (!copy || (rc = delete_one(j, copy)) != 0) {
			free(copy);
			rc = rc ? rc : -1;
			break;
		}
		if (forget) {
			if (flush(j) < 0) {
				free(copy);
				rc = -1;
				break;
			}
			sdb_resource_forget(j->id, copy, &j->e);
			json_object_del(j->resources, copy);
		}
		free(copy);
	}
	if (flush(j) < 0 && rc == 0)
		rc = -1;
	if (own_buf) {
		json_decref(j->buf);
		j->buf = NULL;
	}
	free(rest);
	return rc;
}

/* The newest entry of the stack's wake stream: signals after it wake a
 * waiting batch (none lost between a look and the wait). */
static int wake_mark(struct job *j, char *id, size_t size)
{
	char k[128];
	struct store_reply *r;

	wait_wake_key(j->id, k, sizeof(k));
	if (!(r = store_cmdv(&j->e, "XREVRANGE", k, "+", "-", "COUNT", "1", NULL)))
		return -1;
	if (store_reply_count(r) == 1)
		snprintf(id, size, "%s",
			 store_reply_str(store_reply_elem(store_reply_elem(r, 0), 0), NULL)
				 ?: "0-0");
	store_reply_free(&r);
	return 0;
}

/* Waits up to ms for a signal to the stack (an entry after id). */
static int wake_wait(struct job *j, char *id, size_t size, uint64_t ms)
{
	char k[128], block[24];
	struct store_reply *r;
	const struct store_reply *entries;

	wait_wake_key(j->id, k, sizeof(k));
	snprintf(block, sizeof(block), "%llu", (unsigned long long)ms);
	if (!(r = store_cmdv(&j->e, "XREAD", "COUNT", "64", "BLOCK", block, "STREAMS", k, id,
			     NULL)))
		return -1;
	/* [[key, [[id, fields], ...]]] */
	if (store_reply_count(r) == 1 && (entries = store_reply_elem(store_reply_elem(r, 0), 1)) &&
	    store_reply_count(entries) > 0) {
		const char *last = store_reply_str(
			store_reply_elem(store_reply_elem(entries, store_reply_count(entries) - 1),
					 0),
			NULL);

		if (last)
			snprintf(id, size, "%s", last);
	}
	store_reply_free(&r);
	return 0;
}

/* What happens to one resource of the new definition. */
enum plan { KEEP, CREATE, UPDATE, REPLACE, REFUSE };

/* A resource started, waiting for its handler's time to pass. */
struct pending {
	const char *name, *type, *action;
	json_t *props, *md;
	uint64_t until_ns;
	char child[SDB_ID_SIZE];     /* a nested stack being made, or "" */
	char old_child[SDB_ID_SIZE]; /* the nested stack it replaces, deleted after */
	bool replacing;              /* what the driver holds for the old goes after */
	bool owned;                  /* props, md and these its own (carried) */
	char *own_name, *own_type;
	struct rsrc_result r;
};

/* A pending wait condition made to outlive its batch's definition. */
static void pending_own(struct pending *d, const struct pending *s)
{
	*d = *s;
	if (s->owned)
		return;
	d->name = d->own_name = strdup(s->name);
	d->type = d->own_type = strdup(s->type);
	d->props = json_incref(s->props);
	d->md = json_incref(s->md);
	d->owned = true;
}

static void pending_release(struct pending *p)
{
	if (p->owned) {
		free(p->own_name);
		free(p->own_type);
		json_decref(p->props);
		json_decref(p->md);
	}
	rsrc_result_clear(&p->r);
	memset(p, 0, sizeof(*p));
}

/* A resource of the batch failed (its reason in r.reason): its state,
 * and the batch's reason. */
static void pending_failed(struct job *j, struct pending *p, char *why, size_t size)
{
	resource_state(j, p->name, p->type, p->action, "FAILED", p->r.reason, NULL);
	snprintf(why, size, "Resource %s failed: %s", p->action, p->r.reason);
	rsrc_result_clear(&p->r);
	p->name = NULL;
}

/* Whether a resource of batch requires a carried wait condition. */
static bool needs_carried(const struct job *j, json_t *def, json_t *batch)
{
	json_t *x, *y;
	size_t i, k;

	json_array_foreach (batch, i, x) {
		json_t *req =
			json_object_get(json_object_get(def, "requires"), json_string_value(x));

		json_array_foreach (req, k, y)
			for (size_t c = 0; c < j->ncarry; c++)
				if (strcmp(json_string_value(y), j->carry[c].name) == 0)
					return true;
	}
	return false;
}

/* ---------------------------------------------------------- nested stacks */

/* Whether a resource of this (resolved) type is a nested stack: a
 * ResourceGroup, or a template resource (its type names a template). */
static bool is_nested(const char *type)
{
	return strcmp(type, "OS::Heat::ResourceGroup") == 0 || software_is_group(type) ||
	       !rtype_is_builtin(type);
}

/* Replaces var in every string of v (values, not keys): index_var. */
static json_t *replace_var(json_t *v, const char *var, const char *with)
{
	const char *k;
	json_t *x, *out;
	size_t i;

	if (json_is_string(v)) {
		const char *t = json_string_value(v), *p;
		size_t vl = strlen(var), wl = strlen(with);
		char *buf, *o;
		size_t n = 0;

		if (!vl || !strstr(t, var))
			return json_incref(v);
		for (p = t; (p = strstr(p, var)); p += vl)
			n++;
		buf = o = malloc(strlen(t) + n * wl + 1);
		if (!buf)
			return json_incref(v);
		for (p = t; *p;) {
			if (strncmp(p, var, vl) == 0) {
				memcpy(o, with, wl);
				o += wl;
				p += vl;
			} else {
				*o++ = *p++;
			}
		}
		*o = '\0';
		out = json_string(buf);
		free(buf);
		return out;
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach (v, k, x)
			json_object_set_new(out, k, replace_var(x, var, with));
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach (v, i, x)
			json_array_append_new(out, replace_var(x, var, with));
		return out;
	}
	return json_incref(v);
}

/* The request a nested stack is created from: for a ResourceGroup, a
 * template of members "0".."count-1" (index_var replaced in their
 * properties); for a template resource, its template from the files map
 * with the properties as parameters.  The parent's files and environment
 * go along (parameter_defaults and the registry apply below too). */
static json_t *nested_request(struct job *j, const char *type, json_t *props)
{
	json_t *parent = json_object_get(j->rec, "request"), *req, *tmpl;

	if (strcmp(type, "OS::Heat::ResourceGroup") == 0) {
		json_t *def = json_object_get(props, "resource_def"), *res = json_object();
		json_t *count = json_object_get(props, "count");
		const char *var =
			json_string_value(json_object_get(props, "index_var")) ?: "%index%";
		long long n = json_is_integer(count) ? json_integer_value(count) : 1;

		for (long long i = 0; i < n; i++) {
			char idx[32];
			json_t *m = json_object();

			snprintf(idx, sizeof(idx), "%lld", i);
			json_object_set(m, "type", json_object_get(def, "type"));
			if (json_object_get(def, "properties"))
				json_object_set_new(
					m, "properties",
					replace_var(json_object_get(def, "properties"), var, idx));
			if (json_object_get(def, "metadata"))
				json_object_set(m, "metadata", json_object_get(def, "metadata"));
			json_object_set_new(res, idx, m);
		}
		tmpl = json_pack("{s:s,s:o}", "heat_template_version", "2015-04-30", "resources",
				 res);
		req = json_pack("{s:o,s:O?,s:O?}", "template", tmpl, "environment",
				json_object_get(parent, "environment"), "files",
				json_object_get(parent, "files"));
		return req;
	}
	if (software_is_group(type)) { /* one deployment per server, named by its key */
		bool structured = strstr(type, "Structured") != NULL;
		json_t *res = json_object(), *v, *mp;
		const char *k;

		json_object_foreach (json_object_get(props, "servers"), k, v) {
			mp = json_deep_copy(props);
			json_object_del(mp, "servers");
			json_object_set(mp, "server", v);
			json_object_set_new(res, k,
					    json_pack("{s:s,s:o}", "type",
						      structured ? "OS::Heat::StructuredDeployment"
								 : "OS::Heat::SoftwareDeployment",
						      "properties", mp));
		}
		tmpl = json_pack("{s:s,s:o}", "heat_template_version", "2015-04-30", "resources",
				 res);
		return json_pack("{s:o,s:O?,s:O?}", "template", tmpl, "environment",
				 json_object_get(parent, "environment"), "files",
				 json_object_get(parent, "files"));
	}
	tmpl = json_object_get(json_object_get(parent, "files"), type);
	return json_pack("{s:O?,s:O?,s:O?,s:O}", "template", tmpl, "environment",
			 json_object_get(parent, "environment"), "files",
			 json_object_get(parent, "files"), "parameters", props ?: json_null());
}

/* Creates the nested stack of resource name (its own record, events and
 * job: a worker makes it as any stack); its id goes to child. */
static int nested_create(struct job *j, const char *name, const char *type, json_t *props,
			 char child[SDB_ID_SIZE], char *why, size_t size)
{
	char now[21], cname[600], created[32];
	json_t *req = nested_request(j, type, props), *rec;
	int rc;

	if (!req || !json_object_get(req, "template")) {
		snprintf(why, size, "resources.%s: the template of %s is not in the files map",
			 name, type);
		json_decref(req);
		return 1;
	}
	rsrc_physical_name(j->name, name, cname, sizeof(cname));
	sdb_uuid(child);
	sdb_now(now);
	snprintf(created, sizeof(created), "%llu", (unsigned long long)sdb_wall_ns());
	rec = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:s,s:s}", "id", child,
			"stack_name", cname, "project", j->project, "stack_action", "INIT",
			"stack_status", "INIT_COMPLETE", "status_reason", "Stack queued",
			"creation_time", now, "created_ns", created, "parent", j->id,
			"parent_resource", name, "disable_rollback", true, "request", req,
			"timeout_mins", str(j->rec, "timeout_mins"), "description", "");
	if (!rec)
		return -1;
	json_object_set_new(rec, "outputs_declared", json_object());
	json_object_set(rec, "inherited_secrets", j->secrets ? j->secrets : json_null());
	rc = sdb_create(rec, &j->e);
	json_decref(rec);
	return rc < 0 ? -1 : 0;
}

/* A finished nested stack's attributes for its parent resource: a
 * template resource's are its outputs (and OS::stack_id); a group's are
 * refs, refs_map, resource.N (each member's attributes), and every
 * member attribute as the list of its members' values. */
static json_t *nested_attributes(struct job *j, const char *type, const char *child, json_t **shown)
{
	json_t *out = json_object(), *rec = sdb_get(child, &j->e), *all, *res;
	const char *k;

	*shown = NULL;

	json_object_set_new(out, "OS::stack_id", json_string(child));
	if (!rec)
		return out;
	if (software_is_group(type)) { /* each attribute as a map: server key -> value */
		const char *key, *a;
		json_t *attrs, *v;

		json_decref(rec);
		if (!(all = sdb_resources(child, &j->e)))
			return out;
		json_object_foreach (all, key, res) {
			attrs = json_object_get(res, "attributes");
			json_object_foreach (attrs, a, v) {
				char plural[128];
				json_t *m;

				snprintf(plural, sizeof(plural), "%s%s", a,
					 strncmp(a, "deploy_", 7) == 0 ? "s" : "");
				if (!(m = json_object_get(out, plural)))
					json_object_set_new(out, plural, m = json_object());
				json_object_set(m, key, v);
			}
		}
		json_decref(all);
		return out;
	}
	if (strcmp(type, "OS::Heat::ResourceGroup") != 0) {
		json_object_update(out, json_object_get(rec, "outputs_raw"));
		json_decref(rec);
		return out;
	}
	json_decref(rec);
	if (!(all = sdb_resources(child, &j->e)))
		return out;
	{
		size_t n = json_object_size(all);
		json_t *refs = json_array(), *map = json_object(), *lists = json_object();

		for (size_t i = 0; i < n; i++) {
			char idx[32], key[64];
			json_t *attrs, *v;

			snprintf(idx, sizeof(idx), "%zu", i);
			res = json_object_get(all, idx);
			attrs = json_object_get(res, "attributes");
			json_array_append(refs,
					  json_object_get(res, "reference_id") ?: json_null());
			json_object_set(map, idx,
					json_object_get(res, "reference_id") ?: json_null());
			snprintf(key, sizeof(key), "resource.%s", idx);
			json_object_set_new(out, key, attrs ? json_incref(attrs) : json_object());
			json_object_foreach (attrs, k, v) {
				json_t *l = json_object_get(lists, k);

				if (!l)
					json_object_set_new(lists, k, l = json_array());
				while (json_array_size(l) < i)
					json_array_append_new(l, json_null());
				json_array_append(l, v);
			}
		}
		json_object_update(out, lists);
		json_object_set_new(out, "refs", refs);
		json_object_set_new(out, "refs_map", map);
		json_decref(lists);
		{ /* members' random strings are secrets the API does not show */
			json_t *secrets = json_array(), *v;

			json_object_foreach (all, k, res)
				if (strcmp(str(res, "resource_type"), "OS::Heat::RandomString") ==
					    0 &&
				    json_is_string(
					    v = json_object_get(json_object_get(res, "attributes"),
								"value")))
					json_array_append(secrets, v);
			if (json_array_size(secrets))
				*shown = stack_mask(out, secrets);
			json_decref(secrets);
		}
	}
	json_decref(all);
	return out;
}

/* Heat's per-resource decision (hot-spec §6.1) between what is stored
 * and the new definition; *why gets an immutable property's failure. */
static enum plan decide_masked(json_t *res, const char *type, json_t *props, json_t *md, char *why,
			       size_t size, const char *name);

/* Signal tokens the stack's handles hand out: kept out of what is stored
 * (a server's user_data holds its handle's curl_cli), so compared masked. */
static json_t *signal_tokens(json_t *resources, const char *id)
{
	json_t *out = json_array(), *res;
	const char *name;

	json_object_foreach (resources, name, res)
		if (wait_is_handle(str(res, "resource_type")) &&
		    json_integer_value(json_object_get(res, "live_seq"))) {
			char t[VAULT_TOKEN_SIZE];

			vault_token(id, name,
				    (uint64_t)json_integer_value(json_object_get(res, "live_seq")),
				    t);
			json_array_append_new(out, json_string(t));
		}
	return out;
}

static enum plan decide(json_t *res, const char *type, json_t *props, json_t *md, char *why,
			size_t size, const char *name, json_t *tokens)
{
	json_t *masked = json_array_size(tokens) ? stack_mask(props, tokens) : json_incref(props);
	enum plan plan = decide_masked(res, type, masked, md, why, size, name);

	json_decref(masked);
	return plan;
}

static enum plan decide_masked(json_t *res, const char *type, json_t *props, json_t *md, char *why,
			       size_t size, const char *name)
{
	const struct rtype *t = rtype_find(type);
	json_t *old = json_object_get(res, "properties"), *v;
	const char *k;
	bool replace = false;

	if (!exists(res) || strcmp(str(res, "resource_status"), "FAILED") == 0)
		return exists(res) ? REPLACE : CREATE;
	if (strcmp(str(res, "resource_type"), type) != 0)
		return REPLACE;
	if (json_equal(old, props) && json_equal(json_object_get(res, "metadata"), md))
		return KEEP;
	if (strcmp(type, "OS::Heat::None") == 0 || strcmp(type, "OS::Heat::Value") == 0)
		return UPDATE; /* they never replace themselves */
	if (is_nested(type))
		return REPLACE; /* nested stacks are not updated in place yet */
	if (strcmp(type, "OS::Heat::TestResource") == 0 &&
	    json_is_true(json_object_get(props, "update_replace")))
		return REPLACE;
	/* properties changed, added or removed */
	for (int pass = 0; pass < 2; pass++)
		json_object_foreach (pass ? old : props, k, v) {
			json_t *other = json_object_get(pass ? props : old, k);

			if (other && json_equal(v, other))
				continue;
			switch (t ? rtype_prop_update(t, k) : RTYPE_UPD_REPLACE) {
			case RTYPE_UPD_IMMUTABLE:
				snprintf(
					why, size,
					"NotSupported: resources.%s: Update to properties %s of %s "
					"(%s) is not supported.",
					name, k, name, type);
				return REFUSE;
			case RTYPE_UPD_UPDATE:
				/* the driver replaces what would need new
				 * allocations (a server's networks, a port's IPs) */
				replace |= !rsrc_in_place(type, k);
				break;
			default:
				replace = true;
			}
		}
	return replace ? REPLACE : UPDATE;
}

/* Brings one batch to the new definition: starts every resource that
 * needs work (their transitions written together), runs their handlers,
 * then completes each as its wait ends (those that end together written
 * together).  0 when all completed, 1 after a failure (reason in why), -1
 * when the job must stop (Redis, shutdown, the lock lost). */
static int apply_batch(struct job *j, json_t *def, json_t *batch, bool updating, char *why,
		       size_t size, bool may_carry)
{
	size_t n = json_array_size(batch), np = 0, i;
	bool signals = false; /* a wait condition waits: signals wake the loop */
	json_t *tokens;
	char wake_id[64] = "0-0";
	struct pending *p;
	enum plan *plans;
	json_t *x;
	int rc = 0;

	/* what this batch needs of the carried wait conditions comes first */
	if (j->ncarry && n && needs_carried(j, def, batch)) {
		json_t *none = json_array();

		rc = apply_batch(j, def, none, updating, why, size, false);
		json_decref(none);
		if (rc)
			return rc;
	}
	tokens = signal_tokens(j->resources, j->id);
	p = calloc(n + j->ncarry + 1, sizeof(*p));
	plans = calloc(n + j->ncarry + 1, sizeof(*plans));
	if (!p || !plans) {
		free(p);
		free(plans);
		json_decref(tokens);
		return -1;
	}
	j->buf = json_array();
	/* 1. decide and start */
	json_array_foreach (batch, i, x) {
		const char *name = json_string_value(x);
		const char *type = str(json_object_get(def, "types"), name);
		json_t *res = json_object_get(j->resources, name);
		json_t *props = json_object_get(json_object_get(def, "resources"), name);
		json_t *md = json_object_get(json_object_get(def, "metadata"), name);
		enum plan plan;

		if (!updating) {
			plan = sound(res) ? KEEP : CREATE; /* complete before a takeover: kept */
		} else if ((plan = decide(res, type, props, md, why, size, name, tokens)) ==
			   REFUSE) {
			char reason[1024];

			snprintf(reason, sizeof(reason), "%s", why);
			resource_state(j, name, type, "UPDATE", "FAILED", reason, NULL);
			snprintf(why, size, "Resource UPDATE failed: %.900s", reason);
			rc = 1;
			goto out;
		}
		if (plan == KEEP)
			continue;
		p[np] = (struct pending){.name = name, .type = type, .props = props, .md = md};
		plans[np] = plan;
		if (plan == REPLACE) {
			char text[512]; /* Heat's words for it */

			snprintf(text, sizeof(text), "The Resource %s requires replacement.", name);
			resource_state(j, name, type, "UPDATE", "IN_PROGRESS", "state changed",
				       NULL);
			resource_state(j, name, type, "UPDATE", "COMPLETE", text, NULL);
		}
		p[np].action = plan == UPDATE ? "UPDATE" : "CREATE";
		resource_state(j, name, type, p[np].action, "IN_PROGRESS", "state changed", NULL);
		np++;
	}
	if (!alive(j) || flush(j) < 0) {
		rc = -1;
		goto out;
	}
	if (wake_mark(j, wake_id, sizeof(wake_id)) < 0) {
		rc = -1;
		goto out;
	}
	/* 2. the handlers; a nested stack is made by its own job */
	for (size_t k = 0; k < np; k++) {
		json_t *res = json_object_get(j->resources, p[k].name);
		int st;

		if (is_nested(p[k].type)) {
			const char *had = str(res, "nested_stack");

			if (*had && plans[k] == CREATE) { /* made before a takeover */
				snprintf(p[k].child, sizeof(p[k].child), "%s", had);
				continue;
			}
			if (*had && plans[k] == REPLACE)
				snprintf(p[k].old_child, sizeof(p[k].old_child), "%s", had);
			st = nested_create(j, p[k].name, p[k].type, p[k].props, p[k].child, why,
					   size);
			if (st < 0) {
				rc = -1;
				goto out;
			}
			if (st == 0) {
				json_object_set_new(res, "nested_stack", json_string(p[k].child));
				json_object_set_new(res, "physical_resource_id",
						    json_string(p[k].child));
				resource_state(j, p[k].name, p[k].type, p[k].action, "IN_PROGRESS",
					       "state changed", NULL);
				if (flush(j) < 0) {
					rc = -1;
					goto out;
				}
				continue;
			}
			snprintf(p[k].r.reason, sizeof(p[k].r.reason), "%s", why);
			st = -1;
		} else {
			struct rsrc_ctx c = {
				j->id,
				j->name,
				j->project,
				p[k].name,
				p[k].type,
				(uint64_t)json_integer_value(json_object_get(res, "created_seq")),
				res,
				j->resources,
				j->consumer};

			st = plans[k] == UPDATE
				     ? rsrc_update(&c, json_object_get(res, "properties"),
						   p[k].props, &p[k].r)
				     : rsrc_create(&c, p[k].props, &p[k].r);
			if (st == 0 && plans[k] == REPLACE)
				p[k].replacing = true;
		}

		if (st < 0) {
			pending_failed(j, &p[k], why, size);
			rc = 1;
			goto out;
		}
		p[k].until_ns = clock_now_ns() + p[k].r.wait_ms * 1000000ull;
		signals |= p[k].r.wait_handle[0] || p[k].r.wait_deployment[0];
	}
	/* the carried wait conditions wait along with this batch */
	for (size_t c = 0; c < j->ncarry; c++) {
		plans[np] = CREATE;
		p[np++] = j->carry[c];
		signals = true;
	}
	free(j->carry);
	j->carry = NULL;
	j->ncarry = 0;
	/* 3. complete them as their waits end */
	for (size_t done = 0; done < np;) {
		uint64_t now = clock_now_ns(), next = UINT64_MAX;

		for (size_t k = 0; k < np; k++) {
			json_t *res;

			if (!p[k].name)
				continue;
			if (p[k].child[0]) {
				char *cs = sdb_field(p[k].child, "stack_status", &j->e);
				bool ok = cs && strcmp(cs, "CREATE_COMPLETE") == 0;
				bool failed = cs && (strstr(cs, "FAILED") ||
						     strncmp(cs, "ROLLBACK", 8) == 0 ||
						     strncmp(cs, "DELETE", 6) == 0);

				if (failed) {
					char *cr = sdb_field(p[k].child, "status_reason", &j->e);

					snprintf(p[k].r.reason, sizeof(p[k].r.reason),
						 "Error: resources.%s: %s", p[k].name,
						 cr ? cr : cs);
					free(cr);
					free(cs);
					pending_failed(j, &p[k], why, size);
					rc = 1;
					goto out;
				}
				free(cs);
				if (!ok) {
					/* make it here (or wait while another worker
					 * does): no worker ever waits on a queue */
					if (run_job(j, j->consumer, NULL, "create", p[k].child) <
					    0) {
						rc = -1;
						goto out;
					}
					next = now;
					continue;
				}
				p[k].r.attributes =
					nested_attributes(j, p[k].type, p[k].child, &p[k].r.shown);
				p[k].r.ref_id = json_string(p[k].child);
			} else if (p[k].r.wait_handle[0]) {
				json_t *data = NULL;
				int st = wait_check(j->id, p[k].name, p[k].r.wait_handle,
						    p[k].r.wait_count, now > p[k].until_ns, &data,
						    p[k].r.reason, sizeof(p[k].r.reason), &j->e);

				if (st == -2) {
					rc = -1;
					goto out;
				}
				if (st == -1) {
					pending_failed(j, &p[k], why, size);
					rc = 1;
					goto out;
				}
				if (st == 0) {
					next = p[k].until_ns < next ? p[k].until_ns : next;
					continue;
				}
				p[k].r.attributes = json_pack(
					"{s:o}",
					strncmp(p[k].type, "AWS::", 5) == 0 ? "Data" : "data",
					data);
			} else if (p[k].r.wait_deployment[0]) { /* no clock but the stack's */
				json_t *attrs = NULL;
				int st =
					software_check(p[k].name, p[k].r.wait_deployment, &attrs,
						       p[k].r.reason, sizeof(p[k].r.reason), &j->e);

				if (st == -2) {
					rc = -1;
					goto out;
				}
				if (st == -1) {
					pending_failed(j, &p[k], why, size);
					rc = 1;
					goto out;
				}
				if (st == 0)
					continue;
				json_decref(p[k].r.attributes);
				p[k].r.attributes = attrs;
			} else if (p[k].until_ns > now) {
				next = p[k].until_ns < next ? p[k].until_ns : next;
				continue;
			}
			res = json_object_get(j->resources, p[k].name);
			json_object_set_new(res, "properties",
					    !p[k].props ? json_object()
					    : json_array_size(tokens)
						    ? stack_mask(p[k].props, tokens)
						    : json_incref(p[k].props));
			json_object_set_new(res, "metadata",
					    p[k].md ? json_incref(p[k].md) : json_object());
			json_object_set_new(res, "resource_type", json_string(p[k].type));
			resource_state(j, p[k].name, p[k].type, p[k].action, "COMPLETE",
				       "state changed", &p[k].r);
			res = json_object_get(j->resources, p[k].name);
			/* the template sees the attributes whole (a handle's
			 * token too), the record keeps them without secrets */
			json_object_set(j->attrs, p[k].name,
					p[k].r.attributes ? p[k].r.attributes
							  : json_object_get(res, "attributes"));
			json_object_set(j->refs, p[k].name, json_object_get(res, "reference_id"));
			rsrc_result_clear(&p[k].r);
			if (p[k].replacing) { /* the replaced resource's holdings go */
				json_t *seq = json_object_get(res, "created_seq");

				if (flush(j) < 0 ||
				    ndb_release(j->id, p[k].name, (uint64_t)json_integer_value(seq),
						&j->e) < 0) {
					rc = -1;
					goto out;
				}
			}
			p[k].name = NULL;
			done++;
			if (p[k].old_child[0]) { /* the replaced nested stack goes */
				if (flush(j) < 0 ||
				    (sdb_begin_delete(p[k].old_child, &j->e) < 0 &&
				     j->e.code != HERR_NOT_FOUND) ||
				    run_job(j, j->consumer, NULL, "delete", p[k].old_child) < 0) {
					rc = -1;
					goto out;
				}
				herr_clear(&j->e);
				p[k].old_child[0] = '\0';
			}
		}
		if (flush(j) < 0) {
			rc = -1;
			goto out;
		}
		if (done == np)
			break;
		if (may_carry) { /* only wait conditions left: on to the next batch */
			size_t left = 0, waits = 0;

			for (size_t k = 0; k < np; k++)
				if (p[k].name) {
					left++;
					waits += p[k].r.wait_handle[0] || p[k].r.wait_deployment[0];
				}
			if (left == waits && (j->carry = calloc(left, sizeof(*j->carry)))) {
				for (size_t k = 0; k < np; k++)
					if (p[k].name) {
						pending_own(&j->carry[j->ncarry++], &p[k]);
						if (!p[k].owned) /* its result went along */
							memset(&p[k].r, 0, sizeof(p[k].r));
						memset(&p[k], 0, sizeof(p[k]));
					}
				break;
			}
		}
		if (atomic_load(&stopping) || !alive(j)) {
			rc = -1;
			goto out;
		}
		if (timed_out(j)) {
			snprintf(why, size, updating ? "Timed out" : "Create timed out");
			rc = 1;
			goto out;
		}
		if (cancelled(j)) {
			snprintf(why, size, "Stack %s cancelled", updating ? "UPDATE" : "CREATE");
			rc = 1;
			goto out;
		}
		now = clock_now_ns();
		if (next > now) {
			uint64_t ms = (next - now) / 1000000 + 1;

			if (!signals)
				usleep((useconds_t)(ms > 100 ? 100000 : ms * 1000));
			else if (wake_wait(j, wake_id, sizeof(wake_id), ms > 1000 ? 1000 : ms) <
				 0) {
				rc = -1;
				goto out;
			}
		}
	}
out:
	for (size_t k = 0; k < np; k++)
		if (p[k].name) {
			if (rc == 1)
				resource_state(j, p[k].name, p[k].type, p[k].action, "FAILED",
					       "aborted", NULL);
			rsrc_result_clear(&p[k].r);
		}
	for (size_t k = 0; k < np; k++) /* carried ones, done or not */
		if (p[k].owned)
			pending_release(&p[k]);
	if (rc != 0) /* what was carried is aborted with the rest */
		while (j->ncarry) {
			struct pending *c = &j->carry[--j->ncarry];

			if (rc == 1)
				resource_state(j, c->name, c->type, c->action, "FAILED", "aborted",
					       NULL);
			pending_release(c);
		}
	if (flush(j) < 0 && rc == 0)
		rc = -1;
	json_decref(j->buf);
	j->buf = NULL;
	json_decref(tokens);
	free(p);
	free(plans);
	return rc;
}

/* Attributes and reference ids of the resources that stand. */
static void collect_created(struct job *j)
{
	const char *name;
	json_t *res;

	json_object_foreach (j->resources, name, res)
		if (sound(res)) {
			if (wait_is_handle(str(res, "resource_type")))
				/* its token is derived, never stored */
				json_object_set_new(
					j->attrs, name,
					wait_handle_attributes(
						j->id, j->name, j->project, name,
						(uint64_t)json_integer_value(
							json_object_get(res, "live_seq")),
						json_object_get(res, "properties")));
			else
				json_object_set(j->attrs, name, json_object_get(res, "attributes"));
			json_object_set(j->refs, name, json_object_get(res, "reference_id"));
		}
}

/* Outputs as the API shows them: hidden values masked. */
static void store_outputs(struct job *j, json_t *request)
{
	char *errors = NULL;
	json_t *def = lc_define(request, j->name, j->id, j->project, EVAL_RESOLVE, false, j->attrs,
				j->refs, &errors, NULL);

	free(errors);
	if (def) {
		/* shown masked; kept whole for a parent stack that uses them,
		 * but for signal tokens, which are never stored */
		json_t *out = json_object_get(def, "outputs") ?: json_null();
		json_t *errs = json_object_get(def, "output_errors") ?: json_null();
		json_t *tokens = json_array(), *secrets = json_array(), *res, *raw, *fields;
		const char *name;

		json_object_foreach (j->resources, name, res)
			if (wait_is_handle(str(res, "resource_type")) &&
			    json_is_string(
				    json_object_get(json_object_get(j->attrs, name), "token")))
				json_array_append(
					tokens,
					json_object_get(json_object_get(j->attrs, name), "token"));
		json_array_extend(secrets, j->secrets);
		json_array_extend(secrets, tokens);
		raw = stack_mask(out, tokens);
		fields = json_pack("{s:o,s:o,s:o}", "outputs", stack_mask(out, secrets),
				   "output_errors", stack_mask(errs, secrets), "outputs_raw", raw);
		sdb_set(j->id, fields, &j->e);
		json_decref(fields);
		json_decref(tokens);
		json_decref(secrets);
	}
	json_decref(def);
}

/* Brings the stack's resources to what request defines, batch by batch;
 * updating: compare with what stands (an update), else create what is not
 * complete.  Resources the new definition lacks are deleted at the end.
 * 0 done, 1 failed (why), -1 stopped. */
static int converge(struct job *j, json_t *request, bool updating, char *why, size_t size)
{
	char *errors = NULL;
	json_t *def, *batches, *f;
	int rc = 0;

	collect_created(j);
	def = lc_define(request, j->name, j->id, j->project, EVAL_RESOLVE, false, j->attrs, j->refs,
			&errors, NULL);
	if (!def) {
		snprintf(why, size, "%s", errors ? errors : "invalid stack");
		free(errors);
		return 1;
	}
	{ /* hidden parameters' values (3 characters or more, as stack.c masks) */
		json_t *tparams =
			json_object_get(json_object_get(request, "template"), "parameters");
		json_t *x, *v;
		const char *k;

		json_decref(j->secrets);
		j->secrets = json_array();
		/* a nested stack's values may hold its parents' secrets */
		json_array_extend(j->secrets, json_object_get(j->rec, "inherited_secrets"));
		json_object_foreach (tparams, k, x)
			if (json_is_true(json_object_get(x, "hidden")) &&
			    json_is_string(
				    v = json_object_get(json_object_get(def, "parameters"), k)) &&
			    json_string_length(v) >= 3)
				json_array_append(j->secrets, v);
	}
	batches = json_incref(json_object_get(def, "batches"));
	/* the order a rollback or a delete of what this makes will need */
	f = json_pack("{s:O?}", "target_batches", batches);
	sdb_set(j->id, f, &j->e);
	json_decref(f);
	json_object_set(j->rec, "target_batches", batches ?: json_null());
	for (size_t b = 0; b < json_array_size(batches) && rc == 0; b++) {
		if (timed_out(j)) {
			snprintf(why, size, updating ? "Timed out" : "Create timed out");
			rc = 1;
			break;
		}
		if (cancelled(j)) {
			snprintf(why, size, "Stack %s cancelled", updating ? "UPDATE" : "CREATE");
			rc = 1;
			break;
		}
		if (b > 0) { /* resolved again with what the earlier batches gave */
			json_decref(def);
			free(errors);
			errors = NULL;
			def = lc_define(request, j->name, j->id, j->project, EVAL_RESOLVE, false,
					j->attrs, j->refs, &errors, NULL);
			if (!def) {
				snprintf(why, size, "%s", errors ? errors : "invalid stack");
				rc = 1;
				break;
			}
		}
		rc = apply_batch(j, def, json_array_get(batches, b), updating, why, size, true);
	}
	if (rc == 0 && j->ncarry) { /* the wait conditions still waiting */
		json_t *none = json_array();

		rc = apply_batch(j, def, none, updating, why, size, false);
		json_decref(none);
	}
	for (; j->ncarry; j->ncarry--) /* a stop (-1) leaves them to the next worker */
		pending_release(&j->carry[j->ncarry - 1]);
	free(j->carry);
	j->carry = NULL;
	if (rc == 0 && updating) {
		/* what the new definition lacks goes, in the old order */
		json_t *keep = json_object(), *old = json_object_get(j->rec, "batches"), *x;
		const char *name;

		json_object_foreach (json_object_get(def, "types"), name, x)
			json_object_set(keep, name, json_true());
		rc = remove_resources(j, old, keep, true);
		if (rc == 1)
			snprintf(why, size, "Resource DELETE failed");
		json_decref(keep);
	}
	if (rc == 0) {
		f = json_pack("{s:O?,s:O?}", "batches", batches, "requires",
			      json_object_get(def, "requires"));
		sdb_set(j->id, f, &j->e);
		json_decref(f);
		json_object_set(j->rec, "batches", batches);
	}
	json_decref(batches);
	json_decref(def);
	free(errors);
	return rc;
}

/* Whether a failed action rolls back: not after a delete's cancel nor a
 * cancel_without_rollback, always after a cancel_update, else unless
 * disable_rollback. */
static bool rollback_enabled(struct job *j)
{
	struct herr e = HERR_INIT;
	char *how = sdb_field(j->id, "cancel_update", &e);
	bool yes;

	if (sdb_flag(j->id, "cancel", &e) || (how && strcmp(how, "stop") == 0))
		yes = false;
	else if (how && strcmp(how, "rollback") == 0)
		yes = true;
	else
		yes = !json_is_true(json_object_get(j->rec, "disable_rollback")) &&
		      strcmp(str(j->rec, "disable_rollback"), "true") != 0;
	free(how);
	return yes;
}

static int run_create(struct job *j)
{
	json_t *request = json_object_get(j->rec, "request");
	const char *status = str(j->rec, "stack_status");
	char why[1024] = "";
	int rc;

	if (strcmp(status, "ROLLBACK_IN_PROGRESS") == 0 &&
	    !json_is_object(json_object_get(j->rec, "pending")))
		goto rollback; /* a rollback a dead worker left */
	if (strcmp(status, "CREATE_FAILED") == 0) {
		/* a worker died between the failure and its rollback */
		if (!rollback_enabled(j))
			return 0;
		sdb_stack_state(j->id, "ROLLBACK", "IN_PROGRESS", str(j->rec, "status_reason"),
				&j->e);
		goto rollback;
	}
	if (strcmp(status, "CREATE_IN_PROGRESS") != 0 && strcmp(status, "INIT_COMPLETE") != 0)
		return 0; /* finished, or deleted meanwhile */
	if (strcmp(status, "INIT_COMPLETE") == 0 &&
	    sdb_stack_state(j->id, "CREATE", "IN_PROGRESS", "Stack CREATE started", &j->e) < 0)
		return -1;
	rc = converge(j, request, false, why, sizeof(why));
	if (rc < 0)
		return -1;
	if (rc == 1 && deleting(j))
		return 0; /* the delete that stopped it takes over */
	if (rc == 0) {
		store_outputs(j, request);
		return sdb_stack_state(j->id, "CREATE", "COMPLETE",
				       "Stack CREATE completed successfully", &j->e);
	}
	sdb_stack_state(j->id, "CREATE", "FAILED", why, &j->e);
	if (!rollback_enabled(j))
		return 0;
	sdb_stack_state(j->id, "ROLLBACK", "IN_PROGRESS", why, &j->e);
rollback:
	fresh_deadline(j);
	rc = remove_resources(j, json_object_get(j->rec, "target_batches"), NULL, false);
	if (rc < 0)
		return -1;
	sdb_stack_state(j->id, "ROLLBACK", rc == 0 ? "COMPLETE" : "FAILED",
			rc == 0 ? "Stack ROLLBACK completed successfully" : "Stack ROLLBACK failed",
			&j->e);
	return 0;
}

/* An update: the stack's request becomes the pending one, resources
 * follow; on failure, with rollback enabled, back to the old request. */
static int run_update(struct job *j)
{
	json_t *pending = json_object_get(j->rec, "pending"), *f, *k2;
	json_t *request = json_object_get(pending, "request");
	const char *status = str(j->rec, "stack_status");
	char why[1024] = "";
	int rc;

	if (!json_is_object(request))
		return 0; /* done already, or superseded by a delete */
	/* the update's own disable_rollback, when it gave one */
	if (json_object_get(pending, "disable_rollback"))
		json_object_set(j->rec, "disable_rollback",
				json_object_get(pending, "disable_rollback"));
	if (strcmp(status, "ROLLBACK_IN_PROGRESS") == 0)
		goto rollback; /* a rollback a dead worker left */
	if (strcmp(status, "UPDATE_FAILED") == 0) {
		snprintf(why, sizeof(why), "%s", str(j->rec, "status_reason"));
		goto failed; /* a worker died between the failure and its rollback */
	}
	if (strcmp(status, "UPDATE_IN_PROGRESS") != 0)
		return 0;
	rc = converge(j, request, true, why, sizeof(why));
	if (rc < 0)
		return -1;
	if (rc == 1 && deleting(j))
		return 0; /* the delete that stopped it takes over */
	if (rc == 0) {
		/* the new definition is the stack's now, in the same step as
		 * its state: a worker killed in between leaves no half */
		store_outputs(j, request);
		f = json_deep_copy(pending);
		json_object_set_new(f, "pending", json_null());
		rc = sdb_stack_state_with(j->id, "UPDATE", "COMPLETE",
					  "Stack UPDATE completed successfully", f, &j->e);
		json_decref(f);
		return rc;
	}
	if (sdb_stack_state(j->id, "UPDATE", "FAILED", why, &j->e) < 0)
		return -1;
failed:
	f = json_pack("{s:n}", "pending");
	if (!rollback_enabled(j)) { /* the update is over; its request goes */
		rc = sdb_set(j->id, f, &j->e);
		json_decref(f);
		return rc;
	}
	json_decref(f);
	f = json_pack("{s:s}", "cancel_update", ""); /* the rollback must not stop */
	sdb_set(j->id, f, &j->e);
	json_decref(f);
	if (sdb_stack_state(j->id, "ROLLBACK", "IN_PROGRESS", why, &j->e) < 0)
		return -1;
rollback:
	fresh_deadline(j);
	/* back to the stored request: what the update added goes, what it
	 * changed is changed back */
	k2 = json_object_get(j->rec, "request");
	why[0] = '\0';
	rc = converge(j, k2, true, why, sizeof(why));
	if (rc < 0)
		return -1;
	store_outputs(j, k2);
	f = json_pack("{s:n}", "pending");
	rc = sdb_stack_state_with(j->id, "ROLLBACK", rc == 0 ? "COMPLETE" : "FAILED",
				  rc == 0 ? "Stack ROLLBACK completed successfully" : why, f,
				  &j->e);
	json_decref(f);
	return rc;
}

/* SUSPEND walks the resources last batch first, RESUME and CHECK first
 * batch first; the pure types have nothing to do but record it. */
static int run_walk(struct job *j, const char *action)
{
	json_t *batches = json_object_get(j->rec, "batches");
	bool backwards = strcmp(action, "SUSPEND") == 0;
	char state[64], done[96];
	size_t nb = json_array_size(batches);

	snprintf(state, sizeof(state), "%s_IN_PROGRESS", action);
	if (strcmp(str(j->rec, "stack_status"), state) != 0)
		return 0;
	for (size_t k = 0; k < nb; k++) {
		json_t *batch = json_array_get(batches, backwards ? nb - 1 - k : k), *x;
		size_t i;

		json_array_foreach (batch, i, x) {
			const char *name = json_string_value(x);
			json_t *res = json_object_get(j->resources, name);

			if (!exists(res) || (strcmp(str(res, "resource_action"), action) == 0 &&
					     strcmp(str(res, "resource_status"), "COMPLETE") == 0))
				continue; /* none, or done before a takeover */
			if (!alive(j) ||
			    resource_state(j, name, str(res, "resource_type"), action,
					   "IN_PROGRESS", "state changed", NULL) < 0 ||
			    resource_state(j, name, str(res, "resource_type"), action, "COMPLETE",
					   "state changed", NULL) < 0)
				return -1;
		}
	}
	snprintf(done, sizeof(done), "Stack %s completed successfully", action);
	return sdb_stack_state(j->id, action, "COMPLETE", done, &j->e);
}

static int run_delete(struct job *j)
{
	const char *status = str(j->rec, "stack_status");
	json_t *batches = json_object_get(j->rec, "batches");
	int r;

	if (strcmp(status, "DELETE_COMPLETE") == 0) /* a worker died before the name went */
		return sdb_release_name(j->project, j->name, j->id, &j->e);
	if (strcmp(status, "DELETE_IN_PROGRESS") != 0 &&
	    sdb_stack_state(j->id, "DELETE", "IN_PROGRESS", "Stack DELETE started", &j->e) < 0)
		return -1;
	r = remove_resources(j, json_is_array(batches) ? batches : NULL, NULL, false);
	if (r < 0)
		return -1;
	if (r > 0)
		return sdb_stack_state(j->id, "DELETE", "FAILED", "Resource DELETE failed", &j->e);
	{ /* an update the delete stopped leaves its request: it goes too */
		json_t *f = json_pack("{s:n}", "pending");

		r = sdb_stack_state_with(j->id, "DELETE", "COMPLETE",
					 "Stack DELETE completed successfully", f, &j->e);
		json_decref(f);
		if (r < 0)
			return -1;
	}
	return sdb_release_name(j->project, j->name, j->id, &j->e);
}

/* Takes the stack's lock, waiting while another worker holds it (a
 * create a delete is cancelling; a dead worker's lock runs out). */
static bool lock_stack(struct job *j)
{
	for (;;) {
		struct herr e = HERR_INIT;
		int got = sdb_lock(j->id, j->consumer, reclaim_after_ms, &e);

		if (got > 0) {
			j->touched_ns = clock_now_ns();
			return true;
		}
		if (got < 0 || atomic_load(&stopping))
			return false;
		if (j->job)
			sdb_touch(j->consumer, j->job, &e);
		if (j->parent && !alive(j->parent))
			return false;
		usleep(100000);
	}
}

json_t *lc_plan(json_t *rec, json_t *resources, json_t *request, char **errors)
{
	struct job j = {.e = HERR_INIT, .rec = rec, .resources = resources};
	json_t *def, *out, *x, *res, *tokens;
	const char *name;

	snprintf(j.id, sizeof(j.id), "%s", str(rec, "id"));
	j.name = str(rec, "stack_name");
	j.project = str(rec, "project");
	j.attrs = json_object();
	j.refs = json_object();
	collect_created(&j);
	/* unmasked: compared with what was stored, never shown */
	def = lc_define(request, str(rec, "stack_name"), j.id, str(rec, "project"), EVAL_RESOLVE,
			false, j.attrs, j.refs, errors, NULL);
	json_decref(j.attrs);
	json_decref(j.refs);
	if (!def)
		return NULL;
	tokens = signal_tokens(resources, j.id);
	out = json_pack("{s:[],s:[],s:[],s:[],s:[]}", "added", "deleted", "replaced", "updated",
			"unchanged");
	json_object_foreach (json_object_get(def, "types"), name, x) {
		char why[1024] = "";
		json_t *item;
		const char *bucket;

		res = json_object_get(resources, name);
		switch (decide(res, json_string_value(x),
			       json_object_get(json_object_get(def, "resources"), name),
			       json_object_get(json_object_get(def, "metadata"), name), why,
			       sizeof(why), name, tokens)) {
		case KEEP:
			bucket = "unchanged";
			break;
		case CREATE:
			bucket = "added";
			break;
		case UPDATE:
			bucket = "updated";
			break;
		default: /* REPLACE; REFUSE shows as the failure it will be */
			bucket = "replaced";
			break;
		}
		item = json_pack("{s:s,s:s,s:s}", "resource_name", name, "resource_type",
				 json_string_value(x), "resource_action", bucket);
		if (*why)
			json_object_set_new(item, "resource_status_reason", json_string(why));
		json_array_append_new(json_object_get(out, bucket), item);
	}
	json_object_foreach (resources, name, res)
		if (exists(res) && !json_object_get(json_object_get(def, "types"), name))
			json_array_append_new(json_object_get(out, "deleted"),
					      json_pack("{s:s,s:s}", "resource_name", name,
							"resource_type",
							str(res, "resource_type")));
	json_decref(def);
	json_decref(tokens);
	return out;
}

static int run_job(struct job *parent, const char *consumer, const char *job, const char *op,
		   const char *id)
{
	struct job j = {.e = HERR_INIT, .consumer = consumer, .job = job, .parent = parent};
	json_t *t;
	int rc = -1;

	if (make_external(&j.e) < 0) {
		log_warn("engine", "cannot make the external network: %s", j.e.msg);
		return -1;
	}
	snprintf(j.id, sizeof(j.id), "%s", id);
	if (!lock_stack(&j))
		return -1;
	if (!(j.rec = sdb_get_full(id, &j.e))) {
		sdb_unlock(id, consumer);
		return j.e.code == HERR_NOT_FOUND ? 0 : -1;
	}
	j.name = str(j.rec, "stack_name");
	j.project = str(j.rec, "project");
	/* the action's timeout: an update's own, else the stack's; counted
	 * from when the action began (a create: the request) */
	t = json_object_get(json_object_get(j.rec, "pending"), "timeout_mins");
	if (!t || timeout_of(t) <= 0)
		t = json_object_get(j.rec, "timeout_mins");
	if (timeout_of(t) > 0) {
		/* times on the wall clock (they survive restarts); the deadline
		 * is kept on the monotonic one */
		const char *began = strcmp(op, "create") == 0 || !*str(j.rec, "action_started_ns")
					    ? str(j.rec, "created_ns")
					    : str(j.rec, "action_started_ns");
		uint64_t since = strtoull(began, NULL, 10), now_wall = sdb_wall_ns();
		uint64_t end = since + (uint64_t)timeout_of(t) * 60000000000ull;

		j.deadline_ns = clock_now_ns() + (end > now_wall ? end - now_wall : 0) + 1;
		j.timeout_ns = (uint64_t)timeout_of(t) * 60000000000ull;
	}
	j.attrs = json_object();
	j.refs = json_object();
	if (!(j.resources = sdb_resources(id, &j.e)))
		goto out;
	if (strcmp(op, "create") == 0)
		rc = run_create(&j);
	else if (strcmp(op, "update") == 0)
		rc = run_update(&j);
	else if (strcmp(op, "suspend") == 0)
		rc = run_walk(&j, "SUSPEND");
	else if (strcmp(op, "resume") == 0)
		rc = run_walk(&j, "RESUME");
	else if (strcmp(op, "check") == 0)
		rc = run_walk(&j, "CHECK");
	else if (strcmp(op, "delete") == 0)
		rc = run_delete(&j);
	else
		rc = 0; /* an op this version does not know: dropped */
out:
	if (rc < 0 && j.e.code != HERR_UNAVAILABLE && herr_isset(&j.e) && !atomic_load(&stopping)) {
		/* not an outage that a retry outlives: the stack fails, the
		 * job ends (else it would come back every reclaim period) */
		char action[32], why[600];

		snprintf(action, sizeof(action), "%s", str(j.rec, "stack_action"));
		snprintf(why, sizeof(why), "Internal error: %s", j.e.msg);
		log_error("engine", "job %s of stack %s failed: %s", op, id, j.e.msg);
		herr_clear(&j.e);
		if (sdb_stack_state(j.id,
				    *action && strcmp(action, "INIT") != 0 ? action : "CREATE",
				    "FAILED", why, &j.e) == 0)
			rc = 0;
	}
	if (rc < 0)
		log_warn("engine", "job %s of stack %s stopped: %s", op, id, j.e.msg);
	sdb_unlock(id, consumer);
	json_decref(j.rec);
	json_decref(j.resources);
	json_decref(j.attrs);
	json_decref(j.refs);
	json_decref(j.secrets);
	return rc;
}

static void *worker(void *arg)
{
	char consumer[128], host[64] = "host";

	gethostname(host, sizeof(host) - 1);
	snprintf(consumer, sizeof(consumer), "%s-%d-%d", host, (int)getpid(), (int)(intptr_t)arg);
	while (!atomic_load(&stopping)) {
		struct herr e = HERR_INIT;
		char op[16], id[SDB_ID_SIZE], job[64];
		int got = sdb_reclaim(consumer, reclaim_after_ms, op, id, job, &e);

		if (got == 0)
			got = sdb_take(consumer, 500, op, id, job, &e);
		if (got < 0) {
			usleep(200000); /* Redis is away: the store backs off too */
			continue;
		}
		if (got == 0)
			continue;
		if (run_job(NULL, consumer, job, op, id) == 0)
			sdb_done(job, &e);
		/* else: left pending, for this or another worker to take over */
	}
	return NULL;
}

int lc_start(int n, long reclaim_ms, struct herr *e)
{
	atomic_store(&stopping, false);
	reclaim_after_ms = reclaim_ms;
	threads = calloc((size_t)n, sizeof(*threads));
	if (!threads) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	for (nthreads = 0; nthreads < n; nthreads++)
		if (pthread_create(&threads[nthreads], NULL, worker, (void *)(intptr_t)nthreads)) {
			herr_set(e, HERR_SYSTEM, "cannot start engine workers");
			lc_stop();
			return -1;
		}
	return 0;
}

void lc_stop(void)
{
	atomic_store(&stopping, true);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;
}
