#!/bin/bash
# kvmrt: the configuration file, kvmrt-validate-config, kvmrt-show-config,
# cpu-topology, irq-affinity and task-affinity, on fake sysfs trees of big
# machines (2 sockets x 10 cores x 2 threads, 2 NUMA nodes) and the real /proc.
. "$(dirname "$0")/../kvmrt/itest-lib.sh"

"$KH/mksysfs" big 2 10 2 2 || fail "mksysfs big"
"$KH/mksysfs" ht4 1 4 2 1 || fail "mksysfs ht4"

# cpu-topology: the guide's hyper-threading example, character for character
cat > want-ht4.txt <<'TXT'
NUMA Node 0:
    Core 0:                [Socket 0]
        CPU 0
        CPU 4
    Core 1:                [Socket 0]
        CPU 1
        CPU 5
    Core 2:                [Socket 0]
        CPU 2
        CPU 6
    Core 3:                [Socket 0]
        CPU 3
        CPU 7
TXT
expect_status 0 k cpu-topology --sysfs ht4 > ht4.txt
diff -u want-ht4.txt ht4.txt || fail "cpu-topology differs from the guide's format"
expect_status 0 k cpu-topology --sysfs big -s > big.txt
expect_grep "^NUMA Node 1:$" big.txt
[ "$(grep -A3 '^    Core 10:' big.txt | tr -s ' ' | tr '\n' '|')" = " Core 10: [Socket 1]| CPU 10| CPU 30| Core 11: [Socket 1]|" ] ||
	fail "core 10 of socket 1: $(grep -A3 '^    Core 10:' big.txt)"
[ "$(grep -c '^    Core' big.txt)" = 20 ] || fail "20 cores expected"
expect_grep "^2 sockets, 20 cores, 40 CPUs \(40 online\), 2 NUMA nodes$" big.txt
KVMRT_SYSFS=$PWD/big k cpu-topology | grep -q "CPU 39" || fail "KVMRT_SYSFS ignored"
expect_status 0 k cpu-topology > real.txt
expect_grep "^NUMA Node [0-9]+:$" real.txt
expect_grep "^        CPU 0$" real.txt
expect_status 1 k cpu-topology --sysfs /nonexistent 2> e.txt
expect_grep "cpu-topology: cannot read the CPU topology under '/nonexistent'" e.txt
ok "cpu-topology"

# the sample configuration is clean on the machine it was written for
expect_status 0 k kvmrt-validate-config -f "$SAMPLES/kvmrt.cfg" --sysfs big > v0.txt
expect_grep "kvmrt.cfg: 3 VMs, 0 errors, 0 warnings$" v0.txt
KVMRT_CONFIG=$SAMPLES/kvmrt.cfg KVMRT_SYSFS=$PWD/big k kvmrt-validate-config -q > v0q.txt ||
	fail "KVMRT_CONFIG/KVMRT_SYSFS"
[ ! -s v0q.txt ] || fail "-q printed: $(cat v0q.txt)"

# warnings only: 1, or 2 with -W
cat > warn.cfg <<'CFG'
[aeec46cc-0638-4949-ac04-146b233194a9]
name = spans
rt = yes
nr_vcpus = 2
cpuset = 8-9,18
vendor_field = kept
CFG
expect_status 1 k kvmrt-validate-config -f warn.cfg --sysfs big > w.txt
expect_grep "^warn.cfg:5: warning: VM 'spans': cpuset: CPUs 8-9,18 span NUMA nodes 0-1" w.txt
expect_grep "^warn.cfg:6: warning: VM 'spans': vendor_field: unknown attribute" w.txt
expect_grep "0 errors, 2 warnings" w.txt
expect_status 2 k kvmrt-validate-config -W -f warn.cfg --sysfs big > /dev/null
ok "validate: warnings"

# errors: each with its file:line, VM and attribute
cat > err.cfg <<'CFG'
[aeec46cc-0638-4949-ac04-146b233194a9]
name = rt1
rt = true
nr_vcpus = 4
cpuset = 2-5

[fde74e84-0e1b-404e-90e7-72101e79c48a]
name = rt1
cpuset = 4-9,7-x

[aeec46cc-0638-4949-ac04-146b233194a9]
name = third
rt = on
CFG
expect_status 2 k kvmrt-validate-config -f err.cfg --sysfs big > e.txt
expect_grep "^err.cfg:5: error: VM 'rt1': cpuset: under-provisioned: 4 CPUs \(2-5\) for 4 vCPUs" e.txt
expect_grep "^err.cfg:8: error: VM 'rt1': name: duplicate name \(also VM aeec46cc-0638-4949-ac04-146b233194a9 at line 2\)" e.txt
expect_grep "^err.cfg:9: error: VM 'rt1': cpuset: malformed ID-set '4-9,7-x' at 'x'" e.txt
expect_grep "^err.cfg:11: error: VM 'third': duplicate UUID aeec46cc-0638-4949-ac04-146b233194a9 \(also the section at line 1\)" e.txt
expect_grep "^err.cfg:13: error: VM 'third': rt: a real-time VM needs a cpuset" e.txt
expect_status 2 k kvmrt-validate-config -f missing.cfg 2> m.txt
expect_grep "kvmrt-validate-config: cannot read configuration 'missing.cfg': No such file or directory" m.txt
expect_status 2 k kvmrt-validate-config --bogus 2> u.txt
expect_grep "Try 'kvmrt-validate-config --help'" u.txt
k kvmrt-validate-config --help | grep -q "warnings-as-errors" || fail "--help"
ok "validate: errors"

# show-config: the placement, memory, nodes and siblings of the sample
expect_status 0 k kvmrt-show-config -f "$SAMPLES/kvmrt.cfg" --sysfs big > s.txt
expect_grep "^VM RedHawk-8.2-RT \[fde74e84-0e1b-404e-90e7-72101e79c48a\]$" s.txt
sed -n '/^VM RedHawk-8.2-RT/,/^$/p' s.txt > rt.txt
expect_grep "non-vCPU threads: +CPU 5$" rt.txt
expect_grep "vCPU 0: +CPU 6$" rt.txt
expect_grep "vCPU 3: +CPU 9$" rt.txt
expect_grep "memory locked: +yes \(rt_memory auto\)$" rt.txt
expect_grep "NUMA nodes: +0 \(numatune auto\)$" rt.txt
expect_grep "taken offline: +25-29$" rt.txt
sed -n '/^VM control-rt/,/^$/p' s.txt > c.txt
expect_grep "cpuset: +16-19 \(4 CPUs; over-provisioned" c.txt
expect_grep "vCPU 0: +CPUs 17,19$" c.txt
expect_grep "PCI devices: +0000:03:00.0$" c.txt
expect_grep "cpuset: +none: threads not bound" s.txt
expect_status 0 k kvmrt-show-config -f "$SAMPLES/kvmrt.cfg" --sysfs big control-rt > one.txt
[ "$(grep -c '^VM ' one.txt)" = 1 ] || fail "show-config VM: $(grep '^VM' one.txt)"
expect_status 1 k kvmrt-show-config -f "$SAMPLES/kvmrt.cfg" --sysfs big nosuch 2> n.txt
expect_grep "no VM 'nosuch' in" n.txt
expect_status 1 k kvmrt-show-config -f err.cfg --sysfs big > /dev/null 2> se.txt
expect_grep "err.cfg:9: error" se.txt
ok "show-config"

# the 1.4 guide's items: its sample file's syntax (nr_vcpus = auto, cpuset n1,n2 style with
# prefixes and '~', space-separated pcidevs in IOMMU groups, disabled), on the big host
cat > g14.cfg <<'CFG'
[fde74e84-0e1b-404e-90e7-72101e79c48a]
name = RedHawk-8.4-RT
nr_vcpus = auto
cpu_topology = auto
cpuset = n1,~c10,~c19
rt = True
numatune = auto
pcidevs = 0000:21:00.0 0000:22:00.0 0000:22:00.1
disabled = False

[aeec46cc-0638-4949-ac04-146b233194a9]
name = RedHawk-8.4
nr_vcpus = 2
cpuset = p0,~t0,~t20
pcidevs = 22:00.1
disabled = True
CFG
expect_status 1 k kvmrt-validate-config -f g14.cfg --sysfs big > g14v.txt
expect_grep "CPUs 31-38 share a core with another CPU of the cpuset" g14v.txt
expect_grep "^g14.cfg: 2 VMs, 0 errors, 1 warning$" g14v.txt
expect_status 0 k kvmrt-show-config -f g14.cfg --sysfs big > g14s.txt
sed -n '/^VM RedHawk-8.4-RT/,/^$/p' g14s.txt > g14rt.txt
expect_grep "vCPUs: +7 \[auto\] \(1 socket, 7 cores, 1 thread\) \[auto\]$" g14rt.txt
expect_grep "cpuset: +11-18,31-38 \(16 CPUs; " g14rt.txt
expect_grep "cpuset as written: +n1,~c10,~c19$" g14rt.txt
expect_grep "taken offline: +31-38$" g14rt.txt
expect_grep "vCPU 6: +CPU 18$" g14rt.txt
sed -n '/^VM RedHawk-8.4 /,/^$/p' g14s.txt > g14d.txt
expect_grep "disabled: +yes$" g14d.txt
expect_grep "cpuset: +1-9,21-29 " g14d.txt
# enabled, the second VM takes a device of the first one's IOMMU group; a node the host lacks
sed 's/^disabled = True$/disabled = false/' g14.cfg > g14e.cfg
expect_status 2 k kvmrt-validate-config -f g14e.cfg --sysfs big > g14e.txt
expect_grep "g14e.cfg:15: error: VM 'RedHawk-8.4': pcidevs: PCI device 0000:22:00.1 shares IOMMU group 21 with 0000:22:00.0, which is passed to VM 'RedHawk-8.4-RT'" g14e.txt
expect_grep "^g14e.cfg: 2 VMs, 2 errors, 2 warnings$" g14e.txt
# half an IOMMU group (the bridge 0000:20:01.1 of group 21 may stay with the host)
sed 's/^pcidevs = 0000:21:00.0 0000:22:00.0 0000:22:00.1$/pcidevs = 0000:21:00.0 0000:22:00.0/' g14.cfg > g14h.cfg
expect_status 2 k kvmrt-validate-config -f g14h.cfg --sysfs big > g14h.txt
expect_grep "g14h.cfg:8: error: VM 'RedHawk-8.4-RT': pcidevs: PCI device 0000:22:00.0 is in IOMMU group 21 with 0000:22:00.1: VFIO passes a whole group, so add it to pcidevs" g14h.txt
sed 's/^cpuset = n1,~c10,~c19$/cpuset = n2/' g14.cfg > g14n.cfg
expect_status 2 k kvmrt-validate-config -f g14n.cfg --sysfs big > g14n.txt
expect_grep "g14n.cfg:5: error: VM 'RedHawk-8.4-RT': cpuset: 'n2': 'n2' is not on this host" g14n.txt
expect_status 1 k kvmrt-show-config -f g14n.cfg --sysfs big > /dev/null 2> g14ns.txt
expect_grep "'n2' is not on this host" g14ns.txt
expect_grep "kvmrt-show-config: 'g14n.cfg' has 1 error on this host" g14ns.txt
ok "1.4 syntax: nr_vcpus = auto, cpuset prefixes and '~', pcidevs in IOMMU groups, disabled"

# irq-affinity: a fake /proc, then the real one
mkdir -p proc/irq/0 proc/irq/24 proc/irq/30
printf '0-3\n' > proc/irq/0/smp_affinity_list
printf '0\n' > proc/irq/0/effective_affinity_list
printf '2\n' > proc/irq/24/smp_affinity_list
printf '2-3\n' > proc/irq/30/smp_affinity_list
printf '   CPU0 CPU1 CPU2 CPU3\n  0: 1 2 3 4 IO-APIC 2-edge timer\n 24: 0 0 9 0 PCI-MSI 1-edge eth0\n' > proc/interrupts
expect_status 0 k irq-affinity --proc proc > i.txt
expect_grep "^IRQ +AFFINITY +EFFECTIVE +DESCRIPTION$" i.txt
expect_grep "^0 +0-3 +0 +IO-APIC 2-edge timer$" i.txt
expect_grep "^24 +2 +- +PCI-MSI 1-edge eth0$" i.txt
k irq-affinity --proc proc -c 2 -b > ib.txt
[ "$(awk 'NR > 1 {print $1}' ib.txt | tr '\n' ' ')" = "24 " ] || fail "-c 2 -b: $(cat ib.txt)"
k irq-affinity --proc proc -c 3 > ic.txt
[ "$(awk 'NR > 1 {print $1}' ic.txt | tr '\n' ' ')" = "0 30 " ] || fail "-c 3: $(cat ic.txt)"
k irq-affinity --proc proc -c 1 -e > ie.txt
[ "$(wc -l < ie.txt)" = 1 ] || fail "-c 1 -e: $(cat ie.txt)"
expect_status 2 k irq-affinity -c 3-1 2> bad.txt
expect_grep "invalid CPU list '3-1'" bad.txt
expect_status 0 k irq-affinity > ireal.txt
expect_grep "^IRQ " ireal.txt
[ "$(wc -l < ireal.txt)" -gt 1 ] || fail "no IRQ in /proc/irq"
ok "irq-affinity"

# task-affinity: a sleeper pinned to the last CPU is found there, and only there
last=$(($(nproc) - 1))
taskset -c "$last" sleep 30 &
sleeper=$!
sleep 0.2
k task-affinity -p "$sleeper" -c "$last" -b > t1.txt
kill "$sleeper"; wait "$sleeper" 2>/dev/null
expect_grep "^PID +TID +POLICY +PRIO +AFFINITY +COMMAND$" t1.txt
expect_grep "^$sleeper +$sleeper +OTHER +0 +$last +sleep$" t1.txt
if [ "$last" -gt 0 ]; then
	taskset -c "$last" sleep 30 &
	sleeper=$!
	sleep 0.2
	k task-affinity -p "$sleeper" -c 0 > t2.txt
	kill "$sleeper"; wait "$sleeper" 2>/dev/null
	[ "$(wc -l < t2.txt)" = 1 ] || fail "a task pinned to CPU $last listed for CPU 0: $(cat t2.txt)"
fi
expect_status 0 k task-affinity > tall.txt
expect_grep "^1 +1 " tall.txt
expect_status 2 k task-affinity -p x 2> tp.txt
expect_grep "invalid pid 'x'" tp.txt
ok "task-affinity"
