//! Observations associating IP addresses (`/observations/associatedipaddrs`).

use crate::{Result, Store};
use rusqlite::params;
use serde::Serialize;
use wirewatch_model::locality::ObservationBatch;
use wirewatch_model::now_ms;

/// A stored observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredObservation {
    pub id: u64,
    pub ipaddr: String,
    pub associated_ipaddr: String,
    pub timestamp: i64,
    pub source: String,
    pub received_time: i64,
}

impl Store {
    /// Validate and store a batch; returns how many were stored.
    pub fn add_observations(&self, batch: ObservationBatch) -> Result<usize> {
        let rows = batch.validate()?;
        let now = now_ms();
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO observations(ipaddr, associated_ipaddr, timestamp, source, received_time)
                 VALUES(?1, ?2, ?3, ?4, ?5)",
            )?;
            for (a, b, t) in &rows {
                stmt.execute(params![a, b, t, batch.source, now])?;
            }
            Ok(rows.len())
        })
    }

    /// Observations concerning an address (either side), newest first.
    pub fn observations(&self, ipaddr: Option<&str>, limit: u32) -> Result<Vec<StoredObservation>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, ipaddr, associated_ipaddr, timestamp, source, received_time FROM observations
                 WHERE ?1 IS NULL OR ipaddr = ?1 OR associated_ipaddr = ?1 ORDER BY timestamp DESC, id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![ipaddr, limit], |r| {
                Ok(StoredObservation {
                    id: r.get(0)?,
                    ipaddr: r.get(1)?,
                    associated_ipaddr: r.get(2)?,
                    timestamp: r.get(3)?,
                    source: r.get(4)?,
                    received_time: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
