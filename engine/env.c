/* Environments (see env.h).  Stub. */
#include "engine/env.h"

#include <stdio.h>
#include <string.h>

int env_check(const struct doc *d, struct diags *dg)
{
	(void)d, (void)dg;
	return 0;
}

json_t *env_merge(json_t *user_params, const struct doc *const *envs, int n, json_t *declared,
		  struct diags *dg)
{
	(void)envs, (void)n, (void)declared, (void)dg;
	return json_pack("{s:O?,s:{},s:{},s:[]}", "parameters", user_params,
			 "parameter_defaults", "resource_registry", "event_sinks");
}

char *env_resolve_type(json_t *registry, const char *res_name, const char *type,
		       bool (*is_builtin)(const char *type), char *err, size_t errsz)
{
	(void)registry, (void)res_name;
	if (is_builtin(type))
		return strdup(type);
	snprintf(err, errsz, "The Resource Type (%s) could not be found.", type);
	return NULL;
}

json_t *env_child_registry(json_t *registry, const char *res_name)
{
	(void)res_name;
	return registry ? json_deep_copy(registry) : json_object();
}
