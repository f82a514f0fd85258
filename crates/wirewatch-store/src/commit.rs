//! Group commit for detection creation: concurrent creators hand their
//! prepared detections to one committer thread, which writes everything that
//! is waiting in a single transaction (one savepoint per detection, so one bad
//! row fails alone) and answers each creator after the commit. Nothing is
//! acknowledged before it is committed; the commit cost is shared.

use crate::detections::Prepared;
use crate::{audit, Inner, Result, Store, StoreError};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Weak;
use wirewatch_model::detection::Detection;

/// Most detections written in one transaction.
pub const MAX_GROUP: usize = 512;
/// Creators that may wait for the committer before senders block (back-pressure).
pub const QUEUE: usize = 4096;

/// Who to record in the audit log for a created detection, in the same transaction.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub user: String,
    pub operation: String,
}

pub(crate) struct Job {
    pub prepared: Prepared,
    pub audit: Option<AuditRecord>,
    pub reply: SyncSender<Result<Detection>>,
}

fn insert_one(store: &Store, tx: &rusqlite::Transaction<'_>, job: &mut Job) -> Result<Detection> {
    let prepared = std::mem::take(&mut job.prepared);
    let det = store.insert_detection(tx, prepared)?;
    if let Some(a) = &job.audit {
        audit::insert(
            tx,
            &a.user,
            &a.operation,
            "detections",
            serde_json::json!({"id": det.id, "type": det.kind}),
        )?;
    }
    Ok(det)
}

/// The committer thread's loop; ends when the store is dropped.
pub(crate) fn run(inner: Weak<Inner>, rx: Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let Some(inner) = inner.upgrade() else { break };
        let store = Store { inner };
        let outcome = store.write(|tx| {
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs.iter_mut() {
                tx.execute_batch("SAVEPOINT one")?;
                match insert_one(&store, tx, job) {
                    Ok(d) => {
                        tx.execute_batch("RELEASE one")?;
                        results.push(Ok(d));
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO one; RELEASE one")?;
                        results.push(Err(e));
                    }
                }
            }
            Ok(results)
        });
        match outcome {
            Ok(results) => {
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                let cause = std::sync::Arc::new(e);
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::CommitFailed(cause.clone())));
                }
            }
        }
    }
}
