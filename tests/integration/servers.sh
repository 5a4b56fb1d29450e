#!/usr/bin/env bash
# The local driver with a real hearthd, its embedded Redis, real
# hearth-agent guests and real curl: modelled networks with IP address
# management (pools, gateways, fixed IPs, conflicts, exhaustion, overlaps),
# routers, floating IPs, security groups, volumes, key pairs, servers as
# sandboxed guest processes with their own loopback addresses, the
# metadata each guest sees, and nothing left behind after a delete or a
# hearthd killed in the middle of a create.
. "$(dirname "$0")/../lib.sh"

jget() {
	python3 -c 'import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

HD_STATE=$T/state
SOCK=$HD_STATE/redis/redis.sock
start_hearthd a --set engine.reclaim_after=1s
ok $? "hearthd starts"
P1=$(issue_token p1)
P2=$(issue_token p2)
hearth() { HEARTH_URL=$API HEARTH_TOKEN=$TOK HEARTH_PROJECT=$PROJ "$B/hearth" "$@"; }
as() { TOK=$1 PROJ=$2; }
as "$P1" p1
output() { hearth -f json output show "$1" "$2" | python3 -c 'import json,sys; v=json.load(sys.stdin)["output_value"]; print(v if isinstance(v, str) else json.dumps(v))'; }
reason() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status_reason"])'; }
r() { redis-cli -s "$SOCK" "$@"; }
nkeys() { r keys "$1" | grep -c .; } # (an empty answer is still one line)

cat >"$T/net.yaml" <<'EOF'
heat_template_version: 2018-08-31
parameters:
  public_network: {type: string, default: public}
resources:
  key: {type: OS::Nova::KeyPair, properties: {name: k1, save_private_key: true}}
  sg:
    type: OS::Neutron::SecurityGroup
    properties:
      name: web
      rules: [{protocol: tcp, port_range_min: 22, port_range_max: 22}, {protocol: icmp}]
  net: {type: OS::Neutron::Net, properties: {name: private}}
  sub:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.10.10.0/24
      dns_nameservers: [10.10.10.250]
      enable_dhcp: false
  router:
    type: OS::Neutron::Router
    properties: {external_gateway_info: {network: {get_param: public_network}}}
  ri:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: router}, subnet: {get_resource: sub}}
  port:
    type: OS::Neutron::Port
    depends_on: sub
    properties: {network: {get_resource: net}, security_groups: [{get_resource: sg}]}
  fip: {type: OS::Neutron::FloatingIP, properties: {floating_network: {get_param: public_network}}}
  assoc:
    type: OS::Neutron::FloatingIPAssociation
    properties: {floatingip_id: {get_resource: fip}, port_id: {get_resource: port}}
  vol: {type: OS::Cinder::Volume, properties: {size: 2}}
  server:
    type: OS::Nova::Server
    depends_on: assoc
    properties:
      name: web1
      image: debian-12
      flavor: m1.small
      key_name: {get_resource: key}
      networks: [{port: {get_resource: port}}]
      metadata: {role: web}
      user_data_format: RAW
      user_data: |
        #!/bin/sh
        echo "guest $(id -u) says hello" > hello.txt
  att:
    type: OS::Cinder::VolumeAttachment
    properties: {instance_uuid: {get_resource: server}, volume_id: {get_resource: vol}}
outputs:
  first: {value: {get_attr: [server, first_address]}}
  addresses: {value: {get_attr: [server, addresses]}}
  networks: {value: {get_attr: [server, networks]}}
  server_id: {value: {get_resource: server}}
  net_id: {value: {get_resource: net}}
  sub_id: {value: {get_resource: sub}}
  fip: {value: {get_attr: [fip, floating_ip_address]}}
  pools: {value: {get_attr: [sub, allocation_pools]}}
  gateway: {value: {get_attr: [sub, gateway_ip]}}
  mac: {value: {get_attr: [port, mac_address]}}
  priv: {value: {get_attr: [key, private_key]}}
  pub: {value: {get_attr: [key, public_key]}}
  router_gw: {value: {get_attr: [router, external_gateway_info]}}
EOF
hearth stack create --wait -t "$T/net.yaml" n1 >"$T/n1.out" 2>&1
ok $? "a stack of networks, a router, a floating IP, a volume, a key pair and a server is CREATE_COMPLETE"
is "$(output n1 first)" 10.10.10.2 "the server's port has the first address of the subnet's pool"
is "$(output n1 gateway)" 10.10.10.1 "the gateway is the subnet's first host"
is "$(output n1 pools)" '[{"start": "10.10.10.2", "end": "10.10.10.254"}]' "the default pool is every other host"
FIP=$(output n1 fip)
like "$FIP" '^172\.24\.4\.[0-9]+$' "the floating IP comes from the external network"
like "$(output n1 addresses)" '"private": \[\{"addr": "10.10.10.2".*"OS-EXT-IPS:type": "fixed".*"addr": "'"$FIP"'".*"OS-EXT-IPS:type": "floating"' \
	"addresses tell the fixed and the floating address, per network"
like "$(output n1 router_gw)" '"external_fixed_ips": \[\{"subnet_id": "[^"]*", "ip_address": "172\.24\.4\.[0-9]+"\}\]' \
	"the router's gateway has its own external address"
MAC=$(output n1 mac)
like "$MAC" '^fa:16:3e(:[0-9a-f]{2}){3}$' "ports get MACs of Neutron's prefix"
output n1 priv >"$T/k1"
chmod 600 "$T/k1"
is "$(ssh-keygen -y -f "$T/k1" | cut -d' ' -f1,2)" "$(output n1 pub | cut -d' ' -f1,2)" \
	"the generated private key is a real OpenSSH key whose public half is the key pair's"
SRV=$(output n1 server_id)

# the guest: a process of its own user, with its own loopback address
ADDR=$(r get "hearth:instance:$SRV" | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
like "$ADDR" '^127\.' "the guest has a loopback address of the pool"
guest_up() { [ -n "$(guest_pids)" ]; }
wait_for "$(secs 10)" guest_up
ok $? "the guest runs"
uids=$(ps -o uid= -p "$(guest_pids | tr '\n' ',' | sed 's/,$//')" | sort -u | tr -d ' ')
[ -n "$uids" ] && [ "$uids" -ge "$GUEST_UID" ] && [ "$uids" -ne 0 ]
ok $? "it runs as an unprivileged user of its own, never root"
hello() { [ -f "$HD_STATE/guests/$SRV/hello.txt" ]; }
wait_for "$(secs 15)" hello
ok $? "hearth-agent boot fetched the server's user_data and ran it in the guest's work directory"
like "$(cat "$HD_STATE/guests/$SRV/hello.txt" 2>/dev/null)" "^guest $uids says hello" "as the guest's user"
is "$(stat -c %a "$HD_STATE/guests/$SRV")" 700 "the work directory is the guest's alone"

# what the guest sees of itself through the metadata service (asking as
# the guest's user: its address alone is not enough)
ghttp() { # as http, run as the guest's user
	local __s=$1 __b=$2 out; shift 2
	out=$(setpriv --reuid="$uids" --regid="$uids" --clear-groups \
		curl -sS --max-time "$(secs 10)" -w '\n%{http_code}' "$@" 2>&1)
	printf -v "$__s" '%s' "${out##*$'\n'}"
	printf -v "$__b" '%s' "${out%$'\n'*}"
}
http st md --interface "$ADDR" "$META/openstack/latest/meta_data.json"
is "$st" 404 "another user sending from the guest's address gets nothing"
ghttp st md --interface "$ADDR" "$META/openstack/latest/meta_data.json"
is "$st" 200 "the guest reads its meta_data.json"
is "$(jget "$md" 'j["uuid"]')" "$SRV" "naming its own instance"
is "$(jget "$md" 'j["meta"]["role"]')" web "with the server's metadata"
is "$(jget "$md" 'j["public_keys"]["k1"]')" "$(output n1 pub)" "and the key pair's public key"
ghttp st nd --interface "$ADDR" "$META/openstack/latest/network_data.json"
is "$(jget "$nd" 'j["links"][0]["ethernet_mac_address"]')" "$MAC" "network_data.json has the port's MAC"
is "$(jget "$nd" '[j["networks"][0][k] for k in ("type", "ip_address", "netmask")]')" \
	'["ipv4", "10.10.10.2", "255.255.255.0"]' "its static address (DHCP off)"
is "$(jget "$nd" 'j["networks"][0]["routes"][0]["gateway"]')" 10.10.10.1 "the default route by the gateway"
is "$(jget "$nd" 'j["services"]')" '[{"type": "dns", "address": "10.10.10.250"}]' "the subnet's DNS server"
ghttp st pub --interface "$ADDR" "$META/latest/meta-data/public-ipv4"
is "$pub" "$FIP" "the EC2 tree's public-ipv4 is the floating IP"
ghttp st sg --interface "$ADDR" "$META/latest/meta-data/block-device-mapping/ebs0"
is "$sg" /dev/vdb "the attached volume is a block device"

# ------------------------------------------------------------- IPAM errors
NET=$(output n1 net_id)
SUB=$(output n1 sub_id)
cat >"$T/taken.yaml" <<EOF
heat_template_version: 2018-08-31
resources:
  p: {type: OS::Neutron::Port, properties: {network: $NET, fixed_ips: [{ip_address: 10.10.10.2}]}}
EOF
hearth stack create --wait -t "$T/taken.yaml" taken >/dev/null 2>&1
ok $((! $?)) "an address already held cannot be taken again"
like "$(reason taken)" "IpAddressAlreadyAllocated: IP address 10.10.10.2 already allocated in subnet $SUB" \
	"the stack fails with Neutron's reason"
cat >"$T/gw.yaml" <<EOF
heat_template_version: 2018-08-31
resources:
  p: {type: OS::Neutron::Port, properties: {network: private, fixed_ips: [{subnet: $SUB, ip_address: 10.10.10.1}]}}
EOF
hearth stack create --wait -t "$T/gw.yaml" gw >/dev/null 2>&1
ok $((! $?)) "nor the gateway's (a network found by name)"
cat >"$T/small.yaml" <<'EOF'
heat_template_version: 2018-08-31
parameters:
  ports: {type: number, default: 2}
resources:
  net: {type: OS::Neutron::Net}
  sub:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 192.168.5.0/29
      allocation_pools: [{start: 192.168.5.2, end: 192.168.5.3}]
  ports:
    type: OS::Heat::ResourceGroup
    depends_on: sub
    properties:
      count: {get_param: ports}
      resource_def: {type: OS::Neutron::Port, properties: {network: {get_resource: net}}}
outputs:
  ips: {value: {get_attr: [ports, fixed_ips]}}
EOF
hearth stack create --wait -t "$T/small.yaml" small >/dev/null 2>&1
ok $? "two ports fill a two-address pool"
like "$(output small ips)" '192\.168\.5\.2.*192\.168\.5\.3|192\.168\.5\.3.*192\.168\.5\.2' "each with an address of its own"
hearth stack create --wait -t "$T/small.yaml" -P ports=3 small3 >/dev/null 2>&1
ok $((! $?)) "a third port finds the pool exhausted"
like "$(reason small3)" "IpAddressGenerationFailure: No more IP addresses available on network" \
	"and the stack says so"
cat >"$T/overlap.yaml" <<EOF
heat_template_version: 2018-08-31
resources:
  s: {type: OS::Neutron::Subnet, properties: {network: $NET, cidr: 10.10.0.0/16}}
EOF
hearth stack create --wait -t "$T/overlap.yaml" overlap >/dev/null 2>&1
ok $((! $?)) "a subnet overlapping another of its network is refused"
like "$(reason overlap)" "overlaps with another subnet" "in Neutron's words"
cat >"$T/badpool.yaml" <<EOF
heat_template_version: 2018-08-31
resources:
  s: {type: OS::Neutron::Subnet, properties: {network: $NET, cidr: 10.20.0.0/24, allocation_pools: [{start: 10.20.0.1, end: 10.20.0.9}]}}
EOF
hearth stack create --wait -t "$T/badpool.yaml" badpool >/dev/null 2>&1
like "$(reason badpool)" "Gateway ip 10.20.0.1 conflicts with allocation pool 10.20.0.1-10.20.0.9" \
	"a pool holding the gateway is refused"
as "$P2" p2
cat >"$T/other.yaml" <<'EOF'
heat_template_version: 2018-08-31
resources:
  p: {type: OS::Neutron::Port, properties: {network: private}}
EOF
hearth stack create --wait -t "$T/other.yaml" other >/dev/null 2>&1
ok $((! $?)) "another project cannot use p1's network"
like "$(reason other)" "Unable to find network with name or id 'private'" "it does not even see it"
as "$P1" p1

# ------------------------------------------------------------- delete
for s in taken gw small small3 overlap badpool; do hearth stack delete "$s" --wait >/dev/null 2>&1; done
hearth stack delete n1 --wait >/dev/null 2>&1
ok $? "the stack is deleted"
no_guests() { [ -z "$(guest_pids)" ]; }
wait_for "$(secs 10)" no_guests
ok $? "its guest process is gone"
[ ! -e "$HD_STATE/guests/$SRV" ]
ok $? "and its work directory"
is "$(nkeys 'hearth:instance:*')" 0 "no instance document is left"
is "$(nkeys 'hearth:addr:*')" 0 "no address of a guest is left"
is "$(r hlen 'hearth:{drv}:ipam:loopback')" 0 "every loopback address is free again"
is "$(nkeys 'hearth:{drv}:held:*')" 0 "the ledger is empty"
is "$(nkeys 'hearth:{drv}:obj:*')" 2 "only the external network and its subnet remain"
http st md --interface "$ADDR" "$META/openstack/latest/meta_data.json"
is "$st" 404 "the deleted guest's address gets no metadata"

# ------------------------------------------------------------- a crash
# hearthd killed while servers are being made: the next one finishes the
# stack, and the delete leaves nothing behind (no process, no address).
cat >"$T/many.yaml" <<'EOF'
heat_template_version: 2018-08-31
resources:
  net: {type: OS::Neutron::Net}
  sub: {type: OS::Neutron::Subnet, properties: {network: {get_resource: net}, cidr: 10.30.0.0/24}}
  slow: {type: OS::Heat::TestResource, properties: {wait_secs: 2}}
  servers:
    type: OS::Heat::ResourceGroup
    depends_on: sub
    properties:
      count: 4
      resource_def:
        type: OS::Nova::Server
        properties: {image: x, flavor: y, networks: [{network: {get_resource: net}}]}
EOF
hearth stack create -t "$T/many.yaml" many >/dev/null 2>&1
some_guest() { [ -n "$(guest_pids)" ]; }
wait_for "$(secs 15)" some_guest
stop_hearthd KILL
redis_gone() { ! pgrep -f "redis-server.*$HD_STATE" >/dev/null; }
wait_for "$(secs 10)" redis_gone
start_hearthd b --set engine.reclaim_after=1s
status() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status"])'; }
complete() { [ "$(status many)" = CREATE_COMPLETE ]; }
wait_for "$(secs 60)" complete
ok $? "after SIGKILL, a new hearthd completes the stack"
n_guests=$(ps -o uid= -p "$(guest_pids | tr '\n' ',' | sed 's/,$//')" 2>/dev/null | sort -u | wc -l)
is "$n_guests" 4 "four servers, four guests: none made twice is left running"
is "$(r hlen 'hearth:{drv}:ipam:loopback')" 4 "four loopback addresses held"
hearth stack delete many --wait >/dev/null 2>&1
ok $? "the stack is deleted"
wait_for "$(secs 10)" no_guests
ok $? "no guest process is left"
is "$(r hlen 'hearth:{drv}:ipam:loopback')" 0 "no loopback address is left"
is "$(r keys 'hearth:{drv}:ipam:*' | tr -d '\n')" "" "no address of any subnet is left"
is "$(nkeys 'hearth:{drv}:held:*')" 0 "the ledger is empty"

stop_hearthd TERM
no_tool_reports "$T/a.log" && no_tool_reports "$T/b.log"
ok $? "no sanitizer reports"
done_testing
