#!/bin/bash
# Guest services end to end (docs/guest-services.md), on the QEMU TCG test guest with a
# virtio-serial port whose host side is a unix socket QEMU creates: kvmrt-gsd answers the VM
# that /etc/kvmrt.cfg's guest_services enables; xtrace-run records this host and the guest
# (--remote, --on) while the guest runs the issue's command line
#   kvmrt-gs ping 42 xtrace_flush 2 log_msg "deadline missed" xtrace_log_data 0xdeadbeef
# and merges both. Checks: the PING pair in order with the clock-fit times, the FLUSH pairs
# and both systems' flushes after them, the LOG_DATA pair, the message in the host's kernel
# log (/dev/kmsg) with the VM's name, garbage on the port answered and survived, and the VM
# once not enabled gets "not available". Port: $XT_GS_SSH_PORT or a free one from 20000 up.
. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || "$XT_TOP/scripts/deps.sh" qemu-system-x86 ||
	skip "qemu-system-x86 cannot be installed"
[ -x "$XT_BIN/kvmrt-gs" ] && [ -x "$XT_BIN/kvmrt-gsd" ] || fail "kvmrt-gs is not built (make all)"
"$XT_TOP/tests/vm/build-guest.sh" -q || fail "cannot build the guest (tests/vm/build-guest.sh)"

t0=$(date +%s%N)
VM=gs1
export XT_VM_RUN=$T/run XTRACE_RUN_DIR=$T/ctl
GUEST=$XT_TOP/tests/vm/guest.sh
SOCKS=$T/gs
mkdir -p "$SOCKS"
gsd_pid=
stop_all() {
	[ -z "$gsd_pid" ] || { kill -TERM "$gsd_pid" 2>/dev/null; wait "$gsd_pid" 2>/dev/null; }
	"$GUEST" stop $VM >/dev/null 2>&1
	cleanup_jobs
}
trap stop_all EXIT

write_cfg() {	# SERVICES: the VM's guest_services line ("" for none)
	{
		echo "[aeec46cc-0638-4949-ac04-146b233194a9]"
		echo "name = $VM"
		[ -z "$1" ] || echo "guest_services = $1"
	} > "$T/kvmrt.cfg"
}
write_cfg "ping, log_msg, xtrace_flush, xtrace_log_data"
"$XT_BIN/kvmrt-validate-config" -q -f "$T/kvmrt.cfg" --sysfs /sys > validate.txt 2>&1 ||
	[ $? = 1 ] || fail "kvmrt-validate-config refuses the test's configuration: $(cat validate.txt)"

# the guest, with the port; its vCPU threads named as libvirt has QEMU name them
export XT_VM_QEMU_ARGS="-name debug-threads=on -device virtio-serial-pci -chardev socket,id=gs0,path=$SOCKS/$VM.sock,server=on,wait=off -device virtserialport,chardev=gs0,name=org.kvmrt.gs.0"
for try in 1 2 3 4 5; do
	port=${XT_GS_SSH_PORT:-$((20000 + RANDOM % 10000))}
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
	"$GUEST" start $VM "$port" > boot.txt 2>&1 && break
	grep -q "port $port is in use" boot.txt && [ -z "${XT_GS_SSH_PORT:-}" ] && continue
	fail "the guest did not start: $(tail -n 20 boot.txt)"
done
grep -q "up, ssh" boot.txt || fail "the guest did not start: $(tail -n 20 boot.txt)"
cat boot.txt
CFG=$XT_VM_RUN/$VM.ssh_config
gssh() { ssh -F "$CFG" $VM -- "$@"; }

# the host agent
$VG "$XT_BIN/kvmrt-gsd" -f "$T/kvmrt.cfg" -s "$SOCKS" --log-rate 2 -v > gsd.log 2>&1 &
gsd_pid=$!
for _ in $(seq 100); do grep -q "VM $VM: connected" gsd.log && break; sleep 0.1; done
expect_grep "VM $VM: connected to '$SOCKS/$VM.sock'" gsd.log "kvmrt-gsd's log"

# the issue's command line in the guest, recorded here and there, merged
kmsg_from=$(awk '{ printf "%d", $1 * 1000000 }' /proc/uptime)
xrun -F "$CFG" --ssh-timeout 60 -o rec -e sched --remote $VM --on $VM -- \
	kvmrt-gs ping 42 xtrace_flush 2 log_msg "deadline missed" xtrace_log_data 0xdeadbeef \
	> run.txt 2>&1 || fail "the recorded kvmrt-gs failed: $(cat run.txt)"
cat run.txt
for c in "ping 42" "xtrace_flush 2" "log_msg deadline missed" "xtrace_log_data 0xdeadbeef"; do
	expect_grep "^$c: ok" run.txt "kvmrt-gs's output"
done
host=$(ls rec | grep -vx -e merged -e collection -e "$VM")
xview rec/merged > remote-merged.txt || fail "xtrace-view of the merged recording failed"
for e in PING FLUSH LOG_DATA; do
	expect_grep " $VM [0-9]+ KVMRT_GS_${e}_GUEST " remote-merged.txt "xtrace-run --remote's merge"
	expect_grep " $host [0-9]+ KVMRT_GS_${e}_HOST \[$VM " remote-merged.txt "xtrace-run --remote's merge"
done
# The guest's clock is set from QEMU's RTC, to the second: merge again with it fitted to the
# host's from the ping pair (the host's time within the guest's request and answer).
read -r th tq ta <<< "$(grep -m1 "KVMRT_GS_PING_HOST \[$VM 42 " remote-merged.txt |
	sed -E 's/.*host=([0-9]+) req=([0-9]+) ans=([0-9]+).*/\1 \2 \3/')"
[ -n "$ta" ] && [ "$tq" -le "$ta" ] || fail "the ping pair lacks its times (or its answer came before its request)"
off=$((th - (tq + ta) / 2)) rtt=$((ta - tq))
$VG "$XT_BIN/xtrace-multi-merge" -o merged --fit-pings "rec/$host" "rec/$VM" > merge.txt 2>&1 ||
	fail "xtrace-multi-merge --fit-pings failed: $(cat merge.txt)"
shift_us=$(sed -nE "s/.*$VM: clock .* \(guest-services ping, .*shifted by ([-+][0-9]+)\.[0-9] us$/\1/p" merge.txt)
[ -n "$shift_us" ] || fail "xtrace-multi-merge --fit-pings did not fit $VM: $(cat merge.txt)"
d=$((shift_us - off / 1000)); d=${d#-}
[ "$d" -le 1 ] || fail "--fit-pings shifted $VM by $shift_us us, the pair says $((off / 1000)) us"
ok "the guest's clock fitted from the ping pair (xtrace-multi-merge --fit-pings): shifted by $shift_us us, +- $((rtt / 2000)) us (half the round trip)"
# the clock exchanges of xtrace-run --remote (docs/clocks.md) found the same offset, within
# both bounds (and 1 ms for the drift of a TCG guest's clock over the recording)
ex=$(sed -nE "s/^ *$VM .*clock: exchanges, offset ([-+][0-9]+)\.([0-9]{6}) s, .*bound ([0-9.]+) (ns|us|ms|s),.*/\1 \2 \3 \4/p" run.txt)
if [ -n "$ex" ]; then
	read -r ex_s ex_us ex_bound unit <<< "$ex"
	ex_bound=$(awk -v b="$ex_bound" -v u="$unit" 'BEGIN { m = u == "ns" ? 0.001 : u == "ms" ? 1000 : u == "s" ? 1000000 : 1; printf "%d", b * m + 1 }')
	ex_off=$(( ex_s * 1000000 + (${ex_s:0:1}1) * 10#$ex_us ))
	d=$((ex_off - shift_us)); d=${d#-}
	[ "$d" -le $((ex_bound + rtt / 2000 + 1000)) ] ||
		fail "the ping fit ($shift_us us) and the exchanges ($ex_off us +- $ex_bound us) disagree by $d us"
	ok "the clock exchanges agree: $ex_off us +- $ex_bound us ($d us apart)"
fi
xview merged > merged.txt || fail "xtrace-view of the merged recording failed"
grep -E 'KVMRT_GS_|FLUSH' merged.txt > pairs.txt
cat pairs.txt

# ping: the guest's event, then the host's with the VM's name, the cookie and the three times
g=$(grep -n " $VM [0-9]* KVMRT_GS_PING_GUEST \[42\]$" merged.txt | head -n 1 | cut -d: -f1)
h=$(grep -n " $host [0-9]* KVMRT_GS_PING_HOST \[$VM 42 host=" merged.txt | head -n 1 | cut -d: -f1)
[ -n "$g" ] || fail "no KVMRT_GS_PING_GUEST [42] from $VM in the merged view"
[ -n "$h" ] || fail "no KVMRT_GS_PING_HOST [$VM 42 ...] from $host in the merged view"
[ "$g" -lt "$h" ] || fail "PING_HOST (line $h) before PING_GUEST (line $g)"
ok "ping 42: KVMRT_GS_PING_GUEST [42], then KVMRT_GS_PING_HOST [$VM 42 host=... req=... ans=...]"

# flush 2: the pair, and after each of its events its system's own FLUSH. Between the two
# systems the order is as good as the fit: the host's event may show before the guest's by up
# to half the ping's round trip, no more.
fg=$(grep -n " $VM [0-9]* KVMRT_GS_FLUSH_GUEST \[2 " merged.txt | head -n 1 | cut -d: -f1)
fh=$(grep -n " $host [0-9]* KVMRT_GS_FLUSH_HOST \[$VM 2 [0-9]* cpus=all\]" merged.txt | head -n 1 | cut -d: -f1)
[ -n "$fg" ] && [ -n "$fh" ] || fail "no KVMRT_GS_FLUSH_GUEST/HOST pair for scope 2"
tail -n +"$fg" merged.txt | grep -qE " $VM [0-9]+ FLUSH \[#1\]$" ||
	fail "$VM did not flush after its FLUSH_GUEST"
tail -n +"$fh" merged.txt | grep -qE " $host [0-9]+ FLUSH \[#1\]$" ||
	fail "$host did not flush after its FLUSH_HOST"
ns_of() { sed -n "${1}p" merged.txt | awk '{ split(substr($1, 12), t, ":"); printf "%d%09d\n", t[1] * 3600 + t[2] * 60 + int(t[3]), substr(t[3], 4) }'; }
gap=$(( $(ns_of "$fg") - $(ns_of "$fh") ))
[ "$gap" -le $((rtt / 2)) ] ||
	fail "FLUSH_HOST shows $((gap / 1000)) us before FLUSH_GUEST, more than the fit's +- $((rtt / 2000)) us"
ok "xtrace_flush 2: FLUSH_GUEST and FLUSH_HOST [$VM 2 ... cpus=all] ($((-gap / 1000)) us apart), each system's FLUSH #1 after its own"
grep -qE " $VM [0-9]+ KVMRT_GS_LOG_DATA_GUEST \[deadbeef\]$" merged.txt &&
	grep -qE " $host [0-9]+ KVMRT_GS_LOG_DATA_HOST \[$VM deadbeef\]$" merged.txt ||
	fail "no KVMRT_GS_LOG_DATA_GUEST/HOST pair with deadbeef"
ok "xtrace_log_data: the pair, in hex"
# the view names all six kinds, and selects them by name
xview -e 'KVMRT_GS_*' merged | awk '{ print $4 }' | sort > kinds.txt
printf '%s\n' KVMRT_GS_FLUSH_GUEST KVMRT_GS_FLUSH_HOST KVMRT_GS_LOG_DATA_GUEST \
	KVMRT_GS_LOG_DATA_HOST KVMRT_GS_PING_GUEST KVMRT_GS_PING_HOST > kinds.want
cmp -s kinds.txt kinds.want || fail "xtrace-view -e 'KVMRT_GS_*' shows: $(tr '\n' ' ' < kinds.txt)"
xview -F json -e KVMRT_GS_LOG_DATA_HOST merged > json.txt
expect_grep '"event":"KVMRT_GS_LOG_DATA_HOST",.*"args":"'"$VM"' deadbeef"' json.txt "the JSON export"
ok "the view: the six kinds, one event each, selected by name; JSON has them too"

# log_msg: in this host's kernel log, with the VM's name, after the test began
timeout 2 cat /dev/kmsg > kmsg.txt 2>/dev/null
awk -F'[,;]' -v from="$kmsg_from" '$3 >= from' kmsg.txt | grep -a "kvmrt-gs: $VM: deadline missed" > kmsg-ours.txt ||
	fail "no 'kvmrt-gs: $VM: deadline missed' in /dev/kmsg since the test began"
ok "log_msg: $(cut -d';' -f2- kmsg-ours.txt | head -n 1)"

# the C sample as the guide uses the API: every cycle over its budget of 0 us is a missed
# deadline, logged on the host and flushed on both systems
gssh gs-sample 2 0 > sample.txt 2>&1 || fail "gs-sample failed in the guest: $(cat sample.txt)"
expect_grep "^ping yes, log_msg yes, xtrace_flush yes, xtrace_log_data yes$" sample.txt "gs-sample"
[ "$(grep -c "^gs-sample: cycle [01] took" sample.txt)" = 2 ] || fail "gs-sample: $(cat sample.txt)"
ok "gs-sample: $(tail -n 1 sample.txt)"

# xtrace-probe in the guest: its missed deadline (-b 1: the first latency above 1 us) is marked
# and flushed in the guest's recorder, and flushes the host's through guest services
# (KVMRT_GS_FLUSH_HOST in the host's recording, its own FLUSH after it)
xrun -F "$CFG" --ssh-timeout 60 -o prec -e sched --remote $VM --on $VM -- \
	xtrace-probe timer -i 1000 -l 2000 -b 1 > probe.txt 2>&1
expect_grep "deadline missed at cycle [0-9]+: .*; marked 1 and flushed 1 of 1 recorders; the host's recorders flushed too \(guest services\)" \
	probe.txt "xtrace-probe in the guest"
xview "prec/$host" > probe-host.txt || fail "xtrace-view of the host's recording failed"
fl=$(grep -n " KVMRT_GS_FLUSH_HOST \[$VM 2 [0-9]* cpus=all\]" probe-host.txt | head -n 1 | cut -d: -f1)
[ -n "$fl" ] || fail "the probe's miss did not flush the host through guest services"
tail -n +"$fl" probe-host.txt | grep -qE " FLUSH \[#1\]$" || fail "the host did not flush after FLUSH_HOST"
xview "prec/$VM" | grep -qE "MARKER \[xtrace-probe timer: deadline missed: cycle [0-9]+ latency" ||
	fail "no probe marker in the guest's recording"
ok "xtrace-probe's miss in the guest: marked there, and the host flushed through guest services"

# a guest flooding log_msg is rate-limited (--log-rate 2: 2 a second, bursts of 4): the host's
# log keeps what the limit lets through, the rest gets "rate limited"
gssh kvmrt-gs -q -r 40 log_msg flood-$$ > flood.txt 2>&1
[ $? = 1 ] || fail "40 log_msg at once were not limited: $(tail -n 3 flood.txt)"
expect_grep "rate limited" flood.txt "kvmrt-gs log_msg flood"
timeout 2 cat /dev/kmsg > kmsg2.txt 2>/dev/null
n=$(grep -ac "kvmrt-gs: $VM: flood-$$" kmsg2.txt)
[ "$n" -ge 1 ] && [ "$n" -le 20 ] || fail "$n of 40 flooding messages reached the host's log"
ok "log_msg flood: $n of 40 in the host's log, the rest rate-limited"

# garbage on the port gets error replies, not a crash; the next call still works
gssh "printf '1 rm -rf /\n\n%0700d\n7 flush 9 0\n' 0 > /dev/virtio-ports/org.kvmrt.gs.0; sleep 0.5; kvmrt-gs ping 43" > garbage.txt 2>&1 ||
	fail "kvmrt-gs ping after garbage failed: $(cat garbage.txt) $(tail -n 5 gsd.log)"
kill -0 $gsd_pid || fail "kvmrt-gsd died of garbage: $(tail -n 5 gsd.log)"
ok "malformed and oversized requests answered, kvmrt-gsd lives on"

# the VM not enabled any more (the configuration read again): not available
write_cfg ""
kill -HUP $gsd_pid
for _ in $(seq 50); do grep -q "disconnected" gsd.log && break; sleep 0.1; done
expect_status 1 gssh kvmrt-gs available ping 44 > off.txt 2>&1
cat off.txt
expect_grep "^available: not available" off.txt "kvmrt-gs available"
expect_no_grep "^ping 44: ok" off.txt "kvmrt-gs ping"
ok "a VM not enabled: $(grep '^available' off.txt)"
kill -TERM $gsd_pid
wait $gsd_pid
rc=$?
gsd_pid=
[ $rc = 0 ] || fail "kvmrt-gsd ended with status $rc on SIGTERM: $(tail -n 5 gsd.log)"
ok "$(( ($(date +%s%N) - t0) / 1000000000 )) s in all"
