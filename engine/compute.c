/* The local compute driver (see compute.h). */
#include "engine/compute.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static struct compute_cfg cfg;

static int fail(struct herr *e, enum herr_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct herr *e, enum herr_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	herr_vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}
static char boot_command[1024], guest_dir[512], address_pool[64], metadata_url[256];

int compute_configure(const struct compute_cfg *c, struct herr *e)
{
	if (strncmp(c->address_pool, "127.", 4) != 0)
		return fail(e, HERR_INVALID,
			    "compute.local.address_pool %s is not within 127.0.0.0/8",
			    c->address_pool);
	snprintf(boot_command, sizeof(boot_command), "%s", c->boot_command);
	snprintf(guest_dir, sizeof(guest_dir), "%s", c->guest_dir);
	snprintf(address_pool, sizeof(address_pool), "%s", c->address_pool);
	snprintf(metadata_url, sizeof(metadata_url), "%s", c->metadata_url);
	cfg = (struct compute_cfg){boot_command, guest_dir, address_pool, c->uid_base,
				   metadata_url};
	if (mkdir(guest_dir, 0711) < 0 && errno != EEXIST)
		return fail(e, HERR_SYSTEM, "cannot create %s: %s", guest_dir, strerror(errno));
	if (geteuid() == 0 && chmod(guest_dir, 0711) < 0) /* whatever the umask made it */
		return fail(e, HERR_SYSTEM, "cannot open %s to guests: %s", guest_dir,
			    strerror(errno));
	/* guests run as other users: every directory above theirs must let
	 * them pass, or they cannot reach their own */
	if (geteuid() == 0) {
		char up[sizeof(guest_dir)];
		struct stat st;

		snprintf(up, sizeof(up), "%s", guest_dir);
		for (char *slash; (slash = strrchr(up, '/')) && slash != up; *slash = '\0') {
			if (stat(up, &st) == 0 && !(st.st_mode & S_IXOTH))
				return fail(e, HERR_INVALID,
					    "local guests cannot reach %s: %s is not searchable by "
					    "other users (chmod o+x)",
					    guest_dir, up);
		}
	}
	return 0;
}

const struct compute_cfg *compute_cfg(void)
{
	return &cfg;
}

/* Field 22 of /proc/PID/stat (after the parenthesised name), 0 if gone. */
static unsigned long long start_time(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return 0;
	/* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime" */
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &t) != 1)
		return 0;
	return t;
}

static bool proc_stat(int pid, char *state, int *pgrp);

static void workdir(const char *uuid, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", cfg.guest_dir, uuid);
}

int compute_start(const char *uuid, const char *addr, long n, struct compute_guest *g,
		  struct herr *e)
{
	char dir[700], console[800], script[1400];
	char env_url[300], env_bind[64], env_root[720], env_id[80], env_home[720];
	char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
			env_url,
			env_bind,
			env_root,
			env_id,
			env_home,
			"LANG=C.UTF-8",
			NULL};
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	bool as_root = geteuid() == 0;
	uid_t uid = as_root ? (uid_t)(cfg.uid_base + n) : getuid();
	gid_t gid = as_root ? (gid_t)(cfg.uid_base + n) : getgid();
	int pfd[2], fd, status;
	pid_t child;

	workdir(uuid, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(e, HERR_SYSTEM, "cannot create %s: %s", dir, strerror(errno));
	if (as_root && chown(dir, uid, gid) < 0)
		return fail(e, HERR_SYSTEM, "cannot give %s to the guest: %s", dir,
			    strerror(errno));
	snprintf(console, sizeof(console), "%s/console.log", dir);
	/* the machine stays up after its boot program, until deleted */
	snprintf(script, sizeof(script),
		 "%s; echo \"hearth: boot program exited with status $?\"; exec sleep infinity",
		 cfg.boot_command);
	snprintf(env_url, sizeof(env_url), "HEARTH_METADATA_URL=%s", cfg.metadata_url);
	snprintf(env_bind, sizeof(env_bind), "HEARTH_BIND=%s", addr);
	snprintf(env_root, sizeof(env_root), "HEARTH_ROOT=%s", dir);
	snprintf(env_id, sizeof(env_id), "HEARTH_INSTANCE_ID=%s", uuid);
	snprintf(env_home, sizeof(env_home), "HOME=%s", dir);
	if ((fd = open(console, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		return fail(e, HERR_SYSTEM, "cannot open %s: %s", console, strerror(errno));
	if (as_root && fchown(fd, uid, gid) < 0) {
		close(fd);
		return fail(e, HERR_SYSTEM, "cannot give %s to the guest: %s", console,
			    strerror(errno));
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		close(fd);
		return fail(e, HERR_SYSTEM, "pipe: %s", strerror(errno));
	}
	child = fork();
	if (child < 0) {
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		return fail(e, HERR_SYSTEM, "fork: %s", strerror(errno));
	}
	if (child == 0) { /* only async-signal-safe calls from here */
		pid_t gc = fork();
		int msg[2] = {1, (int)gc}; /* {1, pid} or {2, errno}: one write each */

		if (gc != 0) {
			(void)!write(pfd[1], msg, sizeof(msg));
			_exit(gc < 0);
		}
		setsid(); /* its own session and process group: stopped as one */
		int null = open("/dev/null", O_RDONLY);

		/* fd 3 tells hearthd why, if anything below fails (closed by a
		 * successful exec) */
		if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    (pfd[1] != 3 && dup3(pfd[1], 3, O_CLOEXEC) < 0))
			_exit(127);
		close_range(4, ~0u, 0);
		{
			sigset_t none;

			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			for (int s = 1; s < NSIG; s++)
				signal(s, SIG_DFL);
		}
		if (chdir(dir) == 0 &&
		    (!as_root ||
		     (setgroups(0, NULL) == 0 && setgid(gid) == 0 && setuid(uid) == 0)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) >= 0 &&
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
			execve(argv[0], argv, envp);
		msg[0] = 2;
		msg[1] = errno;
		(void)!write(3, msg, sizeof(msg));
		_exit(127);
	}
	close(fd);
	close(pfd[1]);
	g->pid = 0;
	{ /* the pid, then nothing (the exec closed the pipe) or why not */
		int msg[2], err = 0;
		ssize_t got;

		while ((got = read(pfd[0], msg, sizeof(msg))) == (ssize_t)sizeof(msg) ||
		       (got < 0 && errno == EINTR))
			if (got > 0 && msg[0] == 1)
				g->pid = msg[1];
			else if (got > 0)
				err = msg[1];
		close(pfd[0]);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		if (err)
			return fail(e, HERR_SYSTEM, "cannot start the guest of %s: %s", uuid,
				    strerror(err));
	}
	if (g->pid <= 0)
		return fail(e, HERR_SYSTEM, "cannot start the guest of %s", uuid);
	g->start = start_time(g->pid);
	log_info("compute", "guest started instance=%s pid=%d addr=%s uid=%ld", uuid, g->pid, addr,
		 (long)uid);
	return 0;
}

bool compute_alive(const struct compute_guest *g)
{
	char state;
	int pgrp;

	return g->pid > 0 && g->start && start_time(g->pid) == g->start &&
	       proc_stat(g->pid, &state, &pgrp) && state != 'Z';
}

/* The state letter and process group of pid, from /proc/PID/stat. */
static bool proc_stat(int pid, char *state, int *pgrp)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) && sscanf(p + 2, "%c %*d %d", state, pgrp) == 2;
}

/* Signals (sig 0: only counts) the live processes of group pgid (if
 * > 0) and of user uid (if by_uid): a guest's, wherever they went.
 * Zombies are dead: they do not count. */
static int signal_guest(int pgid, bool by_uid, uid_t uid, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], state;
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int pgrp;

		if (*end || pid <= 0 || pid > INT_MAX || !proc_stat((int)pid, &state, &pgrp) ||
		    state == 'Z')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld", pid);
		if ((pgid > 0 && pgrp == pgid) ||
		    (by_uid && stat(path, &st) == 0 && st.st_uid == uid)) {
			if (sig)
				kill((pid_t)pid, sig);
			found++;
		}
	}
	closedir(d);
	return found;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void compute_stop(const char *uuid, const struct compute_guest *g)
{
	char dir[700];
	struct stat st;
	/* the group only while its leader is the guest (else the pid may
	 * be another's); with a uid of its own, every process of that uid */
	int pgid = compute_alive(g) ? g->pid : 0;
	bool own_uid;

	workdir(uuid, dir, sizeof(dir));
	own_uid = geteuid() == 0 && stat(dir, &st) == 0 && st.st_uid >= (uid_t)cfg.uid_base;
	signal_guest(pgid, own_uid, own_uid ? st.st_uid : 0, SIGTERM);
	for (int i = 0; i < 40 && signal_guest(pgid, own_uid, own_uid ? st.st_uid : 0, 0); i++) {
		if (i == 20) /* a second: no more asking */
			signal_guest(pgid, own_uid, own_uid ? st.st_uid : 0, SIGKILL);
		usleep(50000);
	}
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		log_warn("compute", "cannot remove %s: %s", dir, strerror(errno));
	log_info("compute", "guest stopped instance=%s pid=%d", uuid, g->pid);
}
