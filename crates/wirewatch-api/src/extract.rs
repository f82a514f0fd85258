//! Extractors that own their rejections: a malformed body, a wrong type or an
//! unknown enum value becomes our 400 naming the field, never axum's plain text.
//!
//! One body extractor per error dialect, all parsing with [`parse_json`] (one
//! JSON value, nothing after it): [`Json`] (and [`OptionalJson`],
//! [`AuditedJson`]) answer in the ExtraHop form, `routes::sonar::SonarJson`
//! in Sonar's, `routes::actions::KibanaJson` in Kibana's. A handler that must
//! look its object up before the body is judged (a 404 before a 400) takes
//! `Result<Extractor, Rejection>`.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use wirewatch_model::{Code, Error};

/// Largest request body accepted (larger ones get 413).
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// A JSON body.
pub struct Json<T>(pub T);

/// Parse JSON bytes into `T`, naming the field of any error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError(Error::new(
            Code::MalformedJson,
            "the request body is empty; a JSON object is expected",
        )));
    }
    // Every body of this API is a JSON object; serde would otherwise read an
    // array positionally into a struct.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b == b'[') {
        return Err(ApiError::invalid(
            "body",
            "must be a JSON object, not an array",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError(Error::new(
                Code::MalformedJson,
                format!("the request body is not valid JSON: {inner}"),
            ));
        }
        let msg = inner.to_string();
        // serde appends " at line 1 column 42"; the field name says more.
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        // A missing field is reported at its parent: name the field itself.
        if let Some(name) = msg
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            let field = if path == "." {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            return ApiError::invalid(field, "is required");
        }
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ApiError::invalid(field, msg)
    })?;
    // One JSON value and nothing after it (whitespace aside).
    de.end().map_err(|e| {
        ApiError(Error::new(
            Code::MalformedJson,
            format!(
                "the request body is not valid JSON: unexpected data after the JSON value ({e})"
            ),
        ))
    })?;
    Ok(value)
}

/// The whole body of a request of the ExtraHop API, or its 413, 408 or 400.
async fn read<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            body_error(&e)
        }
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Refuse an announced oversized body before reading any of it.
        let announced = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if announced.is_some_and(|n| n > MAX_BODY) {
            return Err(too_large());
        }
        parse_json(&read(req, state).await?).map(Json)
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`. (It
/// and [`AuditedJson`] read an oversized body up to the limit before the 413,
/// as the raw-body handlers they replace did.)
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// A JSON body as `T`, and as sent (the `changes` the audit log records).
pub struct AuditedJson<T>(pub T, pub serde_json::Value);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AuditedJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read(req, state).await?;
        let value = parse_json(&bytes)?;
        Ok(AuditedJson(
            value,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        ))
    }
}

/// A request body that could not be read: 408 when it stopped arriving
/// (the body timeout), else 400.
pub fn body_error(e: &(dyn std::error::Error + 'static)) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return ApiError(Error::new(
                Code::RequestTimeout,
                "the request body stopped arriving before it was complete",
            ));
        }
        cause = c.source();
    }
    ApiError(Error::new(
        Code::MalformedJson,
        format!("the request body could not be read: {e}"),
    ))
}

fn too_large() -> ApiError {
    ApiError(Error::new(
        Code::PayloadTooLarge,
        format!("the request body is larger than {MAX_BODY} bytes"),
    ))
}

/// Query-string parameters.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let path = e.path().to_string();
                let field = if path == "." {
                    "query".to_string()
                } else {
                    path
                };
                ApiError::invalid(field, e.into_inner().to_string())
            })
    }
}

/// A numeric id in the path.
pub fn parse_id(field: &str, raw: &str) -> Result<u64, ApiError> {
    let id = raw
        .parse::<u64>()
        .map_err(|_| ApiError::invalid(field, format!("\"{raw}\" is not a number")))?;
    if id > i64::MAX as u64 {
        return Err(ApiError::invalid(
            field,
            format!("{id} is out of range (at most {})", i64::MAX),
        ));
    }
    Ok(id)
}

/// The address of the peer the request came over (not `X-Forwarded-For`,
/// which any client can set); `None` in-process, where there is no socket.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A request body read as bytes (a file, a PEM text), in the ExtraHop
/// dialect; its size is checked by the handler.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read(req, state).await.map(RawBody)
    }
}
