# Helpers for the guest tests (tests/vm/t-vm-*.sh, run by tests/vm/run-vm-tests.sh or alone).
# Each test sources this, boots guests with vm_start, and exits 0 (pass), 1 (fail), 77 (skip).
# Every guest a test started is stopped (by PID) when it exits, whatever happened.
set -u
: "${XT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${XT_BIN:=$XT_TOP/bin}"
: "${XT_VM_OUT:=$XT_TOP/build/vm/out}"
GUEST=$XT_TOP/tests/vm/guest.sh
T=$XT_VM_OUT/$(basename "$0" .sh)
# the same test running at the same time elsewhere keeps its directory (its guests' PID files)
if [ -f "$T/.owner" ] && kill -0 "$(cat "$T/.owner")" 2>/dev/null; then
	T=$T.$$
fi
rm -rf "$T"
mkdir -p "$T"
echo $$ > "$T/.owner"
cd "$T" || exit 1
# this test's guests: their PID files, consoles and ssh_config files (guest.sh)
export XT_VM_RUN=$T/run

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { echo "$(($1 / 1000)).$(($1 % 1000 / 100))"; }	# ms -> s with one decimal
T_START=$(now_ms)

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
ok() { echo "ok: $*"; }

VM_STARTED=()
vm_cleanup() {
	local n
	for n in "${VM_STARTED[@]:+${VM_STARTED[@]}}"; do
		"$GUEST" stop "$n" || echo "warning: could not stop guest $n" >&2
	done
}
trap vm_cleanup EXIT

# vm_start NAME [PORT]: boot guest NAME (ssh on 127.0.0.1:PORT, or a free port from 20000 up
# when none is given) and set VM_BOOT_MS (start to ssh answering) and VM_PORT_<NAME>.
vm_start() {
	local name=$1 port=${2:-} try t0 out
	t0=$(now_ms)
	for try in 1 2 3 4 5; do
		if [ -z "${2:-}" ]; then
			port=$((20000 + RANDOM % 10000))
			# something answers there: not free
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		fi
		VM_STARTED+=("$name")
		if out=$("$GUEST" start "$name" "$port" 2>&1); then
			echo "$out"
			VM_BOOT_MS=$(($(now_ms) - t0))
			printf -v "VM_PORT_${name//-/_}" %s "$port"
			return 0
		fi
		echo "$out" >&2
		# a port taken between the check and QEMU's bind: try another
		[ -z "${2:-}" ] && echo "$out" | grep -q "port $port is in use" && continue
		break
	done
	fail "guest $name did not start"
}

vm_ssh() { "$GUEST" ssh "$@"; }

[ "$(id -u)" = 0 ] || skip "needs root (builds the guest image, runs QEMU)"
# run alone (not by run-vm-tests.sh): make sure the guest image is there and current
if [ "${XT_VM_BUILT:-0}" != 1 ]; then
	"$XT_TOP/tests/vm/build-guest.sh" -q || fail "cannot build the guest (tests/vm/build-guest.sh)"
	export XT_VM_BUILT=1
fi
