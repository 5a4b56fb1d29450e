/* Running user programs: scripts from user_data, bootcmd and runcmd
 * entries, useradd.  Each runs with cwd the guest root, stdin /dev/null,
 * stdout and stderr into the agent's log file (the console when there is
 * none) and the guest's environment; the agent waits for it (no time
 * limit, as cloud-init) and logs how it ended.  Output goes to the file
 * directly (or to g->out_fd), not through a pipe, so a command that leaves
 * a daemon running does not hold the boot up.  A script that cannot be executed (a
 * noexec mount) is handed to its "#!" interpreter. */
#ifndef HEARTH_AGENT_RUN_H
#define HEARTH_AGENT_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "guest-tools/guest.h"

/* argv[0] is looked up in PATH.  label names the program in the log.
 * Returns its exit status (0-255), 128+N when killed by signal N, or -1
 * when it could not be started.  A file without a "#!" line is run by
 * /bin/sh. */
int run_argv(const struct guest *g, const char *label, char *const argv[]);
/* /bin/sh -c cmd */
int run_shell(const struct guest *g, const char *label, const char *cmd);

/* What a captured program wrote: the last cap bytes of each stream. */
struct run_output {
	char *out, *err; /* NUL-terminated (may hold NULs too) */
	size_t out_len, err_len;
	bool out_cut, err_cut; /* earlier output was dropped */
};

/* As run_argv (never refused by --no-run), but with env (NULL: g->env),
 * stdin from in_fd (-1: /dev/null), and stdout and stderr read through
 * pipes into o (release it with run_output_release, also on failure).
 * Once the program has exited, output is read for two more seconds at
 * most: a daemon it left holding the pipes does not hold the agent. */
int run_capture(const struct guest *g, const char *label, char *const argv[], char *const env[],
		int in_fd, size_t cap, struct run_output *o);
void run_output_release(struct run_output *o);

#endif
