//! Store errors and their mapping onto the API's error codes.

use wirewatch_model::{Code, Error};

/// An error from the store: a domain error the caller caused, or a failure inside.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Domain(#[from] Error),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("data directory: {0}")]
    Io(std::io::Error),
    /// Password hashing is at capacity: the caller should retry shortly.
    #[error("too many password checks at once")]
    Busy,
    /// The key that encrypts stored secrets is missing or wrong, or a
    /// stored secret does not open.
    #[error("stored secrets: {0}")]
    Secrets(#[from] crate::secrets::SecretsError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::Domain(e) => e,
            StoreError::Busy => Error::new(
                Code::TooManyRequests,
                "too many password checks at once; retry shortly",
            ),
            // A number the database cannot hold came from the request (ids beyond 2^63).
            StoreError::Db(rusqlite::Error::ToSqlConversionFailure(_)) => Error::new(
                Code::InvalidRequest,
                format!(
                    "a number in the request is out of range (at most {})",
                    i64::MAX
                ),
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                Error::new(Code::Internal, "internal error; see the server log")
            }
        }
    }
}
