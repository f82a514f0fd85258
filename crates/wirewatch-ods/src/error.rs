//! Why a sink could not be built or a target could not be reached; the
//! message is what the health check and a target's last error show.

use wirewatch_net::{ConnectError, HttpError, TlsError};

/// A sink's failure outside one message's [`Outcome`](wirewatch_net::retry::Outcome).
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Http(#[from] HttpError),
    /// A UDP socket could not be opened (or, for raw targets, aimed).
    #[error("{0}")]
    Socket(#[source] std::io::Error),
    /// A syslog UDP socket could not be aimed at the receiver.
    #[error("{host}:{port}: {source}")]
    Udp {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("writing to {host}:{port}: {source}")]
    Write {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("no connection")]
    NoConnection,
    #[error("connecting to the brokers: {0}")]
    Brokers(#[source] rskafka::client::error::Error),
    #[error("{0}")]
    Kafka(#[source] rskafka::client::error::Error),
    #[error("{0}")]
    Mongo(#[from] mongodb::error::Error),
    /// The target's kind cannot be delivered to by this build.
    #[error("{0}")]
    Unsupported(String),
}

/// Why an Azure Storage request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum AccountKeyError {
    #[error("secret_key is not a base64 account key: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("{0}")]
    Hmac(#[from] hmac::digest::InvalidLength),
}
