//! `/packets/search` through the application: packets written to the packet
//! store where `serve` keeps it, searched in the three forms clients use,
//! answered as pcap/pcapng files, 204 on no match, and cut to 64 bytes for
//! `slices_only` callers.

use crate::common::*;
use serde_json::{json, Value};

/// Ethernet + IPv4 + TCP `src:sport -> dst:dport` with `payload` bytes.
fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: usize) -> Vec<u8> {
    let mut f = vec![0u8; 12];
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0]);
    f.extend_from_slice(&((40 + payload) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend(std::iter::repeat_n(0x5a, payload));
    f
}

/// One record of a pcap answer.
#[derive(Debug, PartialEq)]
struct Rec {
    ts_us: i64,
    caplen: usize,
    orig: u32,
    data: Vec<u8>,
}

/// The link type and records of a (microsecond, little-endian) pcap file.
fn read_pcap(b: &[u8]) -> (u32, Vec<Rec>) {
    assert!(b.len() >= 24, "{} bytes", b.len());
    let u = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    assert_eq!(u(0), 0xa1b2_c3d4, "pcap magic (microseconds)");
    let mut at = 24;
    let mut recs = Vec::new();
    while at < b.len() {
        let caplen = u(at + 8) as usize;
        recs.push(Rec {
            ts_us: i64::from(u(at)) * 1_000_000 + i64::from(u(at + 4)),
            caplen,
            orig: u(at + 12),
            data: b[at + 16..at + 16 + caplen].to_vec(),
        });
        at += 16 + caplen;
    }
    assert_eq!(at, b.len(), "whole records");
    (u(20), recs)
}

const A: [u8; 4] = [10, 1, 0, 23];
const B: [u8; 4] = [93, 184, 216, 34];
const C: [u8; 4] = [10, 1, 0, 99];

/// Packets of three conversations, ten minutes ago, in the app's packet
/// store; returns the conversation A:51000 <-> B:443 as written (time in µs, bytes).
fn with_packets(s: &App) -> Vec<(i64, Vec<u8>)> {
    let cfg = wirewatch_packets::Config::new(
        wirewatch_packets::dir_in(s.data_dir()),
        64 << 20,
        86_400_000,
    )
    .unwrap();
    let mut w = wirewatch_packets::Writer::open(cfg).unwrap();
    let t0 = (wirewatch_model::now_ms() - 600_000) * 1_000_000;
    let mut conv = Vec::new();
    for i in 0..300i64 {
        let ts = t0 + i * 1_000_000;
        let (p, mine) = match i % 3 {
            0 => (tcp(A, B, 51000, 443, 200 + i as usize), true),
            1 => (tcp(B, A, 443, 51000, 1000), true),
            _ => (tcp(A, C, 51001, 53, 80), false),
        };
        w.write(ts, p.len() as u32, 1, &p).unwrap();
        if mine {
            conv.push((ts / 1000, p));
        }
    }
    drop(w);
    conv
}

fn disposition(h: &axum::http::HeaderMap) -> String {
    let all: Vec<_> = h.get_all("content-disposition").iter().collect();
    assert_eq!(all.len(), 1, "one Content-Disposition");
    all[0].to_str().unwrap().to_string()
}

#[test]
fn the_three_request_forms_answer_the_same_pcap() {
    let s = App::start();
    let conv = with_packets(&s);
    let forms: [(&str, String, Option<Value>); 3] = [
        // IBM: a query string.
        ("GET", "/api/v1/packets/search?from=-30m&until=0&ip1=10.1.0.23&ip2=93.184.216.34&port1=443&limit_bytes=100MB&limit_search_duration=0&always_return_body=false".into(), None),
        // Splunk: POST, JSON ints for ports.
        ("POST", "/api/v1/packets/search".into(), Some(json!({"output": "pcap", "from": "-30m", "until": 0, "ip1": "10.1.0.23", "ip2": "93.184.216.34", "port1": 443, "limit_bytes": "100MB", "limit_search_duration": "5m"}))),
        // XSOAR: GET with a JSON body, nulls for what is unset.
        ("GET", "/api/v1/packets/search".into(), Some(json!({"output": "pcap", "limit_bytes": "10MB", "limit_search_duration": "5m", "from": "-30m", "until": null, "bpf": "host 10.1.0.23 and host 93.184.216.34 and tcp port 443", "ip1": null, "port1": null, "ip2": null, "port2": null, "always_return_body": false}))),
    ];
    for (method, path, body) in forms {
        let (status, h, bytes) = s.bytes(method, &path, body.as_ref(), None);
        assert_eq!(
            status,
            200,
            "{method} {path}: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(h["content-type"], "application/vnd.tcpdump.pcap");
        let d = disposition(&h);
        assert!(d.starts_with("attachment; filename=\"wirewatch "), "{d}");
        assert!(d.ends_with(" UTC.pcap\""), "{d}");
        assert_eq!(d.matches("filename").count(), 1, "{d}");
        let (link, recs) = read_pcap(&bytes);
        assert_eq!(link, 1);
        let got: Vec<(i64, Vec<u8>)> = recs.into_iter().map(|r| (r.ts_us, r.data)).collect();
        assert_eq!(got.len(), 200, "{method} {path}");
        assert_eq!(
            got, conv,
            "{method} {path}: the conversation, in order, whole"
        );
    }
}

#[test]
fn no_match_is_204_unless_a_body_is_asked_for() {
    let s = App::start();
    with_packets(&s);
    let (status, _, bytes) = s.bytes(
        "POST",
        "/api/v1/packets/search",
        Some(&json!({"from": "-30m", "ip1": "192.0.2.1"})),
        None,
    );
    assert_eq!((status, bytes.len()), (204, 0));
    // The window holds nothing either (from=0: from now on).
    let (status, _, _) = s.bytes("GET", "/api/v1/packets/search?from=0&until=0", None, None);
    assert_eq!(status, 204);
    // always_return_body (as a string): a valid pcap of no packets.
    let (status, h, bytes) = s.bytes(
        "POST",
        "/api/v1/packets/search",
        Some(&json!({"from": "-30m", "ip1": "192.0.2.1", "always_return_body": "true"})),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "application/vnd.tcpdump.pcap");
    assert_eq!(read_pcap(&bytes).1, vec![]);
    // An empty store answers the same.
    let empty = App::start();
    let (status, _, _) = empty.bytes("GET", "/api/v1/packets/search?from=-1h", None, None);
    assert_eq!(status, 204);
}

#[test]
fn the_packets_privilege_decides_what_a_caller_gets() {
    let s = App::start();
    with_packets(&s);
    let slices = s.user_key(
        "slicer",
        json!({"write": "limited", "packets": "slices_only"}),
    );
    let full = s.user_key("full", json!({"metrics": "full", "packets": "full"}));
    let keys = s.user_key(
        "keys",
        json!({"write": "full", "packets": "full_with_keys"}),
    );
    let none = s.user_key("none", json!({"write": "full", "ndr": "full"}));
    let q = json!({"from": "-30m", "bpf": "src host 93.184.216.34"});
    let (status, _, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), Some(&slices));
    assert_eq!(status, 200);
    let (_, recs) = read_pcap(&bytes);
    assert_eq!(recs.len(), 100);
    assert!(
        recs.iter().all(|r| r.caplen == 64 && r.orig == 1054),
        "{:?}",
        &recs[0]
    );
    assert_eq!(
        u32::from_le_bytes(bytes[16..20].try_into().unwrap()),
        64,
        "snaplen 64"
    );
    for k in [&full, &keys] {
        let (status, _, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), Some(k));
        assert_eq!(status, 200);
        assert!(read_pcap(&bytes)
            .1
            .iter()
            .all(|r| r.caplen == 1054 && r.orig == 1054));
    }
    let (status, _, body) = s.bytes("POST", "/api/v1/packets/search", Some(&q), Some(&none));
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v["error_message"].as_str().unwrap().contains("packets"),
        "{v}"
    );
    // Session keys: only full_with_keys may ask; these packets carry no
    // TLS session whose keys are held (204).
    let kq = json!({"from": "-30m", "output": "keylog_txt"});
    assert_eq!(
        s.bytes("POST", "/api/v1/packets/search", Some(&kq), Some(&full))
            .0,
        403
    );
    let (status, _, body) = s.bytes("POST", "/api/v1/packets/search", Some(&kq), Some(&keys));
    assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn pcapng_output_and_the_byte_limit() {
    let s = App::start();
    with_packets(&s);
    let (status, h, bytes) = s.bytes(
        "POST",
        "/api/v1/packets/search",
        Some(&json!({"from": "-30m", "output": "pcapng", "ip1": "10.1.0.99"})),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "application/x-pcapng");
    assert!(disposition(&h).ends_with(".pcapng\""));
    // Section header, one interface, then 100 enhanced packet blocks.
    let u = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let mut at = 0;
    let mut kinds = Vec::new();
    while at < bytes.len() {
        kinds.push(u(at));
        at += u(at + 4) as usize;
    }
    assert_eq!(at, bytes.len());
    assert_eq!(&kinds[..2], &[0x0A0D_0D0A, 1]);
    assert_eq!(kinds.len(), 102);
    assert!(kinds[2..].iter().all(|k| *k == 6));
    // limit_bytes stops after the packet that reaches it.
    let (status, _, bytes) = s.bytes(
        "GET",
        "/api/v1/packets/search?from=-30m&ip1=10.1.0.99&limit_bytes=1000",
        None,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        read_pcap(&bytes).1.len(),
        7,
        "7 records of 16 + 134 bytes reach 1000 bytes"
    );
}

#[test]
fn bad_parameters_are_400s_naming_the_field() {
    let s = App::start();
    for (body, field) in [
        (json!({}), "from"),
        (
            json!({"from": "-30m", "bpf": "vlan 100 and host 10.0.0.1"}),
            "bpf",
        ),
        (json!({"from": "-30m", "port1": "https"}), "port1"),
        (json!({"from": "-30m", "output": "csv"}), "output"),
        (
            json!({"from": "-30m", "limit_bytes": "lots"}),
            "limit_bytes",
        ),
    ] {
        let (status, _, b) = s.bytes("POST", "/api/v1/packets/search", Some(&body), None);
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(
            (status, v["field"].as_str()),
            (400, Some(field)),
            "{body}: {v}"
        );
    }
    let (status, _, b) = s.bytes(
        "GET",
        "/api/v1/packets/search?from=-30m&ip2=not-an-ip",
        None,
        None,
    );
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!((status, v["field"].as_str()), (400, Some("ip2")), "{v}");
}

/// The packets of `samples/pcaps/extract.pcap` (real HTTP, FTP and SMTP
/// transfers on loopback, `scripts/gen-extract-capture.py`) written to the
/// app's packet store, moved to ten minutes ago; and its originals' list
/// (name, protocol, sha256), sorted.
fn with_transfers(s: &App) -> Vec<(String, String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/pcaps");
    let b = std::fs::read(dir.join("extract.pcap")).unwrap();
    let u = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let cfg = wirewatch_packets::Config::new(
        wirewatch_packets::dir_in(s.data_dir()),
        64 << 20,
        86_400_000,
    )
    .unwrap();
    let mut w = wirewatch_packets::Writer::open(cfg).unwrap();
    let t0 = (wirewatch_model::now_ms() - 600_000) * 1_000_000;
    let first = i64::from(u(24)) * 1_000_000_000 + i64::from(u(28)) * 1000;
    let mut at = 24;
    while at + 16 <= b.len() {
        let ts = i64::from(u(at)) * 1_000_000_000 + i64::from(u(at + 4)) * 1000;
        let len = u(at + 8) as usize;
        w.write(
            t0 + ts - first,
            u(at + 12),
            u(20),
            &b[at + 16..at + 16 + len],
        )
        .unwrap();
        at += 16 + len;
    }
    drop(w);
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.join("extract.expected.json")).unwrap()).unwrap();
    let mut want: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["protocol"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want.sort();
    want
}

/// The manifest of an extraction zip, each of its files' entry checked
/// against the bytes in the zip (size and sha256); (name, protocol, sha256)
/// sorted, and the manifest.
fn unzip(bytes: &[u8]) -> (Vec<(String, String, String)>, Value) {
    use sha2::Digest;
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut m = String::new();
    z.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut m)
        .unwrap();
    let m: Value = serde_json::from_str(&m).unwrap();
    let mut got = Vec::new();
    for f in m["files"].as_array().unwrap() {
        let mut data = Vec::new();
        z.by_name(f["path"].as_str().unwrap())
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
        let sha = hex::encode(sha2::Sha256::digest(&data));
        assert_eq!(f["sha256"], sha.as_str(), "{f}");
        assert_eq!(f["size"], data.len(), "{f}");
        got.push((
            f["name"].as_str().unwrap().to_string(),
            f["protocol"].as_str().unwrap().to_string(),
            sha,
        ));
    }
    // The files and the two manifests, nothing else.
    assert_eq!(z.len(), got.len() + 2);
    got.sort();
    (got, m)
}

#[test]
fn extract_answers_the_files_of_the_matched_packets_as_a_zip() {
    let s = App::start();
    let want = with_transfers(&s);
    // The code-examples script's request (POST, Accept: application/json).
    let (status, h, bytes) = s.bytes(
        "POST",
        "/api/v1/packets/search",
        Some(&json!({"from": "-30m", "output": "extract", "ip1": "127.0.0.1"})),
        None,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(h["content-type"], "application/zip");
    let d = disposition(&h);
    assert!(d.starts_with("attachment; filename=\"wirewatch "), "{d}");
    assert!(d.ends_with(" UTC.zip\""), "{d}");
    let (got, m) = unzip(&bytes);
    assert_eq!(got, want);
    assert_eq!(m["notes"], json!([]));
    let report = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "report.bin")
        .unwrap();
    assert_eq!(report["path"], "http/report.bin");
    assert_eq!(report["sender_port"], 18080);
    assert_eq!(report["receiver_addr"], "127.0.0.1");
    assert_eq!(report["content_type"], "application/octet-stream");
    assert_eq!(report["complete"], true);

    // Only the HTTP conversation's packets: only its files (a query string).
    let (status, _, bytes) = s.bytes(
        "GET",
        "/api/v1/packets/search?from=-30m&output=extract&port1=18080",
        None,
        None,
    );
    assert_eq!(status, 200);
    let (got, _) = unzip(&bytes);
    let http: Vec<_> = want.iter().filter(|w| w.1 == "http").cloned().collect();
    assert_eq!(got, http);

    // The FTP control connection without its data connections: no file,
    // 204; with always_return_body, a zip of the manifest saying why.
    let q = json!({"from": "-30m", "output": "extract", "port1": 12121});
    let (status, _, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), None);
    assert_eq!((status, bytes.len()), (204, 0));
    let q =
        json!({"from": "-30m", "output": "extract", "port1": 12121, "always_return_body": true});
    let (status, _, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), None);
    assert_eq!(status, 200);
    let (got, m) = unzip(&bytes);
    assert!(got.is_empty());
    let notes = m["notes"].to_string();
    assert!(notes.contains("RETR ftp-get.bin"), "{notes}");
    assert!(notes.contains("not in the matched packets"), "{notes}");

    // limit_bytes stops the search early, and the manifest says so.
    let q = json!({"from": "-30m", "output": "extract", "limit_bytes": "100KB"});
    let (status, _, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let (got, m) = unzip(&bytes);
    assert!(got.len() < want.len());
    assert!(m["notes"].to_string().contains("limit_bytes"), "{m}");
    // decrypt_files: extraction does not decrypt TLS; the same files, and
    // the manifest says so.
    let q = json!({"from": "-30m", "output": "extract", "port1": 12525, "decrypt_files": "true"});
    let (status, _, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), None);
    assert_eq!(status, 200);
    let (got, m) = unzip(&bytes);
    assert_eq!(got.len(), 2);
    assert!(
        m["notes"].to_string().contains("does not decrypt TLS"),
        "{m}"
    );
    // Larger than extraction allows: 400 naming the field.
    let q = json!({"from": "-30m", "output": "extract", "limit_bytes": "1GB"});
    let (status, _, body) = s.bytes("POST", "/api/v1/packets/search", Some(&q), None);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("limit_bytes"));
}

#[test]
fn extract_needs_ndr_and_whole_packets() {
    let s = App::start();
    with_transfers(&s);
    let q = json!({"from": "-30m", "output": "extract", "port1": 12525});
    let slices = s.user_key(
        "slicer",
        json!({"write": "limited", "ndr": "full", "packets": "slices_only"}),
    );
    let no_ndr = s.user_key("nondr", json!({"write": "full", "packets": "full"}));
    let full = s.user_key(
        "full",
        json!({"metrics": "full", "ndr": "full", "packets": "full"}),
    );
    for (k, want) in [(&slices, "slices_only"), (&no_ndr, "\\\"ndr\\\"")] {
        let (status, _, body) = s.bytes("POST", "/api/v1/packets/search", Some(&q), Some(k));
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 403, "{body}");
        assert!(body.contains(want), "{body}");
    }
    let (status, h, bytes) = s.bytes("POST", "/api/v1/packets/search", Some(&q), Some(&full));
    assert_eq!(status, 200);
    assert_eq!(h["content-type"], "application/zip");
    let (got, _) = unzip(&bytes);
    let names: Vec<_> = got.iter().map(|g| (g.0.as_str(), g.1.as_str())).collect();
    assert_eq!(
        names,
        [("mail-attachment.bin", "smtp"), ("notes.txt", "smtp")]
    );
}
