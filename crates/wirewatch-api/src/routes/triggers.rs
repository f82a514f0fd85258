//! `/triggers`: JavaScript triggers, as in the ExtraHop REST API, with their
//! assignments to devices and device groups (what a trigger with `apply_all:
//! false` runs for), plus (documented extensions) each trigger's debug log
//! and run statistics.

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json, Query};
use crate::guard::{Api, Guard, WriteFull, WriteLimited};
use crate::routes::alerts::Assignment;
use crate::routes::{audit, devices::with_watchlist};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use wirewatch_model::device::Device;
use wirewatch_model::trigger::{LogLine, Trigger, TriggerInput};
use wirewatch_store::{DeviceGroup, RunStats, TriggerLink};

pub fn routes() -> Api {
    Api::new()
        .get("/triggers", list)
        .post("/triggers", create)
        .post("/triggers/externaldata", external_data)
        .get("/triggers/{id}", one)
        .patch("/triggers/{id}", update)
        .delete("/triggers/{id}", remove)
        .get("/triggers/{id}/debuglog", debug_log)
        .delete("/triggers/{id}/debuglog", clear_log)
        .get("/triggers/{id}/stats", stats)
        .get("/triggers/{id}/devices", devices)
        .post("/triggers/{id}/devices", assign_devices)
        .post("/triggers/{id}/devices/{child}", assign_device)
        .delete("/triggers/{id}/devices/{child}", unassign_device)
        .get("/triggers/{id}/devicegroups", devicegroups)
        .post("/triggers/{id}/devicegroups", assign_groups)
        .post("/triggers/{id}/devicegroups/{child}", assign_group)
        .delete("/triggers/{id}/devicegroups/{child}", unassign_group)
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

async fn list(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<Trigger>>> {
    Ok(axum::Json(s.store.triggers()))
}

async fn one(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Trigger>> {
    Ok(axum::Json(found(&s, &raw)?))
}

async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    input: Result<Json<TriggerInput>, ApiError>,
) -> ApiResult<Response> {
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
    Ok(super::created(
        location,
        CreatedTrigger {
            trigger: t,
            warnings,
        },
    ))
}

/// The created trigger, and what saving the script found.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(example = CreatedTrigger::example())]
pub struct CreatedTrigger {
    #[serde(flatten)]
    pub trigger: Trigger,
    /// wirewatch extension: problems the script was saved despite, e.g.
    /// string literals broken across lines (as by a PDF or an e-mail), which
    /// were joined with a space.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub warnings: Vec<String>,
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    input: Result<Json<TriggerInput>, ApiError>,
) -> ApiResult<StatusCode> {
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
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let id = found(&s, &raw)?.id;
    s.store.delete_trigger(id)?;
    audit(&s, &caller, "delete trigger", "triggers", json!({"id": id}));
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /triggers/externaldata`: data for the triggers that run on
/// `EXTERNAL_DATA` (as `ExternalData.type` and `ExternalData.body`).
#[derive(Deserialize, schemars::JsonSchema)]
pub struct ExternalData {
    /// What the data is, for triggers to tell kinds apart; not empty and not
    /// beginning with `extrahop` in any case (reserved).
    #[serde(rename = "type")]
    #[schemars(regex(pattern = r"\S"))]
    kind: String,
    /// The data: any JSON value (default `null`).
    #[serde(default)]
    #[schemars(extend("additionalProperties" = true))]
    body: Value,
}

async fn external_data(
    _: Guard<WriteLimited>,
    State(s): State<AppState>,
    input: Result<Json<ExternalData>, ApiError>,
) -> ApiResult<StatusCode> {
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
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<LogQuery>,
) -> ApiResult<axum::Json<Vec<LogLine>>> {
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
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let id = found(&s, &raw)?.id;
    s.store.clear_trigger_log(id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn stats(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<RunStats>> {
    let id = found(&s, &raw)?.id;
    Ok(axum::Json(s.store.trigger_stats(id)?))
}

async fn devices(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Device>>> {
    let id = found(&s, &raw)?.id;
    let list: Vec<Device> = s
        .store
        .trigger_links(id, TriggerLink::Devices)?
        .into_iter()
        .filter_map(|d| s.store.device(d).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(with_watchlist(&s, list)?))
}

async fn devicegroups(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<DeviceGroup>>> {
    let id = found(&s, &raw)?.id;
    let list = s
        .store
        .trigger_links(id, TriggerLink::DeviceGroups)?
        .into_iter()
        .filter_map(|g| s.store.devicegroup(g).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(list))
}

/// Check, store and audit an assignment of objects to a trigger.
fn assign(
    s: &AppState,
    caller: &crate::auth::Caller,
    raw: &str,
    link: TriggerLink,
    b: Assignment,
) -> ApiResult<StatusCode> {
    let id = found(s, raw)?.id;
    b.check()?;
    if !s.store.trigger_assign(id, link, &b.assign, &b.unassign)? {
        return Err(ApiError::not_found(format!("trigger {id}")));
    }
    let to = match link {
        TriggerLink::Devices => "devices",
        TriggerLink::DeviceGroups => "devicegroups",
    };
    audit(
        s,
        caller,
        "assign trigger",
        "triggers",
        json!({"id": id, "to": to, "assign": b.assign, "unassign": b.unassign}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// One child of an assignment path: it must exist to be assigned (404).
fn child(s: &AppState, link: TriggerLink, raw: &str, assign: bool) -> ApiResult<Assignment> {
    let id = parse_id("child", raw)?;
    if assign {
        let (found, what) = match link {
            TriggerLink::Devices => (s.store.device(id)?.is_some(), "device"),
            TriggerLink::DeviceGroups => (s.store.devicegroup(id)?.is_some(), "device group"),
        };
        if !found {
            return Err(ApiError::not_found(format!("{what} {id}")));
        }
    }
    Ok(Assignment::one(id, assign))
}

super::assignment_handlers!(
    found, child, assign;
    TriggerLink::Devices,
    assign_devices,
    assign_device,
    unassign_device
);
super::assignment_handlers!(
    found, child, assign;
    TriggerLink::DeviceGroups,
    assign_groups,
    assign_group,
    unassign_group
);

impl CreatedTrigger {
    /// The example of the API's documentation.
    pub fn example() -> CreatedTrigger {
        CreatedTrigger {
            trigger: Trigger::example(),
            warnings: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view struct writes the bytes the handler wrote when it added
    /// `warnings` to the trigger's JSON.
    #[test]
    fn created_trigger_is_the_json_it_was() {
        let t = Trigger::example();
        let warnings = vec!["a string literal was joined".to_string()];
        let mut before = serde_json::to_value(&t).unwrap();
        before["warnings"] = json!(warnings);
        let after = CreatedTrigger {
            trigger: t,
            warnings,
        };
        assert_eq!(serde_json::to_string(&after).unwrap(), before.to_string());
    }
}
