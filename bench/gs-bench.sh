#!/bin/bash
# bench/gs-bench.sh: the guest services' figures on the QEMU TCG test guest (as root; run by
# bench/run.sh as part 9, or alone). Boots the guest with the guest services' virtio-serial
# port and starts kvmrt-gsd; runs build/bench/gs-bench $GS_BENCH_CALLS (default 1000) in the
# guest for the round trip of kvmrt_gs_ping() without recorders (the transport; the port opened
# per call, then held open with KVMRT_GS_HOLD_PORT=1), then again
# with one recorder on each side (xtrace-run -e sched; each call writes its events into them)
# for the ping and the time from kvmrt_gs_xtrace_flush(2) until it returns (the host's and the
# guest's buffers saved); median and p99. TCG is slow: on KVM the guide's
# hypercall takes a few microseconds.
# Environment: GS_BENCH_CALLS, GS_BENCH_PORT (ssh port, default a free one from 20000).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
n=${GS_BENCH_CALLS:-1000}
work=$(mktemp -d /tmp/xt-gs-bench.XXXXXX)
export XT_VM_RUN=$work/run XTRACE_RUN_DIR=$work/ctl
GUEST=$top/tests/vm/guest.sh
VM=gsbench
gsd= rec=
finish() {
	[ -z "$gsd" ] || { kill -TERM "$gsd"; wait "$gsd"; } 2>/dev/null
	[ -z "$rec" ] || { kill -TERM "$rec"; wait "$rec"; } 2>/dev/null
	"$GUEST" stop $VM > /dev/null 2>&1
	rm -rf "$work"
}
trap finish EXIT
die() { echo "gs-bench: $*" >&2; exit 1; }

[ -x "$top/build/bench/gs-bench" ] && [ -x "$top/bin/kvmrt-gsd" ] || die "make all check-build first"
"$top/tests/vm/build-guest.sh" -q || die "cannot build the guest"
mkdir -p "$work/gs"
printf '[aeec46cc-0638-4949-ac04-146b233194a9]\nname = %s\nguest_services = all\n' $VM > "$work/kvmrt.cfg"
export XT_VM_QEMU_ARGS="-name debug-threads=on -device virtio-serial-pci -chardev socket,id=gs0,path=$work/gs/$VM.sock,server=on,wait=off -device virtserialport,chardev=gs0,name=org.kvmrt.gs.0"
port=${GS_BENCH_PORT:-$((20000 + RANDOM % 10000))}
"$GUEST" start $VM "$port" || die "the guest did not start"
# the rate limit above what 1,000 back-to-back calls need
"$top/bin/kvmrt-gsd" -q -f "$work/kvmrt.cfg" -s "$work/gs" --rate 100000 &
gsd=$!
ssh -F "$XT_VM_RUN/$VM.ssh_config" $VM -- "gs-bench $n ping" > "$work/bare.txt" 2>&1 ||
	die "gs-bench failed in the guest: $(cat "$work/bare.txt")"
ssh -F "$XT_VM_RUN/$VM.ssh_config" $VM -- "KVMRT_GS_HOLD_PORT=1 gs-bench $n ping" > "$work/hold.txt" 2>&1 ||
	die "gs-bench failed in the guest: $(cat "$work/hold.txt")"
"$top/bin/xtrace-run" -q -e sched -o "$work/host" -- sleep 100000 &
rec=$!
ssh -F "$XT_VM_RUN/$VM.ssh_config" $VM -- \
	'xtrace-run -q -e sched -o /tmp/grec -- sleep 100000 > /dev/null 2>&1 & sleep 3; gs-bench '"$n"'; r=$?; xtrace-ctl -q stop; exit $r' \
	> "$work/out.txt" 2>&1 || die "gs-bench failed in the guest: $(cat "$work/out.txt")"
echo "guest services on the TCG guest ($n calls each; microseconds; load average $(cut -d' ' -f1 /proc/loadavg)):"
show() {	# FILE LABEL-OF-PING
	awk -v pl="$2" '$1 == "ping" || $1 == "flush2" { printf "  %-46s median %10.1f   p99 %10.1f\n",
		($1 == "ping" ? pl : "kvmrt_gs_xtrace_flush(2) to saved, 1+1 recorders"), $3, $4 }' "$1"
}
show "$work/bare.txt" "kvmrt_gs_ping round trip, no recorder"
show "$work/hold.txt" "the same, port held open (KVMRT_GS_HOLD_PORT=1)"
show "$work/out.txt" "kvmrt_gs_ping round trip, 1+1 recorders"
