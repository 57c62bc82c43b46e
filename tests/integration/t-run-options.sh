#!/bin/bash
# xtrace-run's options and its exit status.
. "$(dirname "$0")/lib.sh"

# the exit status is the command's
expect_status 7 xrun -q -o r1 sh -c 'exit 7'
expect_status 0 xrun -q -o r2 true
xrun -q -o r3 false || echo "failed as it should" > or.txt
expect_grep "failed as it should" or.txt
expect_status 127 xrun -q -o r4 /nonexistent/command 2> err4.txt
expect_grep "cannot run '/nonexistent/command': No such file or directory" err4.txt
expect_status 143 xrun -q -o r5 sh -c 'kill -TERM $$'
no_instances
ok "exit status"

# -e: only the chosen events (plus markers)
expect_status 0 xrun -q -o ev -e sched:sched_switch sh -c 'echo hi > $XTRACE_MARKER; sleep 0.05'
xview ev | awk '{print $4}' | sort -u > names.txt
[ "$(tr '\n' ' ' < names.txt)" = "CONTEXT_SWITCH MARKER " ] || fail "-e sched:sched_switch gave: $(cat names.txt)"
expect_grep "^events = sched:sched_switch$" ev/xtrace.meta
# globs, groups, removal
expect_status 0 xrun -q -o ev2 -e 'timer:hrtimer_*,sched,-sched:sched_switch' true
expect_grep "^events = .*timer:hrtimer_start" ev2/xtrace.meta
expect_no_grep "sched_switch" ev2/xtrace.meta
ok "-e"

# -c: only the chosen CPU
expect_status 0 xrun -q -o c0 -c 0 sh -c 'for i in 1 2 3 4 5; do cat /proc/stat > /dev/null; done'
[ -f c0/cpu0.xtd ] && [ ! -f c0/cpu1.xtd ] || fail "-c 0 wrote $(ls c0)"
xview c0 | awk '$3 != 0 {bad = 1} END {exit bad}' || fail "-c 0: events of another CPU"
ok "-c"

# -b: buffer size in the metadata
expect_status 0 xrun -q -o b -b 2M true
expect_grep "^buffer_kb = 2048$" b/xtrace.meta

# -t tsc records with the TSC; the view still works
if grep -q x86-tsc /sys/kernel/tracing/trace_clock; then
	expect_status 0 xrun -q -o tsc -t tsc sh -c 'echo tsc-mark > $XTRACE_MARKER'
	expect_grep "^timestamp = tsc$" tsc/xtrace.meta
	expect_grep "^trace_clock = x86-tsc$" tsc/xtrace.meta
	xview tsc > tsc.txt || fail "view of a tsc recording"
	expect_grep "MARKER \[tsc-mark\]" tsc.txt
	ok "-t tsc"
fi

# -z: another zstd level reads the same
expect_status 0 xrun -q -o z -z 9 sh -c 'echo zstd9 > $XTRACE_MARKER'
xview z | grep -q 'MARKER \[zstd9\]' || fail "-z 9 recording unreadable"
expect_status 2 xrun -z 0 true 2> ez.txt
expect_grep "invalid zstd level '0'" ez.txt

# bad options: usage errors exit 2 with a message, nothing recorded
expect_status 2 xrun -t foo true 2> e1.txt
expect_grep "unknown timestamp type 'foo'" e1.txt
expect_status 2 xrun -b 1 true 2> e2.txt
expect_grep "invalid buffer size" e2.txt
expect_status 2 xrun -c 1-0 true 2> e3.txt
expect_grep "invalid CPU list" e3.txt
expect_status 2 xrun 2> e4.txt
expect_grep "no command given" e4.txt
expect_status 1 xrun -o cbad -c 1000 true 2> e5.txt
expect_grep "CPU 1000 is not online" e5.txt
[ ! -e cbad ] || fail "a failed start left '$T/cbad' behind"
# an unknown event: one clear message, non-zero, nothing left behind
expect_status 1 xrun -o unk -e sched,nosuch:event true 2> e6.txt
expect_grep "unknown event 'nosuch:event': nothing on this kernel matches it" e6.txt
[ "$(wc -l < e6.txt)" = 1 ] || fail "more than one message: $(cat e6.txt)"
[ ! -e unk ] || fail "a failed start left '$T/unk' behind"
no_instances
ok "bad options"

# never overwrite a recording; an empty directory is fine
mkdir keep && echo precious > keep/file
expect_status 1 xrun -o keep true 2> e7.txt
expect_grep "'keep' exists and is not empty" e7.txt
[ "$(cat keep/file)" = precious ] && [ "$(ls keep)" = file ] || fail "the existing directory changed"
mkdir empty
expect_status 0 xrun -q -o empty true
[ -f empty/xtrace.meta ] || fail "empty directory not used"
ok "output directory"

# --help and --list-events
xrun --help | grep -q "^usage: xtrace-run" || fail "--help"
xrun --list-events | grep -qE "^  kvm +VM entries" || fail "--list-events"
no_instances

# a start that fails says why, leaves nothing tracing, no socket and no half-made directory:
# in a pids cgroup of 1 task no guardian can be forked (xtrace_recorder_new fails); of 2 the
# guardian is made but no reader thread (xtrace_recorder_start fails)
pids_cg=
if [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
	pids_cg=/sys/fs/cgroup/pids/xtrace-test-$$
elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	pids_cg=/sys/fs/cgroup/xtrace-test-$$
fi
[ -n "$pids_cg" ] || fail "no pids cgroup controller (v1 pids or v2 with pids enabled)"
export XTRACE_RUN_DIR=$T/run
for max in 1 2; do
	mkdir "$pids_cg" || fail "cannot make $pids_cg"
	echo $max > "$pids_cg/pids.max"
	bash -c 'echo $$ > "$1/cgroup.procs" && exec "$2" -o nothreads true' sh "$pids_cg" \
		"$XT_BIN/xtrace-run" 2> e8.txt
	rc=$?
	rmdir "$pids_cg"
	[ $rc = 1 ] || fail "a failed start (pids.max $max) exited $rc: $(cat e8.txt)"
	expect_grep "^xtrace-run: cannot start recording: Resource temporarily unavailable$" e8.txt
	[ ! -e nothreads ] || fail "a failed start left '$T/nothreads' behind: $(ls nothreads)"
	[ -z "$(ls "$XTRACE_RUN_DIR")" ] || fail "a failed start left a socket: $(ls "$XTRACE_RUN_DIR")"
	no_instances
	ok "a failed start in $max task(s): '$(tr '\n' ' ' < e8.txt)'"
done
