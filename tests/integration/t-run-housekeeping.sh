#!/bin/bash
# xtrace-run on a host with a kvmrt shield keeps its own threads (and the processes it
# starts for itself) on the housekeeping CPUs, and gives the command the affinity it had;
# --any-cpu lets it run anywhere. The shield is the kernel's: cgroup v1's cpuset
# kvmrt-housekeeping (made here for real, with no task in it, removed at exit), or cgroup v2
# partitions kvmrt-*, as kvmrt-boot makes them: kvmrt-boot boots a real-time VM (libvirt's
# test driver) into a fake /sys with a cgroup v2 cpuset (--sysfs, and $XTRACE_SYSFS for
# xtrace-run: this host's cpuset is cgroup v1), kvmrt-boot --clean undoes it.
. "$(dirname "$0")/lib.sh"
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
[ "$(cat /sys/devices/system/cpu/online)" = "0-$(($(nproc) - 1))" ] || skip "a CPU is offline"
ALL=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
[ "$ALL" = "0-$(($(nproc) - 1))" ] || skip "this test may run on CPUs $ALL only"
CG=/sys/fs/cgroup/cpuset
HK=$CG/kvmrt-housekeeping
remove_hk() { [ -d "$HK" ] && [ -n "${MADE:-}" ] && rmdir "$HK"; cleanup_jobs; }
trap remove_hk EXIT

# affinities OUT: the command writes each xtrace-run thread's CPUs (one line each, as
# "rec LIST"), then its own ("cmd LIST")
affinities() {
	xrun -o "$1" sh -c 'echo "pid $PPID"; for s in /proc/$PPID/task/*/status; do
		echo "rec $(awk "/^Cpus_allowed_list/ { print \$2 }" $s)"; done
		echo "cmd $(awk "/^Cpus_allowed_list/ { print \$2 }" /proc/self/status)"' > "$1.out" 2> "$1.err"
}
# recorder_on OUT LIST: every recorder thread on LIST (and more than one thread)
recorder_on() {
	[ "$(grep -c '^rec ' "$1.out")" -ge 2 ] || fail "$1: the recorder's threads: $(cat "$1.out")"
	[ "$(grep '^rec ' "$1.out" | sort -u)" = "rec $2" ] || fail "$1: recorder threads on $(grep '^rec ' "$1.out" | sort -u | tr '\n' ' '), not $2"
	[ "$(grep '^cmd ' "$1.out")" = "cmd $ALL" ] || fail "$1: the command runs on $(grep '^cmd ' "$1.out"), not $ALL"
	# its tracefs instance removed (other recorders of the machine may have theirs)
	[ ! -e "/sys/kernel/tracing/instances/xtrace-$(awk '/^pid / { print $2 }' "$1.out")" ] ||
		fail "$1: the recorder's tracefs instance is left"
}

# no shield: everything anywhere, nothing said
[ -d "$CG" ] || skip "no cgroup v1 cpuset hierarchy"
[ -e "$HK" ] && skip "a kvmrt shield is in place on this host"
affinities none
recorder_on none "$ALL"
expect_no_grep "shield" none.err

# a shield: CPU 0 the housekeeping CPU
mkdir "$HK" && MADE=1 || fail "mkdir $HK"
cat "$CG/cpuset.mems" > "$HK/cpuset.mems"
echo 0 > "$HK/cpuset.cpus"
affinities shield
recorder_on shield 0
expect_grep "^xtrace-run: kvmrt shield in place: the recorder keeps to the housekeeping CPUs 0 \(--any-cpu" shield.err
xview shield > /dev/null || fail "the recording made on CPU 0 cannot be read"
expect_status 0 xrun -q --any-cpu -o any sh -c 'echo "pid $PPID"; for s in /proc/$PPID/task/*/status; do
	echo "rec $(awk "/^Cpus_allowed_list/ { print \$2 }" $s)"; done
	echo "cmd $(awk "/^Cpus_allowed_list/ { print \$2 }" /proc/self/status)"' > any.out 2> any.err
recorder_on any "$ALL"
[ ! -s any.err ] || fail "--any-cpu: $(cat any.err)"
rmdir "$HK" && MADE= || fail "rmdir $HK"
ok "a cgroup v1 shield: the recorder on the housekeeping CPU, the command where it was; --any-cpu"

# cgroup v2, the shield kvmrt-boot makes: a fake host of 4 CPUs (CPUs 0 and 1 this machine's
# too), a real-time VM on CPUs 0-1 whose vCPU CPU 1 becomes an isolated partition
[ -x "$XT_BIN/kvmrt-boot" ] || fail "$XT_BIN/kvmrt-boot is not built (make all)"
MKSYSFS=$XT_TOP/build/tests/kvmrt/mksysfs
[ -x "$MKSYSFS" ] || fail "$MKSYSFS is not built (make check-build)"
"$MKSYSFS" fake2 1 4 1 1 > /dev/null || fail "mksysfs"
mkdir -p fake2/fs/cgroup proc/irq
echo "cpuset cpu memory" > fake2/fs/cgroup/cgroup.controllers
echo > fake2/fs/cgroup/cgroup.subtree_control
echo 0-3 > fake2/devices/system/cpu/online
echo f > proc/irq/default_smp_affinity
U=4c1e2a7b-1d2e-4f00-9a55-0d3c2b1a0f11
cat > node.xml <<XML
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads>
    <active>4</active><mhz>3000</mhz><model>x86_64</model></cpu>
  <memory>16777216</memory>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>rtvm</name><uuid>$U</uuid>
    <memory unit='KiB'>1048576</memory><vcpu placement='static'>1</vcpu>
    <os><type arch='x86_64'>hvm</type></os><test:runstate>5</test:runstate>
  </domain>
</node>
XML
printf '[%s]\nname = rtvm\nnr_vcpus = 1\ncpuset = 0-1\nrt = true\n' "$U" > k.cfg
boot() {
	"$XT_BIN/kvmrt-boot" -f k.cfg -c "test://$PWD/node.xml" --sysfs "$PWD/fake2" \
		--proc "$PWD/proc" --state-dir "$PWD/state" --move-tasks=none "$@"
}
boot rtvm > boot.out 2>&1 || fail "kvmrt-boot: $(cat boot.out)"
expect_grep "isolated partition kvmrt-$U" boot.out
XTRACE_SYSFS=$PWD/fake2 affinities v2
recorder_on v2 0
expect_grep "housekeeping CPUs 0,2-3 " v2.err
# kvmrt-boot's partition not in force: no shield
partition=fake2/fs/cgroup/kvmrt-$U/cpuset.cpus.partition
cp "$partition" partition.saved
echo "isolated invalid (Cpu list in cpuset.cpus not exclusive)" > "$partition"
XTRACE_SYSFS=$PWD/fake2 affinities v2bad
recorder_on v2bad "$ALL"
cp partition.saved "$partition"
# kvmrt-boot --clean undoes the shield: no shield
boot --clean > clean.out 2>&1 || fail "kvmrt-boot --clean: $(cat clean.out)"
[ ! -e "fake2/fs/cgroup/kvmrt-$U" ] || fail "kvmrt-boot --clean left kvmrt-$U"
XTRACE_SYSFS=$PWD/fake2 affinities v2gone
recorder_on v2gone "$ALL"
expect_no_grep "shield" v2gone.err
ok "kvmrt-boot's cgroup v2 partition (fake /sys): kept off it; one not in force, or undone, is no shield"
