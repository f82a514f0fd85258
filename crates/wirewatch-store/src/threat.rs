//! Threat collections and their observables. Every change moves the
//! `threat_generation` counter on, which the pipeline reads at each batch
//! to rebuild its matcher (as custom devices do).
//!
//! Also what the back-search of a new collection needs: a bounded scan of
//! the stored records, and rewriting the documents of those that matched.

use crate::error::{Conflict, StoreError};
use crate::schema::{meta_get, next_counter};
use crate::{Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use wirewatch_model::threat::{
    BackSearch, Observable, ObservableCounts, ObservableKind, ThreatCollection,
};

const GENERATION: &str = "threat_generation";

/// An upload: the collection's user key, name and file name, and the
/// observables read from the file (`None`: keep the stored ones).
#[derive(Debug, Clone, Copy)]
pub struct CollectionUpload<'a> {
    pub user_key: &'a str,
    pub name: Option<&'a str>,
    pub filename: Option<&'a str>,
    pub observables: Option<&'a [Observable]>,
}

/// A stored record read by [`Store::scan_records`].
#[derive(Debug)]
pub struct ScannedRecord<'a> {
    pub segment: i64,
    pub id: i64,
    pub kind: &'a str,
    pub time_ms: i64,
    pub doc: &'a str,
}

/// What the matcher is built from: the collections (id, user key, name)
/// and the generation they were read at.
#[derive(Debug, Clone)]
pub struct ThreatSource {
    pub generation: u64,
    pub collections: Vec<(u64, String, String)>,
}

const COLUMNS: &str = "id, user_key, name, filename, last_updated, counts, backsearch";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ThreatCollection, String, Option<String>)> {
    Ok((
        ThreatCollection {
            id: r.get(0)?,
            user_key: r.get(1)?,
            name: r.get(2)?,
            filename: r.get(3)?,
            last_updated: r.get(4)?,
            observables: 0,
            observable_counts: ObservableCounts::default(),
            backsearch: None,
        },
        r.get(5)?,
        r.get(6)?,
    ))
}

fn finish(
    (mut c, counts, backsearch): (ThreatCollection, String, Option<String>),
) -> Result<ThreatCollection> {
    c.observable_counts = serde_json::from_str(&counts)?;
    c.observables = c.observable_counts.total();
    c.backsearch = backsearch
        .map(|b| serde_json::from_str::<BackSearch>(&b))
        .transpose()?;
    Ok(c)
}

fn by(c: &Connection, column: &str, v: &dyn rusqlite::ToSql) -> Result<Option<ThreatCollection>> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM threat_collections WHERE {column} = ?1"),
        [v],
        row,
    )
    .optional()?
    .map(finish)
    .transpose()
}

fn insert_observables(tx: &Connection, id: u64, list: &[Observable]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO threat_observables(collection_id, kind, value) VALUES(?1, ?2, ?3)",
    )?;
    for o in list {
        stmt.execute(params![id, o.kind.as_str(), o.value])?;
    }
    Ok(())
}

impl Store {
    /// Every threat collection, by id.
    pub fn threat_collections(&self) -> Result<Vec<ThreatCollection>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM threat_collections ORDER BY id"
            ))?;
            let rows = stmt.query_map([], row)?;
            rows.map(|r| finish(r?)).collect()
        })
    }

    pub fn threat_collection(&self, id: u64) -> Result<Option<ThreatCollection>> {
        self.read(|c| by(c, "id", &id))
    }

    pub fn threat_collection_by_key(&self, user_key: &str) -> Result<Option<ThreatCollection>> {
        self.read(|c| by(c, "user_key", &user_key))
    }

    /// Create a collection (`create_only`: refuse a user key in use), or
    /// replace the one of that user key: its name and file name when
    /// given, its observables when given. Returns it and whether it is new.
    pub fn put_threat_collection(
        &self,
        u: CollectionUpload<'_>,
        create_only: bool,
    ) -> Result<(ThreatCollection, bool)> {
        self.write(|tx| {
            let now = wirewatch_model::now_ms();
            let existing = by(tx, "user_key", &u.user_key)?;
            let created = existing.is_none();
            let id = match existing {
                Some(_) if create_only => {
                    return Err(StoreError::Conflict(Conflict::ThreatCollection {
                        user_key: u.user_key.to_string(),
                    }))
                }
                Some(c) => {
                    tx.execute(
                        "UPDATE threat_collections SET name = ?2, filename = ?3, last_updated = ?4 WHERE id = ?1",
                        params![
                            c.id,
                            u.name.unwrap_or(c.name.as_str()),
                            u.filename.or(c.filename.as_deref()),
                            now
                        ],
                    )?;
                    c.id
                }
                None => {
                    tx.execute(
                        "INSERT INTO threat_collections(user_key, name, filename, last_updated, counts)
                         VALUES(?1, ?2, ?3, ?4, ?5)",
                        params![
                            u.user_key,
                            u.name.unwrap_or(u.user_key),
                            u.filename,
                            now,
                            serde_json::to_string(&ObservableCounts::default())?
                        ],
                    )?;
                    tx.last_insert_rowid() as u64
                }
            };
            if let Some(list) = u.observables {
                tx.execute("DELETE FROM threat_observables WHERE collection_id = ?1", [id])?;
                insert_observables(tx, id, list)?;
                tx.execute(
                    "UPDATE threat_collections SET counts = ?2, backsearch = NULL WHERE id = ?1",
                    params![id, serde_json::to_string(&ObservableCounts::of(list))?],
                )?;
            }
            next_counter(tx, GENERATION, 1)?;
            let c = by(tx, "id", &id)?
                .ok_or_else(|| StoreError::Inconsistent(format!("threat collection {id} vanished")))?;
            Ok((c, created))
        })
    }

    /// Delete a collection and its observables; false when there is none.
    pub fn delete_threat_collection(&self, id: u64) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM threat_observables WHERE collection_id = ?1",
                [id],
            )?;
            let n = tx.execute("DELETE FROM threat_collections WHERE id = ?1", [id])?;
            if n > 0 {
                next_counter(tx, GENERATION, 1)?;
            }
            Ok(n > 0)
        })
    }

    /// Record what a collection's back-search did (no-op when the
    /// collection is gone).
    pub fn set_threat_backsearch(&self, id: u64, b: &BackSearch) -> Result<()> {
        let doc = serde_json::to_string(b)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE threat_collections SET backsearch = ?2 WHERE id = ?1",
                params![id, doc],
            )?;
            Ok(())
        })
    }

    /// The counter every change of the collections moves on.
    pub fn threat_generation(&self) -> Result<u64> {
        self.read(|c| {
            Ok(meta_get(c, GENERATION)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0))
        })
    }

    /// The collections and every observable (`only`: of one collection),
    /// read in one transaction: `f` sees each (collection id, kind, value).
    pub fn threat_observables(
        &self,
        only: Option<u64>,
        mut f: impl FnMut(u64, ObservableKind, &str),
    ) -> Result<ThreatSource> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let generation = meta_get(&tx, GENERATION)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let collections = {
                let mut stmt = tx.prepare(
                    "SELECT id, user_key, name FROM threat_collections WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
                )?;
                let rows = stmt.query_map([only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<Vec<(u64, String, String)>>>()?
            };
            {
                let mut stmt = tx.prepare(
                    "SELECT collection_id, kind, value FROM threat_observables
                     WHERE ?1 IS NULL OR collection_id = ?1",
                )?;
                let mut rows = stmt.query([only])?;
                // Read in place (a million rows: no copy of each value).
                while let Some(r) = rows.next()? {
                    let (Ok(kind), Ok(value)) = (r.get_ref(1)?.as_str(), r.get_ref(2)?.as_str())
                    else {
                        // Not text: the error of reading it as text.
                        let _: (String, String) = (r.get(1)?, r.get(2)?);
                        continue;
                    };
                    if let Some(k) = ObservableKind::parse(kind) {
                        f(r.get(0)?, k, value);
                    }
                }
            }
            tx.finish()?;
            Ok(ThreatSource {
                generation,
                collections,
            })
        })
    }

    /// Read the stored records (of the types `kinds`), newest segments
    /// first, at most `max_rows`; `f` sees each one and answers whether to
    /// go on. Returns the rows read and whether it stopped before the end.
    pub fn scan_records(
        &self,
        kinds: &[&str],
        max_rows: u64,
        mut f: impl FnMut(ScannedRecord<'_>) -> bool,
    ) -> Result<(u64, bool)> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let segs = crate::records::segments_in(&tx, i64::MIN, i64::MAX)?;
            let mut read = 0u64;
            let list = kinds
                .iter()
                .map(|k| format!("'{}'", k.replace('\'', "")))
                .collect::<Vec<_>>()
                .join(",");
            for s in segs.iter().filter(|s| !s.legacy()) {
                let mut stmt = tx.prepare(&format!(
                    "SELECT id, type, time, doc FROM records_{} WHERE type IN ({list}) ORDER BY id DESC",
                    s.id
                ))?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    if read >= max_rows {
                        return Ok((read, true));
                    }
                    read += 1;
                    let kind: String = r.get(1)?;
                    let doc: String = r.get(3)?;
                    let go_on = f(ScannedRecord {
                        segment: s.id,
                        id: r.get(0)?,
                        kind: &kind,
                        time_ms: r.get(2)?,
                        doc: &doc,
                    });
                    if !go_on {
                        return Ok((read, true));
                    }
                }
            }
            tx.finish()?;
            Ok((read, false))
        })
    }

    /// Replace the documents of stored records (segment, id, doc); a
    /// record gone meanwhile (retention) is passed over.
    pub fn rewrite_record_docs(&self, docs: &[(i64, i64, String)]) -> Result<u64> {
        self.write(|tx| {
            let mut n = 0;
            for (seg, id, doc) in docs {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM record_segments WHERE id = ?1)",
                    [seg],
                    |r| r.get(0),
                )?;
                if exists {
                    n += tx.execute(
                        &format!("UPDATE records_{seg} SET doc = ?2 WHERE id = ?1"),
                        params![id, doc],
                    )? as u64;
                }
            }
            Ok(n)
        })
    }
}
