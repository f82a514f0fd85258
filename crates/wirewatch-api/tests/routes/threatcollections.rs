//! `/threatcollections`: uploads in the three forms (multipart as ExtraHop's
//! toolkit sends, the file as the body, JSON to rename), counts by type,
//! create-or-replace by user key, deletion, refusals naming the field, and
//! the back-search of records stored before an upload.

use crate::common::*;
use serde_json::{json, Value};
use wirewatch_model::record::{DnsRequest, Flow, NewRecord, Record};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../samples/threat")
            .join(name),
    )
    .unwrap()
}

const BOUNDARY: &str = "----wirewatch-test-boundary";

/// A `multipart/form-data` body: text parts, then the file part.
fn multipart(texts: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in texts {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((fname, data)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fname}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn send_multipart(s: &App, method: &str, path: &str, body: &[u8]) -> Resp {
    s.send_raw(
        method,
        path,
        Some(body),
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        Some(&format!("ExtraHop apikey={}", s.key)),
    )
}

fn send_file(s: &App, method: &str, path: &str, body: &[u8]) -> Resp {
    s.send_raw(
        method,
        path,
        Some(body),
        "application/octet-stream",
        Some(&format!("ExtraHop apikey={}", s.key)),
    )
}

fn invalid_field(r: &Resp) -> String {
    assert_eq!(r.status, 400, "{}", r.text);
    r.body["detail"]
        .as_str()
        .or(r.body["error_message"].as_str())
        .unwrap_or(&r.text)
        .to_string()
}

#[test]
fn upload_list_count_replace_and_delete() {
    let s = App::start();
    assert_eq!(s.get("/api/v1/threatcollections").body, json!([]));

    // The toolkit's form: PUT ~{user_key} with multipart `file` and `name`.
    let body = multipart(
        &[("name", "Wiki test")],
        Some(("wiki.xml", &sample("wikimedia-stix1.xml"))),
    );
    let r = send_multipart(&s, "PUT", "/api/v1/threatcollections/~Wikitest", &body);
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    assert_eq!(
        r.headers.get("location").unwrap().to_str().unwrap(),
        format!("/api/v1/threatcollections/{id}")
    );

    let list = s.get("/api/v1/threatcollections").body;
    let c = &list[0];
    assert_eq!(c["name"], "Wiki test");
    assert_eq!(c["user_key"], "Wikitest");
    assert_eq!(c["observables"], 6);
    assert_eq!(c["filename"], "wiki.xml");
    assert!(c["last_updated"].as_i64().unwrap() > 0);
    let counts = s
        .get(&format!("/api/v1/threatcollections/{id}/observables"))
        .body;
    assert_eq!(
        counts,
        json!({"ipaddr": 1, "cidr": 2, "hostname": 2, "uri": 1, "pattern": 0})
    );
    assert_eq!(
        s.get("/api/v1/threatcollections/~Wikitest/observables")
            .body,
        counts
    );

    // POST: the file as the body, name in the query; user_key from the name.
    let r = send_file(
        &s,
        "POST",
        "/api/v1/threatcollections?name=Evil%20list%20(v2)",
        &sample("evil-stix1.xml"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["user_key"], "Evillistv2");
    assert_eq!(r.body["observable_counts"]["hostname"], 1);
    let evil = r.body["id"].as_u64().unwrap();
    // The same user key again: 409.
    let r = send_file(
        &s,
        "POST",
        "/api/v1/threatcollections?name=Evil%20list%20v2",
        &sample("evil-stix1.xml"),
    );
    assert_eq!(r.status, 409, "{}", r.text);

    // Replace by user key: other observables (a STIX 2 bundle), same id.
    let body = multipart(&[], Some(("w2.json", &sample("wikimedia-stix2.json"))));
    let r = send_multipart(&s, "PUT", "/api/v1/threatcollections/~Wikitest", &body);
    assert_eq!(r.status, 204, "{}", r.text);
    let c = s.get(&format!("/api/v1/threatcollections/{id}")).body;
    assert_eq!(c["name"], "Wiki test", "the name is kept");
    assert_eq!(
        c["observable_counts"],
        json!({"ipaddr": 2, "cidr": 0, "hostname": 1, "uri": 2, "pattern": 1})
    );
    // Rename by id with a JSON body (observables kept).
    let r = s.call(
        "PUT",
        &format!("/api/v1/threatcollections/{id}"),
        Some(json!({"name": "Renamed"})),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let c = s.get(&format!("/api/v1/threatcollections/{id}")).body;
    assert_eq!(
        (c["name"].as_str(), c["observables"].as_u64()),
        (Some("Renamed"), Some(6))
    );

    // Delete.
    let r = s.call("DELETE", &format!("/api/v1/threatcollections/{evil}"), None);
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.call("DELETE", &format!("/api/v1/threatcollections/{evil}"), None);
    assert_eq!(r.status, 404, "{}", r.text);
    let left: Vec<u64> = s
        .get("/api/v1/threatcollections")
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(left, vec![id]);
    // Audited.
    let log = s.get("/api/v1/auditlog").text;
    assert!(log.contains("create threat collection"), "{log}");
    assert!(log.contains("delete threat collection"), "{log}");
}

#[test]
fn bad_uploads_are_refused_naming_the_field() {
    let s = App::start();
    // No name, no file.
    let r = send_multipart(
        &s,
        "POST",
        "/api/v1/threatcollections",
        &multipart(&[], Some(("a.xml", &sample("evil-stix1.xml")))),
    );
    assert!(invalid_field(&r).contains("name"), "{}", r.text);
    let r = send_multipart(
        &s,
        "POST",
        "/api/v1/threatcollections",
        &multipart(&[("name", "x")], None),
    );
    assert!(invalid_field(&r).contains("file"), "{}", r.text);
    // A new user key without a file.
    let r = send_multipart(
        &s,
        "PUT",
        "/api/v1/threatcollections/~nope",
        &multipart(&[("name", "x")], None),
    );
    assert!(invalid_field(&r).contains("file"), "{}", r.text);
    // Malformed STIX 1: the file and what is wrong.
    let bad = b"<stix:STIX_Package xmlns:stix=\"http://stix.mitre.org/stix-1\"><stix:Indicators></stix:STIX_Package>";
    let r = send_multipart(
        &s,
        "POST",
        "/api/v1/threatcollections",
        &multipart(&[("name", "bad")], Some(("bad.xml", bad))),
    );
    let d = invalid_field(&r);
    assert!(
        d.contains("file") && d.contains("bad.xml") && d.contains("malformed XML"),
        "{d}"
    );
    // Not STIX at all.
    let r = send_file(
        &s,
        "POST",
        "/api/v1/threatcollections?name=x&filename=notes.txt",
        b"just some notes",
    );
    let d = invalid_field(&r);
    assert!(d.contains("notes.txt"), "{d}");
    // A STIX 2 bundle whose pattern is broken.
    let r = send_file(
        &s,
        "POST",
        "/api/v1/threatcollections?name=x&filename=b.json",
        br#"{"type":"bundle","objects":[{"type":"indicator","pattern":"[domain-name:value = 'evil"}]}"#,
    );
    let d = invalid_field(&r);
    assert!(d.contains("objects[0].pattern"), "{d}");
    // A user key in the body that is not the path's.
    let r = s.call(
        "PUT",
        "/api/v1/threatcollections/~a",
        Some(json!({"user_key": "b"})),
    );
    assert!(invalid_field(&r).contains("user_key"), "{}", r.text);
    // Ids that are no number, collections that do not exist.
    let r = s.get("/api/v1/threatcollections/abc/observables");
    assert!(invalid_field(&r).contains("id"), "{}", r.text);
    assert_eq!(s.get("/api/v1/threatcollections/77").status, 404);
    assert_eq!(s.get("/api/v1/threatcollections/~none").status, 404);
    // Nothing was stored.
    assert_eq!(s.get("/api/v1/threatcollections").body, json!([]));
}

fn flow(t: i64, a: &str, b: &str) -> NewRecord {
    NewRecord {
        time_ms: t,
        devices: Default::default(),
        threat: Vec::new(),
        record: Record::Flow(Flow {
            age: 0.1,
            bytes: 100,
            pkts: 2,
            client_addr: a.parse().unwrap(),
            client_bytes: 50,
            client_l2_bytes: 60,
            client_mac: None,
            client_payload_bytes: 0,
            client_pkts: 1,
            client_port: 40000,
            conn_state: "SF".into(),
            duration: 100.0,
            first_seen: t,
            flow_id: t as u64,
            history: "ShADadFf".into(),
            ipproto: "TCP".into(),
            l7proto: None,
            last_seen: t,
            server_addr: b.parse().unwrap(),
            server_bytes: 50,
            server_l2_bytes: 60,
            server_mac: None,
            server_payload_bytes: 0,
            server_pkts: 1,
            server_port: 80,
            tunnel_client_addr: None,
            tunnel_server_addr: None,
            vlan: None,
        }),
    }
}

fn dns(t: i64, client: &str, qname: &str) -> NewRecord {
    NewRecord {
        time_ms: t,
        devices: Default::default(),
        threat: Vec::new(),
        record: Record::DnsRequest(DnsRequest {
            client_addr: client.parse().unwrap(),
            client_port: 5353,
            flow_id: 1,
            id: 7,
            qname: qname.into(),
            qtype: "A".into(),
            server_addr: "10.0.0.53".parse().unwrap(),
            server_port: 53,
        }),
    }
}

fn backsearch_done(s: &App, id: u64) -> Value {
    for _ in 0..200 {
        let c = s.get(&format!("/api/v1/threatcollections/{id}")).body;
        if c["backsearch"]["state"] == "done" {
            return c["backsearch"].clone();
        }
        assert_ne!(c["backsearch"]["state"], "failed", "{c}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the back-search did not finish");
}

#[test]
fn back_search_marks_stored_records_and_raises_detections() {
    let s = App::start();
    let now = wirewatch_model::now_ms();
    s.store
        .insert_records(&[
            flow(now - 5000, "10.0.0.5", "208.80.152.2"),
            flow(now - 4000, "10.0.0.6", "192.0.2.77"),
            flow(now - 3000, "10.0.0.7", "198.51.100.1"),
            dns(now - 2000, "10.0.0.8", "Upload.Wikimedia.org"),
            dns(now - 1000, "10.0.0.8", "upload.wikimedia.org"),
            dns(now - 500, "10.0.0.9", "wikimedia.org.example"),
        ])
        .unwrap();
    let r = send_multipart(
        &s,
        "POST",
        "/api/v1/threatcollections",
        &multipart(
            &[("name", "Wiki")],
            Some(("w.xml", &sample("wikimedia-stix1.xml"))),
        ),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    let b = backsearch_done(&s, id);
    assert_eq!(b["records_scanned"], 6, "{b}");
    // The flows to 208.80.152.2 and into 192.0.2.0/24, both DNS queries
    // under wikimedia.org; not the flow to 198.51.100.1 nor the name that
    // only starts like it.
    assert_eq!(b["records_matched"], 4, "{b}");
    // One detection per observable and device: the two queries of 10.0.0.8 are one.
    assert_eq!(b["detections"], 3, "{b}");
    assert_eq!(b["truncated"], false);

    let r = s.post(
        "/api/v1/detections/search",
        json!({"filter": {"types": ["threat_intel_match"]}, "limit": 100}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let dets = r.body.as_array().unwrap();
    assert_eq!(dets.len(), 3, "{}", r.text);
    let mut observables: Vec<&str> = dets
        .iter()
        .map(|d| d["properties"]["observable"].as_str().unwrap())
        .collect();
    observables.sort();
    assert_eq!(
        observables,
        ["192.0.2.0/24", "208.80.152.2", "wikimedia.org"]
    );
    for d in dets {
        assert_eq!(d["properties"]["collection"], "Wiki");
        assert_eq!(d["properties"]["back_search"], true);
        assert!(d["categories"]
            .as_array()
            .unwrap()
            .contains(&json!("sec.caution")));
    }
    let cidr = dets
        .iter()
        .find(|d| d["properties"]["observable"] == "192.0.2.0/24")
        .unwrap();
    assert_eq!(cidr["properties"]["value"], "192.0.2.77");

    // The records carry the match.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~dns_request"], "limit": 10}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let recs = r.body["records"].as_array().unwrap();
    let marked: Vec<&Value> = recs
        .iter()
        .filter(|x| x["_source"]["threat"].is_array())
        .collect();
    assert_eq!(marked.len(), 2, "{}", r.text);
    assert_eq!(
        marked[0]["_source"]["threat"][0]["observable"],
        "wikimedia.org"
    );
    assert_eq!(marked[0]["_source"]["threat"][0]["field"], "qname");

    // A collection with nothing seen: no match, no detection.
    let r = send_file(
        &s,
        "POST",
        "/api/v1/threatcollections?name=Evil",
        &sample("evil-stix1.xml"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let b = backsearch_done(&s, r.body["id"].as_u64().unwrap());
    assert_eq!(
        (b["records_matched"].as_u64(), b["detections"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn record_formats_list_the_threat_field() {
    let s = App::start();
    let r = s.get("/api/v1/records/formats");
    assert_eq!(r.status, 200);
    for f in r.body.as_array().unwrap() {
        let has = f["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "threat" && x["data_type"] == "array");
        assert_eq!(has, f["name"] != "~ftp", "{f}");
    }
}
