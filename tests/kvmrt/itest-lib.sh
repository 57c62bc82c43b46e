# Helpers for the kvmrt integration tests (tests/integration/t-kvmrt-*.sh):
# the same conventions as tests/integration/lib.sh (exit 0 pass, 1 fail,
# 77 skip with the reason as the last line) without its tracefs needs.
set -u
: "${XT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${XT_BIN:=$XT_TOP/bin}"
: "${XT_OUT:=$XT_TOP/tests/out}"
T=$XT_OUT/$(basename "$0" .sh)
rm -rf "$T"
mkdir -p "$T"
cd "$T" || exit 1
KH=$XT_TOP/build/tests/kvmrt		# mksysfs, virt-helper
SAMPLES=$XT_TOP/samples

if [ "${XTRACE_VALGRIND:-0}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
else
	VG=
fi
# run a kvmrt program (under valgrind with XTRACE_VALGRIND=1)
k() { local p=$1; shift; $VG "$XT_BIN/$p" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
ok() { echo "ok: $*"; }

# expect_status WANT CMD...: run CMD, fail unless it exits with WANT
expect_status() {
	local want=$1; shift
	"$@"; local rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}
# expect_grep PATTERN FILE [what]
expect_grep() { grep -qE -- "$1" "$2" || fail "${3:-$2} lacks /$1/: $(head -c 1500 "$2")"; }
expect_no_grep() { ! grep -qE -- "$1" "$2" || fail "${3:-$2} has /$1/: $(grep -E -- "$1" "$2" | head -3)"; }
# expect_xpath FILE XPATH WANT: the string value of XPATH in the XML FILE
expect_xpath() {
	local got
	got=$(xmllint --xpath "$2" "$1" 2>/dev/null)
	[ "$got" = "$3" ] || fail "$1: $2 = '$got', expected '$3'"
}

for b in kvmrt-validate-config cpu-topology; do
	[ -x "$XT_BIN/$b" ] || fail "$XT_BIN/$b is not built (make all)"
done
[ -x "$KH/mksysfs" ] || fail "$KH/mksysfs is not built (make check)"
