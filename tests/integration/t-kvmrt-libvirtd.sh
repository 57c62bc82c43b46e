#!/bin/bash
# kvmrt against a real libvirtd and its QEMU driver: define a type='qemu'
# domain, kvmrt-sync-config it, read it back (another process, so from the
# daemon), kvmrt-sync-config -r and kvmrt-import -u from it, then undefine it.
#
# The daemons (virtlogd -d, libvirtd -d) run without systemd as user nobody
# in session mode, with every directory (config, sockets, run, cache, the
# domain XML files) private to this test under its output directory: the
# machine is left as found. They are stopped by their PIDs at the end.
. "$(dirname "$0")/../kvmrt/itest-lib.sh"

command -v xmllint > /dev/null || skip "xmllint is missing (make deps installs libxml2-utils)"
start_session_libvirtd
KVMRT_SYSFS=$D/sys	# as_nobody's programs see the fake host made below
ok "libvirtd $(cat "$D/libvirtd.pid") and virtlogd $(cat "$D/virtlogd.pid") up"

"$KH/mksysfs" "$D/sys" 2 10 2 2 || fail "mksysfs"
UUID=7b0c55de-2f4e-4a8e-9d61-5c2e7f0a1b3c
cat > "$D/dom.xml" <<XML
<domain type='qemu'>
  <name>kvmrt-itest</name>
  <uuid>$UUID</uuid>
  <description>defined by t-kvmrt-libvirtd</description>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$QEMU</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$D/disk.img'/><target dev='vda' bus='virtio'/></disk>
    <memballoon model='virtio'/>
  </devices>
</domain>
XML
cat > "$D/k.cfg" <<CFG
# real-time guest for the libvirtd test
[$UUID]
name = kvmrt-itest
description = defined by t-kvmrt-libvirtd
nr_vcpus = 2
cpu_topology = 1,1,2
cpuset = 5-9
rt = on
hide_kvm = on
pcidevs = 0000:03:00.0
test_marker = kept
CFG
chown nobody "$D/k.cfg"
chmod 644 "$D/dom.xml"
as_nobody "$KH/virt-helper" "$URI" define "$D/dom.xml" 2> def.err || fail "define: $(cat def.err)"

# sync, then read the domain back from the daemon in another process
as_nobody "$XT_BIN/kvmrt-sync-config" -f "$D/k.cfg" -c "$URI" > sync.txt 2>&1 ||
	fail "sync: $(cat sync.txt)"
expect_grep "^synced kvmrt-itest$" sync.txt
as_nobody "$KH/virt-helper" "$URI" dumpxml kvmrt-itest > back.xml || fail "dumpxml"
expect_xpath back.xml "string(/domain/@type)" qemu
expect_xpath back.xml "string(/domain/vcpu)" 2
expect_xpath back.xml "string(/domain/cpu/topology/@sockets)" 1
expect_xpath back.xml "string(/domain/cpu/topology/@cores)" 1
expect_xpath back.xml "string(/domain/cpu/topology/@threads)" 2
expect_xpath back.xml "string(/domain/cputune/emulatorpin/@cpuset)" 5
expect_xpath back.xml "string(/domain/cputune/vcpupin[@vcpu='0']/@cpuset)" 6,8
expect_xpath back.xml "string(/domain/cputune/vcpupin[@vcpu='1']/@cpuset)" 7,9
expect_xpath back.xml "count(/domain/cputune/vcpusched[@scheduler='fifo'][@priority='1'])" 2
expect_xpath back.xml "string(/domain/numatune/memory/@mode)" strict
expect_xpath back.xml "string(/domain/numatune/memory/@nodeset)" 0
expect_xpath back.xml "count(/domain/memoryBacking/locked)" 1
expect_xpath back.xml "string(/domain/features/kvm/hidden/@state)" on
expect_xpath back.xml "string(/domain/devices/hostdev[@type='pci']/source/address/@bus)" 0x03
expect_xpath back.xml "string(/domain/devices/memballoon/@model)" none
expect_xpath back.xml "string(/domain/devices/disk/source/@file)" "$D/disk.img"
expect_xpath back.xml "string(/domain/description)" "defined by t-kvmrt-libvirtd"
ok "sync and read back"

# the daemon keeps it: a second sync has nothing to do
as_nobody "$XT_BIN/kvmrt-sync-config" -f "$D/k.cfg" -c "$URI" > sync2.txt 2>&1 || fail "sync 2"
expect_grep "^in sync: kvmrt-itest$" sync2.txt

# the other way: a file that says otherwise is updated from the daemon
cat > "$D/r.cfg" <<CFG
[$UUID]
name = kvmrt-itest
rt = off
test_marker = kept
CFG
chown nobody "$D/r.cfg"
as_nobody "$XT_BIN/kvmrt-sync-config" -r -f "$D/r.cfg" -c "$URI" > r.txt 2>&1 || fail "-r: $(cat r.txt)"
expect_grep "^updated kvmrt-itest" r.txt
for l in "nr_vcpus = 2" "cpu_topology = 1,1,2" "cpuset = 5-9" "rt = true" "hide_kvm = true" \
	 "pcidevs = 0000:03:00.0" "test_marker = kept"; do
	grep -qxF "$l" "$D/r.cfg" || fail "-r lacks '$l': $(cat "$D/r.cfg")"
done
expect_status 1 k kvmrt-validate-config -q -f "$D/r.cfg" --sysfs "$D/sys" > v.txt	# test_marker: a warning
expect_grep "test_marker: unknown attribute" v.txt
as_nobody "$XT_BIN/kvmrt-import" -f "$D/i.cfg" -c "$URI" > i.txt 2>&1 || fail "import: $(cat i.txt)"
expect_grep "^imported kvmrt-itest" i.txt
grep -qxF "cpuset = 5-9" "$D/i.cfg" || fail "import cpuset: $(cat "$D/i.cfg")"
ok "sync -r and import"

as_nobody "$KH/virt-helper" "$URI" undefine kvmrt-itest || fail "undefine"
as_nobody "$KH/virt-helper" "$URI" list > left.txt
expect_no_grep "kvmrt-itest" left.txt
as_nobody "$XT_BIN/kvmrt-sync-config" -f "$D/k.cfg" -c "$URI" > gone.txt 2>&1
[ $? = 1 ] || fail "sync of an undefined domain did not fail"
expect_grep "VM 'kvmrt-itest': unknown to libvirt" gone.txt
ok "undefined"
