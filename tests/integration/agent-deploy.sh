#!/usr/bin/env bash
# Software deployments end to end: a real hearthd whose local guests boot
# with hearth-agent, which starts `hearth-agent collect`: a script's
# inputs, outputs, stdout and stderr back as stack outputs; a failing
# script (another stack, same server) fails its stack in Heat's words; an
# update runs the script again exactly once; collect stopped (SIGTERM) and
# killed (SIGKILL) mid-hook and restarted by hand runs nothing twice.
# Then the real os-collect-config (request and cfn collectors) with
# `hearth-agent apply` as its --command, for guests booted --no-collect.
. "$(dirname "$0")/../lib.sh"

OCC=/usr/bin/os-collect-config
# Two hearthds, each with half of this test's guest addresses and user ids.
NET=${GUEST_POOL%0/24}
HD_STATE=$T/a-state
start_hearthd a --set compute.address_pool="${NET}0/25"
ok $? "hearthd starts (guests boot with hearth-agent, which collects)"
A_LOG=$HD_LOG A_STATE=$HD_STATE A_TOK=$(issue_token p1)

# hearth ARGS...: the CLI against hearthd a (or $API/$TOK), never longer than 90 s
TOK=$A_TOK
hearth() { HEARTH_URL=$API HEARTH_TOKEN=$TOK HEARTH_PROJECT=p1 timeout "$(secs 90)" "$B/hearth" "$@"; }
status() { hearth -f json stack show "$1" | field 'd["stack_status"]'; }
reason() { hearth -f json stack show "$1" | field 'd["stack_status_reason"]'; }
output() { hearth -f json output show "$1" "$2" | field 'd["output_value"] if "output_value" in d else ""'; }
physical() { hearth -f json resource show "$1" "$2" | field 'd["physical_resource_id"]'; }
# field EXPR: a value of the JSON on stdin, by a python expression on d
field() { python3 -c "import json,sys; d=json.load(sys.stdin); v=$1; print(v if isinstance(v, str) else json.dumps(v))"; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
collect_pid() { cat "$1/var/lib/heat-config/deployed/collect.pid" 2>/dev/null; }
# in_progress STACK RESOURCE: the resource's CREATE or UPDATE is under way
in_progress() { hearth event list "$1" | grep -Eq "$2.*(CREATE|UPDATE)_IN_PROGRESS"; }
# failed_output SERVER KEY: an output value of the server's failed deployment
# (Heat's software_deployments API)
failed_output() {
	curl -s -H "X-Auth-Token: $TOK" "$API/v1/p1/software_deployments?server_id=$1" |
		field "[x['output_values'].get('$2') for x in d['software_deployments'] if x['status'] == 'FAILED'][0]"
}
# todo_is GOT WANT DESCRIPTION: a check of a known server bug (TAP TODO:
# an expected failure; a pass is reported as unexpected)
todo_is() {
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then echo "ok $_n - $3 # TODO $TODO"; else
		echo "not ok $_n - $3 # TODO $TODO"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}

# ------------------------------------------- a script's outputs come back
cat >"$T/one.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  bar: {type: string, default: given}
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      inputs:
      - name: foo
        default: the-default
      - name: bar
      outputs:
      - name: result
      config: |
        #!/bin/sh
        echo "$deploy_action foo=$foo bar=$bar" >> "$HEARTH_ROOT/runs"
        echo "stdout foo=$foo bar=$bar"
        echo "to stderr" >&2
        printf '%s+%s' "$foo" "$bar" > "$heat_outputs_path.result"
  server:
    type: OS::Nova::Server
    properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      input_values: {bar: {get_param: bar}}
outputs:
  result: {value: {get_attr: [deployment, result]}}
  stdout: {value: {get_attr: [deployment, deploy_stdout]}}
  stderr: {value: {get_attr: [deployment, deploy_stderr]}}
  code: {value: {get_attr: [deployment, deploy_status_code]}}
  server: {value: {get_resource: server}}
YAML
hearth stack create --wait -t "$T/one.yaml" one >"$T/one.out" 2>&1
ok $? "a stack whose deployment runs in a hearth-agent guest: create --wait succeeds"
is "$(status one)" CREATE_COMPLETE "CREATE_COMPLETE"
is "$(output one result)" "the-default+given" "the declared output (inputs: a default and a given value)"
is "$(output one stdout)" "stdout foo=the-default bar=given" "deploy_stdout"
is "$(output one stderr)" "to stderr" "deploy_stderr"
is "$(output one code)" 0 "deploy_status_code"
SERVER=$(output one server)
G1=$A_STATE/guests/$SERVER
is "$(cat "$G1/runs" 2>/dev/null)" "CREATE foo=the-default bar=given" "the script ran once, in the guest's root"
C1=$(collect_pid "$G1")
C1=${C1:-999999999}
check "the guest's collect (started by boot) is running" alive "$C1"
like "$(cat "$G1/var/log/hearth-agent-collect.log" 2>/dev/null)" 'collect: metadata source 1: hearth ' \
	"it long-polls hearth's URL"

# ------------------------- a failing script: another stack, same server
cat >"$T/two.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  server: {type: string}
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: |
        #!/bin/sh
        echo ran >> "$HEARTH_ROOT/fail-runs"
        echo "about to fail"
        echo "it broke" >&2
        exit 4
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_param: server}
outputs:
  stdout: {value: {get_attr: [deployment, deploy_stdout]}}
  stderr: {value: {get_attr: [deployment, deploy_stderr]}}
  code: {value: {get_attr: [deployment, deploy_status_code]}}
YAML
hearth stack create --wait -t "$T/two.yaml" -P server="$SERVER" two >"$T/two.out" 2>&1
is "$?" 1 "a deployment to the same server from another stack whose script exits 4: create --wait exits 1"
is "$(status two)" CREATE_FAILED "CREATE_FAILED"
is "$(reason two)" "Resource CREATE failed: Error: resources.deployment: Deployment to server failed: deploy_status_code : Deployment exited with non-zero status code: 4" \
	"with Heat's reason"
is "$(failed_output "$SERVER" deploy_stdout)" "about to fail" "the failed deployment's deploy_stdout"
is "$(failed_output "$SERVER" deploy_stderr)" "it broke" "its deploy_stderr"
is "$(failed_output "$SERVER" deploy_status_code)" 4 "its deploy_status_code"
# Heat sets a deployment's resource id before it waits, and its attributes
# are the deployment's output_values whatever its state: a failed
# deployment's outputs show in the stack's outputs.
TODO="hearthd: a failed deployment keeps no physical id or attributes"
todo_is "$(output two stdout)" "about to fail" "deploy_stdout as a stack output of the failed stack"
todo_is "$(output two code)" 4 "deploy_status_code as a stack output"
is "$(lines "$G1/fail-runs")" 1 "the failing script ran once"
is "$(status one)" CREATE_COMPLETE "the first stack is untouched"

# ------------------------------------ an update runs the script once more
hearth stack update --wait -t "$T/one.yaml" -P bar=changed one >"$T/one-update.out" 2>&1
ok $? "an update with a new input value: update --wait succeeds"
is "$(status one)" UPDATE_COMPLETE "UPDATE_COMPLETE"
is "$(output one result)" "the-default+changed" "with the new output"
sleep 1
is "$(cat "$G1/runs" 2>/dev/null)" "CREATE foo=the-default bar=given
UPDATE foo=the-default bar=changed" "the script ran exactly once more, with deploy_action UPDATE"
is "$(lines "$G1/fail-runs")" 1 "the failed deployment did not run again"
check "the same collect did it" alive "$C1"

# ------------------------------- collect stopped and killed mid-hook
cat >"$T/three.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  flag: {type: string, default: flag1}
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      inputs: [{name: flag}]
      outputs: [{name: seen}]
      config: |
        #!/bin/sh
        echo "started $flag" >> "$HEARTH_ROOT/slow-runs"
        while [ ! -e "$HEARTH_ROOT/$flag" ]; do sleep 0.1; done
        echo "finished $flag" >> "$HEARTH_ROOT/slow-runs"
        echo "saw $flag"
        printf '%s' "$flag" > "$heat_outputs_path.seen"
  server:
    type: OS::Nova::Server
    properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      input_values: {flag: {get_param: flag}}
outputs:
  seen: {value: {get_attr: [deployment, seen]}}
  stderr: {value: {get_attr: [deployment, deploy_stderr]}}
  code: {value: {get_attr: [deployment, deploy_status_code]}}
YAML
hearth stack create -t "$T/three.yaml" three >/dev/null
ok $? "a stack whose script waits for a flag file is accepted"
wait_for "$(secs 60)" in_progress three deployment
S3=$(physical three server)
G3=$A_STATE/guests/$S3
wait_for "$(secs 60)" grep -q 'started flag1' "$G3/slow-runs"
ok $? "its script started"
C3=$(collect_pid "$G3")
C3=${C3:-999999999}
# the collect's own command line, environment and user, to start it again
tr '\0' '\n' <"/proc/$C3/cmdline" >"$T/c3.argv" 2>/dev/null
tr '\0' '\n' <"/proc/$C3/environ" >"$T/c3.env" 2>/dev/null
C3_UID=$(stat -c %u "/proc/$C3" 2>/dev/null)
mapfile -t C3_ARGV <"$T/c3.argv"
mapfile -t C3_ENV <"$T/c3.env"
like "${C3_ARGV[*]}" "hearth-agent collect --root $G3 --log $G3/var/log/hearth-agent-collect.log --bind ${NET//./\\.}[0-9]+\$" \
	"boot started collect with the guest's root, log and address"
# restart_collect: collect again, as boot started it (same user, options,
# environment, directory, log)
restart_collect() {
	local uid=${C3_UID:-0}
	(cd "$G3" && exec setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		env -i "${C3_ENV[@]}" "${C3_ARGV[@]}" </dev/null >>"$G3/var/log/hearth-agent-collect.log" 2>&1) &
	_pids+=($!)
	disown $!
	wait_for "$(secs 20)" test "$(collect_pid "$G3")" != "$C3"
	C3=$(collect_pid "$G3")
}

kill -TERM "$C3"
sleep 0.5
check "SIGTERM during the hook: collect waits for it" alive "$C3"
is "$(status three)" CREATE_IN_PROGRESS "the stack still waits"
touch "$G3/flag1"
wait_for "$(secs 20)" dead "$C3"
ok $? "the hook ends: collect exits"
wait_for "$(secs 30)" test "$(status three)" = CREATE_COMPLETE
is "$(status three)" CREATE_COMPLETE "its signal was sent before it exited: CREATE_COMPLETE"
is "$(output three seen)" flag1 "with the output"
like "$(tail -n 1 "$G3/var/log/hearth-agent-collect.log")" 'collect: stopping' "collect stopped cleanly"
polls=$(grep -c 'collect: new metadata' "$G3/var/log/hearth-agent-collect.log")
restart_collect
check "collect started again by hand" alive "$C3"
wait_for "$(secs 20)" test "$(grep -c 'collect: new metadata' "$G3/var/log/hearth-agent-collect.log")" -gt "$polls"
ok $? "it reads the metadata again"
sleep 1
is "$(cat "$G3/slow-runs")" "started flag1
finished flag1" "the signalled deployment does not run again"

hearth stack update -t "$T/three.yaml" -P flag=flag2 three >/dev/null
ok $? "an update with a new flag"
wait_for "$(secs 60)" grep -q 'started flag2' "$G3/slow-runs"
ok $? "the restarted collect runs the new config"
kill -KILL "$C3"
wait_for "$(secs 10)" dead "$C3"
ok $? "collect killed (SIGKILL) while the hook runs"
touch "$G3/flag2"
wait_for "$(secs 20)" grep -q 'finished flag2' "$G3/slow-runs"
ok $? "the orphaned hook finishes (nobody reads its outputs)"
is "$(status three)" UPDATE_IN_PROGRESS "no signal was sent"
restart_collect
check "collect started again" alive "$C3"
wait_for "$(secs 30)" test "$(status three)" = UPDATE_FAILED
is "$(status three)" UPDATE_FAILED "restarted: the cut-short hook is reported as failed (UPDATE_FAILED)"
is "$(reason three)" "Resource UPDATE failed: Error: resources.deployment: Deployment to server failed: deploy_status_code : Deployment exited with non-zero status code: 1" \
	"deploy_status_code 1, in Heat's words"
like "$(failed_output "$S3" deploy_stderr)" "hearth-agent stopped while this deployment's hook ran; it is not run again" \
	"deploy_stderr says why"
is "$(cat "$G3/slow-runs")" "started flag1
finished flag1
started flag2
finished flag2" "nothing ran twice"

for g in "$G1" "$G3"; do
	no_tool_reports "$g/var/log/hearth-agent-collect.log" && no_tool_reports "$g/console.log"
	ok $? "no sanitizer reports from the guest's agent ($(basename "$g"))"
done

# ------------------------------------- the real os-collect-config
HD_STATE=$T/b-state
start_hearthd b --set compute.address_pool="${NET}128/25" --set compute.uid_base=$((GUEST_UID + 128)) \
	--set compute.boot_command="$B/hearth-agent boot --no-collect"
ok $? "a second hearthd whose guests boot --no-collect"
B_LOG=$HD_LOG B_STATE=$HD_STATE
TOK=$(issue_token p1)
cat >"$T/occ.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      inputs: [{name: greeting}]
      outputs: [{name: said}]
      config: |
        #!/bin/sh
        echo "$greeting" >> occ-runs
        printf '%s from %s' "$greeting" "$deploy_resource_name" > "$heat_outputs_path.said"
  s_req:
    type: OS::Nova::Server
    properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG, software_config_transport: POLL_TEMP_URL}
  s_cfn:
    type: OS::Nova::Server
    properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}
  d_req:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: s_req}
      signal_transport: TEMP_URL_SIGNAL
      input_values: {greeting: hello}
  d_cfn:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: s_cfn}
      input_values: {greeting: bonjour}
outputs:
  req: {value: {get_attr: [d_req, said]}}
  cfn: {value: {get_attr: [d_cfn, said]}}
YAML
hearth stack create -t "$T/occ.yaml" o >/dev/null
ok $? "a stack with a POLL_TEMP_URL and a POLL_SERVER_CFN server is accepted"
wait_for "$(secs 60)" in_progress o d_req
wait_for "$(secs 60)" in_progress o d_cfn
GR=$B_STATE/guests/$(physical o s_req)
GC=$B_STATE/guests/$(physical o s_cfn)
wait_for "$(secs 30)" test -s "$GR/var/lib/heat-cfntools/cfn-init-data" -a -s "$GC/var/lib/heat-cfntools/cfn-init-data"
ok $? "both guests booted and wrote cfn-init-data"
like "$(cat "$GR/console.log")" 'collect: not started \(--no-collect\)' "without starting collect"
occ_field() { field "d['os-collect-config']$2" <"$1/var/lib/heat-cfntools/cfn-init-data"; }
mkdir -p "$T/occ/req" "$T/occ/cfn" # os-collect-config creates the cachedir, not its parent

# the request collector
MURL=$(occ_field "$GR" "['request']['metadata_url']")
occ_request() {
	timeout "$(secs 60)" $OCC --one-time --cachedir "$T/occ/req/cache" --backup-cachedir "$T/occ/req/backup" \
		--command "$B/hearth-agent apply --root $T/req-root --log $T/req-apply.log" \
		--request-metadata-url "$MURL" request >>"$T/occ-req.out" 2>&1
}
occ_request
is "$?" 0 "os-collect-config --one-time (request collector) with hearth-agent apply as its command exits 0"
is "$(cat "$T/req-root/occ-runs" 2>/dev/null)" hello "apply ran the deployment, under its --root"
wait_for "$(secs 20)" test "$(hearth -f json resource show o d_req | field 'd["resource_status"]')" = CREATE_COMPLETE
ok $? "its TEMP_URL signal completes the deployment"
is "$(status o)" CREATE_IN_PROGRESS "the stack waits for the other server"

# the cfn collector
occ_cfn() {
	timeout "$(secs 60)" $OCC --one-time "$@" --cachedir "$T/occ/cfn/cache" --backup-cachedir "$T/occ/cfn/backup" \
		--command "$B/hearth-agent apply --root $T/cfn-root --log $T/cfn-apply.log" \
		--cfn-metadata-url "$(occ_field "$GC" "['cfn']['metadata_url']")" \
		--cfn-stack-name "$(occ_field "$GC" "['cfn']['stack_name']")" \
		--cfn-path "$(occ_field "$GC" "['cfn']['path']")" \
		--cfn-access-key-id "$(occ_field "$GC" "['cfn']['access_key_id']")" \
		--cfn-secret-access-key "$(occ_field "$GC" "['cfn']['secret_access_key']")" cfn >>"$T/occ-cfn.out" 2>&1
}
occ_cfn
is "$?" 0 "os-collect-config --one-time (cfn collector) with hearth-agent apply exits 0"
is "$(cat "$T/cfn-root/occ-runs" 2>/dev/null)" bonjour "apply ran that deployment"
wait_for "$(secs 30)" test "$(status o)" = CREATE_COMPLETE
is "$(status o)" CREATE_COMPLETE "its CFN signal completes the stack"
is "$(output o req)" "hello from d_req" "the request server's output comes back"
is "$(output o cfn)" "bonjour from d_cfn" "the cfn server's output comes back"

occ_request
is "$?" 0 "os-collect-config again: nothing changed, exit 0"
is "$(grep -c 'apply: ' "$T/req-apply.log")" 1 "and apply was not run"
occ_cfn --force
is "$?" 0 "--force runs apply again: exit 0"
is "$(lines "$T/req-root/occ-runs")/$(lines "$T/cfn-root/occ-runs")" 1/1 "nothing ran twice"
like "$(cat "$T/cfn-apply.log")" 'apply: .*/cfn.json: 1 deployment' "apply read os-collect-config's cache file"
check "no sanitizer reports from apply" no_tool_reports "$T/occ-req.out"
check "no sanitizer reports from apply (cfn)" no_tool_reports "$T/occ-cfn.out"

no_tool_reports "$A_LOG" && no_tool_reports "$B_LOG"
ok $? "no sanitizer reports from hearthd"
done_testing
