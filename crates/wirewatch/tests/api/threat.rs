//! Threat collections take effect on real ingest: a collection whose
//! observables a capture shows raises `threat_intel_match` detections and
//! marks the records; one whose observables it does not show raises none;
//! a collection uploaded after the ingest finds the stored records (the
//! back-search). Captures: `samples/pcaps/wikipedia.pcap` (141.142.220.118
//! browsing www.wikipedia.org, fetching from upload/bits/meta.wikimedia.org
//! at 208.80.152.2 and .3). Collections: `samples/threat`.

use crate::common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn threat_sample(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../samples/threat")
            .join(name),
    )
    .unwrap()
}

/// Upload a file as the body (`name` in the query).
fn upload(s: &Server, name: &str, filename: &str, body: &[u8]) -> u64 {
    let r = s.raw_bytes(
        "POST",
        &format!("/api/v1/threatcollections?name={name}&filename={filename}"),
        body,
        "application/octet-stream",
        s.key(),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_u64().unwrap()
}

fn threat_detections(s: &Server) -> Vec<Value> {
    let r = s.post(
        "/api/v1/detections/search",
        json!({"filter": {"types": ["threat_intel_match"]}, "limit": 1000}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.as_array().unwrap().clone()
}

fn observables(dets: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = dets
        .iter()
        .map(|d| d["properties"]["observable"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn a_collection_seen_in_a_capture_raises_detections_and_marks_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start_on(dir.path());
    upload(
        &s,
        "Wiki",
        "wiki.xml",
        &threat_sample("wikimedia-stix1.xml"),
    );
    let evil = upload(&s, "Evil", "evil.xml", &threat_sample("evil-stix1.xml"));
    s.kill();
    let (ok, out, err) = ingest_into(dir.path(), &[], &[sample("wikipedia.pcap")]);
    assert!(ok, "{out}{err}");
    s.restart();

    let dets = threat_detections(&s);
    assert!(!dets.is_empty());
    // Only the collection whose observables the capture shows.
    assert!(
        dets.iter().all(|d| d["properties"]["collection"] == "Wiki"),
        "{dets:?}"
    );
    assert_eq!(
        observables(&dets),
        ["208.80.152.2", "wikimedia.org", "www.wikipedia.org/"],
        "{dets:?}"
    );
    // One detection per observable and device, whatever the records.
    let per: Vec<(String, String)> = dets
        .iter()
        .map(|d| {
            (
                d["properties"]["observable"].as_str().unwrap().to_string(),
                d["participants"].to_string(),
            )
        })
        .collect();
    let mut distinct = per.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), per.len(), "{per:?}");
    for d in &dets {
        assert_eq!(d["properties"]["back_search"], false);
        let victim = d["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "victim")
            .unwrap_or_else(|| panic!("no victim in {d}"));
        assert_eq!(victim["object_value"], "141.142.220.118", "{d}");
    }
    let url = dets
        .iter()
        .find(|d| d["properties"]["observable_type"] == "uri")
        .unwrap();
    assert_eq!(url["properties"]["record_type"], "~http");

    // The records carry the matches: HTTP to *.wikimedia.org, flows to 208.80.152.2.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~http"], "limit": 1000}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let http = r.body["records"].as_array().unwrap();
    let marked: Vec<&Value> = http
        .iter()
        .filter(|x| x["_source"]["threat"].is_array())
        .collect();
    assert!(!marked.is_empty() && marked.len() <= http.len());
    for m in &marked {
        let host = m["_source"]["host"].as_str().unwrap_or("");
        assert!(
            host.ends_with("wikimedia.org") || host == "www.wikipedia.org",
            "{m}"
        );
    }
    // Records of hosts no collection names are not marked.
    assert!(http
        .iter()
        .filter(|x| !x["_source"]["threat"].is_array())
        .all(|x| !x["_source"]["host"]
            .as_str()
            .unwrap_or("")
            .ends_with("wikimedia.org")));

    // The collection with nothing seen: no detection, counts as uploaded.
    let c = s.get(&format!("/api/v1/threatcollections/{evil}")).body;
    assert_eq!(c["observables"], 2);
}

#[test]
fn back_search_finds_records_ingested_before_the_upload() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest_into(dir.path(), &[], &[sample("wikipedia.pcap")]);
    assert!(ok, "{out}{err}");
    let s = Server::start_on(dir.path());
    assert!(threat_detections(&s).is_empty());

    // A .tar.gz bundle (the documented format) holding the STIX 2 bundle.
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("coll")).unwrap();
    std::fs::write(
        work.path().join("coll/wiki.json"),
        threat_sample("wikimedia-stix2.json"),
    )
    .unwrap();
    let st = std::process::Command::new("tar")
        .arg("-czf")
        .arg(work.path().join("coll.tgz"))
        .arg("-C")
        .arg(work.path())
        .arg("coll")
        .status()
        .unwrap();
    assert!(st.success());
    let tgz = std::fs::read(work.path().join("coll.tgz")).unwrap();
    let id = upload(&s, "Wiki2", "coll.tgz", &tgz);

    let b = wait_for("the back-search", 60, || {
        let c = s.get(&format!("/api/v1/threatcollections/{id}")).body;
        match c["backsearch"]["state"].as_str() {
            Some("done") => Ok(c["backsearch"].clone()),
            other => Err(format!("{other:?}: {c}")),
        }
    });
    assert!(b["records_scanned"].as_u64().unwrap() > 0, "{b}");
    assert!(b["records_matched"].as_u64().unwrap() > 0, "{b}");
    assert_eq!(b["truncated"], false);
    let dets = threat_detections(&s);
    assert_eq!(dets.len() as u64, b["detections"].as_u64().unwrap());
    assert_eq!(
        observables(&dets),
        [
            "208.80.152.3",
            "bits.wikimedia.org/skins-1.5/monobook/main.css",
            "hostname LIKE %.ncsa.uiuc.edu",
            "upload.wikimedia.org",
            "www.wikipedia.org/"
        ],
        "{dets:?}"
    );
    // The bundle's LIKE comparison matched a name the capture's client
    // looked up with its search domain appended.
    let like = dets
        .iter()
        .find(|d| d["properties"]["observable_type"] == "pattern")
        .unwrap();
    assert_eq!(
        like["properties"]["value"], "upload.wikimedia.org.ncsa.uiuc.edu",
        "{like}"
    );
    assert!(dets.iter().all(|d| d["properties"]["back_search"] == true));
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~dns_request"], "limit": 1000}),
    );
    let marked = r.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["_source"]["threat"][0]["collection"] == "Wiki2")
        .count();
    assert!(marked > 0, "{}", r.text);
}
