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
    /// Incident connectors' clients (and, once started, automatic mode).
    pub connectors: Arc<wirewatch_connectors::pusher::Connectors>,
}

impl AppState {
    pub fn new(store: Store, config: ApiConfig) -> AppState {
        let connectors = wirewatch_connectors::pusher::Connectors::new(
            store.clone(),
            wirewatch_connectors::pusher::Options {
                public_url: config.public_url.clone(),
                ..Default::default()
            },
        );
        AppState {
            connectors,
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
        .merge(routes::actions::routes())
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(axum::middleware::from_fn(read_small_bodies))
        .with_state(state)
}

/// Bodies at most this long are read before the request is routed.
const EAGER_BODY: u64 = 64 * 1024;

/// Read a small request body in full before the handler runs. A handler that
/// answers before reading the body (a 401 from the key check, a 404) would
/// otherwise leave bytes unread, and hyper then closes the connection: a client
/// that pools connections (requests, ureq, curl in a loop) finds its next
/// request on a dead socket. Larger bodies (attachments, uploads) stream as before.
async fn read_small_bodies(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let small = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > 0 && n <= EAGER_BODY);
    if !small {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, EAGER_BODY as usize).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        Err(e) => error::ApiError::invalid("body", format!("could not read the request body: {e}"))
            .into_response(),
    }
}
