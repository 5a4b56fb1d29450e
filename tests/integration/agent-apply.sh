#!/usr/bin/env bash
# hearth-agent apply (and collect --once, and boot starting collect) on
# deployments written here: NO_SIGNAL deployments whose hooks' effects are
# checked (files, environment, outputs, cloud-config, hook programs, a
# group without a hook), once per config id across runs, a hook cut short,
# a signal to a closed port kept and sent again after a kill without
# running the hook again, output trimmed for the signal, collect's request
# source from a real HTTP server (python's http.server) and boot with
# Heat's SOFTWARE_CONFIG multipart user_data.
. "$(dirname "$0")/../lib.sh"

R=$T/root
DEP=$R/var/lib/heat-config/deployed
mkdir -p "$R"

# agent NAME ARGS...: hearth-agent ARGS with root $R; sets RC and OUT.
agent() {
	local name=$1
	shift
	HEARTH_ROOT=$R $WRAP "$B/hearth-agent" "$@" >"$T/$name.out" 2>&1
	RC=$?
	OUT=$(cat "$T/$name.out")
	no_tool_reports "$T/$name.out" || { diag "tool report in $T/$name.out"; ok 1 "no sanitizer report ($name)"; }
}
mode() { stat -c %a "$1" 2>/dev/null; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# json FILE EXPR: a value of a JSON file, by a python expression on d.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }

NOSIG='{"name": "deploy_signal_transport", "type": "String", "value": "NO_SIGNAL"}'

# ------------------------------------------------ a first set, NO_SIGNAL
cat >"$T/request.json" <<EOF
{"foo": "template metadata", "deployments": [
 {"id": "cfg-script", "name": "a-script", "group": "script", "creation_time": "2024-01-01T00:00:00Z",
  "config": "#!/bin/sh\necho \"ran \$deploy_action\" >> \$HEARTH_ROOT/script-ran\nenv > \$HEARTH_ROOT/script-env\necho to-stdout; echo to-stderr >&2\nprintf 'result for %s' \"\$word\" > \$heat_outputs_path.result\n",
  "inputs": [{"name": "word", "type": "String", "value": "hello world"},
             {"name": "count", "type": "Number", "value": 5},
             {"name": "blob", "type": "Json", "value": {"a": [1, 2]}},
             {"name": "nothing", "type": "String", "value": null},
             {"name": "deploy_action", "type": "String", "value": "CREATE"}, $NOSIG],
  "outputs": [{"name": "result", "type": "String", "error_output": false},
              {"name": "never_written", "type": "String", "error_output": false}],
  "options": {}},
 {"id": "cfg-fail", "name": "b-fail", "group": "script",
  "config": "#!/bin/sh\necho about to fail\necho oops >&2\nexit 3\n", "inputs": [$NOSIG], "outputs": []},
 {"id": "cfg-cc", "name": "c-cloud-config", "group": "Heat::Ungrouped",
  "config": "#cloud-config\nwrite_files:\n- path: /etc/from-deployment\n  content: written by a deployment\n  permissions: '0640'\nruncmd:\n- echo runcmd output\n- [sh, -c, 'echo ran >> \$HEARTH_ROOT/runcmd-ran']\n",
  "inputs": [$NOSIG], "outputs": []},
 {"id": "cfg-nohook", "name": "d-puppet", "group": "puppet", "config": "class {}", "inputs": [$NOSIG], "outputs": []},
 {"id": "cfg-hook", "name": "e-hook", "group": "my::hook", "config": "hook config",
  "inputs": [{"name": "n", "type": "Number", "value": 7}, $NOSIG], "outputs": []}
]}
EOF
# A second file, as os-collect-config also writes (an exploded config: no
# deployments), and one that is a bare list of deployments.
echo '{"oac": "settings"}' >"$T/oac.json"
cat >"$T/list.json" <<EOF
[{"id": "cfg-list", "name": "f-list", "group": "script", "config": "#!/bin/sh\ntouch \$HEARTH_ROOT/list-ran\n", "inputs": [$NOSIG]}]
EOF
mkdir -p "$T/hooks"
cat >"$T/hooks/myhook" <<'EOF'
#!/bin/sh
cat > "$HEARTH_ROOT/hook-stdin"
printf '{"deploy_stdout": "from the hook", "deploy_stderr": "", "deploy_status_code": 0, "bytes": %d}\n' \
	"$(wc -c < "$HEARTH_ROOT/hook-stdin")"
EOF
chmod 755 "$T/hooks/myhook"

OS_CONFIG_FILES=$T/request.json:$T/oac.json:$T/list.json agent a1 apply --hooks "$T/hooks"
is "$RC" 0 "apply exits 0 although a script failed and a group has no hook"
is "$(cat "$R/script-ran" 2>/dev/null)" "ran CREATE" "script: the config ran, with its inputs as variables"
env_of() { grep "^$1=" "$R/script-env" | head -n 1; }
is "$(env_of word)" "word=hello world" "script: a String input as it is"
is "$(env_of count)" "count=5" "script: a Number input as its JSON text (no crash)"
is "$(env_of blob)" 'blob={"a":[1,2]}' "script: a Json input as JSON"
is "$(env_of nothing)" "nothing=" "script: a null input as an empty variable"
is "$(env_of heat_outputs_path)" "heat_outputs_path=$R/var/run/heat-config/heat-config-script/cfg-script" \
	"script: heat_outputs_path under the root"
is "$(json "$DEP/cfg-script.notify.json" 'd["result"]')" "result for hello world" "script: a declared output read from its file"
is "$(json "$DEP/cfg-script.notify.json" '"never_written" in d')" False "script: an output not written is left out"
is "$(json "$DEP/cfg-script.notify.json" 'repr((d["deploy_stdout"], d["deploy_stderr"], d["deploy_status_code"]))')" \
	"('to-stdout\\n', 'to-stderr\\n', 0)" "script: stdout, stderr and the status in the signal body"
is "$(json "$DEP/cfg-fail.notify.json" 'repr((d["deploy_stdout"], d["deploy_stderr"], d["deploy_status_code"]))')" \
	"('about to fail\\n', 'oops\\n', 3)" "a failing script: its exit status in the body"
is "$(cat "$R/etc/from-deployment" 2>/dev/null)" "written by a deployment" "Heat::Ungrouped #cloud-config: write_files"
is "$(mode "$R/etc/from-deployment")" 640 "with its permissions"
is "$(cat "$R/runcmd-ran" 2>/dev/null)" ran "and runcmd"
is "$(json "$DEP/cfg-cc.notify.json" 'repr((d["deploy_stdout"], d["deploy_status_code"]))')" \
	"('runcmd output\\n', 0)" "the commands' output is deploy_stdout"
is "$(json "$DEP/cfg-nohook.notify.json" 'repr((d["deploy_stderr"], d["deploy_status_code"]))')" \
	"('no hook for group puppet\\n', 1)" "a group without a hook: signalled as failed, saying why"
is "$(json "$R/hook-stdin" 'd["id"] + "/" + repr(d["inputs"][0]["value"])')" "cfg-hook/7" \
	"a hook program (--hooks) gets the config on stdin, a Number input kept a number"
is "$(json "$DEP/cfg-hook.notify.json" 'd["deploy_stdout"] + "/" + str(d["bytes"])')" \
	"from the hook/$(stat -c %s "$R/hook-stdin" 2>/dev/null)" "its JSON stdout is the signal body"
check "a bare list of deployments in a file runs too" test -e "$R/list-ran"
is "$(mode "$DEP")/$(mode "$DEP/cfg-script.json")/$(mode "$DEP/cfg-script.notify.json")/$(mode "$DEP/cfg-script.signalled")" \
	700/600/600/600 "state: directory 0700, files 0600"
like "$(cat "$DEP/cfg-script.signalled" 2>/dev/null)" '^none ' "NO_SIGNAL: marked, nothing sent"
like "$OUT" 'deployment a-script \(cfg-script\): no signal to send \(NO_SIGNAL\)' "and logged"
is "$(json "$DEP/cfg-script.json" 'repr([i["value"] for i in d["inputs"]][3])')" "''" \
	"ID.json holds the config as the hook got it (a null String input as \"\")"

# ------------------------------------------------------------ once only
OS_CONFIG_FILES=$T/request.json:$T/list.json agent a2 apply --hooks "$T/hooks"
is "$RC" 0 "a second apply exits 0"
is "$(lines "$R/script-ran")/$(lines "$R/runcmd-ran")" 1/1 "nothing runs twice for the same config ids"

# A new config id for the same deployment (another action) is new work.
sed -e 's/"cfg-script"/"cfg-script-2"/' -e 's/"CREATE"/"DELETE"/' "$T/request.json" >"$T/request2.json"
agent a3 apply --hooks "$T/hooks" "$T/request2.json"
is "$RC" 0 "apply with FILE arguments exits 0"
is "$(cat "$R/script-ran")" "ran CREATE
ran DELETE" "a new config id runs, a DELETE action too; the others do not run again"

# ----------------------------------------------- a signal that cannot go
PORT=$(free_port)
cat >"$T/signal.json" <<EOF
{"deployments": [{"id": "cfg-sig", "name": "g-signal", "group": "script",
  "config": "#!/bin/sh\necho once >> \$HEARTH_ROOT/sig-ran\n",
  "inputs": [{"name": "deploy_signal_transport", "type": "String", "value": "CFN_SIGNAL"},
             {"name": "deploy_signal_id", "type": "String", "value": "http://127.0.0.1:$PORT/v1/signal/arn%3Aopenstack%3Aheat%3A%3At%3Astacks/s/1/resources/d?Signature=x"},
             {"name": "deploy_signal_verb", "type": "String", "value": "POST"}]}]}
EOF
HEARTH_ROOT=$R $WRAP "$B/hearth-agent" apply --log "$T/a4.log" "$T/signal.json" >"$T/a4.out" 2>&1 &
pid=$!
wait_for "$(secs 20)" grep -q 'signal attempt 2/10' "$T/a4.log"
ok $? "a closed signal port: the signal is retried with backoff"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "killed while retrying: ID.notify.json is kept" test -s "$DEP/cfg-sig.notify.json"
check "and ID.signalled is not written" test ! -e "$DEP/cfg-sig.signalled"
unlike "$(cat "$T/a4.log")" 'Signature=x' "the signal URL's query (its signature) is not logged"
agent a5 apply --signal-retries 2 "$T/signal.json"
is "$RC" 3 "restarted: exit 3 while the signal cannot be delivered"
is "$(lines "$R/sig-ran")" 1 "the hook is not run again"
like "$OUT" 'g-signal \(cfg-sig\): ran before; sending its saved signal again' "the saved signal is sent again"
like "$OUT" 'signal attempt 1/2: POST http://127.0.0.1:[0-9]+/v1/signal/.*Couldn.t connect' "to the same endpoint"
check "still not marked" test ! -e "$DEP/cfg-sig.signalled"

# ---------------------------------------------------- a hook cut short
cat >"$T/cut.json" <<EOF
{"deployments": [{"id": "cfg-cut", "name": "h-cut", "group": "script",
  "config": "#!/bin/sh\necho \$\$ > \$HEARTH_ROOT/cut-pid\necho started >> \$HEARTH_ROOT/cut-ran\nexec sleep 60\n",
  "inputs": [$NOSIG]}]}
EOF
HEARTH_ROOT=$R $WRAP "$B/hearth-agent" apply "$T/cut.json" >"$T/a6.out" 2>&1 &
pid=$!
wait_for "$(secs 10)" test -s "$R/cut-pid"
ok $? "a long hook started"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
kill -KILL "$(cat "$R/cut-pid")" 2>/dev/null
agent a7 apply "$T/cut.json"
is "$RC" 0 "after the agent was killed mid-hook: apply exits 0"
is "$(lines "$R/cut-ran")" 1 "the hook is not run twice"
is "$(json "$DEP/cfg-cut.notify.json" 'd["deploy_status_code"]')" 1 "it is reported as failed"
like "$(json "$DEP/cfg-cut.notify.json" 'd["deploy_stderr"]')" 'stopped while this deployment' "saying why"

# ------------------------------------------------------ big output
cat >"$T/big.json" <<EOF
{"deployments": [{"id": "cfg-big", "name": "i-big", "group": "script",
  "config": "#!/bin/sh\nyes x | head -c 3000000\necho THE-END\nyes e | head -c 300000 >&2\n",
  "inputs": [$NOSIG]}]}
EOF
agent a8 apply "$T/big.json"
size=$(stat -c %s "$DEP/cfg-big.notify.json" 2>/dev/null || echo 0)
check "3 MB of output: the signal body is at most 950000 bytes ($size)" test "$size" -le 950000 -a "$size" -gt 940000
is "$(json "$DEP/cfg-big.notify.json" 'd["deploy_stdout"][-8:].strip() + "/" + str(len(d["deploy_stderr"])) + "/" + str(d["deploy_status_code"])')" \
	"THE-END/300000/0" "the end of stdout is kept, and all of the shorter stderr"

# ----------------------------------------------------- collect --once
mkdir -p "$T/srv"
cat >"$T/srv/doc.json" <<EOF
{"deployments": [{"id": "cfg-col", "name": "j-collect", "group": "script",
  "config": "#!/bin/sh\necho collected >> \$HEARTH_ROOT/collect-ran\n", "inputs": [$NOSIG]}]}
EOF
HPORT=$(free_port)
python3 -u -m http.server --bind 127.0.0.1 "$HPORT" --directory "$T/srv" >"$T/http.log" 2>&1 &
_pids+=($!)
wait_for "$(secs 10)" curl -sf -o /dev/null "http://127.0.0.1:$HPORT/doc.json"
echo "{\"os-collect-config\": {\"collectors\": [\"ec2\", \"request\", \"local\"], \"request\": {\"metadata_url\": \"http://127.0.0.1:$HPORT/doc.json\"}}}" >"$T/occ.json"
agent c1 collect --once --bind 127.0.0.9 --metadata-file "$T/occ.json"
is "$RC" 0 "collect --once (request source) exits 0"
is "$(cat "$R/collect-ran" 2>/dev/null)" collected "it ran the document's deployment"
like "$(grep 'GET /doc.json' "$T/http.log" | tail -n 1)" '^127\.0\.0\.9 ' "from --bind's address"
agent c2 collect --once --metadata-file "$T/occ.json"
is "$(lines "$R/collect-ran")" 1 "once only, across collect runs too"

# ---------------------------- boot with SOFTWARE_CONFIG user_data
cp -r "$S/tests/data/agent/openstack" "$T/meta"
python3 - "$T/meta/openstack/2018-08-27/user_data" "$HPORT" <<'EOF'
import json, sys
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
m = MIMEMultipart()
def part(body, sub, name):
    p = MIMEText(body, sub, 'us-ascii')
    p.add_header('Content-Disposition', 'attachment', filename=name)
    m.attach(p)
part("#cloud-config\nwrite_files:\n- path: /etc/cc-part\n  content: cc\n", 'cloud-config', 'cloud-config')
part("#!/bin/sh\nexit 0\n", 'cloud-boothook', 'boothook.sh')
part("#part-handler\nraise SystemExit('must not run')\n", 'part-handler', 'part-handler.py')
md = {"deployments": [], "os-collect-config": {"collectors": ["ec2", "request", "local"],
      "request": {"metadata_url": "http://127.0.0.1:%s/doc.json" % sys.argv[2]}}}
part(json.dumps(md), 'x-cfninitdata', 'cfn-init-data')
open(sys.argv[1], 'w').write(m.as_string())
EOF
MPORT=$(free_port)
python3 -u -m http.server --bind 127.0.0.1 "$MPORT" --directory "$T/meta" >"$T/meta.log" 2>&1 &
_pids+=($!)
wait_for "$(secs 10)" curl -sf -o /dev/null "http://127.0.0.1:$MPORT/"
BR=$T/booted
$WRAP "$B/hearth-agent" boot --metadata-url "http://127.0.0.1:$MPORT" --root "$BR" --timeout "$(secs 10)" >"$T/b1.out" 2>&1
is "$?" 0 "boot with SOFTWARE_CONFIG user_data exits 0"
check "no sanitizer report (boot)" no_tool_reports "$T/b1.out"
cmp -s "$BR/var/lib/heat-cfntools/cfn-init-data" "$BR/var/lib/cloud/data/cfn-init-data"
ok $? "the cfn-init-data part is in heat-cfntools/ and cloud/data/"
is "$(mode "$BR/var/lib/heat-cfntools")/$(mode "$BR/var/lib/heat-cfntools/cfn-init-data")" 700/600 \
	"heat-cfntools/ 0700, cfn-init-data 0600 (it carries credentials)"
is "$(json "$BR/var/lib/heat-cfntools/cfn-init-data" 'd["os-collect-config"]["collectors"][1]')" request "it is the metadata JSON"
like "$(cat "$T/b1.out")" 'text/part-handler\): not run' "the Python part handler is not run"
is "$(cat "$BR/etc/cc-part" 2>/dev/null)" cc "the other parts still apply"
wait_for "$(secs 20)" test -s "$BR/collect-ran"
ok $? "boot started collect in the background, which ran the deployment"
cpid=$(cat "$BR/var/lib/heat-config/deployed/collect.pid" 2>/dev/null)
cpid=${cpid:-999999999}
_pids+=("$cpid") # killed at the end whatever happens
check "collect.pid names a live process" alive "$cpid"
like "$(cat "$BR/var/log/hearth-agent-collect.log" 2>/dev/null)" 'collect: metadata source 1: request' "its log"
$WRAP "$B/hearth-agent" boot --metadata-url "http://127.0.0.1:$MPORT" --root "$BR" --timeout "$(secs 10)" >"$T/b2.out" 2>&1
wait_for "$(secs 10)" grep -q 'another hearth-agent collect' "$BR/var/log/hearth-agent-collect.log"
ok $? "a second boot's collect leaves the running one alone"
check "which is still running" alive "$cpid"
kill -TERM "$cpid" 2>/dev/null
wait_for "$(secs 10)" dead "$cpid"
ok $? "SIGTERM stops collect"
like "$(tail -n 1 "$BR/var/log/hearth-agent-collect.log")" 'collect: stopping' "cleanly"
check "no sanitizer report (collect)" no_tool_reports "$BR/var/log/hearth-agent-collect.log"
$WRAP "$B/hearth-agent" boot --metadata-url "http://127.0.0.1:$MPORT" --root "$T/booted2" --no-collect \
	--timeout "$(secs 10)" >"$T/b3.out" 2>&1
like "$(cat "$T/b3.out")" 'collect: not started \(--no-collect\)' "--no-collect: collect is not started"
check "nothing collected" test ! -e "$T/booted2/var/lib/heat-config/deployed/collect.pid"

# -------------------------------------------------------------- usage
OS_CONFIG_FILES= agent u1 apply
is "$RC" 2 "apply without files is a usage error"
agent u2 apply --once "$T/request.json"
is "$RC" 2 "--once is collect's, not apply's"
agent u3 collect --once --metadata-file "$T/nowhere.json"
is "$RC" 4 "collect --once without a metadata file: exit 4"
agent u4 collect --wait 301
is "$RC" 2 "--wait above 300 is a usage error"
agent u5 apply "$T/missing.json" "$T/list.json"
is "$RC" 1 "apply with an unreadable file: exit 1 (os-collect-config runs it again)"
like "$($WRAP "$B/hearth-agent" --help)" 'apply \[FILE\]' "--help describes collect and apply"

done_testing
