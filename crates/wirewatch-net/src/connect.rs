//! TCP connections, through TLS when a configuration is given, each step
//! bounded by [`CONNECT_TIMEOUT`].

use crate::tls::{server_name, TlsError};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Longest wait for a TCP connection (and, separately, the TLS handshake).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A byte stream: plain TCP or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Io for T {}
pub type Conn = Box<dyn Io>;

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("connecting to {host}:{port} timed out")]
    Timeout { host: String, port: u16 },
    #[error("connecting to {host}:{port}: {source}")]
    Tcp {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("TLS handshake with {host}:{port} timed out")]
    TlsTimeout { host: String, port: u16 },
    #[error("TLS handshake with {host}:{port}: {source}")]
    Handshake {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("{0:?} is not an http(s) URL with a host")]
    Uri(String),
}

/// Connect to `host:port` (an IPv6 address may be in brackets), through TLS
/// when a configuration is given.
pub async fn connect(
    host: &str,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Conn, ConnectError> {
    let bare = host.trim_matches(['[', ']']);
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((bare, port)))
        .await
        .map_err(|_| ConnectError::Timeout {
            host: host.to_string(),
            port,
        })?
        .map_err(|source| ConnectError::Tcp {
            host: host.to_string(),
            port,
            source,
        })?;
    let _ = tcp.set_nodelay(true);
    match tls {
        None => Ok(Box::new(tcp)),
        Some(cfg) => {
            let name = server_name(bare)?;
            let stream = tokio::time::timeout(
                CONNECT_TIMEOUT,
                tokio_rustls::TlsConnector::from(cfg).connect(name, tcp),
            )
            .await
            .map_err(|_| ConnectError::TlsTimeout {
                host: host.to_string(),
                port,
            })?
            .map_err(|source| ConnectError::Handshake {
                host: host.to_string(),
                port,
                source,
            })?;
            Ok(Box::new(stream))
        }
    }
}
