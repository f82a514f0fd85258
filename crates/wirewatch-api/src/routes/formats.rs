//! `/detections/formats`: the built-in catalog and custom detection formats.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Api, Guard, ReadDetections, WriteDetections};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::catalog::DetectionFormat;
use wirewatch_store::{FormatInput, Visibility};

pub fn routes() -> Api {
    Api::new()
        .get("/detections/formats", list)
        .post("/detections/formats", create)
        .get("/detections/formats/{id}", one)
        .patch("/detections/formats/{id}", update)
        .delete("/detections/formats/{id}", remove)
}

#[derive(Deserialize, Default)]
struct BuiltInOnly {
    #[serde(default)]
    built_in_only: Option<bool>,
}

async fn list(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Query(q): Query<BuiltInOnly>,
) -> ApiResult<axum::Json<Vec<DetectionFormat>>> {
    let m = caller.detections()?;
    let mut all = s.store.formats(q.built_in_only.unwrap_or(false))?;
    all.retain(|f| m.sees(&f.categories));
    Ok(axum::Json(all))
}

async fn one(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<BuiltInOnly>,
) -> ApiResult<axum::Json<DetectionFormat>> {
    let m = caller.detections()?;
    s.store
        .format(&id, q.built_in_only.unwrap_or(false))?
        .filter(|f| m.sees(&f.categories))
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("detection format {id}")))
}

async fn create(
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    Json(input): Json<FormatInput>,
) -> ApiResult<Response> {
    let m = caller.detections()?;
    check_categories(m, &input)?;
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
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Json(input): Json<FormatInput>,
) -> ApiResult<StatusCode> {
    let m = caller.detections()?;
    visible_custom(&s, m, &id)?;
    if input.categories.is_some() {
        check_categories(m, &input)?;
    }
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
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let m = caller.detections()?;
    visible_custom(&s, m, &id)?;
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

/// A format the caller's modules do not see answers as a missing one.
fn visible_custom(s: &AppState, m: Visibility, id: &str) -> ApiResult<()> {
    match s.store.format(id, false)? {
        Some(f) if !m.sees(&f.categories) => {
            Err(ApiError::not_found(format!("custom detection format {id}")))
        }
        _ => Ok(()),
    }
}

/// A format is created in (or moved to) a module the caller holds.
fn check_categories(m: Visibility, input: &FormatInput) -> ApiResult<()> {
    // Invalid categories are the store's 400; only valid ones are checked here.
    if let Ok(cats) =
        wirewatch_model::catalog::custom_categories(input.categories.as_deref().unwrap_or(&[]))
    {
        if !m.sees(&cats) {
            return Err(ApiError::forbidden(format!(
                "a format in category \"{}\" belongs to the {} module, which this user does not have",
                cats.last().map(String::as_str).unwrap_or(""),
                if cats[0] == "perf" { "NPM (\"npm\": \"full\")" } else { "NDR (\"ndr\": \"full\")" }
            )));
        }
    }
    Ok(())
}
