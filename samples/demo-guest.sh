#!/bin/bash
# The main job (make demo): a host and a real guest, a missed deadline in the guest, and both
# systems' buffers of that moment in one view.
#
# The guest is the QEMU TCG test guest (Debian's kernel and an initramfs, tests/vm/,
# docs/test-guest.md; built and cached under build/vm/ on first use). One command on the host
#   xtrace-run -m overwrite --remote GUEST --on GUEST -- APP
# records this system and the guest as flight recorders and runs APP in the guest: a load
# (kvm-tiny running a tiny VM of its own, a busy loop) and the timer probe, SCHED_FIFO, which
# stops at the first latency above the break threshold. At the miss the probe writes a marker
# with the cycle and the latency into the guest's recorder and flushes it (libxtrace's control
# channel); its exit status (3) makes xtrace-run flush this system's buffers and the guest's
# again, fetch the guest's recording and merge both. The view then shows what the host
# (QEMU's threads, interrupts) did when the guest missed its deadline.
#
#   samples/demo-guest.sh [OUTDIR]      (root; after make all)
# Exit status 0; 3 when QEMU cannot run the guest here (make demo then runs the loopback demo).
# Environment: XT_DEMO_PORT (the guest's ssh port on 127.0.0.1, default: a free one),
# XT_DEMO_BREAK_US (the probe's -b, default 3000), XT_DEMO_SECS (the longest the probe runs,
# default 20).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
out=${1:-$top/demo-out}
port=${XT_DEMO_PORT:-}
brk=${XT_DEMO_BREAK_US:-3000}
secs=${XT_DEMO_SECS:-20}
guest=demo-vm
# what the host did to the guest: scheduling, interrupts, timers, KVM (syscalls would fill
# the flight recorder's buffers in a second on a busy host)
events=sched,irq,timer,kvm
rm -rf "$out"
mkdir -p "$out"
cd "$out" || exit 1
export XT_VM_RUN=$out/vm	# this demo's guest: never someone else's of the same name
start=$(date +%s)

cant() { echo "demo: $*: QEMU cannot run the guest here" >&2; exit 3; }
echo "== make demo: a host and a QEMU TCG guest (the loopback version: make demo-loopback)"
command -v qemu-system-x86_64 > /dev/null ||
	"$top/scripts/deps.sh" qemu-system-x86 kmod openssh-server openssh-client > /dev/null ||
	cant "qemu-system-x86 is not installed"
"$top/tests/vm/build-guest.sh" -q || cant "the guest image cannot be built (tests/vm/build-guest.sh)"
trap '"$top/tests/vm/guest.sh" stop $guest > /dev/null 2>&1' EXIT
echo "== booting the guest '$guest' (Debian's kernel under QEMU TCG, ssh forwarded from 127.0.0.1)"
for try in 1 2 3 4 5; do
	if [ -z "${XT_DEMO_PORT:-}" ]; then
		port=$((10222 + RANDOM % 20000))
		# something answers there: not free
		(exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && continue
	fi
	"$top/tests/vm/guest.sh" start $guest "$port" > boot.log 2>&1 && break
	# a port taken between the check and QEMU's bind: another
	[ -z "${XT_DEMO_PORT:-}" ] && grep -q "port $port is in use" boot.log && continue
	tail -5 boot.log >&2
	cant "the guest did not boot"
done
[ -f "$XT_VM_RUN/$guest.pid" ] || cant "no free port for the guest's ssh"
cfg=$("$top/tests/vm/guest.sh" config $guest)
echo "   $(grep -m1 -o 'xtrace guest ready.*' "$XT_VM_RUN/$guest.console.log" | cut -c1-100)"
echo

# the application in the guest: a load on its first vCPU, the probe alone on the second
app="kvm-tiny -q 2000000000 0 > /dev/null 2>&1 & k=\$!
taskset -c 0 sh -c 'while :; do :; done' & l=\$!
xtrace-probe timer -p 95 -m -a 1 -i 1000 --warmup 100 -D $secs -b $brk; s=\$?
kill \$k \$l; exit \$s"
echo "== on the host: xtrace-run -m overwrite -e $events --ssh-timeout 60 -o capture \\"
echo "                 --remote $guest --on $guest -- sh -c APP"
echo "   APP: kvm-tiny (a VM in the guest) and a busy loop on vCPU 0; on vCPU 1:"
echo "        xtrace-probe timer -p 95 -m -a 1 -i 1000 --warmup 100 -D $secs -b $brk"
echo "        (--warmup: the first 100 cycles pay for QEMU's translation of the probe's code)"
"$bin/xtrace-run" -F "$cfg" -m overwrite -e $events --ssh-timeout 60 -o capture \
	--remote $guest --on $guest -- \
	sh -c "$app"
rc=$?
case $rc in
3) echo "   the probe missed its deadline: exit status 3 (xtrace-run's status is the probe's)" ;;
0) echo "   no deadline missed in $secs s (try a lower XT_DEMO_BREAK_US); the buffers were saved at the end" ;;
*) echo "   the run failed (status $rc)" ;;
esac
echo
[ -d capture/merged ] || { echo "demo: no merged recording in $out/capture" >&2; exit 1; }
echo "== capture/: $(cd capture && echo *)   (one recording per system, and both merged)"
echo
"$bin/xtrace-view" -f tod,host,cpu,comm,event,args capture/merged > view.txt
mark=$(grep -m1 'MARKER \[xtrace-probe timer: deadline missed' view.txt)
if [ -n "$mark" ]; then
	t=$("$bin/xtrace-view" -t epoch -e MARKER capture/merged | grep -m1 'deadline missed' | cut -d' ' -f1)
	lat=$(echo "$mark" | sed -nE 's/.*latency ([0-9]+)\.[0-9]+ us.*/\1/p')
	from=$(awk -v t="$t" -v l="$lat" 'BEGIN { printf "%.6f", t - l / 1e6 - 0.0005 }')
	echo "== the miss, in the guest's trace:"
	echo "   $mark"
	echo
	echo "== both systems from the moment the probe was due to wake until the marker"
	echo "   (xtrace-view -t short --from $from --to $t capture/merged)"
	"$bin/xtrace-view" -t short -f tod,host,cpu,comm,event,args --from "$from" --to "$t" \
		capture/merged > window.txt
	echo "   events in it: $(awk -v g="$guest" '$2 == g { n++ } END { print n + 0 }' window.txt) of the guest, $(awk -v g="$guest" '$2 != g { n++ } END { print n + 0 }' window.txt) of the host; the host's threads there:"
	awk -v g="$guest" '$2 != g { c = $4 ($4 == "CPU" ? " " $5 : ""); n[c]++ }
		END { for (c in n) printf "%8d  %s\n", n[c], c }' \
		window.txt | sort -rn | head -6 | sed 's/^/   /'
	echo "   the host's scheduling of QEMU's threads in it, and the guest's last events:"
	grep -E "^[^ ]+ [^ ]+ .* (CONTEXT_SWITCH|SCHED_WAKEUP) " window.txt |
		awk -v g="$guest" '$2 != g' | grep -iE 'qemu|CPU [0-9]/' | tail -n 8 | sed 's/^/   /'
	awk -v g="$guest" '$2 == g' window.txt | tail -n 6 | sed 's/^/   /'
	echo "   (the whole window: $out/window.txt; everything: $out/view.txt)"
	# the timeline page: the miss's flag, the host's CPUs and QEMU's threads under the guest's,
	# the VM exits of kvm-tiny around it (docs/view.md)
	hfrom=$(awk -v f="$from" 'BEGIN { printf "%.6f", f - 0.05 }')
	hto=$(awk -v t="$t" 'BEGIN { printf "%.6f", t + 0.05 }')
	if "$bin/xtrace-view" -q -F html --from "$hfrom" --to "$hto" capture/merged > timeline.html
	then
		echo "   the timeline around it (open in a browser, offline): $out/timeline.html"
	else
		echo "   (no timeline page: xtrace-view -F html failed)"
	fi
	echo
	echo "== the flushes: the probe's in the guest, then xtrace-run's on both systems"
	grep -E 'FLUSH \[#' view.txt | awk '!seen[$2 $5]++' | head -4 | sed 's/^/   /'
else
	echo "== no miss marker in the view (no deadline missed?): the whole view is in $out/view.txt"
fi
echo
echo "== xtrace-view --summary capture/merged"
"$bin/xtrace-view" --summary capture/merged | head -30 | sed 's/^/   /'
echo
echo "== xtrace-view --kvm capture/merged   (the guest runs a VM of its own: kvm-tiny)"
"$bin/xtrace-view" --kvm capture/merged | head -24 | sed 's/^/   /'
echo
echo "== done in $(($(date +%s) - start)) s; everything is in $out (the view: $out/view.txt)"
exit 0
