//! Open Data Stream delivery: one worker per configured target drains that
//! target's durable outbox through its sink, with one retry policy for all
//! (`wirewatch_net::retry`, shared with the incident connectors).
//!
//! [`Ods`] keeps the set of workers in step with the configured targets,
//! wakes a worker when its target has new messages, and answers health checks.

pub mod error;
pub mod sinks;
mod worker;

pub use error::SinkError;

pub use worker::WorkerOptions;

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;
use wirewatch_model::ods::{Target, TargetKind};
use wirewatch_store::{Queued, Store};

static LOCAL_OFFSET: OnceLock<time::UtcOffset> = OnceLock::new();

/// Read the machine's UTC offset; call once at start-up, before threads are
/// spawned (the C library cannot be asked safely later). Without it, syslog
/// `localtime` falls back to UTC.
pub fn init_local_offset() {
    let off = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let _ = LOCAL_OFFSET.set(off);
}

/// The sensor's UTC offset (UTC unless [`init_local_offset`] ran).
pub fn local_offset() -> time::UtcOffset {
    LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC)
}

struct Worker {
    target: Target,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
}

/// The delivery side: cheap to clone.
#[derive(Clone)]
pub struct Ods {
    store: Store,
    /// The workers' maximum message age in ms (changeable while running).
    max_age_ms: Arc<std::sync::atomic::AtomicU64>,
    workers: Arc<Mutex<HashMap<(TargetKind, String), Worker>>>,
    runtime: tokio::runtime::Handle,
}

impl Ods {
    /// Start workers for every configured target (on the current runtime).
    pub fn start(store: Store, opts: WorkerOptions) -> Ods {
        let ods = Ods {
            store,
            max_age_ms: Arc::new(std::sync::atomic::AtomicU64::new(
                opts.max_age.as_millis() as u64
            )),
            workers: Arc::default(),
            runtime: tokio::runtime::Handle::current(),
        };
        ods.sync();
        ods
    }

    /// How old a message of a failing target may grow before it becomes a
    /// dead letter (reason `expired`).
    pub fn max_age(&self) -> Duration {
        Duration::from_millis(self.max_age_ms.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Change the maximum age; the workers use it from their next failed round.
    pub fn set_max_age(&self, max_age: Duration) {
        self.max_age_ms.store(
            max_age.as_millis().max(1000) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Start or stop workers so there is one per configured target (call after
    /// a target was created or deleted).
    pub fn sync(&self) {
        let targets = self.store.ods_targets();
        let mut workers = self.workers.lock();
        workers.retain(|key, w| {
            let keep = targets
                .iter()
                .any(|t| (t.kind(), t.name()) == (key.0, key.1.as_str()) && *t == w.target);
            if !keep {
                w.stop.notify_one();
            }
            keep
        });
        for t in targets {
            let key = (t.kind(), t.name().to_string());
            if workers.contains_key(&key) {
                continue;
            }
            let wake = Arc::new(Notify::new());
            let stop = Arc::new(Notify::new());
            self.runtime.spawn(worker::run(
                self.store.clone(),
                t.clone(),
                wake.clone(),
                stop.clone(),
                self.max_age_ms.clone(),
            ));
            workers.insert(
                key,
                Worker {
                    target: t,
                    wake,
                    stop,
                },
            );
        }
    }

    /// Restart delivery: stop every worker and start new ones (the outbox
    /// is durable, so nothing queued is lost; a message being sent may be
    /// sent again).
    pub fn restart(&self) {
        for (_, w) in self.workers.lock().drain() {
            w.stop.notify_one();
        }
        self.sync();
    }

    /// Wake the workers of targets that got messages (callable from any thread).
    pub fn wake(&self, q: &Queued) {
        let workers = self.workers.lock();
        for key in &q.woken {
            if let Some(w) = workers.get(key) {
                w.wake.notify_one();
            }
        }
    }

    /// Wake one target's worker (after a replay).
    pub fn wake_target(&self, kind: TargetKind, name: &str) {
        if let Some(w) = self.workers.lock().get(&(kind, name.to_string())) {
            w.wake.notify_one();
        }
    }

    /// Try to reach a target now.
    pub async fn health(&self, target: &Target) -> Result<String, SinkError> {
        let sink = sinks::Sink::build(target, &self.store.instance_id())?;
        sink.health().await
    }
}
