#!/bin/bash
# Systems on loopback for xtrace's remote collection: each an sshd on 127.0.0.1
# in its own UTS namespace (its own host name), reached through an ssh config
# with a Host alias per system, keys and known_hosts of its own.
#
#   loopback-sshd.sh start DIR NAME [PATH]   start system NAME; PATH: the remote
#                                          commands' PATH (default: bin/ first)
#   loopback-sshd.sh stop DIR NAME           stop it (by its PID)
#   loopback-sshd.sh stop-all DIR            stop every system started in DIR
#
# DIR/ssh_config then has "Host NAME" (use: xtrace-run -F DIR/ssh_config
# --remote NAME ...). Nothing outside DIR is touched but /run/sshd, which sshd
# needs and which is removed again if this script made it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: loopback-sshd.sh start|stop|stop-all DIR [NAME [PATH]]}
dir=${2:?DIR missing}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo $p
			return
		fi
	done
	echo "loopback-sshd: no free port" >&2
	exit 1
}

stop_one() {
	local name=$1 pid
	[ -f "$dir/$name.pid" ] || return 0
	pid=$(cat "$dir/$name.pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$dir/$name.pid"
}

case $cmd in
start)
	name=${3:?NAME missing}
	path=${4:-$top/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
	[ -x /usr/sbin/sshd ] || { echo "loopback-sshd: /usr/sbin/sshd missing (openssh-server)" >&2; exit 1; }
	if [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd
		touch "$dir/.made-run-sshd"
	fi
	[ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C xtrace-test -f "$dir/id_ed25519"
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	[ -f "$dir/$name.hostkey" ] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/$name.hostkey"
	port=$(free_port)
	cat > "$dir/$name.sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $dir/$name.hostkey
	PidFile none
	AuthorizedKeysFile $dir/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	PrintMotd no
	LogLevel ERROR
	SetEnv PATH=$path
	Subsystem sftp internal-sftp
	EOF
	unshare --uts sh -c "hostname '$name' && exec /usr/sbin/sshd -D -e -f '$dir/$name.sshd_config'" \
		> "$dir/$name.log" 2>&1 &
	echo $! > "$dir/$name.pid"
	up=
	for _ in $(seq 100); do
		if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then up=1; break; fi
		kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$up" ]; then
		echo "loopback-sshd: sshd for $name did not start:" >&2
		cat "$dir/$name.log" >&2
		stop_one "$name"
		exit 1
	fi
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/$name.hostkey.pub")" >> "$dir/known_hosts"
	cat >> "$dir/ssh_config" <<-EOF
	Host $name
	    HostName 127.0.0.1
	    Port $port
	    User root
	    IdentityFile $dir/id_ed25519
	    UserKnownHostsFile $dir/known_hosts
	EOF
	echo "$port" > "$dir/$name.port"
	;;
stop)
	stop_one "${3:?NAME missing}"
	;;
stop-all)
	for p in "$dir"/*.pid; do
		[ -e "$p" ] || continue
		stop_one "$(basename "$p" .pid)"
	done
	if [ -f "$dir/.made-run-sshd" ]; then
		rmdir /run/sshd 2>/dev/null || true
		rm -f "$dir/.made-run-sshd"
	fi
	;;
*)
	echo "loopback-sshd: unknown command '$cmd'" >&2
	exit 2
	;;
esac
