//! `/packets/search`: the packets the sensor kept, as a pcap or pcapng file,
//! or the files carried in them, as a zip (`output: extract`).

use super::{r, Op, Paths};
use serde_json::{json, Value};

pub(super) const TAG: &str = "Packets";
pub(super) const TAG_TEXT: &str = "The packets the sensor kept (capture files and live interfaces) in its bounded \
    packet store (`--packets-max-bytes`, `--packets-max-age`), searched by time window, address, port and BPF (a subset evaluated by wirewatch; any filter through libpcap in a build with it).";

const HOW: &str = "The packets of the time window that pass every filter given (`bpf`, `ip1`, `ip2`, `port1`, \
`port2`: all must match; an address or port matches either side of a packet), in the order the sensor stored them, \
streamed while the search runs. The answer is a pcap file (`Content-Type: application/vnd.tcpdump.pcap`, \
microsecond timestamps; packets of another link type than the first packet's are left out: ask for pcapng) or a \
pcapng file (`application/x-pcapng`, one interface per link type, nanosecond timestamps), named in \
`Content-Disposition: attachment; filename=\"wirewatch <from> to <until> UTC.pcap\"`. With no matching packet the \
answer is 204, or 200 with a file of no packets when `always_return_body` is true.\n\n\
Parameters: in the query string, in a JSON body (`POST`, or `GET` with a body and no query string, as XSOAR \
sends it), or both (the query string wins); a JSON `null` is an absent parameter; ports, sizes, durations and \
booleans are accepted as numbers/booleans or as strings. `limit_bytes` (default `100MB`, at most `10GB`; \
`KB`/`MB`/`GB` are powers of 1000, `KiB`/`MiB`/`GiB` of 1024) and `limit_search_duration` (default and `0`: 5 \
minutes, at most one hour) are approximate: the search stops after the packet that reaches the size, and at the \
first index block after the duration.\n\n\
The BPF filter is evaluated by wirewatch when it is of this subset: `host`, `src host`, `dst host`, `src or dst host`, `net \
A/len`, `port`, `src port`, `dst port`, `portrange A-B`, the protocols `ip`, `ip6`, `arp`, `tcp`, `udp`, `icmp`, \
`icmp6` (as qualifiers too: `tcp port 80`, `ip host A`), `and`/`&&`, `or`/`||`, `not`/`!` and parentheses; as in \
libpcap `and` and `or` have one precedence, left to right, and a bare value repeats the previous keywords (`host A \
or B`). Addresses, protocol and ports are the innermost IP header's (inside VLAN tags and tunnels). Anything else \
(`vlan`, `ether`, `len`, `tcp[13]`, host names, service names) is compiled by libpcap in a sensor built with \
libpcap (cargo feature `live`): the packets `tcpdump -r` selects with the filter (outer headers), every block of \
the window read (no index help); a filter libpcap refuses is a 400 naming `bpf` with libpcap's message. A sensor \
built without libpcap answers such a filter 400 naming `bpf`, saying so.\n\n\
`slices_only` callers get the first 64 bytes of each packet (the original length is kept in each record). \
`output` `keylog_txt` and `zip` need `packets: full_with_keys` (403 otherwise): `keylog_txt` answers the key log \
lines (SSLKEYLOGFILE format, `text/plain`, `.txt`) of the TLS sessions whose ClientHello is in the matched packets, \
as the sensor holds them (uploaded key logs, and the master secrets of sessions it decrypted with an RSA key: see \
`/ssldecryptkeys`); `zip` answers `packets.pcap` (the matched packets) and `sslkeylog.txt` (their key log), \
`limit_bytes` at most `100MB`. 204 when no session key is known (unless `always_return_body`). `include_secrets` \
(secrets embedded in pcapng) is answered 501: use `zip`. \n\n\
`output` `extract` answers the files carried in the matched packets as a zip (`application/zip`, \
`filename=\"wirewatch <from> to <until> UTC.zip\"`): HTTP/1.x request and response bodies (`Content-Length`, \
chunked, or to the connection's end; `gzip`/`deflate` content encoding decoded, others kept as sent; the file \
parts of `multipart/form-data` uploads), FTP transfers (`RETR`, `STOR`, `APPE`, `STOU` on the data connection \
given by `PASV`/`EPSV`/`PORT`/`EPRT` on a control connection also in the matched packets) and SMTP attachments \
(`DATA` or `BDAT`; MIME parts with a file name or marked attachment, `base64`/`quoted-printable` decoded; nothing \
after `STARTTLS`). Protocols are recognised by content, on any port. TCP streams are reassembled from the stored \
packets by sequence number (out of order, retransmitted and overlapping segments; where two overlap, the lower \
sequence number's bytes are kept); a hole ends a stream. The zip holds `http/`, `ftp/`, `smtp/` folders and \
`manifest.json` / `manifest.csv`: per file its path, name, protocol, TCP flow (`sender_addr`, `sender_port`, \
`receiver_addr`, `receiver_port`), `time`, `size`, `sha256`, `content_type`, `decoded_from`, `complete` and a \
`note` when not; and `notes`: what the limits or the packets left out (64 MiB a stream direction, 256 MiB in all, \
100 000 connections, 10 000 files, 64 MiB a decoded file; the search stopping at `limit_bytes` or \
`limit_search_duration`; an FTP data connection missing). 204 when no file was found (200 with a zip of only the \
manifest when `always_return_body` is true). It needs `ndr: full` and whole packets (`packets: full` or \
`full_with_keys`; `slices_only` is 403: 64-byte slices do not carry files, and carving them would disclose what \
that privilege withholds); `limit_bytes` is at most `100MB` and `limit_search_duration` at most 5 minutes (400 \
naming the field beyond). One extraction runs at a time (another waits up to 30 s, then 429). `decrypt_files`: \
transfers inside TLS are not carved (the manifest's notes say so).\n\n\
501 when the packet store is turned off (`--packets-max-bytes 0`). At most 4 searches run at once; another waits up to 30 s for one to end, then is answered 429.";

fn example() -> Value {
    json!({
        "from": "-30m",
        "until": 0,
        "bpf": "tcp and port 443",
        "ip1": "10.1.0.23",
        "ip2": "93.184.216.34",
        "limit_bytes": "10MB",
        "limit_search_duration": "5m",
        "always_return_body": false,
        "output": "pcap",
    })
}

fn file_headers() -> Value {
    json!({
        "Content-Type": {"description": "`application/vnd.tcpdump.pcap`, `application/x-pcapng`, `application/zip` (extract, zip) or `text/plain; charset=utf-8` (keylog_txt).", "schema": {"type": "string"}},
        "Content-Disposition": {"description": "`attachment; filename=\"wirewatch 2026-12-06 19.00.00 to 2026-12-06 19.30.00 UTC.pcap\"` (`.pcapng`, `.zip`, `.txt`; one `filename` parameter, last).", "schema": {"type": "string"}},
    })
}

fn op(op_id: &str, summary: &str, extra: &str) -> Op {
    Op::new(TAG, op_id, summary)
        .describe(&format!("{HOW}{extra}"))
        .file("200", "The matching packets (pcap or pcapng), or the files carried in them (extract: a zip with a manifest).", file_headers())
        .empty("204", "No packet matched, or (extract) no file was found, and `always_return_body` was not true.")
        .errors(&[403])
        .error(
            429,
            "Four packet searches (or one extraction) were running for 30 s.",
            json!({"error_message": "4 packet searches are running; retry later"}),
        )
        .error(
            501,
            "`include_secrets` (not supported), or the packet store is turned off.",
            json!({"error_message": "the packet store is turned off on this sensor (serve --packets-max-bytes 0)"}),
        )
}

fn params(mut o: Op) -> Op {
    let s = |t: &str| json!({"type": t});
    // A query string carries text: `80`, `10MB`, `5m`.
    let num_or_text = || s("string");
    for (name, d, schema) in [
        ("from", "Required. The earliest packet time: ms since the epoch, 0 for now, negative or with a unit (`-30m`) relative to now.", s("string")),
        ("until", "The latest packet time (default and 0: now).", s("string")),
        ("bpf", "A BPF filter: the subset above, anything else through libpcap where the sensor has it (see above).", s("string")),
        ("ip1", "Packets to or from this IP address.", s("string")),
        ("port1", "Packets from or to this TCP/UDP port.", num_or_text()),
        ("ip2", "Packets to or from this IP address too.", s("string")),
        ("port2", "Packets from or to this TCP/UDP port too.", num_or_text()),
        ("limit_bytes", "Approximate most bytes returned (`10MB`, bytes).", num_or_text()),
        ("limit_search_duration", "Approximate longest search (`5m`, ms).", num_or_text()),
        ("always_return_body", "`true`: 200 and a file of no packets instead of 204.", s("boolean")),
        ("output", "`pcap` (default), `pcapng`, `keylog_txt`, `zip`, `extract`.", json!({"type": "string", "enum": ["pcap", "pcapng", "keylog_txt", "zip", "extract"]})),
        ("include_secrets", "With pcapng: embed TLS secrets (501: not supported; `output` `zip` gives the packets with their key log).", s("boolean")),
        ("decrypt_files", "With extract: decrypt files of encrypted sessions (none are: no keys are held; the manifest says so).", s("boolean")),
    ] {
        o = o.query(name, d, schema);
    }
    o
}

pub(super) fn add(p: &mut Paths) {
    p.add(
        "get",
        "/packets/search",
        params(op(
            "getPacketSearch",
            "Search packets (query string)",
            "\n\nThis form may also carry the parameters as a JSON body (XSOAR's form).",
        ))
        .optional_body(r("PacketSearch"), example()),
    );
    p.add(
        "post",
        "/packets/search",
        params(op("searchPackets", "Search packets", ""))
            .optional_body(r("PacketSearch"), example()),
    );
}
