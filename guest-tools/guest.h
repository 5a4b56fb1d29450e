/* What the boot knows about the guest it is configuring, handed to every
 * step (keys, cloud-config, scripts).  Filled once by boot.c, read-only
 * afterwards. */
#ifndef HEARTH_AGENT_GUEST_H
#define HEARTH_AGENT_GUEST_H

#include <stdbool.h>

#include "guest-tools/rootfs.h"

struct guest {
	const char *root;            /* --root: every guest path lives under it */
	bool system;                 /* root is "/": the agent configures the machine it runs on */
	bool privileged;             /* effective uid 0: chown, sethostname, useradd allowed */
	bool no_run;                 /* --no-run: write files, run nothing */
	const char *user;            /* the default user (--user) */
	char state[ROOTFS_PATH_MAX]; /* host path of the state directory */
	char *const *env;            /* environment of every program run, NULL-terminated */
	int out_fd;                  /* when > 0, programs' output goes there instead of the log */
};

#endif
