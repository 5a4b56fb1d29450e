/* One error object for the whole code base: the first error wins.
 *
 * A function that fails fills a caller-provided struct herr and returns a
 * failure value.  herr_set() ignores every call after the first, so the
 * innermost cause survives as the error travels outwards; callers may pass
 * NULL when they do not care about the reason. */
#ifndef HEARTH_ERR_H
#define HEARTH_ERR_H

#include <stdarg.h>

enum herr_code {
	HERR_OK = 0,
	HERR_INVALID, /* bad input: configuration, request, template */
	HERR_NOT_FOUND,
	HERR_CONFLICT,
	HERR_TOO_BIG,
	HERR_UNAVAILABLE, /* a dependency (Redis) cannot be reached */
	HERR_SYSTEM,      /* the operating system refused: errno in msg */
	HERR_NOMEM,
};

struct herr {
	enum herr_code code;
	char msg[512];
};

#define HERR_INIT         \
	{                 \
		HERR_OK,  \
		{         \
			0 \
		}         \
	}

void herr_set(struct herr *e, enum herr_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void herr_vset(struct herr *e, enum herr_code code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* As herr_set, appending ": strerror(errnum)". */
void herr_errno(struct herr *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void herr_clear(struct herr *e);

static inline int herr_isset(const struct herr *e)
{
	return e && e->code != HERR_OK;
}

#endif
