//! Metrics: 30-second points rolled up into 5-minute, 1-hour and 24-hour
//! points as they are written, with retention per cycle.

use crate::{Result, Store};
use rusqlite::params;
use std::collections::BTreeMap;

/// The stored cycles, in milliseconds, with their API names.
pub const CYCLES: &[(i64, &str)] = &[
    (30_000, "30sec"),
    (300_000, "5min"),
    (3_600_000, "1hr"),
    (86_400_000, "24hr"),
];

/// How long each cycle is kept (30 s points a day, 5 min a week, 1 h 90 days, 24 h 3 years).
pub const RETENTION_MS: &[i64] = &[
    86_400_000,
    7 * 86_400_000,
    90 * 86_400_000,
    3 * 365 * 86_400_000,
];

/// A metric point to store (always at the 30-second cycle; roll-ups follow).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    pub object_type: &'static str,
    pub object_id: i64,
    pub category: &'static str,
    pub name: &'static str,
    pub key1: String,
    pub time_ms: i64,
    pub count: Option<f64>,
    /// value → frequency
    pub dataset: Option<Vec<(f64, u64)>>,
}

/// A stored point read back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPoint {
    pub object_id: i64,
    pub key1: String,
    pub time_ms: i64,
    pub count: Option<f64>,
    pub dataset: Option<Vec<(f64, u64)>>,
}

fn merge(a: &mut Vec<(f64, u64)>, b: &[(f64, u64)]) {
    let mut m: BTreeMap<u64, (f64, u64)> = a.iter().map(|(v, f)| (v.to_bits(), (*v, *f))).collect();
    for (v, f) in b {
        m.entry(v.to_bits()).or_insert((*v, 0)).1 += f;
    }
    let mut out: Vec<(f64, u64)> = m.into_values().collect();
    out.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(std::cmp::Ordering::Equal));
    *a = out;
}

/// Add points (and their roll-ups) inside the caller's write transaction.
pub(crate) fn add_metrics_in(tx: &rusqlite::Connection, points: &[MetricPoint]) -> Result<()> {
    if points.is_empty() {
        return Ok(());
    }
    // When a row was first stored: retention counts from there.
    let stored = wirewatch_model::now_ms();
    let mut upsert = tx.prepare_cached(
        "INSERT INTO metrics(object_type, object_id, category, name, key1, cycle, time, count, dataset, stored)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9)
         ON CONFLICT DO UPDATE SET count = coalesce(count, 0) + excluded.count",
    )?;
    let mut get_ds = tx.prepare_cached(
        "SELECT dataset FROM metrics WHERE object_type=?1 AND object_id=?2 AND category=?3 AND name=?4 AND key1=?5 AND cycle=?6 AND time=?7",
    )?;
    let mut put_ds = tx.prepare_cached(
        "INSERT INTO metrics(object_type, object_id, category, name, key1, cycle, time, count, dataset, stored)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?9)
         ON CONFLICT DO UPDATE SET dataset = excluded.dataset",
    )?;
    // Points that fall in the same row of a cycle (all 30-second
    // points of an hour share one 1-hour row) are added up here
    // first, so each row is written once per call, and in the
    // table's key order, so consecutive writes share pages.
    type Row<'p> = (
        &'static str,
        &'static str,
        &'static str,
        i64,
        i64,
        i64,
        &'p str,
    );
    type Sums = (Option<f64>, Option<Vec<(f64, u64)>>);
    let mut rows: BTreeMap<Row<'_>, Sums> = BTreeMap::new();
    for p in points {
        for (cycle, _) in CYCLES {
            let t = p.time_ms.div_euclid(*cycle) * cycle;
            let e = rows
                .entry((
                    p.object_type,
                    p.category,
                    p.name,
                    *cycle,
                    p.object_id,
                    t,
                    p.key1.as_str(),
                ))
                .or_insert((None, None));
            if let Some(c) = p.count {
                *e.0.get_or_insert(0.0) += c;
            }
            if let Some(ds) = &p.dataset {
                merge(e.1.get_or_insert_with(Vec::new), ds);
            }
        }
    }
    for ((object_type, category, name, cycle, object_id, t, key1), (count, dataset)) in rows {
        if let Some(c) = count {
            upsert.execute(params![
                object_type,
                object_id,
                category,
                name,
                key1,
                cycle,
                t,
                c,
                stored
            ])?;
        }
        if let Some(ds) = dataset {
            let old: Option<Option<String>> = get_ds
                .query_row(
                    params![object_type, object_id, category, name, key1, cycle, t],
                    |r| r.get(0),
                )
                .ok();
            let mut cur: Vec<(f64, u64)> = old
                .flatten()
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            merge(&mut cur, &ds);
            put_ds.execute(params![
                object_type,
                object_id,
                category,
                name,
                key1,
                cycle,
                t,
                serde_json::to_string(&cur)?,
                stored
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// Add points (and their roll-ups) in one transaction.
    pub fn add_metrics(&self, points: &[MetricPoint]) -> Result<()> {
        if points.is_empty() {
            return Ok(());
        }
        self.write(|tx| add_metrics_in(tx, points))
    }

    /// Points of one metric for some objects in `[from, until)` at a cycle.
    #[allow(clippy::too_many_arguments)]
    pub fn metric_points(
        &self,
        object_type: &str,
        object_ids: &[i64],
        category: &str,
        name: &str,
        cycle_ms: i64,
        from: i64,
        until: i64,
    ) -> Result<Vec<StoredPoint>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT object_id, key1, time, count, dataset FROM metrics WHERE object_type=?1 AND category=?2 AND name=?3
                 AND cycle=?4 AND object_id=?5 AND time >= ?6 AND time < ?7 ORDER BY time, key1",
            )?;
            let mut out = Vec::new();
            for id in object_ids {
                let rows = stmt.query_map(params![object_type, category, name, cycle_ms, id, from, until], |r| {
                    let ds: Option<String> = r.get(4)?;
                    Ok(StoredPoint {
                        object_id: r.get(0)?,
                        key1: r.get(1)?,
                        time_ms: r.get(2)?,
                        count: r.get(3)?,
                        dataset: ds.and_then(|s| serde_json::from_str(&s).ok()),
                    })
                })?;
                for r in rows {
                    out.push(r?);
                }
            }
            Ok(out)
        })
    }

    /// Drop points stored longer ago than each cycle's retention. Counted
    /// from when a point was stored, not from its time: analysing an old
    /// capture after a newer one keeps both (as record retention does).
    pub fn expire_metrics(&self) -> Result<usize> {
        self.expire_metrics_at(wirewatch_model::now_ms())
    }

    /// [`Store::expire_metrics`] as if the clock read `now` (for tests).
    pub fn expire_metrics_at(&self, now: i64) -> Result<usize> {
        self.write(|tx| {
            let mut n = 0;
            for ((cycle, _), keep) in CYCLES.iter().zip(RETENTION_MS) {
                n += tx.execute(
                    "DELETE FROM metrics WHERE cycle = ?1 AND stored < ?2",
                    params![cycle, now - keep],
                )?;
            }
            Ok(n)
        })
    }
}
