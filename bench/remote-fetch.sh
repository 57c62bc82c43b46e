#!/bin/bash
# Fetch speed of remote recordings (xtrace_remote_fetch_dir) from loopback
# systems (scripts/loopback-sshd.sh): over SFTP from an OpenSSH sshd, and over
# the exec stream of "xtrace-run --send" from an sshd without SFTP and from a
# dropbear without SFTP. BENCH_FETCH_MB (default 200) of data, 3 runs each.
#   bench/remote-fetch.sh        (after make)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mb=${BENCH_FETCH_MB:-200}
w=$(mktemp -d /tmp/xtrace-fetch-bench.XXXXXX)
trap '"$top/scripts/loopback-sshd.sh" stop-all "$w/sys"; rm -rf "$w"' EXIT
"$top/scripts/loopback-sshd.sh" start "$w/sys" fetchsys
"$top/scripts/loopback-sshd.sh" start --no-sftp "$w/sys" fetchnosftp
if [ -x /usr/sbin/dropbear ]; then
	"$top/scripts/loopback-sshd.sh" start --dropbear --no-sftp "$w/sys" fetchdropbear
fi
cc -O2 -std=gnu11 -I"$top/libxtrace/include" -o "$w/sftp-fetch" "$top/bench/sftp-fetch.c" \
	"$top/lib/libxtrace.a" $(pkg-config --libs libtracefs libtraceevent libzstd libssh) -lpthread
mkdir "$w/src"
head -c $((mb * 1048576)) /dev/urandom > "$w/src/cpu0.xtd"
for sys in fetchsys fetchnosftp fetchdropbear; do
	[ -f "$w/sys/$sys.pid" ] || continue
	echo "== $mb MiB from $sys"
	for i in 1 2 3; do
		rm -rf "$w/dst"
		"$w/sftp-fetch" "$w/sys/ssh_config" $sys "$w/src" "$w/dst"
	done
	cmp "$w/src/cpu0.xtd" "$w/dst/cpu0.xtd" && echo "copy identical"
done
