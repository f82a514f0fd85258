//! `/records`: the record log query (`POST /records/search`) and cursors for
//! paging through large results (`POST /records/cursor`, deprecated
//! `GET /records/cursor/{cursor}`).

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Api, Guard, MetricsFull};
use crate::routes::blocking;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use wirewatch_model::detection::{Direction, OneOrMany};
use wirewatch_model::device_filter::DeviceFilter;
use wirewatch_model::locality::parse_net;
use wirewatch_model::now_ms;
use wirewatch_model::record_filter::{RecordContext, RecordFilter};
use wirewatch_model::time::TimeSpec;
use wirewatch_store::{RecordQuery, Store};

/// Largest page (as the real product).
pub const MAX_LIMIT: usize = 10_000;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest offset (as the real product's record store); use a cursor beyond it.
pub const MAX_OFFSET: usize = 10_000;
/// Longest a cursor may be kept alive.
pub const MAX_CONTEXT_TTL_MS: i64 = 3_600_000;
/// Most cursors alive at once; the oldest is dropped past it.
pub const MAX_CURSORS: usize = 1_000;
/// Most distinct record types one query names (each is an SQL parameter).
pub const MAX_TYPES: usize = 1_000;

/// The body of `POST /records/search`.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordSearch {
    #[serde(default)]
    from: Option<TimeSpec>,
    #[serde(default)]
    until: Option<TimeSpec>,
    #[serde(default)]
    types: Option<Vec<String>>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    sort: Option<OneOrMany<RecordSort>>,
    #[serde(default)]
    filter: Option<RecordFilter>,
    #[serde(default)]
    context_ttl: Option<TimeSpec>,
}

/// One sort key; records sort descending unless asked otherwise.
#[derive(Debug, Clone, Deserialize)]
struct RecordSort {
    field: String,
    #[serde(default)]
    direction: Option<Direction>,
}

struct Cursor {
    search: RecordSearch,
    from: i64,
    until: i64,
    next_offset: usize,
    expires: i64,
}

/// Live cursors.
#[derive(Default)]
pub struct Cursors(Mutex<HashMap<String, Cursor>>);

pub fn routes() -> Api {
    Api::new()
        .post("/records/search", search)
        .post("/records/cursor", cursor_post)
        .get("/records/cursor/{cursor}", cursor_get)
}

/// Store lookups for typed operands.
struct Ctx<'a>(&'a Store);

impl RecordContext for Ctx<'_> {
    fn device_ips(&self, device: &str) -> Option<Vec<IpAddr>> {
        let devices = self.0.devices(None, None).ok()?;
        let d = devices
            .into_iter()
            .find(|d| d.discovery_id == device || d.id.to_string() == device)?;
        Some(d.ipaddrs.iter().filter_map(|i| i.parse().ok()).collect())
    }

    fn group_ips(&self, group: &str) -> Option<Vec<IpAddr>> {
        let g = self.0.devicegroup(group.parse().ok()?).ok()??;
        let devices = self.0.group_devices(&g).ok()?;
        Some(
            devices
                .iter()
                .flat_map(|d| d.ipaddrs.iter().filter_map(|i| i.parse().ok()))
                .collect(),
        )
    }

    fn filter_ips(&self, f: &DeviceFilter) -> Result<Vec<IpAddr>, (String, String)> {
        let c = f.compile("filter.operand.value", 0)?;
        let devices = self
            .0
            .devices(None, None)
            .map_err(|_| ("filter".to_string(), "device lookup failed".to_string()))?;
        Ok(devices
            .iter()
            .filter(|d| c.matches(d))
            .flat_map(|d| d.ipaddrs.iter().filter_map(|i| i.parse().ok()))
            .collect())
    }

    fn locality_nets(&self, id: &str) -> Option<Vec<IpNet>> {
        let id: u64 = id.parse().ok()?;
        let l = self.0.locality(id).ok()??;
        Some(l.networks.iter().filter_map(|n| parse_net(n)).collect())
    }
}

fn time(field: &str, t: &Option<TimeSpec>, default: i64, now: i64) -> ApiResult<i64> {
    match t {
        None => Ok(default),
        Some(t) => t
            .resolve(now)
            .map_err(|m| ApiError::invalid(field, m.to_string())),
    }
}

/// Run a search and build its answer, serialized, off the async workers (a
/// page of 10,000 records is megabytes of JSON: building it on a worker
/// stalled every other request). `cursor` is added to the answer when given.
async fn run(
    s: &AppState,
    search: RecordSearch,
    window: Option<(i64, i64)>,
    offset: usize,
    cursor: Option<String>,
) -> ApiResult<(Response, i64, i64)> {
    let now = now_ms();
    let (from, until) = match window {
        Some(w) => w,
        None => (
            time("from", &search.from, 0, now)?,
            time("until", &search.until, now, now)?,
        ),
    };
    if until < from {
        return Err(ApiError::invalid("until", "must not be before from"));
    }
    let limit = search.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("must be at most {MAX_LIMIT}"),
        ));
    }
    let mut sort = Vec::new();
    for (i, k) in search
        .sort
        .clone()
        .map(OneOrMany::into_vec)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if k.field.is_empty() {
            return Err(ApiError::invalid(
                format!("sort[{i}].field"),
                "must not be empty",
            ));
        }
        sort.push((k.field, k.direction != Some(Direction::Asc)));
    }
    let store = s.store.clone();
    let filter = search.filter.clone();
    let mut types = search.types.clone().unwrap_or_default();
    types.sort();
    types.dedup();
    if types.len() > MAX_TYPES {
        return Err(ApiError::invalid(
            "types",
            format!("at most {MAX_TYPES} record types"),
        ));
    }
    let body = blocking(move || {
        let compiled = filter
            .as_ref()
            .map(|f| f.compile("filter", &Ctx(&store)))
            .transpose()
            .map_err(|(f, m)| {
                wirewatch_store::StoreError::Domain(wirewatch_model::Error::invalid(f, m))
            })?;
        let (total, page) = store.search_records(&RecordQuery {
            from_ms: from,
            until_ms: until,
            types,
            filter: compiled.as_ref(),
            sort,
            limit,
            offset,
        })?;
        let records: Vec<Value> = page
            .into_iter()
            .map(|r| {
                let mut src = r.fields;
                src.insert("timestamp".into(), json!(r.time_ms));
                json!({"_id": r.id.to_string(), "_type": r.kind, "_index": "wirewatch", "_source": src})
            })
            .collect();
        let mut v = json!({"from": from, "until": until, "total": total, "records": records, "warnings": [],
               "lookback_exceeded": false, "lookback_truncated": false});
        if let Some(c) = cursor {
            v["cursor"] = json!(c);
        }
        Ok(serde_json::to_vec(&v)?)
    })
    .await?;
    let resp = (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    Ok((resp, from, until))
}

async fn search(
    _: Guard<MetricsFull>,
    State(s): State<AppState>,
    body: Result<Json<RecordSearch>, ApiError>,
) -> ApiResult<Response> {
    let Json(body) = body?;
    let offset = body.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::invalid("offset", format!("must be at most {MAX_OFFSET}; use context_ttl and POST /records/cursor to go further")));
    }
    let ttl = body.context_ttl.as_ref().map(ttl_ms).transpose()?;
    let id = ttl.map(|_| wirewatch_store::random_hex(16));
    let (resp, from, until) = run(&s, body.clone(), None, offset, id.clone()).await?;
    if let (Some(ttl), Some(id)) = (ttl, id) {
        let mut cursors = s.cursors.0.lock();
        let now = now_ms();
        cursors.retain(|_, c| c.expires > now);
        if cursors.len() >= MAX_CURSORS {
            if let Some(k) = cursors
                .iter()
                .min_by_key(|(_, c)| c.expires)
                .map(|(k, _)| k.clone())
            {
                cursors.remove(&k);
            }
        }
        let limit = body.limit.unwrap_or(DEFAULT_LIMIT);
        cursors.insert(
            id.clone(),
            Cursor {
                search: body,
                from,
                until,
                next_offset: offset + limit,
                expires: now + ttl,
            },
        );
    }
    Ok(resp)
}

/// A duration (`context_ttl`): milliseconds, or a number with a unit suffix.
fn ttl_ms(t: &TimeSpec) -> ApiResult<i64> {
    let ms = match t {
        TimeSpec::Ms(n) => *n,
        TimeSpec::Text(s) => TimeSpec::Text(format!("-{}", s.trim().trim_start_matches('-')))
            .resolve(0)
            .map_err(|m| ApiError::invalid("context_ttl", m.to_string()))?
            .saturating_neg(),
    };
    if ms <= 0 || ms > MAX_CONTEXT_TTL_MS {
        return Err(ApiError::invalid(
            "context_ttl",
            format!("must be between 1 ms and {MAX_CONTEXT_TTL_MS} ms"),
        ));
    }
    Ok(ms)
}

#[derive(Deserialize)]
struct CursorBody {
    cursor: String,
    #[serde(default)]
    context_ttl: Option<TimeSpec>,
}

async fn next_page(s: &AppState, id: &str, ttl: Option<TimeSpec>) -> ApiResult<Response> {
    let ttl = ttl.as_ref().map(ttl_ms).transpose()?;
    let (search, window, offset) = {
        let mut cursors = s.cursors.0.lock();
        let now = now_ms();
        let c = cursors
            .get_mut(id)
            .filter(|c| c.expires > now)
            .ok_or_else(|| ApiError::not_found(format!("cursor {id} (expired or unknown)")))?;
        let limit = c.search.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = c.next_offset;
        c.next_offset += limit;
        if let Some(t) = ttl {
            c.expires = now + t;
        }
        (c.search.clone(), (c.from, c.until), offset)
    };
    let (resp, _, _) = run(s, search, Some(window), offset, Some(id.to_string())).await?;
    Ok(resp)
}

async fn cursor_post(
    _: Guard<MetricsFull>,
    State(s): State<AppState>,
    b: Result<Json<CursorBody>, ApiError>,
) -> ApiResult<Response> {
    let Json(b) = b?;
    next_page(&s, &b.cursor, b.context_ttl).await
}

#[derive(Deserialize)]
struct TtlQuery {
    #[serde(default)]
    context_ttl: Option<TimeSpec>,
}

async fn cursor_get(
    _: Guard<MetricsFull>,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TtlQuery>,
) -> ApiResult<Response> {
    next_page(&s, &id, q.context_ttl).await
}
