//! The one place that turns a domain error into an HTTP response.
//!
//! 400s answer `{"type": "invalid_request", "detail": "...", "field": "..."}`
//! (with `error_message` repeating the detail for clients that read only that);
//! every other error answers `{"error_message": "..."}`. 5xx bodies say nothing
//! about the cause, which is logged.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
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
        let body = match e.code {
            Code::InvalidRequest | Code::MalformedJson | Code::PayloadTooLarge => json!({
                "type": e.code.type_name(),
                "detail": e.message,
                "field": e.field,
                "error_message": e.message,
            }),
            Code::Internal => {
                tracing::error!(message = %e.message, "internal error");
                json!({"error_message": "internal error; see the server log"})
            }
            _ => json!({"error_message": e.message}),
        };
        let mut resp = (status, Json(body)).into_response();
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
