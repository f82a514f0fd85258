//! `/customdevices`: devices defined by criteria (addresses, CIDR blocks or
//! ranges, ports, VLANs) rather than discovered; the sensor attributes the
//! traffic they match to them (see `wirewatch_model::custom_device`), and
//! each shows in `/devices` with `role` `custom`.

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json, Query};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::custom_device::{
    Criterion, CriterionInput, CustomDevice, CustomDevicePatch, NewCustomDevice,
};

pub fn routes() -> Api {
    Api::new()
        .get("/customdevices", list)
        .post("/customdevices", create)
        .get("/customdevices/{id}", one)
        .patch("/customdevices/{id}", update)
        .delete("/customdevices/{id}", remove)
        .get("/customdevices/{id}/criteria", criteria)
        .post("/customdevices/{id}/criteria", add_criterion)
        .delete(
            "/customdevices/{id}/criteria/{criteria_id}",
            remove_criterion,
        )
}

#[derive(Deserialize)]
struct IncludeQuery {
    #[serde(default)]
    include_criteria: Option<String>,
}

/// `include_criteria`: `true`/`false` in any case (Python sends `True`), or `1`/`0`.
fn include(q: &IncludeQuery) -> ApiResult<bool> {
    match q.include_criteria.as_deref() {
        None => Ok(false),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(ApiError::invalid(
                "include_criteria",
                format!("\"{v}\" is not a boolean (true or false)"),
            )),
        },
    }
}

fn custom_device(s: &AppState, raw: &str, with_criteria: bool) -> ApiResult<CustomDevice> {
    let id = parse_id("id", raw)?;
    s.store
        .custom_device(id, with_criteria)?
        .ok_or_else(|| ApiError::not_found(format!("custom device {id}")))
}

async fn list(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Query(q): Query<IncludeQuery>,
) -> ApiResult<axum::Json<Vec<CustomDevice>>> {
    Ok(axum::Json(s.store.custom_devices(include(&q)?)?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<IncludeQuery>,
) -> ApiResult<axum::Json<CustomDevice>> {
    let with = include(&q)?;
    Ok(axum::Json(custom_device(&s, &raw, with)?))
}

/// As the real product: 201 with an empty body and the new custom device's `Location`.
async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    b: Result<Json<NewCustomDevice>, ApiError>,
) -> ApiResult<Response> {
    let Json(b) = b?;
    let d = s.store.create_custom_device(&b)?;
    audit(
        &s,
        &caller,
        "create custom device",
        "customdevices",
        json!({"id": d.id, "name": d.name, "extrahop_id": d.extrahop_id,
               "criteria": d.criteria.as_ref().map_or(0, Vec::len)}),
    );
    Ok(super::created_at(format!("/api/v1/customdevices/{}", d.id)))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<CustomDevicePatch>, ApiError>,
) -> ApiResult<StatusCode> {
    let d = custom_device(&s, &raw, false)?;
    let Json(b) = b?;
    s.store
        .patch_custom_device(d.id, &b)?
        .ok_or_else(|| ApiError::not_found(format!("custom device {}", d.id)))?;
    audit(
        &s,
        &caller,
        "update custom device",
        "customdevices",
        json!({"id": d.id, "name": b.name, "disabled": b.disabled,
               "criteria": b.criteria.as_ref().map(Vec::len)}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let d = custom_device(&s, &raw, false)?;
    s.store.delete_custom_device(d.id)?;
    audit(
        &s,
        &caller,
        "delete custom device",
        "customdevices",
        json!({"id": d.id, "name": d.name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn criteria(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Criterion>>> {
    let d = custom_device(&s, &raw, true)?;
    Ok(axum::Json(d.criteria.unwrap_or_default()))
}

/// The legacy way (an old Phantom connector): one criterion at a time.
async fn add_criterion(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<CriterionInput>, ApiError>,
) -> ApiResult<Response> {
    let d = custom_device(&s, &raw, false)?;
    let Json(b) = b?;
    let cid = s
        .store
        .add_custom_device_criterion(d.id, &b)?
        .ok_or_else(|| ApiError::not_found(format!("custom device {}", d.id)))?;
    audit(
        &s,
        &caller,
        "add custom device criterion",
        "customdevices",
        json!({"id": d.id, "criteria_id": cid}),
    );
    Ok(super::created_at(format!(
        "/api/v1/customdevices/{}/criteria/{cid}",
        d.id
    )))
}

async fn remove_criterion(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, craw)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let d = custom_device(&s, &raw, false)?;
    let cid = parse_id("criteria_id", &craw)?;
    if !s.store.delete_custom_device_criterion(d.id, cid)? {
        return Err(ApiError::not_found(format!(
            "criterion {cid} of custom device {}",
            d.id
        )));
    }
    audit(
        &s,
        &caller,
        "delete custom device criterion",
        "customdevices",
        json!({"id": d.id, "criteria_id": cid}),
    );
    Ok(StatusCode::NO_CONTENT)
}
