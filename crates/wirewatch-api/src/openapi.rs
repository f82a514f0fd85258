//! The OpenAPI 3 description of every implemented operation.

use serde_json::{json, Value};

/// The spec, with the server URL filled in.
pub fn spec(public_url: &str) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "wirewatch REST API", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": format!("{public_url}/api/v1")}],
        "paths": {}
    })
}
