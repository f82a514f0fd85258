//! Tuning rules: creation, validation, hiding, counters, re-evaluation.

use crate::common::*;
use serde_json::{json, Value};

fn visible(s: &App) -> Vec<u64> {
    let mut v = ids(&s
        .post("/api/v1/detections/search", json!({"id_only": true}))
        .body);
    v.sort();
    v
}

#[test]
fn rules_hide_past_and_future_detections_and_count_them() {
    let s = App::start();
    let d1 = s.detection(json!({"type": "dns_tunnel", "properties": {"registered_domain_name": "example.com"},
        "participants": [{"object_type": "ipaddr", "object_value": "10.0.0.1", "role": "offender"}]}));
    let d2 = s.detection(json!({"type": "dns_tunnel", "properties": {"registered_domain_name": "other.org"},
        "participants": [{"object_type": "ipaddr", "object_value": "10.0.0.2", "role": "offender"}]}));
    // The seed's example rule, with hide_past_detections.
    let r = s.post("/api/v1/detections/rules/hiding", json!({
        "detection_type": "dns_tunnel", "expiration": null, "offender": "Any", "victim": "Any",
        "hide_past_detections": true, "description": "our CDN",
        "properties": [{"operand": "example.com", "operator": "=", "property": "registered_domain_name"}]
    }));
    assert_eq!(r.status, 201, "{}", r.text);
    let rule = r.body["id"].as_u64().unwrap();
    assert_eq!(r.body["detections_hidden"], 1);
    assert_eq!(r.body["participants_hidden"], 1);
    assert_eq!(r.body["author"], "setup");
    assert_eq!(r.body["enabled"], true);
    assert_eq!(visible(&s), vec![d2]);
    // Hidden detections stay reachable by id and with include_hidden.
    assert_eq!(s.get(&format!("/api/v1/detections/{d1}")).status, 200);
    let all = ids(&s
        .post(
            "/api/v1/detections/search",
            json!({"id_only": true, "include_hidden": true}),
        )
        .body);
    assert_eq!(all.len(), 2);
    // New detections are hidden as they arrive.
    let d3 = s.detection(json!({"type": "dns_tunnel", "properties": {"registered_domain_name": "example.com"},
        "participants": [{"object_type": "ipaddr", "object_value": "10.0.0.3", "role": "offender"}]}));
    assert_eq!(visible(&s), vec![d2]);
    let r = s
        .get(&format!("/api/v1/detections/rules/hiding/{rule}"))
        .body;
    assert_eq!(r["detections_hidden"], 2);
    assert_eq!(r["participants_hidden"], 2);
    // Disabling shows them again; enabling hides them again.
    let p = format!("/api/v1/detections/rules/hiding/{rule}");
    assert_eq!(s.patch(&p, json!({"enabled": false})).status, 204);
    assert_eq!(visible(&s), vec![d1, d2, d3]);
    assert_eq!(s.get(&p).body["detections_hidden"], 0);
    assert_eq!(s.patch(&p, json!({"enabled": true})).status, 204);
    assert_eq!(visible(&s), vec![d2]);
    // Narrowing the rule releases what no longer matches.
    assert_eq!(
        s.patch(
            &p,
            json!({"offender": {"object_type": "ipaddr", "object_value": "10.0.0.3"}})
        )
        .status,
        204
    );
    assert_eq!(visible(&s), vec![d1, d2]);
    assert_eq!(s.get(&p).body["detections_hidden"], 1);
    // An expired rule hides nothing.
    assert_eq!(s.patch(&p, json!({"expiration": 1000})).status, 204);
    assert_eq!(visible(&s), vec![d1, d2, d3]);
    // Deleting releases too.
    assert_eq!(s.patch(&p, json!({"expiration": null})).status, 204);
    assert_eq!(visible(&s), vec![d1, d2]);
    assert_eq!(s.call("DELETE", &p, None).status, 204);
    assert_eq!(visible(&s), vec![d1, d2, d3]);
    assert_eq!(s.get("/api/v1/detections/rules/hiding").body, json!([]));
}

#[test]
fn participant_objects_and_localities() {
    let s = App::start();
    let r = s.post(
        "/api/v1/networklocalities",
        json!({"name": "partners", "networks": ["198.51.100.0/24"], "external": false}),
    );
    assert_eq!(r.status, 201);
    let loc = r.body["id"].as_u64().unwrap();
    let ext = s.detection(det("port_scan", "203.0.113.5", "10.0.0.9"));
    let partner = s.detection(det("port_scan", "198.51.100.7", "10.0.0.9"));
    let dev = s.detection(json!({"type": "port_scan", "participants": [
        {"object_type": "device", "object_id": 7, "ipaddr": "10.0.0.44", "hostname": "db01.corp", "role": "offender", "usernames": ["svc"]},
        {"object_type": "ipaddr", "object_value": "10.0.0.9", "role": "victim", "scanner_service": "Shodan"}]}));
    let hides = |offender: Value, victim: Value| -> Vec<u64> {
        let r = s.post(
            "/api/v1/detections/rules/hiding",
            json!({"detection_type": "all_security",
            "offender": offender, "victim": victim, "hide_past_detections": true}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_u64().unwrap();
        let mut hidden: Vec<u64> = ids(&s
            .post(
                "/api/v1/detections/search",
                json!({"id_only": true, "include_hidden": true}),
            )
            .body)
        .into_iter()
        .filter(|d| {
            !ids(&s
                .post("/api/v1/detections/search", json!({"id_only": true}))
                .body)
            .contains(d)
        })
        .collect();
        hidden.sort();
        assert_eq!(
            s.call(
                "DELETE",
                &format!("/api/v1/detections/rules/hiding/{id}"),
                None
            )
            .status,
            204
        );
        hidden
    };
    assert_eq!(
        hides(
            json!({"object_type": "locality_type", "object_locality": "external"}),
            json!("Any")
        ),
        vec![ext]
    );
    assert_eq!(
        hides(
            json!({"object_type": "network_locality", "object_id": loc}),
            json!("Any")
        ),
        vec![partner]
    );
    assert_eq!(
        hides(
            json!({"object_type": "ipaddr", "object_value": ["203.0.113.0/24", "198.51.100.7"]}),
            json!("Any")
        ),
        vec![ext, partner]
    );
    assert_eq!(
        hides(
            json!({"object_type": "device", "object_id": 7}),
            json!("Any")
        ),
        vec![dev]
    );
    assert_eq!(
        hides(
            json!({"object_type": "hostname", "object_hostname": "DB01.corp"}),
            json!("Any")
        ),
        vec![dev]
    );
    assert_eq!(
        hides(
            json!({"object_type": "username", "object_username": "svc"}),
            json!("Any")
        ),
        vec![dev]
    );
    assert_eq!(
        hides(
            json!("Any"),
            json!({"object_type": "scanner_service", "object_scanner": "Any"})
        ),
        vec![dev]
    );
    assert_eq!(
        hides(
            json!({"object_type": "device_group", "object_id": 1}),
            json!("Any")
        ),
        Vec::<u64>::new()
    );
    // Changing a locality changes what internal/external means.
    assert_eq!(
        s.patch(
            &format!("/api/v1/networklocalities/{loc}"),
            json!({"external": true})
        )
        .status,
        204
    );
    let mut both = hides(
        json!({"object_type": "locality_type", "object_locality": "external"}),
        json!("Any"),
    );
    both.sort();
    assert_eq!(both, vec![ext, partner]);
}

#[test]
fn rule_validation() {
    let s = App::start();
    for (body, field) in [
        (
            json!({"detection_type": "nope", "offender": "Any", "victim": "Any"}),
            "detection_type",
        ),
        (
            json!({"detection_type": "port_scan", "offender": "Some", "victim": "Any"}),
            "offender",
        ),
        (
            json!({"detection_type": "port_scan", "offender": {"object_type": "ipaddr"}, "victim": "Any"}),
            "offender.object_value",
        ),
        (
            json!({"detection_type": "port_scan", "offender": {"object_type": "ipaddr", "object_value": "1.2.3.999"}, "victim": "Any"}),
            "offender.object_value",
        ),
        (
            json!({"detection_type": "port_scan", "offender": {"object_type": "device"}, "victim": "Any"}),
            "offender.object_id",
        ),
        (
            json!({"detection_type": "port_scan", "offender": "Any", "victim": {"object_type": "locality_type"}}),
            "victim.object_locality",
        ),
        (
            json!({"detection_type": "port_scan", "offender": "Any", "victim": {"object_type": "planet"}}),
            "victim",
        ),
        (
            json!({"detection_type": "port_scan", "offender": "Any", "victim": "Any",
            "properties": [{"property": "scan_type", "operator": "~", "operand": "(unclosed"}]}),
            "properties[0].operand",
        ),
        (
            json!({"detection_type": "port_scan", "offender": "Any", "victim": "Any",
            "properties": [{"property": "scan_type", "operator": "like", "operand": "x"}]}),
            "properties[0].operator",
        ),
    ] {
        let r = s.post("/api/v1/detections/rules/hiding", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    // The seed's single-object "properties" form is accepted.
    let r = s.post(
        "/api/v1/detections/rules/hiding",
        json!({"detection_type": "suspicious_tld", "offender": "Any", "victim": "Any",
        "properties": {"operand": "org", "operator": "=", "property": "top_level_domain"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["properties"][0]["operand"], "org");
}

#[test]
fn locality_type_participants_read_back_with_object_value_and_copy_between_sensors() {
    let a = App::start();
    let r = a.post(
        "/api/v1/detections/rules/hiding",
        json!({"detection_type": "port_scan", "description": "internal scanners",
               "offender": {"object_type": "locality_type", "object_locality": "internal"},
               "victim": "Any"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let rule = a.get("/api/v1/detections/rules/hiding").body[0].clone();
    assert_eq!(rule["offender"]["object_value"], "internal", "{rule}");
    assert_eq!(rule["offender"]["object_locality"], "internal", "{rule}");
    // Copy it to another sensor as a client does: the GET body, minus the ids and counters.
    let b = App::start();
    let mut copy = json!({});
    for k in [
        "detection_type",
        "description",
        "offender",
        "victim",
        "enabled",
    ] {
        if let Some(v) = rule.get(k) {
            copy[k] = v.clone();
        }
    }
    let r = b.post("/api/v1/detections/rules/hiding", copy);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        b.get("/api/v1/detections/rules/hiding").body[0]["offender"],
        rule["offender"]
    );
    // A client that sends only object_value is understood too.
    let r = b.post(
        "/api/v1/detections/rules/hiding",
        json!({"detection_type": "port_scan", "offender": "Any",
               "victim": {"object_type": "locality_type", "object_value": "external"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let rules = b.get("/api/v1/detections/rules/hiding").body;
    assert_eq!(rules[1]["victim"]["object_locality"], "external", "{rules}");
}
