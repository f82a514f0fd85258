//! The HTTP side shared by both fakes: the router, the gate every API request
//! passes (injected failures, Basic auth, counting) and the error bodies.

use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use parking_lot::Mutex;
use serde_json::{json, Map, Value};

use crate::{jira, snow};

/// Everything the handlers and the test-side handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`, used in `self` and `link` URLs.
    pub(crate) base_url: String,
    /// The Basic-auth user name (Jira: the account e-mail).
    pub(crate) user: String,
    /// `user:password`, compared against the decoded Authorization header.
    credentials: String,
    pub(crate) jira: Mutex<jira::Store>,
    pub(crate) snow: Mutex<snow::Store>,
    requests: AtomicU64,
    fail_remaining: AtomicU32,
    fail_status: AtomicU16,
}

impl Shared {
    pub(crate) fn new(port: u16, user: &str, password: &str) -> Shared {
        Shared {
            base_url: format!("http://127.0.0.1:{port}"),
            user: user.to_owned(),
            credentials: format!("{user}:{password}"),
            jira: Mutex::new(jira::Store::new()),
            snow: Mutex::new(snow::Store::new()),
            requests: AtomicU64::new(0),
            fail_remaining: AtomicU32::new(0),
            fail_status: AtomicU16::new(0),
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn fail_next(&self, n: u32, status: u16) {
        self.fail_status.store(status, Ordering::SeqCst);
        self.fail_remaining.store(n, Ordering::SeqCst);
    }

    /// Consumes one injected failure, if any is left.
    fn take_failure(&self) -> Option<u16> {
        self.fail_remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .ok()
            .map(|_| self.fail_status.load(Ordering::SeqCst))
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let Some((scheme, encoded)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .is_ok_and(|decoded| decoded == self.credentials.as_bytes())
    }
}

/// Which product's conventions a path follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Product {
    Jira,
    ServiceNow,
}

impl Product {
    fn of(path: &str) -> Option<Product> {
        if path.starts_with("/rest/") {
            Some(Product::Jira)
        } else if path.starts_with("/api/now/") {
            Some(Product::ServiceNow)
        } else {
            None
        }
    }

    fn unauthorized(self) -> Response {
        match self {
            Product::Jira => jira_error(
                StatusCode::UNAUTHORIZED,
                &["Client must be authenticated to access this resource."],
                Map::new(),
            ),
            Product::ServiceNow => {
                let mut resp = snow_error(
                    StatusCode::UNAUTHORIZED,
                    "User Not Authenticated",
                    "Required to provide Auth information",
                );
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("BASIC realm=\"Service-now\""),
                );
                resp
            }
        }
    }

    fn injected(self, status: StatusCode) -> Response {
        let reason = status.canonical_reason().unwrap_or("Injected failure");
        let mut resp = match self {
            Product::Jira => jira_error(
                status,
                &[&format!("{reason} (failure injected by the fake)")],
                Map::new(),
            ),
            Product::ServiceNow => snow_error(status, reason, "Failure injected by the fake"),
        };
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }

    fn not_found(self) -> Response {
        match self {
            Product::Jira => jira_error(
                StatusCode::NOT_FOUND,
                &["No resource matches this path (fake Jira)."],
                Map::new(),
            ),
            Product::ServiceNow => snow_error(
                StatusCode::NOT_FOUND,
                "Requested URI does not represent any resource",
                "",
            ),
        }
    }

    fn method_not_allowed(self) -> Response {
        match self {
            Product::Jira => jira_error(
                StatusCode::METHOD_NOT_ALLOWED,
                &["Method not allowed on this resource (fake Jira)."],
                Map::new(),
            ),
            Product::ServiceNow => snow_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not Supported",
                "Method not supported on this resource",
            ),
        }
    }
}

/// A Jira error: `{"errorMessages":[...],"errors":{field: message}}`.
pub(crate) fn jira_error(
    status: StatusCode,
    messages: &[&str],
    errors: Map<String, Value>,
) -> Response {
    (
        status,
        Json(json!({ "errorMessages": messages, "errors": errors })),
    )
        .into_response()
}

/// A ServiceNow error: `{"error":{"message","detail"},"status":"failure"}`.
pub(crate) fn snow_error(status: StatusCode, message: &str, detail: &str) -> Response {
    (
        status,
        Json(json!({
            "error": { "message": message, "detail": detail },
            "status": "failure",
        })),
    )
        .into_response()
}

/// Parses a request body as a JSON object; `Err` holds the parser's message.
pub(crate) fn parse_object(body: &Bytes) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("The request body must be a JSON object.".to_owned()),
        Err(e) => Err(format!("The request body is not valid JSON: {e}")),
    }
}

/// Builds the router for one listening session.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(jira::routes())
        .merge(snow::routes())
        .route("/", get(root))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

async fn root() -> Json<Value> {
    Json(json!({
        "service": "fake-itsm",
        "about": "a local stateful fake of the Jira Cloud REST API v2 and the ServiceNow Table API",
    }))
}

async fn fallback(request: Request) -> Response {
    let product = Product::of(request.uri().path());
    drain(request).await;
    match product {
        Some(p) => p.not_found(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "not found" }))).into_response(),
    }
}

async fn method_not_allowed(request: Request) -> Response {
    let product = Product::of(request.uri().path());
    drain(request).await;
    match product {
        Some(p) => p.method_not_allowed(),
        None => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

/// Largest request body read before answering without a handler (axum's
/// default body limit; handlers refuse larger bodies anyway).
const MAX_DRAINED_BODY: usize = 2 * 1024 * 1024;

/// Reads and discards the request body before an early answer (401, an
/// injected failure, 404). Answering while the body is still on its way
/// makes hyper close the connection after the response, and a pooled
/// client then fails its next request on that connection; a real product
/// keeps the connection.
async fn drain(request: Request) {
    if axum::body::to_bytes(request.into_body(), MAX_DRAINED_BODY)
        .await
        .is_err()
    {
        tracing::debug!("fake-itsm: request body not drained; the connection will close");
    }
}

/// Runs before every handler: injected failures first (as a gateway in front
/// of the product would), then Basic auth; counts every API request answered.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(product) = Product::of(request.uri().path()) else {
        return next.run(request).await;
    };
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = if let Some(status) = shared.take_failure() {
        drain(request).await;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        product.injected(status)
    } else if !shared.authorized(request.headers()) {
        drain(request).await;
        product.unauthorized()
    } else {
        next.run(request).await
    };
    shared.requests.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(%method, %path, status = response.status().as_u16(), "fake-itsm request");
    response
}
