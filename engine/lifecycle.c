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
#include "engine/rsrc.h"
#include "engine/stack.h"
#include "engine/stackdb.h"

#define MAX_ENVS 64

/* ------------------------------------------------------------ definition */

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

json_t *lc_define(json_t *request, const char *name, const char *id, const char *project,
		  enum eval_mode mode, bool mask_hidden, json_t *attrs, json_t *ref_ids,
		  char **errors, json_t **parsed)
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
	const char *consumer, *job; /* who runs it, and its entry in the queue */
	uint64_t touched_ns;        /* when the lock and the job were last renewed */
	json_t *rec;
	const char *name, *project;
	uint64_t deadline_ns; /* 0: none */
	json_t *resources;    /* name → stored resource */
	json_t *attrs, *refs; /* of the created ones */
	struct herr e;
};

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Renews the stack's lock and the job's claim, at most once a second:
 * false when the lock went to another worker (this one was too slow). */
static bool alive(struct job *j)
{
	uint64_t now = clock_now_ns();
	struct herr e = HERR_INIT;

	if (now - j->touched_ns < 1000000000ull)
		return true;
	j->touched_ns = now;
	sdb_touch(j->consumer, j->job, &e);
	return sdb_lock(j->id, j->consumer, reclaim_after_ms, &e) != 0;
}

/* Whether a delete asked the running create to stop. */
static bool cancelled(struct job *j)
{
	struct herr e = HERR_INIT;

	return sdb_flag(j->id, "cancel", &e);
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
	json_object_set_new(res, "resource_action", json_string(action));
	json_object_set_new(res, "resource_status", json_string(status));
	json_object_set_new(res, "resource_status_reason", json_string(reason));
	if (r && r->physical_id[0])
		json_object_set_new(res, "physical_resource_id", json_string(r->physical_id));
	if (r && r->attributes)
		json_object_set(res, "attributes", r->attributes);
	if (r && r->ref_id)
		json_object_set(res, "reference_id", r->ref_id);
	return sdb_resource_state(j->id, res, &j->e);
}

static bool timed_out(const struct job *j)
{
	return j->deadline_ns && clock_now_ns() > j->deadline_ns;
}

/* What delete and rollback remove: created resources, last batch first. */
static int remove_resources(struct job *j, json_t *batches)
{
	for (size_t b = json_array_size(batches); b-- > 0;) {
		json_t *batch = json_array_get(batches, b), *n;
		size_t i;

		json_array_foreach (batch, i, n) {
			const char *name = json_string_value(n);
			json_t *res = json_object_get(j->resources, name);
			struct rsrc_result r = {0};
			const char *type = str(res, "resource_type");

			if (!res || strcmp(str(res, "resource_action"), "INIT") == 0 ||
			    (strcmp(str(res, "resource_action"), "DELETE") == 0 &&
			     strcmp(str(res, "resource_status"), "COMPLETE") == 0))
				continue;
			if (!alive(j))
				return -1;
			if (resource_state(j, name, type, "DELETE", "IN_PROGRESS", "state changed",
					   NULL) < 0)
				return -1;
			if (rsrc_delete(name, type, json_object_get(res, "properties"), &r) < 0) {
				resource_state(j, name, type, "DELETE", "FAILED", r.reason, NULL);
				rsrc_result_clear(&r);
				return 1;
			}
			rsrc_result_clear(&r);
			if (resource_state(j, name, type, "DELETE", "COMPLETE", "state changed",
					   NULL) < 0)
				return -1;
		}
	}
	return 0;
}

/* A started resource waiting for its handler's time to pass. */
struct pending {
	const char *name, *type;
	uint64_t until_ns;
	struct rsrc_result r;
};

/* Creates one batch; 0 when all completed, 1 after a failure (reason in
 * why), -1 when Redis failed. */
static int create_batch(struct job *j, json_t *def, json_t *batch, char *why, size_t size)
{
	size_t n = json_array_size(batch), np = 0, i;
	struct pending *p = calloc(n + 1, sizeof(*p));
	json_t *x;
	int rc = 0;

	if (!p)
		return -1;
	json_array_foreach (batch, i, x) {
		const char *name = json_string_value(x);
		const char *type = str(json_object_get(def, "types"), name);
		json_t *res = json_object_get(j->resources, name);
		json_t *props = json_object_get(json_object_get(def, "resources"), name);

		if (res && strcmp(str(res, "resource_action"), "CREATE") == 0 &&
		    strcmp(str(res, "resource_status"), "COMPLETE") == 0)
			continue; /* done before this worker took the job */
		if (!alive(j)) {
			rc = -1;
			goto out;
		}
		if (resource_state(j, name, type, "CREATE", "IN_PROGRESS", "state changed", NULL) <
		    0) {
			rc = -1;
			goto out;
		}
		p[np].name = name;
		p[np].type = type;
		if (rsrc_create(j->name, name, type, props, &p[np].r) < 0) {
			resource_state(j, name, type, "CREATE", "FAILED", p[np].r.reason, NULL);
			snprintf(why, size, "Resource CREATE failed: %s", p[np].r.reason);
			rsrc_result_clear(&p[np].r);
			rc = 1;
			goto out;
		}
		p[np].until_ns = clock_now_ns() + p[np].r.wait_ms * 1000000ull;
		np++;
	}
	/* Complete them in the order their waits end. */
	for (size_t done = 0; done < np;) {
		size_t next = np;
		uint64_t now = clock_now_ns();

		for (size_t k = 0; k < np; k++)
			if (p[k].name && (next == np || p[k].until_ns < p[next].until_ns))
				next = k;
		if (p[next].until_ns > now) {
			uint64_t left = p[next].until_ns - now;

			if (atomic_load(&stopping) || !alive(j)) {
				rc = -1;
				goto out;
			}
			if (timed_out(j)) {
				snprintf(why, size, "Create timed out");
				rc = 1;
				goto out;
			}
			if (cancelled(j)) {
				snprintf(why, size, "Stack CREATE cancelled");
				rc = 1;
				goto out;
			}
			usleep((useconds_t)(left > 100000000 ? 100000 : left / 1000 + 1));
			continue;
		}
		if (resource_state(j, p[next].name, p[next].type, "CREATE", "COMPLETE",
				   "state changed", &p[next].r) < 0) {
			rc = -1;
			goto out;
		}
		json_object_set(j->attrs, p[next].name, p[next].r.attributes);
		json_object_set(j->refs, p[next].name, p[next].r.ref_id);
		rsrc_result_clear(&p[next].r);
		p[next].name = NULL;
		done++;
	}
out:
	for (size_t k = 0; k < np; k++)
		if (p[k].name) {
			if (rc == 1)
				resource_state(j, p[k].name, p[k].type, "CREATE", "FAILED",
					       "CREATE aborted", NULL);
			rsrc_result_clear(&p[k].r);
		}
	free(p);
	return rc;
}

static void collect_created(struct job *j)
{
	const char *name;
	json_t *res;

	json_object_foreach (j->resources, name, res)
		if (strcmp(str(res, "resource_action"), "CREATE") == 0 &&
		    strcmp(str(res, "resource_status"), "COMPLETE") == 0) {
			json_object_set(j->attrs, name, json_object_get(res, "attributes"));
			json_object_set(j->refs, name, json_object_get(res, "reference_id"));
		}
}

/* Outputs as the API shows them: hidden values masked. */
static void store_outputs(struct job *j, json_t *request)
{
	char *errors = NULL;
	json_t *def = lc_define(request, j->name, j->id, j->project, EVAL_RESOLVE, true, j->attrs,
				j->refs, &errors, NULL);

	free(errors);
	if (def) {
		json_t *fields =
			json_pack("{s:O?,s:O?}", "outputs", json_object_get(def, "outputs"),
				  "output_errors", json_object_get(def, "output_errors"));

		sdb_set(j->id, fields, &j->e);
		json_decref(fields);
	}
	json_decref(def);
}

static int run_create(struct job *j)
{
	json_t *request = json_object_get(j->rec, "request"), *def = NULL, *batches;
	const char *status = str(j->rec, "stack_status");
	char why[1024] = "", *errors = NULL;
	int rc = 0;

	if (strcmp(status, "CREATE_IN_PROGRESS") != 0 && strcmp(status, "INIT_COMPLETE") != 0)
		return 0; /* finished, or deleted meanwhile */
	if (strcmp(status, "INIT_COMPLETE") == 0 &&
	    sdb_stack_state(j->id, "CREATE", "IN_PROGRESS", "Stack CREATE started", &j->e) < 0)
		return -1;
	collect_created(j);
	def = lc_define(request, j->name, j->id, j->project, EVAL_RESOLVE, false, j->attrs, j->refs,
			&errors, NULL);
	if (!def) {
		snprintf(why, sizeof(why), "%s", errors ? errors : "invalid stack");
		rc = 1;
		goto end;
	}
	batches = json_incref(json_object_get(def, "batches"));
	{
		/* absent when the graph has a cycle: validation refused it */
		json_t *f = json_pack("{s:O?,s:O?}", "batches", batches, "requires",
				      json_object_get(def, "requires"));

		sdb_set(j->id, f, &j->e);
		json_decref(f);
	}
	for (size_t b = 0; b < json_array_size(batches) && rc == 0; b++) {
		if (timed_out(j)) {
			snprintf(why, sizeof(why), "Create timed out");
			rc = 1;
			break;
		}
		if (cancelled(j)) {
			snprintf(why, sizeof(why), "Stack CREATE cancelled");
			rc = 1;
			break;
		}
		if (b > 0) { /* resolved again with what the earlier batches gave */
			json_decref(def);
			free(errors);
			def = lc_define(request, j->name, j->id, j->project, EVAL_RESOLVE, false,
					j->attrs, j->refs, &errors, NULL);
			if (!def) {
				snprintf(why, sizeof(why), "%s", errors ? errors : "invalid stack");
				rc = 1;
				break;
			}
		}
		rc = create_batch(j, def, json_array_get(batches, b), why, sizeof(why));
	}
	if (rc == 0) {
		store_outputs(j, request);
		rc = sdb_stack_state(j->id, "CREATE", "COMPLETE",
				     "Stack CREATE completed successfully", &j->e);
	} else if (rc == 1) {
		bool rollback = !cancelled(j) &&
				!json_is_true(json_object_get(j->rec, "disable_rollback")) &&
				!(json_is_string(json_object_get(j->rec, "disable_rollback")) &&
				  strcmp(str(j->rec, "disable_rollback"), "true") == 0);

		sdb_stack_state(j->id, "CREATE", "FAILED", why, &j->e);
		if (rollback) {
			sdb_stack_state(j->id, "ROLLBACK", "IN_PROGRESS", why, &j->e);
			if (remove_resources(j, batches) == 0)
				sdb_stack_state(j->id, "ROLLBACK", "COMPLETE",
						"Stack ROLLBACK completed successfully", &j->e);
			else
				sdb_stack_state(j->id, "ROLLBACK", "FAILED",
						"Stack ROLLBACK failed", &j->e);
		}
		rc = 0;
	}
	json_decref(batches);
end:
	if (rc == 1) {
		sdb_stack_state(j->id, "CREATE", "FAILED", why, &j->e);
		rc = 0;
	}
	json_decref(def);
	free(errors);
	return rc;
}

static int run_delete(struct job *j)
{
	const char *status = str(j->rec, "stack_status");
	json_t *batches = json_object_get(j->rec, "batches");
	int r;

	if (strcmp(status, "DELETE_COMPLETE") == 0)
		return 0;
	if (strcmp(status, "DELETE_IN_PROGRESS") != 0 &&
	    sdb_stack_state(j->id, "DELETE", "IN_PROGRESS", "Stack DELETE started", &j->e) < 0)
		return -1;
	r = remove_resources(j, json_is_array(batches) ? batches : NULL);
	if (r < 0)
		return -1;
	if (r > 0)
		return sdb_stack_state(j->id, "DELETE", "FAILED", "Resource DELETE failed", &j->e);
	if (sdb_stack_state(j->id, "DELETE", "COMPLETE", "Stack DELETE completed successfully",
			    &j->e) < 0)
		return -1;
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
		sdb_touch(j->consumer, j->job, &e);
		usleep(100000);
	}
}

static int run_job(const char *consumer, const char *job, const char *op, const char *id)
{
	struct job j = {.e = HERR_INIT, .consumer = consumer, .job = job};
	json_t *t;
	int rc = -1;

	snprintf(j.id, sizeof(j.id), "%s", id);
	if (!lock_stack(&j))
		return -1;
	if (!(j.rec = sdb_get(id, &j.e))) {
		sdb_unlock(id, consumer);
		return j.e.code == HERR_NOT_FOUND ? 0 : -1;
	}
	j.name = str(j.rec, "stack_name");
	j.project = str(j.rec, "project");
	t = json_object_get(j.rec, "timeout_mins");
	if (json_is_string(t) && atoll(json_string_value(t)) > 0) {
		/* created_ns is on the wall clock (it survives restarts); the
		 * deadline is kept on the monotonic one */
		uint64_t since = strtoull(str(j.rec, "created_ns"), NULL, 10), now_wall;
		uint64_t end = since + (uint64_t)atoll(json_string_value(t)) * 60000000000ull;
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		now_wall = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		j.deadline_ns = clock_now_ns() + (end > now_wall ? end - now_wall : 0) + 1;
	}
	j.attrs = json_object();
	j.refs = json_object();
	if (!(j.resources = sdb_resources(id, &j.e)))
		goto out;
	if (strcmp(op, "create") == 0)
		rc = run_create(&j);
	else if (strcmp(op, "delete") == 0)
		rc = run_delete(&j);
	else
		rc = 0; /* an op this version does not know: dropped */
out:
	if (rc < 0)
		log_warn("engine", "job %s of stack %s stopped: %s", op, id, j.e.msg);
	sdb_unlock(id, consumer);
	json_decref(j.rec);
	json_decref(j.resources);
	json_decref(j.attrs);
	json_decref(j.refs);
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
		if (run_job(consumer, job, op, id) == 0)
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
