/* Modelled networks, volumes and key pairs (see netres.h). */
#include "engine/netres.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/netdb.h"
#include "engine/server.h"
#include "engine/stackdb.h"

static const struct {
	const char *type, *kind;
	/* properties changed in place; any other change replaces */
	const char *in_place;
} kinds[] = {
	{"OS::Neutron::Net", "net",
	 " name value_specs admin_state_up shared dhcp_agent_ids port_security_enabled qos_policy "
	 "dns_domain tags "},
	{"OS::Neutron::Subnet", "subnet", " name value_specs dns_nameservers enable_dhcp tags "},
	{"OS::Neutron::Port", "port",
	 " name value_specs admin_state_up security_groups device_id device_owner dns_name tags "
	 "allowed_address_pairs binding:vnic_type port_security_enabled qos_policy "
	 "propagate_uplink_status replacement_policy "},
	{"OS::Neutron::Router", "router",
	 " name value_specs admin_state_up l3_agent_ids l3_agent_id availability_zone_hints tags "},
	{"OS::Neutron::RouterInterface", "routerinterface", " "},
	{"OS::Neutron::FloatingIP", "floatingip", " dns_name dns_domain "},
	{"OS::Neutron::FloatingIPAssociation", "fipassoc", " "},
	{"OS::Neutron::SecurityGroup", "secgroup", " name description rules "},
	{"OS::Cinder::Volume", "volume", " name description metadata read_only "},
	{"OS::Cinder::VolumeAttachment", "attachment", " "},
	{"OS::Nova::KeyPair", "keypair", " "},
};

static const char *kind_of(const char *type)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return kinds[i].kind;
	return NULL;
}

bool netres_handles(const char *type)
{
	return kind_of(type) != NULL;
}

bool netres_in_place(const char *type, const char *prop)
{
	char word[300];

	snprintf(word, sizeof(word), " %s ", prop);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return strstr(kinds[i].in_place, word) != NULL;
	return true;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

/* A property under its name or its deprecated alias. */
static const char *pstr(json_t *props, const char *name, const char *alias)
{
	const char *v = json_string_value(json_object_get(props, name));

	if (!v && alias)
		v = json_string_value(json_object_get(props, alias));
	return v;
}

static int redis_fail(const struct rsrc_ctx *c, struct rsrc_result *r, const struct herr *e)
{
	return rsrc_fail(c, r, "Error", "%s", e->msg);
}

static struct ndb_owner owner(const struct rsrc_ctx *c)
{
	return (struct ndb_owner){c->stack_id, c->name, c->seq, c->fence};
}

/* A new object of kind for c, named by prop or else Heat's physical name. */
static json_t *new_obj(const struct rsrc_ctx *c, struct rsrc_result *r, const char *kind,
		       const char *name)
{
	char id[SDB_ID_SIZE];

	sdb_uuid(id);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", id, "kind", kind, "name",
			 name ? name : r->physical_id, "project", c->project, "stack", c->stack_id,
			 "resource", c->name);
}

/* The object's id as the resource's physical id and reference. */
static void done(struct rsrc_result *r, json_t *obj, json_t *attrs)
{
	snprintf(r->physical_id, sizeof(r->physical_id), "%s", str(obj, "id"));
	r->ref_id = json_string(str(obj, "id"));
	json_object_set_new(attrs, "show", json_deep_copy(obj));
	json_object_del(json_object_get(attrs, "show"), "stack");
	json_object_del(json_object_get(attrs, "show"), "resource");
	r->attributes = attrs;
}

/* Finds a project's (or shared) object of kind by name or id. */
static json_t *lookup(const struct rsrc_ctx *c, struct rsrc_result *r, const char *kind,
		      const char *what, const char *label)
{
	char id[SDB_ID_SIZE];
	struct herr e = HERR_INIT;
	json_t *o;
	int rc = ndb_find(c->project, kind, what, id, &e);

	if (rc < 0) {
		redis_fail(c, r, &e);
		return NULL;
	}
	if (rc > 0 || !(o = ndb_get(id, &e))) {
		rsrc_fail(c, r, "NotFound", "Unable to find %s with name or id '%s'", label,
			  what ? what : "");
		return NULL;
	}
	return o;
}

/* ---------------------------------------------------------------- nets */

static int net_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *net = new_obj(c, r, "net", pstr(props, "name", NULL));
	json_t *admin = json_object_get(props, "admin_state_up");

	json_object_set_new(net, "mtu", json_integer(1500));
	json_object_set_new(net, "admin_state_up", json_boolean(!json_is_false(admin)));
	json_object_set_new(net, "shared",
			    json_boolean(json_is_true(json_object_get(props, "shared"))));
	json_object_set_new(net, "external", json_false());
	if (ndb_put(&o, net, &e) < 0) {
		json_decref(net);
		return redis_fail(c, r, &e);
	}
	done(r, net,
	     json_pack("{s:s,s:s,s:[],s:O,s:s,s:O,s:b}", "name", str(net, "name"), "status",
		       "ACTIVE", "subnets", "admin_state_up",
		       json_object_get(net, "admin_state_up"), "tenant_id", c->project, "mtu",
		       json_object_get(net, "mtu"), "port_security_enabled", 1));
	json_decref(net);
	return 0;
}

int netres_external(const char *name, const char *cidr, struct herr *e)
{
	char id[SDB_ID_SIZE], sid[SDB_ID_SIZE + 8];
	struct ndb_cidr c;
	json_t *net, *sub;
	int rc;

	if (ndb_cidr_parse(cidr, &c) < 0 || c.prefix > 30) {
		herr_set(e, HERR_INVALID,
			 "network.external_cidr %s is not an IPv4 CIDR of /30 or wider", cidr);
		return -1;
	}
	if ((rc = ndb_find("*", "net", name, id, e)) <= 0)
		return rc; /* made before (or Redis failed) */
	sdb_uuid(id);
	snprintf(sid, sizeof(sid), "%s", id);
	memcpy(sid, "5ab", 3); /* the subnet's id: the net's, marked */
	{
		char first[16], last[16], gw[16];

		ndb_ip_text(c.net + 1, gw);
		ndb_ip_text(c.net + 2, first);
		ndb_ip_text((c.net | ~c.mask) - 1, last);
		sub = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:[{s:s,s:s}],s:[],s:[],s:b}",
				"id", sid, "kind", "subnet", "name", name, "project", "*",
				"network_id", id, "cidr", cidr, "ip_version", 4, "gateway_ip", gw,
				"allocation_pools", "start", first, "end", last, "dns_nameservers",
				"host_routes", "enable_dhcp", 0);
	}
	net = json_pack("{s:s,s:s,s:s,s:s,s:i,s:b,s:b,s:b,s:[s]}", "id", id, "kind", "net", "name",
			name, "project", "*", "mtu", 1500, "admin_state_up", 1, "shared", 1,
			"external", 1, "subnets", sid);
	rc = ndb_put_shared(sub, e) < 0 || ndb_put_shared(net, e) < 0 ? -1 : 0;
	json_decref(sub);
	json_decref(net);
	return rc;
}

/* The subnets of a net: ids (new reference). */
static json_t *subnets_of(json_t *net, struct herr *e)
{
	char set[64];
	json_t *fixed = json_object_get(net, "subnets"), *more;

	if (json_is_true(json_object_get(net, "external")))
		return json_incref(fixed); /* the operator's: one subnet */
	snprintf(set, sizeof(set), "subnets:%s", str(net, "id"));
	if (!(more = ndb_set_members(set, e)))
		return NULL;
	return more;
}

/* ------------------------------------------------------------- subnets */

/* Parses "a.b.c.d" within c (not its network or broadcast address). */
static int host_in(const char *text, const struct ndb_cidr *c, uint32_t *ip)
{
	if (ndb_ip_parse(text, ip) < 0 || (*ip & c->mask) != c->net)
		return -1;
	if (c->prefix < 31 && (*ip == c->net || *ip == (c->net | ~c->mask)))
		return -1;
	return 0;
}

static int subnet_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	const char *cidr = pstr(props, "cidr", NULL);
	json_t *gwp = json_object_get(props, "gateway_ip"), *pools, *x, *net, *sub, *others;
	struct ndb_cidr cn;
	uint32_t gw = 0;
	char gwt[16] = "", set[64];
	size_t i;

	if (json_integer_value(json_object_get(props, "ip_version")) == 6 ||
	    (json_is_string(json_object_get(props, "ip_version")) &&
	     strcmp(str(props, "ip_version"), "6") == 0))
		return rsrc_fail(c, r, "NotSupported",
				 "IPv6 subnets are not modelled by the local driver");
	if (!cidr)
		return rsrc_fail(
			c, r, "BadRequest",
			"a cidr is required (subnet pools are not modelled by the local driver)");
	if (ndb_cidr_parse(cidr, &cn) < 0 || cn.prefix > 30)
		return rsrc_fail(
			c, r, "BadRequest",
			"Invalid input for cidr. Reason: '%s' is not a valid IPv4 subnet of /30 or wider.",
			cidr);
	if (!(net = lookup(c, r, "net", pstr(props, "network", "network_id"), "network")))
		return -1;
	/* a gateway: as given, none ("" or null), or the first host */
	if (!gwp) {
		gw = cn.net + 1;
	} else if (json_is_string(gwp) && *json_string_value(gwp)) {
		if (host_in(json_string_value(gwp), &cn, &gw) < 0) {
			json_decref(net);
			return rsrc_fail(
				c, r, "BadRequest",
				"Invalid input for operation: Gateway IP %s is not a host address of %s.",
				json_string_value(gwp), cidr);
		}
	}
	if (gw)
		ndb_ip_text(gw, gwt);
	/* allocation pools: as given (inside, ordered, without the gateway),
	 * else every host but the gateway */
	pools = json_array();
	if (json_array_size(json_object_get(props, "allocation_pools"))) {
		json_array_foreach (json_object_get(props, "allocation_pools"), i, x) {
			uint32_t a, b;

			if (host_in(str(x, "start"), &cn, &a) < 0 ||
			    host_in(str(x, "end"), &cn, &b) < 0 || a > b) {
				json_decref(pools);
				json_decref(net);
				return rsrc_fail(
					c, r, "BadRequest",
					"Invalid input for operation: The allocation pool %s-%s spans beyond the subnet cidr %s or is not ordered.",
					str(x, "start"), str(x, "end"), cidr);
			}
			if (gw && gw >= a && gw <= b) {
				json_decref(pools);
				json_decref(net);
				return rsrc_fail(
					c, r, "Conflict",
					"Gateway ip %s conflicts with allocation pool %s-%s", gwt,
					str(x, "start"), str(x, "end"));
			}
			json_array_append_new(pools,
					      json_pack("{s:s,s:s}", "start", str(x, "start"),
							"end", str(x, "end")));
		}
	} else {
		uint32_t first = cn.net + 1, last = (cn.net | ~cn.mask) - 1;
		char a[16], b[16];

		if (gw == first)
			first++;
		else if (gw == last)
			last--;
		if (gw > first && gw < last) { /* two pools around it */
			ndb_ip_text(first, a);
			ndb_ip_text(gw - 1, b);
			json_array_append_new(pools, json_pack("{s:s,s:s}", "start", a, "end", b));
			first = gw + 1;
		}
		ndb_ip_text(first, a);
		ndb_ip_text(last, b);
		json_array_append_new(pools, json_pack("{s:s,s:s}", "start", a, "end", b));
	}
	/* no overlap with the network's other subnets */
	if (!(others = subnets_of(net, &e))) {
		json_decref(pools);
		json_decref(net);
		return redis_fail(c, r, &e);
	}
	json_array_foreach (others, i, x) {
		json_t *s = ndb_get(json_string_value(x), &e);
		struct ndb_cidr oc;

		herr_clear(&e);
		if (s && ndb_cidr_parse(str(s, "cidr"), &oc) == 0 &&
		    ((cn.net & oc.mask) == oc.net || (oc.net & cn.mask) == cn.net)) {
			rsrc_fail(
				c, r, "BadRequest",
				"Invalid input for operation: Requested subnet with cidr: %s for network: %s overlaps with another subnet.",
				cidr, str(net, "id"));
			json_decref(s);
			json_decref(others);
			json_decref(pools);
			json_decref(net);
			return -1;
		}
		json_decref(s);
	}
	json_decref(others);
	sub = new_obj(c, r, "subnet", pstr(props, "name", NULL));
	json_object_set_new(sub, "network_id", json_string(str(net, "id")));
	json_object_set_new(sub, "cidr", json_string(cidr));
	json_object_set_new(sub, "ip_version", json_integer(4));
	json_object_set_new(sub, "gateway_ip", gw ? json_string(gwt) : json_null());
	json_object_set_new(sub, "allocation_pools", pools);
	json_object_set_new(sub, "dns_nameservers",
			    rsrc_or_new(json_object_get(props, "dns_nameservers"), json_array()));
	json_object_set_new(sub, "host_routes",
			    rsrc_or_new(json_object_get(props, "host_routes"), json_array()));
	json_object_set_new(sub, "enable_dhcp",
			    json_boolean(!json_is_false(json_object_get(props, "enable_dhcp"))));
	snprintf(set, sizeof(set), "subnets:%s", str(net, "id"));
	/* the gateway's address is the router's: never a port's */
	{
		char got[16], why[64];
		int rc = 0;

		if (ndb_put(&o, sub, &e) < 0 || ndb_set_add(&o, set, str(sub, "id"), &e) < 0 ||
		    (gw && (rc = ndb_ip_alloc(&o, str(sub, "id"), gwt, NULL, 0, got, why,
					      sizeof(why), &e)) < 0)) {
			json_decref(sub);
			json_decref(net);
			return redis_fail(c, r, &e);
		}
	}
	json_decref(net);
	done(r, sub,
	     json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:s}", "name",
		       json_object_get(sub, "name"), "network_id",
		       json_object_get(sub, "network_id"), "cidr", json_object_get(sub, "cidr"),
		       "gateway_ip", json_object_get(sub, "gateway_ip"), "allocation_pools",
		       json_object_get(sub, "allocation_pools"), "dns_nameservers",
		       json_object_get(sub, "dns_nameservers"), "host_routes",
		       json_object_get(sub, "host_routes"), "ip_version",
		       json_object_get(sub, "ip_version"), "enable_dhcp",
		       json_object_get(sub, "enable_dhcp"), "tenant_id", c->project));
	json_decref(sub);
	return 0;
}

/* The pools of a subnet as first, last pairs. */
static size_t ranges_of(json_t *sub, uint32_t *out, size_t max)
{
	size_t n = 0, i;
	json_t *x;

	json_array_foreach (json_object_get(sub, "allocation_pools"), i, x) {
		uint32_t a, b;

		if (n + 2 > max)
			break;
		if (ndb_ip_parse(str(x, "start"), &a) == 0 &&
		    ndb_ip_parse(str(x, "end"), &b) == 0) {
			out[n++] = a;
			out[n++] = b;
		}
	}
	return n / 2;
}

/* Allocates an address of subnet sub (want: a given one, or NULL) for o;
 * appends {subnet_id, ip_address} to ips.  0, or -1 with r->reason. */
static int alloc_ip(const struct rsrc_ctx *c, struct rsrc_result *r, const struct ndb_owner *o,
		    json_t *sub, const char *want, json_t *ips)
{
	uint32_t ranges[64], ip;
	struct ndb_cidr cn;
	struct herr e = HERR_INIT;
	char got[16], why[64];
	size_t n = ranges_of(sub, ranges, 64);
	int rc;

	if (want && (ndb_cidr_parse(str(sub, "cidr"), &cn) < 0 || host_in(want, &cn, &ip) < 0))
		return rsrc_fail(
			c, r, "BadRequest",
			"Invalid input for operation: IP address %s is not a valid IP for the specified subnet.",
			want);
	rc = ndb_ip_alloc(o, str(sub, "id"), want, ranges, n, got, why, sizeof(why), &e);
	if (rc < 0)
		return redis_fail(c, r, &e);
	if (rc > 0 && want)
		return rsrc_fail(
			c, r, "Conflict",
			"IpAddressAlreadyAllocated: IP address %s already allocated in subnet %s",
			want, str(sub, "id"));
	if (rc > 0)
		return rsrc_fail(
			c, r, "Conflict",
			"IpAddressGenerationFailure: No more IP addresses available on network %s.",
			str(sub, "network_id"));
	json_array_append_new(
		ips, json_pack("{s:s,s:s}", "subnet_id", str(sub, "id"), "ip_address", got));
	return 0;
}

/* --------------------------------------------------------------- ports */

/* Makes a port on net for o (a Port resource, or a server's own port):
 * fixed_ips as asked ([{subnet, ip_address}]) or one address of the
 * net's first subnet that has one free; a unique MAC. */
json_t *netres_port_make(const struct rsrc_ctx *c, struct rsrc_result *r, const char *network,
			 json_t *fixed, const char *mac, json_t *sgs, const char *name);
json_t *netres_port_make(const struct rsrc_ctx *c, struct rsrc_result *r, const char *network,
			 json_t *fixed, const char *mac, json_t *sgs, const char *name)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *net, *port, *ips = json_array(), *subs, *x, *sgids = json_array();
	char macv[18];
	size_t i;
	int rc;

	if (!(net = lookup(c, r, "net", network, "network")))
		goto bad;
	if (!(subs = subnets_of(net, &e))) {
		redis_fail(c, r, &e);
		goto bad;
	}
	json_array_foreach (sgs, i, x) { /* security groups by name or id */
		json_t *sg = lookup(c, r, "secgroup", json_string_value(x), "security_group");

		if (!sg) {
			json_decref(subs);
			goto bad;
		}
		json_array_append_new(sgids, json_string(str(sg, "id")));
		json_decref(sg);
	}
	if (json_array_size(fixed)) {
		json_array_foreach (fixed, i, x) {
			const char *sn = pstr(x, "subnet", "subnet_id"),
				   *want = pstr(x, "ip_address", NULL);
			json_t *sub = NULL;

			if (sn) {
				if (!(sub = lookup(c, r, "subnet", sn, "subnet")))
					break;
				if (strcmp(str(sub, "network_id"), str(net, "id")) != 0) {
					rsrc_fail(
						c, r, "BadRequest",
						"Invalid input for operation: Failed to create port on network %s, because fixed_ips included invalid subnet %s.",
						str(net, "id"), str(sub, "id"));
					json_decref(sub);
					break;
				}
			} else if (want) { /* the subnet whose cidr holds it */
				size_t k;
				json_t *y;

				json_array_foreach (subs, k, y) {
					json_t *s = ndb_get(json_string_value(y), &e);
					struct ndb_cidr cn;
					uint32_t ip;

					herr_clear(&e);
					if (s && ndb_cidr_parse(str(s, "cidr"), &cn) == 0 &&
					    ndb_ip_parse(want, &ip) == 0 &&
					    (ip & cn.mask) == cn.net) {
						sub = s;
						break;
					}
					json_decref(s);
				}
				if (!sub) {
					rsrc_fail(
						c, r, "BadRequest",
						"Invalid input for operation: IP address %s is not a valid IP for any subnet on network %s.",
						want, str(net, "id"));
					break;
				}
			} else {
				continue;
			}
			rc = alloc_ip(c, r, &o, sub, want, ips);
			json_decref(sub);
			if (rc < 0)
				break;
		}
		if (i < json_array_size(fixed)) {
			json_decref(subs);
			goto bad;
		}
	} else {
		json_array_foreach (subs, i, x) { /* the first with a free address */
			json_t *sub = ndb_get(json_string_value(x), &e);

			herr_clear(&e);
			if (!sub)
				continue;
			rc = alloc_ip(c, r, &o, sub, NULL, ips);
			json_decref(sub);
			if (rc == 0)
				break;
			if (!strstr(r->reason, "IpAddressGenerationFailure") ||
			    i + 1 == json_array_size(subs)) {
				json_decref(subs);
				goto bad;
			}
			r->reason[0] = '\0';
		}
	}
	json_decref(subs);
	if ((rc = ndb_mac_alloc(&o, mac, macv, &e)) != 0) {
		if (rc < 0)
			redis_fail(c, r, &e);
		else
			rsrc_fail(
				c, r, "Conflict",
				"MacAddressInUse: Unable to complete operation for network %s. The mac address %s is in use.",
				str(net, "id"), mac ? mac : "");
		goto bad;
	}
	port = new_obj(c, r, "port", name);
	json_object_set_new(port, "network_id", json_string(str(net, "id")));
	json_object_set_new(port, "mac_address", json_string(macv));
	json_object_set_new(port, "fixed_ips", ips);
	json_object_set_new(port, "security_groups", sgids);
	json_object_set_new(port, "device_id", json_string(""));
	json_object_set_new(port, "floating_ips", json_array());
	json_decref(net);
	if (ndb_put(&o, port, &e) < 0) {
		json_decref(port);
		redis_fail(c, r, &e);
		return NULL;
	}
	return port;
bad:
	json_decref(net);
	json_decref(ips);
	json_decref(sgids);
	return NULL;
}

static json_t *port_attrs(const struct rsrc_ctx *c, json_t *port)
{
	json_t *subnets = json_array(), *x;
	size_t i;
	struct herr e = HERR_INIT;

	json_array_foreach (json_object_get(port, "fixed_ips"), i, x) {
		json_t *s = ndb_get(str(x, "subnet_id"), &e);

		herr_clear(&e);
		if (s)
			json_array_append_new(subnets, s);
	}
	return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:s,s:s,s:b,s:s,s:o,s:[]}", "name",
			 json_object_get(port, "name"), "network_id",
			 json_object_get(port, "network_id"), "fixed_ips",
			 json_object_get(port, "fixed_ips"), "mac_address",
			 json_object_get(port, "mac_address"), "security_groups",
			 json_object_get(port, "security_groups"), "device_id",
			 json_object_get(port, "device_id"), "device_owner", "", "status", "ACTIVE",
			 "admin_state_up", 1, "tenant_id", c->project, "subnets", subnets,
			 "allowed_address_pairs");
}

static int port_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	json_t *port = netres_port_make(
		c, r, pstr(props, "network", "network_id"), json_object_get(props, "fixed_ips"),
		pstr(props, "mac_address", NULL), json_object_get(props, "security_groups"),
		pstr(props, "name", NULL));

	if (!port)
		return -1;
	done(r, port, port_attrs(c, port));
	json_decref(port);
	return 0;
}

int netres_port_changed(const char *port_id, struct herr *e)
{
	json_t *port = ndb_get(port_id, e);
	int rc = 0;

	if (!port)
		return e->code == HERR_NOT_FOUND ? (herr_clear(e), 0) : -1;
	if (*str(port, "device_id"))
		rc = server_refresh(str(port, "device_id"), e);
	json_decref(port);
	return rc;
}

/* ------------------------------------------------------------- routers */

static int router_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *gwi = json_object_get(props, "external_gateway_info"), *router, *info = json_null();

	router = new_obj(c, r, "router", pstr(props, "name", NULL));
	if (json_is_object(gwi)) { /* an address on the external network */
		json_t *net = lookup(c, r, "net", str(gwi, "network"), "network"), *subs, *sub,
		       *ips;

		if (!net) {
			json_decref(router);
			return -1;
		}
		if (!json_is_true(json_object_get(net, "external"))) {
			json_decref(net);
			json_decref(router);
			return rsrc_fail(
				c, r, "BadRequest",
				"Bad router request: Network %s is not an external network.",
				str(gwi, "network"));
		}
		subs = subnets_of(net, &e);
		sub = subs ? ndb_get(json_string_value(json_array_get(subs, 0)), &e) : NULL;
		json_decref(subs);
		ips = json_array();
		if (!sub || alloc_ip(c, r, &o, sub, NULL, ips) < 0) {
			if (!sub)
				redis_fail(c, r, &e);
			json_decref(sub);
			json_decref(ips);
			json_decref(net);
			json_decref(router);
			return -1;
		}
		info = json_pack("{s:s,s:b,s:o}", "network_id", str(net, "id"), "enable_snat",
				 !json_is_false(json_object_get(gwi, "enable_snat")),
				 "external_fixed_ips", ips);
		json_decref(sub);
		json_decref(net);
	}
	json_object_set_new(router, "external_gateway_info", info);
	if (ndb_put(&o, router, &e) < 0) {
		json_decref(router);
		return redis_fail(c, r, &e);
	}
	done(r, router,
	     json_pack("{s:O,s:s,s:O,s:b,s:s}", "name", json_object_get(router, "name"), "status",
		       "ACTIVE", "external_gateway_info",
		       json_object_get(router, "external_gateway_info"), "admin_state_up", 1,
		       "tenant_id", c->project));
	json_decref(router);
	return 0;
}

static int router_interface_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *router = lookup(c, r, "router", pstr(props, "router", "router_id"), "router");
	json_t *sub = NULL, *port = NULL, *ri;
	const char *sn = pstr(props, "subnet", "subnet_id"), *pn = pstr(props, "port", "port_id");
	char set[64], ref[200];

	if (!router)
		return -1;
	if (sn && !(sub = lookup(c, r, "subnet", sn, "subnet")))
		goto bad;
	if (pn && !(port = lookup(c, r, "port", pn, "port")))
		goto bad;
	if (sub && json_is_null(json_object_get(sub, "gateway_ip"))) {
		rsrc_fail(
			c, r, "BadRequest",
			"Bad router request: Subnet for router interface must have a gateway IP.");
		goto bad;
	}
	/* one interface per subnet and router */
	snprintf(set, sizeof(set), "routes:%s", sub ? str(sub, "id") : str(port, "id"));
	{
		json_t *have = ndb_set_members(set, &e);
		size_t i;
		json_t *x;
		bool dup = false;

		json_array_foreach (have, i, x)
			dup |= strcmp(json_string_value(x), str(router, "id")) == 0;
		json_decref(have);
		if (dup) {
			rsrc_fail(c, r, "BadRequest",
				  "Bad router request: Router already has a port on subnet %s.",
				  sub ? str(sub, "id") : str(port, "id"));
			goto bad;
		}
	}
	ri = new_obj(c, r, "routerinterface", NULL);
	json_object_set_new(ri, "router_id", json_string(str(router, "id")));
	json_object_set_new(ri, "subnet_id", json_string(sub ? str(sub, "id") : ""));
	json_object_set_new(ri, "port_id", json_string(port ? str(port, "id") : ""));
	if (ndb_put(&o, ri, &e) < 0 || ndb_set_add(&o, set, str(router, "id"), &e) < 0) {
		json_decref(ri);
		redis_fail(c, r, &e);
		goto bad;
	}
	/* Heat's id for it: ROUTER:subnet_id=SUBNET (or port_id=PORT) */
	snprintf(ref, sizeof(ref), "%s:%s=%s", str(router, "id"), sub ? "subnet_id" : "port_id",
		 sub ? str(sub, "id") : str(port, "id"));
	snprintf(r->physical_id, sizeof(r->physical_id), "%s", ref);
	r->ref_id = json_string(ref);
	r->attributes = json_object();
	json_decref(ri);
	json_decref(router);
	json_decref(sub);
	json_decref(port);
	return 0;
bad:
	json_decref(router);
	json_decref(sub);
	json_decref(port);
	return -1;
}

/* --------------------------------------------------------- floating IPs */

/* Associates floating IP fip with port (fixed: which of its addresses),
 * or dissociates it (port NULL); the instance's document follows. */
static int associate(const struct rsrc_ctx *c, struct rsrc_result *r, json_t *fip,
		     const char *port_id, const char *fixed)
{
	struct herr e = HERR_INIT;
	const char *was = str(fip, "port_id");
	char old[SDB_ID_SIZE];
	json_t *port;

	snprintf(old, sizeof(old), "%s", was);
	if (*old && (port = ndb_get(old, &e))) { /* off the port it was on */
		json_t *l = json_object_get(port, "floating_ips"), *x;
		size_t i;

		json_array_foreach (l, i, x)
			if (strcmp(json_string_value(x), str(fip, "floating_ip_address")) == 0) {
				json_array_remove(l, i);
				break;
			}
		if (ndb_save(port, &e) < 0 || netres_port_changed(old, &e) < 0) {
			json_decref(port);
			return redis_fail(c, r, &e);
		}
		json_decref(port);
	}
	herr_clear(&e);
	json_object_set_new(fip, "port_id", port_id ? json_string(port_id) : json_null());
	json_object_set_new(fip, "fixed_ip_address", json_null());
	if (port_id) {
		json_t *ips, *l;

		if (!(port = lookup(c, r, "port", port_id, "port")))
			return -1;
		ips = json_object_get(port, "fixed_ips");
		if (!json_array_size(ips)) {
			json_decref(port);
			return rsrc_fail(
				c, r, "BadRequest",
				"Bad floatingip request: Port %s does not have any IPv4 address. Unable to associate it with a floating IP.",
				port_id);
		}
		json_object_set_new(
			fip, "fixed_ip_address",
			json_string(fixed ? fixed : str(json_array_get(ips, 0), "ip_address")));
		json_object_set_new(fip, "port_id", json_string(str(port, "id")));
		l = json_object_get(port, "floating_ips");
		json_array_append_new(l, json_string(str(fip, "floating_ip_address")));
		if (ndb_save(port, &e) < 0) {
			json_decref(port);
			return redis_fail(c, r, &e);
		}
		json_decref(port);
	}
	if (ndb_save(fip, &e) < 0 || (port_id && netres_port_changed(str(fip, "port_id"), &e) < 0))
		return redis_fail(c, r, &e);
	return 0;
}

static json_t *fip_attrs(const struct rsrc_ctx *c, json_t *fip)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:s,s:s}", "floating_ip_address",
			 json_object_get(fip, "floating_ip_address"), "floating_network_id",
			 json_object_get(fip, "floating_network_id"), "port_id",
			 json_object_get(fip, "port_id") ?: json_null(), "fixed_ip_address",
			 json_object_get(fip, "fixed_ip_address") ?: json_null(), "router_id", "",
			 "tenant_id", c->project);
}

static int fip_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *net = lookup(c, r, "net", pstr(props, "floating_network", "floating_network_id"),
			     "network");
	json_t *subs, *sub, *ips, *fip;

	if (!net)
		return -1;
	if (!json_is_true(json_object_get(net, "external"))) {
		json_decref(net);
		return rsrc_fail(
			c, r, "BadRequest",
			"Bad floatingip request: Network %s is not a valid external network.",
			str(props, "floating_network"));
	}
	subs = subnets_of(net, &e);
	sub = subs ? ndb_get(json_string_value(json_array_get(subs, 0)), &e) : NULL;
	json_decref(subs);
	ips = json_array();
	if (!sub || alloc_ip(c, r, &o, sub, pstr(props, "floating_ip_address", NULL), ips) < 0) {
		if (!sub)
			redis_fail(c, r, &e);
		json_decref(sub);
		json_decref(ips);
		json_decref(net);
		return -1;
	}
	json_decref(sub);
	fip = new_obj(c, r, "floatingip", NULL);
	json_object_set_new(fip, "floating_ip_address",
			    json_string(str(json_array_get(ips, 0), "ip_address")));
	json_object_set_new(fip, "floating_network_id", json_string(str(net, "id")));
	json_object_set_new(fip, "port_id", json_null());
	json_decref(ips);
	json_decref(net);
	if (ndb_put(&o, fip, &e) < 0) {
		json_decref(fip);
		return redis_fail(c, r, &e);
	}
	if (pstr(props, "port_id", NULL) && associate(c, r, fip, pstr(props, "port_id", NULL),
						      pstr(props, "fixed_ip_address", NULL)) < 0) {
		json_decref(fip);
		return -1;
	}
	done(r, fip, fip_attrs(c, fip));
	json_decref(fip);
	return 0;
}

static int fip_assoc(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r, bool on)
{
	json_t *fip = lookup(c, r, "floatingip", pstr(props, "floatingip_id", NULL), "floatingip");
	char ref[100];
	int rc;

	if (!fip)
		return on ? -1 : (r->reason[0] = '\0', 0); /* gone already */
	if (on && json_is_string(json_object_get(fip, "port_id")) &&
	    strcmp(str(fip, "port_id"), pstr(props, "port_id", NULL) ?: "") != 0) {
		json_decref(fip);
		return rsrc_fail(
			c, r, "Conflict",
			"FloatingIPPortAlreadyAssociated: Cannot associate floating IP %s with port %s, since that floating IP is already associated with a port.",
			pstr(props, "floatingip_id", NULL), pstr(props, "port_id", NULL));
	}
	rc = associate(c, r, fip, on ? pstr(props, "port_id", NULL) : NULL,
		       on ? pstr(props, "fixed_ip_address", NULL) : NULL);
	if (rc == 0 && on) {
		snprintf(ref, sizeof(ref), "%s:%s", str(fip, "id"), str(fip, "port_id"));
		snprintf(r->physical_id, sizeof(r->physical_id), "%s", ref);
		r->ref_id = json_string(ref);
		r->attributes = json_object();
	}
	json_decref(fip);
	return rc;
}

/* ------------------------------------------------------ security groups */

static bool protocol_ok(const char *p)
{
	static const char *const names[] = {
		"ah",     "dccp",       "egp",       "esp",        "gre",       "hopopt",
		"icmp",   "igmp",       "ipip",      "ipv6-encap", "ipv6-frag", "ipv6-icmp",
		"icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route", "ospf",      "pgm",
		"rsvp",   "sctp",       "tcp",       "udp",        "udplite",   "vrrp",
		"any",    NULL};
	char *end;
	long n = strtol(p, &end, 10);

	if (*p && !*end)
		return n >= 0 && n <= 255;
	for (int i = 0; names[i]; i++)
		if (strcmp(p, names[i]) == 0)
			return true;
	return false;
}

static int secgroup_rules(const struct rsrc_ctx *c, struct rsrc_result *r, json_t *props,
			  json_t **out)
{
	json_t *rules = json_array(), *x;
	size_t i;

	json_array_foreach (json_object_get(props, "rules"), i, x) {
		json_t *min = json_object_get(x, "port_range_min"),
		       *max = json_object_get(x, "port_range_max");
		const char *proto = pstr(x, "protocol", NULL);
		char id[SDB_ID_SIZE];

		if (proto && !protocol_ok(proto)) {
			json_decref(rules);
			return rsrc_fail(
				c, r, "BadRequest",
				"Security group rule protocol %s not supported. Only protocol values [None, ah, dccp, egp, esp, gre, icmp, igmp, ipv6-encap, ipv6-frag, ipv6-icmp, ipv6-nonxt, ipv6-opts, ipv6-route, ospf, pgm, rsvp, sctp, tcp, udp, udplite, vrrp] and integer representations [0 to 255] are supported.",
				proto);
		}
		if (json_is_integer(min) && json_is_integer(max) &&
		    json_integer_value(min) > json_integer_value(max) &&
		    !(proto && strcmp(proto, "icmp") == 0)) {
			json_decref(rules);
			return rsrc_fail(
				c, r, "BadRequest",
				"For TCP/UDP protocols, port_range_min must be <= port_range_max");
		}
		sdb_uuid(id);
		json_array_append_new(
			rules,
			json_pack("{s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:O}", "id", id, "direction",
				  pstr(x, "direction", NULL) ?: "ingress", "ethertype",
				  pstr(x, "ethertype", NULL) ?: "IPv4", "protocol",
				  json_object_get(x, "protocol") ?: json_null(), "port_range_min",
				  min ? min : json_null(), "port_range_max",
				  max ? max : json_null(), "remote_ip_prefix",
				  json_object_get(x, "remote_ip_prefix") ?: json_null(),
				  "remote_group_id",
				  json_object_get(x, "remote_group_id") ?: json_null()));
	}
	*out = rules;
	return 0;
}

static int secgroup_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *rules, *sg;

	if (secgroup_rules(c, r, props, &rules) < 0)
		return -1;
	sg = new_obj(c, r, "secgroup", pstr(props, "name", NULL));
	json_object_set_new(sg, "description", json_string(pstr(props, "description", NULL) ?: ""));
	json_object_set_new(sg, "security_group_rules", rules);
	if (ndb_put(&o, sg, &e) < 0) {
		json_decref(sg);
		return redis_fail(c, r, &e);
	}
	done(r, sg, json_object());
	json_decref(sg);
	return 0;
}

/* -------------------------------------------------------------- volumes */

static int volume_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	json_t *size = json_object_get(props, "size"), *v;
	char now[21];

	if (!json_is_integer(size) && !pstr(props, "image", "imageRef") &&
	    !pstr(props, "source_volid", NULL) && !pstr(props, "snapshot_id", NULL) &&
	    !pstr(props, "backup_id", NULL))
		return rsrc_fail(
			c, r, "StackValidationFailed",
			"Property size is required when none of image, source_volid, snapshot_id or backup_id is given");
	sdb_now(now);
	v = new_obj(c, r, "volume", pstr(props, "name", NULL));
	json_object_set_new(v, "size",
			    json_integer(json_is_integer(size) ? json_integer_value(size) : 1));
	json_object_set_new(v, "status", json_string("available"));
	json_object_set_new(v, "attachments", json_array());
	json_object_set_new(v, "created_at", json_string(now));
	json_object_set_new(v, "bootable", json_boolean(pstr(props, "image", "imageRef") != NULL));
	json_object_set_new(v, "metadata",
			    rsrc_or_new(json_object_get(props, "metadata"), json_object()));
	json_object_set_new(v, "description", json_string(pstr(props, "description", NULL) ?: ""));
	if (ndb_put(&o, v, &e) < 0) {
		json_decref(v);
		return redis_fail(c, r, &e);
	}
	done(r, v,
	     json_pack("{s:O,s:s,s:O,s:O,s:O,s:O,s:O,s:O,s:b,s:b,s:[],s:[]}", "size",
		       json_object_get(v, "size"), "status", "available", "display_name",
		       json_object_get(v, "name"), "display_description",
		       json_object_get(v, "description"), "created_at",
		       json_object_get(v, "created_at"), "bootable", json_object_get(v, "bootable"),
		       "metadata", json_object_get(v, "metadata"), "metadata_values",
		       json_object_get(v, "metadata"), "encrypted", 0, "multiattach", 0,
		       "attachments", "attachments_list"));
	json_decref(v);
	return 0;
}

/* Attaches (or detaches) volume to a server: the volume records it, the
 * server's document lists the device. */
static int attach(const struct rsrc_ctx *c, struct rsrc_result *r, json_t *props, bool on)
{
	struct herr e = HERR_INIT;
	json_t *vol = lookup(c, r, "volume", pstr(props, "volume_id", NULL), "volume");
	json_t *srv = NULL;
	const char *server;
	char dev[64];
	int rc;

	if (!vol)
		return on ? -1 : (r->reason[0] = '\0', 0);
	/* a server of this project (or none: gone already, at a delete) */
	if (!(srv = lookup(c, r, "server", pstr(props, "instance_uuid", NULL), "server"))) {
		json_decref(vol);
		return on ? -1 : (r->reason[0] = '\0', 0);
	}
	server = str(srv, "id");
	if (on && json_array_size(json_object_get(vol, "attachments"))) {
		json_decref(vol);
		json_decref(srv);
		return rsrc_fail(
			c, r, "BadRequest",
			"Invalid volume: Volume %s status must be available, but current status is: in-use.",
			pstr(props, "volume_id", NULL));
	}
	if (on) {
		rc = server_attach(server, str(vol, "id"), pstr(props, "mountpoint", NULL), dev,
				   sizeof(dev), r->reason, sizeof(r->reason), &e);
		if (rc != 0) {
			char why[400];

			snprintf(why, sizeof(why), "%.390s", r->reason);
			json_decref(vol);
			json_decref(srv);
			return rc < 0 ? redis_fail(c, r, &e)
				      : rsrc_fail(c, r, "BadRequest", "%s", why);
		}
		json_object_set_new(vol, "attachments",
				    json_pack("[{s:s,s:s,s:s}]", "server_id", server, "device", dev,
					      "volume_id", str(vol, "id")));
		json_object_set_new(vol, "status", json_string("in-use"));
	} else {
		if (server_detach(server, str(vol, "id"), &e) < 0) {
			json_decref(vol);
			json_decref(srv);
			return redis_fail(c, r, &e);
		}
		json_object_set_new(vol, "attachments", json_array());
		json_object_set_new(vol, "status", json_string("available"));
	}
	if (ndb_save(vol, &e) < 0) {
		json_decref(vol);
		json_decref(srv);
		return redis_fail(c, r, &e);
	}
	if (on) {
		snprintf(r->physical_id, sizeof(r->physical_id), "%s", str(vol, "id"));
		r->ref_id = json_string(str(vol, "id"));
		r->attributes = json_object();
	}
	json_decref(vol);
	json_decref(srv);
	return 0;
}

/* ------------------------------------------------------------ key pairs */

static void put32(unsigned char **p, uint32_t v)
{
	(*p)[0] = (unsigned char)(v >> 24);
	(*p)[1] = (unsigned char)(v >> 16);
	(*p)[2] = (unsigned char)(v >> 8);
	(*p)[3] = (unsigned char)v;
	*p += 4;
}

static void putstr(unsigned char **p, const void *s, size_t n)
{
	put32(p, (uint32_t)n);
	memcpy(*p, s, n);
	*p += n;
}

/* An Ed25519 key pair in OpenSSH's formats: "ssh-ed25519 BASE64 comment"
 * and the unencrypted "openssh-key-v1" private key. */
static void ssh_keypair(const char *comment, char *pub, size_t psize, char *priv, size_t vsize)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char blob[51], body[512], *p, *q;
	char b64[1024];
	uint32_t check;
	size_t n, clen = strlen(comment) > 100 ? 100 : strlen(comment), off = 0;

	crypto_sign_keypair(pk, sk);
	p = blob;
	putstr(&p, "ssh-ed25519", 11);
	putstr(&p, pk, sizeof(pk));
	{
		char pb[sodium_base64_ENCODED_LEN(sizeof(blob), sodium_base64_VARIANT_ORIGINAL)];

		sodium_bin2base64(pb, sizeof(pb), blob, sizeof(blob),
				  sodium_base64_VARIANT_ORIGINAL);
		snprintf(pub, psize, "ssh-ed25519 %s %.100s", pb, comment);
	}

	p = body;
	memcpy(p, "openssh-key-v1", 15);
	p += 15;
	putstr(&p, "none", 4);
	putstr(&p, "none", 4);
	putstr(&p, "", 0);
	put32(&p, 1);
	putstr(&p, blob, sizeof(blob));
	q = p; /* the private section's length, filled below */
	p += 4;
	randombytes_buf(&check, sizeof(check));
	put32(&p, check);
	put32(&p, check);
	putstr(&p, "ssh-ed25519", 11);
	putstr(&p, pk, sizeof(pk));
	putstr(&p, sk, sizeof(sk));
	putstr(&p, comment, clen);
	for (unsigned char i = 1; (p - q - 4) % 8; i++)
		*p++ = i;
	n = (size_t)(p - q - 4);
	put32(&q, (uint32_t)n);
	n = (size_t)(p - body);
	sodium_bin2base64(b64, sizeof(b64), body, n, sodium_base64_VARIANT_ORIGINAL);
	off = (size_t)snprintf(priv, vsize, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	for (size_t i = 0; b64[i] && off < vsize; i += 70)
		off += (size_t)snprintf(priv + off, vsize - off, "%.70s\n", b64 + i);
	if (off < vsize)
		snprintf(priv + off, vsize - off, "-----END OPENSSH PRIVATE KEY-----\n");
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(body, sizeof(body));
}

static int keypair_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct ndb_owner o = owner(c);
	struct herr e = HERR_INIT;
	const char *name = pstr(props, "name", NULL), *given = pstr(props, "public_key", NULL);
	char id[SDB_ID_SIZE], pub[600], priv[1200] = "";
	json_t *kp;
	int rc;

	if (!name || !*name)
		return rsrc_fail(c, r, "StackValidationFailed", "Property name not assigned");
	if ((rc = ndb_find(c->project, "keypair", name, id, &e)) < 0)
		return redis_fail(c, r, &e);
	if (rc == 0)
		return rsrc_fail(c, r, "Conflict", "Key pair '%s' already exists.", name);
	if (given) {
		if (strncmp(given, "ssh-", 4) != 0 && strncmp(given, "ecdsa-", 6) != 0)
			return rsrc_fail(c, r, "BadRequest",
					 "Keypair data is invalid: failed to generate fingerprint");
		snprintf(pub, sizeof(pub), "%s", given);
	} else {
		ssh_keypair(name, pub, sizeof(pub), priv, sizeof(priv));
	}
	kp = new_obj(c, r, "keypair", name);
	json_object_set_new(kp, "public_key", json_string(pub));
	json_object_set_new(kp, "type", json_string(pstr(props, "type", NULL) ?: "ssh"));
	if (ndb_put(&o, kp, &e) < 0) {
		json_decref(kp);
		sodium_memzero(priv, sizeof(priv));
		return redis_fail(c, r, &e);
	}
	/* the private key is kept only if asked (Heat's save_private_key):
	 * else it is gone once made, as Nova's */
	snprintf(r->physical_id, sizeof(r->physical_id), "%s", name);
	r->ref_id = json_string(name);
	r->attributes =
		json_pack("{s:s,s:s}", "public_key", pub, "private_key",
			  json_is_true(json_object_get(props, "save_private_key")) ? priv : "");
	/* stored and shown without it: the create's own outputs are the one
	 * place it appears */
	r->stored = json_pack("{s:s,s:s}", "public_key", pub, "private_key", "");
	sodium_memzero(priv, sizeof(priv));
	json_decref(kp);
	return 0;
}

/* ------------------------------------------------------------------ API */

int netres_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	const char *k = kind_of(c->type);

	if (strcmp(k, "net") == 0)
		return net_create(c, props, r);
	if (strcmp(k, "subnet") == 0)
		return subnet_create(c, props, r);
	if (strcmp(k, "port") == 0)
		return port_create(c, props, r);
	if (strcmp(k, "router") == 0)
		return router_create(c, props, r);
	if (strcmp(k, "routerinterface") == 0)
		return router_interface_create(c, props, r);
	if (strcmp(k, "floatingip") == 0)
		return fip_create(c, props, r);
	if (strcmp(k, "fipassoc") == 0)
		return fip_assoc(c, props, r, true);
	if (strcmp(k, "secgroup") == 0)
		return secgroup_create(c, props, r);
	if (strcmp(k, "volume") == 0)
		return volume_create(c, props, r);
	if (strcmp(k, "attachment") == 0)
		return attach(c, r, props, true);
	return keypair_create(c, props, r);
}

/* In-place changes: the object's names and flags, a group's rules. */
int netres_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		  struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	const char *id = str(c->stored, "physical_resource_id");
	json_t *obj, *attrs = json_object_get(c->stored, "attributes"), *v;
	const char *k;

	(void)old_props;
	if (!(obj = ndb_get(id, &e))) {
		r->attributes = json_incref(attrs);
		return e.code == HERR_NOT_FOUND ? 0 : redis_fail(c, r, &e);
	}
	if (json_is_string(v = json_object_get(new_props, "name")))
		json_object_set(obj, "name", v);
	if (strcmp(c->type, "OS::Neutron::SecurityGroup") == 0) {
		json_t *rules;

		if (secgroup_rules(c, r, new_props, &rules) < 0) {
			json_decref(obj);
			return -1;
		}
		json_object_set_new(obj, "security_group_rules", rules);
		json_object_set_new(obj, "description",
				    json_string(pstr(new_props, "description", NULL) ?: ""));
	}
	if (strcmp(c->type, "OS::Cinder::Volume") == 0 &&
	    json_is_object(v = json_object_get(new_props, "metadata")))
		json_object_set(obj, "metadata", v);
	if (strcmp(c->type, "OS::Neutron::Port") == 0 &&
	    json_is_array(v = json_object_get(new_props, "security_groups"))) {
		json_t *ids = json_array(), *x;
		size_t i;

		json_array_foreach (v, i, x) {
			json_t *sg =
				lookup(c, r, "secgroup", json_string_value(x), "security_group");

			if (!sg) {
				json_decref(ids);
				json_decref(obj);
				return -1;
			}
			json_array_append_new(ids, json_string(str(sg, "id")));
			json_decref(sg);
		}
		json_object_set_new(obj, "security_groups", ids);
	}
	if (ndb_save(obj, &e) < 0 ||
	    (strcmp(c->type, "OS::Neutron::Port") == 0 && netres_port_changed(id, &e) < 0)) {
		json_decref(obj);
		return redis_fail(c, r, &e);
	}
	attrs = attrs ? json_deep_copy(attrs) : json_object();
	json_object_foreach (attrs, k, v)
		if (json_object_get(obj, k) && strcmp(k, "show") != 0)
			json_object_set(attrs, k, json_object_get(obj, k));
	json_object_set_new(attrs, "show", json_deep_copy(obj));
	json_object_del(json_object_get(attrs, "show"), "stack");
	json_object_del(json_object_get(attrs, "show"), "resource");
	r->attributes = attrs;
	json_decref(obj);
	return 0;
}

int netres_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	const char *k = kind_of(c->type);

	/* what was done to objects of others is undone; the rest the ledger
	 * releases */
	if (strcmp(k, "fipassoc") == 0)
		return fip_assoc(c, props, r, false);
	if (strcmp(k, "attachment") == 0)
		return attach(c, r, props, false);
	if (strcmp(k, "floatingip") == 0) {
		struct herr e = HERR_INIT;
		json_t *fip = ndb_get(str(c->stored, "physical_resource_id"), &e);
		int rc = 0;

		if (fip && json_is_string(json_object_get(fip, "port_id")))
			rc = associate(c, r, fip, NULL, NULL);
		json_decref(fip);
		return rc;
	}
	return 0;
}
