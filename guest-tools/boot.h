/* hearth-agent boot: cloud-init's essentials for guests that lack it.
 *
 * Fetches the instance's metadata (imds.c), records it in the state
 * directory, sets the host name, installs the default user's SSH keys,
 * and, once per instance, applies user_data (userdata.c, cloudconfig.c,
 * run.c).  Works as root on a real guest (--root /) and unprivileged in a
 * sandbox whose files live under --root. */
#ifndef HEARTH_AGENT_BOOT_H
#define HEARTH_AGENT_BOOT_H

#include <stdio.h>

/* argv[0] is "boot".  Returns the exit status: 0 booted (even if a user
 * script failed), 1 not booted (no metadata, state not writable), 2 usage. */
int boot_main(int argc, char **argv);

/* The lines of --help that describe boot. */
void boot_usage(FILE *out);

#endif
