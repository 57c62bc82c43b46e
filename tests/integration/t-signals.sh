#!/bin/bash
# SIGTERM/SIGINT to the recorder: the command ends, the recording is complete
# and the tracefs instance is gone. kill -9 of the recorder and its guardian: the
# data written so far stays readable and the next recorder removes the instance
# left behind (t-kill9.sh: the guardian alone removes it).
. "$(dirname "$0")/lib.sh"
# job control: without it a script's background jobs ignore SIGINT by design
set -m

"$XT_BIN/xtrace-run" -q -o term sh -c 'echo started > $XTRACE_MARKER; exec sleep 30' &
pid=$!
for i in $(seq 50); do grep -q '^start = [1-9]' term/xtrace.meta 2>/dev/null && break; sleep 0.1; done
sleep 0.3
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 143 ] || fail "SIGTERM: exit status $rc, expected 143 (the command's)"
expect_grep "^complete = true$" term/xtrace.meta
expect_grep "^exit_status = 143$" term/xtrace.meta
xview term > term.txt || fail "view after SIGTERM"
expect_grep "MARKER \[started\]" term.txt
no_instances
ok "SIGTERM"

"$XT_BIN/xtrace-run" -q -o int sleep 30 &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit status $rc, expected 130"
expect_grep "^complete = true$" int/xtrace.meta
no_instances
ok "SIGINT"

# kill -9: stream mode has written frames as it went
"$XT_BIN/xtrace-run" -q -o k9 sh -c 'echo before-kill > $XTRACE_MARKER; exec sleep 30' &
pid=$!
sleep 2.5
child=$(pgrep -P $pid -x sleep)
guard=$(pgrep -P $pid -x xtrace-guard)
[ -n "$guard" ] || fail "recorder $pid has no guardian"
kill -KILL $guard
kill -KILL $pid
wait $pid 2>/dev/null
[ -n "$child" ] && kill $child 2>/dev/null
inst=$(ls /sys/kernel/tracing/instances | grep "^xtrace-$pid" || true)
[ -n "$inst" ] || fail "expected the killed recorder's instance to be left"
expect_grep "^complete = false$" k9/xtrace.meta
xview k9 > k9.txt 2> k9.err || fail "view of a killed recording: $(cat k9.err)"
expect_grep "MARKER \[before-kill\]" k9.txt
expect_grep "incomplete" k9.err
ok "kill -9: data up to the last frame readable"
# the next recorder removes the orphan instance
expect_status 0 xrun -v -o next true 2> next.err
expect_grep "removed tracefs instance 'xtrace-$pid'" next.err
expect_grep "recorder $pid is gone; removed its stale socket" next.err
[ ! -e "${XTRACE_RUN_DIR:-/run/xtrace}/xtrace-$pid.sock" ] ||
	fail "the dead recorder's socket is still there"
no_instances
ok "stale instance removed by the next xtrace-run"
