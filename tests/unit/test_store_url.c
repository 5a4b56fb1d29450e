/* store_url_parse and store_url_redact: every accepted form and the
 * malformed ones, and that no password survives redaction. */
#include "common/store.h"
#include "tests/tap.h"

static void tcp_forms(void)
{
	struct store_url u;
	struct herr e = HERR_INIT;

	CHECK(store_url_parse("tcp://127.0.0.1:6380", &u, &e) == 0);
	CHECK_STR(u.host, "127.0.0.1");
	CHECK(u.port == 6380 && u.db == 0 && !u.path[0] && !u.password[0]);
	CHECK(store_url_parse("redis://redis.example", &u, &e) == 0);
	CHECK_STR(u.host, "redis.example");
	CHECK(u.port == 6379);
	CHECK(store_url_parse("tcp://:s3cr@t@host:1/2", &u, &e) == 0);
	CHECK_STR(u.password, "s3cr@t");
	CHECK_STR(u.user, "");
	CHECK_STR(u.host, "host");
	CHECK(u.port == 1 && u.db == 2);
	CHECK(store_url_parse("tcp://alice:pw@[::1]:7000/3", &u, &e) == 0);
	CHECK_STR(u.user, "alice");
	CHECK_STR(u.password, "pw");
	CHECK_STR(u.host, "::1");
	CHECK(u.port == 7000 && u.db == 3);
}

static void unix_forms(void)
{
	struct store_url u;
	struct herr e = HERR_INIT;

	CHECK(store_url_parse("unix:///run/redis.sock", &u, &e) == 0);
	CHECK_STR(u.path, "/run/redis.sock");
	CHECK(store_url_parse("unix://:pw@/run/r.sock?db=4", &u, &e) == 0);
	CHECK_STR(u.path, "/run/r.sock");
	CHECK_STR(u.password, "pw");
	CHECK(u.db == 4);
}

static void malformed(void)
{
	static const char *const bad[] = {
		"",
		"http://host",
		"tcp://",
		"tcp://host:0",
		"tcp://host:65536",
		"tcp://host:12ab",
		"tcp://host/x",
		"tcp://[::1",
		"unix://relative.sock",
		"unix:///s.sock?database=1",
		"unix:///aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct store_url u;
		struct herr e = HERR_INIT;
		int rc = store_url_parse(bad[i], &u, &e);

		if (rc == 0)
			printf("# accepted: %s\n", bad[i]);
		CHECK(rc < 0);
		CHECK(e.code == HERR_INVALID && strstr(e.msg, "redis URL") != NULL);
	}
}

static void redaction(void)
{
	char buf[256];

	store_url_redact("tcp://alice:hunter2@h:1/0", buf, sizeof(buf));
	CHECK_STR(buf, "tcp://alice:***@h:1/0");
	store_url_redact("tcp://:p@ss@h", buf, sizeof(buf));
	CHECK_STR(buf, "tcp://:***@h");
	CHECK(strstr(buf, "ss@") == NULL);
	store_url_redact("unix:///run/r.sock", buf, sizeof(buf));
	CHECK_STR(buf, "unix:///run/r.sock");
	store_url_redact("tcp://bob@h", buf, sizeof(buf));
	CHECK_STR(buf, "tcp://bob@h");
}

static const struct tap_case cases[] = {
	{"tcp and redis URLs", tcp_forms, NULL},
	{"unix URLs", unix_forms, NULL},
	{"malformed URLs are refused with a reason", malformed, NULL},
	{"passwords are redacted", redaction, NULL},
};
TAP_MAIN(cases)
