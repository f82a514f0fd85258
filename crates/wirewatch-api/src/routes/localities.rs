//! `/networklocalities`: which addresses are internal or external.

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use wirewatch_model::locality::{LocalityInput, NetworkLocality};

pub fn routes() -> Api {
    Api::new()
        .get("/networklocalities", list)
        .post("/networklocalities", create)
        .get("/networklocalities/{id}", one)
        .patch("/networklocalities/{id}", update)
        .delete("/networklocalities/{id}", remove)
}

async fn list(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<NetworkLocality>>> {
    Ok(axum::Json(s.store.localities()?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<NetworkLocality>> {
    let id = parse_id("id", &raw)?;
    s.store
        .locality(id)?
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("network locality {id}")))
}

async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Json(input): Json<LocalityInput>,
) -> ApiResult<Response> {
    let loc = s.store.create_locality(input)?;
    audit(
        &s,
        &caller,
        "create network locality",
        "networklocalities",
        json!({"id": loc.id, "networks": loc.networks, "external": loc.external}),
    );
    let location = format!("/api/v1/networklocalities/{}", loc.id);
    Ok(super::created(location, loc))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(input): Json<LocalityInput>,
) -> ApiResult<StatusCode> {
    let id = parse_id("id", &raw)?;
    let loc = s
        .store
        .update_locality(id, input)?
        .ok_or_else(|| ApiError::not_found(format!("network locality {id}")))?;
    audit(
        &s,
        &caller,
        "update network locality",
        "networklocalities",
        json!({"id": id, "networks": loc.networks, "external": loc.external}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id("id", &raw)?;
    if !s.store.delete_locality(id)? {
        return Err(ApiError::not_found(format!("network locality {id}")));
    }
    audit(
        &s,
        &caller,
        "delete network locality",
        "networklocalities",
        json!({"id": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}
