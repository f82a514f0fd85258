//! The real application (`wirewatch_api::app`) on a store in a temporary
//! directory, driven in-process with `tower::ServiceExt::oneshot`: no
//! process, no port. The state is built as `wirewatch serve` builds it (the
//! store, the setup user, `AppState::new`); what lives outside the router
//! (the listener's connection limits, TLS, hyper's own parse errors, the
//! trigger runner, ODS delivery) is tested against a real process in
//! `crates/wirewatch/tests/api`.

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use serde_json::{json, Value};
use tower::ServiceExt as _;
use wirewatch_api::{ApiConfig, AppState};
use wirewatch_store::{Store, StoreOptions};

/// The setup user's password.
pub const PASSWORD: &str = "correct-horse-battery";

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

/// A response: status, headers and the body parsed as JSON (Null when not JSON).
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
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
        let state = {
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
        App {
            router: wirewatch_api::app(state),
            store,
            key,
            url: PUBLIC_URL.into(),
            rt,
            _dir: dir,
        }
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
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            Resp {
                status,
                headers,
                body,
                text,
            }
        })
    }

    /// A raw body with a content type and an `Authorization` header as given.
    pub fn send_raw(
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

    /// Send a raw body with an ExtraHop key (`None`: no Authorization header).
    pub fn raw(&self, method: &str, path: &str, body: Option<&str>, key: Option<&str>) -> Resp {
        let auth = key.map(|k| format!("ExtraHop apikey={k}"));
        self.send_raw(
            method,
            path,
            body.map(str::as_bytes),
            "application/json",
            auth.as_deref(),
        )
    }

    /// A JSON request with an explicit key (`None`: no Authorization header).
    pub fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Resp {
        let raw = body.map(|b| b.to_string());
        self.raw(method, path, raw.as_deref(), key)
    }

    /// A JSON request with `Authorization: Bearer <key>` (the Sonar API's form).
    pub fn call_with_bearer(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: &str,
    ) -> Resp {
        let raw = body.map(|b| b.to_string());
        self.send_raw(
            method,
            path,
            raw.as_deref().map(str::as_bytes),
            "application/json",
            Some(&format!("Bearer {key}")),
        )
    }

    /// Send as the setup user.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.call_with(method, path, body, Some(&self.key))
    }

    pub fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body))
    }

    pub fn patch(&self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body))
    }

    /// Create a user with roles and return an API key for them.
    pub fn user_key(&self, username: &str, roles: Value) -> String {
        let r = self.post(
            "/api/v1/users",
            json!({"username": username, "name": username, "password": "a-long-password", "granted_roles": roles}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let r = self.post(&format!("/api/v1/users/{username}/apikeys"), json!({}));
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["key"].as_str().unwrap().to_string()
    }

    /// Create a detection and return its id.
    pub fn detection(&self, body: Value) -> u64 {
        let r = self.post("/api/v1/detections", body);
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_u64().unwrap()
    }
}

/// A detection body with an offender and a victim.
pub fn det(kind: &str, offender: &str, victim: &str) -> Value {
    json!({
        "type": kind,
        "participants": [
            {"object_type": "ipaddr", "object_value": offender, "role": "offender"},
            {"object_type": "ipaddr", "object_value": victim, "role": "victim"}
        ]
    })
}

/// Ids of a search result.
pub fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|d| d["id"].as_u64().or_else(|| d.as_u64()).unwrap())
        .collect()
}
