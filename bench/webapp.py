#!/usr/bin/env python3
"""The Detections page's figures (issue 14), against a running server.

    webapp.py URL PASSWORD [--iterations N] [--loads N] [--no-browser]

Logs in as `setup` through /app/login (the page's own session cookie and CSRF
token), then for each view below makes the calls the page makes on load
(`crates/wirewatch-api/assets/app/detections.js`: the formats, the coarse
30-day histogram that gives the count, the finer histogram the chart draws
when a time range is chosen, and the sorted page of 50) N times each over one
keep-alive connection on loopback, and prints p50/p99 per call. The time is
the client's round trip, an upper bound of the server's time.

Then, unless --no-browser, it starts `chromedriver` with headless Chromium,
sets the session cookie and opens `/app#/detections?...` --loads times per
view: the time from navigation start until the list's rows and the chart are
in the DOM (a MutationObserver installed before the page's scripts, through
the DevTools protocol), p50/p99.
"""

import argparse
import http.client
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

PAGE_SIZE = 50
DAY = 86_400_000

# The views measured: the page's URL parameters (as `detections.js` reads them).
VIEWS = [
    ("default (time sort)", {}),
    ("sort risk", {"sort": "risk"}),
    ("sort ticket status", {"sort": "status"}),
    ("sort assignee", {"sort": "assignee"}),
    ("sort updated", {"sort": "updated"}),
    ("status open", {"status": ".none"}),
    ("status open, sort risk", {"status": ".none", "sort": "risk"}),
    ("status in progress+ack", {"status": "in_progress,acknowledged"}),
    ("last 24 hours", {"range": "24h"}),
    ("last 7 days, sort risk", {"range": "7d", "sort": "risk"}),
    ("category sec.attack", {"category": "sec.attack"}),
    ("type port_scan", {"type": "port_scan"}),
    ("risk >= 80", {"risk": "80", "sort": "risk"}),
    ("assignee analyst3", {"assignee": "analyst3"}),
    ("assignee .none, open", {"assignee": ".none", "status": ".none"}),
    ("ticket .none", {"ticket": ".none"}),
    ("offender 10.3.7.9", {"offender": "10.3.7.9"}),
    ("page 200 (offset 9950)", {"page": "200"}),
]

SORTS = {
    "time": [{"field": "start_time", "direction": "desc"}],
    "risk": [{"field": "risk_score", "direction": "desc"}, {"field": "start_time", "direction": "desc"}],
    "status": [{"field": "status", "direction": "asc"}, {"field": "risk_score", "direction": "desc"}],
    "assignee": [{"field": "assignee", "direction": "asc"}, {"field": "risk_score", "direction": "desc"}],
    "updated": [{"field": "update_time", "direction": "desc"}],
}
RANGES = {"1h": 3600e3, "6h": 6 * 3600e3, "24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY}


def lst(v):
    return [x.strip() for x in (v or "").split(",") if x.strip()]


def search_of(p, now):
    """`searchOf` of detections.js."""
    f = {}
    if lst(p.get("status")):
        f["status"] = lst(p.get("status"))
    if p.get("category"):
        f["categories"] = [p["category"]]
    if p.get("type"):
        f["types"] = [p["type"]]
    if int(p.get("risk") or 0) > 0:
        f["risk_score_min"] = int(p["risk"])
    for k, name in [("assignee", "assignee"), ("ticket", "ticket_id"), ("offender", "offender"), ("victim", "victim")]:
        if lst(p.get(k)):
            f[name] = lst(p[k])
    body = {"filter": f}
    r = RANGES.get(p.get("range") or "all")
    if r:
        body["from"] = int(now - r)
        body["until"] = int(now)
    return body


def page_calls(p, counts_first, now):
    """The calls of `detectionsPage` in order: (name, method, path, body)."""
    base = search_of(p, now)
    calls = [("formats", "GET", "/api/v1/detections/formats", None),
             ("count (30-day histogram)", "POST", "/api/v1/detections/search", {**base, "histogram": 30 * DAY})]
    until = base.get("until", now)
    frm = base.get("from")
    if frm is None:
        frm = counts_first[0]["time"] if counts_first else until - 7 * DAY
    span = max(60e3, until - frm)
    interval = int(max(60e3, math.ceil(span / 60 / 60e3) * 60e3))
    if interval < 30 * DAY:
        calls.append(("chart histogram", "POST", "/api/v1/detections/search", {**base, "histogram": interval}))
    page = max(1, int(p.get("page") or 1))
    calls.append(("list (50, sorted)", "POST", "/api/v1/detections/search",
                  {**base, "sort": SORTS[p.get("sort") or "time"], "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}))
    return calls


class Client:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.headers = {}

    def call(self, method, path, body=None):
        h = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=h)
        r = self.conn.getresponse()
        text = r.read()
        if r.status >= 400:
            raise RuntimeError(f"{method} {path} {body}: {r.status} {text[:300]!r}")
        return r, (json.loads(text) if text else None)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))]


def login(url, password):
    c = Client(url)
    r, body = c.call("POST", "/app/login", {"username": "setup", "password": password})
    cookie = r.getheader("Set-Cookie").split(";")[0]
    c.headers = {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"], "Origin": url}
    return c, cookie


def api_figures(c, iterations):
    worst = 0.0
    print(f"{'view':32} {'call':26} {'rows':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for name, p in VIEWS:
        now = time.time() * 1000
        _, coarse = c.call("POST", "/api/v1/detections/search",
                           {**search_of(p, now), "histogram": 30 * DAY})
        total = sum(x["count"] for x in coarse)
        for call, method, path, body in page_calls(p, coarse, now):
            times = []
            for _ in range(iterations):
                t0 = time.perf_counter()
                _, out = c.call(method, path, body)
                times.append((time.perf_counter() - t0) * 1000)
            n = len(out) if isinstance(out, list) else "-"
            p99 = pct(times, 0.99)
            if method == "POST":
                worst = max(worst, p99)
            print(f"{name:32} {call:26} {n:>7} {pct(times, 0.5):8.2f} {p99:8.2f}")
        print(f"{'':32} {'(matches: ' + str(total) + ')':26}")
    print(f"worst search p99: {worst:.2f} ms")


class Driver:
    """W3C WebDriver over urllib: enough to open pages and run scripts."""

    def __init__(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.proc = subprocess.Popen(["chromedriver", f"--port={port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.root = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if self.req("GET", "/status")["ready"]:
                    break
            except OSError:
                time.sleep(0.1)
        caps = {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--window-size=1280,900"]}}
        v = self.req("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
        self.root += "/session/" + v["sessionId"]

    def req(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.Request(self.root + path, data=data, method=method,
                                   headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(r, timeout=120) as resp:
            return json.load(resp)["value"]

    def script(self, js, *args):
        return self.req("POST", "/execute/sync", {"script": js, "args": list(args)})

    def close(self):
        try:
            self.req("DELETE", "")
        finally:
            self.proc.kill()
            self.proc.wait()


# Installed before the page's own scripts: note when the list's first row and
# the chart are both in the DOM (or the empty-list message).
READY_PROBE = """
window.__ww_ready = null;
new MutationObserver((_, obs) => {
  if (document.querySelector('table.list tbody tr, p.empty') && document.querySelector('svg.chart')) {
    window.__ww_ready = performance.now();
    obs.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def browser_figures(url, cookie, loads):
    d = Driver()
    worst = 0.0
    try:
        d.req("POST", "/url", {"url": url + "/app/assets/favicon.svg"})
        name, value = cookie.split("=", 1)
        d.req("POST", "/cookie", {"cookie": {"name": name, "value": value, "path": "/", "httpOnly": True}})
        d.req("POST", "/goog/cdp/execute", {"cmd": "Page.addScriptToEvaluateOnNewDocument",
                                            "params": {"source": READY_PROBE}})
        print(f"{'view':32} {'p50 ms':>8} {'p99 ms':>8}  (navigation start to list and chart drawn)")
        for name, p in VIEWS:
            times = []
            for i in range(loads + 1):
                d.req("POST", "/url", {"url": "about:blank"})
                d.req("POST", "/url", {"url": url + "/app#/detections?" + urllib.parse.urlencode(p)})
                t = None
                for _ in range(600):
                    t = d.script("return window.__ww_ready")
                    if t is not None:
                        break
                    time.sleep(0.01)
                if t is None:
                    raise RuntimeError(f"{name}: the page did not render in 6 s after its load event")
                if i:  # the first load warms the browser's module cache
                    times.append(t)
            worst = max(worst, pct(times, 0.99))
            print(f"{name:32} {pct(times, 0.5):8.1f} {pct(times, 0.99):8.1f}")
        print(f"worst page p99: {worst:.1f} ms")
    finally:
        d.close()


def main():
    a = argparse.ArgumentParser()
    a.add_argument("url")
    a.add_argument("password")
    a.add_argument("--iterations", type=int, default=200)
    a.add_argument("--loads", type=int, default=20)
    a.add_argument("--no-browser", action="store_true")
    args = a.parse_args()
    c, cookie = login(args.url, args.password)
    api_figures(c, args.iterations)
    if not args.no_browser:
        browser_figures(args.url, cookie, args.loads)


if __name__ == "__main__":
    sys.exit(main())
