#!/usr/bin/env python3
"""Open a page in headless Chromium and run steps in it, over the DevTools protocol.

Used by tests/report.rs; only the standard library. Chromium is started with
--remote-debugging-pipe, so it talks over two inherited pipes (fds 3 and 4, one JSON
message per NUL-terminated chunk) and opens no port at all.

    python3 cdp.py CHROMIUM PAGE.html < steps.json > result.json

steps.json: {"javascript": true, "width": 1400, "height": 1000, "steps": [STEP, ...]}
  {"eval": "JS expression"}            its value (promises awaited), or {"error": ...}
  {"click": "CSS selector"}            a real mouse click at the element's centre
  {"screenshot": "PATH", "full": true, "height": 4000}
                                       a PNG of the viewport (or of the page, from its
                                       top, at most `height` pixels of it)
The result: {"results": [...], "console": [...], "exceptions": [...], "requests": [...]}:
every console message of level warning or error, every uncaught exception, and every
URL the page asked for (the page itself included).
"""
import base64
import json
import os
import select
import subprocess
import sys
import tempfile
import time

DEADLINE = time.monotonic() + float(os.environ.get("CDP_TIMEOUT", "90"))


class Browser:
    def __init__(self, chromium, width, height):
        self.profile = tempfile.TemporaryDirectory(prefix="vasmap-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # Chromium reads commands from fd 3 and writes to fd 4. Move both out of the
            # way first, so that neither dup2 closes the other's pipe.
            r, w = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--no-first-run",
                "--no-default-browser-check",
                "--mute-audio",
                "--remote-debugging-pipe",
                f"--user-data-dir={self.profile.name}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("CDP_STDERR", os.devnull), "wb"),
            preexec_fn=fds,
            # Closing happens after preexec_fn: 3 and 4 must be kept.
            close_fds=True,
            pass_fds=(3, 4),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_child)
        os.close(self.from_child)
        self.profile.cleanup()

    def read_message(self):
        while b"\0" not in self.buf:
            left = DEADLINE - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed its pipe (did it start?)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, wait=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        while True:
            m = self.read_message()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method):
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                del self.events[i]
                return m
        while True:
            m = self.read_message()
            if m.get("method") == method:
                return m
            self.events.append(m)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.from_child], [], [], max(0, end - time.monotonic()))
            if ready:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    return
                self.buf += chunk
                while b"\0" in self.buf:
                    msg, self.buf = self.buf.split(b"\0", 1)
                    self.events.append(json.loads(msg))


def evaluate(b, expr):
    r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
    if "exceptionDetails" in r:
        d = r["exceptionDetails"]
        return {"error": d.get("exception", {}).get("description") or d.get("text")}
    return r.get("result", {}).get("value")


def main():
    chromium, page = sys.argv[1], os.path.abspath(sys.argv[2])
    spec = json.load(sys.stdin)
    width, height = spec.get("width", 1400), spec.get("height", 1000)
    b = Browser(chromium, width, height)
    out = {"results": [], "console": [], "exceptions": [], "requests": []}
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"}, session=False)
        att = b.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)
        b.session = att["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.send(domain + ".enable")
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if not spec.get("javascript", True):
            b.send("Emulation.setScriptExecutionDisabled", {"value": True})
        b.send("Page.navigate", {"url": "file://" + page})
        b.wait_event("Page.loadEventFired")
        for step in spec.get("steps", []):
            if "eval" in step:
                out["results"].append(evaluate(b, step["eval"]))
            elif "click" in step:
                sel = json.dumps(step["click"])
                box = evaluate(b, f"""(() => {{ const e = document.querySelector({sel});
                    if (!e) return null; e.scrollIntoView({{block: "center"}});
                    const r = e.getBoundingClientRect();
                    return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
                if not isinstance(box, list):
                    out["results"].append({"error": f"no element {step['click']}"})
                    continue
                x, y = box
                for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                    b.send("Input.dispatchMouseEvent",
                           {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})
                out["results"].append(True)
            elif "screenshot" in step:
                params = {"format": "png"}
                if step.get("full"):
                    params["captureBeyondViewport"] = True
                    most = int(step.get("height", 4000))
                    size = evaluate(b, f"[document.documentElement.scrollWidth, Math.min(document.documentElement.scrollHeight, {most})]")
                    params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
                shot = b.send("Page.captureScreenshot", params)
                with open(step["screenshot"], "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
                out["results"].append(step["screenshot"])
        b.pump(0.3)
        for m in b.events:
            method, p = m.get("method"), m.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                out["console"].append(p["type"] + ": " + text)
            elif method == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out["console"].append(p["entry"]["level"] + ": " + p["entry"].get("text", ""))
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out["exceptions"].append(d.get("exception", {}).get("description") or d.get("text"))
            elif method == "Network.requestWillBeSent":
                out["requests"].append(p["request"]["url"])
    finally:
        b.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
