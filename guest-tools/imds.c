/* Metadata fetching over libcurl (see imds.h). */
#include <config.h>

#include "guest-tools/imds.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "guest-tools/alog.h"

/* Versions of the OpenStack tree this agent reads, newest first; every one
 * has what it needs (uuid, hostname, public_keys). */
static const char *const os_versions[] = {"2020-10-14", "2018-08-27", "2017-02-22",
					  "2016-10-06", "2016-06-30", "2015-10-15",
					  "2013-10-17", "2013-04-04", "2012-08-10"};
#define EC2_VERSION   "2009-04-04"
#define QUICK_RETRIES 4

struct fetcher {
	const struct imds_conf *conf;
	CURL *curl;
	char iface[128];
	uint64_t deadline_ns; /* end of the waiting for a first answer */
};

struct resp {
	long status; /* 0 when the service could not be reached */
	char *body;
	size_t len;
	bool too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;
	char *grown;

	if (r->len + n > IMDS_MAX_BODY) {
		r->too_big = true;
		return 0;
	}
	grown = realloc(r->body, r->len + n + 1);
	if (!grown)
		return 0;
	r->body = grown;
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void resp_release(struct resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* One attempt.  r->status 0 means unreachable; e says why. */
static void get_once(struct fetcher *f, const char *path, int timeout_ms, struct resp *r,
		     struct herr *e)
{
	char url[2048];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", f->conf->url, path);
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(timeout_ms < 5000 ? timeout_ms : 5000));
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, r);
	rc = curl_easy_perform(f->curl);
	if (rc != CURLE_OK) {
		herr_set(e, r->too_big ? HERR_TOO_BIG : HERR_UNAVAILABLE, "GET %s: %s", url,
			 r->too_big ? "response too big" : curl_easy_strerror(rc));
		resp_release(r);
		return;
	}
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (!r->body)
		r->body = strdup("");
}

/* A GET after the service has answered once: quick retries on connection
 * errors and 5xx.  Returns 0 with r filled (any status below 500), -1 with
 * e set. */
static int get(struct fetcher *f, const char *path, struct resp *r, struct herr *e)
{
	for (int attempt = 1, delay = 500;; attempt++, delay *= 2) {
		struct herr err = HERR_INIT;

		get_once(f, path, 10000, r, &err);
		if (r->status > 0 && r->status < 500)
			return 0;
		if (r->status >= 500)
			herr_set(&err, HERR_UNAVAILABLE, "GET %s: status %ld", path, r->status);
		resp_release(r);
		if (err.code == HERR_TOO_BIG || attempt >= QUICK_RETRIES) {
			herr_set(e, err.code, "%s", err.msg);
			return -1;
		}
		alog_warn("%s; retrying", err.msg);
		clock_sleep_ms(delay);
	}
}

/* Sleeps before the next attempt to reach the service; false once the
 * deadline has passed. */
static bool backoff(struct fetcher *f, int *delay)
{
	uint64_t now = clock_now_ns();
	int ms;

	if (now >= f->deadline_ns)
		return false;
	ms = *delay;
	if ((uint64_t)ms * 1000000ull > f->deadline_ns - now)
		ms = (int)((f->deadline_ns - now) / 1000000ull) + 1;
	clock_sleep_ms(ms);
	*delay = *delay * 2 > 5000 ? 5000 : *delay * 2;
	return true;
}

static int remaining_ms(struct fetcher *f)
{
	uint64_t now = clock_now_ns();
	uint64_t left = now >= f->deadline_ns ? 0 : (f->deadline_ns - now) / 1000000ull;

	return left < 1000 ? 1000 : left > 10000 ? 10000 : (int)left;
}

static char *dup_trimmed(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	return strndup(s, n);
}

/* The newest known version in a listing, else "latest". */
static char *pick_version(const char *listing)
{
	for (size_t i = 0; i < sizeof(os_versions) / sizeof(*os_versions); i++) {
		size_t vl = strlen(os_versions[i]);

		for (const char *p = listing; p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '/'))
				n--;
			if (n == vl && memcmp(p, os_versions[i], vl) == 0)
				return strdup(os_versions[i]);
			p = nl ? nl + 1 : NULL;
		}
	}
	return strdup("latest");
}

/* An instance id fit for logs and the boot-finished marker: 1-128
 * printable characters, no spaces. */
static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= ' ' || (unsigned char)id[i] >= 0x7f)
			return false;
	return n >= 1 && n <= 128;
}

static void add_key(json_t *keys, const char *k)
{
	size_t i;
	json_t *v;

	json_array_foreach (keys, i, v) {
		if (strcmp(json_string_value(v), k) == 0)
			return;
	}
	json_array_append_new(keys, json_string(k));
}

/* ------------------------------------------------------------ OpenStack */

static int fetch_openstack(struct fetcher *f, const char *listing, struct imds_data *d,
			   struct herr *e)
{
	char path[256];
	struct resp r = {0};
	json_t *meta = NULL, *v;
	json_error_t je;
	const char *k;
	int ret = -1;

	d->source = "openstack";
	d->version = pick_version(listing);
	snprintf(path, sizeof(path), "/openstack/%s/meta_data.json", d->version);
	if (get(f, path, &r, e) < 0)
		goto out;
	if (r.status != 200) {
		herr_set(e, HERR_NOT_FOUND, "GET %s: status %ld", path, r.status);
		goto out;
	}
	meta = json_loadb(r.body, r.len, 0, &je);
	if (!json_is_object(meta) || !json_is_string(json_object_get(meta, "uuid"))) {
		herr_set(e, HERR_INVALID, "%s: %s", path,
			 meta ? "no \"uuid\" string in the object" : je.text);
		goto out;
	}
	d->meta_text = r.body;
	d->meta_len = r.len;
	r.body = NULL;
	d->uuid = strdup(json_string_value(json_object_get(meta, "uuid")));
	if (!valid_id(d->uuid)) {
		herr_set(e, HERR_INVALID, "%s: \"uuid\" is not a valid instance id", path);
		goto out;
	}
	v = json_object_get(meta, "hostname");
	if (!json_is_string(v))
		v = json_object_get(meta, "name");
	if (json_is_string(v))
		d->hostname = strdup(json_string_value(v));
	json_object_foreach (json_object_get(meta, "public_keys"), k, v) {
		if (json_is_string(v))
			add_key(d->keys, json_string_value(v));
	}
	if (json_array_size(d->keys) == 0) {
		size_t i;

		json_array_foreach (json_object_get(meta, "keys"), i, v) {
			json_t *data = json_object_get(v, "data");
			const char *type = json_string_value(json_object_get(v, "type"));

			if (json_is_string(data) && (!type || strcmp(type, "ssh") == 0))
				add_key(d->keys, json_string_value(data));
		}
	}

	resp_release(&r);
	snprintf(path, sizeof(path), "/openstack/%s/user_data", d->version);
	if (get(f, path, &r, e) < 0)
		goto out;
	if (r.status == 200) {
		d->user_data = r.body;
		d->user_data_len = r.len;
		r.body = NULL;
	} else if (r.status != 404) {
		herr_set(e, HERR_UNAVAILABLE, "GET %s: status %ld", path, r.status);
		goto out;
	}

	resp_release(&r);
	snprintf(path, sizeof(path), "/openstack/%s/network_data.json", d->version);
	if (get(f, path, &r, NULL) == 0 && r.status == 200) {
		json_t *net = json_loadb(r.body, r.len, 0, &je);

		if (net) {
			d->net_text = r.body;
			d->net_len = r.len;
			r.body = NULL;
		} else {
			alog_warn("%s is not JSON (%s): ignored", path, je.text);
		}
		json_decref(net);
	}
	ret = 0;
out:
	resp_release(&r);
	json_decref(meta);
	return ret;
}

/* ------------------------------------------------------------------ EC2 */

/* GET of an EC2 leaf: 0 and a trimmed new string, 1 when 404, -1 on error. */
static int ec2_leaf(struct fetcher *f, const char *leaf, char **out, struct herr *e)
{
	char path[256];
	struct resp r;

	*out = NULL;
	snprintf(path, sizeof(path), "/%s/%s", EC2_VERSION, leaf);
	if (get(f, path, &r, e) < 0)
		return -1;
	if (r.status == 404) {
		resp_release(&r);
		return 1;
	}
	if (r.status != 200) {
		herr_set(e, HERR_UNAVAILABLE, "GET %s: status %ld", path, r.status);
		resp_release(&r);
		return -1;
	}
	*out = dup_trimmed(r.body, r.len);
	resp_release(&r);
	return 0;
}

static int fetch_ec2(struct fetcher *f, const char *instance_id, struct imds_data *d,
		     struct herr *e)
{
	char path[256];
	char *listing = NULL;
	struct resp r = {0};
	json_t *meta = NULL, *pk = json_object();
	int ret = -1, rc;

	d->source = "ec2";
	d->version = strdup(EC2_VERSION);
	d->uuid = dup_trimmed(instance_id, strlen(instance_id));
	if (!valid_id(d->uuid)) {
		herr_set(e, HERR_INVALID, "EC2 instance-id is not a valid instance id");
		goto out;
	}
	rc = ec2_leaf(f, "meta-data/local-hostname", &d->hostname, e);
	if (rc == 1)
		rc = ec2_leaf(f, "meta-data/hostname", &d->hostname, e);
	if (rc < 0)
		goto out;
	rc = ec2_leaf(f, "meta-data/public-keys/", &listing, e);
	if (rc < 0)
		goto out;
	for (const char *p = listing; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		char *key = NULL, *name = eq ? strndup(eq + 1, n - (size_t)(eq - p) - 1) : NULL;
		char idx[32];

		if (eq && (size_t)(eq - p) < sizeof(idx) &&
		    strspn(p, "0123456789") == (size_t)(eq - p)) {
			snprintf(idx, sizeof(idx), "%.*s", (int)(eq - p), p);
			snprintf(path, sizeof(path), "meta-data/public-keys/%s/openssh-key", idx);
			rc = ec2_leaf(f, path, &key, e);
			if (rc < 0) {
				free(name);
				goto out;
			}
			if (key && *key) {
				add_key(d->keys, key);
				json_object_set_new(pk, name, json_string(key));
			}
			free(key);
		}
		free(name);
		p = nl ? nl + 1 : NULL;
	}
	snprintf(path, sizeof(path), "/%s/user-data", EC2_VERSION);
	if (get(f, path, &r, e) < 0)
		goto out;
	if (r.status == 200) {
		d->user_data = r.body;
		d->user_data_len = r.len;
		r.body = NULL;
	} else if (r.status != 404) {
		herr_set(e, HERR_UNAVAILABLE, "GET %s: status %ld", path, r.status);
		goto out;
	}
	meta = json_pack("{s:s, s:s?, s:O}", "uuid", d->uuid, "hostname", d->hostname,
			 "public_keys", pk);
	d->meta_text = json_dumps(meta, JSON_SORT_KEYS);
	d->meta_len = d->meta_text ? strlen(d->meta_text) : 0;
	ret = 0;
out:
	resp_release(&r);
	free(listing);
	json_decref(meta);
	json_decref(pk);
	return ret;
}

/* ---------------------------------------------------------------- fetch */

int imds_fetch(const struct imds_conf *conf, struct imds_data *out, struct herr *e)
{
	struct fetcher f = {.conf = conf};
	char ua[64];
	int ret = -1, delay = 500;

	memset(out, 0, sizeof(*out));
	out->keys = json_array();
	f.curl = curl_easy_init();
	if (!f.curl || !out->keys) {
		herr_set(e, HERR_NOMEM, "cannot initialise libcurl");
		goto out;
	}
	snprintf(ua, sizeof(ua), "hearth-agent/%s", PACKAGE_VERSION);
	curl_easy_setopt(f.curl, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(f.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, on_data);
	if (conf->bind && conf->bind[0]) {
		snprintf(f.iface, sizeof(f.iface), "host!%s", conf->bind);
		curl_easy_setopt(f.curl, CURLOPT_INTERFACE, f.iface);
	}
	f.deadline_ns = clock_now_ns() + (uint64_t)conf->timeout_s * 1000000000ull;

	for (int attempt = 1;; attempt++) {
		struct herr err = HERR_INIT;
		struct resp os, ec2;

		get_once(&f, "/openstack/", remaining_ms(&f), &os, &err);
		if (os.status == 200 && os.len > 0) {
			alog_info("metadata service %s answered (OpenStack tree)", conf->url);
			ret = fetch_openstack(&f, os.body, out, e);
			resp_release(&os);
			break;
		}
		if (os.status > 0 && os.status < 500) {
			char path[64];

			snprintf(path, sizeof(path), "/%s/meta-data/instance-id", EC2_VERSION);
			get_once(&f, path, remaining_ms(&f), &ec2, &err);
			if (ec2.status == 200 && ec2.len > 0) {
				alog_info("metadata service %s answered (EC2 tree; /openstack "
					  "gave %ld)",
					  conf->url, os.status);
				ret = fetch_ec2(&f, ec2.body, out, e);
				resp_release(&ec2);
				resp_release(&os);
				break;
			}
			herr_set(&err, HERR_NOT_FOUND,
				 "no metadata for this instance yet (/openstack: %ld, EC2 "
				 "instance-id: %ld)",
				 os.status, ec2.status);
			resp_release(&ec2);
		} else if (os.status >= 500) {
			herr_set(&err, HERR_UNAVAILABLE, "GET /openstack: status %ld", os.status);
		}
		resp_release(&os);
		if (attempt == 1 || attempt % 5 == 0)
			alog_warn("waiting for the metadata service: %s", err.msg);
		if (!backoff(&f, &delay)) {
			herr_set(e, err.code, "metadata service did not answer in %d s: %s",
				 conf->timeout_s, err.msg);
			break;
		}
	}
out:
	if (f.curl)
		curl_easy_cleanup(f.curl);
	if (ret < 0)
		imds_data_release(out);
	return ret;
}

void imds_data_release(struct imds_data *d)
{
	free(d->version);
	free(d->uuid);
	free(d->hostname);
	json_decref(d->keys);
	free(d->meta_text);
	free(d->net_text);
	free(d->user_data);
	memset(d, 0, sizeof(*d));
}
