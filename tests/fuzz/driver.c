/* Runs a fuzz target over every file of its corpus directory, one TAP line
 * per file.  The directory is tests/fuzz/corpus/<target> under
 * $HEARTH_TEST_SRCDIR; the target's name is this program's name. */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *src = getenv("HEARTH_TEST_SRCDIR");
	char dir[1024], path[2048], *names[4096], *self = strdup(argv[0]);
	struct dirent *de;
	int n = 0;
	DIR *d;

	(void)argc;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src ? src : ".", basename(self));
	free(self);
	d = opendir(dir);
	if (!d) {
		printf("Bail out! no corpus at %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) && n < 4096)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		FILE *f;
		long len;
		uint8_t *buf;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0) {
			printf("not ok %d - %s: unreadable\n", i + 1, names[i]);
			if (f)
				fclose(f);
			continue;
		}
		rewind(f);
		/* An exact-size copy, so that reads past the end are caught. */
		buf = malloc(len ? (size_t)len : 1);
		if (fread(buf, 1, (size_t)len, f) != (size_t)len)
			len = 0;
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		/* A crash or a sanitizer report ends the program before this. */
		printf("ok %d - %s\n", i + 1, names[i]);
		fflush(stdout);
		free(names[i]);
	}
	return 0;
}
