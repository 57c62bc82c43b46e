#!/bin/bash
# --format html: the interactive timeline in headless Chromium, driven the way a person
# would (the page replays wheel, drag, click, key and search actions from its URL's
# fragment through its own event handlers), checked in its DOM state and in the pixels of
# its screenshots (tests/integration/view-html-check.py): the rows in order with the
# guest's CPUs under the host's vCPU-thread rows, guest runs and exits drawn where they
# belong, markers as flags, zoom around the pointer, pan, search, measure, fold, hover;
# and the refusal above the page's limit.
. "$(dirname "$0")/lib.sh"
CHECK="python3 $XT_TOP/tests/integration/view-html-check.py"
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	fail "chromium is not installed (scripts/deps.sh chromium)"

gen_host_vm1 200000 100000 3 3000
W=(--around +1.6ms+-300us host vm1)
xview -F json "${W[@]}" > view.json || fail "json view"
xview -F html "${W[@]}" > page.html || fail "html export"
expect_no_grep "<script src|<link |https?://" page.html "the page (not self-contained)"
$CHECK expect view.json page.html > want.json || fail "$(cat want.json)"
# a merged directory: each system's header says what the merge knows of its clock
"$XT_BIN/xtrace-multi-merge" -q -o merged host vm1 || fail "merge"
xview -F html --around +1.6ms+-100us merged > merged.html || fail "html export of the merge"
[ "$(grep -o '"name":"[a-z0-9]*","cpus":2,"bound":-1,"sample":[0-9]*' merged.html | wc -l)" = 2 ] ||
	fail "the merge's clock bounds are not in the page"
# a clock the merge mapped (by exchanges: t-clock-truth): its bound, the one the uncertain
# order is judged by, not "unknown"
cp -r merged mapped && sed -i '/^\[source1\]/,$ s/^clock_bound_ns = -1$/clock_bound_ns = 45000/' \
	mapped/xtrace.meta || fail "cannot copy the merge"
xview -F html --around +1.6ms+-100us mapped > mapped.html || fail "html export of the merge"
grep -q '"name":"vm1","cpus":2,"bound":45000,' mapped.html ||
	fail "the merge's mapped clock bound is not in the page: $(grep -o '"name":"vm1","cpus":[^[]*' mapped.html)"

attr() { grep -o "data-$2=\"[^\"]*\"" "$1.dom" | head -1 | cut -d'"' -f2; }
check() { local r; r=$($CHECK "$@") || fail "${r#FAIL: }"; echo "$r"; }
# drive: one Chromium over the DevTools protocol, real input events (cdp.py)
drive() {
	timeout 240 python3 "$XT_TOP/tests/integration/cdp.py" "$CHROMIUM" "$CDP_PORT" \
		"$T/page.html" "$T" "$1" > cdp.out 2>&1 ||
		fail "driving chromium: $(tail -5 cdp.out) $(grep -v dbus chromium.err | tail -3)"
}
CDP_PORT=${XT_CDP_PORT:-10650}

echo "load" > s1.txt
drive s1.txt
r=$(check load load.dom load.png want.json) && ok "loaded: $r"
lo=$(attr load view-from); hi=$(attr load view-to)
read -r mt my mtext < <(python3 -c '
import json, sys
w = json.load(open("want.json")); m = w["marks"][0]
L = json.loads(sys.argv[1])
r = [r for r in L["rows"] if r["group"] == m["host"] and r["label"] == "CPU %d" % m["cpu"]][0]
print(m["t"], r["y"] + 30, m["text"])' "$(attr load layout | python3 -c 'import html,sys; print(html.unescape(sys.stdin.read()))')")
[ -n "$mt" ] || fail "no marker in the window"
n=$(python3 -c 'import json,sys; w=json.load(open("want.json")); print(sum(sys.argv[1] in m["text"] for m in w["marks"]))' "$mtext")

# each a fresh load: the wheel twice over the first marker (x exp(-1.2) each, the marker
# stays under the pointer); a drag 200 px to the right then the D key (20% later); the
# search box with the marker's text (Enter: the first match, selected); shift-drag
# measures 300 px; a click on the host's header folds it; the pointer on the marker's pole
cat > s2.txt <<EOS
zoom wheel,t$mt,$my,-600;wheel,t$mt,$my,-600
pan drag,600,$my,200;key,d
search key,0;wheel,600,$my,-900;search,$mtext
measure shiftdrag,400,$my,300
fold click,60,10
hover hover,t$mt,$my
EOS
drive s2.txt
r=$(check zoom zoom.dom zoom.png want.json "$lo" "$hi" 0.0907) && ok "wheel zoom: $r"
r=$(check pan pan.dom "$lo" "$hi" 200 0.2) && ok "drag and key pan: $r"
r=$(check search search.dom "$mtext" "$n" "$mt") && ok "search: $r"
r=$(check measure measure.dom measure.png 300 400) && ok "measure: $r"
r=$(check collapse fold.dom fold.png) && ok "fold: $r"
r=$(check hover hover.dom "$mtext") && ok "hover: $r"

# more than the page's limit (2000000 slices and marks): refused, pointing elsewhere
"$XT_GEN" -q -o big -n big -c 4 -e 3500000 -s 9 -t 1795000000000000000 || fail "gen big"
expect_status 1 xview -F html big > big.html 2> big.err
[ ! -s big.html ] || fail "a page was written above the limit"
expect_grep "limit of 2000000.*--from/--to or --around.*-F perfetto-proto" big.err "the refusal"
rm -rf big
ok "refused above the limit: $(cut -c1-90 big.err)..."
