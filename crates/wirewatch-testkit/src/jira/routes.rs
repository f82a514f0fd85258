//! HTTP handlers of the fake Jira: request validation in Jira's words, then
//! one short critical section on the store.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{
    render_issuetype, render_status, valid_project_key, Edit, FieldFilter, NewIssue, Person,
    ProjectRef, ISSUE_TYPES, MAX_LABEL_CHARS, MAX_SUMMARY_CHARS, PRIORITIES, STATUSES,
};
use crate::server::{jira_error, parse_object, Shared};

type Fake = State<Arc<Shared>>;
type Errors = Map<String, Value>;

const NO_ISSUE: &str = "Issue does not exist or you do not have permission to see it.";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/rest/api/2/myself", get(myself))
        .route("/rest/api/2/user", get(user))
        .route("/rest/api/2/issue", axum::routing::post(create_issue))
        .route("/rest/api/2/search", get(search))
        .route("/rest/api/2/issue/{id}", get(get_issue).put(edit_issue))
        .route(
            "/rest/api/2/issue/{id}/comment",
            get(list_comments).post(add_comment),
        )
        .route(
            "/rest/api/2/issue/{id}/transitions",
            get(list_transitions).post(do_transition),
        )
        .route(
            "/rest/api/2/issue/createmeta/{project}/issuetypes",
            get(createmeta_issuetypes),
        )
}

fn bad_request(errors: Errors) -> Response {
    jira_error(StatusCode::BAD_REQUEST, &[], errors)
}

fn bad_request_message(message: &str) -> Response {
    jira_error(StatusCode::BAD_REQUEST, &[message], Map::new())
}

fn issue_not_found() -> Response {
    jira_error(StatusCode::NOT_FOUND, &[NO_ISSUE], Map::new())
}

/// A 400 in Jira's shape, turned into a response only when returned.
enum BadRequest {
    Message(String),
    Fields(Errors),
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        match self {
            BadRequest::Message(m) => bad_request_message(&m),
            BadRequest::Fields(errors) => bad_request(errors),
        }
    }
}

fn path_param(path: Result<Path<String>, PathRejection>) -> Result<String, BadRequest> {
    path.map(|Path(p)| p)
        .map_err(|e| BadRequest::Message(e.body_text()))
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, BadRequest> {
    parse_object(body).map_err(BadRequest::Message)
}

fn api_user(fake: &Shared) -> Person {
    Person::api_user(&fake.user)
}

async fn myself(State(fake): Fake) -> Json<Value> {
    Json(api_user(&fake).render(&fake.base_url))
}

async fn user(
    State(fake): Fake,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_request_message("Invalid query string.");
    };
    let Some(account_id) = query.get("accountId") else {
        return bad_request_message("The query parameter 'accountId' is required.");
    };
    let me = api_user(&fake);
    let person = if me.account_id() == *account_id {
        Some(me)
    } else {
        fake.jira.lock().person_by_account(account_id)
    };
    match person {
        Some(p) => Json(p.render(&fake.base_url)).into_response(),
        None => jira_error(
            StatusCode::NOT_FOUND,
            &[&format!(
                "Specified user does not exist or you do not have required permissions: {account_id}"
            )],
            Map::new(),
        ),
    }
}

/// Reads a string field; records Jira's message on a wrong type.
fn string_field(value: &Value, name: &str, errors: &mut Errors) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        _ => {
            errors.insert(name.into(), json!("Operation value must be a string"));
            None
        }
    }
}

fn validate_summary(value: &Value, errors: &mut Errors) -> Option<String> {
    let summary = string_field(value, "summary", errors)?;
    let message = if summary.trim().is_empty() {
        "You must specify a summary of the issue."
    } else if summary.chars().count() > MAX_SUMMARY_CHARS {
        "Summary must be less than 255 characters."
    } else if summary.contains(['\n', '\r']) {
        "The summary is invalid because it contains newline characters."
    } else {
        return Some(summary);
    };
    errors.insert("summary".into(), json!(message));
    None
}

fn validate_description(value: &Value, errors: &mut Errors) -> Option<Option<String>> {
    match value {
        Value::Null => Some(None),
        other => string_field(other, "description", errors).map(Some),
    }
}

fn validate_label(label: &Value, errors: &mut Errors) -> Option<String> {
    let Value::String(label) = label else {
        errors.insert("labels".into(), json!("Operation value must be a string"));
        return None;
    };
    let message = if label.is_empty() {
        "A label cannot be empty.".to_owned()
    } else if label.chars().any(char::is_whitespace) {
        format!("The label '{label}' contains spaces which is invalid.")
    } else if label.chars().count() > MAX_LABEL_CHARS {
        format!("The label '{label}' exceeds the 255 character limit.")
    } else {
        return Some(label.clone());
    };
    errors.insert("labels".into(), json!(message));
    None
}

fn validate_labels(value: &Value, errors: &mut Errors) -> Option<Vec<String>> {
    let Value::Array(items) = value else {
        errors.insert("labels".into(), json!("data was not an array"));
        return None;
    };
    let mut labels = Vec::with_capacity(items.len());
    for item in items {
        let label = validate_label(item, errors)?;
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    Some(labels)
}

/// `{"id": ..}` or `{"name": ..}` (ids may be JSON numbers).
fn id_or_name(value: &Value) -> (Option<String>, Option<&str>) {
    let id = match value.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    (id, value.get("name").and_then(Value::as_str))
}

fn validate_priority(value: &Value, errors: &mut Errors) -> Option<usize> {
    let (id, name) = id_or_name(value);
    let found = PRIORITIES.iter().position(|p| match (&id, name) {
        (Some(id), _) => p.id == id,
        (None, Some(name)) => p.name.eq_ignore_ascii_case(name),
        (None, None) => false,
    });
    if found.is_none() {
        errors.insert(
            "priority".into(),
            json!("The priority selected is invalid."),
        );
    }
    found
}

fn validate_issuetype(value: Option<&Value>, errors: &mut Errors) -> Option<usize> {
    let Some(value) = value else {
        errors.insert("issuetype".into(), json!("Specify an issue type"));
        return None;
    };
    let (id, name) = id_or_name(value);
    let found = ISSUE_TYPES.iter().position(|t| match (&id, name) {
        (Some(id), _) => t.id == id,
        (None, Some(name)) => t.name.eq_ignore_ascii_case(name),
        (None, None) => false,
    });
    if found.is_none() {
        errors.insert("issuetype".into(), json!("valid issue type is required"));
    }
    found
}

fn cannot_set(name: &str, errors: &mut Errors) {
    errors.insert(
        name.to_owned(),
        json!(format!(
            "Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
        )),
    );
}

async fn create_issue(State(fake): Fake, body: Bytes) -> Response {
    let body = match body_object(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let empty = Map::new();
    let fields = body
        .get("fields")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut errors = Errors::new();
    let mut new = NewIssue {
        project: ProjectRef::Index(0),
        summary: String::new(),
        description: None,
        issuetype: 0,
        priority: None,
        labels: Vec::new(),
    };
    let mut project: Option<Value> = None;
    for (name, value) in fields {
        match name.as_str() {
            "project" => project = Some(value.clone()),
            "summary" => {
                if let Some(s) = validate_summary(value, &mut errors) {
                    new.summary = s;
                }
            }
            "description" => {
                new.description = validate_description(value, &mut errors).flatten();
            }
            "issuetype" => {}
            "labels" => new.labels = validate_labels(value, &mut errors).unwrap_or_default(),
            "priority" => new.priority = validate_priority(value, &mut errors),
            other => cannot_set(other, &mut errors),
        }
    }
    if !fields.contains_key("summary") {
        errors.insert(
            "summary".into(),
            json!("You must specify a summary of the issue."),
        );
    }
    if let Some(t) = validate_issuetype(fields.get("issuetype"), &mut errors) {
        new.issuetype = t;
    }
    let mut jira = fake.jira.lock();
    match project {
        None => {
            errors.insert("project".into(), json!("Specify a valid project ID or key"));
        }
        Some(p) => {
            let (id, _) = id_or_name(&p);
            let key = p.get("key").and_then(Value::as_str);
            match (key, id) {
                (Some(key), _) if valid_project_key(&key.to_ascii_uppercase()) => {
                    new.project = ProjectRef::Key(key.to_ascii_uppercase());
                }
                (None, Some(id)) if jira.project_by_id(&id).is_some() => {
                    new.project = ProjectRef::Index(jira.project_by_id(&id).unwrap_or(0));
                }
                _ => {
                    errors.insert("project".into(), json!("valid project is required"));
                }
            }
        }
    }
    if !errors.is_empty() {
        return bad_request(errors);
    }
    let (id, key) = jira.create(new, api_user(&fake));
    drop(jira);
    let url = format!("{}/rest/api/2/issue/{id}", fake.base_url);
    (
        StatusCode::CREATED,
        [(header::LOCATION, url.clone())],
        Json(json!({ "id": id.to_string(), "key": key, "self": url })),
    )
        .into_response()
}

async fn get_issue(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let id = match path_param(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let filter = match &query {
        Ok(Query(q)) => q.get("fields").map(|f| FieldFilter::parse(f)),
        Err(_) => None,
    };
    let jira = fake.jira.lock();
    match jira.find(&id) {
        Some(idx) => Json(jira.render(idx, &fake.base_url, filter.as_ref())).into_response(),
        None => issue_not_found(),
    }
}

/// Validates `fields` and `update` of an edit (PUT issue, or a transition's
/// `update`); `allow_fields` is false for transitions (no screen).
fn parse_edit(body: &Map<String, Value>, allow_fields: bool) -> Result<Edit, BadRequest> {
    let mut errors = Errors::new();
    let mut edit = Edit::default();
    if let Some(fields) = body.get("fields").and_then(Value::as_object) {
        for (name, value) in fields {
            match name.as_str() {
                "summary" if allow_fields => edit.summary = validate_summary(value, &mut errors),
                "description" if allow_fields => {
                    edit.description = validate_description(value, &mut errors);
                }
                "labels" if allow_fields => edit.labels = validate_labels(value, &mut errors),
                "priority" if allow_fields => {
                    edit.priority = validate_priority(value, &mut errors);
                }
                other => cannot_set(other, &mut errors),
            }
        }
    }
    if let Some(update) = body.get("update").and_then(Value::as_object) {
        for (name, ops) in update {
            let ops = ops.as_array().map(Vec::as_slice).unwrap_or_default();
            match name.as_str() {
                "labels" if allow_fields => {
                    for op in ops {
                        if let Some(label) = op.get("add") {
                            edit.add_labels.extend(validate_label(label, &mut errors));
                        } else if let Some(label) = op.get("remove") {
                            edit.remove_labels
                                .extend(validate_label(label, &mut errors));
                        } else if let Some(labels) = op.get("set") {
                            edit.labels = validate_labels(labels, &mut errors);
                        }
                    }
                }
                "comment" => {
                    for op in ops {
                        match op.pointer("/add/body") {
                            Some(Value::String(b)) if !b.trim().is_empty() => {
                                edit.comments.push(b.clone());
                            }
                            _ => {
                                errors.insert(
                                    "comment".into(),
                                    json!("Comment body can not be empty!"),
                                );
                            }
                        }
                    }
                }
                other => cannot_set(other, &mut errors),
            }
        }
    }
    if errors.is_empty() {
        Ok(edit)
    } else {
        Err(BadRequest::Fields(errors))
    }
}

async fn edit_issue(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let id = match path_param(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let Some(idx) = fake.jira.lock().find(&id) else {
        return issue_not_found();
    };
    let edit = match body_object(&body).and_then(|b| parse_edit(&b, true)) {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    fake.jira.lock().edit(idx, edit, &api_user(&fake));
    StatusCode::NO_CONTENT.into_response()
}

async fn list_comments(State(fake): Fake, path: Result<Path<String>, PathRejection>) -> Response {
    let id = match path_param(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let jira = fake.jira.lock();
    match jira.find(&id) {
        Some(idx) => Json(jira.render_comments(idx, &fake.base_url)).into_response(),
        None => issue_not_found(),
    }
}

async fn add_comment(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let id = match path_param(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let body = match body_object(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut jira = fake.jira.lock();
    let Some(idx) = jira.find(&id) else {
        return issue_not_found();
    };
    let text = match body.get("body") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            let mut errors = Errors::new();
            errors.insert("comment".into(), json!("Comment body can not be empty!"));
            return bad_request(errors);
        }
    };
    let c = jira.add_comment(idx, text, api_user(&fake));
    let rendered = jira.render_comment(idx, c, &fake.base_url);
    drop(jira);
    (StatusCode::CREATED, Json(rendered)).into_response()
}

fn render_transitions(base: &str) -> Value {
    let transitions: Vec<Value> = STATUSES
        .iter()
        .map(|s| {
            json!({
                "id": s.transition_id,
                "name": s.name,
                "to": render_status(s, base),
                "hasScreen": false,
                "isGlobal": true,
                "isInitial": false,
                "isAvailable": true,
                "isConditional": false,
                "isLooped": false,
            })
        })
        .collect();
    json!({
        "expand": "transitions",
        "transitions": transitions,
    })
}

async fn list_transitions(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let id = match path_param(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    if fake.jira.lock().find(&id).is_none() {
        return issue_not_found();
    }
    Json(render_transitions(&fake.base_url)).into_response()
}

async fn do_transition(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let id = match path_param(path) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let Some(idx) = fake.jira.lock().find(&id) else {
        return issue_not_found();
    };
    let body = match body_object(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Some(transition) = body.get("transition") else {
        return bad_request_message("Missing 'transition' identifier");
    };
    let (tid, _) = id_or_name(transition);
    let Some(tid) = tid else {
        return bad_request_message("Missing 'transition' identifier");
    };
    let Some(status) = STATUSES.iter().position(|s| s.transition_id == tid) else {
        return bad_request_message(&format!(
            "Transition id '{tid}' is not valid for this issue."
        ));
    };
    let edit = match parse_edit(&body, false) {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    let mut jira = fake.jira.lock();
    jira.set_status(idx, status);
    if !edit.comments.is_empty() {
        jira.edit(idx, edit, &api_user(&fake));
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn createmeta_issuetypes(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let project = match path_param(path) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if !fake.jira.lock().knows_project(&project) {
        return jira_error(
            StatusCode::NOT_FOUND,
            &[&format!("No project could be found with key '{project}'.")],
            Map::new(),
        );
    }
    let types: Vec<Value> = ISSUE_TYPES
        .iter()
        .map(|t| render_issuetype(t, &fake.base_url))
        .collect();
    Json(json!({
        "maxResults": 50,
        "startAt": 0,
        "total": types.len(),
        "isLast": true,
        "values": types,
        "issueTypes": types,
    }))
    .into_response()
}

/// `GET /rest/api/2/search?jql=…`: only conjunctions (`AND`) of
/// `project = X` and `labels = Y` clauses are understood; anything else is
/// a 400, as an unparseable JQL is in Jira.
async fn search(
    State(fake): Fake,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_request_message("Invalid query string.");
    };
    let jql = query.get("jql").map(String::as_str).unwrap_or("");
    let mut project = None;
    let mut labels = Vec::new();
    for clause in jql.split(" AND ").map(str::trim).filter(|c| !c.is_empty()) {
        let Some((field, value)) = clause.split_once('=') else {
            return bad_request_message(&format!(
                "Error in the JQL Query: {clause:?} is not understood by the fake."
            ));
        };
        let value = value.trim().trim_matches('"').to_string();
        match field.trim() {
            "project" => project = Some(value),
            "labels" => labels.push(value),
            other => {
                return bad_request_message(&format!(
                    "Field '{other}' is not supported by the fake's JQL."
                ))
            }
        }
    }
    let max: usize = query
        .get("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(50);
    let filter = query.get("fields").map(|f| FieldFilter::parse(f));
    let jira = fake.jira.lock();
    let found = jira.search(project.as_deref(), &labels);
    let issues: Vec<Value> = found
        .iter()
        .take(max)
        .map(|&i| jira.render(i, &fake.base_url, filter.as_ref()))
        .collect();
    Json(json!({"startAt": 0, "maxResults": max, "total": found.len(), "issues": issues}))
        .into_response()
}
