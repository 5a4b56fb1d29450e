# hearthd's /healthz at 256 keep-alive connections with http.threads 1, 2
# and 4: one thread is libmicrohttpd's single internal epoll thread, more
# are its thread pool.  Backs the choice of the default (one per CPU).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

declare -A url pid
for t in 1 2 4; do
	p=$(port)
	"$B/hearthd" --state-dir "$work/s$t" --set log.level=warn --set http.threads=$t \
		--set api.listen=127.0.0.1:$p --set metadata.listen=127.0.0.1:0 \
		--set signal.listen=127.0.0.1:0 --set engine.listen= 2>"$work/h$t.log" &
	pid[$t]=$!
	pids+=("${pid[$t]}")
	url[$t]=http://127.0.0.1:$p/healthz
	"$B/hearth" --url "http://127.0.0.1:$p" --wait 15 health >/dev/null
done
echo "wrk -t2 -c256, ${DURATION:-5} s per run, $ROUNDS interleaved rounds, medians"
declare -A rps cpu
for r in $(seq "$ROUNDS"); do
	for t in 1 2 4; do
		t0=$(cpu_ticks "${pid[$t]}")
		read -r x n < <(run_wrk "${url[$t]}" 256)
		t1=$(cpu_ticks "${pid[$t]}")
		rps[$t]+="$x "
		cpu[$t]+="$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", n ? t / hz / n * 1e6 : 0}') "
	done
done
printf '\n%-14s %12s %14s\n' "http.threads" "r/s" "us CPU/req"
for t in 1 2 4; do
	printf '%-14s %12.0f %14s\n' "$t" "$(printf '%s\n' ${rps[$t]} | median)" "$(printf '%s\n' ${cpu[$t]} | median)"
done
