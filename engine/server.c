/* OS::Nova::Server in the local compute driver (see server.h). */
#include "engine/server.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/store.h"
#include "engine/compute.h"
#include "engine/netdb.h"
#include "engine/netres.h"
#include "engine/software.h"
#include "engine/stackdb.h"
#include "engine/swdb.h"
#include "signal/vault.h"

/* netres.c: a port for a server's network entry */
json_t *netres_port_make(const struct rsrc_ctx *c, struct rsrc_result *r, const char *network,
			 json_t *fixed, const char *mac, json_t *sgs, const char *name);

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

bool server_in_place(const char *prop)
{
	static const char words[] =
		" name metadata flavor flavor_update_policy image_update_policy "
		"user_data_update_policy tags admin_pass software_config_transport "
		"deployment_swift_data ";
	char w[300];

	snprintf(w, sizeof(w), " %s ", prop);
	return strstr(words, w) != NULL;
}

/* A small EC2-style number for a name (Nova's mapping tables): the same
 * name always gets the same number. */
static long long ec2_number(const char *table, const char *name, struct herr *e)
{
	static const char lua[] = "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
				  "if v then return tonumber(v) end\n"
				  "v = redis.call('HINCRBY', KEYS[1], '', 1)\n"
				  "redis.call('HSET', KEYS[1], ARGV[1], v)\n"
				  "return v\n";
	char k[128];
	struct store_reply *r;
	long long n;

	snprintf(k, sizeof(k), "hearth:{drv}:ec2:%s", table);
	if (!(r = store_cmdv(e, "EVAL", lua, "1", k, name, NULL)))
		return -1;
	n = store_reply_int(r);
	store_reply_free(&r);
	return n;
}

/* --------------------------------------------------------------- render */

/* The instance document of docs/internals/metadata.md from the server's
 * object, its ports, their subnets and networks. */
static json_t *render(json_t *srv, struct herr *e)
{
	json_t *doc = json_deep_copy(srv), *ports = json_array(), *subnets = json_object();
	json_t *networks = json_object(), *x;
	size_t i;

	json_object_set_new(doc, "uuid", json_string(str(srv, "id")));
	json_object_del(doc, "id");
	json_object_del(doc, "kind");
	json_object_del(doc, "own_ports");
	json_object_set_new(doc, "project_id", json_string(str(srv, "project")));
	json_object_set_new(doc, "stack_id", json_string(str(srv, "stack")));
	json_array_foreach (json_object_get(srv, "ports"), i, x) {
		json_t *p = ndb_get(json_string_value(x), e), *ips, *y;
		char dev[32];
		size_t k;

		if (!p) {
			if (e->code != HERR_NOT_FOUND)
				goto bad;
			herr_clear(e);
			continue;
		}
		snprintf(dev, sizeof(dev), "tap%.11s", str(p, "id"));
		ips = json_array();
		json_array_foreach (json_object_get(p, "fixed_ips"), k, y) {
			const char *sid = str(y, "subnet_id");

			json_array_append_new(ips,
					      json_pack("{s:s,s:s}", "ip_address",
							str(y, "ip_address"), "subnet_id", sid));
			if (!json_object_get(subnets, sid)) {
				json_t *s = ndb_get(sid, e);

				herr_clear(e);
				if (s)
					json_object_set_new(
						subnets, sid,
						json_pack("{s:O,s:O,s:O,s:O,s:O,s:i,s:n}", "cidr",
							  json_object_get(s, "cidr"), "gateway_ip",
							  json_object_get(s, "gateway_ip"),
							  "dns_nameservers",
							  json_object_get(s, "dns_nameservers"),
							  "host_routes",
							  json_object_get(s, "host_routes"),
							  "enable_dhcp",
							  json_object_get(s, "enable_dhcp"),
							  "ip_version", 4, "ipv6_address_mode"));
				json_decref(s);
			}
		}
		if (!json_object_get(networks, str(p, "network_id"))) {
			json_t *n = ndb_get(str(p, "network_id"), e);

			herr_clear(e);
			json_object_set_new(
				networks, str(p, "network_id"),
				json_pack("{s:s,s:I}", "name", n ? str(n, "name") : "", "mtu",
					  n ? json_integer_value(json_object_get(n, "mtu"))
					    : 1500));
			json_decref(n);
		}
		json_array_append_new(
			ports,
			json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", str(p, "id"), "mac",
				  str(p, "mac_address"), "network_id", str(p, "network_id"),
				  "device", dev, "vif_type", "tap", "fixed_ips", ips,
				  "floating_ips",
				  rsrc_or_new(json_object_get(p, "floating_ips"), json_array())));
		json_decref(p);
	}
	json_object_set_new(doc, "ports", ports);
	{ /* the devices of attached volumes */
		json_t *devs = json_array();

		json_array_foreach (json_object_get(srv, "volumes"), i, x)
			json_array_append_new(devs, json_string(str(x, "device")));
		json_object_set_new(doc, "volumes", devs);
	}
	json_object_set_new(doc, "subnets", subnets);
	json_object_set_new(doc, "networks", networks);
	return doc;
bad:
	json_decref(doc);
	json_decref(ports);
	json_decref(subnets);
	json_decref(networks);
	return NULL;
}

/* Nova's addresses and Heat's networks attribute from the document. */
static json_t *attributes(json_t *srv, json_t *doc)
{
	json_t *addresses = json_object(), *nets = json_object(), *p, *y;
	const char *first = "", *floating = "";
	size_t i, k;
	char iname[32];

	json_array_foreach (json_object_get(doc, "ports"), i, p) {
		json_t *net =
			json_object_get(json_object_get(doc, "networks"), str(p, "network_id"));
		const char *nname = *str(net, "name") ? str(net, "name") : str(p, "network_id");
		json_t *a = json_object_get(addresses, nname), *l = json_object_get(nets, nname);
		json_t *li = json_object_get(nets, str(p, "network_id"));

		if (!a)
			json_object_set_new(addresses, nname, a = json_array());
		if (!l)
			json_object_set_new(nets, nname, l = json_array());
		if (!li)
			json_object_set_new(nets, str(p, "network_id"), li = json_array());
		json_array_foreach (json_object_get(p, "fixed_ips"), k, y) {
			if (!*first)
				first = str(y, "ip_address");
			json_array_append_new(
				a, json_pack("{s:s,s:i,s:s,s:s,s:s}", "addr", str(y, "ip_address"),
					     "version", 4, "OS-EXT-IPS-MAC:mac_addr", str(p, "mac"),
					     "OS-EXT-IPS:type", "fixed", "port", str(p, "id")));
			json_array_append_new(l, json_string(str(y, "ip_address")));
			json_array_append_new(li, json_string(str(y, "ip_address")));
		}
		json_array_foreach (json_object_get(p, "floating_ips"), k, y) {
			if (!*floating)
				floating = json_string_value(y);
			json_array_append_new(a, json_pack("{s:O,s:i,s:s,s:s,s:s}", "addr", y,
							   "version", 4, "OS-EXT-IPS-MAC:mac_addr",
							   str(p, "mac"), "OS-EXT-IPS:type",
							   "floating", "port", str(p, "id")));
			json_array_append(l, y);
			json_array_append(li, y);
		}
	}
	snprintf(iname, sizeof(iname), "instance-%08llx",
		 (long long)json_integer_value(json_object_get(srv, "ec2_id")));
	return json_pack("{s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:o,s:O}", "name", str(srv, "name"),
			 "addresses", addresses, "networks", nets, "first_address", first,
			 "instance_name", iname, "accessIPv4", *floating ? floating : first,
			 "accessIPv6", "", "console_urls", json_object(), "tags",
			 json_object_get(srv, "tags") ?: json_null());
}

int server_refresh(const char *uuid, struct herr *e)
{
	json_t *srv = ndb_get(uuid, e), *doc;
	int rc;

	if (!srv)
		return e->code == HERR_NOT_FOUND ? (herr_clear(e), 0) : -1;
	if (!(doc = render(srv, e))) {
		json_decref(srv);
		return -1;
	}
	rc = ndb_instance_refresh(doc, e);
	json_decref(doc);
	json_decref(srv);
	return rc;
}

/* ---------------------------------------------------------------- create */

/* user_data as the guest gets it (base64): as given, or for
 * SOFTWARE_CONFIG Heat's multipart message around it (the user_data may
 * name a stored config) carrying the agents' bootstrap metadata. */
static json_t *user_data(const struct rsrc_ctx *c, json_t *props, const char *uuid)
{
	const char *ud = str(props, "user_data");
	size_t n;
	char *b64, *multi = NULL;
	json_t *v, *cfg = NULL;

	if (strcmp(str(props, "user_data_format"), "SOFTWARE_CONFIG") == 0) {
		struct herr e = HERR_INIT;
		json_t *md = json_pack(
			"{s:[],s:o*}", "deployments", "os-collect-config",
			software_collect_config(c->stack_id, c->stack_name, c->name, c->seq, uuid,
						str(props, "software_config_transport")));

		if (*ud && (cfg = swdb_config_get(ud, &e)) &&
		    json_is_string(json_object_get(cfg, "config")))
			ud = str(cfg, "config");
		multi = software_user_data(ud, md);
		json_decref(md);
		if (!multi) {
			json_decref(cfg);
			return json_null();
		}
		ud = multi;
	}
	n = strlen(ud);
	if (!n) {
		json_decref(cfg);
		return json_null();
	}
	b64 = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL));
	if (!b64)
		return json_null();
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL),
			  (const unsigned char *)ud, n, sodium_base64_VARIANT_ORIGINAL);
	v = json_string(b64);
	free(b64);
	free(multi);
	json_decref(cfg);
	return v;
}

/* Whether server uuid is the one c replaces (its ports pass on). */
static bool replaced_by(const struct rsrc_ctx *c, const char *uuid)
{
	struct herr e = HERR_INIT;
	json_t *srv = ndb_get(uuid, &e);
	bool yes = srv && strcmp(str(srv, "stack"), c->stack_id) == 0 &&
		   strcmp(str(srv, "resource"), c->name) == 0;

	json_decref(srv);
	return yes;
}

/* The server's ports: those it was given (now its own device) and those
 * made for a network it was put on. */
static int make_ports(const struct rsrc_ctx *c, struct rsrc_result *r, json_t *props,
		      const char *uuid, json_t *ports, json_t *own)
{
	struct herr e = HERR_INIT;
	json_t *x;
	size_t i;

	json_array_foreach (json_object_get(props, "networks"), i, x) {
		const char *pid = json_string_value(json_object_get(x, "port"));
		const char *net = json_string_value(json_object_get(x, "network"))
					  ?: json_string_value(json_object_get(x, "uuid"));
		const char *sub = json_string_value(json_object_get(x, "subnet"));
		const char *fixed = json_string_value(json_object_get(x, "fixed_ip"));
		json_t *port;

		if (pid) {
			char id[SDB_ID_SIZE];
			int rc = ndb_find(c->project, "port", pid, id, &e);

			if (rc != 0 || !(port = ndb_get(id, &e)))
				return rc < 0 ? rsrc_fail(c, r, "Error", "%s", e.msg)
					      : rsrc_fail(
							c, r, "NotFound",
							"Unable to find port with name or id '%s'",
							pid);
			if (*str(port, "device_id") && strcmp(str(port, "device_id"), uuid) != 0 &&
			    !replaced_by(c, str(port, "device_id"))) {
				json_decref(port);
				return rsrc_fail(c, r, "Conflict",
						 "PortInUse: Port %s is still in use.", pid);
			}
		} else if (net || sub) {
			json_t *fx = json_array();
			json_t *extra = json_object_get(x, "port_extra_properties");

			if (sub || fixed)
				json_array_append_new(fx, json_pack("{s:s?,s:s?}", "subnet", sub,
								    "ip_address", fixed));
			if (!net && sub) { /* the subnet's network */
				char sid[SDB_ID_SIZE];
				json_t *s = NULL;

				if (ndb_find(c->project, "subnet", sub, sid, &e) == 0)
					s = ndb_get(sid, &e);
				if (!s) {
					json_decref(fx);
					return rsrc_fail(
						c, r, "NotFound",
						"Unable to find subnet with name or id '%s'", sub);
				}
				port = netres_port_make(
					c, r, str(s, "network_id"), fx,
					json_string_value(json_object_get(extra, "mac_address")),
					json_object_get(props, "security_groups"), NULL);
				json_decref(s);
			} else {
				port = netres_port_make(
					c, r, net, fx,
					json_string_value(json_object_get(extra, "mac_address")),
					json_object_get(props, "security_groups"), NULL);
			}
			json_decref(fx);
			if (!port)
				return -1;
			json_array_append_new(own, json_string(str(port, "id")));
		} else {
			continue; /* allocate_network: none/auto: nothing modelled */
		}
		json_object_set_new(port, "device_id", json_string(uuid));
		json_object_set_new(port, "device_owner", json_string("compute:nova"));
		if (ndb_save(port, &e) < 0) {
			json_decref(port);
			return rsrc_fail(c, r, "Error", "%s", e.msg);
		}
		json_array_append_new(ports, json_string(str(port, "id")));
		json_decref(port);
	}
	return 0;
}

/* The security groups' names, as the EC2 tree lists them. */
static json_t *group_names(const struct rsrc_ctx *c, json_t *props)
{
	json_t *out = json_array(), *x;
	size_t i;
	struct herr e = HERR_INIT;

	json_array_foreach (json_object_get(props, "security_groups"), i, x) {
		char id[SDB_ID_SIZE];
		json_t *sg = NULL;

		if (ndb_find(c->project, "secgroup", json_string_value(x), id, &e) == 0)
			sg = ndb_get(id, &e);
		herr_clear(&e);
		json_array_append_new(out, json_string(sg ? str(sg, "name") : json_string_value(x) ?: ""));
		json_decref(sg);
	}
	if (!json_array_size(out))
		json_array_append_new(out, json_string("default"));
	return out;
}

/* os_collect_config: whole for the template, its secret masked where it
 * is stored or shown. */
static void collect_attribute(const struct rsrc_ctx *c, struct rsrc_result *r, json_t *srv)
{
	json_t *occ =
		software_collect_config(c->stack_id, c->stack_name, c->name,
					(uint64_t)json_integer_value(json_object_get(srv, "seq")),
					str(srv, "id"), str(srv, "software_config_transport"));
	json_t *masked = json_deep_copy(occ);
	json_t *cfn = json_object_get(masked, "cfn");

	if (cfn)
		json_object_set_new(cfn, "secret_access_key", json_string("******"));
	json_object_set_new(r->attributes, "os_collect_config", occ ? occ : json_object());
	r->stored = json_deep_copy(r->attributes);
	json_object_set_new(r->stored, "os_collect_config", masked ? masked : json_object());
}

int server_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	const struct compute_cfg *cc = compute_cfg();
	struct ndb_owner o = {c->stack_id, c->name, c->seq, c->fence};
	struct herr e = HERR_INIT;
	char uuid[SDB_ID_SIZE], addr[16], why[64], now[21], resv[12];
	json_t *srv = NULL, *doc = NULL, *ports = json_array(), *own = json_array(),
	       *pub = json_null();
	const char *key = json_string_value(json_object_get(props, "key_name"));
	struct ndb_cidr pool;
	uint32_t ranges[2], ip;
	struct compute_guest g = {0};
	long long ec2, img;
	int rc = -1;

	if (!cc->guest_dir || ndb_cidr_parse(cc->address_pool, &pool) < 0) {
		rsrc_fail(c, r, "ResourceTypeUnavailable",
			  "the local compute driver is not configured");
		goto out;
	}
	{
		const char *t = str(props, "software_config_transport");

		if (strcmp(t, "POLL_SERVER_HEAT") == 0 || strcmp(t, "ZAQAR_MESSAGE") == 0) {
			rsrc_fail(c, r, "ValueError",
				  "software_config_transport %s needs Keystone (or Zaqar), which "
				  "Hearth does not run: use POLL_SERVER_CFN or POLL_TEMP_URL",
				  t);
			goto out;
		}
		if ((!*t || strcmp(t, "POLL_SERVER_CFN") == 0) &&
		    vault_ec2_issue(c->stack_id, c->name, c->seq, &e) < 0) {
			rsrc_fail(c, r, "Error", "%s", e.msg);
			goto out;
		}
	}
	if (key) {
		char kid[SDB_ID_SIZE];
		json_t *kp = NULL;

		if (ndb_find(c->project, "keypair", key, kid, &e) == 0)
			kp = ndb_get(kid, &e);
		if (!kp) {
			rsrc_fail(
				c, r, "StackValidationFailed",
				"Property error: %s.Properties.key_name: Error validating value '%s': The Key (%s) could not be found.",
				c->name, key, key);
			goto out;
		}
		json_decref(pub);
		pub = json_string(str(kp, "public_key"));
		json_decref(kp);
	}
	sdb_uuid(uuid);
	/* the guest's own source address */
	ranges[0] = pool.net + 1;
	ranges[1] = (pool.net | ~pool.mask) - 1;
	if ((rc = ndb_ip_alloc(&o, "loopback", NULL, ranges, 1, addr, why, sizeof(why), &e)) != 0) {
		rc = rc < 0 ? rsrc_fail(c, r, "Error", "%s", e.msg)
			    : rsrc_fail(c, r, "ResourceInError",
					"the local driver's address pool %s is exhausted",
					cc->address_pool);
		goto out;
	}
	rc = -1;
	if (make_ports(c, r, props, uuid, ports, own) < 0)
		goto out;
	if ((ec2 = ec2_number("instances", uuid, &e)) < 0 ||
	    (img = ec2_number("images", str(props, "image"), &e)) < 0) {
		rsrc_fail(c, r, "Error", "%s", e.msg);
		goto out;
	}
	{
		static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
		unsigned char b[8];

		randombytes_buf(b, sizeof(b));
		resv[0] = 'r';
		resv[1] = '-';
		for (int i = 0; i < 8; i++)
			resv[2 + i] = b36[b[i] % 36];
		resv[10] = '\0';
	}
	sdb_now(now);
	srv = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:O,s:s,s:o,s:s,s:s,s:o,s:O,"
			"s:o,s:o,s:I,s:I,s:i,s:s,s:s,s:[]}",
			"id", uuid, "kind", "server", "name",
			json_string_value(json_object_get(props, "name")) ?: r->physical_id,
			"hostname", "", "project", c->project, "stack", c->stack_id, "resource",
			c->name, "availability_zone",
			json_string_value(json_object_get(props, "availability_zone")) ?: "nova",
			"image", str(props, "image"), "flavor", str(props, "flavor"), "key_name",
			key ? json_string(key) : json_null(), "public_key", pub, "address", addr,
			"user_data", user_data(c, props, uuid), "user_data_format",
			json_string_value(json_object_get(props, "user_data_format"))
				?: "HEAT_CFNTOOLS",
			"reservation_id", resv, "meta",
			rsrc_or_new(json_object_get(props, "metadata"), json_object()), "tags",
			json_object_get(props, "tags") ?: json_null(), "security_groups",
			group_names(c, props), "ports", ports, "ec2_id", (json_int_t)ec2,
			"image_ec2_id", (json_int_t)img, "launch_index", 0, "root_device",
			"/dev/vda", "created_at", now, "volumes");
	ports = NULL;
	{ /* a hostname from the name, as Nova sanitises it */
		char host[64];
		size_t n = 0;

		for (const char *p = str(srv, "name"); *p && n < sizeof(host) - 1; p++) {
			char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p;

			if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')
				host[n++] = ch;
			else if ((ch == ' ' || ch == '_' || ch == '.') && n && host[n - 1] != '-')
				host[n++] = '-';
		}
		while (n && host[n - 1] == '-')
			n--;
		host[n] = '\0';
		json_object_set_new(srv, "hostname", json_string(n ? host : "server"));
	}
	json_object_set(srv, "own_ports", own);
	/* what the agents' credentials and metadata URL derive from */
	json_object_set_new(srv, "seq", json_integer((json_int_t)c->seq));
	json_object_set_new(
		srv, "software_config_transport",
		json_string(json_string_value(json_object_get(props, "software_config_transport"))
				    ?: "POLL_SERVER_CFN"));
	ndb_ip_parse(addr, &ip);
	if (geteuid() == 0) /* the guest's own user: the metadata role checks it */
		json_object_set_new(
			srv, "uid",
			json_integer((json_int_t)(cc->uid_base + (long)(ip - pool.net))));
	if (ndb_put(&o, srv, &e) < 0 || !(doc = render(srv, &e)) ||
	    ndb_instance_put(&o, doc, &e) < 0) {
		rsrc_fail(c, r, "Error", "%s", e.msg);
		goto out;
	}
	/* the ledger knows of the guest before it runs (its uid finds it
	 * if hearthd dies before the pid is written) */
	if (ndb_hold_guest(&o, uuid, 0, 0, &e) < 0 ||
	    compute_start(uuid, addr, (long)(ip - pool.net), &g, &e) < 0 ||
	    ndb_hold_guest(&o, uuid, g.pid, g.start, &e) < 0) {
		rsrc_fail(c, r, "ResourceInError", "Went to status ERROR due to \"%s\"", e.msg);
		goto out;
	}
	snprintf(r->physical_id, sizeof(r->physical_id), "%s", uuid);
	r->ref_id = json_string(uuid);
	r->attributes = attributes(srv, doc);
	json_object_set_new(r->attributes, "show", json_deep_copy(doc));
	json_object_del(json_object_get(r->attributes, "show"), "user_data");
	collect_attribute(c, r, srv);
	rc = 0;
out:
	json_decref(srv);
	json_decref(doc);
	json_decref(ports);
	json_decref(own);
	json_decref(pub);
	return rc;
}

int server_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		  struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	const char *uuid = str(c->stored, "physical_resource_id");
	json_t *srv = ndb_get(uuid, &e), *doc, *v;

	(void)old_props;
	if (!srv)
		return rsrc_fail(c, r, "NotFound", "Instance %s could not be found.", uuid);
	if (json_is_string(v = json_object_get(new_props, "name")))
		json_object_set(srv, "name", v);
	json_object_set_new(srv, "meta",
			    rsrc_or_new(json_object_get(new_props, "metadata"), json_object()));
	json_object_set_new(srv, "flavor",
			    rsrc_or_new(json_object_get(new_props, "flavor"), json_string("")));
	json_object_set(srv, "tags", json_object_get(new_props, "tags") ?: json_null());
	if (json_is_string(v = json_object_get(new_props, "software_config_transport"))) {
		json_object_set(srv, "software_config_transport", v);
		if (strcmp(json_string_value(v), "POLL_SERVER_CFN") == 0 &&
		    vault_ec2_issue(c->stack_id, c->name,
				    (uint64_t)json_integer_value(json_object_get(srv, "seq")),
				    &e) < 0) {
			json_decref(srv);
			return rsrc_fail(c, r, "Error", "%s", e.msg);
		}
	}
	if (ndb_save(srv, &e) < 0 || swdb_server_touch(uuid, &e) < 0 || !(doc = render(srv, &e))) {
		json_decref(srv);
		return rsrc_fail(c, r, "Error", "%s", e.msg);
	}
	if (ndb_instance_refresh(doc, &e) < 0) {
		json_decref(doc);
		json_decref(srv);
		return rsrc_fail(c, r, "Error", "%s", e.msg);
	}
	r->attributes = attributes(srv, doc);
	json_object_set_new(r->attributes, "show", json_deep_copy(doc));
	json_object_del(json_object_get(r->attributes, "show"), "user_data");
	collect_attribute(c, r, srv);
	json_decref(doc);
	json_decref(srv);
	return 0;
}

int server_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	const char *uuid = str(c->stored, "physical_resource_id");
	json_t *srv, *x, *own;
	size_t i;

	(void)props;
	if (vault_ec2_revoke(c->stack_id, c->name, &e) < 0)
		return rsrc_fail(c, r, "Error", "%s", e.msg);
	if (!(srv = ndb_get(uuid, &e)))
		return e.code == HERR_NOT_FOUND || !*uuid ? 0
							  : rsrc_fail(c, r, "Error", "%s", e.msg);
	own = json_object_get(srv, "own_ports");
	/* ports it was given are free again (its own go with the ledger) */
	json_array_foreach (json_object_get(srv, "ports"), i, x) {
		bool mine = false;
		json_t *y, *port;
		size_t k;

		json_array_foreach (own, k, y)
			mine |= json_equal(x, y);
		if (mine || !(port = ndb_get(json_string_value(x), &e))) {
			herr_clear(&e);
			continue;
		}
		json_object_set_new(port, "device_id", json_string(""));
		json_object_set_new(port, "device_owner", json_string(""));
		if (ndb_save(port, &e) < 0) {
			json_decref(port);
			json_decref(srv);
			return rsrc_fail(c, r, "Error", "%s", e.msg);
		}
		json_decref(port);
	}
	json_decref(srv);
	return 0;
}

/* --------------------------------------------------------------- volumes */

int server_attach(const char *uuid, const char *volume, const char *mountpoint, char *dev,
		  size_t devsize, char *why, size_t whysize, struct herr *e)
{
	json_t *srv = ndb_get(uuid, e), *vols, *x;
	size_t i;
	int rc;

	if (!srv) {
		if (e->code != HERR_NOT_FOUND)
			return -1;
		herr_clear(e);
		snprintf(why, whysize, "Instance %s could not be found.", uuid ? uuid : "");
		return 1;
	}
	vols = json_object_get(srv, "volumes");
	if (mountpoint && *mountpoint) {
		snprintf(dev, devsize, "%s", mountpoint);
	} else { /* the next free /dev/vdX after the root disk */
		for (char l = 'b'; l <= 'z'; l++) {
			bool taken = false;

			snprintf(dev, devsize, "/dev/vd%c", l);
			json_array_foreach (vols, i, x)
				taken |= strcmp(str(x, "device"), dev) == 0;
			if (!taken)
				break;
		}
	}
	json_array_foreach (vols, i, x)
		if (strcmp(str(x, "device"), dev) == 0) {
			snprintf(why, whysize, "The supplied device path (%s) is in use.", dev);
			json_decref(srv);
			return 1;
		}
	json_array_append_new(vols, json_pack("{s:s,s:s}", "volume_id", volume, "device", dev));
	rc = ndb_save(srv, e) < 0 || server_refresh(uuid, e) < 0 ? -1 : 0;
	json_decref(srv);
	return rc;
}

int server_detach(const char *uuid, const char *volume, struct herr *e)
{
	json_t *srv = ndb_get(uuid, e), *vols, *x;
	size_t i;
	int rc;

	if (!srv)
		return e->code == HERR_NOT_FOUND ? (herr_clear(e), 0) : -1;
	vols = json_object_get(srv, "volumes");
	json_array_foreach (vols, i, x)
		if (strcmp(str(x, "volume_id"), volume) == 0) {
			json_array_remove(vols, i);
			break;
		}
	rc = ndb_save(srv, e) < 0 || server_refresh(uuid, e) < 0 ? -1 : 0;
	json_decref(srv);
	return rc;
}
