/* Resource types: one table per type with its properties (type,
 * required, default, update behaviour, constraints, nested schemas) and
 * attributes (hot-spec §7, hot-resource-schemas.md).  Later issues add a
 * type by adding a table, not a code path. */
#ifndef HEARTH_SCHEMA_H
#define HEARTH_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/diag.h"
#include "engine/load.h"

struct rtype;

/* The built-in type called name, or NULL. */
const struct rtype *rtype_find(const char *name);
bool rtype_is_builtin(const char *name);
const char *rtype_name(const struct rtype *t);

/* The built-in types, for iteration: rtype_at(i) for i < rtype_count(),
 * NULL past the end. */
size_t rtype_count(void);
const struct rtype *rtype_at(size_t i);

/* Whether get_attr may name attr on a resource of this type: the type's
 * attributes and `show`; any name for OS::Heat::None; for
 * OS::Heat::ResourceGroup and AutoScalingGroup any name (members'
 * attributes, resource.N[.attr]); for the software deployments (and their
 * groups) any name (the config's declared outputs). */
bool rtype_has_attr(const struct rtype *t, const char *attr);
/* The type's attribute names, space-separated (`show` not included). */
const char *rtype_attrs(const struct rtype *t);

/* Checks the resolved properties of one resource against the type's
 * schema with Heat's coercion rules and messages (§7 "Property value
 * coercion"): unknown properties, missing required ones, types, allowed
 * values, ranges and lengths, nested maps and lists, custom constraints
 * that need no backend; then, when all that passed, the type's own cheap
 * rules (Server boot source and networks, RouterInterface subnet/port,
 * RandomString minimums, AutoScalingGroup sizes, ...), whose findings have
 * no path, as in Heat.
 *   raw: the properties node as written (borrowed; NULL if absent), whose
 *        marks place the findings;
 *   resolved: the same after function evaluation (borrowed; NULL if
 *        absent).  A value that is eval_unknown() (see eval.h) is not
 *        checked (Heat checks it only at create time), nor are constraints
 *        on a container holding one, nor the type's own rules.
 *   path: "resources.NAME.properties".
 * A property given as null stands for its default, else the type's empty
 * value ("", 0, false, {}, []), which is then checked (Heat's behaviour).
 * Adds errors to dg with messages like "Property error: Value 'abc' is
 * not an integer"; returns how many.  OS::Heat::None checks nothing. */
int rtype_check_props(const struct rtype *t, const struct doc *d, json_t *raw, json_t *resolved,
		      const char *path, struct diags *dg);

/* The same, for callers that know where the properties were written:
 * a required property that is missing is placed at obj's key (rule 4 of
 * tests/data/templates/README.md): the resource's definition and
 * "properties", or, for a resource written without properties, the
 * resources section and the resource's name.  rtype_check_props places
 * it at raw itself (nowhere when raw is NULL). */
int rtype_check_props_at(const struct rtype *t, const struct doc *d, json_t *raw, const json_t *obj,
			 const char *key, json_t *resolved, const char *path, struct diags *dg);

/* ------------------------------------------------ top-level properties */

/* The name of the type's i-th top-level property, NULL past the end
 * (always NULL for OS::Heat::None, which takes any).  Hidden properties
 * (Heat's old names, such as a Subnet's network_id) are not listed, but
 * rtype_has_prop and the checker accept them. */
const char *rtype_prop_at(const struct rtype *t, size_t i);
/* Whether prop is a top-level property of the type (any name for
 * OS::Heat::None). */
bool rtype_has_prop(const struct rtype *t, const char *prop);
bool rtype_prop_required(const struct rtype *t, const char *prop);

enum rtype_update {
	RTYPE_UPD_UNKNOWN = -1,    /* no such property */
	RTYPE_UPD_UPDATE = 'U',    /* a change is applied in place */
	RTYPE_UPD_REPLACE = 'R',   /* a change replaces the resource */
	RTYPE_UPD_IMMUTABLE = 'I', /* a change fails the update */
};
/* What a change of top-level property prop does.  A change anywhere
 * inside a map or list property counts as a change of the property.
 * OS::Heat::None: RTYPE_UPD_UPDATE for any name. */
enum rtype_update rtype_prop_update(const struct rtype *t, const char *prop);
/* The default of top-level property prop: a new reference, NULL when it
 * has none (or there is no such property). */
json_t *rtype_prop_default(const struct rtype *t, const char *prop);

/* --------------------------------------------------- custom constraints */

/* Checks value against Heat's custom constraint name (the ones that need
 * no backend: ip_addr, ip_or_cidr, net_cidr, mac_addr, dns_name,
 * dns_domain, rel_dns_name, iso_8601, expiration, timezone,
 * cron_expression; the ones that look something up in a service, such as
 * nova.flavor or neutron.network, accept any value).  Returns 1 when the
 * value passes, 0 when it fails with Heat's message in why ("Error
 * validating value '1.2.3.400': Invalid IP address"), -1 when Heat has no
 * constraint of that name. */
int rtype_constraint_check(const char *name, const char *value, char *why, size_t size);

#endif
