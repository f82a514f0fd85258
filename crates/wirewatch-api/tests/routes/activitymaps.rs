//! `/activitymaps`: the topology query over flows put in the store (the
//! answers checked edge by edge), its 400s naming the field, saved maps and
//! who sees and changes them. (The query over a real capture ingested by
//! `wirewatch ingest` is in `crates/wirewatch/tests/api/activitymaps.rs`.)

use crate::common::*;
use serde_json::{json, Value};
use wirewatch_model::device::DeviceUpdate;
use wirewatch_model::record::{Flow, Record};
use wirewatch_store::NewRecord;

const A: &str = "02:00:00:00:00:0a";
const B: &str = "02:00:00:00:00:0b";
const C: &str = "02:00:00:00:00:0c";
const GW: &str = "02:00:00:00:00:99";

fn dev(mac: &str, ip: &str) -> DeviceUpdate {
    DeviceUpdate {
        discovery_id: format!("{}0000", mac.replace(':', "")),
        parent_discovery_id: None,
        macaddr: Some(mac.into()),
        ipaddrs: vec![ip.into()],
        is_l3: false,
        first_ms: 1_000,
        last_ms: 9_000,
        vlan: None,
        role: None,
        device_class: "node".into(),
        vendor: None,
        dns_name: None,
        dhcp_name: None,
        netbios_name: None,
        cdp_name: None,
    }
}

struct Net {
    t: i64,
}

impl Net {
    #[allow(clippy::too_many_arguments)]
    fn flow(
        &mut self,
        c: (&str, &str),
        s: (&str, &str),
        proto: &str,
        l7: Option<&str>,
        bytes: (u64, u64),
        payload: (u64, u64),
    ) -> NewRecord {
        self.t += 1;
        NewRecord {
            time_ms: self.t,
            devices: Default::default(),
            threat: Vec::new(),
            record: Record::Flow(Flow {
                age: 0.001,
                bytes: bytes.0 + bytes.1,
                pkts: 6,
                client_addr: c.0.parse().unwrap(),
                client_bytes: bytes.0,
                client_l2_bytes: bytes.0 + 14,
                client_mac: Some(c.1.into()),
                client_payload_bytes: payload.0,
                client_pkts: 3,
                client_port: 40_000,
                conn_state: "SF".into(),
                duration: 1.0,
                first_seen: self.t,
                flow_id: self.t as u64,
                history: "ShADadFf".into(),
                ipproto: proto.into(),
                l7proto: l7.map(str::to_string),
                last_seen: self.t,
                server_addr: s.0.parse().unwrap(),
                server_bytes: bytes.1,
                server_l2_bytes: bytes.1 + 14,
                server_mac: Some(s.1.into()),
                server_payload_bytes: payload.1,
                server_pkts: 3,
                server_port: 80,
                tunnel_client_addr: None,
                tunnel_server_addr: None,
                vlan: None,
            }),
        }
    }
}

/// Devices a (10.0.0.1), b (10.0.0.2), c (10.0.0.3), gw (10.0.0.254), and
/// flows between them stored at times 5001.. (ms): returns the app and the
/// ids of a, b, c, gw.
fn network() -> (App, [u64; 4]) {
    let s = App::start();
    s.store
        .upsert_devices(&[
            dev(A, "10.0.0.1"),
            dev(B, "10.0.0.2"),
            dev(C, "10.0.0.3"),
            dev(GW, "10.0.0.254"),
        ])
        .unwrap();
    let id = |mac: &str| {
        s.store
            .device_by_discovery_id(&format!("{}0000", mac.replace(':', "")))
            .unwrap()
            .unwrap()
            .id
    };
    let ids = [id(A), id(B), id(C), id(GW)];
    let mut n = Net { t: 5_000 };
    let (a, b, c) = (("10.0.0.1", A), ("10.0.0.2", B), ("10.0.0.3", C));
    let web = ("93.184.216.34", GW);
    let recs = vec![
        // a → b HTTP twice (one answered), a → b DNS, c → a SSH,
        // a → the internet over TLS (through gw), b → c with no application.
        n.flow(a, b, "TCP", Some("http"), (300, 5_000), (100, 4_800)),
        n.flow(a, b, "TCP", Some("http"), (200, 120), (0, 0)),
        n.flow(a, b, "UDP", Some("dns"), (60, 90), (32, 62)),
        n.flow(c, a, "TCP", Some("ssh"), (2_000, 3_000), (1_500, 2_500)),
        n.flow(a, web, "TCP", Some("tls"), (700, 9_000), (500, 8_800)),
        n.flow(b, c, "TCP", None, (100, 100), (0, 0)),
    ];
    s.store.insert_records(&recs).unwrap();
    (s, ids)
}

fn query(s: &App, body: Value) -> Resp {
    let r = s.post("/api/v1/activitymaps/query", body);
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

fn edges(r: &Resp) -> Vec<(u64, u64, u64)> {
    r.body["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_u64().unwrap(),
                e["to"].as_u64().unwrap(),
                e["weight"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn peers_walk(id: u64) -> Value {
    json!([{"origins": [{"object_id": id, "object_type": "device"}],
            "steps": [{"relationships": [{"protocol": "any", "role": "any"}]}]}])
}

/// The two SOAR questions, asked as the Splunk SOAR connector asks them.
#[test]
fn peers_and_protocols_of_a_device_as_soar_playbooks_ask() {
    let (s, [a, b, c, gw]) = network();
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000, "walks": peers_walk(a)}),
    );
    // Heaviest first; from = client, to = server; bytes of both directions.
    assert_eq!(
        edges(&r),
        vec![(a, gw, 9_700), (a, b, 5_770), (c, a, 5_000)]
    );
    assert_eq!(r.body["from"], 1);
    assert_eq!(r.body["until"], 10_000);
    assert_eq!(r.body["warnings"], json!([]));
    assert!(r.body["edges"][0].get("annotations").is_none());

    let r = query(
        &s,
        json!({"edge_annotations": ["protocols"], "from": 1, "until": 10_000,
               "walks": [{"origins": [{"object_id": a, "object_type": "device"}], "steps": [{}]}]}),
    );
    let e = &r.body["edges"];
    assert_eq!(
        e[1]["annotations"],
        json!({"protocols": [
            {"protocol": ["IPv4", "TCP", "HTTP"], "weight": 5_620},
            {"protocol": ["IPv4", "UDP", "DNS"], "weight": 150}]})
    );
    let mut spoken: Vec<String> = e
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["annotations"]["protocols"].as_array().unwrap().clone())
        .flat_map(|p| p["protocol"].as_array().unwrap().clone())
        .map(|p| p.as_str().unwrap().to_string())
        .filter(|p| p != "OTHER")
        .collect();
    spoken.sort();
    spoken.dedup();
    assert_eq!(spoken, ["DNS", "HTTP", "IPv4", "SSH", "SSL", "TCP", "UDP"]);
}

#[test]
fn roles_protocols_weightings_steps_and_peer_filters() {
    let (s, [a, b, c, gw]) = network();
    let walk = |steps: Value| json!([{"origins": [{"object_type": "device", "object_id": a}], "steps": steps}]);
    // The peers that are HTTP servers of a; the peers that are its clients.
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000, "weighting": "connections",
               "walks": walk(json!([{"relationships": [{"protocol": "http", "role": "server"}]}]))}),
    );
    assert_eq!(edges(&r), vec![(a, b, 2)]);
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000,
               "walks": walk(json!([{"relationships": [{"role": "client"}]}]))}),
    );
    assert_eq!(edges(&r), vec![(c, a, 5_000)]);
    // Turns: flows in which both sides sent payload.
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000, "weighting": "turns",
               "walks": walk(json!([{"relationships": [{"protocol": "TCP"}]}]))}),
    );
    assert_eq!(edges(&r), vec![(a, b, 1), (a, gw, 1), (c, a, 1)]);
    // Two steps: a's HTTP servers (b), then everything of b; appearances say which.
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000, "edge_annotations": ["appearances"],
               "walks": walk(json!([{"relationships": [{"protocol": "HTTP", "role": "server"}]}, {}]))}),
    );
    assert_eq!(edges(&r), vec![(a, b, 5_770), (b, c, 200)]);
    assert_eq!(
        r.body["edges"][0]["annotations"],
        json!({"appearances": [{"walk": 0, "step": 0}, {"walk": 0, "step": 1}]})
    );
    // A device group as a peer filter.
    let g = s.post("/api/v1/devicegroups", json!({"name": "servers"}));
    assert_eq!(g.status, 201, "{}", g.text);
    let gid = g.body["id"].as_u64().unwrap();
    let r = s.post(
        &format!("/api/v1/devicegroups/{gid}/devices"),
        json!({"assign": [b]}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000,
               "walks": walk(json!([{"peer_not_in": [{"object_type": "device_group", "object_id": gid}]}]))}),
    );
    assert_eq!(edges(&r), vec![(a, gw, 9_700), (c, a, 5_000)]);
    // All devices, window cut to the first three flows.
    let r = query(
        &s,
        json!({"from": 5_001, "until": 5_003,
               "walks": [{"origins": [{"object_type": "all_devices"}], "steps": [{}]}]}),
    );
    assert_eq!(edges(&r), vec![(a, b, 5_770)]);
    // A device that does not exist: no edges, a warning naming it.
    let r = query(
        &s,
        json!({"from": 1, "until": 10_000, "walks": peers_walk(987_654)}),
    );
    assert_eq!(edges(&r), vec![]);
    assert_eq!(r.body["warnings"][0]["type"], "unknown_object");
    assert_eq!(
        r.body["warnings"][0]["properties"]["field"],
        "walks[0].origins[0]"
    );
}

#[test]
fn bad_queries_are_400s_naming_the_field() {
    let s = App::start();
    let ok_walks = json!([{"origins": [{"object_type": "all_devices"}], "steps": [{}]}]);
    let cases = [
        (json!({"walks": ok_walks}), "from"),
        (json!({"from": "-30m"}), "walks"),
        (json!({"from": "-30x", "walks": ok_walks}), "from"),
        (
            json!({"from": -1000, "until": -2000, "walks": ok_walks}),
            "until",
        ),
        (json!({"from": "-30m", "walks": []}), "walks"),
        (
            json!({"from": "-30m", "walks": ok_walks, "weighting": "packets"}),
            "weighting",
        ),
        (
            json!({"from": "-30m", "walks": ok_walks, "edge_annotations": ["nodes"]}),
            "edge_annotations[0]",
        ),
        (
            json!({"from": "-30m", "walks": [{"origins": [{"object_type": "activity_group", "object_id": 2}], "steps": [{}]}]}),
            "walks[0].origins[0].object_type",
        ),
        (
            json!({"from": "-30m", "walks": [{"origins": [{"object_type": "device"}], "steps": [{}]}]}),
            "walks[0].origins[0].object_id",
        ),
        (
            json!({"from": "-30m", "walks": [{"origins": [{"object_type": "device", "object_id": 1}], "steps": [{"relationships": [{"role": "peer"}]}]}]}),
            "walks[0].steps[0].relationships[0].role",
        ),
        (
            json!({"from": "-30m", "walks": [{"origins": [{"object_type": "device", "object_id": 1}], "steps": []}]}),
            "walks[0].steps",
        ),
        (
            json!({"from": "-30m", "walks": (0..17).map(|_| ok_walks[0].clone()).collect::<Vec<_>>()}),
            "walks",
        ),
    ];
    for (body, field) in cases {
        let r = s.post("/api/v1/activitymaps/query", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
        assert!(r.body["error_message"].is_string(), "{}", r.text);
    }
}

fn create(s: &App, key: &str, body: Value) -> u64 {
    let r = s.call_with("POST", "/api/v1/activitymaps", Some(body), Some(key));
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.text.is_empty(), "{}", r.text);
    let loc = r.headers["location"].to_str().unwrap();
    assert!(loc.starts_with("/api/v1/activitymaps/"), "{loc}");
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

#[test]
fn saved_maps_are_created_read_changed_queried_and_deleted() {
    let (s, [a, b, _, gw]) = network();
    let ann = s.user_key("ann", json!({"write": "full"}));
    let id = create(
        &s,
        &ann,
        json!({"name": "a's peers", "walks": peers_walk(a), "weighting": "connections", "short_code": "a-peers"}),
    );
    let get = |key: &str| {
        s.call_with(
            "GET",
            &format!("/api/v1/activitymaps/{id}"),
            None,
            Some(key),
        )
    };
    let r = get(&ann);
    assert_eq!(r.status, 200, "{}", r.text);
    let m = &r.body;
    assert_eq!(m["id"], id);
    assert_eq!(m["name"], "a's peers");
    assert_eq!(m["owner"], "ann");
    assert_eq!(m["mode"], "2dforce");
    assert_eq!(m["weighting"], "connections");
    assert_eq!(m["short_code"], "a-peers");
    assert_eq!(m["show_alert_status"], false);
    assert_eq!(m["description"], Value::Null);
    assert_eq!(m["walks"], peers_walk(a));
    assert_eq!(m["rights"], json!(["view", "edit", "delete", "transfer"]));
    assert!(m["mod_time"].as_i64().unwrap() > 0);
    // A trailing slash lists too (IBM's client).
    let r = s.call_with("GET", "/api/v1/activitymaps/", None, Some(&ann));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), vec![id]);

    // The saved query takes the map's walks and weighting.
    let r = s.call_with(
        "POST",
        &format!("/api/v1/activitymaps/{id}/query"),
        Some(json!({"from": 1, "until": 10_000, "edge_annotations": ["appearances"]})),
        Some(&ann),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(edges(&r)[..2], [(a, b, 3), (a, gw, 1)]);

    let r = s.call_with(
        "PATCH",
        &format!("/api/v1/activitymaps/{id}"),
        Some(
            json!({"name": "renamed", "mode": "3dforce", "weighting": "bytes", "description": "d"}),
        ),
        Some(&ann),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let m = get(&ann).body;
    assert_eq!(
        (
            m["name"].as_str(),
            m["mode"].as_str(),
            m["weighting"].as_str(),
            m["description"].as_str()
        ),
        (Some("renamed"), Some("3dforce"), Some("bytes"), Some("d"))
    );
    // Short codes are unique; a bad one and bad walks name their field.
    let r = s.call_with(
        "POST",
        "/api/v1/activitymaps",
        Some(json!({"name": "x", "walks": peers_walk(a), "short_code": "a-peers"})),
        Some(&ann),
    );
    assert_eq!(r.status, 409, "{}", r.text);
    for (body, field) in [
        (json!({"walks": peers_walk(a)}), "name"),
        (json!({"name": "x"}), "walks"),
        (json!({"name": " ", "walks": peers_walk(a)}), "name"),
        (
            json!({"name": "x", "walks": peers_walk(a), "short_code": "a b"}),
            "short_code",
        ),
        (
            json!({"name": "x", "walks": peers_walk(a), "mode": "flat"}),
            "mode",
        ),
    ] {
        let r = s.call_with(
            "POST",
            "/api/v1/activitymaps",
            Some(body.clone()),
            Some(&ann),
        );
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    let r = s.call_with(
        "PATCH",
        &format!("/api/v1/activitymaps/{id}"),
        Some(json!({"walks": [{"origins": [], "steps": [{}]}]})),
        Some(&ann),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "walks[0].origins");

    let r = s.call_with(
        "DELETE",
        &format!("/api/v1/activitymaps/{id}"),
        None,
        Some(&ann),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(get(&ann).status, 404);
    let r = s.call_with(
        "DELETE",
        &format!("/api/v1/activitymaps/{id}"),
        None,
        Some(&ann),
    );
    assert_eq!(r.status, 404, "{}", r.text);
}

#[test]
fn who_sees_and_changes_a_map_follows_owner_and_sharing() {
    let s = App::start();
    let ann = s.user_key("ann", json!({"write": "full"}));
    let bob = s.user_key("bob", json!({"write": "full"}));
    let carol = s.user_key("carol", json!({"write": "personal"}));
    let metrics = s.user_key("mo", json!({"metrics": "full"}));
    let walks = json!([{"origins": [{"object_type": "all_devices"}], "steps": [{}]}]);
    let id = create(&s, &ann, json!({"name": "private", "walks": walks}));
    let path = format!("/api/v1/activitymaps/{id}");
    let sharing = format!("{path}/sharing");
    let call =
        |m: &str, p: &str, body: Option<Value>, key: &str| s.call_with(m, p, body, Some(key));

    // Private: another user gets 404 everywhere and does not see it listed.
    for (m, p, body) in [
        ("GET", path.clone(), None),
        ("PATCH", path.clone(), Some(json!({"name": "x"}))),
        ("DELETE", path.clone(), None),
        ("GET", sharing.clone(), None),
        ("PATCH", sharing.clone(), Some(json!({"anyone": "viewer"}))),
        ("PUT", sharing.clone(), Some(json!({"anyone": "viewer"}))),
        ("POST", format!("{path}/query"), Some(json!({"from": 1}))),
    ] {
        let r = call(m, &p, body, &bob);
        assert_eq!(r.status, 404, "{m} {p}: {}", r.text);
    }
    assert_eq!(
        ids(&call("GET", "/api/v1/activitymaps", None, &bob).body),
        Vec::<u64>::new()
    );
    // The administrator sees every map.
    assert_eq!(s.get(&path).status, 200);
    assert_eq!(
        s.get(&sharing).body,
        json!({"anyone": null, "users": {}, "groups": {}})
    );

    // Shared with bob as viewer: he reads and queries it, but may not change it.
    let r = call(
        "PATCH",
        &sharing,
        Some(json!({"users": {"bob": "viewer"}})),
        &ann,
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let r = call("GET", &path, None, &bob);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["rights"], json!(["view"]));
    assert_eq!(
        call(
            "POST",
            &format!("{path}/query"),
            Some(json!({"from": 1})),
            &bob
        )
        .status,
        200
    );
    assert_eq!(
        call("PATCH", &path, Some(json!({"name": "x"})), &bob).status,
        403
    );
    assert_eq!(
        call(
            "PATCH",
            &sharing,
            Some(json!({"users": {"bob": "editor"}})),
            &bob
        )
        .status,
        403
    );
    assert_eq!(call("DELETE", &path, None, &bob).status, 403);
    assert_eq!(call("GET", &path, None, &carol).status, 404);

    // Editor: changes the map and its sharing, but neither deletes nor transfers it.
    let r = call(
        "PATCH",
        &sharing,
        Some(json!({"users": {"bob": "editor"}, "groups": {"local.soc": "viewer"}})),
        &ann,
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        call("PATCH", &path, Some(json!({"name": "bob's edit"})), &bob).status,
        204
    );
    assert_eq!(
        call("GET", &path, None, &bob).body["rights"],
        json!(["view", "edit"])
    );
    assert_eq!(
        call(
            "PATCH",
            &sharing,
            Some(json!({"users": {"carol": "viewer"}})),
            &bob
        )
        .status,
        204
    );
    assert_eq!(call("GET", &path, None, &carol).status, 200);
    assert_eq!(call("DELETE", &path, None, &bob).status, 403);
    assert_eq!(
        call("PATCH", &path, Some(json!({"owner": "bob"})), &bob).status,
        403
    );
    assert_eq!(
        call("GET", &sharing, None, &ann).body,
        json!({"anyone": null, "users": {"bob": "editor", "carol": "viewer"}, "groups": {"local.soc": "viewer"}})
    );
    // `null` removes a grant; `{}` changes nothing.
    assert_eq!(
        call(
            "PATCH",
            &sharing,
            Some(json!({"users": {"carol": null}})),
            &ann
        )
        .status,
        204
    );
    assert_eq!(call("PATCH", &sharing, Some(json!({})), &ann).status, 204);
    assert_eq!(call("GET", &path, None, &carol).status, 404);
    // PUT replaces: anyone may view, bob's grant is gone.
    assert_eq!(
        call("PUT", &sharing, Some(json!({"anyone": "viewer"})), &ann).status,
        204
    );
    assert_eq!(
        call("GET", &sharing, None, &ann).body,
        json!({"anyone": "viewer", "users": {}, "groups": {}})
    );
    assert_eq!(call("GET", &path, None, &carol).status, 200);
    assert_eq!(
        call("PATCH", &path, Some(json!({"name": "y"})), &bob).status,
        403
    );
    // A metrics-only user runs the query of a map shared with anyone.
    assert_eq!(
        call(
            "POST",
            &format!("{path}/query"),
            Some(json!({"from": 1})),
            &metrics
        )
        .status,
        200
    );
    // Bad sharing bodies name their field.
    for (body, field) in [
        (json!({"anyone": "editor"}), "anyone"),
        (json!({"users": {"bob": "owner"}}), "users.bob"),
        (json!({"groups": {"soc": "viewer"}}), "groups.soc"),
        (json!({"users": {"nobody": "viewer"}}), "users.nobody"),
    ] {
        let r = call("PATCH", &sharing, Some(body.clone()), &ann);
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    // Transfer: to an existing user only; then the old owner needs a share.
    let r = call("PATCH", &path, Some(json!({"owner": "nobody"})), &ann);
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("owner")),
        "{}",
        r.text
    );
    assert_eq!(call("PUT", &sharing, Some(json!({})), &ann).status, 204);
    assert_eq!(
        call("PATCH", &path, Some(json!({"owner": "bob"})), &ann).status,
        204
    );
    assert_eq!(call("GET", &path, None, &bob).body["owner"], "bob");
    assert_eq!(call("GET", &path, None, &ann).status, 404);
    assert_eq!(call("DELETE", &path, None, &bob).status, 204);
}
