//! The running configuration and support packs of a real `wirewatch serve`:
//! the detector thresholds it started with (read-only), the recent log lines
//! its tracing layer keeps, and settings kept across a restart.

use crate::common::*;
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
    // Read-only: repeated unchanged is fine, changed is refused.
    assert_eq!(
        s.call("PUT", "/api/v1/runningconfig", Some(doc.clone()))
            .status,
        204
    );
    let mut changed = doc.clone();
    changed["detectors"]["scan_ports"] = json!(43);
    let r = s.call("PUT", "/api/v1/runningconfig", Some(changed));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "/detectors/scan_ports");

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

    // Changes are kept across a restart; the stored retention wins over the flags.
    let mut new = doc.clone();
    new["retention"]["records_max"] = json!(1234);
    new["access"] = json!({"apikey_generation": "local_only",
        "cors": {"allow_any_origin": false, "allowed_origins": ["https://soar.example.com"]}});
    assert_eq!(
        s.call("PUT", "/api/v1/runningconfig", Some(new.clone()))
            .status,
        204
    );
    s.restart_args(&["--threshold", "scan_ports=42", "--records-max", "999"]);
    assert_eq!(s.get("/api/v1/runningconfig").body, new);
}
