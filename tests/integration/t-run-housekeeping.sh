#!/bin/bash
# xtrace-run on a host with a kvmrt shield keeps its own threads (and the processes it
# starts for itself) on the housekeeping CPUs, and gives the command the affinity it had;
# --any-cpu lets it run anywhere. The shield is the kernel's: cgroup v1's cpuset
# kvmrt-housekeeping (made here for real, with no task in it, removed at exit), or cgroup v2
# partitions kvmrt-* (a fake tree through $XTRACE_SYSFS: this host's cpuset is cgroup v1).
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

# cgroup v2: an isolated partition of CPU 1 (fake tree); an invalid one does not count
mkdir -p fake2/fs/cgroup/kvmrt-7a1e0c55 fake2/devices/system/cpu
echo "0-$(($(nproc) - 1))" > fake2/devices/system/cpu/online
echo 1 > fake2/fs/cgroup/kvmrt-7a1e0c55/cpuset.cpus
echo isolated > fake2/fs/cgroup/kvmrt-7a1e0c55/cpuset.cpus.partition
hk2=$(echo "0-$(($(nproc) - 1))" | sed 's/^0-1$/0/; s/^0-\(.*\)$/0,2-\1/; s/^0,2-2$/0,2/')
XTRACE_SYSFS=$PWD/fake2 affinities v2
recorder_on v2 "$hk2"
expect_grep "housekeeping CPUs $hk2 " v2.err
echo "isolated invalid (Cpu list in cpuset.cpus not exclusive)" > fake2/fs/cgroup/kvmrt-7a1e0c55/cpuset.cpus.partition
XTRACE_SYSFS=$PWD/fake2 affinities v2bad
recorder_on v2bad "$ALL"
ok "a cgroup v2 partition (fake tree): kept off it; an invalid partition is no shield"
