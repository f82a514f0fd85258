//! External incident connectors: the clients of Jira (REST API v2), ServiceNow
//! (Table API) and webhooks, `_execute`'s sub-actions on them, the automatic
//! push of detections as incidents ([`pusher`]) and the pull of their status
//! and assignee back ([`sync`]).
//!
//! Every remote error goes through `wirewatch_net::retry`: 408, 429 and 5xx
//! (and connection failures) are retried with the ODS backoff; other 4xx are
//! refused and reported with the remote system's own reason.

pub mod client;
pub mod jira;
pub mod pusher;
pub mod servicenow;
pub mod sync;
pub mod webhook;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use wirewatch_model::connector::{Connector, ConnectorSpec, Incident, ISO_PATTERN};
use wirewatch_model::detection::Status;
use wirewatch_store::RemoteState;

/// A failure talking to a remote system.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    pub message: String,
    /// Whether trying again later may succeed.
    pub retry: bool,
    /// The remote asked to wait this long (`Retry-After`).
    pub after: Option<Duration>,
    /// The remote's HTTP status, when it answered.
    pub status: Option<u16>,
}

impl ConnectorError {
    pub fn transient(message: impl Into<String>) -> Self {
        ConnectorError {
            message: message.into(),
            retry: true,
            after: None,
            status: None,
        }
    }

    /// A problem retrying cannot fix (configuration, an answer we cannot use).
    pub fn config(message: impl Into<String>) -> Self {
        ConnectorError {
            message: message.into(),
            retry: false,
            after: None,
            status: None,
        }
    }

    /// Prefix the message with the connector (`[Action][Jira]: …`).
    pub fn tagged(mut self, system: &str) -> Self {
        self.message = format!("[Action][{system}]: {}", self.message);
        self
    }
}

/// A comment the remote system accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedComment {
    pub comment_id: String,
    pub pushed_date: i64,
}

/// What `pushToService` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PushResult {
    pub id: String,
    pub title: String,
    pub url: String,
    pub pushed_date: i64,
    pub comments: Vec<PushedComment>,
    pub created: bool,
    /// The remote's state after the push, when the push learnt it.
    pub remote: Option<RemoteState>,
}

impl PushResult {
    /// `data` of the `_execute` answer.
    pub fn view(&self) -> PushedView {
        PushedView {
            id: self.id.clone(),
            title: self.title.clone(),
            url: self.url.clone(),
            pushed_date: wirewatch_model::time::format_iso(self.pushed_date),
            comments: self
                .comments
                .iter()
                .map(|c| PushedCommentView {
                    comment_id: c.comment_id.clone(),
                    pushed_date: wirewatch_model::time::format_iso(c.pushed_date),
                })
                .collect(),
        }
    }

    /// [`PushResult::view`] as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.view()).unwrap_or(Value::Null)
    }
}

/// `data` of a `pushToService` answer: the incident created or updated.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "PushedIncident", example = PushedView::example())]
pub struct PushedView {
    /// The incident's id in the remote system (Jira: issue id; ServiceNow:
    /// `sys_id`): the `externalId` of later updates.
    pub id: String,
    /// Its key, for people (Jira: `SEC-1`; ServiceNow: `INC0010012`).
    pub title: String,
    /// Its page.
    pub url: String,
    /// When it was pushed. ISO 8601 with a time zone, e.g.
    /// `2020-03-31T06:40:21.674Z`.
    #[serde(rename = "pushedDate")]
    #[schemars(pattern(ISO_PATTERN))]
    pub pushed_date: String,
    /// The comments added, by `commentId`.
    pub comments: Vec<PushedCommentView>,
}

impl PushedView {
    /// The example of the API's documentation.
    pub fn example() -> PushedView {
        PushResult {
            id: "10001".into(),
            title: "SEC-1".into(),
            url: "https://jira.example.com/browse/SEC-1".into(),
            pushed_date: 1_795_423_006_120,
            comments: vec![PushedComment {
                comment_id: "note-42-1".into(),
                pushed_date: 1_795_423_006_410,
            }],
            created: true,
            remote: None,
        }
        .view()
    }
}

/// A comment added.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct PushedCommentView {
    /// The comment's `commentId`.
    #[serde(rename = "commentId")]
    pub comment_id: String,
    /// When it was added. ISO 8601 with a time zone, e.g.
    /// `2020-03-31T06:40:21.674Z`.
    #[serde(rename = "pushedDate")]
    #[schemars(pattern(ISO_PATTERN))]
    pub pushed_date: String,
}

/// An incident as the remote system has it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteIncident {
    pub id: String,
    pub title: String,
    pub url: String,
    pub state: RemoteState,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub summary: Option<String>,
}

impl RemoteIncident {
    /// `data` of a `getIncident` or `closeIncident` answer.
    pub fn view(&self) -> RemoteView {
        RemoteView {
            id: self.id.clone(),
            title: self.title.clone(),
            url: self.url.clone(),
            status: self.state.raw_status.clone(),
            detection_status: self.state.status,
            assignee: self.state.assignee.clone(),
            created: self.created.clone(),
            updated: self.updated.clone(),
            summary: self.summary.clone(),
        }
    }

    /// [`RemoteIncident::view`] as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.view()).unwrap_or(Value::Null)
    }
}

/// `data` of a `getIncident` or `closeIncident` answer: the incident as the
/// remote system has it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(rename = "RemoteIncident", example = RemoteView::example())]
pub struct RemoteView {
    /// The incident's id (Jira: issue id; ServiceNow: `sys_id`).
    pub id: String,
    /// Its key (Jira: `SEC-1`; ServiceNow: `INC0010012`).
    pub title: String,
    /// Its page.
    pub url: String,
    /// The remote's own status (Jira: the status name; ServiceNow: the
    /// state number, `2`).
    pub status: String,
    /// The detection status it maps to: Jira status category `new` /
    /// `indeterminate` / `done` and ServiceNow states 1 / 2, 3 / 6, 7, 8 →
    /// `new` / `in_progress` / `closed`; `null` when it maps to none.
    pub detection_status: Option<Status>,
    /// Who it is assigned to (display name), `null` when nobody.
    pub assignee: Option<String>,
    /// When it was created, as the remote writes it.
    pub created: Option<String>,
    /// When it last changed, as the remote writes it.
    pub updated: Option<String>,
    /// Its title text.
    pub summary: Option<String>,
}

impl RemoteView {
    /// The example of the API's documentation.
    pub fn example() -> RemoteView {
        RemoteView {
            id: "62dc3c8bdb7300106ba884da0b9619ea".into(),
            title: "INC0010012".into(),
            url: "https://itsm.example.com/nav_to.do?uri=incident.do?sys_id=62dc3c8bdb7300106ba884da0b9619ea"
                .into(),
            status: "2".into(),
            detection_status: Some(Status::InProgress),
            assignee: Some("Beth Anglin".into()),
            created: Some("2020-03-31 09:01:33".into()),
            updated: Some("2020-03-31 10:12:05".into()),
            summary: Some("This case will self-destruct in 5 seconds".into()),
        }
    }
}

/// A configured remote system.
pub enum System {
    Jira(jira::Jira),
    ServiceNow(servicenow::ServiceNow),
    Webhook(webhook::Webhook),
    CasesWebhook(Box<webhook::CasesWebhook>),
}

impl System {
    pub fn new(c: &Connector) -> Result<System, ConnectorError> {
        Ok(match &c.spec {
            ConnectorSpec::Jira { config, secrets } => {
                System::Jira(jira::Jira::new(config, secrets)?)
            }
            ConnectorSpec::ServiceNow { config, secrets } => {
                System::ServiceNow(servicenow::ServiceNow::new(config, secrets)?)
            }
            ConnectorSpec::Webhook { config, secrets } => {
                System::Webhook(webhook::Webhook::new(config, secrets)?)
            }
            ConnectorSpec::CasesWebhook { config, secrets } => {
                System::CasesWebhook(Box::new(webhook::CasesWebhook::new(config, secrets)?))
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            System::Jira(_) => "Jira",
            System::ServiceNow(_) => "ServiceNow ITSM",
            System::Webhook(_) => "Webhook",
            System::CasesWebhook(_) => "Webhook - Case Management",
        }
    }

    /// Create or update the incident, push its comments, and move it to the
    /// wanted status (automatic mode).
    pub async fn push(&self, inc: &Incident) -> Result<PushResult, ConnectorError> {
        let r = match self {
            System::Jira(j) => j.push(inc).await,
            System::ServiceNow(s) => s.push(inc).await,
            System::CasesWebhook(w) => w.push(inc).await,
            System::Webhook(_) => Err(ConnectorError::config(
                "pushToService is not supported by .webhook connectors; use a .cases-webhook connector",
            )),
        };
        r.map_err(|e| e.tagged(self.name()))
    }

    /// The incident as the remote has it.
    pub async fn get(&self, external_id: &str) -> Result<RemoteIncident, ConnectorError> {
        let r = match self {
            System::Jira(j) => j.get(external_id).await,
            System::ServiceNow(s) => s.get(external_id).await,
            System::CasesWebhook(w) => w.get(external_id).await,
            System::Webhook(_) => Err(ConnectorError::config(
                "getIncident is not supported by .webhook connectors",
            )),
        };
        r.map_err(|e| e.tagged(self.name()))
    }

    /// Close (Jira: transition to a "done" status; ServiceNow: state 7).
    pub async fn close(&self, external_id: &str) -> Result<RemoteIncident, ConnectorError> {
        let r = match self {
            System::Jira(j) => j.close(external_id).await,
            System::ServiceNow(s) => s.close(external_id).await,
            _ => Err(ConnectorError::config(
                "closeIncident is supported by .jira and .servicenow connectors",
            )),
        };
        r.map_err(|e| e.tagged(self.name()))
    }

    /// An incident earlier created for this source (detection or case), so a
    /// create whose answer was lost is not made twice.
    pub async fn find(&self, source_id: &str) -> Result<Option<String>, ConnectorError> {
        match self {
            System::Jira(j) => j.find(source_id).await,
            System::ServiceNow(s) => s.find(source_id).await,
            _ => Ok(None),
        }
    }

    /// `.webhook`: send a body.
    pub async fn send_webhook(&self, body: &str) -> Result<Value, ConnectorError> {
        match self {
            System::Webhook(w) => w.send(body).await.map_err(|e| e.tagged(self.name())),
            _ => Err(ConnectorError::config(
                "params.body is for .webhook connectors; use subAction pushToService",
            )),
        }
    }
}

/// Current time in ms.
pub(crate) fn now() -> i64 {
    wirewatch_model::now_ms()
}

/// Cut a text to at most `n` characters.
pub(crate) fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod view_tests {
    use super::*;
    use serde_json::json;

    /// The views write what `to_json` wrote when it built the answers with `json!`.
    #[test]
    fn the_views_write_the_answers_of_before() {
        let p = PushResult {
            id: "10001".into(),
            title: "SEC-1".into(),
            url: "https://x/browse/SEC-1".into(),
            pushed_date: 1_795_423_006_120,
            comments: vec![PushedComment {
                comment_id: "n".into(),
                pushed_date: 1_795_423_006_410,
            }],
            created: true,
            remote: None,
        };
        assert_eq!(
            p.to_json(),
            json!({"id": "10001", "title": "SEC-1", "url": "https://x/browse/SEC-1",
                   "pushedDate": wirewatch_model::time::format_iso(1_795_423_006_120),
                   "comments": [{"commentId": "n",
                                 "pushedDate": wirewatch_model::time::format_iso(1_795_423_006_410)}]})
        );
        for status in [Some(Status::InProgress), None] {
            let r = RemoteIncident {
                id: "1".into(),
                title: "SEC-1".into(),
                url: "u".into(),
                state: RemoteState {
                    raw_status: "2".into(),
                    status,
                    assignee: None,
                },
                created: Some("c".into()),
                updated: None,
                summary: Some("s".into()),
            };
            assert_eq!(
                r.to_json(),
                json!({"id": "1", "title": "SEC-1", "url": "u", "status": "2",
                       "detection_status": status.map(Status::as_str), "assignee": null,
                       "created": "c", "updated": null, "summary": "s"})
            );
        }
    }
}
