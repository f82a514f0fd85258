//! External incident connectors (the Kibana actions model of `/api/actions/connector…`):
//! Jira, ServiceNow ITSM, a generic webhook and a case webhook with templated
//! URLs and JSON bodies.
//!
//! A connector is `{id, name, connector_type_id, config, secrets}`. `config` is
//! returned as stored, less the `headers` whose names say they carry a
//! credential ([`crate::secret`]); `secrets` are write-only: no answer ever
//! carries them (`is_missing_secrets` says whether they are set). Unknown
//! fields are refused so a misspelt option is never silently ignored.

pub mod params;

use crate::error::{Error, Result};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest connector name.
pub const MAX_NAME: usize = 256;

/// The connector of the documentation's examples (the seed's, from Kibana's
/// documentation).
pub const EXAMPLE_ID: &str = "7349772f-421a-4de3-b8bb-2d9b22ccee30";

/// What [`check_url`] accepts, as a pattern: `http(s)://`, a host without
/// credentials (no `@` before the path, not even an empty user) and without
/// the characters the URL parser refuses in a host (`<`, `>`, `^`, `|`, …),
/// an optional numeric port (at most 65535), no spaces or control
/// characters. The tests feed both the same URLs.
pub const URL_PATTERN: &str =
    "^https?://([^/?#@:<>^|\\[\\]\\\\\\s\\x00-\\x1F\\x7F-\\x9F]+|\\[[0-9A-Fa-f:.]+\\])\
(:0*([0-9]{0,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?\
([/?#\\\\][^\\s\\x00-\\x1F\\x7F-\\x9F]*)?$";

/// What the `_execute` parameters' time check accepts (ISO 8601 / RFC 3339,
/// `2020-03-31T06:40:21.674Z`; [`crate::time::parse_rfc3339`]), as a pattern.
pub const ISO_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?$";

/// The variables of `.cases-webhook` templates.
pub const TEMPLATE_VARIABLES: [&str; 7] = [
    "case.id",
    "case.title",
    "case.description",
    "case.tags",
    "case.comment",
    "external.system.id",
    "external.system.title",
];

/// The connector types, in Kibana's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
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

/// `config` of a `.jira` connector: Jira Cloud or Data Center, through REST
/// API v2. Issues are created in the project; updates are `PUT`s, comments
/// are Jira comments, a status change takes the workflow's transition into
/// the status category (`new`, `indeterminate`, `done`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = JiraConfig::example())]
pub struct JiraConfig {
    /// The Jira site, e.g. `https://acme.atlassian.net`. An http:// or
    /// https:// URL without credentials (put them in `secrets`).
    #[serde(rename = "apiUrl")]
    #[schemars(pattern(URL_PATTERN))]
    pub api_url: String,
    /// The key of the project issues are created in (`SEC`): letters,
    /// digits and underscores.
    #[serde(rename = "projectKey")]
    #[schemars(pattern(r"^[A-Za-z0-9_]+$"))]
    pub project_key: String,
}

impl JiraConfig {
    /// The example of the API's documentation.
    pub fn example() -> JiraConfig {
        JiraConfig {
            api_url: "https://jira.example.com".into(),
            project_key: "SEC".into(),
        }
    }
}

/// `secrets` of a `.jira` connector: basic authentication. Write-only: no
/// answer carries secrets (a connector shows `is_missing_secrets` instead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("writeOnly" = true), example = JiraSecrets::example())]
pub struct JiraSecrets {
    /// The account's email (Jira Cloud) or user name (Data Center).
    #[schemars(pattern(r"\S"))]
    pub email: String,
    /// The account's API token (Jira Cloud) or password (Data Center).
    #[serde(rename = "apiToken")]
    #[schemars(pattern(r"\S"))]
    pub api_token: String,
    /// wirewatch extension: The shared secret of the inbound webhook: `POST
    /// /actions/connector/{id}/_webhook` accepts a request carrying it
    /// (`?token=...` or the `X-Wirewatch-Token` header) without an API key.
    /// Point a Jira webhook at `.../_webhook?token=<webhookToken>`.
    #[serde(
        rename = "webhookToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 16), extend("x-wirewatch-extension" = true))]
    pub webhook_token: Option<String>,
}

impl JiraSecrets {
    /// The example of the API's documentation.
    pub fn example() -> JiraSecrets {
        JiraSecrets {
            email: "soc-bot@example.com".into(),
            api_token: "ATATT3xFfGF0-example-token".into(),
            webhook_token: Some("b7e1c2d94f3a4e0c".into()),
        }
    }
}

/// `config` of a `.servicenow` connector: ServiceNow ITSM through the Table
/// API (`incident`). Updates are `PATCH`es, comments become `work_notes`,
/// `closeIncident` sets state 7 with a close code. Only basic authentication
/// is supported; the OAuth fields of Kibana's form are kept as given but
/// unused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = ServiceNowConfig::example())]
pub struct ServiceNowConfig {
    /// The instance, e.g. `https://acme.service-now.com`. An http:// or
    /// https:// URL without credentials (put them in `secrets`).
    #[serde(rename = "apiUrl")]
    #[schemars(pattern(URL_PATTERN))]
    pub api_url: String,
    /// Kibana's switch between the Table API and Elastic's import-set
    /// application: wirewatch always uses the Table API and keeps the value
    /// as given.
    #[serde(rename = "usesTableApi", default = "yes")]
    pub uses_table_api: bool,
    /// OAuth (JWT bearer) is not supported: `true` is a 400 naming
    /// `config.isOAuth`.
    #[serde(rename = "isOAuth", default)]
    #[schemars(extend("enum" = [false]))]
    pub is_oauth: bool,
    /// OAuth client id (Kibana's form): kept as given, unused. Answers leave
    /// it out when not set.
    #[serde(rename = "clientId", default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// OAuth user identifier (Kibana's form): kept as given, unused. Answers
    /// leave it out when not set.
    #[serde(
        rename = "userIdentifierValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_identifier_value: Option<String>,
    /// OAuth JWT key id (Kibana's form): kept as given, unused. Answers leave
    /// it out when not set.
    #[serde(rename = "jwtKeyId", default, skip_serializing_if = "Option::is_none")]
    pub jwt_key_id: Option<String>,
}

impl ServiceNowConfig {
    /// The example of the API's documentation.
    pub fn example() -> ServiceNowConfig {
        ServiceNowConfig {
            api_url: "https://itsm.example.com".into(),
            uses_table_api: true,
            is_oauth: false,
            client_id: None,
            user_identifier_value: None,
            jwt_key_id: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// `secrets` of a `.servicenow` connector: basic authentication. Write-only:
/// no answer carries secrets (a connector shows `is_missing_secrets`
/// instead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    extend("writeOnly" = true),
    example = ServiceNowSecrets::example(),
    transform = user_and_password_required
)]
pub struct ServiceNowSecrets {
    /// The ServiceNow user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, with = "String", length(min = 1))]
    pub username: Option<String>,
    /// Its password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(required, with = "String")]
    pub password: Option<String>,
    /// OAuth client secret (Kibana's form): accepted and kept, unused.
    #[serde(
        rename = "clientSecret",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_secret: Option<String>,
    /// OAuth private key (Kibana's form): accepted and kept, unused.
    #[serde(
        rename = "privateKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub private_key: Option<String>,
    /// wirewatch extension: The shared secret of the inbound webhook: `POST
    /// /actions/connector/{id}/_webhook` accepts a request carrying it
    /// (`?token=...` or the `X-Wirewatch-Token` header) without an API key.
    /// Point a ServiceNow business rule (outbound REST message) at
    /// `.../_webhook?token=<webhookToken>`.
    #[serde(
        rename = "webhookToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 16), extend("x-wirewatch-extension" = true))]
    pub webhook_token: Option<String>,
}

impl ServiceNowSecrets {
    /// The example of the API's documentation.
    pub fn example() -> ServiceNowSecrets {
        ServiceNowSecrets {
            username: Some("wirewatch.integration".into()),
            password: Some("s3cret-password".into()),
            client_secret: None,
            private_key: None,
            webhook_token: Some("0c9e6f1a2d7b4c35".into()),
        }
    }
}

/// `secrets.username` and `secrets.password` are optional to serde (a stored
/// connector may lack them) but required by [`validate`].
fn user_and_password_required(s: &mut Schema) {
    s.insert(
        "required".into(),
        serde_json::json!(["username", "password"]),
    );
}

/// Authentication of the webhook connectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
pub enum WebhookAuthType {
    #[serde(rename = "webhook-authentication-basic")]
    Basic,
    // Client certificates: read, then refused (a 400 naming
    // `config.authType`), so not documented.
    #[serde(rename = "webhook-authentication-ssl")]
    #[schemars(skip)]
    Ssl,
}

/// `config.headers` of the webhook connectors: header names to values.
fn headers_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["object", "null"],
        "additionalProperties": {"type": "string", "pattern": "^[^\\r\\n]*$"},
    })
}

/// `config` of a `.webhook` connector: `_execute` sends `params.body` to the
/// URL. It holds no incidents (no `pushToService`, not usable by automatic
/// external ticketing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = WebhookConfig::example())]
pub struct WebhookConfig {
    /// Where the body is sent. An http:// or https:// URL without
    /// credentials (put them in `secrets`).
    #[schemars(pattern(URL_PATTERN))]
    pub url: String,
    /// The HTTP method.
    #[serde(default)]
    pub method: WebhookMethod,
    /// Extra request headers: names of visible ASCII characters without `:`,
    /// values strings without line breaks. A `Content-Type` without `json`
    /// sends a `.webhook` body as `text/plain`; otherwise bodies are
    /// `application/json`. Headers whose name contains `key`, `token`,
    /// `secret`, `auth`, `password`, `passwd`, `session`, `cookie`,
    /// `credential` (case-insensitive: `Authorization`,
    /// `Proxy-Authorization`, `X-Api-Key`, `Cookie`, `Set-Cookie`, …) are
    /// write-only: stored encrypted, sent with every request, and left out of
    /// every answer. An update (`PUT`) whose `config.headers` leaves such a
    /// header out keeps it; one set to `null` is removed.
    #[serde(default)]
    #[schemars(schema_with = "headers_schema")]
    pub headers: Option<Map<String, Value>>,
    /// Send basic authentication with `secrets.user` and `secrets.password`,
    /// which are then required (`secrets.user` not empty).
    #[serde(rename = "hasAuth", default = "yes")]
    pub has_auth: bool,
    /// `webhook-authentication-basic` or `null` (both: basic authentication
    /// when `hasAuth`). `webhook-authentication-ssl` (client certificates) is
    /// not supported: a 400 naming `config.authType`.
    #[serde(rename = "authType", default)]
    pub auth_type: Option<WebhookAuthType>,
}

impl WebhookConfig {
    /// The example of the API's documentation.
    pub fn example() -> WebhookConfig {
        WebhookConfig {
            url: "https://hooks.example.com/soc".into(),
            method: WebhookMethod::Post,
            headers: Some(Map::from_iter([("X-Team".to_string(), Value::from("soc"))])),
            has_auth: true,
            auth_type: Some(WebhookAuthType::Basic),
        }
    }
}

/// `secrets` of a `.webhook` or `.cases-webhook` connector: basic
/// authentication, required when `config.hasAuth` is `true` (the default);
/// may be left out otherwise. Write-only: no answer carries secrets (a
/// connector shows `is_missing_secrets` instead).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("writeOnly" = true), example = WebhookSecrets::example())]
pub struct WebhookSecrets {
    /// The user (not empty when `hasAuth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Its password (required when `hasAuth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// wirewatch extension: The shared secret of the inbound webhook: `POST
    /// /actions/connector/{id}/_webhook` accepts a request carrying it
    /// (`?token=...` or the `X-Wirewatch-Token` header) without an API key.
    /// For `.cases-webhook` connectors (`.webhook` connectors hold no
    /// incidents).
    #[serde(
        rename = "webhookToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(length(min = 16), extend("x-wirewatch-extension" = true))]
    pub webhook_token: Option<String>,
}

impl WebhookSecrets {
    /// The example of the API's documentation.
    pub fn example() -> WebhookSecrets {
        WebhookSecrets {
            user: Some("soc-bot".into()),
            password: Some("s3cret-password".into()),
            webhook_token: None,
        }
    }
}

fn put() -> WebhookMethod {
    WebhookMethod::Put
}

/// `config` of a `.cases-webhook` connector (Kibana's Webhook - Case
/// Management): incidents are created, read, updated and commented through
/// templated requests. Templates use Mustache variables (`{{{case.id}}}`,
/// `{{{case.title}}}`, `{{{case.description}}}`, `{{{case.tags}}}`,
/// `{{{case.comment}}}`, `{{{external.system.id}}}`,
/// `{{{external.system.title}}}`; `{{var}}` works too); an unknown variable
/// is a 400. In JSON bodies a variable is replaced by its JSON value (strings
/// quoted), in URLs by its percent-encoded text. Templates are checked when
/// the connector is saved, by rendering them with sample values.
/// `closeIncident` is not supported (it answers `status: "error"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = CasesWebhookConfig::example())]
pub struct CasesWebhookConfig {
    /// Where a new incident is sent. A URL template: variables are replaced
    /// by their percent-encoded text, and the result must be an http:// or
    /// https:// URL without credentials.
    #[serde(rename = "createIncidentUrl")]
    #[schemars(pattern("^https?://"))]
    pub create_incident_url: String,
    /// The method that creates an incident.
    #[serde(rename = "createIncidentMethod", default)]
    pub create_incident_method: WebhookMethod,
    /// The body that creates an incident. A JSON template: variables are
    /// replaced by their JSON values (strings quoted and escaped, `case.tags`
    /// an array), so write them without quotes (`{"summary":
    /// {{{case.title}}}}`); the result must be JSON.
    #[serde(rename = "createIncidentJson")]
    #[schemars(length(min = 2))]
    pub create_incident_json: String,
    /// Where the new incident's id is in the answer, as a dotted path (`id`,
    /// `result.sys_id`, `data.0.id`).
    #[serde(rename = "createIncidentResponseKey")]
    #[schemars(pattern(r"\S"))]
    pub create_incident_response_key: String,
    /// Where an incident is read; must contain `{{{external.system.id}}}`. A
    /// URL template: variables are replaced by their percent-encoded text,
    /// and the result must be an http:// or https:// URL without
    /// credentials.
    #[serde(rename = "getIncidentUrl")]
    #[schemars(pattern("^https?://"))]
    pub get_incident_url: String,
    /// Where the incident's title (its key, `SEC-1`) is in that answer, as a
    /// dotted path.
    #[serde(rename = "getIncidentResponseExternalTitleKey")]
    #[schemars(pattern(r"\S"))]
    pub get_incident_response_external_title_key: String,
    /// The page of an incident, for people; must contain
    /// `{{{external.system.id}}}` or `{{{external.system.title}}}`. A URL
    /// template: variables are replaced by their percent-encoded text, and
    /// the result must be an http:// or https:// URL without credentials.
    #[serde(rename = "viewIncidentUrl")]
    #[schemars(pattern("^https?://"))]
    pub view_incident_url: String,
    /// Where an incident's update is sent; must contain
    /// `{{{external.system.id}}}`. A URL template: variables are replaced by
    /// their percent-encoded text, and the result must be an http:// or
    /// https:// URL without credentials.
    #[serde(rename = "updateIncidentUrl")]
    #[schemars(pattern("^https?://"))]
    pub update_incident_url: String,
    /// The method that updates an incident.
    #[serde(rename = "updateIncidentMethod", default = "put")]
    pub update_incident_method: WebhookMethod,
    /// The body that updates an incident. A JSON template: variables are
    /// replaced by their JSON values (strings quoted and escaped, `case.tags`
    /// an array), so write them without quotes (`{"summary":
    /// {{{case.title}}}}`); the result must be JSON.
    #[serde(rename = "updateIncidentJson")]
    #[schemars(length(min = 2))]
    pub update_incident_json: String,
    /// Where a comment is sent (with `createCommentJson`; both or neither).
    /// `null`: comments are not sent. A URL template: variables are replaced
    /// by their percent-encoded text, and the result must be an http:// or
    /// https:// URL without credentials.
    #[serde(rename = "createCommentUrl", default)]
    #[schemars(pattern("^https?://"))]
    pub create_comment_url: Option<String>,
    /// The method that adds a comment; `null` sends `put`.
    #[serde(rename = "createCommentMethod", default)]
    pub create_comment_method: Option<WebhookMethod>,
    /// The body that adds a comment (`{{{case.comment}}}` is its text);
    /// required with `createCommentUrl`. A JSON template: variables are
    /// replaced by their JSON values (strings quoted and escaped, `case.tags`
    /// an array), so write them without quotes (`{"summary":
    /// {{{case.title}}}}`); the result must be JSON.
    #[serde(rename = "createCommentJson", default)]
    #[schemars(length(min = 2))]
    pub create_comment_json: Option<String>,
    /// Extra request headers: names of visible ASCII characters without `:`,
    /// values strings without line breaks. Bodies are `application/json`.
    /// Headers whose name contains `key`, `token`, `secret`, `auth`,
    /// `password`, `passwd`, `session`, `cookie`, `credential`
    /// (case-insensitive: `Authorization`, `Proxy-Authorization`,
    /// `X-Api-Key`, `Cookie`, `Set-Cookie`, …) are write-only: stored
    /// encrypted, sent with every request, and left out of every answer. An
    /// update (`PUT`) whose `config.headers` leaves such a header out keeps
    /// it; one set to `null` is removed.
    #[serde(default)]
    #[schemars(schema_with = "headers_schema")]
    pub headers: Option<Map<String, Value>>,
    /// Send basic authentication with `secrets.user` and `secrets.password`,
    /// which are then required (`secrets.user` not empty).
    #[serde(rename = "hasAuth", default = "yes")]
    pub has_auth: bool,
    /// `webhook-authentication-basic` or `null` (both: basic authentication
    /// when `hasAuth`). `webhook-authentication-ssl` (client certificates) is
    /// not supported: a 400 naming `config.authType`.
    #[serde(rename = "authType", default)]
    pub auth_type: Option<WebhookAuthType>,
}

impl CasesWebhookConfig {
    /// The example of the API's documentation.
    pub fn example() -> CasesWebhookConfig {
        let jira = "https://jira.example.com";
        CasesWebhookConfig {
            create_incident_url: format!("{jira}/rest/api/2/issue"),
            create_incident_method: WebhookMethod::Post,
            create_incident_json: "{\"fields\":{\"summary\":{{{case.title}}},\"description\":{{{case.description}}},\"labels\":{{{case.tags}}},\"project\":{\"key\":\"ROC\"},\"issuetype\":{\"name\":\"Task\"}}}".into(),
            create_incident_response_key: "id".into(),
            get_incident_url: format!("{jira}/rest/api/2/issue/{{{{{{external.system.id}}}}}}"),
            get_incident_response_external_title_key: "key".into(),
            view_incident_url: format!("{jira}/browse/{{{{{{external.system.title}}}}}}"),
            update_incident_url: format!("{jira}/rest/api/2/issue/{{{{{{external.system.id}}}}}}"),
            update_incident_method: WebhookMethod::Put,
            update_incident_json: "{\"fields\":{\"summary\":{{{case.title}}},\"description\":{{{case.description}}}}}".into(),
            create_comment_url: Some(format!("{jira}/rest/api/2/issue/{{{{{{external.system.id}}}}}}/comment")),
            create_comment_method: Some(WebhookMethod::Post),
            create_comment_json: Some("{\"body\":{{{case.comment}}}}".into()),
            headers: None,
            has_auth: true,
            auth_type: None,
        }
    }
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

/// `config` as answers show it: the one of the connector's type.
fn any_config(g: &mut SchemaGenerator) -> Schema {
    json_schema!({"oneOf": [
        g.subschema_for::<JiraConfig>(),
        g.subschema_for::<ServiceNowConfig>(),
        g.subschema_for::<WebhookConfig>(),
        g.subschema_for::<CasesWebhookConfig>(),
    ]})
}

/// A connector as every answer shows it: its `config`, never its secrets.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "Connector", example = ConnectorView::example())]
pub struct ConnectorView {
    /// The connector's id: a GUID, or the id chosen with `POST
    /// /actions/connector/{id}`.
    pub id: String,
    /// The connector's name.
    pub name: String,
    /// The connector type.
    pub connector_type_id: ConnectorType,
    /// The `config` of its type, as stored, with the defaults filled in.
    #[schemars(schema_with = "any_config")]
    pub config: Value,
    /// Always `false`: wirewatch has no preconfigured connectors.
    pub is_preconfigured: bool,
    /// Always `false`.
    pub is_deprecated: bool,
    /// Whether secrets its configuration needs are not set: Jira's email or
    /// API token, ServiceNow's user name or password, a webhook's user or
    /// password when `hasAuth`.
    pub is_missing_secrets: bool,
    /// Always `false`.
    pub is_system_action: bool,
    /// Only in `GET /actions/connectors`: how many detections have an
    /// incident in this connector's system.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub referenced_by_count: Option<u64>,
}

impl ConnectorView {
    /// The example of the API's documentation: the `.jira` connector of the
    /// create's example.
    pub fn example() -> ConnectorView {
        Connector {
            id: EXAMPLE_ID.into(),
            name: "Jira SOC".into(),
            spec: ConnectorSpec::Jira {
                config: JiraConfig::example(),
                secrets: JiraSecrets::example(),
            },
        }
        .view(None)
    }
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
    pub fn view(&self, referenced_by_count: Option<u64>) -> ConnectorView {
        ConnectorView {
            id: self.id.clone(),
            name: self.name.clone(),
            connector_type_id: self.kind(),
            config: self.config_json(),
            is_preconfigured: false,
            is_deprecated: false,
            is_missing_secrets: self.is_missing_secrets(),
            is_system_action: false,
            referenced_by_count,
        }
    }

    /// [`Connector::view`] as JSON.
    pub fn public_view(&self, referenced_by_count: Option<u64>) -> Value {
        serde_json::to_value(self.view(referenced_by_count)).unwrap_or(Value::Null)
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
    // The parser drops an empty user (`https://@x`, `https://:@x`): any `@`
    // before the path is a user part, and refused like credentials.
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(Error::invalid(
            field,
            "must not carry credentials; put them in secrets",
        ));
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
            (
                "https://@x",
                "must not carry credentials; put them in secrets",
            ),
            (
                "https://:@x/",
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
    fn the_view_writes_the_answer_of_the_connectors_api() {
        let c = Connector {
            id: EXAMPLE_ID.into(),
            name: "Jira SOC".into(),
            spec: ConnectorSpec::Jira {
                config: JiraConfig::example(),
                secrets: JiraSecrets::example(),
            },
        };
        // The handlers answer `public_view`, a `Value`: the same keys and values.
        assert_eq!(
            c.public_view(None),
            json!({"id": EXAMPLE_ID, "name": "Jira SOC", "connector_type_id": ".jira",
                   "config": {"apiUrl": "https://jira.example.com", "projectKey": "SEC"},
                   "is_preconfigured": false, "is_deprecated": false,
                   "is_missing_secrets": false, "is_system_action": false})
        );
        let mut counted = c.public_view(Some(3));
        assert_eq!(counted["referenced_by_count"], 3);
        counted
            .as_object_mut()
            .unwrap()
            .remove("referenced_by_count");
        assert_eq!(counted, c.public_view(None));
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
