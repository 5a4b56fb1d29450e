#!/usr/bin/env bash
# Stacks through the REST API with real curl, a real hearthd and its
# embedded redis-server: tokens and projects, create in dependency order
# with concurrent waits, outputs, events, validation errors, failure with
# and without rollback, delete, and a hearthd killed in the middle of a
# create that another hearthd finishes.
. "$(dirname "$0")/../lib.sh"

# jget JSON PYTHON-EXPRESSION: evaluates the expression on the parsed
# JSON, bound to j; prints the result (strings bare, the rest as JSON).
jget() {
	python3 -c 'import json, sys
j = json.loads(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

start_hearthd a --set engine.reclaim_after=2s
ok $? "hearthd starts"
ADMIN=$(cat "$HD_STATE/admin-token")
like "$ADMIN" '^[0-9a-f]{64}$' "an admin token is made at first start"
is "$(stat -c %a "$HD_STATE/admin-token")" 600 "readable by its owner only"

# ------------------------------------------------------------- tokens
http st body "$API/v1/p1/stacks"
is "$st" 401 "no token: 401"
like "$body" '"type":"Unauthorized"' "saying so"
http st body -H "X-Auth-Token: nope" "$API/v1/p1/stacks"
is "$st" 401 "an unknown token: 401"
http st body -X POST -H "X-Auth-Token: $ADMIN" -d '{"project": "p1"}' "$API/v1/admin/tokens"
is "$st" 201 "the admin issues a token for project p1"
P1=$(jget "$body" 'j["token"]')
is "$(jget "$body" 'j["role"]')" member "a member token by default"
http st body -X POST -H "X-Auth-Token: $ADMIN" -d '{"project": "p2"}' "$API/v1/admin/tokens"
P2=$(jget "$body" 'j["token"]')
http st body -X POST -H "X-Auth-Token: $P1" -d '{"project": "p1"}' "$API/v1/admin/tokens"
is "$st" 403 "a member cannot issue tokens"
http st body -X POST -H "X-Auth-Token: $ADMIN" -d '{"project": "a/b"}' "$API/v1/admin/tokens"
is "$st" 400 "a project name with a slash is refused"
unlike "$(redis-cli -s "$HD_STATE/redis/redis.sock" hgetall hearth:tokens)" "$P1" \
	"Redis keeps only hashes of tokens"

# ------------------------------------------------------------- create
cat > "$T/s1.json" <<'EOF'
{"stack_name": "s1", "parameters": {"pw": "sekrit-value-1"},
 "template": {"heat_template_version": "2021-04-16", "description": "demo stack",
  "parameters": {"pw": {"type": "string", "hidden": true}, "n": {"type": "number", "default": 3}},
  "resources": {
   "a": {"type": "OS::Heat::Value",
         "properties": {"value": {"str_replace": {"template": "n=N", "params": {"N": {"get_param": "n"}}}}}},
   "b": {"type": "OS::Heat::TestResource", "properties": {"value": {"get_attr": ["a", "value"]}, "wait_secs": 1}},
   "w": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 1}},
   "c": {"type": "OS::Heat::RandomString", "properties": {"length": 12, "character_classes": [{"class": "digits", "min": 12}]}},
   "d": {"type": "OS::Heat::None", "depends_on": ["b", "c", "w"]}},
  "outputs": {"b_out": {"value": {"get_attr": ["b", "output"]}, "description": "b's output"},
              "secret": {"value": {"get_param": "pw"}},
              "dref": {"value": {"get_resource": "d"}},
              "rand": {"value": {"get_attr": ["c", "value"]}}}}}
EOF
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/s1.json" "$API/v1/p1/stacks"
is "$st" 201 "create: 201"
ID=$(jget "$body" 'j["stack"]["id"]')
like "$ID" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "with a version 4 UUID"
like "$(jget "$body" 'j["stack"]["links"][0]["href"]')" "/v1/p1/stacks/s1/$ID\$" "and its canonical link"

hdrs=$(curl -s -D - -o /dev/null -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1")
like "$hdrs" '^HTTP/1.1 302' "a lookup by name: 302"
like "$hdrs" "Location: http://[^ ]*/v1/p1/stacks/s1/$ID" "to the canonical URL"
hdrs=$(curl -s -D - -o /dev/null -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/$ID")
like "$hdrs" "Location: http://[^ ]*/v1/p1/stacks/s1/$ID" "a lookup by id too"
hdrs=$(curl -s -D - -o /dev/null -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/events")
like "$hdrs" "Location: http://[^ ]*/v1/p1/stacks/s1/$ID/events" "a sub-path keeps its tail"

stack_status() { # stack_status TOKEN PROJECT NAME
	curl -s -L -H "X-Auth-Token: $1" "$API/v1/$2/stacks/$3" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["stack"]["stack_status"])' 2>/dev/null
}
is_status() { [ "$(stack_status "$@")" = "$4" ]; }
wait_for "$(secs 20)" is_status "$P1" p1 s1 CREATE_COMPLETE
ok $? "the stack reaches CREATE_COMPLETE"

http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1"
is "$st" 200 "show: 200"
is "$(jget "$body" 'j["stack"]["stack_status_reason"]')" "Stack CREATE completed successfully" "with Heat's reason"
is "$(jget "$body" 'j["stack"]["parameters"]["n"]')" 3 "parameters shown as strings"
is "$(jget "$body" 'j["stack"]["parameters"]["pw"]')" '******' "a hidden parameter masked"
is "$(jget "$body" 'j["stack"]["parameters"]["OS::stack_id"]')" "$ID" "pseudo parameters included"
is "$(jget "$body" '[o["output_value"] for o in j["stack"]["outputs"] if o["output_key"] == "b_out"][0]')" \
	"n=3" "an output through get_attr of a resource that used get_attr"
is "$(jget "$body" '[o["output_value"] for o in j["stack"]["outputs"] if o["output_key"] == "secret"][0]')" \
	'******' "an output of a hidden parameter is masked"
like "$(jget "$body" '[o["output_value"] for o in j["stack"]["outputs"] if o["output_key"] == "rand"][0]')" \
	'^[0-9]{12}$' "RandomString made 12 digits as asked"
unlike "$body" 'sekrit-value-1' "the hidden value appears nowhere in the show"

http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/outputs/b_out"
is "$(jget "$body" 'j["output"]["output_value"]')" "n=3" "output show"
is "$(jget "$body" 'j["output"]["description"]')" "b's output" "with its description"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/outputs/nope"
is "$st" 404 "an unknown output: 404"
like "$body" 'Specified output key nope not found.' "in Heat's words"

http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/resources"
is "$(jget "$body" 'sorted(r["resource_name"] + ":" + r["resource_status"] for r in j["resources"])')" \
	'["a:CREATE_COMPLETE", "b:CREATE_COMPLETE", "c:CREATE_COMPLETE", "d:CREATE_COMPLETE", "w:CREATE_COMPLETE"]' \
	"every resource CREATE_COMPLETE"
is "$(jget "$body" '[r["required_by"] for r in j["resources"] if r["resource_name"] == "a"][0]')" '["b"]' \
	"required_by from the graph"
like "$(jget "$body" '[r["physical_resource_id"] for r in j["resources"] if r["resource_name"] == "b"][0]')" \
	'^s1-b-[a-z2-7]{12}$' "physical names as Heat makes them"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/resources/c"
is "$(jget "$body" 'j["resource"]["attributes"]')" '{}' "RandomString's secret is not shown as an attribute"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/resources/zz"
is "$st" 404 "an unknown resource: 404"

http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/events"
order=$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')
like "$order" '^s1:CREATE_IN_PROGRESS ' "events start with the stack's CREATE_IN_PROGRESS"
like "$order" ' s1:CREATE_COMPLETE$' "and end with its CREATE_COMPLETE"
pos() { printf '%s\n' $order | grep -nx "$1" | cut -d: -f1; }
check "a completes before b starts (b uses a's attribute)" [ "$(pos a:CREATE_COMPLETE)" -lt "$(pos b:CREATE_IN_PROGRESS)" ]
check "b and w wait together (both start before either completes)" \
	[ "$(pos w:CREATE_IN_PROGRESS)" -lt "$(pos b:CREATE_COMPLETE)" ] 
check "d starts after b, c and w complete" [ "$(pos d:CREATE_IN_PROGRESS)" -gt "$(pos b:CREATE_COMPLETE)" ] \
	&& [ "$(pos d:CREATE_IN_PROGRESS)" -gt "$(pos w:CREATE_COMPLETE)" ]
first=$(jget "$body" 'j["events"][2]["id"]')
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/events?marker=$first&limit=2"
is "$(jget "$body" 'len(j["events"])')" 2 "events page with limit"
is "$(jget "$body" 'j["events"][0]["id"] > "'"$first"'"')" true "starting after the marker"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/events?resource_name=d"
is "$(jget "$body" '[e["resource_status"] for e in j["events"]]')" '["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]' \
	"events filtered by resource"
unlike "$body" 'sekrit' "no secret in events"

http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/template"
is "$(jget "$body" 'j["description"]')" "demo stack" "the stored template"

# ------------------------------------------- actions and stored parts
http st body -X POST -H "X-Auth-Token: $P1" -d '{"suspend": null}' "$API/v1/p1/stacks/s1/$ID/actions"
is "$st $body" "200 null" "suspend: 200 null"
wait_for "$(secs 10)" is_status "$P1" p1 s1 SUSPEND_COMPLETE
ok $? "the stack is SUSPEND_COMPLETE"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/events?resource_action=SUSPEND&resource_status=IN_PROGRESS"
is "$(jget "$body" '[e["resource_name"] for e in j["events"]]')" '["s1", "d", "b", "a", "c", "w"]' \
	"resources suspended last batch first (d, then b, then a c w)"
http st body -X PUT -H "X-Auth-Token: $P1" -d '{"template": {"heat_template_version": "2021-04-16"}}' "$API/v1/p1/stacks/s1/$ID"
like "$st $body" '^400 .*Updating a stack when it is suspended is not supported.' "no update while suspended"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"resume": null}' "$API/v1/p1/stacks/s1/$ID/actions"
wait_for "$(secs 10)" is_status "$P1" p1 s1 RESUME_COMPLETE
ok $? "resume: RESUME_COMPLETE"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"check": null}' "$API/v1/p1/stacks/s1/$ID/actions"
wait_for "$(secs 10)" is_status "$P1" p1 s1 CHECK_COMPLETE
ok $? "check: CHECK_COMPLETE"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1"
is "$(jget "$body" '[o["output_value"] for o in j["stack"]["outputs"] if o["output_key"] == "b_out"][0]')" \
	"n=3" "outputs survive the actions"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"check": null, "resume": null}' "$API/v1/p1/stacks/s1/$ID/actions"
like "$st $body" '^400 .*Multiple actions specified' "two actions at once: 400"
http st body -X POST -H "X-Auth-Token: $P1" -d '{}' "$API/v1/p1/stacks/s1/$ID/actions"
like "$st $body" '^400 .*No action specified' "no action: 400"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"explode": null}' "$API/v1/p1/stacks/s1/$ID/actions"
like "$st $body" '^400 .*Invalid action explode specified' "an unknown action: 400"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"cancel_update": null}' "$API/v1/p1/stacks/s1/$ID/actions"
like "$st $body" '^400 .*Cancelling update when stack is CHECK_COMPLETE is not supported.' "cancel_update with no update: 400"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/environment"
is "$(jget "$body" 'j["parameters"]')" '{"pw": "******"}' "the environment, hidden values masked"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/resources/a/metadata"
is "$(jget "$body" 'j')" '{"metadata": {}}' "a resource's metadata"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"template": {"heat_template_version": "2021-04-16", "description": "v",
  "parameters": {"n": {"type": "number", "default": 2, "constraints": [{"range": {"min": 1, "max": 5}}]},
                 "pw": {"type": "string", "hidden": true, "default": "xyz-secret"}}}}' "$API/v1/p1/validate"
is "$st" 200 "validate: 200"
is "$(jget "$body" 'j["Parameters"]["n"]["Type"] + " " + str(j["Parameters"]["n"]["MaxValue"])')" "Number 5" "parameters described as Heat does"
is "$(jget "$body" 'j["Parameters"]["pw"]["NoEcho"] + " " + j["Parameters"]["pw"]["Default"]')" 'true ******' "a hidden default masked"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"template": {"heat_template_version": "2021-04-16", "resources": {"x": {"type": "OS::Nope"}}}}' "$API/v1/p1/validate"
like "$st $body" '^400 .*OS::Nope' "validate of a bad template: 400 naming the problem"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/resource_types/OS::Heat::Value"
is "$(jget "$body" 'j["properties"]["value"]["required"]')" true "resource type show: properties"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/template_versions"
like "$body" '"version":"heat_template_version.2016-10-14","type":"hot","aliases":\["newton"\]' "template versions with their aliases"

# --------------------------------------------------------- projects
http st body -H "X-Auth-Token: $P2" "$API/v1/p1/stacks"
is "$st" 403 "another project's path: 403"
http st body -H "X-Auth-Token: $P2" "$API/v1/p2/stacks/s1/$ID"
is "$st" 404 "another project's stack under one's own project: 404"
unlike "$body" 'p1' "naming nothing of the other project"
http st body -H "X-Auth-Token: $P2" "$API/v1/p2/stacks/$ID"
is "$st" 404 "nor found by its id"
http st body -H "X-Auth-Token: $P2" "$API/v1/p2/stacks"
is "$(jget "$body" 'j["stacks"]')" '[]' "p2 lists none of p1's stacks"
http st body -H "X-Auth-Token: $ADMIN" "$API/v1/p1/stacks"
is "$(jget "$body" '[s["stack_name"] for s in j["stacks"]]')" '["s1"]' "an admin sees into p1"
http st body -H "X-Auth-Token: $ADMIN" "$API/v1/p1%7D%7Bx/stacks"
is "$st" 404 "a project name that could reach into other keys: 404"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID%7D:events"
is "$st" 404 "a stack id that is not a UUID: 404 (never another key)"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID%7D:events/resources"
is "$st" 404 "the same below it"

# ------------------------------------------------------ found in review
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "true", "template": {"heat_template_version": "2021-04-16", "resources": {"x": {"type": "OS::Heat::None"}}}}' "$API/v1/p1/stacks"
wait_for "$(secs 20)" is_status "$P1" p1 true CREATE_COMPLETE
ok $? "a stack called true is a stack like any other"
http st body -L -X DELETE -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/true"
is "$st" 204 "and can be deleted"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "needs", "template": {"heat_template_version": "2021-04-16", "parameters": {"a": {"type": "string"}}}}' "$API/v1/p1/stacks"
like "$st $body" '^400 .*The Parameter \(a\) was not provided.' "a missing parameter: 400 at create, as Heat"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"template": {"heat_template_version": "2021-04-16", "parameters": {"a": {"type": "string"}}}}' "$API/v1/p1/validate"
is "$st" 200 "but validate accepts the template alone"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "busy", "template": {"heat_template_version": "2021-04-16", "resources": {"w": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 3}}}}}' "$API/v1/p1/stacks"
BUSY=$(jget "$body" 'j["stack"]["id"]')
http st body -X POST -H "X-Auth-Token: $P1" -d '{"suspend": null}' "$API/v1/p1/stacks/busy/$BUSY/actions"
like "$st $body" '^409 .*Stack busy already has an action \(CREATE\) in progress.' "an action before the create is done: 409"
http st body -X DELETE -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/busy/$BUSY"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/busy/$BUSY"
is "$(jget "$body" 'j["stack"]["stack_status"]')" DELETE_IN_PROGRESS "a delete shows DELETE_IN_PROGRESS at once"

# ----------------------------------------------------- create preview
before=$(redis-cli -s "$HD_STATE/redis/redis.sock" --scan --pattern 'hearth:stack:*' | wc -l)
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/s1.json" "$API/v1/p1/stacks/preview"
is "$st" 200 "create preview: 200"
is "$(jget "$body" 'sorted(r["resource_name"] for r in j["stack"]["resources"])')" '["a", "b", "c", "d", "w"]' \
	"every resource that would be made"
is "$(jget "$body" '[r["properties"]["value"] for r in j["stack"]["resources"] if r["resource_name"] == "a"][0]')" \
	"n=3" "with its resolved properties"
is "$(jget "$body" 'j["stack"]["parameters"]["pw"]')" '******' "hidden values masked"
is "$(redis-cli -s "$HD_STATE/redis/redis.sock" --scan --pattern 'hearth:stack:*' | wc -l)" "$before" "and nothing stored"

# --------------------------------------------------------- bad input
before=$(redis-cli -s "$HD_STATE/redis/redis.sock" --scan --pattern 'hearth:stack:*' | wc -l)
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/s1.json" "$API/v1/p1/stacks"
is "$st" 409 "the same name again: 409"
like "$body" '"type":"StackExists","message":"The Stack \(s1\) already exists."' "StackExists"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "bad", "template": {"heat_template_version": "2021-04-16",
 "resources": {"x": {"type": "OS::Heat::Value", "properties": {"valu": 1}}, "y": {"type": "OS::Nope"}}}}' "$API/v1/p1/stacks"
is "$st" 400 "an invalid template: 400"
like "$body" '"type":"StackValidationFailed"' "StackValidationFailed"
like "$body" 'resources.x.properties: Property error: Unknown Property valu' "naming the unknown property"
like "$body" 'resources.y: The Resource Type \(OS::Nope\) could not be found.' "and, in the same answer, the unknown type"
like "$body" '"explanation":"The server could not comply with the request' "with WebOb's explanation"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "y1", "template": "heat_template_version: 2021-04-16\nresources:\n  x:\n    type: OS::Heat::Value\n    properties: {value: {get_param: nope}}\n"}' "$API/v1/p1/stacks"
is "$st" 400 "a YAML template given as text with an error: 400"
like "$body" 'template:5:' "with the line inside that text"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"template": {}}' "$API/v1/p1/stacks"
like "$st $body" '^400 .*No stack name specified' "no stack name: 400 in Heat's words"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "9x", "template": {}}' "$API/v1/p1/stacks"
like "$st $body" '^400 .*Invalid stack name 9x' "a name not starting with a letter: 400"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "x", "timeout_mins": -1, "template": {}}' "$API/v1/p1/stacks"
like "$st $body" "^400 .*Value '-1' is invalid for 'timeout_mins'" "a negative timeout: 400"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": ' "$API/v1/p1/stacks"
is "$st" 400 "a body that is not JSON: 400"
after=$(redis-cli -s "$HD_STATE/redis/redis.sock" --scan --pattern 'hearth:stack:*' | wc -l)
is "$after" "$before" "refused requests store nothing"

# ------------------------------------------------------ failure paths
fail_tmpl='"template": {"heat_template_version": "2021-04-16", "resources": {
  "ok": {"type": "OS::Heat::Value", "properties": {"value": 1}},
  "bad": {"type": "OS::Heat::TestResource", "properties": {"fail": true}, "depends_on": "ok"}}}'
http st body -X POST -H "X-Auth-Token: $P1" -d "{\"stack_name\": \"f1\", $fail_tmpl}" "$API/v1/p1/stacks"
is "$st" 201 "a stack that will fail is accepted"
wait_for "$(secs 20)" is_status "$P1" p1 f1 CREATE_FAILED
ok $? "it ends CREATE_FAILED (rollback disabled by default, as in Heat)"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/f1"
is "$(jget "$body" 'j["stack"]["stack_status_reason"]')" \
	"Resource CREATE failed: ValueError: resources.bad: Test Resource failed bad" "naming the resource and the reason"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/f1/resources"
is "$(jget "$body" 'sorted(r["resource_name"] + ":" + r["resource_status"] for r in j["resources"])')" \
	'["bad:CREATE_FAILED", "ok:CREATE_COMPLETE"]' "the resource that worked stays"

http st body -X POST -H "X-Auth-Token: $P1" -d "{\"stack_name\": \"f2\", \"disable_rollback\": false, $fail_tmpl}" "$API/v1/p1/stacks"
wait_for "$(secs 20)" is_status "$P1" p1 f2 ROLLBACK_COMPLETE
ok $? "with rollback enabled: ROLLBACK_COMPLETE"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/f2/events"
like "$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')" \
	'f2:CREATE_FAILED f2:ROLLBACK_IN_PROGRESS bad:DELETE_IN_PROGRESS bad:DELETE_COMPLETE ok:DELETE_IN_PROGRESS ok:DELETE_COMPLETE f2:ROLLBACK_COMPLETE$' \
	"created resources deleted in reverse order"

# ------------------------------------------------------------ delete
http st body -X DELETE -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID"
is "$st" 204 "delete: 204"
del_done() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/events" | grep -q '"resource_name":"s1","logical_resource_id":"s1","physical_resource_id":"[^"]*","resource_status_reason":"Stack DELETE completed successfully"'; }
wait_for "$(secs 20)" del_done
ok $? "the stack reaches DELETE_COMPLETE"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1/$ID/resources"
is "$(jget "$body" 'sorted(set(r["resource_status"] for r in j["resources"]))')" '["DELETE_COMPLETE"]' \
	"every resource deleted"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks"
is "$(jget "$body" 'sorted(s["stack_name"] for s in j["stacks"])')" '["f1", "f2"]' "gone from the list"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks?show_deleted=true"
is "$(jget "$body" 'sorted(s["stack_name"] for s in j["stacks"])')" '["busy", "f1", "f2", "s1", "true"]' "unless show_deleted=true"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/s1"
is "$st" 404 "its name is free again"
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/s1.json" "$API/v1/p1/stacks"
is "$st" 201 "and can be used by a new stack"
ID2=$(jget "$body" 'j["stack"]["id"]')
wait_for "$(secs 20)" is_status "$P1" p1 s1 CREATE_COMPLETE
ok $? "which completes"

# ------------------------------------------------------------ update
tmpl_u() { # tmpl_u EXTRA-RESOURCE: a template with rs -> v and one more resource
	# (the new one takes 2 s: the update is still running when asked again)
	printf '{"heat_template_version": "2021-04-16", "parameters": {"len": {"type": "number", "default": 8}},
	 "resources": {"rs": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "len"}}},
	  "v": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["rs", "value"]}}},
	  "%s": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": %s}}},
	 "outputs": {"v": {"value": {"get_attr": ["v", "value"]}}}}' "$1" "$([ "$1" = new ] && echo 2 || echo 0)"
}
http st body -X POST -H "X-Auth-Token: $P1" -d "{\"stack_name\": \"up\", \"template\": $(tmpl_u gone)}" "$API/v1/p1/stacks"
UP=$(jget "$body" 'j["stack"]["id"]')
wait_for "$(secs 20)" is_status "$P1" p1 up CREATE_COMPLETE
ok $? "a stack to update"
out_v() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/outputs/v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["output"]["output_value"])'; }
phys() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/resources/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resource"]["physical_resource_id"])'; }
v1=$(out_v); rs1=$(phys rs); v_phys=$(phys v)
is "${#v1}" 8 "its output: the 8 characters of rs"
http st body -X PUT -H "X-Auth-Token: $P1" -d "{\"template\": $(tmpl_u new), \"parameters\": {\"len\": 10}}" "$API/v1/p1/stacks/up/$UP"
is "$st" 202 "PUT: 202"
http st body -X PUT -H "X-Auth-Token: $P1" -d "{\"template\": $(tmpl_u new)}" "$API/v1/p1/stacks/up/$UP"
is "$st" 409 "a second update while the first runs: 409"
like "$body" '"type":"ActionInProgress","message":"Stack up already has an action \(UPDATE\) in progress."' \
	"ActionInProgress in Heat's words"
wait_for "$(secs 20)" is_status "$P1" p1 up UPDATE_COMPLETE
ok $? "the update completes"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/events"
seq=$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')
like "$seq" 'up:UPDATE_IN_PROGRESS .*rs:UPDATE_IN_PROGRESS rs:UPDATE_COMPLETE rs:CREATE_IN_PROGRESS .*rs:CREATE_COMPLETE .*v:UPDATE_IN_PROGRESS v:UPDATE_COMPLETE .*gone:DELETE_IN_PROGRESS gone:DELETE_COMPLETE up:UPDATE_COMPLETE' \
	"rs replaced (length is replace-only), v updated in place after it, gone deleted, as Heat's events go"
like "$seq" 'new:CREATE_IN_PROGRESS .*new:CREATE_COMPLETE' "the added resource created"
like "$body" 'The Resource rs requires replacement.' "in Heat's words"
is "$(out_v | wc -c)" 11 "the output follows: 10 characters now"
check "rs has a new physical resource" [ "$(phys rs)" != "$rs1" ]
is "$(phys v)" "$v_phys" "v kept its physical resource (in place)"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/resources"
is "$(jget "$body" 'sorted(r["resource_name"] for r in j["resources"])')" '["new", "rs", "v"]' "the removed resource is gone from the list"
http st body -X PATCH -H "X-Auth-Token: $P1" -d "{\"template\": $(tmpl_u other), \"parameters\": {\"len\": 12}}" "$API/v1/p1/stacks/up/$UP/preview"
is "$st" 200 "update preview: 200"
is "$(jget "$body" '{k: sorted(r["resource_name"] for r in v) for k, v in j["resource_changes"].items()}')" \
	'{"added": ["other"], "deleted": ["new"], "replaced": ["rs"], "updated": [], "unchanged": ["v"]}' \
	"what would be added, deleted, replaced (length is replace-only) and kept"
is "$(stack_status "$P1" p1 up)" UPDATE_COMPLETE "a preview changes nothing"
http st body -X PATCH -H "X-Auth-Token: $P1" -d '{"parameters": {"len": 12}}' "$API/v1/p1/stacks/up/$UP"
is "$st" 202 "PATCH with only a parameter: 202"
wait_for "$(secs 20)" is_status "$P1" p1 up UPDATE_COMPLETE && [ "$(out_v | wc -c)" = 13 ]
ok $? "keeps the template and applies the new value"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/events?resource_name=new"
is "$(jget "$body" 'len(j["events"])')" 2 "an unchanged resource gets no events"
unlike "$(jget "$body" '[e["resource_status"] for e in j["events"]]')" UPDATE "(not even UPDATE_*)"
before_t=$(curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/template")
http st body -X PUT -H "X-Auth-Token: $P1" -d '{"template": {"heat_template_version": "2021-04-16", "resources": {"x": {"type": "OS::Nope"}}}}' "$API/v1/p1/stacks/up/$UP"
is "$st" 400 "an invalid new template: 400"
like "$body" 'OS::Nope' "naming the problem"
is "$(curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/template")" "$before_t" "and the stack keeps its template"
is "$(stack_status "$P1" p1 up)" UPDATE_COMPLETE "and its state"

# an update that fails, with rollback: back to the old definition
http st body -X PATCH -H "X-Auth-Token: $P1" -d '{"disable_rollback": false, "template": {"heat_template_version": "2021-04-16",
  "parameters": {"len": {"type": "number", "default": 8}},
  "resources": {"rs": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "len"}}},
   "v": {"type": "OS::Heat::Value", "properties": {"value": "changed"}},
   "boom": {"type": "OS::Heat::TestResource", "properties": {"fail": true}, "depends_on": "v"}},
  "outputs": {"v": {"value": {"get_attr": ["v", "value"]}}}}}' "$API/v1/p1/stacks/up/$UP"
is "$st" 202 "an update that will fail: 202"
wait_for "$(secs 20)" is_status "$P1" p1 up ROLLBACK_COMPLETE
ok $? "it fails and rolls back"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/events"
like "$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')" \
	'boom:CREATE_FAILED up:UPDATE_FAILED up:ROLLBACK_IN_PROGRESS .*v:UPDATE_COMPLETE .*boom:DELETE_COMPLETE .*up:ROLLBACK_COMPLETE$' \
	"UPDATE_FAILED, then v restored and boom removed"
is "$(out_v | wc -c)" 13 "the output is the old one again"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/up/$UP/resources"
is "$(jget "$body" 'sorted(r["resource_name"] for r in j["resources"])')" '["new", "rs", "v"]' "the resources are the old ones"

# ----------------------------------------- delete while a create runs
cat > "$T/long.json" <<'EOF'
{"stack_name": "long", "template": {"heat_template_version": "2021-04-16", "resources": {
  "first": {"type": "OS::Heat::Value", "properties": {"value": 1}},
  "wait": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 60}, "depends_on": "first"},
  "never": {"type": "OS::Heat::Value", "properties": {"value": 2}, "depends_on": "wait"}}}}
EOF
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/long.json" "$API/v1/p1/stacks"
LONG=$(jget "$body" 'j["stack"]["id"]')
wait_started() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/long/$LONG/events" | grep -q '"resource_name":"wait".*CREATE_IN_PROGRESS'; }
wait_for "$(secs 10)" wait_started
ok $? "a long create is under way"
t0=$(date +%s)
http st body -X DELETE -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/long/$LONG"
is "$st" 204 "deleting it meanwhile: 204"
long_deleted() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/long/$LONG/events" | grep -q 'Stack DELETE completed successfully'; }
wait_for "$(secs 20)" long_deleted
ok $? "the create stops and the delete completes"
check "well before the 60 s wait would have ended" [ $(($(date +%s) - t0)) -lt 30 ]
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/long/$LONG/events"
like "$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')" \
	'^long:CREATE_IN_PROGRESS .*long:DELETE_IN_PROGRESS .*wait:DELETE_COMPLETE .*first:DELETE_COMPLETE long:DELETE_COMPLETE$' \
	"the stack goes DELETE_IN_PROGRESS at once, the create stops, the delete removes what it made"
unlike "$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')" \
	'never|long:CREATE_COMPLETE' "nothing after the cancelled step was started, and the create never completed"

# ------------------------------------------------------ nested stacks
cat > "$T/nested.json" <<'EOF'
{"stack_name": "nest", "files": {"child.yaml": "{\"heat_template_version\": \"2021-04-16\", \"parameters\": {\"greeting\": {\"type\": \"string\"}}, \"resources\": {\"v\": {\"type\": \"OS::Heat::Value\", \"properties\": {\"value\": {\"get_param\": \"greeting\"}}}}, \"outputs\": {\"said\": {\"value\": {\"get_attr\": [\"v\", \"value\"]}}}}"},
 "template": {"heat_template_version": "2021-04-16", "resources": {
   "group": {"type": "OS::Heat::ResourceGroup", "properties": {"count": 3, "resource_def": {"type": "OS::Heat::Value", "properties": {"value": "member %index%"}}}},
   "tr": {"type": "child.yaml", "properties": {"greeting": "hi"}},
   "after": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["group", "value"]}}}},
  "outputs": {"vals": {"value": {"get_attr": ["after", "value"]}}, "first": {"value": {"get_attr": ["group", "resource.0", "value"]}},
              "said": {"value": {"get_attr": ["tr", "said"]}}, "refs": {"value": {"get_attr": ["group", "refs"]}}}}}
EOF
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/nested.json" "$API/v1/p1/stacks"
NEST=$(jget "$body" 'j["stack"]["id"]')
wait_for "$(secs 20)" is_status "$P1" p1 nest CREATE_COMPLETE
ok $? "a stack with a ResourceGroup and a template resource completes"
out_of() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/nest/$NEST/outputs/$1" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["output"]["output_value"]))'; }
is "$(out_of vals)" '["member 0", "member 1", "member 2"]' "a member attribute of the group, as a list, through another resource"
is "$(out_of first)" '"member 0"' "resource.0's attribute"
is "$(out_of said)" '"hi"' "the template resource's output as its attribute"
like "$(out_of refs)" '^\["nest-group-[a-z2-7]{12}-0-[a-z2-7]{12}", ' "refs: the members' reference ids"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks?show_nested=true"
is "$(jget "$body" 'sorted(s["stack_name"].rsplit("-", 1)[0] for s in j["stacks"] if s["parent"] == "'"$NEST"'")')" \
	'["nest-group", "nest-tr"]' "the nested stacks are stacks of their own (show_nested=true)"
CHILD=$(jget "$body" '[s["id"] for s in j["stacks"] if s["stack_name"].startswith("nest-group-")][0]')
CNAME=$(jget "$body" '[s["stack_name"] for s in j["stacks"] if s["stack_name"].startswith("nest-group-")][0]')
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks"
unlike "$(jget "$body" '[s["stack_name"] for s in j["stacks"]]')" 'nest-' "and are not listed without it"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/$CNAME/$CHILD/events"
like "$(jget "$body" '" ".join(e["resource_name"] + ":" + e["resource_status"] for e in j["events"])')" \
	'0:CREATE_COMPLETE.*1:CREATE_COMPLETE.*2:CREATE_COMPLETE' "with their own events"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/nest/$NEST/resources/group"
is "$(jget "$body" 'j["resource"]["physical_resource_id"]')" "$CHILD" "the group's physical id is its nested stack"
# a changed group: the new nested stack is made, the old one deleted
http st body -X PATCH -H "X-Auth-Token: $P1" -d '{"template": {"heat_template_version": "2021-04-16", "resources": {
   "group": {"type": "OS::Heat::ResourceGroup", "properties": {"count": 2, "resource_def": {"type": "OS::Heat::Value", "properties": {"value": "member %index%"}}}},
   "tr": {"type": "child.yaml", "properties": {"greeting": "hi"}}}}}' "$API/v1/p1/stacks/nest/$NEST"
wait_for "$(secs 20)" is_status "$P1" p1 nest UPDATE_COMPLETE
ok $? "a group's count changed: the update completes"
old_gone() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/$CNAME/$CHILD/events" | grep -q 'Stack DELETE completed successfully'; }
check "the nested stack it replaced is deleted" old_gone
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks?show_nested=true"
is "$(jget "$body" 'len([s for s in j["stacks"] if s["parent"] == "'"$NEST"'" and s["stack_name"].startswith("nest-group-")])')" 1 \
	"one live nested stack for the group"
CHILD=$(jget "$body" '[s["id"] for s in j["stacks"] if s["stack_name"].startswith("nest-group-")][0]')
CNAME=$(jget "$body" '[s["stack_name"] for s in j["stacks"] if s["stack_name"].startswith("nest-group-")][0]')
http st body -X DELETE -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/nest/$NEST"
child_gone() { curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/$CNAME/$CHILD/events" | grep -q 'Stack DELETE completed successfully'; }
wait_for "$(secs 20)" child_gone
ok $? "deleting the parent deletes its nested stacks"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "nestfail", "template": {"heat_template_version": "2021-04-16",
  "resources": {"group": {"type": "OS::Heat::ResourceGroup", "properties": {"count": 2,
   "resource_def": {"type": "OS::Heat::TestResource", "properties": {"fail": true}}}}}}}' "$API/v1/p1/stacks"
wait_for "$(secs 20)" is_status "$P1" p1 nestfail CREATE_FAILED
ok $? "a member that fails fails its group and the stack"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/nestfail"
like "$(jget "$body" 'j["stack"]["stack_status_reason"]')" 'resources.group: .*Test Resource failed' "naming the group and the member's reason"

# a hidden parameter's value never shown, wherever it flows
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "hid", "parameters": {"pw": "pa55-word-x"},
  "template": {"heat_template_version": "2021-04-16", "parameters": {"pw": {"type": "string", "hidden": true}},
  "resources": {"v": {"type": "OS::Heat::Value", "properties": {"value": {"str_replace": {"template": "url://u:PW@h", "params": {"PW": {"get_param": "pw"}}}}}}},
  "outputs": {"url": {"value": {"get_attr": ["v", "value"]}}}}}' "$API/v1/p1/stacks"
wait_for "$(secs 20)" is_status "$P1" p1 hid CREATE_COMPLETE
ok $? "a stack passing a hidden value through a resource"
all=""
for path in "" /resources/v /resources "/resources?with_detail=true" /events /outputs/url /environment; do
	http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/hid$path"
	all+=$body
done
like "$all" 'url://u:\*\*\*\*\*\*@h' "the value appears with the secret masked"
unlike "$all" 'pa55-word-x' "and the secret itself in no answer (show, resources, events, outputs, environment)"
http st body -X POST -H "X-Auth-Token: $P1" -d '{"stack_name": "hidnest", "parameters": {"pw": "nest-secret-9"},
  "template": {"heat_template_version": "2021-04-16", "parameters": {"pw": {"type": "string", "hidden": true}},
  "resources": {"g": {"type": "OS::Heat::ResourceGroup", "properties": {"count": 1,
     "resource_def": {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "pw"}}}}},
   "r": {"type": "OS::Heat::ResourceGroup", "properties": {"count": 1, "resource_def": {"type": "OS::Heat::RandomString"}}}},
  "outputs": {"direct": {"value": {"get_attr": ["g", "resource.0", "value"]}}}}}' "$API/v1/p1/stacks"
wait_for "$(secs 20)" is_status "$P1" p1 hidnest CREATE_COMPLETE
ok $? "a hidden value passed into a group"
http st body -H "X-Auth-Token: $P1" "$API/v1/p1/stacks?show_nested=true"
all=""
for s in $(jget "$body" '" ".join(s["stack_name"] + "/" + s["id"] for s in j["stacks"] if s["stack_name"].startswith("hidnest"))'); do
	for path in "" /template /environment /resources "/resources?with_detail=true" /resources/0 /resources/g /resources/r /outputs/direct; do
		http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/$s$path"
		all+=$body
	done
done
unlike "$all" 'nest-secret-9' "appears in no answer about the stack or its nested stacks"
like "$all" '"output_value":"\*\*\*\*\*\*"' "(an output of it is masked)"
rand=$(redis-cli -s "$HD_STATE/redis/redis.sock" --scan --pattern 'hearth:stack:*:resources' | while read -r k; do
	redis-cli -s "$HD_STATE/redis/redis.sock" hget "$k" 0 | grep -o '"value":"[A-Za-z0-9]\{32\}"' ; done | head -n 1 | cut -d'"' -f4)
check "a member RandomString's value exists" [ -n "$rand" ]
unlike "$all" "${rand:-none}" "and is shown nowhere, not even through the group's attributes"

# ------------------------------------------- a worker killed mid-create
cat > "$T/slow.json" <<'EOF'
{"stack_name": "slow", "template": {"heat_template_version": "2021-04-16", "resources": {
  "first": {"type": "OS::Heat::Value", "properties": {"value": 1}},
  "long": {"type": "OS::Heat::TestResource", "properties": {"wait_secs": 3}, "depends_on": "first"},
  "last": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["long", "output"]}}}}}}
EOF
http st body -X POST -H "X-Auth-Token: $P1" --data-binary @"$T/slow.json" "$API/v1/p1/stacks"
long_started() { curl -s -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/slow/events" | grep -q '"resource_name":"long".*CREATE_IN_PROGRESS'; }
wait_for "$(secs 10)" long_started
ok $? "the slow stack is half way"
stop_hearthd KILL
check "hearthd killed (SIGKILL) during the create" dead "$HD_PID"
# The embedded redis-server follows its parent (PDEATHSIG), flushing its AOF.
redis_gone() { ! pgrep -f "redis-server.*$HD_STATE" >/dev/null; }
wait_for "$(secs 10)" redis_gone
start_hearthd b --set engine.reclaim_after=2s
ok $? "a new hearthd starts on the same state"
wait_for "$(secs 30)" is_status "$P1" p1 slow CREATE_COMPLETE
ok $? "and carries the stack on to CREATE_COMPLETE"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/slow/events"
is "$(jget "$body" 'sum(1 for e in j["events"] if e["resource_name"] == "first" and e["resource_status"] == "CREATE_COMPLETE")')" 1 \
	"what was complete was not made again"
is "$(jget "$body" '[e["resource_status"] for e in j["events"] if e["resource_name"] == "slow"]')" \
	'["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]' "the stack started once and completed once"
http st body -L -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/slow/resources"
is "$(jget "$body" 'sorted(r["resource_name"] + ":" + r["resource_status"] for r in j["resources"])')" \
	'["first:CREATE_COMPLETE", "last:CREATE_COMPLETE", "long:CREATE_COMPLETE"]' "every resource complete"
is "$(redis-cli -s "$HD_STATE/redis/redis.sock" xlen hearth:jobs)" 0 "no job left in the queue"

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$T/a.log"
check "none in the second hearthd either" no_tool_reports "$T/b.log"
done_testing
