/* Resource types: one table per type with its properties (type,
 * required, default, update behaviour, constraints, nested schemas) and
 * attributes (hot-spec §7, hot-resource-schemas.md).  Later issues add a
 * type by adding a table, not a code path. */
#ifndef HEARTH_SCHEMA_H
#define HEARTH_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/diag.h"
#include "engine/load.h"

struct rtype;

/* The built-in type called name, or NULL. */
const struct rtype *rtype_find(const char *name);
bool rtype_is_builtin(const char *name);
const char *rtype_name(const struct rtype *t);

/* Whether get_attr may name attr on a resource of this type: the type's
 * attributes and `show`; any name for OS::Heat::None; for
 * OS::Heat::ResourceGroup and AutoScalingGroup any name (members'
 * attributes, resource.N[.attr]). */
bool rtype_has_attr(const struct rtype *t, const char *attr);

/* Checks the resolved properties of one resource against the type's
 * schema with Heat's coercion rules and messages (§7 "Property value
 * coercion"): unknown properties, missing required ones, types, allowed
 * values, ranges and lengths, nested maps and lists.
 *   raw: the properties node as written (borrowed; NULL if absent), whose
 *        marks place the findings;
 *   resolved: the same after function evaluation (borrowed; NULL if
 *        absent).  A value that is eval_unknown() (see eval.h) or
 *        contains it is not checked (Heat checks it only at create time).
 *   path: "resources.NAME.properties".
 * Adds errors to dg with messages like "Property error: Value 'abc' is
 * not an integer"; returns how many. */
int rtype_check_props(const struct rtype *t, const struct doc *d, json_t *raw, json_t *resolved,
		      const char *path, struct diags *dg);

#endif
