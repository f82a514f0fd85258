//! `/devicegroups` (static and filter-defined), their devices, the watchlist
//! and `/networks` (the capture networks of this sensor).

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::tags::Assignment;
use crate::routes::{audit, created, devices::with_watchlist};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use wirewatch_model::device::Device;
use wirewatch_store::DeviceGroup;

pub fn routes() -> Api {
    Api::new()
        .get("/devicegroups", list)
        .post("/devicegroups", create)
        .get("/devicegroups/{id}", one)
        .patch("/devicegroups/{id}", update)
        .delete("/devicegroups/{id}", remove)
        .get("/devicegroups/{id}/devices", devices)
        .post("/devicegroups/{id}/devices", assign)
        .get("/watchlist/devices", watchlist)
        .post("/watchlist/devices", watchlist_assign)
        .get("/networks", networks)
        .get("/networks/{id}", network)
}

#[derive(Deserialize, Default)]
struct GroupBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    dynamic: Option<bool>,
    #[serde(default)]
    filter: Option<Value>,
    #[serde(default)]
    include_custom_devices: Option<bool>,
}

fn group(s: &AppState, raw: &str) -> ApiResult<DeviceGroup> {
    let id = parse_id("id", raw)?;
    s.store
        .devicegroup(id)?
        .ok_or_else(|| ApiError::not_found(format!("device group {id}")))
}

async fn list(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<DeviceGroup>>> {
    Ok(axum::Json(s.store.devicegroups()?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<DeviceGroup>> {
    Ok(axum::Json(group(&s, &raw)?))
}

async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Json(b): Json<GroupBody>,
) -> ApiResult<Response> {
    let name = b
        .name
        .ok_or_else(|| ApiError::invalid("name", "is required"))?;
    let g = s.store.save_devicegroup(DeviceGroup {
        id: 0,
        name,
        description: b.description,
        dynamic: b.dynamic.unwrap_or(false),
        filter: b.filter,
        include_custom_devices: b.include_custom_devices.unwrap_or(true),
        built_in: false,
        mod_time: 0,
    })?;
    audit(
        &s,
        &caller,
        "create device group",
        "devicegroups",
        json!({"id": g.id, "name": g.name, "dynamic": g.dynamic}),
    );
    Ok(created(format!("/api/v1/devicegroups/{}", g.id), g))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(b): Json<GroupBody>,
) -> ApiResult<StatusCode> {
    let mut g = group(&s, &raw)?;
    if let Some(n) = b.name {
        g.name = n;
    }
    if let Some(d) = b.description {
        g.description = Some(d);
    }
    if let Some(d) = b.dynamic {
        g.dynamic = d;
    }
    if let Some(f) = b.filter {
        g.filter = Some(f);
    }
    if let Some(i) = b.include_custom_devices {
        g.include_custom_devices = i;
    }
    let g = s.store.save_devicegroup(g)?;
    audit(
        &s,
        &caller,
        "update device group",
        "devicegroups",
        json!({"id": g.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let g = group(&s, &raw)?;
    s.store.delete_devicegroup(g.id)?;
    audit(
        &s,
        &caller,
        "delete device group",
        "devicegroups",
        json!({"id": g.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn devices(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Device>>> {
    let g = group(&s, &raw)?;
    Ok(axum::Json(with_watchlist(&s, s.store.group_devices(&g)?)?))
}

async fn assign(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(b): Json<Assignment>,
) -> ApiResult<StatusCode> {
    let g = group(&s, &raw)?;
    if g.dynamic {
        return Err(ApiError::invalid(
            "assign",
            "devices of a dynamic group come from its filter; they cannot be assigned",
        ));
    }
    b.check()?;
    s.store.group_assign(g.id, &b.assign, &b.unassign)?;
    audit(
        &s,
        &caller,
        "assign device group",
        "devicegroups",
        json!({"id": g.id, "assign": b.assign, "unassign": b.unassign}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn watchlist(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<Device>>> {
    let list: Vec<Device> = s
        .store
        .watchlist()?
        .into_iter()
        .filter_map(|id| s.store.device(id).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(with_watchlist(&s, list)?))
}

async fn watchlist_assign(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Json(b): Json<Assignment>,
) -> ApiResult<StatusCode> {
    b.check()?;
    s.store.watchlist_assign(&b.assign, &b.unassign)?;
    audit(
        &s,
        &caller,
        "update watchlist",
        "watchlist",
        json!({"assign": b.assign, "unassign": b.unassign}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// This sensor's one capture network (all of its inputs).
fn capture_network(s: &AppState) -> Value {
    json!({"id": 1, "name": "Capture", "description": "Traffic analysed by this sensor (captures, interfaces, EVE input)",
           "node_id": null, "appliance_uuid": s.config.hostname, "idle": false, "mod_time": 0})
}

async fn networks(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<Value>>> {
    Ok(axum::Json(vec![capture_network(&s)]))
}

async fn network(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    match parse_id("id", &raw)? {
        1 => Ok(axum::Json(capture_network(&s))),
        id => Err(ApiError::not_found(format!("network {id}"))),
    }
}
