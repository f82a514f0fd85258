//! Syslog ODS targets against a real rsyslogd (Debian's package, started by
//! `scripts/test/run-rsyslog.sh` on throwaway ports): UDP, TCP with newline
//! and octet-counting framing, TLS verified against the receiver's CA.

use crate::common::{Client, Server};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Rsyslog {
    dir: tempfile::TempDir,
    udp: u16,
    tcp: u16,
    tls: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Rsyslog {
    fn start() -> Rsyslog {
        let dir = tempfile::tempdir().unwrap();
        let (udp, tcp, tls) = (free_port(), free_port(), free_port());
        let r = Rsyslog { dir, udp, tcp, tls };
        r.launch();
        r
    }

    fn launch(&self) {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/test/run-rsyslog.sh"
        );
        let out = Command::new("bash")
            .arg(script)
            .arg(self.dir.path())
            .args([self.udp, self.tcp, self.tls].map(|p| p.to_string()))
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "rsyslogd did not start (apt-get install rsyslog rsyslog-gnutls): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop(&self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("rsyslogd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Path::new(&format!("/proc/{}", pid.trim())).exists() && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("messages.log")
    }

    fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn wait(&self, secs: u64, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let m = self.messages();
            if pred(&m) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; got {m:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ca(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ca.pem")).unwrap()
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        self.stop();
    }
}

fn target(s: &Server, body: Value) {
    let r = s.post("/api/v1/odstargets/syslog", body);
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn syslog_over_udp_tcp_and_tls_reaches_rsyslog_with_severity_facility_and_key() {
    let rs = Rsyslog::start();
    let s = Server::start();
    target(
        &s,
        json!({"name": "udp", "host": "127.0.0.1", "port": rs.udp, "protocol": "udp"}),
    );
    target(
        &s,
        json!({"name": "tcp", "host": "127.0.0.1", "port": rs.tcp, "protocol": "tcp"}),
    );
    target(
        &s,
        json!({"name": "octet", "host": "127.0.0.1", "port": rs.tcp, "protocol": "tcp",
                      "tcp_length_prefix_framing": true, "concurrent_connections": 3}),
    );
    target(
        &s,
        json!({"name": "tls", "host": "localhost", "port": rs.tls, "protocol": "tls",
                      "tcp_length_prefix_framing": true, "tls_ca_certs": rs.ca()}),
    );
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "to syslog", "events": ["EXTERNAL_DATA"], "script":
            "for (const t of ['udp', 'tcp', 'octet', 'tls']) { Remote.Syslog(t).warn('detection', ExternalData.body.n, 'via', t); }\n\
             Remote.Syslog('tcp').crit('line one\\nline two');"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    s.external_data(json!({"n": 7}));
    let msgs = rs.wait(20, "five messages", |m| m.len() >= 5);
    for via in ["udp", "tcp", "octet", "tls"] {
        let m = msgs
            .iter()
            .find(|m| m["msg"] == format!("detection 7 via {via}"))
            .unwrap_or_else(|| panic!("no message via {via}: {msgs:?}"));
        assert_eq!(m["severity"], "4", "{m}");
        assert_eq!(m["facility"], "16", "{m}");
        assert_eq!(m["appname"], "wirewatch", "{m}");
        assert_eq!(m["ver"], "1", "{m}");
        assert!(
            m["sd"]
                .as_str()
                .unwrap()
                .starts_with("[wirewatch@32473 key=\"wirewatch-"),
            "{m}"
        );
        let expect_input = match via {
            "udp" => "udp",
            "tls" => "tls",
            _ => "tcp",
        };
        assert_eq!(m["input"], expect_input, "{m}");
    }
    // A newline inside a message cannot break framing.
    let m = msgs.iter().find(|m| m["severity"] == "2").unwrap();
    assert_eq!(m["msg"], "line one line two");
    let st = s.get("/api/v1/odstargets/syslog/tls/stats").body;
    assert_eq!(st["sent"], 1, "{st}");
    let h = s.get("/api/v1/odstargets/syslog/tls/health").body;
    assert_eq!(h["healthy"], true, "{h}");
}

#[test]
fn a_tls_receiver_with_an_unknown_certificate_is_not_trusted() {
    let rs = Rsyslog::start();
    let s = Server::start();
    target(
        &s,
        json!({"name": "tls", "host": "localhost", "port": rs.tls, "protocol": "tls"}),
    );
    let h = s.get("/api/v1/odstargets/syslog/tls/health").body;
    assert_eq!(h["healthy"], false, "{h}");
    assert!(
        h["detail"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{h}"
    );
}

#[test]
fn many_messages_over_several_connections_and_an_outage_lose_nothing() {
    let rs = Rsyslog::start();
    // One run sends 2,000 messages: under a loaded suite that can outlast the
    // default 100 ms run budget (wall clock), which is not what this tests.
    let s = Server::start_args(false, &["--trigger-budget-ms", "10000"]);
    target(
        &s,
        json!({"name": "siem", "host": "127.0.0.1", "port": rs.tcp, "protocol": "tcp",
                      "concurrent_connections": 4, "batch_min_bytes": 4096}),
    );
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "burst", "events": ["EXTERNAL_DATA"], "script":
            "for (let i = 0; i < ExternalData.body.n; i++) { Remote.Syslog('siem').info('m-' + ExternalData.body.round + '-' + i); }"}),
    );
    assert_eq!(r.status, 201);
    s.external_data(json!({"n": 2000, "round": 1}));
    let first = rs.wait(120, "2000 messages", |m| m.len() >= 2000);
    let round1: std::collections::HashSet<&str> = first
        .iter()
        .filter_map(|x| x["msg"].as_str())
        .filter(|s| s.starts_with("m-1-"))
        .collect();
    assert_eq!(round1.len(), 2000);
    rs.stop();
    s.external_data(json!({"n": 500, "round": 2}));
    std::thread::sleep(Duration::from_millis(1500));
    let st = s.get("/api/v1/odstargets/syslog/siem/stats").body;
    assert!(
        st["queued"].as_u64().unwrap() > 0 || st["retried"].as_u64().unwrap() > 0,
        "{st}"
    );
    rs.launch();
    // (run-rsyslog.sh starts a fresh messages.log.)
    let m = rs.wait(60, "the 500 queued during the outage", |m| {
        m.iter()
            .filter(|x| x["msg"].as_str().is_some_and(|s| s.starts_with("m-2-")))
            .count()
            >= 500
    });
    let round2: std::collections::HashSet<&str> = m
        .iter()
        .filter_map(|x| x["msg"].as_str())
        .filter(|s| s.starts_with("m-2-"))
        .collect();
    assert_eq!(round2.len(), 500);
}

#[test]
fn localtime_stamps_use_the_sensors_zone_and_small_batches_still_go_out() {
    let rs = Rsyslog::start();
    let s = Server::start_args(false, &["ENV:TZ=Asia/Kolkata"]);
    target(
        &s,
        json!({"name": "local", "host": "127.0.0.1", "port": rs.tcp, "protocol": "tcp", "localtime": true}),
    );
    target(
        &s,
        json!({"name": "utc", "host": "127.0.0.1", "port": rs.tcp, "protocol": "tcp",
                      "batch_min_bytes": 1000000}),
    );
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "tz", "events": ["EXTERNAL_DATA"], "script":
            "Remote.Syslog('local').notice('local time'); Remote.Syslog('utc').notice('utc time');"}),
    );
    assert_eq!(r.status, 201);
    s.external_data(json!({}));
    // The UTC target's batch minimum is never reached: it waits briefly, then sends anyway.
    let m = rs.wait(20, "both messages", |m| m.len() >= 2);
    let raw = |text: &str| {
        m.iter()
            .find(|x| x["msg"] == text)
            .and_then(|x| x["raw"].as_str())
            .unwrap()
            .to_string()
    };
    let local = raw("local time");
    let ts = local.split(' ').nth(1).unwrap();
    assert!(ts.ends_with("+05:30"), "{local}");
    let utc = raw("utc time");
    assert!(utc.split(' ').nth(1).unwrap().ends_with('Z'), "{utc}");
}
