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
use serde::{Deserialize, Serialize};
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

/// The fields to change; absent fields keep their value. A group made
/// dynamic needs a valid `filter`.
///
/// `POST /devicegroups` reads it too and requires `name` itself; its
/// schema, `DeviceGroupInput`, is this one with `name` required.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "DeviceGroupPatch")]
pub struct GroupBody {
    /// The group's name: 1 to 256 bytes, not only spaces.
    #[serde(default)]
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    name: Option<String>,
    /// What the group is for.
    #[serde(default)]
    description: Option<String>,
    /// Filter-defined (true) or a static list (false, the default).
    #[serde(default)]
    dynamic: Option<bool>,
    /// The device filter of a dynamic group; required when `dynamic` is true.
    #[serde(default)]
    #[schemars(schema_with = "wirewatch_store::group_filter_schema")]
    filter: Option<Value>,
    /// Whether custom devices may be members (default true).
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

/// A capture network. A wirewatch sensor has exactly one (id 1): all its
/// inputs.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(example = Network::capture("sensor-1"))]
pub struct Network {
    /// The network's id (always 1).
    pub id: u64,
    /// The network's name.
    pub name: String,
    /// What the network captures.
    pub description: String,
    /// Always `null` (no console).
    pub node_id: Option<i64>,
    /// The sensor's host name.
    pub appliance_uuid: String,
    /// Whether the network is idle (always false).
    pub idle: bool,
    /// When the network was changed (always 0).
    pub mod_time: i64,
}

impl Network {
    /// This sensor's one capture network (all of its inputs), on `hostname`.
    fn capture(hostname: &str) -> Network {
        Network {
            id: 1,
            name: "Capture".into(),
            description: "Traffic analysed by this sensor (captures, interfaces, EVE input)".into(),
            node_id: None,
            appliance_uuid: hostname.into(),
            idle: false,
            mod_time: 0,
        }
    }
}

/// This sensor's one capture network (all of its inputs).
fn capture_network(s: &AppState) -> Network {
    Network::capture(&s.config.hostname)
}

async fn networks(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<Network>>> {
    Ok(axum::Json(vec![capture_network(&s)]))
}

async fn network(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Network>> {
    match parse_id("id", &raw)? {
        1 => Ok(axum::Json(capture_network(&s))),
        id => Err(ApiError::not_found(format!("network {id}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view struct writes the bytes the `json!` body wrote.
    #[test]
    fn network_is_the_json_it_was() {
        let before = json!({"id": 1, "name": "Capture", "description": "Traffic analysed by this sensor (captures, interfaces, EVE input)",
               "node_id": null, "appliance_uuid": "sensor-1", "idle": false, "mod_time": 0});
        let after = serde_json::to_string(&Network::capture("sensor-1")).unwrap();
        assert_eq!(after, before.to_string());
    }
}
