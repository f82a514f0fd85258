//! `/usergroups`: local user groups, their members, and the privileges
//! members inherit (`granted_roles`, applied through the one rule that makes
//! a user's effective roles). wirewatch has no LDAP directory: `refresh`
//! answers 501 saying so. All need `system: full`.

use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::guard::{Api, Guard, System};
use crate::routes::audit;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use wirewatch_model::usergroup::{parse_members, Members, NewUserGroup, UserGroup, UserGroupPatch};
use wirewatch_model::{Code, Error};

pub fn routes() -> Api {
    Api::new()
        .get("/usergroups", list)
        .post("/usergroups", create)
        .post("/usergroups/refresh", refresh_all)
        .get("/usergroups/{id}", one)
        .patch("/usergroups/{id}", update)
        .delete("/usergroups/{id}", remove)
        .delete("/usergroups/{id}/associations", delete_associations)
        .get("/usergroups/{id}/members", members)
        .patch("/usergroups/{id}/members", set_members::<false>)
        .put("/usergroups/{id}/members", set_members::<true>)
        .post("/usergroups/{id}/refresh", refresh_one)
}

fn group(s: &AppState, id: &str) -> ApiResult<UserGroup> {
    s.store
        .usergroup(id)?
        .ok_or_else(|| ApiError::not_found(format!("user group {id:?}")))
}

async fn list(
    _: Guard<System>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<UserGroup>>> {
    Ok(axum::Json(s.store.usergroups()?))
}

async fn one(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<UserGroup>> {
    Ok(axum::Json(group(&s, &id)?))
}

/// 201 with an empty body and the group's `Location`.
async fn create(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(b): Json<NewUserGroup>,
) -> ApiResult<Response> {
    let g = s.store.create_usergroup(b)?;
    audit(
        &s,
        &caller,
        "create user group",
        "usergroups",
        json!({"id": g.id, "enabled": g.enabled, "granted_roles": g.granted_roles}),
    );
    Ok(super::created_at(format!("/api/v1/usergroups/{}", g.id)))
}

async fn update(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Json<UserGroupPatch>, ApiError>,
) -> ApiResult<StatusCode> {
    group(&s, &id)?;
    let Json(b) = b?;
    let g = s
        .store
        .update_usergroup(&id, b)?
        .ok_or_else(|| ApiError::not_found(format!("user group {id:?}")))?;
    audit(
        &s,
        &caller,
        "update user group",
        "usergroups",
        json!({"id": g.id, "enabled": g.enabled, "granted_roles": g.granted_roles}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !s.store.delete_usergroup(&id)? {
        return Err(ApiError::not_found(format!("user group {id:?}")));
    }
    audit(
        &s,
        &caller,
        "delete user group",
        "usergroups",
        json!({"id": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// The group's sharing associations: the activity maps shared with it.
async fn delete_associations(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    group(&s, &id)?;
    let n = s.store.delete_usergroup_associations(&id)?;
    audit(
        &s,
        &caller,
        "delete user group sharing associations",
        "usergroups",
        json!({"id": id, "activity_maps": n}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn members(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Members>> {
    let names = s
        .store
        .usergroup_members(&id)?
        .ok_or_else(|| ApiError::not_found(format!("user group {id:?}")))?;
    Ok(axum::Json(Members {
        users: names
            .into_iter()
            .map(|n| (n, "member".to_string()))
            .collect(),
    }))
}

/// `PATCH` (`REPLACE` false: add and remove) or `PUT` (`REPLACE` true:
/// the whole list) of a group's members. An unknown group is a 404 before
/// the body is looked at.
async fn set_members<const REPLACE: bool>(
    caller: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    b: Result<Json<Value>, ApiError>,
) -> ApiResult<StatusCode> {
    group(&s, &id)?;
    let Json(body) = b?;
    let change = parse_members(&body, REPLACE)?;
    if !s.store.change_usergroup_members(&id, &change, REPLACE)? {
        return Err(ApiError::not_found(format!("user group {id:?}")));
    }
    audit(
        &s,
        &caller,
        if REPLACE {
            "replace user group members"
        } else {
            "update user group members"
        },
        "usergroups",
        json!({"id": id, "members": body}),
    );
    Ok(StatusCode::NO_CONTENT)
}

fn no_directory() -> ApiError {
    ApiError(Error::new(
        Code::NotApplicable,
        "no LDAP directory is configured (wirewatch has no remote user groups to refresh): \
         local groups' members are set with PATCH or PUT /api/v1/usergroups/{id}/members",
    ))
}

async fn refresh_all(_: Guard<System>) -> ApiError {
    no_directory()
}

async fn refresh_one(
    _: Guard<System>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    group(&s, &id)?;
    Err(no_directory())
}
