//! `/runningconfig`: the running configuration as one JSON document (see
//! `crate::settings`): read whole or by section, replaced whole (validated
//! as a whole: a bad document changes nothing), saved, and the saved copy read.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Api, Guard, System};
use crate::routes::audit;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Api {
    Api::new()
        .get("/runningconfig", get)
        .put("/runningconfig", put)
        .post("/runningconfig/save", save)
        .get("/runningconfig/saved", saved)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SectionQuery {
    section: Option<String>,
}

async fn get(
    _: Guard<System>,
    State(s): State<AppState>,
    Query(q): Query<SectionQuery>,
) -> ApiResult<axum::Json<Value>> {
    let running = s.settings.running(&s.store).to_value();
    match q.section.as_deref() {
        None | Some("") => Ok(axum::Json(running)),
        Some(name) => running.get(name).cloned().map(axum::Json).ok_or_else(|| {
            ApiError::invalid(
                "section",
                format!(
                    "no section {name:?}; the sections are {}",
                    crate::settings::SECTIONS.join(", ")
                ),
            )
        }),
    }
}

/// Validate and apply a whole configuration; shared with support pack upload.
pub(crate) fn replace(
    s: &AppState,
    caller: &crate::auth::Caller,
    doc: &Value,
    how: &str,
) -> ApiResult<()> {
    let config = s.settings.validate(&s.store, doc)?;
    let before = s.settings.running(&s.store).to_value();
    s.settings.apply(&s.store, &config, s.ods.as_ref())?;
    let after = config.to_value();
    let changed: Vec<&str> = crate::settings::SECTIONS
        .iter()
        .copied()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    audit(
        s,
        caller,
        how,
        "runningconfig",
        json!({"changed_sections": changed, "running": after}),
    );
    Ok(())
}

async fn put(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(doc): Json<Value>,
) -> ApiResult<StatusCode> {
    replace(&s, &caller, &doc, "replace running configuration")?;
    Ok(StatusCode::NO_CONTENT)
}

async fn save(caller: Guard<System>, State(s): State<AppState>) -> ApiResult<StatusCode> {
    let v = s.settings.save(&s.store)?;
    audit(
        &s,
        &caller,
        "save running configuration",
        "runningconfig",
        json!({"saved": v}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn saved(_: Guard<System>, State(s): State<AppState>) -> ApiResult<axum::Json<Value>> {
    s.settings
        .saved(&s.store)?
        .map(axum::Json)
        .ok_or_else(|| {
            ApiError(wirewatch_model::Error::new(
                wirewatch_model::Code::NotFound,
                "no running configuration was saved yet; POST /api/v1/runningconfig/save saves the running one",
            ))
        })
}
