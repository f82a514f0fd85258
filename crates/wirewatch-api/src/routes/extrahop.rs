//! `/extrahop`: system metadata, ticket-tracking settings, and the appliance
//! operations that have no meaning for a software sensor (explicit 501s).

use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::guard::{AnyKey, Api, Guard, System};
use crate::routes::audit;
use crate::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use wirewatch_model::settings::{Ticketing, TicketingPatch};
use wirewatch_model::{Code, Error};

pub fn routes() -> Api {
    Api::new()
        .get("/extrahop", info)
        .public_get("/extrahop/version", version)
        .public_get("/extrahop/platform", platform)
        .public_get("/extrahop/edition", edition)
        .get("/extrahop/ticketing", get_ticketing)
        .patch("/extrahop/ticketing", patch_ticketing)
        .get("/extrahop/idrac", not_applicable)
        .post("/extrahop/firmware", not_applicable)
        .get("/extrahop/firmware/next", not_applicable)
        .get("/extrahop/firmware/previous", not_applicable)
        .post("/extrahop/firmware/previous/rollback", not_applicable)
        .post("/extrahop/firmware/latest/upgrade", not_applicable)
        .post("/extrahop/firmware/download/url", not_applicable)
        .post("/extrahop/firmware/download/version", not_applicable)
        .post("/extrahop/restart", not_applicable)
        .post("/extrahop/shutdown", not_applicable)
        .post("/cloud/connect", no_cloud)
}

/// RevealX 360 and ExtraHop Cloud Services are the vendor's: a wirewatch
/// sensor has no vendor cloud to connect to or update from.
async fn no_cloud(_: Guard<System>) -> ApiError {
    ApiError(Error::new(
        Code::NotApplicable,
        "wirewatch has no vendor cloud: RevealX 360 and ExtraHop Cloud Services are not available to an open-source sensor, \
         and its detection catalog ships with the program (upgrade wirewatch to update it)",
    ))
}

async fn info(_: Guard<AnyKey>, State(s): State<AppState>) -> ApiResult<axum::Json<Info>> {
    let c = &s.config;
    Ok(axum::Json(Info {
        display_host: c.hostname.clone(),
        external_hostname: c.external_hostname.clone(),
        hostname: c.hostname.clone(),
        mgmt_ipaddr: c.mgmt_ipaddr.clone(),
        platform: c.platform.clone(),
        version: c.version.clone(),
    }))
}

async fn version(State(s): State<AppState>) -> axum::Json<Version> {
    axum::Json(Version {
        version: s.config.version.clone(),
    })
}

async fn platform(State(s): State<AppState>) -> axum::Json<Platform> {
    axum::Json(Platform {
        platform: s.config.platform.clone(),
    })
}

async fn edition(State(s): State<AppState>) -> axum::Json<Edition> {
    axum::Json(Edition {
        edition: s.config.edition.clone(),
    })
}

/// `GET /extrahop`: metadata about this sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ExtraHop", example = Info::example())]
pub struct Info {
    /// The host name shown in the user interface.
    pub display_host: String,
    /// The host name clients reach the sensor at.
    pub external_hostname: String,
    /// The sensor's host name.
    pub hostname: String,
    /// The management IP address.
    pub mgmt_ipaddr: String,
    /// The platform name.
    pub platform: String,
    /// The firmware version reported.
    pub version: String,
}

impl Info {
    /// The example of the API's documentation.
    pub fn example() -> Info {
        Info {
            display_host: "sensor1".into(),
            external_hostname: "sensor1.example.com".into(),
            hostname: "sensor1".into(),
            mgmt_ipaddr: "192.0.2.10".into(),
            platform: "extrahop".into(),
            version: "9.9.0.1".into(),
        }
    }
}

/// `GET /extrahop/version`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Version {
    /// The firmware version reported.
    pub version: String,
}

/// `GET /extrahop/platform`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Platform {
    /// The platform name.
    pub platform: String,
}

/// `GET /extrahop/edition`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Edition {
    /// The edition name.
    pub edition: String,
}

async fn get_ticketing(
    _: Guard<AnyKey>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Ticketing>> {
    Ok(axum::Json(s.store.ticketing()))
}

/// Apply a settings change with the seed's rules: the external and internal
/// flags travel together, `enabled` is the deprecated external flag, and a
/// URL template must contain `$ticket_id`.
pub fn apply_ticketing(mut t: Ticketing, p: TicketingPatch) -> Result<Ticketing, ApiError> {
    match (p.external_ticketing_enabled, p.internal_ticketing_enabled) {
        (Some(_), None) => {
            return Err(ApiError::invalid(
                "internal_ticketing_enabled",
                "is required when external_ticketing_enabled is specified",
            ))
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "external_ticketing_enabled",
                "is required when internal_ticketing_enabled is specified",
            ))
        }
        (Some(e), Some(i)) => {
            if let Some(en) = p.enabled {
                if en != e {
                    return Err(ApiError::invalid(
                        "enabled",
                        "is deprecated and contradicts external_ticketing_enabled; send only the new fields",
                    ));
                }
            }
            t.external_ticketing_enabled = e;
            t.internal_ticketing_enabled = i;
        }
        (None, None) => {
            if let Some(en) = p.enabled {
                t.external_ticketing_enabled = en;
                if en {
                    t.internal_ticketing_enabled = false;
                }
            }
        }
    }
    if t.external_ticketing_enabled && t.internal_ticketing_enabled {
        return Err(ApiError::invalid(
            "internal_ticketing_enabled",
            "detections are tracked either in an external system or internally, not both",
        ));
    }
    if let Some(u) = p.url_template {
        match u {
            Some(u) if !u.is_empty() => {
                if !u.contains("$ticket_id") {
                    return Err(ApiError::invalid(
                        "url_template",
                        "must contain the $ticket_id variable",
                    ));
                }
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(ApiError::invalid(
                        "url_template",
                        "must be an http:// or https:// URL",
                    ));
                }
                t.url_template = Some(u);
            }
            _ => t.url_template = None,
        }
    }
    if let Some(c) = p.connector_id {
        t.connector_id = c.filter(|c| !c.is_empty());
    }
    t.enabled = t.external_ticketing_enabled;
    Ok(t)
}

/// The connector ticketing pushes to must exist and hold incidents.
pub fn check_connector(store: &wirewatch_store::Store, id: &str) -> Result<(), ApiError> {
    match store.connector(id)? {
        None => Err(ApiError::invalid(
            "connector_id",
            format!("no connector {id:?}; see GET /api/actions/connectors"),
        )),
        Some(c) if !c.kind().supports_incidents() => Err(ApiError::invalid(
            "connector_id",
            format!(
                "{} connectors cannot hold incidents; choose a .jira, .servicenow or .cases-webhook connector",
                c.kind().as_str()
            ),
        )),
        Some(_) => Ok(()),
    }
}

async fn patch_ticketing(
    caller: Guard<System>,
    State(s): State<AppState>,
    Json(p): Json<TicketingPatch>,
) -> ApiResult<axum::http::StatusCode> {
    let t = apply_ticketing(s.store.ticketing(), p)?;
    if let Some(id) = &t.connector_id {
        check_connector(&s.store, id)?;
    }
    s.store.set_ticketing(t.clone())?;
    audit(
        &s,
        &caller,
        "update ticketing settings",
        "ticketing",
        serde_json::to_value(&t).unwrap_or_default(),
    );
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn not_applicable(_: Guard<AnyKey>) -> ApiError {
    ApiError(Error::new(
        Code::NotApplicable,
        "wirewatch is a software sensor: appliance hardware, firmware and power operations do not apply",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view struct writes the bytes the `json!` body wrote.
    #[test]
    fn info_is_the_json_it_was() {
        let i = Info::example();
        let before = serde_json::json!({
            "display_host": i.display_host,
            "external_hostname": i.external_hostname,
            "hostname": i.hostname,
            "mgmt_ipaddr": i.mgmt_ipaddr,
            "platform": i.platform,
            "version": i.version,
        });
        assert_eq!(serde_json::to_string(&i).unwrap(), before.to_string());
    }
}
