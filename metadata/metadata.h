/* The metadata role: Nova's metadata API (EC2 and OpenStack trees) for
 * the guests, each seeing only its own instance.
 *
 * The contract with the compute drivers (docs/internals/metadata.md has
 * the full text): for every server instance the engine keeps in Redis
 *   hearth:instance:UUID           the instance document (JSON string):
 *     {"uuid", "name", "hostname", "project_id", "stack_id", "resource",
 *      "availability_zone", "launch_index", "reservation_id", "ec2_id",
 *      "image", "image_ec2_id", "flavor", "key_name" (or null),
 *      "public_key" (or null), "key_type" (optional, default "ssh"),
 *      "meta" {string: string}, "user_data" (base64 or null),
 *      "security_groups" [names], "root_device", "volumes" [devices],
 *      "address" (the source address of the guest's requests),
 *      "ports" [{"id", "mac", "network_id", "device", "vif_type",
 *                "fixed_ips" [{"ip_address", "subnet_id"}], "floating_ips"}],
 *      "subnets" {ID: {"cidr", "gateway_ip", "dns_nameservers",
 *                      "host_routes" [{"destination", "nexthop"}],
 *                      "enable_dhcp", "ip_version", "ipv6_address_mode"}},
 *      "networks" {ID: {"name", "mtu"}}, "created_at"}
 *   hearth:addr:IP                 the UUID of the instance at address IP
 *   hearth:instance:UUID:password  the guest's password (absent: none)
 * and after every change of an instance (documents, addresses, deletion)
 * PUBLISHes its UUID on hearth:instance-changed ("*": all of them); when
 * an address moves from one instance to another, both UUIDs. */
#ifndef HEARTH_METADATA_H
#define HEARTH_METADATA_H

#include <stdbool.h>

#include "common/err.h"
#include "common/http.h"

struct metadata_cfg {
	const char *redis_url;       /* for the cache's subscription */
	const char *redis_password;  /* may be NULL */
	const char *vendor_data;     /* path of a JSON object file; "" for {} */
	const char *dhcp_domain;     /* "" for bare host names */
	const char *trusted_proxies; /* comma list of addresses whose
				      * X-Forwarded-For is believed */
	const char *proxy_secret;    /* non-empty: Neutron proxy mode */
	bool require_token;          /* EC2 tree: tokenless requests get 401 */
};

/* Loads the vendor data, starts the cache.  The routes may be served only
 * between metadata_start and metadata_stop. */
int metadata_start(const struct metadata_cfg *cfg, struct herr *e);
void metadata_stop(void);

/* One catch-all route per method (Nova ignores the method but for
 * password and the token PUT); put them after /healthz and /metrics. */
extern const struct http_route metadata_routes[];
extern const int metadata_nroutes;

#endif
