#!/bin/bash
# bench/view-bench.sh: xtrace-view's speed on a large merged recording.
#
# tests/helpers/gen-recording writes a host (VIEW_BENCH_HOST_CPUS CPUs, with VM vm1's exits) and
# a guest vm1 in the real on-disk format, VIEW_BENCH_EVENTS events in all (default 50 M);
# xtrace-multi-merge merges them. Then, each the median of VIEW_BENCH_REPS runs, with peak
# RSS (bench/rusage.c):
#   xtrace-view OUT > /dev/null            lines/s   (the default text view)
#   xtrace-view --summary OUT              events/s
#   xtrace-view --kvm OUT                  events/s
#   xtrace-view --around MID+-1ms OUT      (a window: frames before it are skipped)
#   trace-cmd report                       lines/s, on a real trace.dat of about
#                                          VIEW_BENCH_TC_SECS s under 2 x sysload, if
#                                          trace-cmd is installed (not the same data)
# CPU s is user+sys of the process (all its threads); events/CPU-s shows the work per
# core when other load shares the machine. Work files: bench/out/view.PID (removed;
# VIEW_BENCH_KEEP=1 keeps them). Run as root only for the trace-cmd part.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
OUT=$HERE/out
W=$OUT/view.$$
EVENTS=${VIEW_BENCH_EVENTS:-50000000}
HCPUS=${VIEW_BENCH_HOST_CPUS:-4}
REPS=${VIEW_BENCH_REPS:-3}
TC_SECS=${VIEW_BENCH_TC_SECS:-3}
XVIEW=$TOP/bin/xtrace-view
XMERGE=$TOP/bin/xtrace-multi-merge
CC=${CC:-cc}

die() { echo "view-bench: $*" >&2; exit 1; }
[ -x "$XVIEW" ] && [ -x "$XMERGE" ] && [ -f "$TOP/lib/libxtrace.a" ] || die "build first: make -C $TOP all"
mkdir -p "$W" || die "cannot create $W"
[ "${VIEW_BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
$CC -O2 -o "$W/rusage" "$HERE/rusage.c" &&
	$CC -O2 -o "$W/sysload" "$HERE/sysload.c" &&
	$CC -O2 -shared -fPIC -o "$W/ftrace_eperm_shim.so" "$HERE/ftrace_eperm_shim.c" -ldl &&
	make -s -C "$TOP" build/tests/helpers/gen-recording ||
	die "cannot build the helpers"

t0=$(( $(date +%s) * 1000000000 ))
host_ev=$((EVENTS * 2 / 3))
"$TOP/build/tests/helpers/gen-recording" -q -o "$W/host" -n host -c "$HCPUS" -e $host_ev -s 11 -t $t0 || die "gen host"
"$TOP/build/tests/helpers/gen-recording" -q -o "$W/vm1" -n vm1 -c 2 -e $((EVENTS - host_ev)) -s 12 -t $((t0 + 7000)) -g ||
	die "gen vm1"
# gen-recording's vCPU threads are "CPU n/KVM", pid 4001+n, of qemu pid 4000: name the VM
{ echo "vm 4000 vm1"; echo "thread 4000 4000 -1"
  for c in $(seq 0 $((HCPUS - 1))); do echo "thread $((4001 + c)) 4000 $c"; done; } > "$W/host/vms"
if "$XMERGE" -q -o "$W/merged" "$W/host" "$W/vm1"; then
	IN=("$W/merged"); what="a merged recording"
else
	# the view merges the two on the fly with the same heap: same lines, same work per event
	IN=("$W/host" "$W/vm1"); what="host + vm1 merged on the fly (xtrace-multi-merge failed)"
fi
lines=$("$XVIEW" "${IN[@]}" | wc -l)
mid=$("$XVIEW" -t rel "${IN[@]}" | sed -n "$((lines / 2))p" | cut -d' ' -f1)

# run NAME CMD...: median wall, CPU and max RSS of REPS runs; prints a row
row() {
	local name=$1 n=$2; shift 2
	local f=$W/times
	: > "$f"
	for _ in $(seq "$REPS"); do
		"$W/rusage" -o "$f.one" "$@" > /dev/null 2>&1 < /dev/null || true
		cat "$f.one" >> "$f"
	done
	sort -n -k1 "$f" | sed -n "$(((REPS + 1) / 2))p" | awk -v name="$name" -v n="$n" '{
		wall = $1; cpu = $2 + $3; rss = $4 / 1024;
		printf "%-28s %11d %8.2f %8.2f %12.0f %12.0f %8.1f\n", name, n, wall, cpu,
			n / wall, (cpu > 0 ? n / cpu : 0), rss }'
}

echo "xtrace-view on $what: host $HCPUS CPUs + vm1 2 CPUs, $lines events"
echo "($(du -shc "${IN[@]}" | tail -1 | cut -f1) on disk; $(nproc) CPUs; medians of $REPS runs)"
printf "%-28s %11s %8s %8s %12s %12s %8s\n" "" "lines/events" "wall s" "CPU s" "per s" \
	"per CPU-s" "RSS MiB"
row "xtrace-view (text)" "$lines" "$XVIEW" "${IN[@]}"
row "xtrace-view --summary" "$lines" "$XVIEW" --summary "${IN[@]}"
row "xtrace-view --kvm" "$lines" "$XVIEW" --kvm "${IN[@]}"
row "xtrace-view -F json" "$lines" "$XVIEW" -F json "${IN[@]}"
wl=$("$XVIEW" --around "+${mid}s+-1ms" "${IN[@]}" | wc -l)
row "xtrace-view --around mid+-1ms" "$wl" "$XVIEW" --around "+${mid}s+-1ms" "${IN[@]}"

if command -v trace-cmd > /dev/null && [ "$(id -u)" = 0 ]; then
	PRE=()
	# where the function-tracer files answer EPERM, trace-cmd record needs the shim (run.sh)
	cat /sys/kernel/tracing/set_ftrace_pid > /dev/null 2>&1 ||
		PRE=(env "LD_PRELOAD=$W/ftrace_eperm_shim.so")
	"$W/sysload" "$TC_SECS" > /dev/null & l1=$!; "$W/sysload" "$TC_SECS" > /dev/null & l2=$!
	"${PRE[@]}" trace-cmd record -q -o "$W/trace.dat" -e sched -e irq -e raw_syscalls \
		env -u LD_PRELOAD sleep "$TC_SECS" > "$W/tc.log" 2>&1 ||
		echo "(trace-cmd record failed: $(tail -n 2 "$W/tc.log"))"
	kill $l1 $l2 2> /dev/null; wait $l1 $l2 2> /dev/null
	tl=$(trace-cmd report -i "$W/trace.dat" 2> /dev/null | wc -l)
	row "trace-cmd report" "$tl" trace-cmd report -i "$W/trace.dat"
else
	echo "(trace-cmd report skipped: needs trace-cmd and root)"
fi
