/* Running user programs (see run.h). */
#include "guest-tools/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-tools/alog.h"

/* A script on a filesystem mounted noexec (a sandbox's work directory may
 * be one): runs its "#!" interpreter on it, as the kernel would have. */
static void exec_interpreter(const struct guest *g, char *const argv[])
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
	execve(interp, args, g->env);
	errno = EACCES;
}

/* In the child: never returns. */
static void child(const struct guest *g, char *const argv[])
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = alog_fd();

	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (out >= 0) {
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
	}
	signal(SIGPIPE, SIG_DFL);
	if (chdir(g->root) < 0)
		dprintf(STDERR_FILENO, "hearth-agent: cannot chdir to %s: %s\n", g->root,
			strerror(errno));
	execvpe(argv[0], argv, g->env);
	if (errno == EACCES && strchr(argv[0], '/'))
		exec_interpreter(g, argv);
	if (errno == ENOEXEC) {
		char *sh[64] = {"/bin/sh"};
		int n = 1;

		for (; argv[n - 1] && n < 63; n++)
			sh[n] = argv[n - 1];
		sh[n] = NULL;
		execve("/bin/sh", sh, g->env);
	}
	dprintf(STDERR_FILENO, "hearth-agent: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int run_argv(const struct guest *g, const char *label, char *const argv[])
{
	int status;
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
		child(g, argv);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			alog_error("%s: waitpid: %s", label, strerror(errno));
			return -1;
		}
	}
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

int run_shell(const struct guest *g, const char *label, const char *cmd)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};

	return run_argv(g, label, argv);
}
