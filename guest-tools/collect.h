/* hearth-agent collect and apply: the software-deployment side of the
 * agent, in place of os-collect-config + os-refresh-config + heat-config.
 *
 * collect reads the "os-collect-config" section that boot wrote
 * (ROOT/var/lib/heat-cfntools/cfn-init-data), polls the server's metadata
 * document from the source it names (source.h) and runs the deployments
 * of every new document (deploy.h).  apply runs the deployments of the
 * JSON files os-collect-config names in $OS_CONFIG_FILES: it is
 * os-collect-config's --command for images that keep that daemon. */
#ifndef HEARTH_AGENT_COLLECT_H
#define HEARTH_AGENT_COLLECT_H

#include <stdio.h>

#define COLLECT_DATA_GPATH "/var/lib/heat-cfntools/cfn-init-data"

/* argv[0] is "collect".  Returns the exit status: with --once 0 when
 * everything ran and was signalled, 1 when a deployment failed or its
 * signal was refused, 3 when the metadata or a signal endpoint could not
 * be reached, 4 when the agent could not work; without it 0 after
 * SIGTERM; 2 on usage errors. */
int collect_main(int argc, char **argv);

/* argv[0] is "apply".  0 when every deployment ran (whatever its hook
 * reported), 1 when the agent could not work (a file unreadable, the
 * state not writable), 3 when a signal could not be delivered (it is sent
 * again at the next run), 2 on usage errors. */
int apply_main(int argc, char **argv);

/* The lines of --help that describe collect and apply. */
void collect_usage(FILE *out);

#endif
