#!/bin/bash
# Systems on loopback for xtrace's remote collection: each an sshd on 127.0.0.1
# in its own UTS namespace (its own host name), reached through an ssh config
# with a Host alias per system, keys and known_hosts of its own.
#
#   loopback-sshd.sh start [--no-sftp] [--dropbear] [--plain-shell] DIR NAME [PATH]
#                                          start system NAME; PATH: the remote
#                                          commands' PATH (default: bin/ first)
#   loopback-sshd.sh blackhole DIR NAME      system NAME answers TCP and then
#                                          nothing (a hung host): ssh times out
#   loopback-sshd.sh stop DIR NAME           stop it (by its PID)
#   loopback-sshd.sh stop-all DIR            stop every system started in DIR
#
# --no-sftp: a system without SFTP. OpenSSH's sshd gets no "Subsystem sftp"
# (it refuses the subsystem); dropbear accepts it but finds no sftp-server to
# run, as on a small guest that has none.
# --dropbear: Debian's dropbear instead of OpenSSH's sshd. Dropbear reads the
# authorized keys of root's home only and sets its own PATH; so it runs in a
# private mount namespace too, where /etc/passwd gives root a home in DIR
# (holding the test's authorized_keys) and a login shell in DIR that sets PATH
# (and, with --no-sftp, a tmpfs hides the directory of its sftp-server). The
# real /root, /etc and /usr are never written.
#
# $XTRACE_RUN_DIR, if set, is passed on to the systems' commands.
#
# DIR/ssh_config then has "Host NAME" (use: xtrace-run -F DIR/ssh_config
# --remote NAME ...). Nothing outside DIR is touched but /run/sshd, which sshd
# needs and which is removed again if this script made it and no other loopback
# system still uses it (each leaves a marker file in it while it runs).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: loopback-sshd.sh start|stop|stop-all [--no-sftp] [--dropbear] DIR [NAME [PATH]]}
shift
no_sftp= dropbear= plain=
while [ "$cmd" = start ] && [ $# -gt 0 ]; do
	case $1 in
	--no-sftp) no_sftp=1 ;;
	--dropbear) dropbear=1 ;;
	--plain-shell) plain=1 ;;
	*) break ;;
	esac
	shift
done
set -- "$cmd" "$@"
dir=${2:?DIR missing}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# XT_PORT_RANGE=LOW-HIGH: ports from that range only (a worker's own)
free_port() {
	local p lo=20000 hi=39999
	case ${XT_PORT_RANGE:-} in
	*-*) lo=${XT_PORT_RANGE%-*} hi=${XT_PORT_RANGE#*-} ;;
	esac
	for _ in $(seq 200); do
		p=$((lo + RANDOM % (hi - lo + 1)))
		if ! answers "$p"; then
			echo $p
			return
		fi
	done
	echo "loopback-sshd: no free port" >&2
	exit 1
}

# the client's key, shared by every system of DIR
client_key() {
	[ -f "$dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C xtrace-test -f "$dir/id_ed25519"
}

# answers PORT: something accepts TCP connections on it
answers() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# add_host NAME PORT: "Host NAME" in DIR/ssh_config, its port in DIR/NAME.port
add_host() {
	cat >> "$dir/ssh_config" <<-EOF
	Host $1
	    HostName 127.0.0.1
	    Port $2
	    User root
	    IdentityFile $dir/id_ed25519
	    UserKnownHostsFile $dir/known_hosts
	EOF
	echo "$2" > "$dir/$1.port"
}

# the marker of DIR's systems in /run/sshd (see the top)
in_use=/run/sshd/.loopback-$(echo "$dir" | cksum | cut -d' ' -f1)

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

# start_sshd NAME PORT PATH: OpenSSH's sshd as system NAME
start_sshd() {
	local name=$1 port=$2 path=$3
	[ -f "$dir/$name.hostkey" ] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/$name.hostkey"
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
	SetEnv PATH=$path${XTRACE_RUN_DIR:+ XTRACE_RUN_DIR=$XTRACE_RUN_DIR}
	EOF
	[ -n "$no_sftp" ] || echo "Subsystem sftp internal-sftp" >> "$dir/$name.sshd_config"
	if [ -n "$plain" ]; then
		awk -F: -v OFS=: '$1 == "root" { $7 = "/bin/sh" } 1' /etc/passwd > "$dir/$name.passwd"
		unshare --uts --mount --propagation private sh -c "mount --bind '$dir/$name.passwd' /etc/passwd &&
			hostname '$name' && exec /usr/sbin/sshd -D -e -f '$dir/$name.sshd_config'" \
			> "$dir/$name.log" 2>&1 &
	else
		unshare --uts sh -c "hostname '$name' && exec /usr/sbin/sshd -D -e -f '$dir/$name.sshd_config'" \
			> "$dir/$name.log" 2>&1 &
	fi
	echo $! > "$dir/$name.pid"
}

# start_dropbear NAME PORT PATH: dropbear as system NAME (see the top)
start_dropbear() {
	local name=$1 port=$2 path=$3 home=$dir/$1.home sftp mounts
	[ -x /usr/sbin/dropbear ] ||
		{ echo "loopback-sshd: /usr/sbin/dropbear missing (dropbear-bin)" >&2; exit 1; }
	[ -f "$dir/$name.dbkey" ] || dropbearkey -t ed25519 -f "$dir/$name.dbkey" > /dev/null 2>&1
	dropbearkey -y -f "$dir/$name.dbkey" | awk '/^ssh-ed25519 / { print $1, $2 }' \
		> "$dir/$name.hostkey.pub"
	mkdir -p "$home/.ssh"
	chmod 700 "$home" "$home/.ssh"
	install -m 600 "$dir/authorized_keys" "$home/.ssh/authorized_keys"
	printf '#!/bin/sh\nPATH=%s\nexport PATH\n%sexec /bin/sh "$@"\n' "$path" \
		"${XTRACE_RUN_DIR:+XTRACE_RUN_DIR=$XTRACE_RUN_DIR; export XTRACE_RUN_DIR
}" > "$dir/$name.shell"
	chmod 755 "$dir/$name.shell"
	awk -F: -v OFS=: -v h="$home" -v s="$dir/$name.shell" '$1 == "root" { $6 = h; $7 = s } 1' \
		/etc/passwd > "$dir/$name.passwd"
	{ cat /etc/shells; echo "$dir/$name.shell"; } > "$dir/$name.shells"
	mounts="mount --bind '$dir/$name.passwd' /etc/passwd"
	mounts="$mounts && mount --bind '$dir/$name.shells' /etc/shells"
	sftp=$(readlink -f /usr/lib/sftp-server 2>/dev/null || true)
	if [ -n "$no_sftp" ] && [ -e "$sftp" ]; then
		mounts="$mounts && mount -t tmpfs -o size=64k,mode=755 none '$(dirname "$sftp")'"
	fi
	# -P: its pid file in DIR (its default is /run/dropbear.pid)
	unshare --uts --mount --propagation private sh -c "$mounts && hostname '$name' &&
		exec /usr/sbin/dropbear -F -E -s -j -k -p 127.0.0.1:$port -r '$dir/$name.dbkey' \
		-P '$dir/$name.dbpid'" > "$dir/$name.log" 2>&1 &
	echo $! > "$dir/$name.pid"
}

case $cmd in
start)
	name=${3:?NAME missing}
	path=${4:-$top/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
	[ -n "$dropbear" ] || [ -x /usr/sbin/sshd ] ||
		{ echo "loopback-sshd: /usr/sbin/sshd missing (openssh-server)" >&2; exit 1; }
	if [ -z "$dropbear" ]; then
		if [ ! -d /run/sshd ]; then
			mkdir -p /run/sshd && chmod 755 /run/sshd
			touch "$dir/.made-run-sshd"
		fi
		# in use: whoever made it removes it only once it is empty (every sshd
		# on this machine needs it for each connection)
		touch "$in_use"
	fi
	client_key
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	port=$(free_port)
	if [ -n "$dropbear" ]; then
		start_dropbear "$name" "$port" "$path"
	else
		start_sshd "$name" "$port" "$path"
	fi
	up=
	for _ in $(seq 100); do
		if answers "$port"; then up=1; break; fi
		kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$up" ]; then
		echo "loopback-sshd: the ssh server of $name did not start:" >&2
		cat "$dir/$name.log" >&2
		stop_one "$name"
		exit 1
	fi
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/$name.hostkey.pub")" >> "$dir/known_hosts"
	add_host "$name" "$port"
	;;
blackhole)
	# a listening socket nobody accepts from: the kernel completes the TCP
	# handshake, and the ssh banner never comes
	name=${3:?NAME missing}
	client_key
	port=$(free_port)
	perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		LocalPort => $ARGV[0], Listen => 64, ReuseAddr => 1) or die "$!\n"; sleep 86400' \
		"$port" > "$dir/$name.log" 2>&1 &
	echo $! > "$dir/$name.pid"
	for _ in $(seq 100); do
		answers "$port" && break
		sleep 0.05
	done
	add_host "$name" "$port"
	;;
stop)
	stop_one "${3:?NAME missing}"
	;;
stop-all)
	for p in "$dir"/*.pid; do
		[ -e "$p" ] || continue
		stop_one "$(basename "$p" .pid)"
	done
	rm -f "$in_use"
	if [ -f "$dir/.made-run-sshd" ]; then
		rmdir /run/sshd 2>/dev/null || true	# not while others use it
		rm -f "$dir/.made-run-sshd"
	fi
	;;
*)
	echo "loopback-sshd: unknown command '$cmd'" >&2
	exit 2
	;;
esac
