//! `/observations/associatedipaddrs`: IP address associations from other sources
//! (VPN logs, say). Stored now; shown on devices once the sensor discovers them.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::audit;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::locality::ObservationBatch;
use wirewatch_store::StoredObservation;

pub fn routes() -> Api {
    Api::new()
        .post("/observations/associatedipaddrs", add)
        .get("/observations/associatedipaddrs", list)
}

async fn add(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    batch: Result<Json<ObservationBatch>, ApiError>,
) -> ApiResult<StatusCode> {
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
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<Vec<StoredObservation>>> {
    let limit = q.limit.unwrap_or(1000).min(10_000);
    Ok(axum::Json(
        s.store.observations(q.ipaddr.as_deref(), limit)?,
    ))
}
