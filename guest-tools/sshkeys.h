/* SSH public keys into a user's ~/.ssh/authorized_keys.
 *
 * Idempotent: a key already present (same line) is not added again, other
 * lines are kept.  ~/.ssh is 0700 and authorized_keys 0600; when the agent
 * configures its own machine as root they belong to the user, who is
 * created with useradd(8) if missing.  Under another root the home is
 * ROOT/home/USER (ROOT/root for root) and nothing is chowned. */
#ifndef HEARTH_AGENT_SSHKEYS_H
#define HEARTH_AGENT_SSHKEYS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"
#include "guest-tools/guest.h"

#define SSHKEYS_MAX_FILE (1u << 20)

/* True for a name fit for a user and a path: [A-Za-z0-9._-], 1-32 chars,
 * not starting with '-' or '.'. */
bool sshkeys_valid_user(const char *name);

/* Adds every string of keys (an array; a string may hold several lines)
 * to user's authorized_keys.  Returns the number of keys added, or -1. */
int sshkeys_install(const struct guest *g, const char *user, json_t *keys, struct herr *e);

#endif
