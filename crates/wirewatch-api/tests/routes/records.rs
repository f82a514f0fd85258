//! `/records`: records as the ExtraHop formats write them: a `~flow` with a
//! custom device reads with `sender`/`receiver` device fields and typed
//! addresses, filters on `client`/`sender` (address or custom device) find
//! it, and `GET /records/formats` describes it.

use crate::common::*;
use serde_json::{json, Value};
use wirewatch_model::record::{Flow, NewRecord, Record, RecordDevices};

fn flow(t: i64, sender: &str, receiver: &str, devices: RecordDevices) -> NewRecord {
    NewRecord {
        time_ms: t,
        devices,
        threat: Vec::new(),
        record: Record::Flow(Flow {
            age: 0.25,
            bytes: 1_500,
            pkts: 5,
            client_addr: sender.parse().unwrap(),
            client_bytes: 500,
            client_l2_bytes: 542,
            client_mac: None,
            client_payload_bytes: 300,
            client_pkts: 3,
            client_port: 50_000,
            conn_state: "SF".into(),
            duration: 250.0,
            first_seen: t,
            flow_id: 0x1234,
            history: "ShADadFf".into(),
            ipproto: "TCP".into(),
            l7proto: Some("HTTP".into()),
            last_seen: t + 250,
            server_addr: receiver.parse().unwrap(),
            server_bytes: 1_000,
            server_l2_bytes: 1_028,
            server_mac: None,
            server_payload_bytes: 800,
            server_pkts: 2,
            server_port: 80,
            tunnel_client_addr: None,
            tunnel_server_addr: None,
            vlan: None,
        }),
    }
}

fn search(s: &App, filter: Value) -> Vec<Value> {
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~flow"], "filter": filter}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["records"].as_array().unwrap().clone()
}

#[test]
fn flows_read_with_sender_and_receiver() {
    let s = App::start();
    let r = s.post(
        "/api/v1/customdevices",
        json!({"name": "Client", "extrahop_id": "PH-10.9.0.1", "criteria": [{"ipaddr": "10.9.0.1"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let attributed = RecordDevices {
        client: vec!["PH-10.9.0.1".into()],
        server: vec![],
    };
    s.store
        .insert_records(&[
            flow(1_000, "10.9.0.1", "192.0.2.7", attributed),
            flow(
                2_000,
                "2001:db8::1",
                "2001:db8::2",
                RecordDevices::default(),
            ),
        ])
        .unwrap();
    let all = search(
        &s,
        json!({"field": "proto", "operator": "=", "operand": "TCP"}),
    );
    assert_eq!(all.len(), 2);
    let v4 = &all[1]["_source"];
    assert_eq!(
        v4["senderAddr"],
        json!({"type": "ipaddr4", "value": "10.9.0.1"})
    );
    assert_eq!(
        v4["receiverAddr"],
        json!({"type": "ipaddr4", "value": "192.0.2.7"})
    );
    assert_eq!(
        v4["sender"],
        json!({"type": "device", "value": ["PH-10.9.0.1"]})
    );
    assert!(v4.get("client").is_none() && v4.get("receiver").is_none());
    assert_eq!(v4["bytes"], 1_500);
    assert_eq!(v4["timestamp"], 1_000);
    let v6 = &all[0]["_source"];
    assert_eq!(
        v6["senderAddr"],
        json!({"type": "ipaddr6", "value": "2001:db8::1"})
    );
    // The custom device, by extrahop_id, on either name of the role.
    for role in ["sender", "client"] {
        for operand in [
            json!("PH-10.9.0.1"),
            json!({"type": "device", "value": "PH-10.9.0.1"}),
        ] {
            let found = search(
                &s,
                json!({"field": role, "operator": "=", "operand": operand}),
            );
            assert_eq!(found.len(), 1, "{role}");
            assert_eq!(found[0]["_source"]["senderPort"], 50_000);
        }
    }
    // An address operand on a role, a typed address on a field.
    for (field, operand) in [
        ("sender", json!("10.9.0.0/24")),
        ("client", json!({"type": "ipaddr4", "value": "10.9.0.1"})),
        (
            "senderAddr",
            json!({"type": "ipaddr4", "value": "10.9.0.1"}),
        ),
        (
            "receiver",
            json!({"type": "ipaddr6", "value": "2001:db8::/64"}),
        ),
        ("serverAddr", json!("2001:db8::2")),
    ] {
        assert_eq!(
            search(
                &s,
                json!({"field": field, "operator": "=", "operand": operand})
            )
            .len(),
            1,
            "{field}"
        );
    }
    // The responder is no custom device here.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "filter": {"field": "receiver", "operator": "=", "operand": {"type": "device", "value": "PH-10.9.0.1"}}}),
    );
    assert_eq!(r.body["total"], 0, "{}", r.text);
}

#[test]
fn formats_describe_the_records() {
    let s = App::start();
    let r = s.get("/api/v1/records/formats");
    assert_eq!(r.status, 200, "{}", r.text);
    let flow = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "~flow")
        .unwrap()
        .clone();
    assert_eq!(flow["display_name"], "Flow");
    let field = |n: &str| {
        flow["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap_or_else(|| panic!("no {n}"))
            .clone()
    };
    assert_eq!(
        field("receiverPort"),
        json!({"name": "receiverPort", "display_name": "Receiver Port", "data_type": "number",
               "description": "The responder's port.", "aliases": ["serverPort"]})
    );
    assert_eq!(field("receiver")["data_type"], "device");
    assert_eq!(field("age")["data_type"], "number");
}
