/* Fuzz target: the configuration reader (YAML into the settings table). */
#include <stdlib.h>

#include "common/config.h"
#include "daemon/settings.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;

	if (!cfg)
		return 0;
	if (config_load_buffer(cfg, "fuzz.yaml", (const char *)data, size, &e) < 0 && !e.msg[0])
		abort(); /* every failure must say why */
	config_free(&cfg);
	return 0;
}
