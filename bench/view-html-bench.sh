#!/bin/bash
# bench/view-html-bench.sh: xtrace-view -F html (the timeline page) and -F perfetto-proto
# at 10^5 and 10^6 events (VIEW_HTML_BENCH_SIZES), and the page in headless Chromium.
#
# bench/gen-recording writes a host (4 CPUs, VM vm1's exits on its vCPU threads) and a
# guest vm1 (2 CPUs), N events in all. For each N:
#   export      xtrace-view -F html host vm1: wall s, max RSS, the page's size, its items
#   proto       xtrace-view -F perfetto-proto host vm1: wall s, max RSS, size
#   load        the page in one headless Chromium over the DevTools protocol
#               (tests/integration/cdp.py): navigation to the script's end (ms; the
#               page's own decode + index + first draw in brackets), the JS heap
#               (performance.memory, MiB) and the renderer's peak RSS (VmHWM, MiB)
#   redraw      one wheel step (zoom in at the middle, then out) at the whole window and
#               at 1/1000 of it: median ms of 20 steps each, the handler's own time
# Medians of VIEW_HTML_BENCH_REPS (3) runs for the export; the page is loaded once per
# size. Work files: bench/out/view-html.PID (removed; VIEW_HTML_BENCH_KEEP=1 keeps them).
# VIEW_HTML_BENCH_PORT (10651): the DevTools port on 127.0.0.1.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
W=$HERE/out/view-html.$$
SIZES=${VIEW_HTML_BENCH_SIZES:-100000 1000000}
REPS=${VIEW_HTML_BENCH_REPS:-3}
PORT=${VIEW_HTML_BENCH_PORT:-10651}
XVIEW=$TOP/bin/xtrace-view
CC=${CC:-cc}

die() { echo "view-html-bench: $*" >&2; exit 1; }
[ -x "$XVIEW" ] || die "build first: make -C $TOP all"
CHROMIUM=$(command -v chromium || command -v chromium-browser) || die "chromium missing (make deps)"
mkdir -p "$W" || die "cannot create $W"
[ "${VIEW_HTML_BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
$CC -O2 -o "$W/rusage" "$HERE/rusage.c" && make -s -C "$TOP" build/bench/gen-recording ||
	die "cannot build the helpers"

# median wall s and max RSS MiB of REPS runs of CMD (its output to $W/out)
measure() {
	: > "$W/times"
	for _ in $(seq "$REPS"); do
		"$W/rusage" -o "$W/one" "$@" > "$W/out" 2> /dev/null < /dev/null || true
		cat "$W/one" >> "$W/times"
	done
	sort -n -k1 "$W/times" | sed -n "$(((REPS + 1) / 2))p" | awk '{ printf "%.2f %.0f", $1, $4 / 1024 }'
}

printf "%-9s %-8s %8s %8s %9s %9s | %8s %8s %9s | %9s %7s %7s %7s %8s %8s\n" \
	events items "html s" "RSS MiB" "page MiB" "" "proto s" "RSS MiB" "trace MiB" \
	"load ms" "(page)" "heap" "rend." "all ms" "1/1000"
for n in $SIZES; do
	d=$W/n$n
	mkdir -p "$d"
	t0=1795000000000000000
	"$TOP/build/bench/gen-recording" -q -o "$d/host" -n host -c 4 -e $((n * 2 / 3)) -s 21 -t $t0 &&
		"$TOP/build/bench/gen-recording" -q -o "$d/vm1" -n vm1 -c 2 -e $((n - n * 2 / 3)) -s 22 \
			-t $((t0 + 5000)) -g || die "gen-recording"
	{ echo "vm 4000 vm1"; echo "thread 4000 4000 -1"
	  for c in 0 1 2 3; do echo "thread $((4001 + c)) 4000 $c"; done; } > "$d/host/vms"
	read -r hs hr < <(measure "$XVIEW" -F html "$d/host" "$d/vm1")
	cp "$W/out" "$d/page.html"
	read -r ps pr < <(measure "$XVIEW" -F perfetto-proto "$d/host" "$d/vm1")
	psize=$(stat -c %s "$d/page.html")
	tsize=$(stat -c %s "$W/out")
	items=$(grep -o '"n":[0-9]*' "$d/page.html" | head -1 | cut -d: -f2)
	res=$(python3 - "$CHROMIUM" "$PORT" "$d/page.html" "$d" "$TOP" <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(sys.argv[5], "tests/integration"))
import cdp
chromium, port, page, outdir = sys.argv[1:5]
proc, p, prof = cdp.start(chromium, port, outdir, ["--enable-precise-memory-info"])
try:
    t0 = time.time()
    cdp.load(p, page, 0, timeout=300)
    load_ms = (time.time() - t0) * 1000
    own = int(p.js("document.body.dataset.loadMs"))
    heap = int(p.js("Math.round(performance.memory.usedJSHeapSize / 1048576)"))
    # the renderer: our Chromium's descendant with --type=renderer, its peak RSS
    kids, todo, rss = set(), [proc.pid], 0
    while todo:
        q = todo.pop()
        for t in os.listdir("/proc"):
            if t.isdigit():
                try:
                    st = open("/proc/%s/stat" % t).read()
                except OSError:
                    continue
                if int(st.rsplit(")", 1)[1].split()[1]) == q and int(t) not in kids:
                    kids.add(int(t))
                    todo.append(int(t))
    for k in kids:
        try:
            if b"--type=renderer" in open("/proc/%d/cmdline" % k, "rb").read():
                for l in open("/proc/%d/status" % k):
                    if l.startswith("VmHWM:"):
                        rss = max(rss, int(l.split()[1]) // 1024)
        except OSError:
            pass
    def steps(frac):
        return p.js("""(function () {
            var cv = document.getElementById('cv'), rc = cv.getBoundingClientRect(), t = [];
            var L = JSON.parse(document.body.dataset.layout), x = rc.left + L.lw + L.w / 2;
            function wheel(dy) {
                var s = performance.now();
                cv.dispatchEvent(new WheelEvent('wheel', { clientX: x, clientY: rc.top + 40,
                    deltaY: dy, bubbles: true, cancelable: true }));
                t.push(performance.now() - s);
            }
            document.dispatchEvent(new KeyboardEvent('keydown', { key: '0' }));
            for (var z = %d; z > 0; z--) wheel(-300);
            for (var i = 0; i < 10; i++) { wheel(-20); wheel(20); }
            t = t.slice(-20).sort(function (a, b) { return a - b; });
            return t[10];
        })()""" % (0 if frac == 1 else 12))
    whole, deep = steps(1), steps(1000)
    print("%.0f %d %d %d %.1f %.1f" % (load_ms, own, heap, rss, whole, deep))
finally:
    cdp.stop(proc, prof)
PY
) || res="- - - - - -"
	read -r lms own heap rss whole deep <<< "$res"
	printf "%-9s %-8s %8s %8s %9.1f %9s | %8s %8s %9.1f | %9s %7s %7s %7s %8s %8s\n" \
		"$n" "$items" "$hs" "$hr" "$(echo "$psize / 1048576" | bc -l)" "" "$ps" "$pr" \
		"$(echo "$tsize / 1048576" | bc -l)" "$lms" "($own)" "$heap" "$rss" "$whole" "$deep"
	rm -rf "$d"
done
echo "(html s, proto s: xtrace-view's wall time, medians of $REPS; load ms: navigation to the"
echo " page's script end, (page) the script's own part; heap: JS heap MiB; rend.: the renderer's"
echo " peak RSS MiB; all ms, 1/1000: one wheel step's handling at the whole window and at"
echo " about 1/1000 of it (12 steps in), median of 20)"
