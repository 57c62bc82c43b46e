#!/bin/bash
# The one-command capture against a real second kernel: boot guest vm1 (QEMU TCG, AMD SVM
# emulated, its own kernel), then from the host
#   xtrace-run -m overwrite --remote vm1 --on vm1 -- <app that runs a KVM guest of its own, then fails>
# and check the merged view: both systems, the app's marker and real kvm exits on vm1 only,
# a FLUSH of both systems after the failure, order, and the clock check of the guest's clock.
source "$(dirname "$0")/lib.sh"
N=1000 M=200

vm_start vm1
echo "boot to ssh: $(secs "$VM_BOOT_MS") s"
CFG=$("$GUEST" config vm1)
here=$(uname -n)

t0=$(now_ms)
# the guest runs no chrony and its clock is off by 100+ ms: the merge corrects it (the default)
"$XT_BIN/xtrace-run" -F "$CFG" -m overwrite -e sched,irq,kvm -o cap \
	--remote vm1 --on vm1 -- \
	sh -c "kvm-tiny $N $M > /dev/null; echo 'app: deadline missed' > \"\$XTRACE_MARKER\"; exit 3" \
	> run.out 2> run.err
rc=$?
ms=$(($(now_ms) - t0))
cat run.out run.err
grep -q 'ssh_' run.err && fail "libssh's own log on stderr"
[ $rc = 3 ] || fail "exit status $rc, not the app's 3"
[ -d "cap/$here" ] && [ -d cap/vm1 ] && [ -d cap/merged ] || fail "collection incomplete: $(ls cap)"
grep -Eq 'vm1: clock [-+][0-9.]+ us from here .*corrected' run.err || fail "no clock check of vm1 reported"
ok "one-command capture of host + guest with a failing app ($ms ms)"

"$XT_BIN/xtrace-view" -t epoch cap/merged > merged.txt 2> view.err || { cat view.err; fail "view"; }
"$XT_BIN/xtrace-view" -i cap/merged | head -8
grep -Eq "^[0-9.]+ $here " merged.txt || fail "no host events in the merged view"
grep -Eq '^[0-9.]+ vm1 [0-9]+ MARKER \[app: deadline missed\]' merged.txt || fail "no app marker on vm1"
fail_ts=$(awk '/MARKER \[app: deadline missed\]/ { print $1 }' merged.txt)
for h in "$here" vm1; do
	awk -v h="$h" -v t="$fail_ts" '$2 == h && $4 == "FLUSH" && $1 > t { f = 1 } END { exit !f }' \
		merged.txt || fail "no FLUSH of $h after the failure"
done
awk 'NR > 1 && $1 < prev { bad = 1; exit } { prev = $1 } END { exit bad }' merged.txt ||
	fail "the merged view is not in time order"
# the guest's KVM exits (kvm-tiny's io exits), and only the guest has them: this host has no KVM
io=$(grep -E '^[0-9.]+ vm1 ' merged.txt | grep -cE 'KVM_EXIT_VM_PID .*\b(io|ioio)\]?$' || true)
hostkvm=$(grep -E "^[0-9.]+ $here " merged.txt | grep -c 'KVM_' || true)
echo "vm1 io exits in the merged view: $io; host KVM events: $hostkvm"
[ "$io" = $N ] || fail "io exits of vm1: $io, expected $N"
[ "$hostkvm" = 0 ] || fail "KVM events on the host, which runs no VM"
for h in "$here" vm1; do
	want=$("$XT_BIN/xtrace-view" "cap/$h" | wc -l)
	got=$(awk -v h="$h" '$2 == h' merged.txt | wc -l)
	[ "$want" = "$got" ] || fail "$h: $got events merged, $want recorded"
done
ok "merged view: host and vm1, marker and $N real io exits on vm1, FLUSH after the failure, counts match"

"$GUEST" stop vm1
VM_STARTED=()
echo "boot to ssh: $(secs "$VM_BOOT_MS") s; capture $ms ms; whole test: $(secs $(($(now_ms) - T_START))) s"
