//! Outbound networking shared by the ODS sinks and the incident connectors:
//! the one retry policy ([`retry`]), TLS client configuration ([`tls`]),
//! TCP/TLS connections with timeouts ([`connect`](mod@connect)) and a pooled HTTP/1.1
//! client ([`http`]).

pub mod connect;
pub mod http;
pub mod retry;
pub mod tls;

pub use connect::{connect, Conn, ConnectError, CONNECT_TIMEOUT};
pub use http::{HttpClient, HttpError, OneConnection, Response, REQUEST_TIMEOUT};
pub use tls::{client_config, TlsError, TlsOptions};
