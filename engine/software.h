/* Software configs, deployments and the server metadata agents read
 * (signal-deploy-spec §2-§4): OS::Heat::SoftwareConfig, StructuredConfig,
 * CloudConfig, MultipartMime, SoftwareDeployment and
 * StructuredDeployment (their groups are nested stacks of these, see
 * lifecycle.c).  Storage is engine/swdb.h. */
#ifndef HEARTH_SOFTWARE_H
#define HEARTH_SOFTWARE_H

#include <stdbool.h>

#include "common/err.h"
#include "engine/rsrc.h"

bool software_handles(const char *type);
bool software_is_deployment(const char *type);
bool software_is_group(const char *type);
int software_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
int software_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		    struct rsrc_result *r);
int software_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);

/* The id of the deployment attempt seq at resource makes (the signal
 * routes find it before the resource's record has it). */
void software_deployment_id(const char *stack_id, const char *resource, uint64_t seq, char out[37]);

/* The DELETE action of a deployment (§3.2 7), before its delete: 0
 * nothing to run (not in its actions, NO_SIGNAL, the server gone); 1
 * published, wait for deployment id (software_check) or for the server
 * to go (software_server_exists); -1 failed (r->reason). */
int software_delete_start(const struct rsrc_ctx *c, json_t *props, char id[37],
			  struct rsrc_result *r);
bool software_server_exists(const char *server);

/* One look at a waiting deployment (its id): 0 still waiting, 1 complete
 * (*attrs: its attributes), -1 failed (why, in Heat's words), -2 Redis
 * failed. */
int software_check(const char *name, const char *id, json_t **attrs, char *why, size_t size,
		   struct herr *e);

/* The server's metadata as agents see it (§4.1): the template's metadata,
 * "deployments" and "os-collect-config" (with its credentials).  NULL
 * with HERR_NOT_FOUND when there is no such server. */
json_t *software_server_metadata(const char *server, struct herr *e);
/* The os-collect-config section of a server of stack (its resource and
 * attempt seq) by transport; NULL for a transport Hearth cannot serve. */
json_t *software_collect_config(const char *stack_id, const char *stack_name, const char *resource,
				uint64_t seq, const char *server, const char *transport);
/* The secret of the server's metadata URL ("?sig=..."). */
void software_metadata_sig(const char *stack_id, const char *resource, uint64_t seq, char out[65]);
/* The secret of a deployment's TEMP_URL_SIGNAL URL. */
void software_temp_url_sig(const char *stack_id, const char *resource, uint64_t seq, char out[65]);

/* Heat's multipart user_data for user_data_format SOFTWARE_CONFIG (§4.2):
 * malloc'd. */
char *software_user_data(const char *user_data, json_t *metadata);

#endif
