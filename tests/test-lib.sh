# What every test script does the same way (sourced by tests/integration/lib.sh
# and tests/kvmrt/itest-lib.sh): its own directory under $XT_OUT, valgrind on
# request (XTRACE_VALGRIND=1 sets $VG), and exit 0 pass, 1 fail, 77 skip with
# the reason as the last line.
set -u
: "${XT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${XT_BIN:=$XT_TOP/bin}"
: "${XT_OUT:=$XT_TOP/tests/out}"
# recordings in the on-disk format without tracing (tests/helpers/gen-recording.c; make check builds it)
XT_GEN=$XT_TOP/build/tests/helpers/gen-recording
T=$XT_OUT/$(basename "$0" .sh)
rm -rf "$T"
mkdir -p "$T"
cd "$T" || exit 1

if [ "${XTRACE_VALGRIND:-0}" = 1 ]; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
else
	VG=
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
need_gen() { [ -x "$XT_GEN" ] || fail "$XT_GEN is not built (make check builds it)"; }
# gen_host_vm1 HOST_EVENTS GUEST_EVENTS SEED GUEST_DELAY_NS: generated recordings 'host' and
# 'vm1' (2 CPUs each, from 1795000000 s UTC); host/vms names qemu 4000 as VM vm1, whose
# vCPU threads are gen-recording's "CPU n/KVM", pid 4001 + n
gen_host_vm1() {
	local t0=1795000000000000000
	need_gen
	"$XT_GEN" -q -o host -n host -c 2 -e "$1" -s "$3" -t $t0 || fail "gen host"
	"$XT_GEN" -q -o vm1 -n vm1 -c 2 -e "$2" -s $(($3 + 1)) -t $((t0 + $4)) -g || fail "gen guest"
	printf 'vm 4000 vm1\nthread 4000 4000 -1\nthread 4001 4000 0\nthread 4002 4000 1\n' > host/vms
}
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
