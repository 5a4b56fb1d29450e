#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build, and run the main
# job: hearthd on its embedded Redis, checked healthy on every role, a
# first stack created, shown and deleted through the API, then the demo
# stack: a server boots as a local guest, runs its user_data, signals its
# wait condition with curl, and the stack reaches CREATE_COMPLETE.
#   scripts/demo.sh          run, show, stop cleanly
#   scripts/demo.sh --keep   keep hearthd running until ^C
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=${1:-}
say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

"$top/scripts/setup.sh"
dir=$("$top/scripts/build.sh" default | tail -n 1)

state=$(mktemp -d /tmp/hearth-demo.XXXXXX)
log=$state.log
pick_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=127.0.0.1:$(pick_port) meta=127.0.0.1:$(pick_port) sig=127.0.0.1:$(pick_port) eng=127.0.0.1:$(pick_port)

say "starting hearthd (embedded Redis in $state, log in $log)"
"$dir/hearthd" --state-dir "$state" --set api.listen="$api" --set metadata.listen="$meta" \
	--set signal.listen="$sig" --set engine.listen="$eng" \
	--set compute.boot_command="$dir/hearth-agent boot" 2>"$log" &
pid=$!
stop() {
	if kill -0 "$pid" 2>/dev/null; then
		say "stopping hearthd (SIGTERM)"
		kill -TERM "$pid"
		wait "$pid" && say "hearthd stopped cleanly" || say "hearthd exited with status $?"
	fi
	rm -rf "$state" "$log"
}
trap stop EXIT

if ! "$dir/hearth" --url "http://$api" --wait 15 health >/dev/null; then
	say "hearthd did not become healthy; its log:"
	cat "$log"
	exit 1
fi
for role in "api $api" "metadata $meta" "signal $sig" "engine $eng"; do
	set -- $role
	printf '  %-9s http://%-22s ' "$1" "$2"
	"$dir/hearth" --url "http://$2" health
done
say "a first stack through the API (examples/first-stack.yaml), following its events:"
export HEARTH_URL=http://$api
export HEARTH_TOKEN=$("$dir/hearth" -k "$state/admin-token" -f json admin token create --project demo |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
"$dir/hearth" stack create -t "$top/examples/first-stack.yaml" --wait first | sed 's/^/  /'
say "its output:"
"$dir/hearth" output show first app_config | sed 's/^/  /'
say "deleting it:"
"$dir/hearth" stack delete first --wait | sed 's/^/  /'
say "metrics (http://$eng/metrics):"
curl -s "http://$eng/metrics" | grep -E '^hearth_(http_requests_total|redis_up|engine_queue_depth)' | sed 's/^/  /'
say "the demo stack (examples/hello.yaml): a server boots, says hello and signals with curl:"
"$dir/hearth" stack create -t "$top/examples/hello.yaml" --wait hello | sed 's/^/  /'
say "what the guest signalled back, and its address:"
"$dir/hearth" output show hello greeting | sed 's/^/  /'
"$dir/hearth" output show hello server_ip | sed 's/^/  /'
say "the guest's console:"
cat "$state"/guests/*/console.log 2>/dev/null | sed 's/^/  /'
if [ "$keep" != --keep ]; then
	say "deleting it (the guest stops, its addresses are freed):"
	"$dir/hearth" stack delete hello --wait | sed 's/^/  /'
fi
if [ "$keep" = --keep ]; then
	say "running until ^C (hearth --url http://$api health)"
	wait "$pid" || true
fi
