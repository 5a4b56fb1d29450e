# Shared helpers of the integration tests: TAP output, a private temporary
# directory, and starting and stopping real hearthd and redis-server
# processes on loopback.  Source it; every process started here is killed
# when the test exits.
#
# Environment (set by `make check`): HEARTH_TEST_BUILDDIR, HEARTH_TEST_SRCDIR,
# HEARTH_TEST_WRAP (a valgrind command line, or empty), HEARTH_TEST_SLOW (a
# factor for every timeout; 10 under valgrind).

set -u
B=${HEARTH_TEST_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
S=${HEARTH_TEST_SRCDIR:-$B}
WRAP=${HEARTH_TEST_WRAP:-}
SLOW=${HEARTH_TEST_SLOW:-1}
[ -n "$WRAP" ] && [ "$SLOW" = 1 ] && SLOW=10
T=$(mktemp -d /tmp/hearth-test.XXXXXX)
chmod 711 "$T" # local guests (other users) pass through to their work directories
export TMPDIR=$T
_n=0
_failed=0
_pids=()
# Local guests of this test: its own loopback addresses and user ids, so
# that tests running side by side never share (or stop) each other's.
GUEST_POOL=127.$((20 + $$ % 200)).$(($$ / 200 % 250)).0/24
GUEST_UID=$((1000000 + $$ % 100000 * 300))

# The processes of this test's guests (user ids GUEST_UID..+255).
guest_pids() {
	ps -eo pid=,uid= | awk -v lo="$GUEST_UID" -v hi=$((GUEST_UID + 256)) '$2 >= lo && $2 < hi {print $1}'
}

cleanup() {
	local p
	for p in "${_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	# guests outlive a killed hearthd by design: not a test's
	for p in $(guest_pids); do kill -KILL "$p" 2>/dev/null; done
	# A test that failed keeps its directory for a look.
	if [ "$_failed" -eq 0 ]; then rm -rf "$T"; else echo "# left $T for inspection"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------- TAP
ok() { # ok CONDITION-STATUS DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
like() { # like TEXT EXTENDED-REGEX DESCRIPTION
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   '$(printf '%s' "$1" | head -c 600)'"; echo "#   does not match /$2/"; fi
}
unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok 1 "$3"; echo "#   matches /$2/"; else ok 0 "$3"; fi
}
done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
diag() { echo "# $*"; }

# Seconds scaled for slow runs.
secs() { echo $(($1 * SLOW)); }

# wait_for SECONDS COMMAND...: retries every 50 ms until COMMAND succeeds.
wait_for() {
	local deadline=$(($(date +%s) + $1)); shift
	until "$@" 2>/dev/null; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }

# ---------------------------------------------------------------- hearthd
# start_hearthd NAME [ARGS...]: starts hearthd with every role on a free
# port; sets HD_PID, API, META, SIG, ENG (base URLs) and HD_LOG.  Waits for
# "hearthd ready".  Returns non-zero if it exits or never gets ready.
start_hearthd() {
	local name=$1; shift
	HD_LOG=$T/$name.log
	HD_STATE=${HD_STATE:-$T/$name-state}
	$WRAP "$B/hearthd" --state-dir "$HD_STATE" \
		--set api.listen=127.0.0.1:0 --set metadata.listen=127.0.0.1:0 \
		--set signal.listen=127.0.0.1:0 --set engine.listen=127.0.0.1:0 \
		--set compute.address_pool="$GUEST_POOL" --set compute.uid_base="$GUEST_UID" \
		--set compute.boot_command="$B/hearth-agent boot" \
		"$@" >"$HD_LOG" 2>&1 &
	HD_PID=$!
	_pids+=("$HD_PID")
	if ! wait_for "$(secs 15)" grep -q "hearthd ready" "$HD_LOG"; then
		diag "hearthd did not get ready; its log:"; sed 's/^/#   /' "$HD_LOG"
		return 1
	fi
	API=http://$(sed -n 's/.*listening role=api addr=\([^ ]*\).*/\1/p' "$HD_LOG")
	META=http://$(sed -n 's/.*listening role=metadata addr=\([^ ]*\).*/\1/p' "$HD_LOG")
	SIG=http://$(sed -n 's/.*listening role=signal addr=\([^ ]*\).*/\1/p' "$HD_LOG")
	ENG=http://$(sed -n 's/.*listening role=engine addr=\([^ ]*\).*/\1/p' "$HD_LOG")
}

# issue_token PROJECT: a member token of PROJECT, issued with the admin
# token of the hearthd in $HD_STATE.
issue_token() {
	curl -s -X POST -H "X-Auth-Token: $(cat "$HD_STATE/admin-token")" -d "{\"project\": \"$1\"}" \
		"$API/v1/admin/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# Sanitizer or valgrind reports in a log.
no_tool_reports() {
	! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$1"
}

# stop_hearthd [SIGNAL]: signals hearthd and waits; sets HD_STATUS.
stop_hearthd() {
	kill -"${1:-TERM}" "$HD_PID" 2>/dev/null
	wait "$HD_PID" 2>/dev/null
	HD_STATUS=$?
}

# The embedded redis-server of a hearthd, from its log.
embedded_redis_pid() {
	sed -n 's/.*embedded redis-server ready pid=\([0-9]*\).*/\1/p' "$1" | tail -n 1
}

# ------------------------------------------------------------------ redis
# start_redis NAME PORT [ARGS...]: a plain redis-server on 127.0.0.1:PORT.
start_redis() {
	local name=$1 port=$2; shift 2
	mkdir -p "$T/$name"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$T/$name" --save '' \
		--appendonly no --daemonize no --logfile "$T/$name/redis.log" "$@" &
	REDIS_PID=$!
	_pids+=("$REDIS_PID")
	wait_for "$(secs 5)" redis-cli -p "$port" "${REDIS_AUTH[@]}" ping >/dev/null
}
REDIS_AUTH=()

# A TCP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# http STATUS-VAR BODY-VAR CURL-ARGS...: one request; the status code and
# body land in the named variables.
http() {
	local __s=$1 __b=$2 out; shift 2
	out=$(curl -sS --max-time "$(secs 10)" -w '\n%{http_code}' "$@" 2>&1)
	printf -v "$__s" '%s' "${out##*$'\n'}"
	printf -v "$__b" '%s' "${out%$'\n'*}"
}
