#!/bin/bash
# bench/run.sh: xtrace beside trace-cmd on this machine (run by `make bench`, as root).
#
#  1. recording under a syscall-heavy load: 2 x sysload (tight getpid/stat loop) for
#     $BENCH_SECS s; xtrace-run -e sched,irq,timer,syscalls against
#     trace-cmd record -e sched -e irq -e timer -e raw_syscalls
#  2. the same under `perf bench sched messaging -g 5 -l 200` (~200 runnable tasks)
#  3. printing a recording of several million events (the last of run 1):
#     xtrace-view DIR > /dev/null against trace-cmd report -i trace.dat > /dev/null, and
#     xtrace-view trace.dat > /dev/null on that same trace.dat (reading trace-cmd's format)
#  4. the flight recorder: xtrace-run -m overwrite -b 4M ... sleep 600 under sysload pinned
#     to each CPU: (b) the recorder's own CPU (/proc/PID/stat utime+stime) and (c) its
#     VmRSS and the size of its DIR over $BENCH_FR_SECS s of recording without a flush;
#     (a) the wall time of `xtrace-ctl -p PID flush` with every CPU's buffer full, the
#     load stopped (first after (b)/(c), then after a re-fill of $BENCH_FR_FILL s each),
#     and $BENCH_FR_REPS times while the load runs; then `xtrace-ctl stop`.
#  5. merging systems: tests/helpers/gen-recording writes 3 recordings in the real on-disk format
#     (host 8 CPUs, vm1 4, vm2 4; overlapping spans; kvm/sched/irq/syscall records laid
#     out by this kernel's formats; $BENCH_MULTI_EVENTS events in all); then
#     xtrace-multi-merge -q -o OUT host vm1 vm2 (events/s, input bytes/s, peak RSS; median
#     of $BENCH_MULTI_REPS), the same on a tenth of the input (RSS must not grow with it),
#     the same with XTRACE_MERGE_KBUFFER=1 (kbuffer reads every sub-buffer), the merge of 3
#     REAL recordings (xtrace-run x 3 at once in UTS namespaces under 2 x sysload for
#     $BENCH_MULTI_TC_SECS s), xtrace-view OUT > /dev/null and xtrace-view host vm1 vm2; beside
#     trace-cmd report -i a.dat -i b.dat -i c.dat > /dev/null on 3 REAL recordings made
#     at once (trace-cmd record -B, one instance each) under 2 x sysload for
#     $BENCH_MULTI_TC_SECS s: recordings of comparable size, not the same data.
#
# Both tools run at their default buffer sizes. Recorder CPU = CPU of the recorder's
# process tree minus that of the load (both measured with bench/rusage.c). Figures are
# medians of $BENCH_REPS runs (per column). Work files go to bench/out/run.PID and are
# removed at the end; the table is also saved in bench/out/last-results.txt.
#
# Environment: BENCH_SECS (5), BENCH_REPS (3), BENCH_VIEW_REPS (3), BENCH_FR_SECS (10),
# BENCH_FR_FILL (3), BENCH_FR_REPS (3), BENCH_MULTI_EVENTS (50000000), BENCH_MULTI_REPS (3),
# BENCH_MULTI_TC_SECS (10), BENCH_MULTI=0 skips part 5, BENCH_KEEP=1 keeps the recordings,
# BENCH_ONLY=LIST runs only those parts (e.g. BENCH_ONLY=5; part 3 prints part 1's recording).
# Part 6 is bench/view-bench.sh (BENCH_VIEW_EVENTS, default 50000000); part 7
# bench/perturbation.sh (PERTURB_SECS, PERTURB_REPS); part 8 bench/view-html-bench.sh (the
# timeline page's export, load time, memory and redraw); part 9 bench/gs-bench.sh (the guest
# services on the TCG guest; GS_BENCH_CALLS, default 1000); part 10 bench/fanout.sh (one
# command over 1 to 32 loopback systems; BENCH_FANOUT_SIZES, BENCH_FANOUT_REPS).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
OUT=$HERE/out
WORK=$OUT/run.$$
XRUN=$TOP/bin/xtrace-run
XVIEW=$TOP/bin/xtrace-view
T=/sys/kernel/tracing
SECS=${BENCH_SECS:-5}
REPS=${BENCH_REPS:-3}
VREPS=${BENCH_VIEW_REPS:-3}
FR_SECS=${BENCH_FR_SECS:-10}
FR_FILL=${BENCH_FR_FILL:-3}
FR_REPS=${BENCH_FR_REPS:-3}
FR_BUF=4M
MULTI=${BENCH_MULTI:-1}
ONLY=${BENCH_ONLY:-}
M_EVENTS=${BENCH_MULTI_EVENTS:-50000000}
M_REPS=${BENCH_MULTI_REPS:-3}
M_TC_SECS=${BENCH_MULTI_TC_SECS:-10}
XMERGE=$TOP/bin/xtrace-multi-merge
XCTL=$TOP/bin/xtrace-ctl
XEV=sched,irq,timer,syscalls
TCEV=(-e sched -e irq -e timer -e raw_syscalls)
MSG=(perf bench sched messaging -g 5 -l 200)

die() { echo "bench: $*" >&2; exit 1; }
# want N: part N is to run (BENCH_ONLY unset, or N in its comma list)
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
want 5 || MULTI=0
note() { echo "bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (tracefs)"
[ -d "$T/instances" ] || die "tracefs is not mounted at $T"
[ -x "$XRUN" ] && [ -x "$XVIEW" ] && [ -x "$XCTL" ] && [ -x "$XMERGE" ] &&
	[ -f "$TOP/lib/libxtrace.a" ] || die "build first: make -C $TOP all"
command -v trace-cmd >/dev/null || die "trace-cmd missing (make deps-bench)"
perf bench sched messaging -h >/dev/null 2>&1 || perf version >/dev/null 2>&1 ||
	die "perf missing (make deps-bench)"
CC=${CC:-cc}

mkdir -p "$OUT" || die "cannot create $OUT"
# --------------------------------------------------------------- helpers
$CC -O2 -o "$OUT/sysload" "$HERE/sysload.c" &&
	$CC -O2 -o "$OUT/rusage" "$HERE/rusage.c" &&
	$CC -O2 -shared -fPIC -o "$OUT/ftrace_eperm_shim.so" "$HERE/ftrace_eperm_shim.c" -ldl &&
	make -s -C "$TOP" build/tests/helpers/gen-recording ||
	die "cannot build the helpers"
GEN=$TOP/build/tests/helpers/gen-recording
RU=$OUT/rusage
SYSLOAD=(-n 2 "$OUT/sysload" "$SECS" mix)
PRE=()
if ! cat "$T/set_ftrace_pid" >/dev/null 2>&1; then
	# function-tracer files answer EPERM here: trace-cmd record needs the shim
	PRE=(env "LD_PRELOAD=$OUT/ftrace_eperm_shim.so")
fi

# --------------------------------------------------------------- state and cleanup
inst_before=$(ls "$T/instances" 2>/dev/null | sort)
# trace-cmd records with the top instance's buffer ("7 (expanded: 1408)" before first use)
tc_kb=$(sed -E 's/.*expanded: ([0-9]+).*/\1/' "$T/buffer_size_kb" 2>/dev/null)
set_event_before=$(cat "$T/set_event" 2>/dev/null)
tracing_on_before=$(cat "$T/tracing_on" 2>/dev/null)
our_pids=()
fr_pid=		# part 4's recorder while it runs (ended on exit)
fr_load_pids=()	# part 4's loads while they run (ended on exit)
m_pids=()	# part 5's trace-cmd recorders and generators while they run (ended on exit)
m_insts=()	# part 5's trace-cmd instances (removed on exit if trace-cmd left them)
tc_failed=0

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	# part 4's recorder and loads, if an abort left them running (not yet waited for,
	# so these PIDs are still ours)
	for p in ${fr_pid:+"$fr_pid"} "${fr_load_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	# part 5's trace-cmd recorders stop cleanly (and remove their instances) on SIGINT
	for p in "${m_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in ${fr_pid:+"$fr_pid"} "${fr_load_pids[@]}" "${m_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${m_insts[@]}"; do
		if [ -d "$T/instances/$p" ]; then
			note "trace-cmd left its instance $p: removing it"
			rmdir "$T/instances/$p" 2>/dev/null || note "cannot remove it"
		fi
	done
	# instances of our recorders (xtrace-PID) that outlived them
	for p in "${our_pids[@]}"; do
		if [ -d "$T/instances/xtrace-$p" ] && ! kill -0 "$p" 2>/dev/null; then
			note "leftover tracefs instance xtrace-$p of our recorder: removing it"
			rmdir "$T/instances/xtrace-$p" 2>/dev/null || note "cannot remove it"
		fi
	done
	# trace-cmd works in the top instance: put back what an aborted run left
	if [ "$tc_failed" = 1 ]; then
		if [ -z "$set_event_before" ] && [ -n "$(cat "$T/set_event" 2>/dev/null)" ]; then
			note "trace-cmd left top-level events enabled: disabling them"
			echo > "$T/set_event"
		fi
		[ -n "$tracing_on_before" ] && echo "$tracing_on_before" > "$T/tracing_on"
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		note "recordings kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$WORK" || die "cannot create $WORK"
# recorders' control sockets: a private directory, away from other users' recorders
mkdir -m 0700 "$WORK/ctl" && export XTRACE_RUN_DIR=$WORK/ctl

# field N of a rusage output file: 1 wall 2 user 3 sys 4 maxrss 5 pid 6 exit
ru() { awk -v f="$2" '{ print $f }' "$1"; }
cpu_of() { awk '{ printf "%.6f", $2 + $3 }' "$1"; }

# results: test tool rep events lost wall_s rec_cpu_s bytes loadmetric
RES=$WORK/results
: > "$RES"

# run_x TEST REP LOADCMD...: record LOADCMD with xtrace-run
run_x() {
	local test=$1 rep=$2 d=$WORK/$1-x$2 rc pid ev lost bytes
	shift 2
	"$RU" -o "$d.rec" "$XRUN" -q -o "$d" -e "$XEV" -- "$RU" -o "$d.load" "$@" \
		>"$d.out" 2>"$d.err"
	rc=$?
	[ -s "$d.rec" ] && pid=$(ru "$d.rec" 5) && our_pids+=("$pid")
	if [ -n "${pid:-}" ] && [ -d "$T/instances/xtrace-$pid" ]; then
		note "BUG: xtrace-run $pid left its tracefs instance xtrace-$pid behind"
	fi
	if [ $rc != 0 ] || [ ! -s "$d.load" ]; then
		note "xtrace-run failed (status $rc):"; sed 's/^/  /' "$d.err" >&2
		echo "$test xtrace $rep FAILED" >> "$RES"
		return 1
	fi
	read -r ev lost < <("$XVIEW" -i "$d" | awk '
		/^cpu +events/ { t = 1; next }
		t && $1 ~ /^[0-9]+$/ && NF == 6 { e += $2; l += $3 + $4 }
		END { print e + 0, l + 0 }')
	bytes=$(du -sb "$d" | cut -f1)
	"$XVIEW" -i "$d" | awk '$1 == "mode" { print $3 }' > "$WORK/xbuf_kb"
	echo "$test xtrace $rep $ev $lost $(ru "$d.load" 1)" \
		"$(awk -v a="$(cpu_of "$d.rec")" -v b="$(cpu_of "$d.load")" 'BEGIN { printf "%.6f", a - b }')" \
		"$bytes $(load_metric "$d.out")" >> "$RES"
}

# run_t TEST REP LOADCMD...: record LOADCMD with trace-cmd record
run_t() {
	local test=$1 rep=$2 d=$WORK/$1-t$2 rc ev lost bytes
	shift 2
	mkdir -p "$d"
	(cd "$d" && "$RU" -o "$d.rec" "${PRE[@]}" trace-cmd record -q -o "$d/trace.dat" \
		"${TCEV[@]}" -- env -u LD_PRELOAD "$RU" -o "$d.load" "$@") >"$d.out" 2>"$d.err"
	rc=$?
	if [ $rc != 0 ] || [ ! -s "$d/trace.dat" ] || [ ! -s "$d.load" ]; then
		tc_failed=1
		note "trace-cmd record failed (status $rc):"; sed 's/^/  /' "$d.err" >&2
		echo "$test trace-cmd $rep FAILED" >> "$RES"
		return 1
	fi
	# kernel buffer stats saved in the file: "read events" plus the "entries" still in
	# the buffer when they were taken (trace-cmd saves those too) = events in the file
	read -r ev lost < <(trace-cmd report --stat -i "$d/trace.dat" 2>/dev/null | awk '
		$1 == "entries:" { e += $2 }
		$1 == "read" && $2 == "events:" { e += $3 }
		$1 == "overrun:" { l += $2 }
		$1 == "commit" && $2 == "overrun:" { l += $3 }
		$1 == "dropped" && $2 == "events:" { l += $3 }
		END { print e + 0, l + 0 }')
	bytes=$(stat -c %s "$d/trace.dat")
	echo "$test trace-cmd $rep $ev $lost $(ru "$d.load" 1)" \
		"$(awk -v a="$(cpu_of "$d.rec")" -v b="$(cpu_of "$d.load")" 'BEGIN { printf "%.6f", a - b }')" \
		"$bytes $(load_metric "$d.out")" >> "$RES"
}

# the load's own figure: sysload ops/s (sum of the tasks) or perf's "Total time"
load_metric() {
	awk '/ ops\/s$/ { s += $(NF - 1); n++ }
	     /Total time:/ { t = $3 }
	     END { if (n) printf "%.0f", s; else if (t != "") print t; else print "-" }' "$1"
}

run_base() {	# run_base TEST REP LOADCMD...: the load alone
	local test=$1 rep=$2 d=$WORK/$1-b$2
	shift 2
	"$RU" -o "$d.load" "$@" >"$d.out" 2>"$d.err" || { note "load failed: $*"; return 1; }
	echo "$test none $rep 0 0 $(ru "$d.load" 1) 0 0 $(load_metric "$d.out")" >> "$RES"
}

# median of column COL for TEST/TOOL
med() {
	awk -v t="$1" -v o="$2" -v c="$3" '$1 == t && $2 == o && $4 != "FAILED" { v[n++] = $c }
		END {
			if (!n) { print "nan"; exit }
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
				if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
			print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
		}' "$RES"
}
nruns() { awk -v t="$1" -v o="$2" '$1 == t && $2 == o && $4 != "FAILED"' "$RES" | wc -l; }

# ----------------------------------------------------------------- header
# how busy the machine is without us: idle share of the CPUs over one second
idle() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
read -r i0 a0 < <(idle); sleep 1; read -r i1 a1 < <(idle)
busy=$(awk -v i="$((i1 - i0))" -v a="$((a1 - a0))" 'BEGIN { printf "%.0f", a ? 100 - 100 * i / a : 0 }')
{
	echo "xtrace $(awk -F'"' '/define XTRACE_VERSION/ { print $2 }' "$TOP/libxtrace/include/xtrace.h") vs $(trace-cmd --version 2>&1 | awk 'NF { print $1, $3; exit }')"
	echo "tree: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)," \
		"binaries built $(date -r "$XRUN" '+%F %T')"
	echo "host: $(nproc) CPUs, Linux $(uname -r), CPUs ${busy}% busy before start;" \
		"trace-cmd shim: $([ ${#PRE[@]} -gt 0 ] && echo preloaded || echo not needed)"
	echo "medians of $REPS runs; recorder CPU excludes the load's"
} > "$WORK/header"
cat "$WORK/header"
[ "$busy" -gt 10 ] &&
	echo "NOTE: something else uses ${busy}% of the CPUs: figures will be noisy"
echo "running (about $((REPS * (2 * SECS + 12) + SECS + 60 + FR_SECS + (FR_REPS - 1) * FR_FILL + FR_REPS + 10 + (MULTI ? (M_EVENTS / 1000000) * (3 + M_REPS / 3) / 3 + M_TC_SECS * 11 + 15 : 0))) s) ..."

# ----------------------------------------------------------------- 1. syscall load
if want 1; then
	run_base sys 1 "${SYSLOAD[@]}"
	for r in $(seq "$REPS"); do
		if [ $((r % 2)) = 1 ]; then
			run_x sys "$r" "${SYSLOAD[@]}"; run_t sys "$r" "${SYSLOAD[@]}"
		else
			run_t sys "$r" "${SYSLOAD[@]}"; run_x sys "$r" "${SYSLOAD[@]}"
		fi
		# keep the last run's recordings for part 3
		if [ "$r" != "$REPS" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
			rm -rf "$WORK/sys-x$r" "$WORK/sys-t$r"
		fi
	done
fi

# ----------------------------------------------------------------- 2. 200 tasks
if want 2; then
	for r in $(seq "$REPS"); do
		run_base msg "$r" "${MSG[@]}"
		if [ $((r % 2)) = 1 ]; then
			run_x msg "$r" "${MSG[@]}"; run_t msg "$r" "${MSG[@]}"
		else
			run_t msg "$r" "${MSG[@]}"; run_x msg "$r" "${MSG[@]}"
		fi
		[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK/msg-x$r" "$WORK/msg-t$r"
	done
fi

# ----------------------------------------------------------------- 3. view speed
if want 3; then
	XD=$WORK/sys-x$REPS
	TF=$WORK/sys-t$REPS/trace.dat
	VRES=$WORK/view
	: > "$VRES"
	if [ -s "$XD/xtrace.meta" ]; then
		xlines=$("$XVIEW" -q "$XD" | wc -l)
		xev=$(awk -v r="$REPS" '$1 == "sys" && $2 == "xtrace" && $3 == r { print $4 }' "$RES")
		[ "$xlines" = "$xev" ] ||
			note "xtrace-view printed $xlines lines for $xev events in the metadata"
		for i in $(seq "$VREPS"); do
			"$RU" -o "$WORK/v-x$i" "$XVIEW" "$XD" >/dev/null 2>>"$WORK/v.err"
			echo "xview $xlines $(ru "$WORK/v-x$i" 1) $(ru "$WORK/v-x$i" 4)" >> "$VRES"
		done
		# every field, as trace-cmd report prints them
		"$RU" -o "$WORK/v-xv" "$XVIEW" -v "$XD" >/dev/null 2>>"$WORK/v.err"
		echo "xviewv $xlines $(ru "$WORK/v-xv" 1) $(ru "$WORK/v-xv" 4)" >> "$VRES"
	fi
	if [ -s "$TF" ]; then
		# lines: the events (stats, see run_t) plus the "cpus=N" header
		tev=$(awk -v r="$REPS" '$1 == "sys" && $2 == "trace-cmd" && $3 == r { print $4 + 1 }' "$RES")
		"$RU" -o "$WORK/v-t1" trace-cmd report -i "$TF" >/dev/null 2>>"$WORK/v.err"
		echo "tcreport $tev $(ru "$WORK/v-t1" 1) $(ru "$WORK/v-t1" 4)" >> "$VRES"
		# the same file read by xtrace-view (libxtrace/tracedat.c)
		dlines=$("$XVIEW" -q "$TF" | wc -l)
		for i in $(seq "$VREPS"); do
			"$RU" -o "$WORK/v-d$i" "$XVIEW" -q "$TF" >/dev/null 2>>"$WORK/v.err"
			echo "xviewdat $dlines $(ru "$WORK/v-d$i" 1) $(ru "$WORK/v-d$i" 4)" >> "$VRES"
		done
	fi
fi

# ----------------------------------------------------------------- 4. flight recorder
FRD=$WORK/fr
FRES=$WORK/fr-results	# full|load REP wall_s sub-buffers disk_bytes
: > "$FRES"
PAGE=$(getconf PAGESIZE)
HZ=$(getconf CLK_TCK)
# the online CPUs, one a line ("0-1,4" -> 0 1 4)
fr_cpus=$(tr ',' '\n' < /sys/devices/system/cpu/online |
	awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')
fr_ok=0

# start LOAD pinned to each CPU for SECS seconds, in the background: fr_load SECS TAG
fr_load() {
	local c
	fr_load_pids=()
	for c in $fr_cpus; do
		taskset -c "$c" "$OUT/sysload" "$1" mix > "$WORK/fr-load-$2.$c" 2>&1 &
		fr_load_pids+=($!)
	done
}
fr_load_wait() { local p; for p in "${fr_load_pids[@]}"; do wait "$p"; done; fr_load_pids=(); }
fr_load_running() { local p; for p in "${fr_load_pids[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done; }
fr_load_rate() { cat "$WORK"/fr-load-"$1".* | load_metric /dev/stdin; }
# the recorder's own CPU: utime+stime in clock ticks (not its children's)
fr_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$fr_pid/stat"; }
# the same in ns, from the scheduler (sum over the recorder's threads)
fr_ns() { cat /proc/"$fr_pid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
fr_rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$fr_pid/status"; }
fr_du() { du -sb "$FRD" | cut -f1; }
fr_data() { stat -c %s "$FRD"/cpu*.xtd | awk '{ s += $1 } END { print s + 0 }'; }
# per-CPU overrun counts of the recorder's instance, space-separated
fr_overruns() {
	local c
	for c in $fr_cpus; do
		awk '$1 == "overrun:" { printf "%s ", $2 }' "$T/instances/xtrace-$fr_pid/per_cpu/cpu$c/stats"
	done
}
# every CPU's overrun grew since BEFORE (i.e. its buffer wrapped): fr_wrapped BEFORE
fr_wrapped() {
	awk -v a="$1" -v b="$(fr_overruns)" 'BEGIN {
		n = split(a, x); split(b, y)
		for (i = 1; i <= n; i++) if (y[i] <= x[i]) exit 1 }'
}
# time one flush: fr_flush KIND REP
fr_flush() {
	local f=$WORK/fr-flush-$1$2 d0 d1 n
	d0=$(fr_data)
	"$RU" -o "$f.ru" "$XCTL" -p "$fr_pid" flush > "$f.out" 2>&1 ||
		{ note "xtrace-ctl flush failed:"; sed 's/^/  /' "$f.out" >&2; return 1; }
	d1=$(fr_data)
	n=$(sed -nE 's/.*flush: saved ([0-9]+) sub-buffers.*/\1/p' "$f.out")
	echo "$1 $2 $(ru "$f.ru" 1) ${n:-0} $((d1 - d0))" >> "$FRES"
}

if want 4; then
	"$XRUN" -q -m overwrite -b "$FR_BUF" -o "$FRD" -e "$XEV" sleep 600 \
		> "$WORK/fr.out" 2> "$WORK/fr.err" &
	fr_pid=$!
	our_pids+=("$fr_pid")
	for _ in $(seq 100); do
		kill -0 "$fr_pid" 2>/dev/null || break
		"$XCTL" -q -p "$fr_pid" status >/dev/null 2>&1 && { fr_ok=1; break; }
		sleep 0.1
	done
	if [ "$fr_ok" != 1 ]; then
		note "the flight recorder did not come up:"; sed 's/^/  /' "$WORK/fr.err" >&2
		kill -TERM "$fr_pid" 2>/dev/null; wait "$fr_pid" 2>/dev/null; fr_pid=
	fi

	if [ "$fr_ok" = 1 ]; then
		# (b), (c): FR_SECS s of recording under the load, no flush, nobody asking for status
		rss0=$(fr_rss); du0=$(fr_du); ov0=$(fr_overruns)
		tk0=$(fr_ticks); ns0=$(fr_ns); t0=$(date +%s%N)
		fr_load "$FR_SECS" win; fr_load_wait
		t1=$(date +%s%N); tk1=$(fr_ticks); ns1=$(fr_ns)
		rss1=$(fr_rss); du1=$(fr_du)
		fr_wrapped "$ov0" || note "part 4: a CPU's buffer did not wrap in $FR_SECS s"
		echo "win $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" \
			"$((tk1 - tk0)) $((ns1 - ns0)) $rss0 $rss1 $du0 $du1 $(fr_load_rate win)" > "$WORK/fr-win"

		# (a) full buffers, the load stopped: after the window, then after each re-fill
		for r in $(seq "$FR_REPS"); do
			if [ "$r" -gt 1 ]; then
				ov0=$(fr_overruns)
				fr_load "$FR_FILL" fill$r; fr_load_wait
				fr_wrapped "$ov0" || note "part 4: a CPU's buffer did not wrap in $FR_FILL s"
			fi
			fr_flush full "$r"
			[ "$r" = 1 ] && rss_f1=$(fr_rss)
		done
		# (a) during the load: buffers full again 1 s after each flush
		fr_load $((FR_REPS + 2)) during
		for r in $(seq "$FR_REPS"); do
			sleep 1
			fr_load_running || { note "part 4: the load ended before flush $r"; break; }
			fr_flush load "$r"
		done
		fr_load_wait
		rss2=$(fr_rss)
		"$XCTL" -p "$fr_pid" status > "$WORK/fr-status" 2>&1
		"$XCTL" -q -p "$fr_pid" stop || note "xtrace-ctl stop failed"
		wait "$fr_pid"; rc=$?
		fr_done=$fr_pid; fr_pid=
		[ "$rc" = 143 ] || note "flight recorder: xtrace-run exited $rc (expected 143: sleep ended by SIGTERM)"
		[ -d "$T/instances/xtrace-$fr_done" ] &&
			note "BUG: xtrace-run $fr_done left its tracefs instance xtrace-$fr_done behind"
		"$XVIEW" -i "$FRD" > "$WORK/fr-info" 2>&1 || note "xtrace-view -i: the flight recording is damaged"
		flushes=$(grep -c '^flush = ' "$FRD/xtrace.meta")
		[ "$flushes" = $((2 * FR_REPS + 1)) ] ||
			note "flight recording: $flushes flush points in the metadata, expected $((2 * FR_REPS + 1))"
		fr_events=$(awk '/^cpu +events/ { t = 1; next } t && $1 ~ /^[0-9]+$/ { e += $2 } END { print e + 0 }' "$WORK/fr-info")
	fi
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$FRD"
fi

# ----------------------------------------------------------------- 5. merging systems
MD=$WORK/multi
MRES=$MD/results	# key wall_s maxrss_kb status
m_gen_ok=0
m_tc_ok=0
# one line of a merged directory's description: its event total
m_events() { "$XVIEW" -i "$1" 2>/dev/null | sed -nE '1s/.* ([0-9]+) events$/\1/p'; }
# sum of a key over the [cpuN] sections of recordings' metadata: m_meta KEY DIR...
m_meta() { local k=$1; shift; cat "${@/%//xtrace.meta}" | awk -v k="$k" '$1 == k { s += $3 } END { print s + 0 }'; }
# generate the 3 systems: m_gen DIR TOTAL (host 1/2 on 8 CPUs, vm1 and vm2 1/4 each on 4)
m_gen() {
	local d=$1 h=$(($2 / 2)) v1=$((($2 - $2 / 2) / 2)) t0 p rc=0
	local v2=$(($2 - h - v1))
	t0=$(date +%s%N)
	mkdir -p "$d"
	m_pids=()
	# overlapping spans: vm1 starts 0.7 ms after the host, vm2 0.4 ms before
	"$GEN" -q -o "$d/host" -n host -c 8 -e "$h" -s 1 -t "$t0" 2>>"$d/gen.err" &
	m_pids+=($!)
	"$GEN" -q -o "$d/vm1" -n vm1 -g -c 4 -e "$v1" -s 2 -t $((t0 + 700000)) \
		2>>"$d/gen.err" &
	m_pids+=($!)
	"$GEN" -q -o "$d/vm2" -n vm2 -g -c 4 -e "$v2" -s 3 -t $((t0 - 400000)) \
		2>>"$d/gen.err" &
	m_pids+=($!)
	for p in "${m_pids[@]}"; do wait "$p" || rc=1; done
	m_pids=()
	[ $rc = 0 ] || { note "gen-recording failed:"; sed 's/^/  /' "$d/gen.err" >&2; }
	return $rc
}
# one timed merge: m_merge KEY DIR
m_merge() {
	local d=$2 rc
	rm -rf "$d/out"
	"$RU" -o "$d/$1.ru" "$XMERGE" -q -o "$d/out" "$d/host" "$d/vm1" "$d/vm2" 2>"$d/$1.err"
	rc=$?
	echo "$1 $(ru "$d/$1.ru" 1) $(ru "$d/$1.ru" 4) $rc" >> "$MRES"
	[ $rc = 0 ] || { note "xtrace-multi-merge failed ($rc):"; sed 's/^/  /' "$d/$1.err" >&2; }
	return $rc
}
m_timed() {	# m_timed KEY CMD...: stdout to /dev/null
	local k=$1 rc
	shift
	"$RU" -o "$MD/$k.ru" "$@" >/dev/null 2>"$MD/$k.err"
	rc=$?
	echo "$k $(ru "$MD/$k.ru" 1) $(ru "$MD/$k.ru" 4) $rc" >> "$MRES"
	[ $rc = 0 ] || { note "$* failed ($rc):"; sed 's/^/  /' "$MD/$k.err" >&2; }
}
if [ "$MULTI" = 1 ]; then
	mkdir -p "$MD"
	: > "$MRES"
	m_avail=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
	# about 9 B/event generated + as much again for the merged copy, x 1.1 for the small set
	if [ "$m_avail" -lt $((M_EVENTS / 1024 * 20 * 11 / 10 + 262144)) ]; then
		note "part 5: not enough space in $WORK ($((m_avail / 1024)) MiB free): skipped"
		MULTI=skipped
	fi
fi
if [ "$MULTI" = 1 ]; then
	g0=$(date +%s%N)
	m_gen "$MD/big" "$M_EVENTS" && m_gen_ok=1
	m_gen_s=$(awk -v a="$g0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
fi
if [ "$m_gen_ok" = 1 ]; then
	B=$MD/big
	m_in=$(du -sbc "$B/host" "$B/vm1" "$B/vm2" | awk 'END { print $1 }')
	m_raw=$(m_meta bytes_raw "$B/host" "$B/vm1" "$B/vm2")
	m_span=$("$XVIEW" -i "$B/host" | awk '$1 == "duration" { printf "%.2f", $2 }')
	m_ok=0
	for r in $(seq "$M_REPS"); do
		m_merge "merge$r" "$B" && m_ok=1
	done
	if [ "$m_ok" = 1 ]; then
		m_merged=$(m_events "$B/out")
		# the same with kbuffer reading every sub-buffer (the walker's share; same output)
		XTRACE_MERGE_KBUFFER=1 m_merge kbuffer "$B"
		[ "$m_merged" = "$M_EVENTS" ] ||
			note "BUG: the merge holds ${m_merged:-no} events, $M_EVENTS were generated"
		m_outb=$(du -sb "$B/out" | cut -f1)
		m_timed view "$XVIEW" "$B/out"
		m_timed viewdirs "$XVIEW" "$B/host" "$B/vm1" "$B/vm2"
	fi
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$B"
	# the same on a tenth of the input: peak memory must not follow the input's size
	if m_gen "$MD/small" $((M_EVENTS / 10)); then
		m_merge small "$MD/small" && m_small=$(m_events "$MD/small/out")
		[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$MD/small"
	fi
fi
if [ "$MULTI" = 1 ]; then
	# trace-cmd: 3 real recordings made at once, each in its own instance, under the load
	TD=$MD/tc
	mkdir -p "$TD"
	m_pids=()
	for n in 1 2 3; do
		m_insts+=("xbench-$$-$n")
		"${PRE[@]}" trace-cmd record -q -o "$TD/$n.dat" -B "xbench-$$-$n" "${TCEV[@]}" \
			-- env -u LD_PRELOAD sleep $((M_TC_SECS + 2)) >"$TD/$n.out" 2>"$TD/$n.err" &
		m_pids+=($!)
	done
	sleep 1
	"$RU" -o "$TD/load.ru" -n 2 "$OUT/sysload" "$M_TC_SECS" mix >"$TD/load.out" 2>&1
	m_tc_ok=1
	for n in 1 2 3; do
		if ! wait "${m_pids[$((n - 1))]}" || [ ! -s "$TD/$n.dat" ]; then
			m_tc_ok=0
			note "trace-cmd record -B xbench-$$-$n failed:"; sed 's/^/  /' "$TD/$n.err" >&2
		fi
	done
	m_pids=()
	for p in "${m_insts[@]}"; do
		[ -d "$T/instances/$p" ] && note "trace-cmd record left its instance $p behind"
	done
	if [ "$m_tc_ok" = 1 ]; then
		m_tc_ev=0; m_tc_lost=0
		for n in 1 2 3; do
			read -r ev lost < <(trace-cmd report --stat -i "$TD/$n.dat" 2>/dev/null | awk '
				$1 == "entries:" { e += $2 }
				$1 == "read" && $2 == "events:" { e += $3 }
				$1 == "overrun:" { l += $2 }
				$1 == "commit" && $2 == "overrun:" { l += $3 }
				$1 == "dropped" && $2 == "events:" { l += $3 }
				END { print e + 0, l + 0 }')
			m_tc_ev=$((m_tc_ev + ev)); m_tc_lost=$((m_tc_lost + lost))
		done
		m_tc_in=$(stat -c %s "$TD"/[123].dat | awk '{ s += $1 } END { print s }')
		m_timed tcreport trace-cmd report -i "$TD/1.dat" -i "$TD/2.dat" -i "$TD/3.dat"
	fi
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$TD"
fi
if [ "$m_gen_ok" = 1 ] && command -v unshare > /dev/null; then
	# xtrace: 3 real recordings made at once under the same load (own host names), merged
	RD=$MD/real
	mkdir -p "$RD"
	m_pids=()
	for n in host vm1 vm2; do
		unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$n" \
			"$XRUN" -q -e "$XEV" -o "$RD/$n" -- sleep $((M_TC_SECS + 2)) >"$RD/$n.err" 2>&1 &
		m_pids+=($!)
		our_pids+=($!)
	done
	sleep 1
	"$RU" -o "$RD/load.ru" -n 2 "$OUT/sysload" "$M_TC_SECS" mix >"$RD/load.out" 2>&1
	m_real_ok=1
	for n in 1 2 3; do
		if ! wait "${m_pids[$((n - 1))]}"; then
			m_real_ok=0
			note "xtrace-run (real recording $n) failed:"; sed 's/^/  /' "$RD"/*.err >&2
		fi
	done
	m_pids=()
	if [ "$m_real_ok" = 1 ]; then
		m_real_in=$(du -sbc "$RD/host" "$RD/vm1" "$RD/vm2" | awk 'END { print $1 }')
		m_real_raw=$(m_meta bytes_raw "$RD/host" "$RD/vm1" "$RD/vm2")
		for r in $(seq "$M_REPS"); do m_merge "real$r" "$RD"; done
		m_real=$(m_events "$RD/out")
	fi
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$RD"
fi

# ----------------------------------------------------------------- table
{
echo
cat "$WORK/header"
echo
row() {	# row TEST TOOL LABEL
	local n ev lost wall cpu bytes lm
	n=$(nruns "$1" "$2")
	if [ "$n" = 0 ]; then
		printf '%-18s %s\n' "$3" "FAILED (see messages above)"
		return
	fi
	ev=$(med "$1" "$2" 4); lost=$(med "$1" "$2" 5); wall=$(med "$1" "$2" 6)
	cpu=$(med "$1" "$2" 7); bytes=$(med "$1" "$2" 8); lm=$(med "$1" "$2" 9)
	awk -v l="$3" -v ev="$ev" -v lost="$lost" -v w="$wall" -v c="$cpu" -v b="$bytes" \
	    -v lm="$lm" -v test="$1" 'BEGIN {
		lm = (test == "sys") ? sprintf("%.2f M/s", lm / 1e6) : sprintf("%.2f s", lm)
		printf "%-18s %10d %8.2f %9d %7.2f%% %7.3f %7.0f %7.2f %7.1f %10s\n", l, ev,
			ev / w / 1e6, lost, (ev + lost) ? 100 * lost / (ev + lost) : 0, c,
			ev ? c * 1e9 / ev : 0, ev ? b / ev : 0, b / 1048576, lm }'
}
base() {	# base TEST LABEL
	awk -v l="$2" -v lm="$(med "$1" none 9)" -v test="$1" 'BEGIN {
		lm = (test == "sys") ? sprintf("%.2f M/s", lm / 1e6) : sprintf("%.2f s", lm)
		printf "%-18s %10s %8s %9s %8s %7s %7s %7s %7s %10s\n", l, "-", "-", "-", "-",
			"-", "-", "-", "-", lm }'
}
hdr() {
	printf '%-18s %10s %8s %9s %8s %7s %7s %7s %7s %10s\n' "$1" events "Mev/s" lost \
		"lost%" "recCPU" "ns/ev" "B/ev" "MiB" "$2"
	printf '%-18s %10s %8s %9s %8s %7s %7s %7s %7s %10s\n' "" "" "" "" "" "s" "" \
		"disk" "disk" ""
}
skipped() { echo "   skipped (BENCH_ONLY=$ONLY)"; }
echo "1) syscall load: 2 x sysload (getpid/stat loop) for $SECS s, recorded by"
echo "   xtrace-run -e $XEV -- LOAD    ($(cat "$WORK/xbuf_kb" 2>/dev/null) KiB/CPU buffer)"
echo "   trace-cmd record ${TCEV[*]} -- LOAD    ($tc_kb KiB/CPU)"
if want 1; then
	hdr "" "load rate"
	row sys xtrace "xtrace-run"
	row sys trace-cmd "trace-cmd record"
	base sys "(no tracing)"
else
	skipped
fi
echo
echo "2) LOAD = ${MSG[*]} (200 tasks), same recorders"
if want 2; then
	hdr "" "load time"
	row msg xtrace "xtrace-run"
	row msg trace-cmd "trace-cmd record"
	base msg "(no tracing)"
else
	skipped
fi
echo
echo "3) printing the last recording of 1) to /dev/null: xtrace-view [-v] DIR,"
echo "   trace-cmd report -i trace.dat (-v: every field, as trace-cmd report prints),"
echo "   xtrace-view trace.dat (the same file as trace-cmd report's)"
want 3 && printf '%-18s %10s %8s %10s %8s\n' "" lines "time s" "lines/s" "RSS MiB"
vrow() {	# vrow KEY LABEL
	awk -v k="$1" -v l="$2" '$1 == k { n++; lines = $2; w[n] = $3; m[n] = $4 }
		END {
			if (!n) { printf "%-18s %s\n", l, "FAILED"; exit }
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (w[j] < w[i]) { x = w[i]; w[i] = w[j]; w[j] = x }
			t = (n % 2) ? w[int(n / 2) + 1] : (w[n / 2] + w[n / 2 + 1]) / 2
			mx = 0; for (i = 1; i <= n; i++) if (m[i] > mx) mx = m[i]
			printf "%-18s %10d %8.2f %10.0f %8.1f%s\n", l, lines, t, lines / t,
				mx / 1024, (n > 1) ? "  (median of " n ")" : ""
		}' "$VRES"
}
if want 3; then
	vrow xview "xtrace-view"
	vrow xviewv "xtrace-view -v"
	vrow tcreport "trace-cmd report"
	vrow xviewdat "xtrace-view .dat"
else
	skipped
fi
echo
echo "4) flight recorder: xtrace-run -m overwrite -b $FR_BUF -e $XEV -- sleep 600,"
echo "   LOAD = sysload pinned to each CPU ($(echo $fr_cpus | tr ' ' ','))"
if ! want 4; then
	skipped
elif [ "$fr_ok" != 1 ]; then
	echo "   FAILED (see messages above)"
else
	read -r _ fw ftk fns frss0 frss1 fdu0 fdu1 flm < "$WORK/fr-win"
	printf '   %-37s %8s %9s %9s %9s\n' "xtrace-ctl -p PID flush, wall:" ms sub-bufs "MiB saved" "MiB disk"
	frow() {	# frow KIND LABEL
		awk -v k="$1" -v l="$2" -v pg="$PAGE" '$1 == k { n++; w[n] = $3 * 1000; p[n] = $4; d[n] = $5 }
			function med(a,   i, j, x) {
				for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
					if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
				return (n % 2) ? a[int(n / 2) + 1] : (a[n / 2] + a[n / 2 + 1]) / 2
			}
			END {
				if (!n) { printf "   %-37s %s\n", l, "FAILED"; exit }
				all = ""; for (i = 1; i <= n; i++) all = all sprintf(" %.0f", w[i])
				mw = med(w); mp = med(p); md = med(d)
				printf "   %-37s %8.1f %9d %9.2f %9.2f  (median of %d; ms:%s)\n", l, mw, mp,
					mp * pg / 1048576, md / 1048576, n, all
			}' "$FRES"
	}
	frow full "full buffers, load stopped"
	frow load "full buffers, load running"
	echo "   $fw s of recording under LOAD ($(awk -v l="$flm" 'BEGIN { printf "%.2f M/s", l / 1e6 }')), no flush:"
	awk -v w="$fw" -v tk="$ftk" -v ns="$fns" -v hz="$HZ" 'BEGIN {
		printf "   %-37s %.1f ms/s (%d ticks in %.1f s; schedstat: %.2f ms/s)\n",
			"recorder CPU (utime+stime):", tk * 1000 / hz / w, tk, w, ns / 1e6 / w }'
	flat() { [ "$1" = "$2" ] && echo flat || echo "GREW by $(($2 - $1)) $3"; }
	printf '   %-37s %s -> %s KiB (%s); after flush 1: %s, after %d: %s\n' \
		"VmRSS of xtrace-run:" "$frss0" "$frss1" "$(flat "$frss0" "$frss1" KiB)" \
		"${rss_f1:-?}" $((2 * FR_REPS)) "${rss2:-?}"
	printf '   %-37s %s -> %s bytes (%s)\n' "DIR on disk (du -sb):" "$fdu0" "$fdu1" \
		"$(flat "$fdu0" "$fdu1" bytes)"
	echo "   after stop: $fr_events events saved by $flushes flushes" \
		"($(awk '$1 == "PID" { for (i = 1; i <= NF; i++) if ($i == "OVERWRITTEN") c = i; next }
			c { print $c; exit }' "$WORK/fr-status") overwritten by the kernel)"
fi
echo
echo "5) merging 3 systems into one directory: xtrace-multi-merge -q -o OUT host vm1 vm2"
if [ "$MULTI" != 1 ]; then
	echo "   skipped (BENCH_MULTI=0, BENCH_ONLY or no disk space)"
elif [ "$m_gen_ok" != 1 ]; then
	echo "   FAILED: tests/helpers/gen-recording (see messages above)"
else
	echo "   inputs GENERATED by tests/helpers/gen-recording in the real on-disk format (this kernel's"
	echo "   formats; kvm/sched/irq/syscall records; zstd frames of 64 sub-buffers): host 8 CPUs"
	echo "   + vm1 4 + vm2 4 = 16 CPU streams, $M_EVENTS events, spans of ${m_span:-?} s overlapping;"
	awk -v i="$m_in" -v r="$m_raw" -v s="$m_gen_s" 'BEGIN {
		printf "   %.1f MiB on disk, %.1f MiB of sub-buffers; generated in %s s; inputs in the page cache\n",
			i / 1048576, r / 1048576, s }'
	printf '   %-27s %10s %8s %8s %9s %9s %8s\n' "" events "time s" "Mev/s" "MiB/s in" \
		"MiB/s raw" "RSS MiB"
	mrow() {	# mrow KEYPREFIX LABEL EVENTS INBYTES RAWBYTES NOTE
		awk -v k="$1" -v l="$2" -v ev="$3" -v ib="$4" -v rb="$5" -v note="$6" '
			$1 ~ ("^" k "[0-9]*$") && $4 == 0 { n++; w[n] = $2; m[n] = $3 }
			END {
				if (!n) { printf "   %-27s %s\n", l, "FAILED"; exit }
				for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
					if (w[j] < w[i]) { x = w[i]; w[i] = w[j]; w[j] = x }
				t = (n % 2) ? w[int(n / 2) + 1] : (w[n / 2] + w[n / 2 + 1]) / 2
				mx = 0; all = ""
				for (i = 1; i <= n; i++) { if (m[i] > mx) mx = m[i]; all = all sprintf(" %.2f", w[i]) }
				printf "   %-27s %10d %8.2f %8.2f %9s %9s %8.1f%s%s\n", l, ev, t, ev / t / 1e6,
					ib ? sprintf("%.0f", ib / t / 1048576) : "-",
					rb ? sprintf("%.0f", rb / t / 1048576) : "-", mx / 1024,
					(n > 1) ? "  (median of " n "; s:" all ")" : "", note
			}' "$MRES"
	}
	mrow merge "xtrace-multi-merge" "${m_merged:-0}" "$m_in" "$m_raw" \
		"  OUT: $(awk -v b="${m_outb:-0}" 'BEGIN { printf "%.0f MiB", b / 1048576 }')"
	mrow small "  the same, 1/10 the input" "${m_small:-0}" 0 0 ""
	mrow kbuffer "  the same, kbuffer only" "${m_merged:-0}" "$m_in" "$m_raw" \
		"  (XTRACE_MERGE_KBUFFER=1: Debian's unoptimised libtraceevent)"
	if [ "${m_real_ok:-0}" = 1 ]; then
		mrow real "  3 REAL recordings" "${m_real:-0}" "$m_real_in" "$m_real_raw" \
			"  (xtrace-run -e $XEV x 3 at once, 2 x sysload ${M_TC_SECS} s)"
	fi
	mrow view "xtrace-view OUT" "${m_merged:-0}" 0 0 "  (replays OUT's order)"
	mrow viewdirs "xtrace-view host vm1 vm2" "${m_merged:-0}" 0 0 "  (merges on the fly)"
	awk -v k=merge -v ev="${m_merged:-0}" '
		$1 ~ ("^" k "[0-9]*$") && $4 == 0 { n++; w[n] = $2; if ($3 > mx) mx = $3 }
		END {
			if (!n) exit
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (w[j] < w[i]) { x = w[i]; w[i] = w[j]; w[j] = x }
			t = (n % 2) ? w[int(n / 2) + 1] : (w[n / 2] + w[n / 2 + 1]) / 2
			r = ev / t / 1e6
			printf "   goal (>= 30 Mev/s, < 64 MiB): %.1f Mev/s: %s; %.1f MiB: %s\n", r,
				(r >= 30) ? "met" : "NOT MET", mx / 1024, (mx < 65536) ? "met" : "NOT MET"
		}' "$MRES"
fi
if [ "$MULTI" = 1 ]; then
	echo "   trace-cmd report -i 1.dat -i 2.dat -i 3.dat > /dev/null, on 3 REAL recordings, NOT the"
	echo "   same data: trace-cmd record -B INSTANCE ${TCEV[*]}, 3 at once, under"
	echo "   2 x sysload for $M_TC_SECS s (comparable size; spans overlap as host and guests do)"
	if [ "$m_tc_ok" = 1 ]; then
		mrow tcreport "trace-cmd report (3 files)" "$((m_tc_ev + 3))" "$m_tc_in" 0 \
			"  ($(awk -v b="$m_tc_in" 'BEGIN { printf "%.0f MiB", b / 1048576 }') of trace.dat; lines = events + 3 headers; $m_tc_lost lost)"
	else
		echo "   trace-cmd record FAILED (see messages above)"
	fi
fi
echo
echo "recCPU: CPU of the recorder's process tree minus the load's; ns/ev = recCPU/events;"
echo "lost% = lost/(events+lost); B/ev and MiB: whole recording on disk (trace.dat or DIR)."
echo "Event sets differ: trace-cmd's -e sched/-e irq enable every event of those systems,"
echo "xtrace's groups a chosen subset (+ irq_vectors)."
echo
# part N TITLE SCRIPT: a benchmark of its own (bench/SCRIPT), its output indented
part() {
	echo "$1) $2"
	if want "$1"; then
		"$HERE/$3" 2>&1 | sed 's/^/   /'
	else
		skipped
	fi
}
VIEW_BENCH_EVENTS=${BENCH_VIEW_EVENTS:-50000000} VIEW_BENCH_REPS=${VIEW_BENCH_REPS:-1} \
	part 6 "xtrace-view on a large merged recording: text, --summary, --kvm, json, a window" \
	view-bench.sh
echo
part 7 "the tracer's perturbation of a real-time thread (bench/perturbation.sh)" perturbation.sh
echo
part 8 "xtrace-view -F html and -F perfetto-proto at 10^5 and 10^6 events; the page in Chromium" \
	view-html-bench.sh
echo
part 9 "guest services on the TCG guest: kvmrt_gs_ping round trip, xtrace_flush(2) to saved" \
	gs-bench.sh
echo
part 10 "one command over many systems: xtrace-run --remote x 1..32 loopback systems (bench/fanout.sh)" \
	fanout.sh
} | tee "$WORK/table"
cp "$WORK/table" "$OUT/last-results.txt"

# ----------------------------------------------------------------- leftovers
inst_after=$(ls "$T/instances" 2>/dev/null | sort)
for p in "${our_pids[@]}"; do
	if [ -d "$T/instances/xtrace-$p" ]; then
		note "BUG: tracefs instance xtrace-$p of our recorder is still there"
	fi
done
if [ "$inst_before" != "$inst_after" ]; then
	note "tracefs instances changed during the run (other users?): before: " \
		"$(echo $inst_before) after: $(echo $inst_after)"
fi
exit 0
