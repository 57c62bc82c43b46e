#!/bin/bash
# The recorder's own CPU per event (utime+stime of xtrace-run, its threads
# included, the traced load excluded) under 2 x sysload for SECS seconds.
#   bench/recorder-cpu.sh [BINDIR] [SECS] [REPS]     (after make all; root)
# Give two BINDIRs in turn (e.g. a build of another commit) for an A/B on a
# noisy machine: run them interleaved and compare medians.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bin}
secs=${2:-4}
reps=${3:-3}
out=$top/bench/out
mkdir -p "$out"
[ -x "$out/sysload" ] || cc -O2 -o "$out/sysload" "$top/bench/sysload.c" || exit 1
tck=$(getconf CLK_TCK)
for r in $(seq "$reps"); do
	d=$out/recorder-cpu.$$
	rm -rf "$d"
	"$bin/xtrace-run" ${XTRACE_ZSTD:+-z $XTRACE_ZSTD} -q -o "$d" -e sched,irq,timer,syscalls \
		sh -c "'$out/sysload' $secs > /dev/null & '$out/sysload' $secs > /dev/null; wait" &
	rec=$!
	last=0
	# utime+stime of the recorder process alone (fields 14, 15), until it exits
	while kill -0 $rec 2>/dev/null; do
		v=$(awk '{print $14 + $15}' /proc/$rec/stat 2>/dev/null) && last=$v
		sleep 0.05
	done
	wait $rec
	ev=$("$bin/xtrace-view" -i "$d" | awk '/^[0-9]+ +[0-9]+ / {s += $2} END {print s}')
	awk -v t=$last -v e=$ev -v h=$tck 'BEGIN { printf "events %d  recorder CPU %.2f s  %.1f ns/event\n", e, t / h, t / h * 1e9 / e }'
	rm -rf "$d"
done
