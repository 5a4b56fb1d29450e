/* Unit tests for engine/schema.c: property coercion and constraints with
 * Heat's messages, nested schemas, the types' own rules, custom
 * constraints, attributes and the tables themselves.  Expected texts are
 * Heat 19's (hot-spec §3.3, §7 and Heat's resource plugins). */
#include "engine/eval.h"
#include "engine/schema.h"
#include "tests/tap.h"

#define RP "resources.r.properties"

/* A resource r of type whose properties are written as yaml; want: its
 * findings in document order, each "path: message" as printed after the
 * place ("file:line:col: "), ended by NULL. */
struct pcase {
	const char *type;
	const char *yaml;
	const char *want[4];
};

/* The finding without its "t.yaml:L:C: " prefix. */
static const char *after_place(const char *line)
{
	unsigned l, c;
	int off = -1;

	if (!line || sscanf(line, "t.yaml:%u:%u: %n", &l, &c, &off) != 2 || off < 0)
		return line;
	return line + off;
}

static void run_cases(const struct pcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct pcase *k = &cases[i];
		struct herr e = HERR_INIT;
		struct doc *d = load_template("t.yaml", k->yaml, strlen(k->yaml), NULL, &e);
		struct diags *dg = diags_new();
		const struct rtype *t = rtype_find(k->type);
		int want = 0, got;

		CHECK(d != NULL);
		CHECK(t != NULL);
		if (!d || !t) {
			printf("# case %zu: %s %s\n", i, k->type, d ? "" : e.msg);
			goto next;
		}
		got = rtype_check_props(t, d, doc_root(d), doc_root(d), RP, dg);
		for (; want < 4 && k->want[want]; want++) {
			const char *line = diags_line(dg, want);

			if (!line || strcmp(after_place(line), k->want[want]) != 0) {
				printf("# case %zu (%s: %s)\n", i, k->type, k->yaml);
				CHECK_STR(after_place(line), k->want[want]);
			}
		}
		if (got != want || diags_total(dg) != want) {
			printf("# case %zu (%s: %s): %d finding(s), want %d\n", i, k->type, k->yaml,
			       got, want);
			diags_print(dg, stdout);
			CHECK(got == want);
		}
	next:
		doc_free(&d);
		diags_free(&dg);
	}
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------- coercion */

static void coercion(void)
{
	static const struct pcase cases[] = {
		/* integer: int, numeric string, float truncated, bool */
		{"OS::Heat::RandomString", "length: 5", {NULL}},
		{"OS::Heat::RandomString", "length: '7'", {NULL}},
		{"OS::Heat::RandomString", "length: 5.5", {NULL}},
		{"OS::Heat::RandomString", "length: true", {NULL}},
		{"OS::Heat::RandomString",
		 "length: abc",
		 {RP ".length: Property error: Value 'abc' is not an integer"}},
		{"OS::Heat::RandomString",
		 "length: '5.0'",
		 {RP ".length: Property error: Value '5.0' is not an integer"}},
		{"OS::Heat::RandomString",
		 "length: [1]",
		 {RP ".length: Property error: int() argument must be a string, a bytes-like "
		     "object or a real number, not 'list'"}},
		{"OS::Heat::ResourceGroup",
		 "resource_def: {type: OS::Heat::None}\ncount: abc",
		 {RP ".count: Property error: Value 'abc' is not an integer"}},
		/* string: any scalar but a float */
		{"OS::Heat::RandomString", "salt: 5", {NULL}},
		{"OS::Heat::RandomString", "salt: true", {NULL}},
		{"OS::Heat::RandomString",
		 "salt: 5.5",
		 {RP ".salt: Property error: Value must be a string; got 5.5"}},
		{"OS::Heat::RandomString",
		 "salt: [1]",
		 {RP ".salt: Property error: Value must be a string; got [1]"}},
		/* boolean: bool or true/false in any case, only */
		{"OS::Neutron::Net", "admin_state_up: 'True'", {NULL}},
		{"OS::Neutron::Net", "admin_state_up: 'FALSE'", {NULL}},
		{"OS::Neutron::Net", "admin_state_up: off", {NULL}}, /* YAML's false */
		{"OS::Neutron::Net",
		 "admin_state_up: 'yes'",
		 {RP ".admin_state_up: Property error: \"yes\" is not a valid boolean"}},
		{"OS::Neutron::Net",
		 "admin_state_up: 'YES'",
		 {RP ".admin_state_up: Property error: \"yes\" is not a valid boolean"}},
		{"OS::Neutron::Net",
		 "admin_state_up: 1",
		 {RP ".admin_state_up: Property error: \"1\" is not a valid boolean"}},
		{"OS::Neutron::Net",
		 "admin_state_up: 1.5",
		 {RP ".admin_state_up: Property error: \"1.5\" is not a valid boolean"}},
		/* number: int() then float() */
		{"OS::Heat::ScalingPolicy",
		 "auto_scaling_group_id: x\nadjustment_type: exact_capacity\n"
		 "scaling_adjustment: ' 1e3 '",
		 {NULL}},
		{"OS::Heat::ScalingPolicy",
		 "auto_scaling_group_id: x\nadjustment_type: exact_capacity\n"
		 "scaling_adjustment: true",
		 {NULL}},
		{"OS::Heat::ScalingPolicy",
		 "auto_scaling_group_id: x\nadjustment_type: exact_capacity\n"
		 "scaling_adjustment: abc",
		 {RP ".scaling_adjustment: Property error: could not convert string to float: "
		     "'abc'"}},
		{"OS::Heat::ScalingPolicy",
		 "auto_scaling_group_id: x\nadjustment_type: exact_capacity\n"
		 "scaling_adjustment: {a: 1}",
		 {RP ".scaling_adjustment: Property error: int() argument must be a string, a "
		     "bytes-like object or a real number, not 'dict'"}},
		{"OS::Heat::TestResource",
		 "action_wait_secs: {create: abc}",
		 {RP ".action_wait_secs.create: Property error: could not convert string to "
		     "float: 'abc'"}},
		/* map: map only */
		{"OS::Neutron::Net",
		 "value_specs: abc",
		 {RP ".value_specs: Property error: \"abc\" is not a map"}},
		{"OS::Neutron::Net",
		 "value_specs: 5",
		 {RP ".value_specs: Property error: \"5\" is not a map"}},
		{"OS::Neutron::Net",
		 "value_specs: '{\"a\": 1}'",
		 {RP ".value_specs: Property error: \"{\"a\": 1}\" is not a map"}},
		{"OS::Neutron::Net",
		 "value_specs: [1, 2]",
		 {RP ".value_specs: Property error: \"[1, 2]\" is not a map"}},
		/* list: list only */
		{"OS::Neutron::Net",
		 "dhcp_agent_ids: a,b",
		 {RP ".dhcp_agent_ids: Property error: \"'a,b'\" is not a list"}},
		{"OS::Neutron::Net",
		 "dhcp_agent_ids: 5",
		 {RP ".dhcp_agent_ids: Property error: \"5\" is not a list"}},
		/* list items: strings */
		{"OS::Neutron::Net", "tags: [1, true, null, x]", {NULL}},
		{"OS::Neutron::Net",
		 "tags: [a, [1]]",
		 {RP ".tags[1]: Property error: Value must be a string; got [1]"}},
		/* any */
		{"OS::Heat::Value", "value: [1, {a: b}]", {NULL}},
		/* OS::Heat::Value with a type checks its value as that type */
		{"OS::Heat::Value",
		 "value: abc\ntype: number",
		 {RP ".value: Property error: could not convert string to float: 'abc'"}},
		{"OS::Heat::Value",
		 "value: [1, 2]\ntype: json",
		 {RP ".value: Property error: \"[1, 2]\" is not a map"}},
		{"OS::Heat::Value", "value: '5'\ntype: number", {NULL}},
	};

	RUN(cases);
}

/* A null value stands for the default, else the type's empty value,
 * which is then checked like a given one. */
static void nulls(void)
{
	static const struct pcase cases[] = {
		{"OS::Heat::RandomString", "length: null", {NULL}},
		{"OS::Heat::AutoScalingGroup",
		 "resource: {type: x}\nmin_size: 0\nmax_size: 1\nrolling_updates: null",
		 {NULL}},
		{"OS::Nova::KeyPair",
		 "name: null",
		 {RP ".name: Property error: length (0) is out of range (min: 1, max: 255)"}},
		{"OS::Neutron::Router",
		 "external_gateway_info: null",
		 {RP ".external_gateway_info: Property error: Property network not assigned"}},
		{"OS::Neutron::Router",
		 "external_gateway_info: {network: x, external_fixed_ips: [null]}",
		 {NULL}},
		{"OS::Neutron::FloatingIP",
		 "floating_network: x\nfixed_ip_address: null",
		 {RP ".fixed_ip_address: Property error: Error validating value '': Invalid IP "
		     "address"}},
	};

	RUN(cases);
}

static void required_unknown(void)
{
	static const struct pcase cases[] = {
		{"OS::Nova::KeyPair", "{}", {RP ": Property error: Property name not assigned"}},
		{"OS::Nova::KeyPair",
		 "name: a\nbogus: 1\nzzz: 2",
		 {RP ": Property error: Unknown Property bogus",
		  RP ": Property error: Unknown Property zzz"}},
		{"OS::Heat::WaitCondition",
		 "count: 2",
		 {RP ": Property error: Property handle not assigned",
		  RP ": Property error: Property timeout not assigned"}},
		{"OS::Heat::ResourceGroup",
		 "resource_def: {}",
		 {RP ".resource_def: Property error: Property type not assigned"}},
		{"OS::Heat::ResourceGroup",
		 "resource_def: {type: x, foo: 1}",
		 {RP ".resource_def: Property error: Unknown Property foo"}},
		/* type is the only required key; null is given */
		{"OS::Heat::ResourceGroup", "resource_def: {type: null, properties: null}", {NULL}},
		/* Heat's hidden aliases stand for the property they replaced,
		 * and the two may not both be given */
		{"OS::Neutron::Port", "network_id: x", {NULL}},
		{"OS::Neutron::Subnet", "network_id: x\nnetwork: ''", {NULL}},
		{"OS::Neutron::Subnet",
		 "network_id: x\nnetwork: y",
		 {RP ".network: Property error: Cannot define the following properties at the same "
		     "time: network, network_id"}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nnetworks: [{uuid: x, network: y}]",
		 {RP ".networks[0].network: Property error: Cannot define the following properties "
		     "at the same time: networks.network, networks.uuid"}},
		{"OS::Nova::Server", "flavor: f\nimage: i\nnetworks: [{uuid: x}]", {NULL}},
		{"OS::Neutron::RouterInterface", "router_id: r\nsubnet_id: s", {NULL}},
		{"OS::Neutron::Port",
		 "network: n\nreplacement_policy: NEVER",
		 {RP ".replacement_policy: Property error: \"NEVER\" is not an allowed value "
		     "[\"REPLACE_ALWAYS\", \"AUTO\"]"}},
	};

	RUN(cases);
}

static void allowed_values(void)
{
	static const struct pcase cases[] = {
		{"OS::Nova::KeyPair",
		 "name: k\ntype: rsa",
		 {RP ".type: Property error: \"rsa\" is not an allowed value [\"ssh\", \"x509\"]"}},
		{"OS::Nova::KeyPair", "name: k\ntype: x509", {NULL}},
		{"OS::Neutron::Subnet",
		 "network: n\nip_version: 5",
		 {RP ".ip_version: Property error: 5 is not an allowed value [4, 6]"}},
		{"OS::Neutron::Subnet",
		 "network: n\nip_version: '5'",
		 {RP ".ip_version: Property error: 5 is not an allowed value [4, 6]"}},
		{"OS::Neutron::Subnet", "network: n\nip_version: '6'", {NULL}},
		{"OS::Heat::SoftwareDeployment",
		 "server: x\nactions: [CREATE, FOO]",
		 {RP ".actions: Property error: [\"CREATE\", \"FOO\"] is not an allowed value "
		     "[\"CREATE\", \"UPDATE\", \"DELETE\", \"SUSPEND\", \"RESUME\"]"}},
		{"OS::Heat::SoftwareDeployment", "server: x\nactions: [DELETE]", {NULL}},
		{"OS::Heat::SoftwareConfig",
		 "inputs: [{name: a, type: Foo}]",
		 {RP ".inputs[0].type: Property error: \"Foo\" is not an allowed value "
		     "[\"String\", \"Number\", \"CommaDelimitedList\", \"Json\", \"Boolean\"]"}},
		{"OS::Heat::ScalingPolicy",
		 "auto_scaling_group_id: x\nadjustment_type: nope\nscaling_adjustment: 1",
		 {RP ".adjustment_type: Property error: \"nope\" is not an allowed value "
		     "[\"change_in_capacity\", \"exact_capacity\", "
		     "\"percent_change_in_capacity\"]"}},
	};

	RUN(cases);
}

static void ranges_lengths(void)
{
	static const struct pcase cases[] = {
		{"OS::Heat::RandomString",
		 "length: 0",
		 {RP ".length: Property error: 0 is out of range (min: 1, max: 512)"}},
		{"OS::Heat::RandomString",
		 "length: '600'",
		 {RP ".length: Property error: 600 is out of range (min: 1, max: 512)"}},
		{"OS::Heat::RandomString", "length: 512", {NULL}},
		{"OS::Heat::ResourceGroup",
		 "resource_def: {type: x}\ncount: -1",
		 {RP ".count: Property error: -1 is out of range (min: 0, max: None)"}},
		{"OS::Heat::WaitCondition",
		 "handle: h\ntimeout: 0",
		 {RP ".timeout: Property error: 0 is out of range (min: 1, max: 43200)"}},
		{"OS::Heat::AutoScalingGroup",
		 "resource: {type: x}\nmin_size: 0\nmax_size: 1\nrolling_updates: {pause_time: -0.5}",
		 {RP ".rolling_updates.pause_time: Property error: -0.5 is out of range (min: 0, "
		     "max: None)"}},
		{"OS::Heat::ResourceGroup",
		 "resource_def: {type: x}\nindex_var: ab",
		 {RP ".index_var: Property error: length (2) is out of range (min: 3, max: None)"}},
		{"OS::Nova::KeyPair",
		 "name: ''",
		 {RP ".name: Property error: length (0) is out of range (min: 1, max: 255)"}},
		/* characters, not bytes */
		{"OS::Heat::ResourceGroup",
		 "resource_def: {type: x}\nindex_var: \"\xc3\xa9\xc3\xa9\xc3\xa9\"",
		 {NULL}},
		{"OS::Heat::SoftwareComponent",
		 "configs: []",
		 {RP ".configs: Property error: length (0) is out of range (min: 1, max: None)"}},
	};

	RUN(cases);
}

static void nested(void)
{
	static const struct pcase cases[] = {
		{"OS::Heat::AutoScalingGroup",
		 "resource: {type: x}\nmin_size: 0\nmax_size: 1\nrolling_updates: {bogus: 1}",
		 {RP ".rolling_updates: Property error: Unknown Property bogus"}},
		{"OS::Neutron::Router",
		 "external_gateway_info: {network: x, external_fixed_ips: [{ip_address: "
		 "1.2.3.400}]}",
		 {RP ".external_gateway_info.external_fixed_ips[0].ip_address: Property error: "
		     "Error validating value '1.2.3.400': Invalid IP address"}},
		{"OS::Neutron::Router",
		 "external_gateway_info: {network: x, external_fixed_ips: [{}, {bogus: 1}]}",
		 {RP ".external_gateway_info.external_fixed_ips[1]: Property error: Unknown "
		     "Property bogus"}},
		{"OS::Neutron::Router",
		 "external_gateway_info: {network: x, external_fixed_ips: [5]}",
		 {RP ".external_gateway_info.external_fixed_ips[0]: Property error: \"5\" is not "
		     "a map"}},
		{"OS::Heat::RandomString",
		 "character_classes: [{class: nope}]",
		 {RP ".character_classes[0].class: Property error: \"nope\" is not an allowed "
		     "value [\"lettersdigits\", \"letters\", \"lowercase\", \"uppercase\", "
		     "\"digits\", \"hexdigits\", \"octdigits\"]"}},
		{"OS::Heat::ResourceGroup",
		 "resource_def: {type: x}\nremoval_policies: [{resource_list: a}]",
		 {RP ".removal_policies[0].resource_list: Property error: \"'a'\" is not a list"}},
		{"OS::Nova::Server",
		 "image: i\nflavor: f\nnetworks:\n"
		 "  - network: n\n"
		 "    port_extra_properties: {allowed_address_pairs: [{mac_address: "
		 "'aa:bb:cc:dd:ee:ff'}]}",
		 {RP ".networks[0].port_extra_properties.allowed_address_pairs[0]: Property "
		     "error: Property ip_address not assigned"}},
		{"OS::Nova::Server",
		 "image: i\nflavor: f\nnetworks: [{network: n, fixed_ip: 10.0.0.300, port: p, "
		 "bogus: 1}]\ntags: [a]",
		 {RP ".networks[0].fixed_ip: Property error: Error validating value "
		     "'10.0.0.300': Invalid IP address",
		  RP ".networks[0]: Property error: Unknown Property bogus"}},
		/* maps and lists without a nested schema take anything */
		{"OS::Nova::Server",
		 "image: i\nflavor: f\nmetadata: {a: [1], b: {c: d}}\nscheduler_hints: {x: 1}",
		 {NULL}},
		{"OS::Heat::SoftwareComponent",
		 "configs: [{tool: t, actions: []}]",
		 {RP ".configs[0].actions: Property error: length (0) is out of range (min: 1, "
		     "max: None)"}},
	};

	RUN(cases);
}

/* The types' own rules, which Heat reports without a path. */
static void type_rules(void)
{
	static const struct pcase cases[] = {
		{"OS::Nova::Server",
		 "flavor: f",
		 {"Neither image nor bootable volume is specified for instance r"}},
		{"OS::Nova::Server",
		 "flavor: f\nblock_device_mapping: [{device_name: vda, volume_id: v}]",
		 {NULL}},
		{"OS::Nova::Server",
		 "flavor: f\nblock_device_mapping_v2: [{volume_id: v, boot_index: 0}]",
		 {NULL}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nblock_device_mapping_v2: [{volume_id: v}]",
		 {"Multiple bootable sources for instance r."}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nblock_device_mapping: [{device_name: vdb}]",
		 {"Either volume_id or snapshot_id must be specified for device mapping vdb"}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nnetworks: [{fixed_ip: 10.0.0.3}]",
		 {"One of the properties \"network\", \"port\", \"allocate_network\" or "
		  "\"subnet\" should be set for the specified network of server \"r\"."}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nnetworks: [{port: p, fixed_ip: 10.0.0.3}]",
		 {"Cannot define the following properties at the same time: networks/fixed_ip, "
		  "networks/port."}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nsecurity_groups: [default]\nnetworks: [{port: p}]",
		 {"Cannot define the following properties at the same time: security_groups, "
		  "networks/port."}},
		{"OS::Nova::Server",
		 "flavor: f\nimage: i\nnetworks: [{allocate_network: auto}]",
		 {NULL}},
		{"OS::Neutron::RouterInterface",
		 "router: x",
		 {"At least one of the following properties must be specified: subnet, port."}},
		{"OS::Neutron::RouterInterface",
		 "router: x\nsubnet: s\nport: p",
		 {"Cannot define the following properties at the same time: subnet, port."}},
		{"OS::Neutron::RouterInterface", "router: x\nport: p", {NULL}},
		{"OS::Heat::RandomString",
		 "length: 2\ncharacter_classes: [{class: digits, min: 2}]\n"
		 "character_sequences: [{sequence: abc}]",
		 {"Length property cannot be smaller than combined character class and "
		  "character sequence minimums"}},
		{"OS::Heat::RandomString",
		 "length: 3\ncharacter_classes: [{class: digits, min: 2}]\n"
		 "character_sequences: [{sequence: abc}]",
		 {NULL}},
		{"OS::Heat::AutoScalingGroup",
		 "resource: {type: x}\nmin_size: 3\nmax_size: 1",
		 {"MinSize can not be greater than MaxSize"}},
		{"OS::Heat::AutoScalingGroup",
		 "resource: {type: x}\nmin_size: 1\nmax_size: 3\ndesired_capacity: 5",
		 {"DesiredCapacity must be between MinSize and MaxSize"}},
		{"OS::Heat::SoftwareComponent",
		 "configs: [{tool: x, actions: [CREATE]}, {tool: y, actions: [CREATE]}]",
		 {"Defining more than one configuration for the same action in "
		  "SoftwareComponent \"r\" is not allowed."}},
		{"OS::Heat::SoftwareComponent",
		 "configs: [{tool: x}, {tool: y, actions: [DELETE]}]",
		 {NULL}},
		/* the rules wait for the schema to pass, as in Heat */
		{"OS::Nova::Server",
		 "bogus: 1",
		 {RP ": Property error: Property flavor not assigned",
		  RP ": Property error: Unknown Property bogus"}},
		/* OS::Heat::None takes anything */
		{"OS::Heat::None", "anything: [1]\nlength: abc", {NULL}},
	};

	RUN(cases);
}

/* ---------------------------------------------------------------- marks */

static struct doc *load(const char *yaml)
{
	struct herr e = HERR_INIT;
	struct doc *d = load_template("t.yaml", yaml, strlen(yaml), NULL, &e);

	if (!d)
		printf("# %s\n", e.msg);
	return d;
}

static void marks(void)
{
	struct diags *dg = diags_new();
	struct doc *d = load("name: a\n"
			     "bogus: 1\n"
			     "type: [1]\n");
	const struct rtype *kp = rtype_find("OS::Nova::KeyPair");

	CHECK(d && kp);
	if (!d || !kp)
		goto out;
	CHECK(rtype_check_props(kp, d, doc_root(d), doc_root(d), RP, dg) == 2);
	CHECK_STR(diags_line(dg, 0), "t.yaml:2:1: " RP ": Property error: Unknown Property bogus");
	CHECK_STR(diags_line(dg, 1), "t.yaml:3:7: " RP ".type: Property error: Value must be a "
				     "string; got [1]");
	doc_free(&d);
	diags_free(&dg);

	/* nested list items; a missing required key at its map */
	dg = diags_new();
	d = load("external_gateway_info:\n"
		 "  network: x\n"
		 "  external_fixed_ips:\n"
		 "    - ip_address: 1.2.3.400\n"
		 "    - {subnet: s, ip_address: 1.2.3.4}\n");
	CHECK(d != NULL);
	if (!d)
		goto out;
	CHECK(rtype_check_props(rtype_find("OS::Neutron::Router"), d, doc_root(d), doc_root(d), RP,
				dg) == 1);
	CHECK_STR(diags_line(dg, 0), "t.yaml:4:19: " RP ".external_gateway_info.external_fixed_"
				     "ips[0].ip_address: Property error: Error validating value "
				     "'1.2.3.400': Invalid IP address");
	doc_free(&d);
	diags_free(&dg);

	dg = diags_new();
	d = load("salt: x\n");
	CHECK(d != NULL);
	if (!d)
		goto out;
	CHECK(rtype_check_props(kp, d, doc_root(d), doc_root(d), RP, dg) == 2);
	CHECK_STR(diags_line(dg, 0), "t.yaml:1:1: " RP ": Property error: Property name not "
				     "assigned");
	CHECK_STR(diags_line(dg, 1), "t.yaml:1:1: " RP ": Property error: Unknown Property salt");
	diags_free(&dg);

	/* a nested map that lacks a key: at the map's key */
	doc_free(&d);
	diags_free(&dg);
	dg = diags_new();
	d = load("count: 2\n"
		 "resource_def:\n"
		 "  properties: {}\n");
	CHECK(d != NULL);
	if (!d)
		goto out;
	CHECK(rtype_check_props(rtype_find("OS::Heat::ResourceGroup"), d, doc_root(d), doc_root(d),
				RP, dg) == 1);
	CHECK_STR(diags_line(dg, 0), "t.yaml:2:1: " RP ".resource_def: Property error: Property "
				     "type not assigned");
	doc_free(&d);
	diags_free(&dg);

	/* placed by the caller: at `properties`, or at the resource's name */
	dg = diags_new();
	d = load("resources:\n"
		 "  kp:\n"
		 "    type: OS::Nova::KeyPair\n"
		 "    properties:\n"
		 "      type: ssh\n"
		 "  kq:\n"
		 "    type: OS::Nova::KeyPair\n");
	CHECK(d != NULL);
	if (!d)
		goto out;
	{
		json_t *res = json_object_get(doc_root(d), "resources");
		json_t *kp_def = json_object_get(res, "kp");
		json_t *props = json_object_get(kp_def, "properties");

		CHECK(rtype_check_props_at(kp, d, props, kp_def, "properties", props,
					   "resources.kp.properties", dg) == 1);
		CHECK(rtype_check_props_at(kp, d, NULL, res, "kq", NULL, "resources.kq.properties",
					   dg) == 1);
		CHECK_STR(diags_line(dg, 0), "t.yaml:4:5: resources.kp.properties: Property error: "
					     "Property name not assigned");
		CHECK_STR(diags_line(dg, 1), "t.yaml:6:3: resources.kq.properties: Property error: "
					     "Property name not assigned");
	}
	diags_free(&dg);

	/* no properties written at all: no place to mark */
	dg = diags_new();
	CHECK(rtype_check_props(kp, d, NULL, NULL, RP, dg) == 1);
	CHECK_STR(diags_line(dg, 0), "t.yaml:0:0: " RP ": Property error: Property name not "
				     "assigned");
out:
	doc_free(&d);
	diags_free(&dg);
}

/* Where a function wrote a value, findings inside it are marked at the
 * function. */
static void marks_through_functions(void)
{
	struct diags *dg = diags_new();
	struct doc *d = load("name: k\n"
			     "external_gateway_info: {get_param: gw}\n"
			     "tags: {get_param: tags}\n");
	json_t *resolved =
		json_pack("{s:s, s:{s:s, s:i}, s:[s, [i]]}", "name", "k", "external_gateway_info",
			  "network", "x", "bogus", 1, "tags", "a", 1);

	CHECK(d && resolved);
	if (!d || !resolved)
		goto out;
	CHECK(rtype_check_props(rtype_find("OS::Neutron::Router"), d, doc_root(d), resolved, RP,
				dg) == 2);
	CHECK_STR(diags_line(dg, 0), "t.yaml:2:24: " RP ".external_gateway_info: Property error: "
				     "Unknown Property bogus");
	CHECK_STR(diags_line(dg, 1),
		  "t.yaml:3:7: " RP ".tags[1]: Property error: Value must be a string; got [1]");
out:
	json_decref(resolved);
	doc_free(&d);
	diags_free(&dg);
}

/* Values known only at create time (get_attr) are not checked. */
static void tainted(void)
{
	struct diags *dg = diags_new();
	struct doc *d = load("length: 1\n"
			     "character_classes: [{class: digits, min: 5}]\n"
			     "salt: [1]\n");
	const struct rtype *rs = rtype_find("OS::Heat::RandomString"),
			   *srv = rtype_find("OS::Nova::Server");
	json_t *resolved = NULL, *list;

	CHECK(d && rs && srv);
	if (!d || !rs || !srv)
		goto out;
	resolved = json_deep_copy(doc_root(d));
	json_object_set(resolved, "salt", eval_unknown());
	json_object_set(resolved, "length", eval_unknown());
	/* the salt is unknown; the length too, so the minimums are not summed */
	CHECK(rtype_check_props(rs, d, doc_root(d), resolved, RP, dg) == 0);
	CHECK(rtype_check_props(rs, d, doc_root(d), eval_unknown(), RP, dg) == 0);
	/* as written, the salt is wrong, and the rules wait for the schema */
	CHECK(rtype_check_props(rs, d, doc_root(d), doc_root(d), RP, dg) == 1);
	json_decref(resolved);

	/* an unknown list item is skipped, the others are checked */
	diags_free(&dg);
	dg = diags_new();
	resolved = json_pack("{s:s, s:s, s:[o, [i]]}", "image", "i", "flavor", "f", "tags",
			     json_incref(eval_unknown()), 1);
	CHECK(rtype_check_props(srv, d, NULL, resolved, RP, dg) == 1);
	CHECK_STR(after_place(diags_line(dg, 0)),
		  RP ".tags[1]: Property error: Value must be a string; got [1]");
	json_decref(resolved);

	/* a list holding an unknown value: its constraints wait */
	diags_free(&dg);
	dg = diags_new();
	list = json_pack("[s, o]", "BOGUS", json_incref(eval_unknown()));
	resolved = json_pack("{s:s, s:o}", "server", "x", "actions", list);
	CHECK(rtype_check_props(rtype_find("OS::Heat::SoftwareDeployment"), d, NULL, resolved, RP,
				dg) == 0);
	/* an unknown network entry: the server's own rules wait too */
	json_decref(resolved);
	resolved =
		json_pack("{s:s, s:[o]}", "flavor", "f", "networks", json_incref(eval_unknown()));
	CHECK(rtype_check_props(srv, d, NULL, resolved, RP, dg) == 0);
out:
	json_decref(resolved);
	doc_free(&d);
	diags_free(&dg);
}

/* ----------------------------------------------------- custom constraints */

struct ccase {
	const char *name, *value;
	const char *want; /* NULL: passes */
};

static void constraints(void)
{
	static const struct ccase cases[] = {
		{"ip_addr", "1.2.3.4", NULL},
		{"ip_addr", "::1", NULL},
		{"ip_addr", "FE80::1", NULL},
		{"ip_addr", "::ffff:1.2.3.4", NULL},
		{"ip_addr", "1.2.3.400", "Error validating value '1.2.3.400': Invalid IP address"},
		{"ip_addr", "01.2.3.4", "Error validating value '01.2.3.4': Invalid IP address"},
		{"ip_addr", "1.2.3", "Error validating value '1.2.3': Invalid IP address"},
		{"ip_addr", "1.2.3.4 ", "Error validating value '1.2.3.4 ': Invalid IP address"},
		{"ip_addr", "fe80::1%eth0",
		 "Error validating value 'fe80::1%eth0': Invalid IP address"},
		{"ip_addr", "", "Error validating value '': Invalid IP address"},
		{"net_cidr", "10.0.0.0/24", NULL},
		{"net_cidr", "10.0.0.1/24", NULL},
		{"net_cidr", "fe80::/64", NULL},
		{"net_cidr", "10.0.0.0",
		 "Error validating value '10.0.0.0': '10.0.0.0' isn't a recognized IP subnet "
		 "cidr, '10.0.0.0/32' is recommended"},
		{"net_cidr", "10/8",
		 "Error validating value '10/8': '10/8' isn't a recognized IP subnet cidr, "
		 "'10.0.0.0/8' is recommended"},
		{"net_cidr", "1.2.3.4/+8",
		 "Error validating value '1.2.3.4/+8': '1.2.3.4/+8' isn't a recognized IP subnet "
		 "cidr, '1.0.0.0/8' is recommended"},
		{"net_cidr", "10.0.0.0/255.255.255.0",
		 "Error validating value '10.0.0.0/255.255.255.0': '10.0.0.0/255.255.255.0' isn't "
		 "a recognized IP subnet cidr, '10.0.0.0/24' is recommended"},
		{"net_cidr", "::1",
		 "Error validating value '::1': '::1' isn't a recognized IP subnet cidr, "
		 "'::1/128' is recommended"},
		{"net_cidr", "10.0.0.0/33",
		 "Error validating value '10.0.0.0/33': Invalid net cidr invalid IPNetwork "
		 "10.0.0.0/33 "},
		{"net_cidr", "abc",
		 "Error validating value 'abc': Invalid net cidr invalid IPNetwork abc "},
		{"net_cidr", "", "Error validating value '': Invalid net cidr invalid IPNetwork  "},
		{"net_cidr", "10.0.0.0 /24",
		 "Error validating value '10.0.0.0 /24': '10.0.0.0 /24' is not a valid IP subnet"},
		{"ip_or_cidr", "1.2.3.4", NULL},
		{"ip_or_cidr", "1.2.3.4/24", NULL},
		{"ip_or_cidr", "::1/128", NULL},
		{"ip_or_cidr", "01.2.3.4",
		 "Error validating value '01.2.3.4': '01.2.3.4' is not an accepted IP address, "
		 "'1.2.3.4' is recommended"},
		{"ip_or_cidr", "abc",
		 "Error validating value 'abc': 'abc' is not a valid IP address"},
		{"ip_or_cidr", "1.2.3.4/33",
		 "Error validating value '1.2.3.4/33': '1.2.3.4/33' is not a valid IP subnet"},
		{"mac_addr", "aa:bb:cc:dd:ee:ff", NULL},
		{"mac_addr", "AA-BB-CC-DD-EE-FF", NULL},
		{"mac_addr", "aabb.ccdd.eeff", NULL},
		{"mac_addr", "aabbccddeeff", NULL},
		{"mac_addr", "a:b:c:d:e:f", NULL},
		{"mac_addr", "aabbcc:ddeeff", NULL},
		{"mac_addr", "aa:bb:cc:dd:ee",
		 "Error validating value 'aa:bb:cc:dd:ee': Invalid MAC address."},
		{"mac_addr", "zz:bb:cc:dd:ee:ff",
		 "Error validating value 'zz:bb:cc:dd:ee:ff': Invalid MAC address."},
		{"dns_name", "example.com", NULL},
		{"dns_name", "example.com.", NULL},
		{"dns_name", "a.123", NULL},
		{"dns_name", "", NULL},
		{"dns_name", "Example.com",
		 "Error validating value 'Example.com': 'Example.com' not in valid format. "
		 "Reason: Name 'Example' must be 1-63 characters long, each of which can only be "
		 "alphanumeric or a hyphen."},
		{"dns_name", "a..b",
		 "Error validating value 'a..b': 'a..b' not in valid format. Reason: Encountered "
		 "an empty component."},
		{"dns_name", "-ab.c",
		 "Error validating value '-ab.c': '-ab.c' not in valid format. Reason: Name '-ab' "
		 "must not start or end with a hyphen."},
		{"dns_name", "a.123.",
		 "Error validating value 'a.123.': 'a.123.' not in valid format. Reason: TLD "
		 "'123' must not be all numeric."},
		{"dns_domain", "example.com.", NULL},
		{"dns_domain", "", NULL},
		{"dns_domain", "example.com",
		 "Error validating value 'example.com': 'example.com' must end with '.'."},
		{"rel_dns_name", "www", NULL},
		{"rel_dns_name", "www.",
		 "Error validating value 'www.': 'www.' is a FQDN. It should be a relative domain "
		 "name."},
		{"rel_dns_name", "a_b",
		 "Error validating value 'a_b': 'a_b' not in valid format. Reason: Name 'a_b' "
		 "must be 1-63 characters long, each of which can only be alphanumeric or a "
		 "hyphen."},
		{"iso_8601", "2015-01-01", NULL},
		{"iso_8601", "2015-01-01T12:00:00Z", NULL},
		{"iso_8601", "20150101T120000Z", NULL},
		{"iso_8601", "2015", NULL},
		{"iso_8601", "2015-01", NULL},
		{"iso_8601", "2015-01-01 12:00", NULL},
		{"iso_8601", "2015-01-01T12:00:00.5+01:00", NULL},
		{"iso_8601", "2015-13-01", "Error validating value '2015-13-01'"},
		{"iso_8601", "2015-02-30", "Error validating value '2015-02-30'"},
		{"iso_8601", "201501", "Error validating value '201501'"},
		{"iso_8601", "abc", "Error validating value 'abc'"},
		{"expiration", "2099-01-01T00:00:00Z", NULL},
		{"expiration", "", NULL},
		{"expiration", "2000-01-01T00:00:00Z",
		 "Error validating value '2000-01-01T00:00:00Z': Expiration 2000-01-01T00:00:00Z "
		 "is invalid: Expiration time is out of date."},
		{"expiration", "junk",
		 "Error validating value 'junk': Expiration junk is invalid: Unable to parse date "
		 "string 'junk'"},
		{"timezone", "UTC", NULL},
		{"timezone", "", NULL},
		{"timezone", "Foo/Bar",
		 "Error validating value 'Foo/Bar': Invalid timezone: 'Foo/Bar'"},
		{"cron_expression", "0 * * * *", NULL},
		{"cron_expression", "*/5 1-3 * jan mon", NULL},
		{"cron_expression", "0-59/15 * * * * 30", NULL},
		{"cron_expression", "0 0 * * SUN", NULL},
		{"cron_expression", "@daily", NULL},
		{"cron_expression", "", NULL},
		{"cron_expression", "* * *",
		 "Error validating value '* * *': Invalid CRON expression: Exactly 5 or 6 columns "
		 "has to be specified for iterator expression."},
		{"cron_expression", "61 * * * *",
		 "Error validating value '61 * * * *': Invalid CRON expression: [61 * * * *] is "
		 "not acceptable, out of range"},
		{"cron_expression", "a b c d e",
		 "Error validating value 'a b c d e': Invalid CRON expression: [a b c d e] is not "
		 "acceptable"},
		{"cron_expression", "1-70 * * * *",
		 "Error validating value '1-70 * * * *': Invalid CRON expression: 1-70 * * * * is "
		 "out of bands"},
		{"cron_expression", "*/0 * * * *",
		 "Error validating value '*/0 * * * *': Invalid CRON expression: invalid range: "
		 "range() arg 3 must not be zero"},
		{"nova.flavor", "anything", NULL},
		{"neutron.network", "", NULL},
	};
	char why[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *k = &cases[i];
		int rc = rtype_constraint_check(k->name, k->value, why, sizeof(why));

		if (rc != (k->want ? 0 : 1) || (k->want && strcmp(why, k->want) != 0)) {
			printf("# %s '%s': rc %d\n", k->name, k->value, rc);
			CHECK_STR(rc == 1 ? "(passes)" : why, k->want ? k->want : "(passes)");
		}
	}
	CHECK(rtype_constraint_check("nonexist", "x", why, sizeof(why)) == -1);
	CHECK_STR(why, "\"x\" does not validate nonexist (constraint not found)");
	/* pytz looks zones up without regard to case; only with a zone
	 * database to look in */
	if (access("/usr/share/zoneinfo/Europe/Paris", F_OK) == 0) {
		CHECK(rtype_constraint_check("timezone", "Europe/Paris", why, sizeof(why)) == 1);
		CHECK(rtype_constraint_check("timezone", "europe/paris", why, sizeof(why)) == 1);
	}
}

/* --------------------------------------------------------------- tables */

static void types_exist(void)
{
	/* every type of hot-resource-schemas.md, then those Hearth adds */
	static const char *const names[] = {"OS::Nova::Server",
					    "OS::Nova::KeyPair",
					    "OS::Neutron::Net",
					    "OS::Neutron::Subnet",
					    "OS::Neutron::Port",
					    "OS::Neutron::Router",
					    "OS::Neutron::RouterInterface",
					    "OS::Neutron::FloatingIP",
					    "OS::Neutron::FloatingIPAssociation",
					    "OS::Neutron::SecurityGroup",
					    "OS::Cinder::Volume",
					    "OS::Cinder::VolumeAttachment",
					    "OS::Heat::RandomString",
					    "OS::Heat::Value",
					    "OS::Heat::ResourceGroup",
					    "OS::Heat::AutoScalingGroup",
					    "OS::Heat::ScalingPolicy",
					    "OS::Heat::CloudConfig",
					    "OS::Heat::MultipartMime",
					    "OS::Heat::Stack",
					    "OS::Heat::DeployedServer",
					    "OS::Heat::None",
					    "OS::Heat::TestResource",
					    "OS::Heat::WaitConditionHandle",
					    "OS::Heat::WaitCondition",
					    "AWS::CloudFormation::WaitConditionHandle",
					    "AWS::CloudFormation::WaitCondition",
					    "OS::Heat::SoftwareConfig",
					    "OS::Heat::StructuredConfig",
					    "OS::Heat::SoftwareDeployment",
					    "OS::Heat::StructuredDeployment",
					    "OS::Heat::SoftwareDeploymentGroup",
					    "OS::Heat::StructuredDeploymentGroup",
					    "OS::Heat::SoftwareComponent",
					    "OS::Heat::UpdateWaitConditionHandle"};
	size_t n = sizeof(names) / sizeof(names[0]);

	for (size_t i = 0; i < n; i++) {
		const struct rtype *t = rtype_find(names[i]);

		if (!t)
			printf("# missing %s\n", names[i]);
		CHECK(t != NULL);
		CHECK(rtype_is_builtin(names[i]));
		CHECK(t && strcmp(rtype_name(t), names[i]) == 0);
	}
	CHECK(rtype_count() == n);
	for (size_t i = 0; i < rtype_count(); i++)
		CHECK(rtype_find(rtype_name(rtype_at(i))) == rtype_at(i));
	CHECK(rtype_at(rtype_count()) == NULL);
	CHECK(rtype_find("OS::Nova::Nope") == NULL);
	CHECK(!rtype_is_builtin("OS::Nova::Nope"));
}

static void attributes(void)
{
	static const struct {
		const char *type, *attr;
		bool has;
	} cases[] = {
		{"OS::Nova::Server", "networks", true},
		{"OS::Nova::Server", "accessIPv4", true},
		{"OS::Nova::Server", "os_collect_config", true},
		{"OS::Nova::Server", "first_address", true}, /* hidden in Heat 19 */
		{"OS::Nova::Server", "show", true},
		{"OS::Nova::Server", "network", false},
		{"OS::Nova::Server", "bogus", false},
		{"OS::Nova::KeyPair", "private_key", true},
		{"OS::Neutron::Port", "fixed_ips", true},
		{"OS::Neutron::RouterInterface", "show", true},
		{"OS::Neutron::RouterInterface", "router", false},
		{"OS::Cinder::Volume", "attachments", true},
		{"OS::Heat::RandomString", "value", true},
		{"OS::Heat::RandomString", "valu", false},
		{"OS::Heat::None", "anything", true},
		{"OS::Heat::ResourceGroup", "refs", true},
		{"OS::Heat::ResourceGroup", "resource.0.networks", true},
		{"OS::Heat::ResourceGroup", "member_attr", true},
		{"OS::Heat::AutoScalingGroup", "outputs_list", true},
		{"OS::Heat::AutoScalingGroup", "resource.abc", true},
		{"OS::Heat::TestResource", "output", true},
		{"OS::Heat::TestResource", "bogus", false},
		{"OS::Heat::WaitConditionHandle", "curl_cli", true},
		{"OS::Heat::WaitCondition", "data", true},
		{"AWS::CloudFormation::WaitCondition", "Data", true},
		{"AWS::CloudFormation::WaitCondition", "data", false},
		{"AWS::CloudFormation::WaitConditionHandle", "show", true},
		{"AWS::CloudFormation::WaitConditionHandle", "Data", false},
		{"OS::Heat::SoftwareConfig", "config", true},
		{"OS::Heat::SoftwareConfig", "bogus", false},
		{"OS::Heat::SoftwareDeployment", "deploy_stdout", true},
		{"OS::Heat::SoftwareDeployment", "result", true},
		{"OS::Heat::SoftwareDeploymentGroup", "deploy_stdouts", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rtype *t = rtype_find(cases[i].type);

		CHECK(t != NULL);
		if (t && rtype_has_attr(t, cases[i].attr) != cases[i].has) {
			printf("# %s %s\n", cases[i].type, cases[i].attr);
			CHECK(!"rtype_has_attr");
		}
	}
}

static void prop_lookups(void)
{
	const struct rtype *srv = rtype_find("OS::Nova::Server"),
			   *rs = rtype_find("OS::Heat::RandomString"),
			   *kp = rtype_find("OS::Nova::KeyPair"),
			   *none = rtype_find("OS::Heat::None"),
			   *sn = rtype_find("OS::Neutron::Subnet"),
			   *sd = rtype_find("OS::Heat::SoftwareDeployment");
	static const char *const kp_props[] = {"name", "save_private_key", "public_key", "type",
					       "user"};
	json_t *v, *want;
	size_t i;

	CHECK(srv && rs && kp && none && sn && sd);
	if (!srv || !rs || !kp || !none || !sn || !sd)
		return;
	CHECK(rtype_prop_update(srv, "flavor") == RTYPE_UPD_UPDATE);
	CHECK(rtype_prop_update(srv, "key_name") == RTYPE_UPD_REPLACE);
	CHECK(rtype_prop_update(srv, "networks") == RTYPE_UPD_UPDATE);
	CHECK(rtype_prop_update(srv, "bogus") == RTYPE_UPD_UNKNOWN);
	CHECK(rtype_prop_update(srv, "networks[].port") == RTYPE_UPD_UNKNOWN);
	CHECK(rtype_prop_update(none, "whatever") == RTYPE_UPD_UPDATE);
	CHECK(rtype_prop_update(sd, "config") == RTYPE_UPD_UPDATE);
	CHECK(rtype_prop_update(sd, "server") == RTYPE_UPD_REPLACE);
	CHECK(rtype_prop_update(sd, "signal_transport") == RTYPE_UPD_REPLACE);

	v = rtype_prop_default(srv, "flavor_update_policy");
	CHECK(json_is_string(v) && strcmp(json_string_value(v), "RESIZE") == 0);
	json_decref(v);
	v = rtype_prop_default(srv, "user_data");
	CHECK(json_is_string(v) && strcmp(json_string_value(v), "") == 0);
	json_decref(v);
	CHECK(rtype_prop_default(srv, "flavor") == NULL);
	CHECK(rtype_prop_default(srv, "bogus") == NULL);
	v = rtype_prop_default(rs, "length");
	CHECK(json_is_integer(v) && json_integer_value(v) == 32);
	json_decref(v);
	v = rtype_prop_default(rs, "character_classes");
	want = json_pack("[{s:s, s:i}]", "class", "lettersdigits", "min", 1);
	CHECK(json_equal(v, want));
	json_decref(v);
	json_decref(want);
	v = rtype_prop_default(sn, "ip_version");
	CHECK(json_is_integer(v) && json_integer_value(v) == 4);
	json_decref(v);
	v = rtype_prop_default(sd, "actions");
	want = json_pack("[s, s]", "CREATE", "UPDATE");
	CHECK(json_equal(v, want));
	json_decref(v);
	json_decref(want);

	for (i = 0; i < sizeof(kp_props) / sizeof(kp_props[0]); i++)
		CHECK_STR(rtype_prop_at(kp, i), kp_props[i]);
	CHECK(rtype_prop_at(kp, i) == NULL);
	CHECK(rtype_prop_at(none, 0) == NULL);
	/* nested rows are not top-level properties */
	for (i = 0; rtype_prop_at(srv, i); i++)
		CHECK(!strpbrk(rtype_prop_at(srv, i), ".["));
	CHECK(i == 24);
	/* a family's shared rows count too */
	CHECK(rtype_has_prop(sd, "input_values"));
	CHECK(rtype_has_prop(sd, "server"));
	CHECK(!rtype_has_prop(sd, "servers"));
	CHECK(rtype_has_prop(none, "x"));
	CHECK(rtype_prop_required(kp, "name"));
	CHECK(!rtype_prop_required(kp, "type"));
	CHECK(!rtype_prop_required(kp, "bogus"));
}

int main(void)
{
	struct tap_case cases[] = {
		{"coercion", coercion, NULL},
		{"nulls", nulls, NULL},
		{"required_unknown", required_unknown, NULL},
		{"allowed_values", allowed_values, NULL},
		{"ranges_lengths", ranges_lengths, NULL},
		{"nested", nested, NULL},
		{"type_rules", type_rules, NULL},
		{"marks", marks, NULL},
		{"marks_through_functions", marks_through_functions, NULL},
		{"tainted", tainted, NULL},
		{"constraints", constraints, NULL},
		{"types_exist", types_exist, NULL},
		{"attributes", attributes, NULL},
		{"prop_lookups", prop_lookups, NULL},
	};

	return tap_run(cases, (int)(sizeof(cases) / sizeof(cases[0])));
}
