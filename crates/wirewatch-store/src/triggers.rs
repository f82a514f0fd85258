//! Triggers, their durable event queue, debug log and run statistics.
//!
//! A detection change that some enabled trigger listens to (`DETECTION_UPDATE`)
//! writes a row to `trigger_events` in the same transaction as the change, so
//! a crash between the change and the trigger run loses nothing: the runner
//! takes events in order and, in one transaction, records what the run sent
//! (outbox rows), logged and counted, and deletes the event.

use crate::detections::Prepared;
use crate::ods::{Outgoing, Queued};
use crate::{Result, Store};
use parking_lot::{Condvar, Mutex};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::time::Duration;
use wirewatch_model::detection::{Detection, NewDetection};
use wirewatch_model::now_ms;
use wirewatch_model::trigger::{LogLine, Trigger, TriggerInput};

/// Lines of debug log kept per trigger (older ones are trimmed).
pub const LOG_KEEP: u64 = 1000;

/// Wakes the trigger runner when events were committed.
#[derive(Default)]
pub struct Signal {
    seq: Mutex<u64>,
    cv: Condvar,
}

impl Signal {
    pub fn notify(&self) {
        *self.seq.lock() += 1;
        self.cv.notify_all();
    }

    /// The current sequence number.
    pub fn seq(&self) -> u64 {
        *self.seq.lock()
    }

    /// Wait until the sequence moves past `seen` or `timeout` passes.
    pub fn wait(&self, seen: u64, timeout: Duration) -> u64 {
        let mut g = self.seq.lock();
        if *g == seen {
            self.cv.wait_for(&mut g, timeout);
        }
        *g
    }
}

/// One queued trigger event with what the trigger needs to see.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    pub id: i64,
    pub event: String,
    /// The detection, for `DETECTION_UPDATE` (None if it was deleted since).
    pub detection: Option<Detection>,
    /// Whether a tuning rule hides the detection.
    pub hidden: bool,
    pub is_new: bool,
    /// `EXTERNAL_DATA`: `{"type", "body"}`.
    pub body: Option<serde_json::Value>,
    /// The trigger whose `commitDetection` produced the detection (it does not run again on it).
    pub origin: Option<u64>,
}

/// A trigger's run statistics since it was created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "TriggerStats", example = RunStats::example())]
pub struct RunStats {
    /// How many times it ran.
    pub runs: u64,
    /// Runs that ended with an uncaught exception.
    pub errors: u64,
    /// Runs stopped because they exceeded their time or memory budget.
    pub budget_exceeded: u64,
    /// The total run time, in microseconds.
    pub total_us: u64,
    /// The longest run, in microseconds.
    pub max_us: u64,
    /// The last exception or budget message.
    pub last_error: Option<String>,
    /// When it last ran (ms).
    pub last_run_time: Option<i64>,
    /// Detections, Remote messages and debug-log lines that runs produced
    /// beyond their per-run caps (`--trigger-max-detections`, default 1,000;
    /// `--trigger-max-messages`, default 10,000; 1,000 log lines), dropped:
    /// `commitDetection` and the Remote send return `false`, and a `warning`
    /// line says how many.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub dropped: u64,
}

impl RunStats {
    /// The example of the API's documentation.
    pub fn example() -> RunStats {
        RunStats {
            runs: 1042,
            errors: 0,
            budget_exceeded: 1,
            total_us: 2_345_678,
            max_us: 100_412,
            last_error: Some("stopped after 100 ms (the run-time budget): interrupted".into()),
            last_run_time: Some(1_767_229_200_000),
            dropped: 0,
        }
    }
}

/// A detection a trigger raised with `commitDetection`, validated.
pub struct TriggerDetection {
    pub(crate) prepared: Prepared,
    pub trigger_id: u64,
}

/// Everything one round of trigger runs produced, committed together.
#[derive(Default)]
pub struct TriggerBatch {
    /// Events handled (deleted from the queue).
    pub done: Vec<i64>,
    pub messages: Vec<Outgoing>,
    pub log: Vec<LogLine>,
    pub stats: Vec<(u64, RunStats)>,
    pub detections: Vec<TriggerDetection>,
}

pub(crate) fn load_all(conn: &Connection) -> Result<Vec<Trigger>> {
    let mut stmt = conn.prepare("SELECT doc FROM triggers ORDER BY id")?;
    let docs = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in docs {
        out.push(serde_json::from_str(&d?)?);
    }
    Ok(out)
}

/// Queue a trigger event (inside the caller's transaction) if some enabled
/// trigger listens to it.
pub(crate) fn enqueue(
    store: &Store,
    tx: &Connection,
    event: &str,
    object_id: Option<u64>,
    is_new: bool,
    body: Option<&str>,
) -> Result<()> {
    let wanted = store
        .inner
        .cache
        .read()
        .triggers
        .iter()
        .any(|t| t.runs_on(event));
    if !wanted {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO trigger_events(event, object_id, is_new, body, time) VALUES(?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![event, object_id, is_new, body, now_ms()])?;
    store
        .inner
        .events_dirty
        .store(true, std::sync::atomic::Ordering::Release);
    Ok(())
}

impl Store {
    pub fn triggers(&self) -> Vec<Trigger> {
        self.inner.cache.read().triggers.clone()
    }

    pub fn trigger(&self, id: u64) -> Option<Trigger> {
        self.inner
            .cache
            .read()
            .triggers
            .iter()
            .find(|t| t.id == id)
            .cloned()
    }

    /// What wakes the trigger runner.
    pub fn trigger_signal(&self) -> std::sync::Arc<Signal> {
        self.inner.signal.clone()
    }

    pub fn create_trigger(&self, input: TriggerInput, caller: &str) -> Result<Trigger> {
        let t = self.write(|tx| {
            tx.execute("INSERT INTO triggers(doc) VALUES('{}')", [])?;
            let id = tx.last_insert_rowid() as u64;
            let t = input.create(id, caller, now_ms())?;
            tx.execute(
                "UPDATE triggers SET doc = ?2 WHERE id = ?1",
                params![id, serde_json::to_string(&t)?],
            )?;
            Ok(t)
        })?;
        self.reload_cache()?;
        Ok(t)
    }

    pub fn update_trigger(
        &self,
        id: u64,
        patch: TriggerInput,
        editor: &str,
    ) -> Result<Option<Trigger>> {
        let Some(mut t) = self.trigger(id) else {
            return Ok(None);
        };
        patch.apply(&mut t, now_ms(), editor)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE triggers SET doc = ?2 WHERE id = ?1",
                params![id, serde_json::to_string(&t)?],
            )?;
            Ok(())
        })?;
        self.reload_cache()?;
        Ok(Some(t))
    }

    pub fn delete_trigger(&self, id: u64) -> Result<bool> {
        let n = self.write(|tx| {
            tx.execute("DELETE FROM trigger_log WHERE trigger_id = ?1", [id])?;
            tx.execute("DELETE FROM trigger_stats WHERE trigger_id = ?1", [id])?;
            Ok(tx.execute("DELETE FROM triggers WHERE id = ?1", [id])?)
        })?;
        self.reload_cache()?;
        Ok(n > 0)
    }

    /// Queue an `EXTERNAL_DATA` event (`POST /triggers/externaldata`); false
    /// when no enabled trigger listens to it.
    pub fn queue_external_data(&self, kind: &str, body: &serde_json::Value) -> Result<bool> {
        if !self.triggers().iter().any(|t| t.runs_on("EXTERNAL_DATA")) {
            return Ok(false);
        }
        let doc = serde_json::json!({"type": kind, "body": body}).to_string();
        self.write(|tx| enqueue(self, tx, "EXTERNAL_DATA", None, false, Some(&doc)))?;
        Ok(true)
    }

    /// Events waiting for the runner, oldest first.
    pub fn pending_trigger_events(&self, limit: usize) -> Result<Vec<PendingEvent>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT e.id, e.event, e.is_new, e.body, e.origin, d.doc, d.hidden_by
                 FROM trigger_events e LEFT JOIN detections d ON d.id = e.object_id
                 ORDER BY e.id LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<u64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<u64>>(6)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, event, is_new, body, origin, doc, hidden) = row?;
                let detection = match doc {
                    Some(d) => Some(self.decorate(crate::detections::from_doc(&d)?)),
                    None => None,
                };
                out.push(PendingEvent {
                    id,
                    event,
                    detection,
                    hidden: hidden.is_some(),
                    is_new,
                    body: body.map(|b| serde_json::from_str(&b)).transpose()?,
                    origin,
                });
            }
            Ok(out)
        })
    }

    /// Whether a new detection would be accepted (its type known, fields valid).
    pub fn check_new_detection(&self, new: NewDetection) -> Result<()> {
        self.prepare_detection(new).map(|_| ())
    }

    /// Check a detection a trigger raised, ready for [`Store::commit_trigger_batch`].
    pub fn prepare_trigger_detection(
        &self,
        new: NewDetection,
        trigger_id: u64,
    ) -> Result<TriggerDetection> {
        Ok(TriggerDetection {
            prepared: self.prepare_detection(new)?,
            trigger_id,
        })
    }

    /// Commit one round of trigger runs; returns what was queued.
    pub fn commit_trigger_batch(&self, batch: TriggerBatch) -> Result<Queued> {
        let limit = self.ods_queue_limit();
        let (queued, added) = self.write(|tx| {
            {
                let mut del = tx.prepare_cached("DELETE FROM trigger_events WHERE id = ?1")?;
                for id in &batch.done {
                    del.execute([id])?;
                }
            }
            let out = self.queue_messages(tx, batch.messages, limit)?;
            let mut logged: Vec<u64> = Vec::new();
            {
                let mut ins = tx.prepare_cached(
                    "INSERT INTO trigger_log(trigger_id, time, level, event, message) VALUES(?1, ?2, ?3, ?4, ?5)",
                )?;
                for l in &batch.log {
                    ins.execute(params![l.trigger_id, l.time, l.level, l.event, l.message])?;
                    if !logged.contains(&l.trigger_id) {
                        logged.push(l.trigger_id);
                    }
                }
            }
            for t in logged {
                tx.execute(
                    "DELETE FROM trigger_log WHERE trigger_id = ?1 AND id <= (
                       SELECT id FROM trigger_log WHERE trigger_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                    params![t, LOG_KEEP],
                )?;
            }
            for (id, s) in &batch.stats {
                tx.execute(
                    "INSERT INTO trigger_stats(trigger_id, runs, errors, budget_exceeded, total_us, max_us, last_error, last_run_time, dropped)
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(trigger_id) DO UPDATE SET runs = runs + excluded.runs, dropped = dropped + excluded.dropped,
                       errors = errors + excluded.errors, budget_exceeded = budget_exceeded + excluded.budget_exceeded,
                       total_us = total_us + excluded.total_us, max_us = max(max_us, excluded.max_us),
                       last_error = coalesce(excluded.last_error, last_error),
                       last_run_time = excluded.last_run_time",
                    params![id, s.runs, s.errors, s.budget_exceeded, s.total_us, s.max_us, s.last_error, s.last_run_time, s.dropped],
                )?;
            }
            for d in batch.detections {
                let det = self.insert_detection(tx, d.prepared)?;
                tx.execute(
                    "UPDATE trigger_events SET origin = ?2 WHERE object_id = ?1",
                    params![det.id, d.trigger_id],
                )?;
            }
            Ok(out)
        })?;
        self.note_queued(added);
        Ok(queued)
    }

    /// The newest `limit` lines of a trigger's debug log, oldest first.
    pub fn trigger_log(&self, id: u64, limit: usize) -> Result<Vec<LogLine>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, trigger_id, time, level, event, message FROM trigger_log
                 WHERE trigger_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![id, limit as i64], |r| {
                Ok(LogLine {
                    id: r.get(0)?,
                    trigger_id: r.get(1)?,
                    time: r.get(2)?,
                    level: r.get(3)?,
                    event: r.get(4)?,
                    message: r.get(5)?,
                })
            })?;
            let mut v = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            v.reverse();
            Ok(v)
        })
    }

    pub fn clear_trigger_log(&self, id: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM trigger_log WHERE trigger_id = ?1", [id])?;
            Ok(())
        })
    }

    pub fn trigger_stats(&self, id: u64) -> Result<RunStats> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT runs, errors, budget_exceeded, total_us, max_us, last_error, last_run_time, dropped
                 FROM trigger_stats WHERE trigger_id = ?1",
                [id],
                |r| {
                    Ok(RunStats {
                        runs: r.get(0)?,
                        errors: r.get(1)?,
                        budget_exceeded: r.get(2)?,
                        total_us: r.get(3)?,
                        max_us: r.get(4)?,
                        last_error: r.get(5)?,
                        last_run_time: r.get(6)?,
                        dropped: r.get(7)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
        })
    }

    /// Events waiting for the trigger runner.
    pub fn trigger_backlog(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM trigger_events", [], |r| r.get(0))?))
    }
}
