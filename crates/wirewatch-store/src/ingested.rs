//! What capture ingest has stored from each file, and the transaction that
//! stores a batch of the sensor's output together with that mark.
//!
//! A file is known by the SHA-256 of its first bytes (`head`, at most
//! 4 KiB) and, for the part already analysed, by its length then (`size`) and
//! the SHA-256 of the 64 KiB before that length (`tail`); the caller computes
//! them. One row is one analysis of a file from packet `start_packets` on:
//! `packets` of them are covered by what is stored. The row is written in the
//! same transaction as the records, detections and metrics it covers, so after
//! a crash the store holds exactly the outputs the row claims.
//!
//! EVE JSON input uses the same rows as a resume point: `size` is the byte
//! offset just after the last line whose outputs are stored, `packets` counts
//! lines, `complete` stays false (a log may always grow) and `head` is
//! refreshed as the stored part grows past a short first read.

use crate::{detections::Prepared, metrics, records, Result, Store};
use rusqlite::{params, Connection};
use wirewatch_model::detection::NewDetection;
use wirewatch_model::Error;

/// One analysis of a capture file, as far as it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileMark {
    /// Row id; 0 until first stored.
    pub id: i64,
    /// Hex SHA-256 of the file's first `head_len` bytes.
    pub head: String,
    pub head_len: u64,
    /// Packets of the file before this analysis began (an earlier analysis covered them).
    pub start_packets: u64,
    /// Packets from `start_packets` on whose outputs are stored.
    pub packets: u64,
    /// Bytes of the file read when the mark was written.
    pub size: u64,
    /// Hex SHA-256 of the (at most 64 KiB) bytes before `size`.
    pub tail: String,
    /// The file was read to its end and everything it produced is stored.
    pub complete: bool,
    /// Records and detections stored by this analysis so far.
    pub records: u64,
    pub detections: u64,
    /// Where the file was last read from (for people; not part of its identity).
    pub path: String,
}

fn mark_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileMark> {
    Ok(FileMark {
        id: r.get(0)?,
        head: r.get(1)?,
        head_len: r.get(2)?,
        start_packets: r.get(3)?,
        packets: r.get(4)?,
        size: r.get(5)?,
        tail: r.get(6)?,
        complete: r.get(7)?,
        records: r.get(8)?,
        detections: r.get(9)?,
        path: r.get(10)?,
    })
}

const MARK_COLUMNS: &str =
    "id, head, head_len, start_packets, packets, size, tail, complete, records, detections, path";

fn save_mark(tx: &Connection, m: &mut FileMark) -> Result<()> {
    let now = wirewatch_model::now_ms();
    if m.id == 0 {
        tx.execute(
            "INSERT INTO ingested_files(head, head_len, start_packets, packets, size, tail, complete, records, detections, path, updated)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![m.head, m.head_len, m.start_packets, m.packets, m.size, m.tail, m.complete, m.records, m.detections, m.path, now],
        )?;
        m.id = tx.last_insert_rowid();
    } else {
        tx.execute(
            "UPDATE ingested_files SET packets = ?2, size = ?3, tail = ?4, complete = ?5, records = ?6,
             detections = ?7, path = ?8, updated = ?9, head = ?10, head_len = ?11 WHERE id = ?1",
            params![m.id, m.packets, m.size, m.tail, m.complete, m.records, m.detections, m.path, now, m.head, m.head_len],
        )?;
    }
    Ok(())
}

/// A batch of ingest output to store in one transaction.
#[derive(Default)]
pub struct IngestBatch<'a> {
    pub records: &'a [crate::NewRecord],
    pub detections: Vec<NewDetection>,
    pub metrics: &'a [crate::MetricPoint],
}

/// What [`Store::commit_ingest`] stored.
#[derive(Debug, Default)]
pub struct Committed {
    pub records: u64,
    pub detections: u64,
    /// Detections refused (invalid, or failing to insert alone), with why.
    pub refused: Vec<Error>,
}

impl Store {
    /// Head lengths shorter than `max` that marks were made with (files
    /// smaller than a head block when first read), longest first.
    pub fn short_mark_heads(&self, max: u64) -> Result<Vec<u64>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT DISTINCT head_len FROM ingested_files WHERE head_len < ?1 ORDER BY head_len DESC",
            )?;
            let lens = stmt
                .query_map([max], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<u64>>>()?;
            Ok(lens)
        })
    }

    /// Marks of files whose first `head_len` bytes hash to `head`, newest first.
    pub fn file_marks(&self, head_len: u64, head: &str) -> Result<Vec<FileMark>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {MARK_COLUMNS} FROM ingested_files WHERE head_len = ?1 AND head = ?2 ORDER BY id DESC"
            ))?;
            let marks = stmt
                .query_map(params![head_len, head], mark_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(marks)
        })
    }

    /// Store records, detections and metric points and, in the same
    /// transaction, `mark` (inserted when its id is 0; its counters grow by
    /// what was stored). A detection that fails alone is refused and counted;
    /// anything else fails the whole batch and stores nothing.
    pub fn commit_ingest(
        &self,
        batch: IngestBatch<'_>,
        mark: Option<&mut FileMark>,
    ) -> Result<Committed> {
        let mut out = Committed::default();
        let mut prepared: Vec<Prepared> = Vec::with_capacity(batch.detections.len());
        for d in batch.detections {
            match self.prepare_detection(d) {
                Ok(p) => prepared.push(p),
                Err(e) => out.refused.push(e.into()),
            }
        }
        let cap = self.record_segment_rows();
        let saved = self.write(|tx| {
            let records = records::insert_records_in(tx, batch.records, cap)? as u64;
            let mut detections = 0u64;
            let mut refused = Vec::new();
            for p in prepared {
                tx.execute_batch("SAVEPOINT one")?;
                match self.insert_detection(tx, p) {
                    Ok(_) => {
                        tx.execute_batch("RELEASE one")?;
                        detections += 1;
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO one; RELEASE one")?;
                        refused.push(Error::from(e));
                    }
                }
            }
            metrics::add_metrics_in(tx, batch.metrics)?;
            let next = match mark.as_deref() {
                Some(m) => {
                    let mut next = m.clone();
                    next.records += records;
                    next.detections += detections;
                    save_mark(tx, &mut next)?;
                    Some(next)
                }
                None => None,
            };
            Ok((records, detections, refused, next))
        })?;
        let (records, detections, refused, next) = saved;
        if let (Some(m), Some(next)) = (mark, next) {
            *m = next;
        }
        out.records = records;
        out.detections = detections;
        out.refused.extend(refused);
        Ok(out)
    }
}
