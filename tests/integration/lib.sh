# Helpers for the integration tests; each t-*.sh sources this, runs as root
# against the real kernel, and exits 0 (pass), 1 (fail) or 77 (skip).
. "$(dirname "${BASH_SOURCE[0]}")/../test-lib.sh"
HELPERS=$XT_TOP/build/tests/helpers

xrun() { $VG "$XT_BIN/xtrace-run" "$@"; }
xview() { $VG "$XT_BIN/xtrace-view" "$@"; }

# whatever happens, end the recorders this test started in the background
cleanup_jobs() {
	local j
	for j in $(jobs -p); do kill -TERM "$j" 2>/dev/null; done
	for j in $(jobs -p); do wait "$j" 2>/dev/null; done
}
trap cleanup_jobs EXIT

no_instances() {
	local left
	# an instance may be on its way out still (the kernel's rmdir takes 0.1 s or more)
	for _ in $(seq 20); do
		left=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep '^xtrace-' || true)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "tracefs instances left behind: $left"
}

# a test that only reads recordings (fixtures, generated ones) says so first with
# XT_READ_ONLY=1: it runs as any user, without tracefs
if [ "${XT_READ_ONLY:-0}" != 1 ]; then
	[ "$(id -u)" = 0 ] || skip "needs root to trace"
	mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		skip "tracefs is not available"
fi
xctl() { $VG "$XT_BIN/xtrace-ctl" "$@"; }

# wait_recorder DIR: until the recorder writing DIR answers xtrace-ctl
wait_recorder() {
	for _ in $(seq 300); do
		[ -d "$1" ] && "$XT_BIN/xtrace-ctl" -q -d "$1" status 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no recorder for '$1' came up"
}

# events_of CPU FILE: the view lines of one CPU
events_of() { awk -v c="$1" '$3 == c' "$2"; }

# with_kvm_dev present|absent CMD...: run CMD in a private mount namespace whose /dev has
# (or lacks) /dev/kvm, whatever this machine has: both cases are tested on every machine.
# The rest of /dev is this one's (bind mounts); nothing outside the namespace changes.
with_kvm_dev() {
	local want=$1; shift
	unshare -m --propagation private bash -c '
		set -e
		want=$1; shift
		d=$(mktemp -d /tmp/xt-dev.XXXXXX)
		mount -t tmpfs -o mode=755 xt-dev "$d"
		for f in /dev/* /dev/.[!.]*; do
			[ -e "$f" ] || [ -L "$f" ] || continue
			n=${f#/dev/}
			[ "$n" = kvm ] && continue
			if [ -L "$f" ]; then cp -P "$f" "$d/$n"
			elif [ -d "$f" ]; then mkdir "$d/$n"; mount --rbind "$f" "$d/$n"
			else touch "$d/$n"; mount --bind "$f" "$d/$n"
			fi
		done
		[ "$want" = present ] && mknod -m 600 "$d/kvm" c 10 232
		mount --move "$d" /dev
		rmdir "$d" 2>/dev/null || true
		exec "$@"' with_kvm_dev "$want" "$@"
}
