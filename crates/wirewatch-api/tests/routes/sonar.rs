//! The Sonar tickets API (`/api/sonar/tickets`) as a client sees it: the
//! list's parameters, aliases, defaults and bounds, the comment limit, and
//! the error codes of every kind of refusal.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The error codes the Sonar API documents (`SonarError.error_code`).
const DOCUMENTED_CODES: [&str; 15] = [
    "invalid-param",
    "invalid-param-type",
    "invalid-state",
    "unauthorized",
    "no-permission",
    "ticket-not-found",
    "attachment-not-found",
    "not-found",
    "conflict",
    "too-large",
    "method-not-allowed",
    "not-supported",
    "too-many-requests",
    "request-timeout",
    "internal-error",
];

fn sonar(app: &App, method: &str, path: &str, body: Option<Value>) -> Resp {
    app.call_with_bearer(method, path, body, &app.key)
}

fn ticket(app: &App, title: &str, priority: &str) -> String {
    let r = sonar(
        app,
        "POST",
        "/api/sonar/tickets",
        Some(json!({"title": title, "priority": priority})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["ticket"]["guid"].as_str().unwrap().to_string()
}

fn list(app: &App, query: &str) -> Resp {
    sonar(app, "GET", &format!("/api/sonar/tickets{query}"), None)
}

fn titles(r: &Resp) -> Vec<String> {
    r.body["tickets"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text))
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

/// A Sonar error: the status, and a documented `error_code` with a message.
fn refused(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["error_code"], code, "{}", r.text);
    assert!(
        r.body["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        r.text
    );
    assert!(DOCUMENTED_CODES.contains(&code), "{code} is not documented");
}

/// Was `query.offset > 1_000_000` in `list`'s source, the `limit` arm's
/// `MAX_TICKETS` and the store's default of 100.
#[test]
fn the_list_shows_100_by_default_at_most_1000_from_offsets_up_to_a_million() {
    let app = App::start();
    for i in 0..150 {
        ticket(&app, &format!("t{i:03}"), "LOW");
    }
    let r = list(&app, "");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["total"], &r.body["limit"], &r.body["offset"]),
        (&json!(150), &json!(100), &json!(0))
    );
    assert_eq!(titles(&r).len(), 100);
    // Newest first by default.
    assert_eq!(titles(&r)[0], "t149");
    assert_eq!(titles(&list(&app, "?limit=1000")).len(), 150);
    assert_eq!(titles(&list(&app, "?offset=140")).len(), 10);
    for q in [
        "?limit=1001",
        "?limit=0",
        "?limit=-1",
        "?limit=x",
        "?offset=1000001",
        "?offset=-1",
    ] {
        refused(&list(&app, q), 400, "invalid-param");
    }
    let r = list(&app, "?offset=1000000");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((&r.body["total"], titles(&r).len()), (&json!(150), 0));
}

/// Was the parameter `match` of `list` read from the source: every
/// documented parameter works, each alias works like its parameter, and an
/// unknown parameter is refused.
#[test]
fn list_parameters_and_their_aliases_filter_alike() {
    let app = App::start();
    let urgent = ticket(&app, "urgent beacon", "HIGH");
    ticket(&app, "quiet scan", "LOW");
    ticket(&app, "another scan", "MEDIUM");
    let r = sonar(
        &app,
        "POST",
        &format!("/api/sonar/tickets/{urgent}/assign"),
        Some(json!({"assignees": ["setup"]})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let set = |r: Resp| titles(&r).into_iter().collect::<BTreeSet<_>>();
    for (name, alias, value, expect) in [
        ("statuses", "status", "ASSIGNED", vec!["urgent beacon"]),
        (
            "priorities",
            "priority",
            "HIGH,LOW",
            vec!["urgent beacon", "quiet scan"],
        ),
        (
            "keywords",
            "keyword",
            "scan",
            vec!["quiet scan", "another scan"],
        ),
    ] {
        let want: BTreeSet<String> = expect.iter().map(|s| s.to_string()).collect();
        assert_eq!(set(list(&app, &format!("?{name}={value}"))), want, "{name}");
        assert_eq!(
            set(list(&app, &format!("?{alias}={value}"))),
            want,
            "{alias}"
        );
    }
    let assigned = set(list(&app, "?assignees=setup"));
    assert_eq!(assigned, BTreeSet::from(["urgent beacon".to_string()]));
    assert!(set(list(&app, "?approvers=setup")).is_empty());
    for sort in ["order_by", "sort"] {
        let r = list(&app, &format!("?{sort}=priority&order=asc"));
        assert_eq!(r.status, 200, "{}", r.text);
        let by_priority = titles(&r);
        assert_eq!(by_priority.len(), 3);
        let r = list(&app, &format!("?{sort}=priority&order=desc"));
        let mut reversed = titles(&r);
        reversed.reverse();
        assert_eq!(by_priority, reversed, "{sort}");
    }
    let r = list(&app, "?from=0&to=4102444800000");
    assert_eq!(titles(&r).len(), 3, "{}", r.text);
    assert_eq!(titles(&list(&app, "?from=4102444800000")).len(), 0);
    for q in [
        "?colour=red",
        "?statuses=DONE",
        "?priority=URGENT",
        "?order=up",
        "?sort=name",
        "?from=yesterday",
    ] {
        refused(&list(&app, q), 400, "invalid-param");
    }
}

/// Was `const MAX_COMMENT: usize = 64 * 1024;` in the source.
#[test]
fn comments_are_at_most_64_kib() {
    let app = App::start();
    let guid = ticket(&app, "t", "LOW");
    let path = format!("/api/sonar/tickets/{guid}/comments");
    let at_limit = "x".repeat(64 * 1024);
    let over = "x".repeat(64 * 1024 + 1);
    refused(
        &sonar(&app, "POST", &path, Some(json!({"content": over}))),
        400,
        "invalid-param",
    );
    let r = sonar(&app, "POST", &path, Some(json!({"content": at_limit})));
    assert_eq!(r.status, 200, "{}", r.text);
    let cguid = r.body["ticket"]["comments"][0]["guid"]
        .as_str()
        .unwrap()
        .to_string();
    let edit = format!("{path}/{cguid}");
    refused(
        &sonar(&app, "PATCH", &edit, Some(json!({"content": over}))),
        400,
        "invalid-param",
    );
    let r = sonar(&app, "PATCH", &edit, Some(json!({"content": "short"})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ticket"]["comments"][0]["content"], "short");
}

/// Was the set of `error_code`s read from the handlers' source: each kind
/// of refusal answers its documented code in the Sonar error shape.
#[test]
fn refusals_answer_sonars_error_codes() {
    let app = App::start();
    let guid = ticket(&app, "t", "LOW");
    let missing = "49272877-75f2-4c2f-9301-d21c4f9a106d";
    let metrics = app.user_key("metrics", json!({"metrics": "full"}));
    let r = app.call_with("GET", "/api/sonar/tickets", None, None);
    refused(&r, 401, "unauthorized");
    let r = app.call_with_bearer("GET", "/api/sonar/tickets", None, &metrics);
    refused(&r, 403, "no-permission");
    // Reading a missing ticket is `{"ticket": null}`, as Sonar answers; changing one is a 404.
    let r = sonar(&app, "GET", &format!("/api/sonar/tickets/{missing}"), None);
    assert_eq!((r.status, &r.body), (200, &json!({"ticket": null})));
    refused(
        &sonar(
            &app,
            "PATCH",
            &format!("/api/sonar/tickets/{missing}"),
            Some(json!({"title": "x"})),
        ),
        404,
        "ticket-not-found",
    );
    refused(
        &sonar(&app, "GET", "/api/sonar/tickets/not-a-guid", None),
        400,
        "invalid-param-type",
    );
    refused(
        &sonar(
            &app,
            "GET",
            &format!("/api/sonar/tickets/{guid}/attachments/{missing}"),
            None,
        ),
        404,
        "attachment-not-found",
    );
    refused(
        &sonar(
            &app,
            "PATCH",
            &format!("/api/sonar/tickets/{guid}/comments/{missing}"),
            Some(json!({"content": "x"})),
        ),
        404,
        "not-found",
    );
    // Approving a ticket nobody submitted: the workflow does not allow it.
    refused(
        &sonar(
            &app,
            "POST",
            &format!("/api/sonar/tickets/{guid}/approve"),
            Some(json!({})),
        ),
        400,
        "invalid-state",
    );
    refused(
        &sonar(
            &app,
            "POST",
            "/api/sonar/tickets",
            Some(json!({"priority": "LOW"})),
        ),
        400,
        "invalid-param",
    );
    refused(
        &sonar(&app, "PUT", "/api/sonar/tickets", Some(json!({}))),
        405,
        "method-not-allowed",
    );
    let big = vec![b'x'; wirewatch_store::MAX_ATTACHMENT + 1];
    let r = app.send_raw(
        "POST",
        &format!("/api/sonar/tickets/{guid}/attachments?file_name=big.bin"),
        Some(&big),
        "application/octet-stream",
        Some(&format!("Bearer {}", app.key)),
    );
    refused(&r, 413, "too-large");
}

/// A caller without ticket rights (no `write` level, or no detection
/// module) is refused on every route of one ticket with Sonar's 403, the
/// same for a ticket that exists and one that does not: the refusal says
/// "no access" without telling which tickets exist.
#[test]
fn a_caller_without_ticket_rights_is_refused_whether_the_ticket_exists_or_not() {
    let app = App::start();
    let guid = ticket(&app, "secret title", "LOW");
    let missing = "49272877-75f2-4c2f-9301-d21c4f9a106d".to_string();
    let callers = [
        ("nomodule", json!({"write": "full"})),
        ("reader", json!({"metrics": "full", "ndr": "full"})),
    ];
    for (name, roles) in callers {
        let key = app.user_key(name, roles);
        for g in [&guid, &missing] {
            for (method, path, body) in [
                ("GET", format!("/api/sonar/tickets/{g}"), None),
                (
                    "PATCH",
                    format!("/api/sonar/tickets/{g}"),
                    Some(json!({"title": "x"})),
                ),
                ("GET", format!("/api/sonar/tickets/{g}/comments"), None),
                (
                    "POST",
                    format!("/api/sonar/tickets/{g}/comments"),
                    Some(json!({"content": "x"})),
                ),
                ("GET", format!("/api/sonar/tickets/{g}/attachments"), None),
            ] {
                let r = app.call_with_bearer(method, &path, body, &key);
                refused(&r, 403, "no-permission");
                assert!(
                    !r.text.contains("secret title"),
                    "{name} {method} {path}: {}",
                    r.text
                );
            }
        }
    }
    // A member still reads it, and a missing ticket is still `{"ticket": null}`.
    let r = sonar(&app, "GET", &format!("/api/sonar/tickets/{guid}"), None);
    assert_eq!(r.body["ticket"]["title"], "secret title", "{}", r.text);
    let r = sonar(&app, "GET", &format!("/api/sonar/tickets/{missing}"), None);
    assert_eq!((r.status, &r.body), (200, &json!({"ticket": null})));
}

/// Was "a GUID in the path is checked" (every `{guid}` route documents a 400).
#[test]
fn every_route_of_one_ticket_checks_its_guids() {
    let app = App::start();
    let guid = ticket(&app, "t", "LOW");
    // Bodies that would be accepted: the GUID is what is wrong.
    let comment = json!({"content": "x"});
    for (method, path, body) in [
        ("GET", "/api/sonar/tickets/x", None),
        ("PATCH", "/api/sonar/tickets/x", Some(json!({"title": "x"}))),
        ("DELETE", "/api/sonar/tickets/x", None),
        (
            "POST",
            "/api/sonar/tickets/x/assign",
            Some(json!({"assignees": ["setup"]})),
        ),
        (
            "POST",
            "/api/sonar/tickets/x/tasks",
            Some(json!({"username": "setup", "task_status": "IN_PROGRESS"})),
        ),
        ("POST", "/api/sonar/tickets/x/submit", Some(json!({}))),
        ("POST", "/api/sonar/tickets/x/approve", Some(json!({}))),
        ("POST", "/api/sonar/tickets/x/reject", Some(json!({}))),
        ("POST", "/api/sonar/tickets/x/close", Some(json!({}))),
        ("POST", "/api/sonar/tickets/x/reopen", Some(json!({}))),
        ("GET", "/api/sonar/tickets/x/comments", None),
        (
            "POST",
            "/api/sonar/tickets/x/comments",
            Some(comment.clone()),
        ),
        ("GET", "/api/sonar/tickets/x/attachments", None),
        ("PATCH", "/api/sonar/tickets/G/comments/x", Some(comment)),
        ("DELETE", "/api/sonar/tickets/G/comments/x", None),
        ("GET", "/api/sonar/tickets/G/attachments/x", None),
        ("DELETE", "/api/sonar/tickets/G/attachments/x", None),
    ] {
        let path = path.replace('G', &guid);
        let r = sonar(&app, method, &path, body);
        refused(&r, 400, "invalid-param-type");
    }
    let r = app.send_raw(
        "POST",
        "/api/sonar/tickets/x/attachments?file_name=a.txt",
        Some(b"hello"),
        "text/plain",
        Some(&format!("Bearer {}", app.key)),
    );
    refused(&r, 400, "invalid-param-type");
}
