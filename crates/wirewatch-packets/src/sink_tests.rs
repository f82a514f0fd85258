//! Tests of the writer thread: shutdown keeps everything, the capture
//! thread waits for a slow writer and nothing is dropped, write errors are
//! surfaced, and what is handed in becomes searchable without a flush.

use crate::ring::{Config, Writer, WriterStats};
use crate::ring_tests::tcp;
use crate::search::{search, Query};
use crate::sink::{Options, Sink, Target};
use crate::{Error, Result};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use wirewatch_wire::packet::{Link, Meta};

const T0: i64 = 1_700_000_000_000_000_000;

fn small(dir: &Path) -> Config {
    Config {
        dir: dir.to_path_buf(),
        max_bytes: 64 * 1024 * 1024,
        max_age_ms: 86_400_000,
        segment_bytes: 1024 * 1024,
        block_bytes: 64 * 1024,
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

/// The times of the packets a search finds, in the order found.
fn found(dir: &Path) -> Vec<i64> {
    let mut ts = Vec::new();
    search(dir, &everything(), |_, r| {
        ts.push(r.ts_ns);
        true
    })
    .unwrap();
    ts
}

fn meta_of(p: &[u8]) -> Meta {
    crate::meta::of(Some(Link::Ethernet), p)
}

#[test]
fn dropping_the_sink_keeps_every_packet_handed_in() {
    let tmp = tempfile::tempdir().unwrap();
    let sink = Sink::spawn(Writer::open(small(tmp.path())).unwrap()).unwrap();
    let n = 5_000i64;
    for i in 0..n {
        // Sizes vary so that buffers end mid-way through a packet's place.
        let p = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, (i % 700) as usize);
        sink.write_decoded(
            T0 + i,
            p.len() as u32,
            Some(Link::Ethernet),
            &p,
            &meta_of(&p),
        )
        .unwrap();
    }
    drop(sink);
    // Reopened: nothing left to repair, every packet indexed, in order.
    let w = Writer::open(small(tmp.path())).unwrap();
    assert_eq!(w.stats.blocks_rebuilt, 0);
    drop(w);
    let ts = found(tmp.path());
    assert_eq!(ts, (0..n).map(|i| T0 + i).collect::<Vec<_>>());
}

#[test]
fn flush_waits_for_the_queue_and_stats_follow() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        buffer_bytes: 4096,
        queue: 2,
        flush_every: Duration::from_secs(3600),
    };
    let sink = Sink::spawn_with(Writer::open(small(tmp.path())).unwrap(), opts).unwrap();
    let p = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 500);
    for i in 0..300 {
        sink.write_decoded(
            T0 + i,
            p.len() as u32,
            Some(Link::Ethernet),
            &p,
            &meta_of(&p),
        )
        .unwrap();
    }
    // An unknown link is counted as skipped, not written.
    sink.write_decoded(T0 + 300, 60, None, &p, &Meta::Other)
        .unwrap();
    sink.flush().unwrap();
    assert_eq!(found(tmp.path()).len(), 300);
    let st = sink.stats();
    assert_eq!((st.packets, st.skipped), (300, 1));
    assert_eq!(sink.errors(), 0);
}

/// A target that records what it is given and can be held still.
#[derive(Clone, Default)]
struct Gate {
    open: Arc<(Mutex<bool>, Condvar)>,
    got: Arc<Mutex<Vec<i64>>>,
    /// Fail the packet at this time.
    fail_at: Option<i64>,
}

impl Gate {
    fn set(&self, open: bool) {
        *self.open.0.lock().unwrap() = open;
        self.open.1.notify_all();
    }
}

impl Target for Gate {
    fn put(&mut self, ts: i64, _: u32, _: Option<Link>, _: &[u8], _: &Meta) -> Result<()> {
        let (m, cv) = &*self.open;
        let mut open = m.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
        drop(open);
        if self.fail_at == Some(ts) {
            return Err(Error::io(
                Path::new("seg-test.pcap"),
                std::io::Error::other("no space left"),
            ));
        }
        self.got.lock().unwrap().push(ts);
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
    fn stats(&self) -> WriterStats {
        WriterStats::default()
    }
}

#[test]
fn a_blocked_writer_makes_the_capture_thread_wait_and_nothing_is_dropped() {
    let gate = Gate::default();
    // One packet per buffer, one buffer in the queue.
    let opts = Options {
        buffer_bytes: 100,
        queue: 1,
        flush_every: Duration::from_secs(3600),
    };
    let sink = Arc::new(Sink::start(gate.clone(), opts).unwrap());
    let handed = Arc::new(AtomicUsize::new(0));
    let producer = std::thread::spawn({
        let (sink, handed) = (sink.clone(), handed.clone());
        move || {
            let p = [0u8; 80];
            for i in 0..20 {
                sink.write_decoded(T0 + i, 80, Some(Link::Ethernet), &p, &Meta::Other)
                    .unwrap();
                handed.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    // The writer holds the first buffer, the queue the second, the third is
    // being filled: the fourth packet waits.
    let t = Instant::now();
    while handed.load(Ordering::SeqCst) < 3 && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    let waiting_at = handed.load(Ordering::SeqCst);
    assert_eq!(waiting_at, 3, "the producer did not wait for the writer");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(handed.load(Ordering::SeqCst), 3, "the producer went on");
    assert!(!producer.is_finished());
    gate.set(true);
    producer.join().unwrap();
    sink.flush().unwrap();
    assert_eq!(
        *gate.got.lock().unwrap(),
        (0..20).map(|i| T0 + i).collect::<Vec<_>>()
    );
}

#[test]
fn a_write_error_on_the_writer_thread_is_reported_to_the_next_call() {
    let gate = Gate {
        fail_at: Some(T0 + 1),
        ..Gate::default()
    };
    gate.set(true);
    let opts = Options {
        buffer_bytes: 100,
        queue: 1,
        flush_every: Duration::from_secs(3600),
    };
    let sink = Sink::start(gate.clone(), opts).unwrap();
    let p = [0u8; 80];
    let put = |i: i64| sink.write_decoded(T0 + i, 80, Some(Link::Ethernet), &p, &Meta::Other);
    // Packets 0 and 1 are handed over by the writes of 1 and 2.
    put(0).unwrap();
    put(1).unwrap();
    // The writer thread may fail packet 1 before this call returns.
    let r2 = put(2);
    let t = Instant::now();
    while sink.errors() == 0 && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(sink.errors(), 1);
    let r3 = put(3);
    // Exactly one of the calls after the failure reports it.
    let e = match (r2, r3) {
        (Err(e), Ok(())) | (Ok(()), Err(e)) => e,
        other => panic!("the error was not reported once: {other:?}"),
    };
    assert!(e.to_string().contains("no space left"), "{e}");
    // Reported once; the packets after it are kept.
    put(4).unwrap();
    sink.flush().unwrap();
    assert_eq!(*gate.got.lock().unwrap(), vec![T0, T0 + 2, T0 + 3, T0 + 4]);
}

#[test]
fn a_write_error_of_the_ring_is_returned_by_flush() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ring");
    let sink = Sink::spawn(Writer::open(small(&dir)).unwrap()).unwrap();
    // The ring's directory is gone: its first segment cannot be created.
    std::fs::remove_dir_all(&dir).unwrap();
    let p = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 100);
    for i in 0..10 {
        // Nothing reaches the writer before the flush (one buffer).
        sink.write_decoded(
            T0 + i,
            p.len() as u32,
            Some(Link::Ethernet),
            &p,
            &meta_of(&p),
        )
        .unwrap();
    }
    let e = sink.flush().unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert_eq!(sink.errors(), 10);
    // Reported once.
    sink.flush().unwrap();
}

#[test]
fn packets_become_searchable_without_a_flush() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        flush_every: Duration::from_millis(50),
        ..Options::default()
    };
    let sink = Sink::spawn_with(Writer::open(small(tmp.path())).unwrap(), opts).unwrap();
    let p = tcp([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 100);
    // Far from filling a buffer: only the timed flush takes them.
    for i in 0..10 {
        sink.write_decoded(
            T0 + i,
            p.len() as u32,
            Some(Link::Ethernet),
            &p,
            &meta_of(&p),
        )
        .unwrap();
    }
    let t = Instant::now();
    let mut n = 0;
    while n < 10 && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
        n = found(tmp.path()).len();
    }
    assert_eq!(n, 10, "not searchable after {:?}", t.elapsed());
    // More, later: taken by the next tick too.
    for i in 10..15 {
        sink.write_decoded(
            T0 + i,
            p.len() as u32,
            Some(Link::Ethernet),
            &p,
            &meta_of(&p),
        )
        .unwrap();
    }
    let t = Instant::now();
    while n < 15 && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
        n = found(tmp.path()).len();
    }
    assert_eq!(n, 15);
    assert_eq!(
        found(tmp.path()),
        (0..15).map(|i| T0 + i).collect::<Vec<_>>()
    );
}
