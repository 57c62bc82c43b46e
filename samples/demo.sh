#!/bin/bash
# The loopback demo (make demo-loopback; make demo runs it where QEMU cannot run the guest of
# samples/demo-guest.sh): a capture of several systems in one command.
#
# Two "guests", vm1 and vm2, are systems on loopback: each a real sshd on
# 127.0.0.1 in its own UTS namespace (its own host name), with keys and
# known_hosts made for the demo (scripts/loopback-sshd.sh). One command starts
# flight recorders here and on both guests over ssh, runs an application that
# fails on vm1, flushes every system at the moment it fails, fetches the
# guests' recordings over SFTP and merges them into one view.
#   samples/demo.sh [OUTDIR]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
out=${1:-$top/demo-out}
rm -rf "$out"
mkdir -p "$out"
cd "$out" || exit 1

systems=$out/systems
trap '"$top/scripts/loopback-sshd.sh" stop-all "$systems"' EXIT
for vm in vm1 vm2; do
	"$top/scripts/loopback-sshd.sh" start "$systems" $vm || {
		echo "demo: cannot start the loopback system $vm (sshd in a UTS namespace)" >&2
		exit 1
	}
done
echo "== the loopback demo: three systems that share this kernel (each kernel event shows three times)"
echo "== systems: this one ($(uname -n)), vm1 and vm2 (sshd on loopback, see $systems/ssh_config)"
echo
echo "== xtrace-run -F ssh_config -m overwrite -o capture --remote vm1 --remote vm2 --on vm1 -- failing-app.sh"
"$bin/xtrace-run" -F "$systems/ssh_config" -m overwrite -o capture \
	--remote vm1 --remote vm2 --on vm1 -- "$top/samples/failing-app.sh"
echo "   the application exited with status $? (xtrace-run's status is the application's)"
echo
echo "== capture/: $(cd capture && echo *)"
echo
echo "== xtrace-view capture/merged: the moments around the failure"
"$bin/xtrace-view" capture/merged > view.txt
line=$(grep -n 'MARKER \[failing-app: giving up' view.txt | head -1 | cut -d: -f1)
if [ -n "$line" ]; then
	sed -n "$((line > 8 ? line - 8 : 1)),$((line + 8))p" view.txt
	t=$(sed -n "${line}p" view.txt | cut -d' ' -f1)
	"$bin/xtrace-view" -q -F html --around "$t+-20ms" capture/merged > timeline.html &&
		echo "   the timeline around it (open in a browser): $out/timeline.html"
else
	echo "(the failure marker is not in the view: see $out/view.txt)"
fi
echo "   ... $(wc -l < view.txt) events; the whole view is in $out/view.txt"
echo
echo "== summary"
if "$bin/xtrace-view" --help 2>&1 | grep -q -- '--summary'; then
	"$bin/xtrace-view" --summary capture/merged | head -40
else
	"$bin/xtrace-view" -i capture/merged | head -12
fi
