#!/bin/sh
# /init of the xtrace test guest (an initramfs; tests/vm/build-guest.sh puts it there).
# Mounts, host name from the kernel command line (xthost=NAME), modules, network (QEMU user
# networking), sshd, then "xtrace guest ready" on the console and busybox init reaps orphans.
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
say() { echo "xtrace-guest: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || say "no tracefs"
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
mkdir -p /run/sshd /run/xtrace /var/log
chmod 700 /run/xtrace

name=guest
for arg in $(cat /proc/cmdline); do
	case $arg in
	xthost=*) name=${arg#xthost=} ;;
	esac
done
hostname "$name"
echo "$name" > /etc/hostname
echo "127.0.1.1 $name" >> /etc/hosts

# modules, in dependency order (build-guest.sh resolved them with modules.dep)
while read -r ko; do
	[ -n "$ko" ] || continue
	insmod "/lib/modules/$(uname -r)/$ko" 2>/tmp/insmod.err ||
		say "insmod $ko failed: $(cat /tmp/insmod.err)"
done < /etc/xtrace-guest/modules

# what udev would do: /dev/virtio-ports/NAME for each named virtio-serial port
for p in /sys/class/virtio-ports/*; do
	[ -r "$p/name" ] || continue
	mkdir -p /dev/virtio-ports
	ln -sf "../$(basename "$p")" "/dev/virtio-ports/$(cat "$p/name")"
done

# QEMU user networking: guest 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3
ip link set lo up
ip addr add 127.0.0.1/8 dev lo 2>/dev/null
n=0
while ! ip link show eth0 >/dev/null 2>&1 && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2 ||
	say "network setup failed"
echo "nameserver 10.0.2.3" > /etc/resolv.conf

/usr/sbin/sshd -f /etc/ssh/sshd_config -E /var/log/sshd.log || say "sshd failed: $(cat /var/log/sshd.log)"

kvm=no
[ -c /dev/kvm ] && kvm=yes
up=$(cut -d' ' -f1 /proc/uptime)
say "xtrace guest ready: host $name, kernel $(uname -r), /dev/kvm $kvm, eth0 10.0.2.15, sshd on 22, up ${up}s"
exec /bin/busybox init
