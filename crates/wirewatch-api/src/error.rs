//! The one place that turns a domain error into an HTTP response.
//!
//! 400s answer `{"type": "invalid_request", "detail": "...", "field": "..."}`
//! (with `error_message` repeating the detail for clients that read only that);
//! every other error answers `{"error_message": "..."}`. 5xx bodies say nothing
//! about the cause, which is logged.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use wirewatch_model::{Code, Error};

/// An error answered to an API caller.
#[derive(Debug)]
pub struct ApiError(pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<wirewatch_store::StoreError> for ApiError {
    fn from(e: wirewatch_store::StoreError) -> Self {
        ApiError(e.into())
    }
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ApiError(Error::invalid(field, problem))
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError(Error::not_found(what))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError(Error::forbidden(message))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError(Error::new(Code::Unauthorized, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let invalid = |kind| {
            Json(Invalid {
                kind,
                detail: e.message.clone(),
                field: e.field.clone(),
                error_message: e.message.clone(),
            })
            .into_response()
        };
        let body = match e.code {
            Code::InvalidRequest => invalid(InvalidKind::InvalidRequest),
            Code::MalformedJson => invalid(InvalidKind::MalformedJson),
            Code::PayloadTooLarge => invalid(InvalidKind::PayloadTooLarge),
            Code::Internal => {
                tracing::error!(message = %e.message, "internal error");
                Json(Message::new("internal error; see the server log")).into_response()
            }
            _ => Json(Message::new(&e.message)).into_response(),
        };
        let mut resp = (status, body).into_response();
        if e.code == Code::TooManyRequests {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if e.code == Code::Unauthorized {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("ExtraHop apikey"),
            );
        }
        resp
    }
}

/// The body of every 400 (and 413) answer.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error400")]
pub struct Invalid {
    /// `invalid_request`: a field is wrong; `malformed_json`: the body is not
    /// JSON or cannot be read; `payload_too_large`: the body is too large.
    #[serde(rename = "type")]
    pub kind: InvalidKind,
    /// What is wrong.
    pub detail: String,
    /// The JSON path of the field at fault (e.g. `participants[0].role`);
    /// `null` when the body as a whole is.
    pub field: Option<String>,
    /// The same text as `detail`, for clients that read only `error_message`.
    pub error_message: String,
}

/// What kind of 400 (or 413) an [`Invalid`] body is.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum InvalidKind {
    InvalidRequest,
    MalformedJson,
    PayloadTooLarge,
}

/// The body of every error other than 400 and 413.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Error", example = Message::new("detection 42 not found"))]
pub struct Message {
    /// What went wrong. 5xx answers say nothing about the cause, which is logged.
    pub error_message: String,
}

impl Message {
    fn new(text: &str) -> Message {
        Message {
            error_message: text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The view structs write the bytes the `json!` bodies wrote.
    #[test]
    fn error_bodies_are_the_json_they_were() {
        let e = Invalid {
            kind: InvalidKind::InvalidRequest,
            detail: "risk_score: must be between 0 and 100".into(),
            field: Some("risk_score".into()),
            error_message: "risk_score: must be between 0 and 100".into(),
        };
        let before = json!({
            "type": "invalid_request",
            "detail": e.detail,
            "field": e.field,
            "error_message": e.error_message,
        });
        assert_eq!(serde_json::to_string(&e).unwrap(), before.to_string());
        for (kind, code) in [
            (InvalidKind::InvalidRequest, Code::InvalidRequest),
            (InvalidKind::MalformedJson, Code::MalformedJson),
            (InvalidKind::PayloadTooLarge, Code::PayloadTooLarge),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(code.type_name()));
        }
        let m = Message::new("detection 42 not found");
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            json!({"error_message": "detection 42 not found"}).to_string()
        );
    }
}
