#!/bin/bash
# The fuzz harnesses (tests/fuzz/, libFuzzer with ASan and UBSan), a bounded run each: the
# metadata, the format files, a CPU's stream and the merged order, from seeds made of real
# recordings, with a fixed seed; first every crash found before (tests/fuzz/regress/).
# Any crash, leak, hang or sanitizer report fails. make fuzz runs them for an hour each.
. "$(dirname "$0")/lib.sh"

for h in meta formats stream order; do
	[ -x "$XT_TOP/build/fuzz/fuzz-$h" ] ||
		fail "$XT_TOP/build/fuzz/fuzz-$h is not built (make check builds it)"
done
need_gen
FUZZ_SECONDS=${FUZZ_SECONDS:-12} "$XT_TOP/tests/fuzz/run.sh" "$T/corpus" > run.txt 2>&1
rc=$?
cat run.txt
[ $rc = 0 ] || fail "a harness failed (inputs and logs in $T/corpus/artifacts)"
[ "$(grep -c '^ok fuzz-' run.txt)" = 4 ] || fail "not every harness ran"
ok "4 harnesses, their regression inputs and ${FUZZ_SECONDS:-12} s of fuzzing each"
