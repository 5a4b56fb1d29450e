#!/usr/bin/env bash
# The metadata role with real curl from distinct loopback source addresses
# (all of 127/8 is local on Linux): two instances written into hearthd's
# embedded Redis as a compute driver writes them, each seeing only its own
# data; unknown addresses, X-Forwarded-For from untrusted and trusted
# peers, path tricks, the password POST-once, session tokens, a second
# replica in Neutron proxy mode (signatures right, wrong and missing), and
# cache invalidation through hearth:instance-changed with no stale answer.
. "$(dirname "$0")/../lib.sh"

G1=127.10.0.5 # guest 1
G2=127.10.0.6 # guest 2
NOBODY=127.10.0.7
PROXY=127.10.0.9 # a trusted proxy
U1=5d4b5a0e-8f3c-4a7e-9a57-2c1f0b3d9e11
U2=0b6f2c1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b

jget() {
	python3 -c 'import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

# doc UUID NAME ADDRESS PROJECT [USER_DATA_BASE64]: an instance document.
doc() {
	local ud=null
	[ -n "${5:-}" ] && ud="\"$5\""
	cat <<EOF
{"uuid": "$1", "name": "$2", "hostname": "$2", "project_id": "$4", "stack_id": "s1",
 "resource": "server", "availability_zone": "nova", "launch_index": 0,
 "reservation_id": "r-abcd1234", "ec2_id": $((0x${1:0:4})), "image": "cirros", "image_ec2_id": 7,
 "flavor": "m1.small", "key_name": "key-$2", "public_key": "ssh-ed25519 AAAA$2 user@host",
 "meta": {"role": "$2"}, "user_data": $ud, "security_groups": ["default"],
 "root_device": "/dev/vda", "volumes": [], "address": "$3",
 "ports": [{"id": "port-$2", "mac": "fa:16:3e:00:00:${3##*.}", "network_id": "n1",
            "device": "tap-$2", "vif_type": "tap",
            "fixed_ips": [{"ip_address": "10.0.0.${3##*.}", "subnet_id": "s1"}],
            "floating_ips": []}],
 "subnets": {"s1": {"cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1",
                    "dns_nameservers": ["10.0.0.2"], "host_routes": [], "enable_dhcp": false,
                    "ip_version": 4, "ipv6_address_mode": null}},
 "networks": {"n1": {"name": "private", "mtu": 1450}},
 "created_at": "2026-11-23T17:00:00Z"}
EOF
}

echo '{"cloud-init": "#cloud-config\nruncmd: [true]\n"}' > "$T/vendor.json"
start_hearthd a --set metadata.trusted_proxies="$PROXY" --set metadata.vendor_data="$T/vendor.json"
ok $? "hearthd starts"
SOCK=$HD_STATE/redis/redis.sock
rc() { redis-cli -s "$SOCK" "$@"; }
check "the metadata role subscribes to hearth:instance-changed" \
	wait_for "$(secs 5)" grep -q "watch: subscribed" "$HD_LOG"

# A binary user_data (a gzip stream) for guest 1, none for guest 2.
printf '#!/bin/sh\necho hello from guest 1\n' | gzip -c > "$T/ud1"
rc set "hearth:instance:$U1" "$(doc "$U1" vm1 "$G1" P1 "$(base64 -w0 < "$T/ud1")")" >/dev/null
rc set "hearth:addr:$G1" "$U1" >/dev/null
rc set "hearth:instance:$U2" "$(doc "$U2" vm2 "$G2" P2)" >/dev/null
rc set "hearth:addr:$G2" "$U2" >/dev/null

as() { local who=$1; shift; curl -sS --max-time "$(secs 10)" --interface "$who" "$@"; }
code() { local who=$1; shift; as "$who" -o /dev/null -w '%{http_code}' "$@"; }

# ------------------------------------------------------------ anonymous
http st body "$META/"
is "$st" 200 "GET / needs no identity"
is "$body" "$(printf '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest')" \
	"and lists the EC2 versions"

# ------------------------------------------------------------- identity
md1=$(as $G1 "$META/openstack/latest/meta_data.json")
md2=$(as $G2 "$META/openstack/latest/meta_data.json")
is "$(jget "$md1" 'j["uuid"]')" "$U1" "guest 1 gets its own meta_data.json"
is "$(jget "$md2" 'j["uuid"]')" "$U2" "guest 2 gets its own"
is "$(jget "$md1" 'j["public_keys"]')" '{"key-vm1": "ssh-ed25519 AAAAvm1 user@host"}' "with its own key"
is "$(jget "$md2" 'j["hostname"]')" vm2.novalocal "and its own host name"
is "$(as $G1 "$META/latest/meta-data/instance-id")" i-00005d4b "guest 1's EC2 instance-id"
is "$(as $G2 "$META/2009-04-04/meta-data/instance-id")" i-00000b6f "guest 2's"
is "$(as $G1 "$META/latest/meta-data/public-keys/0/openssh-key")" "ssh-ed25519 AAAAvm1 user@host" \
	"guest 1's key through the EC2 tree"
is "$(as $G1 "$META/latest/meta-data/local-ipv4")" 10.0.0.5 "local-ipv4 is the port's fixed IP"
as $G1 "$META/openstack/latest/user_data" -o "$T/got1"
check "guest 1's user_data is byte for byte what was given (gzip)" cmp -s "$T/ud1" "$T/got1"
as $G1 "$META/latest/user-data" -o "$T/got1b"
check "and so is its EC2 user-data" cmp -s "$T/ud1" "$T/got1b"
is "$(code $G2 "$META/openstack/latest/user_data")" 404 "guest 2 has no user_data: 404"
is "$(as $G2 "$META/latest")" "meta-data/" "and its version lists no user-data"
nd=$(as $G1 "$META/openstack/latest/network_data.json")
is "$(jget "$nd" 'j["links"][0]["ethernet_mac_address"]')" fa:16:3e:00:00:5 "network_data.json has guest 1's MAC"
is "$(jget "$nd" 'j["networks"][0]["ip_address"]')" 10.0.0.5 "and its address"
is "$(as $G1 "$META/openstack/latest/vendor_data.json")" '{"cloud-init": "#cloud-config\nruncmd: [true]\n"}' \
	"vendor_data.json from metadata.vendor_data"
is "$(code $NOBODY "$META/latest/meta-data/")" 404 "an unknown address: 404"
is "$(code $NOBODY "$META/openstack")" 404 "also for /openstack"
is "$(code $NOBODY "$META/openstack/latest/meta_data.json")" 404 "and meta_data.json"
unlike "$(as $NOBODY "$META/openstack/latest/meta_data.json")" "$U1|$U2" "no instance's data in the answer"

# ---------------------------------------------------- X-Forwarded-For
is "$(jget "$(as $G2 -H "X-Forwarded-For: $G1" "$META/openstack/latest/meta_data.json")" 'j["uuid"]')" \
	"$U2" "X-Forwarded-For from an untrusted guest gains nothing: still its own data"
is "$(code $NOBODY -H "X-Forwarded-For: $G1" "$META/openstack/latest/meta_data.json")" 404 \
	"nor from an unknown address: 404"
is "$(jget "$(as $PROXY -H "X-Forwarded-For: $G1" "$META/openstack/latest/meta_data.json")" 'j["uuid"]')" \
	"$U1" "the trusted proxy's X-Forwarded-For names guest 1"
is "$(as $PROXY -H "X-Forwarded-For: $G2" "$META/latest/meta-data/hostname")" vm2.novalocal \
	"and guest 2"
is "$(code $PROXY -H "X-Forwarded-For: $G1, $PROXY" "$META/latest/meta-data/hostname")" 404 \
	"a list (a proxy that appends) names no instance"
is "$(code $PROXY -H "X-Forwarded-For: hearth:addr:x" "$META/latest/meta-data/hostname")" 404 \
	"nor does a non-address"
is "$(code $PROXY "$META/latest/meta-data/hostname")" 404 "the proxy itself is no instance"

# ---------------------------------------------------------- path tricks
for p in "/openstack/latest/../../latest/meta-data/hostname" "//latest///meta-data//hostname/" \
	"/latest/meta-data/./hostname" "/latest%2Fmeta-data%2Fhostname" "/../../../latest/meta-data/hostname"; do
	is "$(as $G2 --path-as-is "$META$p")" vm2.novalocal "path trick $p: still guest 2's own"
done
is "$(code $G2 "$META/latest/meta-data/hostname/x")" 404 "a child of a leaf: 404, not 500"
hdrs=$(as $G1 -I "$META/openstack/latest/meta_data.json")
like "$hdrs" '^HTTP/1.1 200' "HEAD works"
like "$hdrs" 'Content-Type: application/json' "with the GET's type"
is "$(code $G1 -X PUT "$META/latest/meta-data/hostname")" 200 "PUT elsewhere than password is a GET"

# ------------------------------------------------------------- password
is "$(code $G1 "$META/openstack/latest/password")" 200 "password GET before any: 200"
is "$(as $G1 "$META/openstack/latest/password")" "" "with an empty body"
is "$(code $G1 -X POST --data-binary 'ZW5jcnlwdGVk' "$META/openstack/latest/password")" 200 \
	"the first password POST: 200"
is "$(code $G1 -X POST --data-binary 'b3RoZXI=' "$META/openstack/latest/password")" 409 \
	"a second: 409"
is "$(as $G1 "$META/openstack/latest/password")" ZW5jcnlwdGVk "GET returns the first at once"
is "$(rc get "hearth:instance:$U1:password")" ZW5jcnlwdGVk "stored in hearth:instance:UUID:password"
is "$(as $G2 "$META/openstack/2013-04-04/password")" "" "guest 2 does not see it"
head -c 1021 /dev/zero | tr '\0' a > "$T/big"
is "$(code $G2 -X POST --data-binary @"$T/big" "$META/openstack/latest/password")" 400 \
	"a password of 1021 bytes: 400"
is "$(code $G2 -X DELETE "$META/openstack/latest/password")" 400 "DELETE on password: 400"
is "$(code $G2 "$META/openstack/2012-08-10/password")" 404 "before 2013-04-04: 404"
# Concurrent POSTs: exactly one wins.
racers=()
for i in 1 2 3 4 5 6 7 8; do
	as $G2 -o /dev/null -w '%{http_code}\n' -X POST --data-binary "pw$i" \
		"$META/openstack/latest/password" > "$T/race.$i" &
	racers+=($!)
done
wait "${racers[@]}"
is "$(cat "$T"/race.* | sort | uniq -c | tr -s ' ' | sed 's/^ //' | tr '\n' ' ')" "1 200 7 409 " \
	"of eight concurrent POSTs one stores, seven get 409"

# --------------------------------------------------------------- tokens
tok=$(as $G1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$META/latest/api/token")
like "$tok" '^[0-9]+\..+\..+$' "PUT /latest/api/token issues a token"
is "$(code $G1 -H "X-aws-ec2-metadata-token: $tok" "$META/latest/meta-data/instance-id")" 200 \
	"a GET with it: 200"
is "$(code $G2 -H "X-aws-ec2-metadata-token: $tok" "$META/latest/meta-data/instance-id")" 401 \
	"guest 2 using guest 1's token: 401"
is "$(code $G1 -H "X-aws-ec2-metadata-token: ${tok}x" "$META/latest/meta-data/instance-id")" 401 \
	"a forged token: 401"
is "$(code $G1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 0' "$META/latest/api/token")" 400 \
	"a TTL of 0: 400"
is "$(code $G1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21601' "$META/latest/api/token")" 400 \
	"a TTL over 21600: 400"
is "$(code $G1 -X PUT "$META/latest/api/token")" 400 "no TTL: 400"
is "$(code $PROXY -X PUT -H "X-Forwarded-For: $G1" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
	"$META/latest/api/token")" 403 "a token PUT carrying X-Forwarded-For: 403"
is "$(code $G1 "$META/latest/api/token")" 404 "no token on GET"
short=$(as $G1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 1' "$META/latest/api/token")
sleep 2.1
is "$(code $G1 -H "X-aws-ec2-metadata-token: $short" "$META/latest/meta-data/instance-id")" 401 \
	"an expired token: 401"

# ------------------------------------------------------ cache freshness
is "$(as $G1 "$META/latest/meta-data/hostname")" vm1.novalocal "guest 1's host name (now cached)"
rc set "hearth:instance:$U1" "$(doc "$U1" quiet "$G1" P1)" >/dev/null
is "$(as $G1 "$META/latest/meta-data/hostname")" vm1.novalocal \
	"a write without a publish is not seen: the answer came from the cache"
rc publish hearth:instance-changed "$U1" >/dev/null
is "$(as $G1 "$META/latest/meta-data/hostname")" quiet.novalocal "after the publish: the new document"
stale=0
for i in $(seq 1 40); do
	as $G1 "$META/latest/meta-data/hostname" >/dev/null # warm
	rc eval "redis.call('SET', KEYS[1], ARGV[1]); redis.call('PUBLISH', 'hearth:instance-changed', ARGV[2])" \
		1 "hearth:instance:$U1" "$(doc "$U1" "gen$i" "$G1" P1)" "$U1" >/dev/null
	got=$(as $G1 "$META/latest/meta-data/hostname")
	[ "$got" = "gen$i.novalocal" ] || { stale=$((stale + 1)); diag "round $i: got $got"; }
done
is "$stale" 0 "40 updates (write+publish acknowledged, then a request): no stale answer"
rc del "hearth:instance:$U2" "hearth:addr:$G2" >/dev/null
rc publish hearth:instance-changed "$U2" >/dev/null
is "$(code $G2 "$META/latest/meta-data/hostname")" 404 "a deleted instance: 404 at once"
rc set "hearth:instance:$U2" "$(doc "$U2" vm2 "$G2" P2)" >/dev/null
rc set "hearth:addr:$G2" "$U2" >/dev/null
rc publish hearth:instance-changed "$U2" >/dev/null
is "$(as $G2 "$META/latest/meta-data/hostname")" vm2.novalocal "and back when recreated"
# The address moves to another instance: the engine publishes both.
U3=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
rc set "hearth:instance:$U3" "$(doc "$U3" vm3 "$G2" P2)" >/dev/null
rc set "hearth:instance:$U2" "$(doc "$U2" vm2 127.10.0.8 P2)" >/dev/null
rc set "hearth:addr:$G2" "$U3" >/dev/null
rc publish hearth:instance-changed "$U2" >/dev/null
rc publish hearth:instance-changed "$U3" >/dev/null
is "$(as $G2 "$META/latest/meta-data/hostname")" vm3.novalocal \
	"an address given to another instance serves the new one"

# ------------------------------------------- a replica in Neutron proxy mode
A_PID=$HD_PID A_LOG=$HD_LOG A_META=$META
HD_STATE=$T/b-state
start_hearthd b --roles metadata --set redis.url="unix://$SOCK" \
	--set metadata.proxy_shared_secret=s3cr3t
ok $? "a second hearthd (metadata only, Neutron proxy mode) on the same Redis"
B_PID=$HD_PID B_LOG=$HD_LOG B_META=$META
check "it subscribes too" wait_for "$(secs 5)" grep -q "watch: subscribed" "$B_LOG"
sig() { printf %s "$1" | openssl dgst -sha256 -hmac "$2" | sed 's/.*= //'; }
is "$(sig "$U1" s3cr3t)" b30818d6eebc2fe5c2fff4b93000b06c2bac79f98c26ef6772c6c62b4ee97e9a \
	"the spec's signature test vector"
pget() { # pget ID TENANT SIGNATURE PATH [CURL-ARGS]
	local id=$1 tenant=$2 s=$3 p=$4; shift 4
	curl -sS --max-time "$(secs 10)" -w '\n%{http_code}' -H "X-Instance-ID: $id" \
		-H "X-Tenant-ID: $tenant" -H "X-Instance-ID-Signature: $s" -H "X-Forwarded-For: $G1" \
		"$@" "$B_META$p"
}
out=$(pget "$U1" P1 "$(sig "$U1" s3cr3t)" /openstack/latest/meta_data.json)
is "${out##*$'\n'}" 200 "a correctly signed request: 200"
is "$(jget "${out%$'\n'*}" 'j["uuid"]')" "$U1" "with that instance's data"
out=$(pget "$U1" P1 "$(sig "$U1" wrong)" /latest/meta-data/hostname)
is "${out##*$'\n'}" 403 "a wrong signature: 403"
like "$out" "Invalid proxy request signature" "saying so"
out=$(pget "$U1" P1 "$(sig "$U2" s3cr3t)" /latest/meta-data/hostname)
is "${out##*$'\n'}" 403 "another instance's signature: 403"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Instance-ID: $U1" -H "X-Tenant-ID: P1" \
	"$B_META/latest/meta-data/hostname")" 400 "no signature: 400"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Tenant-ID: P1" \
	-H "X-Instance-ID-Signature: $(sig "$U1" s3cr3t)" "$B_META/latest/meta-data/hostname")" 400 \
	"no instance id: 400"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Instance-ID: $U1" \
	-H "X-Instance-ID-Signature: $(sig "$U1" s3cr3t)" "$B_META/latest/meta-data/hostname")" 400 \
	"no tenant: 400"
is "$(curl -s -o /dev/null -w '%{http_code}' --interface $G1 "$B_META/latest/meta-data/hostname")" 400 \
	"in proxy mode a guest's own address is no identity: 400"
out=$(pget "$U1" P2 "$(sig "$U1" s3cr3t)" /latest/meta-data/hostname)
is "${out##*$'\n'}" 404 "the wrong project: 404"
out=$(pget nosuch P1 "$(sig nosuch s3cr3t)" /latest/meta-data/hostname)
is "${out##*$'\n'}" 404 "a signed unknown instance: 404"
out=$(pget "$U1" P1 "$(sig "$U1" s3cr3t)" /latest/meta-data/local-ipv4)
is "${out%$'\n'*}" 10.0.0.5 "local-ipv4 from the document"
# One replica's invalidation reaches the other.
pget "$U1" P1 "$(sig "$U1" s3cr3t)" /latest/meta-data/hostname >/dev/null
rc eval "redis.call('SET', KEYS[1], ARGV[1]); redis.call('PUBLISH', 'hearth:instance-changed', ARGV[2])" \
	1 "hearth:instance:$U1" "$(doc "$U1" replica "$G1" P1)" "$U1" >/dev/null
out=$(pget "$U1" P1 "$(sig "$U1" s3cr3t)" /latest/meta-data/hostname)
is "${out%$'\n'*}" replica.novalocal "the proxy-mode replica sees the update at once"
is "$(as $G1 "$A_META/latest/meta-data/hostname")" replica.novalocal "and so does the first"

# ------------------------------------------- the subscription lost and back
rc client kill type pubsub >/dev/null
rc set "hearth:instance:$U1" "$(doc "$U1" unpublished "$G1" P1)" >/dev/null
is "$(as $G1 "$A_META/latest/meta-data/hostname")" unpublished.novalocal \
	"while the subscription is down, answers come from Redis (no stale cache)"
check "the subscription comes back" wait_for "$(secs 5)" \
	eval '[ "$(grep -c "watch: subscribed" "$A_LOG")" -ge 2 ]'

kill -TERM "$B_PID"; wait "$B_PID" 2>/dev/null
is "$?" 0 "the replica stops cleanly"
HD_PID=$A_PID
stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report (first)" no_tool_reports "$A_LOG"
check "no sanitizer or valgrind report (replica)" no_tool_reports "$B_LOG"
unlike "$(cat "$A_LOG" "$B_LOG")" 's3cr3t|ZW5jcnlwdGVk' "no secret or password in the logs"
done_testing
