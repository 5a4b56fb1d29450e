/* Software configs and deployments in Redis (signal-deploy-spec §2-§4),
 * shared by the engine's resources, the API's software_configs and
 * software_deployments routes and the signal role.
 *
 * Keys: hearth:sc:ID (a config, JSON; immutable), hearth:sc:project:P
 * (its configs, a sorted set by creation), hearth:sd:ID (a deployment,
 * JSON), hearth:sd:project:P and hearth:sd:server:SERVER (sets of
 * deployment ids), hearth:sd:mtime (server -> when its deployments last
 * changed).  Every change to a server's deployments is an entry of the
 * stream hearth:sd:changes (field s: the server id) for the agents that
 * long-poll (signal/longpoll.h). */
#ifndef HEARTH_SWDB_H
#define HEARTH_SWDB_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"

#define SWDB_CHANGES "hearth:sd:changes"

/* A config as Heat stores it: {id, name, group, creation_time, config,
 * inputs, outputs, options} with inputs and outputs normalised (type
 * String by default, error_output always there, replace_on_change only
 * when true, null keys left out); project is kept alongside.  NULL with
 * why when an input or output is malformed. */
json_t *swdb_config_make(const char *project, const char *name, const char *group, json_t *config,
			 json_t *inputs, json_t *outputs, json_t *options, char *why, size_t size);
int swdb_config_put(json_t *cfg, struct herr *e);
/* The config (new reference), or NULL (HERR_NOT_FOUND). */
json_t *swdb_config_get(const char *id, struct herr *e);
int swdb_config_delete(const char *id, struct herr *e);
/* The project's configs, oldest first. */
json_t *swdb_config_list(const char *project, struct herr *e);

/* A deployment: {id, config_id, server_id, input_values, output_values,
 * action, status, status_reason, creation_time, updated_time?} and its
 * project (and, for a deployment resource, stack_id and resource).
 * put stores it and indexes it under its server (moving it from
 * old_server when that differs), publishing the change. */
int swdb_deployment_put(json_t *dep, const char *old_server, struct herr *e);
json_t *swdb_deployment_get(const char *id, struct herr *e);
int swdb_deployment_delete(const char *id, struct herr *e);
/* The project's deployments (of server, when not NULL). */
json_t *swdb_deployment_list(const char *project, const char *server, struct herr *e);
/* Stores dep only if the stored one is still IN_PROGRESS with the same
 * config_id: 1 stored, 0 not (it moved on), -1 Redis failed. */
int swdb_deployment_settle(json_t *dep, struct herr *e);

/* The server's deployments as agents see them: the config of each,
 * sorted by name. */
json_t *swdb_server_deployments(const char *server, struct herr *e);
/* When the server's deployments last changed (Unix seconds; 0 never). */
long long swdb_server_mtime(const char *server, struct herr *e);
/* Records a change of the server's metadata. */
int swdb_server_touch(const char *server, struct herr *e);

/* The input list of a derived config (§2.3): declared inputs with their
 * values, the other input_values, then the implicit deploy_* inputs
 * (implicit: an array of {name, value, description}). */
json_t *swdb_derive_inputs(json_t *declared, json_t *input_values, json_t *implicit);

#endif
