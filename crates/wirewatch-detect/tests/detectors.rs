//! Each detector fires on a capture that shows the behaviour and stays quiet on one that does not.

use std::path::PathBuf;
use wirewatch_detect::detectors::{Engine, Thresholds};
use wirewatch_model::detection::NewDetection;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::devices::is_internal;
use wirewatch_sensor::Sensor;

fn shared(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
}

fn detect(trace: &str, t: Thresholds) -> Vec<NewDetection> {
    let mut r = CaptureReader::open(&shared(trace)).unwrap();
    let mut s = Sensor::default();
    let mut e = Engine::new(t, is_internal);
    let feed = |s: &mut Sensor, e: &mut Engine| {
        for (ends, ev) in s.out.ftp.drain(..) {
            e.ftp(&ends, &ev);
        }
        for f in s.out.flows.drain(..) {
            e.flow(&f);
        }
    };
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
        feed(&mut s, &mut e);
    }
    s.finish();
    feed(&mut s, &mut e);
    e.take()
}

fn offender(d: &NewDetection) -> String {
    d.participants
        .iter()
        .find(|p| p.role == wirewatch_model::detection::Role::Offender)
        .and_then(|p| p.object_value.clone())
        .unwrap()
}

#[test]
fn ssh_brute_force_fires_on_sshguess() {
    let d = detect("zeek/traces/ssh/sshguess.pcap", Thresholds::default());
    let ssh: Vec<_> = d.iter().filter(|d| d.kind == "ssh_brute_force").collect();
    assert_eq!(ssh.len(), 1, "{d:?}");
    assert_eq!(offender(ssh[0]), "192.168.56.1");
    assert!(ssh[0].properties["failures"].as_u64().unwrap() >= 10);
    // An ordinary SSH session is not an attack.
    assert!(detect("ndpi/pcaps/ssh.pcap", Thresholds::default())
        .iter()
        .all(|d| d.kind != "ssh_brute_force"));
    assert!(detect("zeek/traces/wikipedia.pcap", Thresholds::default()).is_empty());
}

#[test]
fn ftp_brute_force_fires_on_bruteforce_pcap() {
    let d = detect("zeek/traces/ftp/bruteforce.pcap", Thresholds::default());
    let ftp: Vec<_> = d.iter().filter(|d| d.kind == "ftp_brute_force").collect();
    assert_eq!(ftp.len(), 1, "{d:?}");
    assert_eq!(offender(ftp[0]), "192.168.56.1");
    assert!(detect("zeek/traces/ftp/ipv6.pcap", Thresholds::default())
        .iter()
        .all(|d| d.kind != "ftp_brute_force"));
}

#[test]
fn port_scan_fires_on_a_syn_scan() {
    let d = detect("ndpi/pcaps/synscan.pcap", Thresholds::default());
    let scans: Vec<_> = d.iter().filter(|d| d.kind == "port_scan").collect();
    assert!(!scans.is_empty(), "{d:?}");
    assert_eq!(scans[0].properties["scan_type"], "vertical");
    assert!(scans[0].properties["ports_scanned"].as_u64().unwrap() >= 100);
    assert!(detect("zeek/traces/http/get.pcap", Thresholds::default())
        .iter()
        .all(|d| d.kind != "port_scan"));
}

#[test]
fn thresholds_are_configurable() {
    let strict = Thresholds {
        ssh_failures: 50,
        ..Thresholds::default()
    };
    assert!(detect("zeek/traces/ssh/sshguess.pcap", strict)
        .iter()
        .all(|d| d.kind != "ssh_brute_force"));
}

#[test]
fn external_admin_connections_are_new_once() {
    use wirewatch_sensor::FlowRecord;
    let flow = |client: &str, server: &str, port: u16| FlowRecord {
        id: 1,
        first_ns: 1_000_000_000,
        last_ns: 2_000_000_000,
        proto: 6,
        orig: (client.parse().unwrap(), 50000),
        resp: (server.parse().unwrap(), port),
        service: None,
        conn_state: "SF",
        history: "ShADadFf".into(),
        orig_pkts: 10,
        orig_ip_bytes: 1000,
        resp_pkts: 10,
        resp_ip_bytes: 1000,
        orig_l2_bytes: 1140,
        resp_l2_bytes: 1140,
        orig_bytes: 500,
        resp_bytes: 500,
        vlan: None,
        orig_mac: None,
        resp_mac: None,
        tunnel: None,
    };
    let mut e = Engine::new(Thresholds::default(), is_internal);
    e.flow(&flow("203.0.113.9", "10.0.0.5", 3389));
    e.flow(&flow("203.0.113.9", "10.0.0.5", 3389));
    e.flow(&flow("10.0.0.7", "10.0.0.5", 3389));
    e.flow(&flow("203.0.113.9", "10.0.0.5", 8080));
    let d = e.take();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].kind, "new_external_admin_connection");
    assert_eq!(d[0].properties["protocol"], "RDP");
}

fn detect_all(trace: &str) -> Vec<NewDetection> {
    let mut r = CaptureReader::open(&shared(trace)).unwrap();
    let mut s = Sensor::default();
    let mut e = Engine::new(Thresholds::default(), is_internal);
    let feed = |s: &mut Sensor, e: &mut Engine| {
        for (ends, ev) in s.out.ftp.drain(..) {
            e.ftp(&ends, &ev);
        }
        for (ends, ev) in s.out.http.drain(..) {
            e.http(&ends, &ev);
        }
        for (ends, q) in s.out.dns_queries.drain(..) {
            e.dns_query(&ends, &q);
        }
        for f in s.out.flows.drain(..) {
            e.flow(&f);
        }
    };
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
        feed(&mut s, &mut e);
    }
    s.finish();
    feed(&mut s, &mut e);
    e.take()
}

#[test]
fn cleartext_credentials_over_http_and_ftp() {
    let d = detect_all("ndpi/pcaps/http_auth.pcap");
    let c: Vec<_> = d
        .iter()
        .filter(|d| d.kind == "cleartext_credentials")
        .collect();
    assert!(!c.is_empty(), "{d:?}");
    assert_eq!(c[0].properties["protocol"], "HTTP");
    assert!(!c[0].properties["username"].as_str().unwrap().is_empty());
    let f = detect_all("zeek/traces/ftp/bruteforce.pcap");
    assert!(f
        .iter()
        .any(|d| d.kind == "cleartext_credentials" && d.properties["protocol"] == "FTP"));
    // Plain browsing sends no credentials; anonymous FTP is not a credential.
    assert!(detect_all("zeek/traces/wikipedia.pcap")
        .iter()
        .all(|d| d.kind != "cleartext_credentials"));
    assert!(detect_all("zeek/traces/ftp/ipv6.pcap")
        .iter()
        .all(|d| d.kind != "cleartext_credentials"));
}

#[test]
fn dns_tunnel_fires_on_iodine_and_not_on_browsing() {
    let d = detect_all("ndpi/pcaps/dns-tunnel-iodine.pcap");
    let t: Vec<_> = d.iter().filter(|d| d.kind == "dns_tunnel").collect();
    assert_eq!(t.len(), 1, "{d:?}");
    assert!(t[0].properties["max_label_length"].as_u64().unwrap() >= 40);
    assert!(detect_all("zeek/traces/wikipedia.pcap")
        .iter()
        .all(|d| d.kind != "dns_tunnel" && d.kind != "suspicious_tld"));
}

fn attempt(
    server: &str,
    port: u16,
    conn_state: &'static str,
    orig_bytes: u64,
    t_ms: i64,
) -> wirewatch_sensor::FlowRecord {
    wirewatch_sensor::FlowRecord {
        id: 1,
        first_ns: t_ms * 1_000_000,
        last_ns: t_ms * 1_000_000 + 1_000,
        proto: 6,
        orig: ("10.9.9.9".parse().unwrap(), 40000),
        resp: (server.parse().unwrap(), port),
        service: None,
        conn_state,
        history: "S".into(),
        orig_pkts: 1,
        orig_ip_bytes: 60,
        resp_pkts: 0,
        resp_ip_bytes: 0,
        orig_l2_bytes: 74,
        resp_l2_bytes: 0,
        orig_bytes,
        resp_bytes: 0,
        vlan: None,
        orig_mac: None,
        resp_mac: None,
        tunnel: None,
    }
}

#[test]
fn horizontal_port_scan_fires_at_its_threshold_only() {
    let t = Thresholds::default();
    let hosts = |n: usize, state: &'static str, bytes: u64, step_ms: i64| {
        let mut e = Engine::new(t.clone(), is_internal);
        for i in 0..n {
            e.flow(&attempt(
                &format!("10.1.{}.{}", i / 200, 1 + i % 200),
                445,
                state,
                bytes,
                1_000 + i as i64 * step_ms,
            ));
        }
        e.take()
    };
    // One port on scan_hosts hosts, unanswered or refused: a horizontal scan.
    for state in ["S0", "REJ"] {
        let d = hosts(t.scan_hosts, state, 0, 10);
        assert_eq!(d.len(), 1, "{state}: {d:?}");
        assert_eq!(d[0].kind, "port_scan");
        assert_eq!(d[0].properties["scan_type"], "horizontal");
        assert_eq!(d[0].properties["hosts_scanned"], t.scan_hosts);
        assert_eq!(d[0].properties["port_sample"][0], "445");
        assert_eq!(offender(&d[0]), "10.9.9.9");
    }
    // One host fewer, answered connections, or probes spread beyond the window: nothing.
    assert!(hosts(t.scan_hosts - 1, "S0", 0, 10).is_empty());
    assert!(hosts(t.scan_hosts * 2, "SF", 300, 10).is_empty());
    assert!(hosts(t.scan_hosts, "S0", 0, t.window_ms / 10).is_empty());
}
