#!/usr/bin/env bash
# hearth signal against a real hearthd and real stacks: a wait condition
# completed by two CLI signals (ids, data, reasons), a body-less default
# signal and --details sent as given, a FAILURE that fails its stack with
# the reason, and the refusals: unknown resource (404), a resource that
# takes no signals (400), bad --details (usage, exit 2), another
# project's token, hearthd unreachable.
. "$(dirname "$0")/../lib.sh"

start_hearthd a
ok $? "hearthd starts"
P1=$(issue_token p1)
P2=$(issue_token p2)
hearth() { HEARTH_URL=$API HEARTH_TOKEN=$P1 HEARTH_PROJECT=p1 "$B/hearth" "$@"; }
field() { hearth -f json stack show "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
output() { hearth -f json output show "$1" "$2" | python3 -c 'import json,sys; v=json.load(sys.stdin)["output_value"]; print(v if isinstance(v, str) else json.dumps(v))'; }
settled() { [ "$(field "$1" stack_status)" != CREATE_IN_PROGRESS ]; }

cat >"$T/wc.yaml" <<'EOF'
heat_template_version: 2018-08-31
parameters:
  count: {type: number, default: 2}
resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  cond:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: handle}, count: {get_param: count}, timeout: 60}
  plain: {type: OS::Heat::TestResource}
outputs:
  data: {value: {get_attr: [cond, data]}}
EOF

# two signals complete a wait condition for two
hearth stack create -t "$T/wc.yaml" w >/dev/null
ok $? "a stack with a wait condition for two signals is created (no --wait)"
out=$(hearth signal w handle --id one --data hello --reason "first boot" 2>&1); rc=$?
is "$rc" 0 "hearth signal --id --data --reason: exit 0"
is "$out" "" "printing nothing"
like "$(hearth event list w)" 'handle +SIGNAL_COMPLETE +Signal: status:SUCCESS reason:first boot' \
	"the signal is an event with its reason"
is "$(field w stack_status)" CREATE_IN_PROGRESS "one signal of two: still waiting"
out=$(hearth -f json resource signal w handle --data world 2>&1); rc=$?
is "$rc" 0 "a second signal (resource signal, no id, -f json): exit 0"
is "$out" "" "printing nothing"
wait_for "$(secs 20)" settled w
is "$(field w stack_status)" CREATE_COMPLETE "with two signals the stack is CREATE_COMPLETE"
is "$(output w data)" '{"2": "world", "one": "hello"}' "the wait condition's data: every id's data (Heat's numbering without an id)"

# no option: no body, a default SUCCESS signal; --details: the object as given
hearth stack create -t "$T/wc.yaml" d >/dev/null
hearth signal d handle
is "$?" 0 "a signal with no option: exit 0"
like "$(hearth event list d)" 'Signal: status:SUCCESS reason:Signal 1 received' "a default SUCCESS signal"
hearth signal d handle --details '  {"id": "x", "reason": "as JSON", "data": {"k": [1, 2]}}'
is "$?" 0 "--details with a JSON object: exit 0"
wait_for "$(secs 20)" settled d
is "$(field d stack_status)" CREATE_COMPLETE "the two complete the stack"
is "$(output d data)" '{"1": null, "x": {"k": [1, 2]}}' "the object's data kept as JSON"

# FAILURE fails the stack with the reason
hearth stack create -t "$T/wc.yaml" f >/dev/null
hearth signal f handle --status FAILURE --reason "disk full"
is "$?" 0 "a FAILURE signal: exit 0"
wait_for "$(secs 20)" settled f
is "$(field f stack_status)" CREATE_FAILED "fails its stack"
is "$(field f stack_status_reason)" "Resource CREATE failed: WaitConditionFailure: resources.cond: disk full" \
	"with the reason given"

# refusals
out=$(hearth signal w nope 2>&1); rc=$?
is "$rc" 1 "an unknown resource: exit 1"
is "$out" "ERROR: The Resource (nope) could not be found in Stack w." "with hearthd's 404 message"
out=$(hearth signal w plain --data x 2>&1); rc=$?
is "$rc" 1 "a TestResource: exit 1"
is "$out" "ERROR: Resource plain of type OS::Heat::TestResource does not take signals" "with hearthd's 400 message"
out=$(hearth signal nostack handle 2>&1); rc=$?
is "$rc" 1 "an unknown stack: exit 1"
is "$out" "ERROR: The Stack (nostack) could not be found." "not found"
for bad in '[1, 2]' '"text"' 'nope' '{"a": 1, "a": 2}'; do
	out=$(hearth signal w handle --details "$bad" 2>&1); rc=$?
	is "$rc" 2 "--details $bad: exit 2"
	like "$out" '^hearth: --details must be a JSON object' "saying it must be a JSON object"
done
out=$(hearth signal w handle --details '{}' --id x 2>&1); rc=$?
is "$rc" 2 "--details with --id: exit 2"
like "$out" 'give one or the other' "they exclude each other"
out=$(hearth signal w handle --status DONE 2>&1); rc=$?
is "$rc" 2 "--status other than SUCCESS or FAILURE: exit 2"
like "$out" 'SUCCESS or FAILURE' "saying which"
out=$(hearth signal w 2>&1); rc=$?
is "$rc" 2 "no resource: usage, exit 2"
like "$out" '^Usage: hearth signal STACK RESOURCE' "with the usage"
out=$(HEARTH_URL=$API HEARTH_TOKEN=$P2 "$B/hearth" -p p1 signal w handle 2>&1); rc=$?
is "$rc" 1 "another project's token, acting in p1: exit 1"
is "$out" "ERROR: You are not authorized to act in this project" "refused"
out=$(HEARTH_URL=$API HEARTH_TOKEN=$P2 "$B/hearth" signal w handle 2>&1); rc=$?
is "$rc" 1 "another project's token in its own project: exit 1"
is "$out" "ERROR: The Stack (w) could not be found." "the stack is not there"
like "$(hearth event list w | grep -c 'Signal: ')" '^2$' "no refused signal was recorded"
out=$(HEARTH_URL=$API "$B/hearth" signal w handle 2>&1); rc=$?
is "$rc" 2 "no token: exit 2"
out=$(HEARTH_URL=http://127.0.0.1:$(free_port) HEARTH_TOKEN=$P1 "$B/hearth" signal w handle 2>&1); rc=$?
is "$rc" 2 "hearthd unreachable: exit 2, as the other stack commands"
like "$out" '^hearth: cannot reach hearthd at http://127\.0\.0\.1:[0-9]+: ' "saying so"

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
