#!/usr/bin/env python3
"""Writes samples/tls/tls12-rsa-flood.pcap: the three TLS 1.2 RSA sessions of
tls12-rsa.pcap (which server.key decrypts), then FLOWS crafted handshakes to
port 4431 whose ClientKeyExchange holds 256 random bytes: each costs the
sensor an RSA private-key operation with server.key unless the RSA budget
stops it. Deterministic (a fixed seed): rerunning it writes the same file.

Usage: scripts/gen-tls-flood.py [FLOWS]   (default 100)
"""
import os
import random
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
tls = os.path.join(here, "..", "samples", "tls")
flows = int(sys.argv[1]) if len(sys.argv) > 1 else 100
rng = random.Random(15)

with open(os.path.join(tls, "tls12-rsa.pcap"), "rb") as f:
    legit = f.read()
magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", legit[:24])
assert magic == 0xA1B2C3D4 and linktype == 1, "a little-endian Ethernet pcap"
records = []
at, last_ts = 24, 0
while at < len(legit):
    sec, usec, incl, orig = struct.unpack("<IIII", legit[at : at + 16])
    records.append(legit[at : at + 16 + incl])
    last_ts = sec
    at += 16 + incl


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


def record(ctype, body):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


def handshake(htype, body):
    return struct.pack("!B", htype) + len(body).to_bytes(3, "big") + body


out = []
t = last_ts + 1
server = bytes([127, 0, 0, 1])
for i in range(flows):
    client = bytes([10, 15, i // 250, 1 + i % 250])
    cport, sport = 40000 + i, 4431
    # ClientHello: AES128-GCM-SHA256, no extensions.
    ch = handshake(1, b"\x03\x03" + rng.randbytes(32) + b"\x00" + b"\x00\x02\x00\x9c" + b"\x01\x00")
    # ServerHello (AES128-GCM-SHA256), ServerHelloDone: no certificate.
    sh = handshake(2, b"\x03\x03" + rng.randbytes(32) + b"\x00" + b"\x00\x9c" + b"\x00")
    shd = handshake(14, b"")
    cke = handshake(16, b"\x01\x00" + b"\x00" + rng.randbytes(255))  # below any 2,048-bit modulus
    c2s = [record(22, ch), record(22, cke) + record(20, b"\x01") + record(22, rng.randbytes(40))]
    s2c = [record(22, sh + shd)]
    cseq, sseq = 1000, 5000
    pkts = [
        frame(client, server, cport, sport, cseq, 0, 0x02),
        frame(server, client, sport, cport, sseq, cseq + 1, 0x12),
        frame(client, server, cport, sport, cseq + 1, sseq + 1, 0x10),
    ]
    cseq, sseq = cseq + 1, sseq + 1
    pkts.append(frame(client, server, cport, sport, cseq, sseq, 0x18, c2s[0]))
    cseq += len(c2s[0])
    pkts.append(frame(server, client, sport, cport, sseq, cseq, 0x18, s2c[0]))
    sseq += len(s2c[0])
    pkts.append(frame(client, server, cport, sport, cseq, sseq, 0x18, c2s[1]))
    cseq += len(c2s[1])
    pkts.append(frame(server, client, sport, cport, sseq, cseq, 0x11))
    pkts.append(frame(client, server, cport, sport, cseq, sseq + 1, 0x11))
    for n, p in enumerate(pkts):
        out.append(struct.pack("<IIII", t, i * 1000 + n, len(p), len(p)) + p)

with open(os.path.join(tls, "tls12-rsa-flood.pcap"), "wb") as f:
    f.write(legit[:24])
    f.writelines(records)
    f.writelines(out)
print(f"tls12-rsa-flood.pcap: {len(records)} packets of tls12-rsa.pcap, then {flows} crafted handshakes")
