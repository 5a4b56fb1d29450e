/* Environments (hot-spec §4): checking one environment file, merging
 * several in order onto the parameters a user gave (§4.3, with Heat's
 * surprises), and looking resource types up in the resource_registry
 * (§4.2: aliases, globs, template resources, per-resource overrides). */
#ifndef HEARTH_ENV_H
#define HEARTH_ENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/diag.h"
#include "engine/load.h"

/* Adds every error of one loaded environment file to dg (sections, their
 * types, registry entries, hooks, merge strategies); returns how many. */
int env_check(const struct doc *d, struct diags *dg);

/* The environment of a stack: user_params (the request's or the CLI's
 * -P values, borrowed, may be NULL) copied into `parameters`, then each
 * of the n environment files applied in order as Heat applies
 * environment_files.  declared: the parameter names the templates declare
 * (an object name → true, borrowed).  Returns a new object with the keys
 * parameters, parameter_defaults, resource_registry, event_sinks (each
 * present, possibly empty); NULL after adding errors to dg. */
json_t *env_merge(json_t *user_params, const struct doc *const *envs, int n, json_t *declared,
		  struct diags *dg);

/* What type `type` of resource res_name means under registry (borrowed,
 * may be NULL): follows per-resource overrides, exact entries, globs and
 * aliases with Heat's precedence.  is_builtin says whether a name is a
 * type Hearth implements.  Returns a new string: a built-in type name, or
 * a template name (ends in .yaml or .template; a key into `files`).  NULL
 * with Heat's message in err ("The Resource Type (OS::Nope) could not be
 * found.") when it leads nowhere. */
char *env_resolve_type(json_t *registry, const char *res_name, const char *type,
		       bool (*is_builtin)(const char *type), char *err, size_t errsz);

/* The registry a nested stack made for resource res_name inherits
 * (§4.3 step 4): the parent's, with `resources` narrowed to the entries
 * under res_name.  New reference. */
json_t *env_child_registry(json_t *registry, const char *res_name);

#endif
