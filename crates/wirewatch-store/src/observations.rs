//! Observations associating IP addresses (`/observations/associatedipaddrs`).

use crate::{Result, Store};
use rusqlite::params;
use serde::Serialize;
use wirewatch_model::locality::ObservationBatch;
use wirewatch_model::now_ms;

/// A stored observation (`GET /observations/associatedipaddrs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(example = StoredObservation::example())]
pub struct StoredObservation {
    /// The observation's id.
    pub id: u64,
    /// The IP address.
    pub ipaddr: String,
    /// The IP address associated with it.
    pub associated_ipaddr: String,
    /// When it was observed, in seconds since the epoch.
    pub timestamp: i64,
    /// Where it came from.
    pub source: String,
    /// When wirewatch received it (ms).
    pub received_time: i64,
}

impl StoredObservation {
    /// The example of the API's documentation.
    pub fn example() -> StoredObservation {
        StoredObservation {
            id: 7,
            ipaddr: "10.8.0.6".into(),
            associated_ipaddr: "203.0.113.50".into(),
            timestamp: 1_767_225_600,
            source: "OpenVPN".into(),
            received_time: 1_767_225_601_000,
        }
    }
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
