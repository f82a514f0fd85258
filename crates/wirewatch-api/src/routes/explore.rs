//! The OpenAPI document and the API explorer page (no internet needed: the
//! page is one self-contained file, its HTML, CSS and script written here).

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

/// The explorer: one HTML file with its styles and script inline.
const PAGE: &str = include_str!("explore.html");

/// Only this origin, no frames, no plugins, no form posts elsewhere; inline
/// style and script are the page's own (it inserts spec text as text nodes only).
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/explore/", get(page))
        .route("/api/v1/explore", get(to_page))
}

async fn openapi(State(s): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(crate::openapi::spec(&s.config.public_url))
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        PAGE,
    )
        .into_response()
}

/// `/api/v1/explore` → `/api/v1/explore/` (308), so the page's relative
/// `../openapi.json` resolves.
async fn to_page() -> Redirect {
    Redirect::permanent("/api/v1/explore/")
}
