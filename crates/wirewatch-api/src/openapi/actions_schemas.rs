//! Component schemas and error responses of the external incident connectors
//! in Kibana's actions form (`/api/actions/...`, `routes::actions`): the four
//! connector types' `config` and write-only `secrets`
//! (`wirewatch_model::connector`), the create and update bodies, the connector
//! as answers show it, and Kibana's `{"statusCode", "error", "message",
//! "field"}` errors. The `_execute` parameters and answers and the extensions'
//! are in `actions_execute_schemas`.

use super::{boolean, enumeration, ext, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::connector::{ConnectorType, WebhookAuthType, WebhookMethod, MAX_NAME};

/// The shared error responses (`components.responses`) of the connectors API, by status.
pub(super) const RESPONSES: &[(u16, &str)] = &[
    (400, "ActionsBadRequest"),
    (401, "ActionsUnauthorized"),
    (403, "ActionsForbidden"),
    (404, "ActionsNotFound"),
    (409, "ActionsConflict"),
];

/// The connector of the examples (the seed's, from Kibana's documentation).
pub(super) const CONNECTOR_ID: &str = "7349772f-421a-4de3-b8bb-2d9b22ccee30";

/// The component schema of each type's `config` and `secrets`, and of its create body.
pub(super) const TYPE_SCHEMAS: [(ConnectorType, &str, &str, &str); 4] = [
    (
        ConnectorType::Jira,
        "JiraConfig",
        "JiraSecrets",
        "JiraConnectorCreate",
    ),
    (
        ConnectorType::ServiceNow,
        "ServiceNowConfig",
        "ServiceNowSecrets",
        "ServiceNowConnectorCreate",
    ),
    (
        ConnectorType::Webhook,
        "WebhookConfig",
        "WebhookSecrets",
        "WebhookConnectorCreate",
    ),
    (
        ConnectorType::CasesWebhook,
        "CasesWebhookConfig",
        "WebhookSecrets",
        "CasesWebhookConnectorCreate",
    ),
];

/// What `check_url` accepts: `http(s)://`, a host without credentials, no
/// spaces or control characters.
pub(super) const URL_PATTERN: &str =
    "^https?://[^/?#@\\s\\x00-\\x1F\\x7F-\\x9F]+([/?#][^\\s\\x00-\\x1F\\x7F-\\x9F]*)?$";

/// A connector id `POST /actions/connector/{id}` accepts (`check_id`).
pub(super) const ID_PATTERN: &str = "^[A-Za-z0-9._-]{1,128}$";

/// The variables of `.cases-webhook` templates.
pub(super) const TEMPLATE_VARIABLES: [&str; 7] = [
    "case.id",
    "case.title",
    "case.description",
    "case.tags",
    "case.comment",
    "external.system.id",
    "external.system.title",
];

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("ActionsError", error());
    put("ConnectorType", connector_type());
    put("JiraConfig", jira_config());
    put("JiraSecrets", jira_secrets());
    put("ServiceNowConfig", servicenow_config());
    put("ServiceNowSecrets", servicenow_secrets());
    put("WebhookConfig", webhook_config());
    put("CasesWebhookConfig", cases_webhook_config());
    put("WebhookSecrets", webhook_secrets());
    for (kind, config, secrets, create) in TYPE_SCHEMAS {
        put(create, connector_create(kind, config, secrets));
    }
    put("ConnectorCreate", create_any());
    put("ConnectorUpdate", connector_update());
    put("Connector", connector());
}

/// A Kibana error body as `KError` writes it; with a field, `message` is the problem.
pub(super) fn kibana_error(status: u16, message: &str, field: Option<&str>) -> Value {
    let reason = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut v = json!({"statusCode": status, "error": reason});
    match field {
        Some(f) => {
            // `Error::invalid` names the field in its message too.
            v["message"] = json!(format!("[request body.{f}]: {f}: {message}"));
            v["field"] = json!(f);
        }
        None => v["message"] = json!(message),
    }
    v
}

/// The shared error responses, added to `components.responses`.
pub(super) fn add_responses(responses: &mut Value) {
    let resp = |description: &str, example: Value| {
        json!({"description": description, "content": {"application/json": {
            "schema": r("ActionsError"), "example": example}}})
    };
    let mut unauthorized = resp(
        "No `Authorization` header, a malformed one, or an unknown API key.",
        kibana_error(401, "invalid API key", None),
    );
    unauthorized["headers"] = json!({"WWW-Authenticate": {
        "description": "Always `ApiKey`.",
        "schema": {"type": "string", "example": "ApiKey"},
    }});
    let texts = [
        resp(
            "The request is invalid: the body is not a JSON object, a field is unknown, missing, of the wrong type \
             or out of range. `field` names the field (`config.apiUrl`, `params.subActionParams.externalId`), and \
             `message` starts with `[request body.<field>]: `; a body that is not JSON has no `field`.",
            kibana_error(400, "is required", Some("config.projectKey")),
        ),
        unauthorized,
        resp(
            "The caller's privileges do not allow the operation; the message names the privilege needed.",
            kibana_error(
                403,
                "this operation needs \"system\": \"full\" privileges",
                None,
            ),
        ),
        resp(
            "There is no connector with that id.",
            kibana_error(
                404,
                &format!("Saved object [action/{CONNECTOR_ID}] not found"),
                None,
            ),
        ),
        resp(
            "A connector with that id already exists (create), or the connector is the one automatic external \
             ticketing pushes to (delete).",
            kibana_error(409, "a connector with id \"soc-cases\" already exists", None),
        ),
    ];
    for ((_, name), v) in RESPONSES.iter().zip(texts) {
        responses[*name] = v;
    }
}

/// A security scheme for the inbound webhook's shared secret (`secrets.webhookToken`).
pub(super) fn webhook_token_scheme(location: &str, name: &str) -> Value {
    json!({
        "type": "apiKey",
        "in": location,
        "name": name,
        "description": format!(
            "The connector's `secrets.webhookToken` (a wirewatch extension), for `POST \
             /actions/connector/{{id}}/_webhook` only: sent as the {location} {name} by a system that cannot send \
             an API key (a Jira webhook, a ServiceNow business rule)."
        ),
    })
}

pub(super) fn with_example(mut schema: Value, example: Value) -> Value {
    schema["example"] = example;
    schema
}

/// An object whose unknown fields the handler refuses (a 400 naming the field).
pub(super) fn closed(mut schema: Value) -> Value {
    schema["additionalProperties"] = json!(false);
    schema
}

pub(super) fn with_default(mut schema: Value, default: Value) -> Value {
    schema["default"] = default;
    schema
}

/// A string that must hold more than spaces.
fn text(description: &str) -> Value {
    json!({"type": "string", "pattern": "\\S", "description": description})
}

/// A string that must not be empty.
pub(super) fn non_empty(description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "description": description})
}

fn url(description: &str) -> Value {
    json!({"type": "string", "pattern": URL_PATTERN,
           "description": format!("{description} An http:// or https:// URL without credentials (put them in `secrets`).")})
}

pub(super) fn count(description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 0, "description": description})
}

fn type_ids() -> Vec<Value> {
    ConnectorType::ALL
        .iter()
        .map(|t| json!(t.as_str()))
        .collect()
}

fn methods(description: &str, nullable: bool) -> Value {
    enumeration(
        wire(&[
            WebhookMethod::Post,
            WebhookMethod::Put,
            WebhookMethod::Patch,
        ]),
        nullable,
        description,
    )
}

fn error() -> Value {
    let mut props = json!({
        "statusCode": {"type": "integer", "enum": [400, 401, 403, 404, 409, 500],
                       "description": "The HTTP status, repeated."},
        "error": string("The status's reason phrase: `Bad Request`, `Unauthorized`, `Forbidden`, `Not Found`, \
                         `Conflict`, `Internal Server Error`."),
        "message": string("What went wrong, for people. For a 400 naming a field it is `[request \
                           body.<field>]: <field>: <problem>`. A 500 says only `An internal server error occurred.`"),
    });
    props["field"] = string(
        "Only in a 400 about one field: its path in the request (`name`, `config.apiUrl`, `secrets.user`, \
         `params.subActionParams.title`, `ids[2]`; `id` for the path parameter).",
    );
    with_example(
        object(
            "An error, in Kibana's shape.",
            &["statusCode", "error", "message"],
            props,
        ),
        kibana_error(
            400,
            "\"ftp://x\" is not an http:// or https:// URL",
            Some("config.apiUrl"),
        ),
    )
}

fn connector_type() -> Value {
    with_example(
        object(
            "A connector type this sensor implements (`GET /actions/connector_types`).",
            &[
                "id",
                "name",
                "enabled",
                "enabled_in_config",
                "enabled_in_license",
                "minimum_license_required",
                "supported_feature_ids",
                "is_system_action_type",
            ],
            json!({
                "id": enumeration(type_ids(), false, "The type: the `connector_type_id` of its connectors."),
                "name": string("Its name: `Jira`, `ServiceNow ITSM`, `Webhook`, `Webhook - Case Management`."),
                "enabled": boolean("Always `true`."),
                "enabled_in_config": boolean("Always `true`."),
                "enabled_in_license": boolean("Always `true` (no license needed)."),
                "minimum_license_required": enumeration(vec![json!("basic")], false, "Always `basic`."),
                "supported_feature_ids": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["cases", "alerting"]},
                    "description": "`[\"cases\", \"alerting\"]` for the types that hold incidents (`pushToService`, \
                                    automatic external ticketing); `[\"alerting\"]` for `.webhook`.",
                },
                "is_system_action_type": boolean("Always `false`."),
            }),
        ),
        json!({"id": ".jira", "name": "Jira", "enabled": true, "enabled_in_config": true, "enabled_in_license": true,
               "minimum_license_required": "basic", "supported_feature_ids": ["cases", "alerting"],
               "is_system_action_type": false}),
    )
}

/// `secrets.webhookToken`, a wirewatch extension.
fn webhook_token(what: &str) -> Value {
    ext(
        json!({"type": "string", "minLength": 16, "description": format!(
            "The shared secret of the inbound webhook: `POST /actions/connector/{{id}}/_webhook` accepts a request \
             carrying it (`?token=...` or the `X-Wirewatch-Token` header) without an API key. {what}"
        )}),
    )
}

/// A write-only secrets object.
fn secrets(description: &str, required: &[&str], props: Value, example: Value) -> Value {
    let mut s = object(
        &format!(
            "{description} Write-only: no answer carries secrets (a connector shows `is_missing_secrets` instead)."
        ),
        required,
        props,
    );
    s["writeOnly"] = json!(true);
    with_example(closed(s), example)
}

fn jira_config() -> Value {
    with_example(
        closed(object(
            "`config` of a `.jira` connector: Jira Cloud or Data Center, through REST API v2. Issues are created in \
             the project; updates are `PUT`s, comments are Jira comments, a status change takes the workflow's \
             transition into the status category (`new`, `indeterminate`, `done`).",
            &["apiUrl", "projectKey"],
            json!({
                "apiUrl": url("The Jira site, e.g. `https://acme.atlassian.net`."),
                "projectKey": {"type": "string", "pattern": "^[A-Za-z0-9_]+$",
                               "description": "The key of the project issues are created in (`SEC`): letters, digits and underscores."},
            }),
        )),
        json!({"apiUrl": "https://jira.example.com", "projectKey": "SEC"}),
    )
}

fn jira_secrets() -> Value {
    secrets(
        "`secrets` of a `.jira` connector: basic authentication.",
        &["email", "apiToken"],
        json!({
            "email": text("The account's email (Jira Cloud) or user name (Data Center)."),
            "apiToken": text("The account's API token (Jira Cloud) or password (Data Center)."),
            "webhookToken": webhook_token("Point a Jira webhook at `.../_webhook?token=<webhookToken>`."),
        }),
        json!({"email": "soc-bot@example.com", "apiToken": "ATATT3xFfGF0-example-token", "webhookToken": "b7e1c2d94f3a4e0c"}),
    )
}

fn servicenow_config() -> Value {
    with_example(
        closed(object(
            "`config` of a `.servicenow` connector: ServiceNow ITSM through the Table API (`incident`). Updates are \
             `PATCH`es, comments become `work_notes`, `closeIncident` sets state 7 with a close code. Only basic \
             authentication is supported; the OAuth fields of Kibana's form are kept as given but unused.",
            &["apiUrl"],
            json!({
                "apiUrl": url("The instance, e.g. `https://acme.service-now.com`."),
                "usesTableApi": with_default(boolean(
                    "Kibana's switch between the Table API and Elastic's import-set application: wirewatch always \
                     uses the Table API and keeps the value as given."), json!(true)),
                "isOAuth": with_default(json!({"type": "boolean", "enum": [false], "description":
                    "OAuth (JWT bearer) is not supported: `true` is a 400 naming `config.isOAuth`."}), json!(false)),
                "clientId": string("OAuth client id (Kibana's form): kept as given, unused. Answers leave it out when not set."),
                "userIdentifierValue": string("OAuth user identifier (Kibana's form): kept as given, unused. Answers \
                                               leave it out when not set."),
                "jwtKeyId": string("OAuth JWT key id (Kibana's form): kept as given, unused. Answers leave it out when not set."),
            }),
        )),
        json!({"apiUrl": "https://itsm.example.com", "usesTableApi": true, "isOAuth": false}),
    )
}

fn servicenow_secrets() -> Value {
    secrets(
        "`secrets` of a `.servicenow` connector: basic authentication.",
        &["username", "password"],
        json!({
            "username": non_empty("The ServiceNow user."),
            "password": string("Its password."),
            "clientSecret": string("OAuth client secret (Kibana's form): accepted and kept, unused."),
            "privateKey": string("OAuth private key (Kibana's form): accepted and kept, unused."),
            "webhookToken": webhook_token("Point a ServiceNow business rule (outbound REST message) at \
                                           `.../_webhook?token=<webhookToken>`."),
        }),
        json!({"username": "wirewatch.integration", "password": "s3cret-password", "webhookToken": "0c9e6f1a2d7b4c35"}),
    )
}

fn headers() -> Value {
    json!({
        "type": "object",
        "nullable": true,
        "additionalProperties": {"type": "string", "pattern": "^[^\\r\\n]*$"},
        "description": format!("Extra request headers: names of visible ASCII characters without `:`, values strings without \
                        line breaks. A `Content-Type` without `json` sends a `.webhook` body as `text/plain`; \
                        otherwise bodies are `application/json`. {}", secret_headers_note()),
    })
}

/// How headers that carry credentials are handled (connectors' `config.headers`).
pub(super) fn secret_headers_note() -> String {
    format!(
        "Headers whose name contains {} (case-insensitive: `Authorization`, `Proxy-Authorization`, `X-Api-Key`, \
         `Cookie`, `Set-Cookie`, …) are write-only: stored encrypted, sent with every request, and left out of every \
         answer. An update (`PUT`) whose `config.headers` leaves such a header out keeps it; one set to `null` is removed.",
        secret_header_words()
    )
}

/// The words that make a header name secret, as Markdown (`key`, `token`, …).
pub(super) fn secret_header_words() -> String {
    wirewatch_model::secret::SECRET_HEADER_WORDS
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn has_auth() -> Value {
    with_default(
        boolean(
            "Send basic authentication with `secrets.user` and `secrets.password`, which are then required \
             (`secrets.user` not empty).",
        ),
        json!(true),
    )
}

fn auth_type() -> Value {
    enumeration(
        wire(&[WebhookAuthType::Basic]),
        true,
        "`webhook-authentication-basic` or `null` (both: basic authentication when `hasAuth`). \
         `webhook-authentication-ssl` (client certificates) is not supported: a 400 naming `config.authType`.",
    )
}

fn webhook_config() -> Value {
    with_example(
        closed(object(
            "`config` of a `.webhook` connector: `_execute` sends `params.body` to the URL. It holds no incidents \
             (no `pushToService`, not usable by automatic external ticketing).",
            &["url"],
            json!({
                "url": url("Where the body is sent."),
                "method": with_default(methods("The HTTP method.", false), json!("post")),
                "headers": headers(),
                "hasAuth": has_auth(),
                "authType": auth_type(),
            }),
        )),
        json!({"url": "https://hooks.example.com/soc", "method": "post", "headers": {"X-Team": "soc"},
               "hasAuth": true, "authType": "webhook-authentication-basic"}),
    )
}

fn template_url(description: &str, nullable: bool) -> Value {
    let mut s = json!({"type": "string", "pattern": "^https?://", "description": format!(
        "{description} A URL template: variables are replaced by their percent-encoded text, and the result must \
         be an http:// or https:// URL without credentials."
    )});
    if nullable {
        s["nullable"] = json!(true);
    }
    s
}

fn template_json(description: &str, nullable: bool) -> Value {
    let mut s = json!({"type": "string", "minLength": 2, "description": format!(
        "{description} A JSON template: variables are replaced by their JSON values (strings quoted and escaped, \
         `case.tags` an array), so write them without quotes (`{{\"summary\": {{{{{{case.title}}}}}}}}`); the \
         result must be JSON."
    )});
    if nullable {
        s["nullable"] = json!(true);
    }
    s
}

fn cases_webhook_config() -> Value {
    let vars = TEMPLATE_VARIABLES
        .iter()
        .map(|v| format!("`{{{{{{{v}}}}}}}`"))
        .collect::<Vec<_>>()
        .join(", ");
    with_example(
        closed(object(
            &format!(
                "`config` of a `.cases-webhook` connector (Kibana's Webhook - Case Management): incidents are \
                 created, read, updated and commented through templated requests. Templates use Mustache \
                 variables ({vars}; `{{{{var}}}}` works too); an unknown variable is a 400. Templates are checked \
                 when the connector is saved, by rendering them with sample values. `closeIncident` is not \
                 supported (it answers `status: \"error\"`)."
            ),
            &[
                "createIncidentUrl",
                "createIncidentJson",
                "createIncidentResponseKey",
                "getIncidentUrl",
                "getIncidentResponseExternalTitleKey",
                "viewIncidentUrl",
                "updateIncidentUrl",
                "updateIncidentJson",
            ],
            json!({
                "createIncidentUrl": template_url("Where a new incident is sent.", false),
                "createIncidentMethod": with_default(methods("The method that creates an incident.", false), json!("post")),
                "createIncidentJson": template_json("The body that creates an incident.", false),
                "createIncidentResponseKey": text(
                    "Where the new incident's id is in the answer, as a dotted path (`id`, `result.sys_id`, `data.0.id`)."),
                "getIncidentUrl": template_url(
                    "Where an incident is read; must contain `{{{external.system.id}}}`.", false),
                "getIncidentResponseExternalTitleKey": text(
                    "Where the incident's title (its key, `SEC-1`) is in that answer, as a dotted path."),
                "viewIncidentUrl": template_url(
                    "The page of an incident, for people; must contain `{{{external.system.id}}}` or \
                     `{{{external.system.title}}}`.", false),
                "updateIncidentUrl": template_url(
                    "Where an incident's update is sent; must contain `{{{external.system.id}}}`.", false),
                "updateIncidentMethod": with_default(methods("The method that updates an incident.", false), json!("put")),
                "updateIncidentJson": template_json("The body that updates an incident.", false),
                "createCommentUrl": template_url(
                    "Where a comment is sent (with `createCommentJson`; both or neither). `null`: comments are not sent.", true),
                "createCommentMethod": methods("The method that adds a comment; `null` sends `put`.", true),
                "createCommentJson": template_json(
                    "The body that adds a comment (`{{{case.comment}}}` is its text); required with `createCommentUrl`.", true),
                "headers": headers(),
                "hasAuth": has_auth(),
                "authType": auth_type(),
            }),
        )),
        json!({
            "createIncidentUrl": "https://jira.example.com/rest/api/2/issue",
            "createIncidentMethod": "post",
            "createIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}},\"description\":{{{case.description}}},\"labels\":{{{case.tags}}},\"project\":{\"key\":\"ROC\"},\"issuetype\":{\"name\":\"Task\"}}}",
            "createIncidentResponseKey": "id",
            "getIncidentUrl": "https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}",
            "getIncidentResponseExternalTitleKey": "key",
            "viewIncidentUrl": "https://jira.example.com/browse/{{{external.system.title}}}",
            "updateIncidentUrl": "https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}",
            "updateIncidentMethod": "put",
            "updateIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}},\"description\":{{{case.description}}}}}",
            "createCommentUrl": "https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}/comment",
            "createCommentMethod": "post",
            "createCommentJson": "{\"body\":{{{case.comment}}}}",
            "headers": null,
            "hasAuth": true,
            "authType": null,
        }),
    )
}

fn webhook_secrets() -> Value {
    secrets(
        "`secrets` of a `.webhook` or `.cases-webhook` connector: basic authentication, required when \
         `config.hasAuth` is `true` (the default); may be left out otherwise.",
        &[],
        json!({
            "user": string("The user (not empty when `hasAuth`)."),
            "password": string("Its password (required when `hasAuth`)."),
            "webhookToken": webhook_token(
                "For `.cases-webhook` connectors (`.webhook` connectors hold no incidents)."),
        }),
        json!({"user": "soc-bot", "password": "s3cret-password"}),
    )
}

fn name(description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": "\\S",
           "description": format!("{description} Not blank, at most {MAX_NAME} characters; need not be unique.")})
}

fn connector_create(kind: ConnectorType, config: &str, secrets: &str) -> Value {
    let (required, secrets_text): (&[&str], &str) =
        if kind.supports_incidents() && kind != ConnectorType::CasesWebhook {
            (&["name", "connector_type_id", "config", "secrets"], "")
        } else {
            (
                &["name", "connector_type_id", "config"],
                " `secrets` may be left out when `config.hasAuth` is `false`.",
            )
        };
    closed(object(
        &format!(
            "Body creating a `{}` connector ({}). Fields other than these four are a 400.{secrets_text}",
            kind.as_str(),
            kind.display_name()
        ),
        required,
        json!({
            "name": name("The connector's name."),
            "connector_type_id": enumeration(vec![json!(kind.as_str())], false, "The connector type."),
            "config": r(config),
            "secrets": r(secrets),
        }),
    ))
}

fn create_any() -> Value {
    let mapping: Map<String, Value> = TYPE_SCHEMAS
        .iter()
        .map(|(kind, _, _, create)| {
            (
                kind.as_str().to_string(),
                json!(format!("#/components/schemas/{create}")),
            )
        })
        .collect();
    json!({
        "description": "Body of `POST /actions/connector`: a name, the type (`connector_type_id`), its `config` and \
                        its write-only `secrets`. A field the type does not have is a 400 naming it (`config.bogus`).",
        "oneOf": TYPE_SCHEMAS.iter().map(|(_, _, _, create)| r(create)).collect::<Vec<_>>(),
        "discriminator": {"propertyName": "connector_type_id", "mapping": mapping},
    })
}

fn connector_update() -> Value {
    let configs: Vec<Value> = [
        "JiraConfig",
        "ServiceNowConfig",
        "WebhookConfig",
        "CasesWebhookConfig",
    ]
    .iter()
    .map(|c| r(c))
    .collect();
    closed(object(
        "Body of `PUT /actions/connector/{id}`: the new name and the whole new `config` of the connector's type \
         (the type cannot change; `connector_type_id` is a 400). `secrets` replace the stored ones when given; left \
         out or `null`, the stored secrets are kept.",
        &["name", "config"],
        json!({
            "name": name("The connector's name."),
            "config": {"anyOf": configs, "description": "The `config` of the connector's type, replacing the stored one (fields left out take their defaults)."},
            "secrets": {
                "anyOf": [r("JiraSecrets"), r("ServiceNowSecrets"), r("WebhookSecrets")],
                "nullable": true,
                "writeOnly": true,
                "description": "The `secrets` of the connector's type, replacing the stored ones; left out or `null` keeps them. Write-only.",
            },
        }),
    ))
}

fn connector() -> Value {
    with_example(
        object(
            "A connector as every answer shows it: its `config`, never its secrets.",
            &[
                "id",
                "name",
                "connector_type_id",
                "config",
                "is_preconfigured",
                "is_deprecated",
                "is_missing_secrets",
                "is_system_action",
            ],
            json!({
                "id": string("The connector's id: a GUID, or the id chosen with `POST /actions/connector/{id}`."),
                "name": string("The connector's name."),
                "connector_type_id": enumeration(type_ids(), false, "The connector type."),
                "config": {
                    "oneOf": [r("JiraConfig"), r("ServiceNowConfig"), r("WebhookConfig"), r("CasesWebhookConfig")],
                    "description": "The `config` of its type, as stored, with the defaults filled in.",
                },
                "is_preconfigured": boolean("Always `false`: wirewatch has no preconfigured connectors."),
                "is_deprecated": boolean("Always `false`."),
                "is_missing_secrets": boolean(
                    "Whether secrets its configuration needs are not set: Jira's email or API token, ServiceNow's \
                     user name or password, a webhook's user or password when `hasAuth`."),
                "is_system_action": boolean("Always `false`."),
                "referenced_by_count": count(
                    "Only in `GET /actions/connectors`: how many detections have an incident in this connector's system."),
            }),
        ),
        json!({
            "id": CONNECTOR_ID, "name": "Jira SOC", "connector_type_id": ".jira",
            "config": {"apiUrl": "https://jira.example.com", "projectKey": "SEC"},
            "is_preconfigured": false, "is_deprecated": false, "is_missing_secrets": false, "is_system_action": false,
        }),
    )
}
