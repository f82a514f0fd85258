//! ServiceNow ITSM over the Table API (`/api/now/v2/table/incident`):
//! incidents created and updated, comments written as `work_notes`, state
//! set for the detection's status (closing with a close code and notes, as
//! instances' data policies require). Authentication: basic.

use crate::client::{check, Client, ClientError};
use crate::{clip, now, ConnectorError, PushResult, PushedComment, RemoteIncident};
use serde_json::{json, Map, Value};
use wirewatch_model::connector::{Incident, ServiceNowConfig, ServiceNowSecrets};
use wirewatch_model::detection::Status;
use wirewatch_store::RemoteState;

const TABLE: &str = "/api/now/v2/table/incident";
const SHORT_MAX: usize = 160;
/// Incident states of the default ITSM workflow.
pub const NEW: &str = "1";
pub const IN_PROGRESS: &str = "2";
pub const CLOSED: &str = "7";

pub struct ServiceNow {
    client: Client,
}

/// A detection status from an incident state code.
pub fn status_of_state(state: &str) -> Option<Status> {
    match state {
        "1" => Some(Status::New),
        "2" | "3" => Some(Status::InProgress),
        "6" | "7" | "8" => Some(Status::Closed),
        _ => None,
    }
}

fn state_of(status: Status) -> &'static str {
    match status {
        Status::New => NEW,
        Status::InProgress | Status::Acknowledged => IN_PROGRESS,
        Status::Closed => CLOSED,
    }
}

use wirewatch_model::connector::percent_encode as seg;

/// A field of a `sysparm_display_value=all` record: `{display_value, value}`,
/// or a plain value.
fn field<'a>(rec: &'a Value, name: &str, display: bool) -> Option<&'a str> {
    let f = &rec[name];
    let v = if f.is_object() {
        if display {
            &f["display_value"]
        } else {
            &f["value"]
        }
    } else {
        f
    };
    v.as_str().filter(|s| !s.is_empty())
}

impl ServiceNow {
    pub fn new(
        config: &ServiceNowConfig,
        secrets: &ServiceNowSecrets,
    ) -> Result<ServiceNow, ClientError> {
        let user = secrets.username.as_deref().unwrap_or_default();
        let password = secrets.password.as_deref().unwrap_or_default();
        Ok(ServiceNow {
            client: Client::new(&config.api_url, Some((user, password)))?,
        })
    }

    fn url_of(&self, sys_id: &str) -> String {
        self.client
            .base
            .url(&format!("/nav_to.do?uri=incident.do?sys_id={sys_id}"))
    }

    fn fields(inc: &Incident) -> Map<String, Value> {
        let mut f = Map::new();
        f.insert(
            "short_description".into(),
            clip(&inc.title, SHORT_MAX).into(),
        );
        if let Some(d) = &inc.description {
            f.insert("description".into(), d.clone().into());
        }
        for (k, v) in [
            ("urgency", &inc.urgency),
            ("impact", &inc.impact),
            ("severity", &inc.severity),
            ("category", &inc.category),
            ("subcategory", &inc.subcategory),
        ] {
            if let Some(v) = v {
                f.insert(k.into(), v.clone().into());
            }
        }
        f
    }

    fn state_fields(status: Status, f: &mut Map<String, Value>) {
        f.insert("state".into(), state_of(status).into());
        if status == Status::Closed {
            f.insert("close_code".into(), "Closed/Resolved by Caller".into());
            f.insert("close_notes".into(), "Closed by wirewatch".into());
        }
    }

    pub async fn push(&self, inc: &Incident) -> Result<PushResult, ConnectorError> {
        let mut f = Self::fields(inc);
        let (rec, created) = match &inc.external_id {
            None => {
                if let Some(s) = &inc.source_id {
                    f.insert("correlation_id".into(), s.clone().into());
                    f.insert("correlation_display".into(), "wirewatch".into());
                }
                if let Some(s) = inc.status.filter(|s| *s != Status::New) {
                    Self::state_fields(s, &mut f);
                }
                let a = self
                    .client
                    .expect("create incident", "POST", TABLE, Some(&Value::Object(f)))
                    .await?;
                (a.json()["result"].clone(), true)
            }
            Some(ext) => {
                if let Some(s) = inc.status {
                    Self::state_fields(s, &mut f);
                }
                let a = self
                    .client
                    .expect(
                        &format!("update incident {ext}"),
                        "PATCH",
                        &format!("{TABLE}/{}", seg(ext)),
                        Some(&Value::Object(f)),
                    )
                    .await?;
                (a.json()["result"].clone(), false)
            }
        };
        let sys_id = field(&rec, "sys_id", false)
            .or(inc.external_id.as_deref())
            .ok_or_else(|| {
                ConnectorError::config("Unable to create incident: the answer has no sys_id")
            })?
            .to_string();
        let number = field(&rec, "number", false).unwrap_or(&sys_id).to_string();
        let mut pushed_date = field(&rec, "sys_updated_on", false)
            .and_then(wirewatch_model::time::parse_rfc3339)
            .unwrap_or_else(now);
        let mut comments = Vec::with_capacity(inc.comments.len());
        let mut last = rec;
        for c in &inc.comments {
            let a = self
                .client
                .expect(
                    &format!("add a work note to incident {number}"),
                    "PATCH",
                    &format!("{TABLE}/{}", seg(&sys_id)),
                    Some(&json!({"work_notes": c.comment})),
                )
                .await?;
            last = a.json()["result"].clone();
            let at = field(&last, "sys_updated_on", false)
                .and_then(wirewatch_model::time::parse_rfc3339)
                .unwrap_or_else(now);
            pushed_date = at;
            comments.push(PushedComment {
                comment_id: c.comment_id.clone(),
                pushed_date: at,
            });
        }
        let remote = field(&last, "state", false).map(|s| RemoteState {
            raw_status: s.to_string(),
            status: status_of_state(s),
            assignee: None,
        });
        Ok(PushResult {
            url: self.url_of(&sys_id),
            id: sys_id,
            title: number,
            pushed_date,
            comments,
            created,
            remote: remote.filter(|_| inc.status.is_some()),
        })
    }

    pub async fn get(&self, sys_id: &str) -> Result<RemoteIncident, ConnectorError> {
        let a = self
            .client
            .send(
                "GET",
                &format!(
                    "{TABLE}/{}?sysparm_display_value=all&sysparm_fields=sys_id,number,state,assigned_to,short_description,sys_created_on,sys_updated_on",
                    seg(sys_id)
                ),
                None,
            )
            .await?;
        let a = check(&format!("get incident {sys_id}"), a)?;
        let v = a.json();
        let rec = &v["result"];
        let state = field(rec, "state", false).unwrap_or("").to_string();
        Ok(RemoteIncident {
            id: field(rec, "sys_id", false).unwrap_or(sys_id).to_string(),
            title: field(rec, "number", false).unwrap_or(sys_id).to_string(),
            url: self.url_of(sys_id),
            state: RemoteState {
                status: status_of_state(&state),
                raw_status: state,
                assignee: field(rec, "assigned_to", true).map(str::to_string),
            },
            created: field(rec, "sys_created_on", false).map(str::to_string),
            updated: field(rec, "sys_updated_on", false).map(str::to_string),
            summary: field(rec, "short_description", true).map(str::to_string),
        })
    }

    pub async fn close(&self, sys_id: &str) -> Result<RemoteIncident, ConnectorError> {
        let mut f = Map::new();
        Self::state_fields(Status::Closed, &mut f);
        self.client
            .expect(
                &format!("close incident {sys_id}"),
                "PATCH",
                &format!("{TABLE}/{}", seg(sys_id)),
                Some(&Value::Object(f)),
            )
            .await?;
        self.get(sys_id).await
    }

    /// The incident carrying this correlation id, if one exists.
    pub async fn find(&self, source_id: &str) -> Result<Option<String>, ConnectorError> {
        let a = self
            .client
            .expect(
                "search incidents",
                "GET",
                &format!(
                    "{TABLE}?sysparm_query={}&sysparm_limit=1&sysparm_fields=sys_id,number",
                    seg(&format!("correlation_id={source_id}"))
                ),
                None,
            )
            .await?;
        Ok(a.json()["result"][0]["sys_id"].as_str().map(str::to_string))
    }
}
