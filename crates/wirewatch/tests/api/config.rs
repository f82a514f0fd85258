//! The running configuration and support packs of a real `wirewatch serve`:
//! the detector thresholds it started with (changed while running, taken by
//! the detectors at once), the recent log lines its tracing layer keeps, and
//! settings kept across a restart (winning over the flags).

use crate::common::*;
use crate::pipeline::scan_lines;
use serde_json::{json, Value};
use std::io::Read;

fn pack_files(s: &Server) -> Vec<(String, Vec<u8>)> {
    let r = s.call("POST", "/api/v1/supportpacks/execute", None);
    assert_eq!(r.status, 202, "{}", r.text);
    let location = r.headers["location"].to_str().unwrap().to_string();
    let name = loop {
        let q = s.get(&location);
        match q.status {
            200 => break q.body["filename"].as_str().unwrap().to_string(),
            202 => std::thread::sleep(std::time::Duration::from_millis(50)),
            _ => panic!("{}: {}", q.status, q.text),
        }
    };
    let bytes = s.download(&format!("/api/v1/supportpacks/{name}"), &s.key);
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let p = e.path().unwrap().to_string_lossy().into_owned();
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            (p, b)
        })
        .collect()
}

#[test]
fn the_running_configuration_and_support_pack_of_a_real_server() {
    let mut s = Server::start_args(false, &["--threshold", "scan_ports=42"]);
    let doc = s.get("/api/v1/runningconfig").body;
    assert_eq!(doc["detectors"]["scan_ports"], 42, "{doc}");
    assert_eq!(doc["capture"], json!({"interfaces": []}), "{doc}");
    assert_eq!(doc["smtp"]["host"], Value::Null, "{doc}");
    assert_eq!(
        doc["ods"],
        json!({"queue_limit": 1_000_000, "max_age_ms": 7 * 86_400_000i64})
    );
    assert_eq!(
        s.call("PUT", "/api/v1/runningconfig", Some(doc.clone()))
            .status,
        204
    );
    // A bad threshold is named; a read-only capture list cannot change.
    for (path, value, field) in [
        ("scan_ports", json!(0), "/detectors/scan_ports"),
        ("scan_ports", json!(1.5), "/detectors/scan_ports"),
        ("no_such", json!(1), "/detectors/no_such"),
    ] {
        let mut bad = doc.clone();
        bad["detectors"][path] = value;
        let r = s.call("PUT", "/api/v1/runningconfig", Some(bad));
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["field"], field, "{}", r.text);
    }
    let mut bad = doc.clone();
    bad["capture"]["interfaces"] = json!(["eth9"]);
    let r = s.call("PUT", "/api/v1/runningconfig", Some(bad));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("/capture/interfaces")),
        "{}",
        r.text
    );
    assert_eq!(s.get("/api/v1/runningconfig").body, doc, "nothing applied");

    // The log lines the server wrote since it started (at info, whatever
    // WIREWATCH_LOG lets through to stderr) are in the pack.
    let files = pack_files(&s);
    let logs = files
        .iter()
        .find(|(p, _)| p.ends_with("/logs.txt"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .expect("logs.txt");
    assert!(logs.contains("INFO"), "{logs}");
    assert!(logs.contains("no --smtp-host"), "{logs}");
    let config: Value = files
        .iter()
        .find(|(p, _)| p.ends_with("/runningconfig.json"))
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .unwrap();
    assert_eq!(config, doc);

    // Changes are kept across a restart; the stored retention, ODS
    // settings and thresholds win over the flags.
    let mut new = doc.clone();
    new["retention"]["records_max"] = json!(1234);
    new["access"] = json!({"apikey_generation": "local_only",
        "cors": {"allow_any_origin": false, "allowed_origins": ["https://soar.example.com"]},
        "metadata_fetch": {"allow_http": false, "allow_internal_addresses": false}});
    new["ods"] = json!({"queue_limit": 7, "max_age_ms": 60_000});
    new["detectors"]["scan_ports"] = json!(43);
    assert_eq!(
        s.call("PUT", "/api/v1/runningconfig", Some(new.clone()))
            .status,
        204
    );
    assert_eq!(s.get("/api/v1/runningconfig").body, new);
    let r = s.call("POST", "/api/v1/runningconfig/save", None);
    assert_eq!(r.status, 204, "{}", r.text);
    s.restart_args(&[
        "--threshold",
        "scan_ports=42",
        "--records-max",
        "999",
        "--ods-queue-limit",
        "5",
    ]);
    assert_eq!(s.get("/api/v1/runningconfig").body, new);
    assert_eq!(s.get("/api/v1/runningconfig/saved").body, new);
}

#[test]
fn a_threshold_changed_while_serving_is_taken_by_the_running_detectors() {
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    std::fs::write(&eve, scan_lines(1..=5)).unwrap();
    let s = Server::start_args(false, &["--eve", eve.to_str().unwrap()]);
    let flows = |s: &Server| {
        s.post(
            "/api/v1/records/search",
            json!({"types": ["~flow"], "from": 1, "limit": 100}),
        )
        .body["total"]
            .as_u64()
            .unwrap_or(0)
    };
    wait_for("the first EVE flows", 30, || match flows(&s) {
        5 => Ok(()),
        n => Err(format!("{n} flows")),
    });
    let scans = |s: &Server| {
        s.post(
            "/api/v1/detections/search",
            json!({"filter": {"types": ["port_scan"]}}),
        )
        .body
        .as_array()
        .map_or(0, Vec::len)
    };
    assert_eq!(scans(&s), 0);
    // Ten ports is far below the default (100); lowered to 8 while serving,
    // the next flows of the same scanner raise the detection.
    let mut doc = s.get("/api/v1/runningconfig").body;
    assert_eq!(doc["detectors"]["scan_ports"], 100, "{doc}");
    doc["detectors"]["scan_ports"] = json!(8);
    let r = s.call("PUT", "/api/v1/runningconfig", Some(doc));
    assert_eq!(r.status, 204, "{}", r.text);
    let mut f = std::fs::OpenOptions::new().append(true).open(&eve).unwrap();
    std::io::Write::write_all(&mut f, scan_lines(6..=10).as_bytes()).unwrap();
    drop(f);
    wait_for("the later EVE flows", 30, || match flows(&s) {
        10 => Ok(()),
        n => Err(format!("{n} flows")),
    });
    wait_for("the port scan detection", 30, || match scans(&s) {
        1 => Ok(()),
        n => Err(format!("{n} port_scan detections")),
    });
}
