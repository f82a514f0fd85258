//! `/alerts` and `/emailgroups`: shapes and status codes as the real
//! product answers them, validation naming the field, assignments and their
//! mirrors, the 501s of what wirewatch does not keep, and firings.

use crate::common::*;
use serde_json::{json, Value};
use wirewatch_model::device::DeviceUpdate;
use wirewatch_store::MetricPoint;

/// The body XSOAR's `extrahop-alert-rule-create` sends for a threshold alert.
fn threshold() -> Value {
    json!({"apply_all": false, "disabled": false, "name": "DNS error ratio",
        "notify_snmp": false, "refire_interval": 300, "severity": 3, "type": "threshold",
        "interval_length": 30, "operator": ">", "units": "none",
        "field_name": "rsp_error", "field_name2": "rsp", "field_op": "/",
        "operand": "0.01", "stat_name": "extrahop.device.dns_client"})
}

fn created(s: &App, path: &str, body: Value) -> u64 {
    let r = s.post(&format!("/api/v1{path}"), body);
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.text.is_empty(), "201 has an empty body: {}", r.text);
    let loc = r.headers["location"].to_str().unwrap();
    assert!(loc.starts_with(&format!("/api/v1{path}/")), "{loc}");
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

fn devices(s: &App) -> (u64, u64) {
    let up = |id: &str, ip: &str| DeviceUpdate {
        discovery_id: id.into(),
        ipaddrs: vec![ip.into()],
        is_l3: true,
        first_ms: 1,
        last_ms: 1,
        device_class: "node".into(),
        ..Default::default()
    };
    s.store
        .upsert_devices(&[up("a1", "10.0.0.1"), up("a2", "10.0.0.2")])
        .unwrap();
    let id = |d: &str| s.store.device_by_discovery_id(d).unwrap().unwrap().id;
    (id("a1"), id("a2"))
}

#[test]
fn alert_crud_as_the_real_product() {
    let s = App::start();
    let id = created(&s, "/alerts", threshold());
    let a = s.get(&format!("/api/v1/alerts/{id}")).body;
    assert_eq!(a["id"], id);
    assert_eq!(a["operand"], "0.01", "the operand is answered as a string");
    assert_eq!(a["refire_interval"], 300);
    assert_eq!(a["interval_length"], 30);
    assert_eq!(a["type"], "threshold");
    assert!(a["mod_time"].as_i64().unwrap() > 0);
    assert!(a.get("param").is_none(), "unset fields are left out: {a}");
    let list = s.get("/api/v1/alerts").body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // A PATCH as XSOAR sends it (the whole body again, changed), 204 and empty.
    let mut b = threshold();
    b["severity"] = json!(1);
    b["operand"] = json!(0.05);
    let r = s.patch(&format!("/api/v1/alerts/{id}"), b);
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    let a = s.get(&format!("/api/v1/alerts/{id}")).body;
    assert_eq!(
        (a["severity"].clone(), a["operand"].clone()),
        (json!(1), json!("0.05"))
    );
    // Names are unique.
    let r = s.post("/api/v1/alerts", threshold());
    assert_eq!(r.status, 409, "{}", r.text);
    // A detection alert as XSOAR sends it.
    let d = created(
        &s,
        "/alerts",
        json!({"apply_all": true, "disabled": false, "name": "udp detections", "notify_snmp": false,
            "refire_interval": 300, "severity": 4, "type": "detection", "interval_length": 30,
            "object_type": "device", "protocols": ["udp"]}),
    );
    assert_eq!(
        s.get(&format!("/api/v1/alerts/{d}")).body["protocols"],
        json!(["udp"])
    );
    let r = s.call("DELETE", &format!("/api/v1/alerts/{id}"), None);
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_eq!(s.get(&format!("/api/v1/alerts/{id}")).status, 404);
    assert_eq!(
        s.call("DELETE", &format!("/api/v1/alerts/{id}"), None)
            .status,
        404
    );
    assert_eq!(s.get("/api/v1/alerts/nope").status, 400);
}

#[test]
fn bad_alert_values_are_400s_naming_the_field() {
    let s = App::start();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("refire_interval", json!(0), "300"),
        ("severity", json!(9), "0 to 7"),
        ("interval_length", json!(45), "1800"),
        ("operator", json!("!="), ">="),
        ("operand", json!("high"), "not a number"),
        ("operand", json!(true), "number"),
        ("units", json!("1 day"), "1 hr"),
        ("field_op", json!("*"), "ratio"),
        ("cc", json!(["soc"]), "e-mail address"),
        (
            "stat_name",
            json!("extrahop.application.http"),
            "extrahop.device.dns_client",
        ),
        ("field_name", json!("nope"), "rsp_error"),
        ("type", json!("other"), "threshold, trend or detection"),
        ("trend_lookback", json!(3600), "trend alerts only"),
        ("param", json!(7), "detail key"),
        ("severity", json!("high"), ""),
    ];
    for (field, v, says) in cases {
        let mut b = threshold();
        b[field] = v.clone();
        let r = s.post("/api/v1/alerts", b);
        assert_eq!(r.status, 400, "{field}={v}: {}", r.text);
        assert!(r.text.contains(field), "{field}={v}: {}", r.text);
        assert!(r.text.contains(says), "{field}={v}: {}", r.text);
    }
    let r = s.post("/api/v1/alerts", json!({"type": "threshold"}));
    assert_eq!(r.status, 400);
    assert!(r.text.contains("name"), "{}", r.text);
    // A PATCH that would break the alert is refused and changes nothing.
    let id = created(&s, "/alerts", threshold());
    let r = s.patch(
        &format!("/api/v1/alerts/{id}"),
        json!({"refire_interval": 0}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        s.get(&format!("/api/v1/alerts/{id}")).body["refire_interval"],
        300
    );
    // 404 before the body is judged.
    assert_eq!(
        s.patch("/api/v1/alerts/999", json!({"severity": 99}))
            .status,
        404
    );
}

#[test]
fn assignments_and_their_mirrors() {
    let s = App::start();
    let (d1, d2) = devices(&s);
    let a = created(&s, "/alerts", threshold());
    let all = created(
        &s,
        "/alerts",
        json!({"name": "all", "type": "detection", "apply_all": true}),
    );
    let r = s.post(
        "/api/v1/devicegroups",
        json!({"name": "g", "dynamic": false}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let g = r.body["id"].as_u64().unwrap();
    let r = s.post(
        &format!("/api/v1/devicegroups/{g}/devices"),
        json!({"assign": [d2]}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let e = created(
        &s,
        "/emailgroups",
        json!({"group_name": "soc", "email_addresses": ["soc@example.com"]}),
    );
    let base = format!("/api/v1/alerts/{a}");
    for (seg, id) in [("devices", d1), ("devicegroups", g), ("emailgroups", e)] {
        let r = s.post(&format!("{base}/{seg}"), json!({"assign": [id]}));
        assert_eq!((r.status, r.text.as_str()), (204, ""), "{seg}");
        let list = s.get(&format!("{base}/{seg}")).body;
        assert_eq!(ids(&list), vec![id], "{seg}");
        // Unknown objects: 400 naming the entry.
        let r = s.post(&format!("{base}/{seg}"), json!({"assign": [id, 4242]}));
        assert_eq!(r.status, 400, "{seg}");
        assert!(r.text.contains("assign[1]"), "{}", r.text);
        assert_eq!(
            s.call("POST", &format!("{base}/{seg}/4242"), None).status,
            404
        );
        // One by one.
        let r = s.call("DELETE", &format!("{base}/{seg}/{id}"), None);
        assert_eq!(r.status, 204);
        assert!(
            ids(&s.get(&format!("{base}/{seg}")).body).is_empty(),
            "{seg}"
        );
        let r = s.call("POST", &format!("{base}/{seg}/{id}"), None);
        assert_eq!(r.status, 204);
    }
    assert_eq!(
        s.post("/api/v1/alerts/999/devices", json!({"assign": []}))
            .status,
        404
    );
    // The device's alerts: the assigned one and the apply_all one.
    let of = |p: &str| ids(&s.get(p).body);
    assert_eq!(of(&format!("/api/v1/devices/{d1}/alerts")), vec![a, all]);
    assert_eq!(
        of(&format!(
            "/api/v1/devices/{d1}/alerts?direct_assignments_only=true"
        )),
        vec![a]
    );
    // d2 gets the alert through its group.
    assert_eq!(of(&format!("/api/v1/devices/{d2}/alerts")), vec![a, all]);
    assert!(of(&format!(
        "/api/v1/devices/{d2}/alerts?direct_assignments_only=True"
    ))
    .is_empty());
    assert_eq!(
        of(&format!("/api/v1/devicegroups/{g}/alerts")),
        vec![a, all]
    );
    assert_eq!(
        of(&format!(
            "/api/v1/devicegroups/{g}/alerts?direct_assignments_only=true"
        )),
        vec![a]
    );
    let r = s.get(&format!(
        "/api/v1/devices/{d1}/alerts?direct_assignments_only=maybe"
    ));
    assert_eq!(r.status, 400);
    // The mirrors assign too.
    let r = s.post(
        &format!("/api/v1/devices/{d2}/alerts"),
        json!({"assign": [all]}),
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        ids(&s.get(&format!("/api/v1/alerts/{all}/devices")).body),
        vec![d2]
    );
    let r = s.post(
        &format!("/api/v1/devices/{d2}/alerts"),
        json!({"assign": [777]}),
    );
    assert_eq!(r.status, 400);
    assert!(r.text.contains("assign[0]"), "{}", r.text);
    let r = s.call(
        "DELETE",
        &format!("/api/v1/devicegroups/{g}/alerts/{a}"),
        None,
    );
    assert_eq!(r.status, 204);
    assert!(ids(&s.get(&format!("{base}/devicegroups")).body).is_empty());
    assert_eq!(
        s.call(
            "POST",
            &format!("/api/v1/devicegroups/{g}/alerts/777"),
            None
        )
        .status,
        404
    );
    assert_eq!(s.get("/api/v1/devices/999/alerts").status, 404);
    // Deleting the e-mail group drops its assignment.
    assert_eq!(
        s.call("DELETE", &format!("/api/v1/emailgroups/{e}"), None)
            .status,
        204
    );
    assert!(ids(&s.get(&format!("{base}/emailgroups")).body).is_empty());
}

#[test]
fn what_wirewatch_does_not_keep_answers_501() {
    let s = App::start();
    let a = created(&s, "/alerts", threshold());
    let r = s.get(&format!("/api/v1/alerts/{a}/stats"));
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.text.contains("firings"), "{}", r.text);
    for seg in ["applications", "networks", "exclusionintervals"] {
        for (m, p) in [
            ("GET", format!("/api/v1/alerts/{a}/{seg}")),
            ("POST", format!("/api/v1/alerts/{a}/{seg}")),
            ("POST", format!("/api/v1/alerts/{a}/{seg}/1")),
            ("DELETE", format!("/api/v1/alerts/{a}/{seg}/1")),
        ] {
            let r = s.call(m, &p, Some(json!({"assign": [1]})));
            assert_eq!(r.status, 501, "{m} {p}: {}", r.text);
            assert!(r.body["error_message"]
                .as_str()
                .unwrap()
                .contains("devices and device groups"));
        }
    }
}

#[test]
fn email_group_crud() {
    let s = App::start();
    let id = created(
        &s,
        "/emailgroups",
        json!({"group_name": "SOC", "email_addresses": ["a@example.com", "b@example.org"], "system_notifications": true}),
    );
    let g = s.get(&format!("/api/v1/emailgroups/{id}")).body;
    assert_eq!(
        g,
        json!({"id": id, "group_name": "SOC", "email_addresses": ["a@example.com", "b@example.org"], "system_notifications": true})
    );
    let r = s.patch(
        &format!("/api/v1/emailgroups/{id}"),
        json!({"email_addresses": ["c@example.com"]}),
    );
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    let g = s.get(&format!("/api/v1/emailgroups/{id}")).body;
    assert_eq!(
        (g["group_name"].clone(), g["email_addresses"].clone()),
        (json!("SOC"), json!(["c@example.com"]))
    );
    for (body, field) in [
        (json!({"email_addresses": ["x@example.com"]}), "group_name"),
        (
            json!({"group_name": "x", "email_addresses": ["x@example.com", "not mail"]}),
            "email_addresses[1]",
        ),
        (
            json!({"group_name": "x", "email_addresses": "x@example.com"}),
            "email_addresses",
        ),
    ] {
        let r = s.post("/api/v1/emailgroups", body);
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    assert_eq!(
        s.get("/api/v1/emailgroups").body.as_array().unwrap().len(),
        1
    );
    assert_eq!(
        s.call("DELETE", &format!("/api/v1/emailgroups/{id}"), None)
            .status,
        204
    );
    assert_eq!(s.get(&format!("/api/v1/emailgroups/{id}")).status, 404);
}

#[test]
fn firings_are_visible_through_the_api() {
    let s = App::start();
    let (d1, _) = devices(&s);
    let a = created(
        &s,
        "/alerts",
        json!({"name": "big talker", "type": "threshold", "apply_all": true, "severity": 2,
            "stat_name": "extrahop.device.net", "field_name": "bytes_out", "operator": ">",
            "operand": "1000", "interval_length": 30, "cc": ["noc@example.com"]}),
    );
    // A 30-second cycle start of a capture long ago.
    let t = 1_700_000_040_000;
    let p = |ot: &'static str, id: u64, name: &'static str, c: f64| MetricPoint {
        object_type: ot,
        object_id: id as i64,
        category: "net",
        name,
        key1: String::new(),
        time_ms: t,
        count: Some(c),
        dataset: None,
    };
    s.store
        .add_metrics(&[
            p("network", 1, "pkts", 3.0),
            p("device", d1, "bytes_out", 5000.0),
        ])
        .unwrap();
    let round = wirewatch_alerts::evaluate(&s.store, wirewatch_model::now_ms()).unwrap();
    assert_eq!(round.fired.len(), 1);
    let f = s.get(&format!("/api/v1/alerts/{a}/firings")).body;
    assert_eq!(f.as_array().unwrap().len(), 1, "{f}");
    assert_eq!(f[0]["object_id"], d1);
    assert_eq!(f[0]["value"], 5000.0);
    assert_eq!(f[0]["condition"], "5000 > 1000");
    assert_eq!(f[0]["recipients"], json!(["noc@example.com"]));
    // Severity 2 raised a detection, readable as any other.
    let det = f[0]["raised_detection_id"].as_u64().expect("a detection");
    let d = s.get(&format!("/api/v1/detections/{det}")).body;
    assert_eq!(d["type"], "metric_threshold_alert");
    assert_eq!(
        s.get(&format!("/api/v1/alerts/{a}/firings?limit=0")).status,
        400
    );
    assert_eq!(s.get("/api/v1/alerts/999/firings").status, 404);
}

/// A trend alert through the API: its fields read back, a window far above
/// its own history fires (value, trend, condition), one near it does not.
#[test]
fn trend_alerts_fire_through_the_api() {
    let s = App::start();
    let (d1, d2) = devices(&s);
    let trend = |name: &str, operand: &str| {
        json!({"name": name, "type": "trend", "apply_all": true, "severity": 2,
            "stat_name": "extrahop.device.net", "field_name": "bytes_out", "operator": ">",
            "operand": operand, "interval_length": 60, "trend_lookback": 3600,
            "trend_percentile": 50, "units": "1 sec"})
    };
    let a = created(&s, "/alerts", trend("bytes surge", "200"));
    let got = s.get(&format!("/api/v1/alerts/{a}")).body;
    assert_eq!(
        (
            got["type"].clone(),
            got["trend_lookback"].clone(),
            got["trend_percentile"].clone()
        ),
        (json!("trend"), json!(3600), json!(50))
    );
    // Without a metric it is refused as a threshold alert is.
    let r = s.post("/api/v1/alerts", json!({"name": "x", "type": "trend", "operator": ">", "operand": "1", "interval_length": 60}));
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.text.contains("stat_name") && r.text.contains("trend alert"),
        "{}",
        r.text
    );
    // An hour of 3,000 bytes per 30 s from both devices (100 bytes/s), then
    // a minute in which d1 sends 4 times as much and d2 twice as much.
    let t0 = 1_700_000_040_000;
    let p = |ot: &'static str, id: u64, name: &'static str, t: i64, c: f64| MetricPoint {
        object_type: ot,
        object_id: id as i64,
        category: "net",
        name,
        key1: String::new(),
        time_ms: t,
        count: Some(c),
        dataset: None,
    };
    for i in 0..122 {
        let t = t0 + i * 30_000;
        let (b1, b2) = if i < 120 {
            (3000.0, 3000.0)
        } else {
            (12_000.0, 6000.0)
        };
        s.store
            .add_metrics(&[
                p("network", 1, "pkts", t, 5.0),
                p("device", d1, "bytes_out", t, b1),
                p("device", d2, "bytes_out", t, b2),
            ])
            .unwrap();
    }
    let round = wirewatch_alerts::evaluate(&s.store, wirewatch_model::now_ms()).unwrap();
    assert_eq!(round.fired.len(), 1, "{:?}", round.fired);
    let f = s.get(&format!("/api/v1/alerts/{a}/firings")).body;
    assert_eq!(f.as_array().unwrap().len(), 1, "{f}");
    // d1: 400 bytes/s against a median of 100: +300% > 200%. d2 (+100%) is
    // on the quiet side of the operand.
    assert_eq!(f[0]["object_id"], d1);
    assert_eq!(
        (f[0]["value"].clone(), f[0]["trend"].clone()),
        (json!(400.0), json!(100.0))
    );
    let c = f[0]["condition"].as_str().unwrap();
    assert!(
        c.starts_with("+300% > 200% (400 against a trend of 100"),
        "{c}"
    );
    let det = f[0]["raised_detection_id"].as_u64().expect("a detection");
    let d = s.get(&format!("/api/v1/detections/{det}")).body;
    assert_eq!(d["type"], "metric_threshold_alert");
    assert_eq!(d["properties"]["trend"], 100.0);
    // Raised above the surge, the same alert stays quiet next round.
    let r = s.patch(&format!("/api/v1/alerts/{a}"), json!({"operand": "400"}));
    assert_eq!(r.status, 204, "{}", r.text);
    let b = created(&s, "/alerts", trend("bigger surge", "350"));
    let round = wirewatch_alerts::evaluate(&s.store, wirewatch_model::now_ms()).unwrap();
    assert!(round.fired.is_empty(), "{:?}", round.fired);
    assert_eq!(
        s.get(&format!("/api/v1/alerts/{b}/firings")).body,
        json!([])
    );
}
