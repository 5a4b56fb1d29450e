/* The metadata renderer (metadata/render.c): exact bytes for the examples
 * of metadata-spec §1-2, path normalisation, version gates, Nova's quirks
 * and the error bodies. */
#include <config.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "metadata/render.h"
#include "tests/tap.h"

#define UUID "5d4b5a0e-8f3c-4a7e-9a57-2c1f0b3d9e11"
#define KEY  "ssh-ed25519 AAAA... user@host"

/* The instance of the spec's examples: one OVS port, DHCP off, a key,
 * user data "#!/bin/sh\necho hi\n" and a binary tail. */
static const char *const doc_text =
	"{\"uuid\": \"" UUID "\", \"name\": \"vm1\", \"hostname\": \"vm1\","
	" \"project_id\": \"9f1d2c3b4a5e4f60a7b8c9d0e1f2a3b4\", \"stack_id\": \"s\","
	" \"resource\": \"server\", \"availability_zone\": \"nova\", \"launch_index\": 0,"
	" \"reservation_id\": \"r-abcd1234\", \"ec2_id\": 42, \"image\": \"cirros\","
	" \"image_ec2_id\": 7, \"flavor\": \"m1.small\", \"key_name\": \"mykey\","
	" \"public_key\": \"" KEY "\", \"meta\": {\"role\": \"test\"},"
	" \"user_data\": \"IyEvYmluL3NoCmVjaG8gaGkKAP8=\", \"security_groups\": [\"default\", \"web\"],"
	" \"root_device\": \"/dev/vda\", \"volumes\": [\"/dev/vdc\", \"/dev/vdb\"],"
	" \"address\": \"127.10.0.5\","
	" \"ports\": [{\"id\": \"a1b2c3d4-e5f6-4711-8899-aabbccddeeff\", \"mac\": \"FA:16:3e:11:22:33\","
	"   \"network_id\": \"0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21\", \"device\": \"tapa1b2c3d4-e5\","
	"   \"vif_type\": \"ovs\", \"fixed_ips\": [{\"ip_address\": \"10.0.0.5\", \"subnet_id\": \"sn1\"}],"
	"   \"floating_ips\": [\"172.24.4.10\"]}],"
	" \"subnets\": {\"sn1\": {\"cidr\": \"10.0.0.0/24\", \"gateway_ip\": \"10.0.0.1\","
	"   \"dns_nameservers\": [\"10.0.0.2\"], \"host_routes\": [], \"enable_dhcp\": false,"
	"   \"ip_version\": 4, \"ipv6_address_mode\": null}},"
	" \"networks\": {\"0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21\": {\"name\": \"private\", \"mtu\": 1450}},"
	" \"created_at\": \"2026-11-23T17:00:00Z\"}";

static json_t *doc(void)
{
	json_error_t je;
	json_t *d = json_loads(doc_text, 0, &je);

	if (!d)
		printf("# doc: %s at %d\n", je.text, je.position);
	return d;
}

static struct render_view *view_of(json_t *d, const char *password)
{
	struct herr e = HERR_INIT;
	struct render_view *v = render_view_new(d, password, password ? strlen(password) : 0, &e);

	if (!v)
		printf("# view: %s\n", e.msg);
	return v;
}

static const struct render_cfg default_cfg = {NULL, "novalocal"};

/* 2026-11-23: every OpenStack version is in the past. */
#define NOW 1795453200

/* Renders method+path; the body is NUL-terminated for CHECK_STR. */
static struct render_out get_as(const struct render_cfg *cfg, const struct render_view *v,
				const char *method, const char *path, const char *accept)
{
	struct render_req req = {method, path, accept, "192.0.2.9", "", 0, -1, NOW};
	struct render_out out;

	if (render(cfg, v, &req, &out) < 0) {
		printf("# render failed: %s\n", path);
		out.status = -1;
	}
	if (out.body) {
		char *z = realloc(out.body, out.len + 1);
		if (z) {
			z[out.len] = '\0';
			out.body = z;
		}
	}
	return out;
}

static struct render_out get(const struct render_view *v, const char *path)
{
	return get_as(&default_cfg, v, "GET", path, NULL);
}

#define EXPECT(v, path, want_status, want_ctype, want_body)                                 \
	do {                                                                                \
		struct render_out o_ = get(v, path);                                        \
		if (o_.status != (want_status))                                             \
			printf("# %s: status %d, want %d\n", path, o_.status, want_status); \
		CHECK(o_.status == (want_status));                                          \
		if (want_ctype)                                                             \
			CHECK_STR(o_.ctype, (const char *)want_ctype);                      \
		if (want_body)                                                              \
			CHECK_STR(o_.body ? o_.body : "", (const char *)want_body);         \
		render_out_free(&o_);                                                       \
	} while (0)

#define TEXT "text/plain; charset=UTF-8"
#define JSON "application/json"

static const char *const ec2_listing = "1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n"
				       "2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest";

/* ------------------------------------------------------------- cases */

static void normalise(void)
{
	static const char *const cases[][2] = {
		{"/", "/"},
		{"", "/"},
		{"//", "/"},
		{"/latest/meta-data/", "/latest/meta-data"},
		{"//latest///meta-data//", "/latest/meta-data"},
		{"/foo/../", "/"},
		{"/a/./b/../c", "/a/c"},
		{"/../../openstack", "/openstack"},
		{"/openstack/latest/..", "/openstack"},
		{"/openstack/./latest/./meta_data.json/", "/openstack/latest/meta_data.json"},
		{"/...", "/..."},
		{"/a/..b", "/a/..b"},
	};
	char out[64], tiny[4];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(render_normalise(cases[i][0], out, sizeof(out)) == 0);
		CHECK_STR(out, cases[i][1]);
	}
	CHECK(render_normalise("/abcdef", tiny, sizeof(tiny)) < 0);
	CHECK(render_is_anonymous("/"));
	CHECK(!render_is_anonymous("/latest"));
}

static void ec2_versions(void)
{
	struct render_view *v = view_of(doc(), NULL);

	/* "/" needs no instance. */
	EXPECT(NULL, "/", 200, TEXT, ec2_listing);
	EXPECT(NULL, "//./", 200, TEXT, ec2_listing);
	EXPECT(NULL, "/latest", 404, NULL, NULL);
	EXPECT(v, "/ec2", 200, TEXT, ec2_listing);
	EXPECT(v, "/2009-04-04", 200, TEXT, "meta-data/\nuser-data");
	EXPECT(v, "/latest/", 200, TEXT, "meta-data/\nuser-data");
	EXPECT(v, "/ec2/1.0", 200, TEXT, "meta-data/\nuser-data");
	/* cloud-init probes these and needs the 404. */
	EXPECT(v, "/2016-09-02/meta-data/instance-id", 404, NULL, NULL);
	EXPECT(v, "/2021-03-23/meta-data/instance-id", 404, NULL, NULL);
	EXPECT(v, "/2018-09-24/meta-data/instance-id", 404, NULL, NULL);
	render_view_free(&v);
}

static void ec2_meta_data(void)
{
	struct render_view *v = view_of(doc(), NULL);

	EXPECT(v, "/2009-04-04/meta-data", 200, TEXT,
	       "ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\n"
	       "instance-action\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\n"
	       "placement/\npublic-hostname\npublic-ipv4\npublic-keys/\nreservation-id\n"
	       "security-groups");
	EXPECT(v, "/latest/meta-data/", 200, TEXT,
	       "ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\n"
	       "instance-action\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\n"
	       "placement/\npublic-hostname\npublic-ipv4\npublic-keys/\nreservation-id\n"
	       "security-groups");
	/* Version gates. */
	EXPECT(v, "/1.0/meta-data", 200, TEXT,
	       "ami-id\nami-launch-index\nami-manifest-path\nhostname\ninstance-id\nlocal-ipv4\n"
	       "public-keys/\nreservation-id\nsecurity-groups");
	EXPECT(v, "/2007-08-29/meta-data", 200, TEXT,
	       "ami-id\nami-launch-index\nami-manifest-path\nhostname\ninstance-id\n"
	       "instance-type\nlocal-hostname\nlocal-ipv4\npublic-hostname\npublic-ipv4\n"
	       "public-keys/\nreservation-id\nsecurity-groups");
	EXPECT(v, "/1.0/meta-data/local-hostname", 404, NULL, NULL);
	EXPECT(v, "/2007-12-15/meta-data/placement/availability-zone", 404, NULL, NULL);
	EXPECT(v, "/2008-02-01/meta-data/placement/availability-zone", 200, TEXT, "nova");
	EXPECT(v, "/2008-02-01/meta-data/instance-action", 404, NULL, NULL);
	EXPECT(v, "/2008-09-01/meta-data/instance-action", 200, TEXT, "none");
	/* Leaves. */
	EXPECT(v, "/latest/meta-data/ami-id", 200, TEXT, "ami-00000007");
	EXPECT(v, "/latest/meta-data/ami-launch-index", 200, TEXT, "0");
	EXPECT(v, "/latest/meta-data/ami-manifest-path", 200, TEXT, "FIXME");
	EXPECT(v, "/latest/meta-data/hostname", 200, TEXT, "vm1.novalocal");
	EXPECT(v, "/latest/meta-data/local-hostname", 200, TEXT, "vm1.novalocal");
	EXPECT(v, "/latest/meta-data/public-hostname", 200, TEXT, "vm1.novalocal");
	EXPECT(v, "/latest/meta-data/instance-id", 200, TEXT, "i-0000002a");
	EXPECT(v, "/latest/meta-data/instance-type", 200, TEXT, "m1.small");
	EXPECT(v, "/latest/meta-data/local-ipv4", 200, TEXT, "10.0.0.5");
	EXPECT(v, "/latest/meta-data/public-ipv4", 200, TEXT, "172.24.4.10");
	EXPECT(v, "/latest/meta-data/reservation-id", 200, TEXT, "r-abcd1234");
	EXPECT(v, "/latest/meta-data/security-groups", 200, TEXT, "default\nweb");
	EXPECT(v, "/latest/meta-data/placement", 200, TEXT, "availability-zone");
	/* Public keys: "0=name", then the key's one format. */
	EXPECT(v, "/latest/meta-data/public-keys", 200, TEXT, "0=mykey");
	EXPECT(v, "/latest/meta-data/public-keys/", 200, TEXT, "0=mykey");
	EXPECT(v, "/latest/meta-data/public-keys/0", 200, TEXT, "openssh-key");
	EXPECT(v, "/latest/meta-data/public-keys/0/openssh-key", 200, TEXT, KEY);
	EXPECT(v, "/latest/meta-data/public-keys/0/_name", 404, NULL, NULL);
	EXPECT(v, "/latest/meta-data/public-keys/1", 404, NULL, NULL);
	/* Block devices: volumes sorted by device as ebsN. */
	EXPECT(v, "/latest/meta-data/block-device-mapping", 200, TEXT, "ami\nebs0\nebs1\nroot");
	EXPECT(v, "/latest/meta-data/block-device-mapping/ami", 200, TEXT, "vda");
	EXPECT(v, "/latest/meta-data/block-device-mapping/root", 200, TEXT, "/dev/vda");
	EXPECT(v, "/latest/meta-data/block-device-mapping/ebs0", 200, TEXT, "/dev/vdb");
	EXPECT(v, "/latest/meta-data/block-device-mapping/ebs1", 200, TEXT, "/dev/vdc");
	/* Nova answers 500 for a child of a leaf; we answer 404. */
	EXPECT(v, "/latest/meta-data/hostname/x", 404, NULL, NULL);
	EXPECT(v, "/latest/meta-data/nope", 404, NULL, NULL);
	EXPECT(v, "/latest/nope", 404, NULL, NULL);
	/* Path tricks. */
	EXPECT(v, "/latest/meta-data/../meta-data//hostname/", 200, TEXT, "vm1.novalocal");
	EXPECT(v, "/../../latest/meta-data/instance-id", 200, TEXT, "i-0000002a");
	render_view_free(&v);
}

static void ec2_minimal(void)
{
	json_t *d = doc();
	struct render_view *v;
	struct render_cfg bare = {NULL, ""};
	struct render_out o;

	/* No key, no user data, no root device, no ports, no floating IP. */
	json_object_set_new(d, "key_name", json_null());
	json_object_set_new(d, "public_key", json_null());
	json_object_set_new(d, "user_data", json_null());
	json_object_set_new(d, "root_device", json_null());
	json_object_set_new(d, "ports", json_array());
	json_object_set_new(d, "availability_zone", json_null());
	v = view_of(d, NULL);
	EXPECT(v, "/latest", 200, TEXT, "meta-data/");
	EXPECT(v, "/latest/user-data", 404, NULL, NULL);
	EXPECT(v, "/latest/meta-data/public-keys", 404, NULL, NULL);
	EXPECT(v, "/latest/meta-data/public-ipv4", 200, TEXT, "");
	/* No fixed IPv4: the requester's address. */
	EXPECT(v, "/latest/meta-data/local-ipv4", 200, TEXT, "192.0.2.9");
	EXPECT(v, "/latest/meta-data/placement/availability-zone", 200, TEXT, "None");
	EXPECT(v, "/latest/meta-data/block-device-mapping", 200, TEXT,
	       "ami\nephemeral0\nroot\nswap");
	EXPECT(v, "/latest/meta-data/block-device-mapping/root", 200, TEXT, "/dev/sda1");
	EXPECT(v, "/latest/meta-data/block-device-mapping/swap", 200, TEXT, "sda3");
	EXPECT(v, "/openstack/latest/network_data.json", 200, TEXT, "{}");
	o = get_as(&bare, v, "GET", "/latest/meta-data/hostname", NULL);
	CHECK_STR(o.body, "vm1");
	render_out_free(&o);
	o = get_as(&bare, v, "GET", "/openstack/latest/meta_data.json", NULL);
	CHECK(o.body && strstr(o.body, "\"hostname\": \"vm1\", \"name\""));
	CHECK(o.body && strstr(o.body, "\"availability_zone\": null"));
	CHECK(o.body && !strstr(o.body, "public_keys") && !strstr(o.body, "\"keys\""));
	render_out_free(&o);
	render_view_free(&v);
}

static void user_data(void)
{
	struct render_view *v = view_of(doc(), NULL);
	static const char want[] = "#!/bin/sh\necho hi\n\0\xff";
	struct render_out o;

	o = get(v, "/latest/user-data");
	CHECK(o.status == 200 && o.len == sizeof(want) - 1 && memcmp(o.body, want, o.len) == 0);
	CHECK_STR(o.ctype, TEXT);
	render_out_free(&o);
	o = get(v, "/openstack/2012-08-10/user_data");
	CHECK(o.status == 200 && o.len == sizeof(want) - 1 && memcmp(o.body, want, o.len) == 0);
	render_out_free(&o);
	EXPECT(v, "/latest/user-data/x", 404, NULL, NULL);
	EXPECT(v, "/openstack/latest/user_data/x", 404, NULL, NULL);
	render_view_free(&v);
}

static void os_versions(void)
{
	struct render_view *v = view_of(doc(), NULL);
	struct render_req req = {"GET", "/openstack", NULL, NULL, "", 0, -1, 0};
	struct render_out o;

	EXPECT(v, "/openstack", 200, TEXT,
	       "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n"
	       "2017-02-22\n2018-08-27\n2020-10-14\nlatest");
	EXPECT(v, "/openstack/", 200, TEXT,
	       "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n"
	       "2017-02-22\n2018-08-27\n2020-10-14\nlatest");
	/* On 2016-07-01 the later versions are hidden, but still served. */
	req.now = 1467331200;
	CHECK(render(&default_cfg, v, &req, &o) == 0);
	CHECK_STR(o.body, "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\nlatest");
	render_out_free(&o);
	req.path = "/openstack/2020-10-14";
	CHECK(render(&default_cfg, v, &req, &o) == 0 && o.status == 200);
	render_out_free(&o);

	EXPECT(v, "/openstack/2012-08-10", 200, TEXT, "meta_data.json\nuser_data");
	EXPECT(v, "/openstack/2013-04-04", 200, TEXT, "meta_data.json\nuser_data\npassword");
	EXPECT(v, "/openstack/2013-10-17", 200, TEXT,
	       "meta_data.json\nuser_data\npassword\nvendor_data.json");
	EXPECT(v, "/openstack/2015-10-15", 200, TEXT,
	       "meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json");
	EXPECT(v, "/openstack/2016-10-06/", 200, TEXT,
	       "meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\n"
	       "vendor_data2.json");
	EXPECT(v, "/openstack/latest", 200, TEXT,
	       "meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\n"
	       "vendor_data2.json");
	EXPECT(v, "/openstack/2099-01-01", 404, NULL, NULL);
	EXPECT(v, "/openstack/content/0000", 404, NULL, NULL);
	EXPECT(v, "/openstack/latest/meta_data.json/x", 404, NULL, NULL);
	EXPECT(v, "/openstack/latest/nope", 404, NULL, NULL);
	/* Gates, and the network_data.json quirk. */
	EXPECT(v, "/openstack/2012-08-10/password", 404, NULL, NULL);
	EXPECT(v, "/openstack/2013-04-04/vendor_data.json", 404, NULL, NULL);
	EXPECT(v, "/openstack/2016-06-30/vendor_data2.json", 404, NULL, NULL);
	EXPECT(v, "/openstack/2012-08-10/network_data.json", 200, TEXT, NULL);
	render_view_free(&v);
}

/* The body with the random_seed's value replaced by "SEED"; checks it is
 * 512 bytes of base64. */
static char *unseed(const char *body, char *seed_out)
{
	const char *p = strstr(body, "\"random_seed\": \"");
	char *out;
	size_t n;
	unsigned char bin[600];
	size_t binlen = 0;

	if (!p)
		return strdup(body);
	p += 16;
	n = strcspn(p, "\"");
	CHECK(n == 684);
	CHECK(sodium_base642bin(bin, sizeof(bin), p, n, NULL, &binlen, NULL,
				sodium_base64_VARIANT_ORIGINAL) == 0 &&
	      binlen == 512);
	if (seed_out)
		snprintf(seed_out, 700, "%.*s", (int)n, p);
	out = malloc(strlen(body) + 8);
	snprintf(out, strlen(body) + 8, "%.*sSEED%s", (int)(p - body), body, p + n);
	return out;
}

static void meta_data_json(void)
{
	struct render_view *v = view_of(doc(), NULL);
	struct render_out a = get(v, "/openstack/latest/meta_data.json");
	struct render_out b =
		get_as(&default_cfg, v, "PUT", "/openstack/latest/meta_data.json/", NULL);
	char sa[700] = "", sb[700] = "";
	char *ua = unseed(a.body, sa), *ub = unseed(b.body, sb);

	CHECK(a.status == 200 && b.status == 200);
	CHECK_STR(a.ctype, JSON);
	CHECK_STR(ua, "{\"uuid\": \"" UUID "\", \"meta\": {\"role\": \"test\"}, \"public_keys\": "
		      "{\"mykey\": \"" KEY "\"}, \"keys\": [{\"name\": \"mykey\", \"type\": "
		      "\"ssh\", \"data\": \"" KEY "\"}], \"hostname\": \"vm1.novalocal\", "
		      "\"name\": \"vm1\", \"launch_index\": 0, \"availability_zone\": \"nova\", "
		      "\"random_seed\": \"SEED\", \"project_id\": "
		      "\"9f1d2c3b4a5e4f60a7b8c9d0e1f2a3b4\", \"devices\": [], "
		      "\"dedicated_cpus\": []}");
	/* A PUT is a GET, and the seed is new at every request. */
	CHECK_STR(ub, ua);
	CHECK(strcmp(sa, sb) != 0);
	/* No top-level key has a "-" (Nova's invariant). */
	{
		json_t *j = json_loads(a.body, 0, NULL);
		const char *k;
		json_t *x;

		CHECK(j != NULL);
		json_object_foreach (j, k, x)
			CHECK(!strchr(k, '-'));
		json_decref(j);
	}
	free(ua);
	free(ub);
	render_out_free(&a);
	render_out_free(&b);

	a = get(v, "/openstack/2012-08-10/meta_data.json");
	CHECK_STR(a.body,
		  "{\"uuid\": \"" UUID "\", \"meta\": {\"role\": \"test\"}, \"public_keys\": "
		  "{\"mykey\": \"" KEY "\"}, \"keys\": [{\"name\": \"mykey\", \"type\": "
		  "\"ssh\", \"data\": \"" KEY "\"}], \"hostname\": \"vm1.novalocal\", "
		  "\"name\": \"vm1\", \"launch_index\": 0, \"availability_zone\": "
		  "\"nova\"}");
	render_out_free(&a);
	a = get(v, "/openstack/2016-06-30/meta_data.json");
	CHECK(strstr(a.body, "\"devices\": []}") != NULL && !strstr(a.body, "dedicated_cpus"));
	render_out_free(&a);
	a = get(v, "/openstack/2013-10-17/meta_data.json");
	CHECK(strstr(a.body, "random_seed") && !strstr(a.body, "project_id"));
	render_out_free(&a);
	render_view_free(&v);
}

static void rendered_once(void)
{
	/* A meta entry that looks like the seed's placeholder stays as it
	 * is; the real seed is fresh each time; a second configuration gets
	 * its own body. */
	json_t *d = doc();
	char at[700], *ua, *ub;
	struct render_view *v;
	struct render_out a, b;
	struct render_cfg bare = {NULL, ""};

	memset(at, '@', 684);
	at[684] = '\0';
	json_object_set_new(json_object_get(d, "meta"), "random_seed", json_string(at));
	v = view_of(d, NULL);
	a = get(v, "/openstack/latest/meta_data.json");
	b = get(v, "/openstack/latest/meta_data.json");
	CHECK(strstr(a.body, at) != NULL);
	CHECK(strstr(b.body, at) != NULL);
	CHECK(strcmp(a.body, b.body) != 0);
	{
		json_t *ja = json_loads(a.body, 0, NULL);

		CHECK_STR(json_string_value(
				  json_object_get(json_object_get(ja, "meta"), "random_seed")),
			  at);
		CHECK(strcmp(json_string_value(json_object_get(ja, "random_seed")), at) != 0);
		json_decref(ja);
	}
	ua = strstr(a.body, "\"hostname\"");
	ub = strstr(b.body, "\"hostname\"");
	CHECK(ua && ub && strncmp(ua, ub, 40) == 0);
	render_out_free(&a);
	render_out_free(&b);
	a = get_as(&bare, v, "GET", "/openstack/latest/meta_data.json", NULL);
	CHECK(strstr(a.body, "\"hostname\": \"vm1\", ") != NULL);
	render_out_free(&a);
	a = get(v, "/openstack/latest/meta_data.json");
	CHECK(strstr(a.body, "\"hostname\": \"vm1.novalocal\", ") != NULL);
	render_out_free(&a);
	render_view_free(&v);
}

static void non_ascii(void)
{
	json_t *d = doc();
	struct render_view *v;

	json_object_set_new(d, "name", json_string("caf\xc3\xa9"));
	v = view_of(d, NULL);
	EXPECT(v, "/openstack/2012-08-10/meta_data.json", 200, JSON, NULL);
	{
		struct render_out o = get(v, "/openstack/2012-08-10/meta_data.json");
		CHECK(strstr(o.body, "\"name\": \"caf\\u00e9\"") != NULL);
		render_out_free(&o);
	}
	render_view_free(&v);
}

static void network_data_static(void)
{
	struct render_view *v = view_of(doc(), NULL);

	EXPECT(v, "/openstack/latest/network_data.json", 200, TEXT,
	       "{\"links\": [{\"id\": \"tapa1b2c3d4-e5\", \"vif_id\": "
	       "\"a1b2c3d4-e5f6-4711-8899-aabbccddeeff\", \"type\": \"ovs\", \"mtu\": 1450, "
	       "\"ethernet_mac_address\": \"fa:16:3e:11:22:33\"}], \"networks\": [{\"id\": "
	       "\"network0\", \"type\": \"ipv4\", \"link\": \"tapa1b2c3d4-e5\", \"ip_address\": "
	       "\"10.0.0.5\", \"netmask\": \"255.255.255.0\", \"routes\": [{\"network\": "
	       "\"0.0.0.0\", \"netmask\": \"0.0.0.0\", \"gateway\": \"10.0.0.1\"}], "
	       "\"network_id\": \"0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21\", \"services\": "
	       "[{\"type\": \"dns\", \"address\": \"10.0.0.2\"}]}], \"services\": [{\"type\": "
	       "\"dns\", \"address\": \"10.0.0.2\"}]}");
	render_view_free(&v);
}

static void network_data_dhcp(void)
{
	json_t *d = doc();
	struct render_view *v;

	json_object_set_new(json_object_get(json_object_get(d, "subnets"), "sn1"), "enable_dhcp",
			    json_true());
	v = view_of(d, NULL);
	EXPECT(v, "/openstack/latest/network_data.json", 200, TEXT,
	       "{\"links\": [{\"id\": \"tapa1b2c3d4-e5\", \"vif_id\": "
	       "\"a1b2c3d4-e5f6-4711-8899-aabbccddeeff\", \"type\": \"ovs\", \"mtu\": null, "
	       "\"ethernet_mac_address\": \"fa:16:3e:11:22:33\"}], \"networks\": [{\"id\": "
	       "\"network0\", \"type\": \"ipv4_dhcp\", \"link\": \"tapa1b2c3d4-e5\", "
	       "\"network_id\": \"0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21\"}], \"services\": "
	       "[{\"type\": \"dns\", \"address\": \"10.0.0.2\"}]}");
	render_view_free(&v);
}

static void network_data_many(void)
{
	/* Two ports: the first dual-stack (static v4 with a host route, SLAAC
	 * v6), the second with no device name, an unknown VIF type and a DNS
	 * server already seen; a third port with no subnet is skipped. */
	static const char *const text =
		"{\"uuid\": \"u\", \"ports\": ["
		" {\"id\": \"p1\", \"mac\": \"fa:16:3e:00:00:01\", \"network_id\": \"n1\","
		"  \"device\": \"tap1\", \"vif_type\": \"tap\", \"fixed_ips\": ["
		"   {\"ip_address\": \"10.1.0.5\", \"subnet_id\": \"s4\"},"
		"   {\"ip_address\": \"10.1.0.6\", \"subnet_id\": \"s4\"},"
		"   {\"ip_address\": \"fd00::5\", \"subnet_id\": \"s6\"}]},"
		" {\"id\": \"p3\", \"mac\": \"fa:16:3e:00:00:03\", \"network_id\": \"n3\","
		"  \"fixed_ips\": []},"
		" {\"id\": \"p2\", \"mac\": \"fa:16:3e:00:00:02\", \"network_id\": \"n2\","
		"  \"vif_type\": \"macvtap\", \"fixed_ips\": ["
		"   {\"ip_address\": \"192.168.5.9\", \"subnet_id\": \"s2\"}]}],"
		" \"subnets\": {"
		"  \"s4\": {\"cidr\": \"10.1.0.0/16\", \"gateway_ip\": null, \"ip_version\": 4,"
		"   \"enable_dhcp\": false, \"dns_nameservers\": [\"1.1.1.1\"],"
		"   \"host_routes\": [{\"destination\": \"192.168.7.3/24\", \"nexthop\": \"10.1.0.254\"}]},"
		"  \"s6\": {\"cidr\": \"fd00::/64\", \"gateway_ip\": \"fd00::1\", \"ip_version\": 6,"
		"   \"enable_dhcp\": true, \"ipv6_address_mode\": \"slaac\", \"dns_nameservers\": []},"
		"  \"s2\": {\"cidr\": \"192.168.5.0/24\", \"gateway_ip\": \"192.168.5.1\","
		"   \"ip_version\": 4, \"enable_dhcp\": false, \"dns_nameservers\": [\"1.1.1.1\"]}},"
		" \"networks\": {\"n1\": {\"mtu\": 9000}, \"n2\": {\"mtu\": 1500}}}";
	json_t *d = json_loads(text, 0, NULL);
	json_t *nd = render_network_data(d);
	char *s = render_dumps(nd, NULL);

	CHECK_STR(s,
		  "{\"links\": [{\"id\": \"tap1\", \"vif_id\": \"p1\", \"type\": \"tap\", \"mtu\": "
		  "null, \"ethernet_mac_address\": \"fa:16:3e:00:00:01\"}, {\"id\": "
		  "\"interface1\", \"vif_id\": \"p2\", \"type\": \"phy\", \"mtu\": 1500, "
		  "\"ethernet_mac_address\": \"fa:16:3e:00:00:02\"}], \"networks\": [{\"id\": "
		  "\"network0\", \"type\": \"ipv4\", \"link\": \"tap1\", \"ip_address\": "
		  "\"10.1.0.5\", \"netmask\": \"255.255.0.0\", \"routes\": [{\"network\": "
		  "\"192.168.7.0\", \"netmask\": \"255.255.255.0\", \"gateway\": \"10.1.0.254\"}], "
		  "\"network_id\": \"n1\", \"services\": [{\"type\": \"dns\", \"address\": "
		  "\"1.1.1.1\"}]}, {\"id\": \"network1\", \"type\": \"ipv6_slaac\", \"link\": "
		  "\"tap1\", \"ip_address\": \"fd00::5\", \"netmask\": \"ffff:ffff:ffff:ffff::\", "
		  "\"routes\": [{\"network\": \"::\", \"netmask\": \"::\", \"gateway\": "
		  "\"fd00::1\"}], \"network_id\": \"n1\", \"services\": []}, {\"id\": "
		  "\"network2\", \"type\": \"ipv4\", \"link\": \"interface1\", \"ip_address\": "
		  "\"192.168.5.9\", \"netmask\": \"255.255.255.0\", \"routes\": [{\"network\": "
		  "\"0.0.0.0\", \"netmask\": \"0.0.0.0\", \"gateway\": \"192.168.5.1\"}], "
		  "\"network_id\": \"n2\", \"services\": [{\"type\": \"dns\", \"address\": "
		  "\"1.1.1.1\"}]}], \"services\": [{\"type\": \"dns\", \"address\": "
		  "\"1.1.1.1\"}]}");
	free(s);
	json_decref(nd);
	json_decref(d);
}

static void vendor_data(void)
{
	struct render_view *v = view_of(doc(), NULL);
	json_t *vd = json_pack("{s:s}", "cloud-init", "#cloud-config\nfoo: 1\n");
	struct render_cfg cfg = {vd, "novalocal"};
	struct render_out o;

	EXPECT(v, "/openstack/latest/vendor_data.json", 200, JSON, "{}");
	EXPECT(v, "/openstack/latest/vendor_data2.json", 200, JSON, "{\"static\": {}}");
	o = get_as(&cfg, v, "GET", "/openstack/latest/vendor_data.json", NULL);
	CHECK_STR(o.body, "{\"cloud-init\": \"#cloud-config\\nfoo: 1\\n\"}");
	render_out_free(&o);
	o = get_as(&cfg, v, "GET", "/openstack/2016-10-06/vendor_data2.json", NULL);
	CHECK_STR(o.body, "{\"static\": {\"cloud-init\": \"#cloud-config\\nfoo: 1\\n\"}}");
	render_out_free(&o);
	json_decref(vd);
	render_view_free(&v);
}

static struct render_out post(const struct render_view *v, const char *method, const char *body,
			      long long cl)
{
	struct render_req req = {
		method, "/openstack/latest/password", NULL, NULL, body, strlen(body), cl, NOW};
	struct render_out o;

	CHECK(render(&default_cfg, v, &req, &o) == 0);
	return o;
}

static void password(void)
{
	struct render_view *none = view_of(doc(), NULL), *set = view_of(doc(), "c2VjcmV0");
	char big[RENDER_PASSWORD_MAX + 2];
	struct render_out o;

	EXPECT(none, "/openstack/latest/password", 200, "text/html; charset=UTF-8", "");
	EXPECT(set, "/openstack/2013-04-04/password", 200, "text/html; charset=UTF-8", "c2VjcmV0");
	o = post(none, "POST", "c2VjcmV0", 8);
	CHECK(o.status == 200 && o.action == RENDER_SET_PASSWORD && o.len == 0);
	render_out_free(&o);
	o = post(set, "POST", "other", 5);
	CHECK(o.status == 409 && o.action == RENDER_REPLY);
	render_out_free(&o);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o = post(none, "POST", big, -1);
	CHECK(o.status == 400 && o.action == RENDER_REPLY);
	CHECK(o.body && strstr(o.body, "Request is too large."));
	render_out_free(&o);
	big[RENDER_PASSWORD_MAX] = '\0';
	o = post(none, "POST", big, RENDER_PASSWORD_MAX);
	CHECK(o.status == 200 && o.action == RENDER_SET_PASSWORD);
	render_out_free(&o);
	o = post(none, "POST", "x", 5000);
	CHECK(o.status == 400);
	render_out_free(&o);
	o = post(none, "PUT", "x", 1);
	CHECK(o.status == 400 && strstr(o.body, "GET and POST only are supported."));
	render_out_free(&o);
	o = post(none, "DELETE", "", 0);
	CHECK(o.status == 400);
	render_out_free(&o);
	CHECK(!render_view_has_password(none) && render_view_has_password(set));
	render_view_free(&none);
	render_view_free(&set);
}

static void errors(void)
{
	struct render_view *v = view_of(doc(), NULL);
	struct render_out o;

	EXPECT(v, "/nope", 404, "text/html; charset=UTF-8",
	       "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 "
	       "Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n "
	       "</body>\n</html>");
	o = get_as(&default_cfg, v, "GET", "/nope", "*/*");
	CHECK(o.status == 404);
	CHECK_STR(o.ctype, "text/html; charset=UTF-8");
	render_out_free(&o);
	o = get_as(&default_cfg, v, "GET", "/nope", "application/json");
	CHECK(o.status == 404);
	CHECK_STR(o.ctype, JSON);
	CHECK_STR(o.body,
		  "{\"message\": \"The resource could not be found.<br /><br />\\n\\n\\n\", "
		  "\"code\": \"404 Not Found\", \"title\": \"Not Found\"}");
	render_out_free(&o);
	o = get_as(&default_cfg, v, "GET", "/nope", "text/plain");
	CHECK_STR(o.ctype, TEXT);
	CHECK_STR(o.body, "404 Not Found\n\nThe resource could not be found.\n\n   ");
	render_out_free(&o);
	CHECK(render_error(403, "Invalid proxy request signature.", NULL, &o) == 0);
	CHECK(o.status == 403 && strstr(o.body, "<title>403 Forbidden</title>") &&
	      strstr(o.body, "Invalid proxy request signature."));
	render_out_free(&o);
	render_view_free(&v);
}

static void bad_documents(void)
{
	struct herr e = HERR_INIT;

	CHECK(render_view_new(json_array(), NULL, 0, &e) == NULL && e.code == HERR_INVALID);
	herr_clear(&e);
	CHECK(render_view_new(json_pack("{s:i}", "uuid", 1), NULL, 0, &e) == NULL);
	herr_clear(&e);
	CHECK(render_view_new(json_pack("{s:s, s:s}", "uuid", "u", "user_data", "!!!"), NULL, 0,
			      &e) == NULL);
	CHECK(strstr(e.msg, "base64") != NULL);
	herr_clear(&e);
	CHECK(render_view_new(json_pack("{s:s, s:i}", "uuid", "u", "user_data", 3), NULL, 0, &e) ==
	      NULL);
	/* A document with only a uuid renders everything without crashing. */
	{
		struct render_view *v = view_of(json_pack("{s:s}", "uuid", "u"), NULL);
		static const char *const paths[] = {
			"/latest/meta-data",
			"/latest/meta-data/hostname",
			"/latest/meta-data/block-device-mapping",
			"/latest/meta-data/security-groups",
			"/latest/meta-data/instance-type",
			"/openstack/latest/meta_data.json",
			"/openstack/latest/network_data.json",
			"/openstack/latest/vendor_data2.json",
		};

		CHECK(v != NULL);
		for (size_t i = 0; v && i < sizeof(paths) / sizeof(paths[0]); i++) {
			struct render_out o = get(v, paths[i]);

			CHECK(o.status == 200);
			render_out_free(&o);
		}
		EXPECT(v, "/latest/meta-data/instance-type", 200, TEXT, "None");
		render_view_free(&v);
	}
}

static const struct tap_case cases[] = {
	{"path normalisation", normalise, NULL},
	{"EC2 version list and versions", ec2_versions, NULL},
	{"EC2 meta-data tree, gates and leaves", ec2_meta_data, NULL},
	{"EC2 tree of a bare instance", ec2_minimal, NULL},
	{"user data byte for byte", user_data, NULL},
	{"OpenStack versions and files", os_versions, NULL},
	{"meta_data.json", meta_data_json, NULL},
	{"meta_data.json rendered once per view, seed fresh", rendered_once, NULL},
	{"JSON escapes as Python writes them", non_ascii, NULL},
	{"network_data.json: static IPv4 (spec example)", network_data_static, NULL},
	{"network_data.json: DHCP", network_data_dhcp, NULL},
	{"network_data.json: several ports, IPv6, host routes", network_data_many, NULL},
	{"vendor_data.json and vendor_data2.json", vendor_data, NULL},
	{"password GET and POST", password, NULL},
	{"error bodies", errors, NULL},
	{"malformed instance documents", bad_documents, NULL},
};
TAP_MAIN(cases)
