#!/bin/bash
# KVM in xtrace-view: VM exits named from the VMX/SVM tables, VMs named from the
# recording's vms file (the recorder's, checked with a process that looks like
# qemu), --kvm's figures against exit->entry pairs computed from the plain view,
# the guest shown around the longest exits of a merged view, and frame skipping.
# Host and guest recordings come from tests/helpers/gen-recording (the real on-disk format).
. "$(dirname "$0")/lib.sh"

# ---- the recorder saves which qemu process and thread is which VM and vCPU
cat > fakeqemu.py <<'PY'
import os, sys, threading, time
with open('/proc/self/comm', 'w') as f:
    f.write('qemu-system-x86')
def vcpu(i, ev):
    with open('/proc/self/task/%d/comm' % threading.get_native_id(), 'w') as f:
        f.write('CPU %d/KVM' % i)
    ev.wait()
ev = threading.Event()
ts = [threading.Thread(target=vcpu, args=(i, ev)) for i in range(2)]
for t in ts: t.start()
open(sys.argv[-1], 'w').close()
while not os.path.exists(sys.argv[-1] + '.stop'):
    time.sleep(0.05)
ev.set()
PY
python3 fakeqemu.py -machine pc -name guest=testvm,debug-threads=on "$T/ready" &
qpid=$!
for _ in $(seq 100); do [ -e ready ] && break; sleep 0.05; done
[ -e ready ] || fail "the fake qemu did not start"
expect_status 0 xrun -q -o rec -e sched sleep 0.1
touch ready.stop
wait $qpid
expect_grep "^vm $qpid testvm$" rec/vms
expect_grep "^thread [0-9]+ $qpid 0$" rec/vms
expect_grep "^thread [0-9]+ $qpid 1$" rec/vms
expect_grep "^thread $qpid $qpid -1$" rec/vms
xview -i rec > info.txt
expect_grep "^vm +testvm \(qemu pid $qpid\)" info.txt
expect_no_grep "kvm:" rec/xtrace.meta "an -e sched recording's events"
ok "vms file: VM testvm, vCPU threads 0 and 1"

# ---- the default set has kvm on a KVM host (/dev/kvm exists), none elsewhere; both
# cases on every machine, /dev/kvm shown or hidden in a private mount namespace. Whether
# any kvm event fires is the host's business (PVM hosts fire kvm_pio, not kvm_exit).
if [ -d /sys/kernel/tracing/events/kvm ]; then
	expect_status 0 with_kvm_dev present "$XT_BIN/xtrace-run" -q -o def-kvm true
	expect_grep "^events = .*kvm:kvm_entry,kvm:kvm_exit," def-kvm/xtrace.meta
	expect_status 0 with_kvm_dev absent "$XT_BIN/xtrace-run" -q -o def-nokvm true
	expect_grep "^events = .*sched:sched_switch" def-nokvm/xtrace.meta
	expect_no_grep "kvm:" def-nokvm/xtrace.meta "a default-set recording without /dev/kvm"
	expect_status 0 with_kvm_dev absent "$XT_BIN/xtrace-run" -q -o nokvm-asked -e sched,kvm true
	expect_grep "^events = .*kvm:kvm_exit" nokvm-asked/xtrace.meta "-e kvm without /dev/kvm"
	ok "default set: kvm with /dev/kvm, none without; -e kvm always"
else
	expect_status 0 "$XT_BIN/xtrace-run" -q -o def-nokvm true
	expect_no_grep "kvm:" def-nokvm/xtrace.meta "a default-set recording on a kernel without kvm"
	ok "default set: this kernel has no kvm events, none recorded"
fi

# ---- a host with VM vm1 and the guest vm1, merged
gen_host_vm1 400000 200000 7 5000
"$XT_BIN/xtrace-multi-merge" -q -o merged host vm1 || fail "merge"

xview -F json --host host merged > host.json || fail "view"
xview --host host merged > host.txt
expect_grep "KVM_EXIT_VM_PID \[4001 [A-Z_]+ vm1/0\]" host.txt
expect_grep "KVM_ENTER_VM_PID \[4002 1 vm1\]" host.txt
expect_no_grep "KVM_EXIT_VM_PID \[[0-9]+ [0-9]" host.txt "exit reasons by number"
ok "naming: $(grep -c KVM_EXIT host.txt) exits named"

# ---- --kvm against the pairs computed here from the plain view
xview -k -F json merged > kvm.json || fail "--kvm -F json"
python3 - host.json kvm.json <<'PY' || fail "--kvm figures"
import json, sys
open_exit, per = {}, {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["event"] == "KVM_EXIT_VM_PID":
        pid, reason = o["args"].split()[:2]
        open_exit[pid] = (o["ns"], reason)
    elif o["event"] == "KVM_ENTER_VM_PID":
        pid = o["args"].split()[0]
        if pid in open_exit:
            t, reason = open_exit.pop(pid)
            per.setdefault((pid, reason), []).append(o["ns"] - t)
k = json.load(open(sys.argv[2]))
host = [s for s in k["systems"] if s["system"] == "host"][0]
seen = 0
for v in host["vcpus"]:
    assert v["vm"] == "vm1", v["vm"]
    for r in v["reasons"]:
        d = sorted(per[(str(v["pid"]), r["reason"])])
        assert r["count"] == len(d), (r, len(d))
        assert r["total_ns"] == sum(d) and r["min_ns"] == d[0] and r["max_ns"] == d[-1], r
        for p, key in ((50, "p50_ns"), (99, "p99_ns")):
            exact = d[max(0, -(-len(d) * p // 100) - 1)]
            assert abs(r[key] - exact) <= exact / 128 + 1, (r, key, exact)
        assert r["worst"][0]["dur_ns"] == d[-1]
        seen += 1
    assert v["guest"], "no guest events around the longest exits"
    for g in v["guest"]:
        assert g["events"], g
assert seen == len(per), (seen, len(per))
print("pairs", sum(len(x) for x in per.values()), "reasons", seen)
PY
xview -k merged > kvm.txt
expect_grep "^  VM vm1 vCPU 0 \(thread 4001 CPU 0/KVM\)" kvm.txt
expect_grep "^    EXTERNAL_INTERRUPT +[0-9]+ " kvm.txt
expect_grep "guest vm1 CPU 1 during the 3 longest exits" kvm.txt
expect_grep "^          [0-9T:.-]+ vm1 1 " kvm.txt
ok "--kvm: counts, total, min, max exact; p50/p99 within 1/128; guest windows"

# ---- --summary of the merged view equals the view's counts, per system
xview -t epoch -f host,event merged | sort | uniq -c | awk '{print $2, $3, $1}' | sort > c.view
xview -s -F json merged | python3 -c '
import json, sys
for s in json.load(sys.stdin)["systems"]:
    for k, v in s["counts"].items(): print(s["system"], k, v)' | sort > c.sum
diff c.view c.sum > c.diff || fail "merged summary: $(head -5 c.diff)"
ok "merged --summary"

# ---- frame skipping: the same lines, and the skipped frames are not read
n=$(xview -t epoch merged | wc -l)
from=$(xview -t epoch merged | sed -n "$((n * 9 / 10))p" | cut -d' ' -f1)
xview --from "$from" merged > skip.txt
xview --from "$from" --no-skip merged > noskip.txt
[ -s skip.txt ] && cmp -s skip.txt noskip.txt || fail "--from with and without skipping differ"
xview --from "$from" host vm1 | cmp -s - skip.txt || fail "--from: merged vs the two recordings"
xview merged | tail -n "$(wc -l < skip.txt)" | cmp -s - skip.txt || fail "--from: not the view's tail"
if command -v strace > /dev/null; then
	strace -f -e trace=pread64 -o s1.txt "$XT_BIN/xtrace-view" --from "$from" merged > /dev/null
	strace -f -e trace=pread64 -o s2.txt "$XT_BIN/xtrace-view" --from "$from" --no-skip merged > /dev/null
	b1=$(awk -F'= ' '/pread64/ && $NF+0 > 64 {s += $NF} END {print s+0}' s1.txt)
	b2=$(awk -F'= ' '/pread64/ && $NF+0 > 64 {s += $NF} END {print s+0}' s2.txt)
	[ "$b1" -lt $((b2 / 3)) ] || fail "skipping read $b1 bytes of frames, not skipping $b2"
	ok "frame skipping: $b1 of $b2 bytes of frames read"
fi
ok "--from: $(wc -l < skip.txt) lines, identical with and without skipping"
