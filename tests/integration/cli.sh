#!/usr/bin/env bash
# The command-line tools: --help and --version of every binary, usage
# errors, `hearth health` and `hearth-agent signal` against a real hearthd.
. "$(dirname "$0")/../lib.sh"

for bin in hearthd hearth hearth-agent; do
	out=$($WRAP "$B/$bin" --help 2>&1); rc=$?
	is "$rc" 0 "$bin --help exits 0"
	like "$out" "^Usage: $bin " "$bin --help prints usage"
	out=$($WRAP "$B/$bin" --version 2>&1)
	like "$out" "^$bin [0-9]+\.[0-9]+\.[0-9]+$" "$bin --version"
	check "$bin has a man page" test -f "$S/man/$bin".[18]
done
like "$($WRAP "$B/hearthd" --help)" 'redis\.url +string, default "", env HEARTH_REDIS_URL' \
	"hearthd --help lists configuration keys from the table"

out=$($WRAP "$B/hearth" frobnicate 2>&1); rc=$?
is "$rc" 2 "hearth: an unknown command exits 2"
like "$out" 'unknown command "frobnicate"' "and names it"
out=$($WRAP "$B/hearth" --timeout x health 2>&1); rc=$?
is "$rc" 2 "hearth: a bad --timeout exits 2"

# hearth template validate: offline, every error with its place.
out=$($WRAP "$B/hearth" template validate "$S/examples/hello.yaml" 2>&1); rc=$?
is "$rc" 0 "template validate: the demo template is valid"
like "$out" 'hello.yaml: valid \(0 warning\(s\)\)$' "and says so"
printf 'heat_template_version: 2015-04-30\nresources:\n  a:\n    properties: {}\n  b:\n    type: [x]\nsurprise: 1\n' > "$T/bad.yaml"
out=$($WRAP "$B/hearth" template validate "$T/bad.yaml" 2>&1); rc=$?
is "$rc" 1 "template validate: an invalid template exits 1"
is "$out" "$T/bad.yaml:3:3: resources.a: Each resource must contain a type key.
$T/bad.yaml:6:11: resources.b: Resource b type type must be string
$T/bad.yaml:7:1: The template section is invalid: surprise
$T/bad.yaml: 3 error(s), 0 warning(s)" "every error at once, in file:line:col order"
printf 'heat_template_version: 2015-04-30\nresources: [\n' > "$T/broken.yaml"
out=$($WRAP "$B/hearth" template validate "$T/broken.yaml" 2>&1); rc=$?
is "$rc" 1 "template validate: broken YAML exits 1"
like "$out" "^$T/broken.yaml:3:1: invalid YAML: " "with the place of the fault"
out=$($WRAP "$B/hearth" template validate "$T/nope.yaml" 2>&1); rc=$?
is "$rc" 2 "template validate: an unreadable file exits 2"
like "$out" 'cannot read .*nope.yaml: No such file' "saying why"

# hearth template show: what the engine read, hidden defaults masked.
printf 'heat_template_version: 2016-10-14\ndescription: demo\nparameters:\n  pw: {type: string, default: s3cret-default, hidden: true}\n  n: {type: number}\nconditions:\n  c: true\nresources:\n  r: {type: OS::Heat::None, condition: c}\noutputs:\n  o: {value: 1, description: one}\n' > "$T/show.yaml"
out=$($WRAP "$B/hearth" template show "$T/show.yaml" 2>&1); rc=$?
is "$rc" 0 "template show exits 0"
is "$out" 'heat_template_version: 2016-10-14
description: demo
parameters: 2
  pw: string = ****** [hidden]
  n: number (required)
resources: 1
  r: OS::Heat::None if "c"
outputs: 1
  o: one' "prints parameters, resources and outputs"
unlike "$out" 's3cret-default' "never a hidden default"

# hearth template graph: dependencies and creation batches.
out=$($WRAP "$B/hearth" template graph "$S/tests/data/validate/ok-fan-and-chain/template.yaml" 2>&1); rc=$?
is "$rc" 0 "template graph exits 0"
is "$out" "net
port requires net
server requires net, port
batch 1: net
batch 2: port
batch 3: server" "prints each resource's requirements and the batches"
out=$($WRAP "$B/hearth" template graph --dot "$S/tests/data/validate/ok-fan-and-chain/template.yaml" 2>&1)
like "$out" '^digraph template \{' "--dot prints Graphviz"
like "$out" '"server" -> "port";' "with one edge per requirement"
out=$($WRAP "$B/hearth" template graph "$S/tests/data/validate/cycle-three-and-self/template.yaml" 2>&1); rc=$?
is "$rc" 1 "template graph: a cycle exits 1"
like "$out" 'Circular Dependency Found: a -> b -> c -> a' "naming the resources on it"

# hearth template resolve: -P, -e, --files-dir and --attributes, as a
# client would send them; hidden values masked.
mkdir -p "$T/tfiles/lib"
printf 'heat_template_version: 2021-04-16\nparameters:\n  who: {type: string}\n  pw: {type: string, hidden: true, default: s3cret}\n  mode: {type: string, default: dev}\nconditions:\n  prod: {equals: [{get_param: mode}, prod]}\nresources:\n  a:\n    type: OS::Heat::Value\n    properties:\n      value: {get_file: lib/motd.txt}\n  b:\n    type: OS::Heat::Value\n    properties:\n      value: [{get_param: who}, {get_resource: a}, {get_attr: [a, value, 1]}, {if: [prod, only-in-prod]}]\n  c:\n    type: My::Thing\n    properties: {size: 3}\noutputs:\n  pw: {value: {get_param: pw}}\n  thing: {value: {get_attr: [c, doubled]}}\n' > "$T/res.yaml"
printf 'heat_template_version: 2016-10-14\nparameters:\n  size: {type: number}\noutputs:\n  doubled: {value: {get_param: size}}\n' > "$T/tfiles/lib/thing.yaml"
printf 'hello\n' > "$T/tfiles/lib/motd.txt"
printf 'parameters:\n  mode: prod\nresource_registry:\n  My::Thing: lib/thing.yaml\n' > "$T/env1.yaml"
printf 'parameters:\n  mode: dev\n' > "$T/env2.yaml"
printf '{"a": {"value": ["x", "y"]}}' > "$T/attrs.json"
out=$($WRAP "$B/hearth" template resolve -P who=me -e "$T/env1.yaml" -f "$T/tfiles" -a "$T/attrs.json" "$T/res.yaml" 2>&1); rc=$?
is "$rc" 0 "template resolve exits 0"
is "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([d["resources"], d["outputs"], d["types"]["c"], d["parameters"]["pw"], d["nested"]["c"]["parameters"]["size"]], sort_keys=True))')" \
	'[{"a": {"value": "hello\n"}, "b": {"value": ["me", "a", "y", "only-in-prod"]}, "c": {"size": 3}}, {"pw": "******", "thing": null}, "lib/thing.yaml", "******", 3]' \
	"properties, outputs, the registry's template and the nested stack; hidden values masked, in outputs too"
out=$($WRAP "$B/hearth" template resolve -P who=me -e "$T/env1.yaml" -e "$T/env2.yaml" -f "$T/tfiles" "$T/res.yaml" 2>&1); rc=$?
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["resources"]["b"]))')" \
	'{"value": ["me", "a", null]}' "a later -e wins (the if drops its item), get_attr without --attributes is null"
out=$($WRAP "$B/hearth" template validate -e "$T/env1.yaml" "$T/res.yaml" 2>&1); rc=$?
is "$rc" 1 "template validate: a template resource missing from --files-dir is an error"
like "$out" 'res.yaml:18:11: resources.c: Could not fetch remote template "lib/thing.yaml"' "at its type"
like "$out" 'warning: parameters: The Parameter \(who\) was not provided' "a missing value is a warning for validate"
out=$($WRAP "$B/hearth" template resolve -f "$T/tfiles" -e "$T/env1.yaml" "$T/res.yaml" 2>&1); rc=$?
is "$rc" 1 "template resolve: a missing value is an error"
like "$out" 'res.yaml:2:1: parameters: The Parameter \(who\) was not provided\.' "named at the parameters section"
out=$($WRAP "$B/hearth" template resolve -P nope "$T/res.yaml" 2>&1); rc=$?
is "$rc" 2 "template: -P without = is a usage error"
printf 'heat_template_version: 2016-10-14\nresources:\n  a: {type: OS::Heat::None}\n  b: {type: OS::Heat::None}\n' > "$T/two.yaml"
out=$($WRAP "$B/hearth" template validate --max-resources 1 "$T/two.yaml" 2>&1); rc=$?
is "$rc" 1 "template validate --max-resources: over the limit exits 1"
like "$out" 'two.yaml:2:1: resources: Request limit exceeded: Maximum resources per stack exceeded\.' "in Heat's words"
out=$($WRAP "$B/hearth" template validate --max-template-size 10 "$T/two.yaml" 2>&1); rc=$?
is "$rc" 1 "template validate --max-template-size: too big exits 1"
like "$out" 'Template size \(101 bytes\) exceeds maximum allowed size \(10 bytes\)' "naming both sizes"
# Hidden values stay out of the output of nested stacks and out of
# messages; a files folder given with a trailing slash names files alike.
mkdir -p "$T/hfiles"
printf 'heat_template_version: 2016-10-14\nparameters:\n  pw: {type: string, hidden: true}\nresources:\n  v: {type: OS::Heat::None}\n' > "$T/hfiles/child.yaml"
printf 'heat_template_version: 2016-10-14\nparameters:\n  root_pw:\n    type: string\n    hidden: true\n    constraints: [{allowed_pattern: "[a-z]+"}]\nresources:\n  c: {type: child.yaml, properties: {pw: nestedsecret}}\n' > "$T/hidden.yaml"
out=$($WRAP "$B/hearth" template resolve -P root_pw=abc -f "$T/hfiles/" "$T/hidden.yaml" 2>&1); rc=$?
is "$rc" 0 "template resolve: a files folder with a trailing slash"
unlike "$out" 'nestedsecret' "a nested stack's hidden parameter is masked"
like "$out" '"pw": "\*\*\*\*\*\*"' "as ******"
out=$($WRAP "$B/hearth" template resolve -P root_pw=Hunter2 -f "$T/hfiles" "$T/hidden.yaml" 2>&1); rc=$?
is "$rc" 1 "a hidden value failing its constraint is an error"
unlike "$out" 'Hunter2' "whose message never shows the value"
out=$($WRAP "$B/hearth" template --help 2>&1); rc=$?
is "$rc" 0 "hearth template --help exits 0"
like "$out" '--files-dir DIR' "and documents the options"

port=$(free_port)
out=$($WRAP "$B/hearth" -u "http://127.0.0.1:$port" health 2>&1); rc=$?
is "$rc" 2 "hearth health: nothing listening exits 2"
like "$out" "cannot reach hearthd: .*127.0.0.1:$port" "and says where it looked"

start_hearthd a
out=$($WRAP "$B/hearth" -u "$ENG" health 2>&1); rc=$?
is "$rc" 0 "hearth health: a healthy role exits 0"
like "$out" '^ok: role=engine roles=engine,metadata,signal,api version=[0-9.]+ uptime=[0-9]+s redis=up$' "one readable line"
out=$(HEARTH_URL=$API $WRAP "$B/hearth" --json health 2>&1)
like "$out" '^\{"status":"ok","role":"api"' "\$HEARTH_URL and --json"

# hearth-agent signal: the request it sends, seen by a real HTTP server.
cat > "$T/sink.py" <<'PY'
import http.server, sys, json
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"path": self.path, "token": self.headers.get("X-Auth-Token"),
                                "ctype": self.headers.get("Content-Type"),
                                "body": json.loads(body)}) + "\n")
        code = 503 if self.path == "/flaky" and open(sys.argv[2]).read().count("flaky") < 2 else 200
        code = 400 if self.path == "/refuse" else code
        self.send_response(code); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$T/sink.py" "$T/sink.port" "$T/sink.jsonl" &
_pids+=($!)
wait_for 5 test -s "$T/sink.port"
sink=http://127.0.0.1:$(cat "$T/sink.port")

HEARTH_TOKEN=tok-123 $WRAP "$B/hearth-agent" signal "$sink/ok"; rc=$?
is "$rc" 0 "hearth-agent signal: accepted exits 0"
is "$(tail -n 1 "$T/sink.jsonl")" \
	'{"path": "/ok", "token": "tok-123", "ctype": "application/json", "body": {"status": "SUCCESS"}}' \
	"sends Heat's body with the token header"
$WRAP "$B/hearth-agent" signal -s FAILURE -r "disk full" -d '{"x": 1}' -i web-1 "$sink/ok"
is "$(tail -n 1 "$T/sink.jsonl")" \
	'{"path": "/ok", "token": null, "ctype": "application/json", "body": {"status": "FAILURE", "reason": "disk full", "data": "{\"x\": 1}", "id": "web-1"}}' \
	"status, reason, data and id"
$WRAP "$B/hearth-agent" signal "$sink/flaky"; rc=$?
is "$rc" 0 "a 503 is retried until accepted"
is "$(grep -c flaky "$T/sink.jsonl")" 2 "once after the failure"
out=$($WRAP "$B/hearth-agent" signal "$sink/refuse" 2>&1); rc=$?
is "$rc" 1 "a 4xx is not retried and exits 1"
like "$out" 'signal refused \(400\)' "saying so"
out=$($WRAP "$B/hearth-agent" signal -n 2 "http://127.0.0.1:$port/" 2>&1); rc=$?
is "$rc" 3 "an unreachable endpoint exits 3 after the retries"
out=$($WRAP "$B/hearth-agent" signal -s MAYBE "$sink/ok" 2>&1); rc=$?
is "$rc" 2 "a bad --status exits 2"
out=$($WRAP "$B/hearth-agent" signal -k secret-tok "$sink/refuse" 2>&1)
unlike "$out" 'secret-tok' "the token is never printed"

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
