/* hearth template ...: the offline template commands (validate, resolve,
 * show, graph), which need no hearthd. */
#ifndef HEARTH_CLI_TEMPLATE_H
#define HEARTH_CLI_TEMPLATE_H

/* argv[0] is "template".  Returns the exit status: 0 ok, 1 the template
 * has errors, 2 bad usage or unreadable input. */
int template_main(int argc, char **argv);

#endif
