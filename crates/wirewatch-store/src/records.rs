//! Records (`~flow`, `~dns_request`, …): the sensor's per-transaction log.

use crate::{Result, Store};
use rusqlite::params;
use serde_json::{Map, Value};

/// A record to store: its type, time (ms) and fields (ExtraHop field names).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub kind: &'static str,
    pub time_ms: i64,
    pub fields: Map<String, Value>,
}

fn text(fields: &Map<String, Value>, k: &str) -> Option<String> {
    fields.get(k).and_then(Value::as_str).map(str::to_string)
}

fn int(fields: &Map<String, Value>, k: &str) -> Option<i64> {
    fields.get(k).and_then(Value::as_i64)
}

impl Store {
    /// Store records in one transaction.
    pub fn insert_records(&self, recs: &[NewRecord]) -> Result<usize> {
        if recs.is_empty() {
            return Ok(0);
        }
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO records(type, time, client_addr, server_addr, client_port, server_port, doc)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in recs {
                let f = &r.fields;
                stmt.execute(params![
                    r.kind,
                    r.time_ms,
                    text(f, "clientAddr"),
                    text(f, "serverAddr"),
                    int(f, "clientPort"),
                    int(f, "serverPort"),
                    Value::Object(f.clone()).to_string(),
                ])?;
            }
            Ok(recs.len())
        })
    }

    /// Number of records, of one type or all.
    pub fn record_count(&self, kind: Option<&str>) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM records WHERE ?1 IS NULL OR type = ?1",
                [kind],
                |r| r.get(0),
            )?)
        })
    }

    /// Remember an ingest run (source, start, end, counters) for later inspection.
    pub fn record_ingest(
        &self,
        source: &str,
        started_ms: i64,
        finished_ms: i64,
        stats: &Value,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO ingests(source, started, finished, stats) VALUES(?1, ?2, ?3, ?4)",
                params![source, started_ms, finished_ms, stats.to_string()],
            )?;
            Ok(())
        })
    }
}
