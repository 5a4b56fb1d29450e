/* Resource type schemas (see schema.h).
 *
 * Owns the built-in types' tables and the property checker; not the
 * evaluation of functions (eval.c) nor template resources (their schema
 * comes from the nested template's parameters).
 *
 * A type is data: rows of properties in the notation of
 * hot-resource-schemas.md, where nested schemas are rows named "a.b"
 * (key b of map a), "a[].b" (key b of every item of list a, the items
 * being maps) and "a[]" (the items themselves, e.g. strings).  A row's
 * constraint is one of "{a,b}" (allowed values), "min..max" (range, either
 * bound may be left out), "len min..max" (length) or the name of a custom
 * constraint.  The checker reproduces Heat's Properties.validate(): each
 * value is coerced to its property's type (Property.get_value), then its
 * constraints are checked on the coerced value, then nested schemas. */
#include "engine/schema.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/eval.h"
#include "engine/pyjson.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- tables */

enum ptype { T_STRING, T_INTEGER, T_NUMBER, T_BOOLEAN, T_MAP, T_LIST, T_ANY };

struct prop {
	const char *name;
	unsigned char type;
	bool required;
	char upd;          /* 'U', 'R', 'I'; 0 on nested rows */
	const char *dflt;  /* JSON text, or a string when it is not JSON; NULL: none */
	const char *cons;  /* see the top of the file; NULL: none */
	bool hidden;       /* accepted, but no longer documented */
	const char *alias; /* hidden rows: the key in the same map they stand for */
};

#define REQ_Y true
#define REQ__ false
#define UPD_U 'U'
#define UPD_R 'R'
#define UPD_I 'I'
#define UPD__ 0
/* One row: name, type, required (Y or _), update (U, R, I, or _ for
 * nested rows), default, constraint. */
#define P(name, type, req, upd, dflt, cons)                                   \
	{                                                                     \
		name, T_##type, REQ_##req, UPD_##upd, dflt, cons, false, NULL \
	}
/* A hidden row (Heat still takes it; a template that uses it is valid):
 * name, type, update, default, constraint, and the key it is an alias of
 * (Heat copies it there), or NULL. */
#define H(name, type, upd, dflt, cons, alias)                             \
	{                                                                 \
		name, T_##type, false, UPD_##upd, dflt, cons, true, alias \
	}

struct chk;
struct at;

/* A type's own rules, run once its properties passed the schema. */
typedef void (*rtype_rule)(struct chk *c, json_t *props, const struct at *at);

enum {
	RT_ANY_PROPS = 1, /* accepts any property, checks nothing */
	RT_ANY_ATTRS = 2, /* get_attr may name anything */
};

struct rtype {
	const char *name;
	const struct prop *own, *shared; /* shared: rows common to a family of types */
	unsigned char nown, nshared;
	unsigned char flags;
	const char *attrs; /* space-separated; `show` is implied */
	rtype_rule rule;
};

/* The rows of hot-resource-schemas.md, then those of the types Hearth adds
 * (signal-deploy-spec.md and Heat 19's schemas).  The hidden properties
 * Heat 19 still takes (left out of that file) are H rows, so that older
 * templates that use them stay valid. */

static const struct prop nova_server[] = {
	P("name", STRING, _, U, NULL, NULL),
	P("image", STRING, _, U, NULL, "glance.image"),
	P("block_device_mapping", LIST, _, R, NULL, NULL),
	P("block_device_mapping[].device_name", STRING, Y, _, NULL, NULL),
	P("block_device_mapping[].volume_id", STRING, _, _, NULL, "cinder.volume"),
	P("block_device_mapping[].snapshot_id", STRING, _, _, NULL, "cinder.snapshot"),
	P("block_device_mapping[].volume_size", INTEGER, _, _, NULL, NULL),
	P("block_device_mapping[].delete_on_termination", BOOLEAN, _, _, NULL, NULL),
	P("block_device_mapping_v2", LIST, _, R, NULL, NULL),
	P("block_device_mapping_v2[].device_name", STRING, _, _, NULL, NULL),
	P("block_device_mapping_v2[].volume_id", STRING, _, _, NULL, "cinder.volume"),
	P("block_device_mapping_v2[].image", STRING, _, _, NULL, "glance.image"),
	H("block_device_mapping_v2[].image_id", STRING, _, NULL, "glance.image", "image"),
	P("block_device_mapping_v2[].snapshot_id", STRING, _, _, NULL, "cinder.snapshot"),
	P("block_device_mapping_v2[].swap_size", INTEGER, _, _, NULL, NULL),
	P("block_device_mapping_v2[].ephemeral_size", INTEGER, _, _, NULL, "1.."),
	P("block_device_mapping_v2[].ephemeral_format", STRING, _, _, NULL,
	  "{ext2,ext3,ext4,xfs,ntfs}"),
	P("block_device_mapping_v2[].device_type", STRING, _, _, NULL, "{cdrom,disk}"),
	P("block_device_mapping_v2[].disk_bus", STRING, _, _, NULL,
	  "{ide,lame_bus,scsi,usb,virtio}"),
	P("block_device_mapping_v2[].boot_index", INTEGER, _, _, NULL, NULL),
	P("block_device_mapping_v2[].volume_size", INTEGER, _, _, NULL, NULL),
	P("block_device_mapping_v2[].delete_on_termination", BOOLEAN, _, _, NULL, NULL),
	P("flavor", STRING, Y, U, NULL, "nova.flavor"),
	P("flavor_update_policy", STRING, _, U, "RESIZE", "{RESIZE,REPLACE}"),
	P("image_update_policy", STRING, _, U, "REBUILD",
	  "{REBUILD,REPLACE,REBUILD_PRESERVE_EPHEMERAL}"),
	P("key_name", STRING, _, R, NULL, "nova.keypair"),
	P("availability_zone", STRING, _, R, NULL, NULL),
	P("security_groups", LIST, _, R, "[]", NULL),
	P("networks", LIST, _, U, NULL, NULL),
	P("networks[].network", STRING, _, _, NULL, "neutron.network"),
	H("networks[].uuid", STRING, _, NULL, "neutron.network", "network"),
	P("networks[].allocate_network", STRING, _, _, NULL, "{none,auto}"),
	P("networks[].fixed_ip", STRING, _, _, NULL, "ip_addr"),
	P("networks[].port", STRING, _, _, NULL, "neutron.port"),
	P("networks[].port_extra_properties", MAP, _, _, NULL, NULL),
	P("networks[].port_extra_properties.value_specs", MAP, _, _, "{}", NULL),
	P("networks[].port_extra_properties.admin_state_up", BOOLEAN, _, _, "true", NULL),
	P("networks[].port_extra_properties.mac_address", STRING, _, _, NULL, "mac_addr"),
	P("networks[].port_extra_properties.allowed_address_pairs", LIST, _, _, NULL, NULL),
	P("networks[].port_extra_properties.allowed_address_pairs[].mac_address", STRING, _, _,
	  NULL, "mac_addr"),
	P("networks[].port_extra_properties.allowed_address_pairs[].ip_address", STRING, Y, _, NULL,
	  "ip_or_cidr"),
	P("networks[].port_extra_properties.binding:vnic_type", STRING, _, _, "normal",
	  "{normal,direct,macvtap,direct-physical,baremetal,virtio-forwarder,smart-nic}"),
	P("networks[].port_extra_properties.port_security_enabled", BOOLEAN, _, _, NULL, NULL),
	P("networks[].port_extra_properties.qos_policy", STRING, _, _, NULL, "neutron.qos_policy"),
	P("networks[].port_extra_properties.propagate_uplink_status", BOOLEAN, _, _, NULL, NULL),
	P("networks[].port_extra_properties.no_fixed_ips", BOOLEAN, _, _, "false", NULL),
	P("networks[].subnet", STRING, _, _, NULL, NULL),
	P("networks[].floating_ip", STRING, _, _, NULL, NULL),
	P("networks[].tag", STRING, _, _, NULL, NULL),
	P("scheduler_hints", MAP, _, R, NULL, NULL),
	P("metadata", MAP, _, U, "{}", NULL),
	P("user_data_format", STRING, _, R, "HEAT_CFNTOOLS", "{HEAT_CFNTOOLS,RAW,SOFTWARE_CONFIG}"),
	P("software_config_transport", STRING, _, U, "POLL_SERVER_CFN",
	  "{POLL_SERVER_CFN,POLL_SERVER_HEAT,POLL_TEMP_URL,ZAQAR_MESSAGE}"),
	P("user_data_update_policy", STRING, _, U, "REPLACE", "{REPLACE,IGNORE,REBUILD}"),
	P("user_data", STRING, _, U, "", NULL),
	P("reservation_id", STRING, _, R, NULL, NULL),
	P("config_drive", BOOLEAN, _, R, NULL, NULL),
	P("diskConfig", STRING, _, R, NULL, "{AUTO,MANUAL}"),
	P("personality", MAP, _, R, "{}", NULL),
	P("admin_pass", STRING, _, U, NULL, NULL),
	H("admin_user", STRING, R, NULL, NULL, NULL),
	P("tags", LIST, _, U, NULL, NULL),
	P("tags[]", STRING, _, _, NULL, NULL),
	P("deployment_swift_data", MAP, _, U, "{}", NULL),
	P("deployment_swift_data.container", STRING, _, _, NULL, "len 1.."),
	P("deployment_swift_data.object", STRING, _, _, NULL, "len 1.."),
};

static const struct prop nova_keypair[] = {
	P("name", STRING, Y, R, NULL, "len 1..255"),
	P("save_private_key", BOOLEAN, _, R, "false", NULL),
	P("public_key", STRING, _, R, NULL, NULL),
	P("type", STRING, _, R, NULL, "{ssh,x509}"),
	P("user", STRING, _, R, NULL, "keystone.user"),
};

static const struct prop neutron_net[] = {
	P("name", STRING, _, U, NULL, NULL),
	P("value_specs", MAP, _, U, "{}", NULL),
	P("admin_state_up", BOOLEAN, _, U, "true", NULL),
	P("tenant_id", STRING, _, R, NULL, NULL),
	P("shared", BOOLEAN, _, U, "false", NULL),
	P("dhcp_agent_ids", LIST, _, U, NULL, NULL),
	P("port_security_enabled", BOOLEAN, _, U, NULL, NULL),
	P("qos_policy", STRING, _, U, NULL, "neutron.qos_policy"),
	P("dns_domain", STRING, _, U, NULL, "dns_domain"),
	P("availability_zone_hints", LIST, _, R, NULL, NULL),
	P("tags", LIST, _, U, NULL, NULL),
	P("tags[]", STRING, _, _, NULL, NULL),
};

static const struct prop neutron_subnet[] = {
	P("network", STRING, Y, R, NULL, "neutron.network"),
	H("network_id", STRING, R, NULL, "neutron.network", "network"),
	P("subnetpool", STRING, _, R, NULL, "neutron.subnetpool"),
	P("prefixlen", INTEGER, _, R, NULL, "0.."),
	P("cidr", STRING, _, R, NULL, "net_cidr"),
	P("value_specs", MAP, _, U, "{}", NULL),
	P("name", STRING, _, U, NULL, NULL),
	P("ip_version", INTEGER, _, R, "4", "{4,6}"),
	P("dns_nameservers", LIST, _, U, "[]", NULL),
	P("gateway_ip", STRING, _, U, NULL, NULL),
	P("enable_dhcp", BOOLEAN, _, U, "true", NULL),
	P("allocation_pools", LIST, _, U, NULL, NULL),
	P("allocation_pools[].start", STRING, Y, _, NULL, "ip_addr"),
	P("allocation_pools[].end", STRING, Y, _, NULL, "ip_addr"),
	P("tenant_id", STRING, _, R, NULL, NULL),
	P("host_routes", LIST, _, U, NULL, NULL),
	P("host_routes[].destination", STRING, Y, _, NULL, "net_cidr"),
	P("host_routes[].nexthop", STRING, Y, _, NULL, "ip_addr"),
	P("ipv6_ra_mode", STRING, _, R, NULL, "{dhcpv6-stateful,dhcpv6-stateless,slaac}"),
	P("ipv6_address_mode", STRING, _, R, NULL, "{dhcpv6-stateful,dhcpv6-stateless,slaac}"),
	P("segment", STRING, _, U, NULL, "neutron.segment"),
	P("tags", LIST, _, U, NULL, NULL),
	P("tags[]", STRING, _, _, NULL, NULL),
};

static const struct prop neutron_port[] = {
	P("name", STRING, _, U, NULL, NULL),
	P("network", STRING, Y, R, NULL, "neutron.network"),
	H("network_id", STRING, R, NULL, "neutron.network", "network"),
	P("device_id", STRING, _, U, "", NULL),
	P("device_owner", STRING, _, U, "", NULL),
	P("fixed_ips", LIST, _, U, NULL, NULL),
	P("fixed_ips[].subnet", STRING, _, _, NULL, "neutron.subnet"),
	H("fixed_ips[].subnet_id", STRING, _, NULL, "neutron.subnet", "subnet"),
	P("fixed_ips[].ip_address", STRING, _, _, NULL, "ip_addr"),
	P("security_groups", LIST, _, U, NULL, NULL),
	P("dns_name", STRING, _, U, NULL, "dns_name"),
	P("tags", LIST, _, U, NULL, NULL),
	P("tags[]", STRING, _, _, NULL, NULL),
	P("value_specs", MAP, _, U, "{}", NULL),
	P("admin_state_up", BOOLEAN, _, U, "true", NULL),
	P("mac_address", STRING, _, R, NULL, "mac_addr"),
	P("allowed_address_pairs", LIST, _, U, NULL, NULL),
	P("allowed_address_pairs[].mac_address", STRING, _, _, NULL, "mac_addr"),
	P("allowed_address_pairs[].ip_address", STRING, Y, _, NULL, "ip_or_cidr"),
	P("binding:vnic_type", STRING, _, U, "normal",
	  "{normal,direct,macvtap,direct-physical,baremetal,virtio-forwarder,smart-nic}"),
	P("port_security_enabled", BOOLEAN, _, U, NULL, NULL),
	P("qos_policy", STRING, _, U, NULL, "neutron.qos_policy"),
	P("propagate_uplink_status", BOOLEAN, _, U, NULL, NULL),
	P("no_fixed_ips", BOOLEAN, _, U, "false", NULL),
	H("replacement_policy", STRING, U, "AUTO", "{REPLACE_ALWAYS,AUTO}", NULL),
};

static const struct prop neutron_router[] = {
	P("name", STRING, _, U, NULL, NULL),
	P("external_gateway_info", MAP, _, U, NULL, NULL),
	P("external_gateway_info.network", STRING, Y, _, NULL, NULL),
	P("external_gateway_info.enable_snat", BOOLEAN, _, _, NULL, NULL),
	P("external_gateway_info.external_fixed_ips", LIST, _, _, NULL, NULL),
	P("external_gateway_info.external_fixed_ips[].ip_address", STRING, _, _, NULL, "ip_addr"),
	P("external_gateway_info.external_fixed_ips[].subnet", STRING, _, _, NULL,
	  "neutron.subnet"),
	P("value_specs", MAP, _, U, "{}", NULL),
	P("admin_state_up", BOOLEAN, _, U, "true", NULL),
	P("l3_agent_ids", LIST, _, U, NULL, NULL),
	P("l3_agent_ids[]", STRING, _, _, NULL, NULL),
	H("l3_agent_id", STRING, U, NULL, NULL, NULL),
	P("distributed", BOOLEAN, _, R, NULL, NULL),
	P("ha", BOOLEAN, _, R, NULL, NULL),
	P("availability_zone_hints", LIST, _, U, NULL, NULL),
	P("tags", LIST, _, U, NULL, NULL),
	P("tags[]", STRING, _, _, NULL, NULL),
};

static const struct prop neutron_routerinterface[] = {
	P("router", STRING, Y, R, NULL, "neutron.router"),
	H("router_id", STRING, R, NULL, "neutron.router", "router"),
	P("subnet", STRING, _, R, NULL, "neutron.subnet"),
	H("subnet_id", STRING, R, NULL, "neutron.subnet", "subnet"),
	P("port", STRING, _, R, NULL, "neutron.port"),
	H("port_id", STRING, R, NULL, "neutron.port", "port"),
};

static const struct prop neutron_floatingip[] = {
	P("floating_network", STRING, Y, R, NULL, "neutron.network"),
	H("floating_network_id", STRING, R, NULL, "neutron.network", "floating_network"),
	P("floating_subnet", STRING, _, R, NULL, "neutron.subnet"),
	P("value_specs", MAP, _, R, "{}", NULL),
	P("port_id", STRING, _, U, NULL, "neutron.port"),
	P("fixed_ip_address", STRING, _, U, NULL, "ip_addr"),
	P("floating_ip_address", STRING, _, R, NULL, "ip_addr"),
	P("dns_name", STRING, _, U, NULL, "rel_dns_name"),
	P("dns_domain", STRING, _, U, NULL, "dns_domain"),
};

static const struct prop neutron_floatingipassociation[] = {
	P("floatingip_id", STRING, Y, U, NULL, NULL),
	P("port_id", STRING, Y, U, NULL, "neutron.port"),
	P("fixed_ip_address", STRING, _, U, NULL, "ip_addr"),
};

static const struct prop neutron_securitygroup[] = {
	P("name", STRING, _, U, NULL, NULL),
	P("description", STRING, _, U, NULL, NULL),
	P("rules", LIST, _, U, "[]", NULL),
	P("rules[].direction", STRING, _, _, "ingress", "{ingress,egress}"),
	P("rules[].ethertype", STRING, _, _, "IPv4", "{IPv4,IPv6}"),
	P("rules[].port_range_min", INTEGER, _, _, NULL, "0..65535"),
	P("rules[].port_range_max", INTEGER, _, _, NULL, "0..65535"),
	P("rules[].protocol", STRING, _, _, NULL, NULL),
	P("rules[].remote_mode", STRING, _, _, "remote_ip_prefix",
	  "{remote_ip_prefix,remote_group_id}"),
	P("rules[].remote_group_id", STRING, _, _, NULL, "neutron.security_group"),
	P("rules[].remote_ip_prefix", STRING, _, _, NULL, "net_cidr"),
};

static const struct prop cinder_volume[] = {
	P("availability_zone", STRING, _, R, NULL, NULL),
	P("size", INTEGER, _, U, NULL, "1.."),
	P("snapshot_id", STRING, _, R, NULL, "cinder.snapshot"),
	P("backup_id", STRING, _, U, NULL, "cinder.backup"),
	P("name", STRING, _, U, NULL, NULL),
	P("description", STRING, _, U, NULL, NULL),
	P("volume_type", STRING, _, U, NULL, "cinder.vtype"),
	P("metadata", MAP, _, U, "{}", NULL),
	P("image", STRING, _, R, NULL, "glance.image"),
	H("imageRef", STRING, R, NULL, NULL, "image"),
	P("source_volid", STRING, _, R, NULL, "cinder.volume"),
	P("scheduler_hints", MAP, _, R, NULL, NULL),
	P("read_only", BOOLEAN, _, U, NULL, NULL),
	H("multiattach", BOOLEAN, R, "false", NULL, NULL),
};

static const struct prop cinder_volumeattachment[] = {
	P("instance_uuid", STRING, Y, U, NULL, NULL),
	P("volume_id", STRING, Y, U, NULL, "cinder.volume"),
	P("mountpoint", STRING, _, U, NULL, NULL),
};

static const struct prop heat_randomstring[] = {
	P("length", INTEGER, _, R, "32", "1..512"),
	P("character_classes", LIST, _, R, "[{\"class\": \"lettersdigits\", \"min\": 1}]", NULL),
	P("character_classes[].class", STRING, _, _, "lettersdigits",
	  "{lettersdigits,letters,lowercase,uppercase,digits,hexdigits,octdigits}"),
	P("character_classes[].min", INTEGER, _, _, "1", "1..512"),
	P("character_sequences", LIST, _, R, NULL, NULL),
	P("character_sequences[].sequence", STRING, Y, _, NULL, NULL),
	P("character_sequences[].min", INTEGER, _, _, "1", "1..512"),
	P("salt", STRING, _, R, NULL, NULL),
	H("sequence", STRING, R, NULL,
	  "{lettersdigits,letters,lowercase,uppercase,digits,hexdigits,octdigits}", NULL),
};

static const struct prop heat_value[] = {
	P("value", ANY, Y, U, NULL, NULL),
	P("type", STRING, _, U, NULL, "{string,number,comma_delimited_list,json,boolean}"),
};

static const struct prop heat_resourcegroup[] = {
	P("count", INTEGER, _, U, "1", "0.."),
	P("index_var", STRING, _, R, "%index%", "len 3.."),
	P("resource_def", MAP, Y, U, NULL, NULL),
	P("resource_def.type", STRING, Y, _, NULL, NULL),
	P("resource_def.properties", MAP, _, _, NULL, NULL),
	P("resource_def.metadata", MAP, _, _, NULL, NULL),
	P("removal_policies", LIST, _, U, "[]", NULL),
	P("removal_policies[].resource_list", LIST, _, _, "[]", NULL),
	P("removal_policies_mode", STRING, _, U, "append", "{append,update}"),
};

static const struct prop heat_autoscalinggroup[] = {
	P("resource", MAP, Y, U, NULL, NULL),
	P("max_size", INTEGER, Y, U, NULL, "0.."),
	P("min_size", INTEGER, Y, U, NULL, "0.."),
	P("cooldown", INTEGER, _, U, NULL, NULL),
	P("desired_capacity", INTEGER, _, U, NULL, NULL),
	P("rolling_updates", MAP, _, U,
	  "{\"min_in_service\": 0, \"max_batch_size\": 1, \"pause_time\": 0}", NULL),
	P("rolling_updates.min_in_service", INTEGER, _, _, "0", "0.."),
	P("rolling_updates.max_batch_size", INTEGER, _, _, "1", "1.."),
	P("rolling_updates.pause_time", NUMBER, _, _, "0", "0.."),
};

static const struct prop heat_scalingpolicy[] = {
	P("auto_scaling_group_id", STRING, Y, R, NULL, NULL),
	P("scaling_adjustment", NUMBER, Y, U, NULL, NULL),
	P("adjustment_type", STRING, Y, U, NULL,
	  "{change_in_capacity,exact_capacity,percent_change_in_capacity}"),
	P("cooldown", NUMBER, _, U, NULL, NULL),
	P("min_adjustment_step", INTEGER, _, U, NULL, "0.."),
};

static const struct prop heat_cloudconfig[] = {
	P("cloud_config", MAP, _, R, NULL, NULL),
};

static const struct prop heat_multipartmime[] = {
	P("group", STRING, _, R, "Heat::Ungrouped", NULL),
	P("parts", LIST, _, R, "[]", NULL),
	P("parts[].config", STRING, Y, _, NULL, NULL),
	P("parts[].filename", STRING, _, _, NULL, NULL),
	P("parts[].type", STRING, _, _, "text", "{text,multipart}"),
	P("parts[].subtype", STRING, _, _, NULL, NULL),
};

static const struct prop heat_stack[] = {
	P("context", MAP, _, U, NULL, NULL),
	P("context.region_name", STRING, _, _, NULL, NULL),
	P("context.credential_secret_id", STRING, _, _, NULL, NULL),
	P("context.ca_cert", STRING, _, _, NULL, NULL),
	P("context.insecure", BOOLEAN, _, _, "false", NULL),
	P("template", STRING, Y, U, NULL, NULL),
	P("timeout", INTEGER, _, U, NULL, NULL),
	P("parameters", MAP, _, U, "{}", NULL),
};

static const struct prop heat_deployedserver[] = {
	P("name", STRING, _, U, NULL, NULL),
	P("metadata", MAP, _, U, NULL, NULL),
	P("software_config_transport", STRING, _, U, "POLL_SERVER_CFN",
	  "{POLL_SERVER_CFN,POLL_SERVER_HEAT,POLL_TEMP_URL,ZAQAR_MESSAGE}"),
	P("deployment_swift_data", MAP, _, U, "{}", NULL),
	P("deployment_swift_data.container", STRING, _, _, NULL, "len 1.."),
	P("deployment_swift_data.object", STRING, _, _, NULL, "len 1.."),
};

static const struct prop heat_testresource[] = {
	P("constraint_prop_secs", NUMBER, _, U, "0", "test_constr"),
	P("attr_wait_secs", NUMBER, _, U, "0", NULL),
	P("value", STRING, _, U, "test_string", NULL),
	P("update_replace_value", STRING, _, R, NULL, NULL),
	P("fail", BOOLEAN, _, U, "false", NULL),
	P("update_replace", BOOLEAN, _, U, "false", NULL),
	P("wait_secs", NUMBER, _, U, "0", NULL),
	P("action_wait_secs", MAP, _, U, NULL, NULL),
	P("action_wait_secs.create", NUMBER, _, _, NULL, NULL),
	P("action_wait_secs.update", NUMBER, _, _, NULL, NULL),
	P("action_wait_secs.delete", NUMBER, _, _, NULL, NULL),
	P("client_name", STRING, _, U, "", NULL),
	P("entity_name", STRING, _, U, "", NULL),
};

static const struct prop heat_waitconditionhandle[] = {
	P("signal_transport", STRING, _, R, "TOKEN_SIGNAL",
	  "{CFN_SIGNAL,TEMP_URL_SIGNAL,HEAT_SIGNAL,NO_SIGNAL,ZAQAR_SIGNAL,TOKEN_SIGNAL}"),
};

static const struct prop heat_waitcondition[] = {
	P("handle", STRING, Y, R, NULL, NULL),
	P("timeout", NUMBER, Y, R, NULL, "1..43200"),
	P("count", INTEGER, _, U, "1", "1.."),
};

static const struct prop aws_cloudformation_waitcondition[] = {
	P("Handle", STRING, Y, R, NULL, NULL),
	P("Timeout", INTEGER, Y, R, NULL, "1..43200"),
	P("Count", INTEGER, _, U, "1", "1.."),
};

static const struct prop heat_softwareconfig[] = {
	P("group", STRING, _, R, "Heat::Ungrouped", NULL),
	P("config", STRING, _, R, NULL, NULL),
	P("options", MAP, _, R, NULL, NULL),
};

/* Shared by the software configs and components. */
static const struct prop heat_config_io[] = {
	P("inputs", LIST, _, R, NULL, NULL),
	P("inputs[].name", STRING, Y, _, NULL, NULL),
	P("inputs[].description", STRING, _, _, NULL, NULL),
	P("inputs[].type", STRING, _, _, "String",
	  "{String,Number,CommaDelimitedList,Json,Boolean}"),
	P("inputs[].default", ANY, _, _, NULL, NULL),
	P("inputs[].replace_on_change", BOOLEAN, _, _, "false", NULL),
	P("outputs", LIST, _, R, NULL, NULL),
	P("outputs[].name", STRING, Y, _, NULL, NULL),
	P("outputs[].description", STRING, _, _, NULL, NULL),
	P("outputs[].type", STRING, _, _, "String",
	  "{String,Number,CommaDelimitedList,Json,Boolean}"),
	P("outputs[].error_output", BOOLEAN, _, _, "false", NULL),
};

static const struct prop heat_structuredconfig[] = {
	P("group", STRING, _, R, "Heat::Ungrouped", NULL),
	P("options", MAP, _, R, NULL, NULL),
	P("config", MAP, _, R, NULL, NULL),
};

static const struct prop heat_softwaredeployment[] = {
	P("server", STRING, Y, R, NULL, NULL),
};

/* Shared by the software deployments and their groups. */
static const struct prop heat_deployment_common[] = {
	P("config", STRING, _, U, NULL, NULL),
	P("input_values", MAP, _, U, NULL, NULL),
	P("actions", LIST, _, U, "[\"CREATE\", \"UPDATE\"]",
	  "{CREATE,UPDATE,DELETE,SUSPEND,RESUME}"),
	P("name", STRING, _, U, NULL, NULL),
	P("signal_transport", STRING, _, R, "CFN_SIGNAL",
	  "{CFN_SIGNAL,TEMP_URL_SIGNAL,HEAT_SIGNAL,NO_SIGNAL,ZAQAR_SIGNAL}"),
};

static const struct prop heat_structureddeployment[] = {
	P("server", STRING, Y, R, NULL, NULL),
	P("input_key", STRING, _, R, "get_input", NULL),
	P("input_values_validate", STRING, _, R, "LAX", "{LAX,STRICT}"),
};

static const struct prop heat_softwaredeploymentgroup[] = {
	P("servers", MAP, Y, U, NULL, NULL),
};

static const struct prop heat_structureddeploymentgroup[] = {
	P("servers", MAP, Y, U, NULL, NULL),
	P("input_key", STRING, _, R, "get_input", NULL),
	P("input_values_validate", STRING, _, R, "LAX", "{LAX,STRICT}"),
};

static const struct prop heat_softwarecomponent[] = {
	P("configs", LIST, Y, R, NULL, "len 1.."),
	P("configs[].actions", LIST, _, _, "[\"CREATE\", \"UPDATE\"]", "len 1.."),
	P("configs[].actions[]", STRING, _, _, NULL, NULL),
	P("configs[].config", STRING, _, _, NULL, NULL),
	P("configs[].tool", STRING, Y, _, NULL, NULL),
	P("options", MAP, _, R, NULL, NULL),
};

static void rule_server(struct chk *c, json_t *props, const struct at *at);
static void rule_router_interface(struct chk *c, json_t *props, const struct at *at);
static void rule_random_string(struct chk *c, json_t *props, const struct at *at);
static void rule_value(struct chk *c, json_t *props, const struct at *at);
static void rule_autoscaling_group(struct chk *c, json_t *props, const struct at *at);
static void rule_software_component(struct chk *c, json_t *props, const struct at *at);

#define ROWS(a)     a, NULL, ARRAY_SIZE(a), 0
#define ROWS2(a, b) a, b, ARRAY_SIZE(a), ARRAY_SIZE(b)
#define NOROWS      NULL, NULL, 0, 0

static const struct rtype types[] = {
	{"OS::Nova::Server", ROWS(nova_server), 0,
	 "name addresses networks instance_name accessIPv4 accessIPv6 console_urls tags "
	 "os_collect_config first_address", /* first_address: hidden, still accepted */
	 rule_server},
	{"OS::Nova::KeyPair", ROWS(nova_keypair), 0, "public_key private_key", NULL},
	{"OS::Neutron::Net", ROWS(neutron_net), 0,
	 "status name subnets admin_state_up tenant_id port_security_enabled mtu qos_policy_id "
	 "l2_adjacency segments",
	 NULL},
	{"OS::Neutron::Subnet", ROWS(neutron_subnet), 0,
	 "name network_id tenant_id allocation_pools gateway_ip host_routes ip_version cidr "
	 "dns_nameservers enable_dhcp",
	 NULL},
	{"OS::Neutron::Port", ROWS(neutron_port), 0,
	 "admin_state_up device_id device_owner fixed_ips mac_address name network_id "
	 "security_groups status tenant_id allowed_address_pairs subnets port_security_enabled "
	 "qos_policy_id dns_assignment network propagate_uplink_status",
	 NULL},
	{"OS::Neutron::Router", ROWS(neutron_router), 0,
	 "status external_gateway_info name admin_state_up tenant_id", NULL},
	{"OS::Neutron::RouterInterface", ROWS(neutron_routerinterface), 0, "",
	 rule_router_interface},
	{"OS::Neutron::FloatingIP", ROWS(neutron_floatingip), 0,
	 "router_id tenant_id floating_network_id fixed_ip_address floating_ip_address port_id",
	 NULL},
	{"OS::Neutron::FloatingIPAssociation", ROWS(neutron_floatingipassociation), 0, "", NULL},
	{"OS::Neutron::SecurityGroup", ROWS(neutron_securitygroup), 0, "", NULL},
	{"OS::Cinder::Volume", ROWS(cinder_volume), 0,
	 "availability_zone size snapshot_id display_name display_description volume_type "
	 "metadata source_volid status created_at bootable metadata_values encrypted attachments "
	 "attachments_list multiattach",
	 NULL},
	{"OS::Cinder::VolumeAttachment", ROWS(cinder_volumeattachment), 0, "", NULL},
	{"OS::Heat::RandomString", ROWS(heat_randomstring), 0, "value", rule_random_string},
	{"OS::Heat::Value", ROWS(heat_value), 0, "value", rule_value},
	{"OS::Heat::None", NOROWS, RT_ANY_PROPS | RT_ANY_ATTRS, "", NULL},
	{"OS::Heat::ResourceGroup", ROWS(heat_resourcegroup), RT_ANY_ATTRS,
	 "refs refs_map attributes removed_rsrc_list", NULL},
	{"OS::Heat::AutoScalingGroup", ROWS(heat_autoscalinggroup), RT_ANY_ATTRS,
	 "outputs outputs_list current_size refs refs_map", rule_autoscaling_group},
	{"OS::Heat::ScalingPolicy", ROWS(heat_scalingpolicy), 0, "alarm_url signal_url", NULL},
	{"OS::Heat::CloudConfig", ROWS(heat_cloudconfig), 0, "config", NULL},
	{"OS::Heat::MultipartMime", ROWS(heat_multipartmime), 0, "config", NULL},
	{"OS::Heat::Stack", ROWS(heat_stack), 0, "stack_name outputs", NULL},
	{"OS::Heat::DeployedServer", ROWS(heat_deployedserver), 0, "name os_collect_config", NULL},
	{"OS::Heat::TestResource", ROWS(heat_testresource), 0, "output", NULL},
	{"OS::Heat::WaitConditionHandle", ROWS(heat_waitconditionhandle), 0,
	 "token endpoint curl_cli signal", NULL},
	{"OS::Heat::WaitCondition", ROWS(heat_waitcondition), 0, "data", NULL},
	{"OS::Heat::UpdateWaitConditionHandle", NOROWS, 0, "", NULL},
	{"AWS::CloudFormation::WaitConditionHandle", NOROWS, 0, "", NULL},
	{"AWS::CloudFormation::WaitCondition", ROWS(aws_cloudformation_waitcondition), 0, "Data",
	 NULL},
	{"OS::Heat::SoftwareConfig", ROWS2(heat_softwareconfig, heat_config_io), 0, "config", NULL},
	{"OS::Heat::StructuredConfig", ROWS2(heat_structuredconfig, heat_config_io), 0, "config",
	 NULL},
	/* Heat 19 lists only `config` here, which makes the documented
	 * `configs` unusable; Hearth accepts both. */
	{"OS::Heat::SoftwareComponent", ROWS2(heat_softwarecomponent, heat_config_io), 0,
	 "config configs", rule_software_component},
	{"OS::Heat::SoftwareDeployment", ROWS2(heat_softwaredeployment, heat_deployment_common),
	 RT_ANY_ATTRS, "deploy_stdout deploy_stderr deploy_status_code", NULL},
	{"OS::Heat::StructuredDeployment", ROWS2(heat_structureddeployment, heat_deployment_common),
	 RT_ANY_ATTRS, "deploy_stdout deploy_stderr deploy_status_code", NULL},
	{"OS::Heat::SoftwareDeploymentGroup",
	 ROWS2(heat_softwaredeploymentgroup, heat_deployment_common), RT_ANY_ATTRS,
	 "deploy_stdouts deploy_stderrs deploy_status_codes", NULL},
	{"OS::Heat::StructuredDeploymentGroup",
	 ROWS2(heat_structureddeploymentgroup, heat_deployment_common), RT_ANY_ATTRS,
	 "deploy_stdouts deploy_stderrs deploy_status_codes", NULL},
};

/* ------------------------------------------------------------------ rows */

static const struct prop *row_at(const struct rtype *t, size_t i)
{
	if (i < t->nown)
		return &t->own[i];
	i -= t->nown;
	return i < t->nshared ? &t->shared[i] : NULL;
}

static const struct prop *row_find(const struct rtype *t, const char *name)
{
	const struct prop *r;

	for (size_t i = 0; (r = row_at(t, i)); i++)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* The key of row r when r describes a key of the map whose schema path is
 * pfx ("" for the properties themselves), else NULL. */
static const char *child_key(const struct prop *r, const char *pfx, size_t plen)
{
	const char *k = r->name;

	if (plen) {
		if (strncmp(k, pfx, plen) != 0 || k[plen] != '.')
			return NULL;
		k += plen + 1;
	}
	return strpbrk(k, ".[") ? NULL : k;
}

static const struct prop *child_row(const struct rtype *t, const char *pfx, const char *key)
{
	size_t plen = strlen(pfx);
	const struct prop *r;
	const char *k;

	for (size_t i = 0; (r = row_at(t, i)); i++)
		if ((k = child_key(r, pfx, plen)) && strcmp(k, key) == 0)
			return r;
	return NULL;
}

static bool has_children(const struct rtype *t, const char *pfx)
{
	size_t plen = strlen(pfx);
	const struct prop *r;

	for (size_t i = 0; (r = row_at(t, i)); i++)
		if (child_key(r, pfx, plen))
			return true;
	return false;
}

/* Row r's default: a new reference, NULL when it has none. */
static json_t *default_of(const struct prop *r)
{
	json_t *v;

	if (!r || !r->dflt)
		return NULL;
	v = json_loads(r->dflt, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(r->dflt);
}

/* What Heat substitutes for a null value of a type with no default. */
static json_t *empty_of(enum ptype type)
{
	switch (type) {
	case T_STRING:
		return json_string("");
	case T_INTEGER:
	case T_NUMBER:
		return json_integer(0);
	case T_BOOLEAN:
		return json_false();
	case T_MAP:
		return json_object();
	case T_LIST:
		return json_array();
	default:
		return json_null();
	}
}

/* ---------------------------------------------------------- Python text */

/* Python's str.isspace() on ASCII (\s in its regular expressions). */
static bool py_space(int ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (py_space((unsigned char)*s))
			return true;
	return false;
}

/* Python's repr() of a string, into buf (truncated to size). */
static void py_repr(const char *s, char *buf, size_t size)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	size_t n = 0;

	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return;
	}
	buf[n++] = q;
	for (; *s && n + 6 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\' || ch == (unsigned char)q) {
			buf[n++] = '\\';
			buf[n++] = (char)ch;
		} else if (ch == '\n' || ch == '\r' || ch == '\t') {
			buf[n++] = '\\';
			buf[n++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else if (ch < 0x20 || ch == 0x7f) {
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
		} else {
			buf[n++] = (char)ch;
		}
	}
	buf[n++] = q;
	buf[n] = '\0';
}

/* Python's str() of any value (repr() of strings when repr is set), into
 * buf. */
static void py_text(const json_t *v, bool repr, char *buf, size_t size)
{
	char *t;

	if (json_is_string(v)) {
		if (repr)
			py_repr(json_string_value(v), buf, size);
		else
			snprintf(buf, size, "%s", json_string_value(v));
		return;
	}
	t = pyjson_str(v);
	snprintf(buf, size, "%s", t ? t : "?");
	free(t);
}

/* json.dumps() of a value, into buf. */
static void py_dumps(const json_t *v, char *buf, size_t size)
{
	char *t = pyjson_dumps(v, false);

	snprintf(buf, size, "%s", t ? t : "?");
	free(t);
}

/* Characters (code points) in UTF-8 text, as Python's len() counts. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Digits with single underscores between them (Python's numeric
 * literals); advances *p past them; returns how many digits. */
static size_t py_digits(const char **p)
{
	const char *s = *p;
	size_t n = 0;

	while (isdigit((unsigned char)*s)) {
		n++;
		s++;
		if (*s == '_' && isdigit((unsigned char)s[1]))
			s++;
	}
	*p = s;
	return n;
}

/* Copies s without underscores or surrounding whitespace into buf. */
static bool py_numtext(const char *s, char *buf, size_t size)
{
	size_t n = 0, end;

	while (py_space((unsigned char)*s))
		s++;
	for (end = strlen(s); end && py_space((unsigned char)s[end - 1]); end--)
		;
	for (size_t i = 0; i < end; i++) {
		if (s[i] == '_')
			continue;
		if (n + 1 >= size)
			return false;
		buf[n++] = s[i];
	}
	buf[n] = '\0';
	return true;
}

/* Python's int(s) for a string: a new integer (a real past 64 bits), or
 * NULL when Python refuses it. */
static json_t *py_int(const char *s)
{
	const char *p = s;
	char buf[512], *end;
	long long i;

	while (py_space((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		p++;
	if (!py_digits(&p))
		return NULL;
	while (py_space((unsigned char)*p))
		p++;
	if (*p || !py_numtext(s, buf, sizeof(buf)))
		return NULL;
	errno = 0;
	i = strtoll(buf, &end, 10);
	if (errno == ERANGE)
		return json_real(strtod(buf, NULL));
	return json_integer(i);
}

/* Python's float(s) for a string: a new real, or NULL. */
static json_t *py_float(const char *s)
{
	static const char *const words[] = {"infinity", "inf", "nan"};
	const char *p = s, *w;
	char buf[512];
	bool neg;
	size_t n;

	while (py_space((unsigned char)*p))
		p++;
	neg = *p == '-';
	if (*p == '+' || *p == '-')
		p++;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		size_t len = strlen(words[i]);

		if (strncasecmp(p, words[i], len) != 0)
			continue;
		for (w = p + len; py_space((unsigned char)*w); w++)
			;
		if (*w)
			continue;
		/* JSON holds no infinity: the largest double stands for it. */
		return i < 2 ? json_real(neg ? -DBL_MAX : DBL_MAX) : NULL;
	}
	n = py_digits(&p);
	if (*p == '.') {
		p++;
		n += py_digits(&p);
	}
	if (!n)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!py_digits(&p))
			return NULL;
	}
	while (py_space((unsigned char)*p))
		p++;
	if (*p || !py_numtext(s, buf, sizeof(buf)))
		return NULL;
	return json_real(strtod(buf, NULL));
}

/* The number in a coerced numeric value (true counts 1, as in Python). */
static double num_of(const json_t *v)
{
	return json_is_boolean(v) ? (double)json_is_true(v) : json_number_value(v);
}

/* ------------------------------------------------------------ coercion */

static const char *not_a_number(const json_t *v)
{
	return json_is_array(v) ? "list" : json_is_object(v) ? "dict" : "NoneType";
}

/* Heat's Property.get_value() for a value that is not null: a new
 * reference to the value in the property's type, or NULL with Heat's
 * message in why (empty when out of memory). */
static json_t *coerce(enum ptype type, json_t *v, char *why, size_t size)
{
	char text[512];
	json_t *out;

	why[0] = '\0';
	switch (type) {
	case T_STRING:
		if (json_is_string(v))
			return json_incref(v);
		if (json_is_integer(v)) {
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			return json_string(text);
		}
		if (json_is_boolean(v))
			return json_string(json_is_true(v) ? "True" : "False");
		py_text(v, true, text, sizeof(text));
		snprintf(why, size, "Value must be a string; got %s", text);
		return NULL;
	case T_INTEGER:
		if (json_is_integer(v))
			return json_incref(v);
		if (json_is_boolean(v))
			return json_integer(json_is_true(v));
		if (json_is_real(v)) {
			double r = trunc(json_real_value(v));

			return fabs(r) < 9.2e18 ? json_integer((json_int_t)r) : json_real(r);
		}
		if (json_is_string(v)) {
			if ((out = py_int(json_string_value(v))))
				return out;
			snprintf(why, size, "Value '%s' is not an integer", json_string_value(v));
			return NULL;
		}
		snprintf(why, size,
			 "int() argument must be a string, a bytes-like object or a real number, "
			 "not '%s'",
			 not_a_number(v));
		return NULL;
	case T_NUMBER:
		if (json_is_number(v) || json_is_boolean(v))
			return json_incref(v);
		if (json_is_string(v)) {
			if ((out = py_int(json_string_value(v))) ||
			    (out = py_float(json_string_value(v))))
				return out;
			py_repr(json_string_value(v), text, sizeof(text));
			snprintf(why, size, "could not convert string to float: %s", text);
			return NULL;
		}
		snprintf(why, size,
			 "int() argument must be a string, a bytes-like object or a real number, "
			 "not '%s'",
			 not_a_number(v));
		return NULL;
	case T_BOOLEAN:
		if (json_is_boolean(v))
			return json_incref(v);
		py_text(v, false, text, sizeof(text));
		if (json_is_string(v)) {
			for (char *p = text; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
				return json_boolean(text[0] == 't');
		}
		snprintf(why, size, "\"%s\" is not a valid boolean", text);
		return NULL;
	case T_MAP:
		if (json_is_object(v))
			return json_incref(v);
		py_text(v, false, text, sizeof(text));
		snprintf(why, size, "\"%s\" is not a map", text);
		return NULL;
	case T_LIST:
		if (json_is_array(v))
			return json_incref(v);
		py_text(v, true, text, sizeof(text));
		snprintf(why, size, "\"%s\" is not a list", text);
		return NULL;
	default:
		return json_incref(v);
	}
}

/* The value of key k of map m coerced silently (null or absent: the
 * default dflt): for the types' own rules, which run on valid values. */
static json_int_t int_of(const json_t *m, const char *k, json_int_t dflt)
{
	json_t *v = json_object_get(m, k), *n;
	char why[8];
	json_int_t i;

	if (!v || json_is_null(v))
		return dflt;
	n = coerce(T_INTEGER, v, why, sizeof(why));
	i = json_is_integer(n) ? json_integer_value(n) : (json_int_t)num_of(n);
	json_decref(n);
	return i;
}

/* Whether key k of map m holds a value Python finds true once coerced to
 * a string (given, and not null or ""). */
static bool str_true(const json_t *m, const char *k)
{
	const json_t *v = json_object_get(m, k);

	return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v));
}

/* --------------------------------------------------- custom constraints */

/* An IPv4 address as netaddr reads one inside a network: 1 to 4 groups
 * of decimal digits (a short form fills the rest with zeros), each at
 * most 255.  *canonical tells whether s is exactly how netaddr prints it
 * (four groups, no leading zeros). */
static bool ipv4_parse(const char *s, size_t len, unsigned char out[4], bool *canonical)
{
	size_t groups = 0, i = 0;

	memset(out, 0, 4);
	*canonical = true;
	while (groups < 4) {
		unsigned v = 0;
		size_t digits = 0;

		for (; i < len && isdigit((unsigned char)s[i]); i++, digits++) {
			if (digits == 1 && v == 0)
				*canonical = false;
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return false;
		}
		if (!digits)
			return false;
		out[groups++] = (unsigned char)v;
		if (i == len)
			break;
		if (s[i++] != '.')
			return false;
	}
	if (i != len)
		return false;
	*canonical = *canonical && groups == 4;
	return true;
}

/* neutron-lib's validate_ip_address(): NULL when s is an address, else
 * its message, into why. */
static const char *check_ip(const char *s, char *why, size_t size)
{
	unsigned char a[16];
	bool canonical;
	size_t dots = 0;

	if (!has_space(s) && strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a) == 1)
			return NULL;
	} else if (!has_space(s)) {
		for (const char *p = s; *p; p++)
			dots += *p == '.';
		if (dots == 3 && ipv4_parse(s, strlen(s), a, &canonical)) {
			if (canonical)
				return NULL;
			snprintf(why, size,
				 "'%s' is not an accepted IP address, '%u.%u.%u.%u' is recommended",
				 s, a[0], a[1], a[2], a[3]);
			return why;
		}
	}
	snprintf(why, size, "'%s' is not a valid IP address", s);
	return why;
}

/* netaddr's reading of an IPv4 address in a network: inet_pton's four
 * decimal octets, else a partial address (1 to 4 dot-separated Python
 * int()s, the rest zeros). */
static bool net_addr4(const char *s, unsigned char a[4])
{
	const char *p = s;
	int n = 0;

	if (inet_pton(AF_INET, s, a) == 1)
		return true;
	if (strchr(s, ':'))
		return false;
	memset(a, 0, 4);
	for (;;) {
		size_t len = strcspn(p, ".");
		char tok[64];
		json_t *v;
		json_int_t x;

		if (n == 4 || len >= sizeof(tok))
			return false;
		memcpy(tok, p, len);
		tok[len] = '\0';
		v = py_int(tok);
		x = json_is_integer(v) ? json_integer_value(v) : -1;
		json_decref(v);
		if (x < 0 || x > 255)
			return false;
		a[n++] = (unsigned char)x;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

enum net_rc { NET_OK, NET_BAD, NET_ERR /* another message than "invalid IPNetwork" */ };

/* The prefix length a netmask (ones, then zeros) or else a hostmask
 * (zeros, then ones) of width bits stands for, or -1. */
static long mask_prefix(const unsigned char *m, long width)
{
	bool first = m[0] & 0x80;
	long i, j;

	for (i = 0; i < width && !!(m[i / 8] & (0x80u >> (i % 8))) == first; i++)
		;
	for (j = i; j < width && !!(m[j / 8] & (0x80u >> (j % 8))) != first; j++)
		;
	if (j != width)
		return -1;
	return !first && i == width ? 0 : i; /* all zeros: the netmask of /0 */
}

/* netaddr's parse_ip_network() for one family: the address, then
 * optionally "/" and a prefix length (Python int() syntax), a netmask or
 * a hostmask. */
static enum net_rc net_family(const char *s, bool v6, unsigned char a[16], long *prefix, char *err,
			      size_t size)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	long width = v6 ? 128 : 32;
	unsigned char m[16];
	char addr[256];
	json_t *p;

	if (alen >= sizeof(addr))
		return NET_BAD;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (v6 ? inet_pton(AF_INET6, addr, a) != 1 : !net_addr4(addr, a))
		return NET_BAD;
	*prefix = width;
	if (!slash)
		return NET_OK;
	p = py_int(slash + 1);
	if (p) {
		*prefix = json_is_integer(p) ? (long)json_integer_value(p) : -1;
		json_decref(p);
	} else if (strchr(slash + 1, '/')) {
		snprintf(err, size,
			 "IPAddress() does not support netmasks or subnet prefixes! See "
			 "documentation for details.");
		return NET_ERR;
	} else if (inet_pton(v6 ? AF_INET6 : AF_INET, slash + 1, m) == 1) {
		*prefix = mask_prefix(m, width);
	} else {
		return NET_BAD;
	}
	return *prefix >= 0 && *prefix <= width ? NET_OK : NET_BAD;
}

/* netaddr's cidr_abbrev_to_verbose() (implicit_prefix=True): "10" is
 * 10.0.0.0/8, "192.168" 192.168.0.0/16, by the old address classes. */
static enum net_rc net_abbrev(const char *s, char *out, size_t size, char *err, size_t esize)
{
	const char *slash = strchr(s, '/');
	json_t *v = NULL;
	json_int_t first;
	char part[256], tokens[264];
	int ntok = 1, cls;

	snprintf(out, size, "%s", s);
	if (strchr(s, ':') || !*s)
		return NET_OK;
	if ((v = py_int(s))) {
		first = json_is_integer(v) ? json_integer_value(v) : -1;
		json_decref(v);
		if (first >= 0 && first <= 255)
			snprintf(out, size, "%lld.0.0.0/%d", (long long)first,
				 first < 128   ? 8
				 : first < 192 ? 16
				 : first < 224 ? 24
				 : first < 240 ? 4
					       : 32);
		return NET_OK;
	}
	if (slash) {
		v = py_int(slash + 1);
		first = json_is_integer(v) ? json_integer_value(v) : -1;
		json_decref(v);
		if (first < 0 || first > 32)
			return NET_OK;
	}
	snprintf(part, sizeof(part), "%.*s", (int)(slash ? slash - s : (long)strlen(s)), s);
	for (const char *p = part; *p; p++)
		ntok += *p == '.';
	if (ntok > 4)
		return NET_OK;
	snprintf(tokens, sizeof(tokens), "%s%s", part,
		 ntok == 1   ? ".0.0.0"
		 : ntok == 2 ? ".0.0"
		 : ntok == 3 ? ".0"
			     : "");
	if (slash) {
		snprintf(out, size, "%s%s", tokens, slash);
		return NET_OK;
	}
	part[strcspn(part, ".")] = '\0';
	if (!(v = py_int(part)))
		return NET_OK;
	first = json_is_integer(v) ? json_integer_value(v) : 256;
	json_decref(v);
	if (first < 0 || first > 255) {
		snprintf(err, esize, "Invalid octet: %lld!", (long long)first);
		return NET_ERR;
	}
	cls = first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : first < 240 ? 4 : 32;
	snprintf(out, size, "%s/%d", tokens, cls);
	return NET_OK;
}

/* netaddr's IPNetwork(s, implicit_prefix): IPv4 first, then IPv6.
 * Writes the network (host bits cleared) in CIDR notation into cidr and
 * how netaddr prints the network into text; on failure, netaddr's
 * message into err. */
static bool net_parse(const char *s, bool implicit, char *cidr, char *text, size_t size, char *err,
		      size_t esize)
{
	unsigned char a[16];
	char abbr[300], at[INET6_ADDRSTRLEN];
	long prefix, width;
	enum net_rc rc = NET_OK;
	bool v6 = false;

	snprintf(abbr, sizeof(abbr), "%s", s);
	if (implicit)
		rc = net_abbrev(s, abbr, sizeof(abbr), err, esize);
	if (rc == NET_OK && (rc = net_family(abbr, false, a, &prefix, err, esize)) == NET_BAD) {
		v6 = true;
		rc = net_family(abbr, true, a, &prefix, err, esize);
	}
	if (rc == NET_BAD)
		snprintf(err, esize, "invalid IPNetwork %s", s);
	if (rc != NET_OK)
		return false;
	width = v6 ? 128 : 32;
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, at, sizeof(at));
	snprintf(text, size, "%s/%ld", at, prefix);
	for (long i = prefix; i < width; i++)
		a[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, at, sizeof(at));
	snprintf(cidr, size, "%s/%ld", at, prefix);
	return true;
}

/* neutron-lib's validate_subnet(): NULL when s is a network in CIDR
 * notation, else its message, into why. */
static const char *check_subnet(const char *s, char *why, size_t size)
{
	char cidr[80], text[80], err[256];

	if (has_space(s) || !net_parse(s, false, cidr, text, sizeof(cidr), err, sizeof(err))) {
		snprintf(why, size, "'%s' is not a valid IP subnet", s);
		return why;
	}
	if (strchr(s, '/') && (strchr(s, ':') || strcmp(text, s) == 0))
		return NULL;
	snprintf(why, size, "'%s' isn't a recognized IP subnet cidr, '%s' is recommended", s, cidr);
	return why;
}

/* Heat's net_cidr: netaddr must read it (with the old abbreviations),
 * then validate_subnet() must accept it. */
static const char *check_cidr(const char *s, char *why, size_t size)
{
	char cidr[80], text[80], err[512];

	if (!net_parse(s, true, cidr, text, sizeof(cidr), err, sizeof(err))) {
		snprintf(why, size, "Invalid net cidr %s ", err);
		return why;
	}
	return check_subnet(s, why, size);
}

/* netaddr's valid_mac(): six groups of 1-2 hex digits or three of 1-4
 * (separated by ':', '-' or, for three, '.'), two of 5-6 (':' or '-'),
 * or 11 or 12 hex digits. */
static bool mac_valid(const char *s)
{
	static const struct {
		char sep;
		int groups, min, max;
	} forms[] = {{':', 6, 1, 2}, {'-', 6, 1, 2}, {':', 3, 1, 4}, {'-', 3, 1, 4},
		     {'.', 3, 1, 4}, {'-', 2, 5, 6}, {':', 2, 5, 6}, {0, 1, 11, 12}};

	for (size_t f = 0; f < ARRAY_SIZE(forms); f++) {
		const char *p = s;
		int g;

		for (g = 0; g < forms[f].groups; g++) {
			int n = 0;

			while (isxdigit((unsigned char)p[n]))
				n++;
			if (n < forms[f].min || n > forms[f].max)
				break;
			p += n;
			if (g + 1 < forms[f].groups) {
				if (*p != forms[f].sep)
					break;
				p++;
			}
		}
		if (g == forms[f].groups && !*p)
			return true;
	}
	return false;
}

/* Heat's validate_dns_format(): NULL when s is a DNS name, else the
 * reason, into why. */
static const char *dns_reason(const char *s, char *why, size_t size)
{
	size_t len = strlen(s), trimmed = len && s[len - 1] == '.' ? len - 1 : len;
	const char *p = s, *end = s + trimmed, *last = s;

	if (!*s)
		return NULL;
	if (utf8_len(s) - (trimmed < len) > 255) {
		snprintf(why, size, "'%.*s' exceeds the 255 character FQDN limit", (int)trimmed, s);
		return why;
	}
	while (p <= end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t n = dot ? (size_t)(dot - p) : (size_t)(end - p);
		bool ok = n >= 1 && n <= 63;

		if (!n) {
			snprintf(why, size, "Encountered an empty component.");
			return why;
		}
		if (p[0] == '-' || p[n - 1] == '-') {
			snprintf(why, size, "Name '%.*s' must not start or end with a hyphen.",
				 (int)n, p);
			return why;
		}
		for (size_t i = 0; i < n && ok; i++)
			ok = islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) ||
			     p[i] == '-';
		if (!ok) {
			snprintf(
				why, size,
				"Name '%.*s' must be 1-63 characters long, each of which can only be "
				"alphanumeric or a hyphen.",
				(int)n, p);
			return why;
		}
		last = p;
		p += n + 1;
	}
	if (trimmed < len && last != s && strspn(last, "0123456789") == (size_t)(end - last)) {
		snprintf(why, size, "TLD '%.*s' must not be all numeric.", (int)(end - last), last);
		return why;
	}
	return NULL;
}

/* An ISO 8601 date and time as the iso8601 module parses it (Heat's
 * parse_isotime()): the instant in seconds since the epoch, UTC, into
 * *when.  On failure writes the module's message into why. */
static bool iso_parse(const char *s, double *when, char *why, size_t size)
{
	/* Groups: 1 year, 2-3 month, 4-5 day, 6 hour, 7 minute, 8 second,
	 * 9 fraction, 10 zone, 11 its sign, 12 its hours, 13 its minutes. */
	static const char pattern[] =
		"^([0-9]{4})(?:(?:-([0-9]{1,2})|([0-9]{2})(?!$))"
		"(?:(?:-([0-9]{1,2})|([0-9]{2}))"
		"(?:[ T]([0-9]{2})(?::?([0-9]{2}))?(?::?([0-9]{1,2})(?:[.,]([0-9]+))?)?"
		"(Z|([-+])([0-9]{2}):?([0-9]{2})?)?)?)?)?$";
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	pcre2_code *re;
	pcre2_match_data *md = NULL;
	PCRE2_SIZE erroff, *ov;
	int err, rc, f[14] = {0};
	bool ok = false, leap;
	struct tm tm = {0};

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &erroff, NULL);
	if (re)
		md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = md ? pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) : -1;
	if (rc < 0) {
		snprintf(why, size, "Unable to parse date string ");
		py_repr(s, why + strlen(why), size - strlen(why));
		goto out;
	}
	ov = pcre2_get_ovector_pointer(md);
	for (int g = 1; g < rc && g < 14; g++) {
		f[g] = -1;
		if (ov[2 * g] != PCRE2_UNSET && g != 9 && g != 10 && g != 11)
			for (PCRE2_SIZE i = ov[2 * g]; i < ov[2 * g + 1]; i++)
				f[g] = (f[g] < 0 ? 0 : f[g] * 10) + (s[i] - '0');
	}
	for (int g = rc; g < 14; g++)
		f[g] = -1;
	f[2] = f[2] >= 0 ? f[2] : f[3] >= 0 ? f[3] : 1;
	f[4] = f[4] >= 0 ? f[4] : f[5] >= 0 ? f[5] : 1;
	leap = f[1] % 4 == 0 && (f[1] % 100 || f[1] % 400 == 0);
	if (f[1] < 1)
		snprintf(why, size, "year 0 is out of range");
	else if (f[2] < 1 || f[2] > 12)
		snprintf(why, size, "month must be in 1..12");
	else if (f[4] < 1 || f[4] > mdays[f[2] - 1] + (f[2] == 2 && leap))
		snprintf(why, size, "day is out of range for month");
	else if (f[6] > 23)
		snprintf(why, size, "hour must be in 0..23");
	else if (f[7] > 59)
		snprintf(why, size, "minute must be in 0..59");
	else if (f[8] > 59)
		snprintf(why, size, "second must be in 0..59");
	else
		ok = true;
	if (!ok)
		goto out;
	tm.tm_year = f[1] - 1900;
	tm.tm_mon = f[2] - 1;
	tm.tm_mday = f[4];
	tm.tm_hour = f[6] > 0 ? f[6] : 0;
	tm.tm_min = f[7] > 0 ? f[7] : 0;
	tm.tm_sec = f[8] > 0 ? f[8] : 0;
	*when = (double)timegm(&tm);
	if (f[12] >= 0)
		*when -= (s[ov[22]] == '-' ? -60.0 : 60.0) * (f[12] * 60 + (f[13] > 0 ? f[13] : 0));
out:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return ok;
}

/* pytz.timezone(): the IANA zone names (case-insensitively) and UTC. */
static bool zone_exists(const char *name)
{
	char path[512] = "/usr/share/zoneinfo";
	struct stat st;
	const char *p = name;

	if (stat(path, &st) != 0)
		return true; /* no database to check against */
	if (!*name || name[0] == '/' || name[strlen(name) - 1] == '/' || strstr(name, "//") ||
	    strchr(name, '.'))
		return false;
	/* Walk the components, matching each without regard to case. */
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p), used = strlen(path);
		DIR *dir = opendir(path);
		struct dirent *e;
		bool found = false;

		if (!dir)
			return false;
		while (!found && (e = readdir(dir)))
			if (strlen(e->d_name) == n && strncasecmp(e->d_name, p, n) == 0 &&
			    used + n + 2 < sizeof(path)) {
				snprintf(path + used, sizeof(path) - used, "/%s", e->d_name);
				found = true;
			}
		closedir(dir);
		if (!found)
			return false;
		p += n + (slash != NULL);
	}
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* One value of field i of a cron expression: a number or, for months
 * and weekdays, a three-letter name; -1 when it is neither. */
static long cron_value(int i, const char *w)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec",
			  days[] = "sunmontuewedthufrisat";
	const char *names = i == 3 ? months : i == 4 ? days : NULL, *hit;
	char *end;
	long v;

	if (names && strlen(w) == 3 && (hit = strstr(names, w)) && (hit - names) % 3 == 0)
		return (hit - names) / 3 + (i == 3);
	if (!isdigit((unsigned char)*w))
		return -1;
	v = strtol(w, &end, 10);
	return *end ? -1 : v;
}

/* croniter's parse of a cron expression: 5 fields (6 with seconds last),
 * each a list of *, values, ranges and steps; NULL when it is one, else
 * croniter's message, into why. */
static const char *cron_reason(const char *s, char *why, size_t size)
{
	static const char *const aliases[] = {"@midnight", "@hourly", "@daily",   "@weekly",
					      "@monthly",  "@yearly", "@annually"};
	static const long lo[] = {0, 0, 1, 1, 0, 0}, hi[] = {59, 23, 31, 12, 7, 59};
	char low[256], expr[256], *fields[7], *p = expr;
	int n = 0;

	snprintf(low, sizeof(low), "%s", s);
	for (char *q = low; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(low, aliases[i]) == 0)
			return NULL;
	memcpy(expr, low, sizeof(expr));
	while (n < 7) { /* fields: runs of non-blanks */
		while (*p && py_space((unsigned char)*p))
			p++;
		if (!*p)
			break;
		fields[n++] = p;
		while (*p && !py_space((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n != 5 && n != 6) {
		snprintf(why, size,
			 "Exactly 5 or 6 columns has to be specified for iterator expression.");
		return why;
	}
	for (int i = 0; i < n; i++) {
		char *item, *next;

		for (item = fields[i]; item; item = next) {
			char *step, *dash;
			long a, b;

			if ((next = strchr(item, ',')))
				*next++ = '\0';
			step = strchr(item, '/');

			if (step) {
				*step++ = '\0';
				if (cron_value(0, step) < 0)
					goto bad;
				if (cron_value(0, step) == 0) {
					snprintf(why, size,
						 "invalid range: range() arg 3 must not be zero");
					return why;
				}
			}
			if (strcmp(item, "*") == 0 || (i == 2 && strcmp(item, "l") == 0) ||
			    (i == 4 && strchr(item, '#')))
				continue;
			if ((dash = strchr(item + (*item != '\0'), '-')))
				*dash++ = '\0';
			a = cron_value(i, item);
			b = dash ? cron_value(i, dash) : a;
			if (a < 0 || b < 0 || a > b)
				goto bad;
			if (a < lo[i] || b > hi[i]) {
				if (dash)
					snprintf(why, size, "%s is out of bands", low);
				else
					snprintf(why, size, "[%s] is not acceptable, out of range",
						 low);
				return why;
			}
		}
	}
	return NULL;
bad:
	snprintf(why, size, "[%s] is not acceptable", low);
	return why;
}

/* The constraints that look something up in a service: they accept any
 * value here (Heat asks the service). */
static const char *const service_constraints[] = {"barbican.container",
						  "barbican.secret",
						  "blazar.reservation",
						  "cinder.backup",
						  "cinder.qos_specs",
						  "cinder.snapshot",
						  "cinder.volume",
						  "cinder.vtype",
						  "designate.zone",
						  "glance.image",
						  "ironic.node",
						  "ironic.portgroup",
						  "keystone.domain",
						  "keystone.group",
						  "keystone.project",
						  "keystone.region",
						  "keystone.role",
						  "keystone.service",
						  "keystone.user",
						  "magnum.cluster_template",
						  "manila.share_network",
						  "manila.share_snapshot",
						  "manila.share_type",
						  "mistral.workflow",
						  "monasca.notification",
						  "neutron.address_scope",
						  "neutron.flow_classifier",
						  "neutron.lb.provider",
						  "neutron.lbaas.listener",
						  "neutron.lbaas.loadbalancer",
						  "neutron.lbaas.pool",
						  "neutron.lbaas.provider",
						  "neutron.network",
						  "neutron.port",
						  "neutron.port_pair",
						  "neutron.port_pair_group",
						  "neutron.qos_policy",
						  "neutron.router",
						  "neutron.security_group",
						  "neutron.segment",
						  "neutron.subnet",
						  "neutron.subnetpool",
						  "neutron.taas.tap_flow",
						  "neutron.taas.tap_service",
						  "nova.flavor",
						  "nova.host",
						  "nova.keypair",
						  "nova.network",
						  "nova.server",
						  "octavia.flavor",
						  "octavia.flavorprofile",
						  "octavia.l7policy",
						  "octavia.listener",
						  "octavia.loadbalancer",
						  "octavia.pool",
						  "sahara.cluster",
						  "sahara.cluster_template",
						  "sahara.data_source",
						  "sahara.image",
						  "sahara.job_binary",
						  "sahara.job_type",
						  "sahara.plugin",
						  "senlin.cluster",
						  "senlin.policy",
						  "senlin.policy_type",
						  "senlin.profile",
						  "senlin.profile_type",
						  "test_constr"};

int rtype_constraint_check(const char *name, const char *value, char *why, size_t size)
{
	char reason[768], text[512];
	const char *msg = NULL;
	double when;

	reason[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(service_constraints); i++)
		if (strcmp(name, service_constraints[i]) == 0)
			return 1;
	if (strcmp(name, "ip_addr") == 0) {
		if (check_ip(value, reason, sizeof(reason)))
			msg = "Invalid IP address";
	} else if (strcmp(name, "ip_or_cidr") == 0) {
		msg = strchr(value, '/') ? check_subnet(value, reason, sizeof(reason))
					 : check_ip(value, reason, sizeof(reason));
	} else if (strcmp(name, "net_cidr") == 0) {
		msg = check_cidr(value, reason, sizeof(reason));
	} else if (strcmp(name, "mac_addr") == 0) {
		if (!mac_valid(value))
			msg = "Invalid MAC address.";
	} else if (strcmp(name, "dns_name") == 0 || strcmp(name, "dns_domain") == 0 ||
		   strcmp(name, "rel_dns_name") == 0) {
		bool domain = strcmp(name, "dns_domain") == 0, rel = name[0] == 'r';
		size_t len = strlen(value);

		if (!*value)
			return 1;
		if (rel && value[len - 1] == '.') {
			snprintf(reason, sizeof(reason),
				 "'%s' is a FQDN. It should be a relative domain name.", value);
			msg = reason;
		} else if (rel && utf8_len(value) > 252) {
			snprintf(
				reason, sizeof(reason),
				"'%s' contains '%zu' characters. Adding a domain name will cause it "
				"to exceed the maximum length of a FQDN of '255'.",
				value, utf8_len(value));
			msg = reason;
		} else if (dns_reason(value, text, sizeof(text))) {
			snprintf(reason, sizeof(reason), "'%s' not in valid format. Reason: %s",
				 value, text);
			msg = reason;
		} else if (domain && value[len - 1] != '.') {
			snprintf(reason, sizeof(reason), "'%s' must end with '.'.", value);
			msg = reason;
		}
	} else if (strcmp(name, "iso_8601") == 0) {
		if (!iso_parse(value, &when, text, sizeof(text))) {
			snprintf(why, size, "Error validating value '%s'", value);
			return 0;
		}
	} else if (strcmp(name, "expiration") == 0) {
		const char *v = value;
		char trimmed[512];
		size_t n;

		if (!*value)
			return 1;
		while (py_space((unsigned char)*v))
			v++;
		snprintf(trimmed, sizeof(trimmed), "%s", v);
		for (n = strlen(trimmed); n && py_space((unsigned char)trimmed[n - 1]); n--)
			trimmed[n - 1] = '\0';
		if (!iso_parse(trimmed, &when, text, sizeof(text))) {
			snprintf(reason, sizeof(reason), "Expiration %s is invalid: %s", value,
				 text);
			msg = reason;
		} else if (when <= (double)time(NULL)) {
			snprintf(reason, sizeof(reason),
				 "Expiration %s is invalid: Expiration time is out of date.",
				 value);
			msg = reason;
		}
	} else if (strcmp(name, "timezone") == 0) {
		if (*value && strcasecmp(value, "UTC") != 0 && !zone_exists(value)) {
			py_repr(value, text, sizeof(text));
			snprintf(reason, sizeof(reason), "Invalid timezone: %s", text);
			msg = reason;
		}
	} else if (strcmp(name, "cron_expression") == 0) {
		if (*value && (msg = cron_reason(value, text, sizeof(text)))) {
			snprintf(reason, sizeof(reason), "Invalid CRON expression: %s", text);
			msg = reason;
		}
	} else {
		snprintf(why, size, "\"%s\" does not validate %s (constraint not found)", value,
			 name);
		return -1;
	}
	if (!msg)
		return 1;
	snprintf(why, size, "Error validating value '%s': %s", value, msg);
	return 0;
}

/* ---------------------------------------------------------------- checker */

/* Where a resolved value was written: findings are marked there. */
struct at {
	const json_t *obj; /* the raw node, or the raw object holding it */
	const char *key;   /* its key in obj; NULL: the node is obj itself */
	bool mirror;       /* the raw node has the resolved value's shape */
};

struct chk {
	const struct doc *d;
	struct diags *dg;
	int errors;
	const struct rtype *t;
	char *path; /* "resources.NAME.properties" and the part below it */
	size_t len, cap;
	char name[256];        /* the resource's name, for the types' own messages */
	const json_t *top_obj; /* where missing properties are placed */
	const char *top_key;
};

static const json_t *at_node(const struct at *a)
{
	return a->key ? json_object_get(a->obj, a->key) : a->obj;
}

/* The place of key k of the map at a: its own when the raw map has it,
 * else the nearest raw ancestor's (a function wrote the map). */
static struct at at_key(const struct at *a, const char *k)
{
	const json_t *n = a->mirror ? at_node(a) : NULL;

	if (json_is_object(n) && json_object_get(n, k))
		return (struct at){n, k, true};
	return (struct at){a->obj, a->key, false};
}

/* The place of item i of the list at a, which has n items once resolved
 * (a function may have left items out: then the raw list does not
 * mirror it).  true, false and null have no mark: their list stands in. */
static struct at at_index(const struct at *a, size_t i, size_t n)
{
	const json_t *l = a->mirror ? at_node(a) : NULL, *item;

	if (!json_is_array(l) || json_array_size(l) != n)
		return (struct at){a->obj, a->key, false};
	item = json_array_get(l, i);
	if (json_is_boolean(item) || json_is_null(item))
		return (struct at){l, NULL, false};
	return (struct at){item, NULL, true};
}

/* Appends to the path; returns the length to restore with path_pop. */
static size_t path_push(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(struct chk *c, const char *fmt, ...)
{
	size_t old = c->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->len, c->cap - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len = c->len + (size_t)n < c->cap ? c->len + (size_t)n : c->cap - 1;
	return old;
}

static void path_pop(struct chk *c, size_t len)
{
	c->len = len;
	c->path[len] = '\0';
}

/* A finding at a: with the property's path and Heat's "Property error"
 * prefix, or (a type's own rules) with neither, as Heat gives none. */
static void verr(struct chk *c, const struct at *a, bool prop, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void verr(struct chk *c, const struct at *a, bool prop, const char *fmt, va_list ap)
{
	char msg[1536];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	DIAG_ERR(c, a->obj, a->key, prop ? c->path : NULL, "%s%s", prop ? "Property error: " : "",
		 msg);
}

static void prop_err(struct chk *c, const struct at *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void prop_err(struct chk *c, const struct at *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, a, true, fmt, ap);
	va_end(ap);
}

static void rule_err(struct chk *c, const struct at *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rule_err(struct chk *c, const struct at *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(c, a, false, fmt, ap);
	va_end(ap);
}

/* The allowed values "{a,b}" of row r as the list Heat prints and
 * compares (numbers for numeric properties).  New reference. */
static json_t *allowed_list(const struct prop *r)
{
	json_t *list = json_array();
	const char *p = r->cons + 1;

	while (list && *p && *p != '}') {
		size_t n = strcspn(p, ",}");
		char word[128];

		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		if (r->type == T_INTEGER || r->type == T_NUMBER)
			json_array_append_new(list, json_real(strtod(word, NULL)));
		else
			json_array_append_new(list, json_string(word));
		p += n + (p[n] == ',');
	}
	return list;
}

static bool allowed_has(const json_t *list, const json_t *v, bool numeric)
{
	const json_t *a;
	size_t i;

	json_array_foreach (list, i, a)
		if (numeric ? (json_is_number(v) || json_is_boolean(v)) && num_of(a) == num_of(v)
			    : json_equal((json_t *)a, (json_t *)v))
			return true;
	return false;
}

/* A "min..max" bound into *v and its text as Heat prints it ("None"
 * when absent). */
static bool bound(const char *s, size_t n, double *v, char *text, size_t size)
{
	snprintf(text, size, "%.*s", n ? (int)n : 4, n ? s : "None");
	*v = n ? strtod(text, NULL) : 0;
	return n != 0;
}

/* Row r's constraint on the coerced value val (Heat checks these after
 * coercion, so "600" is out of range as 600). */
static void check_cons(struct chk *c, const struct prop *r, enum ptype type, const json_t *val,
		       const struct at *a)
{
	const char *k = r->cons, *dots;
	char vt[512], lt[640], mint[32], maxt[32], why[1536];
	double lo, hi, x;
	bool haslo, hashi;

	if (k[0] == '{') {
		json_t *list = allowed_list(r), *item;
		bool ok = true;
		size_t i;

		if (json_is_array(val)) {
			json_array_foreach (val, i, item)
				ok = ok && allowed_has(list, item, false);
		} else {
			ok = allowed_has(list, val, type == T_INTEGER || type == T_NUMBER);
		}
		if (!ok) {
			json_t *shown = list;

			/* Heat prints numbers as written in its schema: integers. */
			if (type == T_INTEGER) {
				shown = json_array();
				json_array_foreach (list, i, item)
					json_array_append_new(
						shown, json_integer((json_int_t)num_of(item)));
			}
			py_dumps(val, vt, sizeof(vt));
			py_dumps(shown, lt, sizeof(lt));
			prop_err(c, a, "%s is not an allowed value %s", vt, lt);
			if (shown != list)
				json_decref(shown);
		}
		json_decref(list);
		return;
	}
	if ((dots = strstr(k, ".."))) {
		bool length = strncmp(k, "len ", 4) == 0;
		const char *from = length ? k + 4 : k;

		haslo = bound(from, (size_t)(dots - from), &lo, mint, sizeof(mint));
		hashi = bound(dots + 2, strlen(dots + 2), &hi, maxt, sizeof(maxt));
		if (length) {
			size_t n = json_is_string(val)  ? utf8_len(json_string_value(val))
				   : json_is_array(val) ? json_array_size(val)
							: json_object_size(val);

			if ((haslo && (double)n < lo) || (hashi && (double)n > hi))
				prop_err(c, a, "length (%zu) is out of range (min: %s, max: %s)", n,
					 mint, maxt);
			return;
		}
		x = num_of(val);
		if ((haslo && x < lo) || (hashi && x > hi)) {
			py_text(val, false, vt, sizeof(vt));
			prop_err(c, a, "%s is out of range (min: %s, max: %s)", vt, mint, maxt);
		}
		return;
	}
	if (json_is_string(val) &&
	    rtype_constraint_check(k, json_string_value(val), why, sizeof(why)) == 0)
		prop_err(c, a, "%s", why);
}

static void check_map(struct chk *c, const char *pfx, json_t *map, const struct at *a);
static void check_list(struct chk *c, const char *pfx, json_t *list, const struct at *a);

/* One value v against its schema: type (with row r, whose constraint and
 * default apply; NULL for list items without a row of their own) and
 * pfx, the schema path below which its nested rows are. */
static void check_value(struct chk *c, const struct prop *r, enum ptype type, const char *pfx,
			json_t *v, const struct at *a)
{
	json_t *own = NULL, *val;
	char why[1536];

	if (v == eval_unknown())
		return;
	if (json_is_null(v)) {
		own = r && r->dflt ? default_of(r) : empty_of(type);
		if (!own)
			return;
		v = own;
	}
	val = coerce(type, v, why, sizeof(why));
	if (!val) {
		if (why[0])
			prop_err(c, a, "%s", why);
		goto out;
	}
	if (r && r->cons && !eval_tainted(val))
		check_cons(c, r, type, val, a);
	if (type == T_MAP && has_children(c->t, pfx))
		check_map(c, pfx, val, a);
	else if (type == T_LIST)
		check_list(c, pfx, val, a);
out:
	json_decref(val);
	json_decref(own);
}

/* Whether v is a value Python finds true (given, not null, not empty). */
static bool py_true(const json_t *v)
{
	return v && !json_is_null(v) && !json_is_false(v) &&
	       !(json_is_string(v) && !*json_string_value(v)) &&
	       !(json_is_integer(v) && !json_integer_value(v)) &&
	       !(json_is_array(v) && !json_array_size(v)) &&
	       !(json_is_object(v) && !json_object_size(v));
}

/* The hidden alias of key k of the map at pfx given in map (not null),
 * or NULL: it stands in for k, as Heat copies it there. */
static const struct prop *alias_given(const struct rtype *t, const char *pfx, const char *k,
				      const json_t *map)
{
	size_t plen = strlen(pfx);
	const struct prop *r;
	const char *ak;

	for (size_t i = 0; (r = row_at(t, i)); i++)
		if (r->alias && strcmp(r->alias, k) == 0 && (ak = child_key(r, pfx, plen))) {
			const json_t *v = json_object_get(map, ak);

			if (v && !json_is_null(v))
				return r;
		}
	return NULL;
}

/* "a.b, a.c" for rows "a[].b" and "a[].c": how Heat names a property and
 * its alias that are both given. */
static void conflict_names(const struct prop *r, const struct prop *alias, char *buf, size_t size)
{
	size_t n = 0;

	for (int k = 0; k < 2; k++) {
		for (const char *p = k ? alias->name : r->name; *p && n + 3 < size; p++)
			if (strncmp(p, "[]", 2) == 0)
				p++;
			else
				buf[n++] = *p;
		if (!k) {
			buf[n++] = ',';
			buf[n++] = ' ';
		}
	}
	buf[n] = '\0';
}

/* A finding about something missing in the map at a: at the key that
 * holds the map (the properties' own place at the top, set by the caller). */
static void missing(struct chk *c, const struct at *a, bool top, const char *k)
{
	const json_t *obj = top ? c->top_obj : a->obj;
	const char *key = top ? c->top_key : a->key;

	if (key)
		DIAG_ERR_KEY(c, obj, key, c->path, "Property error: Property %s not assigned", k);
	else
		DIAG_ERR(c, obj, NULL, c->path, "Property error: Property %s not assigned", k);
}

/* A map with a schema: unknown keys, missing required ones, each key's
 * value.  Heat reports both kinds at the map's path. */
static void check_map(struct chk *c, const char *pfx, json_t *map, const struct at *a)
{
	const json_t *raw = a->mirror ? at_node(a) : NULL;
	size_t plen = strlen(pfx);
	const struct prop *r, *alias;
	const char *k;
	json_t *v;

	json_object_foreach (map, k, v) {
		if (child_row(c->t, pfx, k))
			continue;
		if (json_is_object(raw) && json_object_get(raw, k))
			DIAG_ERR_KEY(c, raw, k, c->path, "Property error: Unknown Property %s", k);
		else
			prop_err(c, a, "Unknown Property %s", k);
	}
	for (size_t i = 0; (r = row_at(c->t, i)); i++) {
		if (!(k = child_key(r, pfx, plen)))
			continue;
		alias = alias_given(c->t, pfx, k, map);
		if ((v = json_object_get(map, k))) {
			struct at ka = at_key(a, k);
			size_t len = path_push(c, ".%s", k);

			check_value(c, r, r->type, r->name, v, &ka);
			if (alias && py_true(v) &&
			    py_true(json_object_get(map, child_key(alias, pfx, plen)))) {
				char names[256];

				conflict_names(r, alias, names, sizeof(names));
				prop_err(
					c, &ka,
					"Cannot define the following properties at the same time: %s",
					names);
			}
			path_pop(c, len);
		} else if (r->required && !r->dflt && !alias) {
			missing(c, a, plen == 0, k);
		}
	}
}

/* A list: each item against the items' schema, if the list has one
 * (a row "pfx[]", or rows "pfx[].key" for items that are maps). */
static void check_list(struct chk *c, const char *pfx, json_t *list, const struct at *a)
{
	char ipfx[160];
	const struct prop *ir;
	enum ptype it;
	size_t i, n = json_array_size(list);
	json_t *item;

	snprintf(ipfx, sizeof(ipfx), "%s[]", pfx);
	if ((ir = row_find(c->t, ipfx)))
		it = ir->type;
	else if (has_children(c->t, ipfx))
		it = T_MAP;
	else
		return;
	json_array_foreach (list, i, item) {
		struct at ia = at_index(a, i, n);
		size_t len = path_push(c, "[%zu]", i);

		check_value(c, ir, it, ipfx, item, &ia);
		path_pop(c, len);
	}
}

/* ------------------------------------------------------ the types' rules */

/* A value coerced to a string, as Heat's rules see it: "" for null,
 * "None" when absent. */
static void str_of(json_t *v, char *buf, size_t size)
{
	char why[8];
	json_t *s = v && !json_is_null(v) ? coerce(T_STRING, v, why, sizeof(why)) : NULL;

	snprintf(buf, size, "%s", s ? json_string_value(s) : v ? "" : "None");
	json_decref(s);
}

/* Whether key k of map m is given and not null: for hidden aliases, which
 * Heat copies only then. */
static bool nonnull(const json_t *m, const char *k)
{
	const json_t *v = json_object_get(m, k);

	return v && !json_is_null(v);
}

static void conflict(struct chk *c, const struct at *a, const char *props)
{
	rule_err(c, a, "Cannot define the following properties at the same time: %s.", props);
}

/* OS::Nova::Server: block device mappings and the boot source, then each
 * network (Server._validate_block_device_mapping, _validate_network). */
static void rule_server(struct chk *c, json_t *props, const struct at *at)
{
	json_t *bdm = json_object_get(props, "block_device_mapping"),
	       *bdm2 = json_object_get(props, "block_device_mapping_v2"),
	       *nets = json_object_get(props, "networks"), *m;
	struct at la = at_key(at, "block_device_mapping"), a;
	bool bootable = json_object_get(props, "image") != NULL, has_port = false, strnet = false;
	int sources = bootable;
	size_t i;

	if (json_array_size(bdm) && json_array_size(bdm2)) {
		a = at_key(at, "block_device_mapping_v2");
		conflict(c, &a, "block_device_mapping, block_device_mapping_v2");
	}
	json_array_foreach (bdm, i, m) {
		bool vol = json_object_get(m, "volume_id"),
		     snap = json_object_get(m, "snapshot_id");
		char dn[256];

		a = at_index(&la, i, json_array_size(bdm));
		str_of(json_object_get(m, "device_name"), dn, sizeof(dn));
		if (strcmp(dn, "vda") == 0)
			bootable = true;
		if (vol && snap)
			conflict(c, &a, "volume_id, snapshot_id");
		else if (!vol && !snap)
			rule_err(c, &a,
				 "Either volume_id or snapshot_id must be specified for device "
				 "mapping %s",
				 dn);
	}
	la = at_key(at, "block_device_mapping_v2");
	json_array_foreach (bdm2, i, m) {
		bool vol = json_object_get(m, "volume_id"),
		     snap = json_object_get(m, "snapshot_id"),
		     img = json_object_get(m, "image") || nonnull(m, "image_id"),
		     swap = json_object_get(m, "swap_size"),
		     eph = (json_object_get(m, "ephemeral_size") &&
			    int_of(m, "ephemeral_size", 0) != 0) ||
			   json_object_get(m, "ephemeral_format");
		int given = vol + snap + img + swap + eph;

		a = at_index(&la, i, json_array_size(bdm2));
		if (given > 1)
			conflict(c, &a,
				 "volume_id, snapshot_id, image, swap_size, ephemeral_size, "
				 "ephemeral_format");
		else if (!given)
			rule_err(
				c, &a,
				"Either volume_id, snapshot_id, image_id, swap_size, ephemeral_size "
				"or ephemeral_format must be specified.");
		if ((vol || snap || img) && int_of(m, "boot_index", 0) == 0) {
			bootable = true;
			sources += vol + snap + img;
		}
	}
	if (!bootable)
		rule_err(c, at, "Neither image nor bootable volume is specified for instance %s",
			 c->name);
	else if (json_array_size(bdm2) && sources != 1)
		rule_err(c, at, "Multiple bootable sources for instance %s.", c->name);

	la = at_key(at, "networks");
	json_array_foreach (nets, i, m) {
		bool net = json_object_get(m, "network") || nonnull(m, "uuid"),
		     port = json_object_get(m, "port"), subnet = json_object_get(m, "subnet"),
		     alloc = str_true(m, "allocate_network");

		a = at_index(&la, i, json_array_size(nets));
		if (!net && !port && !subnet && !alloc)
			rule_err(
				c, &a,
				"One of the properties \"network\", \"port\", \"allocate_network\" "
				"or \"subnet\" should be set for the specified network of server "
				"\"%s\".",
				c->name);
		if (alloc && json_object_size(m) != 1)
			rule_err(
				c, &a,
				"Can not specify \"allocate_network\" with other keys of networks at "
				"the same time.");
		if (str_true(m, "fixed_ip") && port)
			conflict(c, &a, "networks/fixed_ip, networks/port");
		if (json_object_get(m, "floating_ip") && net && !port && !subnet)
			rule_err(c, &a,
				 "Property \"floating_ip\" is not supported if only \"network\" is "
				 "specified, because the corresponding port can not be retrieved.");
		has_port = has_port || port;
		strnet = strnet || alloc;
	}
	if (strnet && json_array_size(nets) != 1)
		rule_err(c, &la,
			 "Property \"allocate_network\" can not be specified if multiple network "
			 "interfaces set for server.");
	if (has_port && json_array_size(json_object_get(props, "security_groups"))) {
		a = at_key(at, "security_groups");
		conflict(c, &a, "security_groups, networks/port");
	}
}

/* OS::Neutron::RouterInterface: a subnet or a port, not both. */
static void rule_router_interface(struct chk *c, json_t *props, const struct at *at)
{
	bool subnet = json_object_get(props, "subnet") || nonnull(props, "subnet_id"),
	     port = json_object_get(props, "port") || nonnull(props, "port_id");

	if (subnet && port)
		conflict(c, at, "subnet, port");
	else if (!subnet && !port)
		rule_err(c, at, "At least one of the following properties must be specified: %s.",
			 "subnet, port");
}

/* OS::Heat::RandomString: the minimums of the classes and sequences fit
 * in the length. */
static void rule_random_string(struct chk *c, json_t *props, const struct at *at)
{
	json_t *classes = json_object_get(props, "character_classes"), *m;
	json_int_t sum = 0;
	size_t i;

	if (!classes || json_is_null(classes))
		sum = 1; /* the default: one class, min 1 */
	json_array_foreach (classes, i, m)
		sum += int_of(m, "min", 1);
	json_array_foreach (json_object_get(props, "character_sequences"), i, m)
		sum += int_of(m, "min", 1);
	sum += nonnull(props, "sequence"); /* Heat adds it as a class, min 1 */
	if (sum > int_of(props, "length", 32))
		rule_err(c, at,
			 "Length property cannot be smaller than combined character class and "
			 "character sequence minimums");
}

/* OS::Heat::Value: with a type, the value is checked as a property of
 * that type. */
static void rule_value(struct chk *c, json_t *props, const struct at *at)
{
	static const char *const names[] = {"string", "number", "comma_delimited_list", "json",
					    "boolean"};
	static const enum ptype as[] = {T_STRING, T_NUMBER, T_LIST, T_MAP, T_BOOLEAN};
	static const struct prop value = P("value", ANY, Y, U, NULL, NULL);
	const char *type = json_string_value(json_object_get(props, "type"));
	json_t *v = json_object_get(props, "value");

	for (size_t i = 0; type && v && i < ARRAY_SIZE(names); i++)
		if (strcmp(type, names[i]) == 0) {
			struct at va = at_key(at, "value");
			size_t len = path_push(c, ".value");

			check_value(c, &value, as[i], "value", v, &va);
			path_pop(c, len);
		}
}

/* OS::Heat::AutoScalingGroup: the sizes agree. */
static void rule_autoscaling_group(struct chk *c, json_t *props, const struct at *at)
{
	json_int_t min = int_of(props, "min_size", 0), max = int_of(props, "max_size", 0), want;

	if (max < min)
		rule_err(c, at, "MinSize can not be greater than MaxSize");
	else if (min < 0)
		rule_err(c, at, "The size of AutoScalingGroup can not be less than zero");
	else if (json_object_get(props, "desired_capacity") &&
		 ((want = int_of(props, "desired_capacity", 0)) < min || want > max))
		rule_err(c, at, "DesiredCapacity must be between MinSize and MaxSize");
}

/* OS::Heat::SoftwareComponent: one config per action. */
static void rule_software_component(struct chk *c, json_t *props, const struct at *at)
{
	json_t *seen = json_object(), *m, *actions, *def = NULL, *act;
	size_t i, j;

	json_array_foreach (json_object_get(props, "configs"), i, m) {
		actions = json_object_get(m, "actions");
		if (!actions || json_is_null(actions))
			actions = def = json_pack("[ss]", "CREATE", "UPDATE");
		json_array_foreach (actions, j, act)
			if (json_is_string(act) && json_object_get(seen, json_string_value(act))) {
				rule_err(c, at,
					 "Defining more than one configuration for the same action "
					 "in SoftwareComponent \"%s\" is not allowed.",
					 c->name);
				goto out;
			}
		json_array_foreach (actions, j, act)
			if (json_is_string(act))
				json_object_set(seen, json_string_value(act), json_true());
		json_decref(def);
		def = NULL;
	}
out:
	json_decref(def);
	json_decref(seen);
}

/* ---------------------------------------------------------------- public */

const struct rtype *rtype_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(types); i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

bool rtype_is_builtin(const char *name)
{
	return rtype_find(name) != NULL;
}

const char *rtype_name(const struct rtype *t)
{
	return t->name;
}

size_t rtype_count(void)
{
	return ARRAY_SIZE(types);
}

const struct rtype *rtype_at(size_t i)
{
	return i < ARRAY_SIZE(types) ? &types[i] : NULL;
}

bool rtype_has_attr(const struct rtype *t, const char *attr)
{
	size_t n = strlen(attr);

	if ((t->flags & RT_ANY_ATTRS) || strcmp(attr, "show") == 0)
		return true;
	for (const char *p = t->attrs; n && (p = strstr(p, attr)); p += n)
		if ((p == t->attrs || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

int rtype_check_props(const struct rtype *t, const struct doc *d, json_t *raw, json_t *resolved,
		      const char *path, struct diags *dg)
{
	return rtype_check_props_at(t, d, raw, raw, NULL, resolved, path, dg);
}

int rtype_check_props_at(const struct rtype *t, const struct doc *d, json_t *raw, const json_t *obj,
			 const char *key, json_t *resolved, const char *path, struct diags *dg)
{
	struct chk c = {.d = d, .dg = dg, .t = t, .top_obj = obj, .top_key = key};
	struct at top = {raw, NULL, true};
	json_t *empty = NULL;
	const char *name, *end;
	char buf[2048];
	size_t plen;

	if (!t || (t->flags & RT_ANY_PROPS) || resolved == eval_unknown())
		return 0;
	if (!resolved)
		resolved = empty = json_object();
	if (!json_is_object(resolved))
		goto out;
	path = path ? path : "";
	plen = strlen(path);
	c.cap = plen + 1024;
	c.path = c.cap <= sizeof(buf) ? buf : malloc(c.cap);
	if (!c.path)
		goto out;
	memcpy(c.path, path, plen + 1);
	c.len = plen;
	/* The resource's name, from "resources.NAME.properties". */
	name = strncmp(path, "resources.", 10) == 0 ? path + 10 : path;
	end = plen >= 11 && strcmp(path + plen - 11, ".properties") == 0 ? path + plen - 11
									 : path + plen;
	snprintf(c.name, sizeof(c.name), "%.*s", end > name ? (int)(end - name) : 0, name);

	check_map(&c, "", resolved, &top);
	if (t->rule && !c.errors && !eval_tainted(resolved))
		t->rule(&c, resolved, &top);
out:
	if (c.path != buf)
		free(c.path);
	json_decref(empty);
	return c.errors;
}

const char *rtype_attrs(const struct rtype *t)
{
	return t->attrs;
}

/* ------------------------------------------------------ property lookups */

static const struct prop *top_row(const struct rtype *t, const char *prop)
{
	return prop ? child_row(t, "", prop) : NULL;
}

const char *rtype_prop_at(const struct rtype *t, size_t i)
{
	const struct prop *r;

	for (size_t j = 0; (r = row_at(t, j)); j++)
		if (!r->hidden && child_key(r, "", 0) && i-- == 0)
			return r->name;
	return NULL;
}

bool rtype_has_prop(const struct rtype *t, const char *prop)
{
	return (t->flags & RT_ANY_PROPS) || top_row(t, prop);
}

bool rtype_prop_required(const struct rtype *t, const char *prop)
{
	const struct prop *r = top_row(t, prop);

	return r && r->required;
}

enum rtype_update rtype_prop_update(const struct rtype *t, const char *prop)
{
	const struct prop *r = top_row(t, prop);

	if (t->flags & RT_ANY_PROPS)
		return RTYPE_UPD_UPDATE;
	return r ? (enum rtype_update)r->upd : RTYPE_UPD_UNKNOWN;
}

json_t *rtype_prop_default(const struct rtype *t, const char *prop)
{
	return default_of(top_row(t, prop));
}
