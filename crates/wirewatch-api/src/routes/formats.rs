//! `/detections/formats`: the built-in catalog and custom detection formats.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use wirewatch_detect::DetectionFormat;
use wirewatch_model::user::Access;
use wirewatch_store::FormatInput;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/detections/formats", get(list).post(create))
        .route(
            "/detections/formats/{id}",
            get(one).patch(update).delete(remove),
        )
}

#[derive(Deserialize, Default)]
struct BuiltInOnly {
    #[serde(default)]
    built_in_only: Option<bool>,
}

async fn list(
    caller: Caller,
    State(s): State<AppState>,
    Query(q): Query<BuiltInOnly>,
) -> ApiResult<axum::Json<Vec<DetectionFormat>>> {
    caller.detections()?;
    Ok(axum::Json(
        s.store.formats(q.built_in_only.unwrap_or(false))?,
    ))
}

async fn one(
    caller: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<BuiltInOnly>,
) -> ApiResult<axum::Json<DetectionFormat>> {
    caller.detections()?;
    s.store
        .format(&id, q.built_in_only.unwrap_or(false))?
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("detection format {id}")))
}

async fn create(
    caller: Caller,
    State(s): State<AppState>,
    Json(input): Json<FormatInput>,
) -> ApiResult<Response> {
    caller.require(Access::WriteFull)?;
    caller.detections()?;
    let f = s.store.create_format(input, caller.username())?;
    audit(
        &s,
        &caller,
        "create detection format",
        "detections",
        json!({"type": f.kind}),
    );
    let location = format!("/api/v1/detections/formats/{}", f.kind);
    Ok(super::created(location, f))
}

async fn update(
    caller: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(input): Json<FormatInput>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    caller.detections()?;
    s.store.update_format(&id, input)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "custom detection format {id} (built-in formats cannot be changed)"
        ))
    })?;
    audit(
        &s,
        &caller,
        "update detection format",
        "detections",
        json!({"type": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    caller.detections()?;
    if !s.store.delete_format(&id)? {
        return Err(ApiError::not_found(format!(
            "custom detection format {id} (built-in formats cannot be deleted)"
        )));
    }
    audit(
        &s,
        &caller,
        "delete detection format",
        "detections",
        json!({"type": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}
