/* The agent's log: every line goes to the log file (when one is open) and
 * to stderr, the guest's console (once, when stderr is that file).
 *
 * Lines read "TIME LEVEL message"; messages never carry user_data, keys'
 * private parts or tokens, only names, sizes and statuses. */
#ifndef HEARTH_AGENT_ALOG_H
#define HEARTH_AGENT_ALOG_H

enum alog_level { ALOG_INFO, ALOG_WARN, ALOG_ERROR };

/* Opens (creating, appending) path for the rest of the run; the parent
 * directory must exist.  Returns -1 and logs to stderr alone on failure. */
int alog_open(const char *path);
/* The log file's descriptor (O_APPEND), for children's output; -1 if none. */
int alog_fd(void);
void alog_close(void);
/* Warnings and errors also go to fd ("LEVEL: message" lines) until
 * alog_tee(-1): what a built-in hook reports as its deploy_stderr. */
void alog_tee(int fd);

void alog(enum alog_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define alog_info(...)  alog(ALOG_INFO, __VA_ARGS__)
#define alog_warn(...)  alog(ALOG_WARN, __VA_ARGS__)
#define alog_error(...) alog(ALOG_ERROR, __VA_ARGS__)

#endif
