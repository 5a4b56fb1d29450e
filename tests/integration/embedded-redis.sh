#!/usr/bin/env bash
# The embedded Redis: private Unix socket, AOF on, no TCP port; stopped
# with hearthd on SIGTERM and by the kernel on SIGKILL; restarted by hearthd
# if it dies; its data survives a restart of hearthd.
. "$(dirname "$0")/../lib.sh"

HD_STATE=$T/state
start_hearthd a
ok $? "hearthd starts with no redis.url"
rp=$(embedded_redis_pid "$HD_LOG")
check "it started a redis-server child" alive "$rp"
is "$(ps -o ppid= -p "$rp" | tr -d ' ')" "$HD_PID" "whose parent is hearthd"
sock=$HD_STATE/redis/redis.sock
check "listening on a socket in the state directory" test -S "$sock"
# as root, others may pass through (local guests reach their directories
# under it), never read or write
want=700
[ "$(id -u)" = 0 ] && want=711
is "$(stat -c %a "$HD_STATE")" "$want" "state directory is mode 0$want: no one else reads or writes it"
is "$(stat -c %a "$HD_STATE/redis")" 700 "redis directory is mode 0700"
is "$(stat -c %a "$HD_STATE/redis/redis.conf")" 600 "its private config is mode 0600"
is "$(redis-cli -s "$sock" config get port | tail -n 1)" 0 "no TCP port"
is "$(redis-cli -s "$sock" config get appendonly | tail -n 1)" yes "AOF persistence on"
is "$(ps -o pgid= -p "$rp" | tr -d ' ')" "$rp" "in its own process group (a terminal ^C reaches only hearthd)"

http st body "$API/healthz"
is "$st" 200 "healthz answers 200"
like "$body" '"redis":\{"status":"up","url":"embedded"' "and reports Redis up"

# Data written through the socket survives a clean restart (AOF).
redis-cli -s "$sock" set hearth:test:persist kept >/dev/null
stop_hearthd TERM
is "$HD_STATUS" 0 "SIGTERM: hearthd exits 0"
check "SIGTERM: the redis-server is gone" wait_for "$(secs 5)" dead "$rp"
check "SIGTERM: its socket is removed" test ! -e "$sock"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"

start_hearthd b
ok $? "hearthd restarts on the same state directory"
is "$(redis-cli -s "$sock" get hearth:test:persist)" kept "data written before the restart is there"

# SIGKILL: the kernel stops the child (PR_SET_PDEATHSIG).
rp=$(embedded_redis_pid "$HD_LOG")
redis-cli -s "$sock" set hearth:test:killed survived >/dev/null
stop_hearthd KILL
check "SIGKILL: no orphan redis-server" wait_for "$(secs 5)" dead "$rp"
unlike "$(pgrep -f "redis-server.*$HD_STATE" || true)" '[0-9]' "none anywhere for this state directory"

# Restarting right after a SIGKILL must wait for the old server, then work.
start_hearthd c
ok $? "hearthd starts again after being killed"
is "$(redis-cli -s "$sock" get hearth:test:killed)" survived "writes acknowledged before SIGKILL survive (AOF)"

# The embedded server dies under a running hearthd: 503, then recovery.
rp=$(embedded_redis_pid "$HD_LOG")
kill -KILL "$rp"
wait_for "$(secs 5)" dead "$rp"
http st body "$META/healthz"
is "$st" 503 "with Redis dead, healthz answers 503"
like "$body" '"status":"unavailable".*"redis":\{"status":"down"' "with a JSON reason"
restarted() { sed -n '/died pid=/,$p' "$HD_LOG" | grep -q "embedded redis-server ready pid="; }
check "hearthd restarts the redis-server" wait_for "$(secs 10)" restarted
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$META/healthz")" = 200 ]; }
check "healthz recovers to 200 by itself" wait_for "$(secs 10)" healthy
like "$(grep 'died pid=' "$HD_LOG")" "signal=9" "the death is logged with its cause"
is "$(redis-cli -s "$sock" get hearth:test:killed)" survived "data is still there after the server's restart"

stop_hearthd TERM
is "$HD_STATUS" 0 "and hearthd still stops cleanly"
rp=$(embedded_redis_pid "$HD_LOG")
check "leaving no redis-server behind" wait_for "$(secs 5)" dead "$rp"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"

done_testing
