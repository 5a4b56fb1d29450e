/* The agent's log (see alog.h).  Owns the log file descriptor. */
#include "guest-tools/alog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static int tee_fd = -1;
static int console_is_log; /* stderr is the log file: lines go there once */

int alog_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct stat a, b;

	if (fd < 0) {
		fprintf(stderr, "hearth-agent: cannot open log %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	console_is_log = fstat(fd, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
			 a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

int alog_fd(void)
{
	return log_fd;
}

void alog_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	console_is_log = 0;
}

void alog_tee(int fd)
{
	tee_fd = fd;
}

void alog(enum alog_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"info", "warn", "error"};
	char msg[2048], stamp[32], line[2200];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!console_is_log)
		fprintf(stderr, "hearth-agent: %s%s\n",
			lvl == ALOG_INFO   ? ""
			: lvl == ALOG_WARN ? "warning: "
					   : "error: ",
			msg);
	if (tee_fd >= 0 && lvl != ALOG_INFO)
		dprintf(tee_fd, "%s: %s\n", names[lvl], msg);
	if (log_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s %s\n", stamp, names[lvl], msg);
	if (n > (int)sizeof(line) - 1) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(log_fd, line, (size_t)n) < 0) {
		/* the console line above is all we can do */
	}
}
