#!/bin/bash
# The recorder's clock: chrony's status at start and end (a private chronyd that
# never touches the clock), and a clock step noticed at once (CLOCK_REALTIME set
# to the value it has: the cancel-on-set timer fires, the time does not move).
. "$(dirname "$0")/lib.sh"

# chrony: use a running chronyd, or start one of our own with -x (no clock control)
started=
if [ ! -S /run/chrony/chronyd.sock ] && command -v chronyd > /dev/null; then
	made_dir=
	[ -d /run/chrony ] || made_dir=1
	cat > chrony.conf <<CONF
pidfile $T/chronyd.pid
driftfile $T/chrony.drift
local stratum 10
port 0
cmdport 0
CONF
	chronyd -x -f "$T/chrony.conf" || fail "cannot start chronyd"
	for _ in $(seq 50); do [ -S /run/chrony/chronyd.sock ] && break; sleep 0.1; done
	started=$(cat "$T/chronyd.pid")
	stop_chronyd() {
		kill -TERM "$started" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$started" 2>/dev/null || break; sleep 0.1; done
		[ -n "$made_dir" ] && rmdir /run/chrony 2>/dev/null
		cleanup_jobs
	}
	trap stop_chronyd EXIT
fi
if [ -S /run/chrony/chronyd.sock ]; then
	expect_status 0 xrun -q -o chrony true
	# chronyc's CSV tracking line: refid,name,stratum,reftime,offset,...
	expect_grep '^start = [0-9A-F]{8},[^,]*,[0-9]+,[0-9.]+,-?[0-9.]+' chrony/xtrace.meta
	expect_grep '^end = [0-9A-F]{8},' chrony/xtrace.meta
	expect_grep '^error_ns = [0-9]+$' chrony/xtrace.meta
	xview -i chrony | grep -q '^chrony      start: [0-9A-F]' || fail "xtrace-view -i does not show chrony"
	ok "chrony status recorded (${started:+our own chronyd -x, pid $started})"
else
	echo "no chronyd: chrony part skipped"
fi

# without chronyd the recording says so
if [ -z "$started" ] && [ ! -S /run/chrony/chronyd.sock ]; then
	expect_status 0 xrun -q -o nochrony true
	expect_grep '^start = unavailable' nochrony/xtrace.meta
fi

# a clock step is noticed when it happens: a sample flagged 1 (step) follows it
expect_status 0 xrun -q -o step sh -c "sleep 0.3; '$HELPERS/clock-touch'; sleep 0.3; echo after > \$XTRACE_MARKER"
steps=$(awk '!/^#/ && $4 == 1' step/clock | wc -l)
[ "$steps" -ge 1 ] || fail "no step sample in the clock file: $(cat step/clock)"
samples=$(grep -vc '^#' step/clock)
[ "$samples" -ge 3 ] || fail "expected start, step and stop samples, got $samples"
# every sample's error is small on this machine, and the offsets agree
awk '!/^#/ { if ($3 > 100000) bad = 1; off = $2 - $1; if (n++ && (off - prev > 1000000 || prev - off > 1000000)) bad = 1; prev = off }
	END { exit bad }' step/clock || fail "clock samples disagree: $(cat step/clock)"
# (setting the clock to "now" moves it back by the read-to-set latency: a real step)
xview -i step | grep -qE 'timestamps  tod .* [0-9]+ clock samples, error <= [0-9]+ ns; [1-9][0-9]* steps' ||
	fail "the step is not reported: $(xview -i step | grep timestamps)"
xview step | grep -q 'MARKER \[after\]' || fail "view after a clock step"
ok "clock step detected ($steps flagged sample(s) of $samples)"
