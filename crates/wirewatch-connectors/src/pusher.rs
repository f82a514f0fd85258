//! Automatic mode: drain the durable push queue into the chosen connector.
//!
//! Each round takes the oldest queued detections (one job per detection),
//! pushes up to `concurrency` of them at once, and commits the results in
//! one transaction. A connection failure, 408, 429 or 5xx puts the connector
//! into the ODS backoff (100 ms doubling to 30 s, `Retry-After` honoured) and
//! the job stays queued: a remote outage of any length loses nothing. A
//! refusal (other 4xx) moves the job to the connector's failed pushes.

use crate::{ConnectorError, System};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch_model::connector::{Connector, Incident, IncidentComment};
use wirewatch_model::detection::{Detection, Status};
use wirewatch_net::retry::Backoff;
use wirewatch_store::{PushJob, Pushed, Store};

/// Options of the pusher and the status pull.
#[derive(Debug, Clone)]
pub struct Options {
    /// Pushes in flight at once per connector.
    pub concurrency: usize,
    /// Detections taken per round.
    pub batch: usize,
    /// How often open incidents are pulled for status and assignee.
    pub sync_interval: Duration,
    /// Base URL of this server (links in incident descriptions).
    pub public_url: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 16,
            batch: 256,
            sync_interval: Duration::from_secs(60),
            public_url: String::new(),
        }
    }
}

/// The connectors' clients, built once per connector version, and the
/// background work of automatic mode.
pub struct Connectors {
    pub store: Store,
    systems: Mutex<HashMap<String, (String, Arc<System>)>>,
    backoff: Mutex<HashMap<String, (Backoff, Instant)>>,
    pub options: Options,
}

impl Connectors {
    pub fn new(store: Store, options: Options) -> Arc<Connectors> {
        Arc::new(Connectors {
            store,
            systems: Mutex::default(),
            backoff: Mutex::default(),
            options,
        })
    }

    /// The client of a connector (rebuilt when the connector changed).
    pub fn system(&self, c: &Connector) -> Result<Arc<System>, ConnectorError> {
        let version = serde_json::to_string(c).unwrap_or_default();
        if let Some((v, s)) = self.systems.lock().get(&c.id) {
            if *v == version {
                return Ok(s.clone());
            }
        }
        let s = Arc::new(System::new(c)?);
        self.systems
            .lock()
            .insert(c.id.clone(), (version, s.clone()));
        Ok(s)
    }

    /// Start the pusher and the status pull on the current tokio runtime.
    pub fn start(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move { me.push_loop().await });
        let me = self.clone();
        tokio::spawn(async move { crate::sync::pull_loop(me).await });
    }

    /// When the connector may be tried again, if it is backing off.
    fn waiting(&self, id: &str) -> Option<Instant> {
        self.backoff
            .lock()
            .get(id)
            .map(|(_, until)| *until)
            .filter(|u| *u > Instant::now())
    }

    fn failed(&self, id: &str, after: Option<Duration>) -> Duration {
        let mut b = self.backoff.lock();
        let e = b
            .entry(id.to_string())
            .or_insert_with(|| (Backoff::default(), Instant::now()));
        let d = after
            .unwrap_or_else(|| e.0.fail())
            .max(Duration::from_millis(1));
        e.1 = Instant::now() + d;
        d
    }

    fn succeeded(&self, id: &str) {
        self.backoff.lock().remove(id);
    }

    async fn push_loop(self: Arc<Self>) {
        let signal = self.store.trigger_signal();
        loop {
            let seen = signal.seq();
            let store = self.store.clone();
            let batch = self.options.batch;
            let jobs = match tokio::task::spawn_blocking(move || store.incident_jobs(batch)).await {
                Ok(Ok(j)) => j,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "reading the incident queue");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Err(_) => return,
            };
            if jobs.is_empty() {
                let s = signal.clone();
                let _ =
                    tokio::task::spawn_blocking(move || s.wait(seen, Duration::from_secs(1))).await;
                continue;
            }
            let mut by_connector: HashMap<String, Vec<PushJob>> = HashMap::new();
            for j in jobs {
                by_connector
                    .entry(j.connector_id.clone())
                    .or_default()
                    .push(j);
            }
            let mut progressed = false;
            let mut earliest: Option<Instant> = None;
            for (id, jobs) in by_connector {
                if let Some(until) = self.waiting(&id) {
                    earliest = Some(earliest.map_or(until, |e| e.min(until)));
                    continue;
                }
                progressed |= self.push_round(&id, jobs).await;
            }
            if !progressed {
                let wait = earliest
                    .map(|e| e.saturating_duration_since(Instant::now()))
                    .unwrap_or(Duration::from_millis(200))
                    .min(Duration::from_secs(30));
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// Push one connector's jobs; whether any left the queue.
    async fn push_round(self: &Arc<Self>, connector_id: &str, jobs: Vec<PushJob>) -> bool {
        let store = self.store.clone();
        let cid = connector_id.to_string();
        let connector = match tokio::task::spawn_blocking(move || store.connector(&cid)).await {
            Ok(Ok(c)) => c,
            _ => return false,
        };
        let Some(connector) = connector else {
            // Deleted while jobs were queued: they become failed pushes.
            for j in &jobs {
                let _ = self
                    .store
                    .incident_refused(j, "the connector no longer exists");
            }
            return true;
        };
        let system = match self.system(&connector) {
            Ok(s) => s,
            Err(e) => {
                for j in &jobs {
                    let _ = self.store.incident_refused(j, &e.message);
                }
                return true;
            }
        };
        let sem = Arc::new(tokio::sync::Semaphore::new(self.options.concurrency.max(1)));
        // Once the remote fails in a way worth retrying, the rest of the round
        // waits for the backoff instead of hammering a system that is down.
        let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut set = tokio::task::JoinSet::new();
        for job in jobs {
            let permit = sem.clone().acquire_owned().await;
            if failing.load(std::sync::atomic::Ordering::Acquire) {
                break;
            }
            let system = system.clone();
            let me = self.clone();
            let failing = failing.clone();
            set.spawn(async move {
                let _permit = permit;
                if failing.load(std::sync::atomic::Ordering::Acquire) {
                    return (job, None);
                }
                let r = me.push_one(&system, &job).await;
                if matches!(&r, Err(e) if e.retry) {
                    failing.store(true, std::sync::atomic::Ordering::Release);
                }
                (job, Some(r))
            });
        }
        let mut done: Vec<(PushJob, Option<Pushed>)> = Vec::new();
        let mut retry: Vec<(PushJob, ConnectorError)> = Vec::new();
        let mut refused: Vec<(PushJob, ConnectorError)> = Vec::new();
        while let Some(r) = set.join_next().await {
            let Ok((job, Some(r))) = r else { continue };
            match r {
                Ok(p) => done.push((job, p)),
                Err(e) if e.retry => retry.push((job, e)),
                Err(e) => refused.push((job, e)),
            }
        }
        let progressed = !done.is_empty() || !refused.is_empty();
        let store = self.store.clone();
        let cid = connector_id.to_string();
        let me = self.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(e) = store.incidents_pushed(&done) {
                tracing::error!(error = %e, "recording pushed incidents");
            }
            for (job, e) in &refused {
                tracing::warn!(connector = %cid, detection = job.detection_id, error = %e, "the remote system refused the incident");
                let _ = store.incident_refused(job, &e.message);
            }
            if let Some((_, e)) = retry.first() {
                let wait = me.failed(&cid, e.after);
                tracing::warn!(connector = %cid, error = %e, waiting_ms = wait.as_millis() as u64, "incident push failed; retrying");
            }
            for (job, e) in &retry {
                // Counted per job: a retried create looks for its incident first.
                let _ = store.incident_retry(job, &e.message);
            }
            if retry.is_empty() && !done.is_empty() {
                me.succeeded(&cid);
            }
        })
        .await;
        progressed
    }

    /// Push one detection; `Ok(None)` when there was nothing to push.
    async fn push_one(
        &self,
        system: &System,
        job: &PushJob,
    ) -> Result<Option<Pushed>, ConnectorError> {
        let Some(d) = &job.detection else {
            return Ok(None);
        };
        let source = format!("wirewatch-{}-{}", self.store.instance_id(), d.id);
        let mut inc = self.incident_of(d, &source);
        inc.external_id = job.incident.as_ref().map(|i| i.external_id.clone());
        // A create whose answer was lost may have happened: look first.
        if inc.external_id.is_none() && job.attempts > 0 {
            inc.external_id = system.find(&source).await.unwrap_or_default();
        }
        let pushed_note = job.note.as_ref().and_then(|n| {
            let t = n.update_time?;
            let text = n.note.as_deref().filter(|s| !s.trim().is_empty())?;
            if job.incident.as_ref().and_then(|i| i.note_time) == Some(t) {
                return None;
            }
            inc.comments.push(IncidentComment {
                comment_id: format!("note-{t}"),
                comment: match &n.author {
                    Some(a) => format!("{a}: {text}"),
                    None => text.to_string(),
                },
            });
            Some(t)
        });
        let remote = job.incident.as_ref().and_then(|i| i.remote_status.clone());
        inc.status = match (&job.incident, d.status) {
            (_, None) => None,
            (None, Some(Status::New)) => None,
            (None, s) => s,
            (Some(_), Some(s)) if remote.as_deref() == Some(s.as_str()) => None,
            (Some(_), s) => s,
        };
        let r = system.push(&inc).await?;
        Ok(Some(Pushed {
            external_id: r.id,
            external_title: r.title,
            url: r.url,
            created: r.created,
            note_time: pushed_note,
            remote: r.remote,
        }))
    }

    /// The incident that stands for a detection.
    pub fn incident_of(&self, d: &Detection, source: &str) -> Incident {
        let mut text = String::new();
        text.push_str(&d.description);
        text.push_str("\n\n");
        text.push_str(&format!("Detection: {} ({})\n", d.id, d.kind));
        text.push_str(&format!("Risk score: {}\n", d.risk_score));
        if !d.categories.is_empty() {
            text.push_str(&format!("Categories: {}\n", d.categories.join(", ")));
        }
        if !d.mitre_techniques.is_empty() {
            let t: Vec<String> = d
                .mitre_techniques
                .iter()
                .map(|t| format!("{} {}", t.id, t.name))
                .collect();
            text.push_str(&format!("MITRE ATT&CK: {}\n", t.join(", ")));
        }
        text.push_str(&format!(
            "Start: {}\n",
            wirewatch_model::time::format_iso(d.start_time)
        ));
        if let Some(e) = d.end_time {
            text.push_str(&format!("End: {}\n", wirewatch_model::time::format_iso(e)));
        }
        for p in &d.participants {
            let who = p
                .hostname
                .clone()
                .or(p.ipaddr.clone())
                .or(p.object_value.clone())
                .unwrap_or_else(|| format!("{:?} {}", p.object_type, p.object_id.unwrap_or(0)));
            text.push_str(&format!("{:?}: {who}\n", p.role));
        }
        if !self.options.public_url.is_empty() {
            text.push_str(&format!(
                "\nIn wirewatch: {}/api/v1/detections/{}\n",
                self.options.public_url.trim_end_matches('/'),
                d.id
            ));
        }
        let mut labels = vec!["wirewatch".to_string(), source.to_string()];
        labels.extend(
            d.categories
                .iter()
                .map(|c| c.replace(char::is_whitespace, "_")),
        );
        let urgency = match d.risk_score {
            80.. => "1",
            31..=79 => "2",
            _ => "3",
        };
        Incident {
            source_id: Some(source.to_string()),
            title: format!("wirewatch detection {}: {}", d.id, d.title),
            description: Some(text),
            labels,
            urgency: Some(urgency.into()),
            impact: Some(urgency.into()),
            ..Incident::default()
        }
    }
}
