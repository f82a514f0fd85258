//! `/detections/rules/hiding`: tuning rules that hide detections.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, AuditedJson, Json};
use crate::guard::{Api, Guard, ReadDetections, WriteDetections};
use crate::routes::{audit, blocking};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use wirewatch_model::rule::{NewTuningRule, TuningRule, TuningRulePatch};

pub fn routes() -> Api {
    Api::new()
        .get("/detections/rules/hiding", list)
        .post("/detections/rules/hiding", create)
        .get("/detections/rules/hiding/{id}", one)
        .patch("/detections/rules/hiding/{id}", update)
        .delete("/detections/rules/hiding/{id}", remove)
}

async fn list(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<TuningRule>>> {
    let m = caller.detections()?;
    // Each rule's module is its type's format's: read the formats once.
    let formats: std::collections::HashMap<String, Vec<String>> = s
        .store
        .formats(false)?
        .into_iter()
        .map(|f| (f.kind, f.categories))
        .collect();
    let mut rules = s.store.rules()?;
    rules.retain(|r| {
        m.sees_rule(
            &r.detection_type,
            formats.get(&r.detection_type).map(Vec::as_slice),
        )
    });
    Ok(axum::Json(rules))
}

async fn one(
    caller: Guard<ReadDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<TuningRule>> {
    visible_rule(&caller, &s, &raw).map(axum::Json)
}

async fn create(
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    new: Result<Json<NewTuningRule>, ApiError>,
) -> ApiResult<Response> {
    let Json(new) = new?;
    module_of_type(&caller, &s, &new.detection_type)?;
    let store = s.store.clone();
    let author = caller.username().to_string();
    let rule = blocking(move || store.create_rule(new, &author)).await?;
    audit(
        &s,
        &caller,
        "create tuning rule",
        "detections",
        json!({"id": rule.id, "detection_type": rule.detection_type}),
    );
    let location = format!("/api/v1/detections/rules/hiding/{}", rule.id);
    Ok(super::created(location, rule))
}

async fn update(
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    body: Result<AuditedJson<TuningRulePatch>, ApiError>,
) -> ApiResult<StatusCode> {
    let id = visible_rule(&caller, &s, &raw)?.id;
    let AuditedJson(patch, changes) = body?;
    let store = s.store.clone();
    blocking(move || store.update_rule(id, patch))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tuning rule {id}")))?;
    audit(
        &s,
        &caller,
        "update tuning rule",
        "detections",
        json!({"id": id, "changes": changes}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteDetections>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let id = visible_rule(&caller, &s, &raw)?.id;
    let store = s.store.clone();
    if !blocking(move || store.delete_rule(id)).await? {
        return Err(ApiError::not_found(format!("tuning rule {id}")));
    }
    audit(
        &s,
        &caller,
        "delete tuning rule",
        "detections",
        json!({"id": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// A rule of a module the caller does not hold answers as a missing one.
fn visible_rule(caller: &Caller, s: &AppState, raw: &str) -> ApiResult<TuningRule> {
    let id = parse_id("id", raw)?;
    s.store
        .rule(id)?
        .map(|r| {
            caller
                .sees_rule(s, &r.detection_type)
                .map(|ok| ok.then_some(r))
        })
        .transpose()?
        .flatten()
        .ok_or_else(|| ApiError::not_found(format!("tuning rule {id}")))
}

/// A rule is made only for a detection type of the caller's modules (an
/// unknown type is left to the store's 400 naming `detection_type`).
fn module_of_type(caller: &Caller, s: &AppState, detection_type: &str) -> ApiResult<()> {
    let format = s.store.format(detection_type, false)?;
    let known = matches!(detection_type, "all_security" | "all_performance") || format.is_some();
    let sees = caller.modules().sees_rule(
        detection_type,
        format.as_ref().map(|f| f.categories.as_slice()),
    );
    if known && !sees {
        return Err(ApiError::forbidden(format!(
            "tuning rules for \"{detection_type}\" belong to a detection module this user does not have"
        )));
    }
    Ok(())
}
