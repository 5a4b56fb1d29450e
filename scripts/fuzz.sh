#!/usr/bin/env bash
# Fuzz every target with libFuzzer for a while (default 60 s each), starting
# from its seed corpus (and, for the template targets, every template of
# tests/data/templates).  New crashes land in _build/fuzz/crashes/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}; shift || true
"$top/scripts/setup.sh"
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (apt-get install clang)" >&2; exit 1; }
cd "$top"
[ -x configure ] || autoreconf -fi
mkdir -p _build/fuzz/crashes && cd _build/fuzz
[ -f Makefile ] || CC=clang "$top/configure" --enable-fuzzing >configure.out
make -s -j"$(nproc)" tests/fuzz/fuzz_config tests/fuzz/fuzz_paths tests/fuzz/fuzz_load tests/fuzz/fuzz_stack
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_config fuzz_paths fuzz_load fuzz_stack)
# The template corpus seeds the template targets too.
mkdir -p seeds
for d in "$top"/tests/data/templates/*/; do
	for f in "$d"template.yaml "$d"template.json "$d"files/*; do
		[ -f "$f" ] && cp "$f" "seeds/$(basename "$d")-$(basename "$f")"
	done
done
for t in "${targets[@]}"; do
	mkdir -p "corpus/$t"
	extra=()
	case $t in fuzz_load|fuzz_stack) extra=(seeds) ;; esac
	echo "== $t for ${secs}s"
	"tests/fuzz/$t" -max_total_time="$secs" -artifact_prefix=crashes/ "corpus/$t" \
		"$top/tests/fuzz/corpus/$t" "${extra[@]}"
done
