/* Running software deployments (signal-deploy-spec §2.3, §5.5): each
 * derived config of a server's "deployments" list, once per config id,
 * through the hook of its group, then its signal.
 *
 * State, in the deployed directory (0700; files 0600), per config id:
 *   ID.json         the config as run, written before the hook starts, so
 *                   that no crash ever runs a hook twice;
 *   ID.notify.json  the signal body, written when the hook has ended;
 *   ID.signalled    written once the signal needs no more sending
 *                   (accepted, refused, or none to send).
 * A config with ID.json and ID.notify.json but no marker has its saved
 * signal sent again (the hook is not run); one with ID.json alone was cut
 * short while its hook ran and is reported failed, not run again.  A pass
 * holds deploy.lock in that directory, so two agents (collect and apply)
 * never run the same config.
 *
 * The hook of a group is the first executable named by the group with only
 * [A-Za-z0-9_-] kept in the hook directories, else a built-in one
 * (hooks.h); a group with neither is signalled as failed. */
#ifndef HEARTH_AGENT_DEPLOY_H
#define HEARTH_AGENT_DEPLOY_H

#include <jansson.h>

#include "common/err.h"
#include "guest-tools/guest.h"
#include "guest-tools/notify.h"
#include "guest-tools/rootfs.h"

#define DEPLOY_MAX_HOOK_DIRS 8
#define DEPLOY_HOOK_OUTPUT   (4u << 20) /* stdout of a hook program: its JSON */
#define DEPLOY_STATE_GPATH   "/var/lib/heat-config/deployed"

/* Outcomes, from best to worst: a pass reports its worst. */
enum deploy_outcome {
	DEPLOY_OK,      /* ran (or ran before) and its signal is delivered or needs none */
	DEPLOY_FAILED,  /* its hook failed, or no hook: signalled as failed */
	DEPLOY_REFUSED, /* the signal endpoint refused the signal */
	DEPLOY_UNSENT,  /* the signal could not be delivered; sent again next time */
	DEPLOY_ERROR,   /* the agent could not work: state not writable, bad item */
};

struct deploy_ctx {
	struct guest g; /* root, user, env (the agent's own environment) */
	const char *hook_dirs[DEPLOY_MAX_HOOK_DIRS]; /* host paths, in order */
	size_t n_hook_dirs;
	char state[ROOTFS_PATH_MAX];   /* the deployed directory */
	char working[ROOTFS_PATH_MAX]; /* built-in script hook: the configs */
	char outputs[ROOTFS_PATH_MAX]; /* built-in script hook: heat_outputs_path */
	struct notify_conf notify;
	char root_hooks[ROOTFS_PATH_MAX]; /* ROOT/var/lib/heat-config/hooks */
};

/* Fills c for root (guest paths under it), extra hook directories (host
 * paths, tried first), state (the deployed directory; NULL for
 * ROOT/var/lib/heat-config/deployed), and creates the directories. */
int deploy_init(struct deploy_ctx *c, const char *root, const char *const *hook_dirs,
		size_t n_hook_dirs, const char *state, const struct notify_conf *nc,
		struct herr *e);

/* Runs, in order, each deployment of list (an array; borrowed) that has
 * not run, and sends the signals not yet delivered.  Returns the worst
 * outcome. */
enum deploy_outcome deploy_list(struct deploy_ctx *c, json_t *list);

/* The value of config's input name (borrowed), or NULL when it has no
 * such input. */
json_t *deploy_input(json_t *config, const char *name);

/* A JSON string of program output (n bytes of buf): NUL bytes and
 * invalid UTF-8 become '?' (in buf). */
json_t *deploy_text(char *buf, size_t n);
/* {deploy_stdout, deploy_stderr, deploy_status_code}: a new reference
 * (out and err as deploy_text takes them). */
json_t *deploy_result(char *out, size_t out_len, char *err, size_t err_len, int code);

#endif
