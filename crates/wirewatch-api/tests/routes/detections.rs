//! Detections: create, read, search with every filter, triage, notes, related.

use crate::common::*;
use serde_json::{json, Value};

fn search(s: &App, body: Value) -> Vec<u64> {
    let r = s.post("/api/v1/detections/search", body.clone());
    assert_eq!(r.status, 200, "{body}: {}", r.text);
    ids(&r.body)
}

#[test]
fn create_and_read() {
    let s = App::start();
    let r = s.post("/api/v1/detections", json!({
        "type": "dns_tunnel", "title": "Tunnel to evil.example", "risk_score": 88,
        "start_time": 1000, "end_time": 5000,
        "properties": {"registered_domain_name": "evil.example"},
        "participants": [
            {"object_type": "device", "object_id": 42, "ipaddr": "10.1.1.1", "role": "offender", "hostname": "laptop"},
            {"object_type": "ipaddr", "object_value": "203.0.113.7", "role": "victim"}
        ]
    }));
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    assert_eq!(
        r.headers["location"],
        format!("/api/v1/detections/{id}").as_str()
    );
    let d = s.get(&format!("/api/v1/detections/{id}")).body;
    for f in [
        "appliance_id",
        "assignee",
        "categories",
        "create_time",
        "description",
        "end_time",
        "id",
        "is_user_created",
        "mitre_tactics",
        "mitre_techniques",
        "mod_time",
        "participants",
        "properties",
        "recommended",
        "recommended_factors",
        "resolution",
        "risk_score",
        "start_time",
        "status",
        "ticket_id",
        "ticket_url",
        "title",
        "type",
        "update_time",
        "url",
    ] {
        assert!(d.get(f).is_some(), "missing {f}");
    }
    assert_eq!(d["is_user_created"], true);
    assert_eq!(d["risk_score"], 88);
    assert_eq!(d["categories"], json!(["sec", "sec.command"]));
    assert_eq!(d["mitre_techniques"][0]["id"], "T1071.004");
    assert_eq!(d["mitre_tactics"][0]["id"], "TA0011");
    assert_eq!(d["participants"][0]["external"], false);
    assert_eq!(d["participants"][1]["external"], true);
    assert!(d["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/detections/{id}")));
    let list = s.get("/api/v1/detections?limit=5");
    assert_eq!(ids(&list.body), vec![id]);
}

#[test]
fn search_filters_sort_and_pages() {
    let s = App::start();
    let a = s.detection(json!({"type": "port_scan", "risk_score": 20, "start_time": 100, "end_time": 200,
        "participants": [{"object_type": "ipaddr", "object_value": "10.0.0.1", "role": "offender"}]}));
    let b = s.detection(
        json!({"type": "dns_tunnel", "risk_score": 80, "start_time": 300, "end_time": 400,
        "recommended": true, "participants": []}),
    );
    let c = s.detection(
        json!({"type": "ssh_brute_force", "risk_score": 60, "start_time": 500,
        "participants": []}),
    );
    // Triage state to filter on.
    assert_eq!(s.patch(&format!("/api/v1/detections/{a}"), json!({"assignee": "setup", "ticket_id": "TK-1", "status": "in_progress", "resolution": "action_taken"})).status, 204);
    assert_eq!(
        s.patch(
            &format!("/api/v1/detections/{b}"),
            json!({"assignee": "bob", "status": "closed"})
        )
        .status,
        204
    );

    // Default order: most recent update first (b and a were just modified but update_time is detection activity).
    let all = search(&s, json!({}));
    assert_eq!(all.len(), 3);
    assert_eq!(
        search(&s, json!({"filter": {"categories": ["sec.recon"]}})),
        vec![a]
    );
    assert_eq!(
        search(&s, json!({"filter": {"category": "sec.command"}})),
        vec![b]
    );
    assert_eq!(
        search(&s, json!({"filter": {"assignee": [".me"]}})),
        vec![a]
    );
    assert_eq!(
        search(&s, json!({"filter": {"assignee": [".none"]}})),
        vec![c]
    );
    assert_eq!(
        sorted(search(
            &s,
            json!({"filter": {"assignee": ["bob", ".none"]}})
        )),
        sorted(vec![b, c])
    );
    assert_eq!(
        search(&s, json!({"filter": {"ticket_id": ["TK-1"]}})),
        vec![a]
    );
    assert_eq!(
        sorted(search(&s, json!({"filter": {"ticket_id": [".none"]}}))),
        sorted(vec![b, c])
    );
    assert_eq!(
        search(&s, json!({"filter": {"status": [".none"]}})),
        vec![c]
    );
    assert_eq!(
        sorted(search(
            &s,
            json!({"filter": {"status": ["closed", "in_progress"]}})
        )),
        sorted(vec![a, b])
    );
    assert_eq!(
        search(&s, json!({"filter": {"resolution": ["action_taken"]}})),
        vec![a]
    );
    assert_eq!(
        sorted(search(&s, json!({"filter": {"resolution": [".none"]}}))),
        sorted(vec![b, c])
    );
    assert_eq!(
        search(&s, json!({"filter": {"types": ["ssh_brute_force"]}})),
        vec![c]
    );
    assert_eq!(
        sorted(search(&s, json!({"filter": {"risk_score_min": 60}}))),
        sorted(vec![b, c])
    );
    assert_eq!(
        search(&s, json!({"filter": {"recommended": true}})),
        vec![b]
    );
    assert_eq!(
        search(
            &s,
            json!({"filter": {"risk_score_min": 50, "types": ["dns_tunnel", "port_scan"]}})
        ),
        vec![b]
    );
    // Time windows: ongoing detections (no end_time) overlap any later window.
    assert_eq!(sorted(search(&s, json!({"from": 350}))), sorted(vec![b, c]));
    assert_eq!(search(&s, json!({"from": 450})), vec![c]);
    assert_eq!(search(&s, json!({"until": 250})), vec![a]);
    assert_eq!(
        sorted(search(&s, json!({"from": 150, "until": 350}))),
        sorted(vec![a, b])
    );
    // Sorting: a single object or an array, any field.
    assert_eq!(
        search(
            &s,
            json!({"sort": {"field": "risk_score", "direction": "desc"}})
        ),
        vec![b, c, a]
    );
    assert_eq!(
        search(
            &s,
            json!({"sort": [{"field": "risk_score", "direction": "asc"}]})
        ),
        vec![a, c, b]
    );
    assert_eq!(
        search(&s, json!({"sort": [{"field": "type", "direction": "asc"}]})),
        vec![b, a, c]
    );
    assert_eq!(
        search(
            &s,
            json!({"sort": [{"field": "id", "direction": "desc"}], "limit": 2, "offset": 1})
        ),
        vec![b, a]
    );
    // id_only.
    let r = s.post(
        "/api/v1/detections/search",
        json!({"id_only": true, "sort": [{"field": "id"}]}),
    );
    assert_eq!(r.body, json!([a, b, c]));
    // mod_time / create_time / update_time: "after".
    let t = s.get(&format!("/api/v1/detections/{a}")).body["mod_time"]
        .as_i64()
        .unwrap();
    assert!(search(&s, json!({"mod_time": t})).contains(&a));
    assert!(
        search(&s, json!({"mod_time": t + 1})).is_empty()
            || !search(&s, json!({"mod_time": t + 1})).contains(&a)
    );
    assert_eq!(
        search(&s, json!({"create_time": 9_999_999_999_999_i64})),
        Vec::<u64>::new()
    );
    assert_eq!(search(&s, json!({"update_time": 1})).len(), 3);
    // 0 is now, as for every time field: nothing was updated after it.
    assert_eq!(search(&s, json!({"update_time": 0})).len(), 0);
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort();
    v
}

#[test]
fn patch_rules() {
    let s = App::start();
    let id = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    let p = format!("/api/v1/detections/{id}");
    // "new" only with third-party ticket tracking.
    let r = s.patch(&p, json!({"status": "new"}));
    assert_eq!(r.status, 400);
    assert_eq!(r.body["field"], "status");
    assert_eq!(
        s.patch(
            "/api/v1/extrahop/ticketing",
            json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false})
        )
        .status,
        204
    );
    assert_eq!(s.patch(&p, json!({"status": "new"})).status, 204);
    // null clears.
    assert_eq!(
        s.patch(&p, json!({"status": null, "assignee": "amy"}))
            .status,
        204
    );
    let d = s.get(&p).body;
    assert_eq!(d["status"], Value::Null);
    assert_eq!(d["assignee"], "amy");
    // Participants: usernames and origins of existing ones; no new participants.
    let pid = d["participants"][0]["id"].as_u64().unwrap();
    let r = s.patch(
        &p,
        json!({"participants": [{"id": pid, "usernames": ["amy"], "origins": ["192.0.2.9"]}]}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.patch(
        &p,
        json!({"participants": {"id": pid, "usernames": ["amy", "bo"]}}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let d = s.get(&p).body;
    assert_eq!(d["participants"][0]["usernames"], json!(["amy", "bo"]));
    assert_eq!(d["participants"][0]["origins"], json!(["192.0.2.9"]));
    let r = s.patch(
        &p,
        json!({"participants": [{"id": 99999, "usernames": ["x"]}]}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["field"], "participants[0].id");
    let r = s.patch(
        &p,
        json!({"participants": [{"id": pid, "origins": ["nope"]}]}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        s.patch("/api/v1/detections/424242", json!({"assignee": "x"}))
            .status,
        404
    );
}

#[test]
fn notes_related_and_investigations() {
    let s = App::start();
    let a = s.detection(
        json!({"type": "port_scan", "start_time": 1000, "end_time": 2000, "participants": [
        {"object_type": "ipaddr", "object_value": "10.0.0.1", "role": "offender"}]}),
    );
    let b = s.detection(
        json!({"type": "ssh_brute_force", "start_time": 3000, "end_time": 4000, "participants": [
        {"object_type": "ipaddr", "object_value": "10.0.0.1", "role": "offender"}]}),
    );
    let c = s.detection(json!({"type": "ssh_brute_force", "participants": [
        {"object_type": "ipaddr", "object_value": "10.9.9.9", "role": "offender"}]}));
    // Notes.
    let n = format!("/api/v1/detections/{a}/notes");
    assert_eq!(s.get(&n).body["note"], Value::Null);
    assert_eq!(
        s.call("PUT", &n, Some(json!({"note": "looked at it"})))
            .status,
        204
    );
    let r = s.get(&n).body;
    assert_eq!(r["note"], "looked at it");
    assert_eq!(r["author"], "setup");
    assert!(r["update_time"].as_i64().unwrap() > 0);
    assert_eq!(s.call("DELETE", &n, None).status, 204);
    assert_eq!(s.get(&n).body["note"], Value::Null);
    // Related: shared participant, window.
    assert_eq!(
        ids(&s.get(&format!("/api/v1/detections/{a}/related")).body),
        vec![b]
    );
    assert_eq!(
        ids(&s
            .get(&format!("/api/v1/detections/{a}/related?until=2500"))
            .body),
        Vec::<u64>::new()
    );
    assert_eq!(
        ids(&s.get(&format!("/api/v1/detections/{c}/related")).body),
        Vec::<u64>::new()
    );
    // Investigations.
    let r = s.post(
        "/api/v1/investigations",
        json!({"name": "Case 1", "event_ids": [a], "assessment": "undecided"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let inv = r.body["id"].as_u64().unwrap();
    assert_eq!(r.body["detections"], json!([a]));
    assert_eq!(r.body["created_by"], "setup");
    let r = s.post(
        "/api/v1/investigations",
        json!({"name": "bad", "event_ids": [777]}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["field"], "event_ids[0]");
    let ip = format!("/api/v1/investigations/{inv}");
    assert_eq!(
        s.patch(
            &ip,
            json!({"detections_to_add": [b, c], "status": "in_progress"})
        )
        .status,
        204
    );
    assert_eq!(s.get(&ip).body["detections"], json!([a, b, c]));
    assert_eq!(
        s.patch(&ip, json!({"detections_to_remove": [a]})).status,
        204
    );
    assert_eq!(s.get(&ip).body["detections"], json!([b, c]));
    assert_eq!(s.patch(&ip, json!({"event_ids": [a]})).status, 204);
    assert_eq!(s.get(&ip).body["detections"], json!([a]));
    let r = s.get(&format!("/api/v1/detections/{a}/investigations"));
    assert_eq!(ids(&r.body), vec![inv]);
    assert_eq!(
        ids(&s
            .get(&format!("/api/v1/detections/{b}/investigations"))
            .body),
        Vec::<u64>::new()
    );
    assert_eq!(
        s.get("/api/v1/investigations")
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.patch(&ip, json!({"assessment": "sometimes"})).status, 400);
    assert_eq!(s.call("DELETE", &ip, None).status, 204);
    assert_eq!(s.get(&ip).status, 404);
}

#[test]
fn formats_catalog_and_custom_formats() {
    let s = App::start();
    let all = s.get("/api/v1/detections/formats").body;
    let types: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    for t in [
        "port_scan",
        "ssh_brute_force",
        "ftp_brute_force",
        "dns_tunnel",
        "suspicious_tld",
        "cleartext_credentials",
        "new_external_admin_connection",
        "sqli_attack",
        "hacking_tools",
    ] {
        assert!(types.contains(&t), "{t} missing");
    }
    let f = s.get("/api/v1/detections/formats/dns_tunnel").body;
    assert_eq!(
        f["properties"]["registered_domain_name"]["is_tunable"],
        true
    );
    assert_eq!(
        f["properties"]["registered_domain_name"]["data_type"],
        "string"
    );
    assert!(!f["mitre_categories"].as_array().unwrap().is_empty());
    // Validation.
    for (body, field) in [
        (json!({"type": "bad-type", "display_name": "x"}), "type"),
        (
            json!({"type": "ok", "display_name": "x", "categories": ["sec.a", "sec.b"]}),
            "categories",
        ),
        (
            json!({"type": "ok", "display_name": "x", "categories": ["other"]}),
            "categories",
        ),
        (json!({"type": "ok"}), "display_name"),
        (
            json!({"type": "ok", "display_name": "x", "mitre_categories": ["X1"]}),
            "mitre_categories[0]",
        ),
    ] {
        let r = s.post("/api/v1/detections/formats", body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["field"], field, "{body}");
    }
    // A custom format may share a built-in type; built_in_only picks the built-in.
    let r = s.post("/api/v1/detections/formats", json!({"type": "port_scan", "display_name": "Our scan", "categories": ["sec.attack"], "mitre_categories": ["T1595"]}));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["categories"], json!(["sec", "sec.attack"]));
    assert_eq!(r.body["is_user_created"], true);
    assert_eq!(
        s.post(
            "/api/v1/detections/formats",
            json!({"type": "port_scan", "display_name": "again"})
        )
        .status,
        409
    );
    assert_eq!(
        s.get("/api/v1/detections/formats/port_scan").body["display_name"],
        "Our scan"
    );
    assert_eq!(
        s.get("/api/v1/detections/formats/port_scan?built_in_only=true")
            .body["display_name"],
        "Port Scan"
    );
    let builtin = s.get("/api/v1/detections/formats?built_in_only=true").body;
    assert!(builtin
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["is_user_created"] == false));
    assert_eq!(
        s.patch(
            "/api/v1/detections/formats/port_scan",
            json!({"display_name": "Renamed"})
        )
        .status,
        204
    );
    assert_eq!(
        s.get("/api/v1/detections/formats/port_scan").body["display_name"],
        "Renamed"
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/detections/formats/port_scan", None)
            .status,
        204
    );
    assert_eq!(
        s.get("/api/v1/detections/formats/port_scan").body["display_name"],
        "Port Scan"
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/detections/formats/dns_tunnel", None)
            .status,
        404
    );
    // Detections of a custom type take its display name and categories.
    assert_eq!(
        s.post(
            "/api/v1/detections/formats",
            json!({"type": "beacon_x", "display_name": "Beacon X", "categories": ["sec.command"]})
        )
        .status,
        201
    );
    let id = s.detection(json!({"type": "beacon_x"}));
    let d = s.get(&format!("/api/v1/detections/{id}")).body;
    assert_eq!(d["title"], "Beacon X");
    assert_eq!(d["categories"], json!(["sec", "sec.command"]));
}

#[test]
fn search_times_take_zero_as_now_and_negative_as_relative() {
    let s = App::start();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut body = det("port_scan", "10.0.0.1", "10.0.0.2");
    body["start_time"] = (now - 2 * 3_600_000).into();
    body["end_time"] = (now - 2 * 3_600_000 + 1000).into();
    let old = s.detection(body);
    let mut body = det("port_scan", "10.0.0.3", "10.0.0.4");
    body["start_time"] = (now - 1000).into();
    let new = s.detection(body);
    let search = |q: serde_json::Value| {
        let r = s.post("/api/v1/detections/search", q);
        assert_eq!(r.status, 200, "{}", r.text);
        let mut v = ids(&r.body);
        v.sort();
        v
    };
    // SOAR integrations send `until: 0` on every incremental fetch.
    assert_eq!(search(json!({"until": 0})), vec![old, new]);
    assert_eq!(search(json!({"from": -3_600_000, "until": 0})), vec![new]);
    assert_eq!(search(json!({"until": -3_600_000})), vec![old]);
    assert_eq!(
        search(json!({"from": now - 3 * 3_600_000, "until": now - 3_600_000})),
        vec![old]
    );
    // A modification time of 0 is now: nothing was modified after it.
    assert_eq!(search(json!({"mod_time": 0})), Vec::<u64>::new());
    assert_eq!(search(json!({"mod_time": -60_000})), vec![old, new]);
    // The related-detections window follows the same rule.
    let r = s.get(&format!(
        "/api/v1/detections/{new}/related?from=-10800000&until=0"
    ));
    assert_eq!(r.status, 200, "{}", r.text);
}

/// wirewatch extensions of the search the web app uses: participants by
/// role, and the count per interval (the Detections page's chart and count).
#[test]
fn search_by_offender_or_victim_and_count_per_interval() {
    let s = App::start();
    let mk = |start: i64, offender: &str, victim: &str| {
        let mut body = det("port_scan", offender, victim);
        body["start_time"] = json!(start);
        s.detection(body)
    };
    let hour = 3_600_000;
    let a = mk(10 * hour, "10.0.0.1", "10.0.0.2");
    let b = mk(10 * hour + 5, "10.0.0.2", "10.0.0.3");
    let c = mk(12 * hour, "10.0.0.1", "10.0.0.3");
    let dev = s.detection(json!({"type": "port_scan", "start_time": 13 * hour, "participants": [
        {"object_type": "device", "object_id": 77, "ipaddr": "10.9.9.9", "hostname": "laptop-7", "role": "offender"}
    ]}));
    let sorted = |mut v: Vec<u64>| {
        v.sort();
        v
    };
    let by = |filter: Value| sorted(search(&s, json!({"filter": filter})));
    assert_eq!(by(json!({"offender": ["10.0.0.1"]})), vec![a, c]);
    assert_eq!(
        by(json!({"victim": ["10.0.0.2"]})),
        vec![a],
        "10.0.0.2 offends in b"
    );
    assert_eq!(
        by(json!({"offender": ["10.0.0.2"], "victim": ["10.0.0.3"]})),
        vec![b]
    );
    assert_eq!(by(json!({"offender": ["77"]})), vec![dev], "a device id");
    assert_eq!(
        by(json!({"offender": ["laptop-7"]})),
        vec![dev],
        "a host name"
    );
    assert_eq!(
        by(json!({"offender": ["10.9.9.9"]})),
        vec![dev],
        "a device's address"
    );
    assert!(by(json!({"victim": ["77"]})).is_empty());

    let r = s.post(
        "/api/v1/detections/search",
        json!({"histogram": hour, "filter": {"types": ["port_scan"]}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!([
            {"time": 10 * hour, "count": 2},
            {"time": 12 * hour, "count": 1},
            {"time": 13 * hour, "count": 1}
        ])
    );
    let r = s.post(
        "/api/v1/detections/search",
        json!({"histogram": hour, "filter": {"offender": ["10.0.0.1"]}}),
    );
    assert_eq!(
        r.body,
        json!([{"time": 10 * hour, "count": 1}, {"time": 12 * hour, "count": 1}])
    );

    for (body, field) in [
        (json!({"histogram": 1000}), "histogram"),
        (json!({"filter": {"offender": [""]}}), "filter.offender[0]"),
        (
            json!({"filter": {"victim": vec!["10.0.0.1"; 101]}}),
            "filter.victim",
        ),
    ] {
        let r = s.post("/api/v1/detections/search", body);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["field"], field);
    }
}
