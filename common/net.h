/* Socket addresses: parsing "host:port" and opening listeners. */
#ifndef HEARTH_NET_H
#define HEARTH_NET_H

#include <stddef.h>

#include "common/err.h"

/* Splits "127.0.0.1:8004", "[::1]:8004" or "localhost:8004" into host and
 * port (0-65535).  The host must be non-empty. */
int net_split_addr(const char *addr, char *host, size_t hostsize, int *port, struct herr *e);

/* Opens a non-blocking, close-on-exec TCP listener on addr (numeric host or
 * a name resolved once), with SO_REUSEADDR and the given backlog.  Returns
 * the fd, or -1 with e set ("127.0.0.1:8004: Address already in use").
 * The bound address, with the real port when addr asked for port 0, is
 * written to bound. */
int net_listen(const char *addr, int backlog, char *bound, size_t boundsize, struct herr *e);

#endif
