//! `POST /detections/search`: the filter grammar compiled to one SQL query.

use crate::detections::{from_doc, DetectionPage, Visibility};
use crate::{Result, Store};
use rusqlite::types::Value as Sql;
use wirewatch_model::detection::{
    DetectionCount, DetectionSearch, Direction, ResolutionFilter, SortKey, StatusFilter,
    MAX_HISTOGRAM_INTERVALS, SORTABLE_FIELDS,
};

/// Largest page a search returns (as the real product).
pub const MAX_LIMIT: i64 = 20_000;
/// Page size when the request names none (as the real product).
pub const DEFAULT_LIMIT: i64 = 1_000;

struct Query {
    clauses: Vec<String>,
    params: Vec<Sql>,
}

impl Query {
    fn placeholders(&mut self, values: impl IntoIterator<Item = String>) -> String {
        let mut ph = Vec::new();
        for v in values {
            self.params.push(Sql::Text(v));
            ph.push(format!("?{}", self.params.len()));
        }
        ph.join(", ")
    }

    fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    fn value(&mut self, v: Sql) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// A participant of `role` whose address, host name or device id is
    /// one of `values` (the `detection_roles` index).
    fn participant(&mut self, role: &str, values: Vec<String>) {
        let ph = self.placeholders(
            values
                .into_iter()
                .map(|v| crate::detections::role_key(role, v.trim())),
        );
        self.push(format!(
            "d.id IN (SELECT detection_id FROM detection_roles WHERE role_key IN ({ph}))"
        ));
    }

    /// `column IN (...)` plus `column IS NULL` when `none` is asked for.
    fn in_or_null(&mut self, column: &str, values: Vec<String>, none: bool) {
        let mut parts = Vec::new();
        if none {
            parts.push(format!("{column} IS NULL"));
        }
        if !values.is_empty() {
            let ph = self.placeholders(values);
            parts.push(format!("{column} IN ({ph})"));
        }
        if !parts.is_empty() {
            self.push(format!("({})", parts.join(" OR ")));
        }
    }
}

/// The search indexes (schema migrations "the detection search's own
/// indexes" and "one index fewer") by the first sort key they serve: each
/// holds `hidden_by` and every column the page's filters read, so a page is
/// read in order from the index alone.
const SORT_INDEXES: &[(&str, &str)] = &[
    ("start_time", "detections_by_start"),
    ("risk_score", "detections_by_risk"),
    ("status", "detections_by_status"),
    ("assignee", "detections_by_assignee"),
    ("update_time", "detections_by_update"),
];

/// The index holding the visible detections in start-time order with every
/// column the histogram's filters read.
const HISTOGRAM_INDEX: &str = "detections_by_start";

/// The ORDER BY clause for the requested sort keys (default: newest update
/// first, then id), and the index whose order it is; the keys are valid
/// ([`DetectionSearch::validate`]).
fn order_by(sort: Option<Vec<SortKey>>) -> (String, Option<&'static str>) {
    let keys = sort.unwrap_or_default();
    if keys.is_empty() {
        return (
            "d.update_time DESC, d.id ASC".into(),
            Some("detections_by_update"),
        );
    }
    let mut parts = Vec::new();
    let mut has_id = false;
    // Only known field names reach the SQL text, whoever calls this.
    for k in keys
        .iter()
        .filter(|k| SORTABLE_FIELDS.contains(&k.field.as_str()))
    {
        has_id |= k.field == "id";
        let dir = match k.direction {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        };
        parts.push(format!("d.\"{}\" {dir}", k.field));
    }
    if !has_id {
        parts.push("d.id ASC".into());
    }
    let index = keys.first().and_then(|k| {
        SORT_INDEXES
            .iter()
            .find(|(field, _)| *field == k.field)
            .map(|(_, index)| *index)
    });
    (parts.join(", "), index)
}

impl Store {
    /// The matches of `q` per interval of `start_time`, the latest
    /// [`MAX_HISTOGRAM_INTERVALS`], oldest first. `index`: the index to read
    /// (when the search is of visible detections only), so 100,000 matches
    /// are counted from it without reading a document.
    fn count_detections(
        &self,
        q: Query,
        interval: i64,
        index: Option<&str>,
    ) -> Result<DetectionPage> {
        let where_ = if q.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", q.clauses.join(" AND "))
        };
        let indexed = index
            .map(|i| format!(" INDEXED BY {i}"))
            .unwrap_or_default();
        let sql = format!("SELECT d.start_time FROM detections d{indexed} {where_}");
        let buckets = self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(q.params.iter()))?;
            let mut buckets = std::collections::BTreeMap::<i64, u64>::new();
            while let Some(r) = rows.next()? {
                let t: i64 = r.get(0)?;
                // As SQL's integer division: towards zero.
                *buckets.entry((t / interval) * interval).or_default() += 1;
            }
            Ok(buckets)
        })?;
        let counts: Vec<DetectionCount> = buckets
            .into_iter()
            .rev()
            .take(MAX_HISTOGRAM_INTERVALS as usize)
            .map(|(time, count)| DetectionCount { time, count })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Ok(DetectionPage::Counts(counts))
    }

    /// Search detections. `me` is the caller's username (for `.me`).
    pub fn search_detections(
        &self,
        s: DetectionSearch,
        me: &str,
        vis: Visibility,
    ) -> Result<DetectionPage> {
        s.validate(MAX_LIMIT)?;
        let limit = s.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = s.offset.unwrap_or(0);
        let mut q = Query {
            clauses: Vec::new(),
            params: Vec::new(),
        };
        if !s.include_hidden.unwrap_or(false) {
            q.push("d.hidden_by IS NULL".into());
        }
        if let Some(c) = crate::detections::visibility_clause(vis) {
            q.push(c.into());
        }
        if let Some(f) = s.filter {
            let mut cats: Vec<String> = f.categories.unwrap_or_default();
            cats.extend(f.category);
            if !cats.is_empty() {
                let ph = q.placeholders(cats);
                q.push(format!(
                    "d.id IN (SELECT detection_id FROM detection_categories WHERE category IN ({ph}))"
                ));
            }
            if let Some(a) = f.assignee {
                let none = a.iter().any(|x| x == ".none");
                let vals = a
                    .into_iter()
                    .filter(|x| x != ".none")
                    .map(|x| if x == ".me" { me.to_string() } else { x })
                    .collect();
                q.in_or_null("d.assignee", vals, none);
            }
            if let Some(t) = f.ticket_id {
                let none = t.iter().any(|x| x == ".none");
                q.in_or_null(
                    "d.ticket_id",
                    t.into_iter().filter(|x| x != ".none").collect(),
                    none,
                );
            }
            if let Some(st) = f.status {
                let none = st.contains(&StatusFilter::Open);
                let vals = st
                    .iter()
                    .filter_map(|s| match s {
                        StatusFilter::Open => None,
                        StatusFilter::New => Some("new"),
                        StatusFilter::InProgress => Some("in_progress"),
                        StatusFilter::Closed => Some("closed"),
                        StatusFilter::Acknowledged => Some("acknowledged"),
                    })
                    .map(str::to_string)
                    .collect();
                q.in_or_null("d.status", vals, none);
            }
            if let Some(rs) = f.resolution {
                let none = rs.contains(&ResolutionFilter::Unresolved);
                let vals = rs
                    .iter()
                    .filter_map(|s| match s {
                        ResolutionFilter::Unresolved => None,
                        ResolutionFilter::ActionTaken => Some("action_taken"),
                        ResolutionFilter::NoActionTaken => Some("no_action_taken"),
                    })
                    .map(str::to_string)
                    .collect();
                q.in_or_null("d.resolution", vals, none);
            }
            if let Some(t) = f.types.filter(|t| !t.is_empty()) {
                let ph = q.placeholders(t);
                q.push(format!("d.type IN ({ph})"));
            }
            if let Some(r) = f.risk_score_min {
                let v = q.value(Sql::Integer(r));
                q.push(format!("d.risk_score >= {v}"));
            }
            if let Some(r) = f.recommended {
                let v = q.value(Sql::Integer(r as i64));
                q.push(format!("d.recommended = {v}"));
            }
            for (role, values) in [("offender", f.offender), ("victim", f.victim)] {
                if let Some(values) = values.filter(|v| !v.is_empty()) {
                    q.participant(role, values);
                }
            }
        }
        if let Some(from) = s.from {
            let v = q.value(Sql::Integer(from));
            q.push(format!("(d.end_time IS NULL OR d.end_time >= {v})"));
        }
        if let Some(until) = s.until {
            let v = q.value(Sql::Integer(until));
            q.push(format!("d.start_time <= {v}"));
        }
        for (col, val) in [
            ("mod_time", s.mod_time),
            ("create_time", s.create_time),
            ("update_time", s.update_time),
        ] {
            if let Some(t) = val {
                let v = q.value(Sql::Integer(t));
                q.push(format!("d.{col} >= {v}"));
            }
        }
        let id_only = s.id_only.unwrap_or(false);
        // The search indexes hold hidden detections too, after the visible
        // ones (`detections_by_update`: among them, skipped by its
        // `hidden_by` column): named for a search of visible detections only;
        // one including hidden ones is the planner's (the one-column indexes
        // and `detections_by_update`).
        let visible_only = !s.include_hidden.unwrap_or(false);
        if let Some(interval) = s.histogram {
            return self.count_detections(q, interval, visible_only.then_some(HISTOGRAM_INDEX));
        }
        let (order, index) = order_by(s.sort.map(|s| s.into_vec()));
        let where_ = if q.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", q.clauses.join(" AND "))
        };
        let indexed = index
            .filter(|_| visible_only)
            .map(|i| format!(" INDEXED BY {i}"))
            .unwrap_or_default();
        let lim = q.value(Sql::Integer(limit));
        let off = q.value(Sql::Integer(offset));
        // The page's ids first (from the index alone when it has the
        // order), then their documents: a sort never carries documents.
        let sql = format!(
            "SELECT d.id FROM detections d{indexed} {where_} ORDER BY {order} LIMIT {lim} OFFSET {off}"
        );
        let page = self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let params = rusqlite::params_from_iter(q.params.iter());
            let ids = stmt
                .query_map(params, |r| r.get::<_, u64>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if id_only {
                return Ok(DetectionPage::Ids(ids));
            }
            let mut doc = c.prepare_cached("SELECT doc FROM detections WHERE id = ?1")?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let d: String = doc.query_row([id], |r| r.get(0))?;
                out.push(from_doc(&d)?);
            }
            Ok(DetectionPage::Full(out))
        })?;
        Ok(match page {
            DetectionPage::Full(v) => {
                DetectionPage::Full(v.into_iter().map(|d| self.decorate(d)).collect())
            }
            ids => ids,
        })
    }
}
