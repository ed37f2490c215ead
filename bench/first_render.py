#!/usr/bin/env python3
"""Time to first render of the cockpit in headless Chromium, through chromedriver (W3C WebDriver,
standard library only). Signs in as hq, then loads the cockpit RUNS times with a warm cache and
RUNS times with the browser cache cleared before each load (CDP Network.clearBrowserCache), and
reads the Paint Timing and Navigation Timing entries of each load.

    python3 bench/first_render.py BASE DRIVER [RUNS] [PATH]
    python3 bench/first_render.py http://127.0.0.1:18080 http://127.0.0.1:9515 5 '/cockpit?period=2026-10'

Prints one line per load and a JSON summary (medians, milliseconds since navigation start).
"""
import json, statistics, sys, tempfile, time, urllib.request

BASE, DRIVER = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
PATH = sys.argv[4] if len(sys.argv) > 4 else "/cockpit?period=2026-10"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(DRIVER + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["value"]


caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
    "binary": "/usr/bin/chromium",
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--window-size=1440,1000",
             "--user-data-dir=" + tempfile.mkdtemp()]}}}}
s = "/session/" + call("POST", "/session", caps)["sessionId"]

MEASURE = """
const nav = performance.getEntriesByType('navigation')[0];
const paint = {};
for (const p of performance.getEntriesByType('paint')) paint[p.name] = p.startTime;
return {fp: paint['first-paint'] ?? null, fcp: paint['first-contentful-paint'] ?? null,
        ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
        cards: document.querySelectorAll('[data-testid^="value-"]').length};
"""


def find(css):
    return call("POST", s + "/element", {"using": "css selector", "value": css})[ELEMENT]


def load(cold):
    if cold:
        call("POST", s + "/goog/cdp/execute", {"cmd": "Network.clearBrowserCache", "params": {}})
    call("POST", s + "/url", {"url": BASE + PATH})  # returns after the load event
    deadline = time.time() + 5
    while True:
        m = call("POST", s + "/execute/sync", {"script": MEASURE, "args": []})
        if (m["fcp"] is not None and m["load"] > 0) or time.time() > deadline:
            return m
        time.sleep(0.05)


try:
    call("POST", s + "/url", {"url": BASE + "/lang?to=zh&next=/login"})
    call("POST", s + f"/element/{find('#name')}/value", {"text": "hq"})
    call("POST", s + f"/element/{find('#password')}/value", {"text": "zengxiao-hq"})
    call("POST", s + f"/element/{find('#sign-in')}/click", {})
    load(cold=False)  # the first load after login fills the cache and the server's snapshot
    summary = {}
    for label, cold in (("warm", False), ("cold", True)):
        rows = []
        for i in range(RUNS):
            m = load(cold)
            assert m["cards"] > 0, f"no KPI cards on {PATH}: {m}"
            rows.append(m)
            print(f"{label} {i + 1}: ttfb {m['ttfb']:.1f} ms, first paint {m['fp']:.1f} ms, "
                  f"first contentful paint {m['fcp']:.1f} ms, DOMContentLoaded {m['dcl']:.1f} ms, "
                  f"load {m['load']:.1f} ms", flush=True)
        summary[label] = {k: round(statistics.median(r[k] for r in rows), 1)
                          for k in ("ttfb", "fp", "fcp", "dcl", "load")}
    print(json.dumps({"path": PATH, "runs": RUNS, "median_ms": summary}))
finally:
    call("DELETE", s)
