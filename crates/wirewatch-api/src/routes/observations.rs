//! `/observations/associatedipaddrs`: IP address associations from other sources
//! (VPN logs, say). Stored now; shown on devices once the sensor discovers them.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::routes::audit;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::locality::ObservationBatch;
use wirewatch_model::user::Access;
use wirewatch_store::StoredObservation;

pub fn routes() -> Router<AppState> {
    Router::new().route("/observations/associatedipaddrs", post(add).get(list))
}

async fn add(
    caller: Caller,
    State(s): State<AppState>,
    batch: Result<Json<ObservationBatch>, ApiError>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    let Json(batch) = batch?;
    let source = batch.source.clone();
    let n = s.store.add_observations(batch)?;
    audit(
        &s,
        &caller,
        "add observations",
        "observations",
        json!({"source": source, "count": n}),
    );
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    ipaddr: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

/// wirewatch extension: read stored observations back, optionally for one address.
async fn list(
    caller: Caller,
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<Vec<StoredObservation>>> {
    caller.require(Access::WritePersonal)?;
    let limit = q.limit.unwrap_or(1000).min(10_000);
    Ok(axum::Json(
        s.store.observations(q.ipaddr.as_deref(), limit)?,
    ))
}
