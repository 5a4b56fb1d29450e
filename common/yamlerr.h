/* libyaml's parse errors as "name:line:col: invalid YAML: problem (context
 * at line:col)", shared by every YAML reader. */
#ifndef HEARTH_YAMLERR_H
#define HEARTH_YAMLERR_H

#include <yaml.h>

#include "common/err.h"

void yamlerr_set(struct herr *e, const char *name, const yaml_parser_t *p);

#endif
