#!/bin/bash
# bench/perturbation.sh: how much recording disturbs a real-time thread's latencies.
# The timer probe (xtrace-probe timer -p 95 -m -a CPU -i 1000, SCHED_FIFO) on the last CPU
# for SECS seconds under 2 x sysload (a getpid/stat loop: a syscall storm, every call an
# event), while this system is
#   untraced
#   recorded by xtrace-run -q (default events), stream mode
#   recorded by xtrace-run -q -m overwrite (the flight recorder)
#   recorded by trace-cmd record with the same events (xtrace-run's list, from its metadata)
# Each recorder records `sleep` (the probe and the load are not its children) and runs under
# bench/rusage.c: its CPU is that of its process tree. Prints p50, p99, p99.9 and max latency,
# the recorder's CPU (s and % of one CPU) and the events it recorded.
#
#   bench/perturbation.sh            (root; after make all; bench/run.sh runs it as part 7)
# Environment: PERTURB_SECS (10), PERTURB_REPS (1: the rows in turn, REPS times; medians),
# PERTURB_INTERVAL_US (1000).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
OUT=$HERE/out
T=/sys/kernel/tracing
SECS=${PERTURB_SECS:-10}
REPS=${PERTURB_REPS:-1}
INTV=${PERTURB_INTERVAL_US:-1000}
CPU=$(($(nproc) - 1))
PROBE=(nice -n 0 "$TOP/bin/xtrace-probe" timer -q -p 95 -m -a "$CPU" -i "$INTV" --json)

die() { echo "perturbation: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (tracefs, SCHED_FIFO)"
[ -x "$TOP/bin/xtrace-probe" ] && [ -x "$TOP/bin/xtrace-run" ] || die "build first: make all"
command -v trace-cmd > /dev/null || die "trace-cmd missing (make deps-bench)"
mkdir -p "$OUT"
cc -O2 -o "$OUT/sysload" "$HERE/sysload.c" && cc -O2 -o "$OUT/rusage" "$HERE/rusage.c" &&
	cc -O2 -shared -fPIC -o "$OUT/ftrace_eperm_shim.so" "$HERE/ftrace_eperm_shim.c" -ldl ||
	die "cannot build the helpers"
PRE=()
# function-tracer files answer EPERM on some kernels: trace-cmd record needs the shim there
cat "$T/set_ftrace_pid" > /dev/null 2>&1 || PRE=(env "LD_PRELOAD=$OUT/ftrace_eperm_shim.so")
W=$(mktemp -d /tmp/xtrace-perturb.XXXXXX) || die "no work directory"
if [ -z "${XTRACE_RUN_DIR:-}" ]; then
	mkdir -m 0700 "$W/ctl" && export XTRACE_RUN_DIR=$W/ctl
fi
rec_pid=
cleanup() {
	[ -n "$rec_pid" ] && kill -INT "$rec_pid" 2> /dev/null && wait "$rec_pid" 2> /dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# measure NAME: the probe under the load; the recorder (if any) already runs
measure() {
	local name=$1 load
	"$OUT/rusage" -o "$W/$name.load" -n 2 "$OUT/sysload" $((SECS + 1)) > /dev/null &
	load=$!
	sleep 0.5
	"${PROBE[@]}" -D "$SECS" > "$W/$name.json" 2> "$W/$name.perr" ||
		echo "perturbation: the probe failed ($name): $(cat "$W/$name.perr")" >&2
	wait $load
}

# record NAME CMD...: run the recorder CMD (recording `sleep`) around measure
record() {
	local name=$1
	shift
	"$OUT/rusage" -o "$W/$name.rec" "$@" > "$W/$name.out" 2> "$W/$name.err" &
	rec_pid=$!
	sleep 2		# started, its buffers allocated
	measure "$name"
	wait $rec_pid
	rec_pid=
}

xtrace() {
	local name=$1
	shift
	rm -rf "$W/$name.d"
	record "$name" "$TOP/bin/xtrace-run" -q -o "$W/$name.d" "$@" -- sleep $((SECS + 4))
	awk '/^events = .*:/ { sub(/^events = /, ""); print }' "$W/$name.d/xtrace.meta" | tr ' ,' '\n\n' |
		grep . > "$W/events"
	"$TOP/bin/xtrace-view" -i "$W/$name.d" | awk '/^cpu +events/ { t = 1; next }
		t && $1 ~ /^[0-9]+$/ && NF == 6 { e += $2; l += $3 + $4 } END { print e + 0, l + 0 }' \
		> "$W/$name.count"
	rm -rf "$W/$name.d"
}

tracecmd() {
	local name=$1 ev=()
	[ -s "$W/events" ] || { echo "perturbation: no event list from xtrace-run" >&2; return; }
	while read -r e; do ev+=(-e "$e"); done < "$W/events"
	mkdir -p "$W/$name.d"
	(cd "$W/$name.d" && record "$name" "${PRE[@]}" trace-cmd record -q -o "$W/$name.d/trace.dat" \
		"${ev[@]}" -- env -u LD_PRELOAD sleep $((SECS + 4)))
	trace-cmd report --stat -i "$W/$name.d/trace.dat" 2> /dev/null > "$W/$name.stat"
	awk '/^read events:/ { e += $3 } /^overrun:/ { l += $2 } /^dropped events:/ { l += $3 }
		END { print e + 0, l + 0 }' \
		"$W/$name.stat" > "$W/$name.count"
	rm -rf "$W/$name.d"
}

for r in $(seq "$REPS"); do
	measure none$r
	xtrace stream$r
	xtrace overwrite$r -m overwrite
	tracecmd tracecmd$r
done

# one row: medians over the reps of each figure
row() {
	local label=$1 key=$2
	for r in $(seq "$REPS"); do
		[ -s "$W/$key$r.json" ] || continue
		python3 - "$W/$key$r.json" "$W/$key$r.rec" "$W/$key$r.count" "$SECS" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
cpu = "-"
if os.path.exists(sys.argv[2]):
    f = open(sys.argv[2]).read().split()
    cpu = float(f[1]) + float(f[2])
ev = open(sys.argv[3]).read().split() if os.path.exists(sys.argv[3]) else ["-", "-"]
print(d["p50_us"], d["p99_us"], d["p99_9_us"], d["max_us"], d["cycles"], cpu, *ev)
PY
	done | python3 -c '
import sys, statistics as s
rows = [l.split() for l in sys.stdin if l.strip()]
label, secs = sys.argv[1], float(sys.argv[2])
if not rows:
    print(f"{label:<28} FAILED"); sys.exit()
def med(i):
    v = [float(r[i]) for r in rows if r[i] != "-"]
    return s.median(v) if v else None
p50, p99, p999, mx, n = (med(i) for i in range(5))
cpu, ev, lost = med(5), med(6), med(7)
c = f"{cpu:7.2f} {100 * cpu / (secs + 4):5.1f}%" if cpu is not None else "%7s %6s" % ("-", "")
e = f"{ev / 1e6:8.2f} {lost / 1e6:7.3f}" if ev is not None else "%8s %7s" % ("-", "-")
print(f"{label:<28} {p50:6.0f} {p99:6.0f} {p999:7.0f} {mx:7.0f} {c} {e}")
' "$label" "$SECS"
}

echo "timer probe: xtrace-probe timer -p 95 -m -a $CPU -i $INTV -D $SECS, under 2 x sysload"
echo "(latencies in us; recorder CPU over its ${SECS}+4 s; events recorded and lost in millions,"
echo " lost in overwrite mode = overwritten, as a flight recorder does;"
echo " median of $REPS run(s); $(uname -r), $(nproc) CPUs)"
printf '%-28s %6s %6s %7s %7s %7s %6s %8s %7s\n' recorder p50 p99 p99.9 max "CPU s" "" events lost
row "none (untraced)" none
row "xtrace-run (stream)" stream
row "xtrace-run -m overwrite" overwrite
row "trace-cmd record (same ev.)" tracecmd
echo "events: $(tr '\n' ' ' < "$W/events" 2> /dev/null)"
