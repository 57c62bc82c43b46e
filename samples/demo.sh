#!/bin/bash
# The main job on one machine: record a small application that writes markers
# and fails, keep the recording, and print what happened around the failure.
#   samples/demo.sh [OUTDIR]        (make demo)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/demo-out}
rm -rf "$out"
mkdir -p "$out"
echo "== recording: xtrace-run -o $out/xtrace-host samples/failing-app.sh"
"$top/bin/xtrace-run" -o "$out/xtrace-host" "$top/samples/failing-app.sh" ||
	echo "== the application failed with status $? (as it should in this demo)"
echo
echo "== what was recorded: xtrace-view -i $out/xtrace-host"
"$top/bin/xtrace-view" -i "$out/xtrace-host" | grep -v '^events'
echo
echo "== the moments around the failure: xtrace-view $out/xtrace-host"
"$top/bin/xtrace-view" "$out/xtrace-host" > "$out/view.txt"
grep -n 'MARKER \[failing-app: giving up' "$out/view.txt" | head -1 | cut -d: -f1 |
	{ read -r line; start=$(( line > 12 ? line - 12 : 1 )); sed -n "${start},$((line + 3))p" "$out/view.txt"; }
echo "   ... $(wc -l < "$out/view.txt") events in all; the whole view is in $out/view.txt"
