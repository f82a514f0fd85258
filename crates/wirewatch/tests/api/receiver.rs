//! A real HTTP receiver for ODS tests (a stand-in ticket server): records
//! every request and answers like a Jira-style issue API; can be stopped and
//! started again on the same port, and told to fail.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Default)]
struct Shared {
    seen: Mutex<Vec<Seen>>,
    next: AtomicU64,
    /// Answer this many requests with the status below before succeeding.
    fail: AtomicU32,
    fail_status: AtomicU32,
}

pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

async fn handle(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, HeaderMap, String) {
    let mut out_headers = HeaderMap::new();
    if shared
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        let status = shared.fail_status.load(Ordering::SeqCst) as u16;
        if status == 429 {
            out_headers.insert("retry-after", "1".parse().unwrap());
        }
        return (
            StatusCode::from_u16(status).unwrap(),
            out_headers,
            "try later".into(),
        );
    }
    let seen_headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    if uri.path() == "/oauth2/token" {
        // A stand-in OAuth 2.0 token endpoint (Entra ID / CrowdStrike style).
        let form = String::from_utf8_lossy(&body).into_owned();
        shared.seen.lock().unwrap().push(Seen {
            method: method.to_string(),
            path: uri.path().to_string(),
            headers: seen_headers,
            body: form,
        });
        return (
            StatusCode::OK,
            out_headers,
            json!({"access_token": "tok-123", "token_type": "Bearer", "expires_in": 3600})
                .to_string(),
        );
    }
    shared.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: seen_headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let n = shared.next.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::CREATED,
        out_headers,
        json!({"id": n.to_string(), "key": format!("TK-{n}")}).to_string(),
    )
}

impl Receiver {
    /// Listen on an ephemeral port.
    pub fn start() -> Receiver {
        Self::start_on("127.0.0.1:0".parse().unwrap(), Arc::default())
    }

    fn start_on(addr: SocketAddr, shared: Arc<Shared>) -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .expect("bind the receiver");
        let addr = listener.local_addr().unwrap();
        let s = shared.clone();
        let app = axum::Router::new().fallback(move |m: Method, u: Uri, h: HeaderMap, b: Bytes| {
            handle(s.clone(), m, u, h, b)
        });
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            addr,
            shared,
            runtime: Some(runtime),
        }
    }

    /// An address nothing listens on yet (for starting the receiver later).
    pub fn reserve() -> SocketAddr {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    }

    /// Listen on a given address (e.g. one from [`Receiver::reserve`]).
    pub fn start_at(addr: SocketAddr) -> Receiver {
        Self::start_on(addr, Arc::default())
    }

    /// Stop: the port refuses connections until [`Receiver::resume`].
    pub fn stop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(std::time::Duration::from_millis(100));
        }
    }

    /// Answer the next `n` requests with `status`.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.shared
            .fail_status
            .store(status as u32, Ordering::SeqCst);
        self.shared.fail.store(n, Ordering::SeqCst);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Wait until `pred` holds for what was seen (or panic after `secs`).
    pub fn wait_for(&self, secs: u64, what: &str, pred: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let seen = self.seen();
            if pred(&seen) {
                return seen;
            }
            if std::time::Instant::now() > deadline {
                panic!("timed out waiting for {what}; saw {} requests", seen.len());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}
