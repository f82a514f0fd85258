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

/// The job named by `id`, polled until it ends; the (status, step) pairs
/// seen on the way.
fn job_until_done(s: &Server, id: &str) -> (Value, Vec<(String, u64)>) {
    let mut seen: Vec<(String, u64)> = Vec::new();
    let job = wait_for("the job to end", 60, || {
        let r = s.get(&format!("/api/v1/jobs/{id}"));
        assert_eq!(r.status, 200, "{}", r.text);
        let st = (
            r.body["status"].as_str().unwrap().to_string(),
            r.body["step_number"].as_u64().unwrap(),
        );
        if seen.last() != Some(&st) {
            seen.push(st.clone());
        }
        match st.0.as_str() {
            "done" | "failed" => Ok(r.body),
            _ => Err(r.text),
        }
    });
    (job, seen)
}

#[test]
fn a_load_is_a_job_with_progress_named_by_the_collection_and_location() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest_into(dir.path(), &[], &[sample("wikipedia.pcap")]);
    assert!(ok, "{out}{err}");
    let s = Server::start_on(dir.path());
    // POST: 201 naming the collection; the body names the job.
    let r = s.raw_bytes(
        "POST",
        "/api/v1/threatcollections?name=Wiki&filename=wiki.json",
        &threat_sample("wikimedia-stix2.json"),
        "application/octet-stream",
        s.key(),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_u64().unwrap();
    assert_eq!(
        r.headers.get("location").unwrap(),
        &format!("/api/v1/threatcollections/{id}")
    );
    let job = r.body["backsearch"]["job_id"].as_str().unwrap().to_string();
    // The job is listed, with its type, steps and user.
    let all = s.get("/api/v1/jobs").body;
    let listed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == job.as_str())
        .unwrap_or_else(|| panic!("{all}"));
    assert_eq!(listed["type"], "threatcollection_load");
    assert_eq!(listed["total_steps"], 4);
    assert_eq!(listed["user"], "setup");
    let (done, seen) = job_until_done(&s, &job);
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["step_number"], 4);
    assert!(done["finished_time"].as_i64().unwrap() >= done["created_time"].as_i64().unwrap());
    // Progress only goes forward (storing happened before the answer).
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "{seen:?}");
    assert!(seen[0].1 >= 2, "{seen:?}");
    let details = done["details"].as_str().unwrap();
    assert!(details.contains("back-search"), "{details}");
    // The collection keeps the outcome and the job's id.
    let c = s.get(&format!("/api/v1/threatcollections/{id}")).body;
    assert_eq!(c["backsearch"]["state"], "done", "{c}");
    assert_eq!(c["backsearch"]["job_id"], job.as_str());
    assert!(details.contains(&format!("{} matched", c["backsearch"]["records_matched"])));

    // PUT replacing it: 204, the job in `Location`.
    let r = s.raw_bytes(
        "PUT",
        "/api/v1/threatcollections/~Wiki?filename=wiki.xml",
        &threat_sample("wikimedia-stix1.xml"),
        "application/octet-stream",
        s.key(),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let loc = r.headers.get("location").unwrap().to_str().unwrap();
    let job2 = loc.strip_prefix("/api/v1/jobs/").unwrap();
    assert_ne!(job2, job);
    let (done, _) = job_until_done(&s, job2);
    assert_eq!(done["status"], "done", "{done}");
    let c = s.get(&format!("/api/v1/threatcollections/{id}")).body;
    assert_eq!(c["backsearch"]["job_id"], job2);
    // A rename (no file) starts no job.
    let before = s.get("/api/v1/jobs").body.as_array().unwrap().len();
    let r = s.raw(
        "PUT",
        "/api/v1/threatcollections/~Wiki",
        Some(r#"{"name": "Renamed"}"#),
        Some(s.key()),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.headers.get("location").is_none());
    assert_eq!(s.get("/api/v1/jobs").body.as_array().unwrap().len(), before);
}

#[test]
fn a_failing_load_answers_400_and_its_job_ends_failed_with_the_reason() {
    let s = Server::start();
    let r = s.raw_bytes(
        "POST",
        "/api/v1/threatcollections?name=Broken&filename=notes.txt",
        b"these are no observables",
        "application/octet-stream",
        s.key(),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("notes.txt"), "{}", r.text);
    let all = s.get("/api/v1/jobs").body;
    let job = all
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["type"] == "threatcollection_load")
        .unwrap_or_else(|| panic!("{all}"))
        .clone();
    let (done, _) = job_until_done(&s, job["id"].as_str().unwrap());
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["step_number"], 1, "{done}");
    let why = done["details"].as_str().unwrap();
    assert!(why.contains("notes.txt"), "{why}");
    assert!(why.contains("neither a .tar.gz bundle"), "{why}");
    // Nothing was stored.
    assert_eq!(s.get("/api/v1/threatcollections").body, json!([]));
    // A taken user key: 409, and the job fails at the second step.
    upload(
        &s,
        "Wiki",
        "wiki.xml",
        &threat_sample("wikimedia-stix1.xml"),
    );
    let r = s.raw_bytes(
        "POST",
        "/api/v1/threatcollections?name=Wiki&filename=wiki.xml",
        &threat_sample("wikimedia-stix1.xml"),
        "application/octet-stream",
        s.key(),
    );
    assert_eq!(r.status, 409, "{}", r.text);
    let newest = s.get("/api/v1/jobs").body[0].clone();
    let (done, _) = job_until_done(&s, newest["id"].as_str().unwrap());
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["step_number"], 2, "{done}");
}
