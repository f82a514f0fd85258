//! The HTTP listener's limits against slow and idle clients (slowloris):
//! a cap on concurrent connections, in all and per source address, and the
//! timeouts hyper and the body reader apply.
//!
//! - Request head (request line and headers): [`Limits::header_timeout`],
//!   counted from the first byte hyper waits for. hyper starts the same
//!   timer when a keep-alive connection goes idle, so it is also the idle
//!   timeout.
//! - Request body: no more than [`Limits::body_timeout`] between two chunks
//!   (a body that stops short is answered 408 and the connection closed).
//! - TLS handshakes: 10 s (axum-server's bound, unchanged).
//! - Connections beyond the caps are closed at once, with a warning in the
//!   log (at most one every ten seconds, with the count refused meanwhile).

use parking_lot::Mutex;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// What the listener allows.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_source: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_source: HashMap<IpAddr, usize>,
}

struct Shared {
    limits: Limits,
    counts: Mutex<Counts>,
    refused: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

/// An acceptor that admits connections under the caps.
#[derive(Clone)]
pub struct CappedAcceptor {
    shared: Arc<Shared>,
}

/// A connection's place under the caps, given back when it closes.
struct Slot {
    shared: Arc<Shared>,
    source: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.shared.counts.lock();
        c.total -= 1;
        if let Some(n) = c.per_source.get_mut(&self.source) {
            *n -= 1;
            if *n == 0 {
                c.per_source.remove(&self.source);
            }
        }
    }
}

impl CappedAcceptor {
    pub fn new(limits: Limits) -> Self {
        CappedAcceptor {
            shared: Arc::new(Shared {
                limits,
                counts: Mutex::default(),
                refused: AtomicU64::new(0),
                last_warning: Mutex::new(None),
            }),
        }
    }

    fn admit(&self, source: IpAddr) -> Result<Slot, &'static str> {
        let l = &self.shared.limits;
        let mut c = self.shared.counts.lock();
        if c.total >= l.max_connections {
            return Err("connection limit reached");
        }
        let n = c.per_source.entry(source).or_insert(0);
        if *n >= l.max_per_source {
            return Err("per-source connection limit reached");
        }
        *n += 1;
        c.total += 1;
        Ok(Slot {
            shared: self.shared.clone(),
            source,
        })
    }

    fn warn(&self, why: &str, source: IpAddr) {
        let refused = self.shared.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let mut last = self.shared.last_warning.lock();
        if last.is_some_and(|t| t.elapsed() < Duration::from_secs(10)) {
            return;
        }
        *last = Some(Instant::now());
        let l = &self.shared.limits;
        tracing::warn!(
            %source,
            max_connections = l.max_connections,
            max_per_source = l.max_per_source,
            refused_total = refused,
            "{why}: closing new connections (see --max-connections, --max-connections-per-source)"
        );
    }
}

impl<S: Send + 'static> axum_server::accept::Accept<TcpStream, S> for CappedAcceptor {
    type Stream = Capped;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Capped, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let source = stream
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        std::future::ready(match self.admit(source) {
            Ok(slot) => {
                let _ = stream.set_nodelay(true);
                Ok((
                    Capped {
                        inner: stream,
                        _slot: slot,
                    },
                    service,
                ))
            }
            Err(why) => {
                self.warn(why, source);
                // Dropping the stream closes it.
                Err(io::Error::new(io::ErrorKind::ConnectionRefused, why))
            }
        })
    }
}

/// A TCP stream holding its place under the caps.
pub struct Capped {
    inner: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Capped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Capped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Set hyper's header-read (and keep-alive idle) timeout on a server.
pub fn configure<A>(server: &mut axum_server::Server<A>, limits: &Limits) {
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
}

/// File descriptors kept free beyond the connection cap: the store, captures,
/// outbound ODS and connector sockets.
const RESERVED_FDS: u64 = 128;

/// Raise the open-file limit to what the system allows and keep the
/// connection cap below it (with room for everything else): a flood of
/// connections then meets the cap, never `EMFILE` on the listener.
pub fn fit_to_file_limit(limits: &mut Limits) {
    let available = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the open-file limit");
            return;
        }
    };
    let room = available.saturating_sub(RESERVED_FDS).max(16) as usize;
    if limits.max_connections > room {
        tracing::warn!(
            configured = limits.max_connections,
            open_file_limit = available,
            using = room,
            "--max-connections is above what the open-file limit allows; lowered (raise `ulimit -n` to serve more)"
        );
        limits.max_connections = room;
    }
}
