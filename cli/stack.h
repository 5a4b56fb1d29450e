/* hearth stack|output|resource|event|signal|admin ...: the commands that drive
 * stacks through hearthd's REST API. */
#ifndef HEARTH_CLI_STACK_H
#define HEARTH_CLI_STACK_H

struct api_conn {
	const char *url;     /* the API role's base URL */
	const char *token;   /* X-Auth-Token */
	const char *project; /* NULL: the token's own (GET /v1/tokens/self) */
	const char *format;  /* table, json or yaml */
	int timeout_ms;
};

/* argv[0] is the command's group ("stack", "output", ...).  Returns the
 * exit status: 0 done, 1 the server refused or the stack ended FAILED,
 * 2 bad usage or hearthd unreachable. */
int stack_cli_main(struct api_conn *c, int argc, char **argv);

#endif
