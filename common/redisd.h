/* The embedded Redis: a private redis-server that hearthd starts when no
 * redis.url is configured.
 *
 * It listens only on a Unix socket inside <state_dir>/redis (mode 0700),
 * with AOF persistence on and no TCP port.  The child is in its own process
 * group (a terminal's ^C reaches only hearthd, which stops it in order) and
 * gets SIGTERM from the kernel if hearthd dies (PR_SET_PDEATHSIG), so no
 * redis-server outlives its hearthd.  Must be started from the thread that
 * lives for the whole process (the kernel ties PDEATHSIG to the thread). */
#ifndef HEARTH_REDISD_H
#define HEARTH_REDISD_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

struct redisd_cfg {
	const char *state_dir;
	const char *server;      /* redis-server binary (searched in PATH) */
	const char *appendfsync; /* always | everysec | no */
	int start_timeout_ms;
};

struct redisd;

/* Writes the private config, starts redis-server and waits until it answers
 * PING.  A redis-server left by a previous hearthd on the same directory is
 * waited for (it is shutting down after its parent died). */
struct redisd *redisd_start(const struct redisd_cfg *cfg, struct herr *e);
/* The socket path, for a unix:// URL. */
const char *redisd_socket(const struct redisd *r);
pid_t redisd_pid(const struct redisd *r);
/* Starts the server again after it exited unexpectedly. */
int redisd_restart(struct redisd *r, struct herr *e);
/* Tells the module that pid exited (from waitpid); true when it was ours. */
bool redisd_reaped(struct redisd *r, pid_t pid, int status);
/* SIGTERM (Redis then rewrites nothing, just fsyncs its AOF), waits up to
 * 10 s, then SIGKILL; frees r. */
void redisd_stop(struct redisd **r);

#endif
