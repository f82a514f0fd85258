//! Captures in, devices and records out, through the real binary.

use crate::common::*;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn shared(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
        .display()
        .to_string()
}

#[test]
fn ingest_prints_a_summary_and_survives_malformed_captures() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--quiet", "--data-dir"])
        .arg(dir.path())
        .arg(shared("zeek/traces/wikipedia.pcap"))
        .arg(shared("zeek/traces/trunc/ip4-trunc.pcap"))
        .arg(shared("ndpi/pcaps/fuzz-2021-10-13.pcap"))
        .arg(dir.path().join("missing.pcap"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    // The files that could be read are ingested; one from which no packet
    // could be read and a missing one fail the command, named on stderr.
    assert!(!out.status.success(), "{text}\n{err}");
    assert!(text.contains("ingested 2 file(s)"), "{text}");
    assert!(text.contains("flows "), "{text}");
    assert!(
        err.contains("fuzz-2021-10-13.pcap: no packet could be read: bad record"),
        "{err}"
    );
    assert!(err.contains("missing.pcap: no such file"), "{err}");
    assert!(
        err.contains("2 of 4 input file(s) could not be read"),
        "{err}"
    );
}

#[test]
fn devices_from_a_capture_are_served() {
    let pcap = shared("zeek/traces/wikipedia.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap]);
    // The capture is analysed in the background: wait for its devices.
    let mut devices = json!([]);
    for _ in 0..100 {
        devices = s.get("/api/v1/devices").body;
        if devices.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let list = devices.as_array().unwrap();
    assert!(list.len() >= 5, "{devices}");
    let router = list
        .iter()
        .find(|d| d["macaddr"] == "00:13:7f:be:8c:ff")
        .expect("the Cisco router");
    assert_eq!(router["vendor"], "Cisco Systems, Inc");
    assert_eq!(router["ipaddr4"], "141.142.220.1");
    for f in [
        "id",
        "discovery_id",
        "display_name",
        "default_name",
        "custom_name",
        "ipaddr4",
        "ipaddr6",
        "macaddr",
        "vendor",
        "device_class",
        "role",
        "is_l3",
        "parent_id",
        "node_id",
        "analysis",
        "analysis_level",
        "discover_time",
        "mod_time",
        "dhcp_name",
        "dns_name",
        "netbios_name",
        "cdp_name",
    ] {
        assert!(router.get(f).is_some(), "missing {f}");
    }
    let id = router["id"].as_u64().unwrap();
    // Search: single filter, nested rules, CIDR on ipaddr.
    let r = s.post(
        "/api/v1/devices/search",
        json!({"filter": {"field": "vendor", "operator": "~", "operand": "cisco"}}),
    );
    assert_eq!(ids(&r.body), vec![id]);
    let r = s.post("/api/v1/devices/search", json!({"filter": {"operator": "and", "rules": [
        {"field": "ipaddr", "operator": "=", "operand": "141.142.220.0/24"},
        {"operator": "not", "rules": [{"field": "macaddr", "operator": "=", "operand": "00:13:7f:be:8c:ff"}]}]},
        "result_fields": ["macaddr"]}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.body.as_array().unwrap().is_empty());
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["macaddr"] != "00:13:7f:be:8c:ff" && d.get("vendor").is_none()));
    let r = s.post(
        "/api/v1/devices/search",
        json!({"filter": {"field": "planet", "operand": "x"}}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["field"], "filter.field");
    // GET /devices with search_type/value and relative time units.
    let r = s.get("/api/v1/devices?search_type=mac%20address&value=00:13:7f:be:8c:ff");
    assert_eq!(ids(&r.body), vec![id]);
    let r = s.get("/api/v1/devices?active_from=-30m&limit=2");
    assert!(
        r.body.as_array().unwrap().is_empty(),
        "the capture is from 2011: nothing active in the last 30 minutes"
    );
    let r = s.get("/api/v1/devices?active_from=1&limit=2&offset=1");
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(s.get("/api/v1/devices?active_from=-3q").status, 400);
    // user_mod_time is a number: the discovery time until a user changes the device.
    let all = s.get("/api/v1/devices?limit=1000").body;
    for d in all.as_array().unwrap() {
        assert_eq!(d["user_mod_time"], d["discover_time"], "{d}");
    }
    let before = s.get(&format!("/api/v1/devices/{id}")).body["user_mod_time"]
        .as_i64()
        .unwrap();
    // PATCH, and observations shown on the device they concern.
    assert_eq!(
        s.patch(
            &format!("/api/v1/devices/{id}"),
            json!({"custom_name": "core-router", "custom_type": "gateway"})
        )
        .status,
        204
    );
    assert_eq!(s.post("/api/v1/observations/associatedipaddrs", json!({"source": "OpenVPN",
        "observations": [{"ipaddr": "141.142.220.1", "associated_ipaddr": "198.51.100.1", "timestamp": 1700000000}]})).status, 202);
    let d = s.get(&format!("/api/v1/devices/{id}")).body;
    assert_eq!(d["display_name"], "core-router");
    assert_eq!(d["custom_type"], "gateway");
    assert!(d["user_mod_time"].as_i64().unwrap() > before, "{d}");
    assert_eq!(
        d["associated_ipaddrs"][0]["associated_ipaddr"],
        "198.51.100.1"
    );
    assert_eq!(
        s.patch(
            &format!("/api/v1/devices/{id}"),
            json!({"custom_type": "toaster"})
        )
        .status,
        400
    );
    assert_eq!(s.get("/api/v1/devices/999999").status, 404);
}

#[test]
fn records_from_a_capture_are_searchable() {
    let pcap = shared("zeek/traces/wikipedia.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap]);
    let mut total = 0;
    for _ in 0..100 {
        total = s
            .post(
                "/api/v1/records/search",
                json!({"from": 1, "types": ["~flow"]}),
            )
            .body["total"]
            .as_u64()
            .unwrap_or(0);
        if total > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(total, 34, "one ~flow record per Zeek conn.log line");
    let r = s.post("/api/v1/records/search", json!({"from": 1, "types": ["~flow"], "limit": 5,
        "filter": {"operator": "and", "rules": [
            {"field": "serverPort", "operator": "=", "operand": 80},
            {"field": "clientAddr", "operator": "=", "operand": {"type": "ipaddr4", "value": "141.142.220.0/24"}}]}}));
    assert_eq!(r.status, 200, "{}", r.text);
    let recs = r.body["records"].as_array().unwrap();
    assert!(!recs.is_empty());
    let all_http = r.body["total"].as_u64().unwrap();
    assert!(recs.len() <= 5 && all_http >= recs.len() as u64);
    for rec in recs {
        assert_eq!(rec["_type"], "~flow");
        // The filter's old names are aliases of `~flow`'s ExtraHop names.
        assert_eq!(rec["_source"]["receiverPort"], 80);
        assert_eq!(rec["_source"]["senderAddr"]["type"], "ipaddr4");
        assert!(rec["_source"]["senderAddr"]["value"]
            .as_str()
            .unwrap()
            .starts_with("141.142.220."));
        for f in [
            "senderAddr",
            "receiverAddr",
            "senderPort",
            "receiverPort",
            "proto",
            "timestamp",
        ] {
            assert!(rec["_source"].get(f).is_some(), "missing {f}");
        }
    }
    // Newest first by default; an explicit sort on any field.
    let times: Vec<i64> = recs
        .iter()
        .map(|r| r["_source"]["timestamp"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~flow"], "sort": [{"field": "clientBytes", "direction": "asc"}], "limit": 100}),
    );
    let bytes: Vec<i64> = r.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_source"]["senderBytes"].as_i64().unwrap())
        .collect();
    assert!(bytes.windows(2).all(|w| w[0] <= w[1]), "{bytes:?}");
    // .ipaddr and .port search every role.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "filter": {"field": ".port", "operator": "=", "operand": 5353}}),
    );
    assert!(r.body["total"].as_u64().unwrap() >= 3);
    // Paging with a cursor walks the whole result once.
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~flow"], "limit": 10, "context_ttl": "1m"}),
    );
    let cursor = r.body["cursor"].as_str().unwrap().to_string();
    let mut seen: Vec<String> = r.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_str().unwrap().to_string())
        .collect();
    loop {
        let page = s.post("/api/v1/records/cursor", json!({"cursor": cursor}));
        assert_eq!(page.status, 200, "{}", page.text);
        let ids: Vec<String> = page.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["_id"].as_str().unwrap().to_string())
            .collect();
        if ids.is_empty() {
            break;
        }
        seen.extend(ids);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (34, 34));
    assert_eq!(
        s.get(&format!("/api/v1/records/cursor/{cursor}")).status,
        200
    );
    assert_eq!(
        s.post("/api/v1/records/cursor", json!({"cursor": "nope"}))
            .status,
        404
    );
    // Errors name the field.
    for (body, field) in [
        (json!({"limit": 10001}), "limit"),
        (json!({"offset": 10001}), "offset"),
        (json!({"from": "-3q"}), "from"),
        (
            json!({"filter": {"field": "serverPort", "operator": "like", "operand": 1}}),
            "filter.operator",
        ),
        (
            json!({"filter": {"field": "client", "operator": "in", "operand": {"type": "device_group", "value": "9"}}}),
            "filter.operand",
        ),
        (json!({"context_ttl": "2d"}), "context_ttl"),
    ] {
        let r = s.post("/api/v1/records/search", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
}

/// The README's run command: the shipped sample captures give SSH and FTP
/// brute-force detections and a port scan.
#[test]
fn detections_from_traffic_reach_the_api() {
    let files: Vec<String> = ["sshguess.pcap", "bruteforce.pcap", "portscan.pcap"]
        .iter()
        .map(|f| sample(f))
        .collect();
    let mut args = vec!["--pcap"];
    args.extend(files.iter().map(String::as_str));
    let s = Server::start_args(false, &args);
    let mut found = json!([]);
    for _ in 0..100 {
        found = s
            .post(
                "/api/v1/detections/search",
                json!({"filter": {"types": ["ssh_brute_force", "ftp_brute_force", "port_scan"]}}),
            )
            .body;
        if found.as_array().is_some_and(|a| a.len() == 3) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let scans: Vec<serde_json::Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "port_scan")
        .cloned()
        .collect();
    assert_eq!(scans.len(), 1, "{found}");
    let scanner = scans[0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "offender")
        .unwrap();
    assert_eq!(scanner["object_value"], "192.0.2.66", "{found}");
    found = json!(found
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] != "port_scan")
        .collect::<Vec<_>>());
    let list = found.as_array().unwrap();
    assert_eq!(list.len(), 2, "{found}");
    for d in list {
        assert_eq!(d["is_user_created"], false);
        let off = d["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "offender")
            .unwrap();
        assert_eq!(off["object_value"], "192.168.56.1");
        assert!(d["mitre_techniques"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "T1110"));
        assert!(d["start_time"].as_i64().unwrap() < d["create_time"].as_i64().unwrap());
    }
    // FTP commands are records too.
    let r = s.post("/api/v1/records/search", json!({"types": ["~ftp"], "filter": {"field": "statusCode", "operator": "=", "operand": 530}}));
    assert!(r.body["total"].as_u64().unwrap() >= 20, "{}", r.text);
}

fn eve_fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/eve.json")
        .display()
        .to_string()
}

#[test]
fn suricata_eve_alerts_become_detections_and_events_records() {
    let s = Server::start();
    let out = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--data-dir"])
        .arg(s.data_dir())
        .args(["--eve", &eve_fixture()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("11 lines, 5 records, 2 detections, 1 events of other types ignored"),
        "{text}"
    );
    assert!(text.contains("skipped 1 line(s): not JSON"), "{text}");
    assert!(
        text.contains("skipped 2 line(s): bad or missing timestamp"),
        "{text}"
    );
    let d = s.post("/api/v1/detections/search", json!({"filter": {"types": ["ids_alert"]}, "sort": [{"field": "risk_score", "direction": "desc"}]})).body;
    let list = d.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0]["title"],
        "ET MALWARE Possible Metasploit Payload Common Construct"
    );
    assert_eq!(list[0]["risk_score"], 80);
    assert_eq!(list[0]["mitre_techniques"][0]["id"], "T1203");
    assert_eq!(list[0]["mitre_tactics"][0]["id"], "TA0002");
    assert_eq!(
        list[0]["properties"]["ids_category"],
        "A Network Trojan was detected"
    );
    assert_eq!(list[1]["title"], "TEST");
    assert_eq!(list[1]["risk_score"], 40);
    assert_eq!(
        list[1]["participants"][0]["object_value"],
        "fe80::20c:29ff:fef3:cf38"
    );
    let search = |t: &str| s.post("/api/v1/records/search", json!({"types": [t]})).body;
    let http = search("~http");
    assert_eq!(http["records"][0]["_source"]["uri"], "/cgi-bin/cart32.exe");
    assert_eq!(http["records"][0]["_source"]["host"], "www.net1.bg");
    let flow = search("~flow");
    assert_eq!(flow["records"][0]["_source"]["senderBytes"], 461);
    assert_eq!(flow["records"][0]["_source"]["bytes"], 461 + 156);
    assert_eq!(flow["records"][0]["_source"]["vlan"], 1111);
    let dns = search("~dns_response");
    assert_eq!(dns["records"][0]["_source"]["rcode"], "NXDOMAIN");
    assert_eq!(
        dns["records"][0]["_source"]["authorities"][0]["soa"]["mname"],
        "ns-110.awsdns-13.com"
    );
    assert_eq!(search("~dns_request")["total"], 1);
    assert_eq!(
        search("~ssl_open")["records"][0]["_source"]["ja3sHash"],
        "5d79edf64e03689ff559a54e9d9487bc"
    );
}

#[test]
fn eve_follow_picks_up_appended_alerts() {
    use std::io::Write;
    let s = Server::start();
    let eve = s.data_dir().join("growing-eve.json");
    std::fs::write(&eve, "").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--data-dir"])
        .arg(s.data_dir())
        .arg("--eve")
        .arg(&eve)
        .arg("--follow")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let alert = std::fs::read_to_string(eve_fixture())
        .unwrap()
        .lines()
        .nth(6)
        .unwrap()
        .to_string();
    let mut f = std::fs::OpenOptions::new().append(true).open(&eve).unwrap();
    // Half a line first: nothing may be read until it is complete.
    let (a, b) = alert.split_at(40);
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    f.write_all(format!("{b}\n").as_bytes()).unwrap();
    f.flush().unwrap();
    let mut n = 0;
    for _ in 0..50 {
        n = s
            .post("/api/v1/detections/search", json!({"id_only": true}))
            .body
            .as_array()
            .unwrap()
            .len();
        if n > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(n, 1);
}

fn wait_devices(s: &Server) -> Vec<serde_json::Value> {
    for _ in 0..100 {
        let d = s.get("/api/v1/devices").body;
        if d.as_array().is_some_and(|a| a.len() >= 5) {
            return d.as_array().unwrap().clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no devices discovered");
}

#[test]
fn tags_groups_watchlist_and_networks() {
    let pcap = shared("zeek/traces/wikipedia.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap]);
    let devices = wait_devices(&s);
    let router = devices
        .iter()
        .find(|d| d["macaddr"] == "00:13:7f:be:8c:ff")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let other = devices.iter().find(|d| d["id"] != router).unwrap()["id"]
        .as_u64()
        .unwrap();
    // Tags: 201 with an empty body and a Location, as the real product.
    let r = s.post("/api/v1/tags", json!({"name": "core"}));
    assert_eq!(r.status, 201);
    assert!(r.text.is_empty());
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let tag = loc.rsplit('/').next().unwrap().parse::<u64>().unwrap();
    assert_eq!(s.get(&loc).body["name"], "core");
    assert_eq!(s.post("/api/v1/tags", json!({"name": "core"})).status, 409);
    assert_eq!(
        s.post(
            &format!("/api/v1/tags/{tag}/devices"),
            json!({"assign": [router, other]})
        )
        .status,
        204
    );
    assert_eq!(
        ids(&s.get(&format!("/api/v1/tags/{tag}/devices")).body),
        vec![router.min(other), router.max(other)]
    );
    assert_eq!(
        s.call(
            "DELETE",
            &format!("/api/v1/tags/{tag}/devices/{other}"),
            None
        )
        .status,
        204
    );
    assert_eq!(
        ids(&s.get(&format!("/api/v1/tags/{tag}/devices")).body),
        vec![router]
    );
    assert_eq!(
        s.call("POST", &format!("/api/v1/tags/{tag}/devices/{other}"), None)
            .status,
        204
    );
    assert_eq!(
        s.get(&format!("/api/v1/devices/{router}/tags")).body[0]["name"],
        "core"
    );
    let r = s.post(
        &format!("/api/v1/tags/{tag}/devices"),
        json!({"assign": [999999]}),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("assign[0]"))
    );
    assert_eq!(
        s.patch(&format!("/api/v1/tags/{tag}"), json!({"name": "backbone"}))
            .status,
        204
    );
    assert_eq!(
        s.call("DELETE", &format!("/api/v1/tags/{tag}"), None)
            .status,
        204
    );
    assert_eq!(s.get(&format!("/api/v1/tags/{tag}")).status, 404);
    // Device groups: static and filter-defined.
    let r = s.post(
        "/api/v1/devicegroups",
        json!({"name": "routers", "dynamic": true,
        "filter": {"field": "vendor", "operator": "~", "operand": "cisco"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let dynamic = r.body["id"].as_u64().unwrap();
    assert_eq!(
        ids(&s
            .get(&format!("/api/v1/devicegroups/{dynamic}/devices"))
            .body),
        vec![router]
    );
    assert_eq!(
        s.post(
            &format!("/api/v1/devicegroups/{dynamic}/devices"),
            json!({"assign": [other]})
        )
        .status,
        400
    );
    let r = s.post("/api/v1/devicegroups", json!({"name": "hand-picked"}));
    let fixed = r.body["id"].as_u64().unwrap();
    assert_eq!(
        s.post(
            &format!("/api/v1/devicegroups/{fixed}/devices"),
            json!({"assign": [other]})
        )
        .status,
        204
    );
    assert_eq!(
        ids(&s.get(&format!("/api/v1/devicegroups/{fixed}/devices")).body),
        vec![other]
    );
    let r = s.post(
        "/api/v1/devicegroups",
        json!({"name": "bad", "dynamic": true, "filter": {"field": "planet", "operand": 1}}),
    );
    assert_eq!(r.status, 400);
    // Groups work in record queries and tuning rules.
    let r = s.post("/api/v1/records/search", json!({"filter": {"operator": "or", "rules": [
        {"field": "client", "operator": "in", "operand": {"type": "device_group", "value": dynamic.to_string()}},
        {"field": "server", "operator": "in", "operand": {"type": "device_group", "value": dynamic.to_string()}}]}}));
    assert_eq!(r.status, 200, "{}", r.text);
    let d = s.detection(json!({"type": "port_scan", "participants": [{"object_type": "device", "object_id": router, "role": "offender"}]}));
    let r = s.post(
        "/api/v1/detections/rules/hiding",
        json!({"detection_type": "port_scan", "hide_past_detections": true,
        "offender": {"object_type": "device_group", "object_id": dynamic}, "victim": "Any"}),
    );
    assert_eq!(r.body["detections_hidden"], 1, "{}", r.text);
    assert!(!ids(&s
        .post("/api/v1/detections/search", json!({"id_only": true}))
        .body)
    .contains(&d));
    // Watchlist.
    assert_eq!(
        s.post("/api/v1/watchlist/devices", json!({"assign": [router]}))
            .status,
        204
    );
    let w = s.get("/api/v1/watchlist/devices").body;
    assert_eq!(ids(&w), vec![router]);
    assert_eq!(w[0]["on_watchlist"], true);
    assert_eq!(
        s.get(&format!("/api/v1/devices/{router}")).body["on_watchlist"],
        true
    );
    // Networks: this sensor's one capture network.
    let n = s.get("/api/v1/networks").body;
    assert_eq!(n[0]["id"], 1);
    assert!(n[0].get("node_id").is_some());
    assert_eq!(s.get("/api/v1/networks/2").status, 404);
}

#[test]
fn metrics_from_a_capture_add_up() {
    let pcap = shared("zeek/traces/wikipedia.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap]);
    let devices = wait_devices(&s);
    // Wait for the metrics, written after the devices.
    let body = |cat: &str, name: &str, ty: &str, ids: Vec<u64>| {
        json!({"from": 1, "until": 0, "cycle": "30sec",
        "object_type": ty, "object_ids": ids, "metric_category": cat, "metric_specs": [{"name": name}]})
    };
    let mut total = 0.0;
    for _ in 0..50 {
        let r = s.post(
            "/api/v1/metrics/total",
            body("net", "bytes", "network", vec![1]),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        total = r.body["stats"][0]["values"][0].as_f64().unwrap_or(0.0);
        if total > 0.0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The network's bytes are exactly the IP bytes of all flow records.
    let recs = s
        .post(
            "/api/v1/records/search",
            json!({"types": ["~flow"], "limit": 1000}),
        )
        .body;
    let flow_bytes: f64 = recs["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["_source"]["senderBytes"].as_f64().unwrap()
                + r["_source"]["receiverBytes"].as_f64().unwrap()
        })
        .sum();
    assert_eq!(total, flow_bytes);
    // Counts are integers on the wire, and an empty total is 0, not -0.0.
    let r = s.post(
        "/api/v1/metrics/total",
        body("net", "bytes", "network", vec![1]),
    );
    assert!(r.body["stats"][0]["values"][0].is_u64(), "{}", r.text);
    assert!(!r.text.contains(".0"), "{}", r.text);
    let mut empty = body("net", "bytes", "network", vec![1]);
    empty["from"] = json!(-60_000);
    let r = s.post("/api/v1/metrics/total", empty);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["stats"][0]["values"][0], json!(0), "{}", r.text);
    assert!(!r.text.contains("-0"), "{}", r.text);
    // Per-object series and totals agree.
    let router = devices
        .iter()
        .find(|d| d["macaddr"] == "00:13:7f:be:8c:ff")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let series = s
        .post(
            "/api/v1/metrics",
            body("net", "pkts_out", "device", vec![router]),
        )
        .body;
    assert_eq!(series["cycle"], "30sec");
    let sum: f64 = series["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["values"][0].as_f64().unwrap())
        .sum();
    assert!(series["stats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["oid"] == router && p["duration"] == 30000));
    let by_obj = s
        .post(
            "/api/v1/metrics/totalbyobject",
            body("net", "pkts_out", "device", vec![router]),
        )
        .body;
    assert_eq!(by_obj["stats"][0]["values"][0].as_f64().unwrap(), sum);
    assert!(sum > 0.0);
    // Roll-ups hold the same totals.
    let mut hourly = body("net", "bytes", "network", vec![1]);
    hourly["cycle"] = json!("1hr");
    assert_eq!(
        s.post("/api/v1/metrics/total", hourly).body["stats"][0]["values"][0]
            .as_f64()
            .unwrap(),
        total
    );
    // Datasets with calc_type, and errors.
    let mut d = body(
        "flow",
        "duration",
        "device",
        devices.iter().map(|d| d["id"].as_u64().unwrap()).collect(),
    );
    d["metric_specs"] =
        json!([{"name": "duration", "calc_type": "percentiles", "percentiles": [50, 99]}]);
    let r = s.post("/api/v1/metrics/total", d);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["stats"][0]["values"][0].as_array().unwrap().len(), 2);
    let mut bad = body("net", "bytes", "network", vec![1]);
    bad["cycle"] = json!("7min");
    assert_eq!(s.post("/api/v1/metrics", bad).body["field"], "cycle");
    assert_eq!(
        s.post(
            "/api/v1/metrics",
            body("net", "bytes", "application", vec![1])
        )
        .body["field"],
        "object_type"
    );
    assert_eq!(s.get("/api/v1/metrics/next/abc").status, 404);
    // HTTP and DNS client metrics of the browsing host, with detail keys.
    let host = devices
        .iter()
        .find(|d| d["ipaddr4"] == "141.142.220.118")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let r = s
        .post(
            "/api/v1/metrics/total",
            body("http_client", "req", "device", vec![host]),
        )
        .body;
    assert_eq!(r["stats"][0]["values"][0], 15.0, "{r}");
    let mut by_status = body("http_client", "rsp_by_status", "device", vec![host]);
    by_status["metric_specs"] = json!([{"name": "rsp_by_status", "key1": "/^30/"}]);
    let r = s.post("/api/v1/metrics/total", by_status).body;
    assert_eq!(r["stats"][0]["values"][0][0]["key"]["str"], "304", "{r}");
    assert_eq!(r["stats"][0]["values"][0][0]["value"], 15.0);
    let r = s
        .post(
            "/api/v1/metrics/total",
            body("dns_client", "req", "device", vec![host]),
        )
        .body;
    assert_eq!(r["stats"][0]["values"][0], 14.0, "{r}");
    assert!(
        s.get("/api/v1/metrics/catalog")
            .body
            .as_array()
            .unwrap()
            .len()
            >= 5
    );
}

#[test]
fn http_records_from_a_capture() {
    let pcap = shared("zeek/traces/wikipedia.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap]);
    let mut r = json!({});
    for _ in 0..100 {
        r = s.post("/api/v1/records/search", json!({"types": ["~http"], "filter": {"field": "host", "operator": "=", "operand": "bits.wikimedia.org"}})).body;
        if r["total"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(r["total"], 1, "{r}");
    let src = &r["records"][0]["_source"];
    assert_eq!(src["method"], "GET");
    assert_eq!(src["uri"], "/skins-1.5/monobook/main.css");
    assert_eq!(src["statusCode"], 304);
    assert!(src["processingTime"].as_f64().unwrap() >= 0.0);
    assert!(src["userAgent"].as_str().is_some());
}

/// Live capture on the loopback interface sees the API's own traffic.
/// Run with `cargo test -p wirewatch --features live --test api live_capture`
/// (needs libpcap-dev and root or CAP_NET_RAW); `scripts/test.sh` runs it in
/// a network namespace of its own, so the loopback carries only this test.
#[cfg(feature = "live")]
#[test]
fn live_capture_on_loopback() {
    let s = Server::start_args(false, &["--interface", "lo"]);
    let addr = s.url.trim_start_matches("http://").to_string();
    // One request on a new connection (the test client's pooled one
    // predates the capture), answered 200.
    let request = || {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(&addr).unwrap();
        write!(c, "GET /api/v1/extrahop HTTP/1.1\r\nHost: {addr}\r\nAuthorization: ExtraHop apikey={}\r\nConnection: close\r\n\r\n", s.key).unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    };
    let captured = || {
        let r = s.post(
            "/api/v1/records/search",
            json!({"types": ["~http"], "from": "-5m",
            "filter": {"field": "uri", "operator": "=", "operand": "/api/v1/extrahop"}}),
        );
        r.body["total"].as_u64().unwrap_or(0)
    };
    // The capture opens in the background after the server listens: keep
    // making requests until three of them are records (requests made
    // before it opened are not seen).
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut total = 0;
    while total < 3 && std::time::Instant::now() < end {
        request();
        for _ in 0..10 {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let now = captured();
            if now > total {
                total = now;
                break;
            }
        }
    }
    assert!(total >= 3, "{total}");
    // The interface's libpcap counters, read every second, through the API.
    let mut lo = json!(null);
    for _ in 0..50 {
        let r = s.get("/api/v1/extrahop/capture/interfaces");
        assert_eq!(r.status, 200, "{}", r.text);
        let list = r.body.as_array().unwrap().clone();
        assert_eq!(list.len(), 1, "{list:?}");
        lo = list[0].clone();
        if lo["stats_time"].is_i64() && lo["last_packet_time"].is_i64() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(
        (lo["interface"].as_str(), lo["state"].as_str()),
        (Some("lo"), Some("capturing")),
        "{lo}"
    );
    let (read, received) = (
        lo["packets_read"].as_u64().unwrap(),
        lo["received"].as_u64().unwrap(),
    );
    // The three requests and their answers at least; the kernel counted
    // every packet wirewatch read. Drops are counted, not absent: a debug
    // build on a loaded machine falls behind even the loopback.
    let dropped = lo["dropped"].as_u64().unwrap();
    assert!(read >= 6 && received >= read && dropped <= received, "{lo}");
    assert!(lo["if_dropped"].is_u64() && lo["error"].is_null(), "{lo}");
    assert!(
        lo["started"].as_i64().unwrap() <= lo["stats_time"].as_i64().unwrap(),
        "{lo}"
    );
}

#[cfg(not(feature = "live"))]
#[test]
fn interface_without_the_live_feature_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args([
            "serve",
            "--no-tls",
            "--listen",
            "127.0.0.1:0",
            "--interface",
            "lo",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("WIREWATCH_SETUP_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--features live"));
}

/// Run `wirewatch ingest` into a fresh directory; (success, stdout, stderr).
fn ingest(args: &[&str], files: &[String]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    ingest_into(dir.path(), args, files)
}

#[test]
fn detector_thresholds_from_the_command_line() {
    let ssh = vec![shared("zeek/traces/ssh/sshguess.pcap")];
    let (ok, text, err) = ingest(&[], &ssh);
    assert!(ok, "{err}");
    let default = summary_number(&text, "detections ");
    assert!(default >= 1, "the SSH brute force fires by default: {text}");
    // Far more failures needed than the capture has: the brute force stays quiet.
    let (ok, text, err) = ingest(&["--threshold", "ssh_failures=100000"], &ssh);
    assert!(ok, "{err}");
    assert_eq!(summary_number(&text, "detections "), default - 1, "{text}");
    // The same from a file; a flag given too wins over it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("thresholds.json");
    std::fs::write(&file, r#"{"ssh_failures": 100000, "window_ms": "1h"}"#).unwrap();
    let file = file.display().to_string();
    let (ok, text, err) = ingest(&["--thresholds-file", &file], &ssh);
    assert!(ok, "{err}");
    assert_eq!(summary_number(&text, "detections "), default - 1, "{text}");
    let (ok, text, err) = ingest(
        &["--thresholds-file", &file, "--threshold", "ssh_failures=5"],
        &ssh,
    );
    assert!(ok, "{err}");
    assert_eq!(summary_number(&text, "detections "), default, "{text}");
    // Mistakes are named before any work is done.
    let (ok, _, err) = ingest(&["--threshold", "ssh_failure=5"], &ssh);
    assert!(!ok);
    assert!(
        err.contains("unknown detector threshold \"ssh_failure\"") && err.contains("ssh_failures"),
        "{err}"
    );
    let (ok, _, err) = ingest(&["--threshold", "scan_ports=-1"], &ssh);
    assert!(!ok);
    assert!(err.contains("scan_ports must be greater than 0"), "{err}");
}

#[test]
fn ingest_applies_record_retention() {
    let files = vec![shared("zeek/traces/wikipedia.pcap")];
    let (ok, text, err) = ingest(&[], &files);
    assert!(ok, "{err}");
    let written = summary_number(&text, "records written ");
    assert!(written > 20, "{text}");
    assert!(!text.contains("expired"), "{text}");
    let (ok, text, err) = ingest(&["--records-max", "20"], &files);
    assert!(ok, "{err}");
    assert_eq!(
        summary_number(&text, "records expired by retention "),
        written - 20,
        "{text}"
    );
    // Age is how long ago records were stored: a second run (forced: the
    // file is stored already), two seconds later with a one-second limit,
    // drops the first run's records and keeps its own.
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
            .args(["ingest", "--quiet", "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .args(&files)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run(&[]);
    assert!(!first.contains("expired"), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let second = run(&["--records-max-age", "1s", "--force"]);
    assert_eq!(
        summary_number(&second, "records expired by retention "),
        written,
        "{second}"
    );
    let (ok, _, err) = ingest(&["--records-max-age", "soon"], &files);
    assert!(!ok);
    assert!(err.contains("--records-max-age"), "{err}");
}

#[test]
fn cdp_names_reach_the_devices_api() {
    let pcap = shared("ndpi/pcaps/capwap.pcap");
    let s = Server::start_args(false, &["--pcap", &pcap]);
    let mut ap = json!(null);
    for _ in 0..100 {
        let devices = s.get("/api/v1/devices").body;
        if let Some(d) = devices
            .as_array()
            .and_then(|a| a.iter().find(|d| d["macaddr"] == "b8:38:61:f3:05:ac"))
        {
            ap = d.clone();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(ap["cdp_name"], "APb838.61f3.05ac", "{ap}");
    // With no DNS, DHCP or NetBIOS name, the CDP name is the one shown.
    if ap["dns_name"].is_null() && ap["dhcp_name"].is_null() && ap["netbios_name"].is_null() {
        assert_eq!(ap["display_name"], "APb838.61f3.05ac", "{ap}");
    }
}
