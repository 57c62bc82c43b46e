#!/bin/bash
# Run the fuzz harnesses (make fuzz-build builds them into build/fuzz/; tests/fuzz/fuzz.h says
# what each one's input is):
#   tests/fuzz/run.sh CORPUS [HARNESS...]
# For each harness: its regression inputs (tests/fuzz/regress/HARNESS/, crashes found before)
# once, then libFuzzer for $FUZZ_SECONDS (default 12) with seed $FUZZ_SEED (default 1) on
# CORPUS/HARNESS, seeded from tests/data/kvm-svm and a bench/gen-recording recording
# (tests/fuzz/mkseeds.c). Any crash, leak, timeout or sanitizer report fails it: the input is
# kept as CORPUS/artifacts/HARNESS-crash-* (make it a regression input: copy it into
# tests/fuzz/regress/HARNESS/ under a name that says what it is, and fix the bug).
# Prints one line per harness (executions, executions per second); exits 1 if any failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${1:?usage: tests/fuzz/run.sh CORPUS [HARNESS...]}
shift
harnesses=${*:-meta formats stream order tracedat}
secs=${FUZZ_SECONDS:-12}
seed=${FUZZ_SEED:-1}
fuzz=$top/build/fuzz
gen=$top/build/bench/gen-recording
art=$corpus/artifacts
mkdir -p "$corpus" "$art"
corpus=$(cd "$corpus" && pwd)
art=$corpus/artifacts

for h in $harnesses; do
	[ -x "$fuzz/fuzz-$h" ] || { echo "fuzz: no $fuzz/fuzz-$h (make fuzz-build)" >&2; exit 1; }
done
[ -x "$top/build/tests/fuzz/mkseeds" ] || { echo "fuzz: mkseeds is not built" >&2; exit 1; }

# the seeds: small, made afresh from real recordings (a gen-recording needs tracefs' formats)
work=$(mktemp -d "${TMPDIR:-/tmp}/xt-fuzz-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
recs=$top/tests/data/kvm-svm
if [ -x "$gen" ] && "$gen" -q -o "$work/gen" -n fuzzgen -c 2 -e 3000 -s 7 \
	-t 1795000000000000000 2> /dev/null; then
	recs="$recs $work/gen"
fi
"$top/build/tests/fuzz/mkseeds" "$work/seeds" $recs > /dev/null || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=0
for h in $harnesses; do
	log=$art/$h.log
	if ls "$top/tests/fuzz/regress/$h"/* > /dev/null 2>&1; then
		if ! "$fuzz/fuzz-$h" "$top/tests/fuzz/regress/$h"/* \
			> "$art/$h-regress.log" 2>&1; then
			echo "FAIL fuzz-$h: a regression input fails again: see $art/$h-regress.log"
			grep -E "^Running:|ERROR|SUMMARY" "$art/$h-regress.log" | tail -4 | sed 's/^/    /'
			failed=1
			continue
		fi
	fi
	mkdir -p "$corpus/$h"
	cp -n "$work/seeds/$h"/* "$corpus/$h/" 2> /dev/null
	"$fuzz/fuzz-$h" -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/$h-" "$corpus/$h" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	if [ $rc = 0 ]; then
		n=$(ls "$corpus/$h" | wc -l)
		echo "ok fuzz-$h: ${runs:-?} runs in ${secs}s (${rate:-?}/s), $cov, corpus $n"
	else
		echo "FAIL fuzz-$h (exit $rc): see $log; the input: $(ls "$art/$h"-* 2> /dev/null |
			grep -v '\.log$' | tr '\n' ' ')"
		grep -E "ERROR|SUMMARY|runtime error|abort" "$log" | head -5 | sed 's/^/    /'
		failed=1
	fi
done
exit $failed
