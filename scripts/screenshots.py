#!/usr/bin/env python3
"""Screenshots of the cockpit for docs/, through chromedriver (W3C WebDriver, standard library only).

    zx serve --demo --db /tmp/demo.db --listen 127.0.0.1:18080 &
    chromedriver --port=9515 &
    python3 scripts/screenshots.py http://127.0.0.1:18080 http://127.0.0.1:9515 docs/
"""
import base64, json, sys, tempfile, time, urllib.request

BASE, DRIVER, OUT = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/")


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(DRIVER + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["value"]


caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
    "binary": "/usr/bin/chromium",
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--window-size=1440,2200",
             "--user-data-dir=" + tempfile.mkdtemp()]}}}}
session = call("POST", "/session", caps)["sessionId"]
s = "/session/" + session
try:
    def go(url):
        call("POST", s + "/url", {"url": BASE + url})

    def find(css):
        return call("POST", s + "/element", {"using": "css selector", "value": css})["element-6066-11e4-a52e-4f735466cecf"]

    def shot(name):
        time.sleep(1.5)  # let the charts draw
        png = base64.b64decode(call("GET", s + "/screenshot"))
        open(f"{OUT}/{name}.png", "wb").write(png)
        print("wrote", f"{OUT}/{name}.png")

    go("/lang?to=zh&next=/login")
    call("POST", s + f"/element/{find('#name')}/value", {"text": "hq"})
    call("POST", s + f"/element/{find('#password')}/value", {"text": "zengxiao-hq"})
    call("POST", s + f"/element/{find('#sign-in')}/click", {})
    go("/cockpit?period=2026-10")
    shot("cockpit-zh")
    go("/cockpit?entity=SC&period=2026-10&rank=total_profit")
    shot("cockpit-sc-zh")
    go("/lang?to=en&next=/cockpit%3Fperiod%3D2026-10")
    shot("cockpit-en")
    go("/explain?entity=ZX&period=2026-10&indicator=roe")
    shot("explain-en")
finally:
    call("DELETE", s)
