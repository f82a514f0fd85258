//! What the API tests ask of a wirewatch under test, whether they drive the
//! router in-process (`wirewatch-api`'s route tests) or a real `wirewatch
//! serve` over HTTP (`wirewatch`'s process tests): one [`Client::send`] per
//! kind of harness, the conveniences built on it once, here.

use axum::http::HeaderMap;
use serde_json::{json, Value};

/// The setup user's password in the tests.
pub const PASSWORD: &str = "correct-horse-battery";

/// A response: status, headers and the body parsed as JSON (`Null` when it
/// is not JSON).
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// A response of `status` with the bytes of `text`.
    pub fn new(status: u16, headers: HeaderMap, text: String) -> Resp {
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }
}

/// A wirewatch under test.
pub trait Client {
    /// An API key of the setup user (system: full).
    fn key(&self) -> &str;

    /// Send one request: `body` with its content type (no `Content-Type`
    /// without a body), `auth` the whole `Authorization` header (none when
    /// `None`).
    fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        content_type: &str,
        auth: Option<&str>,
    ) -> Resp;

    /// Send a raw JSON text with an ExtraHop key (`None`: no `Authorization` header).
    fn raw(&self, method: &str, path: &str, body: Option<&str>, key: Option<&str>) -> Resp {
        let auth = key.map(|k| format!("ExtraHop apikey={k}"));
        self.send_raw(
            method,
            path,
            body.map(str::as_bytes),
            "application/json",
            auth.as_deref(),
        )
    }

    /// A JSON request with an explicit key (`None`: no `Authorization` header).
    fn call_with(&self, method: &str, path: &str, body: Option<Value>, key: Option<&str>) -> Resp {
        let raw = body.map(|b| b.to_string());
        self.raw(method, path, raw.as_deref(), key)
    }

    /// A JSON request with `Authorization: Bearer <key>` (the Sonar API's form).
    fn call_with_bearer(&self, method: &str, path: &str, body: Option<Value>, key: &str) -> Resp {
        let raw = body.map(|b| b.to_string());
        self.send_raw(
            method,
            path,
            raw.as_deref().map(str::as_bytes),
            "application/json",
            Some(&format!("Bearer {key}")),
        )
    }

    /// A JSON request as the setup user.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let key = self.key().to_string();
        self.call_with(method, path, body, Some(&key))
    }

    fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }

    fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body))
    }

    fn patch(&self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body))
    }

    /// Create a user with roles and return an API key for them.
    fn user_key(&self, username: &str, roles: Value) -> String {
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
    fn detection(&self, body: Value) -> u64 {
        let r = self.post("/api/v1/detections", body);
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_u64().unwrap()
    }

    /// `POST /triggers/externaldata` with `{"type": "t", "body": body}` (must be accepted).
    fn external_data(&self, body: Value) {
        let r = self.post(
            "/api/v1/triggers/externaldata",
            json!({"type": "t", "body": body}),
        );
        assert_eq!(r.status, 202, "{}", r.text);
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

/// The ids of a search result (objects with `id`, or bare ids).
pub fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|d| d["id"].as_u64().or_else(|| d.as_u64()).unwrap())
        .collect()
}
