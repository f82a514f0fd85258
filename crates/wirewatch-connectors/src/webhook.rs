//! The generic webhook (`.webhook`: send a body) and the case webhook
//! (`.cases-webhook`: create, read, update and comment through templated
//! URLs and JSON bodies, with response keys naming the id and title).

use crate::client::{check, Client, ClientError};
use crate::{now, ConnectorError, PushResult, PushedComment, RemoteIncident};
use serde_json::{Map, Value};
use wirewatch_model::connector::{
    dig, render, CasesWebhookConfig, Incident, TemplateMode, WebhookConfig, WebhookSecrets,
};
use wirewatch_store::RemoteState;

fn headers(h: &Option<Map<String, Value>>) -> Vec<(String, String)> {
    h.iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect()
}

fn basic(has_auth: bool, s: &WebhookSecrets) -> Option<(&str, &str)> {
    if !has_auth {
        return None;
    }
    Some((s.user.as_deref()?, s.password.as_deref().unwrap_or("")))
}

pub struct Webhook {
    client: Client,
    method: &'static str,
    url: String,
    json: bool,
}

impl Webhook {
    pub fn new(c: &WebhookConfig, s: &WebhookSecrets) -> Result<Webhook, ClientError> {
        let hs = headers(&c.headers);
        let json = !hs
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && !v.contains("json"));
        Ok(Webhook {
            client: Client::new(&c.url, basic(c.has_auth, s))?.with_headers(
                hs.into_iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
                    .collect(),
            ),
            method: c.method.as_str(),
            url: c.url.clone(),
            json,
        })
    }

    pub async fn send(&self, body: &str) -> Result<Value, ConnectorError> {
        let ct = if self.json {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        };
        let a = self
            .client
            .send_raw(self.method, &self.url, Some(body.to_string()), ct)
            .await?;
        let a = check("send the webhook", a)?;
        let v = a.json();
        Ok(if v.is_null() && !a.body.is_empty() {
            Value::String(a.text())
        } else {
            v
        })
    }
}

pub struct CasesWebhook {
    client: Client,
    c: CasesWebhookConfig,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl CasesWebhook {
    pub fn new(c: &CasesWebhookConfig, s: &WebhookSecrets) -> Result<CasesWebhook, ClientError> {
        Ok(CasesWebhook {
            client: Client::new(&c.create_incident_url, basic(c.has_auth, s))?
                .with_headers(headers(&c.headers)),
            c: c.clone(),
        })
    }

    fn vars(inc: &Incident, id: Option<&str>, title: Option<&str>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "case.id".into(),
            inc.source_id.clone().unwrap_or_default().into(),
        );
        m.insert("case.title".into(), inc.title.clone().into());
        m.insert(
            "case.description".into(),
            inc.description.clone().unwrap_or_default().into(),
        );
        m.insert("case.tags".into(), inc.labels.clone().into());
        m.insert("case.comment".into(), "".into());
        m.insert("external.system.id".into(), id.unwrap_or("").into());
        m.insert("external.system.title".into(), title.unwrap_or("").into());
        m
    }

    fn url(&self, t: &str, vars: &Map<String, Value>) -> Result<String, ConnectorError> {
        render(t, vars, TemplateMode::Url).map_err(|e| ConnectorError::config(e.to_string()))
    }

    fn body(&self, t: &str, vars: &Map<String, Value>) -> Result<Value, ConnectorError> {
        let s = render(t, vars, TemplateMode::Json)
            .map_err(|e| ConnectorError::config(e.to_string()))?;
        serde_json::from_str(&s).map_err(|e| {
            ConnectorError::config(format!("the JSON template did not render to JSON: {e}"))
        })
    }

    pub async fn push(&self, inc: &Incident) -> Result<PushResult, ConnectorError> {
        let (id, created) = match &inc.external_id {
            None => {
                let vars = Self::vars(inc, None, None);
                let url = self.url(&self.c.create_incident_url, &vars)?;
                let body = self.body(&self.c.create_incident_json, &vars)?;
                let a = self
                    .client
                    .expect(
                        "create incident",
                        self.c.create_incident_method.as_str(),
                        &url,
                        Some(&body),
                    )
                    .await?;
                let v = a.json();
                let id = dig(&v, &self.c.create_incident_response_key)
                    .and_then(text)
                    .ok_or_else(|| {
                        ConnectorError::config(format!(
                            "Unable to create incident: the answer has no {:?}",
                            self.c.create_incident_response_key
                        ))
                    })?;
                (id, true)
            }
            Some(ext) => (ext.clone(), false),
        };
        let current = self.get(&id).await?;
        let vars = Self::vars(inc, Some(&id), Some(&current.title));
        if !created {
            let url = self.url(&self.c.update_incident_url, &vars)?;
            let body = self.body(&self.c.update_incident_json, &vars)?;
            self.client
                .expect(
                    &format!("update incident {id}"),
                    self.c.update_incident_method.as_str(),
                    &url,
                    Some(&body),
                )
                .await?;
        }
        let mut comments = Vec::new();
        if let (Some(curl), Some(cjson)) = (&self.c.create_comment_url, &self.c.create_comment_json)
        {
            for c in &inc.comments {
                let mut v = vars.clone();
                v.insert("case.comment".into(), c.comment.clone().into());
                let url = self.url(curl, &v)?;
                let body = self.body(cjson, &v)?;
                let method = self
                    .c
                    .create_comment_method
                    .unwrap_or(wirewatch_model::connector::WebhookMethod::Put);
                self.client
                    .expect(
                        &format!("add a comment to incident {id}"),
                        method.as_str(),
                        &url,
                        Some(&body),
                    )
                    .await?;
                comments.push(PushedComment {
                    comment_id: c.comment_id.clone(),
                    pushed_date: now(),
                });
            }
        }
        Ok(PushResult {
            id,
            title: current.title,
            url: current.url,
            pushed_date: now(),
            comments,
            created,
            remote: None,
        })
    }

    pub async fn get(&self, id: &str) -> Result<RemoteIncident, ConnectorError> {
        let vars = Self::vars(&Incident::default(), Some(id), None);
        let url = self.url(&self.c.get_incident_url, &vars)?;
        let a = self.client.send("GET", &url, None).await?;
        let a = check(&format!("get incident {id}"), a)?;
        let v = a.json();
        let title = dig(&v, &self.c.get_incident_response_external_title_key)
            .and_then(text)
            .unwrap_or_else(|| id.to_string());
        let vars = Self::vars(&Incident::default(), Some(id), Some(&title));
        Ok(RemoteIncident {
            id: id.to_string(),
            url: self.url(&self.c.view_incident_url, &vars)?,
            title,
            state: RemoteState {
                raw_status: String::new(),
                status: None,
                assignee: None,
            },
            created: None,
            updated: None,
            summary: None,
        })
    }
}
