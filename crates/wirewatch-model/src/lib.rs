//! Domain types of wirewatch, shared by the store, the detectors and the API.
//!
//! Field names follow the ExtraHop REST API exactly (snake_case on the wire).

pub mod access;
pub mod activitymap;
pub mod alert;
pub mod capture;
pub mod catalog;
pub mod connector;
pub mod custom_device;
pub mod detection;
pub mod device;
pub mod device_filter;
pub mod error;
pub mod idp;
pub mod investigation;
pub mod locality;
pub mod metrics;
pub mod mitre;
pub mod ods;
pub mod record;
pub mod record_filter;
pub mod rule;
pub mod secret;
pub mod settings;
pub mod ssl_key;
pub mod threat;
pub mod ticket;
pub mod time;
pub mod trigger;
pub mod tuning;
pub mod user;
pub mod usergroup;

pub use error::{Code, Error};

/// Milliseconds since the Unix epoch, the time unit of every API timestamp.
pub fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
