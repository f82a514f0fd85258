//! The REST API under `/api/v1`: one module per resource, thin handlers.

pub mod auth;
pub mod error;
pub mod extract;
pub mod openapi;
mod routes;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::sync::Arc;
use wirewatch_store::Store;

/// What `/extrahop` reports about this system.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The firmware version reported (configurable: integrations compare it).
    pub version: String,
    pub hostname: String,
    pub external_hostname: String,
    pub mgmt_ipaddr: String,
    pub platform: String,
    pub edition: String,
    /// Base URL clients reach this server at, e.g. `https://sensor.example:8443`.
    pub public_url: String,
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ApiConfig>,
    /// Record-query cursors.
    pub cursors: Arc<routes::records::Cursors>,
    /// ODS delivery, when running in this process.
    pub ods: Option<wirewatch_ods::Ods>,
}

impl AppState {
    pub fn new(store: Store, config: ApiConfig) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            cursors: Arc::default(),
            ods: None,
        }
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", routes::v1())
        .merge(routes::explore::routes())
        .merge(routes::sonar::routes())
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .with_state(state)
}
