//! Component schemas of `_execute` on the external incident connectors
//! (`routes::actions`): its parameters as `wirewatch_model::connector::parse_execute`
//! reads them, its answers as `routes::actions` and `wirewatch_connectors`
//! write them (in the current and the legacy camelCase form), and the
//! extensions' bodies and answers: push statistics and failed pushes
//! (`wirewatch_store`), replay, pull and the inbound webhook.

use super::{enumeration, nullable_string, object, r};
use serde_json::{json, Map, Value};
use wirewatch_model::connector::ConnectorType;

/// The `_execute` parameter forms (`params`), with the connector type each example is for.
pub(super) const PARAMS_SCHEMAS: [(&str, ConnectorType); 5] = [
    ("PushToServiceCaseParams", ConnectorType::ServiceNow),
    ("PushToServiceIncidentParams", ConnectorType::Jira),
    ("GetIncidentParams", ConnectorType::ServiceNow),
    ("CloseIncidentParams", ConnectorType::Jira),
    ("WebhookParams", ConnectorType::Webhook),
];

use wirewatch_model::connector::ISO_PATTERN;

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("ConnectorExecute", execute());
    put("PushToServiceCaseParams", push_case_params());
    put("PushToServiceIncidentParams", push_incident_params());
    put("GetIncidentParams", get_incident_params());
    put("CloseIncidentParams", close_incident_params());
    put("WebhookParams", webhook_params());
    put("CaseUser", case_user());
    put("CaseComment", case_comment());
    put("Incident", incident());
    put("IncidentComment", incident_comment());
}

fn with_example(mut schema: Value, example: Value) -> Value {
    schema["example"] = example;
    schema
}

/// An object whose unknown fields the handler refuses (a 400 naming the field).
fn closed(mut schema: Value) -> Value {
    schema["additionalProperties"] = json!(false);
    schema
}

/// A string that must not be empty.
fn non_empty(description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "description": description})
}

fn iso(description: &str, nullable: bool) -> Value {
    let mut s = json!({"type": "string", "pattern": ISO_PATTERN,
           "description": format!("{description} ISO 8601 with a time zone, e.g. `2020-03-31T06:40:21.674Z`.")});
    if nullable {
        s["nullable"] = json!(true);
    }
    s
}

/// A value sent as text: a string or a number (`"2"`, `2`).
fn scalar(description: &str) -> Value {
    json!({"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": true, "description": description})
}

fn execute() -> Value {
    closed(object(
        "Body of `_execute`: `params` only. A `.webhook` connector takes `{\"body\": ...}`; the others a \
         `subAction` and its `subActionParams`: `pushToService` (Kibana's case form of 7.x, or the current \
         `incident` form), `getIncident`, and `closeIncident` (`.jira` and `.servicenow`). Parameters are checked \
         before anything is sent: a wrong one is a 400 naming it (`params.subActionParams.title`).",
        &["params"],
        json!({"params": {
            "oneOf": PARAMS_SCHEMAS.iter().map(|(name, _)| r(name)).collect::<Vec<_>>(),
            "description": "The sub-action and its parameters.",
        }}),
    ))
}

fn sub_action(name: &str) -> Value {
    enumeration(vec![json!(name)], false, "The sub-action.")
}

fn push_case_params() -> Value {
    let seed_comment =
        "That is nothing - Ethan Hunt answered a targeted social media campaign promoting phishy \
                        pension schemes to IMF operatives.";
    with_example(
        object(
            "`pushToService` in Kibana's case form (7.x, the form of `POST /actions/action/{id}/_execute`): creates \
             an incident from a case, or updates the one `externalId` names, then adds the comments. Other fields \
             are ignored.",
            &["subAction", "subActionParams"],
            json!({
                "subAction": sub_action("pushToService"),
                "subActionParams": object(
                    "The case to send.",
                    &["savedObjectId", "title", "createdAt", "createdBy"],
                    json!({
                        "savedObjectId": non_empty("The case's id (ServiceNow: the incident's `correlation_id`)."),
                        "title": non_empty("The case title: the incident's summary (Jira) or short description (ServiceNow)."),
                        "description": nullable_string("The case description."),
                        "externalId": nullable_string(
                            "The incident to update (Jira: issue id or key; ServiceNow: `sys_id`); left out, `null` or \
                             empty creates one."),
                        "createdAt": iso("When the case was created.", false),
                        "createdBy": r("CaseUser"),
                        "updatedAt": iso("When the case was last updated.", true),
                        "updatedBy": {"allOf": [r("CaseUser")], "nullable": true, "description": "Who last updated the case."},
                        "comments": {"type": "array", "nullable": true, "items": r("CaseComment"),
                                     "description": "Comments to add to the incident."},
                    }),
                ),
            }),
        ),
        json!({"subAction": "pushToService", "subActionParams": {
            "savedObjectId": "c1472f70-732a-11ea-a0b2-c51ea50a58e2",
            "createdAt": "2020-03-31T08:36:45.661Z",
            "createdBy": {"fullName": "Alan Hunley", "username": "ahunley"},
            "comments": [{
                "commentId": "dda30310-732a-11ea-a0b2-c51ea50a58e2",
                "comment": seed_comment,
                "createdAt": "2020-03-31T08:37:33.240Z",
                "createdBy": {"fullName": "Ms Moneypenny", "username": "moneypenny"},
            }],
            "description": "James Bond clicked on a highly suspicious email banner advertising cheap holidays for \
                            underpaid civil servants. Operation bubblegum is active.",
            "title": "This case will self-destruct in 5 seconds",
        }}),
    )
}

fn case_user() -> Value {
    object(
        "A user of Kibana's case form.",
        &[],
        json!({
            "fullName": nullable_string("The user's full name."),
            "username": nullable_string("The user's user name."),
        }),
    )
}

fn case_comment() -> Value {
    object(
        "A comment of Kibana's case form.",
        &["commentId", "comment"],
        json!({
            "commentId": non_empty("The comment's id (answered back with its `pushedDate`)."),
            "comment": non_empty("The comment text."),
            "createdAt": iso("When the comment was created.", true),
            "createdBy": {"allOf": [r("CaseUser")], "nullable": true, "description": "Who wrote the comment."},
            "updatedBy": {"allOf": [r("CaseUser")], "nullable": true, "description": "Who last edited the comment."},
        }),
    )
}

fn push_incident_params() -> Value {
    with_example(
        object(
            "`pushToService` in the current form: the `incident` and its `comments`. Creates the incident, or \
             updates the one `incident.externalId` names, then adds the comments.",
            &["subAction", "subActionParams"],
            json!({
                "subAction": sub_action("pushToService"),
                "subActionParams": object(
                    "The incident and its comments.",
                    &["incident"],
                    json!({
                        "incident": r("Incident"),
                        "comments": {"type": "array", "nullable": true, "items": r("IncidentComment"),
                                     "description": "Comments to add to the incident."},
                    }),
                ),
            }),
        ),
        json!({"subAction": "pushToService", "subActionParams": {
            "incident": {"summary": "Port scan from 10.0.0.1", "description": "wirewatch detection 42: 10.0.0.1 probed 1,024 ports of 10.0.0.2.",
                         "labels": ["wirewatch", "port_scan"], "issueType": "Task", "priority": "High", "externalId": null},
            "comments": [{"commentId": "note-42-1", "comment": "Blocked at the firewall."}],
        }}),
    )
}

fn incident() -> Value {
    object(
        "An incident of the current `pushToService` form. The title is `summary` (`.jira`), `short_description` \
         (`.servicenow`) or `title` (any type; the only one of `.cases-webhook`): one of them is required. Fields \
         another system has are ignored; unknown fields too.",
        &[],
        json!({
            "summary": nullable_string("`.jira`: the issue summary (the title)."),
            "short_description": nullable_string("`.servicenow`: the incident's short description (the title)."),
            "title": nullable_string("The title, for any type (`{{{case.title}}}` of `.cases-webhook` templates)."),
            "description": nullable_string("The description (`{{{case.description}}}`)."),
            "externalId": nullable_string(
                "The incident to update (Jira: issue id or key; ServiceNow: `sys_id`; `.cases-webhook`: the id of \
                 `createIncidentResponseKey`); left out, `null` or empty creates one."),
            "correlation_id": scalar("A reference to the case or detection (`{{{case.id}}}`; ServiceNow: `correlation_id`)."),
            "labels": {"type": "array", "nullable": true, "items": {"type": "string"},
                       "description": "Labels (Jira: without spaces; `.cases-webhook`: `{{{case.tags}}}`). `tags` is accepted too."},
            "tags": {"type": "array", "nullable": true, "items": {"type": "string"}, "description": "Another name of `labels`."},
            "issueType": scalar("`.jira`: the issue type's id or name (default: the project's first non-subtask type)."),
            "priority": scalar("`.jira`: the priority's name."),
            "urgency": scalar("`.servicenow`: urgency, 1 (high) to 3 (low)."),
            "impact": scalar("`.servicenow`: impact, 1 (high) to 3 (low)."),
            "severity": scalar("`.servicenow`: severity, 1 (high) to 3 (low)."),
            "category": scalar("`.servicenow`: the category."),
            "subcategory": scalar("`.servicenow`: the subcategory."),
        }),
    )
}

fn incident_comment() -> Value {
    object(
        "A comment of the current `pushToService` form.",
        &["commentId", "comment"],
        json!({
            "commentId": non_empty("The comment's id (answered back with its `pushedDate`)."),
            "comment": non_empty("The comment text (`{{{case.comment}}}`; ServiceNow: a work note)."),
        }),
    )
}

fn get_incident_params() -> Value {
    with_example(
        object(
            "`getIncident`: the incident as the remote system has it, with its status mapped to a detection status.",
            &["subAction", "subActionParams"],
            json!({
                "subAction": sub_action("getIncident"),
                "subActionParams": object("Which incident.", &["externalId"], json!({
                    "externalId": non_empty("The incident (Jira: issue id or key; ServiceNow: `sys_id` or number)."),
                })),
            }),
        ),
        json!({"subAction": "getIncident", "subActionParams": {"externalId": "62dc3c8bdb7300106ba884da0b9619ea"}}),
    )
}

fn close_incident_params() -> Value {
    let external_id = || non_empty("The incident (Jira: issue id or key; ServiceNow: `sys_id`).");
    with_example(
        object(
            "`closeIncident` (`.jira` and `.servicenow`): Jira takes the transition into a `done` status; \
             ServiceNow sets state 7 (Closed) with a close code.",
            &["subAction", "subActionParams"],
            json!({
                "subAction": sub_action("closeIncident"),
                "subActionParams": {
                    "description": "Which incident: `{\"incident\": {\"externalId\": ...}}` (Kibana's form), or \
                                    `{\"externalId\": ...}`.",
                    "oneOf": [
                        object("Kibana's form.", &["incident"], json!({"incident": object(
                            "The incident.", &["externalId"], json!({
                                "externalId": external_id(),
                                "correlation_id": scalar("Ignored."),
                            }))})),
                        object("The short form.", &["externalId"], json!({"externalId": external_id()})),
                    ],
                },
            }),
        ),
        json!({"subAction": "closeIncident", "subActionParams": {"incident": {"externalId": "SEC-1"}}}),
    )
}

fn webhook_params() -> Value {
    with_example(
        object(
            "The parameters of a `.webhook` connector: the body to send (any other field is ignored).",
            &[],
            json!({"body": {"additionalProperties": true, "description":
                "What is sent: a string as is, any other JSON value as its JSON text; left out or `null`, an empty \
                 body. Sent as `application/json` unless `config.headers` sets another `Content-Type`."}}),
        ),
        json!({"body": "{\"event\": \"detection\", \"id\": 42, \"title\": \"Port scan from 10.0.0.1\"}"}),
    )
}
