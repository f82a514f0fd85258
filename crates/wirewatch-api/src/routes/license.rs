//! `/license`: what applies to this open-source build. There is no product
//! key and no licence file to apply: wirewatch is free software, every
//! module is enabled and nothing expires.

use crate::error::{ApiError, ApiResult};
use crate::guard::{AnyKey, Api, Guard, System};
use crate::AppState;
use axum::extract::State;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Map, Value};
use wirewatch_model::{Code, Error};

pub fn routes() -> Api {
    Api::new()
        .get("/license", get)
        .put("/license", no_keys)
        .get("/license/productkey", productkey)
        .put("/license/productkey", no_keys)
}

/// `GET /license`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "License")]
pub struct License {
    /// The licence text's fingerprint on a vendor appliance; empty here.
    pub dossier: String,
    /// The edition reported by `/extrahop/edition`.
    pub edition: String,
    /// When the licence expires; `null`: never.
    pub expires_at: Option<i64>,
    /// Milliseconds left; `null`: never expires.
    pub expires_in: Option<i64>,
    /// The modules and whether each is enabled (all are).
    pub modules: Map<String, Value>,
    /// Licensed options (all features are available).
    pub options: Map<String, Value>,
    /// The platform reported by `/extrahop/platform`.
    pub platform: String,
    /// No product key: `null`.
    pub product_key: Option<String>,
    /// The sensor's serial: its host name.
    pub serial: String,
    /// wirewatch extension: the software licence (SPDX identifier).
    pub license: String,
}

/// `GET /license/productkey`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "LicenseProductKey")]
pub struct ProductKey {
    /// Always `null`: an open-source build has no product key.
    pub product_key: Option<String>,
}

async fn get(_: Guard<AnyKey>, State(s): State<AppState>) -> ApiResult<axum::Json<License>> {
    let modules = [
        "ndr",
        "npm",
        "packets",
        "detections",
        "records",
        "triggers",
        "ods",
    ]
    .into_iter()
    .map(|m| (m.to_string(), json!(true)))
    .collect();
    Ok(axum::Json(License {
        dossier: String::new(),
        edition: s.config.edition.clone(),
        expires_at: None,
        expires_in: None,
        modules,
        options: Map::new(),
        platform: s.config.platform.clone(),
        product_key: None,
        serial: s.config.hostname.clone(),
        license: env!("CARGO_PKG_LICENSE").to_string(),
    }))
}

async fn productkey(_: Guard<AnyKey>) -> ApiResult<axum::Json<ProductKey>> {
    Ok(axum::Json(ProductKey { product_key: None }))
}

async fn no_keys(_: Guard<System>) -> ApiError {
    ApiError(Error::new(
        Code::NotApplicable,
        "wirewatch is open-source software (Apache-2.0): it has no licence file or product key to apply, \
         every module is enabled and nothing expires",
    ))
}
