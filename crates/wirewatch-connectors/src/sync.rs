//! Status and assignee flow back from the remote system: a periodic pull of
//! the open incidents of the chosen connector, and [`Connectors::sync_incident`]
//! for the inbound webhook (which names an issue; its state is then read
//! from the remote, so a forged or stale webhook body cannot set it).

use crate::pusher::Connectors;
use crate::{ConnectorError, System};
use std::sync::Arc;
use std::time::Duration;

/// Incidents pulled per round.
const PER_ROUND: usize = 500;
/// Pulls in flight at once.
const CONCURRENT: usize = 8;

pub(crate) async fn pull_loop(me: Arc<Connectors>) {
    loop {
        tokio::time::sleep(me.options.sync_interval).await;
        let Some(id) = me
            .store
            .ticketing()
            .connector_id
            .filter(|_| me.store.ticketing().external_ticketing_enabled)
        else {
            continue;
        };
        match me.pull(&id).await {
            Ok(n) if n > 0 => {
                tracing::debug!(connector = %id, changed = n, "pulled incident states")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(connector = %id, error = %e, "pulling incident states"),
        }
    }
}

impl Connectors {
    /// Pull the open incidents of a connector once; how many detections changed.
    pub async fn pull(self: &Arc<Self>, connector_id: &str) -> Result<usize, ConnectorError> {
        let store = self.store.clone();
        let cid = connector_id.to_string();
        let (connector, incidents) = tokio::task::spawn_blocking(move || {
            Ok::<_, wirewatch_store::StoreError>((
                store.connector(&cid)?,
                store.incidents_to_sync(&cid, PER_ROUND)?,
            ))
        })
        .await
        .map_err(|e| ConnectorError::transient(e.to_string()))?
        .map_err(|e| ConnectorError::transient(e.to_string()))?;
        let Some(connector) = connector else {
            return Ok(0);
        };
        if !connector.kind().supports_incidents() || incidents.is_empty() {
            return Ok(0);
        }
        let system = self.system(&connector)?;
        let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENT));
        let mut set = tokio::task::JoinSet::new();
        for inc in incidents {
            let permit = sem.clone().acquire_owned().await;
            let system = system.clone();
            set.spawn(async move {
                let _p = permit;
                let r = system.get(&inc.external_id).await;
                (inc, r)
            });
        }
        let mut unchanged = Vec::new();
        let mut changed = Vec::new();
        let mut first_error = None;
        while let Some(r) = set.join_next().await {
            let Ok((inc, r)) = r else { continue };
            match r {
                Ok(remote) => {
                    let same = inc.remote_status.as_deref() == Some(remote.state.stored().as_str())
                        && inc.remote_assignee == remote.state.assignee;
                    if same {
                        unchanged.push(inc.external_id);
                    } else {
                        changed.push((inc.external_id, remote.state));
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let store = self.store.clone();
        let cid = connector_id.to_string();
        let n = tokio::task::spawn_blocking(move || {
            let mut n = 0;
            for (ext, state) in &changed {
                n += store.apply_remote(&cid, ext, state)?.len();
            }
            store.incidents_synced(&cid, &unchanged)?;
            Ok::<_, wirewatch_store::StoreError>(n)
        })
        .await
        .map_err(|e| ConnectorError::transient(e.to_string()))?
        .map_err(|e| ConnectorError::transient(e.to_string()))?;
        match first_error {
            Some(e) if n == 0 => Err(e),
            _ => Ok(n),
        }
    }

    /// Read one incident (by id, key or number) from the remote and apply
    /// its state to the detections linked to it; their ids.
    pub async fn sync_incident(
        self: &Arc<Self>,
        connector_id: &str,
        key: &str,
    ) -> Result<Vec<u64>, ConnectorError> {
        let store = self.store.clone();
        let (cid, k) = (connector_id.to_string(), key.to_string());
        let (connector, incidents) = tokio::task::spawn_blocking(move || {
            Ok::<_, wirewatch_store::StoreError>((
                store.connector(&cid)?,
                store.incidents_by_external(&cid, &k)?,
            ))
        })
        .await
        .map_err(|e| ConnectorError::transient(e.to_string()))?
        .map_err(|e| ConnectorError::transient(e.to_string()))?;
        let Some(connector) = connector else {
            return Err(ConnectorError::config("no such connector"));
        };
        let Some(first) = incidents.first() else {
            return Ok(Vec::new());
        };
        let system: Arc<System> = self.system(&connector)?;
        let remote = system.get(&first.external_id).await?;
        let store = self.store.clone();
        let cid = connector_id.to_string();
        let ext = first.external_id.clone();
        tokio::task::spawn_blocking(move || store.apply_remote(&cid, &ext, &remote.state))
            .await
            .map_err(|e| ConnectorError::transient(e.to_string()))?
            .map_err(|e| ConnectorError::transient(e.to_string()))
    }
}

/// The incident a webhook body is about: Jira's `issue.id`/`issue.key`,
/// ServiceNow's `sys_id`/`number` (top level or under `result`), or a plain
/// `externalId`/`id`.
pub fn webhook_key(body: &serde_json::Value) -> Option<String> {
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    s(&body["issue"]["id"])
        .or_else(|| s(&body["issue"]["key"]))
        .or_else(|| s(&body["sys_id"]))
        .or_else(|| s(&body["result"]["sys_id"]))
        .or_else(|| s(&body["number"]))
        .or_else(|| s(&body["externalId"]))
        .or_else(|| s(&body["id"]))
}

/// Keep the pull interval sane.
pub fn clamp_interval(d: Duration) -> Duration {
    d.max(Duration::from_secs(1))
}
