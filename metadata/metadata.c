/* The metadata role's HTTP handlers (see metadata.h): who is asking
 * (metadata-spec §3), IMDSv2-style session tokens (§3.4), the password
 * POST, and handing the rest to the renderer (render.h) with the
 * instance's cached view (cache.h).
 *
 * Identity, in one of two modes:
 * - direct (no proxy secret): the TCP peer's address; X-Forwarded-For
 *   replaces it only when the peer is one of metadata.trusted_proxies,
 *   so a guest that sends one itself gains nothing;
 * - Neutron proxy (metadata.proxy_shared_secret set): X-Instance-ID,
 *   X-Tenant-ID and X-Instance-ID-Signature, the HMAC-SHA256 of the
 *   instance id under the secret, compared in constant time.
 * A request whose identity resolves to no instance gets 404; no path
 * through here reaches another instance's view. */
#include <config.h>

#include "metadata/metadata.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/store.h"
#include "metadata/cache.h"
#include "metadata/render.h"

#define MAX_PROXIES   64
#define TOKEN_PATH    "/latest/api/token"
#define TOKEN_TTL_MAX 21600
#define TOKEN_KEY     "hearth:metadata:token-key"
#define TOKEN_TTL_HDR "X-aws-ec2-metadata-token-ttl-seconds"
#define TOKEN_HDR     "X-aws-ec2-metadata-token"
#define UNKNOWN_ERROR "An unknown error has occurred. Please try your request again."
#define MAX_PATH      4096

struct addr {
	int family;
	unsigned char a[16];
};

static struct {
	json_t *vendor;
	char dhcp_domain[256];
	struct render_cfg rc;
	struct addr proxies[MAX_PROXIES];
	int nproxies;
	char *secret;
	bool require_token;
	pthread_mutex_t key_lock;
	bool have_key;
	unsigned char key[32]; /* token key, shared by replicas via Redis */
} M = {.key_lock = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------ answers */

static int answer(struct http_req *req, struct render_out *o)
{
	char *body = o->body;

	o->body = NULL;
	if (!body)
		return http_reply(req, o->status, o->ctype, "", 0);
	return http_reply_take(req, o->status, o->ctype, body, o->len);
}

static int fail(struct http_req *req, int status, const char *expl)
{
	struct render_out o;

	if (render_error(status, expl, http_header(req, "Accept"), &o) < 0)
		return http_reply(req, 500, "text/plain", "out of memory\n", 14);
	return answer(req, &o);
}

/* ---------------------------------------------------------- addresses */

static int parse_addr(const char *s, struct addr *a)
{
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		a->family = AF_INET6;
		if (memcmp(a->a, mapped, 12) == 0) {
			memmove(a->a, a->a + 12, 4);
			a->family = AF_INET;
		}
		return 0;
	}
	return -1;
}

/* The canonical text of address s (IPv4-mapped IPv6 as IPv4) into buf;
 * -1 when s is not an address. */
static int canonical(const char *s, char *buf, size_t size)
{
	struct addr a;

	if (parse_addr(s, &a) < 0 || !inet_ntop(a.family, a.a, buf, (socklen_t)size))
		return -1;
	return 0;
}

static bool trusted(const char *peer)
{
	struct addr a;

	if (parse_addr(peer, &a) < 0)
		return false;
	for (int i = 0; i < M.nproxies; i++)
		if (M.proxies[i].family == a.family &&
		    memcmp(M.proxies[i].a, a.a, a.family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

static int parse_proxies(const char *list, struct herr *e)
{
	const char *p = list;

	M.nproxies = 0;
	while (*p) {
		size_t n;
		char one[INET6_ADDRSTRLEN + 1];

		p += strspn(p, " ,");
		n = strcspn(p, " ,");
		if (!n)
			break;
		if (n >= sizeof(one) || M.nproxies == MAX_PROXIES) {
			herr_set(e, HERR_INVALID, "metadata.trusted_proxies: at most %d addresses",
				 MAX_PROXIES);
			return -1;
		}
		memcpy(one, p, n);
		one[n] = '\0';
		if (parse_addr(one, &M.proxies[M.nproxies]) < 0) {
			herr_set(e, HERR_INVALID,
				 "metadata.trusted_proxies: \"%s\" is not an IP address", one);
			return -1;
		}
		M.nproxies++;
		p += n;
	}
	return 0;
}

/* ----------------------------------------------------------- identity */

/* A proxy's instance id may name a Redis key: 1-64 of [A-Za-z0-9_.-]. */
static bool safe_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static bool signature_ok(const char *id, const char *sig)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char hex[2 * crypto_auth_hmacsha256_BYTES + 1];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)M.secret, strlen(M.secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	/* The length is no secret; the bytes are compared in constant time. */
	return strlen(sig) == sizeof(hex) - 1 && sodium_memcmp(hex, sig, sizeof(hex) - 1) == 0;
}

static int lookup_failed(struct http_req *req, const struct herr *e)
{
	switch (e->code) {
	case HERR_NOT_FOUND:
		log_debug("metadata", "identity: %s", e->msg);
		return fail(req, 404, NULL);
	case HERR_UNAVAILABLE:
		log_warn("metadata", "identity lookup failed: %s", e->msg);
		return fail(req, 503, NULL);
	default:
		log_error("metadata", "identity lookup failed: %s", e->msg);
		return fail(req, 500, UNKNOWN_ERROR);
	}
}

/* The instance asking, into *ref, and the requester's address (for
 * local-ipv4) into remote; on failure answers and returns -1. */
static int identify(struct http_req *req, struct cache_ref **ref, char *remote, size_t size)
{
	struct herr e = HERR_INIT;
	const char *peer = http_peer(req), *xff = http_header(req, "X-Forwarded-For");

	if (M.secret) {
		const char *id = http_header(req, "X-Instance-ID");
		const char *sig = http_header(req, "X-Instance-ID-Signature");
		const char *tenant = http_header(req, "X-Tenant-ID");

		if (!id || !sig || !tenant)
			return fail(req, 400, NULL), -1;
		if (!signature_ok(id, sig)) {
			log_warn("metadata", "bad proxy signature peer=%s", peer);
			return fail(req, 403, "Invalid proxy request signature."), -1;
		}
		if (!safe_id(id))
			return fail(req, 404, NULL), -1;
		*ref = cache_by_uuid(id, &e);
		if (!*ref)
			return lookup_failed(req, &e), -1;
		if (strcmp(render_view_project(cache_view(*ref)), tenant) != 0) {
			log_warn("metadata", "proxy tenant mismatch instance=%s peer=%s", id, peer);
			cache_release(ref);
			return fail(req, 404, NULL), -1;
		}
		if (!xff || canonical(xff, remote, size) < 0)
			snprintf(remote, size, "%s", peer);
		return 0;
	}
	/* Nova takes the raw header; one that is not a single address (a
	 * proxy appending ", proxy-ip") names no instance. */
	if (xff && trusted(peer)) {
		if (canonical(xff, remote, size) < 0)
			return fail(req, 404, NULL), -1;
	} else if (canonical(peer, remote, size) < 0) {
		return fail(req, 500, UNKNOWN_ERROR), -1;
	}
	*ref = cache_by_addr(remote, &e);
	if (!*ref)
		return lookup_failed(req, &e), -1;
	/* a local guest with a user of its own: any process on this host can
	 * send from any 127/8 address, so the socket's owner must be the
	 * guest's user too, or the request names no instance */
	if (render_view_uid(cache_view(*ref)) >= 0 &&
	    http_peer_uid(req) != render_view_uid(cache_view(*ref))) {
		log_warn("metadata", "address %s used by another user than its guest's", remote);
		cache_release(ref);
		return fail(req, 404, NULL), -1;
	}
	return 0;
}

/* -------------------------------------------------------------- tokens */

/* The token key, made once per Redis (SET NX) and shared by replicas. */
static int token_key(unsigned char key[32], struct herr *e)
{
	unsigned char fresh[32];
	char hex[65];
	struct store_reply *r;
	const char *v;
	size_t n = 0, got = 0;
	int rc = -1;

	pthread_mutex_lock(&M.key_lock);
	if (M.have_key) {
		memcpy(key, M.key, 32);
		pthread_mutex_unlock(&M.key_lock);
		return 0;
	}
	pthread_mutex_unlock(&M.key_lock);
	randombytes_buf(fresh, sizeof(fresh));
	sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
	r = store_cmdv(e, "SET", TOKEN_KEY, hex, "NX", NULL);
	store_reply_free(&r);
	if (herr_isset(e))
		return -1;
	r = store_cmdv(e, "GET", TOKEN_KEY, NULL);
	if (!r)
		return -1;
	v = store_reply_str(r, &n);
	if (v && n == 64 && sodium_hex2bin(key, 32, v, n, NULL, &got, NULL) == 0 && got == 32) {
		pthread_mutex_lock(&M.key_lock);
		memcpy(M.key, key, 32);
		M.have_key = true;
		pthread_mutex_unlock(&M.key_lock);
		rc = 0;
	} else {
		herr_set(e, HERR_INVALID, "%s is not 64 hex digits", TOKEN_KEY);
	}
	store_reply_free(&r);
	sodium_memzero(fresh, sizeof(fresh));
	return rc;
}

/* "EXPIRY.UUID" signed: "EXPIRY.UUID.MAC" (MAC base64url, no padding). */
static void token_mac(const unsigned char key[32], const char *msg, size_t len, char *out,
		      size_t size)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, size, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* 1 valid for uuid, 0 not, -1 with e set (Redis). */
static int token_valid(const char *tok, const char *uuid, struct herr *e)
{
	unsigned char key[32];
	char want[64];
	const char *dot = strrchr(tok, '.'), *first = strchr(tok, '.');
	char *end;
	long long exp;

	if (!dot || !first || first == dot)
		return 0;
	exp = strtoll(tok, &end, 10);
	if (end != first || exp < (long long)time(NULL))
		return 0;
	if ((size_t)(dot - first - 1) != strlen(uuid) || strncmp(first + 1, uuid, strlen(uuid)))
		return 0;
	if (token_key(key, e) < 0)
		return -1;
	token_mac(key, tok, (size_t)(dot - tok), want, sizeof(want));
	sodium_memzero(key, sizeof(key));
	return strlen(dot + 1) == strlen(want) && sodium_memcmp(dot + 1, want, strlen(want)) == 0;
}

static int issue_token(struct http_req *req)
{
	const char *ttl_s = http_header(req, TOKEN_TTL_HDR);
	struct cache_ref *ref = NULL;
	struct herr e = HERR_INIT;
	unsigned char key[32];
	char remote[INET6_ADDRSTRLEN], mac[64], *tok = NULL, *end;
	long ttl;
	int rc, n;

	/* Whatever adds X-Forwarded-For (an open proxy, a WAF) must not
	 * carry a token away. */
	if (http_header(req, "X-Forwarded-For"))
		return fail(req, 403, NULL);
	errno = 0;
	ttl = ttl_s ? strtol(ttl_s, &end, 10) : 0;
	if (!ttl_s || !*ttl_s || *end || errno || ttl < 1 || ttl > TOKEN_TTL_MAX)
		return fail(req, 400, NULL);
	if (identify(req, &ref, remote, sizeof(remote)) < 0)
		return 0;
	if (token_key(key, &e) < 0) {
		cache_release(&ref);
		return lookup_failed(req, &e);
	}
	n = asprintf(&tok, "%lld.%s", (long long)time(NULL) + ttl,
		     render_view_uuid(cache_view(ref)));
	cache_release(&ref);
	if (n < 0) {
		sodium_memzero(key, sizeof(key));
		return fail(req, 500, NULL);
	}
	token_mac(key, tok, (size_t)n, mac, sizeof(mac));
	sodium_memzero(key, sizeof(key));
	{
		char *full = NULL;
		char ttl_text[16];

		n = asprintf(&full, "%s.%s", tok, mac);
		free(tok);
		if (n < 0)
			return fail(req, 500, NULL);
		snprintf(ttl_text, sizeof(ttl_text), "%ld", ttl);
		http_set_header(req, TOKEN_TTL_HDR, ttl_text);
		rc = http_reply_take(req, 200, "text/plain", full, (size_t)n);
	}
	return rc;
}

/* -------------------------------------------------------------- serving */

static int set_password(struct http_req *req, const struct render_view *v, const char *body,
			size_t len)
{
	struct herr e = HERR_INIT;
	int rc = cache_set_password(render_view_uuid(v), body, len, &e);

	if (rc > 0) {
		log_info("metadata", "password stored instance=%s", render_view_uuid(v));
		return http_reply(req, 200, "text/html; charset=UTF-8", "", 0);
	}
	if (rc == 0)
		return fail(req, 409, NULL);
	if (e.code == HERR_NOT_FOUND)
		return fail(req, 400, NULL);
	return lookup_failed(req, &e);
}

static int on_request(struct http_req *req, void *arg)
{
	const char *method = http_method(req), *cl = http_header(req, "Content-Length");
	struct render_req rr = {
		.method = method,
		.accept = http_header(req, "Accept"),
		.content_length = -1,
		.now = time(NULL),
	};
	struct cache_ref *ref = NULL;
	struct render_out out;
	char path[MAX_PATH], remote[INET6_ADDRSTRLEN] = "";
	const char *tok;
	int rc;

	(void)arg;
	if (render_normalise(http_path(req), path, sizeof(path)) < 0)
		return fail(req, 404, NULL);
	rr.path = path;
	rr.body = http_body(req, &rr.body_len);
	if (cl) {
		char *end;
		long long v = strtoll(cl, &end, 10);

		rr.content_length = *end || v < 0 ? -1 : v;
	}
	if (render_is_anonymous(path)) {
		if (render(&M.rc, NULL, &rr, &out) < 0)
			return fail(req, 500, NULL);
		return answer(req, &out);
	}
	if (strcmp(method, "PUT") == 0 && strcmp(path, TOKEN_PATH) == 0)
		return issue_token(req);
	if (identify(req, &ref, remote, sizeof(remote)) < 0)
		return 0;
	rr.remote = remote;
	tok = http_header(req, TOKEN_HDR);
	if (tok || (M.require_token && strncmp(path, "/openstack", 10) != 0)) {
		struct herr e = HERR_INIT;
		int ok = tok ? token_valid(tok, render_view_uuid(cache_view(ref)), &e) : 0;

		if (ok < 0) {
			cache_release(&ref);
			return lookup_failed(req, &e);
		}
		if (!ok) {
			cache_release(&ref);
			return fail(req, 401, NULL);
		}
	}
	if (render(&M.rc, cache_view(ref), &rr, &out) < 0) {
		cache_release(&ref);
		return fail(req, 500, NULL);
	}
	if (out.action == RENDER_SET_PASSWORD)
		rc = set_password(req, cache_view(ref), rr.body, rr.body_len);
	else
		rc = answer(req, &out);
	render_out_free(&out);
	cache_release(&ref);
	return rc;
}

const struct http_route metadata_routes[] = {
	{"GET", "*", on_request, "metadata"},   {"POST", "*", on_request, "metadata"},
	{"PUT", "*", on_request, "metadata"},   {"DELETE", "*", on_request, "metadata"},
	{"PATCH", "*", on_request, "metadata"}, {"OPTIONS", "*", on_request, "metadata"},
};
const int metadata_nroutes = (int)(sizeof(metadata_routes) / sizeof(metadata_routes[0]));

/* ---------------------------------------------------------------- setup */

int metadata_start(const struct metadata_cfg *cfg, struct herr *e)
{
	if (sodium_init() < 0) {
		herr_set(e, HERR_SYSTEM, "libsodium failed to initialise");
		return -1;
	}
	if (cfg->vendor_data && cfg->vendor_data[0]) {
		json_error_t je;

		M.vendor = json_load_file(cfg->vendor_data, 0, &je);
		if (!M.vendor || !json_is_object(M.vendor)) {
			herr_set(e, HERR_INVALID, "metadata.vendor_data: %s:%d: %s",
				 cfg->vendor_data, je.line,
				 M.vendor ? "not a JSON object" : je.text);
			json_decref(M.vendor);
			M.vendor = NULL;
			return -1;
		}
	}
	snprintf(M.dhcp_domain, sizeof(M.dhcp_domain), "%s",
		 cfg->dhcp_domain ? cfg->dhcp_domain : "");
	M.rc.vendor_data = M.vendor;
	M.rc.dhcp_domain = M.dhcp_domain;
	if (parse_proxies(cfg->trusted_proxies ? cfg->trusted_proxies : "", e) < 0)
		goto fail;
	if (cfg->proxy_secret && cfg->proxy_secret[0]) {
		M.secret = strdup(cfg->proxy_secret);
		if (!M.secret) {
			herr_set(e, HERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	M.require_token = cfg->require_token;
	if (cache_start(cfg->redis_url, cfg->redis_password, e) < 0)
		goto fail;
	log_info("metadata", "identity mode=%s trusted_proxies=%d require_token=%s",
		 M.secret ? "neutron-proxy" : "direct", M.nproxies, M.require_token ? "yes" : "no");
	return 0;
fail:
	metadata_stop();
	return -1;
}

void metadata_stop(void)
{
	cache_stop();
	json_decref(M.vendor);
	M.vendor = NULL;
	M.rc.vendor_data = NULL;
	if (M.secret) {
		sodium_memzero(M.secret, strlen(M.secret));
		free(M.secret);
		M.secret = NULL;
	}
	sodium_memzero(M.key, sizeof(M.key));
	M.have_key = false;
}
