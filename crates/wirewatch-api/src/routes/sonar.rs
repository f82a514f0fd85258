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
use crate::guard::{Api, Guard, Member, Policy, TicketAdmin};
use crate::routes::audit;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::FromRequest;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use wirewatch_model::ticket::{
    Attachment, Comment, Format, Priority, Task, TaskStatus, Ticket, TicketStatus, DATE_PATTERN,
    GUID_PATTERN,
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
/// linking a detection the caller's modules do not see answers as a missing
/// one. A caller who is not a MEMBER is refused (403 `no-permission`) by the
/// handler's guard before any lookup, whether the ticket exists or not.
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
    // No key, a bad key, a caller without ticket rights (the handler's
    // guard refuses them alike for every guid, so nothing leaks), a
    // malformed guid: the handler answers as always.
    if let (Ok(c), true) = (&caller, is_guid(&guid)) {
        if !Member::PRIVILEGE.admits(c) {
            return next.run(req).await;
        }
        match s.store.ticket_visible(&guid, c.modules()) {
            Ok(Some(false)) => {
                // Exactly what a missing ticket answers (GET one: `{"ticket": null}`).
                let whole = req
                    .uri()
                    .path()
                    .trim_end_matches('/')
                    .ends_with(guid.as_str());
                if whole && req.method() == axum::http::Method::GET {
                    return axum::Json(TicketLookup { ticket: None }).into_response();
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
            axum::Json(ErrorBody {
                error_code: self.1,
                error_msg: self.2,
            }),
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
pub(crate) fn derived_guid(s: &AppState, kind: &str, name: &str) -> String {
    let h = Sha256::digest(format!("{}/{kind}/{name}", s.store.instance_id()).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    wirewatch_store::guid_from(b, 5)
}

/// `x_login` and `x_user` of a person: kept only once their account is gone.
fn gone(s: &AppState, username: &str, name: &str) -> (Option<String>, Option<String>) {
    let gone = !matches!(s.store.user(username), Ok(Some(_))) && username != "system";
    if gone {
        (Some(username.to_string()), Some(name.to_string()))
    } else {
        (None, None)
    }
}

fn task_view(s: &AppState, t: &Task, kind: TaskType) -> TaskView {
    let (x_login, x_user) = gone(s, &t.username, &t.name);
    TaskView {
        company_guid: derived_guid(s, "company", "wirewatch"),
        company_name: "wirewatch",
        user_guid: derived_guid(s, "user", &t.username),
        user_name: t.username.clone(),
        task_type: kind,
        task_status: t.task_status,
        x_login,
        x_user,
        x_dept: None,
    }
}

fn comment_view(s: &AppState, c: &Comment) -> CommentView {
    let (x_login, x_user) = gone(s, &c.username, &c.name);
    CommentView {
        guid: c.guid.clone(),
        user_guid: derived_guid(s, "user", &c.username),
        user_name: c.username.clone(),
        kind: "TEXT",
        format: c.format,
        content: c.content.clone(),
        created: sonar_time(c.created),
        updated: sonar_time(c.updated),
        x_login,
        x_user,
        x_dept: None,
    }
}

fn attachment_view(s: &AppState, t: &Ticket, a: &Attachment) -> AttachmentView {
    AttachmentView {
        guid: a.guid.clone(),
        user_guid: derived_guid(s, "user", &a.username),
        ticket_guid: t.guid.clone(),
        file_name: a.file_name.clone(),
        file_size: a.file_size,
        content_type: a.content_type.clone(),
        created: sonar_time(a.created),
    }
}

/// The ticket exactly as the Sonar API shows it.
pub fn view(s: &AppState, t: &Ticket) -> TicketView {
    let by_rule = !t.rule.is_empty();
    let (x_login, x_user) = gone(s, &t.author, &t.author_name);
    TicketView {
        id: t.id,
        repo_guid: derived_guid(s, "repo", "Threat"),
        repo_name: "Threat",
        site_guid: derived_guid(s, "site", &s.config.hostname),
        site_name: s.config.hostname.clone(),
        guid: t.guid.clone(),
        title: t.title.clone(),
        priority: t.priority,
        status: t.status,
        format: t.format,
        rule_guid: by_rule.then(|| derived_guid(s, "rule", &t.rule)),
        rule_type: by_rule.then_some("STREAM"),
        rule_name: by_rule.then(|| t.rule_name.clone()),
        count: t.count,
        content: t.content.clone(),
        risk_score: t.risk_score,
        attack: t.attack,
        incident: t.incident,
        assignees: t
            .assignees
            .iter()
            .map(|a| task_view(s, a, TaskType::Assignee))
            .collect(),
        approvers: t
            .approvers
            .iter()
            .map(|a| task_view(s, a, TaskType::Approver))
            .collect(),
        attachments: t
            .attachments
            .iter()
            .map(|a| attachment_view(s, t, a))
            .collect(),
        created: sonar_time(t.created),
        updated: sonar_time(t.updated),
        closed: t.closed.map(sonar_time),
        comments: t.comments.iter().map(|c| comment_view(s, c)).collect(),
        x_site: None,
        x_login,
        x_user,
        x_dept: None,
        mitre_techniques: TechniqueView::of(&t.mitre_techniques),
    }
}

/// Every `error_code` the Sonar routes answer with.
pub const ERROR_CODES: [&str; 15] = [
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

/// The ticket of the documentation's examples.
pub const EXAMPLE_GUID: &str = "49272877-75f2-4c2f-9301-d21c4f9a106d";
/// The comment of the documentation's examples.
pub const EXAMPLE_COMMENT_GUID: &str = "b66a31b5-db94-478b-8751-194b5ee5f358";
/// The attachment of the documentation's examples.
pub const EXAMPLE_ATTACHMENT_GUID: &str = "d4390b7a-7d64-4a24-bd3e-af74b4f3c204";
/// The user of the examples who works the ticket (`alice`).
const EXAMPLE_ALICE: &str = "bfd00bb0-be99-5fd5-8380-166f544975fa";

/// A Sonar error.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarError", example = ErrorBody::example())]
pub struct ErrorBody {
    /// What went wrong: `invalid-param` (400: a parameter or the body),
    /// `invalid-param-type` (400: a GUID is not in GUID form),
    /// `invalid-state` (400: the workflow does not allow the step now),
    /// `unauthorized` (401), `no-permission` (403), `ticket-not-found`,
    /// `attachment-not-found`, `not-found` (404: a comment), `too-large`
    /// (413), `internal-error` (500); `conflict`, `method-not-allowed` and
    /// `not-supported` are the codes of the sensor's other errors.
    #[schemars(extend("enum" = ERROR_CODES))]
    pub error_code: &'static str,
    /// The reason, for people.
    pub error_msg: String,
}

impl ErrorBody {
    fn example() -> ErrorBody {
        ErrorBody {
            error_code: "invalid-param-type",
            error_msg: "guid should be guid type.".into(),
        }
    }
}

/// Which list of a ticket a person is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(inline)]
pub enum TaskType {
    Assignee,
    Approver,
}

/// An assignee or an approver of a ticket.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarTask", example = TaskView::example())]
pub struct TaskView {
    /// The tenant's GUID (one tenant: this sensor).
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub company_guid: String,
    /// The tenant's name: always `wirewatch`.
    pub company_name: &'static str,
    /// The person's GUID (stable for a user name on this sensor).
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub user_guid: String,
    /// The person's user name (the name `assign` takes).
    pub user_name: String,
    /// `ASSIGNEE` in `assignees`, `APPROVER` in `approvers`.
    pub task_type: TaskType,
    /// An assignee's task: `ASSIGNED`, `IN_PROGRESS` or `CLOSED` (their part
    /// done). An approver's: `ASSIGNED` until they decide, then `APPROVED`
    /// or `REJECTED`.
    pub task_status: TaskStatus,
    /// The login name of the person once their account is deleted; `null`
    /// while it exists.
    pub x_login: Option<String>,
    /// The display name of the person once their account is deleted; `null`
    /// while it exists.
    pub x_user: Option<String>,
    /// The department; always `null` (wirewatch users have none).
    pub x_dept: Option<String>,
}

impl TaskView {
    fn example() -> TaskView {
        TaskView::example_of(
            "alice",
            EXAMPLE_ALICE,
            TaskType::Assignee,
            TaskStatus::Closed,
        )
    }

    fn example_of(user: &str, guid: &str, kind: TaskType, status: TaskStatus) -> TaskView {
        TaskView {
            company_guid: "0c5a1f3e-8d2b-5e47-9f6a-2b1d7c9e4a30".into(),
            company_name: "wirewatch",
            user_guid: guid.into(),
            user_name: user.into(),
            task_type: kind,
            task_status: status,
            x_login: None,
            x_user: None,
            x_dept: None,
        }
    }
}

/// A comment on a ticket.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarComment", example = CommentView::example())]
pub struct CommentView {
    /// The comment's GUID.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub guid: String,
    /// The author's GUID.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub user_guid: String,
    /// The author's user name.
    pub user_name: String,
    /// Always `TEXT`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["TEXT"]))]
    pub kind: &'static str,
    /// Markdown or plain text (the comment an approver adds when deciding is
    /// `PLAIN`).
    #[schemars(extend("enum" = ["MARKDOWN", "PLAIN"]))]
    pub format: Format,
    /// The text.
    pub content: String,
    /// When it was written (`yyyy-MM-dd HH:mm:ssZ`, in the sensor's time zone).
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub created: String,
    /// When it was last edited (`yyyy-MM-dd HH:mm:ssZ`, in the sensor's time
    /// zone).
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub updated: String,
    /// The login name of the author once their account is deleted; `null`
    /// while it exists.
    pub x_login: Option<String>,
    /// The display name of the author once their account is deleted; `null`
    /// while it exists.
    pub x_user: Option<String>,
    /// The department; always `null` (wirewatch users have none).
    pub x_dept: Option<String>,
}

impl CommentView {
    fn example() -> CommentView {
        CommentView {
            guid: EXAMPLE_COMMENT_GUID.into(),
            user_guid: EXAMPLE_ALICE.into(),
            user_name: "alice".into(),
            kind: "TEXT",
            format: Format::Markdown,
            content: "* Blocked 10.0.0.1 at the firewall.".into(),
            created: "2026-01-05 09:57:34+0900".into(),
            updated: "2026-01-05 09:57:34+0900".into(),
            x_login: None,
            x_user: None,
            x_dept: None,
        }
    }
}

/// A file attached to a ticket (its bytes: `GET .../attachments/{aguid}`).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarAttachment", example = AttachmentView::example())]
pub struct AttachmentView {
    /// The attachment's GUID.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub guid: String,
    /// The GUID of who attached it.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub user_guid: String,
    /// The ticket's GUID.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub ticket_guid: String,
    /// The file name given when it was attached.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: u64,
    /// wirewatch extension: the `Content-Type` it was uploaded with
    /// (`application/octet-stream` when none was sent); the download answers
    /// with it.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub content_type: String,
    /// wirewatch extension: when it was attached (`yyyy-MM-dd HH:mm:ssZ`, in
    /// the sensor's time zone).
    #[schemars(regex(pattern = DATE_PATTERN), extend("x-wirewatch-extension" = true))]
    pub created: String,
}

impl AttachmentView {
    fn example() -> AttachmentView {
        AttachmentView {
            guid: EXAMPLE_ATTACHMENT_GUID.into(),
            user_guid: EXAMPLE_ALICE.into(),
            ticket_guid: EXAMPLE_GUID.into(),
            file_name: "firewall-rule.png".into(),
            file_size: 124_118,
            content_type: "image/png".into(),
            created: "2026-01-05 09:58:02+0900".into(),
        }
    }
}

/// A MITRE ATT&CK tactic.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarMitreTactic")]
pub struct TacticView {
    /// The tactic id, e.g. `TA0007`.
    pub mitre_id: String,
    /// The tactic's name.
    pub name: String,
}

/// A MITRE ATT&CK technique of the ticket's detection type.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarMitreTechnique")]
pub struct TechniqueView {
    /// The technique id, e.g. `T1046`.
    pub mitre_id: String,
    /// The technique's name.
    pub name: String,
    /// `<first tactic>: <technique>`, or the technique's name when it has no
    /// tactic.
    pub display_name: String,
    /// The technique's page at attack.mitre.org.
    pub url: String,
    /// The tactics of the technique.
    pub tactics: Vec<TacticView>,
}

impl TechniqueView {
    /// The techniques of the catalog with these ids, with their tactics.
    fn of(ids: &[String]) -> Vec<TechniqueView> {
        wirewatch_model::mitre::techniques(ids)
            .into_iter()
            .map(|m| {
                let tactics = wirewatch_model::mitre::tactics(std::slice::from_ref(&m.id));
                let display_name = match tactics.first() {
                    Some(t) => format!("{}: {}", t.name, m.name),
                    None => m.name.clone(),
                };
                TechniqueView {
                    mitre_id: m.id,
                    name: m.name,
                    display_name,
                    // The catalog gives every technique its page.
                    url: m.url.unwrap_or_default(),
                    tactics: tactics
                        .into_iter()
                        .map(|t| TacticView {
                            mitre_id: t.id,
                            name: t.name,
                        })
                        .collect(),
                }
            })
            .collect()
    }
}

/// An internal ticket, as the Logpresso Sonar API shows it. Detections of
/// one type and one offender join the same ticket while it is open.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarTicket", example = TicketView::example())]
pub struct TicketView {
    /// The ticket's number.
    pub id: u32,
    /// The ticket type's GUID.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub repo_guid: String,
    /// The ticket type: always `Threat`.
    #[schemars(extend("enum" = ["Threat"]))]
    pub repo_name: &'static str,
    /// The site's GUID (this sensor).
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub site_guid: String,
    /// The site's name: the sensor's host name.
    pub site_name: String,
    /// The ticket's GUID: the `{guid}` of the other operations, and the
    /// `ticket_id` of its detections.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub guid: String,
    /// The title; a ticket made from detections is `<detection type>:
    /// <offender>`.
    pub title: String,
    /// The priority; a ticket made from detections takes it from their risk
    /// score (80 and above `HIGH`, 31 to 79 `MEDIUM`, 30 and below `LOW`).
    pub priority: Priority,
    /// The workflow state: `NEW` → `ASSIGNED` (assignees set) →
    /// `IN_PROGRESS` (an assignee starts or finishes their task) →
    /// `SUBMITTED` (needs approvers, and every assignee's task `CLOSED`) →
    /// `APPROVED` or `REJECTED` (an approver decides; `REJECTED` goes back to
    /// work) → `CLOSED`. Closing is allowed from any state; reopening returns
    /// a `CLOSED` or `APPROVED` ticket to `ASSIGNED` (or `NEW` without
    /// assignees).
    pub status: TicketStatus,
    /// The form of `content`: `JSON` for a ticket made from detections, as
    /// chosen for one made by hand.
    pub format: Format,
    /// The GUID of the detection type (the "rule"); `null` for a ticket made
    /// by hand (`POST /sonar/tickets`).
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub rule_guid: Option<String>,
    /// `STREAM` (detections are made as traffic is seen); `null` for a
    /// ticket made by hand (`POST /sonar/tickets`).
    #[schemars(extend("enum" = ["STREAM", null]))]
    pub rule_type: Option<&'static str>,
    /// The detection type's display name; `null` for a ticket made by hand
    /// (`POST /sonar/tickets`).
    pub rule_name: Option<String>,
    /// How many detections were merged into the ticket (1 for a ticket made
    /// by hand).
    pub count: u32,
    /// The ticket's data: the first detection as JSON for a ticket made from
    /// detections.
    pub content: String,
    /// The risk score (of the detection type's first detection, 0 to 100),
    /// or as set; `null` when none.
    pub risk_score: Option<u8>,
    /// Set after analysis: the detection is a true positive.
    pub attack: bool,
    /// Set after analysis: an incident that needs an immediate response (an
    /// infected endpoint, say).
    pub incident: bool,
    /// Who works the ticket (`task_type: ASSIGNEE`).
    pub assignees: Vec<TaskView>,
    /// Who approves or rejects it (`task_type: APPROVER`).
    pub approvers: Vec<TaskView>,
    /// The attached files.
    pub attachments: Vec<AttachmentView>,
    /// When the ticket was opened (`yyyy-MM-dd HH:mm:ssZ`, in the sensor's
    /// time zone).
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub created: String,
    /// When it last changed (a detection merged in counts) (`yyyy-MM-dd
    /// HH:mm:ssZ`, in the sensor's time zone).
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub updated: String,
    /// When it was closed; `null` while open (`yyyy-MM-dd HH:mm:ssZ`, in the
    /// sensor's time zone).
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub closed: Option<String>,
    /// The comments, oldest first.
    pub comments: Vec<CommentView>,
    /// The site's name once the site is deleted: always `null`.
    pub x_site: Option<String>,
    /// The login name of the ticket's author (`system` for a ticket made from
    /// detections) once their account is deleted; `null` while it exists.
    pub x_login: Option<String>,
    /// The display name of the ticket's author (`system` for a ticket made
    /// from detections) once their account is deleted; `null` while it
    /// exists.
    pub x_user: Option<String>,
    /// The department; always `null` (wirewatch users have none).
    pub x_dept: Option<String>,
    /// The MITRE ATT&CK techniques of the detection type. Left out when there
    /// are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mitre_techniques: Vec<TechniqueView>,
}

impl TicketView {
    /// `GET /api/sonar/tickets/{guid}` of an approved port-scan ticket.
    fn example() -> TicketView {
        TicketView {
            id: 2,
            repo_guid: "5f0ba741-7551-500d-8bd6-1f14a6e8536d".into(),
            repo_name: "Threat",
            site_guid: "2a7c9e14-3b6d-5f80-a1c2-9d4e6f8b0a13".into(),
            site_name: "sensor-01".into(),
            guid: EXAMPLE_GUID.into(),
            title: "Port Scan: 10.0.0.1".into(),
            priority: Priority::Low,
            status: TicketStatus::Approved,
            format: Format::Json,
            rule_guid: Some("ad4b9871-d5f0-5a8b-a341-8ac0afcdcddf".into()),
            rule_type: Some("STREAM"),
            rule_name: Some("Port Scan".into()),
            count: 7,
            content: "{\"id\":17,\"type\":\"port_scan\",\"title\":\"Port Scan\",\"risk_score\":30,\
                      \"start_time\":1767571459000,\"participants\":[{\"role\":\"offender\",\
                      \"object_type\":\"ipaddr\",\"ipaddr\":\"10.0.0.1\"}]}"
                .into(),
            risk_score: Some(30),
            attack: true,
            incident: false,
            assignees: vec![TaskView::example()],
            approvers: vec![TaskView::example_of(
                "bob",
                "ffaf431b-653a-5f2d-8380-913cbb00342d",
                TaskType::Approver,
                TaskStatus::Approved,
            )],
            attachments: vec![AttachmentView::example()],
            created: "2026-01-05 09:04:19+0900".into(),
            updated: "2026-01-05 10:02:11+0900".into(),
            closed: None,
            comments: vec![CommentView::example()],
            x_site: None,
            x_login: None,
            x_user: None,
            x_dept: None,
            mitre_techniques: TechniqueView::of(&["T1046".into()]),
        }
    }
}

/// A page of tickets.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarTicketList", example = TicketList::example())]
pub struct TicketList {
    /// How many tickets match the filters (all pages).
    pub total: u64,
    /// The `offset` of the request.
    pub offset: u64,
    /// The `limit` of the request (100 by default).
    pub limit: u64,
    /// The page, in the requested order.
    pub tickets: Vec<TicketView>,
}

impl TicketList {
    fn example() -> TicketList {
        let mut ticket = TicketView::example();
        ticket.comments = vec![];
        TicketList {
            total: 1,
            offset: 0,
            limit: 100,
            tickets: vec![ticket],
        }
    }
}

/// The ticket, as it is after the operation.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarTicketAnswer")]
pub struct TicketAnswer {
    pub ticket: TicketView,
}

/// The ticket, or `null` when there is none with that GUID (Sonar answers a
/// missing ticket with 200).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarTicketLookup")]
pub struct TicketLookup {
    /// The ticket; `null` when it does not exist.
    pub ticket: Option<TicketView>,
}

/// What was deleted.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarDeleted", example = Deleted::example())]
pub struct Deleted {
    /// The GUID of the deleted ticket or attachment.
    #[schemars(regex(pattern = GUID_PATTERN))]
    pub guid: String,
    /// Always `true`.
    #[schemars(extend("enum" = [true]))]
    pub deleted: bool,
}

impl Deleted {
    fn of(guid: String) -> Deleted {
        Deleted {
            guid,
            deleted: true,
        }
    }

    fn example() -> Deleted {
        Deleted::of(EXAMPLE_GUID.into())
    }
}

/// The comments of a ticket, oldest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarComments")]
pub struct Comments {
    pub comments: Vec<CommentView>,
}

/// The attachments of a ticket.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarAttachments")]
pub struct Attachments {
    pub attachments: Vec<AttachmentView>,
}

/// The new attachment.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SonarAttachmentAnswer")]
pub struct AttachmentAnswer {
    pub attachment: AttachmentView,
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
) -> SResult<axum::Json<TicketList>> {
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
    Ok(axum::Json(TicketList {
        total,
        offset: query.offset as u64,
        limit: query.limit as u64,
        tickets: tickets.iter().map(|t| view(&s, t)).collect(),
    }))
}

async fn one(
    _: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<TicketLookup>> {
    check_guid(&guid)?;
    let t = s.store.ticket(&guid)?;
    Ok(axum::Json(TicketLookup {
        ticket: t.map(|t| view(&s, &t)),
    }))
}

/// A ticket made by hand. Unknown fields are ignored.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SonarNewTicket")]
pub(crate) struct NewTicket {
    /// The title; not empty or only spaces.
    #[schemars(with = "String", regex(pattern = r"\S"))]
    title: Option<String>,
    /// `HIGH`, `MEDIUM` (the default) or `LOW`. Case does not matter.
    #[schemars(with = "Option<Priority>")]
    priority: Option<String>,
    /// The ticket's text (empty by default).
    content: Option<String>,
    /// The form of `content`: `MARKDOWN` (the default), `PLAIN` or `JSON`.
    /// Case does not matter.
    #[schemars(with = "Option<Format>")]
    format: Option<String>,
    /// The risk score; none by default. Risk scores are 0 to 100 elsewhere;
    /// any 0 to 255 is kept.
    risk_score: Option<u8>,
    /// A true positive (default `false`).
    attack: Option<bool>,
    /// An incident that needs an immediate response (default `false`).
    incident: Option<bool>,
}

/// The fields to change; a field left out (or `null`) keeps its value.
/// Unknown fields are ignored, and so is `format` (it is fixed when the
/// ticket is made).
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SonarTicketPatch")]
pub(crate) struct TicketChange {
    /// The title; not empty or only spaces.
    #[schemars(regex(pattern = r"\S"))]
    title: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW`. Case does not matter.
    #[schemars(with = "Option<Priority>")]
    priority: Option<String>,
    /// The ticket's data.
    content: Option<String>,
    /// Read as `POST` reads it (a string), then ignored.
    #[schemars(skip)]
    #[allow(dead_code)]
    format: Option<String>,
    /// The risk score (`null` keeps it). Risk scores are 0 to 100 elsewhere;
    /// any 0 to 255 is kept.
    risk_score: Option<u8>,
    /// A true positive.
    attack: Option<bool>,
    /// An incident that needs an immediate response.
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

fn ok_ticket(s: &AppState, t: Ticket) -> axum::Json<TicketAnswer> {
    axum::Json(TicketAnswer {
        ticket: view(s, &t),
    })
}

async fn create(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    SonarJson(b): SonarJson<NewTicket>,
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<TicketAnswer>> {
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
    SonarJson(b): SonarJson<TicketChange>,
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<Deleted>> {
    let c = caller.0;
    check_guid(&guid)?;
    if !s.store.delete_ticket(&guid)? {
        return Err(no_ticket(&guid));
    }
    audit(&s, &c, "delete ticket", "tickets", json!({"guid": guid}));
    Ok(axum::Json(Deleted::of(guid)))
}

/// Who works and who approves the ticket; at least one of the two lists. A
/// list left out is kept.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SonarAssignment", extend("minProperties" = 1))]
pub(crate) struct AssignBody {
    /// The user names of the assignees, replacing the current ones (`[]`
    /// removes them all). Each must be a user of this sensor (400 naming the
    /// entry otherwise); repeated names count once; people already on the
    /// ticket keep their task status.
    assignees: Option<Vec<String>>,
    /// The user names of the approvers, replacing the current ones (`[]`
    /// removes them all). Each must be a user of this sensor (400 naming the
    /// entry otherwise); repeated names count once; people already on the
    /// ticket keep their task status.
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
) -> SResult<axum::Json<TicketAnswer>> {
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

/// A change of an assignee's task.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SonarTaskChange")]
pub(crate) struct TaskBody {
    /// `ASSIGNED`, `IN_PROGRESS` (the ticket becomes `IN_PROGRESS`) or
    /// `CLOSED` (the assignee's part is done; the ticket also becomes
    /// `IN_PROGRESS`). Case does not matter.
    #[schemars(with = "TaskStatus", extend("enum" = ["ASSIGNED", "IN_PROGRESS", "CLOSED"]))]
    task_status: Option<String>,
    /// Whose task: the caller's by default. Another assignee's task needs the
    /// ADMIN role.
    username: Option<String>,
}

async fn task(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<TaskBody>,
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<TicketAnswer>> {
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

/// An approver's decision; the body may be left out.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SonarDecision")]
pub(crate) struct Decision {
    /// A reason, added to the ticket as a `PLAIN` comment of the approver
    /// (ignored when empty).
    comment: Option<String>,
}

fn decide(
    s: &AppState,
    c: &Caller,
    guid: &str,
    b: Decision,
    approve: bool,
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<TicketAnswer>> {
    let c = caller.0;
    decide(&s, &c, &guid, b, true)
}

async fn reject(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<Decision>,
) -> SResult<axum::Json<TicketAnswer>> {
    let c = caller.0;
    decide(&s, &c, &guid, b, false)
}

async fn close(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<TicketAnswer>> {
    let c = caller.0;
    change(&s, &c, &guid, "close ticket", |t| {
        t.close(now_ms()).map_err(|e| state_error(e.0))
    })
}

async fn reopen(
    caller: Guard<TicketAdmin, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<TicketAnswer>> {
    let c = caller.0;
    change(&s, &c, &guid, "reopen ticket", |t| {
        t.reopen().map_err(|e| state_error(e.0))
    })
}

async fn comments(
    _: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
) -> SResult<axum::Json<Comments>> {
    check_guid(&guid)?;
    let t = s.store.ticket(&guid)?.ok_or_else(|| no_ticket(&guid))?;
    Ok(axum::Json(Comments {
        comments: t.comments.iter().map(|c| comment_view(&s, c)).collect(),
    }))
}

/// A comment's text.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "SonarCommentInput")]
pub(crate) struct CommentBody {
    /// The text: not empty or only spaces, at most 64 KiB (65536 bytes).
    #[schemars(with = "String", regex(pattern = r"\S"), length(max = MAX_COMMENT))]
    content: Option<String>,
    /// `MARKDOWN` or `PLAIN`. Case does not matter. Left out: `MARKDOWN` for
    /// a new comment, unchanged for an edit.
    #[schemars(with = "Option<Format>", extend("enum" = ["MARKDOWN", "PLAIN", null]))]
    format: Option<String>,
}

/// Longest comment accepted (bytes).
pub const MAX_COMMENT: usize = 64 * 1024;

async fn add_comment(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    SonarJson(b): SonarJson<CommentBody>,
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<TicketAnswer>> {
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
) -> SResult<axum::Json<Attachments>> {
    check_guid(&guid)?;
    let t = s.store.ticket(&guid)?.ok_or_else(|| no_ticket(&guid))?;
    Ok(axum::Json(Attachments {
        attachments: t
            .attachments
            .iter()
            .map(|a| attachment_view(&s, &t, a))
            .collect(),
    }))
}

async fn upload(
    caller: Guard<Member, SonarError>,
    State(s): State<AppState>,
    Path(guid): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> SResult<axum::Json<AttachmentAnswer>> {
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
    Ok(axum::Json(AttachmentAnswer {
        attachment: attachment_view(&s, &t, &meta),
    }))
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
) -> SResult<axum::Json<Deleted>> {
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
    Ok(axum::Json(Deleted::of(aguid)))
}

impl<T: schemars::JsonSchema> crate::guard::Input for SonarJson<T> {
    fn body() -> Option<crate::guard::Body> {
        crate::guard::json(crate::guard::Dialect::Sonar, true)
    }

    fn body_schema(g: &mut schemars::SchemaGenerator) -> Option<schemars::Schema> {
        crate::guard::typed::<T>(g)
    }
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
