/* Running user programs: scripts from user_data, bootcmd and runcmd
 * entries, useradd.  Each runs with cwd the guest root, stdin /dev/null,
 * stdout and stderr into the agent's log file (the console when there is
 * none) and the guest's environment; the agent waits for it (no time
 * limit, as cloud-init) and logs how it ended.  Output goes to the file
 * directly, not through a pipe, so a command that leaves a daemon running
 * does not hold the boot up.  A script that cannot be executed (a
 * noexec mount) is handed to its "#!" interpreter. */
#ifndef HEARTH_AGENT_RUN_H
#define HEARTH_AGENT_RUN_H

#include "guest-tools/guest.h"

/* argv[0] is looked up in PATH.  label names the program in the log.
 * Returns its exit status (0-255), 128+N when killed by signal N, or -1
 * when it could not be started.  A file without a "#!" line is run by
 * /bin/sh. */
int run_argv(const struct guest *g, const char *label, char *const argv[]);
/* /bin/sh -c cmd */
int run_shell(const struct guest *g, const char *label, const char *cmd);

#endif
