//! The REST API under `/api/v1`: one module per resource, thin handlers.

pub mod app;
pub mod auth;
pub mod certs;
pub mod error;
pub mod extract;
pub mod guard;
pub mod jobs;
pub mod logs;
pub mod openapi;
mod outbound;
mod procstat;
mod routes;
pub mod saml;
pub mod settings;
pub mod throttle;
pub mod upload;

pub use routes::system::SystemState;

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
    /// Password-login throttling (`POST /apikeys`).
    pub logins: Arc<throttle::LoginThrottle>,
    /// The packet store's directory (`None`: turned off).
    pub packets: Option<std::path::PathBuf>,
    /// The web app's sessions (cookie flags, expiry).
    pub sessions: app::session::SessionConfig,
    /// SAML logins started and waiting for the IdP's Response.
    pub saml_requests: Arc<saml::authn::Requests>,
    /// The running configuration's live part: access settings (API key
    /// generation, CORS), retention, the detector thresholds shown.
    pub settings: Arc<settings::Settings>,
    /// Long operations (support packs) and their progress (`/jobs`).
    pub jobs: Arc<jobs::Jobs>,
    /// The server's TLS certificate (PEM), served at `/public.cer`; `None`
    /// when serving plain HTTP.
    pub certificate: Option<std::path::PathBuf>,
    /// Services, components and the HTTPS certificate (`/extrahop/services`,
    /// `/processes`, `/sslcert`).
    pub system: Arc<SystemState>,
    /// The live capture interfaces' counters (`/extrahop/capture/interfaces`).
    pub capture: wirewatch_model::capture::CaptureStats,
    /// The threat collections' matcher, shared with the process's inputs:
    /// an upload's job rebuilds it before its back-search.
    pub threats: Arc<wirewatch_threat::Live>,
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
            settings: Arc::new(settings::Settings::load(&store)),
            jobs: Arc::default(),
            certificate: None,
            system: Arc::new(SystemState::new(&store)),
            threats: wirewatch_threat::Live::new(store.clone()),
            store,
            sessions: app::session::SessionConfig::for_url(&config.public_url),
            saml_requests: Arc::default(),
            config: Arc::new(config),
            cursors: Arc::default(),
            ods: None,
            logins: Arc::new(throttle::LoginThrottle::new(Default::default())),
            packets: None,
            capture: Default::default(),
        }
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let v1 = routes::v1()
        .router
        .method_not_allowed_fallback(routes::method_not_allowed);
    let routed = Router::new()
        .nest("/api/v1", v1)
        .merge(routes::explore::routes())
        .merge(app::routes().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web_app_gate,
        )))
        .merge(routes::sonar::router(&state))
        .merge(routes::actions::routes().router)
        .route("/public.cer", axum::routing::get(routes::public_cer))
        .fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(axum::middleware::from_fn(read_small_bodies))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.settings.clone(),
            cors,
        ))
        .with_state(state);
    // Paths are normalised before routing (a layer on `routed` would run after it).
    Router::new().fallback_service(tower::util::MapRequest::new(routed, normalize_path))
}

/// The web app answers only while its service (`admin`, the Management
/// GUI) is enabled (`PATCH /api/v1/extrahop/services`); the API is not affected.
async fn web_app_gate(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if s.system.web_app.load(std::sync::atomic::Ordering::Relaxed) {
        return next.run(req).await;
    }
    error::ApiError::not_found(
        "the web app: the Management GUI service (admin) is disabled; enable it with PATCH /api/v1/extrahop/services",
    )
    .into_response()
}

/// Every operation the API serves, with its full path and the privilege its
/// handler's guard declares (the OpenAPI document and the privilege table
/// are checked against it).
pub fn operations() -> Vec<guard::Operation> {
    routes::all().operations
}

/// Real clients send `/api/v1/devices/` and `//api/v1/devices`: a trailing
/// slash is dropped and leading slashes collapse to one. The explorer's page,
/// whose relative links need its slash, keeps it.
fn normalize_path(mut req: axum::extract::Request) -> axum::extract::Request {
    let path = req.uri().path();
    let keep = path == "/" || path == "/api/v1/explore/";
    if keep || (!path.ends_with('/') && !path.starts_with("//")) {
        return req;
    }
    let trimmed = format!("/{}", path.trim_matches('/'));
    let new = match req.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed,
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = new.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Cross-origin resource sharing of the APIs under `/api/`, as the running
/// configuration's `access.cors` allows: a preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) from an allowed origin is answered 204
/// with what it may send, from another origin 403; the answers to allowed
/// origins carry `Access-Control-Allow-Origin` (the origin itself, with
/// `Vary: Origin`). Requests without `Origin` are not concerned.
async fn cors(
    axum::extract::State(settings): axum::extract::State<Arc<settings::Settings>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue, Method, StatusCode};
    use axum::response::IntoResponse;
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    let allowed = settings.origin_allowed(&origin);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let allow = |resp: &mut axum::response::Response| {
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    };
    if preflight {
        if !allowed {
            let mut resp = error::ApiError::forbidden(format!(
                "origin {origin} may not call this API (access.cors of /api/v1/runningconfig)"
            ))
            .into_response();
            resp.headers_mut()
                .append(header::VARY, HeaderValue::from_static("Origin"));
            return resp;
        }
        let requested = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 1024)
            .unwrap_or("Authorization, Content-Type, Accept")
            .to_string();
        let mut resp = StatusCode::NO_CONTENT.into_response();
        allow(&mut resp);
        let h = resp.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
        if let Ok(v) = HeaderValue::from_str(&requested) {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
        }
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        return resp;
    }
    let mut resp = next.run(req).await;
    if allowed {
        allow(&mut resp);
        resp.headers_mut().insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Location, Retry-After, Content-Disposition"),
        );
    }
    resp
}

/// Every error is JSON in the dialect of its API, including the ones axum
/// and its extractors answer in plain text (a path that is not valid UTF-8,
/// a raw body over the limit).
async fn json_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::CONTENT_TYPE;
    use axum::response::IntoResponse;
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // An HTML page is a deliberate answer to a browser (a refused SAML login).
        .is_some_and(|v| v.contains("json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if status.is_server_error() || text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let body = if path.starts_with("/api/sonar/") {
        let code = match status.as_u16() {
            413 => "too-large",
            405 => "method-not-allowed",
            408 => "request-timeout",
            s if s >= 500 => "internal-error",
            _ => "invalid-param",
        };
        serde_json::json!({"error_code": code, "error_msg": message})
    } else if path.starts_with("/api/actions/") {
        serde_json::json!({
            "statusCode": status.as_u16(),
            "error": status.canonical_reason().unwrap_or("Error"),
            "message": message,
        })
    } else if status.as_u16() == 400 || status.as_u16() == 413 {
        let kind = if status.as_u16() == 413 {
            "payload_too_large"
        } else {
            "invalid_request"
        };
        serde_json::json!({"type": kind, "detail": message, "field": null, "error_message": message})
    } else {
        serde_json::json!({"error_message": message})
    };
    let mut out = (status, axum::Json(body)).into_response();
    for (k, v) in parts.headers.iter() {
        if k != CONTENT_TYPE && k != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// The app with a limit on how long a request body may pause between two
/// chunks: a body that stops short is answered 408 and its connection closed,
/// instead of holding the connection open.
pub fn with_body_timeout(app: Router, timeout: std::time::Duration) -> Router {
    app.layer(axum::middleware::map_request(
        move |req: axum::extract::Request| async move {
            req.map(|b| axum::body::Body::new(tower_http::timeout::TimeoutBody::new(timeout, b)))
        },
    ))
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
        Err(e) => extract::body_error(&e).into_response(),
    }
}
