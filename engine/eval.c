/* Evaluation of intrinsic functions (see eval.h). */
#include "engine/eval.h"

#include <pthread.h>

static json_t *unknown;
static pthread_once_t unknown_once = PTHREAD_ONCE_INIT;

static void unknown_init(void)
{
	unknown = json_object();
}

json_t *eval_unknown(void)
{
	pthread_once(&unknown_once, unknown_init);
	return unknown;
}

bool eval_tainted(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (v == eval_unknown())
		return true;
	if (json_is_array(v)) {
		json_array_foreach (v, i, x)
			if (eval_tainted(x))
				return true;
	} else if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, k, x)
			if (eval_tainted(x))
				return true;
	}
	return false;
}
