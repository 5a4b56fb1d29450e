/* Long-poll for agents (issue 7 item 5): a request for a server's
 * metadata that says what it has (since=ETAG) waits, holding no thread
 * (http_suspend), until the server's deployments change or its wait ends.
 *
 * Changes come from the stream hearth:sd:changes (one entry per change,
 * the server's id; swdb.h writes it), read by one thread with XREAD
 * BLOCK, so a change made while the connection to Redis was down is
 * still seen once it is back.  Every change moves a counter on; a
 * handler reads it before it looks at the data and parks only if it has
 * not moved since, so no change slips between the look and the wait. */
#ifndef HEARTH_LONGPOLL_H
#define HEARTH_LONGPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/http.h"

int longpoll_start(struct herr *e);
/* Answers every waiting request (they resume) and joins the thread. */
void longpoll_stop(void);
unsigned long longpoll_gen(void);
/* Parks req until server changes or deadline (a clock_now_ns time):
 * false when it cannot wait (stopping, or something changed since gen:
 * look again). */
bool longpoll_park(struct http_req *req, const char *server, unsigned long gen,
		   uint64_t deadline_ns);

#endif
