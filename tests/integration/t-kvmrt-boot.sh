#!/bin/bash
# kvmrt-boot and kvmrt-shutdown against a real session libvirtd (as nobody, private
# directories) with a real-time TCG domain (64 MiB, no disk, cpuset 0-1: CPU 0 the emulator's,
# CPU 1 the vCPU's, synced by kvmrt-sync-config: FIFO vCPU, locked memory). kvmrt-boot runs as
# root (the shield writes /proc/irq, cgroup cpusets) with its task moves limited to a sleep
# this test starts (--move-tasks), its journal under the test's own state directory.
#  1. the host refuses: the session libvirtd has nobody's limits (RLIMIT_RTPRIO 0, a hard
#     RLIMIT_MEMLOCK of a few MiB): the start fails, kvmrt-boot says why and the fix, and
#     undoes the shield: every setting as before, no journal left.
#  2. the limits raised on that libvirtd (prlimit, as the fix says): the VM runs with a FIFO
#     vCPU on CPU 1, kvmrt-stat shows the shield in place, the sleep runs in the
#     housekeeping cpuset on CPU 0, every unmanaged IRQ is off CPU 1; --clean refuses while
#     it runs, kvmrt-shutdown without --forced keeps it (and the shield) after its timeout,
#     with --forced destroys it and undoes the shield: every setting as before.
#  3. kvmrt-boot killed (SIGKILL, KVMRT_BOOT_STOP_AFTER=shield) with the shield in place:
#     kvmrt-boot --clean undoes it: every setting as before.
# "Every setting": each IRQ's smp_affinity_list, default_smp_affinity, cpuset.cpus, .mems,
# .cpu_exclusive and .sched_load_balance of every cpuset directory, each CPU's online, the
# unbound workqueues' CPU masks (global and each workqueue's, writeback among them).
. "$(dirname "$0")/../kvmrt/itest-lib.sh"

for b in kvmrt-boot kvmrt-shutdown kvmrt-stat kvmrt-sync-config; do
	[ -x "$XT_BIN/$b" ] || fail "$XT_BIN/$b is not built (make all)"
done
command -v prlimit > /dev/null || skip "prlimit is missing (util-linux)"
[ -r /sys/fs/cgroup/cpuset/cpuset.cpus ] || skip "no cgroup v1 cpuset hierarchy"
NAME=kvmrt-boot-itest
UUID=7a1e0c55-2b9d-4f3e-8c61-0d4b9e2f1a37
SPID=
kill_all() {
	local pid
	as_nobody "$KH/virt-helper" "$URI" destroy $NAME 2>/dev/null
	pid=$(cat "$D/run/libvirt/qemu/run/$NAME.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
	# a shield a failed check left: undone before the daemons stop
	[ -d "$D/state" ] && boot --clean > clean-exit.txt 2>&1
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	true
}
EXTRA_CLEANUP=kill_all
start_session_libvirtd
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
[ "$(cat /sys/devices/system/cpu/online)" = "0-$(($(nproc) - 1))" ] || skip "a CPU is offline"
[ -e "$D/state" ] && fail "state dir exists"

write_tiny_vm true
# the 1.4 syntax: threads 0-1 (CPUs 0-1), one vCPU for the CPU the emulator leaves
sed -i 's/^nr_vcpus = 1$/nr_vcpus = auto/; s/^cpuset = 0-1$/cpuset = t0-1/' "$D/k.cfg"
grep -q "^cpuset = t0-1$" "$D/k.cfg" || fail "k.cfg: $(cat "$D/k.cfg")"
as_nobody "$KH/virt-helper" "$URI" define "$D/dom.xml" 2> def.err || fail "define: $(cat def.err)"
as_nobody "$XT_BIN/kvmrt-sync-config" -f "$D/k.cfg" -c "$URI" > sync.txt 2>&1 || fail "sync: $(cat sync.txt)"
as_nobody "$KH/virt-helper" "$URI" dumpxml $NAME > synced.xml 2>/dev/null ||
grep -q "scheduler='fifo'\|scheduler=\"fifo\"" synced.xml || fail "no FIFO vCPU in the synced XML: $(cat synced.xml)"

# the test's kvmrt-boot, kvmrt-shutdown (root) and kvmrt-stat (nobody, as libvirtd)
boot() { KVMRT_STATE_DIR="$D/state" $VG "$XT_BIN/kvmrt-boot" -f "$D/k.cfg" -c "$URI" "$@"; }
shut() { KVMRT_STATE_DIR="$D/state" $VG "$XT_BIN/kvmrt-shutdown" -f "$D/k.cfg" -c "$URI" "$@"; }
stat() { as_nobody $VG "$XT_BIN/kvmrt-stat" -f "$D/k.cfg" -c "$URI" "$@"; }
state() { as_nobody "$XT_BIN/kvmrt-stat" -f "$D/k.cfg" -c "$URI" $NAME | awk 'NR == 2 { print ($3 == "shut") ? "shutoff" : $3 }'; }
JOURNAL=$D/state/$UUID.state

snapshot() {
	local f d x
	{
		for f in /proc/irq/*/smp_affinity_list; do echo "$f $(cat "$f" 2>&1)"; done
		echo "default_smp_affinity $(cat /proc/irq/default_smp_affinity)"
		find /sys/fs/cgroup/cpuset -type d | sort | while read -r d; do
			for x in cpus mems cpu_exclusive sched_load_balance; do
				echo "$d/cpuset.$x $(cat "$d/cpuset.$x" 2>&1)"
			done
		done
		for f in /sys/devices/system/cpu/cpu*/online; do echo "$f $(cat "$f")"; done
		for f in /sys/devices/virtual/workqueue/cpumask*  /sys/devices/virtual/workqueue/*/cpumask; do
			[ -f "$f" ] && echo "$f $(cat "$f")"
		done
	} > "$1"
}
same_as_before() {
	snapshot "$1"
	diff -u before.snap "$1" > "$1.diff" || fail "$2: the host is not as before: $(cat "$1.diff")"
}

sleep 600 &
SPID=$!
snapshot before.snap

# disabled (1.4): --all leaves it alone, naming it is refused, kvmrt-stat marks it
sed 's/^rt = true$/rt = true\ndisabled = true/' "$D/k.cfg" > "$D/dis.cfg"
chmod 644 "$D/dis.cfg"
expect_status 0 boot -f "$D/dis.cfg" --all > dis-all.out
expect_grep "^no VM to boot" dis-all.out
expect_status 1 boot -f "$D/dis.cfg" $NAME > dis.out 2> dis.err
expect_grep "^kvmrt-boot: $NAME: disabled in '$D/dis.cfg': not booted" dis.err
expect_status 0 stat -f "$D/dis.cfg" > dis-stat.txt
[ "$(wc -l < dis-stat.txt)" = 1 ] || fail "kvmrt-stat lists a disabled VM: $(cat dis-stat.txt)"
expect_status 0 stat -f "$D/dis.cfg" --all > dis-stat-all.txt
expect_grep "^$NAME +$UUID +shut off +yes +0-1 +none \(disabled\)$" dis-stat-all.txt
expect_status 0 stat -f "$D/dis.cfg" --all -o json > dis-stat.json
expect_grep '"disabled": true' dis-stat.json
# a passthrough device of this host, which has no IOMMU: validation stops the boot
dev=$(ls /sys/bus/pci/devices | head -1)
if [ -n "$dev" ] && [ ! -e "/sys/bus/pci/devices/$dev/iommu_group" ]; then
	sed "s/^rt = true$/rt = true\npcidevs = $dev/" "$D/k.cfg" > "$D/pci.cfg"
	chmod 644 "$D/pci.cfg"
	expect_status 2 boot -f "$D/pci.cfg" $NAME > pci.out 2> pci.err
	expect_grep "pcidevs: PCI device $dev is in no IOMMU group: it cannot be passed through" pci.err
	expect_grep "no VM booted" pci.err
fi
same_as_before disabled.snap "after the disabled and pcidevs cases"
ok "disabled: skipped by --all, refused by name, marked by kvmrt-stat; pcidevs without IOMMU refused"
[ "$(cat /proc/$SPID/cpuset)" = / ] || skip "the test runs in cpuset $(cat /proc/$SPID/cpuset), not the root"

# refused START_ERR WHY: kvmrt-boot fails to start the VM, says why and the fix, undoes the shield
refused() {
	expect_status 1 boot --move-tasks=$SPID $NAME > refused.out 2> refused.err
	expect_grep "^$NAME: shielding CPUs 1 \(housekeeping CPUs 0\), journal $JOURNAL$" refused.out
	expect_grep "^$NAME: tasks: 1 moved to the housekeeping CPUs" refused.out
	expect_grep "^kvmrt-boot: $NAME: libvirt cannot start the VM: .*$1" refused.err
	expect_grep "^  why: the host refuses $2" refused.err
	expect_grep "^  fix: " refused.err
	expect_grep "^$NAME: shield removed" refused.out
	[ ! -e "$JOURNAL" ] || fail "the journal is left: $(cat "$JOURNAL")"
	[ ! -e "$D/state/host.state" ] || fail "the shared journal is left: $(cat "$D/state/host.state")"
	[ "$(state)" = shutoff ] || fail "the VM is $(state)"
	[ "$(cat /proc/$SPID/cpuset)" = / ] || fail "the sleep stays in $(cat /proc/$SPID/cpuset)"
	same_as_before "refused-$3.snap" "after the refused start"
	mv refused.out "refused-$3.out"
	mv refused.err "refused-$3.err"
}
# 1. this host: no CAP_SYS_RESOURCE even for root, so the session libvirtd (as nobody) keeps
# a hard RLIMIT_MEMLOCK of a few MiB and RLIMIT_RTPRIO 0: locked memory is refused first
refused "locked memory" "to lock the VM's memory" memlock
ok "locked memory refused by the host: why, fix, shield undone, host exactly as before"
# without <locked/> in the domain, the FIFO vCPU is refused
sed '/<memoryBacking>/,/<\/memoryBacking>/d' synced.xml > nolock.xml
grep -q "<locked/>" nolock.xml && fail "sed"
chmod 644 nolock.xml
as_nobody "$KH/virt-helper" "$URI" define "$PWD/nolock.xml" 2> def.err || fail "define: $(cat def.err)"
refused "sched" "SCHED_FIFO" fifo
ok "FIFO vCPU refused by the host: why, fix, shield undone, host exactly as before"

# 2. the domain without FIFO and locked memory (all this host allows a session libvirtd; the
# configuration keeps rt = true): the whole shield with a running VM
grep -v "<vcpusched " nolock.xml > norefused.xml
chmod 644 norefused.xml
as_nobody "$KH/virt-helper" "$URI" define "$PWD/norefused.xml" 2> def.err || fail "define: $(cat def.err)"
expect_status 0 boot --move-tasks=$SPID $NAME > boot.out 2> boot.err
expect_grep "^$NAME: started \(real-time, shield in place\)$" boot.out
[ -s "$JOURNAL" ] || fail "no journal"
# what every shield shares (housekeeping cpuset, task moves, workqueues, IRQs) apart
expect_grep "^mkdir /sys/fs/cgroup/cpuset/kvmrt-housekeeping$" "$D/state/host.state"
expect_grep "^move $SPID	" "$D/state/host.state"
expect_grep "^mkdir /sys/fs/cgroup/cpuset/kvmrt-$UUID$" "$JOURNAL"
expect_no_grep "^move " "$JOURNAL"
[ "$(state)" = running ] || fail "the VM is $(state)"
QPID=$(cat "$D/run/libvirt/qemu/run/$NAME.pid") || fail "no QEMU pid file"
expect_status 0 stat > stat.txt
expect_grep "^$NAME +$UUID +running +yes +0-1 +in place$" stat.txt
sleep 0.5
# the vCPU pinned to CPU 1, the emulator to CPU 0; only the policy differs (no FIFO here)
expect_status 1 stat -t > stat-t.txt 2> stat-t.err
expect_grep "^  \* [0-9]+ +vcpu 0 +OTHER +0  1 +1 +1  CPU 0/(TCG|KVM) +policy$" stat-t.txt
expect_grep "^    $QPID +emulator +OTHER +0  0 +0 +0  qemu-system-x86 *$" stat-t.txt
expect_grep "1 thread not where the configuration puts it" stat-t.err
ok "booted: running, vCPU on CPU 1 (not FIFO: refused here), kvmrt-stat shows the shield in place"

[ "$(cat /proc/$SPID/cpuset)" = /kvmrt-housekeeping ] || fail "the sleep is in $(cat /proc/$SPID/cpuset)"
[ "$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/$SPID/status)" = 0 ] ||
	fail "the sleep may run on $(awk '/^Cpus_allowed_list/ { print $2 }' /proc/$SPID/status)"
[ "$(cat /sys/fs/cgroup/cpuset/kvmrt-$UUID/cpuset.cpus)" = 1 ] || fail "no VM cpuset"
[ "$(cat /sys/fs/cgroup/cpuset/kvmrt-$UUID/cpuset.sched_load_balance)" = 0 ] || fail "VM cpuset balanced"
[ "$(cat /proc/irq/default_smp_affinity)" = 1 ] ||
	fail "default_smp_affinity is $(cat /proc/irq/default_smp_affinity)"
# the unbound workqueues, writeback's among them, on the housekeeping CPU 0 (mask 1)
if [ -f /sys/devices/virtual/workqueue/cpumask ]; then
	for f in /sys/devices/virtual/workqueue/cpumask /sys/devices/virtual/workqueue/*/cpumask; do
		[ "$(cat "$f")" = 1 ] || fail "$f is $(cat "$f")"
	done
	expect_grep "^$NAME: workqueues: unbound CPU mask 1, and that of [0-9]+ workqueues? \(.*writeback" boot.out
fi
# has_cpu LIST CPU: is CPU in the CPU list LIST ("0-1,4")?
has_cpu() {
	local p parts
	IFS=, read -ra parts <<< "$1"
	for p in "${parts[@]}"; do
		[ "$2" -ge "${p%-*}" ] && [ "$2" -le "${p#*-}" ] && return 0
	done
	return 1
}
# every IRQ that could run on CPU 1 before: off it now, or reported as managed
moved=0 managed=0
for f in /proc/irq/*/smp_affinity_list; do
	irq=$(basename "$(dirname "$f")")
	was=$(awk -v f="$f" '$1 == f { print $2 }' before.snap)
	has_cpu "$was" 1 || continue
	now=$(cat "$f")
	if has_cpu "$now" 1; then
		expect_grep "^$NAME: IRQ $irq \(.*\) is managed by the kernel" boot.out "IRQ $irq still on CPU 1 ($now)"
		managed=$((managed + 1))
	else
		moved=$((moved + 1))
	fi
done
[ $moved -gt 0 ] || fail "no IRQ moved off CPU 1"
ok "the sleep in kvmrt-housekeeping on CPU 0; $moved IRQs off CPU 1, $managed managed ones reported"

expect_status 1 boot --clean > clean-running.out 2> clean-running.err
expect_grep "^kvmrt-boot: $UUID: the VM is running: its shield stays" clean-running.err
[ -s "$JOURNAL" ] || fail "--clean removed the journal of a running VM"
expect_status 1 shut --timeout 1 $NAME > noforce.out 2> noforce.err
expect_grep "^kvmrt-shutdown: $NAME: still running after 1 s \(--forced destroys it\); its shield stays$" noforce.err
[ "$(state)" = running ] || fail "the VM is $(state)"
[ -s "$JOURNAL" ] || fail "the shield was undone while the VM runs"
ok "--clean refuses while the VM runs; shutdown without --forced: exit 1, VM and shield kept"

expect_status 0 shut --forced --timeout 1 $NAME > shut.out 2> shut.err
expect_grep "^$NAME: destroyed \(still running after 1 s\)$" shut.out
expect_grep "^$NAME: shield removed" shut.out
expect_grep "^host: the last shield is gone" shut.out
[ ! -e "$D/state/host.state" ] || fail "the shared journal is left"
[ "$(state)" = shutoff ] || fail "the VM is $(state)"
kill -0 "$QPID" 2>/dev/null && fail "QEMU $QPID still runs"
[ ! -e "$JOURNAL" ] || fail "the journal is left"
[ "$(cat /proc/$SPID/cpuset)" = / ] || fail "the sleep stays in $(cat /proc/$SPID/cpuset)"
same_as_before shutdown.snap "after kvmrt-shutdown --forced"
expect_status 0 shut --forced $NAME > again.out
expect_grep "^$NAME: not running \(shut off\)$" again.out
ok "kvmrt-shutdown --forced: destroyed, shield undone, host exactly as before"

# 3. a crash of kvmrt-boot with the shield in place
expect_status 137 env KVMRT_BOOT_STOP_AFTER=shield \
	KVMRT_STATE_DIR="$D/state" "$XT_BIN/kvmrt-boot" -f "$D/k.cfg" -c "$URI" --move-tasks=$SPID $NAME > crash.out 2>&1
[ -s "$JOURNAL" ] || fail "no journal after the crash"
[ "$(cat /proc/$SPID/cpuset)" = /kvmrt-housekeeping ] || fail "the shield was not in place"
[ "$(state)" = shutoff ] || fail "the VM is $(state)"
expect_status 0 boot --clean > clean.out 2> clean.err
expect_grep "^$UUID: shield removed" clean.out
[ ! -e "$JOURNAL" ] || fail "the journal is left"
[ ! -e "$D/state/host.state" ] || fail "the shared journal is left"
same_as_before crash.snap "after kill -9 and --clean"
expect_status 0 boot --clean > clean2.out
[ ! -s clean2.out ] || fail "a second --clean did something: $(cat clean2.out)"
ok "kill -9 of kvmrt-boot with the shield in place, --clean: host exactly as before"

# 4. passthrough IRQs (1.4): this host has no IOMMU, so the shield and the pins go to a fake
# host (2 sockets x 10 cores x 2 threads, PCI devices in IOMMU groups, its own /proc/irq) while
# libvirt really starts the VM: the device's IRQs (MSI-X 60 from sysfs, 75 named by VFIO) go to
# the vCPU's CPU, the others off it, and kvmrt-shutdown puts every file back
"$KH/mksysfs" fake/sys 2 10 2 2 || fail "mksysfs"
for i in 60 61 75 80; do mkdir -p fake/proc/irq/$i && echo 0-39 > fake/proc/irq/$i/smp_affinity_list; done
rm -r fake/proc/irq/61	# in msi_irqs, but no IRQ of the kernel
printf '      CPU0 CPU1\n 60: 1 0 IR-PCI-MSI 1-edge nvme0q0\n 75: 0 0 IR-PCI-MSIX-0000:21:00.0 2-edge vfio-msix[2](0000:21:00.0)\n 80: 0 0 IR-PCI-MSI 3-edge eth0\n' > fake/proc/interrupts
sed 's/^cpuset = t0-1$/cpuset = 11-12/; s/^rt = true$/rt = true\npcidevs = 0000:21:00.0/' "$D/k.cfg" > "$D/pt.cfg"
grep -q "^cpuset = 11-12$" "$D/pt.cfg" || fail "pt.cfg: $(cat "$D/pt.cfg")"
fake_snap() { find fake -type f | sort | while read -r f; do echo "$f $(cat "$f")"; done; }
fake_snap > fake-before.snap
snapshot before.snap
expect_status 0 boot -f "$D/pt.cfg" --sysfs "$PWD/fake/sys" --proc "$PWD/fake/proc" --move-tasks=none $NAME > pt.out 2> pt.err
expect_grep "^$NAME: shielding CPUs 12 \(housekeeping CPUs 0-11,13-30,33-39\)" pt.out
expect_grep "^$NAME: started \(real-time, shield in place\)$" pt.out
expect_grep "^$NAME: IRQ 75 \(passthrough\) pinned to the VM's CPUs 12$" pt.out
[ "$(cat fake/proc/irq/60/smp_affinity_list)" = 12 ] || fail "IRQ 60: $(cat fake/proc/irq/60/smp_affinity_list)"
[ "$(cat fake/proc/irq/75/smp_affinity_list)" = 12 ] || fail "IRQ 75: $(cat fake/proc/irq/75/smp_affinity_list)"
[ "$(cat fake/proc/irq/80/smp_affinity_list)" = 0-11,13-30,33-39 ] || fail "IRQ 80: $(cat fake/proc/irq/80/smp_affinity_list)"
[ "$(cat fake/sys/devices/system/cpu/cpu32/online)" = 0 ] || fail "sibling 32 online"
[ "$(state)" = running ] || fail "the VM is $(state)"
expect_status 0 shut -f "$D/pt.cfg" --forced --timeout 1 $NAME > ptshut.out 2> ptshut.err
expect_grep "^$NAME: shield removed" ptshut.out
fake_snap > fake-after.snap
diff -u fake-before.snap fake-after.snap > fake.diff || fail "the fake host is not as before: $(cat fake.diff)"
same_as_before pt.snap "after the passthrough case"
ok "passthrough IRQs pinned to the vCPU's CPU at boot, every IRQ as before after shutdown"

as_nobody "$KH/virt-helper" "$URI" undefine $NAME || fail "undefine"
