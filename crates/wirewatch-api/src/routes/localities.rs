//! `/networklocalities`: which addresses are internal or external.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;
use wirewatch_model::locality::{LocalityInput, NetworkLocality};
use wirewatch_model::user::Access;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/networklocalities", get(list).post(create))
        .route(
            "/networklocalities/{id}",
            get(one).patch(update).delete(remove),
        )
}

async fn list(
    caller: Caller,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<NetworkLocality>>> {
    caller.require(Access::WritePersonal)?;
    Ok(axum::Json(s.store.localities()?))
}

async fn one(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<NetworkLocality>> {
    caller.require(Access::WritePersonal)?;
    let id = parse_id("id", &raw)?;
    s.store
        .locality(id)?
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("network locality {id}")))
}

async fn create(
    caller: Caller,
    State(s): State<AppState>,
    Json(input): Json<LocalityInput>,
) -> ApiResult<Response> {
    caller.require(Access::WriteFull)?;
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
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(input): Json<LocalityInput>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
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
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
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
