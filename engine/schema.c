/* Resource type schemas (see schema.h).  Stub. */
#include "engine/schema.h"

#include <string.h>

struct rtype {
	const char *name;
};

static const struct rtype types[] = {{"OS::Heat::None"}, {"OS::Heat::Value"}};

const struct rtype *rtype_find(const char *name)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

bool rtype_is_builtin(const char *name)
{
	return rtype_find(name) != NULL;
}

const char *rtype_name(const struct rtype *t)
{
	return t->name;
}

bool rtype_has_attr(const struct rtype *t, const char *attr)
{
	(void)t, (void)attr;
	return true;
}

int rtype_check_props(const struct rtype *t, const struct doc *d, json_t *raw, json_t *resolved,
		      const char *path, struct diags *dg)
{
	(void)t, (void)d, (void)raw, (void)resolved, (void)path, (void)dg;
	return 0;
}
