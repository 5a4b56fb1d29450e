/* Pure intrinsic functions (see fnlib.h).  Stub. */
#include "engine/fnlib.h"

#include <stdio.h>

bool fnlib_has(const char *name)
{
	(void)name;
	return false;
}

json_t *fnlib_call(const char *name, enum hot_version v, json_t *args, char *err, size_t errsz)
{
	(void)v, (void)args;
	snprintf(err, errsz, "function %s not implemented", name);
	return NULL;
}
