//! A pooled HTTP/1.1 client (hyper-util's `Client`) over [`connect`]: one per
//! remote system or target, built once and shared by every request, keeping
//! connections alive between requests (idle ones close after
//! [`IDLE_TIMEOUT`]). One [`REQUEST_TIMEOUT`] covers getting a connection
//! (when none is idle: TCP and TLS, each also bounded by
//! [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT)), sending the request and
//! reading its answer's head; reading the body has a [`REQUEST_TIMEOUT`] of
//! its own. The pool cannot time its steps apart: a slow connect leaves less
//! time for the answer than the old per-connection client gave.

use crate::connect::{connect, Conn, ConnectError};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Longest wait for one request's answer head, a new connection included
/// (and, separately, for its body).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections older than this are closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The request type the client sends.
pub type Request = hyper::Request<Full<Bytes>>;

/// An HTTP answer read in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Bytes,
}

/// Why a request got no answer. The client's error stays attached as the
/// [`source`](std::error::Error::source) of `Connect` and `Request`.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No connection could be made (the message says why).
    #[error("{}", cause(.0))]
    Connect(#[source] hyper_util::client::legacy::Error),
    #[error("request failed: {}", cause(.0))]
    Request(#[source] hyper_util::client::legacy::Error),
    /// [`OneConnection`] could not open its connection.
    #[error("{0}")]
    Open(#[source] ConnectError),
    /// [`OneConnection`]'s request failed on its connection.
    #[error("request failed: {}", chain(.0))]
    Send(#[source] hyper::Error),
    #[error("no answer within {} s", REQUEST_TIMEOUT.as_secs())]
    Timeout,
    #[error("reading the answer: {0}")]
    Body(#[source] hyper::Error),
    #[error("the answer stalled")]
    Stalled,
}

impl From<hyper_util::client::legacy::Error> for HttpError {
    fn from(e: hyper_util::client::legacy::Error) -> Self {
        if e.is_connect() || connect_error(&e).is_some() {
            HttpError::Connect(e)
        } else {
            HttpError::Request(e)
        }
    }
}

/// Our own connection error in the client's error, if that is the cause.
fn connect_error(e: &hyper_util::client::legacy::Error) -> Option<&ConnectError> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(c) = s.downcast_ref::<ConnectError>() {
            return Some(c);
        }
        source = s.source();
    }
    None
}

/// The message of a client error: our own connection error as it is; any
/// other cause with its chain (`connection closed before message completed: …`).
fn cause(e: &hyper_util::client::legacy::Error) -> String {
    if let Some(c) = connect_error(e) {
        return c.to_string();
    }
    let mut chain = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    if chain.is_empty() {
        chain.push(e.to_string());
    }
    chain.join(": ")
}

/// A pooled client; cheap to clone (clones share the pool).
#[derive(Clone)]
pub struct HttpClient {
    inner: hyper_util::client::legacy::Client<Connector, Full<Bytes>>,
}

impl HttpClient {
    /// A client for `http://` URIs, and for `https://` ones through `tls`;
    /// at most `max_idle` idle connections are kept per host.
    pub fn new(tls: Option<Arc<rustls::ClientConfig>>, max_idle: usize) -> HttpClient {
        let inner = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_max_idle_per_host(max_idle)
            .build(Connector { tls });
        HttpClient { inner }
    }

    /// Send one request (its URI absolute) and read the whole answer.
    pub async fn send(&self, req: Request) -> Result<Response, HttpError> {
        let rsp = tokio::time::timeout(REQUEST_TIMEOUT, self.inner.request(req))
            .await
            .map_err(|_| HttpError::Timeout)??;
        read_answer(rsp).await
    }
}

/// Status, `Retry-After` and the whole body of an answer, the body read
/// within its own [`REQUEST_TIMEOUT`].
async fn read_answer(rsp: hyper::Response<hyper::body::Incoming>) -> Result<Response, HttpError> {
    let status = rsp.status().as_u16();
    let retry_after = rsp
        .headers()
        .get(hyper::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = tokio::time::timeout(REQUEST_TIMEOUT, rsp.into_body().collect())
        .await
        .map_err(|_| HttpError::Stalled)?
        .map_err(HttpError::Body)?
        .to_bytes();
    Ok(Response {
        status,
        retry_after,
        body,
    })
}

/// An error's message followed by its causes' (`a: b: c`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// One kept-alive connection for a sender that sends one request at a time,
/// in order (an ODS target without `pipeline`): each request is written
/// straight to the connection, with no pool to check it out of and no
/// dispatch task between (the pooled client cost about a sixth of the
/// in-order delivery rate: `bench/README.md`, issue 12). It reconnects when
/// the connection was closed. The same [`REQUEST_TIMEOUT`]s as [`HttpClient`].
pub struct OneConnection {
    tls: Option<Arc<rustls::ClientConfig>>,
    sender: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl OneConnection {
    /// A connection (opened on first use) for `http://` URIs, and for
    /// `https://` ones through `tls`.
    pub fn new(tls: Option<Arc<rustls::ClientConfig>>) -> OneConnection {
        OneConnection {
            tls,
            sender: tokio::sync::Mutex::new(None),
        }
    }

    async fn open(&self, uri: &Uri) -> Result<SendRequest<Full<Bytes>>, HttpError> {
        let mut connector = Connector {
            tls: self.tls.clone(),
        };
        let Stream(io) = tower_service::Service::call(&mut connector, uri.clone())
            .await
            .map_err(HttpError::Open)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(HttpError::Send)?;
        // The connection's own error reaches the request it failed.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Send one request (its URI absolute: it names the connection; the
    /// request line carries only the path) and read the whole answer. The
    /// caller sets `Host`.
    pub async fn send(&self, mut req: Request) -> Result<Response, HttpError> {
        let mut slot = self.sender.lock().await;
        let target = req.uri().clone();
        let path = target
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse::<Uri>()
            .map_err(|_| HttpError::Open(ConnectError::Uri(target.to_string())))?;
        *req.uri_mut() = path;
        let rsp = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let mut kept = slot.take().filter(|s| !s.is_closed());
            loop {
                // A kept connection the server has closed meanwhile gives the
                // request back unsent: then once more on a new connection.
                let fresh = kept.is_none();
                let mut sender = match kept.take() {
                    Some(s) => s,
                    None => self.open(&target).await?,
                };
                if let Err(e) = sender.ready().await {
                    if fresh {
                        return Err(HttpError::Send(e));
                    }
                    continue;
                }
                match sender.try_send_request(req).await {
                    Ok(rsp) => {
                        *slot = Some(sender);
                        return Ok(rsp);
                    }
                    Err(mut e) => match e.take_message() {
                        Some(unsent) if !fresh => req = unsent,
                        _ => return Err(HttpError::Send(e.into_error())),
                    },
                }
            }
        })
        .await
        .map_err(|_| HttpError::Timeout)??;
        read_answer(rsp).await
    }
}

/// `host`, in brackets when it is an IPv6 address (`::1` → `[::1]`).
pub fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The `Host` header of `http(s)://host:port`: the port is left out when it
/// is the scheme's default (RFC 9110 §7.2).
pub fn host_header(https: bool, host: &str, port: u16) -> String {
    let host = bracketed(host);
    if port == if https { 443 } else { 80 } {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// `scheme://host:port` with the port always written: the start of the
/// absolute URI [`HttpClient::send`] takes.
pub fn origin(https: bool, host: &str, port: u16) -> String {
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{}:{port}", bracketed(host))
}

/// Opens the pool's connections: TCP, and TLS for `https://`.
#[derive(Clone)]
struct Connector {
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = Stream;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let tls = self.tls.clone();
        Box::pin(async move {
            let https = match uri.scheme_str() {
                Some("https") => true,
                Some("http") => false,
                _ => return Err(ConnectError::Uri(uri.to_string())),
            };
            let (Some(host), tls) = (uri.host(), if https { tls } else { None }) else {
                return Err(ConnectError::Uri(uri.to_string()));
            };
            if https && tls.is_none() {
                return Err(ConnectError::Uri(uri.to_string()));
            }
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            Ok(Stream(TokioIo::new(connect(host, port, tls).await?)))
        })
    }
}

/// A pooled connection.
struct Stream(TokioIo<Conn>);

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl Write for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn hosts_and_origins() {
        assert_eq!(host_header(true, "x.example", 443), "x.example");
        assert_eq!(host_header(false, "x.example", 443), "x.example:443");
        assert_eq!(host_header(false, "::1", 8080), "[::1]:8080");
        assert_eq!(host_header(true, "[::1]", 443), "[::1]");
        assert_eq!(origin(false, "::1", 80), "http://[::1]:80");
        assert_eq!(origin(true, "x.example", 8443), "https://x.example:8443");
    }

    /// A real listener answering every request on a connection with 200 and
    /// counting connections: the client must reuse one.
    #[tokio::test]
    async fn connections_are_kept_alive_and_reused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let n = s.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let rsp = "HTTP/1.1 429 Too Many\r\nretry-after: 3\r\ncontent-length: 2\r\n\r\nno";
                            s.write_all(rsp.as_bytes()).await.unwrap();
                        }
                    }
                });
            }
        });
        let client = HttpClient::new(None, 1);
        for _ in 0..3 {
            let req = hyper::Request::get(format!("http://{addr}/x"))
                .body(Full::new(Bytes::new()))
                .unwrap();
            let rsp = client.send(req).await.unwrap();
            assert_eq!(rsp.status, 429);
            assert_eq!(rsp.retry_after.as_deref(), Some("3"));
            assert_eq!(&rsp.body[..], b"no");
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    /// A listener that answers two requests per connection and then closes
    /// it (as a server's keep-alive timeout does): `OneConnection` keeps its
    /// connection for the second request, writes the path alone on the
    /// request line, and opens a new connection when the old one was closed.
    #[tokio::test]
    async fn one_connection_is_kept_and_reopened_when_the_server_closed_it() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lines = Arc::new(std::sync::Mutex::new(Vec::<(usize, String)>::new()));
        let seen_by = lines.clone();
        tokio::spawn(async move {
            for conn in 0.. {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut seen = Vec::new();
                let mut buf = vec![0u8; 4096];
                let mut answered = 0;
                while answered < 2 {
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&seen[..end]).to_string();
                        seen.drain(..end + 4);
                        // (The previous request's body, `{}`, comes before this head.)
                        let line = head.trim_start_matches("{}").lines().next();
                        let line = line.unwrap_or("").to_string();
                        seen_by.lock().unwrap().push((conn, line));
                        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                            .await
                            .unwrap();
                        answered += 1;
                    }
                }
                drop(s);
            }
        });
        let one = OneConnection::new(None);
        for _ in 0..5 {
            let req = hyper::Request::post(format!("http://{addr}/x?y=1"))
                .header("host", addr.to_string())
                .body(Full::new(Bytes::from_static(b"{}")))
                .unwrap();
            let rsp = one.send(req).await.unwrap();
            assert_eq!((rsp.status, &rsp.body[..]), (200, &b"ok"[..]));
            // Time for the server's close to arrive.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let lines = lines.lock().unwrap().clone();
        let conns: Vec<usize> = lines.iter().map(|(c, _)| *c).collect();
        assert_eq!(conns, [0, 0, 1, 1, 2]);
        assert!(
            lines.iter().all(|(_, l)| l == "POST /x?y=1 HTTP/1.1"),
            "{lines:?}"
        );
    }

    #[tokio::test]
    async fn one_connection_names_a_refused_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let req = hyper::Request::get(format!("http://{addr}/"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let e = OneConnection::new(None).send(req).await.unwrap_err();
        assert!(matches!(&e, HttpError::Open(_)), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("connecting to {}", addr.ip())),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error_naming_the_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let req = hyper::Request::get(format!("http://{addr}/"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let e = HttpClient::new(None, 1).send(req).await.unwrap_err();
        assert!(matches!(&e, HttpError::Connect(_)), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("connecting to {}", addr.ip())),
            "{e}"
        );
        // The cause is kept: the client's error, and below it ours.
        let client = std::error::Error::source(&e).expect("a source");
        assert!(
            client
                .downcast_ref::<hyper_util::client::legacy::Error>()
                .is_some_and(|c| connect_error(c).is_some()),
            "{client:?}"
        );
    }
}
