//! The Jira connector's requests checked against Atlassian's published
//! OpenAPI description of the Jira REST API v2 (from the `jira-api-v2`
//! crate, see scripts/test/jira-spec.sh), served by Prism in validating mode
//! (scripts/test/run-prism.sh). Prism answers a request that breaks the
//! contract with 400 and an `sl-violations` header, which our connector
//! reports as `status: "error"`; so every `status: "ok"` below is a request
//! Atlassian's schema accepts. Prism's answers are the spec's fixed examples
//! (issue `ED-24` for every create), not a stateful Jira: the stateful flows
//! are tested against the fake in connectors.rs.

use crate::common::*;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn prism() -> (Prism, u16) {
    let out = Command::new(repo().join("scripts/test/jira-spec.sh"))
        .output()
        .expect("scripts/test/jira-spec.sh runs");
    assert!(
        out.status.success(),
        "jira-spec.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new(repo().join("scripts/test/run-prism.sh"))
        .args([spec.as_str(), &port.to_string(), "-v", "warn"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("scripts/test/run-prism.sh starts (node and npm are needed)");
    let p = Prism(child);
    let end = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "Prism did not start on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    (p, port)
}

#[test]
fn jira_requests_follow_atlassians_published_contract() {
    let (_prism, port) = prism();
    let s = Server::start_args(false, &["--incident-sync-interval", "1s"]);
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "Jira contract", "connector_type_id": ".jira",
               "config": {"apiUrl": format!("http://127.0.0.1:{port}"), "projectKey": "ED"},
               "secrets": {"email": "bot@example.com", "apiToken": "t"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let exec = |params: serde_json::Value| {
        let r = s.post(
            &format!("/api/actions/action/{id}/_execute"),
            json!({"params": params}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body["status"], "ok",
            "Prism refused a request: {}",
            r.text
        );
        r.body["data"].clone()
    };
    // Create (the seed's form, with a comment): issue type looked up first.
    let created = exec(json!({"subAction": "pushToService", "subActionParams": {
        "savedObjectId": "c1472f70-732a-11ea-a0b2-c51ea50a58e2",
        "createdAt": "2020-03-31T08:36:45.661Z",
        "createdBy": {"fullName": "Alan Hunley", "username": "ahunley"},
        "comments": [{"commentId": "dda30310", "comment": "first", "createdAt": "2020-03-31T08:37:33.240Z",
                      "createdBy": {"fullName": "Ms Moneypenny", "username": "moneypenny"}}],
        "description": "James Bond clicked on a highly suspicious email banner.",
        "title": "This case will self-destruct in 5 seconds"}}));
    assert_eq!(created["title"], "ED-24");
    assert_eq!(created["id"], "10000");
    assert_eq!(created["comments"][0]["commentId"], "dda30310");
    // Update by id (PUT, then a GET for the key), with labels, priority, a comment.
    let updated = exec(json!({"subAction": "pushToService", "subActionParams": {
        "incident": {"summary": "Renamed", "description": "d2", "labels": ["wirewatch", "phishing"],
                     "priority": "High", "issueType": "10001", "externalId": "10000"},
        "comments": [{"commentId": "c2", "comment": "second"}]}}));
    assert_eq!(updated["id"], "10000");
    exec(json!({"subAction": "getIncident", "subActionParams": {"externalId": "ED-24"}}));
    exec(
        json!({"subAction": "closeIncident", "subActionParams": {"incident": {"externalId": "ED-24"}}}),
    );

    // Automatic mode: the detection's create, its note and status change.
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false, "connector_id": id}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let det = s.detection(det("port_scan", "10.0.0.5", "10.0.0.9"));
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let d = s.get(&format!("/api/v1/detections/{det}")).body;
        if d["ticket_id"] == "ED-24" {
            break;
        }
        let st = s.get(&format!("/api/actions/connector/{id}/_stats")).body;
        assert!(st["failed"] == 0, "Prism refused an automatic push: {st}");
        assert!(Instant::now() < end, "no ticket: {d} {st}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        s.call(
            "PUT",
            &format!("/api/v1/detections/{det}/notes"),
            Some(json!({"note": "n"}))
        )
        .status,
        204
    );
    assert_eq!(
        s.patch(
            &format!("/api/v1/detections/{det}"),
            json!({"status": "closed"})
        )
        .status,
        204
    );
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let st = s.get(&format!("/api/actions/connector/{id}/_stats")).body;
        assert_eq!(st["failed"], 0, "Prism refused an automatic push: {st}");
        if st["queued"] == 0 && st["comments"] == 1 {
            break;
        }
        assert!(Instant::now() < end, "not pushed: {st}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
