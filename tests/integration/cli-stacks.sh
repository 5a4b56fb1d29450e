#!/usr/bin/env bash
# The hearth CLI's stack commands against a real hearthd: tokens, create
# with --wait (exit status by the stack's end), list, show in each format,
# outputs, resources, events, errors with the template file's own
# positions, delete --wait.
. "$(dirname "$0")/../lib.sh"

H=$B/hearth
start_hearthd a
ok $? "hearthd starts"
export HEARTH_URL=$API

out=$("$H" admin token create --project demo 2>&1); rc=$?
is "$rc" 2 "no token: exit 2"
like "$out" 'no token: set HEARTH_TOKEN or use --token-file' "saying how to give one"
out=$("$H" -k "$HD_STATE/admin-token" admin token create --project demo); rc=$?
is "$rc" 0 "hearth admin token create with the admin token file"
like "$out" $'^token +[0-9a-f]{64}\nproject +demo\nrole +member$' "prints the new token, its project and role"
HEARTH_TOKEN=$(printf '%s\n' "$out" | awk '$1 == "token" {print $2}')
export HEARTH_TOKEN
out=$("$H" -k "$HD_STATE/admin-token" admin token create 2>&1); rc=$?
is "$rc" 2 "admin token create without --project: usage, exit 2"

cat > "$T/t.yaml" <<'EOF'
heat_template_version: 2021-04-16
parameters:
  n: {type: number, default: 2}
resources:
  a:
    type: OS::Heat::Value
    properties: {value: {get_param: n}}
  b:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [a, value]}}
outputs:
  out:
    description: what b made
    value: {get_attr: [b, output]}
EOF
out=$("$H" stack create -t "$T/t.yaml" -P n=7 --wait s1); rc=$?
is "$rc" 0 "stack create --wait: exit 0"
like "$out" '\[s1\.b\]: CREATE_COMPLETE  state changed' "showing each resource's progress"
like "$(printf '%s\n' "$out" | tail -n 1)" '\[s1\]: CREATE_COMPLETE  Stack CREATE completed successfully$' \
	"ending with the stack's completion"
is "$("$H" stack list | awk 'NR == 2 {print $2, $3}')" "s1 CREATE_COMPLETE" "stack list"
is "$("$H" stack list | head -n 1 | sed 's/  */ /g')" "id stack_name stack_status creation_time updated_time" \
	"as a table with a header"
is "$("$H" -f json output show s1 out | python3 -c 'import json,sys; print(json.load(sys.stdin)["output_value"])')" \
	7 "output show, as JSON"
like "$("$H" output show s1 out)" $'output_value +7\ndescription +what b made' "as a table"
like "$("$H" -f yaml stack show s1)" $'parameters:\n  n: "7"' "stack show as YAML"
like "$("$H" output list s1)" 'out +what b made' "output list"
like "$("$H" resource list s1)" 'b +s1-b-[a-z2-7]{12} +OS::Heat::TestResource +CREATE_COMPLETE' "resource list"
like "$("$H" resource show s1 a)" 'required_by +\["b"\]' "resource show"
like "$("$H" event list s1 | tail -n 1)" 's1 +CREATE_COMPLETE +Stack CREATE completed successfully' "event list"
out=$("$H" -p other stack list 2>&1); rc=$?
is "$rc" 1 "another project: exit 1"
like "$out" '^ERROR: You are not authorized to act in this project$' "with the server's reason"

printf 'heat_template_version: 2021-04-16\nresources:\n  x:\n    type: OS::Heat::Valu\n  y:\n    type: OS::Heat::Value\n' > "$T/bad.yaml"
out=$("$H" stack create -t "$T/bad.yaml" b1 2>&1); rc=$?
is "$rc" 1 "an invalid template: exit 1"
like "$out" "ERROR: $T/bad.yaml:4:11: resources.x: The Resource Type \(OS::Heat::Valu\) could not be found." \
	"the error names the template file, line and column"
like "$out" "ERROR: $T/bad.yaml:5:3: resources.y.properties: Property error: Property value not assigned" "every error, not only the first"

printf 'heat_template_version: 2021-04-16\nresources:\n  bad:\n    type: OS::Heat::TestResource\n    properties: {fail: true}\n' > "$T/fail.yaml"
out=$("$H" stack create -t "$T/fail.yaml" --enable-rollback --wait f1); rc=$?
is "$rc" 1 "a stack that fails and rolls back: --wait exits 1"
like "$(printf '%s\n' "$out" | tail -n 1)" '\[f1\]: ROLLBACK_COMPLETE' "after following the rollback"

out=$("$H" stack update --existing -P n=8 --wait s1); rc=$?
is "$rc" 0 "stack update --existing --wait: exit 0"
unlike "$out" 'CREATE_' "showing only the update's events"
like "$(printf '%s\n' "$out" | tail -n 1)" '\[s1\]: UPDATE_COMPLETE  Stack UPDATE completed successfully' "to UPDATE_COMPLETE"
is "$("$H" -f json output show s1 out | python3 -c 'import json,sys; print(json.load(sys.stdin)["output_value"])')" \
	8 "the output follows"
out=$("$H" stack update s1 2>&1); rc=$?
is "$rc" 2 "stack update without a template or --existing: usage, exit 2"

cat > "$T/two.yaml" <<'EOF'
heat_template_version: 2021-04-16
parameters:
  a: {type: string}
  b: {type: string, default: one}
resources:
  v:
    type: OS::Heat::Value
    properties: {value: {list_join: ['-', [{get_param: a}, {get_param: b}]]}}
outputs:
  ab: {value: {get_attr: [v, value]}}
EOF
printf 'parameters:\n  a: from-env\n' > "$T/env.yaml"
out=$("$H" stack create -t "$T/two.yaml" -e "$T/env.yaml" --wait e1 2>&1); rc=$?
is "$rc" 0 "a stack whose parameter comes from an environment file"
out=$("$H" stack update --existing -P b=two --wait e1 2>&1); rc=$?
is "$rc" 0 "update --existing with another parameter keeps the environment file"
is "$("$H" -f json output show e1 ab | python3 -c 'import json,sys; print(json.load(sys.stdin)["output_value"])')" \
	"from-env-two" "both values apply"

out=$("$H" stack delete s1 --wait); rc=$?
is "$rc" 0 "stack delete --wait: exit 0"
unlike "$out" 'CREATE_' "showing only the delete's events"
like "$(printf '%s\n' "$out" | tail -n 1)" '\[s1\]: DELETE_COMPLETE  Stack DELETE completed successfully' "to DELETE_COMPLETE"
out=$("$H" stack show s1 2>&1); rc=$?
is "$rc" 1 "a deleted stack: exit 1"
like "$out" 'ERROR: The Stack \(s1\) could not be found.' "not found"

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
