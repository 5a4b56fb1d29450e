/* Text of values the way Heat's Python renders them, where Heat turns
 * structures into strings (str_replace, list_join, parameters shown by
 * the API, error messages): json.dumps with ", " and ": " separators and
 * \uXXXX escapes, str() of scalars (True/False, float repr such as 1.0,
 * 1e+20, inf) and repr() of containers and strings. */
#ifndef HEARTH_PYJSON_H
#define HEARTH_PYJSON_H

#include <jansson.h>
#include <stdbool.h>

/* json.dumps(v, sort_keys=sort_keys); non-finite reals as NaN, Infinity,
 * -Infinity.  New string (free()), NULL when out of memory. */
char *pyjson_dumps(const json_t *v, bool sort_keys);

/* Python str() of a scalar: strings as they are, True/False, integers,
 * floats by repr; null gives "None".  Lists and maps give their Python
 * repr (['a', 1], {'k': True}).  New string, NULL when out of memory. */
char *pyjson_str(const json_t *v);

/* Python repr(): as pyjson_str, except that a string is quoted and
 * escaped as Python quotes it ('a', "it's", '\n').  New string, NULL when
 * out of memory. */
char *pyjson_repr(const json_t *v);

/* Python's type(v).__name__ for the value Heat would hold: str, int,
 * float, bool, list, dict, NoneType. */
const char *pyjson_type(const json_t *v);

#endif
