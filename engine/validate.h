/* Validation of a loaded template: every stage, every error collected. */
#ifndef HEARTH_VALIDATE_H
#define HEARTH_VALIDATE_H

#include "engine/diag.h"
#include "engine/load.h"

/* The checks of a template on its own, before any value, environment or
 * resource type is known: version, shape (sections, resources, outputs),
 * parameter schemas and defaults, the conditions grammar, the functions
 * each version knows, references and cycles.  Adds the findings to dg;
 * returns the number of errors.  stack_define (stack.h) runs the same
 * stages and then everything that needs values and types. */
int validate_template(const struct doc *d, struct diags *dg);

#endif
