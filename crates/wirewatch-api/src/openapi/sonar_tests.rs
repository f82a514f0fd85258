//! The Sonar tickets API is documented as `routes::sonar` serves it: its
//! routes, roles, list parameters and error codes (read from the handlers'
//! source), the ticket exactly as `view` writes it, and its own server,
//! security scheme and error bodies.

use super::sonar_paths::{MAX_COMMENT, TIME_PATTERN};
use super::sonar_schemas::{DATE_PATTERN, ERROR_CODES};
use super::tests::{
    doc, operations, operations_under, resolve, route_table, source_fn, validate_answer,
};
use regex::Regex;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wirewatch_model::ticket::{
    Attachment, Comment, Format, Priority, Task, TaskStatus, Ticket, TicketStatus,
};

/// The handlers.
const SOURCE: &str = include_str!("../routes/sonar.rs");

/// The text of `fn name` in the handlers' source, up to its closing brace.
fn function(name: &str) -> &'static str {
    source_fn(SOURCE, "routes/sonar.rs", name)
}

/// `(method, path, handler)` of the route table of `routes::sonar`.
fn routes() -> Vec<(String, String, String)> {
    route_table("routes/sonar.rs", 20)
}

/// The Sonar operations of the document, by `(method, full path)`.
fn sonar_operations(d: &Value) -> Vec<(String, String, Value)> {
    operations_under(d, "sonar")
}

#[test]
fn every_route_is_documented_with_its_role() {
    let d = doc();
    let documented: BTreeSet<(String, String)> = sonar_operations(&d)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let served: BTreeSet<(String, String)> = routes().into_iter().map(|(m, p, _)| (m, p)).collect();
    assert_eq!(documented, served);
    for (method, path, handler) in routes() {
        let body = function(&handler);
        let role = match super::tests::privilege_of(&method, &path) {
            "ticket_admin" => "ADMIN",
            "member" => "MEMBER",
            other => panic!("{handler}: {other}"),
        };
        let op = &d["paths"][&path["/api".len()..]][&method];
        let text = op["description"].as_str().unwrap();
        assert!(
            text.contains(&format!("Requires the {role} role")),
            "{method} {path} ({handler}) needs {role}: {text}"
        );
        let other = if role == "ADMIN" { "MEMBER" } else { "ADMIN" };
        assert!(
            !text.contains(&format!("Requires the {other} role")),
            "{method} {path}"
        );
        // A handler that reads a body documents one, and the other way round.
        let reads = body.contains("SonarJson<") || body.contains("bytes: Bytes");
        assert_eq!(
            op.get("requestBody").is_some(),
            reads,
            "{method} {path}: request body"
        );
        // A GUID in the path is checked, and so documented with its 400.
        if path.contains("{guid}") {
            assert!(op["responses"].get("400").is_some(), "{method} {path}");
        }
    }
}

#[test]
fn list_parameters_and_error_codes_are_the_handlers() {
    let d = doc();
    let op = &d["paths"]["/sonar/tickets"]["get"];
    let params: Vec<&Value> = op["parameters"].as_array().unwrap().iter().collect();
    // The arms of the parameter `match` (indented as its first, `"offset"`).
    let list = function("list");
    let first = list.find("\"offset\" =>").expect("the offset arm");
    let indent = first - list[..first].rfind('\n').unwrap() - 1;
    let arm = Regex::new(&format!(
        r#"(?m)^ {{{indent}}}"([a-z_]+)"((?:\s*\|\s*"[a-z_]+")*)\s*=>"#
    ))
    .unwrap();
    let alias = Regex::new(r#""([a-z_]+)""#).unwrap();
    let mut names = BTreeSet::new();
    for c in arm.captures_iter(list) {
        let name = &c[1];
        names.insert(name.to_string());
        let p = params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("the list parameter {name} is not documented"));
        assert_eq!(p["in"], "query");
        for a in alias.captures_iter(&c[2]) {
            let text = p["description"].as_str().unwrap();
            assert!(
                text.contains(&format!("`{}` is accepted too", &a[1])),
                "{name}: the alias {} is not mentioned",
                &a[1]
            );
        }
    }
    let documented: BTreeSet<String> = params
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(documented, names);
    let by_name = |n: &str| *params.iter().find(|p| p["name"] == n).unwrap();
    assert_eq!(
        by_name("limit")["schema"]["maximum"],
        wirewatch_store::MAX_TICKETS
    );
    assert!(function("list").contains("query.offset > 1_000_000"));
    assert_eq!(by_name("offset")["schema"]["maximum"], 1_000_000);
    let statuses: Vec<Value> = TicketStatus::ALL
        .iter()
        .map(|s| json!(s.as_str()))
        .collect();
    assert_eq!(
        by_name("statuses")["schema"]["items"]["enum"],
        json!(statuses)
    );
    assert_eq!(by_name("statuses")["explode"], false);
    for p in ["HIGH", "MEDIUM", "LOW"] {
        assert!(Priority::parse(p).is_some());
    }
    // The defaults are the store's.
    let q = wirewatch_store::TicketQuery::default();
    assert_eq!(by_name("limit")["schema"]["default"], q.limit);
    assert_eq!(by_name("order")["schema"]["default"], "desc");
    assert!(q.descending);
    // Every `error_code` the handlers write is documented, and no other.
    let code = Regex::new(r#"StatusCode::[A-Z_]+,\s*"([a-z-]+)""#).unwrap();
    let written: BTreeSet<&str> = code
        .captures_iter(SOURCE)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(written, ERROR_CODES.into_iter().collect());
    assert!(SOURCE.contains(&format!(
        "const MAX_COMMENT: usize = {} * 1024;",
        MAX_COMMENT / 1024
    )));
}

#[test]
fn time_parameters_take_what_the_handler_parses() {
    let re = Regex::new(TIME_PATTERN).unwrap();
    for t in [
        "1767571459000",
        "0",
        "-5",
        "2026-01-05 09:04:19",
        "2026-01-05 09:04:19+0900",
        "2026-01-05 09:04:19-0330",
    ] {
        assert!(re.is_match(t), "{t}");
    }
    for t in [
        "yesterday",
        "2026-01-05",
        "2026-01-05T09:04:19Z",
        "-30m",
        "",
    ] {
        assert!(!re.is_match(t), "{t}");
    }
    let date = Regex::new(DATE_PATTERN).unwrap();
    for ms in [0, 1_767_571_459_000, -1, 4_102_444_800_000] {
        let t = crate::routes::sonar::sonar_time(ms);
        assert!(date.is_match(&t), "{t}");
        assert!(re.is_match(&t), "{t} is a valid `from`");
    }
}

#[test]
fn paths_outside_api_v1_have_their_server_security_and_errors() {
    let d = doc();
    let scheme = &d["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&scheme["type"], &scheme["scheme"]),
        (&json!("http"), &json!("bearer"))
    );
    let mut sonar = 0;
    for (path, item) in d["paths"].as_object().unwrap() {
        let server = item["servers"][0]["url"].as_str();
        let ops = operations(&json!({"paths": {path.clone(): item.clone()}}));
        if path.starts_with("/sonar/") {
            assert_eq!(server, Some("https://sensor.example.com/api"), "{path}");
        }
        if let Some(url) = server {
            assert_eq!(item["servers"].as_array().unwrap().len(), 1, "{path}");
            let base = url
                .strip_prefix("https://sensor.example.com")
                .unwrap_or_else(|| {
                    panic!("{path}: the server {url} does not start with the public URL")
                });
            assert!(
                base.starts_with("/api") && base != "/api/v1",
                "{path}: {url}"
            );
        }
        for (method, _, op) in ops {
            let error_schemas: BTreeSet<String> = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(status, _)| status.as_str() >= "400")
                .map(|(status, resp)| {
                    let resp = resp
                        .get("$ref")
                        .and_then(Value::as_str)
                        .map_or(resp, |r| resolve(&d, r));
                    let schema = &resp["content"]["application/json"]["schema"]["$ref"];
                    assert!(
                        schema.is_string(),
                        "{method} {path} {status}: no error body"
                    );
                    schema.as_str().unwrap().to_string()
                })
                .collect();
            if path.starts_with("/sonar/") {
                sonar += 1;
                assert_eq!(op["security"], json!([{"bearer": []}]), "{method} {path}");
                assert_eq!(
                    error_schemas,
                    BTreeSet::from(["#/components/schemas/SonarError".to_string()]),
                    "{method} {path}"
                );
            } else if server.is_some() {
                assert!(
                    op["security"].is_array(),
                    "{method} {path}: an API outside /api/v1 names its security scheme"
                );
            } else {
                assert!(
                    op.get("security").is_none() || op["security"] == json!([]),
                    "{method} {path}: the document's apiKey, or public"
                );
                assert!(
                    error_schemas
                        .iter()
                        .all(|s| s.ends_with("/Error") || s.ends_with("/Error400")),
                    "{method} {path}: {error_schemas:?}"
                );
            }
        }
    }
    assert_eq!(sonar, routes().len());
}

/// A store in a directory of its own, removed afterwards.
struct TempState {
    state: crate::AppState,
    dir: std::path::PathBuf,
}

impl TempState {
    fn new() -> TempState {
        let dir = std::env::temp_dir().join(format!(
            "wirewatch-openapi-sonar-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let store = wirewatch_store::Store::open(&dir, Default::default()).unwrap();
        let config = crate::ApiConfig {
            version: "9.9.0".into(),
            hostname: "sensor-01".into(),
            external_hostname: "sensor-01.example.com".into(),
            mgmt_ipaddr: "192.0.2.10".into(),
            platform: "wirewatch".into(),
            edition: "NDR".into(),
            public_url: "https://sensor.example.com".into(),
        };
        TempState {
            state: crate::AppState::new(store, config),
            dir,
        }
    }
}

impl Drop for TempState {
    fn drop(&mut self) {
        // Best effort: the store's threads may still hold the files open.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn person(username: &str, status: TaskStatus) -> Task {
    Task {
        username: username.into(),
        name: username.to_uppercase(),
        task_status: status,
    }
}

/// A worked ticket of detections (`made_by_hand: false`) or a bare one.
fn sample(made_by_hand: bool) -> Ticket {
    let t = 1_767_571_459_000;
    let mut ticket = Ticket {
        id: 2,
        guid: wirewatch_store::new_guid(),
        title: "Port Scan: 10.0.0.1".into(),
        priority: Priority::Low,
        status: TicketStatus::Closed,
        format: Format::Json,
        rule: "port_scan".into(),
        rule_name: "Port Scan".into(),
        offender: "10.0.0.1".into(),
        count: 7,
        content: "{}".into(),
        risk_score: Some(30),
        mitre_techniques: vec!["T1046".into()],
        attack: true,
        incident: false,
        // `alice` has no account (so `x_login` is set); `system` always exists.
        assignees: vec![person("alice", TaskStatus::Closed)],
        approvers: vec![person("system", TaskStatus::Approved)],
        comments: vec![Comment {
            guid: wirewatch_store::new_guid(),
            username: "system".into(),
            name: "system".into(),
            format: Format::Markdown,
            content: "done".into(),
            created: t,
            updated: t,
        }],
        attachments: vec![Attachment {
            guid: wirewatch_store::new_guid(),
            username: "alice".into(),
            file_name: "a.png".into(),
            file_size: 3,
            content_type: "image/png".into(),
            created: t,
        }],
        created: t,
        updated: t,
        closed: Some(t),
        author: "system".into(),
        author_name: "system".into(),
        detection_ids: vec![],
    };
    if made_by_hand {
        ticket.rule = String::new();
        ticket.rule_name = String::new();
        ticket.mitre_techniques = vec![];
        ticket.risk_score = None;
        ticket.closed = None;
        ticket.format = Format::Markdown;
        ticket.author = "alice".into();
        ticket.assignees = vec![];
        ticket.approvers = vec![];
        ticket.comments = vec![];
        ticket.attachments = vec![];
    }
    ticket
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("{v} is not an object"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_ticket_schema_is_what_the_view_writes() {
    let d = doc();
    let s = &d["components"]["schemas"];
    let example = &s["SonarTicket"]["example"];
    let schema = json!({"$ref": "#/components/schemas/SonarTicket"});
    let state = TempState::new();
    let worked = crate::routes::sonar::view(&state.state, &sample(false));
    validate_answer(&d, &schema, &worked, "worked ticket").unwrap();
    assert_eq!(keys(&worked), keys(example));
    for list in ["assignees", "approvers", "comments", "attachments"] {
        assert_eq!(keys(&worked[list][0]), keys(&example[list][0]), "{list}");
    }
    assert!(worked["assignees"][0]["x_login"].is_string(), "{worked}");
    // The MITRE objects of the example are the catalog's.
    assert_eq!(worked["mitre_techniques"], example["mitre_techniques"]);
    assert_eq!(worked["rule_type"], example["rule_type"]);
    assert_eq!(worked["repo_name"], example["repo_name"]);
    assert_eq!(
        worked["assignees"][0]["company_name"],
        example["assignees"][0]["company_name"]
    );
    let bare = crate::routes::sonar::view(&state.state, &sample(true));
    validate_answer(&d, &schema, &bare, "ticket made by hand").unwrap();
    let mut without = keys(example);
    without.remove("mitre_techniques");
    assert_eq!(keys(&bare), without);
    assert!(bare["rule_guid"].is_null() && bare["risk_score"].is_null());
}

/// `POST`/`PATCH` bodies of the Sonar operations: the handlers' body types
/// are private, so each field is checked the way the handler reads it.
pub(super) fn sonar_body(id: &str, e: &Value) -> Result<(), String> {
    let obj = e.as_object().ok_or("the body is not a JSON object")?;
    let text = |f: &str| -> Result<Option<&str>, String> {
        match e.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or(format!("{f}: not a string")),
        }
    };
    let upper_in = |f: &str, allowed: &[&str]| -> Result<(), String> {
        match text(f)? {
            Some(v) if !allowed.contains(&v.to_uppercase().as_str()) => {
                Err(format!("{f}: {v} is not one of {allowed:?}"))
            }
            _ => Ok(()),
        }
    };
    let flags = |fields: &[&str]| -> Result<(), String> {
        for f in fields {
            if e.get(*f).is_some_and(|v| !v.is_boolean()) {
                return Err(format!("{f}: not a boolean"));
            }
        }
        Ok(())
    };
    let names = |f: &str| -> Result<(), String> {
        match e.get(f) {
            None => Ok(()),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => Ok(()),
            Some(v) => Err(format!("{f}: {v} is not a list of user names")),
        }
    };
    let ticket_fields = |create: bool| -> Result<(), String> {
        match text("title")? {
            Some(t) if t.trim().is_empty() => return Err("title: blank".into()),
            None if create => return Err("title is required".into()),
            _ => {}
        }
        upper_in("priority", &["HIGH", "MEDIUM", "LOW"])?;
        if create {
            upper_in("format", &["MARKDOWN", "PLAIN", "JSON"])?;
        } else if obj.contains_key("format") {
            return Err("format: ignored by an update".into());
        }
        text("content")?;
        if let Some(r) = e.get("risk_score").filter(|v| !v.is_null()) {
            r.as_u64()
                .filter(|n| *n <= 255)
                .ok_or(format!("risk_score: {r} is not 0 to 255"))?;
        }
        flags(&["attack", "incident"])
    };
    match id {
        "createSonarTicket" => ticket_fields(true),
        "updateSonarTicket" => ticket_fields(false),
        "assignSonarTicket" => {
            names("assignees")?;
            names("approvers")?;
            if obj.contains_key("assignees") || obj.contains_key("approvers") {
                Ok(())
            } else {
                Err("assignees or approvers is required".into())
            }
        }
        "changeSonarTicketTask" => {
            text("username")?;
            match text("task_status")?.map(str::to_uppercase).as_deref() {
                Some("ASSIGNED" | "IN_PROGRESS" | "CLOSED") => Ok(()),
                other => Err(format!("task_status: {other:?}")),
            }
        }
        "approveSonarTicket" | "rejectSonarTicket" => text("comment").map(drop),
        "createSonarTicketComment" | "updateSonarTicketComment" => {
            match text("content")? {
                Some(c) if !c.trim().is_empty() && c.len() <= MAX_COMMENT => {}
                other => return Err(format!("content: {other:?}")),
            }
            upper_in("format", &["MARKDOWN", "PLAIN"])
        }
        other => Err(format!(
            "no check is known for the body of {other}; add it to sonar_body"
        )),
    }
}
