#!/bin/bash
# A killed recorder does not leave the kernel tracing: its guardian process turns
# the instance's tracing off and removes it within a second of kill -9, in stream
# and overwrite mode, and what was recorded views as before. A normal run leaves no
# guardian behind; a recorder killed with its guardian is still cleaned up by
# xtrace-ctl.
. "$(dirname "$0")/lib.sh"
set -m

TRACING=/sys/kernel/tracing/instances
RUN_DIR=${XTRACE_RUN_DIR:-/run/xtrace}

# on the way out (a failure too): end the commands, remove the instances the
# recorders this test killed left behind
recs= cmds=
cleanup() {
	local p
	cleanup_jobs
	[ -z "$cmds" ] || kill $cmds 2>/dev/null
	for p in $recs; do
		[ -d "$TRACING/xtrace-$p" ] && ! kill -0 "$p" 2>/dev/null || continue
		echo 0 > "$TRACING/xtrace-$p/tracing_on"
		rmdir "$TRACING/xtrace-$p"
	done
}
trap cleanup EXIT

# start DIR ARGS...: a recorder in the background, answering; its pid in $rec, its
# command's (a sleep) in $cmd
start() {
	local dir=$1
	shift
	"$XT_BIN/xtrace-run" -q -o "$dir" "$@" &
	rec=$!
	recs="$recs $rec"
	wait_recorder "$dir"
	cmd=$(pgrep -P $rec -x sleep)
	cmds="$cmds $cmd"
}

# stopped PID: the recorder's instance is gone or no longer tracing
stopped() {
	local on
	[ -d "$TRACING/xtrace-$1" ] || return 0
	{ read -r on < "$TRACING/xtrace-$1/tracing_on"; } 2>/dev/null || return 0
	[ "$on" = 0 ]
}

# gone PID: no such process runs (a zombie is its new parent's to reap)
gone() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# guardian_of PID: the recorder's guardian (a child named xtrace-guard)
guardian_of() { pgrep -P "$1" -x xtrace-guard; }

# kill9 PID: kill -9 the recorder alone; fail unless its instance stops tracing within
# 1 s ($ms: the milliseconds it took), its guardian exits and the instance goes. The
# time is that of the check's start: reading tracing_on blocks while the instance is
# being removed (the kernel's rmdir takes 0.1 s, more when busy), which the guardian
# does after writing 0 there.
kill9() {
	local pid=$1 g t0 tc
	g=$(guardian_of "$pid")
	t0=$(date +%s%N)
	kill -KILL "$pid"
	for (( ; ; )); do
		tc=$(date +%s%N)
		stopped "$pid" && break
		[ $((tc - t0)) -lt 1000000000 ] ||
			fail "xtrace-$pid still traces 1 s after kill -9 of its recorder"
		sleep 0.005
	done
	ms=$(((tc - t0) / 1000000))
	wait "$pid" 2>/dev/null
	[ -n "$g" ] || fail "recorder $pid had no guardian process"
	for _ in $(seq 500); do
		gone "$g" && [ ! -d "$TRACING/xtrace-$pid" ] && break
		sleep 0.01
	done
	gone "$g" || fail "guardian $g still runs 5 s after its recorder died"
	[ ! -d "$TRACING/xtrace-$pid" ] || fail "instance xtrace-$pid left after 5 s"
}

# stream mode: the frames written up to the kill stay readable
start stream sh -c 'echo before-kill > $XTRACE_MARKER; exec sleep 600'
# the first frame reaches the disk after a quiet second
sleep 2.5
kill9 $rec
expect_grep "^complete = false$" stream/xtrace.meta
xview stream > stream.txt 2> stream.err || fail "view of a killed recording: $(cat stream.err)"
expect_grep "MARKER \[before-kill\]" stream.txt
expect_grep "incomplete" stream.err
ok "kill -9, stream: tracing off within $ms ms; frames up to the kill readable"

# overwrite mode: what was flushed stays readable, the rest is gone with the buffers
start overwrite -m overwrite sleep 600
echo "saved-before-kill" > $TRACING/xtrace-$rec/trace_marker
xctl -q -p $rec flush || fail "flush"
echo "never-flushed" > $TRACING/xtrace-$rec/trace_marker
kill9 $rec
xview overwrite > overwrite.txt 2> overwrite.err ||
	fail "view of a killed flight recorder: $(cat overwrite.err)"
expect_grep "MARKER \[saved-before-kill\]" overwrite.txt
expect_no_grep "never-flushed" overwrite.txt
expect_grep "FLUSH \[#1\]" overwrite.txt
expect_grep "incomplete" overwrite.err
ok "kill -9, overwrite: tracing off within $ms ms; the flushed events readable"

# a normal run reaps its guardian: nothing of xtrace-run is left to a subreaper (an
# unreaped guardian would be handed to it, dead or alive)
python3 - "$XT_BIN/xtrace-run" > reap.txt <<'PY' || fail "normal run: $(cat reap.txt)"
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
p = subprocess.run([sys.argv[1], "-q", "-o", "normal", "sh", "-c",
                    "pgrep -P $PPID -x xtrace-guard > guard.pid"])
left = []
for t in os.listdir("/proc/self/task"):
    left += open("/proc/self/task/%s/children" % t).read().split()
print("exit", p.returncode, "guardian", open("guard.pid").read().strip(), "left", left)
sys.exit(0 if p.returncode == 0 and not left else 1)
PY
g=$(awk '{print $4}' reap.txt)
[ -n "$g" ] || fail "the normal run had no guardian: $(cat reap.txt)"
gone "$g" || fail "guardian $g of a normal run still runs"
expect_grep "^complete = true$" normal/xtrace.meta
ok "a normal run reaps its guardian ($g): no process, no zombie left"

# the guardian holds nothing of the recorder's; its death is not the command's; killed
# with it, the recorder's instance is still removed by xtrace-ctl
start both sleep 600
g=$(guardian_of $rec)
[ -n "$g" ] || fail "recorder $rec has no guardian"
# only its end of the socket pair: not the lock, no tracefs file
fds=$(ls -l /proc/$g/fd | awk 'NR > 1 {print $NF}')
[ "$(echo "$fds" | wc -l)" = 1 ] && [[ $fds == socket:* ]] ||
	fail "the guardian holds more than its socket: $fds"
[ "$(awk '{print $6}' /proc/$g/stat)" = "$g" ] || fail "the guardian is not in its own session"
grep -qw "$g" $TRACING/xtrace-$rec/set_event_notrace_pid || fail "the guardian traces itself"
ok "the guardian ($g) holds only its socket, has its own session, is not traced"
kill -KILL "$g"
sleep 0.3
kill -0 $rec 2>/dev/null || fail "xtrace-run ended when its guardian was killed"
xctl -q -p $rec status || fail "the recorder does not answer after its guardian died"
kill -KILL $rec
wait $rec 2>/dev/null
[ "$(cat $TRACING/xtrace-$rec/tracing_on)" = 1 ] || fail "expected xtrace-$rec left tracing"
expect_status 1 xctl status 2> gone.txt
expect_grep "recorder $rec is gone; removed its stale socket" gone.txt
[ ! -d "$TRACING/xtrace-$rec" ] || fail "xtrace-ctl left the dead recorder's instance"
[ ! -e "$RUN_DIR/xtrace-$rec.sock" ] || fail "the dead recorder's socket is still there"
ok "recorder and guardian killed: xtrace-ctl removes the instance"
