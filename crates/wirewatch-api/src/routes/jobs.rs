//! `/jobs`: the status of long operations (see `crate::jobs`).

use crate::error::{ApiError, ApiResult};
use crate::guard::{Api, Guard, System};
use crate::jobs::Job;
use crate::AppState;
use axum::extract::{Path, State};

pub fn routes() -> Api {
    Api::new().get("/jobs", list).get("/jobs/{id}", one)
}

async fn list(_: Guard<System>, State(s): State<AppState>) -> ApiResult<axum::Json<Vec<Job>>> {
    Ok(axum::Json(s.jobs.all()))
}

async fn one(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Job>> {
    s.jobs
        .get(&id)
        .map(axum::Json)
        .ok_or_else(|| ApiError::not_found(format!("job {id:?}")))
}
