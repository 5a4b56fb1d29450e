# GET /healthz of hearthd against nginx serving a file of the same bytes,
# interleaved (A B A B ...), keep-alive at 64 and 256 connections and a new
# connection per request.  Prints requests/s and server CPU per request
# (which moves far less than requests/s on a shared 2-core machine).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

hport=$(port)
"$B/hearthd" --state-dir "$work/state" --set log.level=warn --set api.listen=127.0.0.1:$hport \
	--set metadata.listen=127.0.0.1:0 --set signal.listen=127.0.0.1:0 --set engine.listen= \
	2>"$work/hearthd.log" &
hpid=$!
pids+=("$hpid")
"$B/hearth" --url "http://127.0.0.1:$hport" --wait 15 health >/dev/null

# nginx serves the very bytes hearthd answers.
mkdir -p "$work/www"
curl -s "http://127.0.0.1:$hport/healthz" > "$work/www/healthz"
size=$(stat -c %s "$work/www/healthz")
nport=$(port)
cat > "$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  keepalive_requests 1000000;
  types { application/json healthz; }
  default_type application/json;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$nport; root $work/www; location = /healthz { } }
}
NGX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" &
npid=$!
pids+=("$npid")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport/healthz" >/dev/null && break; sleep 0.1; done
nginx_pids() { echo "$npid" $(pgrep -P "$npid"); }

echo "body: $size bytes; wrk -t2, ${DURATION:-5} s per run, $ROUNDS interleaved rounds, medians"
declare -A rps cpu
for mode in c64 c256 close; do
	case $mode in
	c64) c=64; extra=() ;;
	c256) c=256; extra=() ;;
	close) c=64; extra=(-H 'Connection: close') ;;
	esac
	for r in $(seq "$ROUNDS"); do
		for who in hearth nginx; do
			if [ $who = hearth ]; then url=http://127.0.0.1:$hport/healthz; ps=($hpid); else
				url=http://127.0.0.1:$nport/healthz; ps=($(nginx_pids)); fi
			t0=$(cpu_ticks "${ps[@]}")
			read -r x n < <(run_wrk "$url" $c "${extra[@]}")
			t1=$(cpu_ticks "${ps[@]}")
			rps[$who.$mode]+="$x "
			cpu[$who.$mode]+="$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", n ? t / hz / n * 1e6 : 0}') "
		done
	done
done
printf '\n%-28s %12s %12s %8s %14s %14s\n' "load" "hearthd r/s" "nginx r/s" "ratio" "hearthd us/req" "nginx us/req"
for mode in c64 c256 close; do
	h=$(printf '%s\n' ${rps[hearth.$mode]} | median)
	n=$(printf '%s\n' ${rps[nginx.$mode]} | median)
	hc=$(printf '%s\n' ${cpu[hearth.$mode]} | median)
	nc=$(printf '%s\n' ${cpu[nginx.$mode]} | median)
	case $mode in c64) label="keep-alive, 64 conns" ;; c256) label="keep-alive, 256 conns" ;;
		close) label="new conn per request, 64" ;; esac
	printf '%-28s %12.0f %12.0f %8.2f %14s %14s\n' "$label" "$h" "$n" "$(awk -v a="$h" -v b="$n" 'BEGIN {print b ? a / b : 0}')" "$hc" "$nc"
done
