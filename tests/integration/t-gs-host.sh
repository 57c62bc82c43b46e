#!/bin/bash
# kvmrt-gsd without a VM: QEMU's end of the guest services' socket (what the guest writes on
# its port arrives there unchanged) played by a script, two xtrace-run recorders on this host.
# Checks what t-guest-services.sh cannot see with its one recorder and one guest: every
# recorder gets each *_HOST event and each flush, the flush's scopes (all CPUs; the VM's, from
# the peer's Cpus_allowed_list), log_msg into --kmsg's file, the errors a guest gets
# (malformed and oversized requests, a service not enabled), and SIGHUP.
. "$(dirname "$0")/lib.sh"

export XTRACE_RUN_DIR=$T/ctl
mkdir -p gs
cat > qemu.py <<'PY'
# QEMU's side of the port: listen on SOCK, send each request of FILE ("-" first: no answer
# expected) and print the answers, then "closed" once kvmrt-gsd closes the connection
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
c.settimeout(20)
f = c.makefile("rb", buffering=0)
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    c.sendall(line.lstrip("-").encode() + b"\n")
    if not line.startswith("-"):
        print(f.readline().decode().rstrip(), flush=True)
print("closed" if f.read() == b"" else "more", flush=True)
PY
vm_cfg() {	# SERVICES: the configuration kvmrt-gsd reads
	printf '[aeec46cc-0638-4949-ac04-146b233194a9]\nname = vmx\n' > k.cfg
	[ -z "$1" ] || echo "guest_services = $1" >> k.cfg
}
# qemu N: QEMU's side with the requests of reqN.txt, the answers in outN.txt ($qemu)
qemu() {
	rm -f gs/vmx.sock
	python3 qemu.py gs/vmx.sock "req$1.txt" > "out$1.txt" 2>&1 &
	qemu=$!
	for _ in $(seq 50); do [ -S gs/vmx.sock ] && return; sleep 0.1; done
	fail "the fake QEMU did not listen: $(cat "out$1.txt")"
}
# answers FILE N: until FILE has N lines
answers() {
	for _ in $(seq 100); do [ "$(wc -l < "$1")" -ge "$2" ] && return; sleep 0.1; done
	fail "kvmrt-gsd did not answer: $(cat "$1") $(tail -n 5 gsd.log)"
}

# the recorders as they are; kvmrt-gsd under valgrind with XTRACE_VALGRIND=1
"$XT_BIN/xtrace-run" -q -e sched -o r1 sleep 600 &
"$XT_BIN/xtrace-run" -q -e sched -o r2 sleep 600 &
wait_recorder r1
wait_recorder r2

vm_cfg "ping, log_msg, xtrace_flush, xtrace_log_data"
printf '%s\n' "1 hello" "2 ping 42 1000" "-3 pinged 42 1000 3000 2000" "4 flush 2 0" \
	"5 flush 1 0" "6 log_data deadbeef" "7 log_msg 6869073a" "8 rm -rf /" \
	"9 log_data $(printf '%0258d' 0)" "10 flush 9 0" "-" "11 ping 43 1" > req1.txt
qemu 1
: > kmsg.txt
$VG "$XT_BIN/kvmrt-gsd" -f k.cfg -s gs --kmsg kmsg.txt -v > gsd.log 2>&1 &
gsd=$!
answers out1.txt 10
cat out1.txt
expect_grep "^1 ok vm=vmx services=ping,log_msg,xtrace_flush,xtrace_log_data msg_max=200 data_max=128$" \
	out1.txt "the greeting"
expect_grep "^2 ok [0-9]+$" out1.txt "ping"
expect_grep "^4 ok flushed 2 recorders, host CPUs all$" out1.txt "flush 2"
allowed=$(sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$qemu/status")
expect_grep "^5 ok flushed 2 recorders, host CPUs $allowed$" out1.txt "flush 1 (the peer's CPUs)"
expect_grep "^6 ok recorded by 2 recorders$" out1.txt "log_data"
expect_grep "^7 ok logged 4 bytes$" out1.txt "log_msg"
expect_grep "^8 err invalid request$" out1.txt "a request that is none"
expect_grep "^9 err too long$" out1.txt "129 bytes of data"
expect_grep "^10 err invalid argument$" out1.txt "scope 9"
expect_grep "^11 ok [0-9]+$" out1.txt "a ping after the errors"
expect_grep "^<5>kvmrt-gs: vmx: hi\?:$" kmsg.txt "--kmsg's file"
ok "kvmrt-gsd answers each request, errors included; log_msg's control byte as '?'"

# SIGHUP: a VM no longer enabled is disconnected; one enabled for ping alone is refused the rest
vm_cfg ""
kill -HUP $gsd
wait $qemu
expect_grep "^closed$" out1.txt "the connection after SIGHUP"
vm_cfg ping
printf '%s\n' "1 hello" "2 flush 2 0" "3 ping 1 1" > req2.txt
qemu 2
kill -HUP $gsd
answers out2.txt 3
expect_grep "^1 ok vm=vmx services=ping " out2.txt "the greeting"
expect_grep "^2 err not enabled for this VM: flush$" out2.txt "a flush not enabled"
expect_grep "^3 ok [0-9]+$" out2.txt "ping"
kill -TERM $gsd
wait $gsd || fail "kvmrt-gsd ended with status $? on SIGTERM: $(tail -n 5 gsd.log)"
wait $qemu
expect_grep "^closed$" out2.txt "the connection after SIGTERM"
ok "SIGHUP: a VM no longer enabled disconnected, one with fewer services refused the rest"

xctl -q -d r1 stop || fail "xtrace-ctl stop r1"
xctl -q -d r2 stop || fail "xtrace-ctl stop r2"
wait
for r in r1 r2; do
	cat > $r.want <<-EOF
	KVMRT_GS_PING_HOST [vmx 42 host=2000 req=1000 ans=3000 rtt=2000]
	KVMRT_GS_FLUSH_HOST [vmx 2 0 cpus=all]
	FLUSH [#1]
	KVMRT_GS_FLUSH_HOST [vmx 1 0 cpus=$allowed]
	FLUSH [#2]
	KVMRT_GS_LOG_DATA_HOST [vmx deadbeef]
	EOF
	# one FLUSH mark per CPU: the first of each; the stop's flush is not the agent's
	xview $r | grep -E 'KVMRT_GS_|FLUSH' | cut -d' ' -f4- | awk '!seen[$0]++' |
		sed '/^FLUSH \[#3\]$/,$d' > $r.got
	diff $r.want $r.got > $r.diff || fail "$r's guest services events: $(cat $r.diff)"
done
ok "both recorders: each *_HOST event, each flush after its FLUSH_HOST"
