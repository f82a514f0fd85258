//! Open Data Stream targets and the durable outbox that drives delivery.
//!
//! A message a trigger sends is a row of `ods_outbox` before the trigger run
//! that produced it is over; a delivery worker reads rows in id order, sends
//! them, and deletes them only once the target accepted them. A message that
//! cannot be delivered (refused by the target, too old, its target deleted or
//! unknown, its queue full) moves to `ods_dead`, where it can be read and
//! replayed; nothing is dropped silently. Every row keeps the id it was first
//! given (`key_id`), which makes the idempotency key sent with it stable
//! across retries, restarts and replays.

use crate::error::{Conflict, Missing};
use crate::secrets::{ods_aad, Doc, Sealer};
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use wirewatch_model::now_ms;
use wirewatch_model::ods::{Message, Target, TargetKind};

/// Default bound of one target's queue.
pub const DEFAULT_QUEUE_LIMIT: u64 = 1_000_000;

/// Why a message was moved to the dead-letter list.
pub mod reason {
    pub const REFUSED: &str = "refused";
    pub const EXPIRED: &str = "expired";
    pub const QUEUE_FULL: &str = "queue_full";
    pub const UNKNOWN_TARGET: &str = "unknown_target";
    pub const TARGET_DELETED: &str = "target_deleted";

    /// Every reason, as the API spells it.
    pub const ALL: [&str; 5] = [REFUSED, EXPIRED, QUEUE_FULL, UNKNOWN_TARGET, TARGET_DELETED];
}

fn reasons(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "enum": reason::ALL})
}

/// One message waiting in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    /// Stable across retries and replays: the idempotency key is built from it.
    pub key_id: i64,
    pub message: Message,
    pub create_time: i64,
    pub attempts: u32,
}

/// A message that could not be delivered, kept until it is replayed or
/// deleted (one dead letter, as the API shows it).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(example = DeadLetter::example())]
pub struct DeadLetter {
    /// The dead letter's id (`DELETE .../deadletters/{id}`, `ids` of a replay).
    #[schemars(range(min = 0))]
    pub id: i64,
    /// The message's original id: stable across retries and replays (the
    /// `Idempotency-Key` of an HTTP message is built from it).
    #[schemars(range(min = 0))]
    pub message_id: i64,
    /// When the trigger sent the message (ms).
    pub create_time: i64,
    /// When it became a dead letter (ms).
    pub dead_time: i64,
    /// How many delivery attempts were made.
    pub attempts: u32,
    /// `refused`: the target refused it (an HTTP 4xx, say); `expired`: not
    /// accepted within the maximum age (`--ods-max-age`, default 7 days);
    /// `queue_full`: the target's queue was full (`--ods-queue-limit`);
    /// `unknown_target`: no target of that kind and name existed when the
    /// trigger sent it; `target_deleted`: the target was deleted while the
    /// message waited.
    #[schemars(schema_with = "reasons")]
    pub reason: String,
    /// The last delivery error, if there was one.
    pub error: Option<String>,
    /// The message, as the trigger sent it.
    pub message: Message,
}

impl DeadLetter {
    /// The documented example.
    pub fn example() -> serde_json::Value {
        json!({
            "id": 7, "message_id": 1042, "create_time": 1_767_225_590_000_i64, "dead_time": 1_767_225_600_000_i64,
            "attempts": 1, "reason": "refused",
            "error": "HTTP 400: {\"errorMessages\":[\"Field 'priority' is invalid\"]}",
            "message": {"op": "http", "method": "POST", "path": "/rest/api/issue",
                        "headers": [["Content-Type", "application/json"]],
                        "payload": "{\"fields\":{\"summary\":\"ExtraHop Detection: 1042: SSH brute force\",\"priority\":{\"id\":99}}}"},
        })
    }
}

/// The delivery statistics of a target since it was first created (they
/// survive restarts and re-creation under the same name).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, JsonSchema)]
#[schemars(example = OdsStats::example())]
pub struct OdsStats {
    /// Messages waiting in the outbox.
    pub queued: u64,
    /// Messages the target accepted.
    pub sent: u64,
    /// Delivery attempts that failed and were retried.
    pub retried: u64,
    /// Messages given up on (refused by the target, or expired): now dead letters.
    pub failed: u64,
    /// Messages never queued (the queue was full, or the target unknown): now dead letters.
    pub dropped: u64,
    /// Messages in the dead-letter list now.
    pub dead_letters: u64,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When the last error happened (ms).
    pub last_error_time: Option<i64>,
    /// When a message was last accepted (ms).
    pub last_sent_time: Option<i64>,
}

impl OdsStats {
    /// The documented example.
    pub fn example() -> OdsStats {
        OdsStats {
            queued: 0,
            sent: 1042,
            retried: 3,
            failed: 1,
            dropped: 0,
            dead_letters: 1,
            last_error: Some(
                "HTTP 400: {\"errorMessages\":[\"Field 'priority' is invalid\"]}".into(),
            ),
            last_error_time: Some(1_767_225_600_000),
            last_sent_time: Some(1_767_229_200_000),
        }
    }
}

/// A message to queue: for `target` of the message's kind.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub target: String,
    pub message: Message,
}

/// Messages added per target by a transaction (counted once it commits).
pub(crate) type Added = Vec<((TargetKind, String), u64)>;

/// What happened to a batch of [`Outgoing`] messages.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Targets that got new messages (their workers should wake).
    pub woken: Vec<(TargetKind, String)>,
    /// Messages that went to the dead-letter list instead (unknown target, full queue).
    pub dead: Vec<(TargetKind, String, &'static str)>,
}

pub(crate) fn load_targets(
    conn: &Connection,
    sealer: &Sealer,
) -> Result<HashMap<(TargetKind, String), Target>> {
    let mut stmt = conn.prepare("SELECT kind, name, doc FROM ods_targets")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (kind, name, doc) = row?;
        let t: Target = sealer.read_doc(Doc::OdsTarget, &doc, &ods_aad(&kind, &name))?;
        out.insert((t.kind(), t.name().to_string()), t);
    }
    Ok(out)
}

pub(crate) fn load_queued(conn: &Connection) -> Result<HashMap<(TargetKind, String), u64>> {
    let mut stmt =
        conn.prepare("SELECT kind, target, count(*) FROM ods_outbox GROUP BY kind, target")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u64>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (k, t, n) = row?;
        if let Some(k) = TargetKind::parse(&k) {
            out.insert((k, t), n);
        }
    }
    Ok(out)
}

fn bump(tx: &Connection, kind: TargetKind, target: &str, column: &str, n: u64) -> Result<()> {
    // `column` is one of our constant column names, never input.
    tx.execute(
        &format!(
            "INSERT INTO ods_stats(kind, target, {column}) VALUES(?1, ?2, ?3)
             ON CONFLICT(kind, target) DO UPDATE SET {column} = {column} + excluded.{column}"
        ),
        params![kind.as_str(), target, n],
    )?;
    Ok(())
}

fn set_error(tx: &Connection, kind: TargetKind, target: &str, error: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO ods_stats(kind, target, last_error, last_error_time) VALUES(?1, ?2, ?3, ?4)
         ON CONFLICT(kind, target) DO UPDATE SET last_error = excluded.last_error,
         last_error_time = excluded.last_error_time",
        params![kind.as_str(), target, error, now_ms()],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_dead(
    tx: &Connection,
    kind: TargetKind,
    target: &str,
    key_id: Option<i64>,
    msg: &str,
    create_time: i64,
    attempts: u32,
    reason: &str,
    error: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO ods_dead(key_id, kind, target, msg, create_time, dead_time, attempts, reason, error)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![key_id, kind.as_str(), target, msg, create_time, now_ms(), attempts, reason, error],
    )?;
    if key_id.is_none() {
        let id = tx.last_insert_rowid();
        tx.execute("UPDATE ods_dead SET key_id = ?1 WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Move outbox rows matching `cond` (an SQL condition on constant parts) to
/// the dead letters. `ods_outbox.attempts` counts the attempts that failed
/// and were retried; `last_attempt` adds the attempt that ended the message
/// (a refusal) to it, so a message refused on its first try shows 1.
#[allow(clippy::too_many_arguments)]
fn bury(
    tx: &Connection,
    kind: TargetKind,
    target: &str,
    cond: &str,
    arg: i64,
    reason: &str,
    error: Option<&str>,
    last_attempt: bool,
) -> Result<u64> {
    let n = tx.execute(
        &format!(
            "INSERT INTO ods_dead(key_id, kind, target, msg, create_time, dead_time, attempts, reason, error)
             SELECT key_id, kind, target, msg, create_time, ?4, attempts + ?7, ?5, ?6 FROM ods_outbox
             WHERE kind = ?1 AND target = ?2 AND ({cond}) ORDER BY id"
        ),
        params![kind.as_str(), target, arg, now_ms(), reason, error, i64::from(last_attempt)],
    )?;
    tx.execute(
        &format!("DELETE FROM ods_outbox WHERE kind = ?1 AND target = ?2 AND ({cond})"),
        params![kind.as_str(), target, arg],
    )?;
    Ok(n as u64)
}

impl Store {
    /// Every target, ordered by kind and name.
    pub fn ods_targets(&self) -> Vec<Target> {
        let c = self.inner.cache.read();
        let mut v: Vec<Target> = c.ods_targets.values().cloned().collect();
        v.sort_by(|a, b| (a.kind(), a.name()).cmp(&(b.kind(), b.name())));
        v
    }

    pub fn ods_target(&self, kind: TargetKind, name: &str) -> Option<Target> {
        self.inner
            .cache
            .read()
            .ods_targets
            .get(&(kind, name.to_string()))
            .cloned()
    }

    /// Create a target; 409 when the name is taken for that kind.
    pub fn create_ods_target(&self, target: Target) -> Result<Target> {
        let kind = target.kind();
        let name = target.name().to_string();
        let doc =
            self.inner
                .sealer
                .write_doc(Doc::OdsTarget, &target, &ods_aad(kind.as_str(), &name))?;
        self.write(|tx| {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM ods_targets WHERE kind = ?1 AND name = ?2",
                    params![kind.as_str(), name],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(StoreError::Conflict(Conflict::OdsTarget {
                    kind: kind.to_string(),
                    name: name.clone(),
                }));
            }
            tx.execute(
                "INSERT INTO ods_targets(kind, name, doc, create_time) VALUES(?1, ?2, ?3, ?4)",
                params![kind.as_str(), name, doc, now_ms()],
            )?;
            Ok(())
        })?;
        self.reload_cache()?;
        Ok(target)
    }

    /// Replace a target's configuration, keeping its kind and name, and so
    /// its queued messages, statistics and dead letters (all keyed by them).
    /// False when no such target exists.
    pub fn update_ods_target(&self, target: Target) -> Result<bool> {
        let kind = target.kind();
        let name = target.name().to_string();
        let doc =
            self.inner
                .sealer
                .write_doc(Doc::OdsTarget, &target, &ods_aad(kind.as_str(), &name))?;
        let found = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE ods_targets SET doc = ?3 WHERE kind = ?1 AND name = ?2",
                params![kind.as_str(), name, doc],
            )? > 0)
        })?;
        if found {
            self.reload_cache()?;
        }
        Ok(found)
    }

    /// Delete a target; its queued messages become dead letters (reason
    /// `target_deleted`) so they can be replayed if it is created again.
    pub fn delete_ods_target(&self, kind: TargetKind, name: &str) -> Result<bool> {
        let found = self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM ods_targets WHERE kind = ?1 AND name = ?2",
                params![kind.as_str(), name],
            )?;
            if n > 0 {
                bury(
                    tx,
                    kind,
                    name,
                    "?3 IS NOT NULL",
                    0,
                    reason::TARGET_DELETED,
                    None,
                    false,
                )?;
            }
            Ok(n > 0)
        })?;
        if found {
            self.inner
                .ods_queued
                .lock()
                .remove(&(kind, name.to_string()));
            self.reload_cache()?;
        }
        Ok(found)
    }

    /// Queue messages inside the caller's transaction. A message for a target
    /// that does not exist, or whose queue is full, becomes a dead letter.
    pub(crate) fn queue_messages(
        &self,
        tx: &Connection,
        messages: Vec<Outgoing>,
        limit: u64,
    ) -> Result<(Queued, Added)> {
        let mut out = Queued::default();
        let mut added: HashMap<(TargetKind, String), u64> = HashMap::new();
        let now = now_ms();
        let cache = self.inner.cache.read();
        let queued = self.inner.ods_queued.lock().clone();
        let mut insert = tx.prepare_cached(
            "INSERT INTO ods_outbox(kind, target, msg, create_time) VALUES(?1, ?2, ?3, ?4)",
        )?;
        let mut set_key = tx.prepare_cached("UPDATE ods_outbox SET key_id = id WHERE id = ?1")?;
        for m in messages {
            let kind = m.message.kind();
            let key = (kind, m.target);
            let doc = serde_json::to_string(&m.message)?;
            let why = if !cache.ods_targets.contains_key(&key) {
                Some(reason::UNKNOWN_TARGET)
            } else if queued.get(&key).copied().unwrap_or(0) + added.get(&key).copied().unwrap_or(0)
                >= limit
            {
                Some(reason::QUEUE_FULL)
            } else {
                None
            };
            if let Some(why) = why {
                insert_dead(tx, kind, &key.1, None, &doc, now, 0, why, None)?;
                bump(tx, kind, &key.1, "dropped", 1)?;
                out.dead.push((kind, key.1, why));
                continue;
            }
            insert.execute(params![kind.as_str(), key.1, doc, now])?;
            set_key.execute([tx.last_insert_rowid()])?;
            *added.entry(key).or_insert(0) += 1;
        }
        let added: Vec<_> = added.into_iter().collect();
        out.woken = added.iter().map(|(k, _)| k.clone()).collect();
        Ok((out, added))
    }

    /// Count messages queued by a committed transaction.
    pub(crate) fn note_queued(&self, added: Added) {
        let mut q = self.inner.ods_queued.lock();
        for (k, n) in added {
            *q.entry(k).or_insert(0) += n;
        }
    }

    /// Queue messages in their own transaction (sensor events, tests, benchmarks).
    pub fn enqueue_ods(&self, messages: Vec<Outgoing>) -> Result<Queued> {
        let limit = self.ods_queue_limit();
        let (queued, added) = self.write(|tx| self.queue_messages(tx, messages, limit))?;
        self.note_queued(added);
        Ok(queued)
    }

    /// The bound of each target's queue.
    pub fn ods_queue_limit(&self) -> u64 {
        self.inner
            .ods_limit
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set_ods_queue_limit(&self, limit: u64) {
        self.inner
            .ods_limit
            .store(limit.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Up to `limit` messages of a target with ids above `after`, oldest first.
    pub fn ods_fetch(
        &self,
        kind: TargetKind,
        target: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, key_id, msg, create_time, attempts FROM ods_outbox
                 WHERE kind = ?1 AND target = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
            )?;
            let rows =
                stmt.query_map(params![kind.as_str(), target, after, limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, u32>(4)?,
                    ))
                })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, key_id, msg, create_time, attempts) = row?;
                out.push(OutboxRow {
                    id,
                    key_id: key_id.unwrap_or(id),
                    message: serde_json::from_str(&msg)?,
                    create_time,
                    attempts,
                });
            }
            Ok(out)
        })
    }

    /// Settle a delivery round: `sent` rows are deleted, `refused` rows become
    /// dead letters with the target's answer.
    pub fn ods_settle(
        &self,
        kind: TargetKind,
        target: &str,
        sent: &[i64],
        refused: &[(i64, String)],
    ) -> Result<()> {
        if sent.is_empty() && refused.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            {
                let mut del = tx.prepare_cached("DELETE FROM ods_outbox WHERE id = ?1")?;
                for id in sent {
                    del.execute([id])?;
                }
            }
            for (id, error) in refused {
                bury(
                    tx,
                    kind,
                    target,
                    "id = ?3",
                    *id,
                    reason::REFUSED,
                    Some(error),
                    true,
                )?;
                set_error(tx, kind, target, error)?;
            }
            if !sent.is_empty() {
                bump(tx, kind, target, "sent", sent.len() as u64)?;
                tx.execute(
                    "UPDATE ods_stats SET last_sent_time = ?3 WHERE kind = ?1 AND target = ?2",
                    params![kind.as_str(), target, now_ms()],
                )?;
            }
            if !refused.is_empty() {
                bump(tx, kind, target, "failed", refused.len() as u64)?;
            }
            Ok(())
        })?;
        let mut q = self.inner.ods_queued.lock();
        if let Some(n) = q.get_mut(&(kind, target.to_string())) {
            *n = n.saturating_sub((sent.len() + refused.len()) as u64);
        }
        Ok(())
    }

    /// Record a failed attempt on `ids` (they stay queued) and the error.
    pub fn ods_retrying(
        &self,
        kind: TargetKind,
        target: &str,
        ids: &[i64],
        error: &str,
    ) -> Result<()> {
        self.write(|tx| {
            let mut up =
                tx.prepare_cached("UPDATE ods_outbox SET attempts = attempts + 1 WHERE id = ?1")?;
            for id in ids {
                up.execute([id])?;
            }
            bump(tx, kind, target, "retried", ids.len() as u64)?;
            set_error(tx, kind, target, error)
        })
    }

    /// Give up on messages of a target created before `before` (ms): they
    /// become dead letters with reason `expired`.
    pub fn ods_expire(&self, kind: TargetKind, target: &str, before: i64) -> Result<u64> {
        let n = self.write(|tx| {
            let n = bury(
                tx,
                kind,
                target,
                "create_time < ?3",
                before,
                reason::EXPIRED,
                None,
                false,
            )?;
            if n > 0 {
                bump(tx, kind, target, "failed", n)?;
            }
            Ok(n)
        })?;
        if n > 0 {
            let mut q = self.inner.ods_queued.lock();
            if let Some(c) = q.get_mut(&(kind, target.to_string())) {
                *c = c.saturating_sub(n);
            }
        }
        Ok(n)
    }

    /// Delivery statistics of a target.
    pub fn ods_stats(&self, kind: TargetKind, target: &str) -> Result<OdsStats> {
        let queued = self
            .inner
            .ods_queued
            .lock()
            .get(&(kind, target.to_string()))
            .copied()
            .unwrap_or(0);
        self.read(|c| {
            let mut s = c
                .query_row(
                    "SELECT sent, retried, failed, dropped, last_error, last_error_time, last_sent_time
                     FROM ods_stats WHERE kind = ?1 AND target = ?2",
                    params![kind.as_str(), target],
                    |r| {
                        Ok(OdsStats {
                            sent: r.get(0)?,
                            retried: r.get(1)?,
                            failed: r.get(2)?,
                            dropped: r.get(3)?,
                            last_error: r.get(4)?,
                            last_error_time: r.get(5)?,
                            last_sent_time: r.get(6)?,
                            ..OdsStats::default()
                        })
                    },
                )
                .optional()?
                .unwrap_or_default();
            s.queued = queued;
            s.dead_letters = c.query_row(
                "SELECT count(*) FROM ods_dead WHERE kind = ?1 AND target = ?2",
                params![kind.as_str(), target],
                |r| r.get(0),
            )?;
            Ok(s)
        })
    }

    /// A page of a target's dead letters, oldest first.
    pub fn ods_dead_letters(
        &self,
        kind: TargetKind,
        target: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<DeadLetter>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, key_id, msg, create_time, dead_time, attempts, reason, error FROM ods_dead
                 WHERE kind = ?1 AND target = ?2 ORDER BY id LIMIT ?3 OFFSET ?4",
            )?;
            let rows = stmt.query_map(
                params![kind.as_str(), target, limit as i64, offset as i64],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, u32>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (id, key_id, msg, create_time, dead_time, attempts, reason, error) = row?;
                out.push(DeadLetter {
                    id,
                    message_id: key_id,
                    create_time,
                    dead_time,
                    attempts,
                    reason,
                    error,
                    message: serde_json::from_str(&msg)?,
                });
            }
            Ok(out)
        })
    }

    /// Put dead letters back in the outbox (all of the target's, or `ids`);
    /// returns how many. The target must exist.
    pub fn ods_replay(&self, kind: TargetKind, target: &str, ids: Option<&[i64]>) -> Result<u64> {
        if self.ods_target(kind, target).is_none() {
            return Err(StoreError::NotFound(Missing::OdsTarget {
                kind: kind.to_string(),
                name: target.to_string(),
            }));
        }
        let n = self.write(|tx| {
            let pick = |id: Option<i64>| -> Result<u64> {
                let cond = if id.is_some() {
                    "AND id = ?3"
                } else {
                    "AND ?3 IS NULL"
                };
                let n = tx.execute(
                    &format!(
                        "INSERT INTO ods_outbox(kind, target, msg, create_time, key_id)
                         SELECT kind, target, msg, ?4, key_id FROM ods_dead
                         WHERE kind = ?1 AND target = ?2 {cond} ORDER BY id"
                    ),
                    params![kind.as_str(), target, id, now_ms()],
                )?;
                tx.execute(
                    &format!("DELETE FROM ods_dead WHERE kind = ?1 AND target = ?2 {cond}"),
                    params![kind.as_str(), target, id],
                )?;
                Ok(n as u64)
            };
            match ids {
                None => pick(None),
                Some(ids) => ids.iter().map(|id| pick(Some(*id))).sum(),
            }
        })?;
        if n > 0 {
            *self
                .inner
                .ods_queued
                .lock()
                .entry((kind, target.to_string()))
                .or_insert(0) += n;
        }
        Ok(n)
    }

    /// Delete dead letters (all of the target's, or `ids`); returns how many.
    pub fn ods_purge_dead(
        &self,
        kind: TargetKind,
        target: &str,
        ids: Option<&[i64]>,
    ) -> Result<u64> {
        self.write(|tx| match ids {
            None => Ok(tx.execute(
                "DELETE FROM ods_dead WHERE kind = ?1 AND target = ?2",
                params![kind.as_str(), target],
            )? as u64),
            Some(ids) => {
                let mut n = 0;
                for id in ids {
                    n += tx.execute(
                        "DELETE FROM ods_dead WHERE kind = ?1 AND target = ?2 AND id = ?3",
                        params![kind.as_str(), target, id],
                    )? as u64;
                }
                Ok(n)
            }
        })
    }

    /// The instance id that prefixes idempotency keys (random, made once per data directory).
    pub fn instance_id(&self) -> String {
        self.inner.instance.clone()
    }
}
