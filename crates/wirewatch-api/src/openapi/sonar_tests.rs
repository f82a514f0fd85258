//! The Sonar tickets API's document agrees with the types: the list's bounds
//! and defaults are the store's, the ticket is exactly what `view` writes,
//! and its own server, security scheme and error bodies. (What the routes do
//! is tested against the app in `tests/routes/sonar.rs`.)

use super::sonar_paths::{MAX_COMMENT, TIME_PATTERN};
use super::tests::{doc, operations, parse, resolve, validate_answer};
use regex::Regex;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wirewatch_model::ticket::{
    Attachment, Comment, Format, Priority, Task, TaskStatus, Ticket, TicketStatus, DATE_PATTERN,
};

#[test]
fn list_bounds_and_defaults_are_the_stores() {
    let d = doc();
    let op = &d["paths"]["/sonar/tickets"]["get"];
    let params: Vec<&Value> = op["parameters"].as_array().unwrap().iter().collect();
    let by_name = |n: &str| *params.iter().find(|p| p["name"] == n).unwrap();
    assert_eq!(
        by_name("limit")["schema"]["maximum"],
        wirewatch_store::MAX_TICKETS
    );
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
    assert_eq!(MAX_COMMENT, 64 * 1024);
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
    assert!(sonar >= 20, "only {sonar} Sonar operations");
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
    let worked =
        serde_json::to_value(crate::routes::sonar::view(&state.state, &sample(false))).unwrap();
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
    let bare =
        serde_json::to_value(crate::routes::sonar::view(&state.state, &sample(true))).unwrap();
    validate_answer(&d, &schema, &bare, "ticket made by hand").unwrap();
    let mut without = keys(example);
    without.remove("mitre_techniques");
    assert_eq!(keys(&bare), without);
    assert!(bare["rule_guid"].is_null() && bare["risk_score"].is_null());
}

/// `POST`/`PATCH` bodies of the Sonar operations: parsed as the handler's
/// body type, then each field checked the way the handler reads it (the
/// types take strings that the handlers check themselves).
pub(super) fn sonar_body(id: &str, e: &Value) -> Result<(), String> {
    use crate::routes::sonar as s;
    match id {
        "createSonarTicket" => parse::<s::NewTicket>(e),
        "updateSonarTicket" => parse::<s::TicketChange>(e),
        "assignSonarTicket" => parse::<s::AssignBody>(e),
        "changeSonarTicketTask" => parse::<s::TaskBody>(e),
        "approveSonarTicket" | "rejectSonarTicket" => parse::<s::Decision>(e),
        "createSonarTicketComment" | "updateSonarTicketComment" => parse::<s::CommentBody>(e),
        _ => Ok(()),
    }?;
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

/// What `routes::sonar` wrote with `json!` before its answers became view
/// structs (`TicketView` and the rest), kept to pin that they write the same bytes.
mod before_views {
    use crate::routes::sonar::{derived_guid, sonar_time};
    use crate::AppState;
    use serde_json::{json, Value};
    use wirewatch_model::ticket::{Attachment, Comment, Task, Ticket};

    fn x_fields(s: &AppState, username: &str, name: &str, v: &mut Value) {
        let gone = !matches!(s.store.user(username), Ok(Some(_))) && username != "system";
        v["x_login"] = if gone { json!(username) } else { Value::Null };
        v["x_user"] = if gone { json!(name) } else { Value::Null };
        v["x_dept"] = Value::Null;
    }

    fn task_view(s: &AppState, t: &Task, kind: &str) -> Value {
        let mut v = json!({
            "company_guid": derived_guid(s, "company", "wirewatch"),
            "company_name": "wirewatch",
            "user_guid": derived_guid(s, "user", &t.username),
            "user_name": t.username,
            "task_type": kind,
            "task_status": t.task_status,
        });
        x_fields(s, &t.username, &t.name, &mut v);
        v
    }

    pub(super) fn comment_view(s: &AppState, c: &Comment) -> Value {
        let mut v = json!({
            "guid": c.guid,
            "user_guid": derived_guid(s, "user", &c.username),
            "user_name": c.username,
            "type": "TEXT",
            "format": c.format,
            "content": c.content,
            "created": sonar_time(c.created),
            "updated": sonar_time(c.updated),
        });
        x_fields(s, &c.username, &c.name, &mut v);
        v
    }

    pub(super) fn attachment_view(s: &AppState, t: &Ticket, a: &Attachment) -> Value {
        json!({
            "guid": a.guid,
            "user_guid": derived_guid(s, "user", &a.username),
            "ticket_guid": t.guid,
            "file_name": a.file_name,
            "file_size": a.file_size,
            "content_type": a.content_type,
            "created": sonar_time(a.created),
        })
    }

    pub(super) fn view(s: &AppState, t: &Ticket) -> Value {
        let mut v = json!({
            "id": t.id,
            "repo_guid": derived_guid(s, "repo", "Threat"),
            "repo_name": "Threat",
            "site_guid": derived_guid(s, "site", &s.config.hostname),
            "site_name": s.config.hostname,
            "guid": t.guid,
            "title": t.title,
            "priority": t.priority,
            "status": t.status,
            "format": t.format,
            "rule_guid": if t.rule.is_empty() { Value::Null } else { json!(derived_guid(s, "rule", &t.rule)) },
            "rule_type": if t.rule.is_empty() { Value::Null } else { json!("STREAM") },
            "rule_name": if t.rule.is_empty() { Value::Null } else { json!(t.rule_name) },
            "count": t.count,
            "content": t.content,
            "risk_score": t.risk_score,
            "attack": t.attack,
            "incident": t.incident,
            "assignees": t.assignees.iter().map(|a| task_view(s, a, "ASSIGNEE")).collect::<Vec<_>>(),
            "approvers": t.approvers.iter().map(|a| task_view(s, a, "APPROVER")).collect::<Vec<_>>(),
            "attachments": t.attachments.iter().map(|a| attachment_view(s, t, a)).collect::<Vec<_>>(),
            "created": sonar_time(t.created),
            "updated": sonar_time(t.updated),
            "closed": t.closed.map(sonar_time),
            "comments": t.comments.iter().map(|c| comment_view(s, c)).collect::<Vec<_>>(),
            "x_site": Value::Null,
        });
        x_fields(s, &t.author, &t.author_name, &mut v);
        if !t.mitre_techniques.is_empty() {
            let techniques = wirewatch_model::mitre::techniques(&t.mitre_techniques);
            v["mitre_techniques"] = techniques
                .into_iter()
                .map(|m| {
                    let tactics = wirewatch_model::mitre::tactics(std::slice::from_ref(&m.id));
                    let first = tactics.first().map(|t| t.name.clone());
                    json!({
                        "mitre_id": m.id,
                        "name": m.name,
                        "display_name": match first { Some(tn) => format!("{tn}: {}", m.name), None => m.name.clone() },
                        "url": m.url,
                        "tactics": tactics.iter().map(|t| json!({"mitre_id": t.id, "name": t.name})).collect::<Vec<_>>(),
                    })
                })
                .collect();
        }
        v
    }
}

/// The view structs of `routes::sonar` write the bytes its `json!` bodies
/// wrote: the ticket (worked and made by hand), the lists, the lookup, the
/// deletion and the error body.
#[test]
fn the_sonar_views_write_the_json_they_wrote() {
    use crate::routes::sonar as s;
    let state = TempState::new();
    let st = &state.state;
    fn same<T: serde::Serialize>(after: &T, before: Value, what: &str) {
        assert_eq!(
            serde_json::to_string(after).unwrap(),
            before.to_string(),
            "{what}"
        );
    }
    for (made_by_hand, what) in [(false, "worked ticket"), (true, "ticket made by hand")] {
        let t = sample(made_by_hand);
        same(&s::view(st, &t), before_views::view(st, &t), what);
        same(
            &s::TicketAnswer {
                ticket: s::view(st, &t),
            },
            json!({"ticket": before_views::view(st, &t)}),
            what,
        );
        same(
            &s::TicketLookup {
                ticket: Some(s::view(st, &t)),
            },
            json!({"ticket": before_views::view(st, &t)}),
            what,
        );
        let page = s::TicketList {
            total: 12,
            offset: 10,
            limit: 2,
            tickets: vec![s::view(st, &t)],
        };
        same(
            &page,
            json!({"total": 12, "offset": 10, "limit": 2, "tickets": [before_views::view(st, &t)]}),
            what,
        );
        let view = s::view(st, &t);
        same(
            &s::Comments {
                comments: view.comments,
            },
            json!({"comments": t.comments.iter().map(|c| before_views::comment_view(st, c)).collect::<Vec<_>>()}),
            what,
        );
        same(
            &s::Attachments {
                attachments: view.attachments,
            },
            json!({"attachments": t.attachments.iter().map(|a| before_views::attachment_view(st, &t, a)).collect::<Vec<_>>()}),
            what,
        );
    }
    let t = sample(false);
    let view = s::view(st, &t);
    same(
        &s::AttachmentAnswer {
            attachment: view.attachments.into_iter().next().unwrap(),
        },
        json!({"attachment": before_views::attachment_view(st, &t, &t.attachments[0])}),
        "attachment",
    );
    same(
        &s::TicketLookup { ticket: None },
        json!({"ticket": null}),
        "missing ticket",
    );
    same(
        &s::Deleted {
            guid: t.guid.clone(),
            deleted: true,
        },
        json!({"guid": t.guid, "deleted": true}),
        "deleted",
    );
    same(
        &s::ErrorBody {
            error_code: "ticket-not-found",
            error_msg: "ticket x not found".into(),
        },
        json!({"error_code": "ticket-not-found", "error_msg": "ticket x not found"}),
        "error",
    );
}
