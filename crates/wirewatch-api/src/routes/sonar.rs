//! `/api/sonar/tickets`: internal tickets in the Logpresso Sonar form
//! (`Authorization: Bearer <api key>`, `{error_code, error_msg}` errors,
//! `yyyy-MM-dd HH:mm:ssZ` dates), with the assignment → submission →
//! approval workflow.
//!
//! Roles: Sonar's MEMBER is any `write` level with NDR access (view, comment,
//! work one's own task, decide as a named approver); ADMIN is `write: full`
//! (create, edit, assign, close, reopen, delete).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::guard::{Api, Guard, Member, TicketAdmin};
use crate::routes::audit;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::FromRequest;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wirewatch_model::ticket::{
    Attachment, Comment, Format, Priority, Task, TaskStatus, Ticket, TicketStatus,
};
use wirewatch_model::user::Access;
use wirewatch_model::{now_ms, Code};
use wirewatch_store::{is_guid, new_guid, TicketOrder, TicketQuery};

/// The ticket operations. MEMBER ([`Member`]): any `write` level and a
/// detection module (NDR or NPM); which tickets a member sees follows the
/// modules of their detections. ADMIN ([`TicketAdmin`]): `write: full` too.
pub fn routes() -> Api {
    Api::new()
        .get("/api/sonar/tickets", list)
        .post("/api/sonar/tickets", create)
        .merge(per_ticket())
}

fn per_ticket() -> Api {
    Api::new()
        .get("/api/sonar/tickets/{guid}", one)
        .patch("/api/sonar/tickets/{guid}", update)
        .delete("/api/sonar/tickets/{guid}", remove)
        .post("/api/sonar/tickets/{guid}/assign", assign)
        .post("/api/sonar/tickets/{guid}/tasks", task)
        .post("/api/sonar/tickets/{guid}/submit", submit)
        .post("/api/sonar/tickets/{guid}/approve", approve)
        .post("/api/sonar/tickets/{guid}/reject", reject)
        .post("/api/sonar/tickets/{guid}/close", close)
        .post("/api/sonar/tickets/{guid}/reopen", reopen)
        .get("/api/sonar/tickets/{guid}/comments", comments)
        .post("/api/sonar/tickets/{guid}/comments", add_comment)
        .patch("/api/sonar/tickets/{guid}/comments/{cguid}", edit_comment)
        .delete("/api/sonar/tickets/{guid}/comments/{cguid}", delete_comment)
        .get("/api/sonar/tickets/{guid}/attachments", attachments)
        .post("/api/sonar/tickets/{guid}/attachments", upload)
        .get("/api/sonar/tickets/{guid}/attachments/{aguid}", download)
        .delete(
            "/api/sonar/tickets/{guid}/attachments/{aguid}",
            delete_attachment,
        )
}

/// The router, with one check for every route of one ticket: a ticket
/// linking a detection the caller's modules do not see answers as a missing one.
pub fn router(state: &AppState) -> Router<AppState> {
    let per_ticket = per_ticket()
        .router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ticket_guard,
        ));
    Api::new()
        .get("/api/sonar/tickets", list)
        .post("/api/sonar/tickets", create)
        .router
        .merge(per_ticket)
}

async fn ticket_guard(
    State(s): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    caller: Result<Caller, ApiError>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let guid = params
        .iter()
        .find(|(k, _)| k == "guid")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // No key, a bad key, a malformed guid: the handler answers as always.
    if let (Ok(c), true) = (&caller, is_guid(&guid)) {
        match s.store.ticket_visible(&guid, c.modules()) {
            Ok(Some(false)) => {
                // Exactly what a missing ticket answers (GET one: `{"ticket": null}`).
                let whole = req
                    .uri()
                    .path()
                    .trim_end_matches('/')
                    .ends_with(guid.as_str());
                if whole && req.method() == axum::http::Method::GET {
                    return axum::Json(json!({"ticket": null})).into_response();
                }
                return no_ticket(&guid).into_response();
            }
            Err(e) => return SonarError::from(e).into_response(),
            _ => {}
        }
    }
    next.run(req).await
}

/// A Sonar error: `{"error_code", "error_msg"}` with a status.
#[derive(Debug)]
pub struct SonarError(StatusCode, &'static str, String);

type SResult<T> = Result<T, SonarError>;

impl IntoResponse for SonarError {
    fn into_response(self) -> Response {
        (
            self.0,
            axum::Json(json!({"error_code": self.1, "error_msg": self.2})),
        )
            .into_response()
    }
}

impl From<ApiError> for SonarError {
    fn from(e: ApiError) -> Self {
        let e = e.0;
        let (status, code) = match e.code {
            Code::Unauthorized => {
                // The key check speaks ExtraHop's header; Sonar clients send Bearer.
                let msg = e.message.replace(
                    "\"Authorization: ExtraHop apikey=YOUR_KEY\"",
                    "\"Authorization: Bearer YOUR_API_KEY\"",
                );
                return SonarError(StatusCode::UNAUTHORIZED, "unauthorized", msg);
            }
            Code::Forbidden => (StatusCode::FORBIDDEN, "no-permission"),
            Code::NotFound => (StatusCode::NOT_FOUND, "not-found"),
            Code::Conflict => (StatusCode::CONFLICT, "conflict"),
            Code::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            Code::InvalidRequest | Code::MalformedJson => {
                (StatusCode::BAD_REQUEST, "invalid-param")
            }
            Code::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            Code::NotApplicable => (StatusCode::NOT_IMPLEMENTED, "not-supported"),
            Code::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"),
            Code::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request-timeout"),
            Code::Internal => {
                // The cause is for the log, not the client (as in every dialect).
                tracing::error!(message = %e.message, "internal error (Sonar API)");
                return SonarError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal-error",
                    "internal error; see the server log".into(),
                );
            }
        };
        SonarError(status, code, e.message)
    }
}

impl From<wirewatch_store::StoreError> for SonarError {
    fn from(e: wirewatch_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

fn bad(msg: impl Into<String>) -> SonarError {
    SonarError(StatusCode::BAD_REQUEST, "invalid-param", msg.into())
}

fn state_error(msg: String) -> wirewatch_model::Error {
    wirewatch_model::Error::new(Code::Conflict, msg)
}

fn no_ticket(guid: &str) -> SonarError {
    SonarError(
        StatusCode::NOT_FOUND,
        "ticket-not-found",
        format!("ticket {guid} not found"),
    )
}

fn check_guid(guid: &str) -> SResult<()> {
    if is_guid(guid) {
        Ok(())
    } else {
        Err(SonarError(
            StatusCode::BAD_REQUEST,
            "invalid-param-type",
            "guid should be guid type.".into(),
        ))
    }
}

fn is_admin(c: &Caller) -> bool {
    c.require(Access::WriteFull).is_ok()
}

/// A JSON body in the Sonar dialect: an empty body is `T::default()`; a
/// malformed one is Sonar's 400 (`invalid-param`), one that cannot be read
/// its 413 (`too-large`) or 400.
pub struct SonarJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for SonarJson<T> {
    type Rejection = SonarError;

    async fn from_request(req: axum::extract::Request, state: &S) -> SResult<Self> {
        let bytes = Bytes::from_request(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(SonarJson(T::default()));
        }
        crate::extract::parse_json(&bytes)
            .map(SonarJson)
            .map_err(SonarError::from)
    }
}

impl From<BytesRejection> for SonarError {
    fn from(e: BytesRejection) -> Self {
        let code = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => "too-large",
            StatusCode::REQUEST_TIMEOUT => "request-timeout",
            _ => "invalid-param",
        };
        SonarError(e.status(), code, e.body_text().trim().to_string())
    }
}

/// `yyyy-MM-dd HH:mm:ssZ` in the sensor's zone, e.g. `2022-09-14 17:34:19+0900`.
pub fn sonar_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(wirewatch_ods::local_offset());
    let off = t.offset();
    let (h, m, _) = off.as_hms();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if off.is_negative() { '-' } else { '+' },
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// Parse a time parameter: milliseconds, or `yyyy-MM-dd HH:mm:ss[Z]` (sensor zone when no offset).
fn parse_time(field: &str, v: &str) -> SResult<i64> {
    if let Ok(ms) = v.parse::<i64>() {
        return Ok(ms);
    }
    let err = || {
        bad(format!(
            "{field} should be milliseconds or \"yyyy-MM-dd HH:mm:ss\" (optionally with +HHMM)"
        ))
    };
    let b = v.trim();
    if b.len() < 19 {
        return Err(err());
    }
    let num =
        |r: std::ops::Range<usize>| b.get(r).and_then(|s| s.parse::<i32>().ok()).ok_or_else(err);
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let month = time::Month::try_from(mo as u8).map_err(|_| err())?;
    let date = time::Date::from_calendar_date(y, month, d as u8).map_err(|_| err())?;
    let tm = time::Time::from_hms(h as u8, mi as u8, s as u8).map_err(|_| err())?;
    let offset = match b.get(19..) {
        Some(z) if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            // `get`: the text may hold multi-byte characters; never slice inside one.
            let hh: i8 = z.get(1..3).and_then(|t| t.parse().ok()).ok_or_else(err)?;
            let mm: i8 = z.get(3..5).and_then(|t| t.parse().ok()).ok_or_else(err)?;
            time::UtcOffset::from_hms(sign * hh, sign * mm, 0).map_err(|_| err())?
        }
        Some("") | None => wirewatch_ods::local_offset(),
        _ => return Err(err()),
    };
    let t = time::PrimitiveDateTime::new(date, tm).assume_offset(offset);
    Ok(t.unix_timestamp() * 1000)
}

/// A stable GUID for a name (users, the tenant, rules) within this sensor.
fn derived_guid(s: &AppState, kind: &str, name: &str) -> String {
    let h = Sha256::digest(format!("{}/{kind}/{name}", s.store.instance_id()).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    wirewatch_store::guid_from(b, 5)
}

/// `x_login`, `x_user`, `x_dept` of a person: kept only once their account is gone.
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

fn comment_view(s: &AppState, c: &Comment) -> Value {
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

fn attachment_view(s: &AppState, t: &Ticket, a: &Attachment) -> Value {
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

/// The ticket exactly as the Sonar API shows it.
pub fn view(s: &AppState, t: &Ticket) -> Value {
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

fn split(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

async fn list(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    RawQuery(q): RawQuery,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    let mut query = TicketQuery {
        visibility: c.modules(),
        ..TicketQuery::default()
    };
    for (k, v) in form_urlencoded::parse(q.unwrap_or_default().as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "offset" => {
                query.offset = v
                    .parse()
                    .map_err(|_| bad("offset should be a non-negative integer"))?
            }
            "limit" => {
                let n: usize = v.parse().map_err(|_| bad("limit should be an integer"))?;
                if n == 0 || n > wirewatch_store::MAX_TICKETS {
                    return Err(bad(format!(
                        "limit should be between 1 and {}",
                        wirewatch_store::MAX_TICKETS
                    )));
                }
                query.limit = n;
            }
            "from" => query.from = Some(parse_time("from", &v)?),
            "to" => query.to = Some(parse_time("to", &v)?),
            "statuses" | "status" => {
                for x in split(&v) {
                    query.statuses.push(TicketStatus::parse(&x.to_uppercase()).ok_or_else(|| {
                        bad(format!("unknown status {x:?}: NEW, ASSIGNED, IN_PROGRESS, SUBMITTED, APPROVED, REJECTED, CLOSED"))
                    })?);
                }
            }
            "priorities" | "priority" => {
                for x in split(&v) {
                    query
                        .priorities
                        .push(Priority::parse(&x.to_uppercase()).ok_or_else(|| {
                            bad(format!("unknown priority {x:?}: HIGH, MEDIUM, LOW"))
                        })?);
                }
            }
            "keywords" | "keyword" => {
                query.keywords = v.split_whitespace().map(str::to_string).collect()
            }
            "assignees" => query.assignees = split(&v),
            "approvers" => query.approvers = split(&v),
            "order_by" | "sort" => {
                query.order =
                    match v.as_str() {
                        "created" => TicketOrder::Created,
                        "updated" => TicketOrder::Updated,
                        "id" => TicketOrder::Id,
                        "priority" => TicketOrder::Priority,
                        "status" => TicketOrder::Status,
                        "count" => TicketOrder::Count,
                        _ => return Err(bad(
                            "order_by should be created, updated, id, priority, status or count",
                        )),
                    }
            }
            "order" => {
                query.descending = match v.to_lowercase().as_str() {
                    "desc" => true,
                    "asc" => false,
                    _ => return Err(bad("order should be asc or desc")),
                }
            }
            other => return Err(bad(format!("unknown parameter {other:?}"))),
        }
    }
    if query.offset > 1_000_000 {
        return Err(bad("offset should be at most 1000000"));
    }
    let (total, tickets) = s.store.tickets(&query)?;
    Ok(axum::Json(json!({
        "total": total,
        "offset": query.offset,
        "limit": query.limit,
        "tickets": tickets.iter().map(|t| view(&s, t)).collect::<Vec<_>>(),
    })))
}

async fn one(
    _: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    check_guid(&guid)?;
    let t = s.store.ticket(&guid)?;
    Ok(axum::Json(json!({"ticket": t.map(|t| view(&s, &t))})))
}

#[derive(Deserialize, Default)]
struct NewTicket {
    title: Option<String>,
    priority: Option<String>,
    content: Option<String>,
    format: Option<String>,
    risk_score: Option<u8>,
    attack: Option<bool>,
    incident: Option<bool>,
}

fn parse_priority(p: &str) -> SResult<Priority> {
    Priority::parse(&p.to_uppercase()).ok_or_else(|| bad("priority should be HIGH, MEDIUM or LOW"))
}

fn parse_format(f: &str, allow_json: bool) -> SResult<Format> {
    match f.to_uppercase().as_str() {
        "MARKDOWN" => Ok(Format::Markdown),
        "PLAIN" => Ok(Format::Plain),
        "JSON" if allow_json => Ok(Format::Json),
        _ => Err(bad("format should be MARKDOWN or PLAIN")),
    }
}

fn display_name(s: &AppState, username: &str) -> String {
    match s.store.user(username) {
        Ok(Some(u)) if !u.name.is_empty() => u.name,
        _ => username.to_string(),
    }
}

fn ok_ticket(s: &AppState, t: Ticket) -> axum::Json<Value> {
    axum::Json(json!({"ticket": view(s, &t)}))
}

async fn create(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    SonarJson(b): SonarJson<NewTicket>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    let title = b
        .title
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad("title is required"))?;
    let now = now_ms();
    let t = Ticket {
        id: 0,
        guid: new_guid(),
        title,
        priority: match &b.priority {
            Some(p) => parse_priority(p)?,
            None => Priority::Medium,
        },
        status: TicketStatus::New,
        format: match &b.format {
            Some(f) => parse_format(f, true)?,
            None => Format::Markdown,
        },
        rule: String::new(),
        rule_name: String::new(),
        offender: String::new(),
        count: 1,
        content: b.content.unwrap_or_default(),
        risk_score: b.risk_score,
        mitre_techniques: vec![],
        attack: b.attack.unwrap_or(false),
        incident: b.incident.unwrap_or(false),
        assignees: vec![],
        approvers: vec![],
        comments: vec![],
        attachments: vec![],
        created: now,
        updated: now,
        closed: None,
        author: c.username().to_string(),
        author_name: display_name(&s, c.username()),
        detection_ids: vec![],
    };
    let t = s.store.create_ticket(t)?;
    audit(&s, &c, "create ticket", "tickets", json!({"guid": t.guid}));
    Ok(ok_ticket(&s, t))
}

/// Run a change on a ticket; 404 in the Sonar form when it does not exist.
fn change(
    s: &AppState,
    c: &Caller,
    guid: &str,
    what: &str,
    f: impl FnOnce(&mut Ticket) -> Result<(), wirewatch_model::Error>,
) -> SResult<axum::Json<Value>> {
    check_guid(guid)?;
    let t = s.store.update_ticket(guid, f).map_err(|e| {
        let e: wirewatch_model::Error = e.into();
        if e.code == Code::Conflict {
            SonarError(StatusCode::BAD_REQUEST, "invalid-state", e.message)
        } else if e.code == Code::Forbidden {
            SonarError(StatusCode::FORBIDDEN, "no-permission", e.message)
        } else {
            ApiError(e).into()
        }
    })?;
    let t = t.ok_or_else(|| no_ticket(guid))?;
    audit(
        s,
        c,
        what,
        "tickets",
        json!({"guid": guid, "status": t.status}),
    );
    Ok(ok_ticket(s, t))
}

async fn update(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<NewTicket>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    let priority = b.priority.as_deref().map(parse_priority).transpose()?;
    if b.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(bad("title should not be empty"));
    }
    change(&s, &c, &guid, "update ticket", |t| {
        if let Some(v) = b.title {
            t.title = v;
        }
        if let Some(p) = priority {
            t.priority = p;
        }
        if let Some(v) = b.content {
            t.content = v;
        }
        if let Some(v) = b.attack {
            t.attack = v;
        }
        if let Some(v) = b.incident {
            t.incident = v;
        }
        if let Some(v) = b.risk_score {
            t.risk_score = Some(v);
        }
        Ok(())
    })
}

async fn remove(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    check_guid(&guid)?;
    if !s.store.delete_ticket(&guid)? {
        return Err(no_ticket(&guid));
    }
    audit(&s, &c, "delete ticket", "tickets", json!({"guid": guid}));
    Ok(axum::Json(json!({"guid": guid, "deleted": true})))
}

#[derive(Deserialize, Default)]
struct AssignBody {
    assignees: Option<Vec<String>>,
    approvers: Option<Vec<String>>,
}

fn tasks(s: &AppState, field: &str, users: Option<Vec<String>>) -> SResult<Option<Vec<Task>>> {
    let Some(users) = users else { return Ok(None) };
    let mut out: Vec<Task> = Vec::new();
    for (i, u) in users.into_iter().enumerate() {
        if !matches!(s.store.user(&u), Ok(Some(_))) {
            return Err(bad(format!("{field}[{i}]: no user named {u:?}")));
        }
        if !out.iter().any(|t| t.username == u) {
            out.push(Task {
                name: display_name(s, &u),
                username: u,
                task_status: TaskStatus::Assigned,
            });
        }
    }
    Ok(Some(out))
}

async fn assign(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<AssignBody>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    if b.assignees.is_none() && b.approvers.is_none() {
        return Err(bad("assignees or approvers is required"));
    }
    let assignees = tasks(&s, "assignees", b.assignees)?;
    let approvers = tasks(&s, "approvers", b.approvers)?;
    change(&s, &c, &guid, "assign ticket", |t| {
        if !t.is_open() {
            return Err(state_error(
                "a CLOSED ticket cannot be assigned; reopen it first".into(),
            ));
        }
        // People already on the ticket keep their task status.
        let keep = |old: &[Task], new: Option<Vec<Task>>| {
            new.map(|v| {
                v.into_iter()
                    .map(|n| {
                        old.iter()
                            .find(|o| o.username == n.username)
                            .cloned()
                            .unwrap_or(n)
                    })
                    .collect::<Vec<_>>()
            })
        };
        let a = keep(&t.assignees, assignees);
        let p = keep(&t.approvers, approvers);
        t.assign(a, p);
        Ok(())
    })
}

#[derive(Deserialize, Default)]
struct TaskBody {
    task_status: Option<String>,
    /// An administrator may change another assignee's task.
    username: Option<String>,
}

async fn task(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<TaskBody>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    let status = match b.task_status.as_deref().map(str::to_uppercase).as_deref() {
        Some("ASSIGNED") => TaskStatus::Assigned,
        Some("IN_PROGRESS") => TaskStatus::InProgress,
        Some("CLOSED") => TaskStatus::Closed,
        _ => return Err(bad("task_status should be ASSIGNED, IN_PROGRESS or CLOSED")),
    };
    let who = match b.username {
        Some(u) if u != c.username() => {
            if !is_admin(&c) {
                return Err(SonarError(
                    StatusCode::FORBIDDEN,
                    "no-permission",
                    "only an administrator can change another person's task".into(),
                ));
            }
            u
        }
        _ => c.username().to_string(),
    };
    change(&s, &c, &guid, "change ticket task", |t| {
        t.set_task(&who, status).map_err(|e| state_error(e.0))
    })
}

async fn submit(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    let admin = is_admin(&c);
    let me = c.username().to_string();
    change(&s, &c, &guid, "submit ticket", |t| {
        if !admin && !t.assignees.iter().any(|a| a.username == me) {
            return Err(wirewatch_model::Error::forbidden(
                "only an assignee or an administrator can submit the ticket",
            ));
        }
        t.submit().map_err(|e| state_error(e.0))
    })
}

#[derive(Deserialize, Default)]
struct Decision {
    comment: Option<String>,
}

fn decide(
    s: &AppState,
    c: &Caller,
    guid: &str,
    b: Decision,
    approve: bool,
) -> SResult<axum::Json<Value>> {
    let me = c.username().to_string();
    let name = display_name(s, &me);
    change(
        s,
        c,
        guid,
        if approve {
            "approve ticket"
        } else {
            "reject ticket"
        },
        |t| {
            t.decide(&me, approve).map_err(|e| state_error(e.0))?;
            if let Some(text) = b.comment.filter(|x| !x.trim().is_empty()) {
                let now = now_ms();
                t.comments.push(Comment {
                    guid: new_guid(),
                    username: me.clone(),
                    name,
                    format: Format::Plain,
                    content: text,
                    created: now,
                    updated: now,
                });
            }
            Ok(())
        },
    )
}

async fn approve(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<Decision>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    decide(&s, &c, &guid, b, true)
}

async fn reject(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<Decision>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    decide(&s, &c, &guid, b, false)
}

async fn close(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    change(&s, &c, &guid, "close ticket", |t| {
        t.close(now_ms()).map_err(|e| state_error(e.0))
    })
}

async fn reopen(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    change(&s, &c, &guid, "reopen ticket", |t| {
        t.reopen().map_err(|e| state_error(e.0))
    })
}

async fn comments(
    _: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    check_guid(&guid)?;
    let t = s.store.ticket(&guid)?.ok_or_else(|| no_ticket(&guid))?;
    Ok(axum::Json(
        json!({"comments": t.comments.iter().map(|c| comment_view(&s, c)).collect::<Vec<_>>()}),
    ))
}

#[derive(Deserialize, Default)]
struct CommentBody {
    content: Option<String>,
    format: Option<String>,
}

/// Longest comment accepted.
const MAX_COMMENT: usize = 64 * 1024;

async fn add_comment(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<CommentBody>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    let content = b
        .content
        .filter(|x| !x.trim().is_empty())
        .ok_or_else(|| bad("content is required"))?;
    if content.len() > MAX_COMMENT {
        return Err(bad(format!(
            "content should be at most {MAX_COMMENT} bytes"
        )));
    }
    let format = match &b.format {
        Some(f) => parse_format(f, false)?,
        None => Format::Markdown,
    };
    let me = c.username().to_string();
    let name = display_name(&s, &me);
    change(&s, &c, &guid, "comment on ticket", |t| {
        let now = now_ms();
        t.comments.push(Comment {
            guid: new_guid(),
            username: me,
            name,
            format,
            content,
            created: now,
            updated: now,
        });
        Ok(())
    })
}

async fn edit_comment(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path((guid, cguid)): Path<(String, String)>,
    b: SResult<SonarJson<CommentBody>>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    check_guid(&cguid)?;
    let SonarJson(b) = b?;
    let content = b
        .content
        .filter(|x| !x.trim().is_empty())
        .ok_or_else(|| bad("content is required"))?;
    if content.len() > MAX_COMMENT {
        return Err(bad(format!(
            "content should be at most {MAX_COMMENT} bytes"
        )));
    }
    let format = b
        .format
        .as_deref()
        .map(|f| parse_format(f, false))
        .transpose()?;
    let (me, admin) = (c.username().to_string(), is_admin(&c));
    change(&s, &c, &guid, "edit ticket comment", |t| {
        let cm = t
            .comments
            .iter_mut()
            .find(|x| x.guid == cguid)
            .ok_or_else(|| wirewatch_model::Error::not_found(format!("comment {cguid}")))?;
        if cm.username != me && !admin {
            return Err(wirewatch_model::Error::forbidden(
                "only the comment's author or an administrator can edit it",
            ));
        }
        cm.content = content;
        if let Some(f) = format {
            cm.format = f;
        }
        cm.updated = now_ms();
        Ok(())
    })
}

async fn delete_comment(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path((guid, cguid)): Path<(String, String)>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    check_guid(&cguid)?;
    let (me, admin) = (c.username().to_string(), is_admin(&c));
    change(&s, &c, &guid, "delete ticket comment", |t| {
        let cm = t
            .comments
            .iter()
            .find(|x| x.guid == cguid)
            .ok_or_else(|| wirewatch_model::Error::not_found(format!("comment {cguid}")))?;
        if cm.username != me && !admin {
            return Err(wirewatch_model::Error::forbidden(
                "only the comment's author or an administrator can delete it",
            ));
        }
        t.comments.retain(|x| x.guid != cguid);
        Ok(())
    })
}

async fn attachments(
    _: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Value>> {
    check_guid(&guid)?;
    let t = s.store.ticket(&guid)?.ok_or_else(|| no_ticket(&guid))?;
    Ok(axum::Json(
        json!({"attachments": t.attachments.iter().map(|a| attachment_view(&s, &t, a)).collect::<Vec<_>>()}),
    ))
}

async fn upload(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    check_guid(&guid)?;
    let file_name = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "file_name")
        .map(|(_, v)| v.into_owned())
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad("file_name is required (a query parameter; the body is the file)"))?;
    if file_name.len() > 255
        || file_name.contains(['/', '\\'])
        || file_name.chars().any(char::is_control)
    {
        return Err(bad(
            "file_name should be a plain file name of at most 255 bytes",
        ));
    }
    if bytes.is_empty() {
        return Err(bad("the file is empty"));
    }
    if bytes.len() > wirewatch_store::MAX_ATTACHMENT {
        return Err(SonarError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!(
                "attachments are limited to {} bytes",
                wirewatch_store::MAX_ATTACHMENT
            ),
        ));
    }
    let meta = Attachment {
        guid: new_guid(),
        username: c.username().to_string(),
        file_name,
        file_size: bytes.len() as u64,
        content_type: headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string(),
        created: now_ms(),
    };
    let t = s
        .store
        .add_attachment(&guid, meta.clone(), &bytes)?
        .ok_or_else(|| no_ticket(&guid))?;
    audit(
        &s,
        &c,
        "attach file to ticket",
        "tickets",
        json!({"guid": guid, "file": meta.file_name, "size": meta.file_size}),
    );
    Ok(axum::Json(
        json!({"attachment": attachment_view(&s, &t, &meta)}),
    ))
}

async fn download(
    _: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path((guid, aguid)): Path<(String, String)>,
) -> SResult<Response> {
    check_guid(&guid)?;
    check_guid(&aguid)?;
    let (meta, data) = s.store.attachment(&guid, &aguid)?.ok_or_else(|| {
        SonarError(
            StatusCode::NOT_FOUND,
            "attachment-not-found",
            format!("attachment {aguid} not found"),
        )
    })?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        meta.file_name.replace(['"', '\r', '\n'], "_")
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, meta.content_type),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_string(),
            ),
        ],
        data,
    )
        .into_response())
}

async fn delete_attachment(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path((guid, aguid)): Path<(String, String)>,
) -> SResult<axum::Json<Value>> {
    let c = caller.0;
    check_guid(&guid)?;
    check_guid(&aguid)?;
    // Members remove what they attached; administrators anything.
    let uploader = s
        .store
        .ticket(&guid)?
        .and_then(|t| t.attachments.into_iter().find(|a| a.guid == aguid))
        .map(|a| a.username);
    if uploader.as_deref().is_some_and(|u| u != c.username()) && !is_admin(&c) {
        return Err(SonarError(
            StatusCode::FORBIDDEN,
            "no-permission",
            "only the member who attached the file or an ADMIN can delete it".into(),
        ));
    }
    if !s.store.delete_attachment(&guid, &aguid)? {
        return Err(SonarError(
            StatusCode::NOT_FOUND,
            "attachment-not-found",
            format!("attachment {aguid} not found"),
        ));
    }
    audit(
        &s,
        &c,
        "delete ticket attachment",
        "tickets",
        json!({"guid": guid, "attachment": aguid}),
    );
    Ok(axum::Json(json!({"guid": aguid, "deleted": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sonar_dates_round_trip() {
        let ms = parse_time("from", "2022-09-14 17:34:19+0900").unwrap();
        assert_eq!(ms, 1_663_144_459_000);
        assert!(parse_time("from", "yesterday").is_err());
        assert_eq!(
            parse_time("from", "1663144459000").unwrap(),
            1_663_144_459_000
        );
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    #[test]
    fn server_errors_keep_their_cause_for_the_log() {
        let e = SonarError::from(ApiError(wirewatch_model::Error::internal(
            "database: disk I/O error at /var/lib/wirewatch/wirewatch.db",
        )));
        assert_eq!(e.0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.1, "internal-error");
        assert!(
            !e.2.contains("/var/lib") && !e.2.contains("disk"),
            "{}",
            e.2
        );
        // Client errors still say what is wrong.
        let e = SonarError::from(ApiError::invalid("limit", "must be at most 1000"));
        assert_eq!((e.0, e.1), (StatusCode::BAD_REQUEST, "invalid-param"));
        assert!(e.2.contains("limit"));
    }
}
