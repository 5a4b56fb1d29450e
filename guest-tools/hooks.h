/* The built-in hooks: what runs a deployment whose group has no hook
 * program (signal-deploy-spec §5.5 for the heat-config hooks they stand
 * in for).  Each takes the config as the hook would read it on stdin and
 * returns the signal data: a new object with the declared outputs it has
 * and deploy_stdout, deploy_stderr, deploy_status_code.
 *
 *   script           the config is a program (a "#!" line): written 0700 to
 *                    WORKING/ID and run with an environment variable per
 *                    input (a string as is, null as "", other values as
 *                    JSON) and heat_outputs_path=OUTPUTS/ID; each declared
 *                    output is read from ${heat_outputs_path}.NAME;
 *   cloud-config     the config (#cloud-config YAML, or a map) is applied as
 *                    boot applies user_data's: bootcmd, write_files, users,
 *                    ssh_authorized_keys, runcmd; the commands' output is
 *                    deploy_stdout, the agent's warnings deploy_stderr;
 *   Heat::Ungrouped, ungrouped
 *                    a "#!" config runs as script, a "#cloud-config" one as
 *                    cloud-config, an empty one does nothing. */
#ifndef HEARTH_AGENT_HOOKS_H
#define HEARTH_AGENT_HOOKS_H

#include <jansson.h>

#include "guest-tools/deploy.h"

#define HOOKS_OUTPUT_CAP (1u << 20) /* kept of each stream, and of each output */

typedef json_t *hooks_fn(const struct deploy_ctx *c, json_t *cfg, const char *label);

/* The built-in hook of group, or NULL. */
hooks_fn *hooks_builtin(const char *group);

#endif
