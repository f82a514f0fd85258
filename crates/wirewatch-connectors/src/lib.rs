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

use serde_json::Value;
use std::time::Duration;
use wirewatch_model::connector::{Connector, ConnectorSpec, Incident};
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
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "pushedDate": wirewatch_model::time::format_iso(self.pushed_date),
            "comments": self.comments.iter().map(|c| serde_json::json!({
                "commentId": c.comment_id,
                "pushedDate": wirewatch_model::time::format_iso(c.pushed_date),
            })).collect::<Vec<_>>(),
        })
    }
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
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "status": self.state.raw_status,
            "detection_status": self.state.status.map(Status::as_str),
            "assignee": self.state.assignee,
            "created": self.created,
            "updated": self.updated,
            "summary": self.summary,
        })
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
