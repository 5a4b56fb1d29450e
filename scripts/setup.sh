#!/usr/bin/env bash
# Install every Debian package Hearth needs to build, run and test.
# Idempotent and non-interactive; works as root or through sudo.
#
#   scripts/setup.sh            build + run + test dependencies
#   scripts/setup.sh --runtime  only what hearthd needs to run
set -euo pipefail

build_pkgs=(build-essential autoconf automake libtool pkg-config
	libmicrohttpd-dev libjansson-dev libyaml-dev libhiredis-dev
	libsodium-dev libcurl4-openssl-dev libpcre2-dev zlib1g-dev)
run_pkgs=(redis-server curl ca-certificates)
# Real clients the test suite drives, and the tools it uses around them.
test_pkgs=(cloud-init python3-os-collect-config heat-cfntools
	python3-heatclient python3-openstackclient
	valgrind iproute2 procps util-linux psmisc nginx-light wrk clang-format python3)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
[ "${1:-}" = "--runtime" ] && want=("${run_pkgs[@]}") || want+=("${test_pkgs[@]}")

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { say "not root and no sudo: cannot install packages"; exit 1; }
	SUDO=sudo
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#want[@]} packages already installed"
	exit 0
fi

say "installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start services on this machine (redis, nginx):
# Hearth starts the servers it needs itself.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	own_policy=1
fi
trap '[ -n "$own_policy" ] && $SUDO rm -f "$policy"' EXIT

apt_get() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; }
if ! apt_get install --no-install-recommends "${missing[@]}"; then
	say "install failed; refreshing the package lists and trying again"
	apt_get update
	apt_get install --no-install-recommends "${missing[@]}"
fi
say "done"
