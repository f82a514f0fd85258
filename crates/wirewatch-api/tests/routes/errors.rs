//! Bad input gets a clear JSON error naming the field; nothing is a 500 or
//! plain text. (Errors answered outside the router, by the listener or
//! hyper, are process tests in `crates/wirewatch/tests/api/errors.rs`.)

use crate::common::*;
use serde_json::json;

#[test]
fn malformed_and_mistyped_bodies_are_400s_naming_the_field() {
    let s = App::start();
    let key = s.key.clone();
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        ("POST", "/api/v1/detections/search", "{not json", None),
        ("POST", "/api/v1/detections/search", "", None),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"limit": "ten"}"#,
            Some("limit"),
        ),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"filter": {"status": ["open"]}}"#,
            Some("filter.status[0]"),
        ),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"filter": {"resolution": ["maybe"]}}"#,
            Some("filter.resolution[0]"),
        ),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"sort": [{"field": "nope"}]}"#,
            Some("sort[0].field"),
        ),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"sort": {"field": "id", "direction": "up"}}"#,
            None,
        ),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"limit": -1}"#,
            Some("limit"),
        ),
        (
            "POST",
            "/api/v1/detections/search",
            r#"{"limit": 20001}"#,
            Some("limit"),
        ),
        (
            "POST",
            "/api/v1/detections",
            r#"{"type": "port_scan", "risk_score": 101}"#,
            Some("risk_score"),
        ),
        (
            "POST",
            "/api/v1/detections",
            r#"{"type": "no_such_type"}"#,
            Some("type"),
        ),
        (
            "POST",
            "/api/v1/detections",
            r#"{"type": "port_scan", "participants": [{"object_type": "ipaddr", "object_value": "300.1.1.1", "role": "offender"}]}"#,
            Some("participants[0].object_value"),
        ),
        (
            "POST",
            "/api/v1/detections",
            r#"{"type": "port_scan", "participants": [{"object_type": "ipaddr", "object_value": "1.1.1.1", "role": "bystander"}]}"#,
            Some("participants[0].role"),
        ),
        (
            "PATCH",
            "/api/v1/extrahop/ticketing",
            r#"{"url_template": "https://x/browse/"}"#,
            Some("url_template"),
        ),
        (
            "POST",
            "/api/v1/networklocalities",
            r#"{"networks": ["10.0.0.0/33"], "external": false}"#,
            Some("networks[0]"),
        ),
        (
            "POST",
            "/api/v1/networklocalities",
            r#"{"networks": ["10.0.0.0/8"], "external": "no"}"#,
            Some("external"),
        ),
        ("GET", "/api/v1/detections?limit=abc", "", Some("limit")),
        ("GET", "/api/v1/detections/abc", "", Some("id")),
        (
            "POST",
            "/api/v1/detections/search",
            "[null, null]",
            Some("body"),
        ),
    ];
    for (method, path, body, field) in cases {
        let b = if body.is_empty() && *method == "GET" {
            None
        } else {
            Some(*body)
        };
        let r = s.raw(method, path, b, Some(&key));
        assert_eq!(r.status, 400, "{method} {path} {body}: {}", r.text);
        assert_eq!(r.headers["content-type"], "application/json", "{path}");
        assert!(r.body["type"].is_string(), "{}", r.text);
        assert!(
            r.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            r.text
        );
        if let Some(f) = field {
            assert_eq!(r.body["field"], *f, "{method} {path} {body}: {}", r.text);
            assert!(r.body["detail"].as_str().unwrap().contains(f), "{}", r.text);
        }
    }
}

#[test]
fn unknown_fields_are_accepted_and_missing_things_are_404s() {
    let s = App::start();
    let r = s.post(
        "/api/v1/detections/search",
        json!({"limit": 1, "client_extra": {"a": 1}, "filter": {"x": 1}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    for path in [
        "/api/v1/detections/999",
        "/api/v1/detections/rules/hiding/9",
        "/api/v1/investigations/9",
        "/api/v1/networklocalities/9",
        "/api/v1/apikeys/99",
        "/api/v1/users/nobody",
        "/api/v1/detections/formats/nope",
        "/api/v1/no/such/thing",
        "/api/v1/detections/999/notes",
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(r.body["error_message"].is_string(), "{path}: {}", r.text);
    }
    let r = s.call("DELETE", "/api/v1/extrahop", None);
    assert_eq!(r.status, 405);
    assert!(r.body["error_message"].is_string());
    let r = s.get("/api/v1/extrahop/idrac");
    assert_eq!(r.status, 501);
    assert!(r.body["error_message"]
        .as_str()
        .unwrap()
        .contains("software sensor"));
}

#[test]
fn encoding_limit_and_trailing_data_errors_are_json() {
    let s = App::start();
    let id = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    // A percent-encoding that is not UTF-8, in a path parameter.
    let r = s.get("/api/v1/detections/%FF");
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.body["error_message"].is_string(), "{}", r.text);
    assert_eq!(r.body["type"], "invalid_request");
    // A raw-body route (PATCH /detections/{id} reads bytes) over the limit, sent whole.
    let big = format!("{{\"assignee\": \"{}\"}}", "a".repeat(9 * 1024 * 1024));
    let r = s.raw(
        "PATCH",
        &format!("/api/v1/detections/{id}"),
        Some(&big),
        Some(&s.key),
    );
    assert_eq!(r.status, 413, "{}", &r.text[..r.text.len().min(300)]);
    assert!(r.body["error_message"].is_string(), "{}", r.text);
    // Trailing garbage after a JSON body, on a typed and on a raw-body route.
    let r = s.raw(
        "POST",
        "/api/v1/detections/search",
        Some(r#"{"limit": 1} trailing"#),
        Some(&s.key),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["type"], "malformed_json");
    let r = s.raw(
        "PATCH",
        &format!("/api/v1/detections/{id}"),
        Some(r#"{"assignee": "bob"}{"assignee": "eve"}"#),
        Some(&s.key),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        s.get(&format!("/api/v1/detections/{id}")).body["assignee"],
        serde_json::Value::Null
    );
    // Whitespace after the value is fine.
    let r = s.raw(
        "POST",
        "/api/v1/detections/search",
        Some("{\"limit\": 1}\n \n"),
        Some(&s.key),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn trailing_and_doubled_slashes_reach_the_route() {
    let s = App::start();
    s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    for path in [
        "/api/v1/devices/",
        "/api/v1/tags/",
        "/api/v1/detections/",
        "//api/v1/devices",
        "//api/v1/extrahop/",
        "/api/v1/detections/?limit=1",
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert!(
            r.body.is_array() || r.body.is_object(),
            "{path}: {}",
            r.text
        );
    }
    assert_eq!(ids(&s.get("/api/v1/detections/?limit=1").body).len(), 1);
    let r = s.post("/api/v1/detections/search/", json!({"limit": 1}));
    assert_eq!(r.status, 200, "{}", r.text);
    // Unknown paths stay JSON 404s; the explorer keeps its slash.
    let r = s.get("/api/v1/no-such-resource/");
    assert_eq!(r.status, 404);
    assert!(r.body["error_message"].is_string());
    let r = s.get("/api/v1/explore/");
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("<html") || r.text.contains("<!doctype") || r.text.contains("<!DOCTYPE")
    );
}

/// A device filter is bounded like a record filter: at most 256 rules in
/// all, and the 400 names where the budget ran out.
#[test]
fn device_filters_with_too_many_rules_are_400s() {
    let s = App::start();
    let rule = json!({"field": "ipaddr", "operator": "=", "operand": "10.0.0.1"});
    let filter = |n: usize| json!({"filter": {"operator": "or", "rules": vec![rule.clone(); n]}});
    // The `or` itself is a rule: 255 tests under it make 256.
    let r = s.post("/api/v1/devices/search", filter(255));
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.post("/api/v1/devices/search", filter(256));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "filter.rules[255]", "{}", r.text);
    assert!(r.text.contains("more than 256 rules"), "{}", r.text);
}
