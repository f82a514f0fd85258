//! Alerts at work in a real `wirewatch serve`: a capture's metrics make a
//! threshold alert fire, and its e-mail reaches a real local SMTP server
//! (`python3 -m aiosmtpd`, installed by `scripts/install-test-deps.sh`) even
//! though that server was down when the alert fired; a trigger on
//! `ALERT_RECORD_COMMIT` runs on each firing.

use crate::common::*;
use serde_json::json;
use std::process::{Child, Command, Stdio};

/// A real SMTP server (aiosmtpd's debugging handler prints every message it
/// accepts to its stdout, kept in a file).
struct Smtp {
    child: Child,
    out: tempfile::NamedTempFile,
}

impl Smtp {
    fn start(port: u16) -> Smtp {
        let out = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::from(out.reopen().unwrap()))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
        wait_for("the SMTP server to listen", 20, || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .map(drop)
                .map_err(|e| e.to_string())
        });
        Smtp { child, out }
    }

    /// What it received, with folded header lines joined and
    /// quoted-printable soft line breaks removed (the text as written).
    fn received(&self) -> String {
        std::fs::read_to_string(self.out.path())
            .unwrap_or_default()
            .replace("=\n", "")
            .replace("\n ", " ")
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A threshold alert on devices that send more than 20 packets (some of the
/// sample capture do), copying lead@example.com.
fn chatty_alert() -> serde_json::Value {
    json!({"name": "Chatty device", "type": "threshold", "apply_all": true,
        "disabled": false, "notify_snmp": false, "severity": 4, "refire_interval": 3600,
        "stat_name": "extrahop.device.net", "field_name": "pkts_out", "operator": ">",
        "operand": "20", "units": "none", "interval_length": 1800,
        "cc": ["lead@example.com"]})
}

#[test]
fn a_fired_alert_is_mailed_once_the_smtp_server_is_up() {
    // Nothing listens on the port yet: the SMTP server is down.
    let port = free_port().to_string();
    let pcap = sample("wikipedia.pcap");
    let s = Server::start_args(
        false,
        &[
            "--pcap",
            &pcap,
            "--alert-interval",
            "1s",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &port,
            "--smtp-security",
            "none",
            "--smtp-from",
            "sensor@example.com",
        ],
    );
    // A trigger on the alert event sees each firing.
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "on alert", "events": ["ALERT_RECORD_COMMIT"], "debug": true,
            "script": "debug('alert', AlertRecord.alert_name, AlertRecord.object_id)"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let trigger = r.body["id"].as_u64().unwrap();
    let r = s.post(
        "/api/v1/emailgroups",
        json!({"group_name": "soc", "email_addresses": ["soc@example.com"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let group = r.headers["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let r = s.post("/api/v1/alerts", chatty_alert());
    assert_eq!(r.status, 201, "{}", r.text);
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let id: u64 = loc.rsplit('/').next().unwrap().parse().unwrap();
    let r = s.post(
        &format!("/api/v1/alerts/{id}/emailgroups/{group}"),
        json!({}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    // The capture is analysed in the background; the evaluator runs every second.
    let firings = wait_for("the alert to fire", 60, || {
        let f = s.get(&format!("/api/v1/alerts/{id}/firings")).body;
        match f.as_array() {
            Some(a) if !a.is_empty() => Ok(f),
            _ => Err(f.to_string()),
        }
    });
    let first = &firings[0];
    assert_eq!(
        first["recipients"],
        json!(["soc@example.com", "lead@example.com"])
    );
    let object = first["object_name"].as_str().unwrap().to_string();
    let line = format!("alert Chatty device {}", first["object_id"]);
    wait_for("the trigger's run on the alert event", 20, || {
        let log = s.get(&format!("/api/v1/triggers/{trigger}/debuglog")).text;
        if log.contains(&line) {
            Ok(())
        } else {
            Err(log)
        }
    });
    // The e-mail waits in the store's outbox: tried, failed, kept for a retry.
    let db = s.data_dir().join("wirewatch.db");
    let error = wait_for("a failed delivery attempt", 30, || {
        let c =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| e.to_string())?;
        c.query_row(
            "SELECT last_error FROM alert_mail WHERE attempts > 0 LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .map_err(|e| e.to_string())
    });
    assert!(!error.is_empty());
    // The server comes up: the queued e-mail is delivered (retried with backoff).
    let smtp = Smtp::start(port.parse().unwrap());
    let mail = wait_for("the alert e-mail", 60, || {
        let got = smtp.received();
        if got.contains(&object) {
            Ok(got)
        } else {
            Err(got)
        }
    });
    assert!(mail.contains("Alert \"Chatty device\" fired for"), "{mail}");
    assert!(
        mail.contains("soc@example.com") && mail.contains("lead@example.com"),
        "{mail}"
    );
    assert!(mail.contains("From: sensor@example.com"), "{mail}");
    assert!(mail.contains("Condition: "), "{mail}");
}

#[test]
fn an_smtp_server_set_while_serving_carries_the_next_alert_email() {
    let port = free_port();
    let smtp = Smtp::start(port);
    let pcap = sample("wikipedia.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap, "--alert-interval", "1s"]);
    let mut doc = s.get("/api/v1/runningconfig").body;
    assert_eq!(doc["smtp"]["host"], serde_json::Value::Null, "{doc}");
    // Validated as a whole: a username without a password is refused,
    // naming the field.
    doc["smtp"] = json!({"host": "127.0.0.1", "port": port, "security": "none",
        "from": "sensor@example.com", "username": "sensor"});
    let r = s.call("PUT", "/api/v1/runningconfig", Some(doc.clone()));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "/smtp/password", "{}", r.text);
    doc["smtp"] = json!({"host": "127.0.0.1", "port": port, "security": "none",
        "from": "sensor@example.com"});
    let r = s.call("PUT", "/api/v1/runningconfig", Some(doc));
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.post("/api/v1/alerts", chatty_alert());
    assert_eq!(r.status, 201, "{}", r.text);
    let mail = wait_for("the alert e-mail", 90, || {
        let got = smtp.received();
        if got.contains("Alert \"Chatty device\" fired for") {
            Ok(got)
        } else {
            Err(got)
        }
    });
    assert!(mail.contains("From: sensor@example.com"), "{mail}");
    assert!(mail.contains("lead@example.com"), "{mail}");
}
