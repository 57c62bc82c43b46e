#!/bin/bash
# A child makes N getppid calls and writes markers: the view shows exactly N
# SYSCALL_ENTER [getppid] under its pid, in order, between its markers, with TOD
# timestamps inside the child's own CLOCK_REALTIME bracket (a few ms of slack).
. "$(dirname "$0")/lib.sh"
N=2000
tag=burst-$$-$RANDOM
expect_status 0 xrun -q -o rec "$HELPERS/syscall-burst" $N "$tag" child.txt
no_instances
read -r pid tid before after < child.txt
xview -t epoch -v rec > view.txt || fail "xtrace-view failed"
# the default view has the same lines as -v, without the fields
xview -t epoch rec > plain.txt || fail "xtrace-view failed"
[ "$(wc -l < plain.txt)" = "$(wc -l < view.txt)" ] || fail "-v changed the number of lines"

expect_grep "MARKER \[$tag begin\]" view.txt
expect_grep "MARKER \[$tag end\]" view.txt
got=$(grep -c "SYSCALL_ENTER \[getppid\]  [^ ]*-$tid " view.txt)
[ "$got" = "$N" ] || fail "expected $N SYSCALL_ENTER [getppid] of pid $tid, got $got"
got=$(grep -c "SYSCALL_EXIT \[getppid\]  [^ ]*-$tid " view.txt)
[ "$got" = "$N" ] || fail "expected $N SYSCALL_EXIT [getppid] of pid $tid, got $got"
ok "$N getppid enters and exits of pid $tid"

# between the markers, in order, within the child's realtime bracket
awk -v tag="$tag" -v tid="$tid" -v before="$before" -v after="$after" '
	function ns(t,  a) { split(t, a, "."); return a[1] * 1000000000 + a[2] }
	{ t = ns($1); if (t < last) { print "out of order at line " NR; bad = 1 } last = t }
	index($0, "MARKER [" tag " begin]") { inside = 1; b = t }
	index($0, "MARKER [" tag " end]") { inside = 0; e = t }
	/SYSCALL_ENTER \[getppid\]/ && $0 ~ ("-" tid " ") { n++; if (!inside) outside++
		if (t < before - 5000000 || t > after + 5000000) far++ }
	END {
		if (bad) exit 1
		if (outside) { print outside " getppid calls outside the markers"; exit 1 }
		if (far) { print far " timestamps off the child clock by more than 5 ms"; exit 1 }
		if (b < before - 5000000 || e > after + 5000000) { print "markers off the child clock"; exit 1 }
		printf "markers at %+.3f ms and %+.3f ms of the child bracket\n", (b - before) / 1e6, (e - after) / 1e6
	}' view.txt || fail "order or time check failed"

# host and CPU columns, UTC default format
host=$(hostname | cut -d. -f1)
xview rec | head -1 > first.txt
expect_grep "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} $host [0-9]+ [A-Z_]+" first.txt
xview -t short rec | head -1 | grep -qE '^[0-9]{2}\.[0-9]{9} ' || fail "-t short"
xview -t rel rec | head -1 | grep -qE '^-?[0-9]+\.[0-9]{9} ' || fail "-t rel"

# every event the kernel handed to the recorder is decoded: counts match the metadata
"$XT_TOP/build/samples/count-events" rec > counts.txt || fail "count-events: events out of order"
for cpu in $(awk '/^cpu /{print $3}' counts.txt); do
	decoded=$(awk -v c=$cpu '$1 == "cpu" && $3 == c {print $4}' counts.txt)
	recorded=$(awk -v c="[cpu$cpu]" '$0 == c {s = 1; next} /^\[/ {s = 0} s && $1 == "events" {print $3}' rec/xtrace.meta)
	[ "$decoded" = "$recorded" ] || fail "cpu$cpu: metadata says $recorded events, decoded $decoded"
done
expect_grep "^damage 0$" counts.txt
ok "decoded counts match the kernel's per-CPU counts"

# the info view
xview -i rec > info.txt || fail "xtrace-view -i"
expect_grep "^recording .*complete" info.txt
expect_grep "^timestamps  tod \(trace clock boot" info.txt
expect_grep "exit status 0" info.txt
