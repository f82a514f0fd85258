//! Tests of the ring: rotation by size and age, repair after a kill, the
//! index skipping blocks, and searches over what was written.

use crate::bpf;
use crate::ring::{list_segments, segment_paths, Config, Writer};
use crate::search::{search, Query, Stop};
use std::io::Write;
use std::path::Path;

/// Ethernet + IPv4 + TCP from `src:sport` to `dst:dport` with `payload` bytes.
pub(crate) fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: usize) -> Vec<u8> {
    let mut f = vec![0u8; 12];
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (40 + payload) as u16;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0, 1, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend(std::iter::repeat_n(0xab, payload));
    f
}

fn small(dir: &Path, max_bytes: u64, max_age_ms: i64) -> Config {
    Config {
        dir: dir.to_path_buf(),
        max_bytes,
        max_age_ms,
        segment_bytes: 64 * 1024,
        block_bytes: 8 * 1024,
    }
}

fn everything() -> Query {
    Query {
        from_ns: i64::MIN,
        until_ns: i64::MAX,
        filter: None,
        libpcap: None,
        limit_bytes: u64::MAX,
        deadline: None,
    }
}

fn count(dir: &Path, q: &Query) -> (u64, crate::SearchStats) {
    let mut n = 0;
    let st = search(dir, q, |_, _| {
        n += 1;
        true
    })
    .unwrap();
    (n, st)
}

const T0: i64 = 1_700_000_000_000_000_000;

#[test]
fn segments_rotate_by_size_and_the_oldest_go_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = Writer::open(small(tmp.path(), 256 * 1024, 86_400_000)).unwrap();
    let pkt = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 946);
    for i in 0..1000 {
        w.write(T0 + i * 1_000_000, pkt.len() as u32, 1, &pkt)
            .unwrap();
    }
    w.flush().unwrap();
    let segs = list_segments(tmp.path()).unwrap();
    let on_disk: u64 = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(segs.len() >= 3, "{segs:?}");
    assert!(segs[0] > 1, "the first segments were deleted: {segs:?}");
    assert!(on_disk <= 256 * 1024 + 64, "{on_disk} bytes kept");
    assert!(w.stats.segments_deleted > 0);
    // Every segment holds at most segment_bytes and starts with the pcap header.
    for s in &segs {
        let (p, _) = segment_paths(tmp.path(), *s);
        let b = std::fs::read(&p).unwrap();
        assert!(b.len() as u64 <= 64 * 1024);
        assert_eq!(crate::pcap::parse_file_header(&b), Some(1));
    }
    // What is kept is the newest packets, all searchable.
    let (n, _) = count(tmp.path(), &everything());
    assert!(n > 100 && n < 1000, "{n}");
    let mut last = 0;
    search(tmp.path(), &everything(), |_, r| {
        last = r.ts_ns;
        true
    })
    .unwrap();
    assert_eq!(last, T0 + 999 * 1_000_000);
}

#[test]
fn segments_older_than_the_max_age_are_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = Writer::open(small(tmp.path(), 1 << 30, 50)).unwrap();
    let pkt = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 900);
    for i in 0..200 {
        w.write(T0 + i, pkt.len() as u32, 1, &pkt).unwrap();
    }
    w.flush().unwrap();
    let before = list_segments(tmp.path()).unwrap();
    assert!(before.len() >= 3, "{before:?}");
    std::thread::sleep(std::time::Duration::from_millis(120));
    // Writing on starts a new segment; the old ones are past their age.
    for i in 0..80 {
        w.write(T0 + 1000 + i, pkt.len() as u32, 1, &pkt).unwrap();
    }
    w.flush().unwrap();
    let after = list_segments(tmp.path()).unwrap();
    assert!(
        after[0] > *before.last().unwrap() - 1,
        "{before:?} -> {after:?}"
    );
    assert!(w.stats.segments_deleted >= before.len() as u64 - 1);
    // Age is measured from when a segment was written, not from packet times
    // (which are the capture's: years old for an archived capture).
    let (n, _) = count(tmp.path(), &everything());
    assert!(n >= 1, "the newest packets are kept");
}

#[test]
fn a_killed_writer_leaves_a_ring_that_reopens_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = small(tmp.path(), 1 << 30, 86_400_000);
    let pkt = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 100);
    let mut w = Writer::open(cfg.clone()).unwrap();
    for i in 0..300 {
        w.write(T0 + i, pkt.len() as u32, 1, &pkt).unwrap();
    }
    w.flush().unwrap();
    // A kill: no drop. Then what a kill can leave: the index lost its last
    // records and a torn one, the segment a torn packet.
    std::mem::forget(w);
    let segs = list_segments(tmp.path()).unwrap();
    let (seg, idx) = segment_paths(tmp.path(), *segs.last().unwrap());
    let idx_len = std::fs::metadata(&idx).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&idx).unwrap();
    f.set_len(8).unwrap();
    let mut f = std::fs::OpenOptions::new().append(true).open(&idx).unwrap();
    f.write_all(&[40, 0, 0, 0, 1, 2, 3]).unwrap();
    let seg_len = std::fs::metadata(&seg).unwrap().len();
    let mut s = std::fs::OpenOptions::new().append(true).open(&seg).unwrap();
    s.write_all(&crate::pcap::record_header(T0 + 999, 500, 500, 1))
        .unwrap();
    s.write_all(&[1u8; 20]).unwrap();
    assert!(idx_len > 8);
    let before_reopen = count(tmp.path(), &everything()).0;
    assert!(
        before_reopen < 300,
        "the lost index hides packets until repaired"
    );

    let w = Writer::open(cfg).unwrap();
    assert!(w.stats.blocks_rebuilt >= 1);
    assert_eq!(
        std::fs::metadata(&seg).unwrap().len(),
        seg_len,
        "the torn packet is cut off"
    );
    let (n, _) = count(tmp.path(), &everything());
    assert_eq!(n, 300, "every whole packet is searchable again");
    drop(w);
    // Reopened, the repaired ring is left as it is.
    let w = Writer::open(small(tmp.path(), 1 << 30, 86_400_000)).unwrap();
    assert_eq!(w.stats.blocks_rebuilt, 0);
}

#[test]
fn another_live_process_holding_the_lock_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // pid 1 is alive on every Linux system.
    std::fs::write(tmp.path().join("lock"), "1").unwrap();
    assert!(Writer::open(small(tmp.path(), 1 << 30, 1000)).is_err());
    // A lock whose process is gone is taken over.
    std::fs::write(tmp.path().join("lock"), "4000000000").unwrap();
    assert!(Writer::open(small(tmp.path(), 1 << 30, 1000)).is_ok());
}

#[test]
fn the_index_skips_blocks_without_the_filters_keys_and_outside_the_window() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = Writer::open(small(tmp.path(), 1 << 30, 86_400_000)).unwrap();
    let a = tcp([10, 0, 0, 1], [10, 0, 0, 2], 40000, 443, 500);
    let b = tcp([10, 0, 0, 3], [10, 0, 0, 4], 40001, 80, 500);
    // 50 blocks of b, then a few packets of a, then b again.
    for i in 0..400 {
        w.write(T0 + i * 1_000_000_000, b.len() as u32, 1, &b)
            .unwrap();
    }
    for i in 400..405 {
        w.write(T0 + i * 1_000_000_000, a.len() as u32, 1, &a)
            .unwrap();
    }
    for i in 405..800 {
        w.write(T0 + i * 1_000_000_000, b.len() as u32, 1, &b)
            .unwrap();
    }
    w.flush().unwrap();
    let q = Query {
        filter: Some(bpf::parse("host 10.0.0.1 and host 10.0.0.2 and port 443").unwrap()),
        ..everything()
    };
    let (n, st) = count(tmp.path(), &q);
    assert_eq!(n, 5);
    assert!(st.blocks_read <= 2, "{st:?}");
    assert!(st.blocks_skipped >= 40, "{st:?}");
    // The time window alone skips blocks too.
    let q = Query {
        from_ns: T0 + 100 * 1_000_000_000,
        until_ns: T0 + 109 * 1_000_000_000,
        ..everything()
    };
    let (n, st) = count(tmp.path(), &q);
    assert_eq!(n, 10);
    assert!(st.blocks_read <= 2, "{st:?}");
    // The byte limit stops after the packet that reaches it.
    let q = Query {
        limit_bytes: 3 * (16 + b.len() as u64) - 1,
        ..everything()
    };
    let (n, st) = count(tmp.path(), &q);
    assert_eq!((n, st.stop), (3, Stop::LimitBytes));
    // An expired deadline stops before reading.
    let q = Query {
        deadline: Some(std::time::Instant::now()),
        ..everything()
    };
    assert_eq!(
        count(tmp.path(), &q),
        (
            0,
            crate::SearchStats {
                stop: Stop::Deadline,
                ..count(tmp.path(), &q).1
            }
        )
    );
}

#[test]
fn packets_of_an_unknown_link_type_are_counted_not_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = Writer::open(small(tmp.path(), 1 << 30, 86_400_000)).unwrap();
    w.write(T0, 10, 9999, &[0u8; 10]).unwrap();
    w.write(T0, 10, 1, &[0u8; 10]).unwrap();
    w.write(T0, 10, 113, &[0u8; 10]).unwrap();
    for _ in 0..10 {
        w.write(T0, 10, 1, &[0u8; 10]).unwrap();
        w.write(T0, 10, 113, &[0u8; 10]).unwrap();
    }
    w.flush().unwrap();
    assert_eq!(w.stats.skipped, 1);
    // One segment per link type (a pcap file has one), however they alternate.
    assert_eq!(list_segments(tmp.path()).unwrap().len(), 2);
    // Past MAX_ACTIVE link types, the one written longest ago makes room.
    for lt in [0, 101, 108, 276, 1] {
        w.write(T0, 10, lt, &[0u8; 10]).unwrap();
    }
    assert_eq!(list_segments(tmp.path()).unwrap().len(), 7);
    // Searchable: what was flushed, and the link-0 packet of the segment
    // retired to make room for link type 1 again (retiring closes its block).
    let (n, _) = count(tmp.path(), &everything());
    assert_eq!(n, 23);
    drop(w);
    assert_eq!(count(tmp.path(), &everything()).0, 27);
    assert!(Config::new(tmp.path().into(), 1000, 1000).is_err());
    assert!(
        Config::new(tmp.path().into(), 1 << 30, 1000)
            .unwrap()
            .segment_bytes
            == 64 << 20
    );
}

/// The blocks of every segment of a ring, oldest first, without the wall
/// clock time each was written at.
fn blocks_of(dir: &Path) -> Vec<crate::index::Block> {
    let mut out = Vec::new();
    for seq in list_segments(dir).unwrap() {
        let (_, idx) = segment_paths(dir, seq);
        let (blocks, _) = crate::index::parse(&std::fs::read(idx).unwrap());
        out.extend(
            blocks
                .into_iter()
                .map(|b| crate::index::Block { written_ms: 0, ..b }),
        );
    }
    out
}

#[test]
fn the_sensors_decode_indexes_packets_as_decoding_them_again_would() {
    // The sample captures (Ethernet; TCP, UDP, ICMP, ARP), and frames the
    // samples lack: an unknown link type, a truncated frame, an IPv4 first
    // and second fragment, a VLAN tag, ARP.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/pcaps");
    let mut packets = Vec::new();
    for name in ["wikipedia.pcap", "portscan.pcap", "sshguess.pcap"] {
        let mut r = wirewatch_sensor::capture::CaptureReader::open(&samples.join(name)).unwrap();
        while let Some(p) = r.next_packet().unwrap() {
            packets.push((p.ts_ns, p.wire_len, p.link, p.data.to_vec()));
        }
    }
    assert!(packets.len() > 1000, "{}", packets.len());
    let eth = Some(wirewatch_wire::packet::Link::Ethernet);
    let t = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 30);
    let mut second_fragment = t.clone();
    second_fragment[20] = 0x00; // offset 8 bytes: not a first fragment
    second_fragment[21] = 0x01;
    let mut first_fragment = t.clone();
    first_fragment[20] = 0x20; // more fragments, offset 0
    let mut vlan = t[..12].to_vec();
    vlan.extend_from_slice(&[0x81, 0x00, 0x00, 0x07]);
    vlan.extend_from_slice(&t[12..]);
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
    arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1]);
    arp.extend_from_slice(&[0, 0, 0, 0, 0, 0, 10, 0, 0, 9]);
    for (link, data) in [
        (None, t.clone()),
        (eth, t[..20].to_vec()),
        (eth, first_fragment),
        (eth, second_fragment),
        (eth, vlan),
        (eth, arp),
    ] {
        packets.push((T0, data.len() as u32, link, data));
    }

    let (by_sensor, decoded_again) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut sensor = wirewatch_sensor::Sensor::default();
    let mut w = Writer::open(small(by_sensor.path(), 1 << 30, 86_400_000)).unwrap();
    let mut kinds = [0; 3];
    for (ts, wire, link, data) in &packets {
        let p = wirewatch_sensor::capture::Packet {
            ts_ns: *ts,
            wire_len: *wire,
            link: *link,
            data,
        };
        let m = sensor.packet(&p);
        assert_eq!(m, crate::meta::of(*link, data), "{data:02x?}");
        kinds[match m {
            crate::meta::Meta::Ip(_) => 0,
            crate::meta::Meta::Arp { .. } => 1,
            crate::meta::Meta::Other => 2,
        }] += 1;
        w.write_decoded(*ts, *wire, *link, data, &m).unwrap();
    }
    drop(w);
    assert!(kinds.iter().all(|k| *k > 0), "{kinds:?}");
    let mut w = Writer::open(small(decoded_again.path(), 1 << 30, 86_400_000)).unwrap();
    for (ts, wire, link, data) in &packets {
        w.write_link(*ts, *wire, *link, data).unwrap();
    }
    drop(w);
    let blocks = blocks_of(by_sensor.path());
    assert!(blocks.len() > 10, "{}", blocks.len());
    assert_eq!(blocks, blocks_of(decoded_again.path()));
    let (a, b) = (
        list_segments(by_sensor.path()).unwrap(),
        list_segments(decoded_again.path()).unwrap(),
    );
    assert_eq!(a, b);
    for seq in a {
        let (sa, _) = segment_paths(by_sensor.path(), seq);
        let (sb, _) = segment_paths(decoded_again.path(), seq);
        assert_eq!(std::fs::read(sa).unwrap(), std::fs::read(sb).unwrap());
    }
}
