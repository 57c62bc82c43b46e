#!/bin/bash
# The kvmrt systemd service (guide 1.4): make install puts kvmrt.service in the prefix's
# lib/systemd/system with that prefix's programs, systemd-analyze verify accepts it without a
# word, and its ExecStartPre/ExecStart/ExecStop lines, run as systemd would run them (its
# Environment, ${VAR} expanded) with the installed programs, boot the autostart VM of the
# configuration and shut it down against a real session libvirtd (a plain TCG domain: the
# host's settings are not touched).
. "$(dirname "$0")/../kvmrt/itest-lib.sh"
command -v systemd-analyze > /dev/null || skip "systemd-analyze is missing (apt-get install systemd)"

# a packager's install: PREFIX=/usr into DESTDIR
make -s -C "$XT_TOP" install PREFIX=/usr DESTDIR="$T/root" > install.log 2>&1 ||
	fail "make install: $(tail install.log)"
unit=$T/root/usr/lib/systemd/system/kvmrt.service
[ -f "$unit" ] || fail "not installed: /usr/lib/systemd/system/kvmrt.service"
expect_grep "^ExecStart=/usr/bin/kvmrt-boot$" "$unit"
expect_grep "^ExecStop=/usr/bin/kvmrt-shutdown --forced --timeout \\$\\{KVMRT_SHUTDOWN_TIMEOUT\\}$" "$unit"
expect_grep "^WantedBy=multi-user.target$" "$unit"
expect_no_grep "@PREFIX@" "$unit"

# an install whose programs exist where the unit says: verify checks every ExecStart too
make -s -C "$XT_TOP" install PREFIX="$T/usr" > install2.log 2>&1 || fail "make install: $(tail install2.log)"
unit=$T/usr/lib/systemd/system/kvmrt.service
expect_grep "^ExecStart=$T/usr/bin/kvmrt-boot$" "$unit"
systemd-analyze verify "$unit" > verify.out 2> verify.err || fail "systemd-analyze verify: $(cat verify.err)"
[ ! -s verify.err ] && [ ! -s verify.out ] || fail "systemd-analyze verify has something to say: $(cat verify.out verify.err)"
# the check can fail: a damaged copy is reported
sed 's/^Type=oneshot$/Type=sometimes/; s|^ExecStop=.*|ExecStop=/nonexistent/kvmrt-shutdown|' "$unit" > bad.service
systemd-analyze verify "$PWD/bad.service" > /dev/null 2> bad.err
expect_grep "Failed to parse service type" bad.err
expect_grep "/nonexistent/kvmrt-shutdown is not executable" bad.err
ok "installed by make install, systemd-analyze verify says nothing"

# the unit's commands, as systemd runs them, against the test's libvirtd and configuration
NAME=kvmrt-service-itest
UUID=3f0c7d2e-9a41-4b6e-8d15-6c2a0e9b7f41
destroy_vm() { as_nobody "$KH/virt-helper" "$URI" destroy $NAME 2> /dev/null; true; }
EXTRA_CLEANUP=destroy_vm
start_session_libvirtd
write_tiny_vm false
as_nobody "$KH/virt-helper" "$URI" define "$D/dom.xml" 2> def.err || fail "define: $(cat def.err)"
# unit_cmd KEY: the command line of KEY= in the unit, without systemd's '-' prefix
unit_cmd() { sed -n "s/^$1=-\\{0,1\\}//p" "$unit"; }
run_unit() {
	local cmd
	cmd=$(unit_cmd "$1")
	[ -n "$cmd" ] || fail "no $1 in the unit"
	eval "$(sed -n 's/^Environment=/export /p' "$unit")"
	KVMRT_SHUTDOWN_TIMEOUT=1	# as /etc/default/kvmrt may say
	KVMRT_CONFIG=$D/k.cfg KVMRT_URI=$URI KVMRT_STATE_DIR=$D/state eval "$cmd"
}
state() { as_nobody "$XT_BIN/kvmrt-stat" -f "$D/k.cfg" -c "$URI" $NAME | awk 'NR == 2 { print $3 }'; }
expect_status 0 run_unit ExecStartPre > pre.out 2>&1
expect_status 0 run_unit ExecStart > start.out 2>&1
expect_grep "^$NAME: started$" start.out
[ "$(state)" = running ] || fail "the VM is $(state) after ExecStart"
expect_status 0 run_unit ExecStop > stop.out 2>&1
expect_grep "^$NAME: destroyed \(still running after 1 s\)$" stop.out
[ "$(state)" = shut ] || fail "the VM is $(state) after ExecStop"
# not autostart: the service leaves it alone
echo "autostart = false" >> "$D/k.cfg"
expect_status 0 run_unit ExecStart > start2.out 2>&1
expect_grep "^no VM to boot" start2.out
[ "$(state)" = shut ] || fail "a VM that is not autostart was booted"
as_nobody "$KH/virt-helper" "$URI" undefine $NAME || fail "undefine"
ok "ExecStartPre, ExecStart and ExecStop boot the autostart VM and shut it down"
