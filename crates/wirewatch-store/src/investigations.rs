//! Investigations and their detections (`/investigations`, `/detections/{id}/investigations`).

use crate::detections;
use crate::error::Refusal;
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use wirewatch_model::investigation::{
    validate_name, Investigation, InvestigationPatch, InvestigationStatus, NewInvestigation,
};
use wirewatch_model::now_ms;

/// Most detections one investigation may hold.
pub const MAX_DETECTIONS: usize = 1_000;

fn load(conn: &Connection, id: u64) -> Result<Option<Investigation>> {
    let doc: Option<String> = conn
        .query_row("SELECT doc FROM investigations WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(doc) = doc else { return Ok(None) };
    let mut inv: Investigation = serde_json::from_str(&doc)?;
    let mut stmt = conn.prepare_cached(
        "SELECT detection_id FROM investigation_detections WHERE investigation_id = ?1 ORDER BY detection_id",
    )?;
    inv.detections = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // The time span covers its detections.
    let span: (Option<i64>, Option<i64>, i64) = conn.query_row(
        "SELECT min(d.start_time), max(coalesce(d.end_time, d.update_time)), count(d.id) FROM investigation_detections i
         JOIN detections d ON d.id = i.detection_id WHERE i.investigation_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if span.2 > 0 {
        inv.start_time = span.0;
        inv.end_time = span.1;
    }
    Ok(Some(inv))
}

fn save(tx: &Connection, inv: &Investigation) -> Result<()> {
    let mut doc = inv.clone();
    doc.detections.clear();
    tx.execute(
        "UPDATE investigations SET doc = ?2 WHERE id = ?1",
        params![inv.id, serde_json::to_string(&doc)?],
    )?;
    Ok(())
}

fn add_detections(tx: &Transaction<'_>, id: u64, field: &str, ids: &[u64]) -> Result<()> {
    for (i, d) in ids.iter().enumerate() {
        if detections::load(tx, *d)?.is_none() {
            return Err(StoreError::refused(
                format!("{field}[{i}]"),
                Refusal::NoDetection { id: *d },
            ));
        }
        tx.execute(
            "INSERT OR IGNORE INTO investigation_detections(investigation_id, detection_id) VALUES(?1, ?2)",
            params![id, d],
        )?;
    }
    let n: usize = tx.query_row(
        "SELECT count(*) FROM investigation_detections WHERE investigation_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if n > MAX_DETECTIONS {
        return Err(StoreError::refused(
            field,
            Refusal::TooManyDetections {
                max: MAX_DETECTIONS,
            },
        ));
    }
    Ok(())
}

impl Store {
    pub fn investigations(&self) -> Result<Vec<Investigation>> {
        self.read(|c| {
            let ids: Vec<u64> = {
                let mut stmt = c.prepare("SELECT id FROM investigations ORDER BY id")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            ids.into_iter()
                .filter_map(|id| load(c, id).transpose())
                .collect()
        })
    }

    pub fn investigation(&self, id: u64) -> Result<Option<Investigation>> {
        self.read(|c| load(c, id))
    }

    /// Investigations that hold a detection; `None` when the detection does not exist.
    pub fn detection_investigations(
        &self,
        detection_id: u64,
    ) -> Result<Option<Vec<Investigation>>> {
        self.read(|c| {
            if detections::load(c, detection_id)?.is_none() {
                return Ok(None);
            }
            let ids: Vec<u64> = {
                let mut stmt = c.prepare(
                    "SELECT investigation_id FROM investigation_detections WHERE detection_id = ?1 ORDER BY investigation_id",
                )?;
                let rows = stmt.query_map([detection_id], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            Ok(Some(ids.into_iter().filter_map(|id| load(c, id).transpose()).collect::<Result<_>>()?))
        })
    }

    pub fn create_investigation(
        &self,
        new: NewInvestigation,
        author: &str,
    ) -> Result<Investigation> {
        validate_name(&new.name)?;
        let now = now_ms();
        let id = self.write(|tx| {
            tx.execute("INSERT INTO investigations(doc) VALUES('{}')", [])?;
            let id = tx.last_insert_rowid() as u64;
            let inv = Investigation {
                id,
                name: new.name.trim().to_string(),
                description: new.description.clone(),
                notes: new.notes.clone(),
                status: new.status.unwrap_or(InvestigationStatus::Open),
                assessment: new.assessment,
                assignee: new.assignee.clone().filter(|a| !a.is_empty()),
                created_by: author.to_string(),
                last_interaction_by: author.to_string(),
                creation_time: now,
                update_time: now,
                last_interaction_time: now,
                start_time: Some(now),
                end_time: None,
                is_user_created: true,
                detections: Vec::new(),
                url: None,
            };
            save(tx, &inv)?;
            add_detections(tx, id, "event_ids", &new.event_ids)?;
            Ok(id)
        })?;
        self.investigation(id)?
            .ok_or_else(|| StoreError::Inconsistent("investigation vanished".into()))
    }

    pub fn update_investigation(
        &self,
        id: u64,
        patch: InvestigationPatch,
        author: &str,
    ) -> Result<Option<Investigation>> {
        if let Some(n) = &patch.name {
            validate_name(n)?;
        }
        let found = self.write(|tx| {
            let Some(mut inv) = load(tx, id)? else { return Ok(false) };
            if let Some(n) = patch.name {
                inv.name = n.trim().to_string();
            }
            if let Some(d) = patch.description {
                inv.description = d;
            }
            if let Some(n) = patch.notes {
                inv.notes = n;
            }
            if let Some(s) = patch.status {
                inv.status = s;
            }
            if let Some(a) = patch.assessment {
                inv.assessment = a;
            }
            if let Some(a) = patch.assignee {
                inv.assignee = a.filter(|a| !a.is_empty());
            }
            let now = now_ms();
            inv.update_time = now.max(inv.update_time + 1);
            inv.last_interaction_time = inv.update_time;
            inv.last_interaction_by = author.to_string();
            save(tx, &inv)?;
            if let Some(ids) = &patch.event_ids {
                tx.execute("DELETE FROM investigation_detections WHERE investigation_id = ?1", [id])?;
                add_detections(tx, id, "event_ids", ids)?;
            }
            add_detections(tx, id, "detections_to_add", &patch.detections_to_add)?;
            for d in &patch.detections_to_remove {
                tx.execute(
                    "DELETE FROM investigation_detections WHERE investigation_id = ?1 AND detection_id = ?2",
                    params![id, d],
                )?;
            }
            Ok(true)
        })?;
        if !found {
            return Ok(None);
        }
        self.investigation(id)
    }

    pub fn delete_investigation(&self, id: u64) -> Result<bool> {
        Ok(self.write(|tx| {
            tx.execute(
                "DELETE FROM investigation_detections WHERE investigation_id = ?1",
                [id],
            )?;
            Ok(tx.execute("DELETE FROM investigations WHERE id = ?1", [id])?)
        })? > 0)
    }
}
