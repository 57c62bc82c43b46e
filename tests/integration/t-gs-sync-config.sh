#!/bin/bash
# guest_services in /etc/kvmrt.cfg through the tools, with libvirt's test driver (no daemon):
# kvmrt-validate-config takes the list and names a service it does not know; kvmrt-sync-config
# gives the VM the virtio-serial channel to /run/kvmrt-gs/NAME.sock (what libvirt returns after
# the sync, -p), keeps it as it is on a second sync, and removes it with the attribute.
. "$(dirname "$0")/../kvmrt/itest-lib.sh"
command -v xmllint > /dev/null || skip "xmllint is missing (apt-get install libxml2-utils)"
"$KH/mksysfs" big 2 10 2 2 || fail "mksysfs"
export KVMRT_SYSFS=$PWD/big
A=aeec46cc-0638-4949-ac04-146b233194a9

node() {	# FILE: a host and the domain gs-a
	cat > "$1" <<XML
<node>
  <cpu><nodes>2</nodes><sockets>2</sockets><cores>10</cores><threads>2</threads>
    <active>40</active><mhz>3000</mhz><model>x86_64</model></cpu>
  <memory>16777216</memory>
  <domain type='test'>
    <name>gs-a</name><uuid>$A</uuid>
    <memory unit='KiB'>1048576</memory><vcpu placement='static'>2</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <devices><memballoon model='virtio'/></devices>
  </domain>
</node>
XML
}
cfg() {	# FILE [SERVICES]
	printf '[%s]\nname = gs-a\nnr_vcpus = 2\n' $A > "$1"
	[ -z "${2:-}" ] || echo "guest_services = $2" >> "$1"
}
CH="//domain/devices/channel[target/@name='org.kvmrt.gs.0']"

cfg bad.cfg "ping, shell"
expect_status 2 k kvmrt-validate-config -f bad.cfg > bad.txt 2>&1
expect_grep "bad.cfg:4: error: VM 'gs-a': guest_services: 'shell' is not a guest service" bad.txt
cfg on.cfg "ping, xtrace_flush"
k kvmrt-validate-config -q -f on.cfg > on.txt 2>&1 || [ $? = 1 ] ||
	fail "kvmrt-validate-config refuses guest_services: $(cat on.txt)"
expect_no_grep "guest_services" on.txt
k kvmrt-show-config -f on.cfg gs-a > show.txt || fail "kvmrt-show-config failed"
expect_grep "^ +guest services: +ping,xtrace_flush \(kvmrt-gsd, /run/kvmrt-gs/gs-a.sock\)$" show.txt
cfg off.cfg
k kvmrt-show-config -f off.cfg gs-a > show-none.txt 2>&1
expect_no_grep "guest services" show-none.txt "kvmrt-show-config of a VM without"
ok "kvmrt-validate-config and kvmrt-show-config: guest_services"

node node.xml
expect_status 0 k kvmrt-sync-config -f on.cfg -c "test://$PWD/node.xml" -p gs-a > on.xml
sed -n '/<domain/,/<\/domain>/p' on.xml > on-dom.xml
expect_xpath on-dom.xml "count($CH)" 1
expect_xpath on-dom.xml "string($CH/@type)" unix
expect_xpath on-dom.xml "string($CH/source/@mode)" bind
expect_xpath on-dom.xml "string($CH/source/@path)" /run/kvmrt-gs/gs-a.sock
expect_xpath on-dom.xml "string($CH/target/@type)" virtio
ok "kvmrt-sync-config: the channel to /run/kvmrt-gs/gs-a.sock"

# the domain as the sync left it (libvirt's additions too) is in sync; without the attribute
# the channel goes
{
	sed -n '1,/<memory>/p' node.xml
	cat on-dom.xml
	echo "</node>"
} > node2.xml
expect_status 0 k kvmrt-sync-config -f on.cfg -c "test://$PWD/node2.xml" gs-a > same.txt
expect_grep "in sync: gs-a" same.txt "a second sync"
expect_status 0 k kvmrt-sync-config -f off.cfg -c "test://$PWD/node2.xml" -p gs-a > off.xml
sed -n '/<domain/,/<\/domain>/p' off.xml > off-dom.xml
expect_xpath off-dom.xml "count($CH)" 0
ok "kvmrt-sync-config: in sync once there; removed without guest_services"
