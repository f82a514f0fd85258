//! `/odstargets` and `/triggers` as resources: shapes, validation, secrets,
//! privileges, health checks and the trigger debug log.

use crate::common::{Client, Server};
use crate::receiver::Receiver;
use serde_json::{json, Value};

#[test]
fn targets_of_every_kind_are_created_listed_read_and_deleted() {
    let s = Server::start();
    let bodies = [
        (
            "http",
            json!({"name": "h", "host": "127.0.0.1", "port": 8080, "protocol": "https",
                        "skip_cert_verification": true, "pipeline": true, "additional_header": "X-Team: soc",
                        "authentication": {"auth_type": "aws", "access_key": "AKID", "secret_key": "SECRET-aws",
                                           "service": "es", "region": "us-west-1"}}),
        ),
        (
            "kafka",
            json!({"name": "k", "brokers": {"host": "127.0.0.1", "port": 9092}, "protocol": "tls",
                         "compression": "snappy", "partition_strategy": "hash_key",
                         "authentication": {"auth_type": "scram", "username": "u", "password": "SECRET-kafka", "algorithm": "sha512"}}),
        ),
        (
            "mongodb",
            json!({"name": "m", "host": "db", "port": 27017,
                           "authentication": [{"database": "ods", "user": "u", "password": "SECRET-mongo"}]}),
        ),
        (
            "raw",
            json!({"name": "r", "host": "10.0.0.5", "port": 5000, "protocol": "tcp",
                       "compression": true, "gzip_threshold_bytes": 4096, "gzip_threshold_seconds": 10}),
        ),
        (
            "syslog",
            json!({"name": "s", "host": "siem", "port": 6514, "protocol": "tls",
                          "tcp_length_prefix_framing": true, "batch_min_bytes": 1024, "concurrent_connections": 4,
                          "localtime": true, "tls_client_cert": "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----",
                          "tls_client_key": "-----BEGIN PRIVATE KEY-----\nSECRET-key\n-----END PRIVATE KEY-----"}),
        ),
    ];
    for (kind, body) in &bodies {
        let r = s.post(&format!("/api/v1/odstargets/{kind}"), body.clone());
        assert_eq!(r.status, 201, "{kind}: {}", r.text);
        let name = body["name"].as_str().unwrap();
        assert_eq!(
            r.headers.get("location").unwrap().to_str().unwrap(),
            format!("/api/v1/odstargets/{kind}/{name}")
        );
        let one = s.get(&format!("/api/v1/odstargets/{kind}/{name}"));
        assert_eq!(one.status, 200);
        assert_eq!(one.body["name"], name);
        assert!(
            !one.text.contains("SECRET"),
            "{kind}: a secret came back: {}",
            one.text
        );
        let dup = s.post(&format!("/api/v1/odstargets/{kind}"), body.clone());
        assert_eq!(dup.status, 409, "{}", dup.text);
    }
    let all = s.get("/api/v1/odstargets");
    assert_eq!(all.status, 200);
    assert!(!all.text.contains("SECRET"));
    for (kind, _) in &bodies {
        assert_eq!(all.body[kind].as_array().unwrap().len(), 1, "{kind}");
        assert_eq!(
            s.get(&format!("/api/v1/odstargets/{kind}"))
                .body
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    let h = s.get("/api/v1/odstargets/http/h").body;
    assert_eq!(h["authentication"]["secret_key_set"], true);
    assert_eq!(h["authentication"]["access_key"], "AKID");
    let k = s.get("/api/v1/odstargets/kafka/k").body;
    assert_eq!(k["brokers"], json!([{"host": "127.0.0.1", "port": 9092}]));
    assert_eq!(k["authentication"]["password_set"], true);
    let sy = s.get("/api/v1/odstargets/syslog/s").body;
    assert_eq!(sy["tls_client_key_set"], true);
    assert_eq!(sy["concurrent_connections"], 4);
    assert_eq!(s.get("/api/v1/odstargets/ftp").status, 404);
    assert_eq!(s.get("/api/v1/odstargets/http/nope").status, 404);
    assert_eq!(
        s.call("DELETE", "/api/v1/odstargets/raw/r", None).status,
        204
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/odstargets/raw/r", None).status,
        404
    );
    // An audit entry for each change.
    let log = s.get("/api/v1/auditlog?limit=100").text;
    assert!(log.contains("create ODS target") && log.contains("delete ODS target"));
}

#[test]
fn bad_targets_get_400s_naming_the_field() {
    let s = Server::start();
    let cases = [
        (
            "http",
            json!({"name": "a", "host": "h", "port": 80, "protocol": "gopher"}),
            "protocol",
        ),
        (
            "http",
            json!({"name": "a", "host": "h", "port": 0, "protocol": "http"}),
            "port",
        ),
        (
            "http",
            json!({"name": "a", "host": "h", "protocol": "http"}),
            "port",
        ),
        (
            "http",
            json!({"name": "a", "host": "h", "port": 80, "protocol": "http",
                        "authentication": {"auth_type": "basic", "username": "u"}}),
            "authentication.password",
        ),
        (
            "http",
            json!({"name": "a", "host": "h", "port": 80, "protocol": "http",
                        "skip_cert_verification": true}),
            "skip_cert_verification",
        ),
        (
            "http",
            json!({"name": "a", "host": "h", "port": 80, "protocol": "http",
                        "additional_header": "no colon"}),
            "additional_header",
        ),
        (
            "kafka",
            json!({"name": "k", "brokers": [{"host": "h", "port": 70000}], "protocol": "tcp"}),
            "brokers[0].port",
        ),
        (
            "kafka",
            json!({"name": "k", "brokers": [{"host": "h", "port": 9092}], "protocol": "tcp",
                         "compression": "lz4"}),
            "compression",
        ),
        (
            "kafka",
            json!({"name": "k", "brokers": [{"host": "h", "port": 9092}], "protocol": "tcp",
                         "tls_ca_certs": "-----BEGIN CERTIFICATE-----"}),
            "tls_ca_certs",
        ),
        (
            "syslog",
            json!({"name": "s", "host": "h", "port": 514, "protocol": "udp",
                          "tcp_length_prefix_framing": true}),
            "tcp_length_prefix_framing",
        ),
        (
            "syslog",
            json!({"name": "s", "host": "h", "port": 514, "protocol": "tcp",
                          "concurrent_connections": 0}),
            "concurrent_connections",
        ),
        (
            "raw",
            json!({"name": "r", "host": "h", "port": 1, "protocol": "tcp",
                       "gzip_threshold_seconds": 5}),
            "gzip_threshold_seconds",
        ),
        (
            "mongodb",
            json!({"name": "m", "host": "h", "port": 27017, "skip_cert_verification": true}),
            "skip_cert_verification",
        ),
        (
            "mongodb",
            json!({"name": "", "host": "h", "port": 27017}),
            "name",
        ),
    ];
    for (kind, body, field) in cases {
        let r = s.post(&format!("/api/v1/odstargets/{kind}"), body.clone());
        assert_eq!(r.status, 400, "{kind} {body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{kind} {body}: {}", r.text);
    }
}

#[test]
fn privileges_are_checked() {
    let s = Server::start();
    let limited = s.user_key("analyst", json!({"write": "full"}));
    let r = s.call_with(
        "POST",
        "/api/v1/odstargets/http",
        Some(json!({"name": "a", "host": "h", "port": 80, "protocol": "http"})),
        Some(&limited),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    // Changing a target takes what creating one does.
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "a", "host": "h", "port": 80, "protocol": "http"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.call_with(
        "PATCH",
        "/api/v1/odstargets/http/a",
        Some(json!({"port": 81})),
        Some(&limited),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(s.get("/api/v1/odstargets/http/a").body["port"], 80);
    assert_eq!(
        s.call_with("GET", "/api/v1/odstargets", None, Some(&limited))
            .status,
        200
    );
    let viewer = s.user_key("viewer", json!({"write": "limited"}));
    assert_eq!(
        s.call_with("GET", "/api/v1/odstargets", None, Some(&viewer))
            .status,
        403
    );
    assert_eq!(
        s.call_with("GET", "/api/v1/triggers", None, Some(&viewer))
            .status,
        403
    );
    assert_eq!(
        s.call_with("GET", "/api/v1/triggers", None, None).status,
        401
    );
}

#[test]
fn health_checks_reach_the_target_or_say_why_not() {
    let rx = Receiver::start();
    let s = Server::start();
    let down = Receiver::reserve();
    for (name, port) in [("up", rx.addr.port()), ("down", down.port())] {
        let r = s.post(
            "/api/v1/odstargets/http",
            json!({"name": name, "host": "127.0.0.1", "port": port, "protocol": "http"}),
        );
        assert_eq!(r.status, 201);
    }
    let up = s.get("/api/v1/odstargets/http/up/health").body;
    assert_eq!(up["healthy"], true, "{up}");
    let dn = s.get("/api/v1/odstargets/http/down/health").body;
    assert_eq!(dn["healthy"], false, "{dn}");
    assert!(dn["detail"].as_str().unwrap().contains("refused"), "{dn}");
}

#[test]
fn triggers_are_validated_on_save_and_keep_a_debug_log() {
    let s = Server::start();
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "bad", "events": ["DETECTION_UPDATE"], "script": "const a = 1;\nconst b = ;"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "script");
    assert!(
        r.body["detail"].as_str().unwrap().contains("line 2"),
        "{}",
        r.text
    );
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "e", "events": ["NOT_AN_EVENT"], "script": "log(1)"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["field"], "events[0]");
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "dbg", "events": ["EXTERNAL_DATA"], "debug": true,
               "script": "debug('got', ExternalData.type, ExternalData.body.n); if (ExternalData.body.n > 1) throw new Error('too big');"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    assert_eq!(
        r.headers.get("location").unwrap(),
        &format!("/api/v1/triggers/{id}")
    );
    assert_eq!(r.body["author"], "setup");
    for n in [1, 2] {
        let r = s.post(
            "/api/v1/triggers/externaldata",
            json!({"type": "soar", "body": {"n": n}}),
        );
        assert_eq!(r.status, 202, "{}", r.text);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let log = loop {
        let log = s.get(&format!("/api/v1/triggers/{id}/debuglog")).body;
        if log.as_array().is_some_and(|l| l.len() >= 3) {
            break log;
        }
        assert!(std::time::Instant::now() < deadline, "{log}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let lines: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["level"].as_str().unwrap().to_string(),
                l["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(lines[0], ("debug".into(), "got soar 1".into()));
    assert_eq!(lines[1], ("debug".into(), "got soar 2".into()));
    assert_eq!(lines[2].0, "error");
    assert!(lines[2].1.contains("too big"), "{lines:?}");
    let stats = s.get(&format!("/api/v1/triggers/{id}/stats")).body;
    assert_eq!(
        (stats["runs"].as_u64(), stats["errors"].as_u64()),
        (Some(2), Some(1)),
        "{stats}"
    );
    // PATCH answers 204 and a new script is checked too.
    let r = s.patch(&format!("/api/v1/triggers/{id}"), json!({"disabled": true}));
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        s.get(&format!("/api/v1/triggers/{id}")).body["disabled"],
        true
    );
    let r = s.patch(&format!("/api/v1/triggers/{id}"), json!({"script": "if ("}));
    assert_eq!(r.status, 400);
    assert_eq!(
        s.call("DELETE", &format!("/api/v1/triggers/{id}/debuglog"), None)
            .status,
        204
    );
    assert_eq!(
        s.get(&format!("/api/v1/triggers/{id}/debuglog")).body,
        json!([])
    );
    assert_eq!(
        s.call("DELETE", &format!("/api/v1/triggers/{id}"), None)
            .status,
        204
    );
    assert_eq!(s.get(&format!("/api/v1/triggers/{id}")).status, 404);
    // commitDetection raises a detection through the same checks as POST /detections.
    let r = s.post("/api/v1/triggers", json!({"name": "raise", "events": ["EXTERNAL_DATA"],
        "script": "commitDetection('port_scan', {title: 'From a trigger', riskScore: 55, participants: [ExternalData.body.ip]});"}));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        s.post(
            "/api/v1/triggers/externaldata",
            json!({"type": "soar", "body": {"ip": "10.9.9.9"}})
        )
        .status,
        202
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found: Value = s
            .post(
                "/api/v1/detections/search",
                json!({"filter": {"types": ["port_scan"]}}),
            )
            .body;
        if let Some(d) = found.as_array().and_then(|a| a.first()) {
            assert_eq!(d["title"], "From a trigger");
            assert_eq!(d["risk_score"], 55);
            assert_eq!(d["participants"][0]["object_value"], "10.9.9.9");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no detection from commitDetection"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_runaway_trigger_is_stopped_and_reported_and_others_keep_running() {
    let rx = Receiver::start();
    let s = Server::start_args(false, &["--trigger-budget-ms", "50"]);
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "sink", "host": "127.0.0.1", "port": rx.addr.port(), "protocol": "http"}),
    );
    assert_eq!(r.status, 201);
    let spin = s.post(
        "/api/v1/triggers",
        json!({"name": "spin", "events": ["EXTERNAL_DATA"], "script": "while (true) {}"}),
    );
    assert_eq!(spin.status, 201);
    let ok = s.post(
        "/api/v1/triggers",
        json!({"name": "ok", "events": ["EXTERNAL_DATA"],
        "script": "Remote.HTTP('sink').post({path: '/ok', payload: ExternalData.body})"}),
    );
    assert_eq!(ok.status, 201);
    for _ in 0..3 {
        assert_eq!(
            s.post(
                "/api/v1/triggers/externaldata",
                json!({"type": "t", "body": {"x": 1}})
            )
            .status,
            202
        );
    }
    rx.wait_for(10, "three messages despite the runaway trigger", |seen| {
        seen.len() >= 3
    });
    let id = spin.body["id"].as_u64().unwrap();
    let stats = s.get(&format!("/api/v1/triggers/{id}/stats")).body;
    assert_eq!(stats["budget_exceeded"], 3, "{stats}");
    let log = s.get(&format!("/api/v1/triggers/{id}/debuglog")).text;
    assert!(log.contains("stopped after 50 ms"), "{log}");
}
