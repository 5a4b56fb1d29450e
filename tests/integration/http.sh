#!/usr/bin/env bash
# The HTTP layer with real curl: JSON errors, HEAD, body limits,
# keep-alive, many concurrent connections, and /metrics counting it all.
. "$(dirname "$0")/../lib.sh"

start_hearthd a --set http.max_body=64K --set http.threads=2
ok $? "hearthd starts"

http st body "$API/no/such/path"
is "$st" 404 "unknown path: 404"
like "$body" '^\{"code":404,"title":"Not Found",.*"error":\{"type":"NotFound","message":"no such resource: /no/such/path"' \
	"as a Heat-shaped JSON error"

http st body "$API/%ff%fe/x"
is "$st" 404 "a path that is not UTF-8: still 404, not 500"
like "$body" '"message":"no such resource: /\?\?/x"' "with the bad bytes replaced in the JSON message"

hdrs=$(curl -s -D - -o /dev/null -X DELETE "$API/healthz")
like "$hdrs" '^HTTP/1.1 405' "wrong method: 405"
like "$hdrs" $'Allow: GET\r' "with an Allow header"

hdrs=$(curl -s -I "$META/healthz")
like "$hdrs" '^HTTP/1.1 200' "HEAD /healthz: 200"
like "$hdrs" 'Content-Length: [1-9][0-9]*' "with the GET's Content-Length"
like "$hdrs" 'Content-Type: application/json' "and its Content-Type"
is "$(curl -s -I "$META/healthz" -o /dev/null -w '%{size_download}')" 0 "and no body"

head -c 70000 /dev/zero > "$T/big"
http st body -X POST --data-binary @"$T/big" "$SIG/healthz"
is "$st" 413 "a body over http.max_body: 413"
like "$body" '"type":"RequestEntityTooLarge","message":"request body larger than 65536 bytes"' "saying the limit"
http st body -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$SIG/healthz"
is "$st" 413 "a chunked body over the limit: 413 too"
head -c 1000 /dev/zero > "$T/small"
http st body -X POST --data-binary @"$T/small" "$SIG/healthz"
is "$st" 405 "a body under the limit reaches routing"

out=$(curl -sv "$API/healthz" "$API/healthz" 2>&1 >/dev/null)
like "$out" 'Re-using existing connection' "keep-alive: two requests share one connection"
unlike "$out" '< Connection: close' "and the server does not close it"

# Many concurrent connections at once (a boot storm), all answered.
n=300
for i in $(seq 1 $n); do echo "url = \"$META/healthz\""; echo "output = \"/dev/null\""; done > "$T/many.cfg"
codes=$(curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max $n -K "$T/many.cfg" -w '%{http_code}\n')
is "$(printf '%s\n' "$codes" | grep -c '^200$')" $n "$n concurrent connections all answered 200"

m=$(curl -s "$ENG/metrics")
like "$m" "hearth_http_requests_total\{role=\"metadata\",route=\"/healthz\",status=\"200\"\} $((n + 2))\b" \
	"metrics count requests per role, route and status"
like "$m" 'hearth_http_requests_total\{role="api",route="not-found",status="404"\} 2' "404s are counted under one route"
like "$m" 'hearth_http_requests_total\{role="signal",route="too-large",status="413"\} 2' "and 413s"
like "$m" 'hearth_http_request_duration_seconds_bucket\{role="metadata",route="/healthz",status="200",le="\+Inf"\} [0-9]+' \
	"latency histograms per route and status"
like "$m" 'hearth_redis_command_duration_seconds_count [1-9]' "Redis round trips are measured"
like "$m" 'hearth_engine_queue_depth 0' "the engine's queue depth is shown"
like "$m" '# TYPE hearth_http_requests_total counter' "in Prometheus text format"
like "$(curl -s -D - -o /dev/null "$ENG/metrics")" 'Content-Type: text/plain; version=0.0.4' "with its content type"

stop_hearthd TERM
is "$HD_STATUS" 0 "hearthd stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"
done_testing
