/* Table-driven configuration.
 *
 * A program describes its keys once, in a table of struct cfg_key; this
 * module parses values from a YAML file, the environment and flags against
 * that table, and prints --help text, an annotated sample file and the
 * effective configuration from the same table.  Precedence, lowest first:
 * default, file, environment (HEARTH_<KEY>, dots as underscores), flags.
 * Errors name their origin: "file:line:col: key: problem". */
#ifndef HEARTH_CONFIG_H
#define HEARTH_CONFIG_H

#include <stdio.h>
#include <stdbool.h>

#include "common/err.h"

enum cfg_type {
	CFG_STRING,
	CFG_PATH,
	CFG_INT,      /* integer within [min, max] */
	CFG_BOOL,     /* true/false, yes/no, on/off */
	CFG_ENUM,     /* one of choices ("a|b|c"); num is its index */
	CFG_LIST,     /* comma list or YAML sequence of choices; num is a bitmask */
	CFG_ADDR,     /* host:port or [v6]:port */
	CFG_DURATION, /* 500ms, 30s, 5m, 1h or bare seconds; num in ms */
	CFG_SIZE,     /* 512, 64K, 1M, 1G bytes; num in bytes */
};

enum {
	CFG_SECRET = 1 << 0,   /* never printed or logged */
	CFG_EMPTY_OK = 1 << 1, /* "" is a valid value (meaning: off/unset) */
};

struct cfg_key {
	const char *name; /* dotted: "redis.url" */
	enum cfg_type type;
	const char *def; /* default, as text */
	long long min, max;
	const char *choices; /* CFG_ENUM and CFG_LIST */
	unsigned flags;
	const char *help;
};

struct config;

/* The table must outlive the config. */
struct config *config_new(const struct cfg_key *table, int nkeys);
void config_free(struct config **cfg);

/* Sets one key from text; origin names where the text came from. */
int config_set(struct config *cfg, const char *name, const char *value, const char *origin,
	       struct herr *e);
int config_load_file(struct config *cfg, const char *path, struct herr *e);
/* The same from memory; name stands for the file in messages. */
int config_load_buffer(struct config *cfg, const char *name, const char *data, size_t len,
		       struct herr *e);
/* Reads HEARTH_* variables; unknown ones are reported through warn(). */
int config_load_env(struct config *cfg, char **envp, void (*warn)(const char *name),
		    struct herr *e);

const char *config_str(const struct config *cfg, int id);
long long config_num(const struct config *cfg, int id);
const char *config_origin(const struct config *cfg, int id);

/* Environment variable name of a key, into buf. */
void config_env_name(const char *key, char *buf, size_t size);

void config_print_help(const struct config *cfg, FILE *out);
/* sample: an annotated file of defaults, all commented out; otherwise the
 * effective values with their origins, secrets masked. */
void config_print_yaml(const struct config *cfg, FILE *out, bool sample);

#endif
