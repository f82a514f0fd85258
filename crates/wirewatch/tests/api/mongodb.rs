//! MongoDB targets through the official driver. No MongoDB server can be
//! installed here, so the receiver is `mockupdb` (PyPI), scripted by
//! `scripts/test/mongo_mock.py` to answer like a standalone server
//! (including SCRAM authentication) and record every command it receives.

use crate::common::{Client, Server};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Mock {
    child: Child,
    port: u16,
    record: tempfile::NamedTempFile,
}

impl Mock {
    fn start(auth: Option<(&str, &str)>) -> Mock {
        let record = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new("python3");
        cmd.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/test/mongo_mock.py"
        ))
        .args(["--port", "0", "--record"])
        .arg(record.path());
        if let Some((u, p)) = auth {
            cmd.args(["--user", u, "--password", p, "--auth-db", "ods"]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with mockupdb (pip install mockupdb pymongo)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("the mock exited (pip install mockupdb pymongo)")
                .unwrap();
            if let Some(addr) = line.strip_prefix("LISTENING ") {
                break addr.rsplit(':').next().unwrap().parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Mock {
            child,
            port,
            record,
        }
    }

    fn commands(&self) -> Vec<Value> {
        std::fs::read_to_string(self.record.path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .filter(|c: &Value| {
                ["insert", "update", "delete"].contains(&c["cmd"].as_str().unwrap_or(""))
            })
            .collect()
    }

    fn wait(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let c = self.commands();
            if c.len() >= n {
                return c;
            }
            assert!(Instant::now() < deadline, "the mock saw {c:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SCRIPT: &str = "
    const m = Remote.MongoDB('db');
    m.insert('ods.detections', {id: ExternalData.body.id, title: 'Port Scan', risk: 30});
    m.update('ods.detections', {'$set': {status: 'closed'}}, {id: ExternalData.body.id}, {upsert: true});
    m.remove('ods.detections', {id: 0}, true);
";

fn run(s: &Server, body: Value) {
    let r = s.post("/api/v1/odstargets/mongodb", body);
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "m", "events": ["EXTERNAL_DATA"], "script": SCRIPT}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/triggers/externaldata",
        json!({"type": "t", "body": {"id": 42}}),
    );
    assert_eq!(r.status, 202);
}

#[test]
fn mongodb_insert_update_remove_through_the_official_driver_against_mockupdb() {
    let mock = Mock::start(None);
    let s = Server::start();
    run(
        &s,
        json!({"name": "db", "host": "127.0.0.1", "port": mock.port}),
    );
    let c = mock.wait(3);
    assert_eq!(c[0]["cmd"], "insert");
    assert_eq!(c[0]["db"], "ods");
    assert_eq!(c[0]["doc"]["insert"], "detections");
    let d = &c[0]["doc"]["documents"][0];
    assert_eq!(
        (d["id"].as_i64(), d["title"].as_str()),
        (Some(42), Some("Port Scan"))
    );
    assert!(
        d["wirewatch_key"]
            .as_str()
            .unwrap()
            .starts_with("wirewatch-"),
        "{d}"
    );
    assert_eq!(c[1]["cmd"], "update");
    let u = &c[1]["doc"]["updates"][0];
    assert_eq!(u["q"], json!({"id": 42}));
    assert_eq!(u["u"], json!({"$set": {"status": "closed"}}));
    assert_eq!(u["upsert"], true);
    assert_eq!(c[2]["cmd"], "delete");
    assert_eq!(c[2]["doc"]["deletes"][0]["limit"], 1);
    let st = s.get("/api/v1/odstargets/mongodb/db/stats").body;
    assert_eq!(st["sent"], 3, "{st}");
    let h = s.get("/api/v1/odstargets/mongodb/db/health").body;
    assert_eq!(h["healthy"], true, "{h}");
}

#[test]
fn mongodb_scram_credentials_against_mockupdb() {
    let mock = Mock::start(Some(("ods-writer", "s3cret")));
    let s = Server::start();
    run(
        &s,
        json!({"name": "db", "host": "127.0.0.1", "port": mock.port,
               "authentication": {"database": "ods", "user": "ods-writer", "password": "s3cret"}}),
    );
    let c = mock.wait(3);
    assert_eq!(c[0]["cmd"], "insert");
    assert!(!s
        .get("/api/v1/odstargets/mongodb/db")
        .text
        .contains("s3cret"));
}

#[test]
fn mongodb_wrong_password_keeps_messages_queued_and_says_why_against_mockupdb() {
    let mock = Mock::start(Some(("ods-writer", "s3cret")));
    let s = Server::start();
    run(
        &s,
        json!({"name": "db", "host": "127.0.0.1", "port": mock.port,
               "authentication": [{"database": "ods", "user": "ods-writer", "password": "wrong"}]}),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let st = loop {
        let st = s.get("/api/v1/odstargets/mongodb/db/stats").body;
        if st["last_error"].is_string() {
            break st;
        }
        assert!(Instant::now() < deadline, "{st}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        st["last_error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("auth"),
        "{st}"
    );
    assert_eq!(st["queued"], 3, "{st}");
    assert_eq!(st["sent"], 0, "{st}");
    assert!(mock.commands().is_empty());
}
