/* Running user programs (see run.h). */
#define RUN_GRACE_MS 2000

#include "guest-tools/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "guest-tools/alog.h"

/* A script on a filesystem mounted noexec (a sandbox's work directory may
 * be one): runs its "#!" interpreter on it, as the kernel would have. */
static void exec_interpreter(char *const env[], char *const argv[])
{
	char line[256], *interp, *arg, *args[64];
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t len;

	if (fd < 0)
		return;
	len = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (len < 3 || line[0] != '#' || line[1] != '!')
		return;
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	interp = line + 2 + strspn(line + 2, " \t");
	arg = interp + strcspn(interp, " \t");
	if (*arg) {
		*arg++ = '\0';
		arg += strspn(arg, " \t");
	}
	args[n++] = interp;
	if (*arg)
		args[n++] = arg;
	for (int i = 0; argv[i] && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execve(interp, args, env);
	errno = EACCES;
}

/* Logs how a program ended; its exit status, or 128+N when killed by
 * signal N. */
static int decode(const char *label, int status)
{
	if (WIFSIGNALED(status)) {
		alog_warn("%s: killed by signal %d", label, WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	status = WEXITSTATUS(status);
	if (status == 0)
		alog_info("%s: exit status 0", label);
	else
		alog_warn("%s: exit status %d", label, status);
	return status;
}

/* In the child: never returns.  stdin from in (-1: /dev/null), stdout
 * and stderr to out and err (-1: left as they are). */
static void child(const struct guest *g, char *const argv[], char *const env[], int in, int out,
		  int err)
{
	int null = in >= 0 ? in : open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (out >= 0)
		dup2(out, STDOUT_FILENO);
	if (err >= 0)
		dup2(err, STDERR_FILENO);
	signal(SIGPIPE, SIG_DFL);
	if (chdir(g->root) < 0)
		dprintf(STDERR_FILENO, "hearth-agent: cannot chdir to %s: %s\n", g->root,
			strerror(errno));
	execvpe(argv[0], argv, env);
	if (errno == EACCES && strchr(argv[0], '/'))
		exec_interpreter(env, argv);
	if (errno == ENOEXEC) {
		char *sh[64] = {"/bin/sh"};
		int n = 1;

		for (; argv[n - 1] && n < 63; n++)
			sh[n] = argv[n - 1];
		sh[n] = NULL;
		execve("/bin/sh", sh, env);
	}
	dprintf(STDERR_FILENO, "hearth-agent: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for pid; its exit status as run_argv returns it. */
static int reap(const char *label, pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			alog_error("%s: waitpid: %s", label, strerror(errno));
			return -1;
		}
	}
	return decode(label, status);
}

int run_argv(const struct guest *g, const char *label, char *const argv[])
{
	int out = g->out_fd > 0 ? g->out_fd : alog_fd();
	pid_t pid;

	if (g->no_run) {
		alog_info("%s: not run (--no-run)", label);
		return 0;
	}
	alog_info("%s: running", label);
	pid = fork();
	if (pid < 0) {
		alog_error("%s: cannot fork: %s", label, strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(g, argv, g->env, -1, out, out);
	return reap(label, pid);
}

int run_shell(const struct guest *g, const char *label, const char *cmd)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};

	return run_argv(g, label, argv);
}

/* ------------------------------------------------------------- capture */

/* The last max bytes of a stream; grows to twice that before it drops the
 * front, so that keeping the tail costs O(bytes read). */
struct tail {
	char *buf;
	size_t len, cap, max;
	bool cut;
};

static void tail_add(struct tail *t, const char *d, size_t n)
{
	char *grown;

	if (n > t->max) {
		d += n - t->max;
		n = t->max;
		t->len = 0;
		t->cut = true;
	}
	if (t->len + n > 2 * t->max) {
		size_t keep = t->max - n;

		memmove(t->buf, t->buf + t->len - keep, keep);
		t->len = keep;
		t->cut = true;
	}
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;

		while (cap < t->len + n + 1)
			cap *= 2;
		if (cap > 2 * t->max + 1)
			cap = 2 * t->max + 1;
		grown = realloc(t->buf, cap);
		if (!grown)
			return;
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, d, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void tail_finish(struct tail *t, char **out, size_t *len, bool *cut)
{
	if (t->len > t->max) {
		memmove(t->buf, t->buf + t->len - t->max, t->max);
		t->len = t->max;
		t->cut = true;
	}
	if (!t->buf)
		t->buf = calloc(1, 1);
	else
		t->buf[t->len] = '\0';
	*out = t->buf;
	*len = t->buf ? t->len : 0;
	*cut = t->cut;
}

/* Reads what fd has; false at end of file or error. */
static bool drain(int fd, struct tail *t)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			tail_add(t, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

int run_capture(const struct guest *g, const char *label, char *const argv[], char *const env[],
		int in_fd, size_t cap, struct run_output *o)
{
	struct tail t[2] = {{.max = cap}, {.max = cap}};
	struct pollfd pf[2];
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = -1, rc = -1;
	uint64_t grace_end = 0;
	bool exited = false;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		alog_error("%s: cannot make a pipe: %s", label, strerror(errno));
		goto out;
	}
	alog_info("%s: running", label);
	pid = fork();
	if (pid < 0) {
		alog_error("%s: cannot fork: %s", label, strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(g, argv, env ? env : g->env, in_fd, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	pf[0] = (struct pollfd){.fd = po[0], .events = POLLIN};
	pf[1] = (struct pollfd){.fd = pe[0], .events = POLLIN};
	/* Until both pipes close.  A program that leaves a daemon holding
	 * them open must not hold the agent: once it has exited, what comes
	 * in the next RUN_GRACE_MS is kept and the pipes are closed. */
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		int wait_ms = 200;

		if (exited) {
			uint64_t now = clock_now_ns();

			if (now >= grace_end)
				break;
			wait_ms = (int)((grace_end - now) / 1000000ull) + 1;
		}
		if (poll(pf, 2, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++)
			if (pf[i].fd >= 0 && pf[i].revents && !drain(pf[i].fd, &t[i]))
				pf[i].fd = -1;
		if (!exited) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid) {
				exited = true;
				grace_end = clock_now_ns() + RUN_GRACE_MS * 1000000ull;
			}
		}
	}
	if (exited)
		rc = decode(label, status);
	else
		rc = reap(label, pid);
	if (pf[0].fd >= 0 || pf[1].fd >= 0)
		alog_warn("%s: something it started still holds its output: no longer read", label);
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	tail_finish(&t[0], &o->out, &o->out_len, &o->out_cut);
	tail_finish(&t[1], &o->err, &o->err_len, &o->err_cut);
	return rc;
}

void run_output_release(struct run_output *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}
