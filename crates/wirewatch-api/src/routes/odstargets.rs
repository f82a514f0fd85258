//! `/odstargets`: Open Data Stream targets, plus (documented extensions) each
//! target's delivery statistics, health check and dead-letter list.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Api, Guard, System, WriteFull};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use wirewatch_model::now_ms;
use wirewatch_model::ods::{Target, TargetKind};
use wirewatch_store::{DeadLetter, OdsStats};

pub fn routes() -> Api {
    Api::new()
        .get("/odstargets", list_all)
        .get("/odstargets/{kind}", list_kind)
        .post("/odstargets/{kind}", create)
        .get("/odstargets/{kind}/{name}", one)
        .delete("/odstargets/{kind}/{name}", remove)
        .get("/odstargets/{kind}/{name}/stats", stats)
        .get("/odstargets/{kind}/{name}/health", health)
        .get("/odstargets/{kind}/{name}/deadletters", dead_letters)
        .delete("/odstargets/{kind}/{name}/deadletters", purge)
        .post("/odstargets/{kind}/{name}/deadletters/replay", replay)
        .delete("/odstargets/{kind}/{name}/deadletters/{id}", purge_one)
}

fn kind(raw: &str) -> ApiResult<TargetKind> {
    TargetKind::parse(raw).ok_or_else(|| {
        ApiError::not_found(format!(
            "ODS target type {raw:?} (types: http, kafka, mongodb, raw, syslog)"
        ))
    })
}

fn target(s: &AppState, raw_kind: &str, name: &str) -> ApiResult<Target> {
    let k = kind(raw_kind)?;
    s.store
        .ods_target(k, name)
        .ok_or_else(|| ApiError::not_found(format!("{k} target {name:?}")))
}

async fn list_all(_: Guard<WriteFull>, State(s): State<AppState>) -> ApiResult<axum::Json<Value>> {
    let mut out = Map::new();
    for k in TargetKind::ALL {
        out.insert(k.as_str().into(), Value::Array(vec![]));
    }
    for t in s.store.ods_targets() {
        if let Some(Value::Array(v)) = out.get_mut(t.kind().as_str()) {
            v.push(t.public_view());
        }
    }
    Ok(axum::Json(Value::Object(out)))
}

async fn list_kind(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let k = kind(&raw)?;
    Ok(axum::Json(
        s.store
            .ods_targets()
            .into_iter()
            .filter(|t| t.kind() == k)
            .map(|t| t.public_view())
            .collect(),
    ))
}

async fn create(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let k = kind(&raw)?;
    if !body.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let t = Target::from_body(k, body)?;
    let t = s.store.create_ods_target(t)?;
    if let Some(ods) = &s.ods {
        ods.sync();
    }
    let view = t.public_view();
    audit(
        &s,
        &caller,
        "create ODS target",
        "odstargets",
        json!({"kind": k, "name": t.name()}),
    );
    let location = format!(
        "/api/v1/odstargets/{k}/{}",
        wirewatch_model::connector::percent_encode(t.name())
    );
    Ok(super::created(location, view))
}

async fn one(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    Ok(axum::Json(target(&s, &k, &name)?.public_view()))
}

async fn remove(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((raw, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let k = kind(&raw)?;
    if !s.store.delete_ods_target(k, &name)? {
        return Err(ApiError::not_found(format!("{k} target {name:?}")));
    }
    if let Some(ods) = &s.ods {
        ods.sync();
    }
    audit(
        &s,
        &caller,
        "delete ODS target",
        "odstargets",
        json!({"kind": k, "name": name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn stats(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<OdsStats>> {
    let t = target(&s, &k, &name)?;
    Ok(axum::Json(s.store.ods_stats(t.kind(), t.name())?))
}

async fn health(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let t = target(&s, &k, &name)?;
    let Some(ods) = &s.ods else {
        return Err(ApiError(wirewatch_model::Error::new(
            wirewatch_model::Code::NotApplicable,
            "ODS delivery is not running in this process",
        )));
    };
    let r = ods.health(&t).await;
    let (healthy, detail) = match r {
        Ok(d) => (true, d),
        Err(e) => (false, e.to_string()),
    };
    Ok(axum::Json(
        json!({"healthy": healthy, "detail": detail, "checked_at": now_ms()}),
    ))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    offset: Option<usize>,
}

async fn dead_letters(
    _: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
    Query(p): Query<Page>,
) -> ApiResult<axum::Json<Vec<DeadLetter>>> {
    let k = kind(&k)?;
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > 10_000 {
        return Err(ApiError::invalid("limit", "must be between 1 and 10000"));
    }
    Ok(axum::Json(s.store.ods_dead_letters(
        k,
        &name,
        limit,
        p.offset.unwrap_or(0),
    )?))
}

#[derive(Deserialize, Default)]
struct Ids {
    #[serde(default)]
    ids: Option<Vec<i64>>,
}

async fn replay(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
    Json(ids): Json<Ids>,
) -> ApiResult<axum::Json<Value>> {
    let t = target(&s, &k, &name)?;
    let n = s.store.ods_replay(t.kind(), t.name(), ids.ids.as_deref())?;
    if let Some(ods) = &s.ods {
        ods.wake_target(t.kind(), t.name());
    }
    audit(
        &s,
        &caller,
        "replay ODS dead letters",
        "odstargets",
        json!({"kind": t.kind(), "name": t.name(), "replayed": n}),
    );
    Ok(axum::Json(json!({"replayed": n})))
}

async fn purge(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path((k, name)): Path<(String, String)>,
) -> ApiResult<axum::Json<Value>> {
    let k = kind(&k)?;
    let n = s.store.ods_purge_dead(k, &name, None)?;
    audit(
        &s,
        &caller,
        "delete ODS dead letters",
        "odstargets",
        json!({"kind": k, "name": name, "deleted": n}),
    );
    Ok(axum::Json(json!({"deleted": n})))
}

async fn purge_one(
    _: Guard<System>,
    State(s): State<AppState>,
    Path((k, name, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let k = kind(&k)?;
    let id = crate::extract::parse_id("id", &id)? as i64;
    if s.store.ods_purge_dead(k, &name, Some(&[id]))? == 0 {
        return Err(ApiError::not_found(format!("dead letter {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}
