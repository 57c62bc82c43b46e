#!/bin/bash
# The guest services' wire protocol under libFuzzer (tests/fuzz/fuzz-gs.c, ASan + UBSan): a
# bounded run ($FUZZ_SECONDS, default 8 s; seed $FUZZ_SEED, default 1) from seed lines of every
# request, well formed and not. A crash, leak, sanitizer report or broken round trip fails.
XT_READ_ONLY=1
. "$(dirname "$0")/lib.sh"

h=$XT_TOP/build/fuzz/fuzz-gs
[ -x "$h" ] || fail "$h is not built (make check builds it)"
mkdir -p corpus artifacts
i=0
for line in "1 hello" "2 ping 42 1700000000000000000" "3 pinged 42 1 2 3" "4 log_msg 6869" \
	"5 flush 2 0" "6 log_data 00ff" "7 flush 9 0" "8 log_msg zz" "x" "4294967295 hello" \
	"1 hello
2 ping 1 2
3 err" "9 ok 12" "9 err rate limited"; do
	printf '%s\n' "$line" > "corpus/seed-$i"
	i=$((i + 1))
done
secs=${FUZZ_SECONDS:-8}
"$h" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs" -max_len=2048 -timeout=10 \
	-artifact_prefix=artifacts/ corpus > fuzz.txt 2>&1
rc=$?
tail -n 3 fuzz.txt
[ $rc = 0 ] || fail "fuzz-gs failed (exit $rc; inputs in $T/artifacts): $(grep -m3 -E 'ERROR|SUMMARY|abort' fuzz.txt)"
grep -q "Done [0-9]* runs" fuzz.txt || fail "fuzz-gs did not run: $(tail -n 5 fuzz.txt)"
ok "the wire protocol: $(grep -o 'Done [0-9]* runs' fuzz.txt) in $secs s, no crash"
