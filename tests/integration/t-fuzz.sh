#!/bin/bash
# The fuzz harnesses (tests/fuzz/, libFuzzer with ASan and UBSan), a bounded run each: the
# metadata, the format files, a CPU's stream, the merged order and a trace.dat file, from seeds
# made of real recordings, with a fixed seed; first every crash found before
# (tests/fuzz/regress/). 10 s each: the five take what four took at 12.
# Any crash, leak, hang or sanitizer report fails. make fuzz runs them for an hour each.
. "$(dirname "$0")/lib.sh"

for h in meta formats stream order tracedat; do
	[ -x "$XT_TOP/build/fuzz/fuzz-$h" ] ||
		fail "$XT_TOP/build/fuzz/fuzz-$h is not built (make check builds it)"
done
need_gen
FUZZ_SECONDS=${FUZZ_SECONDS:-10} "$XT_TOP/tests/fuzz/run.sh" "$T/corpus" > run.txt 2>&1
rc=$?
cat run.txt
[ $rc = 0 ] || fail "a harness failed (inputs and logs in $T/corpus/artifacts)"
[ "$(grep -c '^ok fuzz-' run.txt)" = 5 ] || fail "not every harness ran"
ok "5 harnesses, their regression inputs and ${FUZZ_SECONDS:-10} s of fuzzing each"
