#!/usr/bin/env bash
# AWS::CloudFormation wait conditions signalled by the real cfn-signal
# (heat-cfntools) through pre-signed CFN URLs (signature version 2), as
# heat-tempest-plugin's cfn-init scenario does; an OS::Heat handle with
# CFN_SIGNAL; forged, cross-scope and revoked URLs.
. "$(dirname "$0")/../lib.sh"

HD_STATE=$T/state
start_hearthd a --set compute.boot_command=/bin/true
ok $? "hearthd starts"
P1=$(issue_token p1)
hearth() { HEARTH_URL=$API HEARTH_TOKEN=$P1 HEARTH_PROJECT=p1 "$B/hearth" "$@"; }
status() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status"])'; }
reason() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stack_status_reason"])'; }
output() { hearth -f json output show "$1" "$2" | python3 -c 'import json,sys; v=json.load(sys.stdin)["output_value"]; print(v if isinstance(v, str) else json.dumps(v))'; }
stack_id() { hearth -f json stack show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
# handle_url STACK: the URL its server's user_data was given
handle_url() {
	local id
	id=$(hearth -f json resource show "$1" server | python3 -c 'import json,sys; print(json.load(sys.stdin)["physical_resource_id"])')
	redis-cli -s "$HD_STATE/redis/redis.sock" GET "hearth:instance:$id" |
		python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(sys.stdin)["user_data"]).decode().split()[-1])'
}
waiting() { hearth event list "$1" | grep -q "wait.*CREATE_IN_PROGRESS"; }
# cfn-signal logs to /var/log/cfn-signal.log and looks for a metadata
# service; it keeps its exit status from curl (0 even on HTTP errors), so
# the test asks curl's verdict through the server's state instead.
CFN_SIGNAL=/usr/bin/cfn-signal

cat >"$T/aws.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  Count: {type: number, default: 2}
resources:
  handle: {type: 'AWS::CloudFormation::WaitConditionHandle'}
  wait:
    type: 'AWS::CloudFormation::WaitCondition'
    properties: {Handle: {get_resource: handle}, Timeout: 120, Count: {get_param: Count}}
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: small
      user_data_format: RAW
      user_data:
        str_replace:
          template: "#!/bin/sh\ncfn-signal -e 0 WAIT_URL\n"
          params: {WAIT_URL: {get_resource: handle}}
outputs:
  url: {value: {get_resource: handle}}
  data: {value: {get_attr: [wait, Data]}}
YAML
hearth stack create -t "$T/aws.yaml" a1 >/dev/null
ok $? "a template with an AWS wait condition is accepted"
A1=$(stack_id a1)
wait_for "$(secs 20)" waiting a1
URL=$(handle_url a1)
like "$URL" "^$SIG/v1/waitcondition/arn%3Aopenstack%3Aheat%3A%3Ap1%3Astacks/a1/$A1/resources/handle\?Timestamp=[0-9T%AZ-]+&SignatureMethod=HmacSHA256&AWSAccessKeyId=[0-9A-F]{20}&SignatureVersion=2&Signature=" \
	"the handle's Ref is Heat's pre-signed PUT URL"
$CFN_SIGNAL -e 0 -r "Configuration Complete" -d "smoke test complete" -i smoke_status "$URL" >"$T/cs1.out" 2>&1
ok $? "cfn-signal -e 0 runs"
is "$(status a1)" CREATE_IN_PROGRESS "one signal of two: still waiting"
$CFN_SIGNAL -e 0 -i smoke_status -d "again" "$URL" >/dev/null 2>&1
sleep 0.5
is "$(status a1)" CREATE_IN_PROGRESS "a repeat of the same UniqueId counts once"
$CFN_SIGNAL -i node2 -d "second" "$URL" >/dev/null 2>&1
wait_for "$(secs 20)" test "$(status a1)" = CREATE_COMPLETE
is "$(status a1)" CREATE_COMPLETE "the second id completes the wait condition"
is "$(output a1 data | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["smoke_status"])')" again \
	"Data is a JSON string of UniqueId -> Data (tempest's check)"
is "$(output a1 data | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["node2"])')" second "and the other id"

# refusals, with AWS's codes
put() { curl -s -o "$T/body" -w '%{http_code}' -X PUT --data-binary '{"Status": "SUCCESS", "Reason": "r", "UniqueId": "x", "Data": "d"}' "$1"; }
is "$(put "${URL%Signature=*}Signature=AAAA")" 403 "a forged signature gets 403"
like "$(cat "$T/body")" "<Code>SignatureDoesNotMatch</Code>" "SignatureDoesNotMatch"
is "$(put "$(sed 's/AWSAccessKeyId=[0-9A-F]*/AWSAccessKeyId=AAAAAAAAAAAAAAAAAAAA/' <<<"$URL")")" 403 "an unknown access key gets 403"
like "$(cat "$T/body")" "<Code>InvalidClientTokenId</Code>" "InvalidClientTokenId"
is "$(put "${URL%%\?*}")" 400 "no signature at all gets 400"
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary '{"status": "SUCCESS"}' "$URL")" 400 \
	"an OS::Heat-style body to an AWS handle is refused (the keys are Status, Reason, UniqueId, Data)"

# FAILURE with the reason
hearth stack create -t "$T/aws.yaml" -P Count=1 a2 >/dev/null
wait_for "$(secs 20)" waiting a2
URL2=$(handle_url a2)
is "$(put "$(sed "s|/resources/handle?|/resources/wait?|" <<<"$URL2")")" 403 \
	"a URL re-pointed at another resource no longer verifies"
$CFN_SIGNAL -s false -r "it broke" "$URL2" >/dev/null 2>&1
wait_for "$(secs 20)" test "$(status a2)" = CREATE_FAILED
is "$(status a2)" CREATE_FAILED "cfn-signal -s false fails the stack"
like "$(reason a2)" "WaitConditionFailure: resources.wait: it broke" "with the guest's reason"

# an OS::Heat handle with CFN_SIGNAL: its alarm_url takes a POST
cat >"$T/os.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  handle: {type: OS::Heat::WaitConditionHandle, properties: {signal_transport: CFN_SIGNAL}}
  wait: {type: OS::Heat::WaitCondition, properties: {handle: {get_resource: handle}, timeout: 60}}
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: small
      user_data_format: RAW
      user_data:
        str_replace:
          template: "#!/bin/sh\n# ALARM\n"
          params: {ALARM: {get_attr: [handle, signal]}}
outputs:
  signal: {value: {get_attr: [handle, signal]}}
  data: {value: {get_attr: [wait, data]}}
YAML
hearth stack create -t "$T/os.yaml" o1 >/dev/null
wait_for "$(secs 20)" waiting o1
ALARM=$(handle_url o1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["alarm_url"])')
like "$ALARM" "^$SIG/v1/signal/arn%3Aopenstack%3Aheat%3A%3Ap1%3Astacks/o1/" "a CFN_SIGNAL handle's alarm_url is a pre-signed /signal URL"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary '{"data": "via cfn", "id": "1"}' "$ALARM")" 200 \
	"a POST to it signals"
wait_for "$(secs 20)" test "$(status o1)" = CREATE_COMPLETE
is "$(output o1 data)" '{"1": "via cfn"}' "the wait condition completes with the data"

# a deleted stack's URLs stop working
hearth stack delete a1 --wait >/dev/null
is "$(put "$URL")" 403 "a deleted handle's URL is refused"
like "$(cat "$T/body")" "<Code>InvalidClientTokenId</Code>" "its key is revoked"

no_tool_reports "$T/a.log"
ok $? "no sanitizer reports"
done_testing
