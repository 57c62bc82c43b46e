#!/bin/bash
# Boot, reach and stop xtrace test guests (QEMU TCG, -cpu max: an emulated AMD CPU with SVM,
# so kvm_amd works inside the guest). Build the guest first: tests/vm/build-guest.sh.
#
#   tests/vm/guest.sh start NAME PORT   boot guest NAME (its host name) with ssh forwarded from
#                                       127.0.0.1:PORT; returns when ssh answers
#   tests/vm/guest.sh stop NAME         stop it (by the PID QEMU wrote), wait until it is gone
#   tests/vm/guest.sh ssh NAME CMD...   run CMD in it as root (ssh's exit status)
#   tests/vm/guest.sh scp NAME ARGS...  scp with the guest's config (name remote paths NAME:path)
#   tests/vm/guest.sh config NAME       print the ssh_config file for NAME (ssh -F FILE NAME ...)
#   tests/vm/guest.sh status [NAME]     which guests run
#
# Files, under build/vm/run/ (or $XT_VM_RUN): NAME.pid (QEMU's), NAME.console.log (the serial
# console), NAME.qemu.log (QEMU's own messages), NAME.ssh_config; build/vm/ssh_config includes
# every guest's of build/vm/run (ssh -F build/vm/ssh_config vm1 ...).
# Environment: XT_VM_RUN (directory of the files above: guests of one name in two
# directories are two guests), XT_VM_TIMEOUT (seconds to wait for the guest, default 180), XT_VM_MEM (MiB,
# default 1024), XT_VM_SMP (default 2), XT_VM_APPEND (more kernel command line), XT_VM_QEMU_ARGS
# (more QEMU arguments, split at blanks: devices, chardevs, e.g. a virtio-serial port).
set -eu
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
VM=$top/build/vm
RUN=${XT_VM_RUN:-$VM/run}	# tests use their own, so they never meet someone's guest of the same name

die() { echo "guest: error: $*" >&2; exit 1; }
usage() {
	sed -n '/^#   tests/s/^#   //p' "$0" >&2
	exit 2
}

check_name() {
	[[ ${1:-} =~ ^[a-zA-Z][a-zA-Z0-9-]{0,30}$ ]] || die "bad guest name '${1:-}' (a host name: letters, digits, -)"
}

# pid_of NAME: QEMU's PID if NAME runs (and it is our QEMU for NAME), else nothing
pid_of() {
	local f=$RUN/$1.pid pid
	[ -f "$f" ] || return 0
	pid=$(tr -dc 0-9 < "$f")
	[ -n "$pid" ] || return 0
	# the PID must still be that QEMU: its command line names this guest's PID file
	if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "-pidfile $f "; then
		echo "$pid"
	fi
}

write_ssh_config() {	# NAME PORT
	cat > "$RUN/$1.ssh_config.tmp" <<EOF
Host $1
	HostName 127.0.0.1
	Port $2
	User root
	IdentityFile $VM/keys/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $VM/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 10
	ServerAliveInterval 5
	ServerAliveCountMax 6
	LogLevel ERROR
EOF
	mv "$RUN/$1.ssh_config.tmp" "$RUN/$1.ssh_config"
	[ "$RUN" != "$VM/run" ] || echo "Include $RUN/*.ssh_config" > "$VM/ssh_config"
}

console_tail() {
	echo "---- last lines of the console ($RUN/$1.console.log) ----" >&2
	tail -n "${2:-25}" "$RUN/$1.console.log" >&2 2>/dev/null || true
	if [ -s "$RUN/$1.qemu.log" ]; then
		echo "---- QEMU's messages ($RUN/$1.qemu.log) ----" >&2
		tail -n 10 "$RUN/$1.qemu.log" >&2
	fi
}

cmd_start() {
	[ $# = 2 ] || usage
	local name=$1 port=$2 pid
	check_name "$name"
	[[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ] ||
		die "bad port '$port' (1024-65535)"
	[ -f "$VM/vmlinuz" ] && [ -f "$VM/initrd.img" ] && [ -f "$VM/known_hosts" ] ||
		die "no guest built: run tests/vm/build-guest.sh (or make check-vm)"
	pid=$(pid_of "$name")
	[ -z "$pid" ] || die "guest $name already runs (QEMU pid $pid); stop it first"
	"$top/scripts/deps.sh" qemu-system-x86 openssh-client || die "cannot install qemu-system-x86"
	mkdir -p "$RUN"
	rm -f "$RUN/$name.pid" "$RUN/$name.console.log" "$RUN/$name.qemu.log" "$RUN/$name.ssh_config"

	local t0 timeout=${XT_VM_TIMEOUT:-180} kernel=$VM/vmlinux
	[ -f "$kernel" ] || kernel=$VM/vmlinuz
	t0=$(date +%s%N)
	# -daemonize: QEMU returns once it is set up (a busy port fails here) and writes the PID
	if ! qemu-system-x86_64 -name "xtrace-$name" \
		-accel tcg,thread=multi -cpu max -m "${XT_VM_MEM:-1024}" -smp "${XT_VM_SMP:-2}" \
		-kernel "$kernel" -initrd "$VM/initrd.img" \
		-append "console=ttyS0 panic=-1 mitigations=off xthost=$name ${XT_VM_APPEND:-}" \
		-display none -vga none -monitor none -serial "file:$RUN/$name.console.log" \
		-netdev "user,id=n0,hostname=$name,hostfwd=tcp:127.0.0.1:$port-:22" \
		-device virtio-net-pci,netdev=n0 \
		-device virtio-rng-pci \
		${XT_VM_QEMU_ARGS:-} \
		-no-reboot -daemonize -pidfile "$RUN/$name.pid" \
		> "$RUN/$name.qemu.log" 2>&1; then
		cat "$RUN/$name.qemu.log" >&2
		grep -qi "host forwarding" "$RUN/$name.qemu.log" &&
			die "QEMU did not start guest $name: port $port is in use"
		die "QEMU did not start guest $name"
	fi
	pid=$(pid_of "$name")
	[ -n "$pid" ] || { console_tail "$name"; die "QEMU for $name started but its PID file is missing"; }
	write_ssh_config "$name" "$port"

	# wait for the console's ready line, then for sshd
	local deadline=$(($(date +%s) + timeout)) ready=0
	while [ "$(date +%s)" -lt $deadline ]; do
		if [ -z "$(pid_of "$name")" ]; then
			console_tail "$name" 40
			rm -f "$RUN/$name.pid"
			die "guest $name: QEMU ended during boot"
		fi
		if grep -q "xtrace-guest: .* failed" "$RUN/$name.console.log" 2>/dev/null; then
			sleep 1	# let the guest print the rest
			break
		fi
		if grep -q "xtrace guest ready" "$RUN/$name.console.log" 2>/dev/null; then
			ready=1
			break
		fi
		sleep 0.2
	done
	if [ $ready = 1 ]; then
		ready=0
		while [ "$(date +%s)" -lt $deadline ]; do
			if ssh -F "$RUN/$name.ssh_config" -o ConnectTimeout=5 "$name" true 2>/dev/null; then
				ready=1
				break
			fi
			sleep 0.3
		done
	fi
	if [ $ready = 0 ]; then
		console_tail "$name" 40
		echo "guest: ssh -F $RUN/$name.ssh_config $name true says:" >&2
		ssh -F "$RUN/$name.ssh_config" -o ConnectTimeout=5 "$name" true >&2 || true
		cmd_stop "$name" >/dev/null 2>&1 || true
		die "guest $name not ready after ${timeout}s (XT_VM_TIMEOUT); stopped it"
	fi
	local ms=$((($(date +%s%N) - t0) / 1000000))
	echo "guest $name: up, ssh on 127.0.0.1:$port after $((ms / 1000)).$((ms % 1000 / 100))s (QEMU pid $pid;" \
		"$(grep -o 'kernel [^,]*, /dev/kvm [a-z]*' "$RUN/$name.console.log" | head -n 1))"
}

cmd_stop() {
	[ $# = 1 ] || usage
	local name=$1 pid i
	check_name "$name"
	pid=$(pid_of "$name")
	if [ -z "$pid" ]; then
		rm -f "$RUN/$name.pid" "$RUN/$name.ssh_config"
		echo "guest $name: not running"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ]; then
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
	fi
	[ -d "/proc/$pid" ] && die "guest $name: QEMU pid $pid did not end"
	rm -f "$RUN/$name.pid" "$RUN/$name.ssh_config"
	echo "guest $name: stopped (QEMU pid $pid)"
}

cmd_ssh() {
	[ $# -ge 2 ] || usage
	local name=$1
	shift
	check_name "$name"
	[ -f "$RUN/$name.ssh_config" ] && [ -n "$(pid_of "$name")" ] || die "guest $name is not running"
	exec ssh -F "$RUN/$name.ssh_config" "$name" -- "$@"
}

cmd_scp() {
	[ $# -ge 3 ] || usage
	local name=$1
	shift
	check_name "$name"
	[ -f "$RUN/$name.ssh_config" ] && [ -n "$(pid_of "$name")" ] || die "guest $name is not running"
	exec scp -F "$RUN/$name.ssh_config" "$@"
}

cmd_config() {
	[ $# = 1 ] || usage
	check_name "$1"
	[ -f "$RUN/$1.ssh_config" ] || die "guest $1 is not running"
	echo "$RUN/$1.ssh_config"
}

cmd_status() {
	local f name pid any=0
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		[ -z "${1:-}" ] || [ "$1" = "$name" ] || continue
		pid=$(pid_of "$name")
		if [ -n "$pid" ]; then
			echo "$name: running, QEMU pid $pid, $(awk '/Port/ { print "ssh port " $2 }' "$RUN/$name.ssh_config" 2>/dev/null)"
			any=1
		else
			echo "$name: not running (stale $f)"
		fi
	done
	[ $any = 1 ] || [ -z "${1:-}" ] || return 1
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
ssh) cmd_ssh "$@" ;;
scp) cmd_scp "$@" ;;
config) cmd_config "$@" ;;
status) cmd_status "$@" ;;
*) usage ;;
esac
