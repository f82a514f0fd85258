//! Detections: create, read, triage updates, ticket updates, notes, related.

use crate::commit::{self, AuditRecord};
use crate::error::Refusal;
use crate::{incidents, rules, schema, triggers, Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashSet;
use std::net::IpAddr;
use wirewatch_model::detection::{
    clean_names, parse_ip, Detection, DetectionPatch, NewDetection, Note, Participant,
    ParticipantKind, TicketPatch,
};
use wirewatch_model::now_ms;
use wirewatch_model::tuning::MatchContext;

/// Which detection modules a caller sees: the model's one rule
/// ([`wirewatch_model::access`]).
pub use wirewatch_model::access::Modules as Visibility;

/// SQL restricting `detections d` to the categories `vis` sees, or `None` for all.
pub(crate) fn visibility_clause(vis: Visibility) -> Option<&'static str> {
    match (vis.security, vis.performance) {
        (true, true) => None,
        (true, false) => {
            Some("d.id IN (SELECT detection_id FROM detection_categories WHERE category = 'sec')")
        }
        (false, true) => {
            Some("d.id IN (SELECT detection_id FROM detection_categories WHERE category = 'perf')")
        }
        (false, false) => Some("0"),
    }
}

/// A validated detection and the tuning rule that hides it, ready to insert.
#[derive(Default)]
pub(crate) struct Prepared(Option<(Detection, Option<rules::LiveRule>)>);

/// A page of search results.
#[derive(Debug, Clone, PartialEq)]
pub enum DetectionPage {
    Full(Vec<Detection>),
    Ids(Vec<u64>),
    /// Matches per interval (`histogram`).
    Counts(Vec<wirewatch_model::detection::DetectionCount>),
}

pub(crate) fn from_doc(doc: &str) -> Result<Detection> {
    Ok(serde_json::from_str(doc)?)
}

pub(crate) fn load(conn: &Connection, id: u64) -> Result<Option<(Detection, Option<u64>)>> {
    let row = conn
        .query_row(
            "SELECT doc, hidden_by FROM detections WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<u64>>(1)?)),
        )
        .optional()?;
    row.map(|(doc, h)| Ok((from_doc(&doc)?, h))).transpose()
}

/// Rewrite a detection's row from its document.
pub(crate) fn save(tx: &Connection, d: &Detection) -> Result<()> {
    write_row(
        tx,
        "UPDATE detections SET type=?2, title=?3, description=?4, risk_score=?5, status=?6, resolution=?7,
         assignee=?8, ticket_id=?9, start_time=?10, end_time=?11, create_time=?12, update_time=?13,
         mod_time=?14, recommended=?15, is_user_created=?16, appliance_id=?17, doc=?18 WHERE id=?1",
        d,
    )
}

/// Store a new detection's row, its id already chosen (not hidden: a
/// tuning rule hides it afterwards, [`rules::hide`]).
fn insert_row(tx: &Connection, d: &Detection) -> Result<()> {
    write_row(
        tx,
        "INSERT INTO detections(id, type, title, description, risk_score, status, resolution,
         assignee, ticket_id, start_time, end_time, create_time, update_time, mod_time,
         recommended, is_user_created, appliance_id, doc)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        d,
    )
}

/// Run `sql` with a detection's columns and document bound as ?1 (the id)
/// to ?18 (the document).
fn write_row(tx: &Connection, sql: &str, d: &Detection) -> Result<()> {
    let mut doc = d.clone();
    doc.ticket_url = None;
    doc.url = None;
    tx.prepare_cached(sql)?.execute(params![
        d.id,
        d.kind,
        d.title,
        d.description,
        d.risk_score,
        d.status.map(|s| s.as_str()),
        d.resolution.map(|s| s.as_str()),
        d.assignee,
        d.ticket_id,
        d.start_time,
        d.end_time,
        d.create_time,
        d.update_time,
        d.mod_time,
        d.recommended,
        d.is_user_created,
        d.appliance_id,
        serde_json::to_string(&doc)?,
    ])?;
    Ok(())
}

impl Store {
    /// Record a new detection (from the sensor, a trigger or `POST /detections`).
    /// Tuning rules are applied before it is stored.
    pub fn create_detection(&self, new: NewDetection) -> Result<Detection> {
        self.create_detection_audited(new, None)
    }

    /// Record a new detection and, in the same transaction, its audit entry.
    /// Concurrent calls share one commit (see `commit.rs`).
    pub fn create_detection_audited(
        &self,
        new: NewDetection,
        audit: Option<AuditRecord>,
    ) -> Result<Detection> {
        let prepared = self.prepare_detection(new)?;
        let (reply, rx) = std::sync::mpsc::sync_channel(1);
        self.inner
            .committer
            .send(commit::Job {
                prepared,
                audit,
                reply,
            })
            .map_err(|_| StoreError::CommitterStopped)?;
        let det = rx.recv().map_err(|_| StoreError::CommitterStopped)??;
        Ok(self.decorate(det))
    }

    /// Record many detections in one transaction (all or none).
    pub fn create_detections(&self, batch: Vec<NewDetection>) -> Result<Vec<u64>> {
        let prepared = batch
            .into_iter()
            .map(|n| self.prepare_detection(n))
            .collect::<Result<Vec<_>>>()?;
        self.write(|tx| {
            prepared
                .into_iter()
                .map(|p| self.insert_detection(tx, p).map(|d| d.id))
                .collect()
        })
    }

    /// Validate a new detection and resolve its format and hiding rule.
    pub(crate) fn prepare_detection(&self, new: NewDetection) -> Result<Prepared> {
        let format = self.format(&new.kind, false)?.ok_or_else(|| {
            StoreError::refused(
                "type",
                Refusal::UnknownDetectionType {
                    kind: new.kind.clone(),
                },
            )
        })?;
        let now = now_ms();
        new.validate(now, self.external_ticketing())?;
        let start = new.start_time.unwrap_or(now);
        let mut participants = Vec::with_capacity(new.participants.len());
        for (i, p) in new.participants.into_iter().enumerate() {
            let f = |name: &str| format!("participants[{i}].{name}");
            let ipaddr = match p.ipaddr.as_deref() {
                Some(s) => Some(parse_ip(&f("ipaddr"), s)?.to_string()),
                None => None,
            };
            let object_value = match (p.object_type, p.object_value.as_deref()) {
                (ParticipantKind::Ipaddr, Some(v)) => {
                    Some(parse_ip(&f("object_value"), v)?.to_string())
                }
                (_, v) => v.map(str::to_string),
            };
            let ip = object_value
                .clone()
                .filter(|_| p.object_type == ParticipantKind::Ipaddr)
                .or(ipaddr.clone());
            let external = p.external.unwrap_or_else(|| {
                ip.as_deref()
                    .and_then(|s| s.parse().ok())
                    .is_some_and(|ip| self.is_external(ip))
            });
            participants.push(Participant {
                id: 0,
                object_type: p.object_type,
                object_id: p.object_id,
                object_value,
                role: p.role,
                ipaddr,
                hostname: p.hostname.filter(|h| !h.is_empty()),
                external,
                scanner_service: p.scanner_service.filter(|s| !s.is_empty()),
                usernames: clean_names(&f("usernames"), &p.usernames, false)?,
                origins: clean_names(&f("origins"), &p.origins, true)?,
            });
        }
        let categories = match new.categories {
            Some(c) if !c.is_empty() => c,
            _ => format.categories.clone(),
        };
        let det = Detection {
            id: 0,
            appliance_id: 0,
            assignee: new.assignee.filter(|a| !a.is_empty()),
            categories,
            create_time: now,
            description: new
                .description
                .unwrap_or_else(|| format.description.clone()),
            end_time: new.end_time,
            is_user_created: new.is_user_created,
            mitre_tactics: wirewatch_model::mitre::tactics(
                new.mitre_techniques
                    .as_ref()
                    .unwrap_or(&format.mitre_categories),
            ),
            mitre_techniques: wirewatch_model::mitre::techniques(
                new.mitre_techniques
                    .as_ref()
                    .unwrap_or(&format.mitre_categories),
            ),
            mod_time: now,
            participants,
            properties: new.properties,
            recommended: new.recommended.unwrap_or(false),
            recommended_factors: new.recommended_factors,
            resolution: new.resolution,
            risk_score: new.risk_score.unwrap_or(format.default_risk_score),
            start_time: start,
            status: new.status,
            ticket_id: new.ticket_id.filter(|t| !t.is_empty()),
            ticket_url: None,
            title: new
                .title
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| format.display_name.clone()),
            kind: new.kind,
            update_time: now,
            url: None,
        };
        // Clone the (small) rule list: matching re-enters the cache for localities.
        let rules = self.inner.cache.read().rules.clone();
        let hiding = rules
            .into_iter()
            .filter(|r| r.rule.active(now))
            .find(|r| r.compiled.matches(&det, self));
        Ok(Prepared(Some((det, hiding))))
    }

    pub(crate) fn insert_detection(
        &self,
        tx: &Transaction<'_>,
        prepared: Prepared,
    ) -> Result<Detection> {
        let Some((mut det, hiding)) = prepared.0 else {
            return Err(StoreError::Inconsistent("detection inserted twice".into()));
        };
        {
            let n = det.participants.len() as u64;
            if n > 0 {
                let first = schema::next_counter(tx, "participant_id", n)?;
                for (i, p) in det.participants.iter_mut().enumerate() {
                    p.id = first + i as u64;
                }
            }
            // The id SQLite would give the row (the largest plus one: the
            // table has no AUTOINCREMENT; this transaction is the only
            // writer), taken first so that the row is written once with its
            // final columns and document. Inserting placeholders and then
            // rewriting the row wrote every index of the table twice (issue 2).
            det.id = tx
                .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM detections")?
                .query_row([], |r| r.get(0))?;
            if hiding.is_none() && self.inner.cache.read().ticketing.internal_ticketing_enabled {
                self.ticket_for_detection(tx, &mut det)?;
            }
            insert_row(tx, &det)?;
            index_detection(tx, &det)?;
            if hiding.is_none() {
                triggers::enqueue(self, tx, "DETECTION_UPDATE", Some(det.id), true, None)?;
                incidents::enqueue(self, tx, det.id)?;
            }
            if let Some(rule) = &hiding {
                rules::hide(tx, rule, &det, self)?;
            }
        }
        Ok(det)
    }

    /// Fill the fields computed at read time.
    pub fn decorate(&self, mut d: Detection) -> Detection {
        d.ticket_url = self
            .inner
            .cache
            .read()
            .ticketing
            .ticket_url(d.ticket_id.as_deref());
        d
    }

    /// One detection, hidden or not.
    pub fn detection(&self, id: u64) -> Result<Option<Detection>> {
        Ok(self.read(|c| load(c, id))?.map(|(d, _)| self.decorate(d)))
    }

    /// Whether a tuning rule currently hides the detection.
    pub fn detection_hidden_by(&self, id: u64) -> Result<Option<u64>> {
        Ok(self.read(|c| load(c, id))?.and_then(|(_, h)| h))
    }

    /// Apply a triage update; `None` when the detection does not exist.
    pub fn patch_detection(&self, id: u64, patch: DetectionPatch) -> Result<Option<Detection>> {
        patch.validate(self.external_ticketing())?;
        let out = self.write(|tx| {
            let Some((mut d, _)) = load(tx, id)? else {
                return Ok(None);
            };
            if let Some(t) = patch.ticket_id {
                d.ticket_id = t.filter(|t| !t.is_empty());
            }
            if let Some(a) = patch.assignee {
                d.assignee = a.filter(|a| !a.is_empty());
            }
            if let Some(s) = patch.status {
                d.status = s;
            }
            if let Some(r) = patch.resolution {
                d.resolution = r;
            }
            if let Some(ps) = patch.participants {
                for (i, p) in ps.into_vec().into_iter().enumerate() {
                    let Some(target) = d.participants.iter_mut().find(|x| x.id == p.id) else {
                        return Err(StoreError::refused(
                            format!("participants[{i}].id"),
                            Refusal::NoParticipant {
                                detection: id,
                                participant: p.id,
                            },
                        ));
                    };
                    if let Some(u) = p.usernames {
                        target.usernames =
                            clean_names(&format!("participants[{i}].usernames"), &u, false)?;
                    }
                    if let Some(o) = p.origins {
                        target.origins =
                            clean_names(&format!("participants[{i}].origins"), &o, true)?;
                    }
                }
            }
            d.mod_time = now_ms().max(d.mod_time + 1);
            save(tx, &d)?;
            triggers::enqueue(self, tx, "DETECTION_UPDATE", Some(d.id), false, None)?;
            incidents::enqueue(self, tx, d.id)?;
            Ok(Some(d))
        })?;
        Ok(out.map(|d| self.decorate(d)))
    }

    /// Apply a ticket's state to every detection linked to it; returns their ids.
    /// Apply a ticket's changes to its detections that `vis` sees; the ids changed.
    pub fn patch_ticket(&self, patch: TicketPatch, vis: Visibility) -> Result<Vec<u64>> {
        patch.validate(self.external_ticketing())?;
        self.write(|tx| {
            let ids: Vec<u64> = {
                let only = visibility_clause(vis)
                    .map(|c| format!(" AND {c}"))
                    .unwrap_or_default();
                let mut stmt = tx.prepare(&format!(
                    "SELECT d.id FROM detections d WHERE d.ticket_id = ?1{only} ORDER BY d.id"
                ))?;
                let rows = stmt.query_map([&patch.ticket_id], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let now = now_ms();
            for id in &ids {
                let Some((mut d, _)) = load(tx, *id)? else {
                    continue;
                };
                if let Some(a) = &patch.assignee {
                    d.assignee = a.clone().filter(|a| !a.is_empty());
                }
                if let Some(s) = patch.status {
                    d.status = s;
                }
                if let Some(r) = patch.resolution {
                    d.resolution = r;
                }
                d.mod_time = now.max(d.mod_time + 1);
                save(tx, &d)?;
                triggers::enqueue(self, tx, "DETECTION_UPDATE", Some(d.id), false, None)?;
            }
            Ok(ids)
        })
    }

    /// The note of a detection (`None` when the detection does not exist).
    pub fn note(&self, id: u64) -> Result<Option<Note>> {
        self.read(|c| {
            if load(c, id)?.is_none() {
                return Ok(None);
            }
            let n = c
                .query_row(
                    "SELECT author, note, update_time FROM notes WHERE detection_id = ?1",
                    [id],
                    |r| {
                        Ok(Note {
                            author: r.get(0)?,
                            note: r.get(1)?,
                            update_time: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            Ok(Some(n.unwrap_or(Note {
                author: None,
                note: None,
                update_time: None,
            })))
        })
    }

    /// Create or replace a detection's note; false when the detection does not exist.
    pub fn set_note(&self, id: u64, author: &str, note: &str) -> Result<bool> {
        self.write(|tx| {
            let Some((mut d, _)) = load(tx, id)? else {
                return Ok(false);
            };
            let now = now_ms();
            tx.execute(
                "INSERT INTO notes(detection_id, author, note, update_time) VALUES(?1, ?2, ?3, ?4)
                 ON CONFLICT(detection_id) DO UPDATE SET author=excluded.author, note=excluded.note,
                 update_time=excluded.update_time",
                params![id, author, note, now],
            )?;
            d.mod_time = now.max(d.mod_time + 1);
            save(tx, &d)?;
            incidents::enqueue(self, tx, id)?;
            Ok(true)
        })
    }

    /// Delete a detection's note; `None` when the detection does not exist.
    pub fn delete_note(&self, id: u64) -> Result<Option<bool>> {
        self.write(|tx| {
            if load(tx, id)?.is_none() {
                return Ok(None);
            }
            Ok(Some(
                tx.execute("DELETE FROM notes WHERE detection_id = ?1", [id])? > 0,
            ))
        })
    }

    /// Detections sharing a participant with `id`, overlapping `[from, until]`.
    pub fn related(
        &self,
        id: u64,
        from: Option<i64>,
        until: Option<i64>,
        vis: Visibility,
    ) -> Result<Option<Vec<Detection>>> {
        let out = self.read(|c| {
            let Some((det, _)) = load(c, id)? else {
                return Ok(None);
            };
            let keys: HashSet<String> = det.participants.iter().map(Participant::object_key).collect();
            let mut ids: Vec<u64> = Vec::new();
            let mut stmt = c.prepare_cached(
                "SELECT detection_id FROM detection_participants WHERE object_key = ?1 AND detection_id != ?2",
            )?;
            for k in &keys {
                for r in stmt.query_map(params![k, id], |r| r.get::<_, u64>(0))? {
                    ids.push(r?);
                }
            }
            ids.sort_unstable();
            ids.dedup();
            let mut out = Vec::new();
            for rid in ids {
                let Some((d, hidden)) = load(c, rid)? else { continue };
                if hidden.is_some() || !vis.sees(&d.categories) {
                    continue;
                }
                if from.is_some_and(|f| d.end_time.is_some_and(|e| e < f)) || until.is_some_and(|u| d.start_time > u) {
                    continue;
                }
                out.push(d);
            }
            out.sort_by(|a, b| b.update_time.cmp(&a.update_time).then(a.id.cmp(&b.id)));
            Ok(Some(out))
        })?;
        Ok(out.map(|v| v.into_iter().map(|d| self.decorate(d)).collect()))
    }

    /// Number of stored detections.
    pub fn detection_count(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM detections", [], |r| r.get(0))?))
    }
}

/// Fill the category and participant index tables for a new detection.
fn index_detection(tx: &Transaction<'_>, d: &Detection) -> Result<()> {
    let mut cat = tx.prepare_cached(
        "INSERT OR IGNORE INTO detection_categories(category, detection_id) VALUES(?1, ?2)",
    )?;
    for c in &d.categories {
        cat.execute(params![c, d.id])?;
    }
    let mut part = tx.prepare_cached(
        "INSERT OR IGNORE INTO detection_participants(object_key, detection_id) VALUES(?1, ?2)",
    )?;
    for p in &d.participants {
        part.execute(params![p.object_key(), d.id])?;
    }
    let mut role = tx.prepare_cached(
        "INSERT OR IGNORE INTO detection_roles(role_key, detection_id) VALUES(?1, ?2)",
    )?;
    for p in &d.participants {
        for key in role_keys(p) {
            role.execute(params![key, d.id])?;
        }
    }
    Ok(())
}

/// The keys a participant is found by in `filter.offender` / `filter.victim`.
pub(crate) fn role_keys(p: &wirewatch_model::detection::Participant) -> Vec<String> {
    let role = match p.role {
        wirewatch_model::detection::Role::Offender => "offender",
        wirewatch_model::detection::Role::Victim => "victim",
    };
    let id = p.object_id.map(|i| i.to_string());
    [
        p.ipaddr.as_ref(),
        p.object_value.as_ref(),
        p.hostname.as_ref(),
        id.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|v| role_key(role, v))
    .collect()
}

/// One key of the participant-by-role index.
pub(crate) fn role_key(role: &str, value: &str) -> String {
    format!("{role}|{value}")
}

impl MatchContext for Store {
    fn is_external(&self, ip: IpAddr) -> bool {
        let cache = self.inner.cache.read();
        // The most specific locality entry containing the address decides.
        let best = cache
            .localities
            .iter()
            .flat_map(|l| {
                l.nets
                    .iter()
                    .filter(|n| n.contains(&ip))
                    .map(move |n| (n.prefix_len(), l.external))
            })
            .max_by_key(|(len, _)| *len);
        match best {
            Some((_, external)) => external,
            None => !wirewatch_model::tuning::is_private(ip),
        }
    }

    fn in_locality(&self, id: u64, ip: IpAddr) -> bool {
        let cache = self.inner.cache.read();
        cache
            .localities
            .iter()
            .any(|l| l.id == id && l.nets.iter().any(|n| n.contains(&ip)))
    }

    fn in_device_group(&self, group_id: u64, device_id: u64) -> bool {
        match self.devicegroup(group_id) {
            Ok(Some(g)) => self
                .group_devices(&g)
                .is_ok_and(|d| d.iter().any(|d| d.id == device_id)),
            _ => false,
        }
    }
}
