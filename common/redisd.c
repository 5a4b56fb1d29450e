/* The embedded redis-server (see redisd.h). */
#include "common/redisd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/store.h"

struct redisd {
	struct redisd_cfg cfg;
	char dir[4096];
	char conf[4200];
	char sock[108];
	char pidfile[4200];
	pid_t pid;
};

/* True when pid is a live redis-server (not a recycled pid). */
static bool is_redis(pid_t pid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "redis-server") != NULL;
}

/* Waits for a redis-server of a dead hearthd that still holds our files. */
static int wait_for_leftover(struct redisd *r, struct herr *e)
{
	FILE *f = fopen(r->pidfile, "r");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || !is_redis(pid))
		return 0;
	log_info("redis", "waiting for the redis-server of a previous hearthd to exit pid=%d", pid);
	for (int waited = 0; waited < 10000; waited += 50) {
		if (!is_redis(pid))
			return 0;
		clock_sleep_ms(50);
	}
	herr_set(e, HERR_CONFLICT,
		 "a redis-server (pid %d) still runs on %s; stop it or use another state directory",
		 pid, r->dir);
	return -1;
}

static int write_conf(struct redisd *r, struct herr *e)
{
	FILE *f;
	int fd;

	fd = open(r->conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		herr_errno(e, errno, "cannot write %s", r->conf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f,
		"# Written by hearthd at each start; edits are lost.\n"
		"port 0\n"
		"unixsocket %s\n"
		"unixsocketperm 700\n"
		"dir %s\n"
		"pidfile %s\n"
		"logfile %s/redis.log\n"
		"daemonize no\n"
		"supervised no\n"
		"save \"\"\n"
		"appendonly yes\n"
		"appendfsync %s\n"
		"appenddirname aof\n",
		r->sock, r->dir, r->pidfile, r->dir, r->cfg.appendfsync);
	if (fclose(f) != 0) {
		herr_errno(e, errno, "cannot write %s", r->conf);
		return -1;
	}
	return 0;
}

static int spawn(struct redisd *r, struct herr *e)
{
	pid_t parent = getpid(), pid;
	uint64_t deadline;
	struct herr probe = HERR_INIT;

	pid = fork();
	if (pid < 0) {
		herr_errno(e, errno, "cannot fork redis-server");
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent) /* the parent died before prctl */
			_exit(1);
		execlp(r->cfg.server, r->cfg.server, r->conf, (char *)NULL);
		/* Only async-signal-safe calls here: other threads may hold
		 * stdio's locks. */
		{
			static const char msg[] = "hearthd: cannot run redis-server\n";

			if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
				_exit(127);
		}
		_exit(127);
	}
	r->pid = pid;
	/* A probe may block up to its own timeout: count real time. */
	deadline = clock_now_ns() + (uint64_t)r->cfg.start_timeout_ms * 1000000ull;
	while (clock_now_ns() < deadline) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			r->pid = 0;
			herr_set(
				e, HERR_UNAVAILABLE,
				"embedded redis-server exited at start (status %d); see %s/redis.log",
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				r->dir);
			return -1;
		}
		herr_clear(&probe);
		if (store_probe_unix(r->sock, 500, &probe) == 0) {
			log_info("redis", "embedded redis-server ready pid=%d socket=%s", (int)pid,
				 r->sock);
			return 0;
		}
		clock_sleep_ms(20);
	}
	herr_set(e, HERR_UNAVAILABLE, "embedded redis-server did not answer within %d ms (%s)",
		 r->cfg.start_timeout_ms, probe.msg);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	r->pid = 0;
	return -1;
}

struct redisd *redisd_start(const struct redisd_cfg *cfg, struct herr *e)
{
	struct redisd *r = calloc(1, sizeof(*r));

	if (!r) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	snprintf(r->dir, sizeof(r->dir), "%s/redis", cfg->state_dir);
	snprintf(r->conf, sizeof(r->conf), "%s/redis.conf", r->dir);
	snprintf(r->pidfile, sizeof(r->pidfile), "%s/redis.pid", r->dir);
	if ((size_t)snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir) >=
	    sizeof(r->sock)) {
		herr_set(e, HERR_INVALID,
			 "state directory %s is too long for a Unix socket path (max %zu bytes)",
			 cfg->state_dir, sizeof(r->sock) - 1 - strlen("/redis/redis.sock"));
		goto fail;
	}
	/* The paths go into redis.conf, whose parser splits on blanks and
	 * lines. */
	if (strpbrk(cfg->state_dir, " \t\r\n\"'\\")) {
		herr_set(e, HERR_INVALID,
			 "state directory %s: the embedded Redis needs a path without blanks, "
			 "quotes or backslashes",
			 cfg->state_dir);
		goto fail;
	}
	if (mkdir(r->dir, 0700) < 0 && errno != EEXIST) {
		herr_errno(e, errno, "cannot create %s", r->dir);
		goto fail;
	}
	if (chmod(r->dir, 0700) < 0) {
		herr_errno(e, errno, "cannot restrict %s", r->dir);
		goto fail;
	}
	if (wait_for_leftover(r, e) < 0 || write_conf(r, e) < 0 || spawn(r, e) < 0)
		goto fail;
	return r;
fail:
	free(r);
	return NULL;
}

const char *redisd_socket(const struct redisd *r)
{
	return r->sock;
}

pid_t redisd_pid(const struct redisd *r)
{
	return r->pid;
}

int redisd_restart(struct redisd *r, struct herr *e)
{
	if (r->pid > 0)
		return 0;
	return spawn(r, e);
}

bool redisd_reaped(struct redisd *r, pid_t pid, int status)
{
	if (!r || pid != r->pid)
		return false;
	r->pid = 0;
	if (WIFSIGNALED(status))
		log_error("redis", "embedded redis-server died pid=%d signal=%d; see %s/redis.log",
			  (int)pid, WTERMSIG(status), r->dir);
	else
		log_error("redis",
			  "embedded redis-server exited pid=%d status=%d; see %s/redis.log",
			  (int)pid, WEXITSTATUS(status), r->dir);
	return true;
}

void redisd_stop(struct redisd **pr)
{
	struct redisd *r = *pr;
	int status;

	if (!r)
		return;
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		for (int waited = 0;; waited += 20) {
			pid_t w = waitpid(r->pid, &status, WNOHANG);
			if (w == r->pid || (w < 0 && errno == ECHILD))
				break;
			if (waited >= 10000) {
				log_warn("redis",
					 "redis-server did not stop in 10 s; killing pid=%d",
					 (int)r->pid);
				kill(r->pid, SIGKILL);
				waitpid(r->pid, &status, 0);
				break;
			}
			clock_sleep_ms(20);
		}
		log_info("redis", "embedded redis-server stopped pid=%d", (int)r->pid);
	}
	free(r);
	*pr = NULL;
}
