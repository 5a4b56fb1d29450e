# Helpers of the benchmarks: a work directory and cleanup, free ports, CPU
# time of processes, wrk runs, medians.  Sourcing it sets B (the build
# directory), ROUNDS, work (removed at exit) and pids (killed at exit).

B=$HEARTH_BUILD
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d /tmp/hearth-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU seconds (user+system, ticks) used so far by the given pids.
cpu_ticks() {
	local t=0 p f
	for p in "$@"; do
		f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
		t=$((t + ${f% *} + ${f#* }))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# run_wrk URL CONNS [wrk args...]: prints "requests_per_s requests".
run_wrk() {
	local url=$1 c=$2 out; shift 2
	out=$(wrk -t2 -c"$c" -d"${DURATION:-5}"s "$@" "$url" 2>&1)
	if printf '%s' "$out" | grep -q 'Non-2xx'; then echo "bench: non-2xx answers from $url" >&2; fi
	printf '%s\n' "$out" | awk '/Requests\/sec/ {rps=$2} / requests in / {n=$1} END {print rps, n}'
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
