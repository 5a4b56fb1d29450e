/* libyaml parse errors (see yamlerr.h). */
#include "common/yamlerr.h"

void yamlerr_set(struct herr *e, const char *name, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "syntax error";

	if (p->error == YAML_MEMORY_ERROR)
		herr_set(e, HERR_NOMEM, "%s: out of memory while parsing YAML", name);
	else if (p->context)
		herr_set(e, HERR_INVALID, "%s:%zu:%zu: invalid YAML: %s (%s at %zu:%zu)", name,
			 p->problem_mark.line + 1, p->problem_mark.column + 1, problem, p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	else
		herr_set(e, HERR_INVALID, "%s:%zu:%zu: invalid YAML: %s", name,
			 p->problem_mark.line + 1, p->problem_mark.column + 1, problem);
}
