//! Records (`~flow`, `~dns_request`, …): the sensor's per-transaction log.

use crate::{Result, Store};
use rusqlite::params;
use serde_json::{Map, Value};
use wirewatch_model::record_filter::SqlTerm;

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

/// An IPv4 address field as a number (for range queries on CIDR blocks).
fn v4(fields: &Map<String, Value>, k: &str) -> Option<i64> {
    let ip: std::net::Ipv4Addr = fields.get(k)?.as_str()?.parse().ok()?;
    Some(i64::from(u32::from(ip)))
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
                                "INSERT INTO records(type, time, client_addr, server_addr, client_port, server_port, doc, client_v4, server_v4)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                    v4(f, "clientAddr"),
                    v4(f, "serverAddr"),
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

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: u64,
    pub kind: String,
    pub time_ms: i64,
    pub fields: Map<String, Value>,
}

/// A record query, already validated.
pub struct RecordQuery<'a> {
    pub from_ms: i64,
    pub until_ms: i64,
    pub types: Vec<String>,
    pub filter: Option<&'a wirewatch_model::record_filter::Compiled>,
    /// (field, descending); empty: newest first.
    pub sort: Vec<(String, bool)>,
    pub limit: usize,
    pub offset: usize,
}

/// Most matching records kept in memory to sort on a field other than time.
pub const MAX_SORT_SET: usize = 1_000_000;

fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => x.to_string().cmp(&y.to_string()),
        },
    }
}

impl Store {
    /// Run a record query: the total number of matches and the requested page.
    pub fn search_records(&self, q: &RecordQuery<'_>) -> Result<(u64, Vec<StoredRecord>)> {
        let mut sql =
            String::from("SELECT id, type, time, doc FROM records WHERE time >= ?1 AND time <= ?2");
        let mut params: Vec<rusqlite::types::Value> = vec![q.from_ms.into(), q.until_ms.into()];
        if !q.types.is_empty() {
            let ph: Vec<String> = q
                .types
                .iter()
                .map(|t| {
                    params.push(t.clone().into());
                    format!("?{}", params.len())
                })
                .collect();
            sql.push_str(&format!(" AND type IN ({})", ph.join(", ")));
        }
        let (terms, complete) = match q.filter {
            Some(f) => f.sql_terms(),
            None => (Vec::new(), true),
        };
        for t in terms {
            match t {
                SqlTerm::Port { server, port } => {
                    params.push(port.into());
                    let col = if server { "server_port" } else { "client_port" };
                    sql.push_str(&format!(" AND {col} = ?{}", params.len()));
                }
                SqlTerm::V4 { server, lo, hi } => {
                    params.push(i64::from(lo).into());
                    params.push(i64::from(hi).into());
                    let col = if server { "server_v4" } else { "client_v4" };
                    sql.push_str(&format!(
                        " AND {col} BETWEEN ?{} AND ?{}",
                        params.len() - 1,
                        params.len()
                    ));
                }
            }
        }
        // Newest first needs no sort: the query already returns that order.
        let streamed =
            q.sort.is_empty() || (q.sort.len() == 1 && q.sort[0].0 == "timestamp" && q.sort[0].1);
        if complete && streamed {
            // The whole filter is in SQL: count there, and read only the page.
            return self.read(|c| {
                let count_sql = sql.replacen("SELECT id, type, time, doc", "SELECT count(*)", 1);
                let total: u64 = c
                    .prepare_cached(&count_sql)?
                    .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
                let page_sql = format!(
                    "{sql} ORDER BY time DESC, id DESC LIMIT {} OFFSET {}",
                    q.limit, q.offset
                );
                let mut stmt = c.prepare_cached(&page_sql)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                    Ok((
                        r.get::<_, u64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?;
                let mut page = Vec::new();
                for row in rows {
                    let (id, kind, time_ms, doc) = row?;
                    page.push(StoredRecord {
                        id,
                        kind,
                        time_ms,
                        fields: serde_json::from_str(&doc)?,
                    });
                }
                Ok((total, page))
            });
        }
        sql.push_str(" ORDER BY time DESC, id DESC");
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
            let mut total = 0u64;
            let mut kept: Vec<StoredRecord> = Vec::new();
            let window = q.offset + q.limit;
            while let Some(r) = rows.next()? {
                let doc: String = r.get(3)?;
                let fields: Map<String, Value> = serde_json::from_str(&doc)?;
                if q.filter.is_some_and(|f| !f.matches(&fields)) {
                    continue;
                }
                total += 1;
                let keep = if streamed {
                    kept.len() < window
                } else {
                    kept.len() < MAX_SORT_SET
                };
                if keep {
                    kept.push(StoredRecord {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        time_ms: r.get(2)?,
                        fields,
                    });
                }
            }
            if !streamed {
                kept.sort_by(|a, b| {
                    for (field, desc) in &q.sort {
                        let o = if field == "timestamp" {
                            a.time_ms.cmp(&b.time_ms)
                        } else {
                            cmp_values(a.fields.get(field), b.fields.get(field))
                        };
                        let o = if *desc { o.reverse() } else { o };
                        if o != std::cmp::Ordering::Equal {
                            return o;
                        }
                    }
                    b.time_ms.cmp(&a.time_ms).then(b.id.cmp(&a.id))
                });
            }
            let page = kept.into_iter().skip(q.offset).take(q.limit).collect();
            Ok((total, page))
        })
    }
}

/// How long and how many records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Records older than this (relative to the newest record) are deleted.
    pub max_age_ms: i64,
    /// Beyond this many records the oldest are deleted.
    pub max_records: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            max_age_ms: 30 * 86_400_000,
            max_records: 50_000_000,
        }
    }
}

impl Store {
    /// Apply a retention policy; returns how many records were deleted.
    ///
    /// Age counts back from the newest record, not the clock, so that captures
    /// analysed long after they were taken are not deleted at once.
    pub fn expire_records(&self, r: Retention) -> Result<u64> {
        self.write(|tx| {
            let newest: Option<i64> = tx.query_row("SELECT max(time) FROM records", [], |row| row.get(0))?;
            let Some(newest) = newest else { return Ok(0) };
            let mut n = tx.execute("DELETE FROM records WHERE time < ?1", [newest - r.max_age_ms])? as u64;
            let count: u64 = tx.query_row("SELECT count(*) FROM records", [], |row| row.get(0))?;
            if count > r.max_records {
                let excess = count - r.max_records;
                n += tx.execute(
                    "DELETE FROM records WHERE id IN (SELECT id FROM records ORDER BY time, id LIMIT ?1)",
                    [excess],
                )? as u64;
            }
            Ok(n)
        })
    }
}
