/* Environments (hot-spec §4): checking one environment file, merging
 * several in order onto the parameters a user gave (§4.3, with Heat's
 * surprises), and looking resource types up in the resource_registry
 * (§4.2: aliases, globs, template resources, per-resource overrides).
 *
 * A registry here is the JSON of a resource_registry section (or of the
 * merged environment's).  Every lookup first loads it the way Heat's
 * ResourceRegistry.load does (see env_registry_load), so a null entry
 * removes what the same map set before it.  Hearth has no global
 * (operator) environment yet: the user registry sits on top of the
 * built-in types only. */
#ifndef HEARTH_ENV_H
#define HEARTH_ENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/diag.h"
#include "engine/load.h"

/* Adds every error of one loaded environment file to dg (sections, their
 * types, registry entries, hooks, merge strategies); returns how many.
 * Each error is placed at the offending key or value, with a path such as
 * "resource_registry.resources.web.hooks".  Heat's own messages where it
 * has one ("environment has wrong section "x"", "environment has empty
 * section "x"", "Invalid hook type "x" for resource breakpoint, ...",
 * "Invalid restricted_action type "x" for resource, ..."); where Heat
 * accepts a value and fails later (a list for `parameters`, an event sink
 * of an unknown type, an unknown merge strategy, which Heat silently
 * replaces by the file's default) the message is Hearth's. */
int env_check(const struct doc *d, struct diags *dg);

/* The environment of a stack: user_params (the request's or the CLI's
 * -P values, borrowed, may be NULL) copied into `parameters`, then each
 * of the n environment files applied in order as Heat applies
 * environment_files.  declared: the parameter names the templates declare
 * (an object name → true, borrowed; NULL declares none).  A name may map
 * to its type name instead ("string", "number", "json",
 * "comma_delimited_list", "boolean"): the merge and deep_merge strategies
 * depend on the type, and with `true` it is taken from the value (map:
 * json, list: comma_delimited_list, string: string, number: number).
 * Returns a new object with the keys parameters, parameter_defaults,
 * resource_registry, event_sinks (each present, possibly empty); NULL
 * after adding errors to dg.
 *
 * Every file is checked with env_check first (no merge when one has
 * errors).  Then, per file:
 *  - parameters, parameter_defaults: a parameter's strategy is fixed by the
 *    first file naming it with a non-null value (its
 *    parameter_merge_strategies entry for the name, else the strategy
 *    already fixed, else the file's `default`, else overwrite); a later
 *    file whose entry for the name says otherwise gives "Conflicting merge
 *    strategy 'merge' for parameter 'x' in file 'F'." with F the doc's name
 *    as given (Heat prints the environment_files key, which is the name
 *    the API layer gives the doc).  When the section built so far is empty
 *    the file's section is taken verbatim (undeclared names and nulls
 *    included: the caller's UnknownUserParameter check then fails);
 *    otherwise undeclared names and null values are skipped and the others
 *    merged by strategy: overwrite replaces; merge concatenates strings,
 *    appends lists (comma-joins CSV strings), adds numbers, updates json
 *    maps key by key; deep_merge does the same, recursively in json maps.
 *  - resource_registry: the first non-empty one is taken verbatim; later
 *    ones update it key by key (a later `resources:` replaces the earlier
 *    one whole), skipping null values as Heat's merge does.
 *  - event_sinks: appended (Heat fails with an internal error when two
 *    files both have sinks). */
json_t *env_merge(json_t *user_params, const struct doc *const *envs, int n, json_t *declared,
		  struct diags *dg);

/* What type `type` of resource res_name means under registry (borrowed,
 * may be NULL): follows per-resource overrides, exact entries, globs and
 * aliases with Heat's precedence.  is_builtin says whether a name is a
 * type Hearth implements.  Returns a new string: a built-in type name, or
 * a template name (ends in .yaml or .template; a key into `files`).  NULL
 * with Heat's message in err ("The Resource Type (OS::Nope) could not be
 * found.") when it leads nowhere.
 *
 * Candidates: the template itself when `type` ends in .yaml/.template;
 * registry["resources"][res_name][type]; registry[type]; every glob key
 * "Pfx*" that type starts with, unless the glob maps to type itself.  They
 * are tried longest path first, then by key in strcmp order (so "OS::*"
 * comes before "OS::Nova::Server"), and the built-in type last.  A
 * candidate whose chain leads nowhere gives way to the next one, as in
 * Heat.  A chain that comes back to a type it is resolving, or that is
 * longer than 64 mappings, is an error ("Resource type "A" maps to itself
 * through the resource_registry: A -> B -> A"). */
char *env_resolve_type(json_t *registry, const char *res_name, const char *type,
		       bool (*is_builtin)(const char *type), char *err, size_t errsz);

/* The registry a nested stack made for resource res_name inherits
 * (§4.3 step 4): the parent's, loaded, with `resources` narrowed to the
 * entries under res_name: the contents of every entry whose key
 * (a shell glob) matches res_name, then those of the exact entry, merged
 * one level up.  New reference. */
json_t *env_child_registry(json_t *registry, const char *res_name);

/* The same for the nested stack of a template resource res_name of type
 * `type`: Heat also removes from the child's registry the entry that made
 * the resource a template resource, so that "OS::Nova::Server":
 * "server.yaml" does not make the OS::Nova::Server inside server.yaml a
 * template resource again.  New reference. */
json_t *env_child_registry_of(json_t *registry, const char *res_name, const char *type,
			      bool (*is_builtin)(const char *type));

/* The hooks and restricted actions that apply to resource res_name: the
 * union over every registry["resources"] entry whose key matches res_name
 * as a shell glob (Python's fnmatchcase: fnmatch(3) with FNM_NOESCAPE), in
 * registry order without repeats.  New object {"hooks": [names],
 * "restricted_actions": [names]}, both always present. */
json_t *env_resource_options(json_t *registry, const char *res_name);

/* Loads registry `more` (borrowed) on top of `into` (modified) the way
 * Heat's ResourceRegistry.load does, e.g. a PATCH update's environment on
 * the stored one (§6.2): maps merge key by key at every level; a null
 * value removes the key, and a null "Pfx*" removes every type mapping
 * whose key starts with Pfx (hooks and nested maps stay); anything else
 * replaces. */
void env_registry_load(json_t *into, json_t *more);

#endif
