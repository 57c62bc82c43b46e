#!/bin/bash
# The clock bound the merge reaches for loopback systems (docs/clocks.md): a system on
# loopback (scripts/loopback-sshd.sh) recorded with xtrace-run --remote for
# BENCH_CLOCK_SECS (default 10) s, BENCH_CLOCK_REPS (default 3) times, idle and under a
# load of 2 x bench/sysload. Per run: the exchanges kept, the fastest round trip, the
# bound of vm1's mapping, and the true error: the worst distance of the twins (events
# both recorders saw: one kernel, one trace clock) from their true distance.
#   bench/clock-bound.sh        (after make; as root)
# The TCG guest and guest-service ping pairs are not measured here (see docs/clocks.md).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${BENCH_CLOCK_SECS:-10}
reps=${BENCH_CLOCK_REPS:-3}
w=$(mktemp -d /tmp/xtrace-clock-bench.XXXXXX)
loads=
stop() {
	for p in $loads; do kill "$p" 2> /dev/null || true; done
	"$top/scripts/loopback-sshd.sh" stop-all "$w/sys" > /dev/null 2>&1 || true
	rm -rf "$w"
}
trap stop EXIT
"$top/scripts/loopback-sshd.sh" start "$w/sys" vm1
here=$(uname -n)
cc -O2 -o "$w/sysload" "$top/bench/sysload.c"

worst_twin() {	# the largest |error| of the twins in the merged directory $1
	"$top/bin/xtrace-view" -t raw -F json -f tod,host,cpu,pid,event,args "$1" |
	awk -F'"' -v here="$here" '{
		raw = $4 + 0; ns = $7; gsub(/[:,]/, "", ns); h = $10; k = $13 $15 $18 "|" $22
		sec = substr(ns, 1, length(ns) - 9) + 0; frac = substr(ns, length(ns) - 8) + 0
		b = int(raw / 10000)
		if (h == here) { n = ++hn[k, b]; hr[k, b, n] = raw; hs[k, b, n] = sec; hf[k, b, n] = frac }
		else { vn++; vr[vn] = raw; vs[vn] = sec; vf[vn] = frac; vk[vn] = k; vb[vn] = b }
	} END {
		for (i = 1; i <= vn; i++) {
			f = 0
			for (b = vb[i] - 1; b <= vb[i] + 1; b++)
				for (j = 1; j <= hn[vk[i], b]; j++) {
					d = vr[i] - hr[vk[i], b, j]
					if (d < 10000 && d > -10000) { f++; e = (vs[i] - hs[vk[i], b, j]) * 1e9 + (vf[i] - hf[vk[i], b, j]) - d }
				}
			if (f == 1) { n++; if (e < 0) e = -e; if (e > m) m = e }
		}
		printf "%d twins, worst %.0f ns", n, m
	}'
}

printf '%-6s %4s %10s %14s %12s  %s\n' LOAD RUN EXCHANGES "FASTEST RTT" BOUND "TRUE ERROR"
for load in idle sysload; do
	if [ $load = sysload ]; then
		"$w/sysload" $((secs * reps + 30)) > /dev/null 2>&1 & loads="$loads $!"
		"$w/sysload" $((secs * reps + 30)) > /dev/null 2>&1 & loads="$loads $!"
	fi
	for r in $(seq "$reps"); do
		rm -rf "$w/out"
		"$top/bin/xtrace-run" -v -F "$w/sys/ssh_config" -e sched,irq -o "$w/out" --remote vm1 \
			-- sleep "$secs" > /dev/null 2> "$w/run.err"
		rtt=$(grep -o 'the fastest round trip [0-9.]* us' "$w/run.err" | awk '{ print $5 " us" }')
		bound=$("$top/bin/xtrace-view" -i "$w/out/merged" | awk '$1 == "clock" && $2 == "vm1:" {
			for (i = 3; i <= NF; i++) if ($i == "bound") print $(i + 1) " ns" }')
		n=$(grep -c '^x ' "$w/out/vm1/clocksync")
		printf '%-6s %4d %10d %14s %12s  %s\n' $load "$r" "$n" "$rtt" "$bound" \
			"$(worst_twin "$w/out/merged")"
	done
	for p in $loads; do kill "$p" 2> /dev/null || true; done
	loads=
done
