//! The closed error-code table: every domain error maps to one code, and the
//! code alone fixes the HTTP status and the body shape the API answers with.

use std::fmt;

/// Every error the product can report to an API caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A request body, query or path value is invalid; the message names the field.
    InvalidRequest,
    /// The request body is not JSON, or not the JSON shape expected.
    MalformedJson,
    /// No credentials or unknown credentials.
    Unauthorized,
    /// The caller's privileges do not allow the operation.
    Forbidden,
    /// The object named in the path does not exist.
    NotFound,
    /// The resource exists but not with this HTTP method.
    MethodNotAllowed,
    /// The object conflicts with an existing one (a duplicate name, say).
    Conflict,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The operation has no meaning for a software sensor.
    NotApplicable,
    /// The server is at a limit for this kind of request (password checks):
    /// retry later, as `Retry-After` says.
    TooManyRequests,
    /// The request (its body) did not arrive in time.
    RequestTimeout,
    /// Something failed inside the server; the cause is logged, not returned.
    Internal,
}

impl Code {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Code::InvalidRequest | Code::MalformedJson => 400,
            Code::Unauthorized => 401,
            Code::Forbidden => 403,
            Code::NotFound => 404,
            Code::MethodNotAllowed => 405,
            Code::Conflict => 409,
            Code::PayloadTooLarge => 413,
            Code::NotApplicable => 501,
            Code::TooManyRequests => 429,
            Code::RequestTimeout => 408,
            Code::Internal => 500,
        }
    }

    /// The `type` field of 400 bodies.
    pub fn type_name(self) -> &'static str {
        match self {
            Code::InvalidRequest => "invalid_request",
            Code::MalformedJson => "malformed_json",
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Conflict => "conflict",
            Code::PayloadTooLarge => "payload_too_large",
            Code::NotApplicable => "not_applicable",
            Code::TooManyRequests => "too_many_requests",
            Code::RequestTimeout => "request_timeout",
            Code::Internal => "internal",
        }
    }
}

/// A domain error: a code and a message meant for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
    /// The request field the error is about, when there is one.
    pub field: Option<String>,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A 400 about one field: `field` is the JSON path, `problem` what is wrong.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        let field = field.into();
        let problem = problem.into();
        Error {
            code: Code::InvalidRequest,
            message: format!("{field}: {problem}"),
            field: Some(field),
        }
    }

    pub fn not_found(what: impl fmt::Display) -> Self {
        Error::new(Code::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(Code::Forbidden, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(Code::Internal, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
