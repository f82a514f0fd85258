//! `/devices`: devices the sensor discovered; listing, search, user changes,
//! and the observations (`/observations/associatedipaddrs`) that concern them.

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json, Query};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::{audit, blocking};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wirewatch_model::device::{Device, DevicePatch};
use wirewatch_model::device_filter::DeviceFilter;
use wirewatch_model::now_ms;
use wirewatch_model::time::{time_schema, time_text, TimeSpec};
use wirewatch_store::StoredObservation;

/// Most devices one request returns.
pub const MAX_LIMIT: usize = 10_000;

pub fn routes() -> Api {
    Api::new()
        .get("/devices", list)
        .post("/devices/search", search)
        .get("/devices/{id}", one)
        .patch("/devices/{id}", update)
}

fn resolve(field: &str, t: &Option<TimeSpec>) -> ApiResult<Option<i64>> {
    t.as_ref()
        .map(|t| {
            t.resolve(now_ms())
                .map_err(|m| ApiError::invalid(field, m.to_string()))
        })
        .transpose()
}

/// Fill `on_watchlist` from the watchlist.
pub fn with_watchlist(s: &AppState, mut v: Vec<Device>) -> ApiResult<Vec<Device>> {
    let w = s.store.watchlist()?;
    for d in &mut v {
        d.on_watchlist = w.contains(&d.id);
    }
    Ok(v)
}

fn page(mut v: Vec<Device>, limit: Option<usize>, offset: Option<usize>) -> ApiResult<Vec<Device>> {
    let limit = limit.unwrap_or(MAX_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("must be at most {MAX_LIMIT}"),
        ));
    }
    let offset = offset.unwrap_or(0).min(v.len());
    v.drain(..offset);
    v.truncate(limit);
    Ok(v)
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    active_from: Option<TimeSpec>,
    #[serde(default)]
    active_until: Option<TimeSpec>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    search_type: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

/// The `search_type` values of `GET /devices` as device-filter fields.
fn search_field(t: &str) -> Option<&'static str> {
    Some(match t {
        "name" => "name",
        "discovery_id" => "discovery_id",
        "ip address" | "ipaddr" => "ipaddr",
        "mac address" | "macaddr" => "macaddr",
        "vendor" => "vendor",
        "type" => "role",
        "vlan" => "vlan",
        "discover time" => "discover_time",
        "node" | "tag" | "activity" => return None,
        _ => return None,
    })
}

async fn list(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<Vec<Device>>> {
    let from = resolve("active_from", &q.active_from)?;
    let until = resolve("active_until", &q.active_until)?;
    let store = s.store.clone();
    let mut all = blocking(move || store.devices(from, until)).await?;
    match q.search_type.as_deref() {
        None | Some("any") => {
            if let Some(v) = q.value.as_deref().filter(|v| !v.is_empty()) {
                let v = v.to_lowercase();
                all.retain(|d| {
                    serde_json::to_string(d)
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&v)
                });
            }
        }
        Some(t) => {
            let field = search_field(t).ok_or_else(|| {
                ApiError::invalid(
                    "search_type",
                    format!("\"{t}\" is not supported; use any, name, discovery_id, ip address, mac address, vendor, type, vlan, discover time"),
                )
            })?;
            let f = DeviceFilter {
                field: Some(field.into()),
                operator: Some(if field == "discover_time" { ">=" } else { "=" }.into()),
                operand: Some(Value::String(q.value.clone().unwrap_or_default())),
                rules: None,
            };
            let c = f.compile("value")?;
            all.retain(|d| c.matches(d));
        }
    }
    Ok(axum::Json(with_watchlist(
        &s,
        page(all, q.limit, q.offset)?,
    )?))
}

/// Body of `POST /devices/search`. Every criterion is optional; an empty
/// object returns every device.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "DeviceSearch")]
pub struct SearchBody {
    /// Only devices seen at or after this time.
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    active_from: Option<TimeSpec>,
    /// Only devices discovered at or before this time.
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    active_until: Option<TimeSpec>,
    /// The devices to return.
    #[serde(default)]
    filter: Option<DeviceFilter>,
    /// The page size: how many devices (at most 10000).
    #[serde(default)]
    #[schemars(range(max = MAX_LIMIT), extend("default" = MAX_LIMIT))]
    limit: Option<usize>,
    /// How many matching devices to skip.
    #[serde(default)]
    #[schemars(extend("default" = 0))]
    offset: Option<usize>,
    /// The device fields to return; `id` is always returned. Default: every
    /// field.
    #[serde(default)]
    result_fields: Option<Vec<String>>,
}

async fn search(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Json(b): Json<SearchBody>,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let from = resolve("active_from", &b.active_from)?;
    let until = resolve("active_until", &b.active_until)?;
    let compiled = b.filter.as_ref().map(|f| f.compile("filter")).transpose()?;
    let store = s.store.clone();
    let mut all = blocking(move || store.devices(from, until)).await?;
    if let Some(c) = &compiled {
        all.retain(|d| c.matches(d));
    }
    let page = with_watchlist(&s, page(all, b.limit, b.offset)?)?;
    Ok(axum::Json(
        page.into_iter()
            .map(|d| {
                let v = serde_json::to_value(&d).unwrap_or_default();
                match (&b.result_fields, v) {
                    (Some(fields), Value::Object(mut m)) => {
                        m.retain(|k, _| k == "id" || fields.iter().any(|f| f == k));
                        Value::Object(m)
                    }
                    (_, v) => v,
                }
            })
            .collect(),
    ))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<DeviceDetail>> {
    let id = parse_id("id", &raw)?;
    let d = s
        .store
        .device(id)?
        .ok_or_else(|| ApiError::not_found(format!("device {id}")))?;
    let device = with_watchlist(&s, vec![d])?.remove(0);
    // Observations about any of the device's addresses (a wirewatch extension field).
    let mut associated_ipaddrs = Vec::new();
    for ip in &device.ipaddrs {
        for o in s.store.observations(Some(ip), 100)? {
            associated_ipaddrs.push(DeviceObservation::from(o));
        }
    }
    Ok(axum::Json(DeviceDetail {
        device,
        associated_ipaddrs,
    }))
}

/// A device, with the observations (`/observations/associatedipaddrs`)
/// about its addresses.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(example = DeviceDetail::example())]
pub struct DeviceDetail {
    #[serde(flatten)]
    pub device: Device,
    /// wirewatch extension: the observations that name one of the device's
    /// addresses (up to 100 per address), newest first.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub associated_ipaddrs: Vec<DeviceObservation>,
}

impl DeviceDetail {
    /// The example of the API's documentation.
    pub fn example() -> DeviceDetail {
        DeviceDetail {
            device: Device::example(),
            associated_ipaddrs: vec![DeviceObservation::example()],
        }
    }
}

/// An observation about one of a device's addresses.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(example = DeviceObservation::example())]
pub struct DeviceObservation {
    /// The IP address.
    pub ipaddr: String,
    /// The IP address associated with it.
    pub associated_ipaddr: String,
    /// Where the observation came from.
    pub source: String,
    /// When it was observed, in **seconds** since the epoch.
    pub timestamp: i64,
}

impl DeviceObservation {
    /// The example of the API's documentation.
    pub fn example() -> DeviceObservation {
        DeviceObservation {
            ipaddr: "10.1.0.1".into(),
            associated_ipaddr: "203.0.113.50".into(),
            source: "OpenVPN".into(),
            timestamp: 1_767_225_600,
        }
    }
}

impl From<StoredObservation> for DeviceObservation {
    fn from(o: StoredObservation) -> DeviceObservation {
        DeviceObservation {
            ipaddr: o.ipaddr,
            associated_ipaddr: o.associated_ipaddr,
            source: o.source,
            timestamp: o.timestamp,
        }
    }
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Json(p): Json<DevicePatch>,
) -> ApiResult<StatusCode> {
    let id = parse_id("id", &raw)?;
    let d = s
        .store
        .patch_device(id, p)?
        .ok_or_else(|| ApiError::not_found(format!("device {id}")))?;
    audit(
        &s,
        &caller,
        "update device",
        "devices",
        json!({"id": id, "custom_name": d.custom_name, "custom_type": d.custom_type}),
    );
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view structs write the JSON the `json!` answer of `GET
    /// /devices/{id}` wrote.
    #[test]
    fn device_detail_is_the_json_it_was() {
        let device = Device::example();
        let stored = StoredObservation {
            id: 3,
            ipaddr: "10.1.0.1".into(),
            associated_ipaddr: "203.0.113.50".into(),
            timestamp: 1_767_225_600,
            source: "OpenVPN".into(),
            received_time: 1_767_225_601_000,
        };
        let o = &stored;
        let mut before = serde_json::to_value(&device).unwrap();
        before["associated_ipaddrs"] = json!([{"ipaddr": o.ipaddr, "associated_ipaddr": o.associated_ipaddr, "source": o.source, "timestamp": o.timestamp}]);
        let after = DeviceDetail {
            device,
            associated_ipaddrs: vec![DeviceObservation::from(stored.clone())],
        };
        assert_eq!(serde_json::to_value(&after).unwrap(), before);
        let empty = DeviceDetail {
            device: Device::example(),
            associated_ipaddrs: vec![],
        };
        let mut before = serde_json::to_value(Device::example()).unwrap();
        before["associated_ipaddrs"] = json!([]);
        assert_eq!(serde_json::to_value(&empty).unwrap(), before);
    }
}
