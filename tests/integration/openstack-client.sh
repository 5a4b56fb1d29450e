#!/usr/bin/env bash
# The stock clients from Debian against hearthd, no Keystone: `openstack
# stack ...` (python3-openstackclient with heatclient) with token_endpoint
# auth, and the legacy `heat` CLI with --os-no-client-auth.
. "$(dirname "$0")/../lib.sh"

command -v openstack >/dev/null || { echo "Bail out! openstack (python3-openstackclient) is not installed"; exit 1; }

start_hearthd a
ok $? "hearthd starts"
out=$(curl -s -X POST -H "X-Auth-Token: $(cat "$HD_STATE/admin-token")" -d '{"project": "demo"}' "$API/v1/admin/tokens")
TOKEN=$(printf '%s' "$out" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
like "$TOKEN" '^[0-9a-f]{64}$' "a token for project demo"

export OS_AUTH_TYPE=token_endpoint OS_ENDPOINT=$API/v1/demo OS_TOKEN=$TOKEN
cat > "$T/t.yaml" <<'EOF'
heat_template_version: 2021-04-16
description: made by the openstack client
parameters:
  n: {type: number, default: 2}
resources:
  a:
    type: OS::Heat::Value
    properties: {value: {get_param: n}}
  b:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [a, value]}, wait_secs: 1}
outputs:
  out:
    description: b's output
    value: {get_attr: [b, output]}
EOF
out=$(timeout "$(secs 60)" openstack stack create -t "$T/t.yaml" --parameter n=5 --wait s1 2>&1); rc=$?
is "$rc" 0 "openstack stack create --wait succeeds"
like "$out" '\[s1\]: CREATE_COMPLETE +Stack CREATE completed successfully' "following the events to CREATE_COMPLETE"
is "$(printf '%s\n' "$out" | grep -c '\[s1.b\]: CREATE_COMPLETE')" 1 "each event shown once (the marker survives the redirect)"

out=$(openstack stack list -f value -c "Stack Name" -c "Stack Status" 2>&1)
is "$out" "s1 CREATE_COMPLETE" "openstack stack list"
out=$(openstack stack show s1 -f json 2>&1)
like "$out" '"stack_status": "CREATE_COMPLETE"' "openstack stack show"
like "$out" '"n": "5"' "with the parameter given on the command line"
out=$(openstack stack output show s1 out -f value -c output_value 2>&1)
is "$out" 5 "openstack stack output show"
out=$(openstack stack resource list s1 -f value -c resource_name -c resource_status 2>&1 | sort)
is "$out" $'a CREATE_COMPLETE\nb CREATE_COMPLETE' "openstack stack resource list"
out=$(openstack stack event list s1 2>&1)
like "$out" '\[s1\]: CREATE_IN_PROGRESS +Stack CREATE started' "openstack stack event list"
out=$(timeout "$(secs 60)" openstack stack update --existing --parameter n=9 --wait s1 2>&1); rc=$?
is "$rc" 0 "openstack stack update --existing --wait succeeds"
like "$out" '\[s1\]: UPDATE_COMPLETE +Stack UPDATE completed successfully' "following the update's events"
is "$(openstack stack output show s1 out -f value -c output_value 2>&1)" 9 "the output follows the new value"
like "$(openstack stack environment show s1 2>&1)" "n: '?9" "openstack stack environment show: the merged parameters"
out=$(timeout "$(secs 60)" openstack stack update -t "$T/t.yaml" --wait s1 2>&1); rc=$?
is "$rc" 0 "openstack stack update (PUT) with the template again"
is "$(openstack stack output show s1 out -f value -c output_value 2>&1)" 2 "parameters not given fall back to their defaults"
out=$(openstack stack update --dry-run -t "$T/t.yaml" --parameter n=3 s1 -f json 2>&1); rc=$?
is "$rc" 0 "openstack stack update --dry-run (the update preview)"
like "$out" '"updated": "\[' "answers with Heat's resource_changes"
like "$out" '"updated": "[^}]*resource_name\\": \\"a\\"' "a is updated in place (its value changes)"
out=$(openstack stack create --dry-run -t "$T/t.yaml" p1 -f json 2>&1); rc=$?
is "$rc" 0 "openstack stack create --dry-run (the create preview)"
out=$(timeout "$(secs 60)" openstack stack check --wait s1 2>&1); rc=$?
is "$rc" 0 "openstack stack check --wait"
like "$(openstack stack show s1 -f value -c stack_status)" '^CHECK_COMPLETE$' "CHECK_COMPLETE"
out=$(timeout "$(secs 60)" openstack stack suspend --wait s1 2>&1); rc=$?
is "$rc $(openstack stack show s1 -f value -c stack_status)" "0 SUSPEND_COMPLETE" "openstack stack suspend --wait"
out=$(timeout "$(secs 60)" openstack stack resume --wait s1 2>&1); rc=$?
is "$rc $(openstack stack show s1 -f value -c stack_status)" "0 RESUME_COMPLETE" "openstack stack resume --wait"
like "$(openstack orchestration template version list 2>&1)" 'heat_template_version.2021-04-16 +\| hot' \
	"openstack orchestration template version list"
like "$(openstack orchestration resource type list 2>&1)" 'OS::Heat::RandomString' "openstack orchestration resource type list"
out=$(openstack orchestration template validate -t "$T/t.yaml" 2>&1); rc=$?
is "$rc" 0 "openstack orchestration template validate"
like "$out" 'Description: made by the openstack client' "showing the template's description"
out=$(openstack stack create -t "$T/t.yaml" s1 2>&1); rc=$?
check "a second s1 fails" [ "$rc" -ne 0 ]
like "$out" 'ERROR: The Stack \(s1\) already exists.' "with Heat's message"
out=$(timeout "$(secs 60)" openstack stack delete -y --wait s1 2>&1); rc=$?
is "$rc" 0 "openstack stack delete --wait succeeds"
out=$(openstack stack show s1 2>&1)
like "$out" 'Stack not found: s1' "and the stack is gone"

unset OS_AUTH_TYPE OS_ENDPOINT OS_TOKEN
if command -v heat >/dev/null; then
	out=$(heat --os-no-client-auth --heat-url "$API/v1/demo" --os-auth-token "$TOKEN" \
		stack-create -f "$T/t.yaml" h1 2>&1); rc=$?
	is "$rc" 0 "the legacy heat CLI creates a stack"
	is_complete() { heat --os-no-client-auth --heat-url "$API/v1/demo" --os-auth-token "$TOKEN" \
		stack-show h1 2>/dev/null | grep -q 'CREATE_COMPLETE'; }
	wait_for "$(secs 30)" is_complete
	ok $? "which heat stack-show sees complete"
else
	echo "Bail out! heat (python3-heatclient) is not installed"
	exit 1
fi

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
