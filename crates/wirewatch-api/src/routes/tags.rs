//! `/tags`: device tags, their devices, and `/devices/{id}/tags`.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::{audit, devices::with_watchlist};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::device::Device;
use wirewatch_store::Tag;

pub fn routes() -> Api {
    Api::new()
        .get("/tags", list)
        .post("/tags", create)
        .get("/tags/{id}", one)
        .patch("/tags/{id}", update)
        .delete("/tags/{id}", remove)
        .get("/tags/{id}/devices", devices)
        .post("/tags/{id}/devices", assign)
        .post("/tags/{id}/devices/{child}", assign_one)
        .delete("/tags/{id}/devices/{child}", unassign_one)
        .get("/devices/{id}/tags", device_tags)
}

/// The name of a new or renamed tag.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "TagInput")]
pub struct TagBody {
    /// The tag's name: 1 to 256 bytes, not only spaces; unique (409
    /// otherwise).
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    name: String,
}

/// Devices to add and to remove. Every device to assign must exist (400
/// names the first that does not); unknown devices to unassign are ignored.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "DeviceAssignment")]
pub struct Assignment {
    /// The ids of the devices to add.
    #[serde(default)]
    #[schemars(inner(range(max = i64::MAX)))]
    pub assign: Vec<u64>,
    /// The ids of the devices to remove.
    #[serde(default)]
    #[schemars(inner(range(max = i64::MAX)))]
    pub unassign: Vec<u64>,
}

impl Assignment {
    /// Device ids are stored as SQLite integers: larger ids are a 400, not a
    /// failed query.
    pub fn check(&self) -> ApiResult<()> {
        for (field, ids) in [("assign", &self.assign), ("unassign", &self.unassign)] {
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
}

fn tag(s: &AppState, raw: &str) -> ApiResult<Tag> {
    let id = parse_id("id", raw)?;
    s.store
        .tag(id)?
        .ok_or_else(|| ApiError::not_found(format!("tag {id}")))
}

async fn list(_: Guard<AnyWrite>, State(s): State<AppState>) -> ApiResult<axum::Json<Vec<Tag>>> {
    Ok(axum::Json(s.store.tags()?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Tag>> {
    Ok(axum::Json(tag(&s, &raw)?))
}

/// As the real product: 201 with an empty body and the new tag's `Location`.
async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    b: Result<Json<TagBody>, ApiError>,
) -> ApiResult<Response> {
    let Json(b) = b?;
    let t = s.store.create_tag(&b.name)?;
    audit(
        &s,
        &caller,
        "create tag",
        "tags",
        json!({"id": t.id, "name": t.name}),
    );
    Ok(super::created_at(format!("/api/v1/tags/{}", t.id)))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<TagBody>, ApiError>,
) -> ApiResult<StatusCode> {
    let Json(b) = b?;
    let t = tag(&s, &raw)?;
    s.store.rename_tag(t.id, &b.name)?;
    audit(
        &s,
        &caller,
        "rename tag",
        "tags",
        json!({"id": t.id, "name": b.name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let t = tag(&s, &raw)?;
    s.store.delete_tag(t.id)?;
    audit(&s, &caller, "delete tag", "tags", json!({"id": t.id}));
    Ok(StatusCode::NO_CONTENT)
}

async fn devices(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Device>>> {
    let t = tag(&s, &raw)?;
    let ids = s.store.tag_device_ids(t.id)?;
    let list: Vec<Device> = ids
        .into_iter()
        .filter_map(|id| s.store.device(id).transpose())
        .collect::<Result<_, _>>()?;
    Ok(axum::Json(with_watchlist(&s, list)?))
}

/// The one path every tag assignment takes: check, store, audit.
fn apply(s: &AppState, caller: &Caller, raw: &str, b: Assignment) -> ApiResult<StatusCode> {
    let t = tag(s, raw)?;
    b.check()?;
    s.store.tag_devices(t.id, &b.assign, &b.unassign)?;
    audit(
        s,
        caller,
        "assign tag",
        "tags",
        json!({"id": t.id, "assign": b.assign, "unassign": b.unassign}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn assign(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<Assignment>, ApiError>,
) -> ApiResult<StatusCode> {
    let Json(b) = b?;
    apply(&s, &caller, &raw, b)
}

async fn assign_one(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, child)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let d = parse_id("child-id", &child)?;
    if s.store.device(d)?.is_none() {
        return Err(ApiError::not_found(format!("device {d}")));
    }
    apply(
        &s,
        &caller,
        &raw,
        Assignment {
            assign: vec![d],
            unassign: vec![],
        },
    )
}

async fn unassign_one(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path((raw, child)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let d = parse_id("child-id", &child)?;
    apply(
        &s,
        &caller,
        &raw,
        Assignment {
            assign: vec![],
            unassign: vec![d],
        },
    )
}

async fn device_tags(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<Tag>>> {
    let id = parse_id("id", &raw)?;
    if s.store.device(id)?.is_none() {
        return Err(ApiError::not_found(format!("device {id}")));
    }
    Ok(axum::Json(s.store.device_tags(id)?))
}
