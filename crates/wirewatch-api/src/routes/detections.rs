//! `/detections`: listing, search, triage updates, tickets, notes, related
//! detections, the investigations a detection is in, and user-created detections.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, AuditedJson, Json, Query};
use crate::guard::{Api, Guard, Ndr, ReadDetections, TriageDetections, WriteDetections};
use crate::routes::{audit, blocking};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::detection::{
    Detection, DetectionPatch, DetectionSearch, NewDetection, Note, TicketPatch,
};
use wirewatch_model::investigation::Investigation;
use wirewatch_model::time::TimeSpec;
use wirewatch_store::{AuditRecord, DetectionPage};

pub fn routes() -> Api {
    Api::new()
        .get("/detections", list)
        .post("/detections", create)
        .post("/detections/search", search)
        .patch("/detections/tickets", patch_ticket)
        .get("/detections/{id}", one)
        .patch("/detections/{id}", update)
        .get("/detections/{id}/notes", get_note)
        .put("/detections/{id}/notes", put_note)
        .delete("/detections/{id}/notes", delete_note)
        .get("/detections/{id}/related", related)
        .get("/detections/{id}/investigations", investigations)
}

/// Fill the fields that depend on how the server is reached.
pub fn view(s: &AppState, mut d: Detection) -> Detection {
    d.url = Some(format!(
        "{}/api/v1/detections/{}",
        s.config.public_url, d.id
    ));
    d
}

/// A detection the caller may see, or 404.
fn visible(s: &AppState, caller: &Caller, raw: &str) -> ApiResult<Detection> {
    let vis = caller.detections()?;
    let id = parse_id("id", raw)?;
    s.store
        .detection(id)?
        .filter(|d| vis.sees(&d.categories))
        .ok_or_else(|| ApiError::not_found(format!("detection {id}")))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

async fn list(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let search = DetectionSearch {
        limit: q.limit,
        offset: q.offset,
        ..DetectionSearch::default()
    };
    run_search(caller.0, s, search).await
}

async fn search(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    body: Result<Json<DetectionSearch>, ApiError>,
) -> ApiResult<Response> {
    let Json(body) = body?;
    run_search(caller.0, s, body).await
}

async fn run_search(caller: Caller, s: AppState, search: DetectionSearch) -> ApiResult<Response> {
    let vis = caller.detections()?;
    let store = s.store.clone();
    let me = caller.username().to_string();
    let search = search.with_times_resolved(wirewatch_model::now_ms());
    let page = blocking(move || store.search_detections(search, &me, vis)).await?;
    Ok(match page {
        DetectionPage::Ids(ids) => axum::Json(ids).into_response(),
        DetectionPage::Counts(c) => axum::Json(c).into_response(),
        DetectionPage::Full(v) => {
            axum::Json(v.into_iter().map(|d| view(&s, d)).collect::<Vec<_>>()).into_response()
        }
    })
}

async fn one(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Detection>> {
    let d = visible(&s, &caller, &raw)?;
    Ok(axum::Json(view(&s, d)))
}

/// wirewatch extension: create a user-created detection.
async fn create(
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    new: Result<Json<NewDetection>, ApiError>,
) -> ApiResult<Response> {
    let Json(mut new) = new?;
    let format = s.store.format(&new.kind, false)?;
    if format.is_some() {
        // (An unknown type is the store's 400 naming `type`.)
        let cats = wirewatch_model::access::new_detection_categories(
            new.categories.as_deref(),
            format.as_ref().map(|f| f.categories.as_slice()),
        );
        wirewatch_model::access::may_create_detection(&caller.0 .0.roles, &new.kind, &cats)?;
    }
    new.is_user_created = true;
    let store = s.store.clone();
    let audit = AuditRecord {
        user: caller.username().to_string(),
        operation: "create detection".into(),
    };
    let d = blocking(move || store.create_detection_audited(new, Some(audit))).await?;
    let location = format!("/api/v1/detections/{}", d.id);
    Ok(super::created(location, view(&s, d)))
}

async fn update(
    caller: Guard<TriageDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    body: Result<AuditedJson<DetectionPatch>, ApiError>,
) -> ApiResult<StatusCode> {
    let d = visible(&s, &caller, &raw)?;
    let AuditedJson(patch, changes) = body?;
    let store = s.store.clone();
    blocking(move || store.patch_detection(d.id, patch))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("detection {}", d.id)))?;
    audit(
        &s,
        &caller,
        "update detection",
        "detections",
        json!({"id": d.id, "changes": changes}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn patch_ticket(
    caller: Guard<TriageDetections>,
    State(s): State<AppState>,
    AuditedJson(patch, changes): AuditedJson<TicketPatch>,
) -> ApiResult<StatusCode> {
    let vis = caller.detections()?;
    let ticket = patch.ticket_id.clone();
    let store = s.store.clone();
    // Only detections the caller sees change; none seen answers as none linked.
    let ids = blocking(move || store.patch_ticket(patch, vis)).await?;
    if ids.is_empty() {
        return Err(ApiError::not_found(format!(
            "no detection is linked to ticket {ticket}"
        )));
    }
    audit(
        &s,
        &caller,
        "update ticket",
        "detections",
        json!({"ticket_id": ticket, "detections": ids, "changes": changes}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn get_note(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Note>> {
    let d = visible(&s, &caller, &raw)?;
    let note = s
        .store
        .note(d.id)?
        .ok_or_else(|| ApiError::not_found(format!("detection {}", d.id)))?;
    Ok(axum::Json(note))
}

/// Body of `PUT /detections/{id}/notes`.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "NoteInput")]
pub struct NoteBody {
    /// The note text (at most 65536 bytes).
    note: String,
}

async fn put_note(
    caller: Guard<TriageDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    body: Result<Json<NoteBody>, ApiError>,
) -> ApiResult<StatusCode> {
    let d = visible(&s, &caller, &raw)?;
    let Json(body) = body?;
    if body.note.len() > 65_536 {
        return Err(ApiError::invalid("note", "must be at most 65536 bytes"));
    }
    s.store.set_note(d.id, caller.username(), &body.note)?;
    audit(
        &s,
        &caller,
        "set detection note",
        "detections",
        json!({"id": d.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_note(
    caller: Guard<TriageDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let d = visible(&s, &caller, &raw)?;
    s.store.delete_note(d.id)?;
    audit(
        &s,
        &caller,
        "delete detection note",
        "detections",
        json!({"id": d.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Window {
    #[serde(default)]
    from: Option<i64>,
    #[serde(default)]
    until: Option<i64>,
}

async fn related(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(w): Query<Window>,
) -> ApiResult<axum::Json<Vec<Detection>>> {
    let vis = caller.detections()?;
    let d = visible(&s, &caller, &raw)?;
    let store = s.store.clone();
    let now = wirewatch_model::now_ms();
    let at = |t: Option<i64>| t.map(|t| TimeSpec::Ms(t).resolve(now).unwrap_or(t));
    let (from, until) = (at(w.from), at(w.until));
    let list = blocking(move || store.related(d.id, from, until, vis))
        .await?
        .unwrap_or_default();
    Ok(axum::Json(list.into_iter().map(|d| view(&s, d)).collect()))
}

async fn investigations(
    caller: Guard<Ndr>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Investigation>>> {
    let d = visible(&s, &caller, &raw)?;
    let list = s.store.detection_investigations(d.id)?.unwrap_or_default();
    Ok(axum::Json(
        list.into_iter()
            .map(|i| super::investigations::view(&s, i))
            .collect(),
    ))
}
