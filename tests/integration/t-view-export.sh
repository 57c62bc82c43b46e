#!/bin/bash
# Exports: --format perfetto (Chrome trace-event JSON) and --format html, whose page
# is rendered in headless Chromium; both checked against the plain view of the window.
. "$(dirname "$0")/lib.sh"

gen_host_vm1 200000 100000 3 3000
W=(--around +0.05s+-300us host vm1)
xview -F json "${W[@]}" > view.json || fail "json view"
[ "$(wc -l < view.json)" -gt 200 ] || fail "too few events in the window"

# expected from the plain view: exit->entry pairs per CPU, rows, markers
python3 - view.json > want.txt <<'PY'
import json, sys
rows, pairs, irq, marks, openx, openi = set(), 0, 0, 0, {}, {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    k = (o["host"], o["cpu"])
    rows.add(k)
    e = o["event"]
    if e == "KVM_EXIT_VM_PID": openx[k] = 1
    elif e == "KVM_ENTER_VM_PID" and openx.pop(k, 0): pairs += 1
    elif e == "INTERRUPT_ENTER": openi[k] = 1
    elif e == "INTERRUPT_EXIT" and openi.pop(k, 0): irq += 1
    elif e in ("MARKER", "FLUSH"): marks += 1
# slices still open at the window's end are drawn to its last event
print(len(rows), pairs + len(openx), irq + len(openi), marks)
PY
read -r rows exits irqs marks < want.txt

xview -F perfetto "${W[@]}" > trace.json || fail "perfetto export"
python3 - trace.json "$rows" "$exits" "$irqs" "$marks" <<'PY' || fail "perfetto trace"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
procs = {e["pid"]: e["args"]["name"] for e in ev if e.get("name") == "process_name"}
assert sorted(procs.values()) == ["host", "vm1"], procs
tracks = {(e["pid"], e["tid"]) for e in ev if e.get("name") == "thread_name"}
assert len(tracks) == int(sys.argv[2]), (tracks, sys.argv[2])
x = [e for e in ev if e["ph"] == "X"]
assert all(e["dur"] >= 0 and (e["pid"], e["tid"]) in tracks for e in x)
exits = [e for e in x if e["cat"] == "exit"]
assert len(exits) == int(sys.argv[3]), (len(exits), sys.argv[3])
assert all(e["name"].startswith("exit ") for e in exits)
assert any(e["cat"] == "guest" and e["name"] == "guest vm1" for e in x)
assert len([e for e in x if e["cat"] == "irq"]) == int(sys.argv[4])
assert len([e for e in ev if e["ph"] == "i" and e["cat"] == "marker"]) == int(sys.argv[5])
PY
ok "perfetto: $rows tracks, $exits exit slices, $irqs interrupts, $marks markers"

xview -F html "${W[@]}" > timeline.html || fail "html export"
expect_no_grep "<script src|<link |https?://" timeline.html "the page (not self-contained)"
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	skip "chromium is not installed (scripts/deps.sh chromium)"
prof=$(mktemp -d)
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$prof" --dump-dom "file://$T/timeline.html" > dom.html 2> chromium.err
rm -rf "$prof"
[ -s dom.html ] || fail "chromium rendered nothing: $(tail -3 chromium.err)"
# the page's own count of what it holds (data-kinds: per kind, on the CPU rows)
grep -q 'data-ready="1"' dom.html || fail "html: the page's script did not finish: $(tail -3 chromium.err)"
n_rows=$(grep -o 'data-cpu-rows="[0-9]*"' dom.html | grep -o '[0-9]*')
kinds=$(grep -o 'data-kinds="[^"]*"' dom.html)
kind() { echo "$kinds" | grep -oE "[\",]$1:[0-9]+" | cut -d: -f2; }
n_exit=$(kind VM_exit)
n_irq=$(kind irq)
n_mark=$(kind marker)
[ "$n_rows" = "$rows" ] || fail "html: $n_rows rows, expected $rows"
[ "$n_exit" = "$exits" ] || fail "html: $n_exit exits, expected $exits"
[ "$n_irq" = "$irqs" ] || fail "html: $n_irq interrupts, expected $irqs"
[ "$n_mark" = "$marks" ] || fail "html: $n_mark markers, expected $marks"
[ "$(kind guest_runs)" -gt 0 ] || fail "html: no guest-running slices ($kinds)"
ok "html in chromium: $n_rows rows, $n_exit exits, $n_irq interrupts, $n_mark markers"
