//! Raw ODS targets against real TCP and UDP listeners: bytes as sent, gzip
//! members split at the size threshold.

use crate::common::{Client, Server};
use serde_json::json;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A TCP listener collecting everything every connection sends.
fn tcp_sink() -> (u16, Arc<Mutex<Vec<u8>>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<u8>>> = Arc::default();
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let g = g.clone();
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut buf = [0u8; 65536];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    g.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (port, got)
}

fn wait(what: &str, pred: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn raise(s: &Server, script: &str, n: u64) {
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "raw", "events": ["EXTERNAL_DATA"], "script": script}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/triggers/externaldata",
        json!({"type": "t", "body": {"n": n}}),
    );
    assert_eq!(r.status, 202);
}

#[test]
fn raw_tcp_carries_the_bytes_as_sent() {
    let (port, got) = tcp_sink();
    let s = Server::start();
    let r = s.post(
        "/api/v1/odstargets/raw",
        json!({"name": "r", "host": "127.0.0.1", "port": port, "protocol": "tcp"}),
    );
    assert_eq!(r.status, 201);
    raise(
        &s,
        "for (let i = 0; i < ExternalData.body.n; i++) Remote.Raw('r').send('line ' + i + '\\n');",
        300,
    );
    let expect: String = (0..300).map(|i| format!("line {i}\n")).collect();
    wait("300 lines", || got.lock().unwrap().len() >= expect.len());
    assert_eq!(
        String::from_utf8(got.lock().unwrap().clone()).unwrap(),
        expect
    );
}

#[test]
fn raw_tcp_with_gzip_sends_members_no_larger_than_the_threshold() {
    let (port, got) = tcp_sink();
    let s = Server::start();
    let r = s.post(
        "/api/v1/odstargets/raw",
        json!({"name": "z", "host": "127.0.0.1", "port": port, "protocol": "tcp",
               "compression": true, "gzip_threshold_bytes": 1000}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    raise(&s, "for (let i = 0; i < ExternalData.body.n; i++) Remote.Raw('z').send('record ' + i + ' ' + 'x'.repeat(80) + '\\n');", 200);
    let expect: String = (0..200)
        .map(|i| format!("record {i} {}\n", "x".repeat(80)))
        .collect();
    let decode = |bytes: &[u8]| {
        let mut out = String::new();
        let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut out);
        out
    };
    wait("the gzip stream", || decode(&got.lock().unwrap()) == expect);
    // Each member holds at most ~1000 bytes of input: count members by their magic.
    let bytes = got.lock().unwrap().clone();
    let members = bytes
        .windows(3)
        .filter(|w| w == &[0x1f, 0x8b, 0x08])
        .count();
    assert!(
        members >= expect.len() / 1000,
        "{members} members for {} bytes",
        expect.len()
    );
}

#[test]
fn raw_udp_sends_one_datagram_per_message() {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    let s = Server::start();
    let r = s.post(
        "/api/v1/odstargets/raw",
        json!({"name": "u", "host": "127.0.0.1", "port": port, "protocol": "udp"}),
    );
    assert_eq!(r.status, 201);
    raise(&s, "for (let i = 0; i < ExternalData.body.n; i++) Remote.Raw('u').send(JSON.stringify({i: i}));", 5);
    let mut seen = Vec::new();
    let mut buf = [0u8; 2048];
    for _ in 0..5 {
        let n = sock.recv(&mut buf).expect("a datagram");
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(
        seen,
        (0..5).map(|i| format!("{{\"i\":{i}}}")).collect::<Vec<_>>()
    );
}
