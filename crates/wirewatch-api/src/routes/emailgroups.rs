//! `/emailgroups`: the e-mail groups alerts notify (assigned with
//! `/alerts/{id}/emailgroups`).

use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, Json};
use crate::guard::{AnyWrite, Api, Guard, WriteFull};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use wirewatch_model::alert::{EmailGroup, EmailGroupInput};

pub fn routes() -> Api {
    Api::new()
        .get("/emailgroups", list)
        .post("/emailgroups", create)
        .get("/emailgroups/{id}", one)
        .patch("/emailgroups/{id}", update)
        .delete("/emailgroups/{id}", remove)
}

fn group(s: &AppState, raw: &str) -> ApiResult<EmailGroup> {
    let id = parse_id("id", raw)?;
    s.store
        .emailgroup(id)?
        .ok_or_else(|| ApiError::not_found(format!("e-mail group {id}")))
}

async fn list(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<EmailGroup>>> {
    Ok(axum::Json(s.store.emailgroups()?))
}

async fn one(
    _: Guard<AnyWrite>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<EmailGroup>> {
    Ok(axum::Json(group(&s, &raw)?))
}

/// 201 with an empty body and the group's `Location`.
async fn create(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    b: Result<Json<EmailGroupInput>, ApiError>,
) -> ApiResult<Response> {
    let Json(b) = b?;
    let mut g = EmailGroup {
        id: 0,
        group_name: String::new(),
        email_addresses: Vec::new(),
        system_notifications: false,
    };
    b.apply(&mut g)?;
    let g = s.store.save_emailgroup(g)?;
    audit(
        &s,
        &caller,
        "create e-mail group",
        "emailgroups",
        json!({"id": g.id, "group_name": g.group_name}),
    );
    Ok(super::created_at(format!("/api/v1/emailgroups/{}", g.id)))
}

async fn update(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<EmailGroupInput>, ApiError>,
) -> ApiResult<StatusCode> {
    let mut g = group(&s, &raw)?;
    let Json(b) = b?;
    b.apply(&mut g)?;
    s.store.save_emailgroup(g.clone())?;
    audit(
        &s,
        &caller,
        "update e-mail group",
        "emailgroups",
        json!({"id": g.id, "group_name": g.group_name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<WriteFull>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let g = group(&s, &raw)?;
    s.store.delete_emailgroup(g.id)?;
    audit(
        &s,
        &caller,
        "delete e-mail group",
        "emailgroups",
        json!({"id": g.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}
