/* Validation of a loaded template: every stage, every error collected. */
#ifndef HEARTH_VALIDATE_H
#define HEARTH_VALIDATE_H

#include "engine/diag.h"
#include "engine/load.h"

/* Adds the template's errors and warnings to dg; returns the number of
 * errors.  Today: version, shape (sections, resources, outputs), the
 * functions each version knows, and references and cycles. */
int validate_template(const struct doc *d, struct diags *dg);

#endif
