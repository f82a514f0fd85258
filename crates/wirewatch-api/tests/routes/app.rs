//! The web app's sessions and pages: login (throttled), the cookie's flags,
//! the cookie standing in for the key on `/api/v1` with the same privileges,
//! CSRF on every change, logout and disabled users, the embedded assets.

use crate::common::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};

const COOKIE: &str = "__Host-wirewatch_session";

fn request(
    s: &App,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut r = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "sensor.example.com");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let body = match body {
        Some(b) => {
            r = r.header("Content-Type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    s.send(r.body(body).unwrap())
}

/// A logged-in browser: its cookie header and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    fn call(&self, s: &App, method: &str, path: &str, body: Option<Value>) -> Resp {
        request(
            s,
            method,
            path,
            body,
            &[
                ("Cookie", &self.cookie),
                ("X-CSRF-Token", &self.csrf),
                ("Origin", "https://sensor.example.com"),
                ("Sec-Fetch-Site", "same-origin"),
            ],
        )
    }
}

fn login(s: &App, username: &str, password: &str) -> Browser {
    let r = request(
        s,
        "POST",
        "/app/login",
        Some(json!({"username": username, "password": password})),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let set = r.headers["set-cookie"].to_str().unwrap().to_string();
    let pair = set.split(';').next().unwrap().to_string();
    Browser {
        cookie: pair,
        csrf: r.body["csrf_token"].as_str().unwrap().to_string(),
    }
}

#[test]
fn login_sets_a_strict_secure_http_only_cookie() {
    let s = App::start();
    let r = request(
        &s,
        "POST",
        "/app/login",
        Some(json!({"username": "setup", "password": PASSWORD})),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["username"], "setup");
    let set = r.headers["set-cookie"].to_str().unwrap();
    let parts: Vec<&str> = set.split(';').map(str::trim).collect();
    let (name, token) = parts[0].split_once('=').unwrap();
    assert_eq!(name, COOKIE, "the __Host- prefix on TLS: {set}");
    assert_eq!(token.len(), 32, "128 random bits");
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(parts.contains(&flag), "{flag} missing: {set}");
    }
    assert!(!parts.iter().any(|p| p.starts_with("Domain")), "{set}");
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.body["csrf_token"].as_str().unwrap().len(), 64);
    assert!(
        !r.text.contains(token),
        "the session token is only in the cookie"
    );

    let wrong = request(
        &s,
        "POST",
        "/app/login",
        Some(json!({"username": "setup", "password": "not-the-password"})),
        &[],
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.headers.get("set-cookie").is_none());
    let unknown = request(
        &s,
        "POST",
        "/app/login",
        Some(json!({"username": "nobody", "password": "not-the-password"})),
        &[],
    );
    assert_eq!(unknown.status, 401);
    assert_eq!(
        wrong.body, unknown.body,
        "unknown users answer like wrong passwords"
    );
    let missing = request(
        &s,
        "POST",
        "/app/login",
        Some(json!({"username": "setup"})),
        &[],
    );
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["field"], "password");
}

#[test]
fn login_is_throttled_like_the_api() {
    let s = App::start();
    let mut last = 0;
    for _ in 0..12 {
        last = request(
            &s,
            "POST",
            "/app/login",
            Some(json!({"username": "setup", "password": "guess-guess-guess"})),
            &[],
        )
        .status;
    }
    assert_eq!(last, 429);
    // The same throttle as POST /apikeys: that source is locked out there too.
    let r = s.call_with(
        "POST",
        "/api/v1/apikeys",
        Some(json!({"password": PASSWORD})),
        None,
    );
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
}

#[test]
fn the_cookie_authenticates_the_api_and_session_tells_the_csrf_token() {
    let s = App::start();
    let b = login(&s, "setup", PASSWORD);
    let r = request(
        &s,
        "GET",
        "/api/v1/detections",
        None,
        &[("Cookie", &b.cookie)],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let me = request(&s, "GET", "/app/session", None, &[("Cookie", &b.cookie)]);
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "setup");
    assert_eq!(me.body["csrf_token"], b.csrf.as_str());
    let none = request(&s, "GET", "/app/session", None, &[]);
    assert_eq!(none.status, 401);
    let forged = request(
        &s,
        "GET",
        "/api/v1/detections",
        None,
        &[("Cookie", &format!("{COOKIE}={}", "ab".repeat(16)))],
    );
    assert_eq!(forged.status, 401);
    assert!(forged.body["error_message"].is_string());
}

#[test]
fn changes_by_cookie_need_the_csrf_token_and_a_same_origin_request() {
    let s = App::start();
    let id = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    let b = login(&s, "setup", PASSWORD);
    let path = format!("/api/v1/detections/{id}");
    let body = || Some(json!({"assignee": "alice"}));
    let no_token = request(&s, "PATCH", &path, body(), &[("Cookie", &b.cookie)]);
    assert_eq!(no_token.status, 403, "{}", no_token.text);
    assert!(no_token.body["error_message"]
        .as_str()
        .unwrap()
        .contains("X-CSRF-Token"));
    let wrong = request(
        &s,
        "PATCH",
        &path,
        body(),
        &[("Cookie", &b.cookie), ("X-CSRF-Token", &"0".repeat(64))],
    );
    assert_eq!(wrong.status, 403);
    let other_site = request(
        &s,
        "PATCH",
        &path,
        body(),
        &[
            ("Cookie", &b.cookie),
            ("X-CSRF-Token", &b.csrf),
            ("Origin", "https://evil.example"),
        ],
    );
    assert_eq!(other_site.status, 403);
    let cross = request(
        &s,
        "PATCH",
        &path,
        body(),
        &[
            ("Cookie", &b.cookie),
            ("X-CSRF-Token", &b.csrf),
            ("Sec-Fetch-Site", "cross-site"),
        ],
    );
    assert_eq!(cross.status, 403);
    assert_eq!(
        s.get(&path).body["assignee"],
        Value::Null,
        "nothing changed"
    );

    let ok = b.call(&s, "PATCH", &path, body());
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert_eq!(s.get(&path).body["assignee"], "alice");
    // A GET needs no token; a key needs none either.
    let get = request(&s, "GET", &path, None, &[("Cookie", &b.cookie)]);
    assert_eq!(get.status, 200);
    let by_key = s.patch(&path, json!({"assignee": "bob"}));
    assert_eq!(by_key.status, 204);
    // Another session's token does not do.
    let other = login(&s, "setup", PASSWORD);
    let mixed = request(
        &s,
        "PATCH",
        &path,
        body(),
        &[("Cookie", &b.cookie), ("X-CSRF-Token", &other.csrf)],
    );
    assert_eq!(mixed.status, 403);
    // A login from another site is refused too (login CSRF).
    let r = request(
        &s,
        "POST",
        "/app/login",
        Some(json!({"username": "setup", "password": PASSWORD})),
        &[("Origin", "https://evil.example")],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn logout_ends_the_session() {
    let s = App::start();
    let b = login(&s, "setup", PASSWORD);
    let r = request(&s, "POST", "/app/logout", None, &[("Cookie", &b.cookie)]);
    assert_eq!(r.status, 403, "logout needs the CSRF token: {}", r.text);
    let r = b.call(&s, "POST", "/app/logout", None);
    assert_eq!(r.status, 204, "{}", r.text);
    let cleared = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with(&format!("{COOKIE}=;")) && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let after = request(
        &s,
        "GET",
        "/api/v1/detections",
        None,
        &[("Cookie", &b.cookie)],
    );
    assert_eq!(after.status, 401);
    assert_eq!(b.call(&s, "GET", "/app/session", None).status, 401);
}

#[test]
fn a_disabled_or_deleted_user_is_refused_at_once() {
    let s = App::start();
    s.user_key(
        "ana",
        json!({"write": "full", "ndr": "full", "npm": "full"}),
    );
    let b = login(&s, "ana", "a-long-password");
    assert_eq!(b.call(&s, "GET", "/api/v1/detections", None).status, 200);
    let r = s.patch("/api/v1/users/ana", json!({"enabled": false}));
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(b.call(&s, "GET", "/api/v1/detections", None).status, 401);
    let r = request(
        &s,
        "POST",
        "/app/login",
        Some(json!({"username": "ana", "password": "a-long-password"})),
        &[],
    );
    assert_eq!(r.status, 401, "a disabled user cannot log in");
    s.patch("/api/v1/users/ana", json!({"enabled": true}));
    let b = login(&s, "ana", "a-long-password");
    let r = s.call("DELETE", "/api/v1/users/ana", None);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(b.call(&s, "GET", "/api/v1/detections", None).status, 401);
}

#[test]
fn the_session_has_the_users_privileges() {
    let s = App::start();
    let r = s.post(
        "/api/v1/detections/formats",
        json!({"type": "slow_web", "display_name": "Slow web", "categories": ["perf.web"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let sec = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    let perf = s.detection(det("slow_web", "10.0.0.3", "10.0.0.4"));
    s.user_key("viewer", json!({"metrics": "restricted"}));
    s.user_key("npmonly", json!({"write": "limited", "npm": "full"}));
    let viewer = login(&s, "viewer", "a-long-password");
    let r = viewer.call(&s, "POST", "/api/v1/detections/search", Some(json!({})));
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        viewer
            .call(&s, "GET", &format!("/api/v1/detections/{sec}"), None)
            .status,
        403
    );
    let npm = login(&s, "npmonly", "a-long-password");
    let r = npm.call(&s, "POST", "/api/v1/detections/search", Some(json!({})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), vec![perf], "no security detection");
    assert_eq!(
        npm.call(&s, "GET", &format!("/api/v1/detections/{sec}"), None)
            .status,
        404
    );
    let r = npm.call(
        &s,
        "PATCH",
        &format!("/api/v1/detections/{sec}"),
        Some(json!({"assignee": "x"})),
    );
    assert_eq!(r.status, 404, "{}", r.text);
    let admin_only = npm.call(&s, "GET", "/api/v1/users", None);
    assert_eq!(admin_only.status, 403);
}

/// The Detections page's count and chart (a `histogram` search) and its
/// sorted list follow the same rule as the list: an npm-only session counts
/// only performance detections, a `metrics: restricted` one is refused.
#[test]
fn the_pages_count_and_chart_follow_the_users_privileges() {
    let s = App::start();
    let r = s.post(
        "/api/v1/detections/formats",
        json!({"type": "slow_web", "display_name": "Slow web", "categories": ["perf.web"]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    for i in 0..3 {
        s.detection(det("port_scan", &format!("10.0.0.{i}"), "10.0.1.1"));
    }
    let perf = s.detection(det("slow_web", "10.0.0.9", "10.0.1.2"));
    s.user_key("viewer", json!({"metrics": "restricted"}));
    s.user_key("npmonly", json!({"write": "limited", "npm": "full"}));
    let count = |b: &Browser| {
        let r = b.call(
            &s,
            "POST",
            "/api/v1/detections/search",
            Some(json!({"filter": {}, "histogram": 30u64 * 86_400_000})),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_u64().unwrap())
            .sum::<u64>()
    };
    let admin = login(&s, "setup", PASSWORD);
    assert_eq!(count(&admin), 4);
    let npm = login(&s, "npmonly", "a-long-password");
    assert_eq!(count(&npm), 1, "the security detections are not counted");
    for sort in [
        "risk_score",
        "start_time",
        "status",
        "assignee",
        "update_time",
    ] {
        let r = npm.call(
            &s,
            "POST",
            "/api/v1/detections/search",
            Some(json!({"sort": [{"field": sort, "direction": "desc"}], "limit": 50})),
        );
        assert_eq!(ids(&r.body), vec![perf], "sorted by {sort}");
    }
    let viewer = login(&s, "viewer", "a-long-password");
    let r = viewer.call(
        &s,
        "POST",
        "/api/v1/detections/search",
        Some(json!({"histogram": 86_400_000})),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.body["error_message"].is_string());
}

#[test]
fn the_app_is_served_with_strict_headers_and_etags() {
    let s = App::start();
    let root = request(&s, "GET", "/", None, &[]);
    assert!(matches!(root.status, 303 | 302 | 307), "{}", root.status);
    assert_eq!(root.headers["location"], "/app");
    let page = request(&s, "GET", "/app", None, &[]);
    assert_eq!(page.status, 200);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    // Every file the page and its modules load is served, with an ETag.
    let mut files = vec![
        "/app/assets/app.js".to_string(),
        "/app/assets/app.css".to_string(),
    ];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(path) = files.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let r = request(&s, "GET", &path, None, &[]);
        assert_eq!(r.status, 200, "{path}");
        let ctype = r.headers["content-type"].to_str().unwrap();
        if path.ends_with(".js") {
            assert!(ctype.starts_with("text/javascript"), "{path}: {ctype}");
            for (_, rest) in r
                .text
                .match_indices("from \"./")
                .map(|(i, _)| ((), &r.text[i + 8..]))
            {
                let name = &rest[..rest.find('"').unwrap()];
                files.push(format!("/app/assets/{name}"));
            }
        }
        let etag = r.headers["etag"].to_str().unwrap().to_string();
        assert_eq!(r.headers["cache-control"], "no-cache");
        let again = request(&s, "GET", &path, None, &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304, "{path}");
        assert!(again.text.is_empty());
    }
    assert!(seen.len() >= 7, "{seen:?}");
    assert_eq!(
        request(&s, "GET", "/app/assets/nope.js", None, &[]).status,
        404
    );
    assert_eq!(
        request(&s, "GET", "/app/assets/..%2Fmod.rs", None, &[]).status,
        404
    );
}
