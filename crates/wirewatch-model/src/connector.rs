//! External incident connectors (the Kibana actions model of `/api/actions/connector…`):
//! Jira, ServiceNow ITSM, a generic webhook and a case webhook with templated
//! URLs and JSON bodies.
//!
//! A connector is `{id, name, connector_type_id, config, secrets}`. `config` is
//! returned as stored, less the `headers` whose names say they carry a
//! credential ([`crate::secret`]); `secrets` are write-only: no answer ever
//! carries them (`is_missing_secrets` says whether they are set). Unknown
//! fields are refused so a misspelt option is never silently ignored.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest connector name.
pub const MAX_NAME: usize = 256;

/// The connector types, in Kibana's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectorType {
    #[serde(rename = ".jira")]
    Jira,
    #[serde(rename = ".servicenow")]
    ServiceNow,
    #[serde(rename = ".webhook")]
    Webhook,
    #[serde(rename = ".cases-webhook")]
    CasesWebhook,
}

impl ConnectorType {
    pub const ALL: [ConnectorType; 4] = [
        ConnectorType::Jira,
        ConnectorType::ServiceNow,
        ConnectorType::Webhook,
        ConnectorType::CasesWebhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorType::Jira => ".jira",
            ConnectorType::ServiceNow => ".servicenow",
            ConnectorType::Webhook => ".webhook",
            ConnectorType::CasesWebhook => ".cases-webhook",
        }
    }

    pub fn parse(s: &str) -> Option<ConnectorType> {
        ConnectorType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Human name (`GET /api/actions/connector_types`).
    pub fn display_name(self) -> &'static str {
        match self {
            ConnectorType::Jira => "Jira",
            ConnectorType::ServiceNow => "ServiceNow ITSM",
            ConnectorType::Webhook => "Webhook",
            ConnectorType::CasesWebhook => "Webhook - Case Management",
        }
    }

    /// Whether it can hold incidents (pushToService, automatic mode).
    pub fn supports_incidents(self) -> bool {
        !matches!(self, ConnectorType::Webhook)
    }
}

/// HTTP methods a webhook may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WebhookMethod {
    #[default]
    Post,
    Put,
    Patch,
}

impl WebhookMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookMethod::Post => "POST",
            WebhookMethod::Put => "PUT",
            WebhookMethod::Patch => "PATCH",
        }
    }
}

/// `.jira` config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    #[serde(rename = "apiUrl")]
    pub api_url: String,
    #[serde(rename = "projectKey")]
    pub project_key: String,
}

/// `.jira` secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraSecrets {
    pub email: String,
    #[serde(rename = "apiToken")]
    pub api_token: String,
    /// wirewatch extension: shared secret of the inbound webhook.
    #[serde(
        rename = "webhookToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_token: Option<String>,
}

/// `.servicenow` config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowConfig {
    #[serde(rename = "apiUrl")]
    pub api_url: String,
    /// Kibana's switch between the Table API and Elastic's import-set app.
    /// wirewatch always uses the Table API; the field is kept as given.
    #[serde(rename = "usesTableApi", default = "yes")]
    pub uses_table_api: bool,
    #[serde(rename = "isOAuth", default)]
    pub is_oauth: bool,
    #[serde(rename = "clientId", default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(
        rename = "userIdentifierValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_identifier_value: Option<String>,
    #[serde(rename = "jwtKeyId", default, skip_serializing_if = "Option::is_none")]
    pub jwt_key_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// `.servicenow` secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(
        rename = "clientSecret",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_secret: Option<String>,
    #[serde(
        rename = "privateKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub private_key: Option<String>,
    #[serde(
        rename = "webhookToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_token: Option<String>,
}

/// Authentication of the webhook connectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookAuthType {
    #[serde(rename = "webhook-authentication-basic")]
    Basic,
    #[serde(rename = "webhook-authentication-ssl")]
    Ssl,
}

/// `.webhook` config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    #[serde(default)]
    pub method: WebhookMethod,
    #[serde(default)]
    pub headers: Option<Map<String, Value>>,
    #[serde(rename = "hasAuth", default = "yes")]
    pub has_auth: bool,
    #[serde(rename = "authType", default)]
    pub auth_type: Option<WebhookAuthType>,
}

/// Secrets of both webhook connectors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(
        rename = "webhookToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_token: Option<String>,
}

fn put() -> WebhookMethod {
    WebhookMethod::Put
}

/// `.cases-webhook` config: templated requests. Templates use Mustache
/// variables `{{{case.title}}}`, `{{{case.description}}}`, `{{{case.tags}}}`,
/// `{{{case.id}}}`, `{{{case.comment}}}`, `{{{external.system.id}}}` and
/// `{{{external.system.title}}}`; in JSON bodies a variable is replaced by its
/// JSON value (strings quoted), in URLs by its percent-encoded text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesWebhookConfig {
    #[serde(rename = "createIncidentUrl")]
    pub create_incident_url: String,
    #[serde(rename = "createIncidentMethod", default)]
    pub create_incident_method: WebhookMethod,
    #[serde(rename = "createIncidentJson")]
    pub create_incident_json: String,
    #[serde(rename = "createIncidentResponseKey")]
    pub create_incident_response_key: String,
    #[serde(rename = "getIncidentUrl")]
    pub get_incident_url: String,
    #[serde(rename = "getIncidentResponseExternalTitleKey")]
    pub get_incident_response_external_title_key: String,
    #[serde(rename = "viewIncidentUrl")]
    pub view_incident_url: String,
    #[serde(rename = "updateIncidentUrl")]
    pub update_incident_url: String,
    #[serde(rename = "updateIncidentMethod", default = "put")]
    pub update_incident_method: WebhookMethod,
    #[serde(rename = "updateIncidentJson")]
    pub update_incident_json: String,
    #[serde(rename = "createCommentUrl", default)]
    pub create_comment_url: Option<String>,
    #[serde(rename = "createCommentMethod", default)]
    pub create_comment_method: Option<WebhookMethod>,
    #[serde(rename = "createCommentJson", default)]
    pub create_comment_json: Option<String>,
    #[serde(default)]
    pub headers: Option<Map<String, Value>>,
    #[serde(rename = "hasAuth", default = "yes")]
    pub has_auth: bool,
    #[serde(rename = "authType", default)]
    pub auth_type: Option<WebhookAuthType>,
}

/// A connector's typed configuration and secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "connector_type_id")]
pub enum ConnectorSpec {
    #[serde(rename = ".jira")]
    Jira {
        config: JiraConfig,
        secrets: JiraSecrets,
    },
    #[serde(rename = ".servicenow")]
    ServiceNow {
        config: ServiceNowConfig,
        secrets: ServiceNowSecrets,
    },
    #[serde(rename = ".webhook")]
    Webhook {
        config: WebhookConfig,
        secrets: WebhookSecrets,
    },
    #[serde(rename = ".cases-webhook")]
    CasesWebhook {
        config: Box<CasesWebhookConfig>,
        secrets: WebhookSecrets,
    },
}

/// A stored connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connector {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub spec: ConnectorSpec,
}

impl Connector {
    pub fn kind(&self) -> ConnectorType {
        match self.spec {
            ConnectorSpec::Jira { .. } => ConnectorType::Jira,
            ConnectorSpec::ServiceNow { .. } => ConnectorType::ServiceNow,
            ConnectorSpec::Webhook { .. } => ConnectorType::Webhook,
            ConnectorSpec::CasesWebhook { .. } => ConnectorType::CasesWebhook,
        }
    }

    /// The config as JSON (never the secrets): headers whose names say they
    /// carry a credential ([`crate::secret::is_secret_header`]) are left out.
    pub fn config_json(&self) -> Value {
        let v = match &self.spec {
            ConnectorSpec::Jira { config, .. } => serde_json::to_value(config),
            ConnectorSpec::ServiceNow { config, .. } => serde_json::to_value(config),
            ConnectorSpec::Webhook { config, .. } => serde_json::to_value(config),
            ConnectorSpec::CasesWebhook { config, .. } => serde_json::to_value(config),
        };
        let mut v = v.unwrap_or(Value::Null);
        if let Some(Value::Object(h)) = v.get_mut("headers") {
            h.retain(|name, _| !crate::secret::is_secret_header(name));
        }
        v
    }

    /// The configured headers (webhook connectors), secret ones included.
    pub fn headers(&self) -> Option<&Map<String, Value>> {
        match &self.spec {
            ConnectorSpec::Webhook { config, .. } => config.headers.as_ref(),
            ConnectorSpec::CasesWebhook { config, .. } => config.headers.as_ref(),
            _ => None,
        }
    }

    /// The shared secret of the inbound webhook, when one is set.
    pub fn webhook_token(&self) -> Option<&str> {
        match &self.spec {
            ConnectorSpec::Jira { secrets, .. } => secrets.webhook_token.as_deref(),
            ConnectorSpec::ServiceNow { secrets, .. } => secrets.webhook_token.as_deref(),
            ConnectorSpec::Webhook { secrets, .. }
            | ConnectorSpec::CasesWebhook { secrets, .. } => secrets.webhook_token.as_deref(),
        }
    }

    /// Whether the secrets the configuration needs are missing.
    pub fn is_missing_secrets(&self) -> bool {
        match &self.spec {
            ConnectorSpec::Jira { secrets, .. } => {
                secrets.email.is_empty() || secrets.api_token.is_empty()
            }
            ConnectorSpec::ServiceNow { secrets, .. } => {
                secrets.username.is_none() || secrets.password.is_none()
            }
            ConnectorSpec::Webhook { config, secrets } => {
                config.has_auth && (secrets.user.is_none() || secrets.password.is_none())
            }
            ConnectorSpec::CasesWebhook { config, secrets } => {
                config.has_auth && (secrets.user.is_none() || secrets.password.is_none())
            }
        }
    }

    /// The answer shape of the connectors API (Kibana's), without secrets.
    pub fn public_view(&self, referenced_by_count: Option<u64>) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), Value::String(self.id.clone()));
        o.insert("name".into(), Value::String(self.name.clone()));
        o.insert("connector_type_id".into(), self.kind().as_str().into());
        o.insert("config".into(), self.config_json());
        o.insert("is_preconfigured".into(), false.into());
        o.insert("is_deprecated".into(), false.into());
        o.insert(
            "is_missing_secrets".into(),
            self.is_missing_secrets().into(),
        );
        o.insert("is_system_action".into(), false.into());
        if let Some(n) = referenced_by_count {
            o.insert("referenced_by_count".into(), n.into());
        }
        Value::Object(o)
    }
}

/// Parse `config` and `secrets` of a connector of the given type, naming the
/// field of any problem (`config.apiUrl`, `secrets.apiToken`, …).
pub fn parse_spec(kind: ConnectorType, config: Value, secrets: Value) -> Result<ConnectorSpec> {
    fn typed<T: serde::de::DeserializeOwned>(part: &str, v: Value) -> Result<T> {
        let v = if v.is_null() {
            Value::Object(Map::new())
        } else {
            v
        };
        if !v.is_object() {
            return Err(Error::invalid(part, "must be an object"));
        }
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            if let Some(name) = msg
                .strip_prefix("missing field `")
                .and_then(|m| m.strip_suffix('`'))
            {
                let field = if path == "." {
                    format!("{part}.{name}")
                } else {
                    format!("{part}.{path}.{name}")
                };
                return Error::invalid(field, "is required");
            }
            if let Some(rest) = msg.strip_prefix("unknown field `") {
                let name = rest.split('`').next().unwrap_or(rest);
                return Error::invalid(
                    format!("{part}.{name}"),
                    format!("is not a field of this connector type ({msg})"),
                );
            }
            let field = if path == "." {
                part.to_string()
            } else {
                format!("{part}.{path}")
            };
            Error::invalid(field, msg)
        })
    }
    let spec = match kind {
        ConnectorType::Jira => ConnectorSpec::Jira {
            config: typed("config", config)?,
            secrets: typed("secrets", secrets)?,
        },
        ConnectorType::ServiceNow => ConnectorSpec::ServiceNow {
            config: typed("config", config)?,
            secrets: typed("secrets", secrets)?,
        },
        ConnectorType::Webhook => ConnectorSpec::Webhook {
            config: typed("config", config)?,
            secrets: typed("secrets", secrets)?,
        },
        ConnectorType::CasesWebhook => ConnectorSpec::CasesWebhook {
            config: Box::new(typed("config", config)?),
            secrets: typed("secrets", secrets)?,
        },
    };
    validate(&spec)?;
    Ok(spec)
}

/// An `http(s)://host…` URL, without credentials, parsed by the `url` crate.
/// The scheme is checked as written (the parser would also take `HTTPS://`
/// and leading spaces), and spaces are refused rather than encoded.
pub fn check_url(field: &str, url: &str) -> Result<()> {
    let spaces = url.chars().any(|c| c.is_whitespace() || c.is_control());
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err(Error::invalid(
            field,
            format!("{url:?} is not an http:// or https:// URL"),
        ));
    };
    // The parser reads `https:///x` as `https://x/`: the host must come first.
    if rest.starts_with(['/', '\\']) {
        return Err(Error::invalid(field, "has no host"));
    }
    let parsed = match url::Url::parse(url) {
        Ok(u) => u,
        Err(url::ParseError::EmptyHost) => return Err(Error::invalid(field, "has no host")),
        Err(_) if spaces => return Err(Error::invalid(field, "must not contain spaces")),
        Err(e) => return Err(Error::invalid(field, format!("is not a valid URL: {e}"))),
    };
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(field, "has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid(
            field,
            "must not carry credentials; put them in secrets",
        ));
    }
    if spaces {
        return Err(Error::invalid(field, "must not contain spaces"));
    }
    Ok(())
}

fn non_empty(field: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

fn check_headers(field: &str, h: &Option<Map<String, Value>>) -> Result<()> {
    for (k, v) in h.iter().flatten() {
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::invalid(
                format!("{field}.{k}"),
                "is not a valid header name",
            ));
        }
        match v {
            Value::String(s) if !s.contains(['\r', '\n']) => {}
            _ => {
                return Err(Error::invalid(
                    format!("{field}.{k}"),
                    "must be a string without line breaks",
                ))
            }
        }
    }
    Ok(())
}

fn check_webhook_auth(
    has_auth: bool,
    auth_type: Option<WebhookAuthType>,
    secrets: &WebhookSecrets,
) -> Result<()> {
    if auth_type == Some(WebhookAuthType::Ssl) {
        return Err(Error::invalid(
            "config.authType",
            "\"webhook-authentication-ssl\" (client certificates) is not supported by wirewatch; use \"webhook-authentication-basic\" or hasAuth: false",
        ));
    }
    if has_auth {
        if secrets.user.as_deref().is_none_or(str::is_empty) {
            return Err(Error::invalid(
                "secrets.user",
                "is required when hasAuth is true",
            ));
        }
        if secrets.password.is_none() {
            return Err(Error::invalid(
                "secrets.password",
                "is required when hasAuth is true",
            ));
        }
    }
    Ok(())
}

/// The checks serde cannot make.
pub fn validate(spec: &ConnectorSpec) -> Result<()> {
    let token = match spec {
        ConnectorSpec::Jira { secrets, .. } => secrets.webhook_token.as_deref(),
        ConnectorSpec::ServiceNow { secrets, .. } => secrets.webhook_token.as_deref(),
        ConnectorSpec::Webhook { secrets, .. } | ConnectorSpec::CasesWebhook { secrets, .. } => {
            secrets.webhook_token.as_deref()
        }
    };
    if token.is_some_and(|t| t.len() < 16) {
        return Err(Error::invalid(
            "secrets.webhookToken",
            "must be at least 16 characters (it is the only credential of the inbound webhook)",
        ));
    }
    match spec {
        ConnectorSpec::Jira { config, secrets } => {
            check_url("config.apiUrl", &config.api_url)?;
            non_empty("config.projectKey", &config.project_key)?;
            if !config
                .project_key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(Error::invalid(
                    "config.projectKey",
                    "must be a Jira project key (letters, digits, underscore)",
                ));
            }
            non_empty("secrets.email", &secrets.email)?;
            non_empty("secrets.apiToken", &secrets.api_token)?;
        }
        ConnectorSpec::ServiceNow { config, secrets } => {
            check_url("config.apiUrl", &config.api_url)?;
            if config.is_oauth {
                return Err(Error::invalid(
                    "config.isOAuth",
                    "OAuth (JWT bearer) is not supported by wirewatch; use basic authentication (secrets.username and secrets.password)",
                ));
            }
            if secrets.username.as_deref().is_none_or(str::is_empty) {
                return Err(Error::invalid("secrets.username", "is required"));
            }
            if secrets.password.is_none() {
                return Err(Error::invalid("secrets.password", "is required"));
            }
        }
        ConnectorSpec::Webhook { config, secrets } => {
            check_url("config.url", &config.url)?;
            check_headers("config.headers", &config.headers)?;
            check_webhook_auth(config.has_auth, config.auth_type, secrets)?;
        }
        ConnectorSpec::CasesWebhook { config, secrets } => {
            let c = config;
            for (field, url) in [
                ("config.createIncidentUrl", &c.create_incident_url),
                ("config.getIncidentUrl", &c.get_incident_url),
                ("config.viewIncidentUrl", &c.view_incident_url),
                ("config.updateIncidentUrl", &c.update_incident_url),
            ] {
                check_template_url(field, url)?;
            }
            non_empty(
                "config.createIncidentResponseKey",
                &c.create_incident_response_key,
            )?;
            non_empty(
                "config.getIncidentResponseExternalTitleKey",
                &c.get_incident_response_external_title_key,
            )?;
            for (field, json) in [
                ("config.createIncidentJson", &c.create_incident_json),
                ("config.updateIncidentJson", &c.update_incident_json),
            ] {
                check_template_json(field, json)?;
            }
            if !mentions(&c.get_incident_url, "external.system.id") {
                return Err(Error::invalid(
                    "config.getIncidentUrl",
                    "must contain {{{external.system.id}}}",
                ));
            }
            if !mentions(&c.update_incident_url, "external.system.id") {
                return Err(Error::invalid(
                    "config.updateIncidentUrl",
                    "must contain {{{external.system.id}}}",
                ));
            }
            if !mentions(&c.view_incident_url, "external.system.")
                && !mentions(&c.view_incident_url, "external.system.title")
            {
                return Err(Error::invalid(
                    "config.viewIncidentUrl",
                    "must contain {{{external.system.id}}} or {{{external.system.title}}}",
                ));
            }
            match (&c.create_comment_url, &c.create_comment_json) {
                (Some(u), Some(j)) => {
                    check_template_url("config.createCommentUrl", u)?;
                    check_template_json("config.createCommentJson", j)?;
                }
                (None, None) => {}
                (Some(_), None) => {
                    return Err(Error::invalid(
                        "config.createCommentJson",
                        "is required with createCommentUrl",
                    ))
                }
                (None, Some(_)) => {
                    return Err(Error::invalid(
                        "config.createCommentUrl",
                        "is required with createCommentJson",
                    ))
                }
            }
            check_headers("config.headers", &c.headers)?;
            check_webhook_auth(c.has_auth, c.auth_type, secrets)?;
        }
    }
    Ok(())
}

fn mentions(template: &str, var: &str) -> bool {
    template.contains(&format!("{{{{{{{var}"))
        || template.contains(&format!("{{{{{var}"))
        || template.contains(&format!("{{{{ {var}"))
}

fn check_template_url(field: &str, t: &str) -> Result<()> {
    let sample = render(t, &sample_vars(), TemplateMode::Url)
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    check_url(field, &sample)
}

fn check_template_json(field: &str, t: &str) -> Result<()> {
    let sample = render(t, &sample_vars(), TemplateMode::Json)
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    serde_json::from_str::<Value>(&sample).map_err(|e| {
        Error::invalid(
            field,
            format!("does not render to valid JSON ({e}); write variables without quotes, e.g. {{\"summary\": {{{{{{case.title}}}}}}}}"),
        )
    })?;
    Ok(())
}

fn sample_vars() -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("case.id", Value::from("c0ffee")),
        ("case.title", Value::from("title")),
        ("case.description", Value::from("description")),
        ("case.tags", Value::from(vec!["tag"])),
        ("case.comment", Value::from("comment")),
        ("external.system.id", Value::from("10000")),
        ("external.system.title", Value::from("SEC-1")),
    ] {
        m.insert(k.into(), v);
    }
    m
}

/// Where a template's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateMode {
    /// Variables become JSON values (strings quoted and escaped).
    Json,
    /// Variables become percent-encoded text.
    Url,
}

/// Why a template does not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{{` or `{{{` has no matching close.
    #[error("unclosed {open} in the template")]
    Unclosed { open: &'static str },
    /// The template names a variable that does not exist.
    #[error("unknown template variable {{{{{{{name}}}}}}}")]
    UnknownVariable { name: String },
}

/// Render a Mustache-style template (`{{var}}` or `{{{var}}}`, dotted names).
/// An unknown variable is an error naming it.
pub fn render(
    template: &str,
    vars: &Map<String, Value>,
    mode: TemplateMode,
) -> std::result::Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let (open, close) = if after.starts_with("{{{") {
            ("{{{", "}}}")
        } else {
            ("{{", "}}")
        };
        let inner_start = open.len();
        let Some(end) = after[inner_start..].find(close) else {
            return Err(TemplateError::Unclosed { open });
        };
        let name = after[inner_start..inner_start + end].trim();
        let value = vars
            .get(name)
            .ok_or_else(|| TemplateError::UnknownVariable {
                name: name.to_string(),
            })?;
        match mode {
            TemplateMode::Json => out.push_str(&value.to_string()),
            TemplateMode::Url => {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&percent_encode(&text));
            }
        }
        rest = &after[inner_start + end + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - _ . ~`).
pub const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

/// Take the value at a dotted key (`data.id`, `result.sys_id`) of a JSON answer.
pub fn dig<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(v, |v, part| match v {
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => v.get(part),
        })
}

/// Apply a Kibana-style update (`name`, `config`, `secrets`) to a connector.
/// Secrets replace the old ones only when given. Secret headers of
/// `config.headers` (never shown) are kept when the new config leaves them
/// out; a header set to `null` is removed.
pub fn update(
    old: &Connector,
    name: String,
    mut config: Value,
    secrets: Option<Value>,
) -> Result<Connector> {
    check_name(&name)?;
    keep_secret_headers(old, &mut config);
    let secrets = match secrets {
        Some(s) => s,
        None => match &old.spec {
            ConnectorSpec::Jira { secrets, .. } => serde_json::to_value(secrets),
            ConnectorSpec::ServiceNow { secrets, .. } => serde_json::to_value(secrets),
            ConnectorSpec::Webhook { secrets, .. }
            | ConnectorSpec::CasesWebhook { secrets, .. } => serde_json::to_value(secrets),
        }
        .map_err(|e| Error::internal(e.to_string()))?,
    };
    Ok(Connector {
        id: old.id.clone(),
        name,
        spec: parse_spec(old.kind(), config, secrets)?,
    })
}

/// Carry the old connector's secret headers into a new config that leaves
/// them out (answers never show them), and drop headers set to `null`.
fn keep_secret_headers(old: &Connector, config: &mut Value) {
    let Value::Object(cfg) = config else {
        return;
    };
    let kept: Vec<(&String, &Value)> = old
        .headers()
        .into_iter()
        .flatten()
        .filter(|(k, _)| crate::secret::is_secret_header(k))
        .collect();
    if kept.is_empty() && !cfg.get("headers").is_some_and(Value::is_object) {
        return;
    }
    let headers = cfg
        .entry("headers")
        .or_insert_with(|| Value::Object(Map::new()));
    if headers.is_null() {
        *headers = Value::Object(Map::new());
    }
    let Value::Object(h) = headers else {
        return;
    };
    for (k, v) in kept {
        if !h.keys().any(|n| n.eq_ignore_ascii_case(k)) {
            h.insert(k.clone(), v.clone());
        }
    }
    h.retain(|_, v| !v.is_null());
}

/// A connector name: not empty, not too long.
pub fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            "name",
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    Ok(())
}

/// An incident as pushed: from `pushToService` parameters or a detection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incident {
    /// The case/detection reference (`savedObjectId`, `correlation_id`).
    pub source_id: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub labels: Vec<String>,
    /// Jira: issue type id or name.
    pub issue_type: Option<String>,
    /// Jira: priority name.
    pub priority: Option<String>,
    /// ServiceNow: 1 (high) – 3 (low).
    pub urgency: Option<String>,
    pub impact: Option<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub comments: Vec<IncidentComment>,
    /// Wanted state after the push (automatic mode), mapped per system.
    pub status: Option<crate::detection::Status>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentComment {
    pub comment_id: String,
    pub comment: String,
}

/// The parameters of `_execute`.
#[derive(Debug, Clone, PartialEq)]
pub enum SubAction {
    PushToService(Box<Incident>),
    GetIncident {
        external_id: String,
    },
    CloseIncident {
        external_id: String,
    },
    /// `.webhook`: send this body.
    Webhook {
        body: String,
    },
}

fn str_at<'a>(o: &'a Map<String, Value>, key: &str, field: &str) -> Result<Option<&'a str>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Error::invalid(format!("{field}.{key}"), "must be a string")),
    }
}

fn required<'a>(o: &'a Map<String, Value>, key: &str, field: &str) -> Result<&'a str> {
    str_at(o, key, field)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid(format!("{field}.{key}"), "is required"))
}

fn scalar_at(o: &Map<String, Value>, key: &str, field: &str) -> Result<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Error::invalid(
            format!("{field}.{key}"),
            "must be a string or a number",
        )),
    }
}

fn user_at(o: &Map<String, Value>, key: &str, field: &str, needed: bool) -> Result<()> {
    match o.get(key) {
        None | Some(Value::Null) if needed => {
            Err(Error::invalid(format!("{field}.{key}"), "is required"))
        }
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(u)) => {
            for k in ["fullName", "username"] {
                str_at(u, k, &format!("{field}.{key}"))?;
            }
            Ok(())
        }
        Some(_) => Err(Error::invalid(
            format!("{field}.{key}"),
            "must be an object with fullName and username",
        )),
    }
}

fn comments_at(
    o: &Map<String, Value>,
    field: &str,
    seed_form: bool,
) -> Result<Vec<IncidentComment>> {
    let list = match o.get("comments") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(Error::invalid(
                format!("{field}.comments"),
                "must be an array",
            ))
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let f = format!("{field}.comments[{i}]");
        let c = c
            .as_object()
            .ok_or_else(|| Error::invalid(&f, "must be an object"))?;
        let comment_id = required(c, "commentId", &f)?.to_string();
        let comment = required(c, "comment", &f)?.to_string();
        if seed_form {
            if let Some(t) = str_at(c, "createdAt", &f)? {
                check_iso(&format!("{f}.createdAt"), t)?;
            }
            user_at(c, "createdBy", &f, false)?;
            user_at(c, "updatedBy", &f, false)?;
        }
        out.push(IncidentComment {
            comment_id,
            comment,
        });
    }
    Ok(out)
}

fn check_iso(field: &str, t: &str) -> Result<()> {
    crate::time::parse_rfc3339(t).map(|_| ()).ok_or_else(|| {
        Error::invalid(
            field,
            format!("{t:?} is not an ISO 8601 UTC time such as 2020-03-31T06:40:21.674Z"),
        )
    })
}

/// Parse `_execute`'s body (`{"params": {"subAction": …, "subActionParams": …}}`)
/// for a connector of the given type.
pub fn parse_execute(kind: ConnectorType, body: &Value) -> Result<SubAction> {
    let params = body
        .get("params")
        .ok_or_else(|| Error::invalid("params", "is required"))?
        .as_object()
        .ok_or_else(|| Error::invalid("params", "must be an object"))?;
    if kind == ConnectorType::Webhook {
        let body = match params.get("body") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        return Ok(SubAction::Webhook { body });
    }
    let sub = required(params, "subAction", "params")?;
    let sp = match params.get("subActionParams") {
        Some(Value::Object(o)) => o,
        None | Some(Value::Null) => {
            return Err(Error::invalid("params.subActionParams", "is required"))
        }
        Some(_) => {
            return Err(Error::invalid(
                "params.subActionParams",
                "must be an object",
            ))
        }
    };
    let f = "params.subActionParams";
    match sub {
        "pushToService" => parse_push(kind, sp).map(|i| SubAction::PushToService(Box::new(i))),
        "getIncident" => Ok(SubAction::GetIncident {
            external_id: required(sp, "externalId", f)?.to_string(),
        }),
        "closeIncident" => {
            let inc = match sp.get("incident") {
                Some(Value::Object(o)) => o,
                _ => sp,
            };
            let external_id = str_at(inc, "externalId", f)?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Error::invalid(format!("{f}.incident.externalId"), "is required"))?;
            Ok(SubAction::CloseIncident {
                external_id: external_id.to_string(),
            })
        }
        other => Err(Error::invalid(
            "params.subAction",
            format!(
                "{other:?} is not supported by {} connectors (supported: pushToService, getIncident{})",
                kind.as_str(),
                if kind == ConnectorType::CasesWebhook { "" } else { ", closeIncident" }
            ),
        )),
    }
}

fn parse_push(kind: ConnectorType, sp: &Map<String, Value>) -> Result<Incident> {
    let f = "params.subActionParams";
    // The current form nests the incident; the seed's (7.x) form is flat.
    if let Some(inc) = sp.get("incident") {
        let inc = inc
            .as_object()
            .ok_or_else(|| Error::invalid(format!("{f}.incident"), "must be an object"))?;
        let fi = format!("{f}.incident");
        let title_key = match kind {
            ConnectorType::ServiceNow => "short_description",
            ConnectorType::Jira => "summary",
            _ => "title",
        };
        let title = str_at(inc, title_key, &fi)?
            .or(str_at(inc, "title", &fi)?)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::invalid(format!("{fi}.{title_key}"), "is required"))?
            .to_string();
        let labels = match inc.get("labels").or(inc.get("tags")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        Error::invalid(format!("{fi}.labels[{i}]"), "must be a string")
                    })
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::invalid(format!("{fi}.labels"), "must be an array")),
        };
        let kind_labels = kind == ConnectorType::Jira;
        if kind_labels {
            for (i, l) in labels.iter().enumerate() {
                if l.contains(char::is_whitespace) {
                    return Err(Error::invalid(
                        format!("{fi}.labels[{i}]"),
                        "Jira labels cannot contain spaces",
                    ));
                }
            }
        }
        return Ok(Incident {
            source_id: scalar_at(inc, "correlation_id", &fi)?,
            title,
            description: str_at(inc, "description", &fi)?.map(str::to_string),
            external_id: str_at(inc, "externalId", &fi)?
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            labels,
            issue_type: scalar_at(inc, "issueType", &fi)?,
            priority: scalar_at(inc, "priority", &fi)?,
            urgency: scalar_at(inc, "urgency", &fi)?,
            impact: scalar_at(inc, "impact", &fi)?,
            severity: scalar_at(inc, "severity", &fi)?,
            category: scalar_at(inc, "category", &fi)?,
            subcategory: scalar_at(inc, "subcategory", &fi)?,
            comments: comments_at(sp, f, false)?,
            status: None,
        });
    }
    let source = required(sp, "savedObjectId", f)?.to_string();
    let title = required(sp, "title", f)?.to_string();
    let created = required(sp, "createdAt", f)?;
    check_iso(&format!("{f}.createdAt"), created)?;
    user_at(sp, "createdBy", f, true)?;
    if let Some(t) = str_at(sp, "updatedAt", f)? {
        check_iso(&format!("{f}.updatedAt"), t)?;
    }
    user_at(sp, "updatedBy", f, false)?;
    Ok(Incident {
        source_id: Some(source),
        title,
        description: str_at(sp, "description", f)?.map(str::to_string),
        external_id: str_at(sp, "externalId", f)?
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        comments: comments_at(sp, f, true)?,
        ..Incident::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_are_checked_with_their_messages() {
        let msg = |u: &str| {
            check_url("f", u)
                .err()
                .map(|e| e.message.trim_start_matches("f: ").to_string())
        };
        for ok in [
            "https://acme.atlassian.net",
            "http://10.0.0.1:8080/rest?x=1#f",
            "https://jira.example.com/a@b",
            "https://[::1]:8443/x",
            "https://jira.example.com/é",
        ] {
            assert_eq!(msg(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("ftp://x", "\"ftp://x\" is not an http:// or https:// URL"),
            (
                "HTTPS://x",
                "\"HTTPS://x\" is not an http:// or https:// URL",
            ),
            (
                " https://x",
                "\" https://x\" is not an http:// or https:// URL",
            ),
            ("https://", "has no host"),
            ("https://?q", "has no host"),
            ("https:///x", "has no host"),
            (
                "https://user:pw@x",
                "must not carry credentials; put them in secrets",
            ),
            (
                "https://user@x/",
                "must not carry credentials; put them in secrets",
            ),
            ("https://x/a b", "must not contain spaces"),
            ("https:// x", "must not contain spaces"),
            ("https://x/\u{7}", "must not contain spaces"),
            ("https://t\u{a0}x", "must not contain spaces"),
            ("https://x:port/", "is not a valid URL: invalid port number"),
        ] {
            assert_eq!(msg(bad).as_deref(), Some(why), "{bad}");
        }
    }

    #[test]
    fn jira_needs_url_project_and_secrets() {
        let e = parse_spec(
            ConnectorType::Jira,
            json!({"apiUrl": "https://x.atlassian.net"}),
            json!({"email": "a", "apiToken": "t"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("config.projectKey"));
        let e = parse_spec(
            ConnectorType::Jira,
            json!({"apiUrl": "ftp://x", "projectKey": "SEC"}),
            json!({"email": "a", "apiToken": "t"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("config.apiUrl"));
        let e = parse_spec(
            ConnectorType::Jira,
            json!({"apiUrl": "https://x", "projectKey": "SEC", "bogus": 1}),
            json!({"email": "a", "apiToken": "t"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("config.bogus"));
        let e = parse_spec(
            ConnectorType::Jira,
            json!({"apiUrl": "https://x", "projectKey": "SEC"}),
            json!({"email": "a"}),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("secrets.apiToken"));
        assert!(parse_spec(
            ConnectorType::Jira,
            json!({"apiUrl": "https://x", "projectKey": "SEC"}),
            json!({"email": "a", "apiToken": "t"}),
        )
        .is_ok());
    }

    #[test]
    fn cases_webhook_templates_are_checked() {
        let config = json!({
            "createIncidentUrl": "https://jira.example/rest/api/2/issue",
            "createIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}},\"labels\":{{{case.tags}}}}}",
            "createIncidentResponseKey": "id",
            "getIncidentUrl": "https://jira.example/rest/api/2/issue/{{{external.system.id}}}",
            "getIncidentResponseExternalTitleKey": "key",
            "viewIncidentUrl": "https://jira.example/browse/{{{external.system.title}}}",
            "updateIncidentUrl": "https://jira.example/rest/api/2/issue/{{{external.system.id}}}",
            "updateIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}}}}",
            "hasAuth": false
        });
        assert!(parse_spec(ConnectorType::CasesWebhook, config.clone(), json!({})).is_ok());
        let mut bad = config.clone();
        bad["createIncidentJson"] = json!("{\"summary\": \"{{{case.title}}}\"}");
        let e = parse_spec(ConnectorType::CasesWebhook, bad, json!({})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("config.createIncidentJson"));
        let mut bad = config;
        bad["getIncidentUrl"] = json!("https://jira.example/rest/api/2/issue/{{{case.nope}}}");
        let e = parse_spec(ConnectorType::CasesWebhook, bad, json!({})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("config.getIncidentUrl"));
    }

    #[test]
    fn templates_render_json_values_and_encoded_urls() {
        let mut vars = Map::new();
        vars.insert("case.title".into(), json!("say \"hi\""));
        vars.insert("case.tags".into(), json!(["a", "b"]));
        vars.insert("external.system.id".into(), json!("A B/1"));
        assert_eq!(
            render(
                "{\"t\":{{{case.title}}},\"l\":{{case.tags}}}",
                &vars,
                TemplateMode::Json
            )
            .unwrap(),
            "{\"t\":\"say \\\"hi\\\"\",\"l\":[\"a\",\"b\"]}"
        );
        assert_eq!(
            render(
                "https://x/i/{{{external.system.id}}}",
                &vars,
                TemplateMode::Url
            )
            .unwrap(),
            "https://x/i/A%20B%2F1"
        );
        let e = render("{{{nope}}}", &vars, TemplateMode::Url).unwrap_err();
        assert_eq!(
            e,
            TemplateError::UnknownVariable {
                name: "nope".into()
            }
        );
        assert_eq!(e.to_string(), "unknown template variable {{{nope}}}");
        assert_eq!(
            render("a {{ b", &vars, TemplateMode::Url)
                .unwrap_err()
                .to_string(),
            "unclosed {{ in the template"
        );
    }

    #[test]
    fn the_seed_push_parses_and_missing_fields_are_named() {
        let body = json!({"params": {"subAction": "pushToService", "subActionParams": {
            "savedObjectId": "c1472f70-732a-11ea-a0b2-c51ea50a58e2",
            "createdAt": "2020-03-31T08:36:45.661Z",
            "createdBy": {"fullName": "Alan Hunley", "username": "ahunley"},
            "comments": [{"commentId": "dda3", "comment": "text", "createdAt": "2020-03-31T08:37:33.240Z",
                          "createdBy": {"fullName": "Ms Moneypenny", "username": "moneypenny"}}],
            "description": "d",
            "title": "This case will self-destruct in 5 seconds"}}});
        let SubAction::PushToService(i) = parse_execute(ConnectorType::ServiceNow, &body).unwrap()
        else {
            panic!()
        };
        assert_eq!(i.title, "This case will self-destruct in 5 seconds");
        assert_eq!(i.comments.len(), 1);
        assert_eq!(i.external_id, None);
        let mut b = body.clone();
        b["params"]["subActionParams"]
            .as_object_mut()
            .unwrap()
            .remove("createdBy");
        let e = parse_execute(ConnectorType::ServiceNow, &b).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("params.subActionParams.createdBy"));
        let mut b = body;
        b["params"]["subActionParams"]["createdAt"] = json!("yesterday");
        let e = parse_execute(ConnectorType::ServiceNow, &b).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("params.subActionParams.createdAt"));
    }

    #[test]
    fn the_nested_form_parses() {
        let body = json!({"params": {"subAction": "pushToService", "subActionParams": {
            "incident": {"summary": "s", "description": "d", "labels": ["a"], "externalId": null},
            "comments": [{"commentId": "1", "comment": "c"}]}}});
        let SubAction::PushToService(i) = parse_execute(ConnectorType::Jira, &body).unwrap() else {
            panic!()
        };
        assert_eq!(i.title, "s");
        assert_eq!(i.labels, vec!["a".to_string()]);
        let bad = json!({"params": {"subAction": "pushToService", "subActionParams": {
            "incident": {"summary": "s", "labels": ["a b"]}}}});
        let e = parse_execute(ConnectorType::Jira, &bad).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("params.subActionParams.incident.labels[0]")
        );
    }

    #[test]
    fn secret_headers_are_hidden_and_kept_by_an_update_that_leaves_them_out() {
        let c = Connector {
            id: "h".into(),
            name: "hook".into(),
            spec: parse_spec(
                ConnectorType::Webhook,
                json!({"url": "https://h.example/x", "hasAuth": false,
                       "headers": {"X-Team": "soc", "authorization": "Bearer t0k", "X-Api-Key": "k3y"}}),
                Value::Null,
            )
            .unwrap(),
        };
        let view = c.public_view(None);
        assert_eq!(view["config"]["headers"], json!({"X-Team": "soc"}));
        assert!(!view.to_string().contains("t0k") && !view.to_string().contains("k3y"));
        // What GET showed, put back: the secret headers stay.
        let kept = update(&c, "hook".into(), view["config"].clone(), None).unwrap();
        assert_eq!(kept.headers(), c.headers());
        // A new value replaces one (names match case-insensitively); null removes one.
        let changed = update(
            &c,
            "hook".into(),
            json!({"url": "https://h.example/x", "hasAuth": false,
                   "headers": {"Authorization": "Bearer n3w", "X-Api-Key": null}}),
            None,
        )
        .unwrap();
        assert_eq!(
            changed.headers().unwrap(),
            json!({"Authorization": "Bearer n3w"}).as_object().unwrap()
        );
        // No headers at all keeps the secret ones only.
        let bare = update(
            &c,
            "hook".into(),
            json!({"url": "https://h.example/x", "hasAuth": false}),
            None,
        )
        .unwrap();
        assert_eq!(
            bare.headers().unwrap(),
            json!({"authorization": "Bearer t0k", "X-Api-Key": "k3y"})
                .as_object()
                .unwrap()
        );
    }
}
