//! The real application (`wirewatch_api::app`) on a store in a temporary
//! directory, driven in-process with `tower::ServiceExt::oneshot`: no
//! process, no port. The state is built as `wirewatch serve` builds it (the
//! store, the setup user, `AppState::new`); what lives outside the router
//! (the listener's connection limits, TLS, hyper's own parse errors, the
//! trigger runner, ODS delivery) is tested against a real process in
//! `crates/wirewatch/tests/api`.

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt as _;
use wirewatch_api::{ApiConfig, AppState};
use wirewatch_store::{Store, StoreOptions};

pub use wirewatch_testkit::{det, ids, Client, Resp, PASSWORD};

/// The base URL the application believes it is reached at.
pub const PUBLIC_URL: &str = "https://sensor.example.com";

/// A running application: its router, store and the setup user's key.
pub struct App {
    router: axum::Router,
    pub store: Store,
    /// An API key of the setup user (system: full).
    pub key: String,
    pub url: String,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl App {
    /// A fresh store with the setup user and one API key for it.
    pub fn start() -> App {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store.ensure_setup_user(Some(PASSWORD)).unwrap();
        let setup = store.user("setup").unwrap().expect("the setup user");
        let key = store.create_apikey(setup.id, "tests").unwrap().key;
        let mut state = {
            let _in_runtime = rt.enter();
            AppState::new(
                store.clone(),
                ApiConfig {
                    version: "25.2.0.0".into(),
                    hostname: "sensor-01".into(),
                    external_hostname: "sensor-01".into(),
                    mgmt_ipaddr: "127.0.0.1".into(),
                    platform: "wirewatch".into(),
                    edition: "wirewatch NDR (open source)".into(),
                    public_url: PUBLIC_URL.into(),
                },
            )
        };
        // The packet store where `wirewatch serve` keeps it.
        state.packets = Some(wirewatch_packets::dir_in(dir.path()));
        App {
            router: wirewatch_api::app(state),
            store,
            key,
            url: PUBLIC_URL.into(),
            rt,
            _dir: dir,
        }
    }

    /// The data directory (the packet store is under it, as `serve` keeps it).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// One request with the setup user's key (or `key`), its answer's bytes
    /// as they are (a pcap file is not text): (status, headers, body).
    pub fn bytes(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        key: Option<&str>,
    ) -> (u16, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("Host", "sensor.example.com")
            .header("Accept", "application/json")
            .header(
                "Authorization",
                format!("ExtraHop apikey={}", key.unwrap_or(&self.key)),
            );
        let body = match body {
            Some(b) => {
                req = req.header("Content-Type", "application/json");
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))));
        let router = self.router.clone();
        self.rt.block_on(async move {
            let resp = router.oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = axum::body::to_bytes(resp.into_body(), 256 * 1024 * 1024)
                .await
                .expect("the body");
            (status, headers, bytes.to_vec())
        })
    }

    /// Send one request through the application.
    pub fn send(&self, req: Request<Body>) -> Resp {
        let mut req = req;
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))));
        let router = self.router.clone();
        self.rt.block_on(async move {
            let resp = router.oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
                .await
                .expect("the body");
            Resp::new(
                status,
                headers,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
    }
}

impl Client for App {
    fn key(&self) -> &str {
        &self.key
    }

    fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        ctype: &str,
        auth: Option<&str>,
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("Host", "sensor.example.com")
            .header("Accept", "application/json");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", ctype)
                .header("Content-Length", b.len());
        }
        let body = body.map(<[u8]>::to_vec).unwrap_or_default();
        self.send(req.body(Body::from(body)).unwrap())
    }
}
