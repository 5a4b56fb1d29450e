/* The stack lifecycle: what the engine role's workers do with the jobs the
 * API queues (create, delete), resource by resource in dependency order,
 * every step stored in Redis (stackdb.h) before the next one starts, so a
 * worker that dies leaves a stack another worker can carry on. */
#ifndef HEARTH_LIFECYCLE_H
#define HEARTH_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"
#include "engine/eval.h"

/* A stack's definition (stack.h) from a stored request {template,
 * environment, environment_files, files, parameters}.  attrs and ref_ids:
 * what created resources gave (RESOLVE).  NULL with *errors (malloc'd, one
 * finding per line) when the request is not a valid stack.  parsed, when
 * not NULL, gets the template as loaded (a template sent as text, parsed),
 * even when it is not valid. */
json_t *lc_define(json_t *request, const char *name, const char *id, const char *project,
		  enum eval_mode mode, bool mask_hidden, json_t *attrs, json_t *ref_ids,
		  char **errors, json_t **parsed);

/* A template checked as Heat's validate route does: missing parameter
 * values are not errors (lc_define, which defines stacks about to be
 * made, counts them as errors). */
json_t *lc_validate(json_t *request, const char *project, char **errors, json_t **parsed);

/* What an update to request would do to stack rec (a full record) whose
 * resources are stored as given: {added, deleted, replaced, updated,
 * unchanged}, each a list of {resource_name, resource_type}, with Heat's
 * per-resource decision (approximate, as Heat's preview is: values known
 * only once a replaced resource exists are compared as they stand).
 * NULL with *errors when the request is not a valid stack. */
json_t *lc_plan(json_t *rec, json_t *resources, json_t *request, char **errors);

/* Starts n worker threads (engine role); each takes jobs until
 * lc_stop().  reclaim_ms: how long a job may sit with a worker that
 * stopped answering before another takes it over. */
int lc_start(int n, long reclaim_ms, struct herr *e);
/* Resources allowed in a stack's whole tree (-1: no limit; default 1000,
 * Heat's max_resources_per_stack); set before the API and workers run. */
void lc_set_max_resources(int n);
/* The operator's external network, made (once) before the first job. */
void lc_set_external(const char *name, const char *cidr);
void lc_stop(void);

#endif
