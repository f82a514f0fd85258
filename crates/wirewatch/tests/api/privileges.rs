//! Triggers run with the visibility and rights of their owner: the module
//! separation of security (`ndr`) and performance (`npm`) detections needs
//! the trigger runner of a real `wirewatch serve`. (The privilege table and
//! the other module checks run in-process: `crates/wirewatch-api/tests/routes/privileges.rs`.)

use crate::common::*;
use serde_json::json;

/// Wait until a trigger's debug log holds every one of `needles`.
fn log_shows(s: &Server, id: u64, needles: &[&str]) {
    wait_for("the trigger's debug log", 20, || {
        let log = trigger_log(s, id);
        if needles.iter().all(|n| log.contains(n)) {
            Ok(())
        } else {
            Err(log)
        }
    })
}

fn trigger_log(s: &Server, id: u64) -> String {
    s.get(&format!("/api/v1/triggers/{id}/debuglog")).text
}

#[test]
fn triggers_run_with_the_visibility_and_rights_of_their_owner() {
    let s = Server::start();
    let r = s.post(
        "/api/v1/detections/formats",
        json!({"type": "slow_web", "display_name": "Slow web", "categories": ["perf.web"]}),
    );
    assert_eq!(r.status, 201);
    // A write: full user with neither module, and an npm-only one.
    let none = s.user_key("nomodule", json!({"write": "full"}));
    let npm = s.user_key("npmonly", json!({"write": "full", "npm": "full"}));
    let spy = |key: &str, name: &str| {
        let r = s.call_with(
            "POST",
            "/api/v1/triggers",
            Some(
                json!({"name": name, "events": ["DETECTION_UPDATE"], "debug": true,
                "script": "log('saw ' + Detection.id + ' ' + Detection.title);"}),
            ),
            Some(key),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["owner"], name.trim_end_matches("-spy"));
        r.body["id"].as_u64().unwrap()
    };
    let t_none = spy(&none, "nomodule-spy");
    let t_npm = spy(&npm, "npmonly-spy");
    // An administrator's trigger sees everything (the control).
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "admin", "events": ["DETECTION_UPDATE"], "debug": true,
               "script": "log('saw ' + Detection.id);"}),
    );
    assert_eq!(r.status, 201);
    let t_admin = r.body["id"].as_u64().unwrap();
    let mut body = det("port_scan", "10.0.0.1", "10.0.0.2");
    body["title"] = json!("Secret security finding");
    let sec = s.detection(body);
    let perf = s.detection(json!({"type": "slow_web", "participants": [], "title": "Slow page"}));
    log_shows(
        &s,
        t_admin,
        &[&format!("saw {sec}"), &format!("saw {perf}")],
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let l_none = trigger_log(&s, t_none);
    assert!(!l_none.contains("saw"), "{l_none}");
    let l_npm = trigger_log(&s, t_npm);
    assert!(l_npm.contains(&format!("saw {perf}")), "{l_npm}");
    assert!(
        !l_npm.contains("Secret") && !l_npm.contains(&format!("saw {sec} ")),
        "{l_npm}"
    );
    // commitDetection obeys POST /detections: the npm-only owner cannot
    // create a security detection (refused with the reason), only a performance one.
    let r = s.call_with(
        "POST",
        "/api/v1/triggers",
        Some(json!({"name": "forge", "events": ["EXTERNAL_DATA"], "debug": true, "script":
            "try { commitDetection('port_scan', {title: 'forged', participants: []}); log('made sec'); } catch (e) { log('refused: ' + e.message); }
             commitDetection('slow_web', {title: 'made perf', participants: []}); log('made perf');"})),
        Some(&npm),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let forge = r.body["id"].as_u64().unwrap();
    let r = s.post(
        "/api/v1/triggers/externaldata",
        json!({"type": "x", "body": {}}),
    );
    assert_eq!(r.status, 202);
    log_shows(&s, forge, &["made perf"]);
    let log = trigger_log(&s, forge);
    assert!(log.contains("refused") && log.contains("module"), "{log}");
    assert!(!log.contains("made sec"), "{log}");
    let all = s.post("/api/v1/detections/search", json!({})).body;
    let titles: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"made perf") && !titles.contains(&"forged"),
        "{titles:?}"
    );
    // A lower-privileged user who edits an administrator's trigger becomes
    // its owner: it then runs with their (smaller) visibility.
    let r = s.call_with(
        "PATCH",
        &format!("/api/v1/triggers/{t_admin}"),
        Some(json!({"script": "log('now ' + Detection.id + ' ' + Detection.title);"})),
        Some(&npm),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        s.get(&format!("/api/v1/triggers/{t_admin}")).body["owner"],
        "npmonly"
    );
    let mut body = det("port_scan", "10.0.0.7", "10.0.0.8");
    body["title"] = json!("Second secret");
    s.detection(body);
    let perf2 = s.detection(json!({"type": "slow_web", "participants": [], "title": "Slow again"}));
    log_shows(&s, t_admin, &[&format!("now {perf2}")]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!trigger_log(&s, t_admin).contains("Second secret"));
}
