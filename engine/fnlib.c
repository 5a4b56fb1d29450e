/* Pure intrinsic functions (see fnlib.h).  Stub. */
#include "engine/fnlib.h"

#include <stdio.h>

bool fnlib_has(const char *name)
{
	(void)name;
	return false;
}

json_t *fnlib_call(const char *name, enum hot_version v, json_t *args, struct fn_err *fe)
{
	(void)v, (void)args;
	fe->form = false;
	snprintf(fe->msg, sizeof(fe->msg), "function %s not implemented", name);
	return NULL;
}
