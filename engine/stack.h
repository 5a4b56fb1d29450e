/* A stack's definition: a template with its environment, files and
 * parameter values, its conditions decided, its resources' types
 * resolved (template resources and ResourceGroups expanded), and its
 * functions evaluated. */
#ifndef HEARTH_STACK_H
#define HEARTH_STACK_H
#endif
