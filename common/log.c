/* Structured logging (see log.h).  Each line is formatted into one buffer
 * and written with a single write(2), so lines of concurrent threads never
 * interleave.  Long lines are cut, never split. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum log_level log_threshold = HLOG_INFO;
static enum log_format log_fmt = LOGF_TEXT;
static _Thread_local char log_ctx[192];

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void log_setup(enum log_level threshold, enum log_format format)
{
	log_threshold = threshold;
	log_fmt = format;
}

int log_level_parse(const char *s)
{
	for (int i = HLOG_DEBUG; i <= HLOG_OFF; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(enum log_level lvl)
{
	return lvl <= HLOG_OFF ? level_names[lvl] : "?";
}

void log_context(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_ctx, sizeof(log_ctx), fmt, ap);
	va_end(ap);
}

void log_context_clear(void)
{
	log_ctx[0] = '\0';
}

/* Appends s to buf[*n..cap) as the body of a JSON string. */
static void json_escape(char *buf, size_t *n, size_t cap, const char *s)
{
	for (; *s && *n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[(*n)++] = '\\';
			buf[(*n)++] = (char)c;
		} else if (c < 0x20) {
			*n += (size_t)snprintf(buf + *n, cap - *n, "\\u%04x", c);
		} else {
			buf[(*n)++] = (char)c;
		}
	}
}

static void append(char *buf, size_t *n, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t *n, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = (size_t)k < cap - *n ? *n + (size_t)k : cap - 1;
}

void log_write(enum log_level lvl, const char *cat, const char *fmt, ...)
{
	char line[4096], msg[3072], ts[40];
	struct timespec now;
	struct tm tm;
	size_t n = 0, cap = sizeof(line) - 1; /* room for the newline */
	va_list ap;

	if (lvl < log_threshold || lvl >= HLOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	if (log_fmt == LOGF_JSON) {
		append(line, &n, cap, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"cat\":\"", ts,
		       now.tv_nsec / 1000000, level_names[lvl]);
		json_escape(line, &n, cap, cat);
		append(line, &n, cap, "\",\"msg\":\"");
		json_escape(line, &n, cap, msg);
		if (log_ctx[0]) {
			append(line, &n, cap, "\",\"ctx\":\"");
			json_escape(line, &n, cap, log_ctx);
		}
		append(line, &n, cap, "\"}");
	} else {
		append(line, &n, cap, "%s.%03ldZ %-5s %s: %s", ts, now.tv_nsec / 1000000,
		       level_names[lvl], cat, msg);
		if (log_ctx[0])
			append(line, &n, cap, " %s", log_ctx);
	}
	line[n++] = '\n';
	/* A failed log write has nowhere to be reported. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
