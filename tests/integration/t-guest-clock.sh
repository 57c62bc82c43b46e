#!/bin/bash
# kvmrt-guest-clock, the guide's guest chrony set-up for ptp_kvm, on fake root trees of
# both layouts (Debian/Ubuntu and RHEL family): --dry-run changes nothing, the set-up
# makes exactly the guide's changes, a second run refuses, --undo restores every byte,
# mode and owner and removes what it made; then its check against a real chronyd in a
# sandbox (its own socket, -x: it never touches the clock), and the set-up's
# configuration read by a real chronyd.
. "$(dirname "$0")/lib.sh"
command -v chronyd > /dev/null || skip "chrony is not installed"
GC=$XT_BIN/kvmrt-guest-clock

# every path, its mode, owner and content
snapshot() { (cd "$1" && find . -printf '%p %m %U:%G %y\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r md5sum); }

# ------------------------------------------------------------ Debian / Ubuntu
mkdir -p deb/etc/chrony deb/var/lib/chrony deb/sys/devices/system/clocksource/clocksource0
cat > deb/etc/chrony/chrony.conf <<'CONF'
# Welcome to the chrony configuration file. See chrony.conf(5) for more
# information about usable directives.

# Use Debian vendor zone.
pool 2.debian.pool.ntp.org iburst
  server 192.0.2.1 iburst

# Use time sources from DHCP.
sourcedir /run/chrony-dhcp
#server 192.0.2.2
peer 192.0.2.3
refclock SHM 0

driftfile /var/lib/chrony/chrony.drift
makestep 1 3
CONF
chmod 640 deb/etc/chrony/chrony.conf
chown 100:102 deb/etc/chrony/chrony.conf
echo "12.345 0.678" > deb/var/lib/chrony/chrony.drift
echo tsc > deb/sys/devices/system/clocksource/clocksource0/current_clocksource
snapshot deb > deb.before

expect_status 0 "$GC" -n --root "$PWD/deb" > deb.dry 2> deb.dry.err
snapshot deb | cmp -s - deb.before || fail "--dry-run changed the tree"
expect_grep '^# debian layout: service chrony, /etc/chrony/chrony.conf' deb.dry
expect_grep '^\+ptp_kvm$' deb.dry
expect_grep '^-pool 2.debian.pool.ntp.org iburst$' deb.dry
expect_grep '^\+#pool 2.debian.pool.ntp.org iburst$' deb.dry
expect_grep '^\+refclock PHC /dev/ptp0 poll 3 dpoll -2 offset 0$' deb.dry
expect_grep 'chrony.drift: remove$' deb.dry
# no PHC and no kvm-clock in this tree: said plainly
expect_grep "the clocksource is 'tsc', not kvm-clock: .*hide_kvm = true" deb.dry.err

expect_status 0 "$GC" -q --root "$PWD/deb"
[ "$(cat deb/etc/modules-load.d/ptp_kvm.conf)" = ptp_kvm ] || fail "ptp_kvm is not loaded at boot"
[ ! -e deb/var/lib/chrony/chrony.drift ] || fail "the drift file is still there"
grep -E '^[^#]*\b(pool|server|peer|sourcedir)\b' deb/etc/chrony/chrony.conf &&
	fail "a source is left in chrony.conf"
[ "$(grep -c '^refclock' deb/etc/chrony/chrony.conf)" = 1 ] || fail "want one refclock line"
expect_grep '^refclock PHC /dev/ptp0 poll 3 dpoll -2 offset 0$' deb/etc/chrony/chrony.conf
expect_grep '^#refclock SHM 0$' deb/etc/chrony/chrony.conf
expect_grep '^#  server 192.0.2.1 iburst$' deb/etc/chrony/chrony.conf
expect_grep '^#server 192.0.2.2$' deb/etc/chrony/chrony.conf
expect_grep '^driftfile /var/lib/chrony/chrony.drift$' deb/etc/chrony/chrony.conf
[ "$(stat -c '%a %u:%g' deb/etc/chrony/chrony.conf)" = "640 100:102" ] ||
	fail "chrony.conf lost its mode or owner: $(stat -c '%a %u:%g' deb/etc/chrony/chrony.conf)"
expect_status 1 "$GC" -q --root "$PWD/deb"
expect_status 0 "$GC" -n --undo --root "$PWD/deb" > deb.undo.dry
expect_grep 'chrony.conf: restore$' deb.undo.dry
expect_status 0 "$GC" -q --undo --root "$PWD/deb"
snapshot deb | diff - deb.before > deb.diff || fail "--undo did not restore the tree: $(cat deb.diff)"
expect_status 1 "$GC" -q --undo --root "$PWD/deb"
ok "Debian layout: dry run, the guide's changes, refused twice, undone byte for byte"

# ------------------------------------------------------------------ RHEL family
mkdir -p rhel/etc/sysconfig rhel/var/lib/chrony rhel/sys/class/ptp/ptp1 rhel/sys/class/ptp/ptp0 \
	rhel/sys/devices/system/clocksource/clocksource0
cat > rhel/etc/chrony.conf <<'CONF'
# Use public servers from the pool.ntp.org project.
pool 2.rocky.pool.ntp.org iburst
driftfile /var/lib/chrony/drift
makestep 1.0 3
rtcsync
CONF
printf 'NETWORKING=yes\nPEERNTP=yes\n# PEERNTP=maybe\n' > rhel/etc/sysconfig/network
echo "-3.21 0.1" > rhel/var/lib/chrony/drift
# two PHCs, the second one ptp_kvm's
echo "some NIC" > rhel/sys/class/ptp/ptp0/clock_name
echo "KVM virtual PTP" > rhel/sys/class/ptp/ptp1/clock_name
echo kvm-clock > rhel/sys/devices/system/clocksource/clocksource0/current_clocksource
snapshot rhel > rhel.before
expect_status 0 "$GC" -n --root "$PWD/rhel" > rhel.dry
snapshot rhel | cmp -s - rhel.before || fail "--dry-run changed the tree"
expect_grep '^# rhel layout: service chronyd, /etc/chrony.conf, drift file /var/lib/chrony/drift' rhel.dry
expect_status 0 "$GC" -q --root "$PWD/rhel"
expect_grep '^refclock PHC /dev/ptp1 poll 3 dpoll -2 offset 0$' rhel/etc/chrony.conf
expect_grep '^#pool 2.rocky.pool.ntp.org iburst$' rhel/etc/chrony.conf
[ "$(cat rhel/etc/sysconfig/network)" = "$(printf 'NETWORKING=yes\n#PEERNTP=yes\n# PEERNTP=maybe\nPEERNTP=no')" ] ||
	fail "sysconfig/network: $(cat rhel/etc/sysconfig/network)"
[ ! -e rhel/var/lib/chrony/drift ] || fail "the drift file is still there"
expect_status 0 "$GC" -q --undo --root "$PWD/rhel"
snapshot rhel | diff - rhel.before > rhel.diff || fail "--undo did not restore the tree: $(cat rhel.diff)"
# a RHEL system without /etc/sysconfig/network gets one, and loses it again
rm rhel/etc/sysconfig/network
snapshot rhel > rhel.before2
expect_status 0 "$GC" -q --root "$PWD/rhel" --phc /dev/ptp7
[ "$(cat rhel/etc/sysconfig/network)" = PEERNTP=no ] || fail "no PEERNTP=no"
expect_grep '^refclock PHC /dev/ptp7 ' rhel/etc/chrony.conf
expect_status 0 "$GC" -q --undo --root "$PWD/rhel"
snapshot rhel | diff - rhel.before2 > rhel.diff || fail "--undo: $(cat rhel.diff)"
ok "RHEL layout: PEERNTP=no, ptp_kvm's PHC found by name, undone byte for byte"

# ---------------------------------------------------------------- what it refuses
mkdir -p empty
expect_status 1 "$GC" -q --root "$PWD/empty"
expect_status 2 "$GC" --layout suse --root "$PWD/empty"
expect_status 2 "$GC" --phc ptp0 --root "$PWD/empty"
expect_status 2 "$GC" --undo --check
ok "no chrony, a bad layout or PHC: refused"

# ---------------------------------------------------------- a real chronyd, sandboxed
mkdir -m 700 sock
chrony_sandbox() {	# CONF-LINES...: a chronyd of our own that never touches the clock
	{
		echo "pidfile $T/chronyd.pid"
		echo "driftfile $T/sandbox.drift"
		echo "bindcmdaddress $T/sock/chronyd.sock"
		echo "cmdport 0"
		echo "port 0"
		printf '%s\n' "$@"
	} > "$T/sandbox.conf"
	rm -f "$T/chronyd.pid"
	chronyd -x -u root -f "$T/sandbox.conf" 2> "$T/chronyd.err"
}
stop_sandbox() {
	[ -f "$T/chronyd.pid" ] || return 0
	local pid
	pid=$(cat "$T/chronyd.pid")
	kill -TERM "$pid" 2> /dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
	rm -f "$T/chronyd.pid"
}
trap 'stop_sandbox; cleanup_jobs' EXIT

expect_status 1 "$GC" --check --socket "$T/sock/chronyd.sock" > check0.out 2> check0.err
expect_grep 'chronyd does not answer' check0.err
chrony_sandbox "local stratum 10" || fail "chronyd: $(cat chronyd.err)"
for _ in $(seq 50); do [ -S sock/chronyd.sock ] && break; sleep 0.1; done
expect_status 1 "$GC" --check --socket "$T/sock/chronyd.sock" > check1.out 2> check1.err
expect_grep '^tracking: 7F7F0101 \(stratum 10\), system time offset [-+][0-9.]+ s' check1.out
expect_grep 'chronyd has no PHC source' check1.err
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
if [ "$cs" != kvm-clock ]; then
	expect_grep "the clocksource is '$cs', not kvm-clock" check1.err
fi
stop_sandbox
# the set-up's configuration, read by chronyd: its refclock line is chrony's syntax
mkdir -p real/etc/chrony
printf 'pool 2.debian.pool.ntp.org iburst\n' > real/etc/chrony/chrony.conf
expect_status 0 "$GC" -q --root "$PWD/real" --phc "$T/no-such-phc"
mapfile -t lines < <(grep -v '^#' real/etc/chrony/chrony.conf)
chrony_sandbox "${lines[@]}" && fail "chronyd started without its PHC"
expect_grep "Could not open (PHC|$T/no-such-phc)" chronyd.err "chronyd's complaint"
ok "the check against a real chronyd (no PHC here: said so, with why); chronyd reads the set-up's refclock"
