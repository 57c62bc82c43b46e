#!/usr/bin/python3
# Checks for t-view-html.sh: the state a page of xtrace-view -F html shows in its DOM
# (Chromium's --dump-dom) and the pixels of its screenshots (PNG, read here with the
# standard library only).
#
#   view-html-check.py expect VIEW.json PAGE.html          what the page must hold
#   view-html-check.py CHECK DOM.html [SHOT.png] [ARGS...]  one scenario (see below)
import html
import json
import re
import struct
import sys
import zlib

from view_spans import span_counts


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG"""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(path + " is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or inter:
                fail("unsupported PNG %s: depth %d type %d" % (path, depth, ctype))
            bpp = 4 if ctype == 6 else 3
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, out = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, out


def dom(path):
    """the body's data-* attributes of a dumped page, and its text"""
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"<body([^>]*)>", text)
    if not m:
        fail(path + ": no body (the page did not render)")
    attrs = {k: html.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', m.group(1))}
    if attrs.get("ready") != "1":
        fail(path + ": the page's script did not finish")
    attrs["layout"] = json.loads(attrs["layout"])
    attrs["text"] = text
    return attrs


GREEN = (92, 184, 92)          # guest runs (#5cb85c)
YELLOW = (255, 204, 0)         # a marker's flag
MEASURE = (16, 64, 192)        # the measure's edges (#1040c0)
HEADER = (232, 238, 248)       # a system's header row


def is_exit(p):                # the exits' reds and oranges
    return p[0] > 150 and p[1] < 130 and p[2] < 110


def count(img, x0, x1, y0, y1, pred):
    _, _, px = img
    return sum(1 for y in range(y0, y1) for x in range(x0, x1) if pred(px[y][x]))


def row_of(d, group, label):
    for r in d["layout"]["rows"]:
        if r["group"] == group and r["label"] == label:
            return r
    fail("no row %s %s in %s" % (group, label, [(r["group"], r["label"]) for r in d["layout"]["rows"]]))


def xpix(d, t):
    """the page's pixel of time t (ns from the view's origin) as the view is"""
    lo, hi = int(d["view-from"]), int(d["view-to"])
    L = d["layout"]
    return round(L["left"] + L["lw"] + (t - lo) * L["w"] / (hi - lo))


def ypix(d, y):
    return round(d["layout"]["top"] + y)


def expect(view_json, page):
    """from the plain view's window: counts per kind, rows, markers (ns from the page's origin)"""
    m = re.search(r'"start_s":(\d+),"start_ns":(\d+)', open(page, encoding="utf-8").read())
    origin = int(m.group(1)) * 10**9 + int(m.group(2))
    ev = [json.loads(l) for l in open(view_json)]
    k = span_counts(ev)
    kinds = {"VM_exit": k["exit"], "guest_runs": k["guest"], "irq": k["irq"],
             "softirq": k["softirq"], "syscall": k["syscall"], "task": k["task"],
             "hypercall": k["hypercall"], "marker": k["marker"], "event": k["event"],
             "lost_events": k["lost"]}
    marks = [{"host": e["host"], "cpu": e["cpu"], "t": e["ns"] - origin, "text": e["args"]}
             for e in ev if e["event"] in ("MARKER", "FLUSH")]
    rows = sorted({(e["host"], e["cpu"]) for e in ev})
    events = sum(1 for e in ev if e["event"] not in ("KVM_HOST_HC_EXIT", "LOST_EVENTS"))
    print(json.dumps({"kinds": kinds, "marks": marks, "rows": rows, "events": events}))


def check_load(d, img, want):
    L = d["layout"]
    kinds = dict(kv.split(":") for kv in d["kinds"].split(","))
    for k, v in want["kinds"].items():
        if int(kinds[k]) != v:
            fail("the page holds %s %s, the view's window %d (%s)" % (kinds[k], k, v, d["kinds"]))
    if int(d["events"]) != want["events"]:
        fail("the page says %s events, the view's window has %d" % (d["events"], want["events"]))
    if int(d["cpu-rows"]) != len(want["rows"]):
        fail("%s CPU rows, expected %d" % (d["cpu-rows"], len(want["rows"])))
    order = [(r["group"], r["label"]) for r in L["rows"]]
    # the guest's CPUs each under the host's row of that vCPU's thread
    if order != [("host", "CPU 0"), ("host", "CPU 1"), ("vm1", "host: vm1 vCPU 0"),
                 ("vm1", "CPU 0"), ("vm1", "host: vm1 vCPU 1"), ("vm1", "CPU 1")]:
        fail("rows in the wrong order: %s" % order)
    x0, x1 = L["left"] + L["lw"] + 2, L["left"] + L["lw"] + L["w"] - 2
    for r in L["rows"]:
        y = ypix(d, r["y"])
        if r["vcpu"] or r["group"] == "host":
            band = (y + 16, y + 26) if not r["vcpu"] else (y + 4, y + 18)
            g = count(img, x0, x1, band[0], band[1], lambda p: p == GREEN)
            e = count(img, x0, x1, band[0], band[1], is_exit)
            if g < 200 or e < 50:
                fail("%s %s: %d guest-run and %d exit pixels in the KVM lane" % (r["group"], r["label"], g, e))
        else:
            # the guest's own CPU rows have no VM exits: no green, no exit red in that lane
            g = count(img, x0, x1, y + 16, y + 26, lambda p: p == GREEN)
            if g > 20:
                fail("%s %s: %d guest-run pixels on a guest CPU" % (r["group"], r["label"], g))
    for m in want["marks"]:
        r = row_of(d, m["host"], "CPU %d" % m["cpu"])
        x, y = xpix(d, m["t"]), ypix(d, r["y"])
        # the pole through the row, the flag at its top
        pole = count(img, x - 1, x + 2, y + 15, y + r["h"] - 2, lambda p: p == (0, 0, 0))
        flag = count(img, x - 1, x + 12, y + 1, y + 13, lambda p: p == YELLOW)
        if pole < 20 or flag < 10:
            fail("marker '%s' at x %d: %d pole, %d flag pixels" % (m["text"], x, pole, flag))
    print("%s events, %d rows, %d markers drawn; kinds %s" % (d["events"], len(L["rows"]),
                                                             len(want["marks"]), d["kinds"]))


def main():
    if sys.argv[1] == "expect":
        return expect(sys.argv[2], sys.argv[3])
    what, d = sys.argv[1], dom(sys.argv[2])
    img = png(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].endswith(".png") else None
    args = sys.argv[4:] if img else sys.argv[3:]
    lo, hi = int(d["view-from"]), int(d["view-to"])
    if what == "load":
        check_load(d, img, json.load(open(args[0])))
    elif what == "zoom":
        # zoomed in around the marker: it stays under the pointer, the span shrinks
        want = json.load(open(args[0]))
        base_lo, base_hi, factor = int(args[1]), int(args[2]), float(args[3])
        t = want["marks"][0]["t"]
        span, base = hi - lo, base_hi - base_lo
        if abs(span / base - factor) > 0.02 * factor:
            fail("zoom: span %d from %d, expected x%.3f" % (span, base, factor))
        if abs((t - lo) / span - (t - base_lo) / base) > 0.01:
            fail("zoom: the marker moved from %.3f to %.3f of the width" %
                 ((t - base_lo) / base, (t - lo) / span))
        m = want["marks"][0]
        r = row_of(d, m["host"], "CPU %d" % m["cpu"])
        x, y = xpix(d, t), ypix(d, r["y"])
        if count(img, x - 1, x + 12, y + 1, y + 13, lambda p: p == YELLOW) < 10:
            fail("zoom: no flag at the marker's pixel %d" % x)
        print("span x%.3f, marker at %.3f of the width" % (span / base, (t - lo) / span))
    elif what == "pan":
        base_lo, base_hi, dx, key = int(args[0]), int(args[1]), float(args[2]), float(args[3])
        shift = -dx * (base_hi - base_lo) / d["layout"]["w"] + key * (base_hi - base_lo)
        if abs((lo - base_lo) - shift) > 2 or hi - lo != base_hi - base_lo:
            fail("pan: view %d..%d from %d..%d, expected a shift of %d" % (lo, hi, base_lo, base_hi, shift))
        print("panned by %d ns" % (lo - base_lo))
    elif what == "search":
        text, n, t = args[0], int(args[1]), int(args[2])
        if int(d.get("matches", -1)) != n:
            fail("search '%s': %s matches, expected %d" % (text, d.get("matches"), n))
        if text not in d.get("selected", ""):
            fail("search '%s': selected '%s'" % (text, d.get("selected")))
        if not lo <= t <= hi:
            fail("search '%s': the first match (%d) is not in view %d..%d" % (text, t, lo, hi))
        if "at 11:06:40" not in d["text"] or text not in d["text"]:
            fail("search: the details do not show the selected event")
        print("'%s': %d matches, the first selected and in view" % (text, n))
    elif what == "measure":
        dx = float(args[0])
        want = dx * (hi - lo) / d["layout"]["w"]
        if abs(int(d.get("measure", -1)) - want) > max(2, want * 0.01):
            fail("measure: %s ns, expected %d" % (d.get("measure"), want))
        L = d["layout"]
        x = round(L["left"] + float(args[1]))
        edge = count(img, x - 1, x + 2, ypix(d, 0), ypix(d, 300), lambda p: p == MEASURE)
        if edge < 100:
            fail("measure: %d pixels of its edge at x %d" % (edge, x))
        print("measured %s ns over %d px" % (d["measure"], dx))
    elif what == "collapse":
        L = d["layout"]
        if d.get("open") != "01" or any(r["y"] >= 0 for r in L["rows"] if r["group"] == "host"):
            fail("collapse: the host's rows are still shown (%s)" % d.get("open"))
        vm = [g for g in L["groups"] if g["name"] == "vm1"][0]
        if vm["y"] != 22:
            fail("collapse: vm1's header at %d" % vm["y"])
        y = ypix(d, vm["y"]) + 3
        if count(img, round(L["left"]) + 150, round(L["left"]) + 600, y, y + 1, lambda p: p == HEADER) < 300:
            fail("collapse: no header row drawn at %d" % y)
        print("host folded; vm1 right under its header")
    elif what == "hover":
        m = re.search(r'<div id="tip"[^>]*>([^<]*)<', d["text"])
        if not m or args[0] not in html.unescape(m.group(1)):
            fail("hover: the tip says %r" % (m.group(1) if m else None))
        print("tip: %s" % html.unescape(m.group(1)).split("\n")[0])
    else:
        fail("unknown check " + what)


main()
