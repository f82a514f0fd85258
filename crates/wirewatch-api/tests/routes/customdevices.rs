//! `/customdevices`: create, list, get, patch, delete, the legacy criteria
//! operations, their 400s and 409s, and the custom device's entry in `/devices`.

use crate::common::*;
use serde_json::{json, Value};

fn create(s: &App, body: Value) -> u64 {
    let r = s.post("/api/v1/customdevices", body);
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.text.is_empty(), "a 201 has an empty body: {}", r.text);
    let loc = r.headers["location"].to_str().unwrap();
    assert!(loc.starts_with("/api/v1/customdevices/"), "{loc}");
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

#[test]
fn create_list_get_patch_delete() {
    let s = App::start();
    // As ExtraHop's create_custom_devices.py sends it: no `disabled`.
    let id = create(
        &s,
        json!({"name": "Payment servers", "extrahop_id": "PAY-1", "description": "pci",
               "criteria": [{"ipaddr": "10.20.0.0/24", "ipaddr_direction": "dst",
                             "dst_port_min": 443, "dst_port_max": 443},
                            {"ipaddr": "10.30.0.10-10.30.0.20"}]}),
    );
    let p = format!("/api/v1/customdevices/{id}");
    let d = s.get(&p).body;
    assert_eq!(d["name"], "Payment servers");
    assert_eq!(d["extrahop_id"], "PAY-1");
    assert_eq!(d["disabled"], false);
    assert!(d["mod_time"].as_i64().unwrap() > 0);
    assert!(d.get("criteria").is_none(), "criteria only when asked: {d}");
    for q in ["true", "True", "1"] {
        let d = s.get(&format!("{p}?include_criteria={q}")).body;
        let c = d["criteria"].as_array().unwrap();
        assert_eq!(c.len(), 2, "{q}");
        assert_eq!(c[0]["ipaddr"], "10.20.0.0/24");
        assert_eq!(c[0]["ipaddr_direction"], "dst");
        assert_eq!(c[0]["dst_port_min"], 443);
        assert_eq!(c[1]["ipaddr"], "10.30.0.10-10.30.0.20");
    }
    for q in ["false", "False", "0"] {
        assert!(s
            .get(&format!("{p}?include_criteria={q}"))
            .body
            .get("criteria")
            .is_none());
    }
    let r = s.get(&format!("{p}?include_criteria=maybe"));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("include_criteria"))
    );

    // As a real script sends it: `disabled` a string; a second one, id from its name.
    let other = create(
        &s,
        json!({"name": "Lab printers", "disabled": "true", "author": "soc"}),
    );
    let list = s.get("/api/v1/customdevices?include_criteria=True").body;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["id"], other);
    assert_eq!(list[1]["disabled"], true);
    assert_eq!(list[1]["extrahop_id"], "Lab_printers");
    assert_eq!(list[1]["criteria"], json!([]));
    assert!(s.get("/api/v1/customdevices").body[0]
        .get("criteria")
        .is_none());

    // PATCH: criteria replace all; the same extrahop_id is accepted, another is not.
    let before = d["mod_time"].as_i64().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let r = s.patch(
        &p,
        json!({"name": "Payment", "disabled": "false", "extrahop_id": "PAY-1",
               "criteria": [{"ipaddr": "10.99.0.1"}]}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty());
    let d = s.get(&format!("{p}?include_criteria=true")).body;
    assert_eq!(d["name"], "Payment");
    assert_eq!(d["description"], "pci", "left alone");
    assert!(d["mod_time"].as_i64().unwrap() > before);
    assert_eq!(d["criteria"].as_array().unwrap().len(), 1);
    assert_eq!(d["criteria"][0]["ipaddr"], "10.99.0.1");
    let r = s.patch(&p, json!({"extrahop_id": "PAY-2"}));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("extrahop_id")),
        "{}",
        r.text
    );
    let r = s.patch(&p, json!({"name": "Lab printers"}));
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.body["error_message"]
        .as_str()
        .unwrap()
        .contains("Lab printers"));

    // Each shows in /devices as a device of role "custom".
    let devs = s.get("/api/v1/devices").body;
    let dev = devs
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["discovery_id"] == "PAY-1")
        .expect("the custom device's entry")
        .clone();
    assert_eq!(dev["role"], "custom");
    assert_eq!(dev["extrahop_id"], "PAY-1");
    assert_eq!(dev["display_name"], "Payment");
    assert_eq!(dev["id"], d["device_id"]);
    let found = s.post(
        "/api/v1/devices/search",
        json!({"filter": {"field": "discovery_id", "operator": "=", "operand": "PAY-1"}}),
    );
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.body.as_array().unwrap().len(), 1);

    // DELETE takes the device entry with it.
    assert_eq!(s.call("DELETE", &p, None).status, 204);
    assert_eq!(s.get(&p).status, 404);
    assert_eq!(s.call("DELETE", &p, None).status, 404);
    let devs = s.get("/api/v1/devices").body;
    assert!(!devs
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["discovery_id"] == "PAY-1"));
    assert_eq!(s.get(&format!("/api/v1/devices/{}", dev["id"])).status, 404);

    // Every change is in the audit log.
    let log = s.get("/api/v1/auditlog").text;
    for op in [
        "create custom device",
        "update custom device",
        "delete custom device",
    ] {
        assert!(log.contains(op), "{op} not logged");
    }
}

#[test]
fn names_and_ids_are_unique() {
    let s = App::start();
    create(&s, json!({"name": "A", "extrahop_id": "X"}));
    let r = s.post("/api/v1/customdevices", json!({"name": "A"}));
    assert_eq!(r.status, 409);
    assert_eq!(
        r.body["error_message"],
        "A custom device with the name A already exists"
    );
    let r = s.post(
        "/api/v1/customdevices",
        json!({"name": "B", "extrahop_id": "X"}),
    );
    assert_eq!(r.status, 409, "{}", r.text);
    // A generated id steps aside from a taken one.
    create(&s, json!({"name": "C", "extrahop_id": "D_1"}));
    create(&s, json!({"name": "D 1"}));
    let list = s.get("/api/v1/customdevices").body;
    assert_eq!(list[2]["extrahop_id"], "D_1-2");
}

#[test]
fn bad_input_is_a_400_naming_the_field() {
    let s = App::start();
    let cases = [
        (json!({}), "name"),
        (json!({"name": "  "}), "name"),
        (
            json!({"name": "x", "extrahop_id": "has space"}),
            "extrahop_id",
        ),
        (json!({"name": "x", "disabled": "maybe"}), "disabled"),
        (
            json!({"name": "x", "criteria": [{"ipaddr": "10.0.0.256"}]}),
            "criteria[0].ipaddr",
        ),
        (
            json!({"name": "x", "criteria": [{"ipaddr": "10.0.0.9-10.0.0.1"}]}),
            "criteria[0].ipaddr",
        ),
        (
            json!({"name": "x", "criteria": [{"ipaddr": "10.0.0.1", "ipaddr_peer": "10.0.0.2"}]}),
            "criteria[0].ipaddr_peer",
        ),
        (
            json!({"name": "x", "criteria": [{"ipaddr_peer": "10.0.0.2", "ipaddr_direction": "src"}]}),
            "criteria[0].ipaddr_peer",
        ),
        (
            json!({"name": "x", "criteria": [{"ipaddr": "10.0.0.1", "ipaddr_direction": "up"}]}),
            "criteria[0].ipaddr_direction",
        ),
        (
            json!({"name": "x", "criteria": [{"dst_port_min": 0}]}),
            "criteria[0].dst_port_min",
        ),
        (
            json!({"name": "x", "criteria": [{"src_port_min": 10, "src_port_max": 9}]}),
            "criteria[0].src_port_min",
        ),
        (
            json!({"name": "x", "criteria": [{"vlan_min": 4096}]}),
            "criteria[0].vlan_min",
        ),
        (
            json!({"name": "x", "criteria": [{"ipaddr": "10.0.0.1"}, {}]}),
            "criteria[1]",
        ),
        (
            json!({"name": "x", "criteria": vec![json!({"ipaddr": "10.0.0.1"}); 257]}),
            "criteria",
        ),
        (json!({"name": "x".repeat(257)}), "name"),
    ];
    for (body, field) in cases {
        let r = s.post("/api/v1/customdevices", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    assert_eq!(
        s.get("/api/v1/customdevices").body,
        json!([]),
        "nothing was made"
    );
    let r = s.get("/api/v1/customdevices/abc");
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("id")));
    assert_eq!(s.get("/api/v1/customdevices/99").status, 404);
    assert_eq!(
        s.patch("/api/v1/customdevices/99", json!({"name": "y"}))
            .status,
        404
    );
}

#[test]
fn the_legacy_criteria_operations() {
    let s = App::start();
    // The old Phantom connector: create without criteria, then POST one to <Location>/criteria.
    let r = s.post(
        "/api/v1/customdevices",
        json!({"name": "PH 10.1.2.3", "author": "Phantom", "disabled": false, "extrahop_id": "PH-10.1.2.3"}),
    );
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let r = s.post(
        &format!("{loc}/criteria"),
        json!({"custom_device_id": "PH-10.1.2.3", "ipaddr": "10.1.2.3/32"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let cloc = r.headers["location"].to_str().unwrap().to_string();
    assert!(cloc.starts_with(&format!("{loc}/criteria/")), "{cloc}");
    let list = s.get(&format!("{loc}/criteria")).body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["ipaddr"], "10.1.2.3/32");
    assert_eq!(cloc.rsplit('/').next().unwrap(), list[0]["id"].to_string());
    let r = s.post(&format!("{loc}/criteria"), json!({"ipaddr": "nope"}));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("ipaddr")),
        "{}",
        r.text
    );
    assert_eq!(
        s.post(
            "/api/v1/customdevices/99/criteria",
            json!({"ipaddr": "10.0.0.1"})
        )
        .status,
        404
    );
    assert_eq!(s.call("DELETE", &cloc, None).status, 204);
    assert_eq!(s.call("DELETE", &cloc, None).status, 404);
    assert_eq!(s.get(&format!("{loc}/criteria")).body, json!([]));
}

#[test]
fn reads_take_any_write_level_and_changes_write_full() {
    let s = App::start();
    let id = create(&s, json!({"name": "A"}));
    let limited = s.user_key("lim", json!({"write": "limited"}));
    let metrics = s.user_key("met", json!({"metrics": "full"}));
    let p = format!("/api/v1/customdevices/{id}");
    assert_eq!(s.call_with("GET", &p, None, Some(&limited)).status, 200);
    assert_eq!(
        s.call_with("GET", "/api/v1/customdevices", None, Some(&limited))
            .status,
        200
    );
    assert_eq!(s.call_with("GET", &p, None, Some(&metrics)).status, 403);
    for (m, path, body) in [
        (
            "POST",
            "/api/v1/customdevices".to_string(),
            Some(json!({"name": "B"})),
        ),
        ("PATCH", p.clone(), Some(json!({"name": "C"}))),
        ("DELETE", p.clone(), None),
        (
            "POST",
            format!("{p}/criteria"),
            Some(json!({"ipaddr": "10.0.0.1"})),
        ),
    ] {
        let r = s.call_with(m, &path, body, Some(&limited));
        assert_eq!(r.status, 403, "{m} {path}: {}", r.text);
    }
    assert_eq!(s.get(&p).body["name"], "A");
}
