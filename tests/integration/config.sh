#!/usr/bin/env bash
# Configuration and start-up faults: each gives one clear error line and a
# non-zero exit, never a crash, and leaves no redis-server behind.
. "$(dirname "$0")/../lib.sh"

hd() { $WRAP "$B/hearthd" "$@"; }

out=$(hd --check-config 2>&1); rc=$?
is "$rc" 0 "defaults are a valid configuration"
like "$out" '^configuration ok$' "--check-config says so"

printf 'log:\n  level: loud\n' > "$T/bad.yaml"
out=$(hd -c "$T/bad.yaml" --check-config 2>&1); rc=$?
is "$rc" 1 "a bad value exits 1"
is "$out" "hearthd: $T/bad.yaml:2:10: log.level: expected one of debug|info|warn|error, got \"loud\"" \
	"one line naming file, line, column and key"

printf 'redis:\n  ulr: x\n' > "$T/typo.yaml"
out=$(HEARTH_CONFIG=$T/typo.yaml hd --check-config 2>&1); rc=$?
is "$rc" 1 "an unknown key in \$HEARTH_CONFIG exits 1"
like "$out" 'typo.yaml:2:3: unknown key "redis.ulr" \(did you mean "redis.url"\?\)' "and suggests the right key"

out=$(hd -c "$T/missing.yaml" 2>&1); rc=$?
is "$rc" 1 "a missing configuration file exits 1"
like "$out" "cannot read configuration $T/missing.yaml: No such file" "and says which file"

out=$(HEARTH_HTTP_THREADS=many hd --check-config 2>&1); rc=$?
is "$rc" 1 "a bad environment value exits 1"
like "$out" 'environment HEARTH_HTTP_THREADS: http.threads: expected an integer' "naming the variable"

out=$(HEARTH_LOG_LEVEL=debug hd --set log.level=warn --print-config 2>&1)
like "$out" 'level: warn  # command line' "flags win over the environment"
out=$(HEARTH_LOG_LEVEL=debug hd -c "$T/typo.yaml" --set redis.url=x --print-config 2>&1); rc=$?
is "$rc" 1 "the file is read even when flags follow"

out=$(hd --bogus 2>&1); rc=$?
is "$rc" 1 "an unknown flag exits 1"
like "$out" 'unknown option' "and says so"
out=$(hd --set nokey 2>&1); rc=$?
like "$out" 'needs KEY=VALUE' "--set without = is refused"

out=$(HEARTH_REDIS_PASSWORD=hunter2 hd --set redis.url=tcp://u:sekrit@h:1 --print-config 2>&1)
unlike "$out" 'hunter2|sekrit' "--print-config never shows secrets"
like "$out" 'password: "\(secret\)"' "but says a secret is set"
out=$(hd --set redis.password=hunter2 --set http.threads=x 2>&1)
unlike "$out" 'hunter2' "errors never show secrets"

out=$(hd --sample-config 2>&1)
like "$out" '  #max_body: 1M' "--sample-config lists every key commented out"

# Start-up faults.
touch "$T/afile"
out=$(hd --state-dir "$T/afile/state" 2>&1); rc=$?
is "$rc" 1 "an unusable state directory exits 1"
like "$out" "cannot create state directory $T/afile/state: Not a directory" "with the reason"

port=$(free_port)
out=$(hd --state-dir "$T/s1" --set redis.url=tcp://127.0.0.1:$port --set redis.connect_timeout=200ms 2>&1); rc=$?
is "$rc" 1 "an unreachable Redis exits 1"
like "$out" "cannot reach Redis at tcp://127.0.0.1:$port" "and names it"

python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)' > "$T/busy.port" &
_pids+=($!)
wait_for 5 test -s "$T/busy.port"
busy=$(cat "$T/busy.port")
out=$(hd --state-dir "$T/s2" --set api.listen=127.0.0.1:$busy 2>&1); rc=$?
is "$rc" 1 "a port in use exits 1"
like "$out" "cannot listen on 127.0.0.1:$busy: Address already in use" "and names the address"
rp=$(embedded_redis_pid <(printf '%s\n' "$out"))
check "the embedded redis-server it had started is gone" wait_for "$(secs 5)" dead "$rp"

long=$T/$(printf 'x%.0s' $(seq 1 100))
out=$(hd --state-dir "$long" 2>&1); rc=$?
is "$rc" 1 "a state directory too long for a Unix socket exits 1"
like "$out" "too long for a Unix socket path" "and explains why"

out=$(hd --set api.listen=127.0.0.1:9 --set signal.listen=127.0.0.1:9 --state-dir "$T/s3" 2>&1); rc=$?
is "$rc" 1 "two roles on one address exit 1"
like "$out" "signal.listen and api.listen are both 127.0.0.1:9|api.listen" "naming both keys"

# Without permission (as nobody) on the state directory's parent.
mkdir -m 0700 "$T/private"
if setpriv --reuid=65534 --regid=65534 --clear-groups "$B/hearthd" --version >/dev/null 2>&1; then
	out=$(TMPDIR=/tmp setpriv --reuid=65534 --regid=65534 --clear-groups $WRAP "$B/hearthd" \
		--state-dir "$T/private/state" 2>&1); rc=$?
	is "$rc" 1 "a state directory without permission exits 1"
	like "$out" "cannot create state directory $T/private/state: Permission denied" "with the reason"
else
	echo "ok $((_n += 1)) # SKIP the build directory is not readable by nobody"
fi

# --roles: only the chosen roles listen.
HD_STATE=$T/roles-state start_hearthd roles --roles metadata,signal
ok $? "hearthd starts with --roles metadata,signal"
like "$(grep -o 'listening role=[a-z]*' "$HD_LOG" | sort | tr '\n' ' ')" \
	'^listening role=metadata listening role=signal $' "only those two roles listen"
like "$(curl -s "$META/healthz")" '"role":"metadata","roles":"metadata,signal"' "healthz names the process's roles"
stop_hearthd
is "$HD_STATUS" 0 "and it stops cleanly"

start_hearthd first || true
out=$(hd --state-dir "$HD_STATE" --set api.listen=127.0.0.1:0 --set metadata.listen=127.0.0.1:0 \
	--set signal.listen=127.0.0.1:0 --set engine.listen=127.0.0.1:0 2>&1); rc=$?
is "$rc" 1 "a second hearthd on the same state directory exits 1"
like "$out" "another hearthd \(pid $HD_PID\) is using state directory" "naming the first one's pid"
curl -sf "$API/healthz" >/dev/null
ok $? "the first hearthd is unharmed"
stop_hearthd
is "$HD_STATUS" 0 "and stops cleanly"
check "no sanitizer or valgrind report" no_tool_reports "$HD_LOG"

done_testing
