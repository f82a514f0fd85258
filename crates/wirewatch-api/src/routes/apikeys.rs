//! `/apikeys`: the setup user's first key (by password), listing (masked) and deletion.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ClientIp, Json};
use crate::guard::{AnyKey, Api, Guard};
use crate::routes::audit;
use crate::throttle::Refusal;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_model::user::ApiKey;
use wirewatch_store::SETUP_USERNAME;

pub fn routes() -> Api {
    Api::new()
        .get("/apikeys", list)
        .public_post("/apikeys", create)
        .get("/apikeys/{keyid}", one)
        .delete("/apikeys/{keyid}", remove)
}

/// Body of `POST /apikeys`: generate a key by password.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "NewApiKey")]
pub(crate) struct CreateKey {
    /// The user's password (by default the setup user's).
    #[schemars(extend("writeOnly" = true))]
    password: String,
    /// wirewatch extension: a local user other than `setup` generates their
    /// own key with their password.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    username: Option<String>,
    /// wirewatch extension: a description of the key (default `API key`).
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    description: Option<String>,
}

/// A 201 answer with the new key and its `Location`.
pub fn created_key(key: ApiKey) -> Response {
    let location = format!("/api/v1/apikeys/{}", key.id);
    super::created(location, key)
}

/// A 429 with `Retry-After` (whole seconds, at least one).
fn too_many(wait: std::time::Duration, message: &str) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut r = ApiError(wirewatch_model::Error::new(
        wirewatch_model::Code::TooManyRequests,
        message,
    ))
    .into_response();
    r.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(secs),
    );
    r
}

/// The one way a password is checked: through the login throttle (a refusal
/// is the ready 429 answer), on the hashing pool, with the outcome counted.
/// `Ok(None)`: wrong password or unknown user.
pub(crate) async fn throttled_password_check(
    s: &AppState,
    ip: Option<std::net::IpAddr>,
    username: &str,
    password: &str,
) -> ApiResult<Result<Option<wirewatch_model::user::User>, Response>> {
    let attempt = match s.logins.begin(ip, username) {
        Ok(a) => a,
        Err(Refusal::Locked(wait)) => {
            return Ok(Err(too_many(
                wait,
                "too many wrong passwords from this address or for this user; retry later",
            )))
        }
        Err(Refusal::Busy) => {
            return Ok(Err(too_many(
                std::time::Duration::from_secs(1),
                "too many password checks from this address at once",
            )))
        }
    };
    let store = s.store.clone();
    let (name, password) = (username.to_string(), password.to_string());
    let checked = super::blocking(move || store.check_password(&name, &password)).await;
    drop(attempt);
    let user = checked?;
    match &user {
        Some(_) => s.logins.succeeded(ip, username),
        None => s.logins.failed(ip, username),
    }
    Ok(Ok(user))
}

/// Whether the running configuration lets a key be generated for a user of
/// `kind` (`access.apikey_generation`); a 403 saying why otherwise.
pub(crate) fn may_generate(
    s: &AppState,
    kind: wirewatch_model::user::UserType,
) -> Result<(), ApiError> {
    use crate::settings::ApiKeyGeneration;
    match (s.settings.apikey_generation(), kind) {
        (ApiKeyGeneration::None, _) => Err(ApiError::forbidden(
            "API key generation is turned off on this system (access.apikey_generation is \"none\" in /api/v1/runningconfig)",
        )),
        (ApiKeyGeneration::LocalOnly, wirewatch_model::user::UserType::Remote) => {
            Err(ApiError::forbidden(
                "only local users can generate API keys on this system (access.apikey_generation is \"local_only\" in /api/v1/runningconfig)",
            ))
        }
        _ => Ok(()),
    }
}

async fn create(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<CreateKey>,
) -> ApiResult<Response> {
    // Refused before any password is checked: no oracle while turned off.
    if s.settings.apikey_generation() == crate::settings::ApiKeyGeneration::None {
        may_generate(&s, wirewatch_model::user::UserType::Local)?;
    }
    let username = body
        .username
        .as_deref()
        .unwrap_or(SETUP_USERNAME)
        .to_string();
    let user = match throttled_password_check(&s, ip, &username, &body.password).await? {
        Ok(Some(u)) => u,
        Ok(None) => return Err(ApiError::unauthorized("wrong username or password")),
        Err(refused) => return Ok(refused),
    };
    may_generate(&s, user.kind)?;
    let description = body.description.unwrap_or_else(|| "API key".to_string());
    let key = s.store.create_apikey(user.id, &description)?;
    let caller = Caller(wirewatch_store::AuthUser {
        id: user.id,
        username: user.username.clone(),
        roles: user.effective_roles.clone(),
    });
    audit(
        &s,
        &caller,
        "create API key",
        "apikeys",
        json!({"id": key.id, "description": key.description}),
    );
    Ok(created_key(key))
}

async fn list(
    caller: Guard<AnyKey>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<ApiKey>>> {
    let filter = (!caller.is_admin()).then_some(caller.0 .0.id);
    Ok(axum::Json(s.store.apikeys(filter)?))
}

fn visible_key(caller: &Caller, s: &AppState, raw: &str) -> ApiResult<ApiKey> {
    let id = parse_id("keyid", raw)?;
    s.store
        .apikey(id)?
        .filter(|k| caller.is_admin() || k.user_id == caller.0.id)
        .ok_or_else(|| ApiError::not_found(format!("API key {id}")))
}

async fn one(
    caller: Guard<AnyKey>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ApiKey>> {
    Ok(axum::Json(visible_key(&caller, &s, &raw)?))
}

async fn remove(
    caller: Guard<AnyKey>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let key = visible_key(&caller, &s, &raw)?;
    s.store.delete_apikey(key.id)?;
    audit(
        &s,
        &caller,
        "delete API key",
        "apikeys",
        json!({"id": key.id, "username": key.username}),
    );
    Ok(StatusCode::NO_CONTENT)
}
