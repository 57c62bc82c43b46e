#!/bin/bash
# trace-cmd's trace.dat files read as recordings (libxtrace/tracedat.c, docs/tracedat.md):
# files made here by Debian's trace-cmd record (v6, v7 with zstd and without compression,
# -B instances, --date, the x86-tsc clock) and zlib-compressed v7 files written from them by
# tests/helpers/tdat-zlib; every event's time, CPU and pid against trace-cmd report's on the
# same file (on the zstd original for a zlib copy, which trace-cmd 3.1.6 cannot read); the
# view's options and exports, the merge, host and guest files (GUEST and TIME_SHIFT options),
# and damaged files: truncated, a corrupt chunk, a newer version, not a trace.dat at all.
. "$(dirname "$0")/lib.sh"
command -v trace-cmd > /dev/null || fail "trace-cmd is not installed (make deps installs it)"
ZL=$HELPERS/tdat-zlib
[ -x "$ZL" ] || fail "$ZL is not built (make check-build)"

# The function tracer's files answer EPERM on some machines (docs: DESIGN.md, facts), which
# stops trace-cmd record; this shim answers for those files only (bench/ftrace_eperm_shim.c).
${CC:-cc} -O2 -shared -fPIC -o shim.so "$XT_TOP/bench/ftrace_eperm_shim.c" -ldl ||
	fail "building the shim"
inst=xt-tdat-$$
load='for i in $(seq 40); do cat /proc/stat > /dev/null; done; sleep 0.1'
# -F: the command's events only, few and quick whatever else runs on the machine
# (trace-cmd report now and then cannot read a file trace-cmd record just wrote: try again)
tc_record() {
	local out=$1; shift
	for _ in 1 2 3; do
		LD_PRELOAD=$PWD/shim.so trace-cmd record -q -F -o "$out" "$@" sh -c "$load" \
			> "$out.log" 2>&1 || fail "trace-cmd record $*: $(tail -3 "$out.log")"
		trace-cmd report -i "$out" 2> /dev/null | grep -qv '^cpus=' && return 0
	done
	fail "trace-cmd report cannot read what trace-cmd record $* wrote"
}
tc_record v6.dat --file-version 6 -e sched -e irq -B $inst -e raw_syscalls
tc_record v7.dat -e sched:sched_switch -e sched:sched_wakeup -B $inst -e syscalls:sys_enter_read
tc_record v7n.dat --compression none -e sched -e raw_syscalls
tc_record date.dat --date -e sched -e timer
tc_record tsc.dat -C x86-tsc -e sched
[ -e /sys/kernel/tracing/instances/$inst ] && fail "trace-cmd left its instance $inst"
head -c 12 v6.dat | grep -q tracing6 || fail "v6.dat is not version 6"
"$ZL" v7.dat z7.dat && "$ZL" v7n.dat z7n.dat && "$ZL" date.dat zdate.dat || fail "tdat-zlib"
"$ZL" v7.dat zbad.dat --corrupt || fail "tdat-zlib --corrupt"
trace-cmd report -i z7.dat > /dev/null 2>&1 && echo "note: trace-cmd now reads zlib files too"

# "TIME CPU PID" of every event, TIME in ns (or counts) without the point, sorted
tc_events() {
	trace-cmd report -t -i "$1" 2> /dev/null | grep -v '^cpus=' |
		sed -nE 's/^.*-([0-9]+) +\[([0-9]+)\] *([0-9.]+):.*/\3 \2 \1/p' |
		awk '{ t = $1; sub(/\./, "", t); sub(/^0+/, "", t); printf "%s %d %d\n", t, $2, $3 }' |
		sort
}
# (others' tracing in the top instance leaves events whose formats the file lacks: trace-cmd
# report prints them without time or CPU, both sides leave them out; and our LOST_EVENTS lines)
xv_events() {	# FILES (one word: split here)
	# shellcheck disable=SC2086
	xview -q -t epoch -f tod,cpu,pid,event $1 |
		awk '$4 != "UNKNOWN_EVENT" && $4 != "LOST_EVENTS" {
			t = $1; sub(/\./, "", t); sub(/^0+/, "", t); print t, $2, $3 }' | sort
}
check_same() {	# FILE REFERENCE
	tc_events "$2" > "$1.tc"
	xv_events "$1" > "$1.xv" || fail "xtrace-view $1"
	[ -s "$1.tc" ] || fail "trace-cmd report shows no event of $2"
	diff -q "$1.tc" "$1.xv" > /dev/null ||
		fail "$1: $(wc -l < "$1.xv") events, trace-cmd report $(wc -l < "$1.tc"): $(diff "$1.tc" "$1.xv" | head -4)"
	ok "$1: $(wc -l < "$1.xv") events, each at trace-cmd report's time, CPU and pid"
}
check_same v6.dat v6.dat
check_same v7.dat v7.dat
check_same v7n.dat v7n.dat
check_same date.dat date.dat
check_same tsc.dat tsc.dat
check_same z7.dat v7.dat
check_same z7n.dat v7n.dat
check_same zdate.dat date.dat

# the instances' events are there (sys_enter_read only in the instance of v7.dat)
xview -q -v v7.dat > v7.txt || fail "view -v"
expect_grep "syscalls:sys_enter_read" v7.txt "the instance's events"
expect_grep "sched:sched_switch" v7.txt "the top buffer's events"
expect_grep "SYSCALL_ENTER \[[a-z_0-9]+\]" <(xview -q v6.dat) "syscall names"

# times: of day with --date (UTC, near now), else the trace clock's, said so
xview -i zdate.dat > info.txt || fail "view -i"
expect_grep "^timestamps +tod \(trace clock local" info.txt
expect_grep "^host +$(uname -n) " info.txt
now=$(date +%s)
first=$(xview -q -t epoch date.dat | head -1 | cut -d. -f1)
[ $((now - first)) -ge 0 ] && [ $((now - first)) -lt 120 ] ||
	fail "date.dat's first event at $first s, now $now s: not a time of day"
xview v7.dat 2> note.txt | head -1 | grep -qE '^[0-9]+\.[0-9]{9} ' || fail "untimed times not in seconds"
expect_grep "no time of day .* seconds of its trace clock 'local'" note.txt
xview tsc.dat 2> note.txt > /dev/null
expect_grep "counts of its trace clock 'x86-tsc'" note.txt
ok "times of day with --date, the trace clock's seconds or counts otherwise, said so"

# the view's options on a trace.dat
# --cpus: the CPU with the most events (a short command's may all be on one), each of its events
xview -q -f cpu v7.dat > cpus.txt
all=$(wc -l < cpus.txt)
cpu=$(sort cpus.txt | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
c1=$(xview -q -c "$cpu" v7.dat | wc -l)
[ "$c1" -gt 0 ] && [ "$c1" = "$(grep -cx "$cpu" cpus.txt)" ] ||
	fail "--cpu $cpu: $c1 of $(grep -cx "$cpu" cpus.txt) events on CPU $cpu"
[ "$(xview -q -e SCHED_WAKEUP v7.dat | wc -l)" = "$(grep -c ' SCHED_WAKEUP ' v7.txt)" ] ||
	fail "--event"
w=$(xview -q --from +0.05s --to +0.1s v7.dat | wc -l)
[ "$w" -lt "$all" ] || fail "--from/--to: $w of $all"
xview -q -s zdate.dat > sum.txt || fail "--summary"
expect_grep "^system $(uname -n | cut -d. -f1): [0-9]+ events" sum.txt
xview -q -k z7.dat > kvm.txt || fail "--kvm"
xview -q -F json z7.dat | head -1 | grep -q '"event":' || fail "json export"
xview -q -F perfetto z7.dat | grep -q traceEvents || fail "perfetto export"
xview -q -F html z7.dat | grep -qi '<html' || fail "html export"
ok "filters, summary, kvm, exports on trace.dat files"

# merging: a trace.dat with --date beside our own recording; untimed files refused with them
xrun -q -o rec sh -c "$load" || fail "xtrace-run"
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o m1 -n tc=zdate.dat -n xt=rec
[ -f m1/sources/tc/trace.dat ] || fail "the merge does not keep the trace.dat"
n1=$(xview -q m1 | wc -l)
[ "$n1" = $(($(xview -q zdate.dat | wc -l) + $(xview -q rec | wc -l))) ] || fail "merged $n1 events"
diff <(xview -q -t epoch -f tod,cpu,pid,event --host tc m1) \
	<(xview -q -t epoch -f tod,cpu,pid,event zdate.dat) > /dev/null || fail "the merged trace.dat differs"
expect_status 1 "$XT_BIN/xtrace-multi-merge" -q -o m2 -n tc=v7.dat -n xt=rec 2> err.txt
expect_grep "no time of day to merge by" err.txt
ok "merge: a trace.dat with our recording; untimed trace.dat files refused beside timed ones"

# host and guest: the host file names guest vm1 (GUEST), the guest file's times go to the
# host's clock by its TIME_SHIFT samples (1 ms here) and take the host's DATE
tid() { trace-cmd dump --options -i "$1" 2> /dev/null | grep -A1 'Option TRACEID' | tail -1; }
htid=$(tid date.dat)
gtid=$(tid v7n.dat)
date_us=$(trace-cmd dump --options -i date.dat 2> /dev/null | grep -A1 'Option DATE' | tail -1)
[ -n "$htid" ] && [ -n "$gtid" ] && [ -n "$date_us" ] || fail "no TRACEID or DATE in the files"
python3 - "$htid" "$gtid" <<'EOF' || fail "option payloads"
import struct, sys
host, guest = int(sys.argv[1], 16), int(sys.argv[2], 16)
# TIME_SHIFT: peer, flags, CPUs; per CPU: count, times, offsets, scalings
ts = struct.pack("<QII", host, 0, 2)
for cpu in range(2):
    ts += struct.pack("<IQQQ", 1, 0, 1000000, 1)
open("shift.opt", "wb").write(ts)
# GUEST: name, trace id, vCPUs; per vCPU: id, host pid
open("guest.opt", "wb").write(b"vm1\0" + struct.pack("<QI", guest, 2) +
                              struct.pack("<IIII", 0, 4001, 1, 4002))
EOF
"$ZL" date.dat host.dat --option 13:guest.opt && "$ZL" v7n.dat guest.dat --option 12:shift.opt ||
	fail "tdat-zlib --option"
xview -i host.dat > hinfo.txt || fail "view -i host.dat"
expect_grep "^vm +vm1 \(qemu pid 4001\)" hinfo.txt
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o hg -n host=host.dat -n vm1=guest.dat
off=$((date_us * 1000 + 1000000))
# (ns since the epoch do not fit awk's numbers)
tc_events v7n.dat | while read -r t c p; do echo "$((t + off)) $c $p"; done | sort > guest.want
xview -q -t epoch -f tod,cpu,pid --host vm1 hg |
	awk '{ t = $1; sub(/\./, "", t); print t, $2, $3 }' | sort > guest.got
diff -q guest.want guest.got > /dev/null ||
	fail "guest events at the host's clock: $(diff guest.want guest.got | head -4)"
# and read together without a merge: the host's events and the guest's, at the same times
{ xv_events date.dat; cat guest.want; } | sort > both.want
xv_events "host.dat guest.dat" > both.got
diff -q both.want both.got > /dev/null || fail "host.dat guest.dat: $(diff both.want both.got | head -4)"
# without a DATE (as trace-cmd record -A writes them): both on the host's trace clock, merged so
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o hg2 -n host=z7.dat -n vm1=guest.dat
tc_events v7n.dat | while read -r t c p; do echo "$((t + 1000000)) $c $p"; done | sort > g1.want
xview -q -t epoch -f tod,cpu,pid --host vm1 hg2 |
	awk '{ t = $1; sub(/\./, "", t); sub(/^0+/, "", t); print t, $2, $3 }' | sort > g1.got
diff -q g1.want g1.got > /dev/null || fail "undated guest in the merge: $(diff g1.want g1.got | head -4)"
ok "host and guest: VM named from GUEST, guest times by TIME_SHIFT and the host's DATE, merged"

# TIME_SHIFT with two samples a CPU, interpolated, and TSC2NSEC, as trace-cmd computes them
tc_events v7n.dat > g.raw
tc_events tsc.dat > tsc.raw
python3 - "$htid" <<'EOF' || fail "expected times"
import struct, sys
host = int(sys.argv[1], 16)
ev = [tuple(map(int, l.split())) for l in open("g.raw")]
t0, t1 = min(e[0] for e in ev) - 1000000, max(e[0] for e in ev) + 1000000
o0, o1 = 1000000, 3000000
ts = struct.pack("<QII", host, 1, 2)       # flags 1: interpolate
for cpu in range(2):
    ts += struct.pack("<I", 2) + struct.pack("<QQ", t0, t1) + struct.pack("<qq", o0, o1) + \
          struct.pack("<QQ", 1, 1)
open("shift2.opt", "wb").write(ts)
d = t1 - t0
with open("g2.want", "w") as f:
    for t, c, p in ev:
        f.write("%d %d %d\n" % (t + o0 + ((t - t0) * (o1 - o0) + d // 2) // d, c, p))
open("tsc.opt", "wb").write(struct.pack("<IIQ", 3, 1, 0))
with open("tsc.want", "w") as f:
    for l in open("tsc.raw"):
        t, c, p = map(int, l.split())
        f.write("%d %d %d\n" % ((t * 3) >> 1, c, p))
EOF
"$ZL" v7n.dat guest2.dat --option 12:shift2.opt && "$ZL" tsc.dat tsc2.dat --option 14:tsc.opt ||
	fail "tdat-zlib --option"
xv_events guest2.dat > g2.got
sort g2.want | diff -q - g2.got > /dev/null ||
	fail "interpolated TIME_SHIFT: $(sort g2.want | diff - g2.got | head -4)"
xv_events tsc2.dat > tsc.got
sort tsc.want | diff -q - tsc.got > /dev/null ||
	fail "TSC2NSEC: $(sort tsc.want | diff - tsc.got | head -4)"
xview -i tsc2.dat 2> /dev/null | grep -q "^timestamps *clock" || fail "TSC2NSEC times are not ns"
ok "TIME_SHIFT interpolated between samples, TSC2NSEC: every event as trace-cmd computes it"

# damage: read what can be read, name it, exit 1, never crash
xview -q zbad.dat > bad.txt 2> /dev/null; rc=$?
[ "$rc" = 1 ] || fail "a corrupt chunk: exit $rc"
[ "$(wc -l < bad.txt)" -gt 0 ] && [ "$(wc -l < bad.txt)" -lt "$(xview -q z7.dat | wc -l)" ] ||
	fail "a corrupt chunk: $(wc -l < bad.txt) events"
xview zbad.dat 2>&1 > /dev/null | grep -q "corrupt compressed chunk skipped" || fail "not named"
# (a v6 file ends with its CPUs' data: cut into the last one's)
size=$(stat -c %s v6.dat)
head -c $((size - 6000)) v6.dat > cut6.dat
xview cut6.dat > cut.txt 2> cut.err; rc=$?
[ "$rc" = 1 ] || fail "a truncated v6 file: exit $rc"
expect_grep "truncated" cut.err
[ "$(wc -l < cut.txt)" -gt 0 ] || fail "nothing read of a truncated file"
{ head -c 10 v7.dat; printf 8; tail -c +12 v7.dat; } > v8.dat
expect_status 1 xview v8.dat 2> v8.err
expect_grep "version 8: this xtrace reads versions 6 and 7" v8.err
# options of later trace-cmd versions (an id not known here): skipped, the rest read
printf 'from the future\0' > future.opt
"$ZL" v7.dat future.dat --option 99:future.opt || fail "tdat-zlib --option 99"
xv_events future.dat > future.got
diff -q v7.dat.tc future.got > /dev/null || fail "a file with an unknown option reads differently"
head -c 5000 /dev/urandom > junk.dat
expect_status 1 xview junk.dat 2> /dev/null
printf '\027\010Dtracing7\0\0\010\0\020\0\0zlib\0' > short.dat
expect_status 1 xview short.dat 2> /dev/null
ok "damaged files: partial reads named, unknown options skipped, newer versions and junk refused"
