//! `/alerts`: threshold and detection alerts, their assignments to devices,
//! device groups and e-mail groups (and the mirrors under `/devices/{id}`
//! and `/devicegroups/{id}`), their firings (a wirewatch extension), and
//! the alert assignments wirewatch does not have (applications, networks,
//! exclusion intervals: explicit 501s). Evaluation is `wirewatch-alerts`'.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json, Query};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::{audit, devices::with_watchlist};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::alert::{Alert, AlertInput, EmailGroup, MAX_ASSIGN};
use wirewatch_model::device::Device;
use wirewatch_model::{Code, Error};
use wirewatch_store::{AlertLink, DeviceGroup, Firing, MAX_FIRINGS};

pub fn routes() -> Api {
    Api::new()
        .get("/alerts", list)
        .post("/alerts", create)
        .get("/alerts/{id}", one)
        .patch("/alerts/{id}", update)
        .delete("/alerts/{id}", remove)
        .get("/alerts/{id}/firings", firings)
        .get("/alerts/{id}/stats", stats)
        .get("/alerts/{id}/devices", devices)
        .post("/alerts/{id}/devices", assign_devices)
        .post("/alerts/{id}/devices/{child}", assign_device)
        .delete("/alerts/{id}/devices/{child}", unassign_device)
        .get("/alerts/{id}/devicegroups", devicegroups)
        .post("/alerts/{id}/devicegroups", assign_groups)
        .post("/alerts/{id}/devicegroups/{child}", assign_group)
        .delete("/alerts/{id}/devicegroups/{child}", unassign_group)
        .get("/alerts/{id}/emailgroups", emailgroups)
        .post("/alerts/{id}/emailgroups", assign_emailgroups)
        .post("/alerts/{id}/emailgroups/{child}", assign_emailgroup)
        .delete("/alerts/{id}/emailgroups/{child}", unassign_emailgroup)
        .get("/alerts/{id}/applications", unsupported_read)
        .post("/alerts/{id}/applications", unsupported_write)
        .post("/alerts/{id}/applications/{child}", unsupported_write)
        .delete("/alerts/{id}/applications/{child}", unsupported_write)
        .get("/alerts/{id}/networks", unsupported_read)
        .post("/alerts/{id}/networks", unsupported_write)
        .post("/alerts/{id}/networks/{child}", unsupported_write)
        .delete("/alerts/{id}/networks/{child}", unsupported_write)
        .get("/alerts/{id}/exclusionintervals", unsupported_read)
        .post("/alerts/{id}/exclusionintervals", unsupported_write)
        .post("/alerts/{id}/exclusionintervals/{child}", unsupported_write)
        .delete("/alerts/{id}/exclusionintervals/{child}", unsupported_write)
        .get("/devices/{id}/alerts", device_alerts)
        .post("/devices/{id}/alerts", assign_device_alerts)
        .post("/devices/{id}/alerts/{child}", assign_device_alert)
        .delete("/devices/{id}/alerts/{child}", unassign_device_alert)
        .get("/devicegroups/{id}/alerts", group_alerts)
        .post("/devicegroups/{id}/alerts", assign_group_alerts)
        .post("/devicegroups/{id}/alerts/{child}", assign_group_alert)
        .delete("/devicegroups/{id}/alerts/{child}", unassign_group_alert)
}

/// Objects to add and to remove (ids of devices, device groups, e-mail
/// groups or alerts, as the path says; also of `/triggers/{id}/devices` and
/// `/triggers/{id}/devicegroups`). Every object to assign must exist
/// (400 names the first that does not); unknown ones to unassign are ignored.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "AlertAssignment")]
pub struct Assignment {
    /// The ids to add (at most 10,000).
    #[serde(default)]
    #[schemars(length(max = 10000), inner(range(max = i64::MAX)))]
    pub assign: Vec<u64>,
    /// The ids to remove (at most 10,000).
    #[serde(default)]
    #[schemars(length(max = 10000), inner(range(max = i64::MAX)))]
    pub unassign: Vec<u64>,
}

impl Assignment {
    pub(crate) fn check(&self) -> ApiResult<()> {
        for (field, ids) in [("assign", &self.assign), ("unassign", &self.unassign)] {
            if ids.len() > MAX_ASSIGN {
                return Err(ApiError::invalid(
                    field,
                    format!("at most {MAX_ASSIGN} ids"),
                ));
            }
            if let Some((i, id)) = ids
                .iter()
                .enumerate()
                .find(|(_, id)| **id > i64::MAX as u64)
            {
                return Err(ApiError::invalid(
                    format!("{field}[{i}]"),
                    format!("{id} is out of range (at most {})", i64::MAX),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn one(id: u64, assign: bool) -> Assignment {
        if assign {
            Assignment {
                assign: vec![id],
                unassign: vec![],
            }
        } else {
            Assignment {
                assign: vec![],
                unassign: vec![id],
            }
        }
    }
}

/// `GET /alerts/{id}/firings`: how many (newest first).
#[derive(Deserialize)]
struct FiringsQuery {
    #[serde(default)]
    limit: Option<String>,
}

/// `direct_assignments_only` of the mirror GETs.
#[derive(Deserialize)]
struct DirectQuery {
    #[serde(default)]
    direct_assignments_only: Option<String>,
}

fn flag(field: &str, v: &Option<String>) -> ApiResult<bool> {
    match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(other) => Err(ApiError::invalid(
            field,
            format!("\"{other}\" is not a boolean; use true or false"),
        )),
    }
}

fn alert(s: &AppState, raw: &str) -> ApiResult<Alert> {
    let id = parse_id("id", raw)?;
    s.store
        .alert(id)?
        .ok_or_else(|| ApiError::not_found(format!("alert {id}")))
}

async fn list(_: Guard<AnyWrite>, State(s): State<AppState>) -> ApiResult<axum::Json<Vec<Alert>>> {
    Ok(axum::Json(s.store.alerts()?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Alert>> {
    Ok(axum::Json(alert(&s, &raw)?))
}

/// As the real product: 201 with an empty body and the alert's `Location`.
async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    b: Result<Json<AlertInput>, ApiError>,
) -> ApiResult<Response> {
    let Json(b) = b?;
    let a = s.store.create_alert(b.create()?)?;
    audit(
        &s,
        &caller,
        "create alert",
        "alerts",
        json!({"id": a.id, "name": a.name}),
    );
    Ok(super::created_at(format!("/api/v1/alerts/{}", a.id)))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<AlertInput>, ApiError>,
) -> ApiResult<StatusCode> {
    let mut a = alert(&s, &raw)?;
    let Json(b) = b?;
    b.apply(&mut a)?;
    if !s.store.update_alert(a.clone())? {
        return Err(ApiError::not_found(format!("alert {}", a.id)));
    }
    audit(
        &s,
        &caller,
        "update alert",
        "alerts",
        json!({"id": a.id, "name": a.name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let a = alert(&s, &raw)?;
    s.store.delete_alert(a.id)?;
    audit(&s, &caller, "delete alert", "alerts", json!({"id": a.id}));
    Ok(StatusCode::NO_CONTENT)
}

async fn firings(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<FiringsQuery>,
) -> ApiResult<axum::Json<Vec<Firing>>> {
    let a = alert(&s, &raw)?;
    let limit = match q.limit.as_deref() {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_FIRINGS).contains(l))
            .ok_or_else(|| {
                ApiError::invalid("limit", format!("\"{l}\" is not 1 to {MAX_FIRINGS}"))
            })?,
    };
    Ok(axum::Json(s.store.alert_firings(a.id, limit)?))
}

/// Check, store and audit an assignment of objects to an alert.
fn apply(
    s: &AppState,
    caller: &Caller,
    raw: &str,
    link: AlertLink,
    b: Assignment,
) -> ApiResult<StatusCode> {
    let a = alert(s, raw)?;
    b.check()?;
    s.store.alert_assign(a.id, link, &b.assign, &b.unassign)?;
    audit(
        s,
        caller,
        "assign alert",
        "alerts",
        json!({"id": a.id, "to": format!("{link:?}").to_lowercase(), "assign": b.assign, "unassign": b.unassign}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// One child of an assignment path: it must exist to be assigned (404).
fn child(s: &AppState, link: AlertLink, raw: &str, assign: bool) -> ApiResult<Assignment> {
    let id = parse_id("child", raw)?;
    if assign {
        let (found, what) = match link {
            AlertLink::Devices => (s.store.device(id)?.is_some(), "device"),
            AlertLink::DeviceGroups => (s.store.devicegroup(id)?.is_some(), "device group"),
            AlertLink::EmailGroups => (s.store.emailgroup(id)?.is_some(), "e-mail group"),
        };
        if !found {
            return Err(ApiError::not_found(format!("{what} {id}")));
        }
    }
    Ok(Assignment::one(id, assign))
}

async fn devices(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Device>>> {
    let a = alert(&s, &raw)?;
    let list: Vec<Device> = s
        .store
        .alert_links(a.id, AlertLink::Devices)?
        .into_iter()
        .filter_map(|id| s.store.device(id).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(with_watchlist(&s, list)?))
}

async fn devicegroups(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<DeviceGroup>>> {
    let a = alert(&s, &raw)?;
    let list = s
        .store
        .alert_links(a.id, AlertLink::DeviceGroups)?
        .into_iter()
        .filter_map(|id| s.store.devicegroup(id).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(list))
}

async fn emailgroups(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<EmailGroup>>> {
    let a = alert(&s, &raw)?;
    let list = s
        .store
        .alert_links(a.id, AlertLink::EmailGroups)?
        .into_iter()
        .filter_map(|id| s.store.emailgroup(id).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(list))
}

super::assignment_handlers!(
    alert, child, apply;
    AlertLink::Devices,
    assign_devices,
    assign_device,
    unassign_device
);
super::assignment_handlers!(
    alert, child, apply;
    AlertLink::DeviceGroups,
    assign_groups,
    assign_group,
    unassign_group
);
super::assignment_handlers!(
    alert, child, apply;
    AlertLink::EmailGroups,
    assign_emailgroups,
    assign_emailgroup,
    unassign_emailgroup
);

const UNSUPPORTED: &str =
    "wirewatch alerts apply to devices and device groups only: it keeps no application \
or per-network alert assignment and no exclusion intervals";

async fn unsupported_read(_: Guard<AnyWrite>) -> ApiError {
    ApiError(Error::new(Code::NotApplicable, UNSUPPORTED))
}

async fn unsupported_write(_: Guard<WriteFull>) -> ApiError {
    ApiError(Error::new(Code::NotApplicable, UNSUPPORTED))
}

/// The real product's additional alert statistics have no documented shape;
/// wirewatch answers what an alert did with `/alerts/{id}/firings`.
async fn stats(_: Guard<AnyWrite>) -> ApiError {
    ApiError(Error::new(
        Code::NotApplicable,
        "wirewatch keeps no additional alert statistics; GET /api/v1/alerts/{id}/firings lists when and for which device the alert fired",
    ))
}

fn device_id(s: &AppState, raw: &str) -> ApiResult<u64> {
    let id = parse_id("id", raw)?;
    if s.store.device(id)?.is_none() {
        return Err(ApiError::not_found(format!("device {id}")));
    }
    Ok(id)
}

fn group(s: &AppState, raw: &str) -> ApiResult<DeviceGroup> {
    let id = parse_id("id", raw)?;
    s.store
        .devicegroup(id)?
        .ok_or_else(|| ApiError::not_found(format!("device group {id}")))
}

fn alerts_of(s: &AppState, ids: &[u64]) -> ApiResult<Vec<Alert>> {
    Ok(s.store
        .alerts()?
        .into_iter()
        .filter(|a| ids.contains(&a.id))
        .collect())
}

/// The alerts of a device: directly assigned, or also through `apply_all`
/// and the device groups it is a member of.
async fn device_alerts(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<DirectQuery>,
) -> ApiResult<axum::Json<Vec<Alert>>> {
    let id = device_id(&s, &raw)?;
    let direct = flag("direct_assignments_only", &q.direct_assignments_only)?;
    let list = if direct {
        alerts_of(&s, &s.store.linked_alerts(AlertLink::Devices, id)?)?
    } else {
        let mut out = Vec::new();
        for a in s.store.alerts()? {
            if s.store.alert_device_ids(&a)?.contains(&id) {
                out.push(a);
            }
        }
        out
    };
    Ok(axum::Json(list))
}

/// The alerts of a device group: directly assigned, or also through `apply_all`.
async fn group_alerts(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<DirectQuery>,
) -> ApiResult<axum::Json<Vec<Alert>>> {
    let g = group(&s, &raw)?;
    let direct = flag("direct_assignments_only", &q.direct_assignments_only)?;
    let ids = s.store.linked_alerts(AlertLink::DeviceGroups, g.id)?;
    Ok(axum::Json(
        s.store
            .alerts()?
            .into_iter()
            .filter(|a| ids.contains(&a.id) || (!direct && a.apply_all))
            .collect(),
    ))
}

fn apply_mirror(
    s: &AppState,
    caller: &Caller,
    link: AlertLink,
    object: u64,
    b: Assignment,
) -> ApiResult<StatusCode> {
    b.check()?;
    s.store
        .object_alerts_assign(link, object, &b.assign, &b.unassign)?;
    audit(
        s,
        caller,
        "assign alert",
        "alerts",
        json!({"object": format!("{link:?}").to_lowercase(), "id": object, "assign": b.assign, "unassign": b.unassign}),
    );
    Ok(StatusCode::NO_CONTENT)
}

fn alert_child(s: &AppState, raw: &str, assign: bool) -> ApiResult<Assignment> {
    let id = parse_id("child", raw)?;
    if assign && s.store.alert(id)?.is_none() {
        return Err(ApiError::not_found(format!("alert {id}")));
    }
    Ok(Assignment::one(id, assign))
}

async fn assign_device_alerts(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<Assignment>, ApiError>,
) -> ApiResult<StatusCode> {
    let id = device_id(&s, &raw)?;
    let Json(b) = b?;
    apply_mirror(&s, &caller, AlertLink::Devices, id, b)
}

async fn assign_device_alert(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, c)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = device_id(&s, &raw)?;
    let b = alert_child(&s, &c, true)?;
    apply_mirror(&s, &caller, AlertLink::Devices, id, b)
}

async fn unassign_device_alert(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, c)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = device_id(&s, &raw)?;
    let b = alert_child(&s, &c, false)?;
    apply_mirror(&s, &caller, AlertLink::Devices, id, b)
}

async fn assign_group_alerts(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<Assignment>, ApiError>,
) -> ApiResult<StatusCode> {
    let g = group(&s, &raw)?;
    let Json(b) = b?;
    apply_mirror(&s, &caller, AlertLink::DeviceGroups, g.id, b)
}

async fn assign_group_alert(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, c)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let g = group(&s, &raw)?;
    let b = alert_child(&s, &c, true)?;
    apply_mirror(&s, &caller, AlertLink::DeviceGroups, g.id, b)
}

async fn unassign_group_alert(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, c)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let g = group(&s, &raw)?;
    let b = alert_child(&s, &c, false)?;
    apply_mirror(&s, &caller, AlertLink::DeviceGroups, g.id, b)
}
