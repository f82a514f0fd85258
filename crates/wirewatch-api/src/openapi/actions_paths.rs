//! Operations of the external incident connectors in Kibana's actions form
//! (`/api/actions/...`, `routes::actions`), an [`Api`] outside `/api/v1` like
//! the Sonar tickets (see `sonar_paths`): connector types, connector CRUD,
//! `_execute` and its legacy form, and the wirewatch extensions (push
//! statistics, failed pushes and their replay, an immediate pull, the inbound
//! webhook); and the API's shared error responses (Kibana's error body,
//! `ActionsError`, is generated from `routes::actions::ErrorBody`) and the
//! inbound webhook's security schemes. The component schemas are generated
//! from the types (`derived.rs`): `wirewatch_model::connector` (config,
//! secrets, the connector view, the `_execute` parameters of `params`),
//! `wirewatch_connectors` (the incidents `_execute` answers with) and
//! `routes::actions` (the other views and bodies).

use super::{array, r, Api, Op, Paths};
use crate::routes::actions::{ErrorBody, LegacyExecuteOk, FAILED as EXECUTE_FAILED};
use serde_json::{json, Value};

/// The connector of the examples (the seed's, from Kibana's documentation).
pub(super) use wirewatch_model::connector::EXAMPLE_ID as CONNECTOR_ID;

/// The shared error responses (`components.responses`) of the connectors API, by status.
pub(super) const RESPONSES: &[(u16, &str)] = &[
    (400, "ActionsBadRequest"),
    (401, "ActionsUnauthorized"),
    (403, "ActionsForbidden"),
    (404, "ActionsNotFound"),
    (409, "ActionsConflict"),
];

/// A connector id `POST /actions/connector/{id}` accepts (`check_id`).
pub(super) const ID_PATTERN: &str = "^[A-Za-z0-9._-]{1,128}$";

/// The answer of the seed (Kibana's documentation), exactly.
pub(super) fn seed_answer() -> Value {
    serde_json::to_value(LegacyExecuteOk::seed()).expect("an answer serializes")
}

/// A Kibana error body as `KError` writes it; with a field, `message` is the problem.
pub(super) fn kibana_error(status: u16, message: &str, field: Option<&str>) -> Value {
    let (message, field) = match field {
        // `Error::invalid` names the field in its message too.
        Some(f) => (
            format!("[request body.{f}]: {f}: {message}"),
            Some(f.to_string()),
        ),
        None => (message.to_string(), None),
    };
    serde_json::to_value(ErrorBody::new(status, message, field)).expect("an error body serializes")
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

/// The Kibana actions API, served at `/api` (its paths are `/api/actions/...`).
pub(super) const ACTIONS: Api = Api {
    base: Some("/api"),
    server: "The Kibana-style actions API (incident connectors), outside /api/v1.",
    security: "apiKey",
    errors: RESPONSES,
    error_schema: actions_error_schema,
    body_errors: &[400],
};

fn actions_error_schema(_status: u16) -> &'static str {
    "ActionsError"
}

/// The security scheme of the inbound webhook's `?token=`.
pub(super) const WEBHOOK_TOKEN: &str = "connectorWebhookToken";
/// The security scheme of the inbound webhook's `X-Wirewatch-Token` header.
pub(super) const WEBHOOK_TOKEN_HEADER: &str = "connectorWebhookTokenHeader";

/// What the extensions are not part of.
const KIBANA: &str = "Kibana's actions API";

/// The tag of the operations.
pub(super) const TAG: &str = "Connectors";

/// The tag's description.
pub(super) const TAG_TEXT: &str = "External incident connectors in Kibana's actions form, at `/api/actions` \
(outside `/api/v1`): Jira (`.jira`), ServiceNow ITSM (`.servicenow`), a generic webhook (`.webhook`) and a case \
webhook with templated requests (`.cases-webhook`). `_execute` runs a sub-action on the remote system \
(`pushToService`, `getIncident`, `closeIncident`, or a `.webhook`'s body).\n\n\
With automatic external ticketing (`PATCH /api/v1/extrahop/ticketing` with `external_ticketing_enabled` and \
`connector_id`), every new detection is pushed as an incident, its triage changes as updates and its notes as \
comments; the incident's key (`SEC-1`, `INC0010001`) becomes the detection's `ticket_id`. Status and assignee come \
back by a periodic pull, by `_sync`, and by the inbound `_webhook`. Pushes are queued durably and follow the \
sensor's one retry policy (connection failures, 408, 429 and 5xx retried with backoff; other 4xx kept as failed \
pushes).\n\n\
Authenticate with the sensor's API keys: `Authorization: ExtraHop apikey=YOUR_KEY` (the `apiKey` scheme), \
Kibana's `Authorization: ApiKey YOUR_KEY`, or `Authorization: Bearer YOUR_KEY`. Errors answer Kibana's shape, \
`{\"statusCode\": 400, \"error\": \"Bad Request\", \"message\": \"[request body.config.apiUrl]: ...\", \"field\": \
\"config.apiUrl\"}` (`field` only in a 400 about one field); a body over 8 MiB is refused with a 413 in that shape. \
`_execute` answers 200 even when the remote system fails: `status: \"error\"` with the remote's reason and \
whether a retry may succeed, as Kibana does.\n\n\
Secrets are write-only: no answer carries them (`is_missing_secrets` says whether they are set). Operations \
marked `x-wirewatch-extension` (push statistics, failed pushes and their replay, an immediate pull, the inbound \
webhook) and the field `secrets.webhookToken` are not part of Kibana's API.";

/// Any API key (`who(caller)` alone).
const ANY_KEY: &str = "Requires an API key of any privilege level.";
/// `Access::MetricsRestricted`.
const READ: &str =
    "Requires a system access privilege of any level (`metrics: restricted` or higher); module \
access alone (`ndr`, `npm`) is not enough.";
/// `Access::WriteLimited`.
const WRITE_LIMITED: &str = "Requires `write: limited` or higher.";
/// `Access::WriteFull`.
const WRITE_FULL: &str = "Requires `write: full` or higher.";
/// `Access::System`.
const ADMIN: &str = "Requires system and access administration privileges (`system: full`).";

/// The operations on an existing connector (the links of the create's answer).
pub(super) const ON_CONNECTOR: [&str; 10] = [
    "getConnector",
    "updateConnector",
    "deleteConnector",
    "executeConnector",
    "executeConnectorLegacy",
    "getConnectorStats",
    "listConnectorFailedPushes",
    "replayConnectorFailedPushes",
    "syncConnector",
    "notifyConnectorWebhook",
];

/// The `{id}` path parameter of an existing connector.
fn connector(op: Op) -> Op {
    op.path(
        "id",
        "The connector's id.",
        json!({"type": "string", "example": CONNECTOR_ID}),
    )
}

/// An operation on one connector: `{id}`, and 404 when there is none.
fn on_connector(op: Op) -> Op {
    connector(op).errors(&[403, 404])
}

pub(super) fn add(p: &mut Paths) {
    connectors(p);
    execute(p);
    extensions(p);
}

fn connectors(p: &mut Paths) {
    p.add(
        "get",
        "/actions/connector_types",
        ACTIONS
            .op(TAG, "listConnectorTypes", "List the connector types")
            .describe(&format!(
                "The four types this sensor implements, each enabled. {ANY_KEY}"
            ))
            .ok("200", "The types.", array(r("ConnectorType"))),
    );
    p.add(
        "get",
        "/actions/connectors",
        ACTIONS
            .op(TAG, "listConnectors", "List the connectors")
            .describe(&format!(
                "Every connector, with `referenced_by_count` (the detections with an incident in its system); \
                 never their secrets. {READ}"
            ))
            .ok("200", "The connectors.", array(r("Connector")))
            .errors(&[403]),
    );
    let jira = json!({
        "name": "Jira SOC", "connector_type_id": ".jira",
        "config": {"apiUrl": "https://jira.example.com", "projectKey": "SEC"},
        "secrets": {"email": "soc-bot@example.com", "apiToken": "ATATT3xFfGF0-example-token",
                    "webhookToken": "b7e1c2d94f3a4e0c"},
    });
    let mut created = jira.clone();
    if let Value::Object(o) = &mut created {
        o.remove("secrets");
    }
    created["id"] = json!(CONNECTOR_ID);
    for (k, v) in [
        ("is_preconfigured", false),
        ("is_deprecated", false),
        ("is_missing_secrets", false),
        ("is_system_action", false),
    ] {
        created[k] = json!(v);
    }
    let invalid = "The body is not a JSON object, has a field other than `name`, `connector_type_id`, `config` and \
                   `secrets`, or a field is missing or invalid: the name is blank, the type unknown, a `config` or \
                   `secrets` field missing, unknown, of the wrong type, or refused (a URL that is not http(s) or \
                   carries credentials, a template that does not render, OAuth, client certificates).";
    let mut create = ACTIONS
        .op(TAG, "createConnector", "Create a connector")
        .describe(&format!(
            "Creates a connector with a new GUID. Its `config` is checked (URLs, templates, the secrets the \
             authentication needs) before it is stored; the answer shows it without secrets. {ADMIN}"
        ))
        .body(r("ConnectorCreate"), jira)
        .answer("200", "The new connector.", r("Connector"), created)
        .error(
            400,
            invalid,
            kibana_error(400, "is required", Some("config.projectKey")),
        )
        .errors(&[403]);
    // The new connector's id is what the operations on one connector take.
    for target in ON_CONNECTOR {
        create = create.link("200", target, target, json!({"id": "$response.body#/id"}));
    }
    p.add("post", "/actions/connector", create);
    p.add(
        "post",
        "/actions/connector/{id}",
        ACTIONS
            .op(TAG, "createConnectorWithId", "Create a connector with a chosen id")
            .path(
                "id",
                "The id to give the connector: 1 to 128 letters, digits, `-`, `_` or `.`; another form is a 400 \
                 naming `id`.",
                json!({"type": "string", "pattern": ID_PATTERN, "example": "soc-cases"}),
            )
            .describe(&format!(
                "As `POST /actions/connector`, with the id in the path (Kibana's saved-object id). {ADMIN}"
            ))
            .body(
                r("ConnectorCreate"),
                json!({
                    "name": "Jira (case webhook)", "connector_type_id": ".cases-webhook",
                    "config": {
                        "createIncidentUrl": "https://jira.example.com/rest/api/2/issue",
                        "createIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}},\"description\":{{{case.description}}},\"labels\":{{{case.tags}}},\"project\":{\"key\":\"ROC\"},\"issuetype\":{\"name\":\"Task\"}}}",
                        "createIncidentResponseKey": "id",
                        "getIncidentUrl": "https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}",
                        "getIncidentResponseExternalTitleKey": "key",
                        "viewIncidentUrl": "https://jira.example.com/browse/{{{external.system.title}}}",
                        "updateIncidentUrl": "https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}",
                        "updateIncidentJson": "{\"fields\":{\"summary\":{{{case.title}}}}}",
                        "createCommentUrl": "https://jira.example.com/rest/api/2/issue/{{{external.system.id}}}/comment",
                        "createCommentMethod": "post",
                        "createCommentJson": "{\"body\":{{{case.comment}}}}",
                    },
                    "secrets": {"user": "soc-bot@example.com", "password": "ATATT3xFfGF0-example-token",
                                "webhookToken": "5d0c7a9e3b214f86"},
                }),
            )
            .ok("200", "The new connector.", r("Connector"))
            .error(
                400,
                &format!("The id is not 1 to 128 letters, digits, `-`, `_` or `.`, or: {invalid}"),
                kibana_error(
                    400,
                    "must be 1 to 128 letters, digits, '-', '_' or '.'",
                    Some("id"),
                ),
            )
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/actions/connector/{id}",
        on_connector(ACTIONS.op(TAG, "getConnector", "Get a connector"))
            .describe(&format!("The connector, never its secrets. {READ}"))
            .ok("200", "The connector.", r("Connector")),
    );
    p.add(
        "put",
        "/actions/connector/{id}",
        on_connector(ACTIONS.op(TAG, "updateConnector", "Update a connector"))
            .describe(&format!(
                "Replaces the name and the whole `config` (checked as on create). `secrets` replace the stored ones \
                 when given; left out, they are kept, so a rename needs no secrets. The type cannot change. {ADMIN}"
            ))
            .body(
                r("ConnectorUpdate"),
                json!({"name": "ServiceNow ITSM (SOC)", "config": {"apiUrl": "https://itsm.example.com", "usesTableApi": true}}),
            )
            .ok("200", "The updated connector.", r("Connector"))
            .error(
                400,
                "The body is not a JSON object, has a field other than `name`, `config` and `secrets`, or a field \
                 is missing or invalid (as on create, for the connector's type).",
                kibana_error(
                    400,
                    "is not a field of this request (fields: name, config, secrets)",
                    Some("connector_type_id"),
                ),
            ),
    );
    p.add(
        "delete",
        "/actions/connector/{id}",
        connector(ACTIONS.op(TAG, "deleteConnector", "Delete a connector"))
            .describe(&format!(
                "Deletes the connector. Pushes still queued for it become failed pushes (`connector deleted`); \
                 the detections keep their `ticket_id`. The connector automatic external ticketing pushes to \
                 cannot be deleted: choose another (`connector_id` of `PATCH /api/v1/extrahop/ticketing`) first. \
                 {ADMIN}"
            ))
            .empty("204", "The connector was deleted.")
            .errors(&[403, 404])
            .error(
                409,
                "The connector is the one automatic external ticketing pushes to.",
                kibana_error(
                    409,
                    "the connector is the one external ticketing pushes to; choose another (PATCH \
                     /api/v1/extrahop/ticketing, connector_id) first",
                    None,
                ),
            ),
    );
}

fn execute(p: &mut Paths) {
    let params_400 = "The body is not a JSON object, has a field other than `params`, or a parameter is missing or \
                      invalid (an unknown or unsupported `subAction`, a missing `title`, a `createdAt` that is not \
                      ISO 8601, a Jira label with a space). Nothing was sent to the remote system.";
    p.add(
        "post",
        "/actions/connector/{id}/_execute",
        on_connector(ACTIONS.op(TAG, "executeConnector", "Run a connector's sub-action"))
            .describe(&format!(
                "Runs a sub-action on the remote system now: `pushToService` creates or updates an incident and \
                 adds its comments, `getIncident` reads one, `closeIncident` closes one (`.jira`, `.servicenow`); \
                 a `.webhook` connector sends `params.body`. The answer is a 200 either way: `status: \"ok\"` with \
                 `data`, or `status: \"error\"` with the remote's reason (`service_message`) and `retry`. \
                 {WRITE_LIMITED}"
            ))
            .body(
                r("ConnectorExecute"),
                json!({"params": {"subAction": "pushToService", "subActionParams": {
                    "incident": {"summary": "Port scan from 10.0.0.1",
                                 "description": "wirewatch detection 42: 10.0.0.1 probed 1,024 ports of 10.0.0.2.",
                                 "labels": ["wirewatch", "port_scan"], "externalId": null},
                    "comments": [{"commentId": "note-42-1", "comment": "Blocked at the firewall."}],
                }}}),
            )
            .answer(
                "200",
                "The outcome, also when the remote system failed (`status: \"error\"`).",
                r("ConnectorExecuteResult"),
                json!({"status": "ok", "connector_id": CONNECTOR_ID, "data": {
                    "id": "10001", "title": "SEC-1", "url": "https://jira.example.com/browse/SEC-1",
                    "pushedDate": "2026-11-23T08:36:46.120Z",
                    "comments": [{"commentId": "note-42-1", "pushedDate": "2026-11-23T08:36:46.410Z"}]}}),
            )
            .error(
                400,
                params_400,
                kibana_error(400, "is required", Some("params.subActionParams.title")),
            ),
    );
    p.add(
        "post",
        "/actions/action/{id}/_execute",
        on_connector(ACTIONS.op(
            TAG,
            "executeConnectorLegacy",
            "Run a connector's sub-action (legacy form)",
        ))
        .deprecated()
        .describe(&format!(
            "Kibana's legacy path of `_execute` (7.x, as its cases used it to push a case to ServiceNow or Jira): \
             the same body and behaviour, answered in camelCase: `actionId` and `serviceMessage` instead of \
             `connector_id` and `service_message`. A remote failure is a 200 with `status: \"error\"` (`message` is \
             `{EXECUTE_FAILED}`). {WRITE_LIMITED}"
        ))
        .body(
            r("ConnectorExecute"),
            json!({
                "params": {
                    "subAction": "pushToService",
                    "subActionParams": {
                        "savedObjectId": "c1472f70-732a-11ea-a0b2-c51ea50a58e2",
                        "createdAt": "2020-03-31T08:36:45.661Z",
                        "createdBy": {
                            "fullName": "Alan Hunley",
                            "username": "ahunley"
                        },
                        "comments": [
                            {
                                "commentId": "dda30310-732a-11ea-a0b2-c51ea50a58e2",
                                "comment": "That is nothing - Ethan Hunt answered a targeted social media campaign promoting phishy pension schemes to IMF operatives.",
                                "createdAt": "2020-03-31T08:37:33.240Z",
                                "createdBy": {
                                    "fullName": "Ms Moneypenny",
                                    "username": "moneypenny"
                                }
                            }
                        ],
                        "description": "James Bond clicked on a highly suspicious email banner advertising cheap holidays for underpaid civil servants. Operation bubblegum is active.",
                        "title": "This case will self-destruct in 5 seconds"
                    }
                }
            }),
        )
        .answer(
            "200",
            "The outcome, also when the remote system failed (`status: \"error\"`, `serviceMessage`).",
            r("ActionExecuteResult"),
            seed_answer(),
        )
        .error(
            400,
            params_400,
            kibana_error(
                400,
                "\"yesterday\" is not an ISO 8601 UTC time such as 2020-03-31T06:40:21.674Z",
                Some("params.subActionParams.createdAt"),
            ),
        ),
    );
}

fn extensions(p: &mut Paths) {
    p.add(
        "get",
        "/actions/connector/{id}/_stats",
        on_connector(ACTIONS.op(TAG, "getConnectorStats", "Get a connector's push statistics"))
            .extension_of(KIBANA)
            .describe(&format!(
                "Counters of the automatic pushes to the connector, the queue, the last error, and whether \
                 automatic external ticketing pushes to it now. {READ}"
            ))
            .ok("200", "The statistics.", r("ConnectorStats")),
    );
    p.add(
        "get",
        "/actions/connector/{id}/_failed",
        on_connector(ACTIONS.op(TAG, "listConnectorFailedPushes", "List a connector's failed pushes"))
            .extension_of(KIBANA)
            .describe(&format!(
                "Pushes of detections the remote system refused (a 4xx other than 408 and 429), newest first. \
                 They stay until replayed. {READ}"
            ))
            .query(
                "limit",
                "How many to answer; values above 1000 answer 1000.",
                json!({"type": "integer", "minimum": 0, "default": 100}),
            )
            .ok("200", "The failed pushes.", array(r("FailedPush")))
            .error(
                400,
                "`limit` is not a non-negative integer.",
                kibana_error(
                    400,
                    "Failed to deserialize query string: limit: invalid digit found in string",
                    Some("limit"),
                ),
            ),
    );
    p.add(
        "post",
        "/actions/connector/{id}/_failed/_replay",
        on_connector(ACTIONS.op(TAG, "replayConnectorFailedPushes", "Replay failed pushes"))
            .extension_of(KIBANA)
            .describe(&format!(
                "Queues failed pushes of the connector again (all, or the `ids` given) and removes them from the \
                 failed list; each detection is pushed as it is now. The body may be left out. {WRITE_FULL}"
            ))
            .optional_body(r("FailedPushReplay"), json!({"ids": [3]}))
            .ok("200", "How many were queued again.", r("FailedPushesReplayed"))
            .error(
                400,
                "The body is not a JSON object, has a field other than `ids`, or `ids` is not an array of integers.",
                kibana_error(400, "must be an integer", Some("ids[0]")),
            ),
    );
    p.add(
        "post",
        "/actions/connector/{id}/_sync",
        on_connector(ACTIONS.op(TAG, "syncConnector", "Pull incident states now"))
            .extension_of(KIBANA)
            .describe(&format!(
                "Reads the status and assignee of the connector's open incidents from the remote system now (the \
                 least recently read first), as the periodic pull does, and applies them to their detections. No \
                 body is read. A remote failure is a 200 with `status: \"error\"`. {WRITE_LIMITED}"
            ))
            .ok("200", "The outcome.", r("ConnectorSyncResult"))
            .error(
                400,
                "The connector is a `.webhook` connector, which holds no incidents.",
                kibana_error(400, ".webhook connectors hold no incidents", Some("id")),
            ),
    );
    p.add(
        "post",
        "/actions/connector/{id}/_webhook",
        connector(ACTIONS.op(TAG, "notifyConnectorWebhook", "Tell wirewatch an incident changed"))
            .extension_of(KIBANA)
            .also_accepts(&[WEBHOOK_TOKEN, WEBHOOK_TOKEN_HEADER])
            .describe(&format!(
                "The inbound webhook: point a Jira webhook or a ServiceNow business rule at it. The body only names \
                 the incident; its state is read from the remote system and applied to its detections. Accepted \
                 with the connector's `secrets.webhookToken`, as `?token=` or the `X-Wirewatch-Token` header (no \
                 API key needed), or with an API key: {WRITE_LIMITED}"
            ))
            .body(
                r("ConnectorWebhookEvent"),
                json!({"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "SEC-1"}}),
            )
            .answer(
                "200",
                "The incident was read and its state applied (to no detection when it is not one of this \
                 connector's).",
                r("ConnectorWebhookResult"),
                json!({"status": "ok", "incident": "SEC-1", "detections_changed": [42]}),
            )
            .error(
                400,
                "The body is not a JSON object or names no incident, or the connector is a `.webhook` connector.",
                kibana_error(
                    400,
                    "the body names no incident (issue.id, issue.key, sys_id, number or externalId)",
                    Some("issue"),
                ),
            )
            .error(
                401,
                "Neither the connector's `webhookToken` nor a valid API key; an unknown connector is a 401 too \
                 unless an API key is sent.",
                kibana_error(
                    401,
                    "unknown connector or token; send ?token=<secrets.webhookToken> or an API key",
                    None,
                ),
            )
            .errors(&[403])
            .error(
                404,
                "There is no connector with that id (with an API key; without one, a 401).",
                kibana_error(
                    404,
                    &format!("Saved object [action/{CONNECTOR_ID}] not found"),
                    None,
                ),
            )
            .answer(
                "502",
                "The remote system refused to answer (`retry: false`).",
                r("ConnectorWebhookFailure"),
                json!({"status": "error", "incident": "SEC-1", "message": EXECUTE_FAILED,
                       "service_message": "[Action][Jira]: Unable to get issue SEC-1. Error: Request failed with status code 401. Reason: Unauthorized",
                       "retry": false}),
            )
            .answer(
                "503",
                "The remote system is unreachable or failing (`retry: true`): the sender may try again.",
                r("ConnectorWebhookFailure"),
                json!({"status": "error", "incident": "SEC-1", "message": EXECUTE_FAILED,
                       "service_message": "[Action][Jira]: Unable to get issue SEC-1. Error: Request failed with status code 503. Reason: Service Unavailable",
                       "retry": true}),
            ),
    );
}
