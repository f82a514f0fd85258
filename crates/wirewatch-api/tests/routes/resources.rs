//! Network localities, observations and the explorer.

use crate::common::*;
use serde_json::json;

#[test]
fn network_localities_crud() {
    let s = App::start();
    let r = s.post("/api/v1/networklocalities", json!({"networks": ["10.0.0.0/8", "192.168.1.7"], "external": false, "description": "corp"}));
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    assert_eq!(
        r.headers["location"],
        format!("/api/v1/networklocalities/{id}").as_str()
    );
    assert_eq!(r.body["name"], format!("locality_{id}"));
    assert_eq!(r.body["networks"], json!(["10.0.0.0/8", "192.168.1.7"]));
    assert_eq!(r.body["network"], "10.0.0.0/8");
    // The deprecated single "network" field.
    let r = s.post(
        "/api/v1/networklocalities",
        json!({"name": "dmz", "network": "172.16.5.0/24", "external": true}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.body["networks"], json!(["172.16.5.0/24"]));
    let p = format!("/api/v1/networklocalities/{id}");
    let before = s.get(&p).body["mod_time"].as_i64().unwrap();
    assert_eq!(
        s.patch(&p, json!({"name": "corp", "networks": ["10.1.0.0/16"]}))
            .status,
        204
    );
    let l = s.get(&p).body;
    assert_eq!(l["name"], "corp");
    assert_eq!(l["networks"], json!(["10.1.0.0/16"]));
    assert_eq!(l["description"], "corp");
    assert!(l["mod_time"].as_i64().unwrap() > before);
    assert_eq!(
        s.get("/api/v1/networklocalities")
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        s.post(
            "/api/v1/networklocalities",
            json!({"networks": ["10.0.0.0/8"]})
        )
        .body["field"],
        "external"
    );
    assert_eq!(
        s.post("/api/v1/networklocalities", json!({"external": true}))
            .body["field"],
        "networks"
    );
    assert_eq!(s.call("DELETE", &p, None).status, 204);
    assert_eq!(s.get(&p).status, 404);
    assert_eq!(s.call("DELETE", &p, None).status, 404);
}

#[test]
fn observations_are_validated_and_stored() {
    let s = App::start();
    let r = s.post("/api/v1/observations/associatedipaddrs", json!({"source": "OpenVPN",
        "observations": [{"ipaddr": "10.8.0.6", "associated_ipaddr": "198.51.100.20", "timestamp": 1257935231}]}));
    assert_eq!(r.status, 202, "{}", r.text);
    for (body, field) in [
        (
            json!({"source": "x", "observations": [{"ipaddr": "nope", "associated_ipaddr": "1.1.1.1", "timestamp": 1}]}),
            "observations[0].ipaddr",
        ),
        (
            json!({"source": "x", "observations": [{"ipaddr": "1.1.1.1", "associated_ipaddr": "1.1.1.1", "timestamp": -5}]}),
            "observations[0].timestamp",
        ),
        (
            json!({"source": "", "observations": [{"ipaddr": "1.1.1.1", "associated_ipaddr": "1.1.1.2", "timestamp": 5}]}),
            "source",
        ),
        (json!({"source": "x", "observations": []}), "observations"),
        (json!({"observations": []}), "source"),
        (
            json!({"source": "x", "observations": [{"ipaddr": "1.1.1.1", "timestamp": 5}]}),
            "observations[0].associated_ipaddr",
        ),
    ] {
        let r = s.post("/api/v1/observations/associatedipaddrs", body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    let r = s.get("/api/v1/observations/associatedipaddrs?ipaddr=198.51.100.20");
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["ipaddr"], "10.8.0.6");
}

#[test]
fn explorer_and_spec_are_served_without_internet() {
    let s = App::start();
    let r = s.call_with("GET", "/api/v1/explore/", None, None);
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(
        !r.text.contains("http://") && !r.text.contains("https://cdn"),
        "the explorer must not load remote assets"
    );
    let spec = s.call_with("GET", "/api/v1/openapi.json", None, None).body;
    assert_eq!(spec["openapi"], "3.0.3");
    for p in [
        "/detections/search",
        "/detections/{id}",
        "/detections/rules/hiding",
        "/extrahop/ticketing",
        "/networklocalities",
        "/observations/associatedipaddrs",
        "/auditlog",
        "/investigations",
        "/users",
        "/apikeys",
    ] {
        assert!(spec["paths"][p].is_object(), "{p} not documented");
    }
}
