#!/usr/bin/env bash
# Wait conditions and the signal endpoint with a real hearthd, real
# guests (hearth-agent boot running their user_data) and real curl
# running the exact curl_cli a template hands out: counting, ids, data,
# FAILURE, timeouts, forged, cross-scope and revoked tokens, bad bodies,
# tokens kept out of Redis and of every answer, and a signal that arrives
# while hearthd is down.
. "$(dirname "$0")/../lib.sh"

HD_STATE=$T/state
SOCK=$HD_STATE/redis/redis.sock
start_hearthd a --set engine.reclaim_after=1s
ok $? "hearthd starts"
P1=$(issue_token p1)
P2=$(issue_token p2)
hearth() { HEARTH_URL=$API HEARTH_TOKEN=$P1 HEARTH_PROJECT=p1 "$B/hearth" "$@"; }
status() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status"])'; }
reason() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status_reason"])'; }
output() { hearth -f json output show "$1" "$2" | python3 -c 'import json,sys; v=json.load(sys.stdin)["output_value"]; print(v if isinstance(v, str) else json.dumps(v))'; }
stack_id() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# A stack whose guest keeps the handle's curl_cli (so that this test can
# play more guests) and signals once itself, with an id.
cat >"$T/wc.yaml" <<'EOF'
heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 3}
  timeout: {type: number, default: 120}
resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  cond:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: handle}, count: {get_param: count}, timeout: {get_param: timeout}}
  other: {type: OS::Heat::WaitConditionHandle}
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: small
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            printf '%s' "wc_notify" > cli
            wc_notify --data-binary '{"status": "SUCCESS", "id": "guest", "data": "booted"}' > signal.out
          params:
            wc_notify: {get_attr: [handle, curl_cli]}
outputs:
  data: {value: {get_attr: [cond, data]}}
  cli: {value: {get_attr: [handle, curl_cli]}}
  server: {value: {get_resource: server}}
EOF
hearth stack create -t "$T/wc.yaml" w >/dev/null
ok $? "a stack with a wait condition for three signals is accepted"
W=$(stack_id w)
cli_file() { ls "$HD_STATE"/guests/*/cli 2>/dev/null | head -n 1; }
wait_for "$(secs 20)" test -n "$(cli_file)"
have_cli() { [ -s "$(cli_file)" ]; }
wait_for "$(secs 20)" have_cli
ok $? "the guest booted and ran its user_data"
CLI=$(cat "$(cli_file)")
like "$CLI" "^curl -i -X POST -H 'X-Auth-Token: [0-9a-f]{64}' -H 'Content-Type: application/json' -H 'Accept: application/json' http://127\.0\.0\.1:[0-9]+/v1/p1/stacks/w/$W/resources/handle/signal\$" \
	"curl_cli has Heat's exact form"
TOKEN=$(echo "$CLI" | sed -n "s/.*X-Auth-Token: \([0-9a-f]*\)'.*/\1/p")
URL=${CLI##* }
signalled() { grep -q "Signal: status:SUCCESS reason:Signal 1 received" < <(hearth event list w); }
wait_for "$(secs 20)" signalled
ok $? "the guest's own curl signal is recorded as an event"
is "$(status w)" CREATE_IN_PROGRESS "one signal of three: still waiting"
sig() { # sig BODY [CURL-ARGS]: the guest's command with a body
	local body=$1; shift
	eval "$CLI -s -o /dev/null -w '%{http_code}' --data-binary \"\$body\" $*"
}
is "$(sig '{"status": "SUCCESS", "id": "guest", "data": "again"}')" 200 "a repeat of an id is accepted"
sleep 0.5
is "$(status w)" CREATE_IN_PROGRESS "and counted once"

# refused signals change nothing
h() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@"; }
is "$(h --data-binary '{}' "$URL")" 401 "no token: 401"
is "$(h -H "X-Auth-Token: $(openssl rand -hex 32 2>/dev/null || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" --data-binary '{}' "$URL")" 401 \
	"a forged token: 401"
is "$(h -H "X-Auth-Token: $TOKEN" --data-binary '{}' "${URL%/handle/signal}/other/signal")" 403 \
	"the handle's token on another handle of the stack: 403"
is "$(h -H "X-Auth-Token: $P2" --data-binary '{}' "$URL")" 401 "another project's API token: 401"
is "$(h -H "X-Auth-Token: $TOKEN" --data-binary '{"status": "DONE"}' "$URL")" 400 "a status other than SUCCESS or FAILURE: 400"
is "$(h -H "X-Auth-Token: $TOKEN" --data-binary '{"Status": "SUCCESS"}' "$URL")" 400 "keys other than Heat's: 400"
is "$(h -H "X-Auth-Token: $TOKEN" --data-binary '{"status": ' "$URL")" 400 "broken JSON: 400"
head -c 1100000 /dev/zero | tr '\0' 'x' >"$T/big"
is "$(h -H "X-Auth-Token: $TOKEN" --data-binary @"$T/big" "$URL")" 413 "an oversized body: 413"
is "$(h -H "X-Auth-Token: $TOKEN" --data-binary '{}' "${URL/stacks\/w\//stacks/nope/}")" 404 "a wrong stack name: 404"
sleep 0.3
is "$(status w)" CREATE_IN_PROGRESS "none of them counted"

# two more guests at once, without ids: both counted (ids 2 and 3)
sig '{"status": "SUCCESS", "data": "two"}' >"$T/c1" &
c1=$!
sig '{"data": "three"}' >"$T/c2" &
c2=$!
wait "$c1" "$c2"
is "$(cat "$T/c1" "$T/c2")" 200200 "two concurrent signals are accepted"
done_w() { [ "$(status w)" = CREATE_COMPLETE ]; }
wait_for "$(secs 20)" done_w
ok $? "with three signals the stack is CREATE_COMPLETE"
is "$(output w cli)" "curl -i -X POST -H 'X-Auth-Token: ******' -H 'Content-Type: application/json' -H 'Accept: application/json' $URL" \
	"outputs show curl_cli without its token"
like "$(output w data)" '^\{"2": "(two|three)", "3": "(two|three)", "guest": "again"\}$' \
	"data is Heat's JSON string of every id's data (a repeated id replaced)"
is "$(h -H "X-Auth-Token: $P1" --data-binary 'plain words' -H 'Content-Type: text/x-other' "$URL")" 200 \
	"an API token of the stack's project may signal; a body that is not JSON is a default signal"

# the token is nowhere but in the guest's user_data
# every key whose value holds the token
holders() { redis-cli -s "$SOCK" --scan | while read -r k; do
	case $(redis-cli -s "$SOCK" type "$k") in
	string) redis-cli -s "$SOCK" get "$k" ;;
	hash) redis-cli -s "$SOCK" hgetall "$k" ;;
	stream) redis-cli -s "$SOCK" xrange "$k" - + ;;
	set) redis-cli -s "$SOCK" smembers "$k" ;;
	zset) redis-cli -s "$SOCK" zrange "$k" 0 -1 ;;
	esac | grep -q "$TOKEN" && echo "$k"; done | sort | tr '\n' ' '; }
server=$(output w server)
is "$(holders)" "" "Redis holds the token in no key, no event, no record"
redis-cli -s "$SOCK" get "hearth:instance:$server" |
	python3 -c 'import base64, json, sys; print(base64.b64decode(json.load(sys.stdin)["user_data"]).decode())' |
	grep -q "$TOKEN"
ok $? "but in the user_data of the guest it was made for (its document, base64)"
unlike "$(curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/w/$W/resources/handle"; curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/w/$W/events"; curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/w/$W")" "$TOKEN" \
	"nor does the API show it (resource, events, stack)"
unlike "$(cat "$T/a.log")" "$TOKEN" "nor the log"

# delete: the token is revoked
hearth stack delete w --wait >/dev/null 2>&1
is "$(sig '{}')" 401 "after the stack's delete its handle's token is refused"

# FAILURE and timeout, in Heat's words
hearth stack create -t "$T/wc.yaml" -P count=1 f >/dev/null
wait_for "$(secs 20)" have_cli
CLI=$(cat "$(cli_file)")
sleep 0.2
hearth stack create -t "$T/wc.yaml" -P count=5 -P timeout=2 t >/dev/null
failed_f() { [ "$(status f)" = CREATE_FAILED ] || [ "$(status f)" = CREATE_COMPLETE ]; }
# f got the guest's SUCCESS already (count 1): it completes; then its own
# FAILURE case is a second stack below
wait_for "$(secs 20)" failed_f
is "$(status f)" CREATE_COMPLETE "a count of one completes with the guest's signal"
hearth stack delete f --wait >/dev/null 2>&1
timed_out() { [ "$(status t)" = CREATE_FAILED ]; }
wait_for "$(secs 20)" timed_out
ok $? "a wait condition that does not get its count in time fails"
is "$(reason t)" "Resource CREATE failed: WaitConditionTimeout: resources.cond: 1 of 5 received - Signal 1 received" \
	"with Heat's timeout message"
hearth stack delete t --wait >/dev/null 2>&1
cat >"$T/fail.yaml" <<'EOF'
heat_template_version: 2018-08-31
resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  cond:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: handle}, timeout: 60}
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: small
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            wc_notify --data-binary '{"status": "FAILURE", "reason": "disk full"}'
          params:
            wc_notify: {get_attr: [handle, curl_cli]}
EOF
hearth stack create -t "$T/fail.yaml" --wait bad >/dev/null 2>&1
ok $((! $?)) "a guest's FAILURE fails the stack"
is "$(reason bad)" "Resource CREATE failed: WaitConditionFailure: resources.cond: disk full" \
	"with the guest's reason"
hearth stack delete bad --wait >/dev/null 2>&1

# hearthd killed while a stack waits; the signal lands while it is down
# (straight in Redis it cannot be: it waits for the restart), then the
# new hearthd completes the stack
cat >"$T/quiet.yaml" <<'EOF'
heat_template_version: 2018-08-31
resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  cond:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: handle}, timeout: 120}
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: small
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            printf '%s' "wc_notify" > cli
          params:
            wc_notify: {get_attr: [handle, curl_cli]}
EOF
rm -f "$HD_STATE"/guests/*/cli
hearth stack create -t "$T/quiet.yaml" q >/dev/null
wait_for "$(secs 20)" have_cli
CLI=$(cat "$(cli_file)")
stop_hearthd KILL
redis_gone() { ! pgrep -f "redis-server.*$HD_STATE" >/dev/null; }
wait_for "$(secs 10)" redis_gone
start_hearthd b --set engine.reclaim_after=1s
# the guest's URL names the old port: the same path on the new one
CLI=$(echo "$CLI" | sed "s|http://127.0.0.1:[0-9]*/|$SIG/|")
is "$(sig '{"status": "SUCCESS"}')" 200 "a restarted hearthd takes the signal"
done_q() { [ "$(status q)" = CREATE_COMPLETE ]; }
wait_for "$(secs 20)" done_q
ok $? "and the stack that waited across the crash completes"
hearth stack delete q --wait >/dev/null 2>&1

# the demo: its wait condition is ready to wait a batch before the server
# that signals it exists (it waits on while later batches are made)
hearth stack create -t "$S/examples/hello.yaml" --wait hello >/dev/null 2>&1
ok $? "examples/hello.yaml reaches CREATE_COMPLETE"
is "$(output hello greeting)" '{"1": "said hello"}' "with the guest's signal as its output"
hearth stack delete hello --wait >/dev/null 2>&1

stop_hearthd TERM
no_tool_reports "$T/a.log" && no_tool_reports "$T/b.log"
ok $? "no sanitizer reports"
done_testing
