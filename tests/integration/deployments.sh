#!/usr/bin/env bash
# Software configs and deployments with a real hearthd and the real
# os-collect-config (cfn and request collectors) and cfn-signal: derived
# configs in the server's metadata, signature version 2, signals with
# outputs and failures, TEMP_URL_SIGNAL, NO_SIGNAL, updates, deletes.
. "$(dirname "$0")/../lib.sh"

OCC=/usr/bin/os-collect-config
HD_STATE=$T/state
SOCK=$HD_STATE/redis/redis.sock
# the guests boot without collecting: this test plays the agent itself
start_hearthd a --set compute.boot_command="/bin/true"
ok $? "hearthd starts"
P1=$(issue_token p1)
hearth() { HEARTH_URL=$API HEARTH_TOKEN=$P1 HEARTH_PROJECT=p1 "$B/hearth" "$@"; }
status() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status"])'; }
reason() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status_reason"])'; }
output() { hearth -f json output show "$1" "$2" | python3 -c 'import json,sys; v=json.load(sys.stdin)["output_value"]; print(v if isinstance(v, str) else json.dumps(v))'; }
stack_id() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
rcli() { redis-cli -s "$SOCK" "$@"; }
# boot_data SERVER-ID: the cfn-init-data part of the server's user_data
boot_data() {
	rcli GET "hearth:instance:$1" | python3 -c '
import base64, email, json, sys
doc = json.load(sys.stdin)
msg = email.message_from_bytes(base64.b64decode(doc["user_data"]))
for part in msg.walk():
    if part.get_content_type() == "text/x-cfninitdata":
        print(part.get_payload(decode=True).decode())'
}
# jq-ish: field PATH of JSON on stdin (python expression on d)
field() { python3 -c "import json,sys; d=json.load(sys.stdin); v=$1; print(v if isinstance(v, str) else json.dumps(v))"; }

cat >"$T/deploy.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  foo: {type: string, default: fooooo}
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      inputs:
      - name: foo
      - name: bar
        default: baz
      outputs:
      - name: result
      config: |
        #!/bin/sh
        echo "hello $foo"
        printf 'done-%s' "$deploy_action" > "$heat_outputs_path.result"
  server:
    type: OS::Nova::Server
    metadata: {role: web}
    properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      input_values: {foo: {get_param: foo}, extra: 42}
outputs:
  result: {value: {get_attr: [deployment, result]}}
  stdout: {value: {get_attr: [deployment, deploy_stdout]}}
  code: {value: {get_attr: [deployment, deploy_status_code]}}
  server: {value: {get_resource: server}}
  deployment: {value: {get_resource: deployment}}
YAML
hearth stack create -t "$T/deploy.yaml" d >/dev/null
ok $? "a stack with a server and a deployment is accepted"
D=$(stack_id d)
dep_waiting() { hearth event list d | grep -q "deployment.*CREATE_IN_PROGRESS"; }
wait_for "$(secs 20)" dep_waiting
SERVER=$(rcli KEYS 'hearth:instance:*' | head -n 1 | sed 's/hearth:instance://')
BOOT=$(boot_data "$SERVER")
like "$BOOT" '"collectors": ?\["ec2", ?"cfn", ?"local"\]' "the boot metadata names the cfn collector (POLL_SERVER_CFN)"
CFN_URL=$(field 'd["os-collect-config"]["cfn"]["metadata_url"]' <<<"$BOOT")
AK=$(field 'd["os-collect-config"]["cfn"]["access_key_id"]' <<<"$BOOT")
SK=$(field 'd["os-collect-config"]["cfn"]["secret_access_key"]' <<<"$BOOT")
CPATH=$(field 'd["os-collect-config"]["cfn"]["path"]' <<<"$BOOT")
is "$CFN_URL" "$SIG/v1/" "metadata_url is the signal endpoint's /v1/"
is "$CPATH" "server.Metadata" "path is the server resource's Metadata"

# the real os-collect-config, cfn collector, print mode
mkdir -p "$T/occ"
collect_cfn() {
	$OCC --one-time --print --cachedir "$T/occ/cache" --backup-cachedir "$T/occ/backup" \
		--cfn-metadata-url "$CFN_URL" --cfn-stack-name d --cfn-path "$CPATH" \
		--cfn-access-key-id "$AK" --cfn-secret-access-key "$1" cfn 2>"$T/occ.err"
}
MD=$(collect_cfn "$SK")
ok $? "os-collect-config's cfn collector reads the server's metadata"
is "$(field 'd["cfn"]["role"]' <<<"$MD")" web "the template's metadata is there"
is "$(field 'len(d["cfn"]["deployments"])' <<<"$MD")" 1 "with one deployment"
DEP=$(field 'd["cfn"]["deployments"][0]' <<<"$MD")
is "$(field 'd["group"]' <<<"$DEP")" script "its group"
is "$(field '[i["name"] for i in d["inputs"]]' <<<"$DEP")" \
	'["foo", "bar", "extra", "deploy_server_id", "deploy_action", "deploy_stack_id", "deploy_resource_name", "deploy_signal_transport", "deploy_signal_id", "deploy_signal_verb"]' \
	"inputs in Heat's order: declared, extra, implicit, transport's"
is "$(field '[i.get("value") for i in d["inputs"]][:3]' <<<"$DEP")" '["fooooo", "baz", 42]' "values: given, default, extra"
is "$(field '[i["value"] for i in d["inputs"] if i["name"] == "deploy_stack_id"][0]' <<<"$DEP")" "d/$D" "deploy_stack_id is NAME/ID"
is "$(field '[i["value"] for i in d["inputs"] if i["name"] == "deploy_server_id"][0]' <<<"$DEP")" "$SERVER" "deploy_server_id is the server"
SIGURL=$(field '[i["value"] for i in d["inputs"] if i["name"] == "deploy_signal_id"][0]' <<<"$DEP")
like "$SIGURL" "^$SIG/v1/signal/arn%3Aopenstack%3Aheat%3A%3Ap1%3Astacks/d/$D/resources/deployment\?Timestamp=[0-9T%AZ-]+&SignatureMethod=HmacSHA256&AWSAccessKeyId=[0-9A-F]{20}&SignatureVersion=2&Signature=" \
	"deploy_signal_id is Heat's pre-signed CFN URL"
! collect_cfn "wrong$SK" >/dev/null 2>&1 || ! grep -q '"deployments"' <(collect_cfn "wrong$SK")
ok $? "a wrong secret reads nothing"
code=$(curl -s -o "$T/body" -w '%{http_code}' "$CFN_URL?Action=DescribeStackResource&StackName=d&LogicalResourceId=server&AWSAccessKeyId=$AK&SignatureVersion=2&SignatureMethod=HmacSHA256&Signature=AAAA")
is "$code" 403 "a forged signature gets 403"
like "$(cat "$T/body")" "<Code>SignatureDoesNotMatch</Code>" "with AWS's code"

# the signal, as heat-config-notify sends it (POST, JSON)
is "$(status d)" CREATE_IN_PROGRESS "the stack waits for the deployment's signal"
code=$(curl -s -o "$T/body2" -w "%{http_code}" -X POST -H "Content-Type: application/json" \
	--data-binary '{"result": "done-CREATE", "deploy_stdout": "hello fooooo\n", "deploy_stderr": "", "deploy_status_code": 0}' "$SIGURL")
is "$code" 200 "the deployment's signal is accepted"
wait_for "$(secs 20)" test "$(status d)" = CREATE_COMPLETE
is "$(status d)" CREATE_COMPLETE "the stack completes on the signal"
is "$(output d result)" done-CREATE "the declared output comes back"
is "$(output d stdout)" "hello fooooo" "deploy_stdout comes back"
is "$(output d code)" 0 "deploy_status_code comes back"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary '{}' "$SIGURL")
is "$code" 409 "a second signal to a finished deployment is refused (409)"
like "$(hearth event list d)" "Signal: deployment [0-9a-f-]+ succeeded" "the signal is an event"

# POLL_TEMP_URL: the request collector, long-poll, TEMP_URL_SIGNAL, updates
cat >"$T/temp.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  greeting: {type: string, default: hello}
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      inputs: [{name: greeting}]
      outputs: [{name: said, error_output: false}, {name: broken, error_output: true}]
      config: "#!/bin/sh\necho $greeting\n"
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: small
      user_data_format: SOFTWARE_CONFIG
      software_config_transport: POLL_TEMP_URL
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      signal_transport: TEMP_URL_SIGNAL
      input_values: {greeting: {get_param: greeting}}
outputs:
  said: {value: {get_attr: [deployment, said]}}
YAML
hearth stack create -t "$T/temp.yaml" t >/dev/null
ok $? "a POLL_TEMP_URL stack is accepted"
t_waiting() { hearth event list t | grep -q "deployment.*CREATE_IN_PROGRESS"; }
wait_for "$(secs 20)" t_waiting
TSERVER=$(hearth -f json resource show t server | field 'd["physical_resource_id"]')
TBOOT=$(boot_data "$TSERVER")
like "$TBOOT" '"collectors": ?\["ec2", ?"request", ?"local"\]' "the boot metadata names the request collector"
MURL=$(field 'd["os-collect-config"]["request"]["metadata_url"]' <<<"$TBOOT")
like "$MURL" "^$SIG/v1/servers/$TSERVER/metadata\?sig=[0-9a-f]{64}\$" "its metadata_url is a capability URL"
MD=$($OCC --one-time --print --cachedir "$T/occ/c2" --backup-cachedir "$T/occ/b2" \
	--request-metadata-url "$MURL" request 2>"$T/occ2.err")
ok $? "os-collect-config's request collector reads it (HEAD then GET, Last-Modified parsed)"
is "$(field 'd["request"]["deployments"][0]["inputs"][0]["value"]' <<<"$MD")" hello "the deployment's input is there"
curl -s -D "$T/h" -o /dev/null -I "$MURL"
like "$(grep -i '^Last-Modified:' "$T/h")" '^Last-Modified: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT' \
	"HEAD answers with an RFC 1123 Last-Modified"
ETAG=$(sed -n 's/^ETag: "\([0-9a-f]*\)".*/\1/Ip' "$T/h" | tr -d '\r')
like "$ETAG" '^[0-9a-f]{32}$' "and an ETag"
is "$(curl -s -o /dev/null -w '%{http_code}' "${MURL%?sig=*}?sig=$(printf '0%.0s' {1..64})")" 403 "a wrong sig gets 403"
is "$(curl -s -o /dev/null -w '%{http_code}' "$MURL&wait=1&since=$ETAG")" 304 "a long-poll with nothing new ends in 304 when its wait is over"
is "$(curl -s -o /dev/null -w '%{http_code}' "$MURL&wait=1&since=other")" 200 "an old ETag gets the document at once"
is "$(curl -s -o /dev/null -w '%{http_code}' "$MURL&wait=301&since=$ETAG")" 400 "a wait over 300 s is refused"

TSIG=$(field '[i["value"] for i in d["request"]["deployments"][0]["inputs"] if i["name"] == "deploy_signal_id"][0]' <<<"$MD")
like "$TSIG" "^$SIG/v1/temp-signal/" "TEMP_URL_SIGNAL hands out a capability URL"
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary '{"said": "x"}' "${TSIG%?sig=*}?sig=bad")" 403 "a wrong temp URL signature gets 403"
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data-binary '{"said": "hello", "deploy_status_code": 0}' "$TSIG")" 200 "PUT to the temp URL signals"
wait_for "$(secs 20)" test "$(status t)" = CREATE_COMPLETE
is "$(status t)" CREATE_COMPLETE "the stack completes"
is "$(output t said)" hello "with the output"

# a waiting agent learns of the update at once
curl -s -o "$T/lp.json" -w '%{http_code}' "$MURL&wait=60&since=$ETAG" >"$T/lp.code" &
LP=$!
sleep 0.5
START=$(date +%s)
hearth stack update -t "$T/temp.yaml" -P greeting=bonjour t >/dev/null
wait "$LP"
is "$(cat "$T/lp.code")" 200 "the long-poll returns when the update lands"
[ $(( $(date +%s) - START )) -lt 30 ]
ok $? "well before its wait was over"
is "$(field '[i["value"] for i in d["deployments"][0]["inputs"] if i["name"] == "greeting"][0]' <"$T/lp.json")" bonjour "with the new input"
is "$(field '[i["value"] for i in d["deployments"][0]["inputs"] if i["name"] == "deploy_action"][0]' <"$T/lp.json")" UPDATE "deploy_action is UPDATE"
TSIG2=$(field '[i["value"] for i in d["deployments"][0]["inputs"] if i["name"] == "deploy_signal_id"][0]' <"$T/lp.json")
is "$(status t)" UPDATE_IN_PROGRESS "the update waits for the agent"
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary '{"broken": "disk full", "said": "bonjour"}' "$TSIG2")" 200 "an error_output signal is accepted"
wait_for "$(secs 20)" test "$(status t)" = UPDATE_FAILED
is "$(status t)" UPDATE_FAILED "an error_output fails the update"
like "$(reason t)" "Deployment to server failed: broken : disk full" "with the output in the reason"

# a non-zero exit fails the create, with Heat's words
cat >"$T/fail.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  config: {type: OS::Heat::SoftwareConfig, properties: {group: script, config: "#!/bin/sh\nexit 3\n"}}
  server: {type: OS::Nova::Server, properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}}
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties: {config: {get_resource: config}, server: {get_resource: server}}
YAML
hearth stack create -t "$T/fail.yaml" f >/dev/null
f_waiting() { hearth event list f | grep -q "deployment.*CREATE_IN_PROGRESS"; }
wait_for "$(secs 20)" f_waiting
FSERVER=$(hearth -f json resource show f server | field 'd["physical_resource_id"]')
FSIG=$(curl -s "$(field 'd["os-collect-config"]["hearth"]["metadata_url"]' <<<"$(boot_data "$FSERVER")")" |
	field '[i["value"] for i in d["deployments"][0]["inputs"] if i["name"] == "deploy_signal_id"][0]')
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary '{"deploy_stdout": "about to fail\n", "deploy_stderr": "oops\n", "deploy_status_code": 3}' "$FSIG")" 200 "a failing deployment's signal is accepted"
wait_for "$(secs 20)" test "$(status f)" = CREATE_FAILED
is "$(status f)" CREATE_FAILED "a non-zero status code fails the stack"
like "$(reason f)" "Error: resources.deployment: Deployment to server failed: deploy_status_code : Deployment exited with non-zero status code: 3" \
	"with Heat's reason"

# the resource metadata route shows what agents see, without the secret
RMD=$(curl -s -H "X-Auth-Token: $P1" "$API/v1/p1/stacks/d/$D/resources/server/metadata")
is "$(field 'len(d["metadata"]["deployments"])' <<<"$RMD")" 1 "the server's resource metadata lists its deployment"
is "$(field 'd["metadata"]["os-collect-config"]["cfn"]["secret_access_key"]' <<<"$RMD")" "******" "and hides the guest's secret"
unlike "$RMD" "$SK" "the secret is nowhere in it"

# Heat's software_configs and software_deployments API (tempest's gabbits)
api() { local m=$1 p=$2; shift 2; curl -s -w '\n%{http_code}' -X "$m" -H "X-Auth-Token: ${TOK:-$P1}" -H 'Content-Type: application/json' "$API/v1/${PRJ:-p1}$p" "$@"; }
body() { sed '$d' <<<"$1"; }
code() { tail -n 1 <<<"$1"; }
R=$(api POST /software_configs -d '{"name": "hello", "group": "script", "config": "#!/bin/sh -x\necho hello", "outputs": [{"name": "result"}]}')
is "$(code "$R")" 200 "a config is created"
CID=$(body "$R" | field 'd["software_config"]["id"]')
is "$(body "$R" | field 'd["software_config"]["outputs"]')" '[{"name": "result", "type": "String", "error_output": false}]' "its outputs as Heat stores them"
is "$(body "$(api GET "/software_configs/$CID")" | field 'd["software_config"]["group"]')" script "shown with its group"
like "$(body "$(api GET /software_configs)")" "\"id\": ?\"$CID\"" "and listed"
R=$(api POST /software_deployments -d "{\"action\": \"ACTION0\", \"config_id\": \"$CID\", \"server_id\": \"dummy_server\"}")
is "$(code "$R")" 200 "a deployment is created"
DID=$(body "$R" | field 'd["software_deployment"]["id"]')
is "$(body "$(api GET "/software_deployments/$DID")" | field 'd["software_deployment"]["action"]')" ACTION0 "shown with its action"
is "$(body "$(api GET /software_deployments/metadata/dummy_server)" | field 'd["metadata"][0]["group"]')" script "the server's metadata lists its config"
R=$(api PUT "/software_deployments/$DID" -d '{"action": "ACTION1", "status": "COMPLETE", "status_reason": "completed"}')
is "$(body "$R" | field 'd["software_deployment"]["action"]')" ACTION1 "a deployment is updated"
is "$(code "$(api PUT "/software_deployments/$DID" -d '{"status": "DONE"}')")" 400 "a status Heat does not know is refused"
is "$(body "$(api GET '/software_deployments?server_id=dummy_server')" | field 'd["software_deployments"][0]["server_id"]')" dummy_server "deployments are listed by server"
P2=$(issue_token p2)
is "$(code "$(TOK=$P2 PRJ=p2 api GET "/software_configs/$CID")")" 404 "another project does not see the config"
is "$(code "$(TOK=$P2 PRJ=p2 api DELETE "/software_deployments/$DID")")" 404 "nor delete the deployment"
is "$(code "$(api DELETE "/software_deployments/$DID")")" 204 "the deployment is deleted"
is "$(code "$(api DELETE "/software_configs/$CID")")" 204 "the config is deleted"
is "$(code "$(api GET "/software_configs/$CID")")" 404 "and gone"
is "$(code "$(api POST /software_configs -d '{"name": "x", "inputs": [{"type": "String"}]}')")" 400 "an input without a name is refused"

# CloudConfig, NO_SIGNAL and a deployment group over two servers
cat >"$T/group.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  cc:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config:
        write_files:
        - {path: /tmp/motd, content: "line one\nline two: yes\n", permissions: '0644'}
        runcmd: [[touch, /tmp/done], "echo true"]
        apt_upgrade: false
  s1: {type: OS::Nova::Server, properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}}
  s2: {type: OS::Nova::Server, properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}}
  group:
    type: OS::Heat::SoftwareDeploymentGroup
    properties:
      config: {get_resource: cc}
      servers: {a: {get_resource: s1}, b: {get_resource: s2}}
      signal_transport: NO_SIGNAL
outputs:
  codes: {value: {get_attr: [group, deploy_status_codes]}}
  config: {value: {get_attr: [cc, config]}}
YAML
hearth stack create --wait -t "$T/group.yaml" g >/dev/null
is "$(status g)" CREATE_COMPLETE "a NO_SIGNAL deployment group completes without signals"
is "$(output g codes | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')" \
	'{"a": null, "b": null}' "the group's attributes are maps by server key"
is "$(output g config | head -n 1)" "#cloud-config" "CloudConfig's config starts with #cloud-config"
is "$(output g config | python3 -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))')" \
	'{"apt_upgrade": false, "runcmd": [["touch", "/tmp/done"], "echo true"], "write_files": [{"content": "line one\nline two: yes\n", "path": "/tmp/motd", "permissions": "0644"}]}' \
	"and reads back as the same YAML"
for srv in s1 s2; do
	id=$(hearth -f json resource show g $srv | field 'd["physical_resource_id"]')
	n=$(curl -s "$(field 'd["os-collect-config"]["hearth"]["metadata_url"]' <<<"$(boot_data "$id")")" |
		field '[d["name"] for d in d["deployments"]]')
	like "$n" '^\["g-cc-[a-z0-9]+"\]$' "server $srv has its member's deployment (named by the config, as Heat)"
done

# a deployment with the DELETE action runs it before it goes
cat >"$T/del.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  config: {type: OS::Heat::SoftwareConfig, properties: {group: script, config: "#!/bin/sh\necho $deploy_action\n"}}
  server: {type: OS::Nova::Server, properties: {image: debian, flavor: small, user_data_format: SOFTWARE_CONFIG}}
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: {get_resource: server}
      actions: [CREATE, DELETE]
      signal_transport: TEMP_URL_SIGNAL
YAML
hearth stack create -t "$T/del.yaml" x >/dev/null
x_waiting() { hearth event list x | grep -q "deployment.*CREATE_IN_PROGRESS"; }
wait_for "$(secs 20)" x_waiting
XSERVER=$(hearth -f json resource show x server | field 'd["physical_resource_id"]')
XURL=$(field 'd["os-collect-config"]["hearth"]["metadata_url"]' <<<"$(boot_data "$XSERVER")")
xinput() { curl -s "$XURL" | field "[i['value'] for i in d['deployments'][0]['inputs'] if i['name'] == '$1'][0]"; }
curl -s -o /dev/null -X PUT --data-binary '{"deploy_status_code": 0}' "$(xinput deploy_signal_id)"
wait_for "$(secs 20)" test "$(status x)" = CREATE_COMPLETE
is "$(status x)" CREATE_COMPLETE "a stack whose deployment also runs on DELETE is made"
hearth stack delete x >/dev/null
x_deleting() { [ "$(xinput deploy_action)" = DELETE ]; }
wait_for "$(secs 20)" x_deleting
ok $? "the delete hands the agent the DELETE action"
is "$(status x)" DELETE_IN_PROGRESS "and waits for its signal"
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary '{"deploy_status_code": 0}' "$(xinput deploy_signal_id)")" 200 \
	"a signal during the delete is accepted (Heat exempts deployments)"
gone() { ! hearth stack show x >/dev/null 2>&1 || [ "$(status x)" = DELETE_COMPLETE ]; }
wait_for "$(secs 20)" gone
ok $? "then the stack is deleted"

# deletes leave nothing behind
for s in d t f g; do hearth stack delete "$s" --wait >/dev/null; done
is "$(rcli KEYS 'hearth:sd:*' | grep -v -e mtime -e changes | grep -c .)" 0 "no deployment is left after the deletes"
is "$(rcli KEYS 'hearth:sc:*' | grep -v ':project:' | grep -c .)" 0 "no config is left"
is "$(rcli HLEN hearth:signal:ec2)" 0 "no EC2 key is left"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary '{}' "$SIGURL")
is "$code" 403 "a deleted deployment's signal URL no longer works"

no_tool_reports "$T/a.log"
ok $? "no sanitizer reports"
done_testing
