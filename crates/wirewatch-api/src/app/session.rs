//! Web app sessions: `POST /app/login` (a local user's name and password,
//! throttled as `POST /apikeys` is), `POST /app/logout`, `GET /app/session`;
//! the session cookie; and the CSRF rule every cookie-authenticated request
//! meets in [`crate::auth::Caller`].
//!
//! The cookie holds a random 128-bit token (the store keeps its digest). Its
//! CSRF token is derived from it (`SHA-256("wirewatch-csrf:" + token)`), so
//! nothing more is stored and only a page that read `/app/login` or
//! `/app/session` (same origin: `SameSite=Strict`, no CORS) knows it.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, Json};
use crate::AppState;
use axum::extract::State;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wirewatch_store::{AuthUser, SessionLimits};

/// The header a cookie-authenticated state-changing request carries.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the server's sessions behave.
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    /// Served over TLS (or behind a TLS proxy): the cookie is `Secure` and
    /// named with the `__Host-` prefix.
    pub secure: bool,
    pub limits: SessionLimits,
}

impl SessionConfig {
    /// Secure cookies when the public URL is `https`.
    pub fn for_url(public_url: &str) -> SessionConfig {
        SessionConfig {
            secure: public_url.to_ascii_lowercase().starts_with("https:"),
            limits: SessionLimits::default(),
        }
    }

    /// The cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-wirewatch_session"
        } else {
            "wirewatch_session"
        }
    }

    pub(crate) fn set_cookie(&self, token: &str, max_age_s: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={token}; Path=/; HttpOnly{secure}; SameSite=Strict; Max-Age={max_age_s}",
            self.cookie_name()
        )
    }
}

/// The CSRF token of a session token.
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"wirewatch-csrf:");
    h.update(session_token.as_bytes());
    hex::encode(h.finalize())
}

/// Equality whose time depends on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The session token in the request's cookies, if any.
pub fn session_token(headers: &HeaderMap, config: &SessionConfig) -> Option<String> {
    let name = config.cookie_name();
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A request that a page of another site may have sent: `Sec-Fetch-Site`
/// other than `same-origin`, or an `Origin` whose host is not the request's
/// (`Host`, or the URI's authority in HTTP/2).
fn cross_site(headers: &HeaderMap, uri: &Uri) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        if site.as_bytes() != b"same-origin" {
            return Some("the request did not come from this site's pages (Sec-Fetch-Site)");
        }
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.authority().map(|a| a.as_str()));
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, rest)| rest.trim_end_matches('/'));
        match (origin_host, host) {
            (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => {}
            _ => return Some("the request's Origin is not this server"),
        }
    }
    None
}

/// The caller of a request that carries the session cookie and no
/// `Authorization` header: `Ok(None)` without the cookie; 401 for a
/// session that ended; 403 when a state-changing request fails the CSRF
/// rule (its `X-CSRF-Token`, and `Origin`/`Sec-Fetch-Site` when sent).
pub fn cookie_caller(parts: &Parts, state: &AppState) -> ApiResult<Option<AuthUser>> {
    let config = &state.sessions;
    let Some(token) = session_token(&parts.headers, config) else {
        return Ok(None);
    };
    let user = state
        .store
        .session_user(&token, config.limits)?
        .ok_or_else(|| ApiError::unauthorized("the session has ended; log in again"))?;
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        check_csrf(&parts.headers, &parts.uri, &token)?;
    }
    Ok(Some(user))
}

fn check_csrf(headers: &HeaderMap, uri: &Uri, token: &str) -> ApiResult<()> {
    if let Some(why) = cross_site(headers, uri) {
        return Err(ApiError::forbidden(why));
    }
    let sent = headers
        .get(CSRF_HEADER)
        .map(HeaderValue::as_bytes)
        .ok_or_else(|| {
            ApiError::forbidden(
                "missing X-CSRF-Token header (the session's CSRF token, from /app/session)",
            )
        })?;
    if !constant_time_eq(sent, csrf_token(token).as_bytes()) {
        return Err(ApiError::forbidden("wrong X-CSRF-Token"));
    }
    Ok(())
}

/// Body of `POST /app/login`.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct Login {
    /// A local user's name.
    #[schemars(length(max = 64))]
    username: String,
    /// Their password.
    #[schemars(extend("writeOnly" = true))]
    password: String,
}

/// What the app learns about its session.
#[derive(Serialize)]
pub struct SessionView {
    pub username: String,
    /// The user's effective privileges.
    pub roles: wirewatch_model::user::Roles,
    /// Send it as `X-CSRF-Token` with every state-changing request.
    pub csrf_token: String,
}

fn view(user: AuthUser, token: &str) -> SessionView {
    SessionView {
        username: user.username,
        roles: user.roles,
        csrf_token: csrf_token(token),
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r
}

/// `POST /app/login`.
pub async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Login>,
) -> ApiResult<Response> {
    // Login CSRF: a page of another site must not log the browser in.
    if let Some(why) = cross_site(&headers, &uri) {
        return Err(ApiError::forbidden(why));
    }
    if body.username.len() > 64 {
        return Err(ApiError::invalid("username", "at most 64 characters"));
    }
    let user = match crate::routes::apikeys::throttled_password_check(
        &s,
        ip,
        &body.username,
        &body.password,
    )
    .await?
    {
        Ok(Some(u)) => u,
        Ok(None) => return Err(ApiError::unauthorized("wrong username or password")),
        Err(refused) => return Ok(refused),
    };
    let session = s.store.create_session(user.id, s.sessions.limits)?;
    let auth = AuthUser {
        id: user.id,
        username: user.username.clone(),
        roles: user.effective_roles.clone(),
    };
    crate::routes::audit(
        &s,
        &crate::auth::Caller(auth.clone()),
        "log in",
        "app",
        serde_json::json!({"username": user.username}),
    );
    let cookie = s
        .sessions
        .set_cookie(&session.token, s.sessions.limits.absolute_ms / 1000);
    let body = view(auth, &session.token);
    let mut r = axum::Json(body).into_response();
    r.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie)
            .map_err(|e| ApiError(wirewatch_model::Error::internal(e.to_string())))?,
    );
    Ok(no_store(r))
}

/// `GET /app/session`: who is logged in, and the CSRF token.
pub async fn current(State(s): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let token = session_token(&parts.headers, &s.sessions)
        .ok_or_else(|| ApiError::unauthorized("not logged in"))?;
    let user = cookie_caller(&parts, &s)?.ok_or_else(|| ApiError::unauthorized("not logged in"))?;
    Ok(no_store(axum::Json(view(user, &token)).into_response()))
}

/// `POST /app/logout`: ends the session (CSRF rule as every change) and
/// clears the cookie.
pub async fn logout(State(s): State<AppState>, parts: Parts) -> ApiResult<Response> {
    let token = session_token(&parts.headers, &s.sessions)
        .ok_or_else(|| ApiError::unauthorized("not logged in"))?;
    let user = cookie_caller(&parts, &s)?.ok_or_else(|| ApiError::unauthorized("not logged in"))?;
    s.store.revoke_session(&token)?;
    crate::routes::audit(
        &s,
        &crate::auth::Caller(user.clone()),
        "log out",
        "app",
        serde_json::json!({"username": user.username}),
    );
    let mut r = axum::http::StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&s.sessions.set_cookie("", 0))
            .map_err(|e| ApiError(wirewatch_model::Error::internal(e.to_string())))?,
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_flags_follow_tls() {
        let tls = SessionConfig::for_url("https://sensor:8443");
        let c = tls.set_cookie("abc", 60);
        assert_eq!(
            c,
            "__Host-wirewatch_session=abc; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=60"
        );
        let plain = SessionConfig::for_url("http://sensor:8080");
        assert_eq!(
            plain.set_cookie("abc", 60),
            "wirewatch_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60"
        );
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let config = SessionConfig::for_url("https://x");
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; __Host-wirewatch_session=tok ; b=2"),
        );
        assert_eq!(session_token(&h, &config).as_deref(), Some("tok"));
        let plain = SessionConfig::for_url("http://x");
        assert_eq!(
            session_token(&h, &plain),
            None,
            "the name must match exactly"
        );
    }

    #[test]
    fn csrf_compares_whole_tokens() {
        let t = csrf_token("session");
        assert!(constant_time_eq(
            t.as_bytes(),
            csrf_token("session").as_bytes()
        ));
        assert!(!constant_time_eq(
            t.as_bytes(),
            csrf_token("other").as_bytes()
        ));
        assert!(!constant_time_eq(t.as_bytes(), &t.as_bytes()[..10]));
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let none = Uri::from_static("/app/login");
        let cross_site = |h: &HeaderMap| super::cross_site(h, &none);
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("sensor:8443"));
        assert_eq!(cross_site(&h), None);
        h.insert(ORIGIN, HeaderValue::from_static("https://sensor:8443"));
        assert_eq!(cross_site(&h), None);
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert_eq!(cross_site(&h), None);
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(cross_site(&h).is_some());
        h.remove("sec-fetch-site");
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(cross_site(&h).is_some());
        h.insert(ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_site(&h).is_some());
        // HTTP/2: no Host header, the authority is in the URI.
        let mut h2 = HeaderMap::new();
        h2.insert(ORIGIN, HeaderValue::from_static("https://sensor:8443"));
        let uri = Uri::from_static("https://sensor:8443/app/login");
        assert_eq!(super::cross_site(&h2, &uri), None);
        let other = Uri::from_static("https://other:8443/app/login");
        assert!(super::cross_site(&h2, &other).is_some());
    }
}
