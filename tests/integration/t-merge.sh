#!/bin/bash
# xtrace-multi-merge on real recordings of three "systems" made in separate runs
# under their own host names (UTS namespaces): global order, nothing lost or
# duplicated, deterministic output, re-merging, clock options, bad input.
. "$(dirname "$0")/lib.sh"
command -v unshare > /dev/null || skip "needs unshare"
as_host() { local h=$1; shift; unshare --uts sh -c "hostname $h && exec \"\$@\"" sh "$@"; }
load='for i in $(seq 150); do cat /proc/stat > /dev/null; done'

as_host host "$XT_BIN/xtrace-run" -q -o host sh -c \
	"echo host-before > \$XTRACE_MARKER; $load; sleep 0.6; $load; echo host-after > \$XTRACE_MARKER" &
hostrec=$!
sleep 0.3
as_host vm1 "$XT_BIN/xtrace-run" -q -o vm1 sh -c "$load; echo vm1-mark > \$XTRACE_MARKER" ||
	fail "recording vm1"
as_host vm2 "$XT_BIN/xtrace-run" -q -o vm2 sh -c "echo vm2-mark > \$XTRACE_MARKER; $load" ||
	fail "recording vm2"
wait $hostrec || fail "recording host"
sums() { find host vm1 vm2 -type f -print0 | sort -z | xargs -0 md5sum; }
sums > inputs.md5

expect_status 0 "$XT_BIN/xtrace-multi-merge" -o merged host vm1 vm2 > report.txt 2> warnings.txt
expect_grep "^merged 3 systems, [0-9]+ events into 'merged'" report.txt
for s in host vm1 vm2; do expect_grep "^$s +$s +[1-9]" report.txt; done
expect_grep "clock error is unknown" warnings.txt

xview -t epoch merged > view.txt || fail "xtrace-view of the merged directory"
xview -t raw merged > raw.txt || fail "xtrace-view -t raw of the merged directory"
# every event of every input, per system and CPU, nothing more
for s in host vm1 vm2; do
	xview -t epoch $s > $s.txt || fail "view of $s"
	for cpu in $(awk '{print $3}' $s.txt | sort -u); do
		a=$(awk -v c=$cpu '$3 == c' $s.txt | wc -l)
		b=$(awk -v s=$s -v c=$cpu '$2 == s && $3 == c' view.txt | wc -l)
		[ "$a" = "$b" ] || fail "$s cpu$cpu: $a events recorded, $b merged"
	done
	# and the same events, in the same order, at the same times of the system's own trace
	# clock (its wall clock's times may differ: a step of the wall clock while it recorded,
	# as this machine's platform makes now and then, is placed on one side by the merge)
	diff <(xview -t raw $s | cut -d' ' -f1,3-) <(awk -v s=$s '$2 == s' raw.txt | cut -d' ' -f1,3-) \
		> /dev/null || fail "$s's events differ in the merge"
done
[ "$(wc -l < view.txt)" = "$(cat host.txt vm1.txt vm2.txt | wc -l)" ] || fail "event counts differ"
awk '{ split($1, t, "."); ns = t[1] * 1000000000 + t[2]; if (ns < last) { print "line " NR; exit 1 } last = ns }' \
	view.txt || fail "the merged view is not in time order"
grep -oE 'MARKER \[[a-z0-9-]+\]' view.txt | tr '\n' ' ' > markers.txt
expect_grep "host-before\] MARKER \[vm1-mark\] MARKER \[vm2-mark\] MARKER \[host-after" markers.txt
ok "3 systems merged: $(wc -l < view.txt) events, per-CPU counts match, in time order"

# the merged directory replays exactly what xtrace-view makes of the inputs together
xview -t epoch host vm1 vm2 | cmp -s - view.txt || fail "merged view differs from the inputs' view"
# the same input, the same output, byte for byte
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o again host vm1 vm2
diff -r merged again > /dev/null || fail "two merges of the same input differ"
# the merge reads times with its own sub-buffer walker where it can: kbuffer's order
XTRACE_MERGE_KBUFFER=1 expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o bykbuffer host vm1 vm2
diff -r merged bykbuffer > /dev/null || fail "the walker's merge differs from kbuffer's"
XTRACE_MERGE_KBUFFER=1 expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o svm1 "$XT_TOP/tests/data/kvm-svm"
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o svm2 "$XT_TOP/tests/data/kvm-svm"
diff -r svm1 svm2 > /dev/null || fail "the walker's merge of kvm-svm differs from kbuffer's"
# generated recordings have idle gaps within sub-buffers: time extends, seldom seen here
need_gen
"$XT_GEN" -q -o g1 -n g1 -c 3 -e 60000 -s 5 -r 2000 &&
	"$XT_GEN" -q -o g2 -n g2 -g -c 2 -e 40000 -s 6 -r 3000 || fail "gen-recording"
XTRACE_MERGE_KBUFFER=1 expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o gen1 g1 g2
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o gen2 g1 g2
diff -r gen1 gen2 > /dev/null || fail "the walker's merge of generated recordings differs from kbuffer's"
ok "the merge's sub-buffer walker orders as kbuffer does (real, KVM and generated recordings)"
# a merged directory merges with more recordings
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o part host vm1
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o nested part vm2
xview -t epoch nested | cmp -s - view.txt || fail "merge of a merge differs"
ok "deterministic, and a merged directory merges again"

# --offset moves one system, carried into later merges
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o shifted --offset vm1=+2s host vm1 vm2
first_vm1=$(awk '$2 == "vm1" {print $1; exit}' view.txt)
first_shift=$(xview -t epoch shifted | awk '$2 == "vm1" {print $1; exit}')
awk -v a="$first_vm1" -v b="$first_shift" 'BEGIN { split(a, x, "."); split(b, y, ".");
	d = (y[1] - x[1]) * 1000000000 + (y[2] - x[2]); exit !(d == 2000000000) }' ||
	fail "--offset vm1=+2s moved $first_vm1 to $first_shift"
expect_grep "^offset_ns = 2000000000$" shifted/xtrace.meta
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o shifted2 --offset vm1=-500ms shifted
expect_grep "^offset_ns = 1500000000$" shifted2/xtrace.meta
ok "--offset"

# the report: recordings that do not overlap in time (vm1 ran, then vm2)
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o apart vm1 vm2 > /dev/null 2> e0.txt
expect_grep "'vm1' does not overlap any other system in time" e0.txt
expect_grep "'vm2' does not overlap any other system in time" e0.txt
# a clock whose noted error (chrony's bound when recorded: 2 ms here) exceeds the typical
# gap between interleaved events
cp -r vm1 vm1c
sed -i 's/^error_ns = .*/error_ns = 2000000/' vm1c/xtrace.meta
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o loose host vm1c > /dev/null 2> e00.txt
expect_grep "'vm1': its clock may be off by up to 2\.0 ms, more than the typical .* between interleaved events" e00.txt
expect_grep "^clock_error_ns = 2000000$" loose/xtrace.meta
xview -i loose | grep -q "^warning     'vm1': its clock may be off" || fail "xtrace-view -i lacks the warning"
ok "clock report warnings"

# lost events of an input are carried into the merge
expect_grep "^lost = 0$" merged/xtrace.meta

# names: one host twice is refused unless told apart
expect_status 1 "$XT_BIN/xtrace-multi-merge" -o dup host host 2> e1.txt
expect_grep "two inputs are the system 'host'.*-n NAME=DIR" e1.txt
[ ! -e dup ] || fail "a refused merge left 'dup'"
expect_status 0 "$XT_BIN/xtrace-multi-merge" -q -o named -n a=host -n b=host
[ "$(xview named | awk '{print $2}' | sort -u | tr '\n' ' ')" = "a b " ] || fail "-n names"

# a TSC recording is refused, saying what to do
if grep -q x86-tsc /sys/kernel/tracing/trace_clock; then
	as_host tscvm "$XT_BIN/xtrace-run" -q -t tsc -o tsc true
	expect_status 1 "$XT_BIN/xtrace-multi-merge" -o t host tsc 2> e2.txt
	expect_grep "'tsc' was recorded with -t tsc.*record with -t tod" e2.txt
	[ ! -e t ] || fail "a refused merge left 't'"
fi
# bad input
expect_status 1 "$XT_BIN/xtrace-multi-merge" -o x nosuch host 2> e3.txt
expect_grep "cannot open 'nosuch': no such recording" e3.txt
expect_status 1 "$XT_BIN/xtrace-multi-merge" -o merged host 2> e4.txt
expect_grep "'merged' exists and is not empty" e4.txt
expect_status 2 "$XT_BIN/xtrace-multi-merge" host 2> e5.txt
expect_grep "no output directory" e5.txt
expect_status 2 "$XT_BIN/xtrace-multi-merge" -o y --offset vm1=soon host 2> e6.txt
ok "refusals"

# a truncated input: what is readable is merged, and the merge says what was not
cp -r vm1 vm1t
big=$(ls -S vm1t/cpu*.xtd | head -1)
truncate -s $(($(stat -c %s "$big") - 50)) "$big"
expect_status 0 "$XT_BIN/xtrace-multi-merge" -o trunc host vm1t vm2 > /dev/null 2> e7.txt
expect_grep "'vm1': [0-9]+ damaged place\(s\) in its data were skipped" e7.txt
xview trunc > trunc.txt 2> trunc.err || fail "view of a merge of a truncated input: $(cat trunc.err)"
[ "$(awk '$2 == "vm1"' trunc.txt | wc -l)" -lt "$(wc -l < vm1.txt)" ] || fail "nothing was cut"
ok "truncated input merged up to the damage"

# a disk that fills: a clear error, the output marked incomplete, the inputs untouched
mkdir small
dec=$(du -cb --exclude='cpu*.xtd' host vm1 vm2 | tail -1 | cut -f1)
mount -t tmpfs -o size=$((dec + 64 * 1024)) xtrace-test small || skip "cannot mount a tmpfs"
trap 'umount "$T/small" 2>/dev/null; cleanup_jobs' EXIT
"$XT_BIN/xtrace-multi-merge" -o small/out host vm1 vm2 > /dev/null 2> e8.txt
rc=$?
if [ $rc = 0 ]; then
	umount small
	skip "the merge fitted in $((dec / 1024 + 64)) KiB"
fi
[ $rc = 1 ] || fail "disk full: exit $rc"
expect_grep "No space left on device" e8.txt
expect_grep "^complete = false$" small/out/xtrace.meta
umount small
sums | cmp -s - inputs.md5 || fail "an input changed"
ok "disk full: error, output marked incomplete, inputs untouched"
