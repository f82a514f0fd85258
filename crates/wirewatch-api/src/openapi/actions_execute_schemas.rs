//! Component schemas of `_execute` on the external incident connectors
//! (`routes::actions`): its parameters as `wirewatch_model::connector::parse_execute`
//! reads them, its answers as `routes::actions` and `wirewatch_connectors`
//! write them (in the current and the legacy camelCase form), and the
//! extensions' bodies and answers: push statistics and failed pushes
//! (`wirewatch_store`), replay, pull and the inbound webhook.

use super::actions_paths::CONNECTOR_ID;
use super::{array, boolean, enumeration, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::connector::ConnectorType;
use wirewatch_model::detection::Status;

/// `message` of an `_execute` answer whose remote system failed (`FAILED` in `routes::actions`).
pub(super) const EXECUTE_FAILED: &str = "an error occurred while running the action";

/// The `_execute` parameter forms (`params`), with the connector type each example is for.
pub(super) const PARAMS_SCHEMAS: [(&str, ConnectorType); 5] = [
    ("PushToServiceCaseParams", ConnectorType::ServiceNow),
    ("PushToServiceIncidentParams", ConnectorType::Jira),
    ("GetIncidentParams", ConnectorType::ServiceNow),
    ("CloseIncidentParams", ConnectorType::Jira),
    ("WebhookParams", ConnectorType::Webhook),
];

/// What `check_iso` accepts (ISO 8601 / RFC 3339, `2020-03-31T06:40:21.674Z`).
pub(super) const ISO_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?$";

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
    put("PushedIncident", pushed_incident());
    put("RemoteIncident", remote_incident());
    for legacy in [false, true] {
        let (ok, error, any) = execute_names(legacy);
        put(ok, execute_ok(legacy));
        put(error, execute_error(legacy));
        put(any, execute_result(legacy));
    }
    put("ConnectorStats", stats());
    put("FailedPush", failed_push());
    put("FailedPushReplay", replay());
    put("FailedPushesReplayed", replayed());
    put("ConnectorSyncResult", sync_result());
    put("ConnectorWebhookEvent", webhook_event());
    put("ConnectorWebhookResult", webhook_result());
    put("ConnectorWebhookFailure", webhook_failure());
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

fn count(description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 0, "description": description})
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

fn pushed_incident() -> Value {
    with_example(
        object(
            "`data` of a `pushToService` answer: the incident created or updated.",
            &["id", "title", "url", "pushedDate", "comments"],
            json!({
                "id": string("The incident's id in the remote system (Jira: issue id; ServiceNow: `sys_id`): the \
                              `externalId` of later updates."),
                "title": string("Its key, for people (Jira: `SEC-1`; ServiceNow: `INC0010012`)."),
                "url": string("Its page."),
                "pushedDate": iso("When it was pushed.", false),
                "comments": {"type": "array", "description": "The comments added, by `commentId`.", "items": object(
                    "A comment added.", &["commentId", "pushedDate"], json!({
                        "commentId": string("The comment's `commentId`."),
                        "pushedDate": iso("When it was added.", false),
                    }))},
            }),
        ),
        json!({"id": "10001", "title": "SEC-1", "url": "https://jira.example.com/browse/SEC-1",
               "pushedDate": "2026-11-23T08:36:46.120Z",
               "comments": [{"commentId": "note-42-1", "pushedDate": "2026-11-23T08:36:46.410Z"}]}),
    )
}

fn remote_incident() -> Value {
    let statuses = wire(&[
        Status::New,
        Status::InProgress,
        Status::Closed,
        Status::Acknowledged,
    ]);
    with_example(
        object(
            "`data` of a `getIncident` or `closeIncident` answer: the incident as the remote system has it.",
            &[
                "id",
                "title",
                "url",
                "status",
                "detection_status",
                "assignee",
                "created",
                "updated",
                "summary",
            ],
            json!({
                "id": string("The incident's id (Jira: issue id; ServiceNow: `sys_id`)."),
                "title": string("Its key (Jira: `SEC-1`; ServiceNow: `INC0010012`)."),
                "url": string("Its page."),
                "status": string("The remote's own status (Jira: the status name; ServiceNow: the state number, `2`)."),
                "detection_status": enumeration(statuses, true,
                    "The detection status it maps to: Jira status category `new` / `indeterminate` / `done` and \
                     ServiceNow states 1 / 2, 3 / 6, 7, 8 → `new` / `in_progress` / `closed`; `null` when it maps to none."),
                "assignee": nullable_string("Who it is assigned to (display name), `null` when nobody."),
                "created": nullable_string("When it was created, as the remote writes it."),
                "updated": nullable_string("When it last changed, as the remote writes it."),
                "summary": nullable_string("Its title text."),
            }),
        ),
        json!({"id": "62dc3c8bdb7300106ba884da0b9619ea", "title": "INC0010012",
               "url": "https://itsm.example.com/nav_to.do?uri=incident.do?sys_id=62dc3c8bdb7300106ba884da0b9619ea",
               "status": "2", "detection_status": "in_progress", "assignee": "Beth Anglin",
               "created": "2020-03-31 09:01:33", "updated": "2020-03-31 10:12:05",
               "summary": "This case will self-destruct in 5 seconds"}),
    )
}

/// `(ok, error, either)` schema names of the `_execute` answers; `legacy`
/// is `/actions/action/{id}/_execute`'s camelCase form.
pub(super) fn execute_names(legacy: bool) -> (&'static str, &'static str, &'static str) {
    if legacy {
        (
            "ActionExecuteOk",
            "ActionExecuteError",
            "ActionExecuteResult",
        )
    } else {
        (
            "ConnectorExecuteOk",
            "ConnectorExecuteError",
            "ConnectorExecuteResult",
        )
    }
}

/// `(connector id key, service message key)` of the `_execute` answers.
pub(super) fn execute_keys(legacy: bool) -> (&'static str, &'static str) {
    if legacy {
        ("actionId", "serviceMessage")
    } else {
        ("connector_id", "service_message")
    }
}

fn execute_ok(legacy: bool) -> Value {
    let (id_key, _) = execute_keys(legacy);
    let mut props = json!({
        "status": enumeration(vec![json!("ok")], false, "The sub-action succeeded."),
        "data": {
            "nullable": true,
            "anyOf": [r("PushedIncident"), r("RemoteIncident"), {"description": "`.webhook`: the remote's answer.", "additionalProperties": true}],
            "description": "`pushToService`: the incident pushed (`PushedIncident`); `getIncident` and \
                            `closeIncident`: the incident (`RemoteIncident`); `.webhook`: the remote's answer (its \
                            JSON, its text as a string, or `null` when empty).",
        },
    });
    props[id_key] = string("The connector's id.");
    with_example(
        object(
            "A sub-action that succeeded.",
            &["status", id_key, "data"],
            props,
        ),
        if legacy {
            seed_answer()
        } else {
            json!({"status": "ok", "connector_id": CONNECTOR_ID, "data": pushed_incident()["example"].clone()})
        },
    )
}

fn execute_error(legacy: bool) -> Value {
    let (id_key, sm_key) = execute_keys(legacy);
    let mut props = json!({
        "status": enumeration(vec![json!("error")], false, "The remote system failed or refused."),
        "message": enumeration(vec![json!(EXECUTE_FAILED)], false, "Always this text."),
        "retry": boolean(
            "Whether trying again later may succeed: `true` for a connection failure, a timeout, 408, 429 or 5xx \
             of the remote; `false` for a refusal (another 4xx, wrong credentials) or an answer it cannot use."),
    });
    props[id_key] = string("The connector's id.");
    props[sm_key] = string(
        "The remote system's own reason, after the connector type: `[Action][Jira]: Unable to create issue. \
         Error: Request failed with status code 400. Reason: ...`.",
    );
    let mut example = json!({"status": "error", "message": EXECUTE_FAILED, "retry": false});
    example[id_key] = json!(CONNECTOR_ID);
    example[sm_key] = json!(
        "[Action][Jira]: Unable to create issue. Error: Request failed with status code 400. Reason: issuetype: \
         Specify a valid issue type"
    );
    with_example(
        object(
            "A sub-action the remote system failed or refused. The HTTP status is still 200, as in Kibana.",
            &["status", id_key, "message", sm_key, "retry"],
            props,
        ),
        example,
    )
}

fn execute_result(legacy: bool) -> Value {
    let (ok, error, _) = execute_names(legacy);
    let (id_key, sm_key) = execute_keys(legacy);
    json!({
        "description": format!(
            "The answer of `_execute`: `status: \"ok\"` with `data`, or `status: \"error\"` with `message`, \
             `{sm_key}` and `retry`; both name the connector (`{id_key}`). A failure of the remote system is a 200 \
             too, as in Kibana."
        ),
        "oneOf": [r(ok), r(error)],
    })
}

/// The answer of the seed (Kibana's documentation), exactly.
pub(super) fn seed_answer() -> Value {
    json!({
        "status": "ok",
        "actionId": "61787f53-4eee-4741-8df6-8fe84fa616f7",
        "data": {
            "title": "INC0010012",
            "id": "62dc3c8bdb7300106ba884da0b9619ea",
            "pushedDate": "2020-03-31T09:01:33.000Z",
            "url": "https://dev78437.service-now.com/nav_to.do?uri=incident.do?sys_id=62dc3c8bdb7300106ba884da0b9619ea",
            "comments": [
                {
                    "commentId": "dda30310-732a-11ea-a0b2-c51ea50a58e2",
                    "pushedDate": "2020-03-31T09:01:34.000Z"
                }
            ]
        }
    })
}

fn stats() -> Value {
    with_example(
        object(
            "Push counters of a connector since it was created (wirewatch extension).",
            &[
                "queued",
                "created",
                "updated",
                "comments",
                "retried",
                "failed",
                "synced",
                "failed_waiting",
                "last_error",
                "last_error_time",
                "last_push_time",
                "automatic",
            ],
            json!({
                "queued": count("Detections waiting to be pushed."),
                "created": count("Incidents created by automatic pushes."),
                "updated": count("Incidents updated by automatic pushes."),
                "comments": count("Pushes that carried a detection note as a comment."),
                "retried": count("Attempts that failed and will be retried (connection failures, timeouts, 408, 429, 5xx)."),
                "failed": count("Pushes the remote refused for good (other 4xx): they became failed pushes."),
                "synced": count("Incident states read back that were applied to detections (pull or webhook)."),
                "failed_waiting": count("Failed pushes kept now (`GET .../_failed`), waiting to be replayed."),
                "last_error": nullable_string("The last error, `null` when none."),
                "last_error_time": {"type": "integer", "format": "int64", "nullable": true,
                                    "description": "When it happened, ms since the epoch; `null` when never."},
                "last_push_time": {"type": "integer", "format": "int64", "nullable": true,
                                   "description": "When a push last succeeded, ms since the epoch; `null` when never."},
                "automatic": boolean("Whether automatic external ticketing pushes to this connector now \
                                      (`external_ticketing_enabled` and `connector_id` of `/api/v1/extrahop/ticketing`)."),
            }),
        ),
        json!({"queued": 0, "created": 12, "updated": 30, "comments": 4, "retried": 2, "failed": 1, "synced": 7,
               "failed_waiting": 1, "last_error": "[Action][Jira]: Unable to create issue. Error: Request failed with status code 400. Reason: summary: You must specify a summary of the issue.",
               "last_error_time": 1_795_423_005_000_i64, "last_push_time": 1_795_423_205_000_i64, "automatic": true}),
    )
}

fn failed_push() -> Value {
    with_example(
        object(
            "A push of a detection the remote system refused (wirewatch extension). It stays until replayed.",
            &[
                "id",
                "detection_id",
                "create_time",
                "failed_time",
                "attempts",
                "error",
            ],
            json!({
                "id": id("The failed push's id (what `_failed/_replay` takes)."),
                "detection_id": id("The detection that was to be pushed."),
                "create_time": ms("When the push was queued, ms since the epoch."),
                "failed_time": ms("When it was refused, ms since the epoch."),
                "attempts": count("How many times it was tried."),
                "error": string("The remote's reason, or `connector deleted` for a push queued when its connector was deleted."),
            }),
        ),
        json!({"id": 3, "detection_id": 42, "create_time": 1_795_423_000_000_i64, "failed_time": 1_795_423_005_000_i64,
               "attempts": 1, "error": "[Action][Jira]: Unable to create issue. Error: Request failed with status code 400. Reason: summary: You must specify a summary of the issue."}),
    )
}

fn replay() -> Value {
    closed(object(
        "Body of `POST .../_failed/_replay` (wirewatch extension): which failed pushes to queue again. Left out (no \
         body), `{}` or `\"ids\": null` replays them all.",
        &[],
        json!({"ids": {"type": "array", "nullable": true, "items": {"type": "integer", "format": "int64"},
                       "description": "Ids of failed pushes (`GET .../_failed`); ids of other connectors or unknown ones are skipped."}}),
    ))
}

fn replayed() -> Value {
    with_example(
        object(
            "How many failed pushes were queued again (wirewatch extension).",
            &["replayed"],
            json!({"replayed": count("The number of failed pushes queued again.")}),
        ),
        json!({"replayed": 1}),
    )
}

fn sync_result() -> Value {
    let ok = object(
        "The pull succeeded (at least in part).",
        &["status", "changed"],
        json!({
            "status": enumeration(vec![json!("ok")], false, "The pull ran."),
            "changed": count("Detections whose status or assignee changed."),
        }),
    );
    let error = object(
        "Every incident read failed. The HTTP status is still 200.",
        &["status", "message", "service_message", "retry"],
        json!({
            "status": enumeration(vec![json!("error")], false, "The remote system failed."),
            "message": enumeration(vec![json!(EXECUTE_FAILED)], false, "Always this text."),
            "service_message": string("The remote system's own reason."),
            "retry": boolean("Whether trying again later may succeed."),
        }),
    );
    with_example(
        json!({
            "description": "The answer of `POST .../_sync` (wirewatch extension).",
            "oneOf": [ok, error],
        }),
        json!({"status": "ok", "changed": 2}),
    )
}

fn webhook_event() -> Value {
    object(
        "Body of `POST .../_webhook` (wirewatch extension): any JSON object naming the incident that changed. The \
         first of `issue.id`, `issue.key` (a Jira webhook), `sys_id`, `result.sys_id`, `number` (ServiceNow), \
         `externalId` and `id` that is a non-empty string or a number is used; other fields are ignored. The \
         incident's state is then read from the remote system, never taken from the body.",
        &[],
        json!({
            "webhookEvent": string("Jira's event name (ignored)."),
            "issue": object("Jira's issue.", &[], json!({
                "id": scalar("The issue id."),
                "key": scalar("The issue key."),
            })),
            "sys_id": scalar("ServiceNow's `sys_id`."),
            "result": object("ServiceNow's Table API record.", &[], json!({"sys_id": scalar("Its `sys_id`.")})),
            "number": scalar("ServiceNow's incident number."),
            "externalId": scalar("The incident's id or key."),
            "id": scalar("The incident's id or key."),
        }),
    )
}

fn webhook_result() -> Value {
    with_example(
        object(
            "The incident was read and its state applied (wirewatch extension).",
            &["status", "incident", "detections_changed"],
            json!({
                "status": enumeration(vec![json!("ok")], false, "Done."),
                "incident": string("The incident the body named."),
                "detections_changed": array(id("A detection whose status or assignee changed.")),
            }),
        ),
        json!({"status": "ok", "incident": "SEC-1", "detections_changed": [42]}),
    )
}

fn webhook_failure() -> Value {
    with_example(
        object(
            "The remote system could not be read (wirewatch extension).",
            &["status", "incident", "message", "service_message", "retry"],
            json!({
                "status": enumeration(vec![json!("error")], false, "Failed."),
                "incident": string("The incident the body named."),
                "message": enumeration(vec![json!(EXECUTE_FAILED)], false, "Always this text."),
                "service_message": string("The remote system's own reason."),
                "retry": boolean("Whether trying again later may succeed (503) or not (502)."),
            }),
        ),
        json!({"status": "error", "incident": "SEC-1", "message": EXECUTE_FAILED,
               "service_message": "[Action][Jira]: Unable to get issue SEC-1. Error: Request failed with status code 503. Reason: Service Unavailable",
               "retry": true}),
    )
}
