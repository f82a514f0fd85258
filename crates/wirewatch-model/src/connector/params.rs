//! The `_execute` body as [`super::parse_execute`] reads it, as types: the
//! document's schemas are generated from them, and the tests check that
//! every example both deserializes into them and parses.

use super::ISO_PATTERN;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;

/// Body of `_execute`: `params` only. A `.webhook` connector takes
/// `{"body": ...}`; the others a `subAction` and its `subActionParams`:
/// `pushToService` (Kibana's case form of 7.x, or the current `incident`
/// form), `getIncident`, and `closeIncident` (`.jira` and `.servicenow`).
/// Parameters are checked before anything is sent: a wrong one is a 400
/// naming it (`params.subActionParams.title`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ConnectorExecute")]
pub struct ExecuteBody {
    /// The sub-action and its parameters.
    pub params: ExecuteParams,
}

/// `oneOf` rather than the `anyOf` of an untagged enum.
fn one_of(s: &mut Schema) {
    if let Some(alternatives) = s.remove("anyOf") {
        s.insert("oneOf".into(), alternatives);
    }
}

/// The parameter forms.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(inline, transform = one_of)]
pub enum ExecuteParams {
    PushCase(Box<PushCaseParams>),
    PushIncident(Box<PushIncidentParams>),
    Get(GetIncidentParams),
    Close(CloseIncidentParams),
    Webhook(WebhookParams),
}

/// A value sent as text: a string or a number (`"2"`, `2`); may be left
/// out or `null`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Scalar(pub Option<Value>);

impl JsonSchema for Scalar {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": true})
    }

    fn _schemars_private_is_option() -> bool {
        true
    }
}

/// Any JSON value; may be left out or `null`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AnyValue(pub Option<Value>);

impl JsonSchema for AnyValue {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "AnyValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"additionalProperties": true})
    }

    fn _schemars_private_is_option() -> bool {
        true
    }
}

/// `pushToService` in Kibana's case form (7.x, the form of `POST
/// /actions/action/{id}/_execute`): creates an incident from a case, or
/// updates the one `externalId` names, then adds the comments. Other fields
/// are ignored.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "PushToServiceCaseParams", example = seed_params())]
pub struct PushCaseParams {
    /// The sub-action.
    #[serde(rename = "subAction")]
    #[schemars(extend("enum" = ["pushToService"]))]
    pub sub_action: String,
    /// The case to send.
    #[serde(rename = "subActionParams")]
    pub sub_action_params: CaseParams,
}

/// The parameters of the seed's request (Kibana's documentation), exactly.
pub fn seed_params() -> Value {
    json!({"subAction": "pushToService", "subActionParams": {
        "savedObjectId": "c1472f70-732a-11ea-a0b2-c51ea50a58e2",
        "createdAt": "2020-03-31T08:36:45.661Z",
        "createdBy": {"fullName": "Alan Hunley", "username": "ahunley"},
        "comments": [{
            "commentId": "dda30310-732a-11ea-a0b2-c51ea50a58e2",
            "comment": "That is nothing - Ethan Hunt answered a targeted social media campaign promoting phishy \
                        pension schemes to IMF operatives.",
            "createdAt": "2020-03-31T08:37:33.240Z",
            "createdBy": {"fullName": "Ms Moneypenny", "username": "moneypenny"},
        }],
        "description": "James Bond clicked on a highly suspicious email banner advertising cheap holidays for \
                        underpaid civil servants. Operation bubblegum is active.",
        "title": "This case will self-destruct in 5 seconds",
    }})
}

/// The case to send.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct CaseParams {
    /// The case's id (ServiceNow: the incident's `correlation_id`).
    #[serde(rename = "savedObjectId")]
    #[schemars(length(min = 1))]
    pub saved_object_id: String,
    /// The case title: the incident's summary (Jira) or short description
    /// (ServiceNow).
    #[schemars(length(min = 1))]
    pub title: String,
    /// The case description.
    pub description: Option<String>,
    /// The incident to update (Jira: issue id or key; ServiceNow: `sys_id`);
    /// left out, `null` or empty creates one.
    #[serde(rename = "externalId")]
    pub external_id: Option<String>,
    /// When the case was created. ISO 8601 with a time zone, e.g.
    /// `2020-03-31T06:40:21.674Z`.
    #[serde(rename = "createdAt")]
    #[schemars(pattern(ISO_PATTERN))]
    pub created_at: String,
    /// Who created the case.
    #[serde(rename = "createdBy")]
    pub created_by: CaseUser,
    /// When the case was last updated. ISO 8601 with a time zone, e.g.
    /// `2020-03-31T06:40:21.674Z`.
    #[serde(rename = "updatedAt")]
    #[schemars(pattern(ISO_PATTERN))]
    pub updated_at: Option<String>,
    /// Who last updated the case.
    #[serde(rename = "updatedBy")]
    pub updated_by: Option<CaseUser>,
    /// Comments to add to the incident.
    pub comments: Option<Vec<CaseComment>>,
}

/// A user of Kibana's case form.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CaseUser {
    /// The user's full name.
    #[serde(rename = "fullName")]
    pub full_name: Option<String>,
    /// The user's user name.
    pub username: Option<String>,
}

/// A comment of Kibana's case form.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CaseComment {
    /// The comment's id (answered back with its `pushedDate`).
    #[serde(rename = "commentId")]
    #[schemars(length(min = 1))]
    pub comment_id: String,
    /// The comment text.
    #[schemars(length(min = 1))]
    pub comment: String,
    /// When the comment was created. ISO 8601 with a time zone, e.g.
    /// `2020-03-31T06:40:21.674Z`.
    #[serde(rename = "createdAt")]
    #[schemars(pattern(ISO_PATTERN))]
    pub created_at: Option<String>,
    /// Who wrote the comment.
    #[serde(rename = "createdBy")]
    pub created_by: Option<CaseUser>,
    /// Who last edited the comment.
    #[serde(rename = "updatedBy")]
    pub updated_by: Option<CaseUser>,
}

/// `pushToService` in the current form: the `incident` and its `comments`.
/// Creates the incident, or updates the one `incident.externalId` names,
/// then adds the comments.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "PushToServiceIncidentParams", example = incident_params())]
pub struct PushIncidentParams {
    /// The sub-action.
    #[serde(rename = "subAction")]
    #[schemars(extend("enum" = ["pushToService"]))]
    pub sub_action: String,
    /// The incident and its comments.
    #[serde(rename = "subActionParams")]
    pub sub_action_params: IncidentAndComments,
}

fn incident_params() -> Value {
    json!({"subAction": "pushToService", "subActionParams": {
        "incident": {"summary": "Port scan from 10.0.0.1",
                     "description": "wirewatch detection 42: 10.0.0.1 probed 1,024 ports of 10.0.0.2.",
                     "labels": ["wirewatch", "port_scan"], "issueType": "Task", "priority": "High",
                     "externalId": null},
        "comments": [{"commentId": "note-42-1", "comment": "Blocked at the firewall."}],
    }})
}

/// The incident and its comments.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct IncidentAndComments {
    pub incident: IncidentParams,
    /// Comments to add to the incident.
    pub comments: Option<Vec<IncidentCommentParams>>,
}

/// An incident of the current `pushToService` form. The title is `summary`
/// (`.jira`), `short_description` (`.servicenow`) or `title` (any type; the
/// only one of `.cases-webhook`): one of them is required. Fields another
/// system has are ignored; unknown fields too.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "Incident")]
pub struct IncidentParams {
    /// `.jira`: the issue summary (the title).
    pub summary: Option<String>,
    /// `.servicenow`: the incident's short description (the title).
    pub short_description: Option<String>,
    /// The title, for any type (`{{{case.title}}}` of `.cases-webhook`
    /// templates).
    pub title: Option<String>,
    /// The description (`{{{case.description}}}`).
    pub description: Option<String>,
    /// The incident to update (Jira: issue id or key; ServiceNow: `sys_id`;
    /// `.cases-webhook`: the id of `createIncidentResponseKey`); left out,
    /// `null` or empty creates one.
    #[serde(rename = "externalId")]
    pub external_id: Option<String>,
    /// A reference to the case or detection (`{{{case.id}}}`; ServiceNow:
    /// `correlation_id`).
    #[serde(default)]
    pub correlation_id: Scalar,
    /// Labels (Jira: without spaces; `.cases-webhook`: `{{{case.tags}}}`).
    /// `tags` is accepted too.
    pub labels: Option<Vec<String>>,
    /// Another name of `labels`.
    pub tags: Option<Vec<String>>,
    /// `.jira`: the issue type's id or name (default: the project's first
    /// non-subtask type).
    #[serde(rename = "issueType", default)]
    pub issue_type: Scalar,
    /// `.jira`: the priority's name.
    #[serde(default)]
    pub priority: Scalar,
    /// `.servicenow`: urgency, 1 (high) to 3 (low).
    #[serde(default)]
    pub urgency: Scalar,
    /// `.servicenow`: impact, 1 (high) to 3 (low).
    #[serde(default)]
    pub impact: Scalar,
    /// `.servicenow`: severity, 1 (high) to 3 (low).
    #[serde(default)]
    pub severity: Scalar,
    /// `.servicenow`: the category.
    #[serde(default)]
    pub category: Scalar,
    /// `.servicenow`: the subcategory.
    #[serde(default)]
    pub subcategory: Scalar,
}

/// A comment of the current `pushToService` form.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(rename = "IncidentComment")]
pub struct IncidentCommentParams {
    /// The comment's id (answered back with its `pushedDate`).
    #[serde(rename = "commentId")]
    #[schemars(length(min = 1))]
    pub comment_id: String,
    /// The comment text (`{{{case.comment}}}`; ServiceNow: a work note).
    #[schemars(length(min = 1))]
    pub comment: String,
}

/// `getIncident`: the incident as the remote system has it, with its status
/// mapped to a detection status.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    rename = "GetIncidentParams",
    example = json!({"subAction": "getIncident",
                     "subActionParams": {"externalId": "62dc3c8bdb7300106ba884da0b9619ea"}})
)]
pub struct GetIncidentParams {
    /// The sub-action.
    #[serde(rename = "subAction")]
    #[schemars(extend("enum" = ["getIncident"]))]
    pub sub_action: String,
    /// Which incident.
    #[serde(rename = "subActionParams")]
    pub sub_action_params: WhichIncident,
}

/// Which incident.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct WhichIncident {
    /// The incident (Jira: issue id or key; ServiceNow: `sys_id` or number).
    #[serde(rename = "externalId")]
    #[schemars(length(min = 1))]
    pub external_id: String,
}

/// `closeIncident` (`.jira` and `.servicenow`): Jira takes the transition
/// into a `done` status; ServiceNow sets state 7 (Closed) with a close code.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    rename = "CloseIncidentParams",
    example = json!({"subAction": "closeIncident",
                     "subActionParams": {"incident": {"externalId": "SEC-1"}}})
)]
pub struct CloseIncidentParams {
    /// The sub-action.
    #[serde(rename = "subAction")]
    #[schemars(extend("enum" = ["closeIncident"]))]
    pub sub_action: String,
    /// Which incident: `{"incident": {"externalId": ...}}` (Kibana's form),
    /// or `{"externalId": ...}`.
    #[serde(rename = "subActionParams")]
    pub sub_action_params: CloseWhich,
}

/// Which incident to close.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(inline, transform = one_of)]
pub enum CloseWhich {
    Kibana(CloseKibana),
    Short(CloseShort),
}

/// Kibana's form.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct CloseKibana {
    /// The incident.
    pub incident: CloseIncident,
}

/// The incident.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct CloseIncident {
    /// The incident (Jira: issue id or key; ServiceNow: `sys_id`).
    #[serde(rename = "externalId")]
    #[schemars(length(min = 1))]
    pub external_id: String,
    /// Ignored.
    #[serde(default)]
    pub correlation_id: Scalar,
}

/// The short form.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(inline)]
pub struct CloseShort {
    /// The incident (Jira: issue id or key; ServiceNow: `sys_id`).
    #[serde(rename = "externalId")]
    #[schemars(length(min = 1))]
    pub external_id: String,
}

/// The parameters of a `.webhook` connector: the body to send (any other
/// field is ignored).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(
    rename = "WebhookParams",
    example = json!({"body": "{\"event\": \"detection\", \"id\": 42, \"title\": \"Port scan from 10.0.0.1\"}"})
)]
pub struct WebhookParams {
    /// What is sent: a string as is, any other JSON value as its JSON text;
    /// left out or `null`, an empty body. Sent as `application/json` unless
    /// `config.headers` sets another `Content-Type`.
    #[serde(default)]
    pub body: AnyValue,
}
