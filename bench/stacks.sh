# Creating and deleting stacks through the API, end to end (POST, the
# engine's workers, every transition and event in the embedded Redis,
# polled until CREATE_COMPLETE, then DELETE until DELETE_COMPLETE):
#   - one stack of 1,000 OS::Heat::None, and one of 1,000 RandomString;
#   - ten stacks of 1,000 None at once (10,000 resources);
#   - one flat stack of 10,000 None (engine.max_resources_per_stack raised:
#     the engine does not create nested stacks yet, so the 1,000-per-tree
#     limit cannot be met with ResourceGroups).
# Prints seconds, resources per second, hearthd's peak RSS and Redis memory
# per resource.  The peer is Heat 19 on this machine as perf-anchors.md
# measured it (17-24 s for 1,000 no-op resources; 5,000 did not finish in
# 5 minutes): Heat cannot run here without its services, so the figures
# are printed beside ours, not measured in this run.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

aport=$(port)
"$B/hearthd" --state-dir "$work/state" --set log.level=warn --set api.listen=127.0.0.1:$aport \
	--set metadata.listen=127.0.0.1:0 --set signal.listen=127.0.0.1:0 --set engine.listen= \
	--set engine.max_resources_per_stack=-1 2>"$work/hearthd.log" &
hpid=$!
pids+=("$hpid")
"$B/hearth" --url "http://127.0.0.1:$aport" --wait 15 health >/dev/null
api=http://127.0.0.1:$aport/v1
admin=$(cat "$work/state/admin-token")
sock=$work/state/redis/redis.sock

template() { # template N TYPE NAME: a create request of N resources of TYPE
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
n, t, name = int(sys.argv[1]), sys.argv[2], sys.argv[3]
res = {"r%d" % i: {"type": t} for i in range(n)}
print(json.dumps({"stack_name": name, "template": {"heat_template_version": "2021-04-16", "resources": res}}))
PY
}
now() { date +%s.%N; }
# "name:STATUS ..." of every stack (no interpreter per poll: it would cost
# more than what is measured)
status() { curl -s -H "X-Auth-Token: $admin" "$api/demo/stacks?show_deleted=true" |
	grep -o '"stack_name":"[^"]*","description":"[^"]*","stack_status":"[^"]*"' |
	sed 's/"stack_name":"\([^"]*\)".*"stack_status":"\([^"]*\)"/\1:\2/' | tr '\n' ' '; }
all_are() { # all_are STATUS NAME...
	local want=$1 st x; shift
	st=$(status)
	for x in "$@"; do [[ " $st " == *" $x:$want "* ]] || return 1; done
}
wait_all() { until all_are "$@"; do sleep 0.02; done; }

# run LABEL N TYPE COUNT: COUNT stacks of N resources of TYPE, created at
# once, then deleted at once; prints a row.
run() {
	local label=$1 n=$2 t=$3 count=$4 names=() i t0 t1 t2 mem0 mem1 ids=() # ids: curl pids
	for i in $(seq 1 "$count"); do
		names+=("$label-$i")
		template "$n" "$t" "$label-$i" >"$work/$label-$i.json"
	done
	mem0=$(redis-cli -s "$sock" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
	t0=$(now)
	for i in "${names[@]}"; do
		curl -s -o /dev/null -X POST -H "X-Auth-Token: $admin" --data-binary @"$work/$i.json" "$api/demo/stacks" &
		ids+=($!)
	done
	wait "${ids[@]}"
	ids=()
	wait_all CREATE_COMPLETE "${names[@]}"
	t1=$(now)
	mem1=$(redis-cli -s "$sock" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
	for i in "${names[@]}"; do
		curl -s -o /dev/null -X DELETE -H "X-Auth-Token: $admin" "$api/demo/stacks/$i" -L &
		ids+=($!)
	done
	wait "${ids[@]}"
	wait_all DELETE_COMPLETE "${names[@]}"
	t2=$(now)
	awk -v l="$label" -v n=$((n * count)) -v c="$(echo "$t1 - $t0" | bc)" -v d="$(echo "$t2 - $t1" | bc)" \
		-v m=$((mem1 - mem0)) 'BEGIN {
		printf "%-24s %8d %10.2f s %10.0f/s %10.2f s %10.0f/s %10.0f B\n", l, n, c, n / c, d, n / d, m / n }'
}

printf '%-24s %8s %12s %12s %12s %12s %12s\n' "stacks" "resources" "create" "created" "delete" "deleted" "redis/res"
run none-1000 1000 OS::Heat::None 1
run random-1000 1000 OS::Heat::RandomString 1
run none-10x1000 1000 OS::Heat::None 10
run none-10000 10000 OS::Heat::None 1
rss=$(awk '/VmHWM/ {print $2}' "/proc/$hpid/status")
echo
echo "hearthd peak RSS: $((rss / 1024)) MiB; Redis holds every record and event until the stacks are purged"
echo "Heat 19 on this machine (perf-anchors): 1,000 no-op resources created in 17-24 s; 5,000 not in 5 minutes"
