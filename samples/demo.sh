#!/bin/bash
# The main job, the guide's chapter 6 flow on one machine: a flight recorder on
# the "host", a flight recorder on a "guest" running an application that fails
# and flushes at that moment, then flush and stop on the host, merge, and view.
# The guest is simulated by a second recorder under another host name (a UTS
# namespace) with its own control directory, as a real guest would have.
#   samples/demo.sh [OUTDIR]        (make demo)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/bin
out=${1:-$top/demo-out}
guest_run=/run/xtrace-demo-guest
rm -rf "$out"
mkdir -p "$out"
cd "$out" || exit 1

echo "== host: xtrace-run -m overwrite -o xtrace-host sleep 600 &"
"$bin/xtrace-run" -q -m overwrite -o xtrace-host sleep 600 &
host=$!
for _ in $(seq 100); do "$bin/xtrace-ctl" -q -p $host status 2>/dev/null && break; sleep 0.1; done

guest() {
	if unshare --uts true 2>/dev/null; then
		XTRACE_RUN_DIR=$guest_run unshare --uts sh -c 'hostname vm1 && exec "$@"' sh "$@"
	else
		echo "   (no UTS namespaces here: the guest keeps this host's name)"
		XTRACE_RUN_DIR=$guest_run "$@"
	fi
}
echo "== guest vm1: xtrace-run -m overwrite -o xtrace-vm bash -c 'failing-app.sh || xtrace-ctl flush'"
guest "$bin/xtrace-run" -q -m overwrite -o xtrace-vm bash -c \
	"PATH=$bin:\$PATH; $top/samples/failing-app.sh || xtrace-ctl flush"
echo "   the application failed with status $?, after its flush"
rm -rf "$guest_run"

echo "== host: xtrace-ctl flush stop"
"$bin/xtrace-ctl" -p $host flush stop
wait $host

echo
echo "== xtrace-multi-merge -o xtrace-merged xtrace-host xtrace-vm"
"$bin/xtrace-multi-merge" -o xtrace-merged xtrace-host xtrace-vm

echo
echo "== xtrace-view xtrace-merged: the moments around the failure"
"$bin/xtrace-view" xtrace-merged > view.txt
line=$(grep -n 'MARKER \[failing-app: giving up' view.txt | head -1 | cut -d: -f1)
if [ -n "$line" ]; then
	sed -n "$((line > 10 ? line - 10 : 1)),$((line + 8))p" view.txt
else
	echo "(the failure marker is not in the view: see $out/view.txt)"
fi
echo "   ... $(wc -l < view.txt) events of $(awk '{print $2}' view.txt | sort -u | wc -l) systems;" \
	"the whole view is in $out/view.txt"
