//! Ticket tracking: settings, ticket URLs, ticket updates, and the seed's
//! Python scripts run as real clients.

use crate::common::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/seed")
        .join(name)
}

#[test]
fn ticketing_settings_validation() {
    let s = Server::start();
    let t = s.get("/api/v1/extrahop/ticketing").body;
    assert_eq!(
        t,
        json!({"enabled": false, "external_ticketing_enabled": false, "internal_ticketing_enabled": false, "url_template": null, "connector_id": null})
    );
    for (body, field) in [
        (
            json!({"external_ticketing_enabled": true}),
            "internal_ticketing_enabled",
        ),
        (
            json!({"internal_ticketing_enabled": true}),
            "external_ticketing_enabled",
        ),
        (
            json!({"url_template": "https://jira.example.com/browse/"}),
            "url_template",
        ),
        (
            json!({"external_ticketing_enabled": "yes", "internal_ticketing_enabled": false}),
            "external_ticketing_enabled",
        ),
    ] {
        let r = s.patch("/api/v1/extrahop/ticketing", body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["field"], field, "{body}");
    }
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false,
        "url_template": "https://jira.example.com/browse/$ticket_id"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let t = s.get("/api/v1/extrahop/ticketing").body;
    assert_eq!(t["enabled"], true);
    assert_eq!(
        t["url_template"],
        "https://jira.example.com/browse/$ticket_id"
    );
    // The deprecated flag alone still works.
    assert_eq!(
        s.patch("/api/v1/extrahop/ticketing", json!({"enabled": false}))
            .status,
        204
    );
    assert_eq!(
        s.get("/api/v1/extrahop/ticketing").body["external_ticketing_enabled"],
        false
    );
}

#[test]
fn ticket_urls_and_ticket_updates() {
    let s = Server::start();
    assert_eq!(
        s.patch(
            "/api/v1/extrahop/ticketing",
            json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false,
        "url_template": "https://jira.example.com/browse/$ticket_id"})
        )
        .status,
        204
    );
    let a = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    let b = s.detection(det("ssh_brute_force", "10.0.0.1", "10.0.0.3"));
    let c = s.detection(det("ssh_brute_force", "10.0.0.5", "10.0.0.3"));
    assert_eq!(
        s.get(&format!("/api/v1/detections/{a}")).body["ticket_url"],
        Value::Null
    );
    for id in [a, b] {
        assert_eq!(
            s.patch(
                &format!("/api/v1/detections/{id}"),
                json!({"ticket_id": "SEC-42"})
            )
            .status,
            204
        );
    }
    assert_eq!(
        s.get(&format!("/api/v1/detections/{a}")).body["ticket_url"],
        "https://jira.example.com/browse/SEC-42"
    );
    let r = s.patch("/api/v1/detections/tickets", json!({"ticket_id": "SEC-42", "status": "in_progress", "assignee": "kim", "resolution": "action_taken"}));
    assert_eq!(r.status, 204, "{}", r.text);
    for id in [a, b] {
        let d = s.get(&format!("/api/v1/detections/{id}")).body;
        assert_eq!(
            (
                d["status"].clone(),
                d["assignee"].clone(),
                d["resolution"].clone()
            ),
            (json!("in_progress"), json!("kim"), json!("action_taken"))
        );
    }
    let d = s.get(&format!("/api/v1/detections/{c}")).body;
    assert_eq!(d["status"], Value::Null);
    assert_eq!(
        s.patch(
            "/api/v1/detections/tickets",
            json!({"ticket_id": "NOPE-1", "status": "closed"})
        )
        .status,
        404
    );
    assert_eq!(
        s.patch("/api/v1/detections/tickets", json!({"status": "closed"}))
            .status,
        400
    );
    // Turning tracking off drops the links.
    assert_eq!(
        s.patch(
            "/api/v1/extrahop/ticketing",
            json!({"external_ticketing_enabled": false, "internal_ticketing_enabled": false})
        )
        .status,
        204
    );
    assert_eq!(
        s.get(&format!("/api/v1/detections/{a}")).body["ticket_url"],
        Value::Null
    );
    // Every change is in the audit log, newest first, with who did it.
    let log = s.get("/api/v1/auditlog?limit=50").body;
    let ops: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["body"]["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops[0], "update ticketing settings");
    assert!(ops.contains(&"update ticket"));
    assert!(ops.contains(&"update detection"));
    assert!(ops.contains(&"create detection"));
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["body"]["user"] == "setup" && e["time"].as_i64().unwrap() > 0));
    let page = s.get("/api/v1/auditlog?limit=2&offset=1").body;
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert_eq!(page[0]["id"], log[1]["id"]);
}

#[test]
fn seed_ticket_script_updates_detections_over_https() {
    let s = Server::start_with(true);
    assert_eq!(
        s.patch(
            "/api/v1/extrahop/ticketing",
            json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false,
        "url_template": "https://tickets.example.com/browse/$ticket_id"})
        )
        .status,
        204
    );
    for _ in 0..3 {
        s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    }
    let out = Command::new("python3")
        .arg(script("update_detections.py"))
        .env("HOST", &s.url)
        .env("API_KEY", &s.key)
        .env("VERIFY_TLS", "0")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).matches("204").count(),
        3
    );
    let expect = [
        ("1", "TK-16982", json!("new"), "sally"),
        ("2", "TK-2078", Value::Null, "jim"),
        ("3", "TK-3452", Value::Null, "alex"),
    ];
    for (id, ticket, status, assignee) in expect {
        let d = s.get(&format!("/api/v1/detections/{id}")).body;
        assert_eq!(d["ticket_id"], ticket);
        assert_eq!(d["status"], status);
        assert_eq!(d["assignee"], assignee);
        assert_eq!(d["resolution"], Value::Null);
        assert_eq!(
            d["ticket_url"],
            format!("https://tickets.example.com/browse/{ticket}")
        );
    }
}

#[test]
fn seed_observation_script_imports_a_csv() {
    let s = Server::start();
    let csv = s.data_dir().join("openvpn.csv");
    std::fs::write(
        &csv,
        "Common Name,Real Address,Virtual Address,Start Time\n\
         alice,198.51.100.20,10.8.0.6,03/14/24 09:26:53\n\
         bob,203.0.113.77,10.8.0.10,03/14/24 10:01:02\n",
    )
    .unwrap();
    let out = Command::new("python3")
        .arg(script("observations_from_csv.py"))
        .env("HOST", &s.url)
        .env("API_KEY", &s.key)
        .env("CSV_FILE", &csv)
        .env("SOURCE", "OpenVPN")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let r = s.get("/api/v1/observations/associatedipaddrs?ipaddr=10.8.0.6");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["associated_ipaddr"], "198.51.100.20");
    assert_eq!(r.body[0]["source"], "OpenVPN");
    assert!(r.body[0]["timestamp"].as_i64().unwrap() > 1_700_000_000);
}
