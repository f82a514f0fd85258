//! Triggers and ODS delivery end to end: the ticketing guide's trigger,
//! verbatim, against a real HTTP ticket server; the guide's Python script
//! writing ticket ids back; nothing lost across a down server and a SIGKILL.

use crate::common::{det, wait_for, Client, Server};
use crate::receiver::{Receiver, Seen};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::process::Command;

/// The complete trigger of `../shared/seeds/000_…` exactly as the text has it.
pub fn seed_trigger() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/seeds/000_5b18e04743d5f92c.txt"
    );
    let text = std::fs::read_to_string(path).expect("the seed documents beside the repository");
    let start = text
        .find("The complete trigger code should look similar to the following example:\n")
        .expect("the guide's complete trigger");
    let body = &text[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let last = "Remote.HTTP('ticket-server').post(req);";
    let end = body.find(last).unwrap() + last.len();
    body[..end].to_string()
}

fn ticket_target(s: &Server, port: u16) {
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "ticket-server", "host": "127.0.0.1", "port": port, "protocol": "http"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

fn seed_trigger_on(s: &Server) -> Value {
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "ticket tracking", "events": ["DETECTION_UPDATE"], "script": seed_trigger()}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

fn issue_for(seen: &[Seen], id: u64) -> Option<Value> {
    let prefix = format!("ExtraHop Detection: {id}: ");
    seen.iter()
        .filter(|r| r.path == "/rest/api/issue")
        .map(Seen::json)
        .find(|b| {
            b["fields"]["summary"]
                .as_str()
                .is_some_and(|s| s.starts_with(&prefix))
        })
}

#[test]
fn the_guides_trigger_files_a_ticket_and_the_guides_script_writes_it_back() {
    let rx = Receiver::start();
    let s = Server::start();
    ticket_target(&s, rx.addr.port());
    let t = seed_trigger_on(&s);
    // The PDF wrapped one string literal across lines: accepted, with a warning.
    assert!(t["warnings"][0].as_str().unwrap().contains("joined"), "{t}");
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"enabled": true, "url_template": "https://tickets.example.com/browse/$ticket_id"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let id = s.detection(det("ssh_brute_force", "10.0.0.9", "10.0.0.2"));
    let d = s.get(&format!("/api/v1/detections/{id}")).body;
    let seen = rx.wait_for(10, "the ticket", |seen| issue_for(seen, id).is_some());
    let issue = issue_for(&seen, id).unwrap();
    assert_eq!(
        issue,
        json!({"fields": {
            "summary": format!("ExtraHop Detection: {id}: {}", d["title"].as_str().unwrap()),
            "assignee": {"name": "escalations_team"},
            "reporter": {"name": "ExtraHop"},
            "priority": {"id": d["risk_score"]},
            "labels": d["categories"],
            "description": format!(
                "ExtraHop has detected the following event on your network: {}",
                d["description"].as_str().unwrap()
            ),
        }})
    );
    let req = seen.iter().find(|r| r.path == "/rest/api/issue").unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert!(req
        .header("idempotency-key")
        .unwrap()
        .starts_with("wirewatch-"));

    // The ticket system answers with a key; the guide's script writes it back.
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/seed/update_detections.py"
        ))
        .env("HOST", &s.url)
        .env("API_KEY", &s.key)
        .env(
            "DETECTIONS_JSON",
            json!([{"detection_id": id.to_string(), "ticket_id": "TK-1", "status": "new",
                    "assignee": "sally", "resolution": null}])
            .to_string(),
        )
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = s.get(&format!("/api/v1/detections/{id}")).body;
    assert_eq!(d["ticket_id"], "TK-1");
    assert_eq!(d["ticket_url"], "https://tickets.example.com/browse/TK-1");
    assert_eq!(d["assignee"], "sally");
    // The write-back is itself an update: the trigger runs again (as in the real product).
    rx.wait_for(10, "the update's ticket", |seen| {
        seen.iter().filter(|r| r.path == "/rest/api/issue").count() >= 2
    });
    let stats = s.get("/api/v1/odstargets/http/ticket-server/stats").body;
    assert!(stats["sent"].as_u64().unwrap() >= 2, "{stats}");
    let tstats = s.get(&format!("/api/v1/triggers/{}/stats", t["id"])).body;
    assert!(tstats["runs"].as_u64().unwrap() >= 2, "{tstats}");
    assert_eq!(tstats["errors"], 0, "{tstats}");
}

#[test]
fn a_down_ticket_server_and_a_sigkill_lose_no_ticket() {
    let addr = Receiver::reserve();
    let mut s = Server::start();
    ticket_target(&s, addr.port());
    seed_trigger_on(&s);
    let n = 1000u64;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(s.detection(det(
            "port_scan",
            &format!("10.1.{}.{}", i / 250, i % 250 + 1),
            "10.0.0.2",
        )));
    }
    s.kill();
    s.restart();
    let rx = Receiver::start_at(addr);
    let seen = rx.wait_for(120, "1000 tickets", |seen| {
        ids.iter().all(|id| issue_for(seen, *id).is_some())
    });
    // At-least-once: a duplicate carries the same idempotency key.
    let keys: HashSet<&str> = seen
        .iter()
        .filter_map(|r| r.header("idempotency-key"))
        .collect();
    assert!(keys.len() >= n as usize);
    let stats = s.get("/api/v1/odstargets/http/ticket-server/stats").body;
    assert_eq!(stats["dead_letters"], 0, "{stats}");
    assert_eq!(stats["dropped"], 0, "{stats}");
}

#[test]
fn retries_follow_the_policy_and_refusals_become_replayable_dead_letters() {
    let rx = Receiver::start();
    let s = Server::start();
    ticket_target(&s, rx.addr.port());
    seed_trigger_on(&s);
    // Two 503s then success: retried, delivered once.
    rx.fail_next(2, 503);
    let a = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    rx.wait_for(20, "the retried ticket", |seen| {
        issue_for(seen, a).is_some()
    });
    let stats = s.get("/api/v1/odstargets/http/ticket-server/stats").body;
    assert!(stats["retried"].as_u64().unwrap() >= 2, "{stats}");
    assert!(
        stats["last_error"].as_str().unwrap().contains("503"),
        "{stats}"
    );
    // A 400 is refused for good: a dead letter, not retried forever.
    rx.fail_next(1, 400);
    let b = s.detection(det("port_scan", "10.0.0.3", "10.0.0.2"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let dead = loop {
        let d = s
            .get("/api/v1/odstargets/http/ticket-server/deadletters")
            .body;
        if d.as_array().is_some_and(|a| !a.is_empty()) {
            break d;
        }
        assert!(std::time::Instant::now() < deadline, "no dead letter");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(dead[0]["reason"], "refused");
    // Refused on its first try: one attempt.
    assert_eq!(dead[0]["attempts"], 1, "{dead}");
    assert!(
        dead[0]["error"].as_str().unwrap().contains("HTTP 400"),
        "{dead}"
    );
    assert_eq!(dead[0]["message"]["op"], "http");
    assert!(issue_for(&rx.seen(), b).is_none());
    let r = s.post(
        "/api/v1/odstargets/http/ticket-server/deadletters/replay",
        json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["replayed"], 1);
    rx.wait_for(10, "the replayed ticket", |seen| {
        issue_for(seen, b).is_some()
    });
    let stats = s.get("/api/v1/odstargets/http/ticket-server/stats").body;
    assert_eq!(stats["failed"], 1, "{stats}");
    assert_eq!(stats["dead_letters"], 0, "{stats}");
}

/// Poll a target's statistics until `pred` holds (10 s).
fn stats_until(s: &Server, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let st = s.get("/api/v1/odstargets/http/ticket-server/stats").body;
        if pred(&st) {
            return st;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {st}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_target_changed_in_place_keeps_its_queue_counters_dead_letters_and_secrets() {
    let rx = Receiver::start();
    let s = Server::start();
    let down = Receiver::reserve();
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "ticket-server", "host": "127.0.0.1", "port": rx.addr.port(), "protocol": "http",
               "authentication": {"auth_type": "basic", "username": "u1", "password": "pw"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    seed_trigger_on(&s);
    // A dead letter (refused) and a delivered message before the change.
    rx.fail_next(1, 400);
    s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    stats_until(&s, "a dead letter", |st| st["dead_letters"] == 1);
    let a = s.detection(det("port_scan", "10.0.0.3", "10.0.0.2"));
    rx.wait_for(10, "the first ticket", |seen| issue_for(seen, a).is_some());
    // Pointed at a closed port: the next message waits in the queue.
    let r = s.patch(
        "/api/v1/odstargets/http/ticket-server",
        json!({"port": down.port()}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["port"], down.port(), "{}", r.text);
    assert_eq!(r.body["authentication"]["password_set"], true, "{}", r.text);
    assert!(!r.text.contains("\"pw\""), "{}", r.text);
    let b = s.detection(det("port_scan", "10.0.0.4", "10.0.0.2"));
    stats_until(&s, "a retried, queued message", |st| {
        st["queued"] == 1 && st["retried"].as_u64() >= Some(1)
    });
    // Back to the receiver with another username and no password: the
    // queued message is delivered with the stored password.
    let r = s.patch(
        "/api/v1/odstargets/http/ticket-server",
        json!({"port": rx.addr.port(), "authentication": {"username": "u2"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let seen = rx.wait_for(20, "the queued ticket", |seen| issue_for(seen, b).is_some());
    let req = seen
        .iter()
        .filter(|r| r.path == "/rest/api/issue")
        .find(|r| issue_for(std::slice::from_ref(r), b).is_some())
        .unwrap();
    // base64("u2:pw")
    assert_eq!(req.header("authorization"), Some("Basic dTI6cHc="));
    // Counters and dead letters stayed; nothing became a `target_deleted` dead letter.
    let st = stats_until(&s, "the queue drained", |st| st["queued"] == 0);
    assert_eq!(st["failed"], 1, "{st}");
    assert_eq!(st["dead_letters"], 1, "{st}");
    assert!(st["sent"].as_u64() >= Some(2), "{st}");
    let dead = s
        .get("/api/v1/odstargets/http/ticket-server/deadletters")
        .body;
    assert_eq!(dead.as_array().map(Vec::len), Some(1), "{dead}");
    assert_eq!(dead[0]["reason"], "refused", "{dead}");
    // Checked as a create is; the name is the key; unknown targets are 404.
    for (body, field) in [
        (json!({"name": "other"}), "name"),
        (json!({"port": "eighty"}), "port"),
        (
            json!({"authentication": {"password": null}}),
            "authentication.password",
        ),
        (json!({"colour": "red"}), "colour"),
        (json!([1]), "body"),
    ] {
        let r = s.patch("/api/v1/odstargets/http/ticket-server", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    assert_eq!(
        s.patch("/api/v1/odstargets/http/nope", json!({"port": 1}))
            .status,
        404
    );
    assert_eq!(
        s.patch(
            "/api/v1/odstargets/pigeon/ticket-server",
            json!({"port": 1})
        )
        .status,
        404
    );
    // Audited without the secret.
    let log = s.get("/api/v1/auditlog?limit=100").text;
    assert!(log.contains("update ODS target"), "{log}");
    assert!(!log.contains("\"pw\""), "{log}");
}

/// Devices with an IPv4 address, from the capture the server analyses (waits for them).
fn devices_with_ipv4(s: &Server, n: usize) -> Vec<(u64, String)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let list: Vec<(u64, String)> = s
            .get("/api/v1/devices")
            .body
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| Some((d["id"].as_u64()?, d["ipaddr4"].as_str()?.to_string())))
            .fold(Vec::new(), |mut v: Vec<(u64, String)>, d| {
                // One device per address (an address names one device here).
                if !v.iter().any(|(_, ip)| *ip == d.1) {
                    v.push(d);
                }
                v
            });
        if list.len() >= n {
            return list;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no devices discovered"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_trigger_not_applied_to_all_runs_only_for_its_assigned_devices() {
    let rx = Receiver::start();
    let pcap = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/zeek/traces/wikipedia.pcap"
    );
    let s = Server::start_args(false, &["--pcap", pcap]);
    let devs = devices_with_ipv4(&s, 3);
    let [(a, a_ip), (b, _), (c, c_ip)] = [devs[0].clone(), devs[1].clone(), devs[2].clone()];
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "sink", "host": "127.0.0.1", "port": rx.addr.port(), "protocol": "http"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let trigger = |name: &str, path: &str, apply_all: bool| {
        let r = s.post(
            "/api/v1/triggers",
            json!({"name": name, "events": ["DETECTION_UPDATE"], "apply_all": apply_all,
                   "script": format!("Remote.HTTP('sink').post({{path: '{path}', payload: {{id: Detection.id}}}});")}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_u64().unwrap()
    };
    // Created first, so it runs before the control on each event and its
    // messages are queued (and, one connection, delivered) before the control's.
    let scoped = trigger("scoped", "/scoped", false);
    trigger("control", "/all", true);
    let on_device = |d: u64, role: &str| {
        json!({"type": "port_scan", "participants": [
            {"object_type": "device", "object_id": d, "role": role}]})
    };
    // Triggers run when the runner takes the event, with the assignments
    // of then: each step waits for the control's message of its last
    // detection before the assignments change.
    let settle = |id: u64| {
        rx.wait_for(30, "the control's message", |seen| {
            seen.iter()
                .any(|r| r.path == "/all" && r.json()["id"] == id)
        })
    };
    // Nothing assigned: it runs for nothing.
    let d0 = s.detection(on_device(a, "offender"));
    settle(d0);
    // A device assigned directly: its detections (either participant) run it.
    let r = s.call(
        "POST",
        &format!("/api/v1/triggers/{scoped}/devices/{a}"),
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let d1 = s.detection(on_device(a, "victim"));
    // Not for other devices, nor a detection without devices.
    let d2 = s.detection(on_device(c, "offender"));
    let d3 = s.detection(det("port_scan", "192.0.2.1", "192.0.2.2"));
    // The device's address as a participant counts as the device.
    let d4 = s.detection(det("port_scan", "192.0.2.1", &a_ip));
    settle(d4);
    // Through a device group: a static group with `b`.
    let r = s.post("/api/v1/devicegroups", json!({"name": "picked"}));
    assert_eq!(r.status, 201, "{}", r.text);
    let g = r.body["id"].as_u64().unwrap();
    let r = s.post(
        &format!("/api/v1/devicegroups/{g}/devices"),
        json!({"assign": [b]}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.post(
        &format!("/api/v1/triggers/{scoped}/devicegroups"),
        json!({"assign": [g]}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let d5 = s.detection(on_device(b, "offender"));
    settle(d5);
    // Unassigned again: `a` no longer runs it.
    let r = s.call(
        "DELETE",
        &format!("/api/v1/triggers/{scoped}/devices/{a}"),
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let d6 = s.detection(on_device(a, "offender"));
    let d7 = s.detection(det("port_scan", &c_ip, "192.0.2.9"));
    let seen = settle(d7);
    let scoped_ids: HashSet<u64> = seen
        .iter()
        .filter(|r| r.path == "/scoped")
        .filter_map(|r| r.json()["id"].as_u64())
        .collect();
    assert_eq!(
        scoped_ids,
        HashSet::from([d1, d4, d5]),
        "d0..d7: {:?}",
        [d0, d1, d2, d3, d4, d5, d6, d7]
    );
    // The assignments read back; the trigger's fields say what it applies to.
    let got = s
        .get(&format!("/api/v1/triggers/{scoped}/devicegroups"))
        .body;
    assert_eq!(got[0]["id"], g, "{got}");
    let got = s.get(&format!("/api/v1/triggers/{scoped}/devices")).body;
    assert_eq!(got, json!([]), "{got}");
    assert_eq!(
        s.get(&format!("/api/v1/triggers/{scoped}")).body["apply_all"],
        false
    );
    // What does not exist cannot be assigned; the trigger must exist.
    let r = s.post(
        &format!("/api/v1/triggers/{scoped}/devices"),
        json!({"assign": [a, 999_999]}),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("assign[1]")),
        "{}",
        r.text
    );
    assert!(
        s.get(&format!("/api/v1/triggers/{scoped}/devices")).body == json!([]),
        "nothing assigned by a refused request"
    );
    assert_eq!(
        s.call(
            "POST",
            &format!("/api/v1/triggers/{scoped}/devicegroups/999999"),
            None
        )
        .status,
        404
    );
    assert_eq!(
        s.call("POST", &format!("/api/v1/triggers/999/devices/{a}"), None)
            .status,
        404
    );
    assert_eq!(s.get("/api/v1/triggers/999/devicegroups").status, 404);
    // Privileges: `write: full`, as the trigger itself.
    let limited = s.user_key("limited", json!({"write": "limited", "ndr": "full"}));
    for (method, path) in [
        ("GET", format!("/api/v1/triggers/{scoped}/devices")),
        ("POST", format!("/api/v1/triggers/{scoped}/devices/{a}")),
        (
            "DELETE",
            format!("/api/v1/triggers/{scoped}/devicegroups/{g}"),
        ),
    ] {
        let r = s.call_with(method, &path, None, Some(&limited));
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text);
    }
    assert_eq!(
        s.get(&format!("/api/v1/triggers/{scoped}/devicegroups"))
            .body[0]["id"],
        g
    );
    // Audited.
    let log = s.get("/api/v1/auditlog?limit=100").text;
    assert!(log.contains("assign trigger"), "{log}");
}

#[test]
fn sensor_events_run_triggers_with_flow_http_and_dns_objects() {
    let rx = Receiver::start();
    let mut s = Server::start();
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "sink", "host": "127.0.0.1", "port": rx.addr.port(), "protocol": "http", "pipeline": true}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let script = r#"
        if (typeof HTTP !== 'undefined' && HTTP.statusCode !== null) {
          Remote.HTTP('sink').post({path: '/http', payload: {uri: HTTP.uri, status: HTTP.statusCode, server: Flow.server.ipaddr, port: Flow.server.port}});
          return;
        }
        if (typeof DNS !== 'undefined') {
          Remote.HTTP('sink').post({path: '/dns', payload: {qname: DNS.qname, answers: DNS.answers}});
          return;
        }
        Remote.HTTP('sink').post({path: '/flow', payload: {id: Flow.id, proto: Flow.ipproto}});
    "#;
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "sensor", "events": ["FLOW_TICK", "HTTP_RESPONSE", "DNS_RESPONSE"], "script": script}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let pcap = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/zeek/traces/wikipedia.pcap"
    );
    s.restart_args(&["--pcap", pcap]);
    // Wait for the capture to be analysed: the flow count stops moving.
    let count = |kind: &str| {
        s.post(
            "/api/v1/records/search",
            json!({"types": [kind], "from": 1, "limit": 1}),
        )
        .body["total"]
            .as_u64()
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut last = (u64::MAX, 0);
    loop {
        let now = (count("~flow"), count("~http"));
        if now == last && now.0 > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the capture was not analysed"
        );
        last = now;
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let (flows, https) = last;
    let dns = count("~dns_response");
    assert!(https > 0 && dns > 0, "{https} {dns}");
    let seen = rx.wait_for(30, "one message per event", |seen| {
        let n = |p: &str| seen.iter().filter(|r| r.path == p).count() as u64;
        n("/flow") >= flows && n("/http") >= 1 && n("/dns") >= dns
    });
    let http: Vec<Value> = seen
        .iter()
        .filter(|r| r.path == "/http")
        .map(Seen::json)
        .collect();
    assert!(
        http.iter()
            .all(|h| h["uri"].is_string() && h["status"].is_u64() && h["port"] == 80),
        "{http:?}"
    );
    let dnsm: Vec<Value> = seen
        .iter()
        .filter(|r| r.path == "/dns")
        .map(Seen::json)
        .collect();
    assert!(dnsm.iter().all(|d| d["qname"].is_string()), "{dnsm:?}");
}

fn sender(s: &Server, target: &str, path: &str) {
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": format!("to {target}"), "events": ["EXTERNAL_DATA"],
               "script": format!("Remote.HTTP('{target}').post({{path: '{path}', headers: {{'Content-Type': 'application/json'}}, payload: ExternalData.body}});")}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn http_authentication_types_and_the_additional_header_reach_the_server() {
    let rx = Receiver::start();
    let s = Server::start();
    let port = rx.addr.port();
    let targets = [
        json!({"name": "basic", "host": "127.0.0.1", "port": port, "protocol": "http",
               "additional_header": "X-Team: soc",
               "authentication": {"auth_type": "basic", "username": "ods", "password": "pw"}}),
        json!({"name": "aws", "host": "127.0.0.1", "port": port, "protocol": "http",
               "authentication": {"auth_type": "aws", "access_key": "AKIDEXAMPLE",
                                  "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                  "service": "es", "region": "us-east-1"}}),
        json!({"name": "entra", "host": "127.0.0.1", "port": port, "protocol": "http",
               "authentication": {"auth_type": "azure_ad", "grant_type": "client", "client_id": "cid",
                                  "client_secret": "csecret", "resource": "https://ingest.example",
                                  "token_endpoint": format!("http://127.0.0.1:{port}/oauth2/token")}}),
        json!({"name": "azure", "host": "127.0.0.1", "port": port, "protocol": "http",
               "authentication": {"auth_type": "azure_storage", "access_key": "acct",
                                  "secret_key": "d2lyZXdhdGNoLXRlc3QtYWNjb3VudC1rZXktMDEyMzQ1Njc4OQ=="}}),
        json!({"name": "falcon", "host": "127.0.0.1", "port": port, "protocol": "http",
               "authentication": {"auth_type": "crowdstrike", "client_id": "fid", "client_secret": "fsecret",
                                  "token_endpoint": format!("http://127.0.0.1:{port}/oauth2/token")}}),
    ];
    for t in targets {
        let r = s.post("/api/v1/odstargets/http", t);
        assert_eq!(r.status, 201, "{}", r.text);
    }
    for t in ["basic", "aws", "entra", "azure", "falcon"] {
        sender(&s, t, &format!("/in/{t}"));
    }
    s.external_data(json!({"a": 1}));
    let seen = rx.wait_for(20, "five authenticated requests", |seen| {
        [
            "/in/basic",
            "/in/aws",
            "/in/entra",
            "/in/azure",
            "/in/falcon",
        ]
        .iter()
        .all(|p| seen.iter().any(|r| r.path == *p))
    });
    let get = |p: &str| seen.iter().find(|r| r.path == p).unwrap().clone();
    let b = get("/in/basic");
    // base64("ods:pw")
    assert_eq!(b.header("authorization"), Some("Basic b2RzOnB3"));
    assert_eq!(b.header("x-team"), Some("soc"));
    let a = get("/in/aws");
    let auth = a.header("authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{auth}"
    );
    assert!(
        auth.contains("/us-east-1/es/aws4_request, SignedHeaders="),
        "{auth}"
    );
    assert!(auth.contains("host;idempotency-key;x-amz-date"), "{auth}");
    assert!(a.header("x-amz-date").unwrap().ends_with('Z'));
    let e = get("/in/entra");
    assert_eq!(e.header("authorization"), Some("Bearer tok-123"));
    let z = get("/in/azure");
    assert!(
        z.header("authorization")
            .unwrap()
            .starts_with("SharedKey acct:"),
        "{z:?}"
    );
    assert!(z.header("x-ms-date").unwrap().ends_with(" GMT"));
    assert_eq!(z.header("x-ms-version"), Some("2021-08-06"));
    let f = get("/in/falcon");
    assert_eq!(f.header("authorization"), Some("Bearer tok-123"));
    assert!(seen
        .iter()
        .any(|r| r.path == "/oauth2/token" && r.body == "client_id=fid&client_secret=fsecret"));
    let token = seen
        .iter()
        .find(|r| r.path == "/oauth2/token" && r.body.contains("grant_type"))
        .unwrap()
        .clone();
    assert!(
        token.body.contains("grant_type=client_credentials"),
        "{}",
        token.body
    );
    assert!(
        token.body.contains("client_secret=csecret"),
        "{}",
        token.body
    );
    assert!(
        token.body.contains("resource=https%3A%2F%2Fingest.example"),
        "{}",
        token.body
    );
    // A form post to the endpoint as its URL names it (RFC 9110 §7.2: the
    // Host header carries a port that is not the scheme's default).
    let host = format!("127.0.0.1:{port}");
    assert_eq!(token.header("host"), Some(host.as_str()), "{token:?}");
    assert_eq!(
        token.header("content-type"),
        Some("application/x-www-form-urlencoded"),
        "{token:?}"
    );
}

#[test]
fn https_targets_verify_certificates_unless_told_not_to() {
    // Another wirewatch (HTTPS, self-signed) is the receiver: its own
    // EXTERNAL_DATA endpoint, authenticated through `additional_header`.
    let b = Server::start_with(true);
    let a = Server::start();
    let port: u16 = b.url.rsplit(':').next().unwrap().parse().unwrap();
    for (name, skip) in [("strict", false), ("lenient", true)] {
        let r = a.post(
            "/api/v1/odstargets/http",
            json!({"name": name, "host": "127.0.0.1", "port": port, "protocol": "https",
                   "skip_cert_verification": skip,
                   "additional_header": format!("Authorization: ExtraHop apikey={}", b.key)}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let strict = a.get("/api/v1/odstargets/http/strict/health").body;
    assert_eq!(strict["healthy"], false, "{strict}");
    let lenient = a.get("/api/v1/odstargets/http/lenient/health").body;
    assert_eq!(lenient["healthy"], true, "{lenient}");
    // A trigger on B records what arrives; A sends through the lenient target.
    let r = b.post(
        "/api/v1/triggers",
        json!({"name": "rx", "events": ["EXTERNAL_DATA"], "debug": true,
        "script": "debug('from A', ExternalData.type, ExternalData.body.n)"}),
    );
    assert_eq!(r.status, 201);
    let bid = r.body["id"].as_u64().unwrap();
    let r = a.post("/api/v1/triggers", json!({"name": "tx", "events": ["EXTERNAL_DATA"],
        "script": "Remote.HTTP('lenient').post({path: '/api/v1/triggers/externaldata', headers: {'Content-Type': 'application/json'}, payload: {type: 'relay', body: ExternalData.body}})"}));
    assert_eq!(r.status, 201);
    assert_eq!(
        a.post(
            "/api/v1/triggers/externaldata",
            json!({"type": "t", "body": {"n": 5}})
        )
        .status,
        202
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let log = b.get(&format!("/api/v1/triggers/{bid}/debuglog")).text;
        if log.contains("from A relay 5") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{log}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_full_queue_sends_new_messages_to_the_dead_letters_and_counts_them() {
    let addr = Receiver::reserve();
    let s = Server::start_args(false, &["--ods-queue-limit", "5"]);
    ticket_target(&s, addr.port());
    sender(&s, "ticket-server", "/rest/api/issue");
    for n in 0..8 {
        assert_eq!(
            s.post(
                "/api/v1/triggers/externaldata",
                json!({"type": "t", "body": {"n": n}})
            )
            .status,
            202
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let st = loop {
        let st = s.get("/api/v1/odstargets/http/ticket-server/stats").body;
        if st["dropped"] == 3 {
            break st;
        }
        assert!(std::time::Instant::now() < deadline, "{st}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(st["queued"], 5, "{st}");
    let dead = s
        .get("/api/v1/odstargets/http/ticket-server/deadletters")
        .body;
    assert_eq!(dead.as_array().unwrap().len(), 3);
    assert!(dead
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["reason"] == "queue_full"));
    // When the receiver is back, the queue drains and the dead letters can be replayed.
    let rx = Receiver::start_at(addr);
    rx.wait_for(60, "the five queued", |seen| seen.len() >= 5);
    let r = s.post(
        "/api/v1/odstargets/http/ticket-server/deadletters/replay",
        json!({}),
    );
    assert_eq!(r.body["replayed"], 3);
    rx.wait_for(20, "all eight", |seen| seen.len() >= 8);
}

#[test]
fn a_run_beyond_its_caps_drops_counts_and_says_so() {
    let s = Server::start_args(
        false,
        &[
            "--trigger-max-detections",
            "10",
            "--trigger-max-messages",
            "20",
        ],
    );
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "flood", "events": ["EXTERNAL_DATA"], "script":
            "var ok = 0; for (var i = 0; i < 15; i++) { if (commitDetection('port_scan', {title: 'flood ' + i, participants: ['10.0.0.' + i]})) ok++; }
             var sent = 0; for (var j = 0; j < 30; j++) { if (Remote.HTTP('nowhere').post({path: '/', payload: {j: j}})) sent++; }
             log('committed ' + ok);"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    s.external_data(json!({}));
    let stats = wait_for("the run", 20, || {
        let st = s.get(&format!("/api/v1/triggers/{id}/stats")).body;
        if st["runs"] == 1 {
            Ok(st)
        } else {
            Err(st.to_string())
        }
    });
    assert_eq!(stats["dropped"], 5 + 10, "{stats}");
    let log = s.get(&format!("/api/v1/triggers/{id}/debuglog")).text;
    assert!(log.contains("committed 10"), "{log}");
    assert!(
        log.contains(
            "dropped beyond this run's caps: 5 detections (cap 10), 10 Remote messages (cap 20)"
        ),
        "{log}"
    );
    let found = s.post(
        "/api/v1/detections/search",
        json!({"filter": {"types": ["port_scan"]}, "limit": 100}),
    );
    assert_eq!(found.body.as_array().unwrap().len(), 10, "{}", found.text);
}
