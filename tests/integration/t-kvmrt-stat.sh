#!/bin/bash
# kvmrt-stat against a real session libvirtd (as nobody, private directories):
# a small TCG domain (64 MiB, no disk) pinned by kvmrt-sync-config is started;
# kvmrt-stat shows it running, -t lists its threads with the CPUs they run on,
# all where the configuration puts them; one vCPU thread moved by the test
# (taskset on the test's own QEMU) is marked as a mismatch; -o json says the
# same; after destroy the VM is shut off. Everything is stopped by PID at exit.
. "$(dirname "$0")/../kvmrt/itest-lib.sh"

[ -x "$XT_BIN/kvmrt-stat" ] || fail "$XT_BIN/kvmrt-stat is not built (make all)"
command -v taskset > /dev/null || skip "taskset is missing (util-linux)"
NAME=kvmrt-stat-itest
UUID=3f7c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b
kill_qemu() {
	local pid
	as_nobody "$KH/virt-helper" "$URI" destroy $NAME 2>/dev/null
	pid=$(cat "$D/run/libvirt/qemu/run/$NAME.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
	true
}
EXTRA_CLEANUP=kill_qemu
start_session_libvirtd
ncpus=$(nproc)
[ "$ncpus" -ge 2 ] || skip "needs 2 CPUs"

write_tiny_vm false
as_nobody "$KH/virt-helper" "$URI" define "$D/dom.xml" 2> def.err || fail "define: $(cat def.err)"
as_nobody "$XT_BIN/kvmrt-sync-config" -f "$D/k.cfg" -c "$URI" > sync.txt 2>&1 || fail "sync: $(cat sync.txt)"

stat() { as_nobody $VG "$XT_BIN/kvmrt-stat" -f "$D/k.cfg" -c "$URI" "$@"; }
expect_status 0 stat > off.txt
expect_grep "^$NAME +$UUID +shut off +no +0-1 +-$" off.txt
ok "defined: shut off"

as_nobody "$KH/virt-helper" "$URI" start $NAME 2> start.err || fail "start: $(cat start.err)"
QPID=$(cat "$D/run/libvirt/qemu/run/$NAME.pid") || fail "no QEMU pid file"
expect_status 0 stat > on.txt
expect_grep "^$NAME +$UUID +running +no +0-1 +-$" on.txt
ok "started: running (QEMU $QPID)"

# -t: every thread of QEMU is listed once, the vCPU on CPU 1, the rest on CPU 0
sleep 0.5
expect_status 0 stat -t > t.txt
awk '/^  [ *] [0-9]/ { print ($1 == "*") ? $2 : $1 }' t.txt | sort -n > listed.tids
ls /proc/$QPID/task | sort -n > real.tids
# threads come and go (QEMU's workers): every listed one is QEMU's, the vCPU is there
comm -23 listed.tids real.tids > extra.tids
[ ! -s extra.tids ] || fail "-t lists threads QEMU does not have: $(cat extra.tids)"
VTID=$(awk '/^    [0-9]+ +vcpu 0 / { print $1 }' t.txt)
[ -n "$VTID" ] || fail "no vCPU thread: $(cat t.txt)"
[ "$(cat /proc/$QPID/task/$VTID/comm)" = "CPU 0/TCG" ] || [ "$(cat /proc/$QPID/task/$VTID/comm)" = "CPU 0/KVM" ] ||
	fail "vCPU $VTID is '$(cat /proc/$QPID/task/$VTID/comm)'"
expect_grep "^    $VTID +vcpu 0 +OTHER +0  1 +1 +1  CPU 0/(TCG|KVM) *$" t.txt
expect_grep "^    $QPID +emulator +OTHER +0  0 +0 +0  qemu-system-x86 *$" t.txt
expect_no_grep "^  \*" t.txt
# the CPU column is the thread's stat field 39
want=$(awk '{ sub(/.*\) /, ""); print $37 }' /proc/$QPID/task/$VTID/stat)
[ "$want" = 1 ] || fail "vCPU thread last ran on $want"
ok "-t: the threads where the configuration puts them"

# move the test's own vCPU thread: a mismatch, marked, exit 1
taskset -p -c 0 "$VTID" > /dev/null || fail "taskset"
# a sleeping thread changes CPU when it next wakes up
for _ in $(seq 50); do
	[ "$(awk '{ sub(/.*\) /, ""); print $37 }' /proc/$QPID/task/$VTID/stat)" = 0 ] && break
	sleep 0.1
done
expect_status 1 stat -t > moved.txt 2> moved.err
expect_grep "^  \* $VTID +vcpu 0 +OTHER +0  0 +1 +0  CPU 0/(TCG|KVM) +affinity,cpu$" moved.txt
expect_grep "1 thread not where the configuration puts it" moved.err
expect_status 1 stat -t -o json > moved.json 2>/dev/null
python3 - moved.json "$VTID" <<'PY' || fail "json: $(cat moved.json)"
import json, sys
vms = json.load(open(sys.argv[1]))
vm = vms[0]
assert vm["state"] == "running" and vm["rt"] is False and vm["cpus"] == "0-1", vm
t = [t for t in vm["threads"] if t["tid"] == int(sys.argv[2])][0]
assert t["role"] == "vcpu" and t["vcpu"] == 0 and t["affinity"] == "0", t
assert t["expected"] == "1" and t["mismatch"] == "affinity,cpu" and t["cpu"] == 0, t
assert all(x["mismatch"] == "" for x in vm["threads"] if x["tid"] != t["tid"]), vm
PY
taskset -p -c 1 "$VTID" > /dev/null || fail "taskset back"
ok "a moved vCPU thread is marked (text and json)"

as_nobody "$KH/virt-helper" "$URI" destroy $NAME || fail "destroy"
expect_status 0 stat $NAME > after.txt
expect_grep "^$NAME +$UUID +shut off " after.txt
expect_status 1 stat nosuchvm > /dev/null 2> unknown.err
expect_grep "no VM 'nosuchvm'" unknown.err
as_nobody "$KH/virt-helper" "$URI" undefine $NAME || fail "undefine"
ok "destroyed: shut off; unknown VM: exit 1"
