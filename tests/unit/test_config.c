/* Configuration: every case folder under tests/data/config/ holds a
 * hearthd.yaml and an "expect" file, either
 *     error <message, with FILE standing for the yaml's path>
 * or lines of key=value that must hold after loading.  Then precedence
 * (file < environment < set), and round trips of the printers. */
#include <stdbool.h>

#include "common/config.h"
#include "daemon/settings.h"
#include "tests/tap.h"

static int find(const char *name)
{
	for (int i = 0; i < SET_COUNT; i++)
		if (strcmp(settings_table[i].name, name) == 0)
			return i;
	return -1;
}

static void data_case(void)
{
	char yaml[1024], expect_path[1024], want[4096];
	struct config *cfg = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;
	char *expect, *line, *save = NULL;
	int rc;

	snprintf(yaml, sizeof(yaml), "%s/hearthd.yaml", tap_data);
	snprintf(expect_path, sizeof(expect_path), "%s/expect", tap_data);
	expect = tap_slurp(expect_path, NULL);
	CHECK(expect != NULL);
	if (!expect)
		goto out;
	rc = config_load_file(cfg, yaml, &e);
	if (strncmp(expect, "error ", 6) == 0) {
		char *msg = expect + 6, *file = strstr(msg, "FILE");

		msg[strcspn(msg, "\n")] = '\0';
		if (file)
			snprintf(want, sizeof(want), "%.*s%s%s", (int)(file - msg), msg, yaml,
				 file + 4);
		else
			snprintf(want, sizeof(want), "%s", msg);
		CHECK(rc < 0);
		CHECK_STR(e.msg, want);
		goto out;
	}
	if (rc < 0)
		printf("# unexpected error: %s\n", e.msg);
	CHECK(rc == 0);
	for (line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		int id;

		if (!eq)
			continue;
		*eq = '\0';
		id = find(line);
		CHECK(id >= 0);
		if (id >= 0)
			CHECK_STR(config_str(cfg, id), eq + 1);
	}
out:
	free(expect);
	config_free(&cfg);
}

static void precedence(void)
{
	struct config *cfg = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;
	char *env[] = {"HEARTH_LOG_LEVEL=warn", "HEARTH_HTTP_THREADS=3", "PATH=/bin", NULL};

	CHECK_STR(config_str(cfg, SET_LOG_LEVEL), "info");
	CHECK_STR(config_origin(cfg, SET_LOG_LEVEL), "default");
	CHECK(config_load_env(cfg, env, NULL, &e) == 0);
	CHECK(config_num(cfg, SET_LOG_LEVEL) == 2);
	CHECK(config_num(cfg, SET_HTTP_THREADS) == 3);
	CHECK_STR(config_origin(cfg, SET_HTTP_THREADS), "environment HEARTH_HTTP_THREADS");
	CHECK(config_set(cfg, "http.threads", "5", "command line", &e) == 0);
	CHECK(config_num(cfg, SET_HTTP_THREADS) == 5);
	config_free(&cfg);
}

static int unknown_seen;
static void on_unknown(const char *name)
{
	if (strcmp(name, "HEARTH_REDIS_ULR") == 0)
		unknown_seen++;
}

static void env_errors(void)
{
	struct config *cfg = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;
	char *typo[] = {"HEARTH_REDIS_ULR=tcp://x", NULL};
	char *bad[] = {"HEARTH_HTTP_THREADS=many", NULL};
	char *secret[] = {"HEARTH_REDIS_URL=", "HEARTH_LOG_LEVEL=loud", NULL};

	CHECK(config_load_env(cfg, typo, on_unknown, &e) == 0);
	CHECK(unknown_seen == 1);
	CHECK(config_load_env(cfg, bad, NULL, &e) < 0);
	CHECK_STR(e.msg,
		  "environment HEARTH_HTTP_THREADS: http.threads: expected an integer from 0 "
		  "to 256, got \"many\"");
	herr_clear(&e);
	CHECK(config_load_env(cfg, secret, NULL, &e) < 0);
	CHECK(strstr(e.msg, "log.level") != NULL);
	config_free(&cfg);
}

static void values(void)
{
	struct config *cfg = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;

	CHECK(config_set(cfg, "shutdown_timeout", "1500ms", "t", &e) == 0);
	CHECK(config_num(cfg, SET_SHUTDOWN_TIMEOUT) == 1500);
	CHECK(config_set(cfg, "shutdown_timeout", "2m", "t", &e) == 0);
	CHECK(config_num(cfg, SET_SHUTDOWN_TIMEOUT) == 120000);
	CHECK(config_set(cfg, "shutdown_timeout", "7", "t", &e) == 0);
	CHECK(config_num(cfg, SET_SHUTDOWN_TIMEOUT) == 7000);
	CHECK(config_set(cfg, "http.max_body", "64K", "t", &e) == 0);
	CHECK(config_num(cfg, SET_HTTP_MAX_BODY) == 65536);
	CHECK(config_set(cfg, "roles", "api, signal", "t", &e) == 0);
	CHECK(config_num(cfg, SET_ROLES) == ((1 << ROLE_API) | (1 << ROLE_SIGNAL)));
	CHECK(config_set(cfg, "engine.listen", "", "t", &e) == 0);
	CHECK(config_set(cfg, "api.listen", "", "t", &e) < 0);
	herr_clear(&e);
	CHECK(config_set(cfg, "api.listen", "[::1]:99999", "t", &e) < 0);
	CHECK(strstr(e.msg, "no valid port") != NULL);
	herr_clear(&e);
	CHECK(config_set(cfg, "shutdown_timeout", "-1s", "t", &e) < 0);
	herr_clear(&e);
	CHECK(config_set(cfg, "shutdown_timeout", "99999999999999999999h", "t", &e) < 0);
	herr_clear(&e);
	CHECK(config_set(cfg, "roles", "api,web", "t", &e) < 0);
	CHECK(strstr(e.msg, "\"web\"") != NULL);
	config_free(&cfg);
}

/* The effective configuration printed as YAML loads back to the same
 * values, and masks secrets. */
static void print_round_trip(void)
{
	struct config *a = config_new(settings_table, SET_COUNT);
	struct config *b = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;
	char path[] = "/tmp/hearth-test-config-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	char *text;

	CHECK(config_set(a, "roles", "metadata,api", "t", &e) == 0);
	CHECK(config_set(a, "api.listen", "[::1]:8004", "t", &e) == 0);
	CHECK(config_set(a, "state_dir", "/var/lib/a dir with: colon", "t", &e) == 0);
	CHECK(config_set(a, "redis.password", "hunter2", "t", &e) == 0);
	config_print_yaml(a, f, false);
	fclose(f);
	text = tap_slurp(path, NULL);
	CHECK(text && strstr(text, "hunter2") == NULL);
	CHECK(config_load_file(b, path, &e) == 0);
	if (e.msg[0])
		printf("# %s\n", e.msg);
	for (int i = 0; i < SET_COUNT; i++)
		if (!(settings_table[i].flags & CFG_SECRET))
			CHECK_STR(config_str(b, i), config_str(a, i));
	free(text);
	unlink(path);
	config_free(&a);
	config_free(&b);
}

/* The sample file is valid YAML that loads to the defaults. */
static void sample_loads(void)
{
	struct config *a = config_new(settings_table, SET_COUNT);
	struct herr e = HERR_INIT;
	char path[] = "/tmp/hearth-test-sample-XXXXXX";
	FILE *f = fdopen(mkstemp(path), "w");

	config_print_yaml(a, f, true);
	fclose(f);
	CHECK(config_load_file(a, path, &e) == 0);
	CHECK_STR(config_origin(a, SET_STATE_DIR), "default");
	unlink(path);
	config_free(&a);
}

int main(void)
{
	struct tap_case cases[256];
	int n = tap_data_cases("config", data_case, cases, 0, 250), rc;

	if (n < 0)
		return 1;
	cases[n++] = (struct tap_case){"file < environment < command line", precedence, NULL};
	cases[n++] =
		(struct tap_case){"environment errors and unknown variables", env_errors, NULL};
	cases[n++] = (struct tap_case){"durations, sizes, lists, addresses", values, NULL};
	cases[n++] = (struct tap_case){"--print-config loads back, secrets masked",
				       print_round_trip, NULL};
	cases[n++] =
		(struct tap_case){"--sample-config is valid and all defaults", sample_loads, NULL};
	rc = tap_run(cases, n);
	tap_free_data(cases, n);
	return rc;
}
