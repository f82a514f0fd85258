//! `/auditlog`: every change made through the API.

use crate::error::ApiResult;
use crate::extract::Query;
use crate::guard::{Admin, Api, Guard};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use wirewatch_store::AuditEntry;

pub fn routes() -> Api {
    Api::new().get("/auditlog", list)
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: Option<u32>,
}

async fn list(
    _: Guard<Admin>,
    State(s): State<AppState>,
    Query(p): Query<Page>,
) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    let limit = p.limit.unwrap_or(1000).min(10_000);
    Ok(axum::Json(s.store.audit_log(limit, p.offset.unwrap_or(0))?))
}
