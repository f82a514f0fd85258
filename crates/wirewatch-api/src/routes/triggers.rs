//! `/triggers`: JavaScript triggers, as in the ExtraHop REST API, plus
//! (documented extensions) each trigger's debug log and run statistics.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json, Query};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use wirewatch_model::trigger::{LogLine, Trigger, TriggerInput};
use wirewatch_model::user::Access;
use wirewatch_store::RunStats;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/triggers", get(list).post(create))
        .route("/triggers/externaldata", post(external_data))
        .route("/triggers/{id}", get(one).patch(update).delete(remove))
        .route("/triggers/{id}/debuglog", get(debug_log).delete(clear_log))
        .route("/triggers/{id}/stats", get(stats))
}

/// Compile the script; a syntax error is a 400 naming line and column.
fn check(script: Option<&str>) -> ApiResult<Vec<String>> {
    let Some(script) = script else {
        return Ok(vec![]);
    };
    match wirewatch_triggers::check_script(script) {
        Ok(None) => Ok(vec![]),
        Ok(Some(w)) => Ok(vec![w]),
        Err(e) => Err(ApiError::invalid(
            "script",
            format!(
                "does not compile: {} (line {}, column {})",
                e.message, e.line, e.column
            ),
        )),
    }
}

fn found(s: &AppState, raw: &str) -> ApiResult<Trigger> {
    let id = parse_id("id", raw)?;
    s.store
        .trigger(id)
        .ok_or_else(|| ApiError::not_found(format!("trigger {id}")))
}

async fn list(caller: Caller, State(s): State<AppState>) -> ApiResult<axum::Json<Vec<Trigger>>> {
    caller.require(Access::WriteFull)?;
    Ok(axum::Json(s.store.triggers()))
}

async fn one(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Trigger>> {
    caller.require(Access::WriteFull)?;
    Ok(axum::Json(found(&s, &raw)?))
}

async fn create(
    caller: Caller,
    State(s): State<AppState>,
    input: Result<Json<TriggerInput>, ApiError>,
) -> ApiResult<Response> {
    caller.require(Access::WriteFull)?;
    let Json(input) = input?;
    let warnings = check(input.script.as_deref())?;
    let t = s.store.create_trigger(input, caller.username())?;
    audit(
        &s,
        &caller,
        "create trigger",
        "triggers",
        json!({"id": t.id, "name": t.name, "events": t.events}),
    );
    let location = format!("/api/v1/triggers/{}", t.id);
    let mut body = serde_json::to_value(&t).unwrap_or(Value::Null);
    body["warnings"] = json!(warnings);
    Ok(super::created(location, body))
}

async fn update(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    input: Result<Json<TriggerInput>, ApiError>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    let Json(input) = input?;
    let id = found(&s, &raw)?.id;
    check(input.script.as_deref())?;
    s.store
        .update_trigger(id, input, caller.username())?
        .ok_or_else(|| ApiError::not_found(format!("trigger {id}")))?;
    audit(&s, &caller, "update trigger", "triggers", json!({"id": id}));
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    let id = found(&s, &raw)?.id;
    s.store.delete_trigger(id)?;
    audit(&s, &caller, "delete trigger", "triggers", json!({"id": id}));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ExternalData {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    body: Value,
}

async fn external_data(
    caller: Caller,
    State(s): State<AppState>,
    input: Result<Json<ExternalData>, ApiError>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteLimited)?;
    let Json(input) = input?;
    if input.kind.trim().is_empty() {
        return Err(ApiError::invalid("type", "must not be empty"));
    }
    if input.kind.to_ascii_lowercase().starts_with("extrahop") {
        return Err(ApiError::invalid(
            "type",
            "must not begin with \"extrahop\" (reserved)",
        ));
    }
    s.store.queue_external_data(&input.kind, &input.body)?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
struct LogQuery {
    #[serde(default)]
    limit: Option<usize>,
}

async fn debug_log(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<LogQuery>,
) -> ApiResult<axum::Json<Vec<LogLine>>> {
    caller.require(Access::WriteFull)?;
    let id = found(&s, &raw)?.id;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > wirewatch_store::TRIGGER_LOG_KEEP as usize {
        return Err(ApiError::invalid(
            "limit",
            format!(
                "must be between 1 and {}",
                wirewatch_store::TRIGGER_LOG_KEEP
            ),
        ));
    }
    Ok(axum::Json(s.store.trigger_log(id, limit)?))
}

async fn clear_log(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Access::WriteFull)?;
    let id = found(&s, &raw)?.id;
    s.store.clear_trigger_log(id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn stats(
    caller: Caller,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<RunStats>> {
    caller.require(Access::WriteFull)?;
    let id = found(&s, &raw)?.id;
    Ok(axum::Json(s.store.trigger_stats(id)?))
}
