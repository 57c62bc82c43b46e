#!/bin/bash
# kvmrt with libvirt's test driver (no daemon): kvmrt-import [-u], kvmrt-sync-config
# [-r], kvmrt-edit-config against test:///PATH files describing a host and its
# domains. The test driver keeps what a program defines for that program's
# life only: kvmrt-sync-config -p prints the XML libvirt gives back after the
# sync, and that is what is checked, element by element.
. "$(dirname "$0")/../kvmrt/itest-lib.sh"
command -v xmllint > /dev/null || skip "xmllint is missing (apt-get install libxml2-utils)"

"$KH/mksysfs" big 2 10 2 2 || fail "mksysfs"
export KVMRT_SYSFS=$PWD/big
A=aeec46cc-0638-4949-ac04-146b233194a9
R=fde74e84-0e1b-404e-90e7-72101e79c48a

# node.xml: a host and two domains, one plain, one already real-time
node() { # FILE RT-VCPU0-CPU RT-VCPU1-CPU RT-EMULATOR-CPU
	cat > "$1" <<XML
<node>
  <cpu><nodes>2</nodes><sockets>2</sockets><cores>10</cores><threads>2</threads>
    <active>40</active><mhz>3000</mhz><model>x86_64</model></cpu>
  <memory>16777216</memory>
  <domain type='test'>
    <name>guest-a</name><uuid>$A</uuid>
    <title>Guest A</title>
    <memory unit='KiB'>1048576</memory><vcpu placement='static'>2</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <devices><disk type='file' device='disk'><source file='/var/lib/a.img'/>
      <target dev='vda' bus='virtio'/></disk><memballoon model='virtio'/></devices>
  </domain>
  <domain type='test'>
    <name>guest-rt</name><uuid>$R</uuid>
    <memory unit='KiB'>1048576</memory><vcpu placement='static'>2</vcpu>
    <cputune><vcpupin vcpu='0' cpuset='$2'/><vcpupin vcpu='1' cpuset='$3'/>
      <emulatorpin cpuset='$4'/>
      <vcpusched vcpus='0' scheduler='fifo' priority='1'/>
      <vcpusched vcpus='1' scheduler='fifo' priority='1'/></cputune>
    <cpu><topology sockets='1' cores='2' threads='1'/></cpu>
    <memoryBacking><locked/></memoryBacking>
    <numatune><memory mode='strict' nodeset='0'/></numatune>
    <os><type arch='x86_64'>hvm</type></os>
    <features><kvm><hidden state='on'/></kvm></features>
    <devices><hostdev mode='subsystem' type='pci' managed='yes'><source>
      <address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>
      <memballoon model='none'/></devices>
  </domain>
</node>
XML
}
node node.xml 7 8 6
node node2.xml 8 9 7
U=test://$PWD/node.xml

# import: every domain into a new file, with what its XML says
expect_status 0 k kvmrt-import -f k.cfg -c "$U" > i1.txt
expect_grep "^imported guest-a \($A\)$" i1.txt
expect_grep "^imported guest-rt \($R\)$" i1.txt
sed -n "/^\[$R\]/,/^$/p" k.cfg > rt.txt
for l in "name = guest-rt" "nr_vcpus = 2" "cpu_topology = auto" "cpuset = 6-8" "rt = true" \
	 "rt_memory = auto" "numatune = auto" "hide_kvm = true" "autostart = true" \
	 "pcidevs = 0000:03:00.0"; do
	grep -qxF "$l" rt.txt || fail "imported guest-rt lacks '$l': $(cat rt.txt)"
done
grep -qxF "title = Guest A" k.cfg || fail "title of guest-a"
# hide_kvm = true: the warning that kvm-clock and ptp_kvm are gone, nothing else
expect_status 1 k kvmrt-validate-config -f k.cfg > vi.txt
expect_grep "warning: VM 'guest-rt': hide_kvm: hides KVM from the guest, which then has no kvm-clock" vi.txt
expect_grep "2 VMs, 0 errors, 1 warning" vi.txt
# again: skipped; unknown: an error naming it
expect_status 0 k kvmrt-import -f k.cfg -c "$U" guest-rt > i2.txt
expect_grep "^skipped guest-rt" i2.txt
expect_status 1 k kvmrt-import -f k.cfg -c "$U" ghost 2> i3.txt
expect_grep "kvmrt-import: VM 'ghost': unknown to libvirt" i3.txt
ok "import"

# -u: updated from libvirt; the user's comment and own attribute stay
sed -i "1i # hand-written comment" k.cfg
sed -i "/^name = guest-rt$/a site_rack = B7" k.cfg
cp k.cfg before-u.cfg
expect_status 0 k kvmrt-import -u -f k.cfg -c "test://$PWD/node2.xml" > u.txt
expect_grep "^updated guest-rt \($R\): 1 attribute$" u.txt
expect_grep "^unchanged guest-a" u.txt
grep -qxF "cpuset = 7-9" k.cfg || fail "-u did not take the new pins: $(grep cpuset k.cfg)"
expect_grep "^# hand-written comment$" k.cfg
expect_grep "^site_rack = B7$" k.cfg
[ "$(diff before-u.cfg k.cfg | grep -c '^[<>]')" = 2 ] || fail "-u changed more than cpuset: $(diff before-u.cfg k.cfg)"
ok "import -u"

# sync: change the file, sync, and check every element libvirt gives back
cat > s.cfg <<CFG
[$A]
name = guest-a
title = Guest A
nr_vcpus = 3
cpu_topology = 1,3,1
cpuset = 12-19
numatune = 1
rt = yes
hide_kvm = on
pcidevs = 81:00.1

[$R]
name = guest-rt
nr_vcpus = 2
cpuset = 5-7
rt = true
CFG
expect_status 0 k kvmrt-sync-config -f s.cfg -c "$U" -p guest-a > sync.out
expect_grep "^synced guest-a$" sync.out
sed -n '/^<domain/,/^<\/domain>/p' sync.out > a.xml
expect_xpath a.xml "string(/domain/name)" guest-a
expect_xpath a.xml "string(/domain/vcpu)" 3
expect_xpath a.xml "string(/domain/cpu/topology/@sockets)" 1
expect_xpath a.xml "string(/domain/cpu/topology/@cores)" 3
expect_xpath a.xml "string(/domain/cpu/topology/@threads)" 1
expect_xpath a.xml "string(/domain/cputune/emulatorpin/@cpuset)" 12
expect_xpath a.xml "string(/domain/cputune/vcpupin[@vcpu='0']/@cpuset)" 13,16,19
expect_xpath a.xml "string(/domain/cputune/vcpupin[@vcpu='1']/@cpuset)" 14,17
expect_xpath a.xml "string(/domain/cputune/vcpupin[@vcpu='2']/@cpuset)" 15,18
expect_xpath a.xml "count(/domain/cputune/vcpusched[@scheduler='fifo'])" 3
expect_xpath a.xml "string(/domain/numatune/memory/@mode)" strict
expect_xpath a.xml "string(/domain/numatune/memory/@nodeset)" 1
expect_xpath a.xml "count(/domain/memoryBacking/locked)" 1
expect_xpath a.xml "string(/domain/features/kvm/hidden/@state)" on
expect_xpath a.xml "string(/domain/devices/hostdev/source/address/@bus)" 0x81
expect_xpath a.xml "string(/domain/devices/hostdev/source/address/@function)" 0x1
expect_xpath a.xml "string(/domain/devices/memballoon/@model)" none
expect_xpath a.xml "string(/domain/devices/disk/source/@file)" /var/lib/a.img
expect_xpath a.xml "string(/domain/title)" "Guest A"
# a dry run prints and defines nothing; a domain in sync is left alone
expect_status 0 k kvmrt-sync-config -f s.cfg -c "$U" -n guest-rt > dry.xml
expect_xpath dry.xml "string(/domain/cputune/emulatorpin/@cpuset)" 5
expect_status 0 k kvmrt-sync-config -f k.cfg -c "test://$PWD/node2.xml" guest-rt > same.txt
expect_grep "^in sync: guest-rt$" same.txt
ok "sync"

# -r: the file from libvirt (node.xml has guest-rt on 6-8)
expect_status 0 k kvmrt-sync-config -r -f s.cfg -c "$U" guest-rt > r.txt
expect_grep "^updated guest-rt" r.txt
sed -n "/^\[$R\]/,\$p" s.cfg > r.cfg
grep -qxF "cpuset = 6-8" r.cfg || fail "-r cpuset: $(cat r.cfg)"
grep -qxF "hide_kvm = true" r.cfg || fail "-r hide_kvm: $(cat r.cfg)"
grep -qxF "pcidevs = 0000:03:00.0" r.cfg || fail "-r pcidevs: $(cat r.cfg)"
ok "sync -r"

# the 1.4 forms: cores 6-8 without their second threads (CPUs 6-8), nr_vcpus = auto (2);
# synced as plain pins, and -r against a domain that says the same keeps them as written
cat > g14.cfg <<CFG
[$R]
name = guest-rt
nr_vcpus = auto
cpuset = c6-8, ~t26-28
rt = true
hide_kvm = true
pcidevs = 0000:03:00.0
CFG
expect_status 0 k kvmrt-sync-config -f g14.cfg -c "$U" -n guest-rt > g14.xml
expect_xpath g14.xml "string(/domain/vcpu)" 2
expect_xpath g14.xml "string(/domain/cputune/emulatorpin/@cpuset)" 6
expect_xpath g14.xml "string(/domain/cputune/vcpupin[@vcpu='0']/@cpuset)" 7
expect_xpath g14.xml "string(/domain/cputune/vcpupin[@vcpu='1']/@cpuset)" 8
cp g14.cfg g14-before.cfg
expect_status 0 k kvmrt-sync-config -r -f g14.cfg -c "$U" guest-rt > g14r.txt
diff g14-before.cfg g14.cfg > g14.diff || fail "-r rewrote the 1.4 forms: $(cat g14.diff)"
ok "nr_vcpus = auto and a prefixed cpuset: synced as pins, kept as written by -r"

# disabled (1.4): left alone by sync unless named or --all
sed 's/^hide_kvm = true$/hide_kvm = true\ndisabled = yes/' g14.cfg > g14d.cfg
expect_status 0 k kvmrt-sync-config -f g14d.cfg -c "$U" -n > d0.txt
expect_grep "^skipped guest-rt \(disabled: --all or its name syncs it\)$" d0.txt
expect_no_grep "<domain" d0.txt
expect_status 0 k kvmrt-sync-config -f g14d.cfg -c "$U" -n --all > d1.txt
expect_grep "^<domain" d1.txt
expect_status 0 k kvmrt-sync-config -f g14d.cfg -c "$U" -n guest-rt > d2.txt
expect_grep "^<domain" d2.txt
ok "a disabled VM: skipped by sync, synced when named or with --all"

# bad input: a VM libvirt does not know; a file with errors is refused
cat >> s.cfg <<CFG

[3c9a5b0e-7d41-4c1f-9a55-0b6f1e2d7c88]
name = ghost
CFG
expect_status 1 k kvmrt-sync-config -f s.cfg -c "$U" > g.txt 2> g.err
expect_grep "kvmrt-sync-config: VM 'ghost': unknown to libvirt \(no domain with UUID 3c9a5b0e" g.err
expect_grep "^synced guest-a$" g.txt
printf '[%s]\nname = dup\n[%s]\nname = dup2\n' $A $A > dup.cfg
expect_status 1 k kvmrt-sync-config -f dup.cfg -c "$U" 2> d.err
expect_grep "dup.cfg:3: error: VM 'dup2': duplicate UUID $A \(also the section at line 1\)" d.err
printf '[%s]\nname = x\nrt = on\ncpuset = 5-6\n[%s]\nname = y\ncpuset = 6\n' $A $R > pol.cfg
expect_status 1 k kvmrt-sync-config -f pol.cfg -c "$U" 2> p.err
expect_grep "pol.cfg:4: error: VM 'x': cpuset: overlaps the cpuset of VM 'y'" p.err
expect_grep "nothing synced" p.err
expect_status 1 k kvmrt-sync-config -f s.cfg -c "test:///nonexistent/node.xml" 2> c.err
expect_grep "cannot connect to libvirt" c.err
ok "bad input"

# edit-config: an edit with an error is re-opened; the fixed one is saved and synced
sed -n "/^\[$A\]/,/^$/p" s.cfg | sed '/^$/d' > e.cfg
cat > editor.sh <<'SH'
#!/bin/sh
# first call: break cpuset; second: fix it
n=$(cat "$0.count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$0.count"
case $n in
1) sed -i 's/^cpuset = .*/cpuset = 19-12/' "$1" ;;
2) sed -i 's/^cpuset = .*/cpuset = 10-17/' "$1" ;;
esac
SH
chmod +x editor.sh
cp e.cfg e-before.cfg
EDITOR=$PWD/editor.sh expect_status 0 k kvmrt-edit-config -f e.cfg -c "$U" > ed.out 2> ed.err
expect_grep "e.cfg:[0-9]+: error: VM 'guest-a': cpuset: malformed ID-set '19-12'" ed.err
[ "$(cat editor.sh.count)" = 2 ] || fail "the editor ran $(cat editor.sh.count) times"
expect_grep "saved" ed.out
expect_grep "^synced guest-a$" ed.out
grep -qxF "cpuset = 10-17" e.cfg || fail "edit not saved: $(grep cpuset e.cfg)"
# an error left as it was: abandoned, the file untouched
cp e.cfg e-before.cfg
printf '#!/bin/sh\nsed -i "s/^nr_vcpus = .*/nr_vcpus = zero/" "$1"\n' > bad-editor.sh
chmod +x bad-editor.sh
rm -f bad-editor.sh.count
VISUAL=$PWD/bad-editor.sh expect_status 1 k kvmrt-edit-config -f e.cfg --no-sync > /dev/null 2> ab.err
expect_grep "no change since the errors: edit abandoned" ab.err
cmp -s e.cfg e-before.cfg || fail "an abandoned edit changed the file"
# an editor that always changes something but never fixes it: given up after 10 tries
printf '#!/bin/sh\necho "x" >> "$0.count"\necho "nr_vcpus = zero" >> "$1"\n' > loop-editor.sh
chmod +x loop-editor.sh
EDITOR=$PWD/loop-editor.sh expect_status 1 k kvmrt-edit-config -f e.cfg --no-sync < /dev/null \
	> /dev/null 2> loop.err
[ "$(wc -l < loop-editor.sh.count)" = 10 ] || fail "the editor ran $(wc -l < loop-editor.sh.count) times"
expect_grep "edit abandoned, 'e.cfg' left as it was" loop.err
cmp -s e.cfg e-before.cfg || fail "an abandoned edit changed the file"
EDITOR=true expect_status 0 k kvmrt-edit-config -f e.cfg > nc.out
expect_grep "no changes" nc.out
EDITOR=false expect_status 1 k kvmrt-edit-config -f e.cfg 2> ef.err
expect_grep "the editor 'false' failed" ef.err
cmp -s e.cfg e-before.cfg || fail "a failed editor changed the file"
ok "edit-config"
