//! The OpenAPI document and the API explorer page (no internet needed).

use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(openapi))
}

async fn openapi(State(s): State<AppState>) -> axum::Json<serde_json::Value> {
    axum::Json(crate::openapi::spec(&s.config.public_url))
}
