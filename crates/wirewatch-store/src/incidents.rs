//! External incident connectors and the durable push queue of automatic mode.
//!
//! With external ticketing on and a connector chosen, every detection change
//! (creation, triage update, a new note) queues `(connector, detection)` in the
//! same transaction as the change. The pusher takes the queue in id order,
//! pushes the detection's *current* state (so several queued changes of one
//! detection become one update), and commits the incident it got back, the
//! write-back onto the detection (`ticket_id`, and status/assignee when the
//! remote system says so) and the queue rows' removal in one transaction.
//! A push the remote refuses (4xx) moves to `incident_failed`, visible and
//! replayable; nothing is dropped.

use crate::detections::{load, save};
use crate::error::Conflict;
use crate::secrets::{connector_aad, Doc};
use crate::{triggers, Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use wirewatch_model::connector::Connector;
use wirewatch_model::detection::{Detection, Note, Status};
use wirewatch_model::now_ms;

/// The incident a detection has in a connector's system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRef {
    pub detection_id: u64,
    pub connector_id: String,
    pub external_id: String,
    pub external_title: String,
    pub url: String,
    pub pushed_time: i64,
    /// `update_time` of the detection note last pushed as a comment.
    pub note_time: Option<i64>,
    pub remote_status: Option<String>,
    pub remote_assignee: Option<String>,
    pub synced_time: Option<i64>,
}

/// One detection to push, with what the push needs.
#[derive(Debug, Clone)]
pub struct PushJob {
    pub connector_id: String,
    pub detection_id: u64,
    /// `None` when the detection was deleted since it was queued.
    pub detection: Option<Detection>,
    pub note: Option<Note>,
    pub incident: Option<IncidentRef>,
    /// Highest queue row covered; rows up to it go when the push commits.
    pub upto: i64,
    pub attempts: u32,
}

/// What a successful push returned.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub external_id: String,
    pub external_title: String,
    pub url: String,
    pub created: bool,
    /// The note version pushed as a comment, if any.
    pub note_time: Option<i64>,
    pub remote: Option<RemoteState>,
}

/// Status and assignee as the remote system has them, mapped to detections.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteState {
    /// The remote's own status name (`In Progress`, `2`).
    pub raw_status: String,
    pub status: Option<Status>,
    pub assignee: Option<String>,
}

/// Push counters of one connector.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct IncidentStats {
    /// Detections waiting to be pushed.
    pub queued: u64,
    /// Incidents created by automatic pushes.
    pub created: u64,
    /// Incidents updated by automatic pushes.
    pub updated: u64,
    /// Pushes that carried a detection note as a comment.
    pub comments: u64,
    /// Attempts that failed and will be retried (connection failures,
    /// timeouts, 408, 429, 5xx).
    pub retried: u64,
    /// Pushes the remote refused for good (other 4xx): they became failed
    /// pushes.
    pub failed: u64,
    /// Incident states read back that were applied to detections (pull or
    /// webhook).
    pub synced: u64,
    /// Failed pushes kept now (`GET .../_failed`), waiting to be replayed.
    pub failed_waiting: u64,
    /// The last error, `null` when none.
    pub last_error: Option<String>,
    /// When it happened, ms since the epoch; `null` when never.
    pub last_error_time: Option<i64>,
    /// When a push last succeeded, ms since the epoch; `null` when never.
    pub last_push_time: Option<i64>,
}

/// A push of a detection the remote system refused (wirewatch extension).
/// It stays until replayed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(example = FailedPush::example())]
pub struct FailedPush {
    /// The failed push's id (what `_failed/_replay` takes).
    #[schemars(range(min = 0))]
    pub id: i64,
    /// The detection that was to be pushed.
    pub detection_id: u64,
    /// When the push was queued, ms since the epoch.
    pub create_time: i64,
    /// When it was refused, ms since the epoch.
    pub failed_time: i64,
    /// How many times it was tried.
    pub attempts: u32,
    /// The remote's reason, or `connector deleted` for a push queued when
    /// its connector was deleted.
    pub error: String,
}

impl FailedPush {
    /// The example of the API's documentation.
    pub fn example() -> FailedPush {
        FailedPush {
            id: 3,
            detection_id: 42,
            create_time: 1_795_423_000_000,
            failed_time: 1_795_423_005_000,
            attempts: 1,
            error: "[Action][Jira]: Unable to create issue. Error: Request failed with status code 400. \
                    Reason: summary: You must specify a summary of the issue."
                .into(),
        }
    }
}

impl RemoteState {
    /// What `incidents.remote_status` keeps: the mapped detection status, or
    /// the remote's own name when it maps to none.
    pub fn stored(&self) -> String {
        match self.status {
            Some(s) => s.as_str().to_string(),
            None => self.raw_status.clone(),
        }
    }
}

fn from_doc(store: &Store, id: &str, doc: &str) -> Result<Connector> {
    store
        .inner
        .sealer
        .read_doc(Doc::Connector, doc, &connector_aad(id))
}

fn to_doc(store: &Store, c: &Connector) -> Result<String> {
    store
        .inner
        .sealer
        .write_doc(Doc::Connector, c, &connector_aad(&c.id))
}

/// Queue a push of `detection_id` when automatic external ticketing is on.
pub(crate) fn enqueue(store: &Store, tx: &Connection, detection_id: u64) -> Result<()> {
    let connector = {
        let c = store.inner.cache.read();
        if !c.ticketing.external_ticketing_enabled {
            return Ok(());
        }
        match &c.ticketing.connector_id {
            Some(id) => id.clone(),
            None => return Ok(()),
        }
    };
    tx.prepare_cached(
        "INSERT INTO incident_queue(connector_id, detection_id, create_time) VALUES(?1, ?2, ?3)",
    )?
    .execute(params![connector, detection_id, now_ms()])?;
    store
        .inner
        .events_dirty
        .store(true, std::sync::atomic::Ordering::Release);
    Ok(())
}

fn incident_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IncidentRef> {
    Ok(IncidentRef {
        detection_id: r.get(0)?,
        connector_id: r.get(1)?,
        external_id: r.get(2)?,
        external_title: r.get(3)?,
        url: r.get(4)?,
        pushed_time: r.get(5)?,
        note_time: r.get(6)?,
        remote_status: r.get(7)?,
        remote_assignee: r.get(8)?,
        synced_time: r.get(9)?,
    })
}

const INCIDENT_COLUMNS: &str = "detection_id, connector_id, external_id, external_title, url, \
     pushed_time, note_time, remote_status, remote_assignee, synced_time";

fn incident_of(c: &Connection, detection: u64, connector: &str) -> Result<Option<IncidentRef>> {
    Ok(c.prepare_cached(&format!(
        "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE detection_id = ?1 AND connector_id = ?2"
    ))?
    .query_row(params![detection, connector], incident_row)
    .optional()?)
}

fn bump(tx: &Connection, connector: &str, column: &str, n: u64) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    tx.execute(
        &format!(
            "INSERT INTO incident_stats(connector_id, {column}) VALUES(?1, ?2)
             ON CONFLICT(connector_id) DO UPDATE SET {column} = {column} + excluded.{column}"
        ),
        params![connector, n],
    )?;
    Ok(())
}

fn set_error(tx: &Connection, connector: &str, error: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO incident_stats(connector_id, last_error, last_error_time) VALUES(?1, ?2, ?3)
         ON CONFLICT(connector_id) DO UPDATE SET last_error = excluded.last_error,
         last_error_time = excluded.last_error_time",
        params![connector, error, now_ms()],
    )?;
    Ok(())
}

/// Apply the remote's status and assignee to a detection; whether it changed.
fn apply_remote_to(d: &mut Detection, remote: &RemoteState) -> bool {
    let mut changed = false;
    if let Some(s) = remote.status {
        if d.status != Some(s) {
            d.status = Some(s);
            changed = true;
        }
    }
    let assignee = remote.assignee.clone().filter(|a| !a.is_empty());
    if d.assignee != assignee {
        d.assignee = assignee;
        changed = true;
    }
    changed
}

impl Store {
    pub fn connectors(&self) -> Result<Vec<Connector>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id, doc FROM connectors ORDER BY create_time, id")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for r in rows {
                let (id, doc) = r?;
                out.push(from_doc(self, &id, &doc)?);
            }
            Ok(out)
        })
    }

    pub fn connector(&self, id: &str) -> Result<Option<Connector>> {
        self.read(|c| {
            c.query_row("SELECT doc FROM connectors WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|d| from_doc(self, id, &d))
            .transpose()
        })
    }

    /// Store a new connector; 409 when the id is taken.
    pub fn create_connector(&self, c: &Connector) -> Result<()> {
        let doc = to_doc(self, c)?;
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO connectors(id, name, doc, create_time) VALUES(?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO NOTHING",
                params![c.id, c.name, doc, now_ms()],
            )?;
            if n == 0 {
                return Err(StoreError::Conflict(Conflict::Connector {
                    id: c.id.clone(),
                }));
            }
            Ok(())
        })
    }

    /// Replace a connector; false when it does not exist.
    pub fn update_connector(&self, c: &Connector) -> Result<bool> {
        let doc = to_doc(self, c)?;
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE connectors SET name = ?2, doc = ?3 WHERE id = ?1",
                params![c.id, c.name, doc],
            )? > 0)
        })
    }

    /// Delete a connector; refused while ticketing uses it. Its queued pushes
    /// become failed pushes (replayable onto another connector? no: visible).
    pub fn delete_connector(&self, id: &str) -> Result<bool> {
        if self.ticketing().connector_id.as_deref() == Some(id) {
            return Err(StoreError::Conflict(Conflict::ConnectorInUse));
        }
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "INSERT INTO incident_failed(connector_id, detection_id, create_time, failed_time, attempts, error)
                 SELECT connector_id, detection_id, create_time, ?2, attempts, 'connector deleted'
                 FROM incident_queue WHERE connector_id = ?1",
                params![id, now],
            )?;
            tx.execute("DELETE FROM incident_queue WHERE connector_id = ?1", [id])?;
            Ok(tx.execute("DELETE FROM connectors WHERE id = ?1", [id])? > 0)
        })
    }

    /// Detections with an incident in this connector's system.
    pub fn connector_incident_count(&self, id: &str) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM incidents WHERE connector_id = ?1",
                [id],
                |r| r.get(0),
            )?)
        })
    }

    /// The incident of a detection in a connector's system.
    pub fn incident(&self, detection: u64, connector: &str) -> Result<Option<IncidentRef>> {
        self.read(|c| incident_of(c, detection, connector))
    }

    /// Every incident of a detection (any connector).
    pub fn incidents_of(&self, detection: u64) -> Result<Vec<IncidentRef>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE detection_id = ?1 ORDER BY pushed_time"
            ))?;
            let rows = stmt.query_map([detection], incident_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Incidents found by external id or title (key, number).
    pub fn incidents_by_external(&self, connector: &str, key: &str) -> Result<Vec<IncidentRef>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE connector_id = ?1
                 AND (external_id = ?2 OR external_title = ?2) ORDER BY detection_id"
            ))?;
            let rows = stmt.query_map(params![connector, key], incident_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Incidents whose detection is still open (not closed), least recently
    /// synced first: what the periodic pull looks at.
    pub fn incidents_to_sync(&self, connector: &str, limit: usize) -> Result<Vec<IncidentRef>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {} FROM incidents i JOIN detections d ON d.id = i.detection_id
                 WHERE i.connector_id = ?1 AND (d.status IS NULL OR d.status != 'closed')
                 ORDER BY coalesce(i.synced_time, 0), i.detection_id LIMIT ?2",
                INCIDENT_COLUMNS
                    .split(", ")
                    .map(|c| format!("i.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?;
            let rows = stmt.query_map(params![connector, limit as i64], incident_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The next detections to push, oldest queued first, at most one job per
    /// detection (covering all its queued rows up to the newest seen).
    pub fn incident_jobs(&self, limit: usize) -> Result<Vec<PushJob>> {
        self.read(|c| {
            let rows: Vec<(i64, String, u64, u32)> = {
                let mut stmt = c.prepare_cached(
                    "SELECT id, connector_id, detection_id, attempts FROM incident_queue ORDER BY id LIMIT ?1",
                )?;
                let rows = stmt.query_map([limit as i64 * 4], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut jobs: Vec<PushJob> = Vec::new();
            let mut index: std::collections::HashMap<(String, u64), usize> =
                std::collections::HashMap::new();
            for (id, connector, detection, attempts) in rows {
                if let Some(&i) = index.get(&(connector.clone(), detection)) {
                    let j = &mut jobs[i];
                    j.upto = j.upto.max(id);
                    j.attempts = j.attempts.max(attempts);
                    continue;
                }
                if jobs.len() >= limit {
                    continue;
                }
                let Some((d, _)) = load(c, detection)? else {
                    // Deleted since: nothing to push; the row is dropped by
                    // the caller committing an empty job.
                    jobs.push(PushJob {
                        connector_id: connector.clone(),
                        detection_id: detection,
                        detection: None,
                        note: None,
                        incident: None,
                        upto: id,
                        attempts,
                    });
                    index.insert((connector, detection), jobs.len() - 1);
                    continue;
                };
                let note = c
                    .prepare_cached(
                        "SELECT author, note, update_time FROM notes WHERE detection_id = ?1",
                    )?
                    .query_row([detection], |r| {
                        Ok(Note {
                            author: r.get(0)?,
                            note: r.get(1)?,
                            update_time: r.get(2)?,
                        })
                    })
                    .optional()?;
                let incident = incident_of(c, detection, &connector)?;
                jobs.push(PushJob {
                    connector_id: connector.clone(),
                    detection_id: detection,
                    detection: Some(d),
                    note,
                    incident,
                    upto: id,
                    attempts,
                });
                index.insert((connector, detection), jobs.len() - 1);
            }
            Ok(jobs)
        })
    }

    /// Whether anything waits in the push queue.
    pub fn incident_queue_len(&self, connector: Option<&str>) -> Result<u64> {
        self.read(|c| {
            Ok(match connector {
                Some(id) => c.query_row(
                    "SELECT count(*) FROM incident_queue WHERE connector_id = ?1",
                    [id],
                    |r| r.get(0),
                )?,
                None => c.query_row("SELECT count(*) FROM incident_queue", [], |r| r.get(0))?,
            })
        })
    }

    /// Commit the outcome of pushes: successes write the incident and the
    /// write-back, and remove their queue rows; all in one transaction.
    pub fn incidents_pushed(&self, done: &[(PushJob, Option<Pushed>)]) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let now = now_ms();
            for (job, pushed) in done {
                let det = job.detection_id;
                tx.prepare_cached(
                    "DELETE FROM incident_queue WHERE connector_id = ?1 AND detection_id = ?2 AND id <= ?3",
                )?
                .execute(params![job.connector_id, det, job.upto])?;
                let Some(p) = pushed else { continue };
                let (status, assignee) = match &p.remote {
                    Some(r) => (Some(r.stored()), r.assignee.clone()),
                    None => (None, None),
                };
                tx.prepare_cached(
                    "INSERT INTO incidents(detection_id, connector_id, external_id, external_title, url,
                     pushed_time, note_time, remote_status, remote_assignee, synced_time)
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?6)
                     ON CONFLICT(detection_id, connector_id) DO UPDATE SET
                     external_id = excluded.external_id, external_title = excluded.external_title,
                     url = excluded.url, pushed_time = excluded.pushed_time,
                     note_time = coalesce(excluded.note_time, incidents.note_time),
                     remote_status = coalesce(excluded.remote_status, incidents.remote_status),
                     remote_assignee = CASE WHEN excluded.remote_status IS NULL
                        THEN incidents.remote_assignee ELSE excluded.remote_assignee END,
                     synced_time = excluded.synced_time",
                )?
                .execute(params![
                    det,
                    job.connector_id,
                    p.external_id,
                    p.external_title,
                    p.url,
                    now,
                    p.note_time,
                    status,
                    assignee
                ])?;
                bump(tx, &job.connector_id, if p.created { "created" } else { "updated" }, 1)?;
                if p.note_time.is_some() {
                    bump(tx, &job.connector_id, "comments", 1)?;
                }
                // Write back: the key becomes the detection's ticket id.
                if let Some((mut d, _)) = load(tx, det)? {
                    let mut changed = d.ticket_id.as_deref() != Some(p.external_title.as_str());
                    d.ticket_id = Some(p.external_title.clone());
                    if let Some(r) = &p.remote {
                        changed |= apply_remote_to(&mut d, r);
                    }
                    if changed {
                        d.mod_time = now.max(d.mod_time + 1);
                        save(tx, &d)?;
                        triggers::enqueue(self, tx, "DETECTION_UPDATE", Some(d.id), false, None)?;
                    }
                }
            }
            tx.execute(
                "INSERT INTO incident_stats(connector_id, last_push_time) VALUES(?1, ?2)
                 ON CONFLICT(connector_id) DO UPDATE SET last_push_time = excluded.last_push_time",
                params![done[0].0.connector_id, now],
            )?;
            Ok(())
        })
    }

    /// A push will be tried again: count it and keep the error visible.
    pub fn incident_retry(&self, job: &PushJob, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE incident_queue SET attempts = attempts + 1
                 WHERE connector_id = ?1 AND detection_id = ?2 AND id <= ?3",
            )?
            .execute(params![job.connector_id, job.detection_id, job.upto])?;
            bump(tx, &job.connector_id, "retried", 1)?;
            set_error(tx, &job.connector_id, error)
        })
    }

    /// The remote refused a push for good: its rows become a failed push.
    pub fn incident_refused(&self, job: &PushJob, error: &str) -> Result<()> {
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "INSERT INTO incident_failed(connector_id, detection_id, create_time, failed_time, attempts, error)
                 SELECT connector_id, detection_id, min(create_time), ?4, max(attempts) + 1, ?5
                 FROM incident_queue WHERE connector_id = ?1 AND detection_id = ?2 AND id <= ?3
                 GROUP BY connector_id, detection_id",
                params![job.connector_id, job.detection_id, job.upto, now, error],
            )?;
            tx.execute(
                "DELETE FROM incident_queue WHERE connector_id = ?1 AND detection_id = ?2 AND id <= ?3",
                params![job.connector_id, job.detection_id, job.upto],
            )?;
            bump(tx, &job.connector_id, "failed", 1)?;
            set_error(tx, &job.connector_id, error)
        })
    }

    /// Failed pushes of a connector, newest first.
    pub fn failed_pushes(&self, connector: &str, limit: usize) -> Result<Vec<FailedPush>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, detection_id, create_time, failed_time, attempts, error FROM incident_failed
                 WHERE connector_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![connector, limit as i64], |r| {
                Ok(FailedPush {
                    id: r.get(0)?,
                    detection_id: r.get(1)?,
                    create_time: r.get(2)?,
                    failed_time: r.get(3)?,
                    attempts: r.get(4)?,
                    error: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Queue failed pushes again (all, or the given ids); how many.
    pub fn replay_failed_pushes(&self, connector: &str, ids: Option<&[i64]>) -> Result<u64> {
        self.write(|tx| {
            let rows: Vec<(i64, u64, i64)> = {
                let mut stmt = tx.prepare(
                    "SELECT id, detection_id, create_time FROM incident_failed WHERE connector_id = ?1 ORDER BY id",
                )?;
                let rows = stmt.query_map([connector], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut n = 0;
            for (id, det, created) in rows {
                if ids.is_some_and(|ids| !ids.contains(&id)) {
                    continue;
                }
                tx.execute(
                    "INSERT INTO incident_queue(connector_id, detection_id, create_time) VALUES(?1, ?2, ?3)",
                    params![connector, det, created],
                )?;
                tx.execute("DELETE FROM incident_failed WHERE id = ?1", [id])?;
                n += 1;
            }
            if n > 0 {
                self.inner
                    .events_dirty
                    .store(true, std::sync::atomic::Ordering::Release);
            }
            Ok(n)
        })
    }

    /// Push counters of a connector.
    pub fn incident_stats(&self, connector: &str) -> Result<IncidentStats> {
        self.read(|c| {
            let mut s = c
                .query_row(
                    "SELECT created, updated, comments, retried, failed, synced, last_error,
                     last_error_time, last_push_time FROM incident_stats WHERE connector_id = ?1",
                    [connector],
                    |r| {
                        Ok(IncidentStats {
                            created: r.get(0)?,
                            updated: r.get(1)?,
                            comments: r.get(2)?,
                            retried: r.get(3)?,
                            failed: r.get(4)?,
                            synced: r.get(5)?,
                            last_error: r.get(6)?,
                            last_error_time: r.get(7)?,
                            last_push_time: r.get(8)?,
                            ..IncidentStats::default()
                        })
                    },
                )
                .optional()?
                .unwrap_or_default();
            s.queued = c.query_row(
                "SELECT count(DISTINCT detection_id) FROM incident_queue WHERE connector_id = ?1",
                [connector],
                |r| r.get(0),
            )?;
            s.failed_waiting = c.query_row(
                "SELECT count(*) FROM incident_failed WHERE connector_id = ?1",
                [connector],
                |r| r.get(0),
            )?;
            Ok(s)
        })
    }

    /// Apply the remote system's state of an incident to its detections
    /// (pull or webhook); returns the ids of the detections that changed.
    /// Never queues a push back (the remote is where the change came from).
    pub fn apply_remote(
        &self,
        connector: &str,
        external_id: &str,
        remote: &RemoteState,
    ) -> Result<Vec<u64>> {
        self.write(|tx| {
            let now = now_ms();
            let dets: Vec<u64> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT detection_id FROM incidents WHERE connector_id = ?1 AND external_id = ?2",
                )?;
                let rows = stmt.query_map(params![connector, external_id], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut changed = Vec::new();
            for det in dets {
                tx.prepare_cached(
                    "UPDATE incidents SET remote_status = ?3, remote_assignee = ?4, synced_time = ?5
                     WHERE detection_id = ?1 AND connector_id = ?2",
                )?
                .execute(params![det, connector, remote.stored(), remote.assignee, now])?;
                let Some((mut d, _)) = load(tx, det)? else { continue };
                if apply_remote_to(&mut d, remote) {
                    d.mod_time = now.max(d.mod_time + 1);
                    save(tx, &d)?;
                    triggers::enqueue(self, tx, "DETECTION_UPDATE", Some(d.id), false, None)?;
                    changed.push(det);
                }
            }
            bump(tx, connector, "synced", 1)?;
            Ok(changed)
        })
    }

    /// Mark incidents as looked at (a pull that found nothing new).
    pub fn incidents_synced(&self, connector: &str, external_ids: &[String]) -> Result<()> {
        self.write(|tx| {
            let now = now_ms();
            for id in external_ids {
                tx.prepare_cached(
                    "UPDATE incidents SET synced_time = ?3 WHERE connector_id = ?1 AND external_id = ?2",
                )?
                .execute(params![connector, id, now])?;
            }
            Ok(())
        })
    }
}
