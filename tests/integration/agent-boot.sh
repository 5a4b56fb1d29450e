#!/usr/bin/env bash
# hearth-agent boot against a real HTTP server (python3 -m http.server)
# serving the fixture metadata trees of tests/data/agent: keys, host name,
# instance data, shell-script, #cloud-config and gzip'd multipart user_data,
# the EC2 fallback, once-per-instance runs, --bind, an unreachable service,
# and a run as an unprivileged user.
. "$(dirname "$0")/../lib.sh"

D=$S/tests/data/agent
UUID=5d4b5a0e-8f3c-4a7e-9a57-2c1f0b3d9e11
KEY='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHearthTestKeyOne test@hearth'
# Guests run by the local driver are unprivileged: the test's temporary
# directory must be traversable by nobody (and valgrind's temporary files
# go to the guest's own root, which it can write).
chmod 755 "$T"

# start_server NAME DIR: http.server on a free loopback port; sets URL and
# SRV_LOG (its request log: one line per request, client address first).
start_server() {
	local port
	port=$(free_port)
	SRV_LOG=$T/$1-http.log
	python3 -u -m http.server --bind 127.0.0.1 "$port" --directory "$2" >"$SRV_LOG" 2>&1 &
	_pids+=($!)
	URL=http://127.0.0.1:$port
	wait_for "$(secs 10)" curl -sf -o /dev/null "$URL/"
}

# boot NAME [ARGS...]: hearth-agent boot with root $T/NAME; sets RC, OUT
# (stderr and stdout) and R (the root).
boot() {
	local name=$1
	shift
	R=$T/$name
	$WRAP "$B/hearth-agent" boot --metadata-url "$URL" --root "$R" --timeout "$(secs 10)" \
		"$@" >"$T/$name.out" 2>&1
	RC=$?
	OUT=$(cat "$T/$name.out")
	no_tool_reports "$T/$name.out" || { diag "tool report in $T/$name.out"; ok 1 "no sanitizer report ($name)"; }
}

mode() { stat -c %a "$1" 2>/dev/null; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# A copy of the OpenStack tree whose user_data the cases swap.
cp -r "$D/openstack" "$T/srv"
UD=$T/srv/openstack/2018-08-27/user_data
start_server os "$T/srv" || { ok 1 "http.server started"; done_testing; exit; }

# ------------------------------------------------- shell script, --bind
cp "$D/user-data/script.sh" "$UD"
before=$(lines "$SRV_LOG")
boot r1 --bind 127.0.0.7
is "$RC" 0 "boot exits 0"
is "$(cat "$R/etc/hostname" 2>/dev/null)" vm1 "the host name (short form of meta_data's hostname) is in ROOT/etc/hostname"
is "$(cat "$R/home/hearth/.ssh/authorized_keys" 2>/dev/null)" "$KEY" "the instance's key is in the default user's authorized_keys"
is "$(mode "$R/home/hearth/.ssh")/$(mode "$R/home/hearth/.ssh/authorized_keys")" 700/600 "~/.ssh is 0700, authorized_keys 0600"
like "$(cat "$R/script-ran" 2>/dev/null)" "^script ran as [a-z]+ in $R home=$R id=$UUID\$" \
	"the user_data script ran, in ROOT, with HOME and the instance id"
log=$(cat "$R/var/log/hearth-agent.log" 2>/dev/null)
like "$log" 'script output for the log' "its output is in ROOT/var/log/hearth-agent.log"
like "$log" 'user_data part 1: exit status 0' "and its exit status"
like "$OUT" 'user_data part 1: exit status 0' "the log also goes to the console (stderr)"
cmp -s "$UD" "$R/var/lib/hearth-agent/instance/user_data"
ok $? "user_data is kept in the state directory"
is "$(mode "$R/var/lib/hearth-agent/instance/user_data")/$(mode "$R/var/lib/hearth-agent/instance/meta_data.json")/$(mode "$R/var/lib/hearth-agent/instance/network_data.json")" \
	600/600/600 "instance data (meta_data, network_data, user_data) is 0600"
like "$(cat "$R/var/lib/hearth-agent/boot-finished" 2>/dev/null)" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z $UUID\$" \
	"boot-finished holds a timestamp and the instance uuid"
reqs=$(tail -n +"$((before + 1))" "$SRV_LOG" | grep '"GET ')
like "$reqs" '"GET /openstack/2018-08-27/meta_data.json' "the newest version the agent knows from the listing is read (not 2099-01-01)"
like "$reqs" '"GET /openstack/2018-08-27/network_data.json' "network_data.json is fetched"
is "$(printf '%s\n' "$reqs" | grep -vc '^127\.0\.0\.7 ')" 0 "--bind 127.0.0.7: every request came from 127.0.0.7"
check "--bind 127.0.0.7: and there were requests" test "$(printf '%s\n' "$reqs" | grep -c '^127\.0\.0\.7 ')" -ge 4

# --------------------------------------------------------- run once
boot r1
is "$RC" 0 "second boot exits 0"
is "$(lines "$R/script-ran")" 1 "second boot of the same instance does not run the script again"
like "$OUT" "instance $UUID has booted before" "and says why"
is "$(lines "$R/home/hearth/.ssh/authorized_keys")" 1 "keys are not duplicated"
boot r1 --force
is "$(lines "$R/script-ran")" 2 "--force runs it again"

# ------------------------------------------------------- cloud-config
cp "$D/user-data/cloud-config.yaml" "$UD"
boot r3
is "$RC" 0 "cloud-config: boot exits 0 although a runcmd entry failed"
is "$(cat "$R/etc/hostname" 2>/dev/null)" cc-host "hostname: from cloud-config wins over the metadata"
is "$(cat "$R/etc/motd" 2>/dev/null)" "hello from cloud-config
appended line" "write_files: content, then append"
is "$(cat "$R/opt/data/b64.txt" 2>/dev/null)" "hello base64" "write_files: encoding b64"
is "$(cat "$R/opt/data/gz.txt" 2>/dev/null)" "hello gzip" "write_files: encoding gz+b64"
is "$(mode "$R/opt/data/gz.txt")" 600 "write_files: permissions (unquoted YAML octal)"
is "$(cat "$R/opt/deferred.txt" 2>/dev/null)" "written last" "write_files: defer"
check "write_files: a path with .. is refused" test ! -e "$T/escape.txt"
like "$OUT" 'escape.txt" has a ".." component' "and logged"
is "$(cat "$R/home/hearth/.ssh/authorized_keys" 2>/dev/null)" "$KEY
ssh-rsa AAAAB3NzaC1yc2EAAAADAQABCloudConfigKey cc@hearth" "ssh_authorized_keys go to the default user, after the instance's"
is "$(cat "$R/home/alice/.ssh/authorized_keys" 2>/dev/null)" "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAliceKey alice@hearth" \
	"users: a named user's ssh_authorized_keys"
is "$(cat "$R/runcmd-1" "$R/runcmd-2" "$R/runcmd-3" 2>/dev/null)" "runcmd-string
runcmd-list
after a failure" "runcmd: strings through sh -c, lists as argv, a failure does not stop the rest"
like "$OUT" 'runcmd\[2\]: exit status 1' "the failure is logged"
like "$OUT" 'key "package_upgrade" is not supported: ignored' "unsupported keys are logged"
is "$(lines "$R/bootcmd.log")" 1 "bootcmd ran"
rm -f "$R/runcmd-1"
boot r3
is "$(lines "$R/bootcmd.log")" 2 "bootcmd runs at every boot"
check "runcmd runs once per instance" test ! -e "$R/runcmd-1"

# -------------------------------------------------- gzip'd multipart
gzip -c "$D/user-data/multipart.txt" >"$UD"
boot r4
is "$RC" 0 "multipart+gzip: boot exits 0 although a part failed"
is "$(cat "$R/mp-script" 2>/dev/null)" "shell part ran" "the base64 shell-script part ran"
is "$(cat "$R/etc/from-multipart" 2>/dev/null)" "cloud-config part" "the cloud-config part's write_files"
is "$(cat "$R/mp-runcmd" 2>/dev/null)" "runcmd from multipart" "and its runcmd"
like "$OUT" 'user_data part 1: exit status 7' "the failing part's status is logged"
like "$(cat "$R/var/log/hearth-agent.log")" 'this part fails' "with its output"
like "$OUT" 'text/x-include-url\): refused' "an include part is refused"
like "$OUT" 'application/octet-stream\): unhandled type: skipped' "an unknown part is skipped"

# ---------------------------------------------------------- EC2 tree
start_server ec2 "$D/ec2" || ok 1 "http.server started (ec2)"
boot r5
is "$RC" 0 "EC2 fallback: boot exits 0"
like "$OUT" 'EC2 tree; /openstack gave 404' "when /openstack is 404 the EC2 tree is read"
is "$(cat "$R/etc/hostname" 2>/dev/null)" ec2vm "host name from local-hostname"
is "$(cat "$R/home/hearth/.ssh/authorized_keys" 2>/dev/null)" "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABHearthEc2Key ec2@hearth" "key from public-keys/0/openssh-key"
is "$(cat "$R/ec2-ran" 2>/dev/null)" "ec2 user-data ran" "user-data ran"
like "$(cat "$R/var/lib/hearth-agent/boot-finished" 2>/dev/null)" ' i-0000002a$' "the instance id is the EC2 instance-id"

# ------------------------------------------------------- unreachable
URL=http://127.0.0.1:$(free_port)
start=$(date +%s)
$WRAP "$B/hearth-agent" boot --metadata-url "$URL" --root "$T/r6" --timeout 2 >"$T/r6.out" 2>&1
RC=$?
took=$(($(date +%s) - start))
is "$RC" 1 "unreachable metadata service: exit 1"
check "within the timeout (took ${took}s for --timeout 2)" test "$took" -le $((2 + $(secs 3)))
like "$(cat "$T/r6.out")" 'did not answer in 2 s' "saying so"
check "no boot-finished marker" test ! -e "$T/r6/var/lib/hearth-agent/boot-finished"

# ------------------------------------------------- broken metadata
mkdir -p "$T/bad" && cp -r "$D/openstack/openstack" "$T/bad/"
printf '{"hostname": "no-uuid"}' >"$T/bad/openstack/2018-08-27/meta_data.json"
start_server bad "$T/bad" || ok 1 "http.server started (bad)"
boot r9
is "$RC" 1 "meta_data.json without a uuid: exit 1"
like "$OUT" 'no "uuid" string' "saying so"
check "nothing written but the log" test ! -e "$T/r9/etc/hostname" -a ! -e "$T/r9/var/lib/hearth-agent/boot-finished"

# ------------------------------------------------------- unprivileged
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	cp "$D/user-data/script.sh" "$UD"
	URL=$(sed -n 's/^Serving HTTP on [0-9.]* port \([0-9]*\).*/http:\/\/127.0.0.1:\1/p' "$T/os-http.log")
	mkdir -p "$T/r7" && chown nobody "$T/r7"
	TMPDIR=$T/r7 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		$WRAP "$B/hearth-agent" boot --metadata-url "$URL" --root "$T/r7" --bind 127.0.0.8 \
		--timeout "$(secs 10)" >"$T/r7.out" 2>&1
	RC=$?
	R=$T/r7
	is "$RC" 0 "as nobody: boot exits 0"
	like "$(cat "$R/script-ran" 2>/dev/null)" '^script ran as nobody ' "as nobody: the script ran as nobody"
	is "$(cat "$R/etc/hostname" 2>/dev/null)" vm1 "as nobody: ROOT/etc/hostname written"
	is "$(cat "$R/home/hearth/.ssh/authorized_keys" 2>/dev/null)" "$KEY" "as nobody: keys installed"
	is "$(stat -c %U "$R/var/lib/hearth-agent/instance/user_data" 2>/dev/null)" nobody "as nobody: files belong to nobody"
	check "as nobody: no sanitizer report" no_tool_reports "$T/r7.out"

	# As the local driver runs a guest: a uid of its own with no passwd
	# entry, everything from the environment.
	mkdir -p "$T/r8" && chown 54321:54321 "$T/r8"
	(cd "$T/r8" && TMPDIR=$T/r8 HEARTH_METADATA_URL=$URL HEARTH_BIND=127.0.0.9 HEARTH_ROOT=$T/r8 \
		setpriv --reuid=54321 --regid=54321 --clear-groups $WRAP "$B/hearth-agent" boot \
		--timeout "$(secs 10)" >"$T/r8.out" 2>&1)
	is "$?" 0 "as a uid without a name, configured by the environment: boot exits 0"
	like "$(cat "$T/r8/script-ran" 2>/dev/null)" "home=$T/r8 id=$UUID\$" "and the script ran"
	like "$(tail -n 4 "$T/os-http.log" | cut -d' ' -f1 | sort -u)" '^127\.0\.0\.9$' "HEARTH_BIND is used"
else
	for d in "boot exits 0" "script ran" "hostname" "keys" "files" "no report" "uid: boot" "uid: script" "uid: bind"; do
		_n=$((_n + 1))
		echo "ok $_n # SKIP not root: as nobody: $d"
	done
fi

# -------------------------------------------------------------- usage
out=$($WRAP "$B/hearth-agent" boot --timeout 0 2>&1)
is "$?" 2 "boot --timeout 0 is a usage error"
out=$($WRAP "$B/hearth-agent" boot --user 'a/b' 2>&1)
is "$?" 2 "boot --user with a slash is a usage error"
like "$($WRAP "$B/hearth-agent" --help)" '--metadata-url URL' "--help describes boot"

done_testing
