/* hearthd: the Hearth daemon.
 *
 * Owns the process: configuration, the state directory and its lock, the
 * embedded Redis, one HTTP listener per role, signals and the order of
 * shutdown.  The roles' work lives in engine/, metadata/ and signal/. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/http.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/redisd.h"
#include "common/store.h"
#include "daemon/health.h"
#include "daemon/settings.h"
#include "engine/api.h"
#include "engine/swapi.h"
#include "engine/compute.h"
#include "engine/lifecycle.h"
#include "engine/wait.h"
#include "metadata/metadata.h"
#include "signal/cfn.h"
#include "signal/longpoll.h"
#include "signal/signal.h"
#include "signal/vault.h"

#define DEFAULT_CONFIG SYSCONFDIR "/hearth/hearthd.yaml"
#define DRAIN_GRACE_MS 200

extern char **environ;

struct daemon {
	struct config *cfg;
	int lock_fd;
	struct redisd *redis;
	struct http_server *servers[ROLE_COUNT];
	struct health_info health;
	char roles[64];
	char redis_desc[512];
	char *redis_url;                       /* unix:// URL of the embedded server */
	struct http_route *routes[ROLE_COUNT]; /* each role's: health's and its own */
	bool metadata;                         /* the metadata role's cache runs */
	bool workers;                          /* the engine's job workers run */
};

static const int listen_setting[ROLE_COUNT] = {
	[ROLE_ENGINE] = SET_ENGINE_LISTEN,
	[ROLE_METADATA] = SET_METADATA_LISTEN,
	[ROLE_SIGNAL] = SET_SIGNAL_LISTEN,
	[ROLE_API] = SET_API_LISTEN,
};

/* The local compute driver's settings; guests are told to ask the
 * metadata role where it listens (a wildcard address means loopback). */
static int configure_compute(struct daemon *dm, struct herr *e)
{
	char dir[4096], url[300];
	const char *listen = dm->servers[ROLE_METADATA] ? http_bound(dm->servers[ROLE_METADATA])
							: config_str(dm->cfg, SET_METADATA_LISTEN);

	snprintf(dir, sizeof(dir), "%s/guests", config_str(dm->cfg, SET_STATE_DIR));
	/* guests (other uids) reach their own directory below: they may
	 * pass through the state directory, not list it (every secret in it
	 * is 0600, Redis's directory 0700) */
	if (geteuid() == 0 && chmod(config_str(dm->cfg, SET_STATE_DIR), 0711) < 0) {
		herr_errno(e, errno, "cannot open %s to guests",
			   config_str(dm->cfg, SET_STATE_DIR));
		return -1;
	}
	if (strncmp(listen, "0.0.0.0:", 8) == 0 || strncmp(listen, "[::]:", 5) == 0)
		snprintf(url, sizeof(url), "http://127.0.0.1:%s", strrchr(listen, ':') + 1);
	else
		snprintf(url, sizeof(url), "http://%s", listen);
	lc_set_external(config_str(dm->cfg, SET_NETWORK_EXTERNAL_NAME),
			config_str(dm->cfg, SET_NETWORK_EXTERNAL_CIDR));
	{ /* the signal endpoint guests are given (curl_cli) */
		const char *sl = dm->servers[ROLE_SIGNAL] ? http_bound(dm->servers[ROLE_SIGNAL])
							  : config_str(dm->cfg, SET_SIGNAL_LISTEN);
		char base[300];

		if (*config_str(dm->cfg, SET_SIGNAL_PUBLIC_URL))
			snprintf(base, sizeof(base), "%s",
				 config_str(dm->cfg, SET_SIGNAL_PUBLIC_URL));
		else if (strncmp(sl, "0.0.0.0:", 8) == 0 || strncmp(sl, "[::]:", 5) == 0)
			snprintf(base, sizeof(base), "http://127.0.0.1:%s", strrchr(sl, ':') + 1);
		else
			snprintf(base, sizeof(base), "http://%s", sl);
		wait_set_endpoint(base);
	}
	return compute_configure(
		&(struct compute_cfg){config_str(dm->cfg, SET_COMPUTE_BOOT_COMMAND), dir,
				      config_str(dm->cfg, SET_COMPUTE_ADDRESS_POOL),
				      (long)config_num(dm->cfg, SET_COMPUTE_UID_BASE), url},
		e);
}

/* ------------------------------------------------------------ arguments */

static void usage(FILE *out, const struct config *cfg)
{
	fprintf(out,
		"Usage: hearthd [OPTION]...\n"
		"Run Hearth: the stack engine, the metadata service, the signal endpoint\n"
		"and the REST API, with state in Redis.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE      read configuration from FILE (YAML); default\n"
		"                         $HEARTH_CONFIG, else " DEFAULT_CONFIG " if it exists\n"
		"      --roles LIST       same as --set roles=LIST\n"
		"      --state-dir DIR    same as --set state_dir=DIR\n"
		"      --log-level LEVEL  same as --set log.level=LEVEL\n"
		"  -s, --set KEY=VALUE    set one configuration key (wins over file and environment)\n"
		"      --check-config     validate the configuration and exit\n"
		"      --print-config     print the effective configuration (secrets masked) and exit\n"
		"      --sample-config    print an annotated configuration file and exit\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Configuration keys (precedence: default < file < environment < flags):\n");
	config_print_help(cfg, out);
	fprintf(out, "\nSignals: SIGTERM or SIGINT stop accepting connections, finish in-flight\n"
		     "requests (up to shutdown_timeout), stop the embedded Redis and exit 0.\n"
		     "See hearthd(8).\n");
}

static void warn_unknown_env(const char *name)
{
	/* HEARTH_CONFIG names the file, HEARTH_URL is the CLI's, and
	 * HEARTH_TEST_* belong to the test suite. */
	if (strcmp(name, "HEARTH_CONFIG") != 0 && strcmp(name, "HEARTH_URL") != 0 &&
	    strncmp(name, "HEARTH_TEST_", 12) != 0)
		log_warn("config", "ignoring unknown environment variable %s", name);
}

enum action { RUN, CHECK, PRINT, SAMPLE };

/* Builds the configuration: defaults, file, environment, flags.  Returns
 * 0 to go on, 1 to exit 0 (help, version), -1 on error (reported). */
static int configure(struct daemon *dm, int argc, char **argv, enum action *act)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"roles", required_argument, NULL, 'r'},
		{"state-dir", required_argument, NULL, 'd'},
		{"log-level", required_argument, NULL, 'l'},
		{"set", required_argument, NULL, 's'},
		{"check-config", no_argument, NULL, 'C'},
		{"print-config", no_argument, NULL, 'P'},
		{"sample-config", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *file = getenv("HEARTH_CONFIG");
	struct herr e = HERR_INIT;
	char origin[64];
	int c;

	dm->cfg = config_new(settings_table, SET_COUNT);
	if (!dm->cfg) {
		fprintf(stderr, "hearthd: out of memory\n");
		return -1;
	}
	/* First pass: only what decides where the configuration comes from. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'h':
			usage(stdout, dm->cfg);
			return 1;
		case 'V':
			printf("hearthd %s\n", PACKAGE_VERSION);
			return 1;
		case '?':
			fprintf(stderr,
				"hearthd: %s: unknown option or missing argument (see --help)\n",
				argv[optind - 1]);
			return -1;
		default:
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hearthd: unexpected argument \"%s\" (see --help)\n", argv[optind]);
		return -1;
	}
	if (!file && access(DEFAULT_CONFIG, F_OK) == 0)
		file = DEFAULT_CONFIG;
	if (file && config_load_file(dm->cfg, file, &e) < 0)
		goto bad;
	if (config_load_env(dm->cfg, environ, warn_unknown_env, &e) < 0)
		goto bad;

	optind = 1;
	*act = RUN;
	while ((c = getopt_long(argc, argv, "c:s:hV", opts, NULL)) != -1) {
		const char *key = NULL, *val = optarg;
		char *eq;
		char kbuf[128];

		switch (c) {
		case 'r':
			key = "roles";
			break;
		case 'd':
			key = "state_dir";
			break;
		case 'l':
			key = "log.level";
			break;
		case 's':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(kbuf)) {
				fprintf(stderr, "hearthd: --set needs KEY=VALUE, got \"%s\"\n",
					optarg);
				return -1;
			}
			snprintf(kbuf, sizeof(kbuf), "%.*s", (int)(eq - optarg), optarg);
			key = kbuf;
			val = eq + 1;
			break;
		case 'C':
			*act = CHECK;
			break;
		case 'P':
			*act = PRINT;
			break;
		case 'S':
			*act = SAMPLE;
			break;
		default:
			break;
		}
		if (key) {
			snprintf(origin, sizeof(origin), "command line");
			if (config_set(dm->cfg, key, val, origin, &e) < 0)
				goto bad;
		}
	}
	return 0;
bad:
	fprintf(stderr, "hearthd: %s\n", e.msg);
	return -1;
}

/* ----------------------------------------------------------------- state */

/* Creates the state directory (0700) and takes its lock, so that a second
 * hearthd on the same directory refuses to start. */
static int lock_state_dir(struct daemon *dm, struct herr *e)
{
	const char *dir = config_str(dm->cfg, SET_STATE_DIR);
	char path[4200], pid[32];
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		herr_errno(e, errno, "cannot create state directory %s", dir);
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		herr_set(e, HERR_INVALID, "state directory %s is not a directory", dir);
		return -1;
	}
	/* others may pass through (local guests reach their directories),
	 * never read or write */
	if ((st.st_mode & 066) && chmod(dir, 0700) == 0)
		log_warn("state", "state directory was accessible to others; now mode 0700 dir=%s",
			 dir);
	snprintf(path, sizeof(path), "%s/hearthd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		herr_errno(e, errno, "cannot open %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		herr_set(e, HERR_CONFLICT, "another hearthd (pid %s) is using state directory %s",
			 pid[0] ? pid : "?", dir);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (write(fd, pid, (size_t)n) != n)
			log_warn("state", "cannot write pid to %s", path);
	}
	dm->lock_fd = fd;
	return 0;
}

static int open_store(struct daemon *dm, struct herr *e)
{
	const char *url = config_str(dm->cfg, SET_REDIS_URL);
	struct store_cfg sc = {
		.url = url,
		.password = config_str(dm->cfg, SET_REDIS_PASSWORD),
		.connect_timeout_ms = (int)config_num(dm->cfg, SET_REDIS_CONNECT_TIMEOUT),
		.command_timeout_ms = (int)config_num(dm->cfg, SET_REDIS_COMMAND_TIMEOUT),
	};
	struct herr why = HERR_INIT;

	if (!url[0]) {
		static const char *const fsync_names[] = {"always", "everysec", "no"};
		struct redisd_cfg rc = {
			.state_dir = config_str(dm->cfg, SET_STATE_DIR),
			.server = config_str(dm->cfg, SET_REDIS_SERVER),
			.appendfsync = fsync_names[config_num(dm->cfg, SET_REDIS_APPENDFSYNC)],
			.start_timeout_ms = (int)config_num(dm->cfg, SET_REDIS_START_TIMEOUT),
		};
		size_t n;

		dm->redis = redisd_start(&rc, e);
		if (!dm->redis)
			return -1;
		n = strlen(redisd_socket(dm->redis)) + 8;
		dm->redis_url = malloc(n);
		if (!dm->redis_url) {
			herr_set(e, HERR_NOMEM, "out of memory");
			return -1;
		}
		snprintf(dm->redis_url, n, "unix://%s", redisd_socket(dm->redis));
		sc.url = dm->redis_url;
		snprintf(dm->redis_desc, sizeof(dm->redis_desc), "embedded");
	} else {
		store_url_redact(url, dm->redis_desc, sizeof(dm->redis_desc));
	}
	if (store_init(&sc, e) < 0)
		return -1;
	if (store_ping(&why) < 0) {
		herr_set(e, HERR_UNAVAILABLE, "cannot reach Redis at %s: %s", dm->redis_desc,
			 why.msg);
		return -1;
	}
	log_info("store", "redis ready url=%s", dm->redis_desc);
	return 0;
}

/* ------------------------------------------------------------- listeners */

static int start_listeners(struct daemon *dm, struct herr *e)
{
	long long roles = config_num(dm->cfg, SET_ROLES);
	long threads = config_num(dm->cfg, SET_HTTP_THREADS);
	struct http_cfg hc = {
		.threads = (int)(threads ? threads : sysconf(_SC_NPROCESSORS_ONLN)),
		.conn_limit = (int)config_num(dm->cfg, SET_HTTP_CONN_LIMIT),
		.backlog = (int)config_num(dm->cfg, SET_HTTP_BACKLOG),
		.timeout_s = (int)(config_num(dm->cfg, SET_HTTP_IDLE_TIMEOUT) / 1000),
		.max_body = (size_t)config_num(dm->cfg, SET_HTTP_MAX_BODY),
	};

	/* One thread is libmicrohttpd's single epoll thread, which stalls
	 * beyond ~128 keep-alive connections (bench/healthz-threads.sh): the
	 * automatic choice is never below a pool of two. */
	if (!threads && hc.threads < 2)
		hc.threads = 2;
	/* Two roles cannot share an address: each needs its own listener. */
	for (int a = 0; a < ROLE_COUNT; a++)
		for (int b = a + 1; b < ROLE_COUNT; b++) {
			const char *la = config_str(dm->cfg, listen_setting[a]);
			const char *lb = config_str(dm->cfg, listen_setting[b]);
			if ((roles >> a & 1) && (roles >> b & 1) && la[0] && strcmp(la, lb) == 0 &&
			    strcmp(strrchr(la, ':'), ":0") != 0) {
				herr_set(e, HERR_INVALID, "%s.listen and %s.listen are both %s",
					 role_names[a], role_names[b], la);
				return -1;
			}
		}
	for (int r = 0; r < ROLE_COUNT; r++) {
		const char *addr = config_str(dm->cfg, listen_setting[r]);

		if (!(roles >> r & 1) || !addr[0])
			continue;
		/* Every role serves /healthz and /metrics, then its own */
		{
			static const struct {
				const struct http_route *routes;
				const int *n;
			} own[ROLE_COUNT][4] = {
				[ROLE_API] = {{api_routes, &api_nroutes},
					      {swapi_routes, &swapi_nroutes},
					      {signal_routes, &signal_nroutes},
					      {cfn_routes, &cfn_nroutes}},
				[ROLE_METADATA] = {{metadata_routes, &metadata_nroutes}},
				[ROLE_SIGNAL] = {{signal_routes, &signal_nroutes},
						 {cfn_routes, &cfn_nroutes}},
			};
			int n = health_nroutes;

			for (int t = 0; t < 4; t++)
				n += own[r][t].routes ? *own[r][t].n : 0;
			if (!(dm->routes[r] = calloc((size_t)n, sizeof(*dm->routes[r])))) {
				herr_set(e, HERR_NOMEM, "out of memory");
				return -1;
			}
			memcpy(dm->routes[r], health_routes,
			       (size_t)health_nroutes * sizeof(*dm->routes[r]));
			n = health_nroutes;
			for (int t = 0; t < 4; t++)
				if (own[r][t].routes) {
					memcpy(dm->routes[r] + n, own[r][t].routes,
					       (size_t)*own[r][t].n * sizeof(*dm->routes[r]));
					n += *own[r][t].n;
				}
			dm->servers[r] = http_start(role_names[r], addr, dm->routes[r], n,
						    &dm->health, &hc, e);
		}
		if (!dm->servers[r])
			return -1;
	}
	return 0;
}

/* --------------------------------------------------------------- running */

/* Reaps children; restarts the embedded Redis if it died. */
static void reap(struct daemon *dm, bool *restart_redis)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (redisd_reaped(dm->redis, pid, status))
			*restart_redis = true;
}

/* Waits for SIGTERM/SIGINT; meanwhile supervises the embedded Redis. */
static int run(struct daemon *dm, const sigset_t *sigs)
{
	bool restart_redis = false;
	int restart_delay_ms = 100;

	for (;;) {
		struct timespec tick = {0, 0};
		siginfo_t si;
		int sig;

		tick.tv_sec = restart_redis ? 0 : 1;
		tick.tv_nsec = restart_redis ? (long)restart_delay_ms * 1000000L : 0;
		sig = sigtimedwait(sigs, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP)
			log_info("main",
				 "SIGHUP ignored: restart hearthd to apply configuration changes");
		if (sig == SIGCHLD || sig < 0)
			reap(dm, &restart_redis);
		if (restart_redis && sig < 0) {
			struct herr e = HERR_INIT;

			if (redisd_restart(dm->redis, &e) == 0) {
				restart_redis = false;
				restart_delay_ms = 100;
			} else {
				log_error("redis", "restart failed: %s", e.msg);
				restart_delay_ms =
					restart_delay_ms < 5000 ? restart_delay_ms * 2 : 5000;
			}
		}
	}
}

/* Stops accepting, lets in-flight requests finish, then closes all. */
static void drain(struct daemon *dm, const sigset_t *sigs, long long timeout_ms)
{
	struct timespec zero = {0, 0};
	long long waited = 0;
	int busy;

	for (int r = 0; r < ROLE_COUNT; r++)
		if (dm->servers[r])
			http_quiesce(dm->servers[r]);
	longpoll_stop(); /* agents waiting for a change are answered now */
	for (;;) {
		int conns = 0;

		busy = 0;
		for (int r = 0; r < ROLE_COUNT; r++)
			if (dm->servers[r]) {
				busy += http_inflight(dm->servers[r]);
				conns += http_connections(dm->servers[r]);
			}
		/* A request counts as in flight once its headers are parsed;
		 * open connections get a short grace so that one whose bytes
		 * have arrived but are not parsed yet is still answered. */
		if (busy == 0 && (conns == 0 || waited >= DRAIN_GRACE_MS))
			break;
		if (waited >= timeout_ms) {
			if (busy)
				log_warn("main",
					 "shutdown timeout: closing %d unfinished request(s)",
					 busy);
			break;
		}
		{
			int sig = sigtimedwait(sigs, NULL, &zero);
			if (sig == SIGTERM || sig == SIGINT) {
				log_warn("main",
					 "second signal: closing %d unfinished request(s) now",
					 busy);
				break;
			}
		}
		clock_sleep_ms(10);
		waited += 10;
	}
	for (int r = 0; r < ROLE_COUNT; r++)
		http_halt(dm->servers[r]);
	for (int r = 0; r < ROLE_COUNT; r++)
		http_stop(&dm->servers[r]);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct daemon dm = {.lock_fd = -1};
	struct herr e = HERR_INIT;
	enum action act = RUN;
	sigset_t sigs;
	int rc = 1, sig;
	bool ran = false;

	log_setup(HLOG_INFO, LOGF_TEXT);
	switch (configure(&dm, argc, argv, &act)) {
	case 1:
		rc = 0;
		goto out;
	case -1:
		goto out;
	}
	log_setup((enum log_level)config_num(dm.cfg, SET_LOG_LEVEL),
		  (enum log_format)config_num(dm.cfg, SET_LOG_FORMAT));
	if (act != RUN) {
		if (act == PRINT || act == SAMPLE) {
			if (act == SAMPLE)
				printf("# hearthd configuration (YAML).  Every key is shown with its\n"
				       "# default, commented out.  Environment: HEARTH_<KEY> with dots\n"
				       "# as underscores (HEARTH_REDIS_URL); flags: --set key=value.\n");
			config_print_yaml(dm.cfg, stdout, act == SAMPLE);
		} else {
			printf("configuration ok\n");
		}
		rc = 0;
		goto out;
	}
	{
		size_t n = 0;
		long long roles = config_num(dm.cfg, SET_ROLES);
		for (int r = 0; r < ROLE_COUNT; r++)
			if (roles >> r & 1)
				n += (size_t)snprintf(dm.roles + n, sizeof(dm.roles) - n, "%s%s",
						      n ? "," : "", role_names[r]);
	}

	/* Every thread created from here on inherits this mask: the signals
	 * are taken only by the main thread's sigtimedwait. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	/* A daemon that builds and frees large trees (a 10,000-resource
	 * stack) keeps what it freed instead of giving it back to the kernel
	 * and faulting it in again at the next job. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);

	log_info("main", "starting hearthd version=%s pid=%d roles=%s state_dir=%s",
		 PACKAGE_VERSION, (int)getpid(), dm.roles, config_str(dm.cfg, SET_STATE_DIR));
	if (lock_state_dir(&dm, &e) < 0 || open_store(&dm, &e) < 0)
		goto fail;
	dm.health.roles = dm.roles;
	dm.health.redis = dm.redis_desc;
	dm.health.started_ns = clock_now_ns();
	dm.health.servers = dm.servers;
	dm.health.nservers = ROLE_COUNT;
	lc_set_max_resources((int)config_num(dm.cfg, SET_ENGINE_MAX_RESOURCES));
	if (config_num(dm.cfg, SET_ROLES) >> ROLE_API & 1) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/admin-token", config_str(dm.cfg, SET_STATE_DIR));
		if (api_admin_token(path, &e) < 0)
			goto fail;
	}
	if (config_num(dm.cfg, SET_ROLES) >> ROLE_METADATA & 1) {
		struct metadata_cfg mc = {
			.redis_url =
				dm.redis_url ? dm.redis_url : config_str(dm.cfg, SET_REDIS_URL),
			.redis_password = config_str(dm.cfg, SET_REDIS_PASSWORD),
			.vendor_data = config_str(dm.cfg, SET_METADATA_VENDOR_DATA),
			.dhcp_domain = config_str(dm.cfg, SET_METADATA_DHCP_DOMAIN),
			.trusted_proxies = config_str(dm.cfg, SET_METADATA_TRUSTED_PROXIES),
			.proxy_secret = config_str(dm.cfg, SET_METADATA_PROXY_SECRET),
			.require_token = config_num(dm.cfg, SET_METADATA_REQUIRE_TOKEN) != 0,
		};

		if (metadata_start(&mc, &e) < 0)
			goto fail;
		dm.metadata = true;
	}
	{ /* the key of the signal tokens (engine and signal roles) */
		char path[4096];

		if (*config_str(dm.cfg, SET_SIGNAL_KEY_FILE))
			snprintf(path, sizeof(path), "%s", config_str(dm.cfg, SET_SIGNAL_KEY_FILE));
		else
			snprintf(path, sizeof(path), "%s/signal-key",
				 config_str(dm.cfg, SET_STATE_DIR));
		if (vault_init(path, &e) < 0)
			goto fail;
	}
	if ((config_num(dm.cfg, SET_ROLES) & (1 << ROLE_API | 1 << ROLE_SIGNAL)) &&
	    longpoll_start(&e) < 0)
		goto fail;
	if (start_listeners(&dm, &e) < 0)
		goto fail;
	if (config_num(dm.cfg, SET_ROLES) >> ROLE_ENGINE & 1) {
		if (configure_compute(&dm, &e) < 0)
			goto fail;
		if (lc_start((int)config_num(dm.cfg, SET_ENGINE_WORKERS),
			     (long)config_num(dm.cfg, SET_ENGINE_RECLAIM), &e) < 0)
			goto fail;
		dm.workers = true;
	}
	log_info("main", "hearthd ready roles=%s", dm.roles);

	sig = run(&dm, &sigs);
	log_info("main", "stopping signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	drain(&dm, &sigs, config_num(dm.cfg, SET_SHUTDOWN_TIMEOUT));
	rc = 0;
	ran = true;
	goto out;
fail:
	log_error("main", "%s", e.msg);
	rc = 1;
out:
	if (dm.workers)
		lc_stop(); /* a job cut short stays queued: the next worker resumes it */
	longpoll_stop();
	for (int r = 0; r < ROLE_COUNT; r++)
		http_halt(dm.servers[r]);
	for (int r = 0; r < ROLE_COUNT; r++)
		http_stop(&dm.servers[r]);
	if (dm.metadata)
		metadata_stop();
	store_shutdown();
	redisd_stop(&dm.redis);
	free(dm.redis_url);
	for (int r = 0; r < ROLE_COUNT; r++)
		free(dm.routes[r]);
	if (dm.lock_fd >= 0)
		close(dm.lock_fd);
	if (ran)
		log_info("main", "hearthd stopped");
	config_free(&dm.cfg);
	return rc;
}
