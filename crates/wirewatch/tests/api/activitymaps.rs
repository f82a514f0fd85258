//! Activity maps over real captures: `wirewatch ingest` of the sample
//! captures, then the SOAR questions ("peers of device X", "protocols device
//! X speaks") asked of `wirewatch serve` as the Splunk SOAR connector asks
//! them, checked against what tshark says of the same files (conversations,
//! bytes, frame protocols). Needs `tshark` (`apt-get install tshark`).

use crate::common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const FILES: [&str; 3] = ["wikipedia.pcap", "sshguess.pcap", "bruteforce.pcap"];

/// Past every capture's time: the captures are years old, so the window is absolute.
const UNTIL: i64 = 253_402_300_799_000;

fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(args)
        .output()
        .expect("tshark is needed for this test: apt-get install tshark");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One conversation of `tshark -q -z conv,tcp|udp`: the two addresses, frames and bytes (frames as captured).
#[derive(Debug)]
struct Conv {
    a: String,
    b: String,
    frames: u64,
    bytes: u64,
}

/// Strip the port from tshark's `addr:port` (IPv6 addresses hold colons too).
fn host(endpoint: &str) -> String {
    endpoint.rsplit_once(':').unwrap().0.to_string()
}

fn conversations(file: &str, proto: &str) -> Vec<Conv> {
    let text = tshark(&["-r", file, "-q", "-z", &format!("conv,{proto}")]);
    text.lines()
        .filter(|l| l.contains("<->"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // a <-> b  f1 b1 bytes  f2 b2 bytes  frames total bytes ...
            assert_eq!(f[11], "bytes", "tshark wrote another unit: {l}");
            Conv {
                a: host(f[0]),
                b: host(f[2]),
                frames: f[9].parse().unwrap(),
                bytes: f[10].parse().unwrap(),
            }
        })
        .collect()
}

/// The application protocols tshark finds in the frames to or from `ip`,
/// named as ExtraHop names them.
fn frame_protocols(file: &str, ip: &str) -> BTreeSet<String> {
    let text = tshark(&[
        "-r",
        file,
        "-Y",
        &format!("ip.addr == {ip}"),
        "-T",
        "fields",
        "-e",
        "frame.protocols",
    ]);
    let names = BTreeMap::from([
        ("ip", "IPv4"),
        ("tcp", "TCP"),
        ("udp", "UDP"),
        ("http", "HTTP"),
        ("dns", "DNS"),
        ("ssh", "SSH"),
        ("ftp", "FTP"),
        ("tls", "SSL"),
    ]);
    text.lines()
        .flat_map(|l| l.split(':'))
        .filter_map(|p| names.get(p).map(|n| n.to_string()))
        .collect()
}

struct Fixture {
    s: Server,
    _dir: tempfile::TempDir,
    /// Device id by address, and the gateway's id.
    by_ip: BTreeMap<String, u64>,
    gateway: u64,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = FILES.iter().map(|f| sample(f)).collect();
    let (ok, text, err) = ingest_into(dir.path(), &[], &files);
    assert!(ok, "{text}\n{err}");
    let s = Server::start_on(dir.path());
    let r = s.get("/api/v1/devices");
    assert_eq!(r.status, 200, "{}", r.text);
    let mut by_ip = BTreeMap::new();
    let mut gateways = Vec::new();
    for d in r.body.as_array().unwrap() {
        let id = d["id"].as_u64().unwrap();
        for ip in d["ipaddrs"].as_array().unwrap() {
            by_ip.insert(ip.as_str().unwrap().to_string(), id);
        }
        if d["role"] == "gateway" {
            gateways.push(id);
        }
    }
    // wikipedia.pcap's hosts reach the internet through one router.
    assert_eq!(gateways.len(), 1, "{}", r.text);
    Fixture {
        s,
        _dir: dir,
        by_ip,
        gateway: gateways[0],
    }
}

impl Fixture {
    /// The device an address belongs to: its own, or the gateway for an
    /// address no device has (the internet).
    fn device_of(&self, ip: &str) -> u64 {
        self.by_ip.get(ip).copied().unwrap_or(self.gateway)
    }

    fn query(&self, body: Value) -> Value {
        let r = self.s.post("/api/v1/activitymaps/query", body);
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }
}

/// Splunk SOAR's "get peers" body, with an absolute window.
fn peers_body(id: u64) -> Value {
    json!({"from": 1, "until": UNTIL, "walks": [{"origins": [{"object_id": id, "object_type": "device"}],
           "steps": [{"relationships": [{"protocol": "any", "role": "any"}]}]}]})
}

/// Splunk SOAR's "get protocols" body, with an absolute window.
fn protocols_body(id: u64) -> Value {
    json!({"edge_annotations": ["protocols"], "from": 1, "until": UNTIL,
           "walks": [{"origins": [{"object_id": id, "object_type": "device"}], "steps": [{}]}]})
}

/// The peers of an edge list as Splunk SOAR reads them: the other end.
fn peers_in(answer: &Value, id: u64) -> BTreeSet<u64> {
    answer["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (from, to) = (e["from"].as_u64().unwrap(), e["to"].as_u64().unwrap());
            assert!(from == id || to == id, "{e}");
            if to == id {
                from
            } else {
                to
            }
        })
        .collect()
}

/// As Splunk SOAR reads protocols: every name of every stack, `OTHER` dropped.
fn protocols_in(answer: &Value) -> BTreeSet<String> {
    answer["edges"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["annotations"]["protocols"].as_array().unwrap().clone())
        .flat_map(|p| p["protocol"].as_array().unwrap().clone())
        .map(|p| p.as_str().unwrap().to_string())
        .filter(|p| p != "OTHER")
        .collect()
}

#[test]
fn peers_and_protocols_of_a_device_match_tshark() {
    let f = fixture();
    // (capture, the host asked about): a client of the internet behind a
    // router, and a client of two local servers over two captures.
    for (files, ip) in [
        (&["wikipedia.pcap"][..], "141.142.220.118"),
        (&["sshguess.pcap", "bruteforce.pcap"][..], "192.168.56.1"),
    ] {
        let id = f.device_of(ip);
        let mut want_peers = BTreeSet::new();
        let mut want_protocols = BTreeSet::new();
        for file in files {
            let path = sample(file);
            for proto in ["tcp", "udp"] {
                for c in conversations(&path, proto) {
                    if c.a == ip {
                        want_peers.insert(f.device_of(&c.b));
                    } else if c.b == ip {
                        want_peers.insert(f.device_of(&c.a));
                    }
                }
            }
            want_protocols.extend(frame_protocols(&path, ip));
        }
        assert!(!want_peers.is_empty());
        let got = f.query(peers_body(id));
        assert_eq!(peers_in(&got, id), want_peers, "peers of {ip}: {got}");
        let got = f.query(protocols_body(id));
        assert_eq!(
            protocols_in(&got),
            want_protocols,
            "protocols of {ip}: {got}"
        );
    }
}

/// Weights by bytes and by connections, stack by stack, against tshark's
/// conversations: IP bytes are the captured bytes less 14 per (Ethernet) frame.
#[test]
fn weights_match_tshark_conversations() {
    let f = fixture();
    let client = "141.142.220.118";
    let id = f.device_of(client);
    let path = sample("wikipedia.pcap");
    let mut want_bytes = BTreeMap::new();
    let mut want_conns = BTreeMap::new();
    for (proto, stack) in [("tcp", "IPv4/TCP/HTTP"), ("udp", "IPv4/UDP/DNS")] {
        for c in conversations(&path, proto)
            .into_iter()
            .filter(|c| c.a == client || c.b == client)
        {
            *want_bytes.entry(stack.to_string()).or_insert(0) += c.bytes - 14 * c.frames;
            *want_conns.entry(stack.to_string()).or_insert(0) += 1;
        }
    }
    for (weighting, want) in [("bytes", &want_bytes), ("connections", &want_conns)] {
        let mut body = protocols_body(id);
        body["weighting"] = json!(weighting);
        let got = f.query(body);
        let edges = got["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 1, "{got}");
        let e = &edges[0];
        assert_eq!(
            (e["from"].as_u64(), e["to"].as_u64()),
            (Some(id), Some(f.gateway))
        );
        let by_stack: BTreeMap<String, u64> = e["annotations"]["protocols"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let stack: Vec<&str> = p["protocol"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect();
                (stack.join("/"), p["weight"].as_u64().unwrap())
            })
            .collect();
        assert_eq!(&by_stack, want, "{weighting}: {got}");
        assert_eq!(e["weight"].as_u64().unwrap(), want.values().sum::<u64>());
    }
}
