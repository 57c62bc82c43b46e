#!/bin/bash
# Real KVM events from a second kernel: boot guest vm1 (QEMU TCG, emulated AMD SVM), record
# kvm-tiny's VM exits with xtrace-run inside it, bring the recording home and check with the
# host's xtrace-view: kvm_exit by SVM reason (io = N, vmmcall = M, hlt >= 1), kvm_hypercall = M,
# kvm_entry = exits.
source "$(dirname "$0")/lib.sh"
N=1000 M=200

vm_start vm1
echo "boot to ssh: $(secs "$VM_BOOT_MS") s"

vm_ssh vm1 "rm -rf /tmp/rec && xtrace-run -o /tmp/rec -e kvm -- kvm-tiny $N $M" > run.out 2>&1 ||
	{ cat run.out; fail "xtrace-run -e kvm -- kvm-tiny $N $M failed in the guest"; }
cat run.out
grep -q "kvm-tiny: ok" run.out || fail "kvm-tiny did not report ok"
grep -q "exits seen from userspace: io $N, hlt 1, other 0" run.out || fail "kvm-tiny's own counts are off"
# the guest's own xtrace-view reads it too (its libraries are all there)
vm_ssh vm1 "xtrace-view -i /tmp/rec" > info-guest.txt 2>&1 || { cat info-guest.txt; fail "xtrace-view -i in the guest"; }

vm_ssh vm1 "tar -C /tmp -c rec" | tar -x || fail "cannot copy the recording home"
"$XT_BIN/xtrace-view" -i rec > info.txt 2>&1 || { cat info.txt; fail "xtrace-view -i rec exited $?"; }
cat info.txt
grep -Eq '^host +vm1 \(Linux 6\.' info.txt || fail "the recording's host is not vm1 on the guest kernel"
grep -q 'complete' info.txt || fail "the recording is not complete"
grep -Eq '^command .*exit status 0' info.txt || fail "the command's exit status is not 0"

"$XT_BIN/xtrace-view" rec > view.txt 2> view.err || { cat view.err; fail "xtrace-view rec exited $?"; }
"$XT_BIN/xtrace-view" -v rec > verbose.txt 2> verbose.err || { cat verbose.err; fail "xtrace-view -v rec exited $?"; }
[ ! -s view.err ] || { cat view.err; fail "xtrace-view complained"; }
grep -q LOST_EVENTS view.txt && fail "events were lost"

# Count by the tracepoint and the raw SVM exit code (the -v fields), whatever the view names
# them: io 0x7b, vmmcall 0x81, hlt 0x78, npf 0x400, intr 0x60.
count() { grep -c " kvm:$1 " verbose.txt || true; }
exit_reason() { grep " kvm:kvm_exit " verbose.txt | grep -c " exit_reason=$1 " || true; }
exits=$(count kvm_exit) entries=$(count kvm_entry) hcalls=$(count kvm_hypercall)
io=$(exit_reason 123) vmmcall=$(exit_reason 129) hlt=$(exit_reason 120)
npf=$(exit_reason 1024) intr=$(exit_reason 96)
other=$((exits - io - vmmcall - hlt - npf - intr))
echo "kvm_exit: $exits (io $io, vmmcall $vmmcall, hlt $hlt, npf $npf, intr $intr, other $other)"
echo "kvm_entry: $entries, kvm_hypercall: $hcalls"
echo "as the view names them:"
awk '{ print $4, ($4 ~ /^KVM_EXIT|kvm_exit$/ ? $NF : "") }' view.txt | sed 's/]$//' | sort | uniq -c | sed 's/^/    /'

[ "$io" = $N ] || fail "io exits: $io, expected $N"
[ "$vmmcall" = $M ] || fail "vmmcall exits: $vmmcall, expected $M"
[ "$hlt" -ge 1 ] || fail "no hlt exit"
[ "$hcalls" = $M ] || fail "kvm_hypercall: $hcalls, expected $M"
[ "$(grep " kvm:kvm_hypercall " verbose.txt | grep -c ' nr=0x2a ')" = $M ] || fail "hypercalls not all nr 42"
d=$((entries - exits))
[ ${d#-} -le 1 ] || fail "kvm_entry $entries vs kvm_exit $exits"
[ $((npf + intr + other)) -le 100 ] || fail "too many other exits: npf $npf, intr $intr, other $other"
ok "real KVM exits recorded in the guest and decoded on the host"

"$GUEST" stop vm1
VM_STARTED=()
echo "boot to ssh: $(secs "$VM_BOOT_MS") s; whole test: $(secs $(($(now_ms) - T_START))) s"
