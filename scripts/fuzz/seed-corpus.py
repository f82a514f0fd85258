#!/usr/bin/env python3
"""Seed corpora for the cargo-fuzz targets from the captures in ../shared/data.

capture_file:   the small capture files themselves (pcap and pcapng, <= 256 KiB)
sensor_packets: runs of up to 64 consecutive packets of each classic pcap,
                as [link byte][u16 length][packet]... (see fuzz_targets/sensor_packets.rs)
app_parsers:    UDP payloads on ports 53 and 67/68 and TCP payloads starting a TLS handshake
"""
import glob, os, struct, sys

root = os.path.join(os.path.dirname(__file__), "..", "..")
data = os.path.join(root, "..", "shared", "data")
out = os.path.join(root, "fuzz", "corpus")
LINKS = {1: 0, 101: 1, 228: 1, 229: 1, 113: 2, 276: 3, 0: 4, 108: 5}  # linktype -> index in LINKS
for d in ("capture_file", "sensor_packets", "app_parsers"):
    os.makedirs(os.path.join(out, d), exist_ok=True)

def packets(path):
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 24:
        return None, []
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    link = struct.unpack(e + "I", b[20:24])[0] & 0xFFFF
    pos, out = 24, []
    while pos + 16 <= len(b):
        incl = struct.unpack(e + "I", b[pos + 8:pos + 12])[0]
        pkt = b[pos + 16:pos + 16 + incl]
        if len(pkt) < incl:
            break
        out.append(pkt)
        pos += 16 + incl
    return link, out

def app_payload(link, pkt):
    # Ethernet/IPv4/UDP-or-TCP only: enough for seeds.
    if link != 1 or len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
        return None
    ihl = (pkt[14] & 15) * 4
    proto = pkt[23]
    l4 = pkt[14 + ihl:]
    if proto == 17 and len(l4) >= 8:
        sport, dport = struct.unpack(">HH", l4[:4])
        if {sport, dport} & {53, 67, 68}:
            return l4[8:]
    if proto == 6 and len(l4) >= 20:
        off = (l4[12] >> 4) * 4
        p = l4[off:]
        if len(p) > 6 and p[0] == 0x16:
            return p[5:]  # handshake type byte first, as app_parsers expects
    return None

n = {"capture_file": 0, "sensor_packets": 0, "app_parsers": 0}
for path in sorted(glob.glob(os.path.join(data, "**", "*.pcap*"), recursive=True)):
    if path.endswith(".gz"):
        continue
    size = os.path.getsize(path)
    base = os.path.relpath(path, data).replace(os.sep, "_")
    if size <= 256 * 1024:
        with open(path, "rb") as f, open(os.path.join(out, "capture_file", base), "wb") as o:
            o.write(f.read())
        n["capture_file"] += 1
    link, pkts = packets(path)
    if link not in LINKS or not pkts:
        continue
    for i in range(0, min(len(pkts), 64 * 8), 64):
        chunk = bytes([LINKS[link]]) + b"".join(struct.pack(">H", min(len(p), 65535)) + p[:65535] for p in pkts[i:i + 64])
        with open(os.path.join(out, "sensor_packets", f"{base}_{i}"), "wb") as o:
            o.write(chunk)
        n["sensor_packets"] += 1
    seen = 0
    for j, p in enumerate(pkts):
        a = app_payload(link, p)
        if a and seen < 20:
            with open(os.path.join(out, "app_parsers", f"{base}_{j}"), "wb") as o:
                o.write(a)
            seen += 1
            n["app_parsers"] += 1
print(" ".join(f"{k}: {v}" for k, v in n.items()), file=sys.stderr)
