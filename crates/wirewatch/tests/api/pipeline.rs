//! Suricata EVE events go through the same pipeline as packets: they reach
//! the detectors and fire the sensor's trigger events; alerts are detections
//! (firing `DETECTION_UPDATE`).

use crate::common::{ingest_into, summary_number, Client, Server};
use crate::receiver::{Receiver, Seen};
use serde_json::{json, Value};

/// Unanswered TCP attempts from one scanner to the ports `ports` of one host.
pub(crate) fn scan_lines(ports: std::ops::RangeInclusive<u16>) -> String {
    ports
        .map(|p| {
            let at = format!("2024-05-01T10:00:{:02}.000000+0000", p % 60);
            json!({"timestamp": at, "flow_id": 1000 + u64::from(p), "event_type": "flow",
                   "src_ip": "198.51.100.7", "src_port": 40000 + p, "dest_ip": "10.0.0.5",
                   "dest_port": p, "proto": "TCP",
                   "flow": {"pkts_toserver": 1, "pkts_toclient": 0, "bytes_toserver": 60,
                            "bytes_toclient": 0, "start": at, "end": at, "state": "new",
                            "reason": "timeout", "alerted": false}})
            .to_string()
                + "\n"
        })
        .collect()
}

#[test]
fn eve_flows_reach_the_detectors() {
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    std::fs::write(&eve, scan_lines(1..=25)).unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = ingest_into(
        &data,
        &[
            "--threshold",
            "scan_ports=20",
            "--eve",
            eve.to_str().unwrap(),
        ],
        &[] as &[&str],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(summary_number(&out, "lines, "), 25, "{out}");
    assert_eq!(summary_number(&out, "records, "), 1, "one detection: {out}");
    let s = Server::start_on(&data);
    let found = s
        .post(
            "/api/v1/detections/search",
            json!({"filter": {"types": ["port_scan"]}}),
        )
        .body;
    let list = found.as_array().unwrap();
    assert_eq!(list.len(), 1, "{found}");
    let offender = list[0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "offender")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(offender["object_value"], "198.51.100.7", "{found}");
    assert_eq!(list[0]["properties"]["scan_type"], "vertical", "{found}");
    // The flows are records too, as Suricata wrote them.
    let r = s.post(
        "/api/v1/records/search",
        json!({"types": ["~flow"], "from": 1, "limit": 100}),
    );
    assert_eq!(r.body["total"], 25, "{}", r.text);
    // A rerun reads nothing again: no second detection.
    let (ok, out, err) = ingest_into(
        &data,
        &[
            "--threshold",
            "scan_ports=20",
            "--eve",
            eve.to_str().unwrap(),
        ],
        &[] as &[&str],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(summary_number(&out, "lines, "), 0, "{out}");
}

#[test]
fn eve_events_fire_trigger_events() {
    let rx = Receiver::start();
    let mut s = Server::start();
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "sink", "host": "127.0.0.1", "port": rx.addr.port(), "protocol": "http", "pipeline": true}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let script = r#"
        if (typeof DNS !== 'undefined') {
          Remote.HTTP('sink').post({path: '/dns', payload: {qname: DNS.qname, response: DNS.isResponse, client: Flow.client.ipaddr}});
          return;
        }
        Remote.HTTP('sink').post({path: '/flow', payload: {client: Flow.client.ipaddr, port: Flow.server.port, proto: Flow.ipproto, state: Flow.connState}});
    "#;
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "eve", "events": ["FLOW_TICK", "DNS_REQUEST"], "script": script}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "eve alerts", "events": ["DETECTION_UPDATE"],
               "script": "Remote.HTTP('sink').post({path: '/detection', payload: {type: Detection.type, title: Detection.title}});"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let eve = s.data_dir().join("eve.json");
    let dns = json!({"timestamp": "2024-05-01T10:00:00.000000+0000", "flow_id": 77, "event_type": "dns",
        "src_ip": "10.16.1.11", "src_port": 48573, "dest_ip": "10.16.1.1", "dest_port": 53, "proto": "UDP",
        "dns": {"type": "query", "id": 1, "rrname": "eve.example", "rrtype": "A"}});
    let alert = json!({"timestamp": "2024-05-01T10:00:01.000000+0000", "flow_id": 78, "event_type": "alert",
        "src_ip": "198.51.100.7", "src_port": 40001, "dest_ip": "10.0.0.5", "dest_port": 1, "proto": "TCP",
        "alert": {"signature": "ET SCAN probe", "signature_id": 2000001, "severity": 2, "category": "Attempted Information Leak"}});
    std::fs::write(
        &eve,
        scan_lines(1..=2) + &dns.to_string() + "\n" + &alert.to_string() + "\n",
    )
    .unwrap();
    s.restart_args(&["--eve", eve.to_str().unwrap()]);
    let seen = rx.wait_for(
        30,
        "a FLOW_TICK per EVE flow, a DNS_REQUEST and the alert's DETECTION_UPDATE",
        |seen| {
            let n = |p: &str| seen.iter().filter(|r| r.path == p).count();
            n("/flow") >= 2 && n("/dns") >= 1 && n("/detection") >= 1
        },
    );
    let flows: Vec<Value> = seen
        .iter()
        .filter(|r| r.path == "/flow")
        .map(Seen::json)
        .collect();
    assert_eq!(flows.len(), 2, "{flows:?}");
    for f in &flows {
        assert_eq!(f["client"], "198.51.100.7", "{f}");
        assert_eq!(f["proto"], "TCP", "{f}");
        assert_eq!(f["state"], "new", "{f}");
    }
    let mut ports: Vec<u64> = flows.iter().filter_map(|f| f["port"].as_u64()).collect();
    ports.sort_unstable();
    assert_eq!(ports, [1, 2]);
    let dns: Vec<Value> = seen
        .iter()
        .filter(|r| r.path == "/dns")
        .map(Seen::json)
        .collect();
    assert_eq!(dns.len(), 1, "{dns:?}");
    assert_eq!(dns[0]["qname"], "eve.example");
    assert_eq!(dns[0]["response"], false);
    assert_eq!(dns[0]["client"], "10.16.1.11");
    let alert = seen.iter().find(|r| r.path == "/detection").map(Seen::json);
    let alert = alert.unwrap_or(Value::Null);
    assert_eq!(alert["type"], "ids_alert", "{alert}");
    assert_eq!(alert["title"], "ET SCAN probe", "{alert}");
}
