//! `/api/actions/…`: external incident connectors in the Kibana actions
//! model — connector CRUD, `_execute` (`pushToService`, `getIncident`,
//! `closeIncident`, a webhook's body), the legacy
//! `/api/actions/action/{id}/_execute`, and documented extensions: push
//! statistics, failed pushes and their replay, an immediate status pull and
//! the inbound webhook that tells wirewatch an incident changed.
//!
//! Errors answer Kibana's shape, `{"statusCode", "error", "message"}`, plus
//! `field` naming the offending field of a 400. `_execute` answers 200 with
//! `status: "error"` when the remote system fails, as Kibana does.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::guard::{AnyAccess, AnyKey, Api, Guard, Privilege, System, WriteFull, WriteLimited};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::FromRequest;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wirewatch_connectors::ConnectorError;
use wirewatch_model::connector::params::Scalar;
use wirewatch_model::connector::{
    check_name, parse_execute, parse_spec, update, CasesWebhookConfig, Connector, ConnectorType,
    JiraConfig, JiraSecrets, ServiceNowConfig, ServiceNowSecrets, SubAction, WebhookConfig,
    WebhookSecrets, MAX_NAME,
};
use wirewatch_model::user::Access;
use wirewatch_model::{Code, Error};

/// Kibana's connector operations, and the wirewatch extensions beside them.
pub fn routes() -> Api {
    Api::new()
        .get("/api/actions/connector_types", types)
        .get("/api/actions/connectors", list)
        .post("/api/actions/connector", create)
        .get("/api/actions/connector/{id}", one)
        .put("/api/actions/connector/{id}", put)
        .post("/api/actions/connector/{id}", create_with_id)
        .delete("/api/actions/connector/{id}", remove)
        .post("/api/actions/connector/{id}/_execute", execute)
        .post("/api/actions/action/{id}/_execute", execute_legacy)
        .get("/api/actions/connector/{id}/_stats", stats)
        .get("/api/actions/connector/{id}/_failed", failed)
        .post("/api/actions/connector/{id}/_failed/_replay", replay)
        .post("/api/actions/connector/{id}/_sync", sync_now)
        .declared(
            Method::POST,
            "/api/actions/connector/{id}/_webhook",
            webhook,
            WEBHOOK,
        )
}

/// The incident webhook authorizes by the connector's token, or else by an
/// API key with `write: limited` (checked in the handler: the token comes first).
const WEBHOOK: Privilege = Privilege::new(
    "webhook_token_or_write_limited",
    "the connector's `secrets.webhookToken` (query `token` or header `X-Wirewatch-Token`), or else an API key with `write: limited` or more",
    |c, _| c.require(Access::WriteLimited),
);

/// An error in Kibana's shape.
pub struct KError(pub Error);

impl From<ApiError> for KError {
    fn from(e: ApiError) -> Self {
        KError(e.0)
    }
}

impl From<wirewatch_store::StoreError> for KError {
    fn from(e: wirewatch_store::StoreError) -> Self {
        KError(e.into())
    }
}

impl From<Error> for KError {
    fn from(e: Error) -> Self {
        KError(e)
    }
}

impl IntoResponse for KError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if e.code == Code::Internal {
            tracing::error!(message = %e.message, "internal error");
            "An internal server error occurred.".to_string()
        } else if let Some(f) = &e.field {
            // The model's messages start with the field: say it once.
            let m = e
                .message
                .strip_prefix(&format!("{f}: "))
                .unwrap_or(&e.message);
            format!("[request body.{f}]: {m}")
        } else {
            e.message.clone()
        };
        let body = ErrorBody::new(status.as_u16(), message, e.field);
        let mut r = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("ApiKey"),
            );
        }
        r
    }
}

/// An error, in Kibana's shape (what [`KError`] answers).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ActionsError", example = ErrorBody::example())]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    #[serde(rename = "statusCode")]
    #[schemars(extend("enum" = [400, 401, 403, 404, 409, 500]))]
    pub status_code: u16,
    /// The status's reason phrase: `Bad Request`, `Unauthorized`,
    /// `Forbidden`, `Not Found`, `Conflict`, `Internal Server Error`.
    pub error: &'static str,
    /// What went wrong, for people. For a 400 naming a field it is
    /// `[request body.<field>]: <field>: <problem>`. A 500 says only `An
    /// internal server error occurred.`
    pub message: String,
    /// Only in a 400 about one field: its path in the request (`name`,
    /// `config.apiUrl`, `secrets.user`, `params.subActionParams.title`,
    /// `ids[2]`; `id` for the path parameter).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub field: Option<String>,
}

impl ErrorBody {
    /// The body of an error of this status.
    pub fn new(status: u16, message: String, field: Option<String>) -> ErrorBody {
        let error = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        ErrorBody {
            status_code: status,
            error,
            message,
            field,
        }
    }

    /// The example of the documentation: a 400 naming a field.
    pub fn example() -> ErrorBody {
        let f = "config.apiUrl";
        ErrorBody::new(
            400,
            format!("[request body.{f}]: {f}: \"ftp://x\" is not an http:// or https:// URL"),
            Some(f.into()),
        )
    }
}

type KResult<T> = Result<T, KError>;

fn body_json(bytes: &Bytes) -> KResult<Value> {
    let v: Value = crate::extract::parse_json(bytes)?;
    if !v.is_object() {
        return Err(Error::invalid("body", "must be a JSON object").into());
    }
    Ok(v)
}

/// A JSON object body in Kibana's dialect: a malformed one is Kibana's 400
/// naming the field, one that cannot be read its 413 or 400.
pub struct KibanaJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for KibanaJson {
    type Rejection = KError;

    async fn from_request(req: axum::extract::Request, state: &S) -> KResult<Self> {
        let bytes = Bytes::from_request(req, state).await?;
        body_json(&bytes).map(KibanaJson)
    }
}

/// A JSON object body in Kibana's dialect that may be left out (`None`).
pub struct OptionalKibanaJson(pub Option<Value>);

impl<S: Send + Sync> FromRequest<S> for OptionalKibanaJson {
    type Rejection = KError;

    async fn from_request(req: axum::extract::Request, state: &S) -> KResult<Self> {
        let bytes = Bytes::from_request(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalKibanaJson(None));
        }
        body_json(&bytes).map(|v| OptionalKibanaJson(Some(v)))
    }
}

impl From<BytesRejection> for KError {
    fn from(e: BytesRejection) -> Self {
        let code = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
            StatusCode::REQUEST_TIMEOUT => Code::RequestTimeout,
            _ => Code::MalformedJson,
        };
        KError(Error::new(code, e.body_text().trim().to_string()))
    }
}

/// Run a store call off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, wirewatch_store::StoreError> + Send + 'static,
) -> KResult<T> {
    Ok(tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(e.to_string()))??)
}

async fn connector(s: &AppState, id: &str) -> KResult<Connector> {
    let store = s.store.clone();
    let id2 = id.to_string();
    blocking(move || store.connector(&id2))
        .await?
        .ok_or_else(|| {
            KError(Error::new(
                Code::NotFound,
                format!("Saved object [action/{id}] not found"),
            ))
        })
}

/// What a connector type is used for, in Kibana's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Feature {
    // `pushToService`, automatic external ticketing.
    Cases,
    Alerting,
}

/// A connector type this sensor implements (`GET /actions/connector_types`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ConnectorType", example = TypeView::new(ConnectorType::Jira))]
pub struct TypeView {
    /// The type: the `connector_type_id` of its connectors.
    pub id: ConnectorType,
    /// Its name: `Jira`, `ServiceNow ITSM`, `Webhook`,
    /// `Webhook - Case Management`.
    pub name: &'static str,
    /// Always `true`.
    pub enabled: bool,
    /// Always `true`.
    pub enabled_in_config: bool,
    /// Always `true` (no license needed).
    pub enabled_in_license: bool,
    /// Always `basic`.
    #[schemars(extend("enum" = ["basic"]))]
    pub minimum_license_required: &'static str,
    /// `["cases", "alerting"]` for the types that hold incidents
    /// (`pushToService`, automatic external ticketing); `["alerting"]` for
    /// `.webhook`.
    pub supported_feature_ids: Vec<Feature>,
    /// Always `false`.
    pub is_system_action_type: bool,
}

impl TypeView {
    /// How `GET /actions/connector_types` shows a type.
    pub fn new(t: ConnectorType) -> TypeView {
        TypeView {
            id: t,
            name: t.display_name(),
            enabled: true,
            enabled_in_config: true,
            enabled_in_license: true,
            minimum_license_required: "basic",
            supported_feature_ids: if t.supports_incidents() {
                vec![Feature::Cases, Feature::Alerting]
            } else {
                vec![Feature::Alerting]
            },
            is_system_action_type: false,
        }
    }
}

async fn types(_: Guard<AnyKey, KError>) -> KResult<Json<Vec<TypeView>>> {
    Ok(Json(
        ConnectorType::ALL.into_iter().map(TypeView::new).collect(),
    ))
}

async fn list(_: Guard<AnyAccess, KError>, State(s): State<AppState>) -> KResult<Json<Value>> {
    let store = s.store.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for c in store.connectors()? {
            let n = store.connector_incident_count(&c.id)?;
            out.push(c.public_view(Some(n)));
        }
        Ok::<_, wirewatch_store::StoreError>(out)
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))??;
    Ok(Json(Value::Array(out)))
}

async fn one(
    _: Guard<AnyAccess, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> KResult<Json<Value>> {
    Ok(Json(connector(&s, &id).await?.public_view(None)))
}

/// A connector id chosen by the caller: Kibana accepts any saved-object id.
fn check_id(id: &str) -> KResult<()> {
    if id.is_empty()
        || id.len() > 128
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(
            Error::invalid("id", "must be 1 to 128 letters, digits, '-', '_' or '.'").into(),
        );
    }
    Ok(())
}

/// The create bodies of each connector type, for the document (the handler
/// reads the body as JSON and checks it field by field, with `parse_spec`).
macro_rules! create_body {
    ($name:ident, $component:literal, $config:ty, $(#[$s:meta])* $secrets:ty, $doc:literal) => {
        #[doc = $doc]
        #[allow(dead_code)] // read by the document's tests; the handler checks the JSON itself
        #[derive(Debug, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(rename = $component)]
        pub struct $name {
            /// The connector's name. Not blank, at most 256 characters; need
            /// not be unique.
            #[schemars(length(min = 1, max = MAX_NAME), pattern(r"\S"))]
            pub name: String,
            /// The connector type.
            #[schemars(extend("enum" = [ConnectorType::$name.as_str()]))]
            pub connector_type_id: ConnectorType,
            pub config: $config,
            $(#[$s])*
            pub secrets: $secrets,
        }
    };
}

create_body!(
    Jira,
    "JiraConnectorCreate",
    JiraConfig,
    JiraSecrets,
    "Body creating a `.jira` connector (Jira). Fields other than these four are a 400."
);
create_body!(
    ServiceNow,
    "ServiceNowConnectorCreate",
    ServiceNowConfig,
    ServiceNowSecrets,
    "Body creating a `.servicenow` connector (ServiceNow ITSM). Fields other than these four are a 400."
);
create_body!(
    Webhook,
    "WebhookConnectorCreate",
    WebhookConfig,
    #[serde(default)]
    OptionalSecrets,
    "Body creating a `.webhook` connector (Webhook). Fields other than these four are a 400. \
     `secrets` may be left out when `config.hasAuth` is `false`."
);
create_body!(
    CasesWebhook,
    "CasesWebhookConnectorCreate",
    CasesWebhookConfig,
    #[serde(default)]
    OptionalSecrets,
    "Body creating a `.cases-webhook` connector (Webhook - Case Management). Fields other than \
     these four are a 400. `secrets` may be left out when `config.hasAuth` is `false`."
);

/// The `secrets` of the webhook connectors, which may be left out.
#[allow(dead_code)] // read by the document's tests
#[derive(Debug, Default, Deserialize)]
pub struct OptionalSecrets(pub Option<WebhookSecrets>);

impl JsonSchema for OptionalSecrets {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OptionalSecrets".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        g.subschema_for::<WebhookSecrets>()
    }

    fn _schemars_private_is_option() -> bool {
        true
    }
}

/// Body of `POST /actions/connector`: one of the types' create bodies.
pub struct ConnectorCreate;

impl JsonSchema for ConnectorCreate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConnectorCreate".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let refs = [
            g.subschema_for::<Jira>(),
            g.subschema_for::<ServiceNow>(),
            g.subschema_for::<Webhook>(),
            g.subschema_for::<CasesWebhook>(),
        ];
        let mapping: serde_json::Map<String, Value> = ConnectorType::ALL
            .iter()
            .zip(&refs)
            .map(|(t, r)| {
                (
                    t.as_str().to_string(),
                    r.get("$ref").cloned().unwrap_or_default(),
                )
            })
            .collect();
        schemars::json_schema!({
            "description": "Body of `POST /actions/connector`: a name, the type (`connector_type_id`), its \
                `config` and its write-only `secrets`. A field the type does not have is a 400 naming it \
                (`config.bogus`).",
            "oneOf": refs,
            "discriminator": {"propertyName": "connector_type_id", "mapping": mapping},
        })
    }
}

/// The `config` of any type.
#[allow(dead_code)] // read by the document's tests
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(inline)]
pub enum AnyConfig {
    Jira(JiraConfig),
    ServiceNow(ServiceNowConfig),
    Webhook(WebhookConfig),
    CasesWebhook(Box<CasesWebhookConfig>),
}

/// The `secrets` of any type.
#[allow(dead_code)] // read by the document's tests
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(inline)]
pub enum AnySecrets {
    Jira(JiraSecrets),
    ServiceNow(ServiceNowSecrets),
    Webhook(WebhookSecrets),
}

/// Body of `PUT /actions/connector/{id}`: the new name and the whole new
/// `config` of the connector's type (the type cannot change;
/// `connector_type_id` is a 400). `secrets` replace the stored ones when
/// given; left out or `null`, the stored secrets are kept.
#[allow(dead_code)] // read by the document's tests; the handler checks the JSON itself
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ConnectorUpdate")]
pub struct UpdateBody {
    /// The connector's name. Not blank, at most 256 characters; need not be
    /// unique.
    #[schemars(length(min = 1, max = MAX_NAME), pattern(r"\S"))]
    pub name: String,
    /// The `config` of the connector's type, replacing the stored one
    /// (fields left out take their defaults).
    pub config: AnyConfig,
    /// The `secrets` of the connector's type, replacing the stored ones;
    /// left out or `null` keeps them. Write-only.
    #[serde(default)]
    #[schemars(with = "AnySecrets", extend("nullable" = true, "writeOnly" = true))]
    pub secrets: Option<AnySecrets>,
}

async fn create(
    caller: Guard<System, KError>,
    State(s): State<AppState>,
    KibanaJson(v): KibanaJson,
) -> KResult<Response> {
    let id = wirewatch_store::new_guid();
    store_new(&s, &caller, id, v).await
}

async fn create_with_id(
    caller: Guard<System, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: KResult<KibanaJson>,
) -> KResult<Response> {
    check_id(&id)?;
    store_new(&s, &caller, id, body?.0).await
}

fn known_fields(v: &Value, allowed: &[&str]) -> KResult<()> {
    for k in v.as_object().into_iter().flatten().map(|(k, _)| k) {
        if !allowed.contains(&k.as_str()) {
            return Err(Error::invalid(
                k.clone(),
                format!(
                    "is not a field of this request (fields: {})",
                    allowed.join(", ")
                ),
            )
            .into());
        }
    }
    Ok(())
}

async fn store_new(s: &AppState, caller: &Caller, id: String, v: Value) -> KResult<Response> {
    known_fields(&v, &["name", "connector_type_id", "config", "secrets"])?;
    let name = v["name"]
        .as_str()
        .ok_or_else(|| Error::invalid("name", "is required (a string)"))?
        .to_string();
    check_name(&name)?;
    let kind_raw = v["connector_type_id"].as_str().ok_or_else(|| {
        Error::invalid(
            "connector_type_id",
            "is required (.jira, .servicenow, .webhook or .cases-webhook)",
        )
    })?;
    let kind = ConnectorType::parse(kind_raw).ok_or_else(|| {
        Error::invalid(
            "connector_type_id",
            format!("{kind_raw:?} is not a connector type (.jira, .servicenow, .webhook, .cases-webhook)"),
        )
    })?;
    let spec = parse_spec(kind, v["config"].clone(), v["secrets"].clone())?;
    let c = Connector { id, name, spec };
    let store = s.store.clone();
    let c2 = c.clone();
    blocking(move || store.create_connector(&c2)).await?;
    crate::routes::audit(
        s,
        caller,
        "create connector",
        "connectors",
        json!({"id": c.id, "name": c.name, "connector_type_id": kind.as_str()}),
    );
    Ok((StatusCode::OK, Json(c.public_view(None))).into_response())
}

async fn put(
    caller: Guard<System, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    KibanaJson(v): KibanaJson,
) -> KResult<Json<Value>> {
    known_fields(&v, &["name", "config", "secrets"])?;
    let old = connector(&s, &id).await?;
    let name = v["name"]
        .as_str()
        .ok_or_else(|| Error::invalid("name", "is required (a string)"))?
        .to_string();
    let secrets = match v.get("secrets") {
        None | Some(Value::Null) => None,
        Some(x) => Some(x.clone()),
    };
    let new = update(&old, name, v["config"].clone(), secrets)?;
    let store = s.store.clone();
    let n2 = new.clone();
    blocking(move || store.update_connector(&n2)).await?;
    crate::routes::audit(
        &s,
        &caller,
        "update connector",
        "connectors",
        json!({"id": new.id, "name": new.name}),
    );
    Ok(Json(new.public_view(None)))
}

async fn remove(
    caller: Guard<System, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> KResult<StatusCode> {
    let store = s.store.clone();
    let id2 = id.clone();
    let gone = blocking(move || store.delete_connector(&id2)).await?;
    if !gone {
        return Err(KError(Error::new(
            Code::NotFound,
            format!("Saved object [action/{id}] not found"),
        )));
    }
    crate::routes::audit(
        &s,
        &caller,
        "delete connector",
        "connectors",
        json!({"id": id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Run a sub-action; `Ok(data)` or the remote's error.
async fn run(s: &AppState, c: &Connector, action: SubAction) -> Result<Value, ConnectorError> {
    let system = s.connectors.system(c)?;
    match action {
        SubAction::PushToService(inc) => system.push(&inc).await.map(|r| r.to_json()),
        SubAction::GetIncident { external_id } => {
            system.get(&external_id).await.map(|r| r.to_json())
        }
        SubAction::CloseIncident { external_id } => {
            system.close(&external_id).await.map(|r| r.to_json())
        }
        SubAction::Webhook { body } => system.send_webhook(&body).await,
    }
}

async fn execute_common(
    s: &AppState,
    id: &str,
    body: KResult<KibanaJson>,
) -> KResult<(Connector, Result<Value, ConnectorError>)> {
    let c = connector(s, id).await?;
    let KibanaJson(v) = body?;
    known_fields(&v, &["params"])?;
    let action = parse_execute(c.kind(), &v)?;
    let r = run(s, &c, action).await;
    if let Err(e) = &r {
        tracing::warn!(connector = %c.id, error = %e, "connector action failed");
    }
    Ok((c, r))
}

/// `message` of an answer whose remote system failed.
pub const FAILED: &str = "an error occurred while running the action";

/// `data` of a sub-action that succeeded.
fn execute_data(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "nullable": true,
        "anyOf": [
            g.subschema_for::<wirewatch_connectors::PushedView>(),
            g.subschema_for::<wirewatch_connectors::RemoteView>(),
            {"description": "`.webhook`: the remote's answer.", "additionalProperties": true},
        ],
    })
}

/// `oneOf` rather than the `anyOf` of an untagged enum: the alternatives
/// exclude each other (by `status`).
fn one_of(s: &mut schemars::Schema) {
    if let Some(alternatives) = s.remove("anyOf") {
        s.insert("oneOf".into(), alternatives);
    }
}

/// The `_execute` answers of one form: `$id` names the connector,
/// `$service` holds the remote's reason.
macro_rules! execute_answers {
    ($ok:ident, $ok_name:tt, $error:ident, $error_name:tt, $result:ident,
     $result_name:tt, $id:tt, $service:tt, $ok_example:expr) => {
        /// A sub-action that succeeded.
        #[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
        #[schemars(rename = $ok_name, example = $ok_example)]
        pub struct $ok {
            /// The sub-action succeeded.
            #[schemars(extend("enum" = ["ok"]))]
            pub status: &'static str,
            /// `pushToService`: the incident pushed (`PushedIncident`);
            /// `getIncident` and `closeIncident`: the incident
            /// (`RemoteIncident`); `.webhook`: the remote's answer (its JSON,
            /// its text as a string, or `null` when empty).
            #[schemars(schema_with = "execute_data")]
            pub data: Value,
            /// The connector's id.
            #[serde(rename = $id)]
            pub connector_id: String,
        }

        /// A sub-action the remote system failed or refused. The HTTP status
        /// is still 200, as in Kibana.
        #[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
        #[schemars(rename = $error_name, example = $error::example())]
        pub struct $error {
            /// The remote system failed or refused.
            #[schemars(extend("enum" = ["error"]))]
            pub status: &'static str,
            /// Always this text.
            #[schemars(extend("enum" = [FAILED]))]
            pub message: &'static str,
            /// Whether trying again later may succeed: `true` for a
            /// connection failure, a timeout, 408, 429 or 5xx of the remote;
            /// `false` for a refusal (another 4xx, wrong credentials) or an
            /// answer it cannot use.
            pub retry: bool,
            /// The remote system's own reason, after the connector type:
            /// `[Action][Jira]: Unable to create issue. Error: Request failed
            /// with status code 400. Reason: ...`.
            #[serde(rename = $service)]
            pub service_message: String,
            /// The connector's id.
            #[serde(rename = $id)]
            pub connector_id: String,
        }

        impl $error {
            /// The example of the API's documentation.
            pub fn example() -> $error {
                $error {
                    status: "error",
                    message: FAILED,
                    retry: false,
                    service_message: "[Action][Jira]: Unable to create issue. Error: Request failed with \
                        status code 400. Reason: issuetype: Specify a valid issue type"
                        .into(),
                    connector_id: wirewatch_model::connector::EXAMPLE_ID.into(),
                }
            }
        }

        #[doc = concat!(
            "The answer of `_execute`: `status: \"ok\"` with `data`, or `status: \"error\"` with \
             `message`, `", $service, "` and `retry`; both name the connector (`", $id, "`). A failure \
             of the remote system is a 200 too, as in Kibana."
        )]
        #[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
        #[serde(untagged)]
        #[schemars(rename = $result_name, transform = one_of)]
        pub enum $result {
            Ok($ok),
            Error($error),
        }

        impl $result {
            /// The answer of a sub-action run on connector `c`.
            pub(crate) fn new(c: &Connector, r: Result<Value, ConnectorError>) -> $result {
                match r {
                    Ok(data) => $result::Ok($ok {
                        status: "ok",
                        data,
                        connector_id: c.id.clone(),
                    }),
                    Err(e) => $result::Error($error {
                        status: "error",
                        message: FAILED,
                        retry: e.retry,
                        service_message: e.message,
                        connector_id: c.id.clone(),
                    }),
                }
            }
        }
    };
}

execute_answers!(
    ExecuteOk,
    "ConnectorExecuteOk",
    ExecuteError,
    "ConnectorExecuteError",
    ExecuteResult,
    "ConnectorExecuteResult",
    "connector_id",
    "service_message",
    ExecuteOk {
        status: "ok",
        data: serde_json::to_value(wirewatch_connectors::PushedView::example()).unwrap_or_default(),
        connector_id: wirewatch_model::connector::EXAMPLE_ID.into(),
    }
);

execute_answers!(
    LegacyExecuteOk,
    "ActionExecuteOk",
    LegacyExecuteError,
    "ActionExecuteError",
    LegacyExecuteResult,
    "ActionExecuteResult",
    "actionId",
    "serviceMessage",
    LegacyExecuteOk::seed()
);

impl LegacyExecuteOk {
    /// The answer of the seed (Kibana's documentation), exactly.
    pub fn seed() -> LegacyExecuteOk {
        LegacyExecuteOk {
            status: "ok",
            data: json!({
                "title": "INC0010012",
                "id": "62dc3c8bdb7300106ba884da0b9619ea",
                "pushedDate": "2020-03-31T09:01:33.000Z",
                "url": "https://dev78437.service-now.com/nav_to.do?uri=incident.do?sys_id=62dc3c8bdb7300106ba884da0b9619ea",
                "comments": [{
                    "commentId": "dda30310-732a-11ea-a0b2-c51ea50a58e2",
                    "pushedDate": "2020-03-31T09:01:34.000Z"
                }]
            }),
            connector_id: "61787f53-4eee-4741-8df6-8fe84fa616f7".into(),
        }
    }
}

async fn execute(
    _: Guard<WriteLimited, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: KResult<KibanaJson>,
) -> KResult<Json<ExecuteResult>> {
    let (c, r) = execute_common(&s, &id, body).await?;
    Ok(Json(ExecuteResult::new(&c, r)))
}

async fn execute_legacy(
    _: Guard<WriteLimited, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: KResult<KibanaJson>,
) -> KResult<Json<LegacyExecuteResult>> {
    let (c, r) = execute_common(&s, &id, body).await?;
    Ok(Json(LegacyExecuteResult::new(&c, r)))
}

async fn stats(
    _: Guard<AnyAccess, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> KResult<Json<StatsView>> {
    let c = connector(&s, &id).await?;
    let store = s.store.clone();
    let st = blocking(move || store.incident_stats(&c.id)).await?;
    let t = s.store.ticketing();
    Ok(Json(StatsView {
        stats: st,
        automatic: t.external_ticketing_enabled && t.connector_id.as_deref() == Some(id.as_str()),
    }))
}

/// Push counters of a connector since it was created (wirewatch extension).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "ConnectorStats", example = StatsView::example())]
pub struct StatsView {
    #[serde(flatten)]
    pub stats: wirewatch_store::IncidentStats,
    /// Whether automatic external ticketing pushes to this connector now
    /// (`external_ticketing_enabled` and `connector_id` of
    /// `/api/v1/extrahop/ticketing`).
    pub automatic: bool,
}

impl StatsView {
    /// The example of the API's documentation.
    pub fn example() -> StatsView {
        StatsView {
            stats: wirewatch_store::IncidentStats {
                queued: 0,
                created: 12,
                updated: 30,
                comments: 4,
                retried: 2,
                failed: 1,
                synced: 7,
                failed_waiting: 1,
                last_error: Some(wirewatch_store::FailedPush::example().error),
                last_error_time: Some(1_795_423_005_000),
                last_push_time: Some(1_795_423_205_000),
            },
            automatic: true,
        }
    }
}

/// Body of `POST .../_failed/_replay` (wirewatch extension): which failed
/// pushes to queue again. Left out (no body), `{}` or `"ids": null` replays
/// them all.
#[allow(dead_code)] // read by the document's tests; the handler checks the JSON itself
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "FailedPushReplay")]
pub struct ReplayBody {
    /// Ids of failed pushes (`GET .../_failed`); ids of other connectors or
    /// unknown ones are skipped.
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
}

/// How many failed pushes were queued again (wirewatch extension).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "FailedPushesReplayed", example = Replayed { replayed: 1 })]
pub struct Replayed {
    /// The number of failed pushes queued again.
    pub replayed: u64,
}

#[derive(Deserialize)]
struct FailedQuery {
    #[serde(default)]
    limit: Option<usize>,
}

async fn failed(
    _: Guard<AnyAccess, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<FailedQuery>, axum::extract::rejection::QueryRejection>,
) -> KResult<Json<Value>> {
    let q = q.map_err(|e| Error::invalid("limit", e.body_text()))?;
    let c = connector(&s, &id).await?;
    let limit = q.limit.unwrap_or(100).min(1000);
    let store = s.store.clone();
    let list = blocking(move || store.failed_pushes(&c.id, limit)).await?;
    Ok(Json(serde_json::to_value(list).unwrap_or_default()))
}

async fn replay(
    caller: Guard<WriteFull, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: KResult<OptionalKibanaJson>,
) -> KResult<Json<Replayed>> {
    let c = connector(&s, &id).await?;
    let ids: Option<Vec<i64>> = if let Some(v) = body?.0 {
        known_fields(&v, &["ids"])?;
        match v.get("ids") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        x.as_i64().ok_or_else(|| {
                            Error::invalid(format!("ids[{i}]"), "must be an integer")
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(_) => {
                return Err(Error::invalid("ids", "must be an array of failed-push ids").into())
            }
        }
    } else {
        None
    };
    let store = s.store.clone();
    let n = blocking(move || store.replay_failed_pushes(&c.id, ids.as_deref())).await?;
    crate::routes::audit(
        &s,
        &caller,
        "replay failed incident pushes",
        "connectors",
        json!({"id": id, "replayed": n}),
    );
    Ok(Json(Replayed { replayed: n }))
}

async fn sync_now(
    _: Guard<WriteLimited, KError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> KResult<Json<SyncAnswer>> {
    let c = connector(&s, &id).await?;
    if !c.kind().supports_incidents() {
        return Err(Error::invalid("id", ".webhook connectors hold no incidents").into());
    }
    Ok(Json(match s.connectors.pull(&c.id).await {
        Ok(changed) => SyncAnswer::Ok {
            status: "ok",
            changed,
        },
        Err(e) => SyncAnswer::Error {
            status: "error",
            message: FAILED,
            service_message: e.message,
            retry: e.retry,
        },
    }))
}

/// The answer of `POST .../_sync` (wirewatch extension).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(
    rename = "ConnectorSyncResult",
    transform = one_of,
    example = SyncAnswer::Ok { status: "ok", changed: 2 }
)]
pub enum SyncAnswer {
    /// The pull succeeded (at least in part).
    Ok {
        /// The pull ran.
        #[schemars(extend("enum" = ["ok"]))]
        status: &'static str,
        /// Detections whose status or assignee changed.
        changed: usize,
    },
    /// Every incident read failed. The HTTP status is still 200.
    Error {
        /// The remote system failed.
        #[schemars(extend("enum" = ["error"]))]
        status: &'static str,
        /// Always this text.
        #[schemars(extend("enum" = [FAILED]))]
        message: &'static str,
        /// The remote system's own reason.
        service_message: String,
        /// Whether trying again later may succeed.
        retry: bool,
    },
}

#[derive(Deserialize)]
struct WebhookQuery {
    #[serde(default)]
    token: Option<String>,
}

fn same(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    // Compare digests: constant time in the secret's content and length.
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// Inbound webhook: the remote system says an incident changed. Accepted
/// with the connector's `secrets.webhookToken` (query `token` or header
/// `X-Wirewatch-Token`) or an API key with write access. The body names the
/// incident (Jira's `issue`, ServiceNow's `sys_id`/`number`, or
/// `externalId`); its state is then read from the remote system.
async fn webhook(
    caller: Result<Caller, ApiError>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<WebhookQuery>, axum::extract::rejection::QueryRejection>,
    body: KResult<KibanaJson>,
) -> KResult<Response> {
    let c = connector(&s, &id).await.map_err(|e| {
        // Do not reveal which connector ids exist to unauthenticated callers.
        if caller.is_err() {
            KError(Error::new(Code::Unauthorized, "unknown connector or token"))
        } else {
            e
        }
    })?;
    let token = q.ok().and_then(|q| q.0.token).or_else(|| {
        headers
            .get("x-wirewatch-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let by_token = match (c.webhook_token(), token.as_deref()) {
        (Some(want), Some(got)) if !want.is_empty() => same(want, got),
        _ => false,
    };
    if !by_token {
        let caller = caller.map_err(|_| {
            KError(Error::new(
                Code::Unauthorized,
                "unknown connector or token; send ?token=<secrets.webhookToken> or an API key",
            ))
        })?;
        caller.require(Access::WriteLimited)?;
    }
    if !c.kind().supports_incidents() {
        return Err(Error::invalid("id", ".webhook connectors hold no incidents").into());
    }
    let KibanaJson(v) = body?;
    let key = wirewatch_connectors::sync::webhook_key(&v).ok_or_else(|| {
        Error::invalid(
            "issue",
            "the body names no incident (issue.id, issue.key, sys_id, number or externalId)",
        )
    })?;
    match s.connectors.sync_incident(&c.id, &key).await {
        Ok(detections_changed) => Ok(Json(WebhookDone {
            status: "ok",
            incident: key,
            detections_changed,
        })
        .into_response()),
        Err(e) => Ok((
            if e.retry {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_GATEWAY
            },
            Json(WebhookFailed {
                status: "error",
                incident: key,
                message: FAILED,
                service_message: e.message,
                retry: e.retry,
            }),
        )
            .into_response()),
    }
}

/// Body of `POST .../_webhook` (wirewatch extension): any JSON object naming
/// the incident that changed. The first of `issue.id`, `issue.key` (a Jira
/// webhook), `sys_id`, `result.sys_id`, `number` (ServiceNow), `externalId`
/// and `id` that is a non-empty string or a number is used; other fields are
/// ignored. The incident's state is then read from the remote system, never
/// taken from the body.
#[allow(dead_code)] // read by the document's tests; the handler reads `webhook_key`
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "ConnectorWebhookEvent")]
pub struct WebhookEvent {
    /// Jira's event name (ignored).
    #[serde(rename = "webhookEvent")]
    pub webhook_event: Option<String>,
    /// Jira's issue.
    pub issue: Option<JiraIssue>,
    /// ServiceNow's `sys_id`.
    #[serde(default)]
    pub sys_id: Scalar,
    /// ServiceNow's Table API record.
    pub result: Option<TableRecord>,
    /// ServiceNow's incident number.
    #[serde(default)]
    pub number: Scalar,
    /// The incident's id or key.
    #[serde(rename = "externalId", default)]
    pub external_id: Scalar,
    /// The incident's id or key.
    #[serde(default)]
    pub id: Scalar,
}

/// Jira's issue.
#[allow(dead_code)] // read by the document's tests
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct JiraIssue {
    /// The issue id.
    #[serde(default)]
    pub id: Scalar,
    /// The issue key.
    #[serde(default)]
    pub key: Scalar,
}

/// ServiceNow's Table API record.
#[allow(dead_code)] // read by the document's tests
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct TableRecord {
    /// Its `sys_id`.
    #[serde(default)]
    pub sys_id: Scalar,
}

/// The incident was read and its state applied (wirewatch extension).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(
    rename = "ConnectorWebhookResult",
    example = WebhookDone { status: "ok", incident: "SEC-1".into(), detections_changed: vec![42] }
)]
pub struct WebhookDone {
    /// Done.
    #[schemars(extend("enum" = ["ok"]))]
    pub status: &'static str,
    /// The incident the body named.
    pub incident: String,
    /// The detections whose status or assignee changed.
    pub detections_changed: Vec<u64>,
}

/// The remote system could not be read (wirewatch extension).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "ConnectorWebhookFailure", example = WebhookFailed::example())]
pub struct WebhookFailed {
    /// Failed.
    #[schemars(extend("enum" = ["error"]))]
    pub status: &'static str,
    /// The incident the body named.
    pub incident: String,
    /// Always this text.
    #[schemars(extend("enum" = [FAILED]))]
    pub message: &'static str,
    /// The remote system's own reason.
    pub service_message: String,
    /// Whether trying again later may succeed (503) or not (502).
    pub retry: bool,
}

impl WebhookFailed {
    /// The example of the API's documentation.
    pub fn example() -> WebhookFailed {
        WebhookFailed {
            status: "error",
            incident: "SEC-1".into(),
            message: FAILED,
            service_message:
                "[Action][Jira]: Unable to get issue SEC-1. Error: Request failed with status \
                code 503. Reason: Service Unavailable"
                    .into(),
            retry: true,
        }
    }
}

impl crate::guard::Input for KibanaJson {
    fn body() -> Option<crate::guard::Body> {
        crate::guard::json(crate::guard::Dialect::Kibana, false)
    }
}

impl crate::guard::Input for OptionalKibanaJson {
    fn body() -> Option<crate::guard::Body> {
        crate::guard::json(crate::guard::Dialect::Kibana, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any answer, written as the handlers write it.
    mod erased {
        pub trait Ser {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> String {
                serde_json::to_string(self).unwrap()
            }
        }
    }

    /// The views write the bytes the handlers wrote when they built the
    /// answers with `json!`.
    #[test]
    fn the_views_write_the_answers_of_before() {
        let types: Vec<TypeView> = ConnectorType::ALL.into_iter().map(TypeView::new).collect();
        let before: Vec<Value> = ConnectorType::ALL
            .iter()
            .map(|t| {
                json!({
                    "id": t.as_str(),
                    "name": t.display_name(),
                    "enabled": true,
                    "enabled_in_config": true,
                    "enabled_in_license": true,
                    "minimum_license_required": "basic",
                    "supported_feature_ids": if t.supports_incidents() { json!(["cases", "alerting"]) } else { json!(["alerting"]) },
                    "is_system_action_type": false,
                })
            })
            .collect();
        assert_eq!(
            serde_json::to_string(&types).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
        let c = Connector {
            id: "c".into(),
            name: "hook".into(),
            spec: parse_spec(
                ConnectorType::Webhook,
                json!({"url": "https://h.example/x", "hasAuth": false}),
                Value::Null,
            )
            .unwrap(),
        };
        for n in [None, Some(3)] {
            let mut before = serde_json::Map::new();
            before.insert("id".into(), json!("c"));
            before.insert("name".into(), json!("hook"));
            before.insert("connector_type_id".into(), json!(".webhook"));
            before.insert("config".into(), c.config_json());
            before.insert("is_preconfigured".into(), false.into());
            before.insert("is_deprecated".into(), false.into());
            before.insert("is_missing_secrets".into(), false.into());
            before.insert("is_system_action".into(), false.into());
            if let Some(n) = n {
                before.insert("referenced_by_count".into(), n.into());
            }
            assert_eq!(
                serde_json::to_string(&c.view(n)).unwrap(),
                Value::Object(before).to_string()
            );
        }
        // The `_execute` answers, as `answer()` wrote them.
        let before = |r: Result<Value, ConnectorError>, legacy: bool| {
            let (id_key, sm_key) = if legacy {
                ("actionId", "serviceMessage")
            } else {
                ("connector_id", "service_message")
            };
            let mut v = match r {
                Ok(data) => json!({"status": "ok", "data": data}),
                Err(e) => {
                    let mut v = json!({"status": "error", "message": FAILED, "retry": e.retry});
                    v[sm_key] = e.message.into();
                    v
                }
            };
            v[id_key] = "c".into();
            v.to_string()
        };
        let results = || {
            [
                Ok(json!({"id": "1", "title": "SEC-1"})),
                Ok(Value::Null),
                Err(ConnectorError {
                    retry: true,
                    ..ConnectorError::transient("[Action][Jira]: down")
                }),
            ]
        };
        for (r, again) in results().into_iter().zip(results()) {
            assert_eq!(
                serde_json::to_string(&ExecuteResult::new(&c, r)).unwrap(),
                before(again, false)
            );
        }
        for (r, again) in results().into_iter().zip(results()) {
            assert_eq!(
                serde_json::to_string(&LegacyExecuteResult::new(&c, r)).unwrap(),
                before(again, true)
            );
        }
        // The extensions' answers.
        let text = |v: &dyn erased::Ser| v.json();
        assert_eq!(
            text(&SyncAnswer::Ok {
                status: "ok",
                changed: 2
            }),
            json!({"status": "ok", "changed": 2}).to_string()
        );
        assert_eq!(
            text(&SyncAnswer::Error {
                status: "error",
                message: FAILED,
                service_message: "m".into(),
                retry: false
            }),
            json!({"status": "error", "message": FAILED, "service_message": "m", "retry": false})
                .to_string()
        );
        assert_eq!(
            text(&WebhookDone {
                status: "ok",
                incident: "SEC-1".into(),
                detections_changed: vec![42]
            }),
            json!({"status": "ok", "incident": "SEC-1", "detections_changed": [42]}).to_string()
        );
        let f = WebhookFailed::example();
        assert_eq!(
            text(&f),
            json!({"status": "error", "incident": "SEC-1", "message": FAILED,
                   "service_message": f.service_message, "retry": true})
            .to_string()
        );
        assert_eq!(
            text(&Replayed { replayed: 3 }),
            json!({"replayed": 3}).to_string()
        );
        let st = StatsView::example();
        let mut v = serde_json::to_value(&st.stats).unwrap();
        v["automatic"] = true.into();
        assert_eq!(text(&st), v.to_string());
        for (status, message, field) in [
            (400, "[request body.name]: must not be empty", Some("name")),
            (404, "Saved object [action/x] not found", None),
            (500, "An internal server error occurred.", None),
        ] {
            let s = StatusCode::from_u16(status).unwrap();
            let mut before = json!({
                "statusCode": s.as_u16(),
                "error": s.canonical_reason().unwrap_or("Error"),
                "message": message,
            });
            if let Some(f) = field {
                before["field"] = f.into();
            }
            let body = ErrorBody::new(status, message.into(), field.map(str::to_string));
            assert_eq!(
                serde_json::to_string(&body).unwrap(),
                serde_json::to_string(&before).unwrap()
            );
        }
    }
}
