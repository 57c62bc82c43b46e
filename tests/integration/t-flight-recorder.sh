#!/bin/bash
# The guide's chapter 6 flow on one machine: a flight recorder around a failing
# application, flushed by "userapp || xtrace-ctl flush", then "xtrace-ctl flush stop".
. "$(dirname "$0")/lib.sh"
set -m

"$XT_BIN/xtrace-run" -q -m overwrite -o xtrace-host sleep 600 &
rec=$!
wait_recorder xtrace-host
# nothing but metadata is written while a flight recorder records
sh -c 'for i in $(seq 200); do cat /proc/stat > /dev/null; done'
for f in xtrace-host/cpu*.xtd; do
	[ "$(stat -c %s "$f")" = 32 ] || fail "$f grew to $(stat -c %s "$f") bytes before any flush"
done
ok "overwrite mode writes no event data until a flush"

marker=$(ls -d /sys/kernel/tracing/instances/xtrace-$rec)/trace_marker
cat > userapp.sh <<APP
#!/bin/sh
echo "userapp: cycle 1" > $marker
echo "userapp: deadline missed, giving up" > $marker
echo \$\$ > app.pid
exit 1
APP
chmod +x userapp.sh
./userapp.sh || xctl flush > flush1.txt || fail "xtrace-ctl flush"
expect_grep "recorder $rec: flush: saved [1-9][0-9]* sub-buffers" flush1.txt
sleep 0.2
xctl flush stop > stop.txt || fail "xtrace-ctl flush stop"
expect_grep "recorder $rec: stop: stopped; ending the command" stop.txt
wait $rec
rc=$?
[ $rc = 143 ] || fail "xtrace-run exited $rc; expected 143 (sleep ended by SIGTERM)"
no_instances
[ -z "$(ls "${XTRACE_RUN_DIR:-/run/xtrace}" 2>/dev/null | grep "xtrace-$rec")" ] ||
	fail "control socket left behind"

xview xtrace-host > view.txt || fail "xtrace-view"
# in order: the app's markers, the first flush on every CPU, then flushes 2 and 3 (stop)
grep -nE 'MARKER \[userapp|FLUSH \[#' view.txt > order.txt
seq=$(sed -E 's/.*MARKER \[userapp: cycle.*/M1/; s/.*MARKER \[userapp: deadline.*/M2/; s/.*FLUSH \[#([0-9]+)\].*/F\1/' order.txt |
	uniq | tr '\n' ' ')
[ "$seq" = "M1 M2 F1 F2 F3 " ] || fail "wrong order ($seq): $(cat order.txt)"
for f in xtrace-host/cpu*.xtd; do
	cpu=$(basename "$f" .xtd); cpu=${cpu#cpu}
	[ "$(events_of "$cpu" view.txt | grep -c 'FLUSH \[#1\]')" = 1 ] || fail "cpu$cpu lacks FLUSH #1"
done
# the failing app's own exit is in the trace, after its markers and before the first flush
app=$(cat app.pid)
exit_line=$(grep -n "PROCESS_EXIT \[$app\]" view.txt | head -1 | cut -d: -f1)
mark_line=$(grep -n 'MARKER \[userapp: deadline' view.txt | head -1 | cut -d: -f1)
flush_line=$(grep -n 'FLUSH \[#1\]' view.txt | head -1 | cut -d: -f1)
[ -n "$exit_line" ] && [ "$mark_line" -lt "$exit_line" ] && [ "$exit_line" -lt "$flush_line" ] ||
	fail "the app's exit (pid $app, line ${exit_line:-none}) is not between its marker ($mark_line) and FLUSH #1 ($flush_line)"
[ "$(grep -c '^flush = ' xtrace-host/xtrace.meta)" = 3 ] || fail "metadata lacks the 3 flush points"
expect_grep "^mode = overwrite$" xtrace-host/xtrace.meta
expect_grep "^exit_status = 143$" xtrace-host/xtrace.meta
expect_grep "^complete = true$" xtrace-host/xtrace.meta
ok "the guide's flow: marker, failure, FLUSH #1, #2, #3 in order"

# overwrite keeps the newest events and drops the oldest: 20000 markers on one CPU
# into a 64 KiB buffer
"$XT_BIN/xtrace-run" -q -m overwrite -b 64K -o small sleep 600 &
rec=$!
wait_recorder small
marker=/sys/kernel/tracing/instances/xtrace-$rec/trace_marker
taskset -c 0 bash -c "exec 3> $marker; for i in \$(seq 20000); do echo \"seq \$i\" >&3; done" ||
	fail "writing markers"
xctl -q -p $rec stop || fail "stop"
wait $rec
xview small > small.txt
seqs=$(grep -oE 'MARKER \[seq [0-9]+\]' small.txt | grep -oE '[0-9]+')
first=$(echo "$seqs" | head -1); last=$(echo "$seqs" | tail -1); n=$(echo "$seqs" | wc -l)
[ "$last" = 20000 ] || fail "the newest marker (20000) is missing; last is $last"
[ "$first" -gt 1 ] || fail "the oldest markers survived: first is $first"
[ "$n" = $((last - first + 1)) ] || fail "a gap inside the kept markers: $n markers from $first to $last"
over=$(awk '/^\[cpu0\]/{s=1} s && /^overrun/{print $3; exit}' small/xtrace.meta)
[ "$over" -gt 0 ] || fail "no overrun counted for cpu0"
ok "overwrite kept markers $first..20000 ($n), overran $over older events"
# the overwritten history is the flight recorder's design, not a loss: not for the view,
# nor for a merge
xview small > /dev/null 2> small.err
expect_no_grep "lost" small.err "xtrace-view's warnings"
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o small-merged small > /dev/null 2> merge.err
expect_no_grep "events were lost" merge.err "xtrace-multi-merge's warnings"
expect_grep "^lost = 0$" small-merged/xtrace.meta
ok "overwritten history is not reported as lost"
no_instances

# two flushes: every marker saved exactly once, none lost between them
"$XT_BIN/xtrace-run" -q -m overwrite -o twice sleep 600 &
rec=$!
wait_recorder twice
marker=/sys/kernel/tracing/instances/xtrace-$rec/trace_marker
bash -c "exec 3> $marker; for i in \$(seq 1 1000); do echo \"n \$i\" >&3; done"
xctl -q -p $rec flush || fail "flush 1"
bash -c "exec 3> $marker; for i in \$(seq 1001 2000); do echo \"n \$i\" >&3; done"
xctl -q -p $rec flush || fail "flush 2"
xctl -q -p $rec stop || fail "stop"
wait $rec
xview twice | grep -oE 'MARKER \[n [0-9]+\]' | grep -oE '[0-9]+' > n.txt
[ "$(wc -l < n.txt)" = 2000 ] || fail "expected 2000 markers, got $(wc -l < n.txt)"
[ "$(sort -n n.txt | uniq | wc -l)" = 2000 ] || fail "a marker saved twice"
[ "$(sort -n n.txt | head -1)-$(sort -n n.txt | tail -1)" = 1-2000 ] || fail "markers lost"
ok "two flushes: 2000 markers, each once"

# kill -9 after a flush: the flushed data stays readable; the recorder's guardian removes
# its instance, xtrace-ctl its socket
"$XT_BIN/xtrace-run" -q -m overwrite -o killed sleep 600 &
rec=$!
wait_recorder killed
child=$(pgrep -P $rec -x sleep)
echo "saved-before-kill" > /sys/kernel/tracing/instances/xtrace-$rec/trace_marker
xctl -q -p $rec flush || fail "flush"
echo "never-flushed" > /sys/kernel/tracing/instances/xtrace-$rec/trace_marker
kill -KILL $rec
wait $rec 2>/dev/null
[ -n "$child" ] && kill "$child"
xview killed > killed.txt 2> killed.err || fail "view of a killed flight recorder: $(cat killed.err)"
expect_grep "MARKER \[saved-before-kill\]" killed.txt
expect_no_grep "never-flushed" killed.txt
expect_grep "incomplete" killed.err
expect_status 1 xctl status 2> gone.txt
expect_grep "recorder $rec is gone" gone.txt
no_instances
ok "kill -9: data up to the last flush readable, instance and socket removed"
