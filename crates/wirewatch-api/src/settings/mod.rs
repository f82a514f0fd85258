//! The running configuration (`/runningconfig`): what an administrator can
//! change while the server runs, as one JSON document validated as a whole.
//!
//! Sections:
//! - `ticketing`: the ticket-tracking settings (also `PATCH /extrahop/ticketing`);
//! - `access`: who may generate API keys and which web origins may call the
//!   API (CORS), both enforced by the server;
//! - `retention`: how long and how many records are kept (the server's
//!   retention sweep reads it every 30 s);
//! - `smtp`: the mail relay alert e-mail goes through (`smtp.rs`; its
//!   password write-only, sealed at rest); the notifier follows a change;
//! - `ods`: the delivery settings every ODS target shares (queue bound,
//!   maximum message age); the targets themselves are `/odstargets`;
//! - `capture`: the live interfaces `serve --interface` captures from
//!   (read-only: an interface is opened when the server starts);
//! - `detectors`: the detector thresholds, taken by the running detectors
//!   before their next event (`null` when no detectors run in the process).
//!
//! Every section is persisted in the store as it changes (a restart keeps
//! it; for `smtp`, `ods` and `detectors`, a section changed through the API
//! wins over the flags at the next start); `POST /runningconfig/save` keeps
//! a copy, the saved configuration, which `GET /runningconfig/saved` returns
//! and a `PUT` can restore. The document holds no secret: the SMTP password
//! shows as `password_set`, and the secrets of ODS targets and connectors
//! stay with those resources (write-only, encrypted at rest).

mod origin;
pub mod smtp;

use crate::error::ApiError;
use origin::check_access;
use parking_lot::RwLock;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;
use wirewatch_detect::detectors::LiveThresholds;
use wirewatch_model::settings::{Ticketing, TicketingPatch};
use wirewatch_store::{Retention, Store};

/// Store keys (the `meta` table) of the persisted sections.
const ACCESS_KEY: &str = "runningconfig.access";
const RETENTION_KEY: &str = "runningconfig.retention";
const SAVED_KEY: &str = "runningconfig.saved";
const SMTP_KEY: &str = "runningconfig.smtp";
/// The SMTP password, sealed (`Store::set_secret_setting`).
const SMTP_PASSWORD_KEY: &str = "secret.smtp_password";
const ODS_KEY: &str = "runningconfig.ods";
const DETECTORS_KEY: &str = "runningconfig.detectors";

/// The sections, in document order.
pub const SECTIONS: [&str; 7] = [
    "ticketing",
    "access",
    "retention",
    "smtp",
    "ods",
    "capture",
    "detectors",
];

/// The sections a `PUT` must hold (the others are read-only or may be left out).
const REQUIRED: [&str; 5] = ["ticketing", "access", "retention", "smtp", "ods"];

/// Largest ODS queue bound taken (per target).
pub const MAX_ODS_QUEUE_LIMIT: u64 = 100_000_000;
/// Shortest ODS maximum message age (one second).
pub const MIN_ODS_MAX_AGE_MS: i64 = 1000;

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

/// What the server may fetch when an administrator gives an identity
/// provider's `metadata_url` (see `crate::outbound`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetadataFetch {
    /// Allow `http://` URLs (and redirects to them); by default only `https://`.
    #[serde(default)]
    pub allow_http: bool,
    /// Allow hosts that resolve to a loopback, private, link-local, shared,
    /// multicast, broadcast or unspecified address (by default refused,
    /// redirects included: the server is not a probe of its own network).
    #[serde(default)]
    pub allow_internal_addresses: bool,
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
    /// What fetching an identity provider's `metadata_url` may reach.
    #[serde(default)]
    pub metadata_fetch: MetadataFetch,
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

/// Delivery settings every ODS target shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OdsSection {
    /// Most messages queued per target; beyond it a new message becomes a
    /// dead letter (reason `queue_full`). 1 to 100000000.
    #[schemars(range(min = 1, max = 100_000_000))]
    pub queue_limit: u64,
    /// A message a failing target has not accepted after this many
    /// milliseconds becomes a dead letter (reason `expired`); at least 1000.
    #[schemars(range(min = 1000))]
    pub max_age_ms: i64,
}

impl Default for OdsSection {
    fn default() -> Self {
        OdsSection {
            queue_limit: wirewatch_store::DEFAULT_QUEUE_LIMIT,
            max_age_ms: 7 * 86_400_000,
        }
    }
}

/// What the sensor captures from live (read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureSection {
    /// The network interfaces this server captures from (`serve
    /// --interface`), opened when it starts: read-only here (a `PUT` may
    /// leave the section out or repeat it unchanged; restart with other
    /// `--interface` flags to change them).
    pub interfaces: Vec<String>,
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
    /// The SMTP server alert e-mail goes through (the password write-only).
    pub smtp: smtp::SmtpSection,
    /// Delivery settings every ODS target shares (the targets are `/odstargets`).
    pub ods: OdsSection,
    /// The live capture interfaces (read-only).
    pub capture: CaptureSection,
    /// The detector thresholds (`null` when no detectors run in this
    /// process); every threshold is given, each a number greater than 0.
    /// The running detectors take a change before their next event. A
    /// `PUT` may leave it out (unchanged).
    pub detectors: Option<Map<String, Value>>,
    /// The SMTP password the configuration runs with (never serialized).
    #[serde(skip)]
    pub(crate) smtp_password: Option<smtp::Password>,
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
                metadata_fetch: MetadataFetch::default(),
            },
            retention: Retention::default().into(),
            smtp: smtp::SmtpSection {
                host: Some("mail.example.com".into()),
                port: None,
                security: smtp::Security::Starttls,
                from: "wirewatch@example.com".into(),
                username: None,
                password: None,
                password_set: false,
            },
            ods: OdsSection::default(),
            capture: CaptureSection::default(),
            detectors: None,
            smtp_password: None,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The live settings, shared by the handlers and the server's loops; read
/// on every request (CORS) so kept in memory.
#[derive(Debug)]
pub struct Settings {
    access: RwLock<Access>,
    retention: RwLock<Retention>,
    retention_stored: RwLock<bool>,
    /// The SMTP section as it runs, its password, and whether it was stored
    /// (set through the API: it wins over the flags).
    smtp: RwLock<(smtp::SmtpSection, Option<smtp::Password>, bool)>,
    /// The notifier's configuration, followed by `wirewatch_alerts::run_live`.
    smtp_watch: wirewatch_alerts::SmtpWatch,
    /// The ODS section as it runs and whether it was stored.
    ods: RwLock<(OdsSection, bool)>,
    capture: RwLock<CaptureSection>,
    /// The detectors' live thresholds (`None`: no detectors in this process).
    detectors: RwLock<Option<Arc<LiveThresholds>>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access: Default::default(),
            retention: Default::default(),
            retention_stored: Default::default(),
            smtp: Default::default(),
            smtp_watch: tokio::sync::watch::channel(None).0,
            ods: Default::default(),
            capture: Default::default(),
            detectors: Default::default(),
        }
    }
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
        if let Some(section) = stored::<smtp::SmtpSection>(store, SMTP_KEY) {
            let password = match store.secret_setting(SMTP_PASSWORD_KEY) {
                Ok(p) => p.map(smtp::Password),
                Err(e) => {
                    tracing::warn!(error = %e, "the stored SMTP password does not open; SMTP AUTH is off");
                    None
                }
            };
            s.smtp_watch
                .send_replace(section.config(password.as_deref()));
            *s.smtp.write() = (section, password, true);
        }
        if let Some(o) = stored::<OdsSection>(store, ODS_KEY) {
            *s.ods.write() = (o, true);
        }
        s
    }

    /// The SMTP configuration given when the server starts (its flags):
    /// used unless one was set through the running configuration, which is
    /// kept in the store and wins. Returns whether the stored one won.
    pub fn start_with_smtp(&self, flags: Option<wirewatch_alerts::SmtpConfig>) -> bool {
        let mut current = self.smtp.write();
        if current.2 {
            return true;
        }
        let section = flags
            .as_ref()
            .map(smtp::SmtpSection::from_config)
            .unwrap_or_default();
        let password = flags.as_ref().and_then(|c| {
            c.credentials
                .as_ref()
                .map(|(_, p)| smtp::Password(p.clone()))
        });
        self.smtp_watch.send_replace(flags);
        *current = (section, password, false);
        false
    }

    /// The notifier's configuration and its changes (`None`: no e-mail).
    pub fn smtp_watch(&self) -> tokio::sync::watch::Receiver<Option<wirewatch_alerts::SmtpConfig>> {
        self.smtp_watch.subscribe()
    }

    /// Whether alert firings queue e-mail (an SMTP server is configured).
    pub fn mail_enabled(&self) -> bool {
        self.smtp_watch.borrow().is_some()
    }

    /// The ODS delivery settings given when the server starts (its flags):
    /// used unless set through the running configuration. Returns the ones
    /// in effect (the caller hands them to the store and the workers).
    pub fn start_with_ods(&self, flags: OdsSection) -> OdsSection {
        let mut ods = self.ods.write();
        if !ods.1 {
            ods.0 = flags;
        }
        ods.0
    }

    /// The ODS delivery settings in effect.
    pub fn ods(&self) -> OdsSection {
        self.ods.read().0
    }

    /// The live capture interfaces of this run (shown, read-only).
    pub fn set_capture(&self, interfaces: Vec<String>) {
        *self.capture.write() = CaptureSection { interfaces };
    }

    /// The detectors' thresholds, changeable through the running
    /// configuration; thresholds stored through it win over `flags` (the
    /// ones given when the server starts), which are in `live` on entry.
    /// Returns whether the stored ones won.
    pub fn start_with_detectors(&self, store: &Store, live: Arc<LiveThresholds>) -> bool {
        let stored = stored::<Map<String, Value>>(store, DETECTORS_KEY)
            .and_then(|m| wirewatch_detect::detectors::check_thresholds(&m).ok());
        let won = stored.is_some();
        if let Some(t) = stored {
            live.set(t);
        }
        *self.detectors.write() = Some(live);
        won
    }

    pub fn access(&self) -> Access {
        self.access.read().clone()
    }

    /// What fetching an identity provider's metadata may reach.
    pub fn metadata_fetch(&self) -> MetadataFetch {
        self.access.read().metadata_fetch
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

    /// The detector thresholds in effect (`None`: no detectors here).
    fn thresholds(&self) -> Option<Map<String, Value>> {
        let live = self.detectors.read().clone()?;
        match serde_json::to_value(live.get()) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }
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
            smtp: self.smtp.read().0.clone(),
            ods: self.ods(),
            capture: self.capture.read().clone(),
            detectors: self.thresholds(),
            smtp_password: self.smtp.read().1.clone(),
        }
    }

    /// Apply a validated configuration: persisted, then in effect. The
    /// `smtp`, `ods` and `detectors` sections are stored only when they
    /// differ from the running ones (flags given at start stay in charge
    /// until a change). `ods`: the delivery workers, when running here.
    pub fn apply(
        &self,
        store: &Store,
        c: &RunningConfig,
        ods: Option<&wirewatch_ods::Ods>,
    ) -> Result<(), ApiError> {
        store.set_meta(ACCESS_KEY, &to_text(&c.access))?;
        store.set_meta(RETENTION_KEY, &to_text(&c.retention))?;
        if store.ticketing() != c.ticketing {
            store.set_ticketing(c.ticketing.clone())?;
        }
        let running = self.running(store);
        let smtp_changed = running.smtp != c.smtp || running.smtp_password != c.smtp_password;
        if smtp_changed {
            store.set_secret_setting(SMTP_PASSWORD_KEY, c.smtp_password.as_deref())?;
            store.set_meta(SMTP_KEY, &to_text(&c.smtp))?;
        }
        if running.ods != c.ods {
            store.set_meta(ODS_KEY, &to_text(&c.ods))?;
        }
        let thresholds = match &c.detectors {
            Some(m) if running.detectors.as_ref() != Some(m) => {
                store.set_meta(DETECTORS_KEY, &Value::Object(m.clone()).to_string())?;
                wirewatch_detect::detectors::check_thresholds(m).ok()
            }
            _ => None,
        };
        // Persisted: now in effect.
        *self.access.write() = c.access.clone();
        *self.retention.write() = c.retention.into();
        *self.retention_stored.write() = true;
        if smtp_changed {
            self.smtp_watch
                .send_replace(c.smtp.config(c.smtp_password.as_deref()));
            *self.smtp.write() = (c.smtp.clone(), c.smtp_password.clone(), true);
        }
        if running.ods != c.ods {
            *self.ods.write() = (c.ods, true);
        }
        store.set_ods_queue_limit(c.ods.queue_limit);
        if let Some(o) = ods {
            o.set_max_age(std::time::Duration::from_millis(c.ods.max_age_ms as u64));
        }
        if let (Some(t), Some(live)) = (thresholds, self.detectors.read().as_ref()) {
            live.set(t);
        }
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
    /// `capture` and `detectors`), known and valid, and the read-only part
    /// unchanged.
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
        for k in REQUIRED {
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
        let smtp: smtp::SmtpSection = section(map, "smtp")?;
        let current_password = self.smtp.read().1.clone();
        let (smtp, smtp_password) = smtp::check(smtp, current_password.as_deref())?;
        let ods: OdsSection = section(map, "ods")?;
        if !(1..=MAX_ODS_QUEUE_LIMIT).contains(&ods.queue_limit) {
            return Err(ApiError::invalid(
                "/ods/queue_limit",
                format!("must be in 1-{MAX_ODS_QUEUE_LIMIT}"),
            ));
        }
        if ods.max_age_ms < MIN_ODS_MAX_AGE_MS {
            return Err(ApiError::invalid(
                "/ods/max_age_ms",
                format!("must be at least {MIN_ODS_MAX_AGE_MS} (one second)"),
            ));
        }
        let capture = self.capture.read().clone();
        if map.get("capture").is_some_and(|v| !v.is_null()) {
            let given: CaptureSection = section(map, "capture")?;
            if given != capture {
                return Err(ApiError::invalid(
                    "/capture/interfaces",
                    "is read-only: the sensor opens its capture interfaces when it starts (serve --interface); restart it with the interfaces wanted",
                ));
            }
        }
        let current = self.thresholds();
        let detectors = match (map.get("detectors"), &current) {
            (None | Some(Value::Null), _) => current,
            (Some(Value::Object(_)), None) => return Err(ApiError::invalid(
                "/detectors",
                "no detectors run in this process (it analyses no traffic): leave it out or null",
            )),
            (Some(Value::Object(given)), Some(_)) => {
                wirewatch_detect::detectors::check_thresholds(given).map_err(|(k, why)| {
                    ApiError::invalid(format!("/detectors/{}", escape(&k)), why)
                })?;
                Some(given.clone())
            }
            (Some(_), _) => {
                return Err(ApiError::invalid(
                    "/detectors",
                    "must be an object of thresholds (or left out)",
                ))
            }
        };
        Ok(RunningConfig {
            ticketing,
            access,
            retention,
            smtp,
            ods,
            capture,
            detectors,
            smtp_password,
        })
    }
}

fn to_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
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
