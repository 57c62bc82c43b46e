#!/bin/bash
# xtrace-ctl: pause/resume, per-CPU flush, several recorders, bad input.
. "$(dirname "$0")/lib.sh"
set -m
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"

"$XT_BIN/xtrace-run" -q -m overwrite -o a sleep 600 &
ra=$!
"$XT_BIN/xtrace-run" -q -o b sleep 600 &
rb=$!
wait_recorder a
wait_recorder b
xctl status > st.txt || fail "status"
expect_grep "^$ra +overwrite +[0-9,-]+ +- .* $T/a$" st.txt
expect_grep "^$rb +stream .* $T/b$" st.txt
ok "two recorders, each addressable"

# pause CPU 1 of recorder a: markers written on CPU 1 meanwhile are not recorded,
# those on CPU 0 are
ma=/sys/kernel/tracing/instances/xtrace-$ra/trace_marker
xctl -q -p $ra -c 1 PAUSE || fail "PAUSE (the guide writes commands in capitals)"
xctl -p $ra status | grep -qE "^$ra +overwrite +[^ ]+ +1 " || fail "status does not show CPU 1 paused"
# (the kernel refuses the marker on a paused CPU: that write may fail)
taskset -c 1 sh -c "echo during-pause-cpu1 > $ma" 2>/dev/null
taskset -c 0 sh -c "echo during-pause-cpu0 > $ma"
xctl -q -d a Resume || fail "Resume"
taskset -c 1 sh -c "echo after-resume-cpu1 > $ma"
# per-CPU flush: only CPU 0
xctl -q -p $ra -c 0 FLUSH || fail "FLUSH -c 0"
xctl -q -p $ra stop || fail "stop a"
wait $ra
xview a > a.txt
expect_no_grep "during-pause-cpu1" a.txt
expect_grep "during-pause-cpu0" a.txt
expect_grep "after-resume-cpu1" a.txt
[ "$(events_of 1 a.txt | grep -c 'PAUSE$')" = 1 ] || fail "no PAUSE on cpu 1"
[ "$(events_of 0 a.txt | grep -c 'PAUSE$')" = 0 ] || fail "PAUSE on cpu 0"
[ "$(events_of 1 a.txt | grep -c 'RESUME$')" = 1 ] || fail "no RESUME on cpu 1"
# cpu 1 has no event at all between its PAUSE and RESUME
events_of 1 a.txt | awk '/ PAUSE$/{p=1; next} / RESUME$/{p=0} p {print; bad=1} END {exit bad}' ||
	fail "events on cpu 1 while paused"
# flush #1 was cpu 0 only
expect_grep "^flush = [0-9]+ [0-9]+ 0$" a/xtrace.meta
[ "$(grep -c 'FLUSH \[#1\]' a.txt)" = 1 ] && events_of 0 a.txt | grep -q 'FLUSH \[#1\]' ||
	fail "FLUSH #1 should be on cpu 0 only"
ok "pause/resume and per-CPU flush (commands in any case)"

# --keep-running: stop ends the recording but not the command
"$XT_BIN/xtrace-run" -q -k -o k sh -c 'while [ ! -e go ]; do sleep 0.05; done; exit 5' &
rk=$!
wait_recorder k
xctl -q -d k stop || fail "stop k"
xctl -q -p $rk status 2>/dev/null && fail "a stopped recorder still answers"
kill -0 $rk 2>/dev/null || fail "xtrace-run ended before its command"
touch go
wait $rk
rc=$?
[ $rc = 5 ] || fail "--keep-running: exit status $rc, expected the command's 5"
expect_grep "^exit_status = 5$" k/xtrace.meta
ok "--keep-running"

# bad input
expect_status 2 xctl frobnicate 2> e1.txt
expect_grep "unknown command 'frobnicate'" e1.txt
expect_status 2 xctl -c x flush 2> e2.txt
expect_status 1 xctl -p 999999 status 2> e3.txt
expect_grep "no recorder with pid 999999 is running" e3.txt
# interactive mode, several commands on a line
printf 'status\nFLUSH status\nQUIT\nstatus\n' | xctl -p $rb > inter.txt || fail "interactive mode"
[ "$(grep -c "^$rb " inter.txt)" = 2 ] || fail "interactive: $(cat inter.txt)"
expect_grep "recorder $rb: flush: saved" inter.txt
printf 'bogus\n' | xctl -p $rb 2> inter.err && fail "interactive: a bad command must fail"
expect_grep "unknown command 'bogus'" inter.err
ok "bad input and interactive mode"

# a recorder that died: its socket and instance are cleaned up, the ctl says so
orphan=$(pgrep -P $rb -x sleep)
kill -KILL $rb
wait $rb 2>/dev/null
expect_status 1 xctl status 2> e4.txt
expect_grep "recorder $rb is gone; removed its stale socket" e4.txt
expect_grep "no recorder is running on this system" e4.txt
no_instances
expect_status 1 xctl flush 2> e5.txt
expect_grep "no recorder is running" e5.txt
[ -n "$orphan" ] && kill "$orphan"
ok "dead recorder cleaned up by xtrace-ctl (its command still running)"

# only root (or the recorder's user) may control a recorder
"$XT_BIN/xtrace-run" -q -o p sleep 600 &
rp=$!
wait_recorder p
if command -v setpriv > /dev/null; then
	expect_status 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$XT_BIN/xtrace-ctl" status 2> e6.txt
	xctl -q -p $rp status || fail "root lost control"
	ok "an unprivileged user cannot reach the recorder: $(head -1 e6.txt)"
fi
xctl -q -p $rp stop
wait $rp
no_instances
