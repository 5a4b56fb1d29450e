/* A minimal TAP harness for table-driven unit tests.
 *
 * Each case runs in its own forked process under a timeout (stretched by
 * HEARTH_TEST_SLOW, e.g. under valgrind), so one crash or hang fails one
 * case, not the program.  Inside a case, CHECK() records a failure with
 * its location and goes on; the case passes when no check failed and the
 * process exits cleanly (sanitizers and valgrind make it exit non-zero). */
#ifndef HEARTH_TAP_H
#define HEARTH_TAP_H

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct tap_case {
	const char *name;
	void (*fn)(void);
	const char *data; /* optional: seen by fn as tap_data */
};

static int tap_failed;
static const char *tap_data;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			tap_failed = 1;                                                   \
		}                                                                         \
	} while (0)

#define CHECK_STR(got, want)                                                                  \
	do {                                                                                  \
		const char *g_ = (got), *w_ = (want);                                         \
		if (!g_ || strcmp(g_, w_) != 0) {                                             \
			printf("# %s:%d: %s\n#   got:  \"%s\"\n#   want: \"%s\"\n", __FILE__, \
			       __LINE__, #got, g_ ? g_ : "(null)", w_);                       \
			tap_failed = 1;                                                       \
		}                                                                             \
	} while (0)

static inline int tap_run(const struct tap_case *cases, int n)
{
	const char *slow = getenv("HEARTH_TEST_SLOW");
	long factor = slow ? strtol(slow, NULL, 10) : 1;
	int timeout = 10 * (int)(factor > 0 && factor < 100 ? factor : 1), bad = 0;

	printf("1..%d\n", n);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0) {
			alarm((unsigned)timeout);
			tap_data = cases[i].data;
			cases[i].fn();
			fflush(stdout);
			exit(tap_failed ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			status = -1;
		if (status == 0) {
			printf("ok %d - %s\n", i + 1, cases[i].name);
		} else {
			bad++;
			printf("not ok %d - %s", i + 1, cases[i].name);
			if (status > 0 && WIFSIGNALED(status))
				printf(" (killed by signal %d%s)", WTERMSIG(status),
				       WTERMSIG(status) == SIGALRM ? ": timeout" : "");
			else if (status > 0 && WEXITSTATUS(status) != 1)
				printf(" (exit status %d)", WEXITSTATUS(status));
			printf("\n");
		}
		fflush(stdout);
	}
	return bad ? 1 : 0;
}

/* Adds one case per entry of $HEARTH_TEST_SRCDIR/tests/data/<sub> that
 * want() accepts (NULL: every entry not starting with a dot), in name
 * order, each running fn with tap_data set to the entry's path and named
 * by the path below tests/data.  Free the paths with tap_free_data.
 * Returns the new count, or -1 if the folder cannot be read. */
static inline int tap_dir_cases(const char *sub, int (*want)(const char *name), void (*fn)(void),
				struct tap_case *cases, int n, int max)
{
	const char *src = getenv("HEARTH_TEST_SRCDIR");
	char dir[1024];
	struct dirent **list;
	int k;

	snprintf(dir, sizeof(dir), "%s/tests/data/%s", src ? src : ".", sub);
	k = scandir(dir, &list, NULL, alphasort);
	if (k < 0) {
		printf("Bail out! cannot read %s\n", dir);
		return -1;
	}
	for (int i = 0; i < k; i++) {
		const char *name = list[i]->d_name;

		if (name[0] != '.' && (!want || want(name)) && n < max) {
			size_t sz = strlen(dir) + strlen(name) + 2;
			char *path = malloc(sz);

			snprintf(path, sz, "%s/%s", dir, name);
			cases[n++] = (struct tap_case){strstr(path, "/tests/data/") + 12, fn, path};
		}
		free(list[i]);
	}
	free(list);
	return n;
}

/* Every folder of tests/data/<area> as a case. */
static inline int tap_data_cases(const char *area, void (*fn)(void), struct tap_case *cases, int n,
				 int max)
{
	return tap_dir_cases(area, NULL, fn, cases, n, max);
}

static inline void tap_free_data(struct tap_case *cases, int n)
{
	for (int i = 0; i < n; i++)
		free((void *)cases[i].data);
}

/* The whole of a file, NUL-terminated; NULL if unreadable.  *len may be
 * NULL. */
static inline char *tap_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (len)
			*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

#define TAP_MAIN(cases)                                                         \
	int main(void)                                                          \
	{                                                                       \
		return tap_run(cases, (int)(sizeof(cases) / sizeof(cases[0]))); \
	}

#endif
