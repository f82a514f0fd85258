//! The web app's guards in real Chromium: a stored XSS attempt in a
//! detection's title and in its note stays text; a change the page's script
//! sends without the session's CSRF token is refused; a `metrics:
//! restricted` user sees no detection (list, card and API); an npm-only user
//! sees the performance detection and not the security one; a session ends
//! when its user is disabled and at logout (its cookie is refused by the
//! server afterwards, not only forgotten by the browser).
//!
//! Device names are covered on the Devices pages ([`super::pages`]).

use super::*;

const XSS: &str = "<img src=x onerror=\"document.title='pwned'\">";

fn log_in(b: &Browser, url: &str, user: &str, hash: &str) {
    b.goto(&format!(
        "{url}/app#/login?next={}",
        hash.replace('#', "%23")
    ));
    b.type_text(&b.find("#username"), user);
    b.type_text(&b.find("#password"), "a-long-password");
    b.click(&b.find("form.login button[type=submit]"));
}

fn no_xss(b: &Browser) {
    assert_eq!(
        b.script(
            "return document.querySelectorAll('img[src=x], main script').length",
            json!([])
        ),
        json!(0)
    );
    assert_ne!(b.script("return document.title", json!([])), json!("pwned"));
}

/// The status of a request the page's own script makes with its cookie.
fn fetch_status(b: &Browser, method: &str, path: &str, headers: Value) -> Value {
    b.script_async(&format!(
        "const done = arguments[arguments.length - 1];
         fetch({path}, {{method: {method}, credentials: 'same-origin', headers: Object.assign({{'Content-Type': 'application/json'}}, {headers}),
                body: {body}}}).then(r => done(r.status), e => done(String(e)));",
        path = json!(path),
        method = json!(method),
        body = if method == "GET" {
            "undefined".to_string()
        } else {
            json!(json!({"assignee": "mallory"}).to_string()).to_string()
        },
    ))
}

#[test]
fn the_browser_keeps_xss_privileges_and_sessions() {
    let s = Server::start_with(true);
    let r = s.post(
        "/api/v1/detections/formats",
        json!({"type": "slow_web", "display_name": "Slow web", "categories": ["perf.web"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let sec = s.detection(json!({
        "type": "port_scan", "title": XSS, "risk_score": 70,
        "participants": [{"object_type": "ipaddr", "object_value": "10.9.9.9", "role": "offender"}]
    }));
    let perf = s.detection(json!({
        "type": "slow_web", "title": "Slow checkout page", "risk_score": 10,
        "participants": [{"object_type": "ipaddr", "object_value": "10.9.9.8", "role": "victim"}]
    }));
    let r = s.call(
        "PUT",
        &format!("/api/v1/detections/{sec}/notes"),
        Some(json!({"note": XSS})),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    s.user_key(
        "ana",
        json!({"write": "full", "ndr": "full", "npm": "full"}),
    );
    s.user_key("rita", json!({"metrics": "restricted"}));
    s.user_key("nora", json!({"write": "limited", "npm": "full"}));
    let shots = screenshots();
    let b = Browser::start(1280, 900);

    // Stored XSS: the title in the list and on the card, the note: text.
    log_in(&b, &s.url, "ana", "#/detections");
    b.wait("the list", || {
        (b.find_all("table.list tbody tr").len() == 2).then_some(())
    });
    assert_eq!(b.text_at(&format!("tr[data-id='{sec}'] td.title a")), XSS);
    no_xss(&b);
    b.goto(&format!("{}/app#/detections/{sec}", s.url));
    assert_eq!(b.text_at("#card-title"), XSS);
    let note = b.script("return document.getElementById('note').value", json!([]));
    assert_eq!(note, json!(XSS), "the note is the textarea's text");
    no_xss(&b);

    // CSRF: the page's cookie alone changes nothing; with the session's
    // token the same request is accepted.
    let path = format!("/api/v1/detections/{sec}");
    assert_eq!(fetch_status(&b, "PATCH", &path, json!({})), json!(403));
    assert_eq!(
        fetch_status(&b, "PATCH", &path, json!({"X-CSRF-Token": "0".repeat(64)})),
        json!(403)
    );
    assert_eq!(s.get(&path).body["assignee"], Value::Null);
    let token = b.script_async(
        "const done = arguments[arguments.length - 1];
         fetch('/app/session', {credentials: 'same-origin'}).then(r => r.json()).then(s => done(s.csrf_token));",
    );
    assert_eq!(
        fetch_status(&b, "PATCH", &path, json!({"X-CSRF-Token": token})),
        json!(204)
    );
    assert_eq!(s.get(&path).body["assignee"], "mallory");

    // Disabling the user ends her session at her next request.
    let r = s.patch("/api/v1/users/ana", json!({"enabled": false}));
    assert_eq!(r.status, 204, "{}", r.text);
    b.goto(&format!("{}/app#/detections?sort=risk", s.url));
    b.find("#username");
    assert!(b.try_find("table.list").is_none());
    assert_eq!(
        fetch_status(&b, "GET", "/api/v1/detections", json!({})),
        json!(401)
    );
    s.patch("/api/v1/users/ana", json!({"enabled": true}));

    // Logout ends the session on the server: its cookie is refused after.
    log_in(&b, &s.url, "ana", "#/detections");
    b.find("table.list tbody tr");
    let cookie = b
        .cookies()
        .into_iter()
        .find(|c| {
            c["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("wirewatch_session"))
        })
        .expect("the session cookie");
    assert_eq!(cookie["httpOnly"], json!(true));
    assert_eq!(cookie["secure"], json!(true));
    assert_eq!(cookie["sameSite"], json!("Strict"));
    let header = format!(
        "{}={}",
        cookie["name"].as_str().unwrap(),
        cookie["value"].as_str().unwrap()
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .disable_verification(true)
                .build(),
        )
        .build()
        .into();
    let by_cookie = || {
        agent
            .get(format!("{}/api/v1/detections", s.url))
            .header("Cookie", &header)
            .call()
            .expect("a request")
            .status()
            .as_u16()
    };
    assert_eq!(by_cookie(), 200);
    b.click(&b.find("#logout"));
    b.find("#username");
    assert_eq!(by_cookie(), 401, "the session is gone on the server");

    // A `metrics: restricted` user: no list, no card, the API refuses.
    log_in(&b, &s.url, "rita", "#/detections");
    assert!(b.text_at("#no-access").contains("access to detections"));
    assert!(b.try_find("table.list").is_none());
    assert!(b.try_find("svg.chart").is_none());
    b.screenshot(&shots, "16-detections-no-access");
    b.goto(&format!("{}/app#/detections/{sec}", s.url));
    b.wait("no card", || {
        b.try_find("#no-access")
            .filter(|_| b.url().contains(&format!("#/detections/{sec}")))
    });
    assert!(b.try_find("#card-title").is_none());
    no_xss(&b);
    assert_eq!(
        fetch_status(&b, "GET", "/api/v1/detections", json!({})),
        json!(403)
    );
    b.click(&b.find("#logout"));
    b.find("#username");

    // An npm-only user: the performance detection, not the security one.
    log_in(&b, &s.url, "nora", "#/detections");
    b.wait("nora's list", || {
        let rows = b.find_all("table.list tbody tr");
        (rows.len() == 1 && b.attr(&rows[0], "data-id") == Some(perf.to_string())).then_some(())
    });
    assert_eq!(b.text_at("#count"), "1 detection");
    b.goto(&format!("{}/app#/detections/{sec}", s.url));
    b.wait("no card", || {
        b.try_find("main .error[role=alert]")
            .filter(|_| b.url().contains(&format!("#/detections/{sec}")))
    });
    assert!(b.try_find("#card-title").is_none());
    no_xss(&b);
}
