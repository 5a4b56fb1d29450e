/* Structured logs to stderr.
 *
 * Every line carries a time, a level, a category and the calling thread's
 * context (which request, stack or guest the work is for).  The level is
 * checked before any formatting, so a disabled log call costs one compare.
 * Messages are written "what happened key=value ..."; values that are
 * secrets (tokens, passwords, hidden parameters) must never be passed. */
#ifndef HEARTH_LOG_H
#define HEARTH_LOG_H

enum log_level { HLOG_DEBUG, HLOG_INFO, HLOG_WARN, HLOG_ERROR, HLOG_OFF };
enum log_format { LOGF_TEXT, LOGF_JSON };

extern enum log_level log_threshold;

void log_setup(enum log_level threshold, enum log_format format);
/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level lvl);

void log_write(enum log_level lvl, const char *cat, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The calling thread's context, appended to each of its lines until
 * cleared; e.g. log_context("req=%llu role=api", id). */
void log_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_context_clear(void);

#define log_at(lvl, cat, ...)                                 \
	do {                                                  \
		if ((lvl) >= log_threshold)                   \
			log_write((lvl), (cat), __VA_ARGS__); \
	} while (0)
#define log_debug(cat, ...) log_at(HLOG_DEBUG, cat, __VA_ARGS__)
#define log_info(cat, ...)  log_at(HLOG_INFO, cat, __VA_ARGS__)
#define log_warn(cat, ...)  log_at(HLOG_WARN, cat, __VA_ARGS__)
#define log_error(cat, ...) log_at(HLOG_ERROR, cat, __VA_ARGS__)

#endif
