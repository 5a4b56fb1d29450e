/* The local compute driver: each server is a guest process on this host,
 * sandboxed (never root: with hearthd running as root the guest gets a
 * user id of its own, no capabilities and no way to gain privileges), in
 * a private work directory, with its own loopback address.  The guest
 * runs the boot program (default "hearth-agent boot"), then stays up as
 * a machine would until the server is deleted.  Guests outlive hearthd:
 * they are their own session, and a restarted hearthd finds them by pid
 * and start time (see netdb.h's ledger). */
#ifndef HEARTH_COMPUTE_H
#define HEARTH_COMPUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct compute_cfg {
	const char *boot_command; /* run by /bin/sh -c */
	const char *guest_dir;    /* work directories live here */
	const char *address_pool; /* CIDR within 127.0.0.0/8 */
	long uid_base;            /* guest N runs as uid_base + N (as root) */
	const char *metadata_url; /* what guests are told to ask */
};

/* Copies cfg; 0 or -1 with e (a pool outside 127/8, say). */
int compute_configure(const struct compute_cfg *cfg, struct herr *e);
const struct compute_cfg *compute_cfg(void);

struct compute_guest {
	int pid;
	unsigned long long start; /* from /proc/PID/stat: tells a reused pid */
};

/* Starts guest uuid with source address addr and the n-th uid of the
 * pool; its environment carries HEARTH_METADATA_URL, HEARTH_BIND,
 * HEARTH_ROOT and HEARTH_INSTANCE_ID.  0 or -1 with e. */
int compute_start(const char *uuid, const char *addr, long n, struct compute_guest *g,
		  struct herr *e);
bool compute_alive(const struct compute_guest *g);
/* Stops the guest's whole process group (TERM, then KILL) and removes
 * its work directory. */
void compute_stop(const char *uuid, const struct compute_guest *g);

#endif
