#!/usr/bin/env bash
# SIGTERM under load: stop accepting, finish in-flight requests, stop the
# embedded Redis, exit 0.
. "$(dirname "$0")/../lib.sh"

start_hearthd a --set shutdown_timeout=20s
ok $? "hearthd starts"
rp=$(embedded_redis_pid "$HD_LOG")
hostport=${API#http://}

# A client in the middle of a request: headers and half its body sent.
cat > "$T/slow.py" <<'PY'
import socket, sys, os, time
host, port = sys.argv[1].rsplit(":", 1)
go = sys.argv[2]
s = socket.create_connection((host, int(port)))
s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
open(go + ".started", "w").close()
while not os.path.exists(go):
    time.sleep(0.02)
s.sendall(b"67890")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace").replace("\r", ""))
PY
python3 "$T/slow.py" "$hostport" "$T/go" > "$T/slow.out" 2>&1 &
slow=$!
wait_for "$(secs 5)" test -e "$T/go.started"
inflight() { curl -s "$ENG/metrics" | grep -q "hearth_http_inflight{listener=\"$hostport\"} 1"; }
check "the slow request is in flight (metrics)" wait_for "$(secs 5)" inflight

wrk -t2 -c64 -d"$(secs 4)"s "$API/healthz" > "$T/wrk.out" 2>&1 &
load=$!
sleep 1
kill -TERM "$HD_PID"
check "hearthd logs the stop" wait_for "$(secs 5)" grep -q "stopping signal=SIGTERM" "$HD_LOG"
sleep 0.3
check "while draining, an in-flight request keeps hearthd up" alive "$HD_PID"
curl -s -o /dev/null --max-time 2 "$API/healthz"
is "$?" 7 "while draining, new connections are refused"

touch "$T/go"
wait "$slow"
out=$(cat "$T/slow.out")
like "$out" '^HTTP/1.1 405' "the in-flight request is answered in full"
like "$out" 'Connection: close' "and told the connection closes"
like "$out" '"message":"POST is not allowed on /healthz"' "with its body"

wait "$HD_PID"
is "$?" 0 "hearthd exits 0"
check "the embedded redis-server is stopped" wait_for "$(secs 5)" dead "$rp"
like "$(cat "$HD_LOG")" 'hearthd stopped' "the log ends with the stop"
wait "$load"
w=$(cat "$T/wrk.out")
like "$w" 'requests in' "the load generator ran ($(grep -o '[0-9]* requests in' "$T/wrk.out"))"
unlike "$w" 'Non-2xx' "every answer under load was 200"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"

# A second signal cuts the wait short.
HD_STATE=$T/b-state start_hearthd b --set shutdown_timeout=60s
rm -f "$T/go" "$T/go.started"
python3 "$T/slow.py" "${API#http://}" "$T/go" > "$T/slow2.out" 2>&1 &
slow=$!
_pids+=("$slow")
wait_for "$(secs 5)" test -e "$T/go.started"
inflight() { curl -s "$ENG/metrics" | grep -q "hearth_http_inflight{listener=\"${API#http://}\"} 1"; }
check "the slow request is in flight (metrics)" wait_for "$(secs 5)" inflight
kill -TERM "$HD_PID"
sleep 0.5
kill -INT "$HD_PID"
check "a second signal stops hearthd at once" wait_for "$(secs 5)" dead "$HD_PID"
wait "$HD_PID"
is "$?" 0 "still with exit status 0"
like "$(cat "$HD_LOG")" 'second signal: closing 1 unfinished request' "and says what it cut"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
