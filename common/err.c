/* The first-error-wins error object (see err.h). */
#include "common/err.h"

#include <stdio.h>
#include <string.h>

void herr_vset(struct herr *e, enum herr_code code, const char *fmt, va_list ap)
{
	if (!e || e->code != HERR_OK)
		return;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void herr_set(struct herr *e, enum herr_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	herr_vset(e, code, fmt, ap);
	va_end(ap);
}

void herr_errno(struct herr *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e || e->code != HERR_OK)
		return;
	va_start(ap, fmt);
	herr_vset(e, HERR_SYSTEM, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
}

void herr_clear(struct herr *e)
{
	if (e) {
		e->code = HERR_OK;
		e->msg[0] = '\0';
	}
}
