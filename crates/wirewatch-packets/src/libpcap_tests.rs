//! The libpcap filter of a search against tcpdump's own reading of the same
//! capture: the same packets, in the same order.

use crate::libpcap::{Filter, LibpcapError};
use crate::ring::{Config, Writer};
use crate::search::{search, Query};
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/pcaps")
        .join(name)
}

/// The packets' bytes of a classic pcap file.
fn packets_of(file: &[u8]) -> (u32, Vec<Vec<u8>>) {
    // Microsecond or nanosecond, little-endian (the record's fraction is not compared).
    assert!(
        matches!(
            &file[..4],
            [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1]
        ),
        "a little-endian pcap file"
    );
    let linktype = u32::from_le_bytes([file[20], file[21], file[22], file[23]]);
    let packets = crate::pcap::Records::new(&file[crate::pcap::FILE_HEADER..])
        .map(|(_, r)| r.data.to_vec())
        .collect();
    (linktype, packets)
}

fn tcpdump(file: &Path, filter: &str) -> Vec<Vec<u8>> {
    let out = Command::new("tcpdump")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-w", "-", filter])
        .output()
        .expect("tcpdump runs");
    assert!(
        out.status.success(),
        "tcpdump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    packets_of(&out.stdout).1
}

/// Store the capture's packets in a ring and search it with `filter`.
fn stored_search(dir: &Path, linktype: u32, packets: &[Vec<u8>], filter: &str) -> Vec<Vec<u8>> {
    let mut w = Writer::open(Config {
        dir: dir.to_path_buf(),
        max_bytes: 1 << 30,
        max_age_ms: i64::MAX,
        segment_bytes: 256 * 1024,
        block_bytes: 16 * 1024,
    })
    .unwrap();
    for (i, p) in packets.iter().enumerate() {
        w.write(
            1_700_000_000_000_000_000 + i as i64 * 1_000,
            p.len() as u32,
            linktype,
            p,
        )
        .unwrap();
    }
    w.flush().unwrap();
    let q = Query {
        from_ns: i64::MIN,
        until_ns: i64::MAX,
        filter: None,
        libpcap: Some(Filter::compile(filter).unwrap()),
        limit_bytes: u64::MAX,
        deadline: None,
    };
    let mut got = Vec::new();
    search(dir, &q, |_, r| {
        got.push(r.data.to_vec());
        true
    })
    .unwrap();
    got
}

#[test]
fn filters_outside_the_subset_match_what_tcpdump_matches() {
    for (capture, filter) in [
        ("portscan.pcap", "tcp[13] & 2 != 0"),
        (
            "portscan.pcap",
            "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
        ),
        ("extract.pcap", "len > 1000"),
        ("wikipedia.pcap", "ether[12:2] = 0x0800 and ip[8] < 64"),
        (
            "sshguess.pcap",
            "tcp[tcpflags] & tcp-fin != 0 or icmp[icmptype] = icmp-echo",
        ),
    ] {
        assert!(
            crate::bpf::parse(filter).is_err(),
            "{filter} is outside the subset"
        );
        let path = sample(capture);
        let (linktype, packets) = packets_of(&std::fs::read(&path).unwrap());
        let want = tcpdump(&path, filter);
        assert!(
            !want.is_empty() && want.len() < packets.len(),
            "{capture} {filter}: {} of {}",
            want.len(),
            packets.len()
        );
        let tmp = tempfile::tempdir().unwrap();
        let got = stored_search(tmp.path(), linktype, &packets, filter);
        assert_eq!(got.len(), want.len(), "{capture} {filter}");
        assert!(
            got == want,
            "{capture} {filter}: other packets than tcpdump's"
        );
    }
}

#[test]
fn a_filter_libpcap_cannot_compile_is_refused_with_its_message() {
    for bad in ["tcp[13] &", "vlan 5000", "ether host 1:2:3", "port 99999"] {
        match Filter::compile(bad) {
            Err(LibpcapError::Compile(m)) => assert!(!m.is_empty(), "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn a_segment_whose_link_type_the_filter_cannot_apply_to_has_no_match() {
    // Raw IPv4 (LINKTYPE_RAW, 101): `ether` has no meaning there.
    let ip = crate::ring_tests::tcp([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 0)[14..].to_vec();
    let tmp = tempfile::tempdir().unwrap();
    assert!(stored_search(
        tmp.path(),
        101,
        std::slice::from_ref(&ip),
        "ether host 1:2:3:4:5:6"
    )
    .is_empty());
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(stored_search(tmp.path(), 101, &[ip], "ip[9] = 6").len(), 1);
}
