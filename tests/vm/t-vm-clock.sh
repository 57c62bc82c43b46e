#!/bin/bash
# Clock truth against a real second kernel (docs/clocks.md): boot guest vm1 (QEMU TCG), set
# its wall clock 100 s ahead and make its clocks run 300 ppm fast (adjtimex tick 10003), then
#   xtrace-run -e sched,irq,file,... --remote vm1 --on vm1 -- <20 writes to the serial port>
# The merge must find offset and drift within its bound, and order every causal pair right:
# the guest's write(2) to /dev/ttyS0 comes before QEMU's write of those bytes to the
# console file on the host. As recorded (--raw-clocks) every pair is the wrong way round.
source "$(dirname "$0")/lib.sh"
MARKS=20

vm_start vm1 "${XT_VM_CLOCK_PORT:-}"
echo "boot to ssh: $(secs "$VM_BOOT_MS") s"
CFG=$("$GUEST" config vm1)
here=$(uname -n)
qpid=$(cat "$XT_VM_RUN/vm1.pid")
# QEMU's console file: its descriptor, and QEMU's threads (one of them writes it)
cfd=$(for f in /proc/$qpid/fd/*; do
	[ "$(readlink "$f")" = "$XT_VM_RUN/vm1.console.log" ] && basename "$f"; done | head -1)
[ -n "$cfd" ] || fail "QEMU's console file descriptor not found"
ls /proc/$qpid/task > qemu.tids

ssh -F "$CFG" vm1 'date -s @$(($(date +%s) + 100)) > /dev/null && adjtimex -t 10003 > /dev/null &&
	adjtimex | grep -E "tick|offset"' > adj.out 2>&1 || fail "setting the guest's clock: $(cat adj.out)"
cat adj.out

"$XT_BIN/xtrace-run" -v -F "$CFG" --ssh-timeout 90 \
	-e sched,irq,file,syscalls:sys_enter_writev -o cap --remote vm1 --on vm1 -- \
	sh -c "exec 7> /dev/ttyS0; for i in \$(seq $MARKS); do echo mark\$i >&7; sleep 0.5; done" \
	> run.out 2> run.err || fail "capture: $(cat run.err)"
cat run.err
"$XT_BIN/xtrace-view" -i cap/merged | grep -E '^(clock|uncertain)' | tee info.txt
bound=$(awk '$1 == "clock" && $2 == "vm1:" { for (i = 3; i <= NF; i++) if ($i == "bound") print $(i + 1) }' info.txt)
off=$(awk '$1 == "clock" && $2 == "vm1:" { for (i = 3; i <= NF; i++) if ($i == "offset") { v = $(i + 1); sub(",", "", v); print v } }' info.txt)
drift=$(awk '$1 == "clock" && $2 == "vm1:" { for (i = 3; i <= NF; i++) if ($i == "drift") print $(i + 1) }' info.txt)
grep -q '^clock *vm1: exchanges,' info.txt || fail "vm1 not mapped by exchanges"
span=$(awk '!/^#/ { if (!n++) a = $1; b = $1 } END { print b - a }' cap/vm1/clock)
# the wall clock about 100 s ahead (the guest's own was off by up to a second, and date -s
# sets whole seconds): the mapping takes back what the ssh checks at start and end measured
read -r want wbound < <(awk '/^check/ { sub("offset=", "", $3); sub("bound=", "", $4); s += $3; n++
	if ($4 > b) b = $4 } END { printf "%.0f %.0f\n", -s / n, b }' cap/vm1/clockcheck)
awk -v o="$off" -v w="$want" -v b="$bound" -v wb="$wbound" -v s="$span" 'BEGIN {
	d = o * 1e9 - w; lim = b + wb + 300e-6 * s / 2; exit !(d <= lim && -d <= lim && o < -97 && o > -103) }' ||
	fail "offset $off s, want $want ns (the ssh checks) within the bounds"
awk -v d="$drift" -v b="$bound" -v s="$span" 'BEGIN { e = (d + 300) * 1e-6 * s / 2
	exit !(e <= b + 2000 && -e <= b + 2000) }' ||
	fail "drift $drift ppm, want -300 ppm within the bound ($bound ns over $span ns)"
ok "vm1: offset $off s (ssh checks: $want ns), drift $drift ppm (set: +100 s, +300 ppm), bound $bound ns"

# causal pairs: the guest's writes on fd 7, QEMU's writes of the console file, in the merged order
pairs() {
	"$XT_BIN/xtrace-view" -t epoch -f tod,host,pid,comm,event,args "$1" 2> /dev/null |
	awk -v here="$here" -v cfd="$cfd" -v n=$MARKS 'FILENAME == "qemu.tids" { tid[$1] = 1; next }
		# the shell writes each mark on its fd 1 (busybox dups fd 7 there for echo)
		$5 == "FILE_WRITE" && $2 == "vm1" && $4 == "sh" && $6 == "[1]" { g[++ng] = $1; next }
		# QEMU writes the console file with writev (or write)
		$2 == here && ($3 in tid) && (($5 == "FILE_WRITE" && $6 == "[" cfd "]") ||
		     ($5 == "syscalls:sys_enter_writev" && $7 == sprintf("0x%08x,", cfd))) {
			# the first write of a burst: the bytes of one mark
			if (!nh || $1 - last > 0.2) h[++nh] = $1; last = $1 }
		END {
			if (ng != n || nh < n) { print "guest writes " ng ", host bursts " nh; exit 1 }
			bad = 0
			# each mark: the first host burst at or after it must be the one its bytes made
			for (i = 1; i <= n; i++) if (h[nh - n + i] < g[i]) bad++
			print bad
		}' qemu.tids -
}
viol=$(pairs cap/merged) || fail "causal pairs not found: $viol"
[ "$viol" = 0 ] || fail "$viol of $MARKS causal pairs the wrong way round in the corrected merge"
"$XT_BIN/xtrace-multi-merge" -q --raw-clocks -o raw cap/$here cap/vm1 || fail "raw merge"
rawviol=$(pairs raw) || fail "causal pairs not found in the raw merge: $rawviol"
[ "$rawviol" = 0 ] && fail "--raw-clocks: no causal pair the wrong way round (the guest's clock is 100 s ahead)"
ok "$MARKS causal pairs (guest write to ttyS0, QEMU's write of it): 0 the wrong way round; $rawviol with --raw-clocks"

"$GUEST" stop vm1
VM_STARTED=()
echo "whole test: $(secs $(($(now_ms) - T_START))) s"
