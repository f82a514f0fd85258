//! A restart keeps everything; SIGKILL loses no acknowledged write.

use crate::common::*;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[test]
fn restart_keeps_everything() {
    let mut s = Server::start();
    let id = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    assert_eq!(
        s.patch(
            &format!("/api/v1/detections/{id}"),
            json!({"assignee": "amy"})
        )
        .status,
        204
    );
    assert_eq!(
        s.call(
            "PUT",
            &format!("/api/v1/detections/{id}/notes"),
            Some(json!({"note": "n"}))
        )
        .status,
        204
    );
    assert_eq!(
        s.post(
            "/api/v1/networklocalities",
            json!({"networks": ["10.0.0.0/8"], "external": false})
        )
        .status,
        201
    );
    assert_eq!(
        s.post(
            "/api/v1/detections/rules/hiding",
            json!({"detection_type": "dns_tunnel", "offender": "Any", "victim": "Any"})
        )
        .status,
        201
    );
    assert_eq!(s.patch("/api/v1/extrahop/ticketing", json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false, "url_template": "https://t/$ticket_id"})).status, 204);
    let before: Vec<_> = [
        "/api/v1/detections",
        "/api/v1/networklocalities",
        "/api/v1/detections/rules/hiding",
        "/api/v1/extrahop/ticketing",
        &format!("/api/v1/detections/{id}/notes"),
        "/api/v1/users",
    ]
    .iter()
    .map(|p| s.get(p).body)
    .collect();
    let old_url = s.url.clone();
    s.restart();
    // The setup password is not asked again and keys still work.
    assert_eq!(s.get("/api/v1/extrahop").status, 200);
    let after: Vec<_> = [
        "/api/v1/detections",
        "/api/v1/networklocalities",
        "/api/v1/detections/rules/hiding",
        "/api/v1/extrahop/ticketing",
        &format!("/api/v1/detections/{id}/notes"),
        "/api/v1/users",
    ]
    .iter()
    .map(|p| s.get(p).body)
    .collect();
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        let strip = |v: &serde_json::Value| v.to_string().replace(&s.url, "").replace(&old_url, "");
        assert_eq!(strip(b), strip(a));
    }
    assert_eq!(after[0][0]["assignee"], "amy");
    assert_eq!(after[3]["url_template"], "https://t/$ticket_id");
}

#[test]
fn sigkill_during_a_patch_burst_loses_no_acknowledged_write() {
    let mut s = Server::start();
    let n = 20u64;
    for _ in 0..n {
        s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    }
    let acked: Arc<Mutex<Vec<(u64, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let url = s.url.clone();
    let key = s.key.clone();
    let mut workers = Vec::new();
    for w in 0..4u64 {
        let (acked, stop, url, key) = (acked.clone(), stop.clone(), url.clone(), key.clone());
        workers.push(std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(std::time::Duration::from_secs(5)))
                .build()
                .into();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let id = 1 + (w * 5 + i % 5) % n;
                let assignee = format!("w{w}-{i}");
                let r = agent
                    .patch(format!("{url}/api/v1/detections/{id}"))
                    .header("Authorization", format!("ExtraHop apikey={key}"))
                    .send_json(json!({"assignee": assignee}));
                match r {
                    Ok(resp) if resp.status() == 204 => acked.lock().unwrap().push((id, assignee)),
                    _ => break,
                }
                i += 1;
            }
        }));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    s.kill();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "only {} writes acknowledged", acked.len());
    s.restart();
    // Each detection's last acknowledged assignee (every worker owns its own detections) survived.
    let mut last = std::collections::HashMap::new();
    for (id, a) in &acked {
        last.insert(*id, a.clone());
    }
    for (id, a) in last {
        let d = s.get(&format!("/api/v1/detections/{id}")).body;
        // An unacknowledged write may also have landed after the last acknowledged one.
        let got = d["assignee"].as_str().unwrap().to_string();
        let (gw, gi) = got[1..].split_once('-').unwrap();
        let (aw, ai) = a[1..].split_once('-').unwrap();
        assert_eq!(gw, aw, "detection {id}");
        assert!(
            gi.parse::<u64>().unwrap() >= ai.parse::<u64>().unwrap(),
            "detection {id}: acknowledged {a}, found {got}"
        );
    }
}
