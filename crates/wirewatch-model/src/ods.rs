//! Open Data Stream targets (`/odstargets/{http,kafka,mongodb,raw,syslog}`) and
//! the messages triggers send to them.
//!
//! Field names, enums and defaults follow the ExtraHop REST API guide. Unknown
//! fields are refused (a misspelt option must not be silently ignored). Secrets
//! (passwords, secret keys, client secrets, TLS private keys, and an
//! `additional_header` whose name says it carries a credential, see
//! [`crate::secret`]) are write-only: [`Target::public_view`] removes them
//! from every answer.

use crate::error::{Error, Result};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The five kinds of target, in the API's path spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Http,
    Kafka,
    Mongodb,
    Raw,
    Syslog,
}

impl TargetKind {
    pub const ALL: [TargetKind; 5] = [
        TargetKind::Http,
        TargetKind::Kafka,
        TargetKind::Mongodb,
        TargetKind::Raw,
        TargetKind::Syslog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Http => "http",
            TargetKind::Kafka => "kafka",
            TargetKind::Mongodb => "mongodb",
            TargetKind::Raw => "raw",
            TargetKind::Syslog => "syslog",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest target name accepted.
pub const MAX_NAME: usize = 128;

/// The pattern of a target name (documented): not only spaces, no `/`, no
/// control characters (C0, DEL, C1).
pub const NAME_PATTERN: &str = concat!(
    "^[^/\\u0000-\\u001f\\u007f-\\u009f]*",
    "[^\\s/\\u0000-\\u001f\\u007f-\\u009f]",
    "[^/\\u0000-\\u001f\\u007f-\\u009f]*$"
);

/// The pattern of a host (documented): a name or address, no scheme, spaces,
/// `/` or control characters.
pub const HOST_PATTERN: &str = "^[^\\s/\\u0000-\\u001f\\u007f-\\u009f]+$";

/// The pattern of a PEM text (documented).
const PEM_PATTERN: &str = "-----BEGIN ";

/// The pattern of a value that is not empty or only spaces (documented).
const NOT_BLANK: &str = "\\S";

/// The description of a target's `name`, for the kind `kind` (`HTTP`, ...).
fn name_doc(kind: &str) -> String {
    format!(
        "The target's name, which triggers use (`Remote.{kind}(\"name\")`): unique among {kind} targets \
         (409 otherwise), 1 to {MAX_NAME} characters, not only spaces, no `/` or control characters."
    )
}

/// The description of a target's `host`.
fn host_doc(what: &str) -> String {
    format!("The host name or IP address of {what}; not a URL (no scheme, spaces or `/`).")
}

/// The description of a target's `port`.
fn port_doc(what: &str) -> String {
    format!("The TCP or UDP port of {what}.")
}

/// A schema transform: each of `fields` is a write-only secret (answers
/// leave it out), and answers show the read-only `<field>_set: true` in its
/// place (see [`Target::public_view`]).
fn write_only(schema: &mut Schema, fields: &[&str]) {
    for f in fields {
        let p = schema
            .get_mut("properties")
            .and_then(|p| p.get_mut(*f))
            .unwrap_or_else(|| panic!("no property {f}"));
        p["writeOnly"] = json!(true);
        let d = p["description"].as_str().unwrap_or_default();
        p["description"] = json!(format!(
            "{d} Write-only: answers leave it out and show `{f}_set: true` instead."
        ));
    }
    shown_set(schema, fields);
}

/// A schema transform: answers may show the read-only `<field>_set: true`
/// in place of each of `fields` (a secret they leave out).
fn shown_set(schema: &mut Schema, fields: &[&str]) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        panic!("a schema without properties");
    };
    for f in fields {
        props.insert(
            format!("{f}_set"),
            json!({
                "type": "boolean", "readOnly": true, "enum": [true],
                "description": format!(
                    "In answers only: `true` when a `{f}` is stored (the secret itself is never shown). \
                     A request that sends it is refused (400)."
                ),
            }),
        );
    }
}

/// The secrets of [`HttpAuth`].
fn http_auth_secrets(schema: &mut Schema) {
    write_only(schema, &["password", "secret_key", "client_secret"]);
}

/// The secret of [`KafkaAuth`] and [`MongoAuth`].
fn password_secret(schema: &mut Schema) {
    write_only(schema, &["password"]);
}

/// The secret of Kafka and syslog targets.
fn tls_key_secret(schema: &mut Schema) {
    write_only(schema, &["tls_client_key"]);
}

/// An `additional_header` that carries a credential is left out of answers.
fn header_secret(schema: &mut Schema) {
    shown_set(schema, &["additional_header"]);
}

/// The schema of a list that a single object may stand for in requests
/// (`brokers`, MongoDB `authentication`): answers always show a list.
fn one_or_more<T: JsonSchema>(g: &mut SchemaGenerator, min_items: usize) -> Schema {
    let one = g.subschema_for::<T>();
    let mut many = json!({"type": "array", "items": one});
    if min_items > 0 {
        many["minItems"] = json!(min_items);
    }
    json_schema!({"oneOf": [one, many]})
}

/// A configured target of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    Http(HttpTarget),
    Kafka(KafkaTarget),
    Mongodb(MongoTarget),
    Raw(RawTarget),
    Syslog(SyslogTarget),
}

impl Target {
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Http(_) => TargetKind::Http,
            Target::Kafka(_) => TargetKind::Kafka,
            Target::Mongodb(_) => TargetKind::Mongodb,
            Target::Raw(_) => TargetKind::Raw,
            Target::Syslog(_) => TargetKind::Syslog,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Target::Http(t) => &t.name,
            Target::Kafka(t) => &t.name,
            Target::Mongodb(t) => &t.name,
            Target::Raw(t) => &t.name,
            Target::Syslog(t) => &t.name,
        }
    }

    /// Parse the body of `POST /odstargets/{kind}` and check it.
    pub fn from_body(kind: TargetKind, mut body: Value) -> Result<Target> {
        // The guide's examples show one object where the prose says "Array of Objects".
        let listed = match kind {
            TargetKind::Kafka => Some("brokers"),
            TargetKind::Mongodb => Some("authentication"),
            _ => None,
        };
        if let Some(field) = listed {
            if let Some(v) = body.get_mut(field) {
                if v.is_object() {
                    *v = Value::Array(vec![v.take()]);
                }
            }
        }
        let target = match kind {
            TargetKind::Http => Target::Http(parse(body)?),
            TargetKind::Kafka => Target::Kafka(parse(body)?),
            TargetKind::Mongodb => Target::Mongodb(parse(body)?),
            TargetKind::Raw => Target::Raw(parse(body)?),
            TargetKind::Syslog => Target::Syslog(parse(body)?),
        };
        target.validate()?;
        Ok(target)
    }

    /// Semantic checks the types alone do not make.
    pub fn validate(&self) -> Result<()> {
        check_name(self.name())?;
        match self {
            Target::Http(t) => t.validate(),
            Target::Kafka(t) => t.validate(),
            Target::Mongodb(t) => t.validate(),
            Target::Raw(t) => t.validate(),
            Target::Syslog(t) => t.validate(),
        }
    }

    /// The target as the API shows it: every field but the secrets.
    pub fn public_view(&self) -> Value {
        let mut v = match self {
            Target::Http(t) => serde_json::to_value(t),
            Target::Kafka(t) => serde_json::to_value(t),
            Target::Mongodb(t) => serde_json::to_value(t),
            Target::Raw(t) => serde_json::to_value(t),
            Target::Syslog(t) => serde_json::to_value(t),
        }
        .unwrap_or(Value::Null);
        redact(&mut v);
        if let Value::Object(map) = &mut v {
            let secret = map
                .get("additional_header")
                .and_then(Value::as_str)
                .is_some_and(crate::secret::is_secret_header_line);
            if secret {
                map.remove("additional_header");
                map.insert("additional_header_set".into(), Value::Bool(true));
            }
        }
        v
    }
}

impl Target {
    /// The target a `PATCH /odstargets/{kind}/{name}` body makes of this one
    /// (a JSON merge patch, RFC 7396, checked as a `POST` body is):
    /// - fields left out keep their value, secrets included: a patch without
    ///   `password` keeps the stored password (secrets are write-only, so a
    ///   client cannot send them back);
    /// - `null` removes a field (it then takes its default);
    /// - objects merge field by field, except an HTTP `authentication` whose
    ///   `auth_type` changes: it is replaced (no secret of the old type stays);
    /// - lists are replaced, except that a MongoDB credential without
    ///   `password` keeps the stored password of the same `database` and `user`;
    /// - `<secret>_set: true`, as answers show a stored secret, means "keep it";
    /// - `name` may be given only unchanged (it is the target's key: its
    ///   queue, statistics and dead letters stay with it).
    pub fn patched(&self, patch: serde_json::Map<String, Value>) -> Result<Target> {
        let mut patch = Value::Object(patch);
        drop_set_flags(&mut patch);
        let Value::Object(patch) = patch else {
            return Err(Error::invalid("body", "must be a JSON object"));
        };
        if let Some(n) = patch.get("name") {
            if n.as_str() != Some(self.name()) {
                return Err(Error::invalid(
                    "name",
                    format!(
                        "cannot be changed (the target is {:?}); delete the target and create it under the new name",
                        self.name()
                    ),
                ));
            }
        }
        let mut full = match self {
            Target::Http(t) => serde_json::to_value(t),
            Target::Kafka(t) => serde_json::to_value(t),
            Target::Mongodb(t) => serde_json::to_value(t),
            Target::Raw(t) => serde_json::to_value(t),
            Target::Syslog(t) => serde_json::to_value(t),
        }
        .map_err(|e| Error::invalid("body", e.to_string()))?;
        let kind = self.kind();
        for (key, value) in patch {
            let Value::Object(stored) = &mut full else {
                break;
            };
            match (kind, key.as_str()) {
                (TargetKind::Http, "authentication") => {
                    let old_type = stored
                        .get("authentication")
                        .and_then(|a| a.get("auth_type"))
                        .cloned();
                    let new_type = value.get("auth_type").cloned();
                    let replace = new_type.is_some() && new_type != old_type;
                    if replace || value.is_null() {
                        put(stored, key, value);
                    } else {
                        merge(stored.entry(key).or_insert(Value::Null), value);
                    }
                }
                (TargetKind::Mongodb, "authentication") => {
                    let old = stored.get("authentication").cloned();
                    let value = keep_mongo_passwords(value, old.as_ref());
                    put(stored, key, value);
                }
                _ => merge(stored.entry(key).or_insert(Value::Null), value),
            }
        }
        Target::from_body(kind, full)
    }
}

/// Set or (`null`) remove a field.
fn put(map: &mut serde_json::Map<String, Value>, key: String, value: Value) {
    if value.is_null() {
        map.remove(&key);
    } else {
        map.insert(key, value);
    }
}

/// RFC 7396 merge of `patch` into `target`.
fn merge(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.remove(&k);
            } else {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
    }
}

/// Remove `<secret>_set` flags (as answers show stored secrets) from a patch.
fn drop_set_flags(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| {
                !k.strip_suffix("_set").is_some_and(|base| {
                    SECRET_FIELDS.contains(&base) || base == "additional_header"
                })
            });
            map.values_mut().for_each(drop_set_flags);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_set_flags),
        _ => {}
    }
}

/// MongoDB credentials of a patch: one without `password` takes the stored
/// password of the credential with the same `database` and `user`.
fn keep_mongo_passwords(mut value: Value, old: Option<&Value>) -> Value {
    if value.is_object() {
        value = Value::Array(vec![value]);
    }
    let olds: Vec<&Value> = old
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if let Value::Array(items) = &mut value {
        for item in items.iter_mut() {
            let Value::Object(m) = item else { continue };
            if m.contains_key("password") {
                continue;
            }
            let same = olds
                .iter()
                .find(|o| o.get("database") == m.get("database") && o.get("user") == m.get("user"));
            if let Some(p) = same.and_then(|o| o.get("password")) {
                m.insert("password".into(), p.clone());
            }
        }
    }
    value
}

/// Names of fields that are write-only wherever they appear.
pub const SECRET_FIELDS: [&str; 4] = ["password", "secret_key", "client_secret", "tls_client_key"];

/// Remove secret fields (recursively); a removed secret leaves `<field>_set: true`.
fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for f in SECRET_FIELDS {
                if let Some(old) = map.remove(f) {
                    if !old.is_null() {
                        map.insert(format!("{f}_set"), Value::Bool(true));
                    }
                }
            }
            for (_, child) in map.iter_mut() {
                redact(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: Value) -> Result<T> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        if let Some(name) = msg
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            let field = if path == "." {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            return Error::invalid(field, "is required");
        }
        let field = if path == "." { "body".into() } else { path };
        Error::invalid(field, msg)
    })
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "name",
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    if name.chars().any(|c| c == '/' || c.is_control()) {
        return Err(Error::invalid(
            "name",
            "must not contain '/' or control characters",
        ));
    }
    Ok(())
}

fn check_host(field: &str, host: &str) -> Result<()> {
    if host.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if host.contains("://") {
        return Err(Error::invalid(
            field,
            "must be a hostname or IP address, not a URL (the scheme is the `protocol` field)",
        ));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c.is_control())
    {
        return Err(Error::invalid(
            field,
            "must be a hostname or IP address (no spaces or '/')",
        ));
    }
    Ok(())
}

fn check_port(field: &str, port: u16) -> Result<()> {
    if port == 0 {
        return Err(Error::invalid(field, "must be between 1 and 65535"));
    }
    Ok(())
}

fn required<'a>(field: &str, v: &'a Option<String>, why: &str) -> Result<&'a str> {
    match v.as_deref() {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(Error::invalid(field, format!("is required {why}"))),
    }
}

fn check_pem(field: &str, v: &Option<String>, what: &str) -> Result<()> {
    if let Some(s) = v {
        if !s.contains("-----BEGIN ") {
            return Err(Error::invalid(
                field,
                format!("must be a PEM-encoded {what}"),
            ));
        }
    }
    Ok(())
}

/// The TLS options shared by Kafka and syslog targets.
fn check_tls_options(
    tls: bool,
    skip: Option<bool>,
    ca: &Option<String>,
    cert: &Option<String>,
    key: &Option<String>,
    proto_field: &str,
) -> Result<()> {
    if !tls {
        for (field, set) in [
            ("skip_cert_verification", skip == Some(true)),
            ("tls_ca_certs", ca.is_some()),
            ("tls_client_cert", cert.is_some()),
            ("tls_client_key", key.is_some()),
        ] {
            if set {
                return Err(Error::invalid(
                    field,
                    format!("is valid only when `{proto_field}` is tls"),
                ));
            }
        }
        return Ok(());
    }
    check_pem("tls_ca_certs", ca, "certificate")?;
    check_pem("tls_client_cert", cert, "certificate")?;
    check_pem("tls_client_key", key, "private key")?;
    if cert.is_some() != key.is_some() {
        let field = if cert.is_some() {
            "tls_client_key"
        } else {
            "tls_client_cert"
        };
        return Err(Error::invalid(
            field,
            "tls_client_cert and tls_client_key must be given together",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- HTTP

/// `protocol` of an HTTP target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum HttpProtocol {
    Http,
    Https,
}

/// `authentication.auth_type` of an HTTP target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum HttpAuthType {
    #[default]
    None,
    Basic,
    Aws,
    AzureStorage,
    AzureAd,
    Crowdstrike,
}

/// `authentication.grant_type` (Microsoft Entra ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum GrantType {
    Client,
    ResourceOwner,
}

/// The credentials of an HTTP target; `auth_type: none` when left out.
/// Answers always show `auth_type`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "HttpAuthentication",
    transform = http_auth_secrets
)]
pub struct HttpAuth {
    /// How requests authenticate. `none`; `basic` (needs `username`,
    /// `password`); `aws` (Signature Version 4: needs `access_key`,
    /// `secret_key`, `service`, `region`); `azure_storage` (Shared Key: needs
    /// `access_key`, the storage account name, and `secret_key`, the base64
    /// account key; requests carry `x-ms-date`, `x-ms-version` and
    /// `Authorization: SharedKey <account>:<signature>`); `azure_ad`
    /// (Microsoft Entra ID OAuth 2.0: needs `grant_type`, `client_id`,
    /// `client_secret`, `resource`, `token_endpoint`, and with `grant_type:
    /// resource_owner` also `username` and `password`); `crowdstrike` (OAuth
    /// 2.0 client credentials: needs `client_id`, `client_secret`). A missing
    /// or empty field is a 400 naming `authentication.<field>`.
    #[serde(default)]
    pub auth_type: HttpAuthType,
    /// The user name (`basic`; `azure_ad` with `grant_type: resource_owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password (`basic`; `azure_ad` with `grant_type: resource_owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The access key id (`aws`), or the storage account name (`azure_storage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// The secret access key (`aws`), or the storage account key (`azure_storage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// The AWS service code, e.g. `execute-api` (`aws`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The AWS region, e.g. `us-east-1` (`aws`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The OAuth 2.0 grant (`azure_ad`): client credentials, or the resource
    /// owner's password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<GrantType>,
    /// The OAuth client id (`azure_ad`, `crowdstrike`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth client secret (`azure_ad`, `crowdstrike`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The Entra ID resource URI the token is for (`azure_ad`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The OAuth token endpoint, an http(s) URL (`azure_ad`; `crowdstrike`,
    /// default `https://api.crowdstrike.com/oauth2/token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^https?://"))]
    pub token_endpoint: Option<String>,
}

/// An HTTP target (`/odstargets/http`): a web server triggers send requests
/// to with `Remote.HTTP("name").post({path, headers, payload})`. Every
/// request carries an `Idempotency-Key` header that stays the same across
/// retries and replays. Unknown fields are refused (400 naming the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = HttpTarget::example(), transform = header_secret)]
pub struct HttpTarget {
    #[schemars(
        description = name_doc("HTTP"),
        length(min = 1, max = MAX_NAME),
        regex(pattern = NAME_PATTERN)
    )]
    pub name: String,
    #[schemars(
        description = host_doc("the HTTP server"),
        length(min = 1),
        regex(pattern = HOST_PATTERN)
    )]
    pub host: String,
    #[schemars(description = port_doc("the HTTP server"), range(min = 1))]
    pub port: u16,
    /// `http`, or `https` (TLS; the server's certificate must chain to the
    /// built-in Mozilla roots unless `skip_cert_verification`).
    pub protocol: HttpProtocol,
    /// Do not verify the server's TLS certificate. Only with `protocol:
    /// https` (400 otherwise).
    #[serde(default)]
    pub skip_cert_verification: bool,
    /// Send over several concurrent connections; messages may then arrive
    /// out of order.
    #[serde(default)]
    pub pipeline: bool,
    /// One extra header sent with every request, as `"Key: value"`; write-only
    /// when its name says it carries a credential (`Authorization`, `X-Api-Key`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        description = additional_header_doc(),
        regex(pattern = r"^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:[^\r\n]*$")
    )]
    pub additional_header: Option<String>,
    /// Authentication; `none` when absent.
    #[serde(default)]
    pub authentication: HttpAuth,
}

fn additional_header_doc() -> String {
    let words = crate::secret::SECRET_HEADER_WORDS
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "One header sent with every request, as `\"Name: value\"` (a valid header name; no line breaks). \
         Write-only when its name contains {words} (case-insensitive: `Authorization`, `X-Api-Key`, `Cookie`, …): \
         stored encrypted, sent, and left out of answers, which show `additional_header_set: true` instead."
    )
}

impl HttpTarget {
    /// The documented example, as answers show it (`GET /odstargets/http/ticket-server`).
    pub fn example() -> Value {
        json!({
            "name": "ticket-server", "host": "127.0.0.1", "port": 8080, "protocol": "http",
            "skip_cert_verification": false, "pipeline": false,
            "additional_header": "Accept: application/json",
            "authentication": {"auth_type": "basic", "username": "extrahop", "password_set": true},
        })
    }

    fn validate(&self) -> Result<()> {
        check_host("host", &self.host)?;
        check_port("port", self.port)?;
        if self.skip_cert_verification && self.protocol != HttpProtocol::Https {
            return Err(Error::invalid(
                "skip_cert_verification",
                "is valid only when `protocol` is https",
            ));
        }
        if let Some(h) = &self.additional_header {
            parse_header(h).ok_or_else(|| {
                Error::invalid(
                    "additional_header",
                    "must be \"<key>:<value>\" with a valid header name, e.g. \"Accept: text/html\"",
                )
            })?;
        }
        let a = &self.authentication;
        let f = |n: &str| format!("authentication.{n}");
        match a.auth_type {
            HttpAuthType::None => {}
            HttpAuthType::Basic => {
                required(&f("username"), &a.username, "when auth_type is basic")?;
                required(&f("password"), &a.password, "when auth_type is basic")?;
            }
            HttpAuthType::Aws => {
                for (n, v) in [
                    ("access_key", &a.access_key),
                    ("secret_key", &a.secret_key),
                    ("service", &a.service),
                    ("region", &a.region),
                ] {
                    required(&f(n), v, "when auth_type is aws")?;
                }
            }
            HttpAuthType::AzureStorage => {
                required(
                    &f("access_key"),
                    &a.access_key,
                    "when auth_type is azure_storage",
                )?;
                required(
                    &f("secret_key"),
                    &a.secret_key,
                    "when auth_type is azure_storage",
                )?;
            }
            HttpAuthType::AzureAd => {
                let Some(grant) = a.grant_type else {
                    return Err(Error::invalid(
                        f("grant_type"),
                        "is required when auth_type is azure_ad (client or resource_owner)",
                    ));
                };
                for (n, v) in [
                    ("client_id", &a.client_id),
                    ("client_secret", &a.client_secret),
                    ("resource", &a.resource),
                    ("token_endpoint", &a.token_endpoint),
                ] {
                    required(&f(n), v, "when auth_type is azure_ad")?;
                }
                if grant == GrantType::ResourceOwner {
                    let why = "when auth_type is azure_ad and grant_type is resource_owner";
                    required(&f("username"), &a.username, why)?;
                    required(&f("password"), &a.password, why)?;
                }
                check_url(&f("token_endpoint"), a.token_endpoint.as_deref())?;
            }
            HttpAuthType::Crowdstrike => {
                required(
                    &f("client_id"),
                    &a.client_id,
                    "when auth_type is crowdstrike",
                )?;
                required(
                    &f("client_secret"),
                    &a.client_secret,
                    "when auth_type is crowdstrike",
                )?;
                check_url(&f("token_endpoint"), a.token_endpoint.as_deref())?;
            }
        }
        Ok(())
    }
}

fn check_url(field: &str, url: Option<&str>) -> Result<()> {
    let Some(u) = url else { return Ok(()) };
    match url::Url::parse(u) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(Error::invalid(field, "must be an http:// or https:// URL")),
    }
}

/// Split `"Key: value"` into a checked header name and value.
pub fn parse_header(h: &str) -> Option<(String, String)> {
    let (k, v) = h.split_once(':')?;
    let k = k.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if k.is_empty() || !k.chars().all(token) || v.chars().any(|c| c == '\r' || c == '\n') {
        return None;
    }
    Some((k.to_string(), v.trim().to_string()))
}

// ---------------------------------------------------------------- Kafka

/// One Kafka broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "KafkaBroker")]
pub struct Broker {
    #[schemars(
        description = host_doc("the broker"),
        length(min = 1),
        regex(pattern = HOST_PATTERN)
    )]
    pub host: String,
    #[schemars(description = port_doc("the broker"), range(min = 1))]
    pub port: u16,
}

/// `compression` of a Kafka target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum KafkaCompression {
    #[default]
    None,
    Gzip,
    Snappy,
}

/// `partition_strategy` of a Kafka target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum PartitionStrategy {
    // The partition is chosen by hashing the message key.
    HashKey,
    // The trigger names the partition in `Remote.Kafka.send`.
    Manual,
    Random,
    // The default.
    #[default]
    RoundRobin,
}

/// `protocol` of a Kafka target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum TcpOrTls {
    Tcp,
    Tls,
}

/// SASL algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum ScramAlgorithm {
    Sha256,
    Sha512,
}

/// `auth_type` of Kafka authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum KafkaAuthType {
    Scram,
}

/// SASL credentials of a Kafka target; none when left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "KafkaAuthentication", transform = password_secret)]
pub struct KafkaAuth {
    /// SASL/SCRAM.
    pub auth_type: KafkaAuthType,
    /// The SASL user name; not empty.
    #[schemars(regex(pattern = NOT_BLANK))]
    pub username: String,
    /// The SASL password; not empty.
    #[schemars(length(min = 1))]
    pub password: String,
    /// SCRAM-SHA-256 or SCRAM-SHA-512.
    pub algorithm: ScramAlgorithm,
}

/// A Kafka target (`/odstargets/kafka`): brokers triggers send messages to
/// with `Remote.Kafka("name").send(...)`. Unknown fields are refused (400
/// naming the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = KafkaTarget::example(), transform = tls_key_secret)]
pub struct KafkaTarget {
    #[schemars(
        description = name_doc("Kafka"),
        length(min = 1, max = MAX_NAME),
        regex(pattern = NAME_PATTERN)
    )]
    pub name: String,
    /// The brokers: a list of at least one (one broker object is accepted
    /// too; answers always show a list).
    #[schemars(schema_with = "brokers")]
    pub brokers: Vec<Broker>,
    /// How message batches are compressed.
    #[serde(default)]
    pub compression: KafkaCompression,
    /// How a message's partition is chosen: `round_robin` in turn, `random`,
    /// `hash_key` by hashing the message key, `manual` as the trigger says
    /// (`Remote.Kafka("name").send({topic, messages, partition})`).
    #[serde(default)]
    pub partition_strategy: PartitionStrategy,
    /// `tcp`, or `tls`.
    pub protocol: TcpOrTls,
    /// A client certificate (PEM) for mutual TLS; needs `tls_client_key`.
    /// Only with `protocol: tls` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = PEM_PATTERN))]
    pub tls_client_cert: Option<String>,
    /// The private key (PEM) of `tls_client_cert`; needs `tls_client_cert`.
    /// Only with `protocol: tls` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = PEM_PATTERN))]
    pub tls_client_key: Option<String>,
    /// Do not verify the brokers' TLS certificate. Only with `protocol: tls`
    /// (400 otherwise).
    #[serde(default)]
    pub skip_cert_verification: bool,
    /// CA certificates (PEM) the brokers' certificate must chain to, instead
    /// of the built-in Mozilla roots. Only with `protocol: tls` (400
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = PEM_PATTERN))]
    pub tls_ca_certs: Option<String>,
    /// SASL credentials; none when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<KafkaAuth>,
}

fn brokers(g: &mut SchemaGenerator) -> Schema {
    one_or_more::<Broker>(g, 1)
}

impl KafkaTarget {
    /// The documented example, as answers show it (`GET /odstargets/kafka/soc-kafka`).
    pub fn example() -> Value {
        json!({
            "name": "soc-kafka",
            "brokers": [{"host": "kafka1.example.com", "port": 9093}, {"host": "kafka2.example.com", "port": 9093}],
            "compression": "gzip", "partition_strategy": "hash_key", "protocol": "tls",
            "skip_cert_verification": false,
            "tls_ca_certs": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW2k...\n-----END CERTIFICATE-----\n",
            "authentication": {"auth_type": "scram", "username": "wirewatch", "password_set": true, "algorithm": "sha512"},
        })
    }

    fn validate(&self) -> Result<()> {
        if self.brokers.is_empty() {
            return Err(Error::invalid("brokers", "must name at least one broker"));
        }
        for (i, b) in self.brokers.iter().enumerate() {
            check_host(&format!("brokers[{i}].host"), &b.host)?;
            check_port(&format!("brokers[{i}].port"), b.port)?;
        }
        check_tls_options(
            self.protocol == TcpOrTls::Tls,
            Some(self.skip_cert_verification),
            &self.tls_ca_certs,
            &self.tls_client_cert,
            &self.tls_client_key,
            "protocol",
        )?;
        if let Some(a) = &self.authentication {
            if a.username.trim().is_empty() {
                return Err(Error::invalid(
                    "authentication.username",
                    "must not be empty",
                ));
            }
            if a.password.is_empty() {
                return Err(Error::invalid(
                    "authentication.password",
                    "must not be empty",
                ));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- MongoDB

/// MongoDB credentials for one database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "MongoAuthentication", transform = password_secret)]
pub struct MongoAuth {
    /// The database the credentials are for; not empty.
    #[schemars(regex(pattern = NOT_BLANK))]
    pub database: String,
    /// The user name; not empty.
    #[schemars(regex(pattern = NOT_BLANK))]
    pub user: String,
    /// The password.
    pub password: String,
}

/// A MongoDB target (`/odstargets/mongodb`): a server triggers insert,
/// update and remove documents on with `Remote.MongoDB("name")`. Unknown
/// fields are refused (400 naming the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = MongoTarget::example())]
pub struct MongoTarget {
    #[schemars(
        description = name_doc("MongoDB"),
        length(min = 1, max = MAX_NAME),
        regex(pattern = NAME_PATTERN)
    )]
    pub name: String,
    #[schemars(
        description = host_doc("the MongoDB server"),
        length(min = 1),
        regex(pattern = HOST_PATTERN)
    )]
    pub host: String,
    #[schemars(description = port_doc("the MongoDB server"), range(min = 1))]
    pub port: u16,
    /// Connect with TLS.
    #[serde(default)]
    pub encrypt: bool,
    /// Do not verify the server's TLS certificate. Only with `encrypt: true`
    /// (400 otherwise).
    #[serde(default)]
    pub skip_cert_verification: bool,
    /// Credentials, one per database: a list (one object is accepted too;
    /// answers always show a list). A message uses the credentials of its
    /// database, else the first ones given. Default: none.
    #[serde(default)]
    #[schemars(schema_with = "mongo_credentials")]
    pub authentication: Vec<MongoAuth>,
}

fn mongo_credentials(g: &mut SchemaGenerator) -> Schema {
    one_or_more::<MongoAuth>(g, 0)
}

impl MongoTarget {
    /// The documented example, as answers show it (`GET /odstargets/mongodb/events-db`).
    pub fn example() -> Value {
        json!({
            "name": "events-db", "host": "mongo.example.com", "port": 27017, "encrypt": true,
            "skip_cert_verification": false,
            "authentication": [{"database": "ods", "user": "wirewatch", "password_set": true}],
        })
    }

    fn validate(&self) -> Result<()> {
        check_host("host", &self.host)?;
        check_port("port", self.port)?;
        if self.skip_cert_verification && !self.encrypt {
            return Err(Error::invalid(
                "skip_cert_verification",
                "is valid only when `encrypt` is true",
            ));
        }
        for (i, a) in self.authentication.iter().enumerate() {
            for (n, v) in [("database", &a.database), ("user", &a.user)] {
                if v.trim().is_empty() {
                    return Err(Error::invalid(
                        format!("authentication[{i}].{n}"),
                        "must not be empty",
                    ));
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- raw

/// `protocol` of raw and syslog targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum RawProtocol {
    Tcp,
    Udp,
}

/// Default gzip message size threshold: 1 MiB.
pub const DEFAULT_GZIP_BYTES: u64 = 1024 * 1024;
/// Default gzip message age threshold.
pub const DEFAULT_GZIP_SECONDS: u64 = 30;

/// A raw target (`/odstargets/raw`): a TCP or UDP server triggers send bytes
/// to with `Remote.Raw("name").send(data)`. Unknown fields are refused (400
/// naming the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = RawTarget::example())]
pub struct RawTarget {
    #[schemars(
        description = name_doc("Raw"),
        length(min = 1, max = MAX_NAME),
        regex(pattern = NAME_PATTERN)
    )]
    pub name: String,
    #[schemars(
        description = host_doc("the server"),
        length(min = 1),
        regex(pattern = HOST_PATTERN)
    )]
    pub host: String,
    #[schemars(description = port_doc("the server"), range(min = 1))]
    pub port: u16,
    /// `tcp`, or `udp` (one datagram per message).
    pub protocol: RawProtocol,
    /// Gzip the stream. Only with `protocol: tcp` (a gzip stream cannot be
    /// split over datagrams; 400 otherwise).
    #[serde(default)]
    pub compression: bool,
    /// Start a new gzip member once the current one holds this many bytes.
    /// Only with `compression: true` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = DEFAULT_GZIP_BYTES))]
    pub gzip_threshold_bytes: Option<u64>,
    /// Start a new gzip member once the current one is this many seconds
    /// old. Only with `compression: true` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1), extend("default" = DEFAULT_GZIP_SECONDS))]
    pub gzip_threshold_seconds: Option<u64>,
}

impl RawTarget {
    /// The documented example, as answers show it (`GET /odstargets/raw/archive`).
    pub fn example() -> Value {
        json!({
            "name": "archive", "host": "192.0.2.50", "port": 9000, "protocol": "tcp", "compression": true,
            "gzip_threshold_bytes": 4_194_304, "gzip_threshold_seconds": 60,
        })
    }

    fn validate(&self) -> Result<()> {
        check_host("host", &self.host)?;
        check_port("port", self.port)?;
        for (n, v) in [
            ("gzip_threshold_bytes", self.gzip_threshold_bytes),
            ("gzip_threshold_seconds", self.gzip_threshold_seconds),
        ] {
            if v.is_some() && !self.compression {
                return Err(Error::invalid(
                    n,
                    "is valid only when `compression` is true",
                ));
            }
            if v == Some(0) {
                return Err(Error::invalid(n, "must be greater than 0"));
            }
        }
        if self.compression && self.protocol == RawProtocol::Udp {
            return Err(Error::invalid(
                "compression",
                "is valid only with protocol tcp (a gzip stream cannot be split over datagrams)",
            ));
        }
        Ok(())
    }

    pub fn threshold_bytes(&self) -> u64 {
        self.gzip_threshold_bytes.unwrap_or(DEFAULT_GZIP_BYTES)
    }

    pub fn threshold_seconds(&self) -> u64 {
        self.gzip_threshold_seconds.unwrap_or(DEFAULT_GZIP_SECONDS)
    }
}

// ---------------------------------------------------------------- syslog

/// `protocol` of a syslog target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum SyslogProtocol {
    Tcp,
    Udp,
    Tls,
}

/// Most concurrent connections a syslog target may ask for.
pub const MAX_SYSLOG_CONNECTIONS: u32 = 64;

/// A syslog target (`/odstargets/syslog`): a server triggers send messages
/// to with `Remote.Syslog("name").info(...)` (and `emerg`, `alert`, `crit`,
/// `error`, `warn`, `notice`, `debug`). Unknown fields are refused (400
/// naming the field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = SyslogTarget::example(), transform = tls_key_secret)]
pub struct SyslogTarget {
    #[schemars(
        description = name_doc("Syslog"),
        length(min = 1, max = MAX_NAME),
        regex(pattern = NAME_PATTERN)
    )]
    pub name: String,
    #[schemars(
        description = host_doc("the syslog server"),
        length(min = 1),
        regex(pattern = HOST_PATTERN)
    )]
    pub host: String,
    #[schemars(description = port_doc("the syslog server"), range(min = 1))]
    pub port: u16,
    /// `tcp`, `udp` (one datagram per message), or `tls`.
    pub protocol: SyslogProtocol,
    /// Frame messages by octet counting (RFC 6587: `LEN SP MSG`) instead of
    /// a trailing newline. Only with `protocol` `tcp` or `tls` (400
    /// otherwise).
    #[serde(default)]
    pub tcp_length_prefix_framing: bool,
    /// The least number of bytes written at a time: messages are batched up
    /// to it.
    #[serde(default)]
    pub batch_min_bytes: u64,
    #[serde(default = "one")]
    #[schemars(
        description = format!("How many connections to send over (1 to {MAX_SYSLOG_CONNECTIONS})."),
        range(min = 1, max = MAX_SYSLOG_CONNECTIONS)
    )]
    pub concurrent_connections: u32,
    /// Write timestamps in the sensor's time zone instead of UTC.
    #[serde(default)]
    pub localtime: bool,
    /// A client certificate (PEM) for mutual TLS; needs `tls_client_key`.
    /// Only with `protocol: tls` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = PEM_PATTERN))]
    pub tls_client_cert: Option<String>,
    /// The private key (PEM) of `tls_client_cert`; needs `tls_client_cert`.
    /// Only with `protocol: tls` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = PEM_PATTERN))]
    pub tls_client_key: Option<String>,
    /// Do not verify the server's TLS certificate. Only with `protocol: tls`
    /// (400 otherwise).
    #[serde(default)]
    pub skip_cert_verification: bool,
    /// CA certificates (PEM) the server's certificate must chain to, instead
    /// of the built-in Mozilla roots. Only with `protocol: tls`, and not with
    /// `skip_cert_verification: true` (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = PEM_PATTERN))]
    pub tls_ca_certs: Option<String>,
}

fn one() -> u32 {
    1
}

impl SyslogTarget {
    /// The documented example, as answers show it (`GET /odstargets/syslog/siem`).
    pub fn example() -> Value {
        json!({
            "name": "siem", "host": "siem.example.com", "port": 6514, "protocol": "tls",
            "tcp_length_prefix_framing": true, "batch_min_bytes": 0, "concurrent_connections": 2, "localtime": false,
            "tls_client_cert": "-----BEGIN CERTIFICATE-----\nMIIBtjCCAVugAwIBAgIUQ3x...\n-----END CERTIFICATE-----\n",
            "tls_client_key_set": true, "skip_cert_verification": false,
            "tls_ca_certs": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW2k...\n-----END CERTIFICATE-----\n",
        })
    }

    fn validate(&self) -> Result<()> {
        check_host("host", &self.host)?;
        check_port("port", self.port)?;
        if self.concurrent_connections == 0 || self.concurrent_connections > MAX_SYSLOG_CONNECTIONS
        {
            return Err(Error::invalid(
                "concurrent_connections",
                format!("must be between 1 and {MAX_SYSLOG_CONNECTIONS}"),
            ));
        }
        if self.protocol == SyslogProtocol::Udp && self.tcp_length_prefix_framing {
            return Err(Error::invalid(
                "tcp_length_prefix_framing",
                "is valid only when `protocol` is tcp or tls",
            ));
        }
        check_tls_options(
            self.protocol == SyslogProtocol::Tls,
            Some(self.skip_cert_verification),
            &self.tls_ca_certs,
            &self.tls_client_cert,
            &self.tls_client_key,
            "protocol",
        )?;
        if self.skip_cert_verification && self.tls_ca_certs.is_some() {
            return Err(Error::invalid(
                "tls_ca_certs",
                "is valid only when `skip_cert_verification` is false",
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- messages

/// Syslog severities, in `Remote.Syslog` method order.
pub const SYSLOG_SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
];

/// What a MongoDB message does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum MongoAction {
    /// Insert documents.
    Insert {
        /// The documents.
        documents: Vec<Value>,
    },
    /// Change documents.
    Update {
        /// Which documents.
        selector: Value,
        /// The change.
        update: Value,
        /// Insert when nothing matches.
        #[serde(default)]
        upsert: bool,
        /// Change every match, not only the first.
        #[serde(default)]
        multi: bool,
    },
    /// Remove documents.
    Remove {
        /// Which documents.
        selector: Value,
        /// Remove only the first match.
        #[serde(default)]
        just_one: bool,
    },
}

/// One message a trigger sent, as stored in the outbox (and shown in a dead
/// letter): `op` names the kind of target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "lowercase")]
#[schemars(rename = "OdsMessage")]
pub enum Message {
    /// `Remote.HTTP(...)`: one request.
    Http {
        /// The request method, e.g. `POST`.
        method: String,
        /// The request path (and query).
        path: String,
        /// The headers the trigger set, as `[name, value]` pairs.
        #[serde(default)]
        #[schemars(schema_with = "header_pairs")]
        headers: Vec<(String, String)>,
        /// The request body.
        #[serde(default)]
        payload: String,
    },
    /// `Remote.Syslog(...)`: one syslog message.
    Syslog {
        #[schemars(
            description = format!(
                "The severity: 0 (`{}`) to 7 (`{}`).",
                SYSLOG_SEVERITIES[0], SYSLOG_SEVERITIES[7]
            ),
            range(max = 7)
        )]
        severity: u8,
        /// When the trigger sent it (milliseconds since the epoch).
        time: i64,
        /// The text.
        message: String,
    },
    /// `Remote.Kafka(...).send(...)`: messages for one topic.
    Kafka {
        /// The topic.
        topic: String,
        /// The message key (for `partition_strategy: hash_key`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// The partition (for `partition_strategy: manual`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partition: Option<i32>,
        /// The messages.
        values: Vec<String>,
    },
    /// `Remote.MongoDB(...)`: an insert, update or remove.
    Mongodb {
        /// `database.collection`.
        collection: String,
        #[serde(flatten)]
        action: MongoAction,
    },
    /// `Remote.Raw(...).send(...)`: bytes.
    Raw {
        /// The data.
        data: String,
    },
}

fn header_pairs(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}},
    })
}

impl Message {
    /// The kind of target the message is for.
    pub fn kind(&self) -> TargetKind {
        match self {
            Message::Http { .. } => TargetKind::Http,
            Message::Syslog { .. } => TargetKind::Syslog,
            Message::Kafka { .. } => TargetKind::Kafka,
            Message::Mongodb { .. } => TargetKind::Mongodb,
            Message::Raw { .. } => TargetKind::Raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(kind: TargetKind, body: Value) -> Error {
        Target::from_body(kind, body).unwrap_err()
    }

    #[test]
    fn a_credential_header_is_write_only_and_others_are_shown() {
        let view = |h: &str| {
            Target::from_body(
                TargetKind::Http,
                json!({"name": "t", "host": "h", "port": 1, "protocol": "http", "additional_header": h}),
            )
            .unwrap()
            .public_view()
        };
        let v = view("Authorization: Bearer s3cret");
        assert!(v.get("additional_header").is_none());
        assert_eq!(v["additional_header_set"], true);
        assert!(!v.to_string().contains("s3cret"));
        let v = view("X-Team: soc");
        assert_eq!(v["additional_header"], "X-Team: soc");
        assert!(v.get("additional_header_set").is_none());
    }

    #[test]
    fn http_target_with_basic_auth_hides_the_password() {
        let t = Target::from_body(
            TargetKind::Http,
            json!({"name": "ticket-server", "host": "127.0.0.1", "port": 8080,
                   "protocol": "http",
                   "authentication": {"auth_type": "basic", "username": "u", "password": "s3cret"}}),
        )
        .unwrap();
        let v = t.public_view();
        assert_eq!(v["authentication"]["username"], "u");
        assert!(v["authentication"].get("password").is_none());
        assert_eq!(v["authentication"]["password_set"], true);
        assert!(!v.to_string().contains("s3cret"));
    }

    #[test]
    fn each_auth_type_names_its_missing_field() {
        let base = |auth: Value| json!({"name": "a", "host": "h", "port": 1, "protocol": "https", "authentication": auth});
        let e = err(
            TargetKind::Http,
            base(json!({"auth_type": "basic", "username": "u"})),
        );
        assert_eq!(e.field.as_deref(), Some("authentication.password"));
        let e = err(
            TargetKind::Http,
            base(json!({"auth_type": "aws", "access_key": "k", "secret_key": "s", "service": "x"})),
        );
        assert_eq!(e.field.as_deref(), Some("authentication.region"));
        let e = err(TargetKind::Http, base(json!({"auth_type": "azure_ad"})));
        assert_eq!(e.field.as_deref(), Some("authentication.grant_type"));
        let e = err(
            TargetKind::Http,
            base(
                json!({"auth_type": "azure_ad", "grant_type": "resource_owner", "client_id": "c",
                        "client_secret": "s", "resource": "r", "token_endpoint": "https://t/"}),
            ),
        );
        assert_eq!(e.field.as_deref(), Some("authentication.username"));
        let e = err(TargetKind::Http, base(json!({"auth_type": "kerberos"})));
        assert_eq!(e.field.as_deref(), Some("authentication.auth_type"));
    }

    #[test]
    fn protocol_values_ports_and_tls_options_are_checked() {
        let e = err(
            TargetKind::Http,
            json!({"name": "a", "host": "h", "port": 1, "protocol": "ftp"}),
        );
        assert_eq!(e.field.as_deref(), Some("protocol"));
        let e = err(
            TargetKind::Http,
            json!({"name": "a", "host": "h", "port": 0, "protocol": "http"}),
        );
        assert_eq!(e.field.as_deref(), Some("port"));
        let e = err(
            TargetKind::Http,
            json!({"name": "a", "host": "h", "port": 70000, "protocol": "http"}),
        );
        assert_eq!(e.field.as_deref(), Some("port"));
        let e = err(
            TargetKind::Http,
            json!({"name": "a", "host": "h", "port": 80, "protocol": "http", "skip_cert_verification": true}),
        );
        assert_eq!(e.field.as_deref(), Some("skip_cert_verification"));
        let e = err(
            TargetKind::Syslog,
            json!({"name": "s", "host": "h", "port": 514, "protocol": "udp", "tls_ca_certs": "x"}),
        );
        assert_eq!(e.field.as_deref(), Some("tls_ca_certs"));
        let e = err(
            TargetKind::Syslog,
            json!({"name": "s", "host": "h", "port": 514, "protocol": "udp", "tcp_length_prefix_framing": true}),
        );
        assert_eq!(e.field.as_deref(), Some("tcp_length_prefix_framing"));
        let e = err(
            TargetKind::Raw,
            json!({"name": "r", "host": "h", "port": 9, "protocol": "tcp", "gzip_threshold_bytes": 5}),
        );
        assert_eq!(e.field.as_deref(), Some("gzip_threshold_bytes"));
        let e = err(
            TargetKind::Http,
            json!({"name": "a", "host": "http://h", "port": 80, "protocol": "http"}),
        );
        assert_eq!(e.field.as_deref(), Some("host"));
        let e = err(
            TargetKind::Http,
            json!({"name": "a", "host": "h", "port": 80, "protocol": "http", "colour": 1}),
        );
        assert_eq!(e.field.as_deref(), Some("colour"));
        assert!(e.message.contains("unknown field"), "{}", e.message);
    }

    #[test]
    fn kafka_brokers_accept_one_object_or_an_array() {
        let one = Target::from_body(
            TargetKind::Kafka,
            json!({"name": "k", "brokers": {"host": "h", "port": 9092}, "protocol": "tcp"}),
        )
        .unwrap();
        let many = Target::from_body(
            TargetKind::Kafka,
            json!({"name": "k", "brokers": [{"host": "h", "port": 9092}], "protocol": "tcp"}),
        )
        .unwrap();
        assert_eq!(one, many);
        let Target::Kafka(k) = one else { panic!() };
        assert_eq!(k.partition_strategy, PartitionStrategy::RoundRobin);
        assert_eq!(k.compression, KafkaCompression::None);
        let e = err(
            TargetKind::Kafka,
            json!({"name": "k", "brokers": [], "protocol": "tcp"}),
        );
        assert_eq!(e.field.as_deref(), Some("brokers"));
    }

    #[test]
    fn messages_round_trip() {
        let m = Message::Mongodb {
            collection: "ods.events".into(),
            action: MongoAction::Update {
                selector: json!({"id": 1}),
                update: json!({"$set": {"a": 1}}),
                upsert: true,
                multi: false,
            },
        };
        let s = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Message>(&s).unwrap(), m);
        assert_eq!(m.kind(), TargetKind::Mongodb);
    }

    fn patch(t: &Target, p: Value) -> Result<Target> {
        let Value::Object(p) = p else {
            panic!("an object")
        };
        t.patched(p)
    }

    #[test]
    fn a_patch_keeps_what_it_leaves_out_secrets_included() {
        let t = Target::from_body(
            TargetKind::Http,
            json!({"name": "t", "host": "h", "port": 80, "protocol": "http",
                   "authentication": {"auth_type": "basic", "username": "u", "password": "p1"}}),
        )
        .unwrap();
        // Another port; the password stays, also when the view is sent back.
        let mut view = t.public_view();
        view["port"] = json!(81);
        let Target::Http(h) = patch(&t, view).unwrap() else {
            panic!()
        };
        assert_eq!(h.port, 81);
        assert_eq!(h.authentication.password.as_deref(), Some("p1"));
        // A new username alone keeps the password; a new password replaces it.
        let Target::Http(h) = patch(&t, json!({"authentication": {"username": "v"}})).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (
                h.authentication.username.as_deref(),
                h.authentication.password.as_deref()
            ),
            (Some("v"), Some("p1"))
        );
        let Target::Http(h) = patch(&t, json!({"authentication": {"password": "p2"}})).unwrap()
        else {
            panic!()
        };
        assert_eq!(h.authentication.password.as_deref(), Some("p2"));
        // Another auth type replaces the object: the basic password does not stay.
        let Target::Http(h) = patch(&t, json!({"authentication": {"auth_type": "none"}})).unwrap()
        else {
            panic!()
        };
        assert_eq!(h.authentication.password, None);
        assert_eq!(h.authentication.username, None);
        // `null` removes a field; the checks of a POST apply.
        let e = patch(&t, json!({"authentication": {"password": null}})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("authentication.password"));
        let e = patch(&t, json!({"port": 0})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("port"));
        let e = patch(&t, json!({"colour": "red"})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("colour"), "{e:?}");
        // The name is the key: only the same name is accepted.
        assert!(patch(&t, json!({"name": "t"})).is_ok());
        let e = patch(&t, json!({"name": "u"})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("name"));
    }

    #[test]
    fn a_mongodb_credential_without_password_keeps_the_stored_one() {
        let t = Target::from_body(
            TargetKind::Mongodb,
            json!({"name": "m", "host": "h", "port": 27017,
                   "authentication": [{"database": "a", "user": "u", "password": "pa"}]}),
        )
        .unwrap();
        let p = json!({"authentication": [{"database": "a", "user": "u"},
                                          {"database": "b", "user": "u", "password": "pb"}]});
        let Target::Mongodb(m) = patch(&t, p).unwrap() else {
            panic!()
        };
        assert_eq!(m.authentication[0].password, "pa");
        assert_eq!(m.authentication[1].password, "pb");
        // Another user of the database is a new credential: its password is required.
        let e = patch(
            &t,
            json!({"authentication": [{"database": "a", "user": "w"}]}),
        )
        .unwrap_err();
        assert!(
            e.field.as_deref().is_some_and(|f| f.contains("password")),
            "{e:?}"
        );
    }
}
