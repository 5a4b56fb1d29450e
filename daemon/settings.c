/* hearthd's configuration table (see settings.h).  Keep the rows grouped
 * by section: the sample file is printed in this order. */
#include "daemon/settings.h"

const char *const role_names[ROLE_COUNT] = {"engine", "metadata", "signal", "api"};

#define MS(x) (x)
#define S(x)  ((x)*1000LL)

const struct cfg_key settings_table[SET_COUNT] = {
	[SET_STATE_DIR] =
		{"state_dir", CFG_PATH, "/var/lib/hearth", 0, 0, NULL, 0,
		 "Directory for hearthd's state (mode 0700): the embedded Redis, guests' work dirs."},
	[SET_ROLES] =
		{"roles", CFG_LIST, "engine,metadata,signal,api", 0, 0,
		 "engine|metadata|signal|api", 0,
		 "Roles this process runs; several processes sharing one Redis may split them."},
	[SET_SHUTDOWN_TIMEOUT] = {"shutdown_timeout", CFG_DURATION, "10s", MS(0), S(3600), NULL, 0,
				  "On SIGTERM, how long in-flight requests may take to finish."},

	[SET_LOG_LEVEL] = {"log.level", CFG_ENUM, "info", 0, 0, "debug|info|warn|error", 0,
			   "Lowest level logged to stderr (debug also logs every request)."},
	[SET_LOG_FORMAT] = {"log.format", CFG_ENUM, "text", 0, 0, "text|json", 0,
			    "Log line format."},

	[SET_API_LISTEN] = {"api.listen", CFG_ADDR, "127.0.0.1:8004", 0, 0, NULL, 0,
			    "Address of the REST API (Heat's orchestration port is 8004)."},
	[SET_METADATA_LISTEN] = {"metadata.listen", CFG_ADDR, "127.0.0.1:8775", 0, 0, NULL, 0,
				 "Address of the metadata service (Nova's port is 8775)."},
	[SET_METADATA_TRUSTED_PROXIES] =
		{"metadata.trusted_proxies", CFG_STRING, "", 0, 0, NULL, CFG_EMPTY_OK,
		 "Comma list of proxy addresses whose X-Forwarded-For names the guest; others' is ignored."},
	[SET_METADATA_VENDOR_DATA] =
		{"metadata.vendor_data", CFG_PATH, "", 0, 0, NULL, CFG_EMPTY_OK,
		 "JSON object file served as vendor_data.json (and vendor_data2.json's \"static\"); \"\": {}."},
	[SET_METADATA_DHCP_DOMAIN] =
		{"metadata.dhcp_domain", CFG_STRING, "novalocal", 0, 0, NULL, CFG_EMPTY_OK,
		 "Domain appended to guests' host names (Nova's dhcp_domain); \"\" for none."},
	[SET_METADATA_PROXY_SECRET] =
		{"metadata.proxy_shared_secret", CFG_STRING, "", 0, 0, NULL,
		 CFG_EMPTY_OK | CFG_SECRET,
		 "Neutron proxy mode when set: guests are named by X-Instance-ID signed with this secret."},
	[SET_METADATA_REQUIRE_TOKEN] =
		{"metadata.require_token", CFG_BOOL, "false", 0, 0, NULL, 0,
		 "EC2 tree: refuse requests without an IMDSv2 session token (PUT /latest/api/token)."},
	[SET_SIGNAL_LISTEN] = {"signal.listen", CFG_ADDR, "127.0.0.1:8000", 0, 0, NULL, 0,
			       "Address of the signal endpoint (heat-api-cfn's port is 8000)."},
	[SET_SIGNAL_PUBLIC_URL] =
		{"signal.public_url", CFG_STRING, "", 0, 0, NULL, CFG_EMPTY_OK,
		 "Base URL guests signal (curl_cli); \"\": http:// and signal.listen."},
	[SET_SIGNAL_KEY_FILE] = {"signal.key_file", CFG_PATH, "", 0, 0, NULL, CFG_EMPTY_OK,
				 "Key of the signal tokens (0600; shared by every replica); \"\": "
				 "STATE_DIR/signal-key."},
	[SET_ENGINE_LISTEN] = {"engine.listen", CFG_ADDR, "127.0.0.1:8006", 0, 0, NULL,
			       CFG_EMPTY_OK,
			       "Address of the engine's /healthz and /metrics; \"\" for none."},
	[SET_ENGINE_WORKERS] = {"engine.workers", CFG_INT, "4", 1, 256, NULL, 0,
				"Threads taking stack jobs (create, delete) from the queue."},
	[SET_ENGINE_RECLAIM] =
		{"engine.reclaim_after", CFG_DURATION, "30s", S(1), S(3600), NULL, 0,
		 "A job whose worker has not touched it for this long is taken over (a dead worker)."},
	[SET_ENGINE_MAX_RESOURCES] =
		{"engine.max_resources_per_stack", CFG_INT, "1000", -1, 100000000, NULL, 0,
		 "Resources in a stack's whole tree (Heat's max_resources_per_stack); -1: no limit."},
	[SET_COMPUTE_BOOT_COMMAND] =
		{"compute.boot_command", CFG_STRING, "hearth-agent boot", 0, 0, NULL, 0,
		 "What a local guest runs when it boots (by /bin/sh -c, in its work directory)."},
	[SET_COMPUTE_ADDRESS_POOL] =
		{"compute.address_pool", CFG_STRING, "127.10.0.0/16", 0, 0, NULL, 0,
		 "Loopback addresses (within 127.0.0.0/8) for local guests: one each."},
	[SET_COMPUTE_UID_BASE] =
		{"compute.uid_base", CFG_INT, "200000", 1000, 2000000000, NULL, 0,
		 "With hearthd as root, guest N of the pool runs as user and group id uid_base+N."},
	[SET_NETWORK_EXTERNAL_NAME] =
		{"network.external_name", CFG_STRING, "public", 0, 0, NULL, 0,
		 "The external network every project shares (floating IPs, router gateways)."},
	[SET_NETWORK_EXTERNAL_CIDR] = {"network.external_cidr", CFG_STRING, "172.24.4.0/24", 0, 0,
				       NULL, 0, "The external network's addresses."},

	[SET_HTTP_THREADS] =
		{"http.threads", CFG_INT, "0", 0, 256, NULL, 0,
		 "Event threads per listener; 0 means one per CPU, at least 2 (1 stalls past ~128 connections)."},
	[SET_HTTP_CONN_LIMIT] = {"http.connection_limit", CFG_INT, "4096", 16, 1000000, NULL, 0,
				 "Open connections per listener before new ones are refused."},
	[SET_HTTP_BACKLOG] = {"http.backlog", CFG_INT, "1024", 16, 65535, NULL, 0,
			      "Listen backlog (a boot storm opens many connections at once)."},
	[SET_HTTP_IDLE_TIMEOUT] = {"http.idle_timeout", CFG_DURATION, "60s", S(1), S(3600), NULL, 0,
				   "Idle keep-alive connections are closed after this."},
	[SET_HTTP_MAX_BODY] = {"http.max_body", CFG_SIZE, "1M", 1024, 1LL << 30, NULL, 0,
			       "Largest request body; larger ones get 413."},

	[SET_REDIS_URL] =
		{"redis.url", CFG_STRING, "", 0, 0, NULL, CFG_EMPTY_OK | CFG_SECRET,
		 "Shared Redis (tcp://[user:pass@]host:port[/db] or unix:///path[?db=N]); "
		 "\"\" starts an embedded redis-server in state_dir."},
	[SET_REDIS_PASSWORD] = {"redis.password", CFG_STRING, "", 0, 0, NULL,
				CFG_EMPTY_OK | CFG_SECRET,
				"Password for redis.url (overrides one written in the URL)."},
	[SET_REDIS_CONNECT_TIMEOUT] = {"redis.connect_timeout", CFG_DURATION, "2s", MS(10), S(60),
				       NULL, 0, "Timeout of one connection attempt."},
	[SET_REDIS_COMMAND_TIMEOUT] = {"redis.command_timeout", CFG_DURATION, "5s", MS(10), S(300),
				       NULL, 0, "Timeout of one command's round trip."},
	[SET_REDIS_SERVER] = {"redis.server", CFG_PATH, "redis-server", 0, 0, NULL, 0,
			      "redis-server binary for the embedded Redis (searched in PATH)."},
	[SET_REDIS_APPENDFSYNC] = {"redis.appendfsync", CFG_ENUM, "everysec", 0, 0,
				   "always|everysec|no", 0,
				   "AOF fsync policy of the embedded Redis."},
	[SET_REDIS_START_TIMEOUT] = {"redis.start_timeout", CFG_DURATION, "10s", MS(100), S(300),
				     NULL, 0, "How long the embedded Redis may take to start."},
};
