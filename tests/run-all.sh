#!/bin/bash
# Run every test: the CUnit unit tests, then each integration script.
# Prints one line per test and a closing "N passed, N failed" line.
# XTRACE_VALGRIND=1 runs the unit tests and the programs under valgrind.
# Usage: tests/run-all.sh [PATTERN]   (only integration scripts matching PATTERN)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export XT_TOP=$top XT_BIN=$top/bin XT_OUT=$top/tests/out
rm -rf "$XT_OUT"
mkdir -p "$XT_OUT"
passed=0 failed=0 skipped=0 failures=()

if [ -z "${1:-}" ]; then
	for unit in build/tests/unit/*-unit; do
		[ -x "$unit" ] || continue
		uname=$(basename "$unit" -unit)
		ulog=$XT_OUT/unit-$uname.log
		if [ "${XTRACE_VALGRIND:-0}" = 1 ]; then
			valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
				$unit > "$ulog" 2>&1
		else
			$unit > "$ulog" 2>&1
		fi
		rc=$?
		sed -n '/Run Summary/,$p' "$ulog"
		if [ $rc = 0 ]; then
			echo "PASS unit $uname (CUnit)"; passed=$((passed + 1))
		else
			echo "FAIL unit $uname (CUnit): see $ulog"
			grep -E 'FAILED|Test:.*\.\.\.failed' -A3 "$ulog" | head -40
			failed=$((failed + 1)); failures+=("unit-$uname")
		fi
	done
fi

if [ -z "${1:-}" ]; then
	# CODING_STYLE's checkable rules over the production code
	if python3 scripts/style-check.py > "$XT_OUT/style.log" 2>&1; then
		echo "PASS style (scripts/style-check.py)"; passed=$((passed + 1))
	else
		echo "FAIL style: $(wc -l < "$XT_OUT/style.log") places"; head -20 "$XT_OUT/style.log"
		failed=$((failed + 1)); failures+=("style")
	fi
	# the CLI tier: every program's usage, exit codes and messages, without root
	if tests/cli/run.sh > "$XT_OUT/cli.log" 2>&1; then
		echo "PASS $(tail -n 1 "$XT_OUT/cli.log")"; passed=$((passed + 1))
	else
		echo "FAIL cli: see $XT_OUT/cli.log"; grep -A12 '^FAIL' "$XT_OUT/cli.log" | head -40
		failed=$((failed + 1)); failures+=("cli")
	fi
fi

for t in tests/integration/t-*.sh; do
	name=$(basename "$t" .sh)
	[ -n "${1:-}" ] && [[ $name != *$1* ]] && continue
	log=$XT_OUT/$name.log
	start=$(date +%s%N)
	bash "$t" > "$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	case $rc in
	0) echo "PASS $name (${secs}s)"; passed=$((passed + 1)) ;;
	77) echo "SKIP $name: $(tail -n 1 "$log")"; skipped=$((skipped + 1)) ;;
	*) echo "FAIL $name (${secs}s): see $log"; tail -n 15 "$log" | sed 's/^/    /'
	   failed=$((failed + 1)); failures+=("$name") ;;
	esac
done

left=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep '^xtrace-' || true)
if [ -n "$left" ]; then
	echo "FAIL leftover tracefs instances: $left"
	failed=$((failed + 1))
fi
echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
