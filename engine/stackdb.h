/* Stacks, resources, events and the engine's job queue in Redis.
 *
 * Keys (docs/internals/stacks.md): every key of one stack carries the
 * stack's id as its hash tag, hearth:stack:{ID}, so a Redis Cluster keeps
 * a stack on one shard; a project's name index and list are
 * hearth:project:P:names and :stacks; jobs are the stream hearth:jobs,
 * read by the consumer group "engine".  Every change of state goes through
 * sdb_stack_state or sdb_resource_state, which write the new state and its
 * event in one step (a Lua script). */
#ifndef HEARTH_STACKDB_H
#define HEARTH_STACKDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define SDB_ID_SIZE 37 /* a UUID and its NUL */

/* A new random (version 4) UUID. */
void sdb_uuid(char out[SDB_ID_SIZE]);
/* Now as Heat writes times: "2026-11-23T15:04:05Z". */
void sdb_now(char out[21]);
/* Now on the wall clock in nanoseconds (times that outlive a process). */
uint64_t sdb_wall_ns(void);

/* Creates stack rec (an object with at least id, stack_name, project)
 * and queues its creation, in one step.  HERR_CONFLICT when the project
 * already has a stack of that name. */
int sdb_create(json_t *rec, struct herr *e);

/* The stack record (new reference) of id, or NULL (HERR_NOT_FOUND),
 * without its request and pending update (kept in keys of their own:
 * most readers do not need a whole template). */
json_t *sdb_get(const char *id, struct herr *e);
/* The same with "request" and "pending" (null when none). */
json_t *sdb_get_full(const char *id, struct herr *e);
/* The id of the project's live stack called name, or false. */
bool sdb_lookup(const char *project, const char *name, char id[SDB_ID_SIZE], struct herr *e);
/* The project's stacks, oldest first (records without the request). */
json_t *sdb_list(const char *project, struct herr *e);
/* The record's field (malloc'd; "" when absent), NULL when Redis failed. */
char *sdb_field(const char *id, const char *field, struct herr *e);
/* Whether the record's field holds "true". */
bool sdb_flag(const char *id, const char *field, struct herr *e);
/* Sets fields of the stack record (object of strings or JSON values). */
int sdb_set(const char *id, json_t *fields, struct herr *e);

/* The stack's new state with its event. */
int sdb_stack_state(const char *id, const char *action, const char *status, const char *reason,
		    struct herr *e);
/* The same, setting the record's fields in with in the same step
 * ("request" and "pending" go to their keys; "pending": null drops it). */
int sdb_stack_state_with(const char *id, const char *action, const char *status, const char *reason,
			 json_t *with, struct herr *e);
/* Stores resource res (an object with name, type, action, status, reason,
 * physical_resource_id...) and its event. */
int sdb_resource_state(const char *id, json_t *res, struct herr *e);
/* Several transitions at once: items is an array of resource objects
 * (snapshots, stamped by sdb_stamp), stored and their events appended in
 * order, in few round trips. */
int sdb_resource_states(const char *id, json_t *items, struct herr *e);
/* Sets a resource object's updated_time (and creation_time if new). */
void sdb_stamp(json_t *res);
/* Drops resource name's record (a resource an update removed). */
int sdb_resource_forget(const char *id, const char *name, struct herr *e);
/* name → resource object (new reference). */
json_t *sdb_resources(const char *id, struct herr *e);
/* One resource of the stack (new reference), or NULL (HERR_NOT_FOUND). */
json_t *sdb_resource(const char *id, const char *name, struct herr *e);
/* Events after marker (a stream id; NULL from the start), at most limit
 * (0: all), oldest first. */
json_t *sdb_events(const char *id, const char *marker, size_t limit, struct herr *e);

/* Starts action ("UPDATE", "SUSPEND", "RESUME", "CHECK") on stack id in
 * one step: stores pending (the new request of an update and the record's
 * fields it will set; NULL for none), moves the stack to
 * ACTION_IN_PROGRESS with its event and queues the job (op: the action in
 * lower case).  HERR_CONFLICT (naming the running action, as Heat's
 * message does) when an action is in progress, HERR_NOT_FOUND when the
 * stack is deleted, HERR_INVALID for an update of a suspended stack. */
int sdb_begin(const char *id, const char *action, json_t *pending, struct herr *e);
/* Starts a delete in one step: DELETE_IN_PROGRESS with its event, the
 * cancel flag a running create or update stops at, the job queued.
 * HERR_NOT_FOUND when the stack is deleted already. */
int sdb_begin_delete(const char *id, struct herr *e);
/* Queues op ("create", "update", "delete") for stack id. */
int sdb_queue(const char *op, const char *id, struct herr *e);
/* Takes the next job for consumer (blocking up to block_ms): fills op,
 * stack id and the job's id; 0 when none came, 1 with a job. */
int sdb_take(const char *consumer, int block_ms, char op[16], char id[SDB_ID_SIZE], char job[64],
	     struct herr *e);
/* Jobs other consumers took more than idle_ms ago and never finished
 * become this consumer's (a worker that died): the same as sdb_take. */
int sdb_reclaim(const char *consumer, long idle_ms, char op[16], char id[SDB_ID_SIZE], char job[64],
		struct herr *e);
int sdb_done(const char *job, struct herr *e);

/* The stack's lock, held by the worker running one of its jobs for ttl_ms
 * unless renewed: 1 taken (or renewed by its owner), 0 held by another. */
int sdb_lock(const char *id, const char *owner, long ttl_ms, struct herr *e);
void sdb_unlock(const char *id, const char *owner);
/* Tells the group the job is alive (its idle time starts again), so that
 * no other worker takes over a long job. */
int sdb_touch(const char *consumer, const char *job, struct herr *e);

/* Forgets a deleted stack's name (the record stays, DELETE_COMPLETE). */
int sdb_release_name(const char *project, const char *name, const char *id, struct herr *e);

/* API tokens: stored as SHA-256 of the token only. */
int sdb_token_put(const char *token, const char *project, const char *role, struct herr *e);
/* The token's {project, role} (new reference), or NULL. */
json_t *sdb_token_get(const char *token, struct herr *e);

#endif
