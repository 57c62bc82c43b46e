#!/usr/bin/python3
# Drive a page in one headless Chromium over the DevTools protocol, as a person would:
# real mouse, wheel and key input (Input.dispatch*), then the DOM and a screenshot.
# Standard library only (a minimal WebSocket client).
#
#   cdp.py CHROMIUM PORT PAGE.html OUTDIR SCENARIOS
#
# SCENARIOS: one a line, "NAME ACTION;ACTION;...", each scenario on a fresh load of the
# page; writes OUTDIR/NAME.dom (the DOM afterwards) and OUTDIR/NAME.png (the viewport).
# Actions, X and Y on the timeline's canvas (X "tNS": the pixel of time NS, in ns from
# the page's origin, as the view is at that moment):
#   wheel,X,Y,DY  drag,X,Y,DX  shiftdrag,X,Y,DX  click,X,Y  hover,X,Y  key,K  search,TEXT
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.s = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(4096)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("no WebSocket: %r" % head[:200])

    def exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("DevTools connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                               bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                               bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(data)))

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self.exact(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack(">H", self.exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.exact(8))[0]
            mask = self.exact(4) if b1 & 0x80 else None
            data = self.exact(n)
            if mask:
                data = bytes(b ^ mask[i & 3] for i, b in enumerate(data))
            if b0 & 0x0f in (1, 2, 0):
                msg += data
                if b0 & 0x80:
                    return msg.decode()


class Page:
    def __init__(self, ws):
        self.ws, self.id = ws, 0

    def call(self, method, **params):
        self.id += 1
        self.ws.send(json.dumps({"id": self.id, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr[:60], r["exceptionDetails"]))
        return r["result"].get("value")

    def frame(self):
        self.js("new Promise(function (r) { requestAnimationFrame(function () { r(1); }); })")

    def mouse(self, kind, x, y, **kw):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, **kw)

    def key(self, k):
        code = {"Enter": 13}.get(k, ord(k.upper()) if len(k) == 1 else 0)
        extra = {"text": k} if len(k) == 1 else {}
        self.call("Input.dispatchKeyEvent", type="keyDown", key=k, windowsVirtualKeyCode=code, **extra)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=k, windowsVirtualKeyCode=code)


def point(p, xs, ys):
    L = json.loads(p.js("document.body.dataset.layout"))
    if xs.startswith("t"):
        lo = float(p.js("document.body.dataset.viewFrom"))
        hi = float(p.js("document.body.dataset.viewTo"))
        x = L["lw"] + (float(xs[1:]) - lo) * L["w"] / (hi - lo)
    else:
        x = float(xs)
    return L["left"] + x, L["top"] + float(ys)


def act(p, a):
    f = a.split(",")
    if f[0] == "wheel":
        x, y = point(p, f[1], f[2])
        p.mouse("mouseMoved", x, y)
        p.mouse("mouseWheel", x, y, deltaX=0, deltaY=float(f[3]))
    elif f[0] in ("drag", "shiftdrag"):
        mod = 8 if f[0] == "shiftdrag" else 0
        x, y = point(p, f[1], f[2])
        dx = float(f[3])
        p.mouse("mouseMoved", x, y, modifiers=mod)
        p.mouse("mousePressed", x, y, button="left", clickCount=1, modifiers=mod)
        for s in range(1, 6):
            p.mouse("mouseMoved", x + dx * s / 5, y, button="left", buttons=1, modifiers=mod)
        p.mouse("mouseReleased", x + dx, y, button="left", clickCount=1, modifiers=mod)
    elif f[0] == "click":
        x, y = point(p, f[1], f[2])
        p.mouse("mouseMoved", x, y)
        p.mouse("mousePressed", x, y, button="left", clickCount=1)
        p.mouse("mouseReleased", x, y, button="left", clickCount=1)
    elif f[0] == "hover":
        x, y = point(p, f[1], f[2])
        p.mouse("mouseMoved", x, y)
    elif f[0] == "key":
        p.key(f[1])
    elif f[0] == "search":
        p.js("document.getElementById('q').focus()")
        p.call("Input.insertText", text=",".join(f[1:]))
        p.key("Enter")
        p.js("document.getElementById('q').blur()")
    else:
        raise RuntimeError("unknown action " + a)


def start(chromium, port, outdir, extra=()):
    """a headless Chromium of our own on 127.0.0.1:PORT: (process, Page, profile dir)"""
    prof = tempfile.mkdtemp(prefix="xt-cdp-")
    proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                             "--no-first-run", "--hide-scrollbars", "--disable-sync",
                             "--disable-background-networking", "--disable-component-update",
                             "--user-data-dir=" + prof, "--remote-debugging-address=127.0.0.1",
                             "--remote-debugging-port=" + str(port), "--window-size=1400,700"]
                            + list(extra) + ["about:blank"],
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(outdir, "chromium.err"), "w"))
    try:
        targets, t0 = None, time.time()
        while targets is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=5) as r:
                    targets = [t for t in json.load(r) if t["type"] == "page"]
            except OSError:
                if time.time() - t0 > 60 or proc.poll() is not None:
                    raise RuntimeError("chromium's DevTools did not come up on port %s" % port)
                time.sleep(0.2)
        p = Page(WebSocket(targets[0]["webSocketDebuggerUrl"]))
        p.call("Page.enable")
    except BaseException:
        stop(proc, prof)
        raise
    return proc, p, prof


def stop(proc, prof):
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    shutil.rmtree(prof, ignore_errors=True)


def load(p, page, n, timeout=60):
    """navigate to PAGE (a fresh load, number N) and wait for its script to finish"""
    p.call("Page.navigate", url="file://%s?load=%d" % (os.path.abspath(page), n))
    t0 = time.time()
    while p.js("document.body && document.body.dataset.ready || ''") != "1":
        if time.time() - t0 > timeout:
            raise RuntimeError("the page did not load in %d s" % timeout)
        time.sleep(0.05)
    p.frame()


def main():
    chromium, port, page, outdir, scen = sys.argv[1:6]
    proc, p, prof = start(chromium, port, outdir)
    try:
        for n, line in enumerate(l for l in open(scen) if l.strip()):
            name, _, actions = line.strip().partition(" ")
            load(p, page, n)
            for a in filter(None, actions.split(";")):
                act(p, a)
                p.frame()
            open(os.path.join(outdir, name + ".dom"), "w").write(
                p.js("document.documentElement.outerHTML"))
            shot = p.call("Page.captureScreenshot", format="png")
            open(os.path.join(outdir, name + ".png"), "wb").write(base64.b64decode(shot["data"]))
            print("%s: done" % name)
    finally:
        stop(proc, prof)


if __name__ == "__main__":
    # a timeout's TERM still ends our Chromium (main's finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
