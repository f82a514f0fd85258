#!/usr/bin/env python3
"""Abuse figures (issue 11), for one wirewatch binary.

  bench/abuse.py BINARY LABEL RECORDS_DIR

A. Password guessing: 64 clients, each from its own loopback address, send 10
   wrong passwords each (640) while a legitimate client (the address that
   created the first key) keeps generating keys. Reports the server's peak RSS
   (VmHWM), the answers, and how the legitimate client fared. Stops the flood
   if RSS passes 4 GiB.
B. Slow connections: how long a half-sent request line and an idle keep-alive
   connection stay open (up to 60 s).
C. GET /extrahop/version latency, alone and during 8 concurrent record
   searches at limit 10,000, on a copy of RECORDS_DIR (made by populate_records).
"""
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BINARY, LABEL, RECORDS_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
PASSWORD = "bench-password"


def start(data_dir, port, extra=()):
    env = dict(os.environ, WIREWATCH_SETUP_PASSWORD=PASSWORD, WIREWATCH_LOG="error")
    p = subprocess.Popen(
        [BINARY, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}", "--no-tls", *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/extrahop/version")
            if c.getresponse().status == 200:
                return p
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("server did not start")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def request_from(source, port, method, path, body=None, key=None, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(data)}\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    if key:
        head += f"Authorization: ExtraHop apikey={key}\r\n"
    s.sendall(head.encode() + b"\r\n" + data)
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    s.close()
    try:
        code = int(out.split(b" ", 2)[1])
    except (IndexError, ValueError):
        code = 0
    body = out.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in out else b""
    return code, body


def part_a(clients=64, each=10, extra=(), what=""):
    d = tempfile.mkdtemp(prefix="ww-abuse-")
    port = 18971
    p = start(d, port, extra)
    try:
        code, body = request_from("127.0.0.1", port, "POST", "/api/v1/apikeys", {"password": PASSWORD})
        assert code == 201, (code, body)
        base_rss = status_kb(p.pid, "VmRSS") // 1024
        codes = {}
        lock = threading.Lock()
        stop = threading.Event()
        peak = [0]

        def watch():
            while not stop.is_set():
                rss = status_kb(p.pid, "VmRSS") // 1024
                peak[0] = max(peak[0], rss)
                if rss > 4096:
                    stop.set()
                time.sleep(0.05)

        def guesser(i):
            src = f"127.0.{10 + i // 200}.{1 + i % 200}"
            for j in range(each):
                if stop.is_set():
                    return
                try:
                    c, _ = request_from(src, port, "POST", "/api/v1/apikeys",
                                        {"username": "setup", "password": f"wrong-{i}-{j}"})
                except OSError:
                    c = "error"
                with lock:
                    codes[c] = codes.get(c, 0) + 1

        legit = []

        def legitimate():
            while not stop.is_set():
                t = time.time()
                try:
                    c, _ = request_from("127.0.0.1", port, "POST", "/api/v1/apikeys", {"password": PASSWORD})
                except OSError:
                    c = "error"
                legit.append((c, time.time() - t))
                time.sleep(0.25)

        w = threading.Thread(target=watch)
        w.start()
        lt = threading.Thread(target=legitimate)
        lt.start()
        t0 = time.time()
        ts = [threading.Thread(target=guesser, args=(i,)) for i in range(clients)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        took = time.time() - t0
        stop.set()
        w.join()
        lt.join()
        hwm = status_kb(p.pid, "VmHWM") // 1024
        after = status_kb(p.pid, "VmRSS") // 1024
        ok = [d for c, d in legit if c == 201]
        print(f"[{LABEL}] A{what}. {clients * each} wrong passwords from {clients} clients in {took:.1f} s: answers {dict(sorted(codes.items(), key=str))}")
        print(f"[{LABEL}]    RSS {base_rss} MiB before, peak {max(hwm, peak[0])} MiB, {after} MiB after"
              + (" (flood stopped at 4 GiB)" if peak[0] > 4096 else ""))
        if legit:
            print(f"[{LABEL}]    legitimate key generation during the flood: {len(ok)}/{len(legit)} succeeded"
                  + (f", median {statistics.median(ok) * 1000:.0f} ms, max {max(ok) * 1000:.0f} ms" if ok else ""))
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def part_b():
    d = tempfile.mkdtemp(prefix="ww-abuse-")
    port = 18972
    p = start(d, port)
    try:
        def open_for(send, limit=60.0):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(send)
            s.settimeout(limit)
            t = time.time()
            try:
                while True:
                    if not s.recv(65536):
                        break
                    if time.time() - t > limit:
                        return None
            except socket.timeout:
                return None
            except OSError:
                pass
            return time.time() - t

        half = open_for(b"GET /api/v1/extrahop HT")
        # idle keep-alive: one full request, then nothing
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /api/v1/extrahop/version HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(60)
        first = s.recv(65536)
        t = time.time()
        idle = None
        try:
            while True:
                if not s.recv(65536):
                    idle = time.time() - t
                    break
        except (socket.timeout, OSError):
            idle = None if time.time() - t >= 59 else time.time() - t
        fmt = lambda v: "still open after 60 s" if v is None else f"closed after {v:.1f} s"
        print(f"[{LABEL}] B. half-sent request line: {fmt(half)}; idle keep-alive: {fmt(idle)}")
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


def part_c():
    d = tempfile.mkdtemp(prefix="ww-abuse-")
    shutil.rmtree(d)
    shutil.copytree(RECORDS_DIR, d)
    port = 18973
    p = start(d, port)
    try:
        code, body = request_from("127.0.0.1", port, "POST", "/api/v1/apikeys", {"password": PASSWORD})
        key = json.loads(body)["key"]

        def version_latency(n=200):
            out = []
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(n):
                t = time.time()
                c.request("GET", "/api/v1/extrahop/version")
                c.getresponse().read()
                out.append(time.time() - t)
                time.sleep(0.01)
            out.sort()
            return out

        def summary(v):
            return (f"p50 {v[len(v) // 2] * 1000:.1f} ms, p99 {v[int(len(v) * 0.99)] * 1000:.1f} ms, "
                    f"max {v[-1] * 1000:.1f} ms")

        alone = version_latency()
        stop = threading.Event()
        searches = [0]

        def searcher():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            body = json.dumps({"from": "-2d", "limit": 10000})
            while not stop.is_set():
                c.request("POST", "/api/v1/records/search", body,
                          {"Authorization": f"ExtraHop apikey={key}", "Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                searches[0] += 1

        ts = [threading.Thread(target=searcher) for _ in range(8)]
        t0 = time.time()
        for t in ts:
            t.start()
        time.sleep(1.0)
        busy = version_latency()
        stop.set()
        for t in ts:
            t.join()
        rate = searches[0] / (time.time() - t0)
        print(f"[{LABEL}] C. /extrahop/version alone: {summary(alone)}")
        print(f"[{LABEL}]    during 8 concurrent record searches at limit 10,000 ({rate:.1f} searches/s): {summary(busy)}")
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


PARTS = os.environ.get("ABUSE_PARTS", "A,A2,B,C").split(",")
if "A" in PARTS:
    part_a()
if "A2" in PARTS:
    # Every guess hashed: lockouts off where the binary has them (the older
    # one has no such flags and no lockout anyway).
    help_text = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True).stdout
    off = ("--login-source-failures", "1000000", "--login-user-failures", "1000000") \
        if "--login-source-failures" in help_text else ()
    part_a(clients=16, each=40, extra=off, what="2 (lockouts off, 16 clients)")
if "B" in PARTS:
    part_b()
if "C" in PARTS:
    part_c()
