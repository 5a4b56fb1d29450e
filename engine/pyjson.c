/* Python-compatible text of values (see pyjson.h).  Stub. */
#include "engine/pyjson.h"

char *pyjson_dumps(const json_t *v, bool sort_keys)
{
	return json_dumps(v, JSON_ENCODE_ANY | (sort_keys ? JSON_SORT_KEYS : 0));
}

char *pyjson_str(const json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY);
}
