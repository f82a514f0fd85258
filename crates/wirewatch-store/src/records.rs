//! Records (`~flow`, `~dns_request`, …): the sensor's per-transaction log.
//!
//! Records are stored in *segments*: tables `records_<n>` of at most
//! [`DEFAULT_SEGMENT_ROWS`] rows each (250,000: at 10,000,000 records the
//! insert rate stays near 50,000/s and a search visits 40 small segments), listed in `record_segments` with their
//! time span, row count and id range. Inserts only touch the newest segment,
//! whose indexes stay small enough to live in the page cache, so the insert
//! rate does not fall as the store grows; a search visits the segments whose
//! span meets its time range (each through its own indexes); retention drops
//! whole segments instead of deleting rows one by one.

use crate::{Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};
use std::sync::atomic::Ordering as AtomicOrdering;
use wirewatch_model::record::{field_group, upgrade_legacy};
use wirewatch_model::record_filter::SqlTerm;

/// Longest a segment takes new records (wall clock), whatever its size.
const SEGMENT_MAX_SPAN_MS: i64 = 86_400_000;

/// Rows per segment unless [`Store::set_record_segment_rows`] says otherwise.
pub const DEFAULT_SEGMENT_ROWS: u64 = 250_000;

pub use wirewatch_model::record::NewRecord;

/// An IPv4 address as a number (for range queries on CIDR blocks).
fn v4(addr: Option<&str>) -> Option<i64> {
    let ip: std::net::Ipv4Addr = addr?.parse().ok()?;
    Some(i64::from(u32::from(ip)))
}

/// One segment as `record_segments` lists it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub(crate) id: i64,
    min_time: i64,
    max_time: i64,
    rows: i64,
    last_id: i64,
    /// Wall-clock time of the first and the last insert (ms).
    created: i64,
    written: i64,
    /// Which field names its records have: [`NAMES`], or 0 for the names
    /// of before the ExtraHop formats' (read through `upgrade_legacy`).
    names: i64,
}

/// The field names of records written now (`record_segments.names`): the
/// ExtraHop record formats'.
pub(crate) const NAMES: i64 = 1;

impl Segment {
    /// Whether its records have the old names.
    pub(crate) fn legacy(&self) -> bool {
        self.names < NAMES
    }
}

fn segment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Segment> {
    Ok(Segment {
        id: r.get(0)?,
        min_time: r.get::<_, Option<i64>>(1)?.unwrap_or(i64::MAX),
        max_time: r.get::<_, Option<i64>>(2)?.unwrap_or(i64::MIN),
        rows: r.get(3)?,
        last_id: r.get(4)?,
        created: r.get(5)?,
        written: r.get(6)?,
        names: r.get(7)?,
    })
}

const SEGMENT_COLUMNS: &str = "id, min_time, max_time, rows, last_id, created, written, names";

/// The indexes of a segment: time order, type, and the address, port and
/// name columns record filters are translated to (see `SqlTerm`). The name
/// indexes are partial: only records that have the field enter them.
///
/// Each address, port and name index ends with `type`: a condition on a
/// field of one record type (`receiverPort`, `senderAddr` of `~flow`) is
/// then checked in the index, and its count and newest-first candidates
/// never read a row (SQLite defers the row read until a column outside
/// the index is needed). Segments made before that have the same indexes
/// without `type` and answer the same, reading each match's row for it.
fn create_segment_indexes(tx: &Connection, id: i64) -> rusqlite::Result<()> {
    tx.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS records_{id}_time ON records_{id}(time);
         CREATE INDEX IF NOT EXISTS records_{id}_type ON records_{id}(type, time);
         CREATE INDEX IF NOT EXISTS records_{id}_sport ON records_{id}(server_port, client_v4, time, type);
         CREATE INDEX IF NOT EXISTS records_{id}_cv4 ON records_{id}(client_v4, time, type);
         CREATE INDEX IF NOT EXISTS records_{id}_sv4 ON records_{id}(server_v4, time, type);
         CREATE INDEX IF NOT EXISTS records_{id}_qname ON records_{id}(qname, time, type) WHERE qname IS NOT NULL;
         CREATE INDEX IF NOT EXISTS records_{id}_host ON records_{id}(host, time, type) WHERE host IS NOT NULL;"
    ))
}

/// Start a new, empty segment whose ids follow `last_id`.
fn create_segment(tx: &Connection, last_id: i64, now: i64) -> rusqlite::Result<Segment> {
    tx.execute(
        "INSERT INTO record_segments(min_time, max_time, rows, first_id, last_id, created, written, names)
         VALUES(NULL, NULL, 0, ?1, ?2, ?3, ?3, ?4)",
        [last_id + 1, last_id, now, NAMES],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute_batch(&format!(
        "CREATE TABLE records_{id} (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            time INTEGER NOT NULL,
            client_addr TEXT,
            server_addr TEXT,
            client_port INTEGER,
            server_port INTEGER,
            doc TEXT NOT NULL,
            client_v4 INTEGER,
            server_v4 INTEGER,
            qname TEXT,
            host TEXT
        );"
    ))?;
    create_segment_indexes(tx, id)?;
    Ok(Segment {
        id,
        min_time: i64::MAX,
        max_time: i64::MIN,
        rows: 0,
        last_id,
        created: now,
        written: now,
        names: NAMES,
    })
}

/// Turn the single `records` table of stores made before segments into the
/// first segment (or drop it when empty). Runs once, inside the migration.
pub(crate) fn adopt_legacy_table(tx: &Connection) -> Result<()> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(());
    }
    let (rows, min_id, max_id): (i64, Option<i64>, Option<i64>) =
        tx.query_row("SELECT count(*), min(id), max(id) FROM records", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if rows == 0 {
        tx.execute_batch("DROP TABLE records;")?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO record_segments(min_time, max_time, rows, first_id, last_id, created, written)
         SELECT min(time), max(time), count(*), ?1, ?2, ?3, ?3 FROM records",
        params![min_id, max_id, wirewatch_model::now_ms()],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute_batch(&format!(
        "DROP INDEX IF EXISTS records_time;
         DROP INDEX IF EXISTS records_type_time;
         DROP INDEX IF EXISTS records_server_port;
         ALTER TABLE records ADD COLUMN qname TEXT;
         ALTER TABLE records ADD COLUMN host TEXT;
         UPDATE records SET qname = json_extract(doc, '$.qname') WHERE json_type(doc, '$.qname') = 'text';
         UPDATE records SET host = json_extract(doc, '$.host') WHERE json_type(doc, '$.host') = 'text';
         ALTER TABLE records RENAME TO records_{id};"
    ))?;
    create_segment_indexes(tx, id)?;
    Ok(())
}

/// Segments whose span meets `[from, until]`, newest span first.
pub(crate) fn segments_in(c: &Connection, from: i64, until: i64) -> Result<Vec<Segment>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {SEGMENT_COLUMNS} FROM record_segments
         WHERE rows > 0 AND min_time <= ?2 AND max_time >= ?1 ORDER BY max_time DESC, id DESC"
    ))?;
    let segs = stmt
        .query_map([from, until], segment_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(segs)
}

fn all_segments(c: &Connection) -> Result<Vec<Segment>> {
    segments_in(c, i64::MIN, i64::MAX)
}

impl Store {
    /// Rows per record segment (tests use small segments to cover several).
    pub fn set_record_segment_rows(&self, rows: u64) {
        self.inner
            .record_segment_rows
            .store(rows.max(1), AtomicOrdering::Relaxed);
    }

    /// Store records in one transaction.
    pub fn insert_records(&self, recs: &[NewRecord]) -> Result<usize> {
        if recs.is_empty() {
            return Ok(0);
        }
        self.write(|tx| insert_records_in(tx, recs, self.record_segment_rows()))
    }

    /// Rows per record segment now.
    pub(crate) fn record_segment_rows(&self) -> i64 {
        self.inner.record_segment_rows.load(AtomicOrdering::Relaxed) as i64
    }

    /// Number of records, of one type or all.
    pub fn record_count(&self, kind: Option<&str>) -> Result<u64> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut n = 0u64;
            for s in all_segments(&tx)? {
                n += match kind {
                    None => s.rows as u64,
                    Some(k) => tx.query_row(
                        &format!("SELECT count(*) FROM records_{} WHERE type = ?1", s.id),
                        [k],
                        |r| r.get::<_, u64>(0),
                    )?,
                };
            }
            Ok(n)
        })
    }

    /// Number of record segments (for tests and diagnostics).
    pub fn record_segment_count(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM record_segments", [], |r| r.get(0))?))
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

/// Store records inside the caller's write transaction, `cap` rows per segment.
pub(crate) fn insert_records_in(tx: &Connection, recs: &[NewRecord], cap: i64) -> Result<usize> {
    if recs.is_empty() {
        return Ok(0);
    }
    let newest: Option<Segment> = tx
        .query_row(
            &format!("SELECT {SEGMENT_COLUMNS} FROM record_segments ORDER BY id DESC LIMIT 1"),
            [],
            segment_row,
        )
        .optional()?;
    // Append to the newest segment while it has room, holds the newest
    // ids (retention may have dropped a newer one) and today's names.
    // A segment is also closed after a day, so that age retention,
    // which drops whole segments, keeps records about as long as asked.
    let last = last_record_id(tx)?;
    let now = wirewatch_model::now_ms();
    let mut seg = match newest {
        Some(s)
            if s.rows < cap
                && s.last_id == last
                && !s.legacy()
                && now - s.created < SEGMENT_MAX_SPAN_MS =>
        {
            s
        }
        _ => create_segment(tx, last, now)?,
    };
    let mut rest = recs;
    loop {
        let room = (cap - seg.rows).max(0) as usize;
        let (batch, later) = rest.split_at(room.min(rest.len()));
        let mut stmt = tx.prepare_cached(&format!(
            "INSERT INTO records_{}(id, type, time, client_addr, server_addr, client_port, server_port, doc, client_v4, server_v4, qname, host)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            seg.id
        ))?;
        for r in batch {
            let ix = r.record.indexed();
            seg.last_id += 1;
            seg.min_time = seg.min_time.min(r.time_ms);
            seg.max_time = seg.max_time.max(r.time_ms);
            stmt.execute(params![
                seg.last_id,
                r.kind(),
                r.time_ms,
                ix.client_addr,
                ix.server_addr,
                ix.client_port,
                ix.server_port,
                record_doc(r)?,
                v4(ix.client_addr.as_deref()),
                v4(ix.server_addr.as_deref()),
                ix.qname,
                ix.host,
            ])?;
        }
        seg.rows += batch.len() as i64;
        if !batch.is_empty() {
            tx.execute(
                "UPDATE record_segments SET min_time = ?2, max_time = ?3, rows = ?4, last_id = ?5, written = ?6 WHERE id = ?1",
                params![seg.id, seg.min_time, seg.max_time, seg.rows, seg.last_id, now],
            )?;
        }
        if later.is_empty() {
            break;
        }
        rest = later;
        seg = create_segment(tx, seg.last_id, now)?;
    }
    Ok(recs.len())
}

/// A record's stored JSON: its fields, and the custom devices its traffic
/// is attributed to (`client` / `server` device fields, `sender` /
/// `receiver` on `~flow`) when there are any,
/// appended to the object's text (records have no such fields of their own).
///
/// The threat collections' observables the record's traffic matched are
/// appended the same way, as its `threat` field (an array of
/// `wirewatch_model::threat::ThreatMatch`).
fn record_doc(r: &NewRecord) -> Result<String> {
    let mut doc = serde_json::to_string(&r.record)?;
    if (r.devices.is_empty() && r.threat.is_empty()) || !doc.ends_with('}') {
        return Ok(doc);
    }
    doc.pop();
    for (k, d) in r.devices.fields(r.kind()) {
        if doc.len() > 1 {
            doc.push(',');
        }
        doc.push_str(&serde_json::to_string(k)?);
        doc.push(':');
        doc.push_str(&serde_json::to_string(&d)?);
    }
    if !r.threat.is_empty() {
        if doc.len() > 1 {
            doc.push(',');
        }
        doc.push_str(&serde_json::to_string(
            wirewatch_model::threat::RECORD_FIELD,
        )?);
        doc.push(':');
        doc.push_str(&serde_json::to_string(&r.threat)?);
    }
    doc.push('}');
    Ok(doc)
}

/// The highest record id ever given (kept in `meta` when segments are dropped,
/// so that ids are never reused).
fn last_record_id(tx: &Connection) -> Result<i64> {
    let from_segments: Option<i64> =
        tx.query_row("SELECT max(last_id) FROM record_segments", [], |r| r.get(0))?;
    let from_meta = crate::schema::meta_get(tx, "records_last_id")?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    Ok(from_segments.unwrap_or(0).max(from_meta))
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

/// Limit a condition to the records of one type (once per query). `+type`
/// keeps the planner on the condition's own index (address, port, name):
/// with the type index it walked every `~flow` row (`senderAddr` and
/// `receiverPort` together: 134 ms on 2M records, 65 ms with `+type`, each
/// match reading its row for its type). The condition's index now ends
/// with `type` (see `create_segment_indexes`), so the test is made there;
/// see bench/README.md for the figures.
/// The type is one of ours (`~flow`, `~ssl_open`: `SqlTerm`'s `kind` is
/// `'static`), never the caller's text.
fn of_kind(sql: &mut String, kind: Option<&str>) {
    if let Some(k) = kind {
        let cond = format!(" AND +type = '{k}'");
        if !sql.contains(&cond) {
            sql.push_str(&cond);
        }
    }
}

/// The SQL conditions of a query besides its time range (`?1`, `?2`): text
/// starting with " AND", its parameters (from `?3` on), and whether the
/// whole filter is expressed in them.
fn conditions(q: &RecordQuery<'_>) -> (String, Vec<rusqlite::types::Value>, bool) {
    let mut sql = String::new();
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
            SqlTerm::Port { server, kind, port } => {
                params.push(port.into());
                let col = if server { "server_port" } else { "client_port" };
                sql.push_str(&format!(" AND {col} = ?{}", params.len()));
                of_kind(&mut sql, kind);
            }
            SqlTerm::Name {
                field,
                kind,
                any_of,
            } => {
                // `field` is one of NAME_FIELDS, which are also column names.
                let ph: Vec<String> = any_of
                    .into_iter()
                    .map(|v| {
                        params.push(v.into());
                        format!("?{}", params.len())
                    })
                    .collect();
                sql.push_str(&format!(" AND {field} IN ({})", ph.join(", ")));
                of_kind(&mut sql, kind);
            }
            SqlTerm::NamePrefix {
                field,
                kind,
                prefix,
            } => {
                // GLOB is case-sensitive like the test it replaces, and uses the
                // index for its literal prefix; its own wildcards are escaped.
                let mut pattern = String::with_capacity(prefix.len() + 4);
                for c in prefix.chars() {
                    match c {
                        '*' | '?' | '[' => {
                            pattern.push('[');
                            pattern.push(c);
                            pattern.push(']');
                        }
                        c => pattern.push(c),
                    }
                }
                pattern.push('*');
                params.push(pattern.into());
                sql.push_str(&format!(" AND {field} GLOB ?{}", params.len()));
                of_kind(&mut sql, kind);
            }
            SqlTerm::V4 {
                server,
                kind,
                lo,
                hi,
            } => {
                params.push(i64::from(lo).into());
                params.push(i64::from(hi).into());
                let col = if server { "server_v4" } else { "client_v4" };
                sql.push_str(&format!(
                    " AND {col} BETWEEN ?{} AND ?{}",
                    params.len() - 1,
                    params.len()
                ));
                of_kind(&mut sql, kind);
            }
        }
    }
    (sql, params, complete)
}

/// Parses a record's JSON keeping only some fields (the others are skipped
/// without building values): a filter on one field then costs one value,
/// not the whole record.
struct Only<'f>(&'f [&'f str]);

/// A key's position in the wanted list, read without allocating.
struct KeyIndex<'f>(&'f [&'f str]);

impl<'de> serde::de::DeserializeSeed<'de> for KeyIndex<'_> {
    type Value = Option<usize>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyIndex<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(self.0.iter().position(|w| *w == v))
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Only<'_> {
    type Value = Map<String, Value>;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Only<'_> {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut m: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = m.next_key_seed(KeyIndex(self.0))? {
            match k {
                Some(i) => {
                    out.insert(self.0[i].to_string(), m.next_value::<Value>()?);
                }
                None => {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

pub(crate) fn only_fields(doc: &str, fields: &[&str]) -> serde_json::Result<Map<String, Value>> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(doc);
    let m = Only(fields).deserialize(&mut de)?;
    de.end()?;
    Ok(m)
}

/// A stored record's fields; one with the old names as it reads now.
fn parse_doc(kind: &str, doc: &str, legacy: bool) -> Result<Map<String, Value>> {
    let mut m: Map<String, Value> = serde_json::from_str(doc)?;
    if legacy {
        upgrade_legacy(kind, &mut m);
    }
    Ok(m)
}

/// Newest first, ties by id (the order of a search without `sort`).
fn newest_first(a: &(i64, u64), b: &(i64, u64)) -> std::cmp::Ordering {
    b.cmp(a)
}

impl Store {
    /// Run a record query: the total number of matches and the requested page.
    pub fn search_records(&self, q: &RecordQuery<'_>) -> Result<(u64, Vec<StoredRecord>)> {
        let (cond, params, complete) = conditions(q);
        // With a name condition its index is the one to use, even on a
        // segment the time range cuts: `+time` keeps the planner off the time index.
        let time_col = if cond.contains(" qname ") || cond.contains(" host ") {
            "+time"
        } else {
            "time"
        };
        let params = rusqlite::params_from_iter(params.iter());
        // Newest first needs no sort: each segment returns that order.
        let streamed =
            q.sort.is_empty() || (q.sort.len() == 1 && q.sort[0].0 == "timestamp" && q.sort[0].1);
        let window = q.offset + q.limit;
        let (from, until) = (q.from_ms, q.until_ms);
        // A segment wholly inside the range needs no time condition, which
        // leaves the planner free to use the filter's index alone.
        let where_for = |s: &Segment| {
            if s.min_time >= from && s.max_time <= until {
                format!("WHERE ?1 <= ?2{cond}")
            } else {
                format!("WHERE {time_col} >= ?1 AND {time_col} <= ?2{cond}")
            }
        };
        self.read(|c| {
            // One read transaction: the segment list and every segment are
            // seen at the same point in time.
            let tx = c.unchecked_transaction()?;
            let segs = segments_in(&tx, from, until)?;
            if complete && streamed {
                // The whole filter is in SQL: count there, then take the
                // newest `window` (time, id) pairs per segment until no older
                // segment can enter the page, and read only the page's rows.
                let mut total = 0u64;
                for s in &segs {
                    if cond.is_empty() && s.min_time >= from && s.max_time <= until {
                        // Nothing to filter: the catalog knows the count.
                        total += s.rows as u64;
                        continue;
                    }
                    let sql = format!("SELECT count(*) FROM records_{} {}", s.id, where_for(s));
                    total += tx
                        .prepare_cached(&sql)?
                        .query_row(params.clone(), |r| r.get::<_, u64>(0))?;
                }
                let mut cands: Vec<((i64, u64), i64)> = Vec::new();
                for s in segs.iter().filter(|_| window > 0) {
                    if cands.len() >= window {
                        cands.sort_unstable_by(|a, b| newest_first(&a.0, &b.0));
                        cands.truncate(window);
                        if s.max_time < cands[window - 1].0 .0 {
                            break;
                        }
                    }
                    let sql = format!(
                        "SELECT time, id FROM records_{} {} ORDER BY time DESC, id DESC LIMIT {window}",
                        s.id,
                        where_for(s)
                    );
                    let mut stmt = tx.prepare_cached(&sql)?;
                    let rows = stmt.query_map(params.clone(), |r| Ok(((r.get(0)?, r.get(1)?), s.id)))?;
                    for row in rows {
                        cands.push(row?);
                    }
                }
                cands.sort_unstable_by(|a, b| newest_first(&a.0, &b.0));
                let mut page = Vec::with_capacity(q.limit);
                for ((time_ms, id), seg) in cands.into_iter().skip(q.offset).take(q.limit) {
                    let mut stmt =
                        tx.prepare_cached(&format!("SELECT type, doc FROM records_{seg} WHERE id = ?1"))?;
                    let (kind, doc): (String, String) =
                        stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    let legacy = segs.iter().any(|s| s.id == seg && s.legacy());
                    page.push(StoredRecord {
                        id,
                        fields: parse_doc(&kind, &doc, legacy)?,
                        kind,
                        time_ms,
                    });
                }
                return Ok((total, page));
            }
            // Part of the filter needs the record itself: read the candidates
            // of each segment, newest first, and evaluate it on each.
            let mut total = 0u64;
            let mut kept: Vec<StoredRecord> = Vec::new();
            let wanted = q.filter.and_then(|f| f.fields());
            for s in &segs {
                let sql = format!(
                    "SELECT id, type, time, doc FROM records_{} {} ORDER BY time DESC, id DESC",
                    s.id,
                    where_for(s)
                );
                let mut stmt = tx.prepare_cached(&sql)?;
                let mut rows = stmt.query(params.clone())?;
                let mut kept_here = 0usize;
                let legacy = s.legacy();
                while let Some(r) = rows.next()? {
                    let doc: String = r.get(3)?;
                    let doc = doc.as_str();
                    // Test the filter on the fields it reads; parse the whole
                    // record only when it is kept. A record with the old
                    // names is read whole, as it reads now.
                    let fields: Option<Map<String, Value>> = match (q.filter, &wanted) {
                        (Some(f), _) if legacy => {
                            let kind: String = r.get(1)?;
                            let all = parse_doc(&kind, doc, true)?;
                            if !f.matches(&all) {
                                continue;
                            }
                            Some(all)
                        }
                        (Some(f), Some(w)) => {
                            if !f.matches(&only_fields(doc, w)?) {
                                continue;
                            }
                            None
                        }
                        (Some(f), None) => {
                            let all: Map<String, Value> = serde_json::from_str(doc)?;
                            if !f.matches(&all) {
                                continue;
                            }
                            Some(all)
                        }
                        (None, _) => None,
                    };
                    total += 1;
                    let keep = if streamed {
                        kept_here < window
                    } else {
                        kept.len() < MAX_SORT_SET
                    };
                    if keep {
                        kept_here += 1;
                        let kind: String = r.get(1)?;
                        let fields = match fields {
                            Some(f) => f,
                            None => parse_doc(&kind, doc, legacy)?,
                        };
                        kept.push(StoredRecord {
                            id: r.get(0)?,
                            kind,
                            time_ms: r.get(2)?,
                            fields,
                        });
                    }
                }
            }
            // Each sort field with the names it stands for (`clientBytes` is
            // `senderBytes` on `~flow`).
            let sort: Vec<(Vec<&str>, bool)> = q
                .sort
                .iter()
                .filter(|_| !streamed)
                .map(|(f, desc)| (field_group(f), *desc))
                .collect();
            fn get<'r>(r: &'r StoredRecord, names: &[&str]) -> Option<&'r Value> {
                names.iter().find_map(|n| r.fields.get(*n))
            }
            kept.sort_by(|a, b| {
                for (names, desc) in &sort {
                    let o = if names[0] == "timestamp" {
                        a.time_ms.cmp(&b.time_ms)
                    } else {
                        cmp_values(get(a, names), get(b, names))
                    };
                    let o = if *desc { o.reverse() } else { o };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                newest_first(&(a.time_ms, a.id), &(b.time_ms, b.id))
            });
            let page = kept.into_iter().skip(q.offset).take(q.limit).collect();
            Ok((total, page))
        })
    }
}

/// How long and how many records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Records stored longer ago than this are deleted.
    pub max_age_ms: i64,
    /// Beyond this many records the earliest stored are deleted.
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

/// Drop a whole segment, remembering its last id so ids are never reused.
fn drop_segment(tx: &Connection, s: &Segment) -> Result<()> {
    let last = last_record_id(tx)?.max(s.last_id);
    crate::schema::meta_set(tx, "records_last_id", &last.to_string())?;
    tx.execute_batch(&format!("DROP TABLE records_{};", s.id))?;
    tx.execute("DELETE FROM record_segments WHERE id = ?1", [s.id])?;
    Ok(())
}

impl Store {
    /// Apply a retention policy now; returns how many records were deleted.
    pub fn expire_records(&self, r: Retention) -> Result<u64> {
        self.expire_records_at(r, wirewatch_model::now_ms())
    }

    /// Apply a retention policy as at `now_ms` (wall clock).
    ///
    /// Age is how long ago records were *stored*, not the time in their
    /// packets: captures analysed long after they were taken are not
    /// deleted at once, and one packet with a wild timestamp cannot make
    /// everything else look old. A segment goes whole once its last insert
    /// is older than the limit. The count limit drops the earliest stored
    /// segments whole and trims the earliest rows of the one on the boundary.
    pub fn expire_records_at(&self, r: Retention, now_ms: i64) -> Result<u64> {
        self.write(|tx| {
            let mut segs = all_segments(tx)?;
            segs.sort_by_key(|s| s.id);
            let cutoff = now_ms.saturating_sub(r.max_age_ms);
            let mut deleted = 0u64;
            let mut left = Vec::with_capacity(segs.len());
            for s in segs {
                if s.written < cutoff {
                    drop_segment(tx, &s)?;
                    deleted += s.rows as u64;
                } else {
                    left.push(s);
                }
            }
            let count: u64 = left.iter().map(|s| s.rows as u64).sum();
            let mut excess = count.saturating_sub(r.max_records);
            for s in left {
                if excess == 0 {
                    break;
                }
                if s.rows as u64 <= excess {
                    drop_segment(tx, &s)?;
                    excess -= s.rows as u64;
                    deleted += s.rows as u64;
                } else {
                    let n = tx.execute(
                        &format!(
                            "DELETE FROM records_{id} WHERE id IN (SELECT id FROM records_{id} ORDER BY id LIMIT ?1)",
                            id = s.id
                        ),
                        [excess],
                    )? as u64;
                    tx.execute(
                        &format!(
                            "UPDATE record_segments SET (min_time, max_time, rows) =
                             (SELECT min(time), max(time), count(*) FROM records_{id}) WHERE id = ?1",
                            id = s.id
                        ),
                        [s.id],
                    )?;
                    deleted += n;
                    excess = 0;
                }
            }
            Ok(deleted)
        })
    }
}
