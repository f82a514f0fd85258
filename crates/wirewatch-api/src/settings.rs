//! The running configuration (`/runningconfig`): what an administrator can
//! change while the server runs, as one JSON document validated as a whole.
//!
//! Sections:
//! - `ticketing`: the ticket-tracking settings (also `PATCH /extrahop/ticketing`);
//! - `access`: who may generate API keys and which web origins may call the
//!   API (CORS), both enforced by the server;
//! - `retention`: how long and how many records are kept (the server's
//!   retention sweep reads it every 30 s);
//! - `detectors`: the detector thresholds this run started with (read-only:
//!   they are set by `--threshold`/`--thresholds-file` when the server starts).
//!
//! Every section is persisted in the store as it changes (a restart keeps
//! it); `POST /runningconfig/save` keeps a copy, the saved configuration,
//! which `GET /runningconfig/saved` returns and a `PUT` can restore. The
//! document holds no secret: the secrets of ODS targets and connectors stay
//! with those resources (write-only, encrypted at rest).

use crate::error::ApiError;
use parking_lot::RwLock;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wirewatch_model::settings::{Ticketing, TicketingPatch};
use wirewatch_store::{Retention, Store};

/// Store keys (the `meta` table) of the persisted sections.
const ACCESS_KEY: &str = "runningconfig.access";
const RETENTION_KEY: &str = "runningconfig.retention";
const SAVED_KEY: &str = "runningconfig.saved";

/// The sections, in document order.
pub const SECTIONS: [&str; 4] = ["ticketing", "access", "retention", "detectors"];

/// Most CORS origins kept.
pub const MAX_ORIGINS: usize = 100;

/// Who may generate API keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyGeneration {
    /// Local and remote users may generate (and be issued) API keys.
    #[default]
    All,
    /// Only local users: no key is generated or issued for a remote user.
    LocalOnly,
    /// Nobody: `POST /apikeys`, `POST /users/{username}/apikeys` and
    /// `create_apikey` answer 403 (`wirewatch apikey create` on the server's
    /// shell still works, the way back in).
    None,
}

/// Cross-origin resource sharing of the REST API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    /// Allow API requests from any origin (less secure than a list).
    #[serde(default)]
    pub allow_any_origin: bool,
    /// Origins allowed to call the API: a scheme (`http` or `https`), the
    /// exact host name and optionally a port; no path (at most 100).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// Access settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// Who may generate API keys: `all`, `local_only` or `none`.
    pub apikey_generation: ApiKeyGeneration,
    /// Which web origins may call the REST API from a browser.
    #[serde(default)]
    pub cors: Cors,
}

/// Record retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionSection {
    /// Records stored longer ago than this many milliseconds are deleted (at least 60000).
    #[schemars(range(min = 60000))]
    pub records_max_age_ms: i64,
    /// Most records kept; the earliest stored go first (at least 1).
    #[schemars(range(min = 1))]
    pub records_max: u64,
}

impl From<Retention> for RetentionSection {
    fn from(r: Retention) -> Self {
        RetentionSection {
            records_max_age_ms: r.max_age_ms,
            records_max: r.max_records,
        }
    }
}

impl From<RetentionSection> for Retention {
    fn from(r: RetentionSection) -> Self {
        Retention {
            max_age_ms: r.records_max_age_ms,
            max_records: r.records_max,
        }
    }
}

/// The running configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = RunningConfig::example())]
pub struct RunningConfig {
    /// Ticket-tracking settings.
    pub ticketing: Ticketing,
    /// Who may generate API keys; CORS.
    pub access: Access,
    /// Record retention (applied by the server's sweep every 30 s).
    pub retention: RetentionSection,
    /// The detector thresholds of this run (read-only; `null` when no
    /// detectors run in this process). A `PUT` may leave it out or repeat
    /// it unchanged.
    pub detectors: Option<Map<String, Value>>,
}

impl RunningConfig {
    /// The example of the API's documentation.
    pub fn example() -> RunningConfig {
        RunningConfig {
            ticketing: Ticketing::example(),
            access: Access {
                apikey_generation: ApiKeyGeneration::LocalOnly,
                cors: Cors {
                    allow_any_origin: false,
                    allowed_origins: vec!["https://soar.example.com".into()],
                },
            },
            retention: Retention::default().into(),
            detectors: None,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The live access, retention and detector settings, shared by the handlers
/// and the server's loops; read on every request (CORS) so kept in memory.
#[derive(Debug, Default)]
pub struct Settings {
    access: RwLock<Access>,
    retention: RwLock<Retention>,
    retention_stored: RwLock<bool>,
    detectors: RwLock<Option<Map<String, Value>>>,
}

impl Settings {
    /// The settings persisted in `store` (defaults for what is not).
    pub fn load(store: &Store) -> Settings {
        let s = Settings::default();
        if let Some(a) = stored::<Access>(store, ACCESS_KEY) {
            *s.access.write() = a;
        }
        if let Some(r) = stored::<RetentionSection>(store, RETENTION_KEY) {
            *s.retention.write() = r.into();
            *s.retention_stored.write() = true;
        }
        s
    }

    pub fn access(&self) -> Access {
        self.access.read().clone()
    }

    pub fn apikey_generation(&self) -> ApiKeyGeneration {
        self.access.read().apikey_generation
    }

    /// The retention the sweep applies.
    pub fn retention(&self) -> Retention {
        *self.retention.read()
    }

    /// The retention given when the server starts (its flags): used unless
    /// one was set through the running configuration, which is kept in the
    /// store and wins. Returns whether the stored one won.
    pub fn start_with_retention(&self, flags: Retention) -> bool {
        if *self.retention_stored.read() {
            return true;
        }
        *self.retention.write() = flags;
        false
    }

    /// The detector thresholds of this run (shown, read-only).
    pub fn set_detectors(&self, thresholds: Value) {
        *self.detectors.write() = match thresholds {
            Value::Object(m) => Some(m),
            _ => None,
        };
    }

    /// Whether `origin` may call the API from a browser.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let a = self.access.read();
        a.cors.allow_any_origin
            || a.cors
                .allowed_origins
                .iter()
                .any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// The running configuration.
    pub fn running(&self, store: &Store) -> RunningConfig {
        RunningConfig {
            ticketing: store.ticketing(),
            access: self.access(),
            retention: self.retention().into(),
            detectors: self.detectors.read().clone(),
        }
    }

    /// Apply a validated configuration: persisted, then in effect.
    pub fn apply(&self, store: &Store, c: &RunningConfig) -> Result<(), ApiError> {
        store.set_meta(
            ACCESS_KEY,
            &serde_json::to_string(&c.access).unwrap_or_default(),
        )?;
        store.set_meta(
            RETENTION_KEY,
            &serde_json::to_string(&c.retention).unwrap_or_default(),
        )?;
        if store.ticketing() != c.ticketing {
            store.set_ticketing(c.ticketing.clone())?;
        }
        *self.access.write() = c.access.clone();
        *self.retention.write() = c.retention.into();
        *self.retention_stored.write() = true;
        Ok(())
    }

    /// Keep the running configuration as the saved one; returns it.
    pub fn save(&self, store: &Store) -> Result<Value, ApiError> {
        let v = self.running(store).to_value();
        store.set_meta(SAVED_KEY, &v.to_string())?;
        Ok(v)
    }

    /// The saved configuration, if one was saved.
    pub fn saved(&self, store: &Store) -> Result<Option<Value>, ApiError> {
        Ok(store
            .meta(SAVED_KEY)?
            .and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Check a whole configuration document: every section present (but
    /// `detectors`), known and valid, and the read-only part unchanged.
    /// Errors name the field as a JSON pointer (`/access/cors/allowed_origins/0`).
    /// Nothing is applied here.
    pub fn validate(&self, store: &Store, doc: &Value) -> Result<RunningConfig, ApiError> {
        let Value::Object(map) = doc else {
            return Err(ApiError::invalid(
                "",
                "the running configuration must be a JSON object of sections",
            ));
        };
        for k in map.keys() {
            if !SECTIONS.contains(&k.as_str()) {
                return Err(ApiError::invalid(
                    format!("/{}", escape(k)),
                    format!("unknown section; the sections are {}", SECTIONS.join(", ")),
                ));
            }
        }
        for k in ["ticketing", "access", "retention"] {
            if !map.contains_key(k) {
                return Err(ApiError::invalid(
                    format!("/{k}"),
                    "is required: PUT replaces the whole running configuration (GET /api/v1/runningconfig for the current one)",
                ));
            }
        }
        let ticketing: Ticketing = section(map, "ticketing")?;
        let ticketing = check_ticketing(store, ticketing)?;
        let access: Access = section(map, "access")?;
        let access = check_access(access)?;
        let retention: RetentionSection = section(map, "retention")?;
        if retention.records_max_age_ms < 60_000 {
            return Err(ApiError::invalid(
                "/retention/records_max_age_ms",
                "must be at least 60000 (one minute)",
            ));
        }
        if retention.records_max == 0 {
            return Err(ApiError::invalid(
                "/retention/records_max",
                "must be at least 1",
            ));
        }
        let detectors = self.detectors.read().clone();
        match map.get("detectors") {
            None | Some(Value::Null) => {}
            Some(Value::Object(given)) => {
                let current = detectors.clone().unwrap_or_default();
                for (k, v) in given {
                    if current.get(k) != Some(v) {
                        return Err(ApiError::invalid(
                            format!("/detectors/{}", escape(k)),
                            "detector thresholds are read-only here: they are set when the server starts (--threshold, --thresholds-file)",
                        ));
                    }
                }
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    "/detectors",
                    "must be an object (or left out): the thresholds are read-only",
                ))
            }
        }
        Ok(RunningConfig {
            ticketing,
            access,
            retention,
            detectors,
        })
    }
}

fn stored<T: serde::de::DeserializeOwned>(store: &Store, key: &str) -> Option<T> {
    match store.meta(key) {
        Ok(Some(text)) => match serde_json::from_str(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(key, error = %e, "stored running configuration section unreadable; defaults used");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(key, error = %e, "reading the running configuration");
            None
        }
    }
}

/// A JSON pointer token (RFC 6901).
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Deserialize one section, naming the field at fault as a JSON pointer.
fn section<T: serde::de::DeserializeOwned>(
    map: &Map<String, Value>,
    name: &str,
) -> Result<T, ApiError> {
    let v = map.get(name).cloned().unwrap_or(Value::Null);
    serde_path_to_error::deserialize::<_, T>(v).map_err(|e| {
        let mut pointer = format!("/{name}");
        for seg in e.path().iter() {
            use serde_path_to_error::Segment;
            match seg {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } => pointer.push_str(&format!("/{}", escape(key))),
                Segment::Enum { variant } => pointer.push_str(&format!("/{}", escape(variant))),
                Segment::Unknown => {}
            }
        }
        let msg = e.into_inner().to_string();
        if let Some(f) = msg
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            return ApiError::invalid(format!("{pointer}/{f}"), "is required");
        }
        ApiError::invalid(pointer, msg)
    })
}

/// The ticketing section checked with the rules of `PATCH /extrahop/ticketing`.
fn check_ticketing(store: &Store, t: Ticketing) -> Result<Ticketing, ApiError> {
    let patch = TicketingPatch {
        enabled: Some(t.enabled),
        external_ticketing_enabled: Some(t.external_ticketing_enabled),
        internal_ticketing_enabled: Some(t.internal_ticketing_enabled),
        url_template: Some(t.url_template.clone()),
        connector_id: Some(t.connector_id.clone()),
    };
    let prefix = |e: ApiError| {
        let mut inner = e.0;
        inner.field = Some(format!(
            "/ticketing/{}",
            inner.field.as_deref().unwrap_or_default()
        ));
        ApiError(inner)
    };
    let out =
        crate::routes::extrahop::apply_ticketing(Ticketing::default(), patch).map_err(prefix)?;
    if let Some(id) = &out.connector_id {
        crate::routes::extrahop::check_connector(store, id).map_err(prefix)?;
    }
    Ok(out)
}

/// An origin as browsers send it: `scheme://host[:port]`, lower case.
fn origin(raw: &str) -> Result<String, &'static str> {
    let lower = raw.trim().to_ascii_lowercase();
    if lower.len() > 255 {
        return Err("is longer than 255 characters");
    }
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.contains(['/', '?', '#', '@', ' ', '*']) {
        return Err("must be a scheme, a host name and optionally a port, without a path");
    }
    let (host, port) = if rest.starts_with('[') {
        // An IPv6 address: [addr] or [addr]:port.
        let end = rest
            .find(']')
            .ok_or("has an IPv6 address without its closing ']'")?;
        let after = &rest[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => (&rest[..=end], Some(p)),
            None if after.is_empty() => (&rest[..=end], None),
            None => return Err("has text after its IPv6 address"),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("has no host name");
    }
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |n| n == 0) {
            return Err("has a port that is not a number in 1-65535");
        }
    }
    Ok(lower)
}

fn check_access(mut a: Access) -> Result<Access, ApiError> {
    if a.cors.allowed_origins.len() > MAX_ORIGINS {
        return Err(ApiError::invalid(
            "/access/cors/allowed_origins",
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, o) in a.cors.allowed_origins.iter().enumerate() {
        let o = origin(o)
            .map_err(|why| ApiError::invalid(format!("/access/cors/allowed_origins/{i}"), why))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    a.cors.allowed_origins = out;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn origins_are_a_scheme_a_host_and_a_port() {
        assert_eq!(
            origin("HTTPS://Soar.Example.com").unwrap(),
            "https://soar.example.com"
        );
        assert!(origin("https://soar.example.com:8443").is_ok());
        assert!(origin("http://[::1]:8080").is_ok());
        assert!(origin("soar.example.com").is_err());
        assert!(origin("https://soar.example.com/app").is_err());
        assert!(origin("https://soar.example.com:99999").is_err());
        assert!(origin("https://").is_err());
        assert!(origin("ftp://x").is_err());
    }
}
