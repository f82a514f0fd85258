//! Jira over its REST API v2: issues are created in the configured project,
//! updated with `PUT`, commented, and moved between statuses through the
//! workflow's transitions (chosen by status category: `new`,
//! `indeterminate`, `done`). Authentication: email + API token (basic).

use crate::client::{check, Client, ClientError};
use crate::{clip, now, ConnectorError, PushResult, PushedComment, RemoteIncident};
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use wirewatch_model::connector::{Incident, JiraConfig, JiraSecrets};
use wirewatch_model::detection::Status;
use wirewatch_store::RemoteState;

/// Jira's limit on a summary.
const SUMMARY_MAX: usize = 255;

pub struct Jira {
    client: Client,
    project: String,
    /// Issue type used when a push names none (looked up once).
    default_type: Mutex<Option<String>>,
}

/// A detection status from a Jira status category key.
pub fn status_of_category(key: &str) -> Option<Status> {
    match key {
        "new" => Some(Status::New),
        "indeterminate" => Some(Status::InProgress),
        "done" => Some(Status::Closed),
        _ => None,
    }
}

fn category_of(status: Status) -> &'static str {
    match status {
        Status::New => "new",
        Status::InProgress | Status::Acknowledged => "indeterminate",
        Status::Closed => "done",
    }
}

use wirewatch_model::connector::percent_encode as seg;

fn remote_state(fields: &Value) -> RemoteState {
    let status = &fields["status"];
    RemoteState {
        raw_status: status["name"].as_str().unwrap_or("").to_string(),
        status: status["statusCategory"]["key"]
            .as_str()
            .and_then(status_of_category),
        assignee: fields["assignee"]["displayName"]
            .as_str()
            .or(fields["assignee"]["emailAddress"].as_str())
            .map(str::to_string),
    }
}

impl Jira {
    pub fn new(config: &JiraConfig, secrets: &JiraSecrets) -> Result<Jira, ClientError> {
        Ok(Jira {
            client: Client::new(
                &config.api_url,
                Some((secrets.email.as_str(), secrets.api_token.as_str())),
            )?,
            project: config.project_key.clone(),
            default_type: Mutex::new(None),
        })
    }

    fn url_of(&self, key: &str) -> String {
        self.client.base.url(&format!("/browse/{key}"))
    }

    async fn issue_type(&self, wanted: Option<&str>) -> Result<Value, ConnectorError> {
        if let Some(t) = wanted {
            return Ok(if t.bytes().all(|b| b.is_ascii_digit()) {
                json!({"id": t})
            } else {
                json!({"name": t})
            });
        }
        if let Some(id) = self.default_type.lock().clone() {
            return Ok(json!({"id": id}));
        }
        // Jira Cloud and Data Center 9: the per-project endpoint; older
        // servers only have the (since deprecated) project-wide createmeta.
        let a = self
            .client
            .send(
                "GET",
                &format!(
                    "/rest/api/2/issue/createmeta/{}/issuetypes",
                    seg(&self.project)
                ),
                None,
            )
            .await?;
        let types = if a.status == 404 {
            let a = self
                .client
                .expect(
                    "get issue types",
                    "GET",
                    &format!(
                        "/rest/api/2/issue/createmeta?projectKeys={}&expand=projects.issuetypes",
                        seg(&self.project)
                    ),
                    None,
                )
                .await?;
            a.json()["projects"][0]["issuetypes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        } else {
            let v = check("get issue types", a)?.json();
            v["values"]
                .as_array()
                .or(v["issueTypes"].as_array())
                .cloned()
                .unwrap_or_default()
        };
        let usable: Vec<&Value> = types
            .iter()
            .filter(|t| !t["subtask"].as_bool().unwrap_or(false))
            .collect();
        let pick = ["Incident", "Task", "Bug"]
            .iter()
            .find_map(|n| usable.iter().find(|t| t["name"] == *n))
            .or(usable.first())
            .and_then(|t| t["id"].as_str())
            .ok_or_else(|| {
                ConnectorError::config(format!(
                    "project {} has no issue type to create issues with",
                    self.project
                ))
            })?
            .to_string();
        *self.default_type.lock() = Some(pick.clone());
        Ok(json!({"id": pick}))
    }

    fn fields(&self, inc: &Incident) -> Map<String, Value> {
        let mut f = Map::new();
        f.insert("summary".into(), clip(&inc.title, SUMMARY_MAX).into());
        if let Some(d) = &inc.description {
            f.insert("description".into(), d.clone().into());
        }
        if !inc.labels.is_empty() {
            f.insert("labels".into(), inc.labels.clone().into());
        }
        if let Some(p) = &inc.priority {
            f.insert("priority".into(), json!({ "name": p }));
        }
        f
    }

    pub async fn push(&self, inc: &Incident) -> Result<PushResult, ConnectorError> {
        let (id, key, created) = match &inc.external_id {
            None => {
                let mut fields = self.fields(inc);
                fields.insert("project".into(), json!({"key": self.project}));
                fields.insert(
                    "issuetype".into(),
                    self.issue_type(inc.issue_type.as_deref()).await?,
                );
                let a = self
                    .client
                    .expect(
                        "create issue",
                        "POST",
                        "/rest/api/2/issue",
                        Some(&json!({ "fields": fields })),
                    )
                    .await?;
                let v = a.json();
                let id = v["id"].as_str().map(str::to_string);
                let key = v["key"].as_str().map(str::to_string);
                match (id, key) {
                    (Some(id), Some(key)) => (id, key, true),
                    _ => {
                        return Err(ConnectorError::config(format!(
                            "Unable to create issue: the answer has no id and key: {}",
                            clip(&a.text(), 200)
                        )))
                    }
                }
            }
            Some(ext) => {
                self.client
                    .expect(
                        &format!("update issue {ext}"),
                        "PUT",
                        &format!("/rest/api/2/issue/{}", seg(ext)),
                        Some(&json!({ "fields": self.fields(inc) })),
                    )
                    .await?;
                // The key may differ from the id the caller keeps.
                let key = if ext.bytes().all(|b| b.is_ascii_digit()) {
                    let a = self
                        .client
                        .expect(
                            &format!("get issue {ext}"),
                            "GET",
                            &format!("/rest/api/2/issue/{}?fields=summary", seg(ext)),
                            None,
                        )
                        .await?;
                    a.json()["key"].as_str().unwrap_or(ext).to_string()
                } else {
                    ext.clone()
                };
                (ext.clone(), key, false)
            }
        };
        let mut comments = Vec::with_capacity(inc.comments.len());
        for c in &inc.comments {
            let a = self
                .client
                .expect(
                    &format!("add a comment to issue {key}"),
                    "POST",
                    &format!("/rest/api/2/issue/{}/comment", seg(&id)),
                    Some(&json!({"body": c.comment})),
                )
                .await?;
            let v = a.json();
            comments.push(PushedComment {
                comment_id: c.comment_id.clone(),
                pushed_date: v["created"]
                    .as_str()
                    .and_then(wirewatch_model::time::parse_rfc3339)
                    .unwrap_or_else(now),
            });
        }
        let mut remote = None;
        if let Some(want) = inc.status {
            remote = Some(self.move_to(&id, category_of(want)).await?);
        }
        Ok(PushResult {
            url: self.url_of(&key),
            id,
            title: key,
            pushed_date: now(),
            comments,
            created,
            remote,
        })
    }

    /// Take the transition into the wanted status category, unless the issue
    /// is already there; answers the issue's state afterwards.
    async fn move_to(&self, id: &str, category: &str) -> Result<RemoteState, ConnectorError> {
        let cur = self.get(id).await?;
        let cur_category = cur.state.status.map(category_of);
        if cur_category == Some(category) {
            return Ok(cur.state);
        }
        let a = self
            .client
            .expect(
                &format!("list the transitions of issue {id}"),
                "GET",
                &format!("/rest/api/2/issue/{}/transitions", seg(id)),
                None,
            )
            .await?;
        let v = a.json();
        let Some(t) = v["transitions"].as_array().and_then(|ts| {
            ts.iter()
                .find(|t| t["to"]["statusCategory"]["key"] == category)
        }) else {
            // The workflow offers no way there: keep the remote's state.
            tracing::warn!(
                issue = id,
                category,
                "no Jira transition leads to the wanted status"
            );
            return Ok(cur.state);
        };
        let tid = t["id"].as_str().unwrap_or("").to_string();
        self.client
            .expect(
                &format!("transition issue {id}"),
                "POST",
                &format!("/rest/api/2/issue/{}/transitions", seg(id)),
                Some(&json!({"transition": {"id": tid}})),
            )
            .await?;
        Ok(RemoteState {
            raw_status: t["to"]["name"].as_str().unwrap_or("").to_string(),
            status: status_of_category(category),
            assignee: cur.state.assignee,
        })
    }

    pub async fn get(&self, id: &str) -> Result<RemoteIncident, ConnectorError> {
        let a = self
            .client
            .send(
                "GET",
                &format!(
                    "/rest/api/2/issue/{}?fields=summary,status,assignee,created,updated",
                    seg(id)
                ),
                None,
            )
            .await?;
        let a = check(&format!("get issue {id}"), a)?;
        let v = a.json();
        let key = v["key"].as_str().unwrap_or(id).to_string();
        let f = &v["fields"];
        Ok(RemoteIncident {
            id: v["id"].as_str().unwrap_or(id).to_string(),
            url: self.url_of(&key),
            title: key,
            state: remote_state(f),
            created: f["created"].as_str().map(str::to_string),
            updated: f["updated"].as_str().map(str::to_string),
            summary: f["summary"].as_str().map(str::to_string),
        })
    }

    pub async fn close(&self, id: &str) -> Result<RemoteIncident, ConnectorError> {
        self.move_to(id, "done").await?;
        self.get(id).await
    }

    /// The issue labelled with this source id, if one exists.
    pub async fn find(&self, source_id: &str) -> Result<Option<String>, ConnectorError> {
        let jql = format!(
            "project = \"{}\" AND labels = \"{}\"",
            self.project, source_id
        );
        let a = self
            .client
            .expect(
                "search issues",
                "GET",
                &format!(
                    "/rest/api/2/search?jql={}&fields=summary&maxResults=1",
                    seg(&jql)
                ),
                None,
            )
            .await?;
        Ok(a.json()["issues"][0]["id"].as_str().map(str::to_string))
    }
}
