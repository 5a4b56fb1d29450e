/* Unit tests for engine/fnlib.c (placeholder until its cases land). */
#include "tests/tap.h"

static void builds(void)
{
	CHECK(1);
}

int main(void)
{
	struct tap_case cases[] = {{"builds", builds, NULL}};

	return tap_run(cases, 1);
}
