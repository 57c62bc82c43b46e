#!/bin/bash
# tests/integration/view-compare.sh: xtrace-view's output in every mode, against a reference.
#
#   view-compare.sh inputs IN            make the inputs in IN (generated; as root also real
#                                        recordings, a flight recorder's and a damaged one)
#   view-compare.sh run IN OUT [BIN]     run BIN (default bin/xtrace-view) in every mode on
#                                        every input of IN; OUT/CASE.{out,err,rc}
#   view-compare.sh diff REF OUT         compare two runs byte for byte; exit 1 on a difference
#
# For a change that must not alter the output (a refactoring): make the inputs, run the
# binary before the change into REF (kept outside the tree), then after each step run the
# new one into OUT and diff. VIEW_CMP_ONLY=REGEX restricts the inputs (e.g. 'svm|real').
# The real recordings need root and tracefs (XTRACE_RUN_DIR may point the control sockets
# elsewhere); without root only the generated ones are made.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

die() { echo "view-compare: $*" >&2; exit 1; }

make_inputs() {
	local in=$1 gen=$TOP/build/tests/helpers/gen-recording t0=1795000000000000000
	local run=$TOP/bin/xtrace-run ctl=$TOP/bin/xtrace-ctl

	[ -x "$gen" ] || make -s -C "$TOP" build/tests/helpers/gen-recording ||
		die "cannot build gen-recording"
	mkdir -p "$in" && cd "$in" || die "cannot create $in"
	# each input is made once: a reference stays valid when inputs are added
	[ -e svm ] || ln -s "$TOP/tests/data/kvm-svm" svm
	if [ ! -d merged ]; then
		rm -rf host vm1
		"$gen" -q -o host -n host -c 2 -e 400000 -s 7 -t $t0 || die "gen host"
		"$gen" -q -o vm1 -n vm1 -c 2 -e 200000 -s 8 -t $((t0 + 5000)) -g || die "gen vm1"
		# as tests/test-lib.sh gen_host_vm1: qemu 4000 is VM vm1, vCPU threads 4001, 4002
		printf 'vm 4000 vm1\nthread 4000 4000 -1\nthread 4001 4000 0\nthread 4002 4000 1\n' \
			> host/vms
		"$TOP/bin/xtrace-multi-merge" -q -o merged host vm1 || die "merge"
	fi
	# the merge as if its clocks were mapped with bounds of 2 us: uncertain order
	# (JSON's "uncertain", --mark-uncertain, the page's clock bounds)
	if [ ! -d bounded ]; then
		cp -r merged bounded &&
		sed -i 's/^clock_bound_ns = -1$/clock_bound_ns = 2000/' bounded/xtrace.meta ||
			die "bounded"
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "view-compare: not root: only the generated inputs" >&2
		return 0
	fi
	[ -d real ] || "$run" -q -o real -e default,file sh -c \
		'echo hi > $XTRACE_MARKER; ls /; cat /etc/passwd >/dev/null' > /dev/null ||
		die "xtrace-run real"
	# a flight recorder: markers, FLUSH, PAUSE, RESUME, a marker with a newline
	[ -d flight ] || "$run" -q -m overwrite -b 64K -o flight sh -c "echo before > \$XTRACE_MARKER
		$ctl -q -d flight flush; $ctl -q -d flight pause
		echo paused 2> /dev/null > \$XTRACE_MARKER
		$ctl -q -d flight resume; printf 'two words\nand a newline\n' > \$XTRACE_MARKER
		$ctl -q -d flight flush; ls / > /dev/null" || die "xtrace-run flight"
	# a small buffer: LOST_EVENTS
	[ -d lossy ] || "$run" -q -b 8K -o lossy sh -c 'for i in $(seq 300); do
		echo "x$i" > $XTRACE_MARKER; cat /proc/stat > /dev/null; done' 2> /dev/null ||
		die "xtrace-run lossy"
	# markers that test the names: "xtrace:" marks whose label holds a '[' or a newline,
	# empty ones, ones the kernel splits
	[ -d odd ] || "$run" -q -e sched -o odd sh -c 'm=$XTRACE_MARKER
		printf "xtrace:A[B rest" > $m; printf "xtrace:X [y" > $m; printf "xtrace:[x" > $m
		printf "xtrace: lead" > $m; printf "xtrace:AB\nCD rest\n" > $m
		printf "xtrace:A\n[B rest" > $m; printf "\n" > $m; printf "xtrace:\n" > $m
		printf "xtrace:FOO" > $m; printf "xtrace:FLUSH [#9]" > $m
		printf "tab\there\rcr" > $m; printf "%04090d" 7 > $m
		printf "x%.0s" $(seq 5000) > $m; printf "ahci[0000:00:17.0] y" > $m' ||
		die "xtrace-run odd"
	# lossy with a corrupt frame in its largest CPU file
	[ -d corrupt ] && return 0
	cp -r lossy corrupt || die "cp"
	python3 - "$(ls -S corrupt/cpu*.xtd | head -1)" <<'PY' || die "corrupt"
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
for i in range(32 + 32 + 40, 32 + 32 + 60):
    d[i] ^= 0x5a
open(p, 'wb').write(d)
PY
}

# The modes: one a line, NAME ARGS... (ARGS split on spaces; PIDS is replaced).
CASES='
plain
v -v
q -q
t-utc -t utc
t-short -t short
t-epoch -t epoch
t-rel -t rel
t-raw -t raw
v-t-raw -v -t raw
f-tod -f tod
f-rel -f rel
f-delta -f delta
f-host -f host
f-cpu -f cpu
f-pid -f pid
f-comm -f comm
f-event -f event
f-args -f args
f-mix -f rel,delta,comm,pid,event,args
f-order -f args,event,cpu,tod
f-event-cpu -f event,cpu,args,args
f-rel-v -v -t rel -f delta,host,event,args
json -F json
json-v -F json -v
json-rel -F json -t short
json-f -F json -f tod,rel,delta,host,cpu,pid,comm,event,args
json-f-args -F json -f args,event
perfetto -F perfetto
proto -F perfetto-proto
html -F html
mark -t short --mark-uncertain
k -k
k-json -k -F json
k-top0 -k --top 0
k-top5-json -k --top 5 -F json
s -s
s-json -s -F json
i -i
host-host --host host
host-vm1 --host vm1,nosuch
host-glob -F json --host v*
host-none --host nosuch
pid --pid PIDS
pid-v --pid PIDS -v -t rel
pid-json --pid PIDS -F json
pid-k --pid PIDS -k
pid-s --pid PIDS -s -F json
pid-perfetto --pid PIDS -F perfetto
e-sys -e SYSCALL_*
e-tp -e raw_syscalls:*,sched:sched_switch
e-kvm -e KVM_*
e-kvmtp -e kvm:*
e-hc -e KVM_HOST_HC_EXIT
e-hc-json -e KVM_HOST_HC_*,MARKER -F json
e-marks -e MARKER,FLUSH,PAUSE,RESUME
e-odd -e A*,X*,[*,FOO,*CD,
e-odd-json -e A*,X*,[*,FOO -F json
e-marktp -e ftrace:print
e-flush -e FLUSH -f rel,event,args
e-lost -e LOST_EVENTS,INTERRUPT_*
e-irq-json -e INTERRUPT_*,SOFTIRQ_* -F json -v
e-none -e nosuch
e-unknown -e UNKNOWN_EVENT,*openat*,kvm:kvm_userspace_exit
e-s -e SYSCALL_*,MARKER -s
e-s-json -e KVM_*,CONTEXT_SWITCH -s -F json
e-perfetto -e KVM_*,INTERRUPT_*,MARKER -F perfetto
e-html -e KVM_*,SYSCALL_* -F html
e-proto -e KVM_*,SYSCALL_*,MARKER -F perfetto-proto
e-k -e SYSCALL_* -k
from --from +1ms
to --to +3ms
from-to --from +1ms --to +3ms -v
around --around +2ms+-500us
around-noskip --around +2ms+-500us --no-skip
around-big --around +50ms+-20ms -F json
from-late --from +100ms -t rel
from-epoch --from 1795000000.05 --to 1795000000.06
around-perfetto --around +2ms+-1ms -F perfetto
around-html --around +30ms+-10ms -F html
around-proto --around +2ms+-1ms -F perfetto-proto
around-k --around +50ms+-40ms -k
around-k-json --from +10ms -k -F json
around-s --around +50ms+-40ms -s
around-s-json --to +20ms -s -F json
c0 -c 0
c1-json -c 1 -F json
c1-k -c 1 -k
c0-s -c 0 -s
c1-perfetto -c 1 -F perfetto
c0-host --host host -c 0 -t raw
mix --host vm1,host --pid PIDS -e SYSCALL_*,KVM_* --from +1ms -f rel,host,pid,event,args
'

# name: directories (relative to IN)
INPUTS='
svm svm
host host
vm1 vm1
merged merged
bounded bounded
twodirs host vm1
real real
flight flight
lossy lossy
corrupt corrupt
odd odd
'

run_all() {
	local in=$1 out=$2 bin=$3 name dirs

	[ -x "$bin" ] || die "no binary '$bin'"
	set -f	# the globs of -e and --host are the view's
	mkdir -p "$out" || die "cannot create $out"
	cd "$in" || die "no inputs in $in"
	echo "$INPUTS" | while read -r name dirs; do
		[ -n "$name" ] || continue
		[[ "$name" =~ ${VIEW_CMP_ONLY:-.} ]] || continue
		local ok=1
		for d in $dirs; do [ -d "$d" ] || ok=0; done
		[ $ok = 1 ] || { echo "view-compare: no input '$dirs', skipped" >&2; continue; }
		# pids: the two busiest of the input, and one that never occurs
		local pids
		pids=$("$bin" -q -f pid $dirs 2> /dev/null | sort | uniq -c | sort -k1,1nr -k2,2n |
		       head -2 | awk '{printf "%s,", $2}')
		pids=${pids}999999
		echo "$CASES" | while read -r cname args; do
			[ -n "$cname" ] || continue
			args=${args//PIDS/$pids}
			# shellcheck disable=SC2086
			local o=$out/$name.$cname
			"$bin" $args $dirs > "$o.out" 2> "$o.err" < /dev/null
			echo $? > "$o.rc"
		done
	done
}

diff_runs() {
	local ref=$1 out=$2 bad=0 n=0 f

	for f in "$ref"/*.rc; do
		local base
		base=$(basename "$f" .rc)
		[[ "$base" =~ ^(${VIEW_CMP_ONLY:-.*})\. ]] || continue
		n=$((n + 1))
		for x in out err rc; do
			if ! cmp -s "$ref/$base.$x" "$out/$base.$x"; then
				echo "DIFF $base.$x"
				cmp "$ref/$base.$x" "$out/$base.$x" 2>&1 | head -1
				bad=$((bad + 1))
			fi
		done
	done
	[ "$n" -gt 0 ] || die "no case in $ref"
	if [ $bad = 0 ]; then
		echo "view-compare: $n cases identical (stdout, stderr, exit status)"
		return 0
	fi
	echo "view-compare: $bad differences in $n cases"
	return 1
}

case "${1:-}" in
inputs)	[ $# = 2 ] || die "usage: view-compare.sh inputs IN"
	make_inputs "$(realpath -m "$2")" ;;
run)	[ $# -ge 3 ] || die "usage: view-compare.sh run IN OUT [BIN]"
	run_all "$(realpath "$2")" "$(realpath -m "$3")" \
		"$(realpath "${4:-$TOP/bin/xtrace-view}")" ;;
diff)	[ $# = 3 ] || die "usage: view-compare.sh diff REF OUT"; diff_runs "$2" "$3" ;;
*)	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
