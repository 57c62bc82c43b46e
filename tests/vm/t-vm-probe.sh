#!/bin/bash
# xtrace-probe in a real guest: its timer modes and the net probe (guest -> a responder on this
# host through QEMU's user network, 10.0.2.2), then the missed deadline of make demo as a test:
#   xtrace-run -m overwrite --remote vm1 --on vm1 -- <a load, and xtrace-probe timer -b 1>
# The probe misses at once, marks and flushes the guest's recorder; its status 3 makes
# xtrace-run flush this host: both systems' recordings must hold the moment of the miss.
source "$(dirname "$0")/lib.sh"
port=${XT_PROBE_PORT:-$((20000 + $$ % 20000))}

vm_start vm1
echo "boot to ssh: $(secs "$VM_BOOT_MS") s"
CFG=$("$GUEST" config vm1)
here=$(uname -n)

for mode in periodic signal oneshot; do
	"$GUEST" ssh vm1 "xtrace-probe timer --mode $mode -i 1000 -l 200 -a 1 -p 90 -m" > $mode.txt ||
		fail "timer $mode in the guest: $(cat $mode.txt)"
	grep -Eq "^timer probe: $mode, interval 1000 us, 200 cycles, CPU 1, SCHED_FIFO 90$" $mode.txt ||
		fail "timer $mode: $(cat $mode.txt)"
	grep -Eq '^latency \(us\): min [0-9.]+ avg' $mode.txt || fail "timer $mode: no latencies"
done
ok "timer probe in the guest: periodic, signal and oneshot ($(sed -n 2p periodic.txt))"

"$XT_BIN/xtrace-probe" net --respond -P "$port" -D 120 > resp.txt 2> resp.err &
resp=$!
for _ in $(seq 50); do grep -q answering resp.err && break; sleep 0.1; done
"$GUEST" ssh vm1 "xtrace-probe net -i 2000 -l 100 --timeout 2s 10.0.2.2:$port" > net.txt ||
	fail "net probe from the guest: $(cat net.txt)"
kill -TERM $resp; wait $resp
grep -q '^net probe: periodic, interval 2000 us, 100 cycles$' net.txt || fail "net: $(cat net.txt)"
grep -q '^net responder: answered 100 requests$' resp.txt || fail "responder: $(cat resp.txt)"
ok "net probe from the guest to a responder on the host: $(sed -n 2p net.txt)"

app='taskset -c 0 sh -c "while :; do :; done" & l=$!
xtrace-probe timer -p 95 -m -a 1 -i 1000 -l 100000 -b 1; s=$?; kill $l; exit $s'
"$XT_BIN/xtrace-run" -F "$CFG" --ssh-timeout 60 -m overwrite -e sched,irq,timer,kvm \
	-o cap --remote vm1 --on vm1 -- sh -c "$app" > run.out 2> run.err
rc=$?
cat run.out run.err
[ $rc = 3 ] || fail "exit status $rc, not the probe's 3"
grep -q '^xtrace-run: partial:' run.err && fail "a system's recording was not collected"
grep -Eq 'deadline missed at cycle 1: .*; marked 1 and flushed 1 of 1 recorders' run.err ||
	fail "the probe did not mark and flush the guest's recorder"
"$XT_BIN/xtrace-view" -t epoch cap/merged > merged.txt || fail "view"
t=$(awk '$2 == "vm1" && /MARKER \[xtrace-probe timer: deadline missed: cycle 1 latency/ { print $1; exit }' \
	merged.txt)
[ -n "$t" ] || fail "no probe marker of vm1 in the merged view"
# the guest's own flush (the probe's) follows its marker at once: well before the end
awk -v t="$t" '$2 == "vm1" && $4 == "FLUSH" && $1 > t { print $1 - t; exit }' merged.txt > gflush
[ -s gflush ] && awk '{ exit !($1 < 1.0) }' gflush || fail "no FLUSH of vm1 within 1 s of the miss"
# the host's recording holds the moment: its events before and after it, QEMU's among them
before=$(awk -v h="$here" -v t="$t" '$2 == h && $1 < t && $1 > t - 0.5' merged.txt | wc -l)
qemu=$("$XT_BIN/xtrace-view" -t epoch -f tod,host,comm,event cap/merged |
	awk -v h="$here" -v t="$t" '$2 == h && $1 < t && $1 > t - 0.5 && /qemu|CPU [0-9]\/TCG/' | wc -l)
awk -v h="$here" -v t="$t" '$2 == h && $4 == "FLUSH" && $1 > t { f = 1 } END { exit !f }' \
	merged.txt || fail "no FLUSH of the host after the miss"
[ "$before" -gt 0 ] && [ "$qemu" -gt 0 ] ||
	fail "the host's buffers do not hold the miss: $before host events, $qemu of QEMU, in the 0.5 s before it"
ok "a miss in the guest: its marker and flush, and the host's buffers of that moment ($before events, $qemu of QEMU's threads, in the 0.5 s before it)"
