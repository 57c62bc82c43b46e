#!/bin/bash
# make check-vm: build the test guest (cached), then run each tests/vm/t-vm-*.sh.
# Prints one line per test and a closing "N passed, N failed" line; logs in build/vm/out/.
# Usage: tests/vm/run-vm-tests.sh [PATTERN]   (only scripts matching PATTERN)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export XT_TOP=$top XT_BIN=$top/bin XT_VM_OUT=$top/build/vm/out XT_VM_BUILT=1
mkdir -p "$XT_VM_OUT"
passed=0 failed=0 skipped=0 failures=()
STALL='rcu: INFO|soft lockup|blocked for more than'

start=$(date +%s%N)
if ! tests/vm/build-guest.sh > "$XT_VM_OUT/build-guest.log" 2>&1; then
	echo "FAIL build-guest: see $XT_VM_OUT/build-guest.log"
	tail -n 15 "$XT_VM_OUT/build-guest.log" | sed 's/^/    /'
	exit 1
fi
ms=$((($(date +%s%N) - start) / 1000000))
echo "guest image: $(tail -n 1 "$XT_VM_OUT/build-guest.log" | sed 's/^build-guest: //') ($((ms / 1000)).$((ms % 1000 / 100))s)"

for t in tests/vm/t-vm-*.sh; do
	name=$(basename "$t" .sh)
	[ -n "${1:-}" ] && [[ $name != *$1* ]] && continue
	log=$XT_VM_OUT/$name.log
	start=$(date +%s%N)
	bash "$t" > "$log" 2>&1
	rc=$?
	# Under TCG a guest's kernel now and then stalls for minutes (RCU stalls, soft lockups in
	# KVM_RUN or text_poke_bp, the other vCPU starved on a loaded machine): the emulation, not
	# xtrace. A test that failed while its guest's console shows one runs once more.
	stall=$(grep -hsm1 -E "$STALL" "$XT_VM_OUT/$name"/run/*.console.log | head -n 1)
	if [ $rc != 0 ] && [ $rc != 77 ] && [ -n "$stall" ]; then
		echo "RETRY $name: its guest's kernel stalled (${stall:0:100}); first log: $name.try1.log"
		mv "$log" "$XT_VM_OUT/$name.try1.log"
		bash "$t" > "$log" 2>&1
		rc=$?
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	case $rc in
	0) echo "PASS $name (${secs}s; $(grep -m1 '^boot to ssh' "$log"))"; passed=$((passed + 1)) ;;
	77) echo "SKIP $name: $(tail -n 1 "$log")"; skipped=$((skipped + 1)) ;;
	*) echo "FAIL $name (${secs}s): see $log"; tail -n 20 "$log" | sed 's/^/    /'
	   failed=$((failed + 1)); failures+=("$name") ;;
	esac
done

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "vm tests: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
