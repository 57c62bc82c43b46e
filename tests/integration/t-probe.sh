#!/bin/bash
# xtrace-probe: its options and output; a forced missed deadline (-b 1 us) that leaves the
# probe's marker and the flushed buffers in every running recorder (the probe's own
# xtrace-run and another one); -T that marks and goes on; the net probe against its
# responder; and the timer probe's distribution against Debian's cyclictest on this machine.
. "$(dirname "$0")/lib.sh"
export XTRACE_RUN_DIR=${XTRACE_RUN_DIR:-/run/xtrace}
probe() { $VG "$XT_BIN/xtrace-probe" "$@"; }
# a UDP port for the net probe: XT_PROBE_PORT, or one picked from the pid
port=${XT_PROBE_PORT:-$((20000 + $$ % 20000))}

# ---------------------------------------------------------------- options
expect_status 2 probe > none.out 2> none.err
expect_grep "no probe given" none.err
expect_status 2 probe sleep 2> kind.err
expect_grep "unknown probe 'sleep'" kind.err
expect_status 2 probe timer -i 0 2> i.err
expect_grep "invalid interval '0'" i.err
expect_status 2 probe timer -p 100 2> p.err
expect_grep "invalid priority '100'" p.err
expect_status 2 probe timer --mode bogus 2> m.err
expect_grep "unknown mode 'bogus'" m.err
expect_status 2 probe timer -b 10 -T 10 2> bt.err
expect_grep "exclude each other" bt.err
expect_status 2 probe net 2> net.err
expect_grep "needs its responder" net.err
expect_status 2 probe timer -D 3x 2> d.err
expect_grep "invalid duration '3x'" d.err
probe --help | grep -q -- '--breaktrace' || fail "--help lacks -b"
ok "bad options: a clear message and status 2"

for mode in periodic signal oneshot; do
	probe timer --mode $mode -i 200 -l 500 -a 0 -p 50 -m > $mode.txt || fail "timer $mode"
	expect_grep "^timer probe: $mode, interval 200 us, 500 cycles, CPU 0, SCHED_FIFO 50$" $mode.txt
	expect_grep "^latency \(us\): min [0-9.]+ avg [0-9.]+ max [0-9.]+ p50 [0-9]+ p99 [0-9]+ p99.9 [0-9]+$" \
		$mode.txt
done
ok "timer probe: periodic, signal and oneshot modes, pinned, SCHED_FIFO, mlockall"

# -D: a duration instead of a number of cycles (500 us cycles in 0.3 s: about 600)
probe timer -i 500 -D 300ms --json > d.json || fail "timer -D"
python3 - d.json <<'PY' || fail "JSON output: $(head -c 600 d.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["probe"] == "timer" and d["mode"] == "periodic", d
assert 300 <= d["cycles"] <= 601, d["cycles"]
assert sum(c for _, c in d["histogram"]) + d["overflows"] == d["cycles"]
assert d["min_us"] <= d["p50_us"] + 1 and d["p50_us"] <= d["p99_us"] <= d["p99_9_us"] <= d["max_us"] + 1
assert d["misses"] == 0 and not d["break"]
PY
# -h: cyclictest's histogram, one line per microsecond, the totals after
probe timer -i 200 -l 300 -h 50 > hist.txt || fail "timer -h"
[ "$(grep -cE '^[0-9]{6} [0-9]{6}$' hist.txt)" = 50 ] || fail "-h 50 printed $(grep -cE '^[0-9]{6} ' hist.txt) buckets"
expect_grep "^# Total: 000000300$" hist.txt
sum=$(awk '/^[0-9][0-9][0-9][0-9][0-9][0-9] / { s += $2 } /^# Histogram Overflows:/ { s += $4 } END { print s }' hist.txt)
[ "$sum" = 300 ] || fail "the histogram and its overflows count $sum cycles, not 300"
# --warmup: cycles run first, neither counted nor checked; cycle numbers include them
probe timer -i 200 -l 100 --warmup 50 > w.txt || fail "--warmup"
expect_grep "^timer probe: periodic, interval 200 us, 100 cycles$" w.txt
expect_status 3 probe timer -i 200 -l 100 --warmup 5 -b 1 -q > wb.txt
expect_grep "^# Break cycle: 6$" wb.txt
ok "-D, --json, -h and --warmup: every cycle counted once"

# ---------------------------------------------------------------- a missed deadline
# recorded_probe DIR OUT ARGS...: xtrace-probe ARGS under xtrace-run -m overwrite -o DIR, its
# output in OUT.txt and OUT.err; its status must be 3 (a miss). The recorder's pid joins
# $recorders, whose instances must be gone at the end.
recorded_probe() {
	local dir=$1 out=$2 rc
	shift 2
	"$XT_BIN/xtrace-run" -q -m overwrite -o "$dir" "$XT_BIN/xtrace-probe" "$@" \
		> "$out.txt" 2> "$out.err" &
	recorders="$recorders $!"
	wait $!
	rc=$?
	[ $rc = 3 ] || fail "xtrace-run with xtrace-probe $* exited $rc, expected 3: $(cat "$out.err")"
}
# another recorder runs beside the probe's own: both must get the marker and the flush
"$XT_BIN/xtrace-run" -q -m overwrite -o other sleep 600 &
other=$!
recorders=$other
wait_recorder other
recorded_probe rec miss timer -i 1000 -l 100000 -b 1
expect_grep "^missed deadlines \(> 1 us\): 1; stopped at the first \(-b\)$" miss.txt
expect_grep "deadline missed at cycle 1: latency [0-9.]+ us \(> 1 us\); marked 2 and flushed 2 of 2 recorders" \
	miss.err
lat=$(sed -nE 's/^# Break value: ([0-9]+)$/\1/p' miss.txt)
[ -n "$lat" ] || fail "no break value: $(cat miss.txt)"
"$XT_BIN/xtrace-ctl" -q -p $other stop || fail "xtrace-ctl stop"
wait $other
for r in rec other; do
	xview $r > $r.view || fail "xtrace-view $r"
	m=$(grep -nE 'MARKER \[xtrace-probe timer: deadline missed: cycle 1 latency [0-9.]+ us > 1.000 us\]' \
		$r.view | head -1)
	[ -n "$m" ] || fail "$r lacks the probe's marker: $(grep -E 'MARKER|FLUSH' $r.view | head -5)"
	# the marker's latency is the one the probe reported
	mlat=$(echo "$m" | sed -nE 's/.*latency ([0-9]+)\.[0-9]+ us.*/\1/p')
	[ "$mlat" = "$lat" ] || fail "$r: marker latency $mlat us, the probe reported $lat us"
	f=$(grep -n 'FLUSH \[#1\]' $r.view | head -1 | cut -d: -f1)
	[ -n "$f" ] && [ "${m%%:*}" -lt "$f" ] || fail "$r: the marker (line ${m%%:*}) is not before FLUSH #1 (${f:-none})"
	# the probe's flush is a flush point of the recording (the end of a command is not)
	[ "$(grep -c '^flush = ' $r/xtrace.meta)" -ge 1 ] || fail "$r: no flush point in its metadata"
	# what was in the buffer then was saved by the flush: events before the marker
	[ "${m%%:*}" -gt 100 ] || fail "$r: only ${m%%:*} events before the marker"
done
ok "a miss (-b 1): marker with cycle and latency, then FLUSH #1, in both running recorders; status 3"

# -T: mark at each miss, flush at most once a second, go on to the end
recorded_probe rec2 t timer -i 1000 -l 200 -T 1
expect_grep "^timer probe: periodic, interval 1000 us, 200 cycles$" t.txt
expect_grep "^missed deadlines \(> 1 us\): 200$" t.txt
xview rec2 > rec2.view || fail "xtrace-view rec2"
marks=$(grep -c 'MARKER \[xtrace-probe timer: deadline missed' rec2.view)
[ "$marks" = 200 ] || fail "-T: $marks markers in the recording, expected 200"
[ "$(grep -c 'flushed 1 of 1 recorders' t.err)" -ge 1 ] || fail "-T: no flush: $(head -3 t.err)"
[ "$(grep -c 'marked 1 recorders$' t.err)" -ge 100 ] || fail "-T: the misses after the flush were not marked only"
probe timer -i 1000 -l 50 -T 100000 > t0.txt || fail "-T with no miss exited $?"
ok "-T: 200 misses marked, flushed once, the probe went on; status 3 (0 without a miss)"

# under "xtrace-run --remote": the probe's flush-all makes the controller flush the other
# system too (a loopback sshd in its own UTS namespace), before the command's end does
if command -v /usr/sbin/sshd > /dev/null && unshare --uts true 2>/dev/null; then
	SSHD=$XT_TOP/scripts/loopback-sshd.sh
	trap '"$SSHD" stop-all "$T/systems" > /dev/null 2>&1; cleanup_jobs' EXIT
	"$SSHD" start "$T/systems" sysp > /dev/null || fail "cannot start sshd for sysp"
	xrun -q -F "$T/systems/ssh_config" -m overwrite -o col --remote sysp -- \
		"$XT_BIN/xtrace-probe" timer -i 1000 -l 100000 -b 1 > col.txt 2> col.err
	rc=$?
	[ $rc = 3 ] || fail "xtrace-run --remote with a probe that misses exited $rc: $(cat col.err)"
	expect_grep "deadline missed at cycle 1: .*; marked [1-9] and flushed [1-9] of [1-9] recorders" col.err
	# the probe's flush, the failed command's and the stop's
	n=$(grep -c '^flush = ' col/sysp/xtrace.meta)
	[ "$n" -ge 3 ] || fail "sysp was flushed $n times, not by the probe: $(grep -A4 '\[flushes' col/sysp/xtrace.meta)"
	"$SSHD" stop-all "$T/systems" > /dev/null 2>&1
	ok "under xtrace-run --remote: a miss flushes the remote system too ($n flush points)"
fi

# ---------------------------------------------------------------- the net probe
$VG "$XT_BIN/xtrace-probe" net --respond -P $port 127.0.0.1 -D 20 > resp.txt 2> resp.err &
resp=$!
for _ in $(seq 50); do grep -q answering resp.err && break; sleep 0.1; done
expect_grep "answering on UDP port $port" resp.err
probe net -i 1000 -l 300 -P $port 127.0.0.1 --json > net.json || fail "net probe: $(cat net.json)"
python3 - net.json <<'PY' || fail "net probe JSON: $(head -c 600 net.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["probe"] == "net" and d["cycles"] == 300 and d["lost"] == 0, d
assert 0 < d["min_us"] <= d["p50_us"] + 1 <= d["max_us"] + 1
PY
probe net -i 1000 -l 20 127.0.0.1:$port > net.txt || fail "net probe HOST:PORT"
expect_grep "^net probe: periodic, interval 1000 us, 20 cycles$" net.txt
kill -TERM $resp; wait $resp
expect_grep "^net responder: answered 320 requests$" resp.txt
# nobody answers now: lost requests are missed deadlines (the timeout is the latency)
expect_status 3 probe net -i 1000 -l 5 --timeout 20ms -b 5000 -P $port 127.0.0.1 > lost.txt 2> lost.err
expect_grep "^lost: 1 requests without a reply in time$" lost.txt
expect_grep "deadline missed at cycle 1: latency 20000.0 us" lost.err
ok "net probe: 320 round trips answered, a lost answer is a missed deadline"

# ---------------------------------------------------------------- against cyclictest
# the same CPU, interval, priority and count, alternated twice; the medians and the 90th
# percentiles must agree within the noise seen between two runs of the same tool
command -v cyclictest > /dev/null || fail "cyclictest is missing (Debian's rt-tests: make deps)"
cpu=$(($(nproc) - 1))
for round in 1 2; do
	cyclictest -q -m -a $cpu -p 90 -i 500 -l 3000 -h 3000 > cyc$round.txt 2> cyc$round.err ||
		fail "cyclictest: $(cat cyc$round.err)"
	probe timer -m -a $cpu -p 90 -i 500 -l 3000 -h 3000 > xp$round.txt || fail "probe round $round"
done
python3 - cyc1.txt cyc2.txt xp1.txt xp2.txt <<'PY' > compare.txt || fail "distributions disagree: $(cat compare.txt)"
import sys
def pct(path, q):
    h = [tuple(map(int, l.split()[:2])) for l in open(path) if l[:1].isdigit()]
    n = sum(c for _, c in h)
    assert n >= 2900, (path, n)
    seen = 0
    for us, c in h:
        seen += c
        if seen >= q * n:
            return us
    return h[-1][0]
bad = []
for q in (0.5, 0.9):
    c1, c2, x1, x2 = (pct(p, q) for p in sys.argv[1:])
    noise = max(3, abs(c1 - c2), abs(x1 - x2), 0.3 * (c1 + c2) / 2)
    cyc, xp = (c1 + c2) / 2, (x1 + x2) / 2
    print(f"p{q*100:.0f}: cyclictest {c1} {c2} us, xtrace-probe {x1} {x2} us, noise {noise:.1f} us")
    if abs(cyc - xp) > noise:
        bad.append(q)
sys.exit(1 if bad else 0)
PY
cat compare.txt
ok "the timer probe's distribution agrees with cyclictest's ($(tr '\n' ';' < compare.txt))"
# this test's recorders left no instance (others' recorders may run on this machine)
for _ in $(seq 20); do
	left=$(for p in $recorders; do ls -d /sys/kernel/tracing/instances/xtrace-$p* 2>/dev/null; done)
	[ -z "$left" ] && break
	sleep 0.1
done
[ -z "$left" ] || fail "tracefs instances left behind: $left"
