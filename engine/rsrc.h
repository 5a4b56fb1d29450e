/* What creating and deleting a resource of each type does (hot-spec §7).
 * The pure types live here: OS::Heat::None, Value, RandomString and
 * TestResource.  A type without a handler fails its creation with a
 * reason that says so. */
#ifndef HEARTH_RSRC_H
#define HEARTH_RSRC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The outcome of one step.  create fills physical_id, ref_id (the value
 * get_resource gives) and attributes; wait_ms asks the caller to wait that
 * long before the resource is complete (TestResource's wait_secs); a
 * failure sets reason (Heat's "ValueError: resources.x: ..."). */
struct rsrc_result {
	char physical_id[256];
	json_t *ref_id;
	json_t *attributes;
	json_t *shown;  /* the attributes as the API may show them; NULL: the same */
	json_t *stored; /* the attributes as stored (no secrets); NULL: the same */
	uint64_t wait_ms;
	/* a wait condition: complete once wait_handle (a resource of the
	 * stack) has wait_count signals, failed after wait_ms */
	char wait_handle[256];
	long wait_count;
	/* a software deployment (its id): complete when its signal came */
	char wait_deployment[40];
	char reason[512];
};

/* Whose resource a step is about.  seq tells this attempt at making it
 * from others (its created_seq): what it allocates in the local driver is
 * held under it (netdb.h). */
struct rsrc_ctx {
	const char *stack_id, *stack_name, *project;
	const char *name, *type;
	uint64_t seq;
	json_t *stored;    /* the resource as stored (update, delete), or NULL */
	json_t *siblings;  /* the stack's resources as stored (name -> resource) */
	const char *fence; /* the worker holding the stack's lock (netdb.h) */
};

/* 0 on success, -1 with r->reason. */
int rsrc_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
/* An update in place from old_props to new_props: new attributes (and a
 * wait); the physical id and reference id stay unless set. */
int rsrc_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		struct rsrc_result *r);
/* Deletes what the resource made (everything the ledger holds for it
 * goes too, see netdb.h). */
int rsrc_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
/* Whether a change of property prop of type can be made in place (else
 * the resource is replaced), beyond what the schema says: the driver's
 * types replace what would need new allocations. */
bool rsrc_in_place(const char *type, const char *prop);
void rsrc_result_clear(struct rsrc_result *r);
/* Fails a step in Heat's words ("Type: resources.NAME: message"): -1. */
int rsrc_fail(const struct rsrc_ctx *c, struct rsrc_result *r, const char *type, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* v (a new reference, copied), or else fallback (new; freed when v is there). */
json_t *rsrc_or_new(json_t *v, json_t *fallback);
/* Heat's default physical name: stack-name-12 lowercase base32 characters
 * (also a nested stack's name). */
void rsrc_physical_name(const char *stack, const char *name, char *out, size_t size);

#endif
