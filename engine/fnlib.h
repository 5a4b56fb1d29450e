/* The intrinsic functions whose result depends on their arguments only
 * (hot-spec §2.3): list_join, str_replace and its strict forms, repeat,
 * digest, str_split, map_merge, map_replace, filter, make_url,
 * list_concat(_unique), contains, equals, and the CFN functions Fn::Select,
 * Fn::Join, Fn::Split, Fn::Replace, Fn::Base64, Fn::MemberListToMap.
 * Each behaves as Heat 19 does in the template version given (list_join
 * S/M, str_replace P/J, repeat L/D/N).  The evaluator (eval.c) resolves
 * the arguments first and handles the context functions (get_param,
 * get_resource, get_attr, get_file, resource_facade, if, Fn::GetAZs, Ref,
 * Fn::ResourceFacade) itself. */
#ifndef HEARTH_FNLIB_H
#define HEARTH_FNLIB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/version.h"

/* Whether name is one of the functions above. */
bool fnlib_has(const char *name);

/* Why a call failed: Heat's message (without any path), and whether Heat
 * finds it when it parses the template (the arguments' form: "Incorrect
 * arguments to ...", a wrong key set) rather than when it computes the
 * value (an index out of range, a missing strict key).  The evaluator
 * reports form errors in outputs at validation, value errors only when
 * the output is read, as Heat does. */
struct fn_err {
	bool form;
	char msg[512];
};

/* Calls function name of template version v on args (borrowed, already
 * resolved: no function calls left inside).  Returns a new reference, or
 * NULL with *fe filled in.  Whether name exists in v is the caller's
 * question; a version before a variant's first takes the earliest one.
 * Form errors assume args has the shape it had in the template (Heat
 * checks shapes before resolving).  A string result is capped at 64 MiB
 * and a repeat result at 100000 items: past them the call fails. */
json_t *fnlib_call(const char *name, enum hot_version v, json_t *args, struct fn_err *fe);

#endif
