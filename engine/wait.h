/* OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition
 * (signal-deploy-spec §1.1, §1.7).  A handle's token comes from the vault
 * (signal/vault.h) and its attributes (token, endpoint, curl_cli, signal)
 * are derived again whenever a template needs them: no copy of a token is
 * stored.  Signals are kept in hearth:stack:{ID}:signals:RESOURCE (id ->
 * {status, reason, data}) by the signal role, which then wakes the
 * engine through hearth:stack:{ID}:wake. */
#ifndef HEARTH_WAIT_H
#define HEARTH_WAIT_H

#include <stdbool.h>

#include "common/err.h"
#include "engine/rsrc.h"

/* The base URL of the signal endpoint, as guests reach it. */
void wait_set_endpoint(const char *base);
const char *wait_endpoint(void);

bool wait_handles(const char *type);
bool wait_is_handle(const char *type);
int wait_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
int wait_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		struct rsrc_result *r);
int wait_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
/* A stored handle's attributes, derived again (new reference). */
json_t *wait_handle_attributes(const char *stack_id, const char *stack_name, const char *project,
			       const char *name, uint64_t seq, json_t *props);

/* One look at a waiting condition: 0 still waiting, 1 complete (*data:
 * its data attribute), -1 failed or timed out (why, in Heat's words), -2
 * Redis failed. */
int wait_check(const char *stack_id, const char *cond, const char *handle, long count,
	       bool timed_out, json_t **data, char *why, size_t size, struct herr *e);
/* The stack's wake stream key. */
void wait_wake_key(const char *stack_id, char *out, size_t size);

#endif
