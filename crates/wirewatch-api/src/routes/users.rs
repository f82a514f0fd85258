//! `/users`: local users, their privilege levels, and keys an administrator issues for them.

use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::extract::{Json, OptionalJson};
use crate::guard::{Admin, AdminOrSelf, Api, Guard};
use crate::routes::{apikeys::created_key, apikeys::throttled_password_check, audit};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::user::{ApiKey, NewUser, User, UserPatch};

pub fn routes() -> Api {
    Api::new()
        .get("/users", list)
        .post("/users", create)
        .get("/users/{username}", one)
        .patch("/users/{username}", update)
        .delete("/users/{username}", remove)
        .post("/users/{username}/apikeys", issue_key)
        .get("/users/{username}/apikeys", keys)
}

async fn list(_: Guard<Admin>, State(s): State<AppState>) -> ApiResult<axum::Json<Vec<User>>> {
    Ok(axum::Json(s.store.users()?))
}

fn find(s: &AppState, username: &str) -> ApiResult<User> {
    s.store
        .user(username)?
        .ok_or_else(|| ApiError::not_found(format!("user {username}")))
}

async fn one(
    _: Guard<AdminOrSelf>,
    State(s): State<AppState>,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(find(&s, &username)?))
}

async fn create(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    new: Result<Json<NewUser>, ApiError>,
) -> ApiResult<Response> {
    let Json(new) = new?;
    let with_key = new.create_apikey.unwrap_or(false);
    if with_key {
        // Refused before the user is created: nothing half done.
        super::apikeys::may_generate(
            &s,
            new.kind.unwrap_or(wirewatch_model::user::UserType::Local),
        )?;
    }
    let store = s.store.clone();
    let user = super::blocking(move || store.create_user(new)).await?;
    audit(
        &s,
        &caller,
        "create user",
        "users",
        json!({"username": user.username, "granted_roles": user.granted_roles}),
    );
    let location = format!("/api/v1/users/{}", user.username);
    let mut apikey = None;
    if with_key {
        let key = s
            .store
            .create_apikey(user.id, &format!("created with user {}", user.username))?;
        audit(
            &s,
            &caller,
            "issue API key",
            "apikeys",
            json!({"id": key.id, "username": user.username}),
        );
        apikey = Some(key);
    }
    Ok(super::created(location, CreatedUser { user, apikey }))
}

/// The created user; with `create_apikey: true` also its first API key (the
/// only time the full key is shown).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    /// The user's first API key, when `create_apikey` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ApiKey")]
    pub apikey: Option<ApiKey>,
}

async fn update(
    caller: Guard<AdminOrSelf>,
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(username): Path<String>,
    patch: Result<Json<UserPatch>, ApiError>,
) -> ApiResult<Response> {
    let own = caller.username() == username;
    let Json(patch) = patch?;
    let own_password_only =
        own && patch.name.is_none() && patch.enabled.is_none() && patch.granted_roles.is_none();
    if !own_password_only {
        caller.require_admin()?;
    }
    if own && patch.password.is_some() {
        if let Some(refused) = check_current_password(&s, ip, &username, &patch).await? {
            return Ok(refused);
        }
    }
    let details = json!({"username": username, "fields": {
        "name": patch.name.is_some(), "password": patch.password.is_some(),
        "enabled": patch.enabled, "granted_roles": patch.granted_roles}});
    let store = s.store.clone();
    let name = username.clone();
    super::blocking(move || store.update_user(&name, patch))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {username}")))?;
    audit(&s, &caller, "update user", "users", details);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A user changing their own password proves they know the current one
/// (a stolen key alone must not take the account over): absent is a 400
/// naming `current_password`, wrong a 403. Checks go through the login
/// throttle, so this is no way around its lockout; a lockout answers 429.
async fn check_current_password(
    s: &AppState,
    ip: Option<std::net::IpAddr>,
    username: &str,
    patch: &UserPatch,
) -> ApiResult<Option<Response>> {
    let Some(current) = patch.current_password.clone() else {
        return Err(ApiError::invalid(
            "current_password",
            "is required to change your own password",
        ));
    };
    match throttled_password_check(s, ip, username, &current).await? {
        Ok(Some(_)) => Ok(None),
        Ok(None) => Err(ApiError::forbidden("current_password is wrong")),
        Err(refused) => Ok(Some(refused)),
    }
}

async fn remove(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    if !s.store.delete_user(&username)? {
        return Err(ApiError::not_found(format!("user {username}")));
    }
    audit(
        &s,
        &caller,
        "delete user",
        "users",
        json!({"username": username}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /users/{username}/apikeys` (optional).
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[schemars(rename = "ApiKeyRequest")]
pub(crate) struct IssueKey {
    /// A description of the key (default `issued by <caller>`).
    #[serde(default)]
    description: Option<String>,
}

/// wirewatch extension: an administrator issues a key for another user.
async fn issue_key(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    Path(username): Path<String>,
    OptionalJson(req): OptionalJson<IssueKey>,
) -> ApiResult<Response> {
    let user = find(&s, &username)?;
    super::apikeys::may_generate(&s, user.kind)?;
    let description = req
        .description
        .unwrap_or_else(|| format!("issued by {}", caller.username()));
    let key = s.store.create_apikey(user.id, &description)?;
    audit(
        &s,
        &caller,
        "issue API key",
        "apikeys",
        json!({"id": key.id, "username": username}),
    );
    Ok(created_key(key))
}

async fn keys(
    _: Guard<AdminOrSelf>,
    State(s): State<AppState>,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<Vec<ApiKey>>> {
    let user = find(&s, &username)?;
    Ok(axum::Json(s.store.apikeys(Some(user.id))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view struct writes the bytes the handler wrote when it added
    /// `apikey` to the user's JSON.
    #[test]
    fn created_user_is_the_json_it_was() {
        let (user, key) = (User::example(), ApiKey::example());
        let mut before = serde_json::to_value(&user).unwrap();
        before["apikey"] = serde_json::to_value(&key).unwrap();
        let after = CreatedUser {
            user: user.clone(),
            apikey: Some(key),
        };
        assert_eq!(serde_json::to_string(&after).unwrap(), before.to_string());
        let alone = CreatedUser { user, apikey: None };
        let before = serde_json::to_value(&alone.user).unwrap();
        assert_eq!(serde_json::to_string(&alone).unwrap(), before.to_string());
    }
}
