#!/bin/bash
# Clock truth in merged views (docs/clocks.md): a system on loopback (a real sshd in
# its own UTS namespace) recorded with xtrace-run --remote, clock exchanges made
# with its recorder while it records, its clock mapped onto ours by the merge.
# Both recorders trace the same kernel with the same trace clock, so every event
# they both saw is a pair of twins with one true time: after the mapping the
# twins must lie within the stated bound of each other (no causality violation).
# Then the system's wall clock is made wrong (its clock samples shifted by a known
# offset and drift, or stepped by +2 s in the middle) and the merge must find the
# offset and drift, ignore the step, and, without exchanges, place both sides of
# the step on one clock.
. "$(dirname "$0")/lib.sh"
command -v /usr/sbin/sshd >/dev/null || skip "openssh-server is not installed"
unshare --uts true 2>/dev/null || skip "cannot make UTS namespaces here"

SSHD=$XT_TOP/scripts/loopback-sshd.sh
S=$T/systems
stop_systems() { "$SSHD" stop-all "$S" >/dev/null 2>&1; cleanup_jobs; }
trap stop_systems EXIT
"$SSHD" start "$S" vm1 || fail "cannot start sshd for vm1"
CFG=$S/ssh_config
here=$(uname -n)
load='for i in $(seq 40); do cat /proc/stat > /dev/null; sleep 0.15; done'

# --------------------------------------------------------- exchanges while recording
xrun -v -F "$CFG" -e sched,irq -o out --remote vm1 -- sh -c "$load" > run.out 2> run.err ||
	fail "xtrace-run --remote: $(cat run.err)"
[ -f out/vm1/clocksync ] || fail "no clock exchanges kept with vm1's recording"
nx=$(grep -c '^x ' out/vm1/clocksync)
[ "$nx" -ge 40 ] || fail "only $nx exchanges kept"
# spread over the recording, not only at its start and end
awk '/^x/ { t[n++] = $3 } END { for (i = 1; i < n; i++) if (t[i] - t[i - 1] > 2e9) exit 1 }' \
	<(sort -k3,3n out/vm1/clocksync) || fail "a gap of more than 2 s between exchanges"
expect_grep "vm1: $nx clock exchanges kept, the fastest round trip [0-9.]+ us" run.err
xview -i out/merged > info.txt
expect_grep "^clock +vm1: exchanges, offset [-+][0-9.]+ s, drift [-+][0-9.]+ ppm, bound [0-9]+ ns, $nx exchanges" info.txt
expect_grep "^clock +$here: reference, " info.txt
ok "exchanges during the recording: $nx kept, $(grep -o 'the fastest round trip [0-9.]* us' run.err)"

# field FIELD of system NAME's clock line in xtrace-view -i DIR
clock_of() {
	xview -i "$1" | awk -v s="$2" -v f="$3" '$1 == "clock" && $2 == s ":" {
		for (i = 3; i <= NF; i++) if ($i == f) { v = $(i + 1); sub(",", "", v); print v } }'
}

# twins DIR: for each event both recorders saw, how far its two copies' times are
# from their true distance (ns). Each tracefs instance stamps its own copy with
# the same trace clock, so the copies' raw times (a few hundred ns apart, one
# CPU, same event and arguments) give the true distance.
twins() {
	xview -t raw -F json -f tod,host,cpu,pid,event,args "$1" |
	awk -F'"' -v here="$here" '{
		raw = $4 + 0; ns = $7; gsub(/[:,]/, "", ns); h = $10
		k = $13 $15 $18 "|" $22
		sec = substr(ns, 1, length(ns) - 9) + 0; frac = substr(ns, length(ns) - 8) + 0
		# (bucket keys as "%.0f" strings: mawk prints integers above 2^31 in %.6g, which
		# makes neighbouring buckets one key once the machine has been up ~6 hours)
		b = int(raw / 10000); bk = sprintf("%.0f", b)
		if (h == here) {
			n = ++hn[k, bk]; hr[k, bk, n] = raw; hs[k, bk, n] = sec; hf[k, bk, n] = frac
		} else if (h == "vm1") {
			vn++; vr[vn] = raw; vs[vn] = sec; vf[vn] = frac; vk[vn] = k; vb[vn] = b
		}
	} END {
		for (i = 1; i <= vn; i++) {
			found = 0
			for (b = vb[i] - 1; b <= vb[i] + 1; b++) {
				bk = sprintf("%.0f", b)
				for (j = 1; j <= hn[vk[i], bk]; j++) {
					d = vr[i] - hr[vk[i], bk, j]
					if (d < 10000 && d > -10000) { found++; e = (vs[i] - hs[vk[i], bk, j]) * 1e9 + (vf[i] - hf[vk[i], bk, j]) - d }
				}
			}
			if (found == 1)
				printf "%.0f\n", e
		}
	}'
}

# check_twins DIR WANT_NS SLACK_NS: every twin difference within SLACK of WANT
check_twins() {
	twins "$1" > "$1.twins"
	n=$(wc -l < "$1.twins")
	[ "$n" -ge 100 ] || fail "$1: only $n events seen by both recorders"
	bad=$(awk -v w="$2" -v s="$3" '{ d = $1 - w; if (d > s || -d > s) n++ } END { print n + 0 }' "$1.twins")
	worst=$(awk -v w="$2" '{ d = $1 - w; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.0f", m }' "$1.twins")
	[ "$bad" = 0 ] || fail "$1: $bad of $n twins off by more than $3 ns (worst $worst ns)"
}

bound=$(clock_of out/merged vm1 bound)
hbound=$(clock_of out/merged "$here" bound)
off=$(clock_of out/merged vm1 offset)
[ -n "$bound" ] && [ "$bound" -gt 0 ] || fail "no bound for vm1: $(cat info.txt)"
# one kernel, one clock: the true offset is 0
awk -v o="$off" -v b="$bound" 'BEGIN { o *= 1e9; exit !(o <= b && -o <= b) }' ||
	fail "vm1's offset $off s is not within its bound $bound ns of the truth (0)"
check_twins out/merged 0 $((bound + hbound))
ok "twins within the bound: $(wc -l < out/merged.twins) events seen by both, worst $worst ns, bound $bound ns, offset $off s"

# the uncertain order: counted in the merge, flagged in JSON, marked on request
unc=$(xview -i out/merged | awk '$1 == "uncertain" { print $2 }')
[ -n "$unc" ] || fail "no uncertain count: $(cat info.txt)"
flags=$(xview -F json out/merged | grep -c '"uncertain":true')
marks=$(xview --mark-uncertain out/merged | grep -c ' ?$')
[ "$flags" = "$unc" ] && [ "$marks" = "$unc" ] ||
	fail "uncertain: merge says $unc, JSON flags $flags, text marks $marks"
[ "$unc" -gt 0 ] || fail "no uncertain order with a bound of $bound ns"
[ "$(xview out/merged | grep -c ' ?$')" = 0 ] || fail "marks without --mark-uncertain"
ok "uncertain order: $unc places, the same in the merge, JSON and text"

# a merge of the merge keeps each mapping, and says once that an earlier merge made it
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o re1 out/merged
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o re2 re1 > re2.report
expect_grep "^vm1 +exchanges \(earlier merge\) +[-+][0-9.]+ s" re2.report
xview -i re2 | grep -E "^clock +vm1: exchanges \(earlier merge\), " > /dev/null ||
	fail "vm1's mapping after two merges: $(xview -i re2 | grep '^clock')"
cmp <(xview out/merged) <(xview re2) || fail "a merge of a merge of the merge moved events"
ok "merged again and again: each system keeps its mapping, said once"

# -------------------------------------------------- a wall clock off by 2 s and 50 ppm
# shift_clock SRC DST AWK: a copy of recording SRC whose clock samples' tod went through AWK
shift_clock() {
	cp -a "$1" "$2"
	awk "/^#/ { print; next } NR == 2 { t0 = \$1 } { $3; printf \"%s %.0f %s %s\\n\", \$1, tod, \$3, \$4 }" \
		"$1/clock" > "$2/clock"
}
shift_clock out/vm1 drift 'tod = $2 + 2e9 + ($1 - t0) * 50e-6'
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o m-drift -n vm1=drift "out/$here" > drift.report
expect_grep "^vm1 +exchanges +-2\.0[0-9]+ s +-(49|50)\.[0-9]+ ppm" drift.report
off=$(clock_of m-drift vm1 offset)
drift=$(clock_of m-drift vm1 drift)
bound=$(clock_of m-drift vm1 bound)
span=$(awk '!/^#/ { if (!n++) a = $1; b = $1 } END { print b - a }' out/vm1/clock)
# the offset at the middle of the span: -2 s - 50 ppm of half the span, within the bound
awk -v o="$off" -v b="$bound" -v s="$span" 'BEGIN { w = -2e9 - 50e-6 * s / 2; d = o * 1e9 - w
	exit !(d <= b + 1000 && -d <= b + 1000) }' || fail "offset $off s, want -2 s - 50 ppm of $span/2 ns (bound $bound)"
# the drift within what the bound allows over the span
awk -v d="$drift" -v b="$bound" -v s="$span" 'BEGIN { e = (d + 50) * 1e-6 * s / 2
	exit !(e <= b && -e <= b) }' || fail "drift $drift ppm, want -50 ppm (bound $bound ns over $span ns)"
check_twins m-drift 0 $((bound + hbound))
# the raw wall clocks keep the error: the same test fails
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q --raw-clocks -o m-raw -n vm1=drift "out/$here"
twins m-raw > m-raw.twins
awk '{ if ($1 < 1.9e9) exit 1 }' m-raw.twins || fail "--raw-clocks: twins not 2 s apart"
ok "offset $off s and drift $drift ppm found (set: +2 s, +50 ppm), bound $bound ns, twins within it; --raw-clocks keeps the 2 s"

# ---------------------------------------------------------- a step of +2 s in the middle
mid=$(awk '!/^#/ { if (!n++) a = $1; b = $1 } END { printf "%.0f", a + (b - a) / 2 }' out/vm1/clock)
# a sample just after the step, as the recorder takes one when the clock is set
cp -a out/vm1 stepped
awk -v m="$mid" '/^#/ { print; next } { if (!done && $1 > m) { printf "%s %.0f %s 1\n", m, tod0 + (m - t0) + 2e9, $3; done = 1 }
	if (!n++) { t0 = $1; tod0 = $2 } if ($1 > m) printf "%s %.0f %s %s\n", $1, $2 + 2e9, $3, $4; else print }' \
	out/vm1/clock > stepped/clock
steps=$(awk '!/^#/ && $4 == 1' stepped/clock | wc -l)
[ "$steps" = 1 ] || fail "the stepped clock: $(cat stepped/clock)"
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o m-step -n vm1=stepped "out/$here" > step.report 2> step.err
expect_grep "'vm1': its clock was stepped \+2\.000000 s at [0-9T:.-]+ UTC: its mapping by clock exchanges is not affected" step.err
bound=$(clock_of m-step vm1 bound)
check_twins m-step 0 $((bound + hbound))
ok "a step with exchanges: reported, ignored by the mapping, twins within $bound ns"

# without exchanges: both sides on the clock after the step (default), or before it
rm stepped/clocksync stepped/clockcheck
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o m-after -n vm1=stepped "out/$here" > after.report 2> after.err
expect_grep "'vm1': its clock was stepped \+2\.000000 s at [0-9T:.-]+ UTC: times before it are placed on the clock after it" after.err
check_twins m-after 2000000000 1000000
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o m-before --clock-step=before -n vm1=stepped "out/$here" \
	> before.report 2> before.err
expect_grep "times after it are placed on the clock before it" before.err
check_twins m-before 0 1000000
# as recorded, the two sides are 2 s apart
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q --raw-clocks -o m-steppedraw -n vm1=stepped "out/$here"
twins m-steppedraw | awk '{ if ($1 > 1e9) a++; else b++ } END { exit !(a && b) }' ||
	fail "--raw-clocks: the step does not split the twins"
expect_status 2 "$XT_BIN/xtrace-multi-merge" --clock-step=middle -o m-bad "out/$here"
ok "a step without exchanges: both sides on the clock after it (or before it, --clock-step=before)"
