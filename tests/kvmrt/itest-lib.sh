# Helpers for the kvmrt integration tests (tests/integration/t-kvmrt-*.sh):
# the same conventions as tests/integration/lib.sh (exit 0 pass, 1 fail,
# 77 skip with the reason as the last line) without its tracefs needs.
. "$(dirname "${BASH_SOURCE[0]}")/../test-lib.sh"
KH=$XT_TOP/build/tests/kvmrt		# mksysfs, virt-helper
SAMPLES=$XT_TOP/samples

# run a kvmrt program (under valgrind with XTRACE_VALGRIND=1)
k() { local p=$1; shift; $VG "$XT_BIN/$p" "$@"; }

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
