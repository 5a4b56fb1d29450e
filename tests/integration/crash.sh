#!/usr/bin/env bash
# hearthd killed with SIGKILL at random moments while it creates, updates
# and deletes a 50-resource stack, then started again, round after round:
# every stack converges (the new hearthd takes the job over), nothing is
# made twice, nothing is left behind.
. "$(dirname "$0")/../lib.sh"

ROUNDS=${CRASH_ROUNDS:-6}
HD_STATE=$T/state
SOCK=$HD_STATE/redis/redis.sock

jget() {
	python3 -c 'import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}
start() { start_hearthd "$1" --set engine.reclaim_after=1s; }
kill_hard() {
	stop_hearthd KILL
	# the embedded redis-server follows its parent (PDEATHSIG)
	redis_gone() { ! pgrep -f "redis-server.*$HD_STATE" >/dev/null; }
	wait_for "$(secs 10)" redis_gone
}
rand_ms() { echo $((RANDOM % $1)); }
status() { curl -s -L -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$1?resolve_outputs=false" |
	sed -n 's/.*"stack_status":"\([A-Z_]*\)".*/\1/p'; }
is_status() { [ "$(status "$1")" = "$2" ]; }

# 50 resources in 6 batches; in each batch some take 0.5 s, so a create
# or an update lasts ~3 s and a kill within its first second lands in it
template() { # template VALUE: the create or update request body
	python3 - "$1" <<'PY'
import json, sys
res = {}
for i in range(50):
    r = {"type": "OS::Heat::TestResource",
         "properties": {"value": "%s-%d" % (sys.argv[1], i), "wait_secs": (i % 3) / 4}}
    if i:
        r["depends_on"] = "r%d" % ((i - 1) // 3)
    res["r%d" % i] = r
print(json.dumps({"template": {"heat_template_version": "2021-04-16", "resources": res,
                               "outputs": {"last": {"value": {"get_attr": ["r49", "output"]}}}}}))
PY
}
template one > "$T/v1.json"
template two > "$T/v2.json"

start a
ok $? "hearthd starts"
TOKEN=$(curl -s -X POST -H "X-Auth-Token: $(cat "$HD_STATE/admin-token")" -d '{"project": "p"}' \
	"$API/v1/admin/tokens" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')

cut_create=0 cut_update=0 cut_delete=0 # rounds whose kill came mid-action
for round in $(seq 1 "$ROUNDS"); do
	name=s$round
	body=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); b["stack_name"]=sys.argv[2]; print(json.dumps(b))' "$T/v1.json" "$name")
	http st resp -X POST -H "X-Auth-Token: $TOKEN" -d "$body" "$API/v1/p/stacks"
	id=$(jget "$resp" 'j["stack"]["id"]')
	sleep "0.$(printf '%03d' "$((100 + $(rand_ms 800)))")"
	[ "$(status "$name")" = CREATE_IN_PROGRESS ] && cut_create=$((cut_create + 1))
	kill_hard
	start "a$round"
	wait_for "$(secs 30)" is_status "$name" CREATE_COMPLETE
	ok $? "round $round: killed during the create, the stack still completes"

	http st resp -X PATCH -H "X-Auth-Token: $TOKEN" -d @"$T/v2.json" "$API/v1/p/stacks/$name/$id"
	sleep "0.$(printf '%03d' "$((100 + $(rand_ms 700)))")"
	[ "$(status "$name")" = UPDATE_IN_PROGRESS ] && cut_update=$((cut_update + 1))
	kill_hard
	start "b$round"
	wait_for "$(secs 30)" is_status "$name" UPDATE_COMPLETE
	ok $? "round $round: killed during an update, it completes"
	http st resp -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$name/$id/outputs/last"
	is "$(jget "$resp" 'j["output"]["output_value"]')" "two-49" "round $round: with the new values"

	http st resp -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$name/$id/events"
	is "$(jget "$resp" 'sum(1 for e in j["events"] if e["resource_name"] == "r0" and e["resource_status"] == "CREATE_COMPLETE")')" 1 \
		"round $round: a resource complete before the kill is not made again"
	is "$(jget "$resp" '[e["resource_status"] for e in j["events"] if e["resource_name"] == "'"$name"'"]')" \
		'["CREATE_IN_PROGRESS", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]' \
		"round $round: the stack's own states, each once"
	http st resp -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$name/$id/resources"
	is "$(jget "$resp" 'sorted(set(r["resource_status"] for r in j["resources"])) + [len(j["resources"])]')" \
		'["UPDATE_COMPLETE", 50]' "round $round: 50 resources, all updated"

	http st resp -X DELETE -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$name/$id"
	sleep "0.0$(rand_ms 9)"
	[ "$(status "$name")" = DELETE_IN_PROGRESS ] && cut_delete=$((cut_delete + 1))
	kill_hard
	start "c$round"
	deleted() { curl -s -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$name/$id/events" | grep -q 'Stack DELETE completed successfully'; }
	wait_for "$(secs 30)" deleted
	ok $? "round $round: killed during the delete, it completes"
	http st resp -H "X-Auth-Token: $TOKEN" "$API/v1/p/stacks/$name/$id/resources"
	is "$(jget "$resp" 'sorted(set(r["resource_status"] for r in j["resources"]))')" '["DELETE_COMPLETE"]' \
		"round $round: every resource deleted"
done

diag "kills mid-action: $cut_create creates, $cut_update updates, $cut_delete deletes of $ROUNDS"
check "some kills came in the middle of a create" [ "$cut_create" -gt 0 ]
check "and of an update" [ "$cut_update" -gt 0 ]
is "$(redis-cli -s "$SOCK" xlen hearth:jobs)" 0 "no job left in the queue"
is "$(redis-cli -s "$SOCK" --scan --pattern 'hearth:stack:*:lock' | wc -l)" 0 "no stack lock left"
is "$(redis-cli -s "$SOCK" --scan --pattern 'hearth:stack:*:pending' | wc -l)" 0 "no pending update left"
stop_hearthd TERM
is "$HD_STATUS" 0 "the last hearthd stops cleanly"
for log in "$T"/*.log; do
	check "no sanitizer or valgrind report in $(basename "$log")" no_tool_reports "$log"
done
done_testing
