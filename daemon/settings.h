/* hearthd's configuration keys: the one table from which the daemon's
 * validation, --help, --sample-config and --print-config all come. */
#ifndef HEARTH_SETTINGS_H
#define HEARTH_SETTINGS_H

#include "common/config.h"

enum setting {
	SET_STATE_DIR,
	SET_ROLES,
	SET_SHUTDOWN_TIMEOUT,
	SET_LOG_LEVEL,
	SET_LOG_FORMAT,
	SET_API_LISTEN,
	SET_METADATA_LISTEN,
	SET_SIGNAL_LISTEN,
	SET_ENGINE_LISTEN,
	SET_ENGINE_WORKERS,
	SET_ENGINE_RECLAIM,
	SET_ENGINE_MAX_RESOURCES,
	SET_HTTP_THREADS,
	SET_HTTP_CONN_LIMIT,
	SET_HTTP_BACKLOG,
	SET_HTTP_IDLE_TIMEOUT,
	SET_HTTP_MAX_BODY,
	SET_REDIS_URL,
	SET_REDIS_PASSWORD,
	SET_REDIS_CONNECT_TIMEOUT,
	SET_REDIS_COMMAND_TIMEOUT,
	SET_REDIS_SERVER,
	SET_REDIS_APPENDFSYNC,
	SET_REDIS_START_TIMEOUT,
	SET_COUNT
};

/* Bits of config_num(cfg, SET_ROLES), in the order of the choices. */
enum role { ROLE_ENGINE, ROLE_METADATA, ROLE_SIGNAL, ROLE_API, ROLE_COUNT };

extern const struct cfg_key settings_table[SET_COUNT];
extern const char *const role_names[ROLE_COUNT];

#endif
