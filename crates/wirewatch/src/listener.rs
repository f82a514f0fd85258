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

/// hyper answers a request it cannot parse (a malformed request line or
/// header, an over-long URI or header block) itself, with a bodiless 4xx and
/// `connection: close`. This stream, the outermost one hyper writes to, turns
/// exactly those answers into the API's JSON error so every error a client
/// sees is JSON. (The application's own 4xx always carry a JSON body, so a
/// bodiless 4xx with `connection: close` can only be hyper's.)
pub struct JsonErrors<S> {
    inner: S,
    pending: Vec<u8>,
    sent: usize,
}

impl<S> JsonErrors<S> {
    pub fn new(inner: S) -> Self {
        JsonErrors {
            inner,
            pending: Vec::new(),
            sent: 0,
        }
    }
}

/// The JSON replacement of one of hyper's automatic error answers, if `head` is one.
fn json_replacement(head: &[u8]) -> Option<Vec<u8>> {
    // Cheap checks first: this runs on every write of every response.
    if head.len() > 512 || !head.starts_with(b"HTTP/1.1 4") || !head.ends_with(b"\r\n\r\n") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    text.strip_prefix("HTTP/1.1 4")?;
    if !text.ends_with("\r\n\r\n")
        || !text.contains("\r\nconnection: close\r\n")
        || !text.contains("\r\ncontent-length: 0\r\n")
    {
        return None;
    }
    let status_line = text.lines().next()?;
    let status = status_line.get(9..)?.to_string();
    let message = format!("the request could not be parsed as HTTP ({status})");
    let body = serde_json::json!({
        "type": "invalid_request", "detail": message, "field": null, "error_message": message,
    })
    .to_string();
    let head = text.replace(
        "\r\ncontent-length: 0\r\n",
        &format!(
            "\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        ),
    );
    Some([head.into_bytes(), body.into_bytes()].concat())
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    /// Write out a replacement still pending.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other.map(|r| r.map(|_| 0)),
        }
        if let Some(json) = json_replacement(buf) {
            self.pending = json;
            // The bytes are ours now; the rest goes out on the next write or flush.
            let _ = self.drain(cx);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty());
        let only_one = bufs.iter().filter(|b| !b.is_empty()).count() == 1;
        if let (Some(b), true) = (first, only_one) {
            if json_replacement(b).is_some() {
                let b: &[u8] = b;
                return self.poll_write(cx, b);
            }
        }
        match self.drain(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other.map(|r| r.map(|_| 0)),
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

/// An acceptor whose streams (after `inner`'s, e.g. TLS) answer parse errors in JSON.
#[derive(Clone)]
pub struct JsonErrorsAcceptor<A> {
    inner: A,
}

impl<A> JsonErrorsAcceptor<A> {
    pub fn new(inner: A) -> Self {
        JsonErrorsAcceptor { inner }
    }
}

impl<A, S> axum_server::accept::Accept<TcpStream, S> for JsonErrorsAcceptor<A>
where
    A: axum_server::accept::Accept<TcpStream, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = JsonErrors<A::Stream>;
    type Service = A::Service;
    type Future = Pin<
        Box<dyn std::future::Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>,
    >;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let fut = self.inner.accept(stream, service);
        Box::pin(async move {
            let (s, svc) = fut.await?;
            Ok((JsonErrors::new(s), svc))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::json_replacement;

    #[test]
    fn only_hypers_automatic_answers_are_replaced() {
        let auto = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 15:51:43 GMT\r\n\r\n";
        let out = String::from_utf8(json_replacement(auto).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(v["error_message"]
            .as_str()
            .unwrap()
            .contains("400 Bad Request"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("content-type: application/json"));
        // The application's own answers are left alone.
        assert!(
            json_replacement(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none()
        );
        assert!(json_replacement(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n").is_none());
    }
}
