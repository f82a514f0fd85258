//! `/auditlog`: every change made through the API.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use wirewatch_store::AuditEntry;

pub fn routes() -> Router<AppState> {
    Router::new().route("/auditlog", get(list))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: Option<u32>,
}

async fn list(
    caller: Caller,
    State(s): State<AppState>,
    Query(p): Query<Page>,
) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    caller.require_admin()?;
    let limit = p.limit.unwrap_or(1000).min(10_000);
    Ok(axum::Json(s.store.audit_log(limit, p.offset.unwrap_or(0))?))
}
