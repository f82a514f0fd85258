//! The packet store end to end: `wirewatch ingest` keeps the packets of a
//! capture, `wirewatch serve` answers `/packets/search` from them, and the
//! answer holds exactly the packets `tcpdump -r CAPTURE FILTER` selects with
//! the same BPF filter, and that `tshark` selects with the equivalent display
//! filter (the references: same times, same bytes, same order).

use crate::common::{ingest_into, wait_for, Server};
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/pcaps")
        .join(name)
}

/// (time in µs, original length, bytes) of each record of a pcap file
/// (classic pcap, little-endian, microseconds: what both tools write here).
fn records(b: &[u8]) -> Vec<(i64, u32, Vec<u8>)> {
    let u = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    assert!(b.len() >= 24, "not a pcap: {} bytes", b.len());
    assert_eq!(u(0), 0xa1b2_c3d4, "little-endian microsecond pcap");
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= b.len() {
        let caplen = u(at + 8) as usize;
        out.push((
            i64::from(u(at)) * 1_000_000 + i64::from(u(at + 4)),
            u(at + 12),
            b[at + 16..at + 16 + caplen].to_vec(),
        ));
        at += 16 + caplen;
    }
    assert_eq!(at, b.len());
    out
}

/// The packets of `capture` that tshark's display filter selects, as a pcap.
fn tshark(capture: &Path, filter: &str) -> Vec<u8> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(capture)
        .args(["-Y", filter, "-F", "pcap", "-w", "-"])
        .output()
        .expect("tshark is the reference of this test (apt-get install tshark)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The packets of `capture` that tcpdump (libpcap) selects with `bpf`.
fn tcpdump(capture: &Path, bpf: &str) -> Vec<u8> {
    let out = Command::new("tcpdump")
        .arg("-r")
        .arg(capture)
        .args(["-w", "-", bpf])
        .output()
        .expect("tcpdump is the reference of this test (apt-get install tcpdump)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `GET /packets/search?QUERY`: (status, content type, body bytes).
fn search(s: &Server, query: &str) -> (u16, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(format!("{}/api/v1/packets/search?{query}", s.url))
        .header("Authorization", format!("ExtraHop apikey={}", s.key))
        .header("Accept", "application/json")
        .call()
        .expect("request");
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = r
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .unwrap();
    (status, ctype, body)
}

fn q(s: &str) -> String {
    s.replace(' ', "%20")
}

#[test]
fn an_ingested_capture_is_searched_as_tshark_filters_it() {
    let dir = tempfile::tempdir().unwrap();
    let capture = sample("wikipedia.pcap");
    let (ok, out, err) = ingest_into(dir.path(), &[], &[&capture]);
    assert!(ok, "{out}\n{err}");
    assert!(dir
        .path()
        .join("packets")
        .join("seg-000000000001.pcap")
        .exists());
    let s = Server::start_on(dir.path());
    // One TCP conversation (a 5-tuple), and broader filters, over the whole
    // capture's time (from 1 ms after the epoch until now).
    for (bpf, display) in [
        (
            "host 141.142.220.118 and host 208.80.152.3 and tcp port 49996",
            "ip.addr==141.142.220.118 && ip.addr==208.80.152.3 && tcp.port==49996",
        ),
        (
            "src host 141.142.220.118 and tcp",
            "ip.src==141.142.220.118 && tcp",
        ),
        ("udp port 53 or icmp", "udp.port==53 || icmp"),
        ("not tcp", "!tcp"),
    ] {
        let (status, ctype, ours) = search(&s, &format!("from=1&until=0&bpf={}", q(bpf)));
        let want = records(&tshark(&capture, display));
        assert!(!want.is_empty(), "{display} selects packets");
        assert_eq!(status, 200, "{bpf}: {}", String::from_utf8_lossy(&ours));
        assert_eq!(ctype, "application/vnd.tcpdump.pcap");
        let got = records(&ours);
        assert_eq!(got.len(), want.len(), "{bpf}");
        assert!(got == want, "{bpf}: the packets differ from tshark's");
        assert!(
            got == records(&tcpdump(&capture, bpf)),
            "{bpf}: the packets differ from tcpdump's"
        );
    }
    // The same conversation by ip1/ip2/port1 (Splunk's parameters).
    let (_, _, ours) = search(
        &s,
        "from=1&ip1=208.80.152.3&ip2=141.142.220.118&port1=49996",
    );
    assert_eq!(
        records(&ours),
        records(&tshark(
            &capture,
            "ip.addr==141.142.220.118 && ip.addr==208.80.152.3 && tcp.port==49996"
        ))
    );
    // Nothing matches: 204.
    let (status, _, body) = search(&s, &format!("from=1&bpf={}", q("host 192.0.2.77")));
    assert_eq!((status, body.len()), (204, 0));
    // A window after the capture: 204.
    let (status, _, _) = search(&s, "from=-1h");
    assert_eq!(status, 204);
}

/// `q` for any filter text (`&`, `[`, `|`, `=`, `!` escaped too).
fn qq(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The 400 of a refused `bpf`: (status, field, message).
fn refused_bpf(s: &Server, filter: &str) -> (u16, String, String) {
    let (status, _, body) = search(s, &format!("from=1&bpf={}", qq(filter)));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    (
        status,
        text("field"),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// With libpcap (`--features live`), filters outside the subset are
/// libpcap's: the same packets as `tcpdump -r` with the same filter.
#[cfg(feature = "live")]
#[test]
fn filters_outside_the_subset_are_compiled_by_libpcap() {
    let dir = tempfile::tempdir().unwrap();
    let capture = sample("wikipedia.pcap");
    let (ok, out, err) = ingest_into(dir.path(), &[], &[&capture]);
    assert!(ok, "{out}\n{err}");
    let s = Server::start_on(dir.path());
    for bpf in [
        "tcp[13] & 2 != 0",
        "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
        "len > 500",
        "less 80",
        "ether[12:2] = 0x0800 and ip[8] < 64",
        "udp port domain",
    ] {
        let (status, _, ours) = search(&s, &format!("from=1&until=0&bpf={}", qq(bpf)));
        let want = records(&tcpdump(&capture, bpf));
        assert!(!want.is_empty(), "{bpf} selects packets");
        assert_eq!(status, 200, "{bpf}: {}", String::from_utf8_lossy(&ours));
        let got = records(&ours);
        assert_eq!(got.len(), want.len(), "{bpf}");
        assert!(got == want, "{bpf}: the packets differ from tcpdump's");
    }
    // With ip1/port1 (the subset, through the index): both must match.
    let (status, _, ours) = search(
        &s,
        &format!(
            "from=1&ip1=208.80.152.3&port1=49996&bpf={}",
            qq("tcp[13] & 2 != 0")
        ),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&ours));
    assert_eq!(
        records(&ours),
        records(&tcpdump(
            &capture,
            "(tcp[13] & 2 != 0) and host 208.80.152.3 and port 49996"
        ))
    );
    // What libpcap cannot compile is a 400 naming bpf, with libpcap's words.
    for bad in ["tcp[13] &", "vlan 5000", "port 99999"] {
        let (status, field, body) = refused_bpf(&s, bad);
        assert_eq!((status, field.as_str()), (400, "bpf"), "{bad}: {body}");
        assert!(body.contains("libpcap cannot compile"), "{bad}: {body}");
    }
}

/// Without libpcap, filters outside the subset are a 400 naming bpf that
/// says the build has no libpcap.
#[cfg(not(feature = "live"))]
#[test]
fn without_libpcap_filters_outside_the_subset_are_refused() {
    let s = Server::start_args(false, &[]);
    for bad in ["tcp[13] & 2 != 0", "vlan", "len > 1000"] {
        let (status, field, body) = refused_bpf(&s, bad);
        assert_eq!((status, field.as_str()), (400, "bpf"), "{bad}: {body}");
        assert!(body.contains("no libpcap"), "{bad}: {body}");
    }
}

#[test]
fn serve_keeps_the_packets_of_the_captures_it_analyses() {
    let capture = sample("wikipedia.pcap");
    let c = capture.to_str().unwrap();
    let s = Server::start_args(
        false,
        &[
            "--pcap",
            c,
            "--packets-max-bytes",
            "8MiB",
            "--packets-max-age",
            "1d",
        ],
    );
    let want = records(&tshark(&capture, "tcp.port==49997"));
    let got = wait_for("the packets of the capture", 30, || {
        let (status, _, body) = search(&s, "from=1&port1=49997");
        if status == 200 {
            Ok(records(&body))
        } else {
            Err(format!("{status}"))
        }
    });
    assert_eq!(got, want);
}

#[test]
fn a_turned_off_store_keeps_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest_into(
        dir.path(),
        &["--packets-max-bytes", "0"],
        &[sample("wikipedia.pcap")],
    );
    assert!(ok, "{out}\n{err}");
    assert!(!dir.path().join("packets").exists());
    let (ok, _, err) = ingest_into(
        dir.path(),
        &["--packets-max-bytes", "1KB", "--force"],
        &[sample("wikipedia.pcap")],
    );
    assert!(!ok);
    assert!(err.contains("at least"), "{err}");
    let s = Server::start_args(false, &["--packets-max-bytes", "0"]);
    let (status, _, body) = search(&s, "from=-1h");
    assert_eq!(status, 501, "{}", String::from_utf8_lossy(&body));
}

/// sha256 of each file tshark exports from `capture` (`--export-objects`),
/// the non-standard ports decoded as HTTP and FTP.
fn tshark_objects(capture: &Path) -> Vec<String> {
    use sha2::Digest;
    let out = tempfile::tempdir().unwrap();
    let (http, ftp) = (out.path().join("http"), out.path().join("ftp"));
    let run = Command::new("tshark")
        .arg("-r")
        .arg(capture)
        .args([
            "-d",
            "tcp.port==18080,http",
            "-d",
            "tcp.port==12121,ftp",
            "-q",
        ])
        .arg("--export-objects")
        .arg(format!("http,{}", http.display()))
        .arg("--export-objects")
        .arg(format!("ftp-data,{}", ftp.display()))
        .output()
        .expect("tshark is the reference of this test (apt-get install tshark)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut sums = Vec::new();
    for d in [http, ftp] {
        for e in std::fs::read_dir(d).unwrap() {
            let b = std::fs::read(e.unwrap().path()).unwrap();
            sums.push(hex::encode(sha2::Sha256::digest(&b)));
        }
    }
    sums.sort();
    sums
}

#[test]
fn extract_returns_the_files_of_an_ingested_capture() {
    use sha2::Digest;
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    // Real HTTP, FTP and SMTP transfers (scripts/gen-extract-capture.py).
    let capture = sample("extract.pcap");
    let (ok, out, err) = ingest_into(dir.path(), &[], &[&capture]);
    assert!(ok, "{out}\n{err}");
    let s = Server::start_on(dir.path());
    let (status, ctype, body) = search(&s, "from=1&until=0&output=extract");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ctype, "application/zip");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip");
    let mut m = String::new();
    z.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut m)
        .unwrap();
    let m: serde_json::Value = serde_json::from_str(&m).unwrap();
    let mut ours = Vec::new();
    for f in m["files"].as_array().unwrap() {
        let mut data = Vec::new();
        z.by_name(f["path"].as_str().unwrap())
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
        let sha = hex::encode(sha2::Sha256::digest(&data));
        assert_eq!(f["sha256"], sha.as_str());
        assert_eq!(f["complete"], true, "{f}");
        ours.push((f["name"].as_str().unwrap().to_string(), sha));
    }
    ours.sort();
    // The originals the generator served.
    let want: serde_json::Value =
        serde_json::from_slice(&std::fs::read(capture.with_extension("expected.json")).unwrap())
            .unwrap();
    let mut want: Vec<_> = want
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want.sort();
    assert_eq!(ours, want);
    // Every object tshark exports (HTTP bodies, gzip decoded; the FTP
    // transfer it follows) is one of ours, byte for byte.
    let theirs = tshark_objects(&capture);
    assert!(theirs.len() >= 5, "{theirs:?}");
    let sums: Vec<&String> = ours.iter().map(|o| &o.1).collect();
    for t in &theirs {
        assert!(sums.contains(&t), "tshark's object {t} is not in the zip");
    }
}
