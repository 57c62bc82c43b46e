#!/bin/bash
# kvmrt-validate-host: a fake good host passes every check (exit 0), a fake bad
# one fails or warns on each with its fix (exit 2), one warning alone gives 1;
# then this real machine: every check runs and is classified, and the lines
# that can be checked from the shell say what the machine really has.
. "$(dirname "$0")/../kvmrt/itest-lib.sh"

[ -x "$XT_BIN/kvmrt-validate-host" ] || fail "$XT_BIN/kvmrt-validate-host is not built (make all)"
vh() { k kvmrt-validate-host "$@"; }

cat > rt.cfg <<CFG
[fde74e84-0e1b-404e-90e7-72101e79c48a]
name = rt1
nr_vcpus = 1
cpuset = 2-3
rt = true
pcidevs = 03:00.0
CFG
# line WANT_LEVEL WHAT FILE: the check's line has that level
level_of() { awk -v w="$2" 'substr($0, 7, 20) ~ "^"w" *$" { print $1 }' "$1"; }
expect_level() {
	local got
	got=$(level_of "$3" "$2")
	[ "$got" = "$1" ] || fail "$3: '$2' is '$got', expected $1: $(cat "$3")"
}
# every line is a check (PASS|WARN|FAIL, what, result), a fix under each
# WARN and FAIL, none under a PASS, and the summary line
check_format() {
	awk '
		/^(PASS|WARN|FAIL)  / { n++; lvl = $1; if (prev == "WARN" || prev == "FAIL") bad = bad " nofix:" NR; prev = lvl; next }
		/^      fix: / { if (prev != "WARN" && prev != "FAIL") bad = bad " fix:" NR; prev = "fix"; next }
		/^[0-9]+ checks: / { if (prev == "WARN" || prev == "FAIL") bad = bad " nofix:" NR; sum = $1; prev = ""; next }
		{ bad = bad " ?:" NR }
		END { if (bad != "" || sum != n) { print "bad lines" bad " (" n " checks, summary " sum ")"; exit 1 } }
	' "$1" || fail "$1 is malformed: $(cat "$1")"
}

"$KH/mksysfs" good 1 4 1 1 host=good || fail "mksysfs good"
"$KH/mksysfs" bad 1 4 1 1 host=bad || fail "mksysfs bad"
roots() { echo --sysfs "$1/sys" --proc "$1/proc" --dev "$1/dev"; }

expect_status 0 vh $(roots good) -f rt.cfg -c test:///default > good.txt
check_format good.txt
expect_grep "^21 checks: 21 passed, 0 warnings, 0 failures$" good.txt
expect_grep "^PASS  libvirt +test:///default answers, [0-9]+ domains?$" good.txt
expect_grep "^PASS  isolcpus +isolcpus=managed_irq,domain,2-3$" good.txt
ok "a good host passes (exit 0)"

expect_status 2 vh $(roots bad) -f rt.cfg --no-libvirt > bad.txt
check_format bad.txt
for w in "kernel preemption" IOMMU VFIO /dev/kvm "RT group scheduling" "cpuset cgroup" \
	 "memlock limit"; do
	expect_level FAIL "$w" bad.txt
done
for w in isolcpus nohz_full rcu_nocbs irqaffinity "kvm modules" SMT "cpufreq governor" \
	 "idle states" irqbalance THP "RT throttling" "timer migration" chronyd; do
	expect_level WARN "$w" bad.txt
done
expect_grep "^20 checks: 0 passed, 13 warnings, 7 failures$" bad.txt
expect_grep "^      fix: add isolcpus=managed_irq,domain,2-3 to the kernel command line" bad.txt
expect_grep "^      fix: echo 950000 > /sys/fs/cgroup/cpu/machine.slice/cpu.rt_runtime_us" bad.txt
expect_grep "^      fix: sysctl -w kernel.timer_migration=0" bad.txt
vh $(roots bad) -f rt.cfg --no-libvirt -q > badq.txt
expect_no_grep "^PASS|checks:" badq.txt
[ "$(grep -c '^WARN\|^FAIL' badq.txt)" = 20 ] || fail "-q: $(cat badq.txt)"
ok "a bad host: 7 failures, 13 warnings, each with its fix (exit 2)"

# one warning only: exit 1; libvirt unreachable: a failure
rm -r good/proc/500
expect_status 1 vh $(roots good) -f rt.cfg --no-libvirt > warn.txt
expect_level WARN chronyd warn.txt
expect_grep "^20 checks: 19 passed, 1 warnings, 0 failures$" warn.txt
expect_status 2 vh $(roots good) -f rt.cfg -c "qemu+unix:///session?socket=$PWD/none" > nolv.txt
expect_level FAIL libvirt nolv.txt
ok "warnings only exit 1, an unreachable libvirt fails"

# usage and configuration errors
expect_status 2 vh --bogus 2> usage.err
expect_status 2 vh -f missing.cfg --no-libvirt > /dev/null 2> missing.err
expect_grep "cannot read configuration 'missing.cfg'" missing.err
printf '[fde74e84-0e1b-404e-90e7-72101e79c48a]\nname = x\nrt = maybe\n' > broken.cfg
expect_status 2 vh -f broken.cfg --no-libvirt > /dev/null 2> broken.err
expect_grep "broken.cfg:3: error" broken.err
ok "usage and configuration errors exit 2"

# this machine, read as it is (no configuration: an empty file)
: > empty.cfg
vh -f empty.cfg --no-libvirt > host.txt
rc=$?
check_format host.txt
[ "$(grep -c '^PASS\|^WARN\|^FAIL' host.txt)" = 20 ] || fail "this host: $(cat host.txt)"
want=0
grep -q '^WARN' host.txt && want=1
grep -q '^FAIL' host.txt && want=2
[ "$rc" = "$want" ] || fail "this host: exit $rc, but the worst line says $want"
# what the shell sees on its own
if [ "$(cat /sys/kernel/realtime 2>/dev/null)" = 1 ] || uname -v | grep -q PREEMPT_RT; then
	expect_level PASS "kernel preemption" host.txt
else
	expect_level FAIL "kernel preemption" host.txt
	expect_grep "uname -v: $(uname -v)" host.txt
fi
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then w=PASS; else w=FAIL; fi
expect_level $w /dev/kvm host.txt
if grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then w=WARN; else w=PASS; fi
expect_level $w THP host.txt
if [ "$(cat /proc/sys/kernel/timer_migration 2>/dev/null)" = 1 ]; then w=WARN; else w=PASS; fi
expect_level $w "timer migration" host.txt
if [ "$(cat /proc/sys/kernel/sched_rt_runtime_us)" = -1 ]; then w=PASS; else w=WARN; fi
expect_level $w "RT throttling" host.txt
if pgrep -x irqbalance > /dev/null; then w=WARN; else w=PASS; fi
expect_level $w irqbalance host.txt
if pgrep -x chronyd > /dev/null; then w=PASS; else w=WARN; fi
expect_level $w chronyd host.txt
if grep -qw isolcpus /proc/cmdline; then w=PASS; else w=WARN; fi
expect_level $w isolcpus host.txt
if [ -e /sys/fs/cgroup/cpuset/cpuset.cpus ] || grep -qw cpuset /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	w=PASS
else
	w=FAIL
fi
expect_level $w "cpuset cgroup" host.txt
ok "this machine: 20 checks classified, exit $rc, agreeing with what the shell reads"
