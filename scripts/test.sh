#!/usr/bin/env bash
# Quick start, command 2: install what is needed, build, run every test.
#   scripts/test.sh              ASan+UBSan build (what CI runs)
#   scripts/test.sh --valgrind   every test's programs under valgrind
#   scripts/test.sh --plain      no instrumentation
# Ends with "N passed, N failed"; exits non-zero when anything failed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
flavour=sanitizers
case ${1:-} in
--valgrind) flavour=valgrind ;;
--plain) flavour=default ;;
"") ;;
*) echo "usage: scripts/test.sh [--valgrind|--plain]" >&2; exit 2 ;;
esac

"$top/scripts/setup.sh"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	printf '\033[1m[test]\033[0m clang-format check\n'
	(cd "$top" && git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror) ||
		{ echo "tests: 0 passed, 1 failed (formatting: run clang-format -i on the files above)"; exit 1; }
fi
dir=$("$top/scripts/build.sh" "$flavour" | tail -n 1)
printf '\033[1m[test]\033[0m make check (%s)\n' "$flavour"
cd "$dir"
rc=0
make -j"$(nproc)" check || rc=$?
# The plain summary line, from the TAP results of every test program.
pass=$(cat $(find . -name '*.trs') 2>/dev/null | grep -c '^:test-result: \(PASS\|XFAIL\)' || true)
fail=$(cat $(find . -name '*.trs') 2>/dev/null | grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)' || true)
skip=$(cat $(find . -name '*.trs') 2>/dev/null | grep -c '^:test-result: SKIP' || true)
if [ "$rc" -ne 0 ]; then
	find . -name '*.log' ! -name test-suite.log ! -name config.log -newer Makefile \
		-exec grep -l '^not ok\|^Bail out' {} + 2>/dev/null | while read -r f; do
		echo "---- $f"; grep -B2 -A8 '^not ok\|^Bail out' "$f" | head -60
	done
	[ "$fail" -eq 0 ] && fail=1
fi
echo "tests: $pass passed, $fail failed, $skip skipped"
exit "$rc"
