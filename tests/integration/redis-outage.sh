#!/usr/bin/env bash
# A shared Redis (redis.url) that goes away and comes back: every role
# answers 503 with a JSON error meanwhile and recovers by itself; the
# password is never shown.
. "$(dirname "$0")/../lib.sh"

port=$(free_port)
REDIS_AUTH=(-a s3cret-pw --no-auth-warning)
start_redis r "$port" --requirepass s3cret-pw
ok $? "a password-protected redis-server runs on 127.0.0.1:$port"

out=$($WRAP "$B/hearthd" --state-dir "$T/wrongpw" --set "redis.url=tcp://127.0.0.1:$port" \
	--set redis.password=not-it 2>&1); rc=$?
is "$rc" 1 "a wrong password stops hearthd at start"
like "$out" "cannot reach Redis at tcp://127.0.0.1:$port: redis AUTH: WRONGPASS" "with Redis's reason"
unlike "$out" 'not-it' "without echoing the password"

start_hearthd a --set "redis.url=tcp://:s3cret-pw@127.0.0.1:$port/2" --set log.level=debug
ok $? "hearthd connects to it with the URL's password"
unlike "$(cat "$HD_LOG")" 's3cret-pw' "the password is not in the log"
http st body "$API/healthz"
is "$st" 200 "healthz 200"
like "$body" "\"url\":\"tcp://:\*\*\*@127.0.0.1:$port/2\"" "healthz shows the URL with the password masked"
# A job in database 0, which hearthd must not see, and one in database 2
# for a stack that does not exist, which the engine takes and drops.
redis-cli -p "$port" "${REDIS_AUTH[@]}" -n 0 xadd hearth:jobs '*' op create stack none >/dev/null
redis-cli -p "$port" "${REDIS_AUTH[@]}" -n 2 xadd hearth:jobs '*' op create stack none >/dev/null
queue_empty() { [ "$(redis-cli -p "$port" "${REDIS_AUTH[@]}" -n 2 xlen hearth:jobs)" = 0 ]; }
check "the engine takes its jobs from database 2" wait_for "$(secs 10)" queue_empty
like "$(curl -s "$ENG/metrics")" 'hearth_engine_queue_depth 0' "metrics read the queue in database 2, not 0's"
is "$(redis-cli -p "$port" "${REDIS_AUTH[@]}" -n 0 xlen hearth:jobs)" 1 "database 0's job is untouched"

kill -TERM "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
# healthz shares one Redis verdict per process, refreshed every 200 ms.
status_is() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$2/healthz")" = "$1" ]; }
check "Redis down: healthz turns 503 within a second" wait_for "$(secs 1)" status_is 503 "$API"
for url in "$API" "$META" "$SIG" "$ENG"; do
	http st body "$url/healthz"
	is "$st" 503 "Redis down: $url/healthz answers 503"
done
like "$body" '"redis":\{"status":"down".*"error":"redis' "with a JSON error saying why"
unlike "$body" 's3cret-pw' "without the password"
like "$(curl -s "$API/metrics")" 'hearth_redis_up 0' "metrics still answer, with hearth_redis_up 0"
check "hearthd stays up" alive "$HD_PID"

start_redis r "$port" --requirepass s3cret-pw
check "Redis back: the API recovers by itself" wait_for "$(secs 10)" status_is 200 "$API"
check "and so does every role" wait_for "$(secs 10)" eval 'status_is 200 "$META" && status_is 200 "$SIG" && status_is 200 "$ENG"'
like "$(grep -c 'redis reachable' "$HD_LOG")" '^[1-9]' "the recovery is logged"
like "$(curl -s "$API/metrics")" 'hearth_redis_up 1' "metrics show Redis up again"
unlike "$(cat "$HD_LOG")" 's3cret-pw' "the password never reached the log"

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
