//! The extraction over a real capture: `samples/pcaps/extract.pcap`
//! (`scripts/gen-extract-capture.py`: real HTTP, FTP and SMTP servers and
//! clients on loopback), whose original files' digests are in
//! `extract.expected.json`.

use super::*;
use sha2::{Digest, Sha256};

fn capture() -> (u32, Vec<(i64, Vec<u8>)>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/pcaps");
    let b = std::fs::read(dir.join("extract.pcap")).unwrap();
    // A microsecond pcap, little-endian, as tcpdump writes it.
    assert_eq!(b[..4], crate::pcap::MAGIC_US.to_le_bytes());
    let linktype = u32::from_le_bytes(b[20..24].try_into().unwrap());
    let mut at = 24;
    let mut out = Vec::new();
    while at + 16 <= b.len() {
        let sec = i64::from(u32::from_le_bytes(b[at..at + 4].try_into().unwrap()));
        let us = i64::from(u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()));
        let len = u32::from_le_bytes(b[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push((
            sec * 1_000_000_000 + us * 1000,
            b[at + 16..at + 16 + len].to_vec(),
        ));
        at += 16 + len;
    }
    (linktype, out)
}

fn expected() -> Vec<(String, String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/pcaps");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("extract.expected.json")).unwrap()).unwrap();
    let mut e: Vec<_> = v
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
    e.sort();
    e
}

fn found(ex: &Extraction) -> Vec<(String, String, String)> {
    let mut f: Vec<_> = ex
        .files
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                f.protocol.as_str().to_string(),
                hex::encode(Sha256::digest(&f.data)),
            )
        })
        .collect();
    f.sort();
    f
}

#[test]
fn every_file_of_the_capture_comes_out_whole() {
    let (linktype, packets) = capture();
    let mut x = Extractor::new(Limits::default());
    for (ts, p) in &packets {
        x.packet(linktype, *ts, p);
    }
    let ex = x.finish();
    assert_eq!(found(&ex), expected());
    assert!(ex.files.iter().all(|f| f.complete), "{:?}", ex.notes);
    assert!(ex.notes.is_empty(), "{:?}", ex.notes);
    let page = ex.files.iter().find(|f| f.name == "page.html").unwrap();
    assert_eq!(page.decoded_from.as_deref(), Some("gzip"));
    assert_eq!(page.content_type.as_deref(), Some("text/html"));
    let put = ex.files.iter().find(|f| f.name == "ftp-put.bin").unwrap();
    // Uploaded: the client (active mode: listening on 40020) sent it.
    assert_eq!(put.sender.port(), 40020);
    let att = ex.files.iter().find(|f| f.name == "notes.txt").unwrap();
    assert_eq!(att.decoded_from.as_deref(), Some("quoted-printable"));
}

#[test]
fn shuffled_and_retransmitted_packets_give_the_same_files() {
    let (linktype, packets) = capture();
    // A fixed permutation within windows of 7 packets, and every fifth
    // packet sent twice: out of order and retransmitted, as a lossy path.
    let mut order: Vec<usize> = (0..packets.len()).collect();
    for w in order.chunks_mut(7) {
        w.reverse();
    }
    let mut x = Extractor::new(Limits::default());
    for (n, i) in order.iter().enumerate() {
        let (ts, p) = &packets[*i];
        x.packet(linktype, *ts, p);
        if n % 5 == 0 {
            x.packet(linktype, *ts, p);
        }
    }
    let ex = x.finish();
    assert_eq!(found(&ex), expected());
}

#[test]
fn a_stream_cap_cuts_files_and_says_so() {
    let (linktype, packets) = capture();
    let mut x = Extractor::new(Limits {
        stream_bytes: 100_000,
        ..Limits::default()
    });
    for (ts, p) in &packets {
        x.packet(linktype, *ts, p);
    }
    let ex = x.finish();
    // report.bin (200 000 bytes) is the first response of the HTTP
    // connection: cut, and said; ftp-get.bin (120 000) too.
    let report = ex.files.iter().find(|f| f.name == "report.bin").unwrap();
    assert!(!report.complete);
    assert!(report.data.len() < 100_000);
    assert!(
        report.note.as_deref().unwrap().contains("memory limits"),
        "{:?}",
        report.note
    );
    let get = ex.files.iter().find(|f| f.name == "ftp-get.bin").unwrap();
    assert!(!get.complete);
    assert!(
        ex.notes.iter().any(|n| n.contains("were dropped")),
        "{:?}",
        ex.notes
    );
    // The small files are whole.
    let epsv = ex.files.iter().find(|f| f.name == "ftp-epsv.txt").unwrap();
    assert!(epsv.complete);
}

#[test]
fn without_the_data_connection_an_ftp_transfer_is_said_missing() {
    let (linktype, packets) = capture();
    let mut x = Extractor::new(Limits::default());
    for (ts, p) in &packets {
        // Leave out the active-mode data connection (port 40020).
        let m = crate::meta::of(crate::meta::link(linktype), p);
        if let crate::meta::Meta::Ip(ip) = m {
            if ip.ports.is_some_and(|(s, d)| s == 40020 || d == 40020) {
                continue;
            }
        }
        x.packet(linktype, *ts, p);
    }
    let ex = x.finish();
    assert!(!ex.files.iter().any(|f| f.name == "ftp-put.bin"));
    assert!(
        ex.notes
            .iter()
            .any(|n| n.contains("STOR ftp-put.bin") && n.contains("not in the matched packets")),
        "{:?}",
        ex.notes
    );
}

#[test]
fn a_reused_port_pair_is_a_new_connection() {
    // Two HTTP connections on the same addresses and ports, one after the
    // other (another initial sequence number): two bodies, both whole.
    fn frame(sport: u16, dport: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00, 0x45, 0]);
        f.extend_from_slice(&((40 + payload.len()) as u16).to_be_bytes());
        f.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        if sport == 80 {
            f[26..30].copy_from_slice(&[10, 0, 0, 2]);
            f[30..34].copy_from_slice(&[10, 0, 0, 1]);
        }
        f.extend_from_slice(&sport.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        f.extend_from_slice(payload);
        f
    }
    let mut x = Extractor::new(Limits::default());
    for (n, (isn, body)) in [(1000u32, &b"first"[..]), (900_000, &b"second"[..])]
        .into_iter()
        .enumerate()
    {
        let t = n as i64 * 1_000_000_000;
        let req = b"GET /f HTTP/1.1\r\n\r\n";
        let rsp = [
            &b"HTTP/1.1 200 OK\r\nContent-Length: "[..],
            body.len().to_string().as_bytes(),
            b"\r\n\r\n",
            body,
        ]
        .concat();
        x.packet(1, t, &frame(40000, 80, isn, 0x02, b""));
        x.packet(1, t + 1, &frame(80, 40000, isn + 7, 0x12, b""));
        x.packet(1, t + 2, &frame(40000, 80, isn + 1, 0x18, req));
        x.packet(1, t + 3, &frame(80, 40000, isn + 8, 0x18, &rsp));
    }
    let ex = x.finish();
    let bodies: Vec<_> = ex
        .files
        .iter()
        .map(|f| (f.data.as_slice(), f.complete))
        .collect();
    assert_eq!(bodies, vec![(&b"first"[..], true), (&b"second"[..], true)]);
    assert_eq!(ex.connections, 2);
}

/// Robustness: every capture of the nDPI corpus (real traffic of hundreds
/// of protocols, some deliberately malformed) is carved without a panic,
/// each answer is a zip whose manifest matches its files, and the HTTP
/// captures give files.
#[test]
fn the_ndpi_corpus_is_carved_and_every_zip_reads_back() {
    use std::io::Read;
    use wirewatch_sensor::capture::CaptureReader;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ndpi/pcaps");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/test-data.sh fetches it)", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() > 500);
    let (mut files, mut http_files) = (0, 0);
    for p in &paths {
        let Ok(mut r) = CaptureReader::open(p) else {
            continue;
        };
        let mut x = Extractor::new(Limits::default());
        while let Ok(Some(pk)) = r.next_packet() {
            if let Some(link) = pk.link {
                x.packet(crate::meta::linktype(link), pk.ts_ns, pk.data);
            }
        }
        let ex = x.finish();
        files += ex.files.len();
        http_files += ex
            .files
            .iter()
            .filter(|f| f.protocol == Protocol::Http)
            .count();
        let (zip, entries) = archive::write(&ex).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        for e in &entries {
            let mut data = Vec::new();
            z.by_name(&e.path).unwrap().read_to_end(&mut data).unwrap();
            assert_eq!(
                hex::encode(Sha256::digest(&data)),
                e.sha256,
                "{}: {}",
                p.display(),
                e.path
            );
        }
    }
    println!(
        "{files} files, {http_files} of them HTTP, from {} captures",
        paths.len()
    );
    assert!(http_files >= 20, "{http_files} HTTP files of {files}");
}
