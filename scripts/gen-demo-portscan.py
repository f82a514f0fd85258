#!/usr/bin/env python3
"""Write samples/pcaps/portscan.pcap: a made-up TCP SYN scan for the README's demo.

192.0.2.66 (a documentation address, RFC 5737) probes ports 1-300 of
10.0.0.5 with one SYN each, 2 ms apart; the target answers RST/ACK (closed)
on every port but 22 and 80, where it answers SYN/ACK and the scanner resets.
Nothing in it was captured from a real network. Deterministic: running it
again writes the same bytes.

    python3 scripts/gen-demo-portscan.py [OUT]
"""

import struct
import sys

SCANNER, TARGET = "192.0.2.66", "10.0.0.5"
MAC_SCANNER, MAC_TARGET = bytes.fromhex("020000000042"), bytes.fromhex("020000000005")
OPEN = {22, 80}
START = 1_767_571_200  # 2026-01-05 00:00:00 UTC


def ip(a):
    return bytes(int(x) for x in a.split("."))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, ident):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 1024, 0, 0)
    pseudo = ip(src) + ip(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ident, 0, 64, 6, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    smac, dmac = (MAC_SCANNER, MAC_TARGET) if src == SCANNER else (MAC_TARGET, MAC_SCANNER)
    return dmac + smac + b"\x08\x00" + hdr + tcp


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "samples/pcaps/portscan.pcap"
    SYN, RST, ACK = 0x02, 0x04, 0x10
    records = []
    t_us = 0
    for n, port in enumerate(range(1, 301)):
        sport = 40000 + n
        seq = 1000 + n * 7919
        t_us += 2000
        records.append((t_us, packet(SCANNER, TARGET, sport, port, seq, 0, SYN, n)))
        if port in OPEN:
            records.append((t_us + 150, packet(TARGET, SCANNER, port, sport, 5000 + n, seq + 1, SYN | ACK, 10000 + n)))
            records.append((t_us + 300, packet(SCANNER, TARGET, sport, port, seq + 1, 0, RST, 20000 + n)))
        else:
            records.append((t_us + 150, packet(TARGET, SCANNER, port, sport, 0, seq + 1, RST | ACK, 10000 + n)))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, data in records:
            f.write(struct.pack("<IIII", START + t // 1_000_000, t % 1_000_000, len(data), len(data)))
            f.write(data)


if __name__ == "__main__":
    main()
