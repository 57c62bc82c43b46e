#!/bin/bash
# The KVM analysis on a trace-cmd recording of real SVM exits: boot guest vm1 (QEMU TCG,
# emulated AMD SVM), record kvm-tiny's VM exits with trace-cmd record inside it, bring the
# trace.dat home, and check the host's xtrace-view -k on it and on a zlib copy (written by
# tests/helpers/tdat-zlib): exits named from the file's own kvm_exit format (SVM: io = N,
# vmmcall = M), hypercall round trips = M, and the exits trace-cmd report counts.
source "$(dirname "$0")/lib.sh"
N=1000 M=200
ZL=$XT_TOP/build/tests/helpers/tdat-zlib
[ -x "$ZL" ] || fail "$ZL is not built (make check-build)"

vm_start vm1 ${XT_VM_PORT:-}
echo "boot to ssh: $(secs "$VM_BOOT_MS") s"

vm_ssh vm1 "rm -f /tmp/k.dat && cd /tmp && trace-cmd record -q -o /tmp/k.dat -e kvm:kvm_exit -e kvm:kvm_entry -e kvm:kvm_hypercall -e kvm:kvm_pio kvm-tiny $N $M" \
	> run.out 2>&1 ||
	{ cat run.out; fail "trace-cmd record -- kvm-tiny $N $M failed in the guest (exit status $?)"; }
grep -q "kvm-tiny: ok" run.out || { cat run.out; fail "kvm-tiny did not report ok"; }
vm_ssh vm1 "cat /tmp/k.dat" > k.dat || fail "cannot copy the trace.dat home"
"$GUEST" stop vm1
VM_STARTED=()

# trace-cmd's own counts of the file (Debian's trace-cmd reads the guest's zstd v7 file)
tc() { trace-cmd report -i k.dat 2> /dev/null | grep -c " $1: " || true; }
tc_exits=$(tc kvm_exit) tc_hc=$(tc kvm_hypercall)
echo "trace-cmd report: kvm_exit $tc_exits, kvm_hypercall $tc_hc"
[ "$tc_hc" = $M ] || fail "trace-cmd report counts $tc_hc hypercalls, expected $M"

"$ZL" k.dat kz.dat || fail "tdat-zlib"
for f in k.dat kz.dat; do
	"$XT_BIN/xtrace-view" -i "$f" > "$f.info" 2>&1 || { cat "$f.info"; fail "xtrace-view -i $f"; }
	grep -Eq '^host +vm1 \(Linux 6\.' "$f.info" || fail "$f: the host is not vm1 on the guest kernel"
	"$XT_BIN/xtrace-view" -q -k "$f" > "$f.kvm" 2> "$f.err" || { cat "$f.err"; fail "xtrace-view -k $f"; }
	cat "$f.kvm"
	"$XT_BIN/xtrace-view" -q "$f" > "$f.txt" || fail "xtrace-view $f"
	exits=$(grep -c ' KVM_EXIT_VM_PID ' "$f.txt" || true)
	[ "$exits" = "$tc_exits" ] || fail "$f: $exits exits in the view, trace-cmd report $tc_exits"
	# the reasons, named from the file's SVM format: the -k table's count column
	# (the last exit, hlt, has no entry after it: the table leaves it out)
	reason() { awk -v r="$1" '$1 == r { print $2; exit }' "$f.kvm"; }
	io=$(reason io) hc=$(reason hypercall)
	echo "$f: io $io, hypercall (vmmcall) $hc"
	[ "$io" = $N ] || fail "$f: io exits $io, expected $N"
	[ "$hc" = $M ] || fail "$f: vmmcall exits $hc, expected $M"
	grep -Eq "^ +42 +$M " "$f.kvm" || fail "$f: no $M round trips of hypercall 42"
done
ok "xtrace-view -k on trace-cmd's recording of real SVM exits (zstd, and a zlib copy)"

# a GUEST option naming the VM whose vCPU 0 is kvm-tiny's thread (as trace-cmd record -A
# writes for each guest): -k names the VM from it
tid=$(sed -nE 's/.*vCPU 0 \(thread ([0-9]+) .*/\1/p' k.dat.kvm | head -1)
[ -n "$tid" ] || fail "no vCPU thread in the -k output"
python3 -c 'import struct, sys
open("guest.opt", "wb").write(b"tiny-vm\0" + struct.pack("<QIII", 7, 1, 0, int(sys.argv[1])))' "$tid" ||
	fail "the GUEST option"
"$ZL" k.dat kg.dat --option 13:guest.opt || fail "tdat-zlib --option"
"$XT_BIN/xtrace-view" -q -k kg.dat > kg.kvm || fail "xtrace-view -k kg.dat"
grep -q "VM tiny-vm vCPU 0 (thread $tid" kg.kvm || { cat kg.kvm; fail "the VM is not named from GUEST"; }
ok "the VM named from the file's GUEST option"
echo "whole test: $(secs $(($(now_ms) - T_START))) s"
