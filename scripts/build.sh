#!/usr/bin/env bash
# Configure and build Hearth out of tree in _build/<flavour>.
#   scripts/build.sh [default|sanitizers|valgrind]
# Prints the build directory on the last line of its output.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-default}
case $flavour in
default) flags=() ;;
sanitizers) flags=(--enable-sanitizers) ;;
valgrind) flags=(--enable-valgrind) ;;
*) echo "build.sh: unknown flavour $flavour" >&2; exit 2 ;;
esac
[ "${CI:-}" = true ] && flags+=(--enable-werror)

say() { printf '\033[1m[build]\033[0m %s\n' "$*" >&2; }
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	say "autoreconf"
	autoreconf -fi >&2
fi
dir=$top/_build/$flavour
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	say "configure ${flags[*]:-(defaults)} in _build/$flavour"
	"$top/configure" "${flags[@]}" >configure.out 2>&1 || { cat configure.out >&2; exit 1; }
fi
say "make -j$(nproc)"
make -s -j"$(nproc)" >&2
echo "$dir"
