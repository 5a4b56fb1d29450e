/* Evaluation of intrinsic functions over a template's values, per
 * version (hot-spec §2): the context functions (get_param, get_resource,
 * get_attr, get_file, resource_facade, if, Ref, Fn::GetAZs) here, the
 * rest through fnlib.  Two modes: VALIDATE, where what only exists once
 * resources are created (get_attr) becomes eval_unknown() and taints what
 * is computed from it, and RESOLVE, where every value is real (attribute
 * values from the caller, null when it has none, as Heat's preview). */
#ifndef HEARTH_EVAL_H
#define HEARTH_EVAL_H

#include <jansson.h>
#include <stdbool.h>

/* The value that stands for "known only at create time".  Borrowed,
 * shared, never freed. */
json_t *eval_unknown(void);
/* Whether v is or contains eval_unknown(). */
bool eval_tainted(const json_t *v);

#endif
