//! The web app analysts work in, served by the same binary: `/` leads to
//! it, `/app` is its page, `/app/assets/*` its scripts and styles (embedded
//! at build time from `crates/wirewatch-api/assets/app/`, hand-written ES
//! modules and CSS: no bundler, no CDN, no Node.js), and `/app/login`,
//! `/app/logout`, `/app/session` its sessions ([`session`]), and `/saml/*`
//! login through a SAML 2.0 identity provider ([`saml`]).
//!
//! The app reads and writes through `/api/v1` like any client: the session
//! cookie stands in for the API key in [`crate::auth::Caller`], so every
//! privilege is checked by the API's own code. These routes are not part of
//! the ExtraHop API and are not in its OpenAPI document.

pub mod saml;
pub mod session;

use crate::AppState;
use axum::extract::Path;
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Only this origin; no inline script or style, no frames, no plugins.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                       frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $ctype:expr) => {
        Asset {
            name: $name,
            content_type: $ctype,
            body: include_bytes!(concat!("../../assets/app/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// The page and every file it loads.
static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("dom.js", JS),
    asset!("chart.js", JS),
    asset!("login.js", JS),
    asset!("detections.js", JS),
    asset!("card.js", JS),
    asset!("devices.js", JS),
    asset!("peers.js", JS),
    asset!("records.js", JS),
    asset!("tickets.js", JS),
    asset!("markdown.js", JS),
    asset!("forms.js", JS),
    asset!("settings.js", JS),
    asset!("ods.js", JS),
    asset!("triggers.js", JS),
    asset!("favicon.svg", "image/svg+xml"),
];

/// Each asset's ETag: the start of its SHA-256 (computed once).
fn etags() -> &'static [String] {
    static TAGS: OnceLock<Vec<String>> = OnceLock::new();
    TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{}\"", &hex::encode(Sha256::digest(a.body))[..20]))
            .collect()
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(to_app))
        .route("/app", get(page))
        .route("/app/assets/{name}", get(asset))
        .route("/app/login", post(session::login))
        .route("/app/logout", post(session::logout))
        .route("/app/session", get(session::current))
        .route("/saml/providers", get(saml::providers))
        .route("/saml/login", get(saml::login))
        .route("/saml/acs", post(saml::acs))
        .layer(axum::middleware::map_response(security_headers))
}

/// The headers every answer of the app carries.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// `/` → the app (which shows its login when there is no session).
async fn to_app() -> Redirect {
    Redirect::to("/app")
}

async fn page(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(&name, &headers)
}

/// An asset with its ETag (`no-cache`: revalidated each time, answered 304
/// while unchanged), or 404.
fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return crate::error::ApiError::not_found(format!("no app file {name}")).into_response();
    };
    let (a, tag) = (&ASSETS[i], &etags()[i]);
    let cache = [
        (
            header::ETAG,
            HeaderValue::from_str(tag).unwrap_or(HeaderValue::from_static("\"0\"")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(a.content_type),
        )],
        a.body,
    )
        .into_response()
}
