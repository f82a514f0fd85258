//! Custom devices take effect: a capture ingested with custom devices
//! defined attributes the traffic their criteria match to them, in the
//! device list, the records, the metrics (traffic and protocol) and the
//! activity maps.

use crate::common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn shared(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
        .display()
        .to_string()
}

fn search(s: &Server, types: &[&str], field: &str, device: &str) -> Vec<Value> {
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": types, "limit": 1000,
               "filter": {"field": field, "operator": "=", "operand": {"type": "device", "value": device}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["total"].as_u64().unwrap() as usize,
        r.body["records"].as_array().unwrap().len()
    );
    r.body["records"].as_array().unwrap().clone()
}

fn total(s: &Server, id: u64, name: &str) -> f64 {
    metric(s, id, "net", name)
}

fn metric(s: &Server, id: u64, category: &str, name: &str) -> f64 {
    let r = s.post(
        "/api/v1/metrics/total",
        json!({"from": 1, "until": 0, "cycle": "30sec", "object_type": "device",
               "object_ids": [id], "metric_category": category, "metric_specs": [{"name": name}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["stats"][0]["values"][0].as_f64().unwrap_or(0.0)
}

#[test]
fn traffic_matching_a_custom_device_is_attributed_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start_on(dir.path());
    // wikipedia.pcap: 141.142.220.118 fetches from 208.80.152.2, .3 (8 flows
    // on port 80) and .118 (1 flow), and asks 141.142.2.2 14 DNS questions.
    for body in [
        json!({"name": "Wikimedia web", "extrahop_id": "WIKI",
               "criteria": [{"ipaddr": "208.80.152.0-208.80.152.10", "ipaddr_direction": "dst",
                             "dst_port_min": 80, "dst_port_max": 80}]}),
        json!({"name": "DNS client", "extrahop_id": "DNSC",
               "criteria": [{"ipaddr": "141.142.220.118", "ipaddr_direction": "src",
                             "ipaddr_peer": "141.142.2.0/24", "dst_port_min": 53, "dst_port_max": 53}]}),
        json!({"name": "Everything on 80 (off)", "extrahop_id": "OFF", "disabled": true,
               "criteria": [{"dst_port_min": 80, "dst_port_max": 80}]}),
    ] {
        let r = s.post("/api/v1/customdevices", body);
        assert_eq!(r.status, 201, "{}", r.text);
    }
    s.kill();
    let (ok, out, err) = ingest_into(dir.path(), &[], &[shared("zeek/traces/wikipedia.pcap")]);
    assert!(ok, "{out}{err}");
    s.restart();

    // The device list.
    let devices = s.get("/api/v1/devices").body;
    let dev = |x: &str| {
        devices
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["discovery_id"] == x)
            .unwrap_or_else(|| panic!("no device {x} in {devices}"))
            .clone()
    };
    let (wiki, dnsc) = (dev("WIKI"), dev("DNSC"));
    assert_eq!(wiki["role"], "custom");
    assert_eq!(wiki["display_name"], "Wikimedia web");
    // Seen when its traffic was (2011), not only when it was made.
    assert!(
        wiki["discover_time"].as_i64().unwrap() < 1_400_000_000_000,
        "{wiki}"
    );
    let found = s.post(
        "/api/v1/devices/search",
        json!({"filter": {"field": "role", "operator": "=", "operand": "custom"}}),
    );
    assert_eq!(
        found.body.as_array().map(Vec::len),
        Some(3),
        "{}",
        found.text
    );

    // Records: by server, by client, by numeric id; none for the disabled one.
    let flows = search(&s, &["~flow"], "server", "WIKI");
    assert_eq!(flows.len(), 8);
    // On `~flow` the responder is ExtraHop's `receiver`; `server` and
    // `receiver` both find it.
    for f in &flows {
        let addr = f["_source"]["receiverAddr"]["value"].as_str().unwrap();
        assert!(["208.80.152.2", "208.80.152.3"].contains(&addr), "{f}");
        assert_eq!(
            f["_source"]["receiver"],
            json!({"type": "device", "value": ["WIKI"]})
        );
        assert!(f["_source"].get("server").is_none(), "{f}");
        assert_eq!(f["_source"]["receiverPort"], 80);
    }
    assert_eq!(search(&s, &["~flow"], "receiver", "WIKI").len(), 8);
    assert_eq!(search(&s, &["~flow"], "sender", "DNSC").len(), 14);
    assert!(
        search(&s, &["~flow"], "client", "WIKI").is_empty(),
        "WIKI stands for servers"
    );
    assert_eq!(search(&s, &["~http"], "server", "WIKI").len(), 14);
    let by_id = search(&s, &["~http"], "server", &wiki["id"].to_string());
    assert_eq!(by_id.len(), 14);
    assert_eq!(search(&s, &["~dns_request"], "client", "DNSC").len(), 14);
    assert_eq!(search(&s, &["~flow"], "client", "DNSC").len(), 14);
    assert!(search(&s, &["~flow", "~http"], "server", "OFF").is_empty());
    // `!=` is the complement.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~flow"], "limit": 1000,
               "filter": {"field": "server", "operator": "!=", "operand": {"type": "device", "value": "WIKI"}}}),
    );
    assert_eq!(r.body["total"], 34 - 8, "{}", r.text);
    // A custom device is only a client/server/sender/receiver operand.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "filter": {"field": ".ipaddr", "operator": "=", "operand": {"type": "device", "value": "WIKI"}}}),
    );
    assert_eq!(r.status, 400, "{}", r.text);

    // Metrics: every packet of its flows, the client's sent to it, the server's from it.
    let sum = |side: &str| {
        flows
            .iter()
            .map(|f| f["_source"][side].as_f64().unwrap())
            .sum::<f64>()
    };
    let id = wiki["id"].as_u64().unwrap();
    assert_eq!(total(&s, id, "bytes_in"), sum("senderBytes"));
    assert_eq!(total(&s, id, "bytes_out"), sum("receiverBytes"));
    assert_eq!(total(&s, id, "pkts_in"), sum("senderPkts"));
    let dns_id = dnsc["id"].as_u64().unwrap();
    let dns_flows = search(&s, &["~flow"], "client", "DNSC");
    let dsum = |side: &str| {
        dns_flows
            .iter()
            .map(|f| f["_source"][side].as_f64().unwrap())
            .sum::<f64>()
    };
    assert_eq!(
        total(&s, dns_id, "bytes_out"),
        dsum("senderBytes"),
        "the client sends"
    );
    assert_eq!(total(&s, dns_id, "bytes_in"), dsum("receiverBytes"));
    // The traffic still counts for the addresses' own devices.
    let client = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["ipaddrs"]
                .as_array()
                .is_some_and(|a| a.iter().any(|i| i == "141.142.220.118"))
        })
        .map(|d| d["id"].as_u64().unwrap());
    if let Some(c) = client {
        assert!(total(&s, c, "bytes_out") >= sum("senderBytes"));
    }

    // Protocol metrics count for the custom device standing for the end, as
    // many as its records: WIKI serves the HTTP requests, DNSC asks the DNS
    // questions.
    let http = search(&s, &["~http"], "server", "WIKI").len() as f64;
    assert!(http > 0.0);
    assert_eq!(metric(&s, id, "http_server", "req"), http);
    assert_eq!(metric(&s, id, "http_client", "req"), 0.0);
    let asked = search(&s, &["~dns_request"], "client", "DNSC").len() as f64;
    let answered = search(&s, &["~dns_response"], "client", "DNSC").len() as f64;
    assert!(asked > 0.0 && answered > 0.0);
    assert_eq!(metric(&s, dns_id, "dns_client", "req"), asked);
    assert_eq!(metric(&s, dns_id, "dns_client", "rsp"), answered);
    assert_eq!(metric(&s, dns_id, "dns_server", "req"), 0.0);

    // Activity maps: a walk from the custom device finds the edges of the
    // flows attributed to it, weighted as those flows' records add up.
    let walk = |origin: u64, weighting: &str| {
        let r = s.post(
            "/api/v1/activitymaps/query",
            json!({"from": 1, "until": 0, "weighting": weighting, "edge_annotations": ["protocols"],
                   "walks": [{"origins": [{"object_type": "device", "object_id": origin}], "steps": [{}]}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["edges"].as_array().unwrap().clone()
    };
    // WIKI stands for servers: every edge ends at it, from the client's device.
    let edges = walk(id, "connections");
    assert!(!edges.is_empty());
    for e in &edges {
        assert_eq!(e["to"], id, "{e}");
        assert_eq!(Some(e["from"].as_u64().unwrap()), client, "{e}");
    }
    let weight = |edges: &[Value]| {
        edges
            .iter()
            .map(|e| e["weight"].as_f64().unwrap())
            .sum::<f64>()
    };
    assert_eq!(weight(&edges), flows.len() as f64);
    assert_eq!(
        weight(&walk(id, "bytes")),
        sum("senderBytes") + sum("receiverBytes")
    );
    let stacks = edges[0]["annotations"]["protocols"].to_string();
    assert!(stacks.contains("HTTP"), "{stacks}");
    // DNSC stands for a client: its edges start at it.
    let edges = walk(dns_id, "connections");
    assert!(!edges.is_empty());
    for e in &edges {
        assert_eq!(e["from"], dns_id, "{e}");
        assert_ne!(e["to"], dns_id, "{e}");
    }
    assert_eq!(weight(&edges), dns_flows.len() as f64);
}
