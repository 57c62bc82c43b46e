#!/bin/bash
# SFTP fetch speed of remote recordings (xtrace_remote_fetch), on a loopback
# system (scripts/loopback-sshd.sh). BENCH_FETCH_MB (default 200) of data.
#   bench/remote-fetch.sh        (after make)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mb=${BENCH_FETCH_MB:-200}
w=$(mktemp -d /tmp/xtrace-fetch-bench.XXXXXX)
trap '"$top/scripts/loopback-sshd.sh" stop-all "$w/sys"; rm -rf "$w"' EXIT
"$top/scripts/loopback-sshd.sh" start "$w/sys" fetchsys
cc -O2 -std=gnu11 -I"$top/libxtrace/include" -o "$w/sftp-fetch" "$top/bench/sftp-fetch.c" \
	"$top/lib/libxtrace.a" $(pkg-config --libs libtracefs libtraceevent libzstd libssh) -lpthread
mkdir "$w/src"
head -c $((mb * 1048576)) /dev/urandom > "$w/src/cpu0.xtd"
echo "== SFTP fetch of $mb MiB from a loopback sshd"
for i in 1 2 3; do
	rm -rf "$w/dst"
	"$w/sftp-fetch" "$w/sys/ssh_config" fetchsys "$w/src" "$w/dst"
done
cmp "$w/src/cpu0.xtd" "$w/dst/cpu0.xtd" && echo "copy identical"
