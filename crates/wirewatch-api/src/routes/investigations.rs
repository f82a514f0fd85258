//! `/investigations`: analyst-curated groups of detections.

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::guard::{Api, Guard, Ndr, NdrWrite};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use wirewatch_model::investigation::{Investigation, InvestigationPatch, NewInvestigation};

pub fn routes() -> Api {
    Api::new()
        .get("/investigations", list)
        .post("/investigations", create)
        .get("/investigations/{id}", one)
        .patch("/investigations/{id}", update)
        .delete("/investigations/{id}", remove)
}

/// Fill the link to the investigation.
pub fn view(s: &AppState, mut inv: Investigation) -> Investigation {
    inv.url = Some(format!(
        "{}/api/v1/investigations/{}",
        s.config.public_url, inv.id
    ));
    inv
}

async fn list(
    _: Guard<Ndr>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<Investigation>>> {
    Ok(axum::Json(
        s.store
            .investigations()?
            .into_iter()
            .map(|i| view(&s, i))
            .collect(),
    ))
}

async fn one(
    _: Guard<Ndr>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Investigation>> {
    let id = parse_id("id", &raw)?;
    s.store
        .investigation(id)?
        .map(|i| axum::Json(view(&s, i)))
        .ok_or_else(|| ApiError::not_found(format!("investigation {id}")))
}

async fn create(
    caller: Guard<NdrWrite>,
    State(s): State<AppState>,
    new: Result<Json<NewInvestigation>, ApiError>,
) -> ApiResult<Response> {
    let Json(new) = new?;
    let inv = s.store.create_investigation(new, caller.username())?;
    audit(
        &s,
        &caller,
        "create investigation",
        "investigations",
        json!({"id": inv.id, "name": inv.name}),
    );
    let location = format!("/api/v1/investigations/{}", inv.id);
    Ok(super::created(location, view(&s, inv)))
}

async fn update(
    caller: Guard<NdrWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    patch: Result<Json<InvestigationPatch>, ApiError>,
) -> ApiResult<StatusCode> {
    let Json(patch) = patch?;
    let id = parse_id("id", &raw)?;
    let details = json!({"id": id, "event_ids": patch.event_ids, "detections_to_add": patch.detections_to_add, "detections_to_remove": patch.detections_to_remove});
    s.store
        .update_investigation(id, patch, caller.username())?
        .ok_or_else(|| ApiError::not_found(format!("investigation {id}")))?;
    audit(
        &s,
        &caller,
        "update investigation",
        "investigations",
        details,
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<NdrWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id("id", &raw)?;
    if !s.store.delete_investigation(id)? {
        return Err(ApiError::not_found(format!("investigation {id}")));
    }
    audit(
        &s,
        &caller,
        "delete investigation",
        "investigations",
        json!({"id": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}
