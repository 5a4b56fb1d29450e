/* Loads a template file N times with engine/load.c, validates it each time
 * as `hearth template validate` does (stack_define: parameters,
 * conditions, graph, types, every function, property schemas; no limit on
 * the number of resources), and prints the median load time and the
 * median load + validate time in milliseconds, and the peak RSS in MiB:
 * With LOADBENCH_MODE=resolve, resolves instead (every group member).
 *   loadbench FILE [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/clock.h"
#include "engine/load.h"
#include "engine/stack.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct load_limits lim = {1u << 30, 512};
	int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 7;
	double ms[101], total[101];
	struct rusage ru;
	char *text;
	long len;
	FILE *f;

	if (argc < 2 || n < 1 || n > 101 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: loadbench FILE [1..101]\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = malloc((size_t)len);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len)
		return 1;
	fclose(f);
	for (int i = 0; i < n; i++) {
		struct herr e = HERR_INIT;
		uint64_t t0 = clock_now_ns();
		struct doc *d = load_template(argv[1], text, (size_t)len, &lim, &e);

		struct diags *dg = diags_new();

		ms[i] = (double)(clock_now_ns() - t0) / 1e6;
		if (!d) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		{
			struct stack_opts o = STACK_OPTS_DEFAULT;
			json_t *def;

			o.max_resources = -1;
			if (getenv("LOADBENCH_MODE") &&
			    strcmp(getenv("LOADBENCH_MODE"), "resolve") == 0)
				o.mode = EVAL_RESOLVE;
			def = stack_define(d, &o, dg);
			if (!def || diags_count(dg, DIAG_ERROR) > 0) {
				diags_print(dg, stderr);
				return 1;
			}
			json_decref(def);
		}
		total[i] = (double)(clock_now_ns() - t0) / 1e6;
		diags_free(&dg);
		doc_free(&d);
	}
	qsort(ms, (size_t)n, sizeof(ms[0]), cmp);
	qsort(total, (size_t)n, sizeof(total[0]), cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("%.1f %.1f %.1f\n", ms[n / 2], total[n / 2], (double)ru.ru_maxrss / 1024);
	free(text);
	return 0;
}
