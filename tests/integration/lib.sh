# Helpers for the integration tests; each t-*.sh sources this, runs as root
# against the real kernel, and exits 0 (pass), 1 (fail) or 77 (skip).
set -u
: "${XT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${XT_BIN:=$XT_TOP/bin}"
: "${XT_OUT:=$XT_TOP/tests/out}"
T=$XT_OUT/$(basename "$0" .sh)
rm -rf "$T"
mkdir -p "$T"
cd "$T" || exit 1
HELPERS=$XT_TOP/build/tests/helpers

if [ "${XTRACE_VALGRIND:-0}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
else
	VG=
fi
xrun() { $VG "$XT_BIN/xtrace-run" "$@"; }
xview() { $VG "$XT_BIN/xtrace-view" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# whatever happens, end the recorders this test started in the background
cleanup_jobs() {
	local j
	for j in $(jobs -p); do kill -TERM "$j" 2>/dev/null; done
	for j in $(jobs -p); do wait "$j" 2>/dev/null; done
}
trap cleanup_jobs EXIT
skip() { echo "$*"; exit 77; }
ok() { echo "ok: $*"; }

# expect_status WANT CMD...: run CMD, fail unless it exits with WANT
expect_status() {
	local want=$1; shift
	"$@"; local rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}

# expect_grep PATTERN FILE [what]
expect_grep() { grep -qE -- "$1" "$2" || fail "${3:-$2} lacks /$1/: $(head -c 600 "$2")"; }
expect_no_grep() { ! grep -qE -- "$1" "$2" || fail "${3:-$2} has /$1/: $(grep -E -- "$1" "$2" | head -3)"; }

no_instances() {
	local left
	left=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep '^xtrace-' || true)
	[ -z "$left" ] || fail "tracefs instances left behind: $left"
}

[ "$(id -u)" = 0 ] || skip "needs root to trace"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
	skip "tracefs is not available"
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
