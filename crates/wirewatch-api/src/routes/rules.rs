//! `/detections/rules/hiding`: tuning rules that hide detections.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, parse_json, Json};
use crate::routes::{audit, blocking};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use wirewatch_model::rule::{NewTuningRule, TuningRule, TuningRulePatch};
use wirewatch_model::user::Access;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/detections/rules/hiding", get(list).post(create))
        .route(
            "/detections/rules/hiding/{id}",
            get(one).patch(update).delete(remove),
        )
}

async fn list(caller: Caller, State(s): State<AppState>) -> ApiResult<axum::Json<Vec<TuningRule>>> {
    caller.detections()?;
    Ok(axum::Json(s.store.rules()?))
}

async fn one(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<TuningRule>> {
    caller.detections()?;
    let id = parse_id("id", &raw)?;
    s.store
        .rule(id)?
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("tuning rule {id}")))
}

async fn create(
    caller: Caller,
    State(s): State<AppState>,
    Json(new): Json<NewTuningRule>,
) -> ApiResult<Response> {
    caller.require(Access::WriteFull)?;
    caller.detections()?;
    let store = s.store.clone();
    let author = caller.username().to_string();
    let rule = blocking(move || store.create_rule(new, &author)).await?;
    audit(
        &s,
        &caller,
        "create tuning rule",
        "detections",
        json!({"id": rule.id, "detection_type": rule.detection_type}),
    );
    let location = format!("/api/v1/detections/rules/hiding/{}", rule.id);
    Ok(super::created(location, rule))
}

async fn update(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    caller.detections()?;
    let id = parse_id("id", &raw)?;
    let patch: TuningRulePatch = parse_json(&body)?;
    let changes: Value = serde_json::from_slice(&body).unwrap_or_default();
    let store = s.store.clone();
    blocking(move || store.update_rule(id, patch))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tuning rule {id}")))?;
    audit(
        &s,
        &caller,
        "update tuning rule",
        "detections",
        json!({"id": id, "changes": changes}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    caller.detections()?;
    let id = parse_id("id", &raw)?;
    let store = s.store.clone();
    if !blocking(move || store.delete_rule(id)).await? {
        return Err(ApiError::not_found(format!("tuning rule {id}")));
    }
    audit(
        &s,
        &caller,
        "delete tuning rule",
        "detections",
        json!({"id": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}
