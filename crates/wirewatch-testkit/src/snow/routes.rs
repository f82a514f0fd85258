//! HTTP handlers of the fake ServiceNow Table API (incident table, plus the
//! `sys_user` records that `assigned_to` links point at). Both the
//! versioned (`/api/now/v2/table`) and unversioned (`/api/now/table`) paths
//! are served.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{Mode, Query, ReadOpts, Rejection};
use crate::server::{parse_object, snow_error, Shared};

type Fake = State<Arc<Shared>>;
type Params = Result<QueryParams<HashMap<String, String>>, QueryRejection>;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    let mut router = Router::new();
    for prefix in ["/api/now/table", "/api/now/v2/table"] {
        router = router
            .route(
                &format!("{prefix}/incident"),
                get(list_incidents).post(create_incident),
            )
            .route(
                &format!("{prefix}/incident/{{sys_id}}"),
                get(get_incident)
                    .put(update_incident)
                    .patch(update_incident),
            )
            .route(&format!("{prefix}/sys_user/{{sys_id}}"), get(get_user));
    }
    router
}

fn rejected(r: Rejection) -> Response {
    snow_error(StatusCode::BAD_REQUEST, r.message, &r.detail)
}

fn no_record() -> Response {
    snow_error(
        StatusCode::NOT_FOUND,
        "No Record found",
        "Record doesn't exist or ACL restricts the record retrieval",
    )
}

fn params(query: Params) -> HashMap<String, String> {
    query.map(|QueryParams(q)| q).unwrap_or_default()
}

fn sys_id(path: Result<Path<String>, PathRejection>) -> Option<String> {
    path.ok().map(|Path(p)| p)
}

/// `sysparm_display_value`, `sysparm_fields`, `sysparm_exclude_reference_link`.
fn read_opts(params: &HashMap<String, String>) -> ReadOpts {
    let mode = match params.get("sysparm_display_value").map(String::as_str) {
        Some(v) if v.eq_ignore_ascii_case("true") => Mode::Display,
        Some(v) if v.eq_ignore_ascii_case("all") => Mode::All,
        _ => Mode::Value,
    };
    let fields = params
        .get("sysparm_fields")
        .filter(|f| !f.trim().is_empty())
        .map(|f| f.split(',').map(|n| n.trim().to_owned()).collect());
    let exclude_link = params
        .get("sysparm_exclude_reference_link")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    ReadOpts {
        mode,
        fields,
        exclude_link,
    }
}

fn invalid_json() -> Response {
    snow_error(
        StatusCode::BAD_REQUEST,
        "Exception while reading request",
        "The payload is not valid JSON.",
    )
}

async fn list_incidents(State(fake): Fake, query: Params) -> Response {
    let params = params(query);
    let query = match Query::parse(&params) {
        Ok(q) => q,
        Err(r) => return rejected(r),
    };
    let opts = read_opts(&params);
    let snow = fake.snow.lock();
    let (page, total) = snow.select(&query);
    let result: Vec<Value> = page
        .into_iter()
        .map(|i| snow.render(i, &fake.base_url, &opts))
        .collect();
    drop(snow);
    (
        [("x-total-count", HeaderValue::from(total))],
        Json(json!({ "result": result })),
    )
        .into_response()
}

async fn create_incident(State(fake): Fake, query: Params, body: Bytes) -> Response {
    let opts = read_opts(&params(query));
    let Ok(body) = parse_object(&body) else {
        return invalid_json();
    };
    let mut snow = fake.snow.lock();
    let created = snow
        .parse_changes(&body)
        .and_then(|changes| snow.create(changes, &fake.user));
    let idx = match created {
        Ok(idx) => idx,
        Err(r) => return rejected(r),
    };
    let record = snow.render(idx, &fake.base_url, &opts);
    let location = format!(
        "{}/api/now/v2/table/incident/{}",
        fake.base_url,
        snow.sys_id_of(idx)
    );
    drop(snow);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json!({ "result": record })),
    )
        .into_response()
}

async fn get_incident(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
    query: Params,
) -> Response {
    let opts = read_opts(&params(query));
    let snow = fake.snow.lock();
    match sys_id(path).and_then(|id| snow.find(&id)) {
        Some(idx) => {
            Json(json!({ "result": snow.render(idx, &fake.base_url, &opts) })).into_response()
        }
        None => no_record(),
    }
}

async fn update_incident(
    State(fake): Fake,
    path: Result<Path<String>, PathRejection>,
    query: Params,
    body: Bytes,
) -> Response {
    let opts = read_opts(&params(query));
    let mut snow = fake.snow.lock();
    let Some(idx) = sys_id(path).and_then(|id| snow.find(&id)) else {
        return no_record();
    };
    let Ok(body) = parse_object(&body) else {
        return invalid_json();
    };
    let updated = snow
        .parse_changes(&body)
        .and_then(|changes| snow.update(idx, changes, &fake.user));
    if let Err(r) = updated {
        return rejected(r);
    }
    Json(json!({ "result": snow.render(idx, &fake.base_url, &opts) })).into_response()
}

async fn get_user(State(fake): Fake, path: Result<Path<String>, PathRejection>) -> Response {
    let Some(id) = sys_id(path) else {
        return no_record();
    };
    match fake.snow.lock().user(&id) {
        Some((name, login)) => Json(json!({
            "result": {
                "sys_id": id,
                "name": name,
                "user_name": login,
                "email": format!("{login}@example.com"),
                "active": "true",
            }
        }))
        .into_response(),
        None => no_record(),
    }
}
