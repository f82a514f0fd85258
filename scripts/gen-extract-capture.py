#!/usr/bin/env python3
"""Capture real file transfers on loopback for `/packets/search?output=extract`.

Runs real servers and clients on 127.0.0.1 while tcpdump records them:

- HTTP (a stdlib `http.server` handler, client `http.client`, one keep-alive
  connection): `report.bin` (Content-Length), `table.csv` (chunked),
  `page.html` (Content-Encoding: gzip), and an upload `upload.bin` (a POST
  request body).
- FTP (pyftpdlib server, client `ftplib`): `ftp-get.bin` fetched with PASV,
  `ftp-put.bin` stored with PORT (active), `ftp-epsv.txt` fetched with EPSV.
- SMTP (aiosmtpd server, client `smtplib`): one message with a base64
  attachment `mail-attachment.bin` and a quoted-printable one `notes.txt`.

The files' contents are deterministic (seeded), the capture is not (ports,
times). Writes OUT (a pcap) and OUT's `.expected.json`: each original file's
name, protocol, size and sha256, which the tests compare with what the
extraction returns.

    python3 scripts/gen-extract-capture.py samples/pcaps/extract.pcap

Needs root (tcpdump on `lo`), `pip install pyftpdlib aiosmtpd`.
"""

import gzip
import hashlib
import http.client
import http.server
import json
import os
import random
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import ftplib
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

HTTP_PORT, FTP_PORT, SMTP_PORT = 18080, 12121, 12525
FTP_PASSIVE = range(40000, 40010)
FTP_ACTIVE = 40020  # the client's PORT (active mode) data port


def blob(seed, n):
    return random.Random(seed).randbytes(n)


FILES = {
    "report.bin": blob(1, 200_000),
    "table.csv": "".join(f"{i},{i * i},row {i}\n" for i in range(4000)).encode(),
    "page.html": ("<html><body>" + "<p>wirewatch extract test</p>\n" * 2000 + "</body></html>").encode(),
    "upload.bin": blob(2, 50_000),
    "ftp-get.bin": blob(3, 120_000),
    "ftp-put.bin": blob(4, 70_000),
    "ftp-epsv.txt": ("line of text\r\n" * 3000).encode(),
    "mail-attachment.bin": blob(5, 30_000),
    "notes.txt": "caf\u00e9 = coffee; long line ".encode() * 40 + b"\r\nend\r\n",
}
PROTOCOL = {
    "report.bin": "http", "table.csv": "http", "page.html": "http", "upload.bin": "http",
    "ftp-get.bin": "ftp", "ftp-put.bin": "ftp", "ftp-epsv.txt": "ftp",
    "mail-attachment.bin": "smtp", "notes.txt": "smtp",
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        body = FILES[name]
        self.send_response(200)
        if name == "table.csv":
            self.send_header("Content-Type", "text/csv")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 7000):
                part = body[i:i + 7000]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if name == "page.html":
            z = gzip.compress(body, mtime=0)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(z)))
            self.end_headers()
            self.wfile.write(z)
            return
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        got = self.rfile.read(n)
        assert got == FILES["upload.bin"]
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "samples/pcaps/extract.pcap"
    ports = f"port {HTTP_PORT} or port {FTP_PORT} or portrange 40000-40020 or port {SMTP_PORT}"
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "-s", "0", "-w", out, ports],
                            stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    try:
        run(out)
    finally:
        time.sleep(1.0)
        dump.terminate()
        dump.wait()
    expected = [
        {"name": n, "protocol": PROTOCOL[n], "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
        for n, b in FILES.items()
    ]
    with open(out.rsplit(".", 1)[0] + ".expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


def run(out):
    # HTTP
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", HTTP_PORT), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    c = http.client.HTTPConnection("127.0.0.1", HTTP_PORT)
    for name in ["report.bin", "table.csv", "page.html"]:
        c.request("GET", f"/files/{name}", headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        body = r.read()
        if name == "page.html":
            body = gzip.decompress(body)
        assert body == FILES[name], name
    c.request("POST", "/upload/upload.bin", body=FILES["upload.bin"],
              headers={"Content-Type": "application/octet-stream"})
    assert c.getresponse().status == 201
    c.close()
    httpd.shutdown()

    # FTP
    tmp = tempfile.mkdtemp()
    for n in ["ftp-get.bin", "ftp-epsv.txt"]:
        with open(os.path.join(tmp, n), "wb") as f:
            f.write(FILES[n])
    auth = DummyAuthorizer()
    auth.add_user("user", "secret", tmp, perm="elradfmw")
    handler = FTPHandler
    handler.authorizer = auth
    handler.passive_ports = FTP_PASSIVE
    handler.permit_foreign_addresses = True
    ftpd = FTPServer(("127.0.0.1", FTP_PORT), handler)
    threading.Thread(target=ftpd.serve_forever, kwargs={"timeout": 0.1}, daemon=True).start()
    time.sleep(0.3)
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", FTP_PORT)
    ftp.login("user", "secret")
    got = bytearray()
    ftp.retrbinary("RETR ftp-get.bin", got.extend)
    assert bytes(got) == FILES["ftp-get.bin"]
    # Active mode on a fixed port, so the capture filter sees it.
    ftp.set_pasv(False)
    lsock = socket.create_server(("127.0.0.1", FTP_ACTIVE))
    ftp.sendport("127.0.0.1", FTP_ACTIVE)
    ftp.voidcmd("TYPE I")
    ftp.putcmd("STOR ftp-put.bin")
    resp = ftp.getresp()
    assert resp.startswith("1"), resp
    conn, _ = lsock.accept()
    conn.sendall(FILES["ftp-put.bin"])
    conn.close()
    lsock.close()
    ftp.voidresp()
    # EPSV: ftplib sends it only for IPv6; ask for it explicitly.
    ftp.set_pasv(True)
    resp = ftp.sendcmd("EPSV")
    port = int(resp.split("|")[3])
    ftp.voidcmd("TYPE I")
    data = socket.create_connection(("127.0.0.1", port))
    ftp.putcmd("RETR ftp-epsv.txt")
    assert ftp.getresp().startswith("1")
    got = bytearray()
    while chunk := data.recv(65536):
        got.extend(chunk)
    data.close()
    ftp.voidresp()
    assert bytes(got) == FILES["ftp-epsv.txt"]
    ftp.quit()
    with open(os.path.join(tmp, "ftp-put.bin"), "rb") as f:
        assert f.read() == FILES["ftp-put.bin"]
    ftpd.close_all()

    # SMTP
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=SMTP_PORT)
    ctl.start()
    msg = EmailMessage()
    msg["From"] = "alice@example.org"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "files"
    msg.set_content("Two files attached.\n")
    msg.add_attachment(FILES["mail-attachment.bin"], maintype="application",
                       subtype="octet-stream", filename="mail-attachment.bin")
    msg.add_attachment(FILES["notes.txt"], maintype="text", subtype="plain",
                       filename="notes.txt", cte="quoted-printable")
    with smtplib.SMTP("127.0.0.1", SMTP_PORT) as s:
        s.send_message(msg)
    ctl.stop()
    assert len(sink.messages) == 1


if __name__ == "__main__":
    main()
