//! The connectors API (`/api/actions/…`) as a client sees it: limits, ids,
//! fields, answers and errors. Remote systems are the local stateful fake
//! of Jira REST v2 and the ServiceNow Table API (`wirewatch-testkit`) or a
//! TCP listener that counts the connections it is offered.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wirewatch_testkit::FakeItsm;

const USER: &str = "bot@example.com";
const TOKEN: &str = "jira-api-token-123";
const HOOK: &str = "hook-secret-0123456789";
/// What `_execute`, `_sync` and `_webhook` answer as `message` when the remote fails.
const FAILED: &str = "an error occurred while running the action";

fn jira(app: &App, api_url: &str) -> String {
    let r = app.post(
        "/api/actions/connector",
        json!({"name": "Jira SOC", "connector_type_id": ".jira",
               "config": {"apiUrl": api_url, "projectKey": "SEC"},
               "secrets": {"email": USER, "apiToken": TOKEN, "webhookToken": HOOK}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_str().unwrap().to_string()
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("{v} is not an object"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn push(title: &str) -> Value {
    json!({"params": {"subAction": "pushToService", "subActionParams": {
        "incident": {"title": title, "description": "d", "externalId": null}}}})
}

/// A TCP listener that accepts and counts connections (and answers nothing).
struct Counter {
    addr: std::net::SocketAddr,
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Counter {
    fn start() -> Counter {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let n = seen.clone();
        std::thread::spawn(move || {
            for c in l.incoming() {
                n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(c);
            }
        });
        Counter { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> usize {
        self.seen.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Automatic external ticketing through this connector.
fn automatic(app: &App, connector: &str) {
    let r = app.patch(
        "/api/v1/extrahop/ticketing",
        json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false,
               "connector_id": connector, "url_template": "https://jira.example.com/browse/$ticket_id"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

/// Queue `n` detections for the connector (automatic external ticketing on)
/// and have the remote refuse each push: `n` failed pushes.
fn failed_pushes(app: &App, connector: &str, n: usize) {
    automatic(app, connector);
    let batch: Vec<wirewatch_model::detection::NewDetection> = (0..n)
        .map(|i| {
            serde_json::from_value(det(
                "port_scan",
                &format!("10.{}.{}.1", i / 250, i % 250),
                "10.250.0.1",
            ))
            .unwrap()
        })
        .collect();
    app.store.create_detections(batch).unwrap();
    loop {
        let jobs = app.store.incident_jobs(500).unwrap();
        if jobs.is_empty() {
            break;
        }
        for job in &jobs {
            app.store.incident_refused(job, "400 refused").unwrap();
        }
    }
}

/// Was `q.limit.unwrap_or(100).min(1000)` in the handler's source.
#[test]
fn failed_pushes_list_100_by_default_at_most_1000_and_replay_answers_the_count() {
    let app = App::start();
    let id = jira(&app, "http://127.0.0.1:9");
    failed_pushes(&app, &id, 1005);
    let count = |q: &str| {
        let r = app.get(&format!("/api/actions/connector/{id}/_failed{q}"));
        assert_eq!(r.status, 200, "{}", r.text);
        r.body.as_array().unwrap().len()
    };
    assert_eq!(count(""), 100);
    assert_eq!(count("?limit=150"), 150);
    assert_eq!(count("?limit=1000"), 1000);
    assert_eq!(count("?limit=5000"), 1000);
    let r = app.get(&format!("/api/actions/connector/{id}/_failed?limit=many"));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "limit", "{}", r.text);
    // Was `json!({"replayed": n})` in `replay`'s source.
    let r = app.post(
        &format!("/api/actions/connector/{id}/_failed/_replay"),
        json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"replayed": 1005}));
    assert_eq!(count(""), 0);
}

/// Was `body.iter().all(u8::is_ascii_whitespace)` (the replay's body is
/// optional) and the replay's field checks.
#[test]
fn the_replay_body_is_optional_and_its_ids_are_checked() {
    let app = App::start();
    let id = jira(&app, "http://127.0.0.1:9");
    failed_pushes(&app, &id, 3);
    let path = format!("/api/actions/connector/{id}/_failed/_replay");
    for (body, field) in [
        (r#"{"ids": "all"}"#, "ids"),
        (r#"{"ids": [1.5]}"#, "ids[0]"),
        (r#"{"id": [1]}"#, "id"),
        ("[1]", "body"),
    ] {
        let r = app.raw("POST", &path, Some(body), Some(&app.key));
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    let first = app
        .get(&format!("/api/actions/connector/{id}/_failed"))
        .body[0]["id"]
        .clone();
    let r = app.raw(
        "POST",
        &path,
        Some(&json!({"ids": [first]}).to_string()),
        Some(&app.key),
    );
    assert_eq!(r.body, json!({"replayed": 1}), "{}", r.text);
    for body in [None, Some(" \n")] {
        let r = app.raw("POST", &path, body, Some(&app.key));
        assert_eq!(r.status, 200, "{body:?}: {}", r.text);
    }
    assert_eq!(
        app.get(&format!("/api/actions/connector/{id}/_failed"))
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// Was `function("types")` writing each key `ConnectorType` requires.
#[test]
fn connector_types_answer_kibanas_fields_for_every_type() {
    let app = App::start();
    let r = app.get("/api/actions/connector_types");
    assert_eq!(r.status, 200, "{}", r.text);
    let types = r.body.as_array().unwrap();
    let ids: BTreeSet<&str> = types.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([".jira", ".servicenow", ".webhook", ".cases-webhook"])
    );
    for t in types {
        assert_eq!(
            keys(t),
            BTreeSet::from([
                "id",
                "name",
                "enabled",
                "enabled_in_config",
                "enabled_in_license",
                "minimum_license_required",
                "supported_feature_ids",
                "is_system_action_type",
            ]),
            "{t}"
        );
        assert!(t["name"].as_str().is_some_and(|n| !n.is_empty()), "{t}");
        let features = t["supported_feature_ids"].as_array().unwrap();
        assert!(features.contains(&json!("alerting")), "{t}");
        assert_eq!(
            features.contains(&json!("cases")),
            t["id"] != ".webhook",
            "{t}"
        );
    }
}

/// Was `known_fields(&v, &["name", "connector_type_id", "config", "secrets"])`.
#[test]
fn create_and_update_refuse_fields_they_do_not_know() {
    let app = App::start();
    let body = json!({"name": "Jira", "connector_type_id": ".jira",
                      "config": {"apiUrl": "https://jira.example.com", "projectKey": "SEC"},
                      "secrets": {"email": USER, "apiToken": TOKEN}});
    let mut extra = body.clone();
    extra["bogus"] = json!(1);
    for path in [
        "/api/actions/connector",
        "/api/actions/connector/with-extra",
    ] {
        let r = app.post(path, extra.clone());
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert_eq!(r.body["field"], "bogus", "{}", r.text);
        assert_eq!(r.body["statusCode"], 400);
        assert_eq!(r.body["error"], "Bad Request");
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .starts_with("[request body.bogus]: "),
            "{}",
            r.text
        );
    }
    let r = app.post("/api/actions/connector", body.clone());
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    // An update names no type: the type cannot change.
    let r = app.call(
        "PUT",
        &format!("/api/actions/connector/{id}"),
        Some(json!({"name": "Jira 2", "connector_type_id": ".jira", "config": body["config"]})),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "connector_type_id", "{}", r.text);
    let r = app.call(
        "PUT",
        &format!("/api/actions/connector/{id}"),
        Some(json!({"name": "Jira 2", "config": body["config"]})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Jira 2");
}

/// Was `check_id`'s source: `id.len() > 128` and
/// `b.is_ascii_alphanumeric() || b"-_.".contains(&b)`.
#[test]
fn chosen_ids_are_1_to_128_letters_digits_dashes_underscores_or_dots() {
    let app = App::start();
    let body = json!({"name": "Hook", "connector_type_id": ".webhook",
                      "config": {"url": "https://hooks.example.com/x", "method": "post", "hasAuth": false},
                      "secrets": {}});
    let long = "x".repeat(128);
    for id in ["soc-cases", "a.b_C-9", long.as_str()] {
        let r = app.post(&format!("/api/actions/connector/{id}"), body.clone());
        assert_eq!(r.status, 200, "{id}: {}", r.text);
        assert_eq!(r.body["id"], id);
        assert_eq!(app.get(&format!("/api/actions/connector/{id}")).status, 200);
    }
    let longer = "x".repeat(129);
    for id in [longer.as_str(), "a%20b", "caf%C3%A9", "a%2Fb", "a:b"] {
        let r = app.post(&format!("/api/actions/connector/{id}"), body.clone());
        assert_eq!(r.status, 400, "{id}: {}", r.text);
        assert_eq!(r.body["field"], "id", "{id}: {}", r.text);
    }
    // Creating an id twice is a conflict (was `create_with…` → 409).
    let r = app.post("/api/actions/connector/soc-cases", body);
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.body["statusCode"], 409);
}

/// Was the `not_found` message in the source and `who(caller)` in every
/// handler: without a key every operation is a 401 in Kibana's shape with
/// `WWW-Authenticate: ApiKey`; an unknown connector is Kibana's 404.
#[test]
fn unauthenticated_and_unknown_connectors_answer_kibanas_errors() {
    let app = App::start();
    let ops = [
        ("GET", "/api/actions/connector_types"),
        ("GET", "/api/actions/connectors"),
        ("POST", "/api/actions/connector"),
        ("GET", "/api/actions/connector/nope"),
        ("PUT", "/api/actions/connector/nope"),
        ("POST", "/api/actions/connector/nope"),
        ("DELETE", "/api/actions/connector/nope"),
        ("POST", "/api/actions/connector/nope/_execute"),
        ("POST", "/api/actions/action/nope/_execute"),
        ("GET", "/api/actions/connector/nope/_stats"),
        ("GET", "/api/actions/connector/nope/_failed"),
        ("POST", "/api/actions/connector/nope/_failed/_replay"),
        ("POST", "/api/actions/connector/nope/_sync"),
        ("POST", "/api/actions/connector/nope/_webhook"),
    ];
    for (method, path) in ops {
        let r = app.call_with(method, path, Some(json!({})), None);
        assert_eq!(r.status, 401, "{method} {path}: {}", r.text);
        assert_eq!(r.headers["www-authenticate"], "ApiKey", "{method} {path}");
        assert_eq!(
            keys(&r.body),
            BTreeSet::from(["statusCode", "error", "message"]),
            "{method} {path}: {}",
            r.text
        );
        assert_eq!(r.body["statusCode"], 401);
        assert_eq!(r.body["error"], "Unauthorized");
    }
    for (method, path) in &ops[3..] {
        if *method == "POST" && *path == "/api/actions/connector/nope" {
            continue;
        }
        let r = app.call(method, path, Some(json!({})));
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
        assert_eq!(
            r.body,
            json!({"statusCode": 404, "error": "Not Found",
                   "message": "Saved object [action/nope] not found"}),
            "{method} {path}"
        );
    }
}

/// Was `answer()`'s source (`connector_id`/`service_message`, legacy
/// `actionId`/`serviceMessage`, `FAILED`) and `system.close(&external_id)`.
#[test]
fn execute_answers_in_kibanas_current_and_legacy_forms() {
    let app = App::start();
    let fake = FakeItsm::start(USER, TOKEN);
    let id = jira(&app, &fake.url());
    let r = app.post(
        &format!("/api/actions/connector/{id}/_execute"),
        push("first"),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        BTreeSet::from(["status", "data", "connector_id"])
    );
    assert_eq!(
        (&r.body["status"], &r.body["connector_id"]),
        (&json!("ok"), &json!(id))
    );
    let key = r.body["data"]["title"].as_str().unwrap().to_string();
    assert_eq!(fake.jira_issues().len(), 1);
    let r = app.post(
        &format!("/api/actions/action/{id}/_execute"),
        push("second"),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        BTreeSet::from(["status", "data", "actionId"])
    );
    assert_eq!(r.body["actionId"], id.as_str());
    // closeIncident closes the remote issue.
    let r = app.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "closeIncident", "subActionParams": {"incident": {"externalId": key}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    // The remote down: a 200 with Kibana's error answer, in both forms.
    fake.stop();
    for (path, id_key, sm_key) in [
        (
            format!("/api/actions/connector/{id}/_execute"),
            "connector_id",
            "service_message",
        ),
        (
            format!("/api/actions/action/{id}/_execute"),
            "actionId",
            "serviceMessage",
        ),
    ] {
        let r = app.post(&path, push("third"));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            keys(&r.body),
            BTreeSet::from(["status", "message", "retry", id_key, sm_key]),
            "{}",
            r.text
        );
        assert_eq!(r.body["status"], "error");
        assert_eq!(r.body["message"], FAILED);
        assert_eq!(
            r.body["retry"], true,
            "a refused connection may succeed later"
        );
        assert_eq!(r.body[id_key], id.as_str());
        assert!(r.body[sm_key].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// Was `SOURCE.contains("system.close(&external_id)")` with the document's
/// "`closeIncident` is not supported" for case webhooks: the parameters are
/// read, the remote system is not asked.
#[test]
fn a_case_webhook_cannot_close_incidents_and_asks_nobody() {
    let app = App::start();
    let remote = Counter::start();
    let url = format!("{}/case", remote.url());
    let r = app.post(
        "/api/actions/connector",
        json!({"name": "Cases", "connector_type_id": ".cases-webhook",
               "config": {"createIncidentUrl": url, "createIncidentMethod": "post",
                          "createIncidentJson": "{\"title\": {{{case.title}}}}", "createIncidentResponseKey": "id",
                          "getIncidentUrl": format!("{url}/{{{{{{external.system.id}}}}}}"),
                          "getIncidentResponseExternalTitleKey": "key",
                          "viewIncidentUrl": format!("{url}/{{{{{{external.system.id}}}}}}"),
                          "updateIncidentUrl": format!("{url}/{{{{{{external.system.id}}}}}}"),
                          "updateIncidentMethod": "put", "updateIncidentJson": "{\"title\": {{{case.title}}}}",
                          "hasAuth": false},
               "secrets": {}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    let r = app.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "closeIncident", "subActionParams": {"incident": {"externalId": "C-1"}}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "error", "{}", r.text);
    assert_eq!(r.body["retry"], false);
    assert!(
        r.body["service_message"]
            .as_str()
            .unwrap()
            .contains("closeIncident is supported by .jira and .servicenow"),
        "{}",
        r.text
    );
    // The parameters are still checked.
    let r = app.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"subAction": "closeIncident", "subActionParams": {}}}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(remote.seen(), 0, "the remote system was asked");
}

/// The detection an incident in the remote system was opened for: automatic
/// ticketing on, one detection queued and marked pushed as `external_id`.
fn pushed_incident(app: &App, connector: &str, external_id: &str, title: &str) -> u64 {
    automatic(app, connector);
    let det_id = app.detection(det("port_scan", "10.9.0.1", "10.9.0.2"));
    let jobs = app.store.incident_jobs(10).unwrap();
    let done: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let pushed = wirewatch_store::Pushed {
                external_id: external_id.into(),
                external_title: title.into(),
                url: format!("https://jira.example.com/browse/{title}"),
                created: true,
                note_time: None,
                remote: None,
            };
            (job, Some(pushed))
        })
        .collect();
    assert_eq!(done.len(), 1);
    app.store.incidents_pushed(&done).unwrap();
    det_id
}

/// Was the `json!` answers of `sync_now` and `webhook` in the source, the
/// webhook's token read from `q.0.token` or `x-wirewatch-token`, and
/// `if e.retry { SERVICE_UNAVAILABLE } else { BAD_GATEWAY }`.
#[test]
fn sync_and_webhook_answers_tokens_and_failures() {
    let app = App::start();
    let fake = FakeItsm::start(USER, TOKEN);
    let id = jira(&app, &fake.url());
    let r = app.post(
        &format!("/api/actions/connector/{id}/_execute"),
        push("one"),
    );
    let issue = r.body["data"]["id"].as_str().unwrap().to_string();
    let key = r.body["data"]["title"].as_str().unwrap().to_string();
    pushed_incident(&app, &id, &issue, &key);
    let r = app.post(&format!("/api/actions/connector/{id}/_sync"), json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        BTreeSet::from(["status", "changed"]),
        "{}",
        r.text
    );
    assert_eq!(r.body["status"], "ok");
    let hook = format!("/api/actions/connector/{id}/_webhook");
    let event = json!({"issue": {"id": issue, "key": key}});
    // The connector's token, in the query or the header; or an API key.
    for (path, header) in [
        (format!("{hook}?token={HOOK}"), None),
        (hook.clone(), Some(HOOK)),
    ] {
        let mut req = axum::http::Request::builder()
            .method("POST")
            .uri(&path)
            .header("Content-Type", "application/json");
        if let Some(h) = header {
            req = req.header("X-Wirewatch-Token", h);
        }
        let r = app.send(req.body(axum::body::Body::from(event.to_string())).unwrap());
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(
            keys(&r.body),
            BTreeSet::from(["status", "incident", "detections_changed"])
        );
        assert_eq!(
            (&r.body["status"], &r.body["incident"]),
            (&json!("ok"), &json!(issue))
        );
    }
    assert_eq!(app.post(&hook, event.clone()).status, 200);
    for path in [format!("{hook}?token=wrong"), hook.clone()] {
        let r = app.call_with("POST", &path, Some(event.clone()), None);
        assert_eq!(r.status, 401, "{path}: {}", r.text);
    }
    // A remote that refuses for good: 502, retry false.
    fake.fail_next(1, 400);
    let r = app.post(&hook, event.clone());
    assert_eq!(r.status, 502, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        BTreeSet::from(["status", "incident", "message", "service_message", "retry"])
    );
    assert_eq!(
        (&r.body["message"], &r.body["retry"]),
        (&json!(FAILED), &json!(false))
    );
    // A remote that is down: 503, retry true; the sync says so in a 200.
    fake.stop();
    let r = app.post(&hook, event);
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(
        (&r.body["incident"], &r.body["retry"]),
        (&json!(issue), &json!(true))
    );
    let r = app.post(&format!("/api/actions/connector/{id}/_sync"), json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        BTreeSet::from(["status", "message", "service_message", "retry"]),
        "{}",
        r.text
    );
    assert_eq!(
        (&r.body["status"], &r.body["message"]),
        (&json!("error"), &json!(FAILED))
    );
}

/// Was `v["automatic"] =` in `stats`'s source.
#[test]
fn stats_say_whether_automatic_ticketing_uses_the_connector() {
    let app = App::start();
    let id = jira(&app, "http://127.0.0.1:9");
    let other = jira(&app, "http://127.0.0.1:9");
    let stats = |c: &str| app.get(&format!("/api/actions/connector/{c}/_stats")).body;
    assert_eq!(stats(&id)["automatic"], false, "{}", stats(&id));
    failed_pushes(&app, &id, 2);
    assert_eq!(stats(&id)["automatic"], true);
    assert_eq!(stats(&id)["failed"], 2);
    assert_eq!(stats(&other)["automatic"], false);
}
