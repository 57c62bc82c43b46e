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

# start_session_libvirtd: virtlogd -d and libvirtd -d as user nobody in session mode, every
# directory private under $D (made here, removed at exit); sets $URI and as_nobody CMD...
# runs CMD as nobody in that environment. The daemons are stopped by their PIDs at exit
# (after the caller's own cleanup, $EXTRA_CLEANUP, if set). Skips without root or libvirtd.
start_session_libvirtd() {
	[ "$(id -u)" = 0 ] || skip "needs root to run libvirtd as another user"
	local p
	for p in libvirtd virtlogd setpriv; do
		command -v "$p" > /dev/null || skip "$p is missing (make deps installs libvirt-daemon, libvirt-daemon-driver-qemu, qemu-system-x86)"
	done
	QEMU=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
	id nobody > /dev/null 2>&1 || skip "no user nobody to run the session daemon"
	[ -x "$KH/virt-helper" ] || fail "$KH/virt-helper is not built (make check)"
	D=$(mktemp -d /tmp/kvmrt-libvirtd.XXXXXX) || fail "mktemp"
	chmod 755 "$D"
	chown nobody "$D"
	trap stop_session_libvirtd EXIT
	as_nobody mkdir -p "$D/run" "$D/config" "$D/cache" "$D/data" || fail "private directories"
	as_nobody virtlogd -d -p "$D/virtlogd.pid" || skip "virtlogd -d cannot start"
	as_nobody libvirtd -d -p "$D/libvirtd.pid" > libvirtd.log 2>&1 ||
		skip "libvirtd -d cannot start: $(tail -1 libvirtd.log)"
	URI="qemu+unix:///session?socket=$D/run/libvirt/libvirt-sock"
	for _ in $(seq 100); do
		[ -S "$D/run/libvirt/libvirt-sock" ] && break
		sleep 0.1
	done
	as_nobody "$KH/virt-helper" "$URI" list > /dev/null 2> conn.err ||
		skip "libvirtd does not answer: $(cat conn.err)"
}
as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$D" XDG_RUNTIME_DIR="$D/run" \
		XDG_CONFIG_HOME="$D/config" XDG_CACHE_HOME="$D/cache" XDG_DATA_HOME="$D/data" \
		KVMRT_SYSFS="${KVMRT_SYSFS:-/sys}" KVMRT_STATE_DIR="$D/state" "$@"
}
stop_session_libvirtd() {
	local f pid
	[ -n "${EXTRA_CLEANUP:-}" ] && $EXTRA_CLEANUP
	for f in "$D/libvirtd.pid" "$D/virtlogd.pid"; do
		pid=$(cat "$f" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	rm -rf "$D"
}

# write_tiny_vm RT: $D/dom.xml, a 64 MiB one-vCPU TCG domain $NAME ($UUID) without disk
# (libvirt's "running" is all the tests need), and $D/k.cfg, its KVM-RT section on CPUs 0-1,
# real-time if RT is true
write_tiny_vm() {
	cat > "$D/dom.xml" <<XML
<domain type='qemu'>
  <name>$NAME</name>
  <uuid>$UUID</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU</emulator>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML
	printf '[%s]\nname = %s\nnr_vcpus = 1\ncpuset = 0-1\n' "$UUID" "$NAME" > "$D/k.cfg"
	[ "$1" = true ] && echo "rt = true" >> "$D/k.cfg"
	chmod 644 "$D/dom.xml" "$D/k.cfg"
}
