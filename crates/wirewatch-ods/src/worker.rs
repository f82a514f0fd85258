//! One delivery worker per target: takes the oldest queued messages, sends
//! them through the target's sink, settles what was sent or refused, and on
//! a retryable failure backs off (the whole target: messages keep their
//! order and a down receiver is not hammered). Messages older than the
//! maximum age while the target keeps failing become dead letters.

use crate::sinks::Sink;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use wirewatch_model::now_ms;
use wirewatch_model::ods::{Target, TargetKind};
use wirewatch_net::retry::{Backoff, Outcome};
use wirewatch_store::{OutboxRow, Store};

/// Longest a syslog round waits to reach `batch_min_bytes`.
pub const BATCH_LINGER: Duration = Duration::from_millis(500);
/// How often an idle worker looks at the outbox without being woken.
pub const IDLE_POLL: Duration = Duration::from_secs(5);

/// Settings of every worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// Messages older than this while the target fails are given up (dead letters).
    pub max_age: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

pub(crate) async fn run(
    store: Store,
    target: Target,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    max_age_ms: Arc<std::sync::atomic::AtomicU64>,
) {
    let kind: TargetKind = target.kind();
    let name = target.name().to_string();
    let mut sink = match Sink::build(&target, &store.instance_id()) {
        Ok(s) => s,
        Err(e) => Sink::Unsupported(format!("the target's configuration cannot be used: {e}")),
    };
    let mut backoff = Backoff::default();
    loop {
        let (s, n, batch) = (store.clone(), name.clone(), sink.batch_size());
        let mut rows: Vec<OutboxRow> = match blocking(move || s.ods_fetch(kind, &n, 0, batch)).await
        {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                tracing::error!(target_kind = %kind, target_name = %name, error = %e, "reading the outbox failed");
                Vec::new()
            }
            None => return,
        };
        if rows.is_empty() {
            tokio::select! {
                _ = wake.notified() => continue,
                _ = stop.notified() => return,
                _ = tokio::time::sleep(IDLE_POLL) => continue,
            }
        }
        if sink.below_batch_min(&rows) {
            tokio::select! {
                _ = wake.notified() => {}
                _ = stop.notified() => return,
                _ = tokio::time::sleep(BATCH_LINGER) => {}
            }
            let (s, n) = (store.clone(), name.clone());
            if let Some(Ok(r)) = blocking(move || s.ods_fetch(kind, &n, 0, batch)).await {
                rows = r;
            }
        }
        let outcomes = sink.send(&rows).await;
        let mut sent = Vec::new();
        let mut refused = Vec::new();
        let mut retry = Vec::new();
        let mut retry_error = String::new();
        let mut after: Option<Duration> = None;
        for (row, o) in rows.iter().zip(outcomes) {
            match o {
                Outcome::Sent => sent.push(row.id),
                Outcome::Refused(e) => refused.push((row.id, e)),
                Outcome::Retry { error, after: a } => {
                    if retry.is_empty() {
                        retry_error = error;
                    }
                    retry.push(row.id);
                    after = after.max(a);
                }
            }
        }
        let (s, n) = (store.clone(), name.clone());
        let settled = blocking(move || s.ods_settle(kind, &n, &sent, &refused)).await;
        if let Some(Err(e)) = settled {
            tracing::error!(target_kind = %kind, target_name = %name, error = %e, "settling a delivery round failed");
        }
        if retry.is_empty() {
            backoff.reset();
            continue;
        }
        tracing::warn!(target_kind = %kind, target_name = %name, error = %retry_error, waiting = retry.len(), "delivery failed; retrying");
        let (s, n) = (store.clone(), name.clone());
        let max_age = max_age_ms.load(std::sync::atomic::Ordering::Relaxed) as i64;
        let _ = blocking(move || {
            s.ods_retrying(kind, &n, &retry, &retry_error)?;
            s.ods_expire(kind, &n, now_ms() - max_age)
        })
        .await;
        let delay = backoff.fail().max(after.unwrap_or_default());
        tokio::select! {
            _ = stop.notified() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}
