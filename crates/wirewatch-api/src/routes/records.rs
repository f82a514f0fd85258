//! `/records`: the record log query (`POST /records/search`), cursors for
//! paging through large results (`POST /records/cursor`, deprecated
//! `GET /records/cursor/{cursor}`) and the record formats
//! (`GET /records/formats`).
//!
//! Records are shown as the ExtraHop record formats write them: fields
//! under the formats' names, addresses as `{"type": "ipaddr4"|"ipaddr6",
//! "value": …}`, custom devices as `{"type": "device", "value": [ids]}`.
//! The store keeps addresses as plain text (what its filters and indexes
//! read); the typed form is made here.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Api, Guard, MetricsFull};
use crate::routes::blocking;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use wirewatch_model::detection::{Direction, OneOrMany};
use wirewatch_model::device_filter::DeviceFilter;
use wirewatch_model::locality::parse_net;
use wirewatch_model::now_ms;
use wirewatch_model::record::{formats, FieldFormat, RecordFormat};
use wirewatch_model::record_filter::{RecordContext, RecordFilter};
use wirewatch_model::time::{time_schema, time_text, ttl_schema, ttl_text, TimeSpec};
use wirewatch_store::{RecordQuery, Store, StoredRecord};

/// Largest page (as the real product).
pub const MAX_LIMIT: usize = 10_000;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest offset (as the real product's record store); use a cursor beyond it.
pub const MAX_OFFSET: usize = 10_000;
/// Most cursors alive at once; the oldest is dropped past it.
pub const MAX_CURSORS: usize = 1_000;
/// Most distinct record types one query names (each is an SQL parameter).
pub const MAX_TYPES: usize = 1_000;

/// Body of `POST /records/search`. Every criterion is optional; an empty
/// object returns the newest 100 records.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct RecordSearch {
    /// Only records at or after this time (default: the oldest).
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    from: Option<TimeSpec>,
    /// Only records at or before this time (default: now); not before `from`.
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    until: Option<TimeSpec>,
    /// Record types such as `~flow`, `~dns_request`, `~dns_response`,
    /// `~http`, `~ssl_open` or `~ftp` (at most 1000); default: every type.
    #[serde(default)]
    #[schemars(length(max = MAX_TYPES))]
    types: Option<Vec<String>>,
    /// The page size: how many records (at most 10000).
    #[serde(default)]
    #[schemars(range(max = MAX_LIMIT), extend("default" = DEFAULT_LIMIT))]
    limit: Option<usize>,
    /// How many matching records to skip (at most 10000; page further with
    /// a cursor).
    #[serde(default)]
    #[schemars(range(max = MAX_OFFSET), extend("default" = 0))]
    offset: Option<usize>,
    /// Sort keys, most significant first: one object or a list. Default:
    /// newest first.
    #[serde(default)]
    sort: Option<OneOrMany<RecordSort>>,
    /// The records to return.
    #[serde(default)]
    filter: Option<RecordFilter>,
    /// Keep a cursor for the next pages (`POST /records/cursor`) this long;
    /// the answer has its `cursor`.
    #[serde(default)]
    #[schemars(schema_with = "ttl_schema", transform = ttl_text)]
    context_ttl: Option<TimeSpec>,
}

/// One sort key of a record search; records sort descending unless asked
/// otherwise.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
struct RecordSort {
    /// A record field such as `timestamp` or `bytes`; the old names of
    /// renamed fields (`clientBytes` for `senderBytes` on `~flow`) too.
    #[schemars(length(min = 1))]
    field: String,
    /// `asc` or `desc` (the default).
    #[serde(default)]
    #[schemars(with = "Direction", extend("default" = "desc"))]
    direction: Option<Direction>,
}

/// A page of records.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RecordResults", example = RecordPage::example())]
pub struct RecordPage {
    /// The start of the time window searched (ms).
    pub from: i64,
    /// The end of the time window searched (ms).
    pub until: i64,
    /// How many records match in all.
    pub total: u64,
    /// The records.
    pub records: Vec<Record>,
    /// Problems with the query that did not stop it (none so far).
    pub warnings: Vec<String>,
    /// Whether the window reaches past the oldest stored record (always false).
    pub lookback_exceeded: bool,
    /// Whether the window was cut to the stored records (always false).
    pub lookback_truncated: bool,
    /// The cursor for the next page (`POST /records/cursor`); only with
    /// `context_ttl` and on cursor pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cursor: Option<String>,
}

impl RecordPage {
    /// The example of the API's documentation.
    pub fn example() -> RecordPage {
        RecordPage {
            from: 1_767_225_600_000,
            until: 1_767_229_200_000,
            total: 1,
            records: vec![Record::example()],
            warnings: vec![],
            lookback_exceeded: false,
            lookback_truncated: false,
            cursor: Some("3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d".into()),
        }
    }
}

/// One record.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(example = Record::example())]
pub struct Record {
    /// The record's id.
    #[serde(rename = "_id")]
    pub id: String,
    /// The record type, e.g. `~flow`.
    #[serde(rename = "_type")]
    pub kind: String,
    /// Where the record is stored: `wirewatch`.
    #[serde(rename = "_index")]
    pub index: &'static str,
    /// The record's fields, named as the ExtraHop record formats name them
    /// (`senderAddr`, `receiverPort`, `proto` on `~flow`; `clientAddr`,
    /// `serverPort` on the others); which ones depends on the type
    /// (`GET /records/formats` lists them). Addresses are
    /// `{"type": "ipaddr4"|"ipaddr6", "value": …}`, custom devices
    /// `{"type": "device", "value": [discovery ids]}`.
    #[serde(rename = "_source")]
    #[schemars(schema_with = "record_source")]
    pub source: Map<String, Value>,
}

/// `_source` of a record: one object per record format, its fields read
/// from the format (`wirewatch_model::record::formats`), `timestamp` always.
fn record_source(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let field = |f: &FieldFormat| -> Value {
        let mut s = match f.data_type.as_str() {
            "ipaddr" => json!({"type": "object", "required": ["type", "value"], "properties": {
                "type": {"type": "string", "enum": ["ipaddr4", "ipaddr6"]},
                "value": {"type": "string"},
            }}),
            "device" => json!({"type": "object", "required": ["type", "value"], "properties": {
                "type": {"type": "string", "enum": ["device"]},
                "value": {"type": "array", "items": {"type": "string"}},
            }}),
            "string" | "number" | "boolean" | "array" => json!({"type": f.data_type}),
            _ => json!({}),
        };
        s["description"] = json!(f.description);
        s["title"] = json!(f.display_name);
        s
    };
    let any_of: Vec<Value> = formats()
        .iter()
        .map(|k| {
            let props: Map<String, Value> = k
                .fields
                .iter()
                .map(|f| (f.name.clone(), field(f)))
                .collect();
            json!({
                "title": k.id,
                "description": format!("A `{}` record ({}).", k.id, k.display_name),
                "type": "object",
                "required": ["timestamp"],
                "properties": props,
            })
        })
        .collect();
    schemars::json_schema!({
        "type": "object",
        "required": ["timestamp"],
        "anyOf": any_of,
    })
}

/// A stored field value as records show it: an address as ExtraHop types
/// it (`{"type": "ipaddr4", "value": "10.1.2.3"}`).
fn typed_address(name: &str, v: &mut Value) {
    if !name.ends_with("Addr") {
        return;
    }
    let kind = match v.as_str().and_then(|s| s.parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(_)) => "ipaddr4",
        Some(IpAddr::V6(_)) => "ipaddr6",
        None => return,
    };
    *v = json!({"type": kind, "value": v.take()});
}

impl Record {
    /// A stored record as the API shows it: its fields and its time.
    pub fn from_stored(r: StoredRecord) -> Record {
        let mut src = r.fields;
        for (k, v) in src.iter_mut() {
            typed_address(k, v);
        }
        src.insert("timestamp".into(), json!(r.time_ms));
        Record {
            id: r.id.to_string(),
            kind: r.kind,
            index: "wirewatch",
            source: src,
        }
    }

    /// The example of the API's documentation.
    pub fn example() -> Record {
        let source = json!({
            "timestamp": 1_767_225_600_000_i64, "flowId": "00000000000012ab", "proto": "TCP",
            "senderAddr": {"type": "ipaddr4", "value": "10.1.2.3"}, "senderPort": 51_514,
            "receiverAddr": {"type": "ipaddr4", "value": "198.51.100.20"}, "receiverPort": 443,
            "senderPkts": 12, "receiverPkts": 10, "pkts": 22,
            "senderBytes": 1_840, "receiverBytes": 6_312, "bytes": 8_152,
            "senderL2Bytes": 2_008, "receiverL2Bytes": 6_452,
            "senderPayloadBytes": 1_200, "receiverPayloadBytes": 5_800,
            "first": 1_767_225_600_000_i64, "last": 1_767_225_601_000_i64, "age": 1.0005, "duration": 1000.5,
            "connState": "SF", "history": "ShADadFf", "l7proto": "SSL",
            "sender": {"type": "device", "value": ["PH-10.1.2.3"]},
        });
        let Value::Object(source) = source else {
            unreachable!("an object")
        };
        Record {
            id: "4711".into(),
            kind: "~flow".into(),
            index: "wirewatch",
            source,
        }
    }
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
        .get("/records/formats", list_formats)
        .post("/records/search", search)
        .post("/records/cursor", cursor_post)
        .get("/records/cursor/{cursor}", cursor_get)
}

/// `GET /records/formats`: every record format and its fields.
async fn list_formats(_: Guard<MetricsFull>) -> axum::Json<Vec<RecordFormat>> {
    axum::Json(formats())
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

    fn filter_ips(&self, f: &DeviceFilter) -> wirewatch_model::error::Result<Vec<IpAddr>> {
        let c = f.compile("filter.operand.value")?;
        let devices = self
            .0
            .devices(None, None)
            .map_err(|_| wirewatch_model::Error::invalid("filter", "device lookup failed"))?;
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
    fn custom_device(&self, device: &str) -> Option<String> {
        if let Some(d) = self.0.custom_device_by_extrahop_id(device).ok()? {
            return Some(d.extrahop_id);
        }
        let d = self.0.device(device.parse().ok()?).ok()??;
        self.0
            .custom_device_by_extrahop_id(&d.discovery_id)
            .ok()?
            .map(|c| c.extrahop_id)
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
            .map_err(wirewatch_store::StoreError::Domain)?;
        let (total, page) = store.search_records(&RecordQuery {
            from_ms: from,
            until_ms: until,
            types,
            filter: compiled.as_ref(),
            sort,
            limit,
            offset,
        })?;
        let v = RecordPage {
            from,
            until,
            total,
            records: page.into_iter().map(Record::from_stored).collect(),
            warnings: vec![],
            lookback_exceeded: false,
            lookback_truncated: false,
            cursor,
        };
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
    t.ttl_ms()
        .map_err(|m| ApiError::invalid("context_ttl", m.to_string()))
}

/// Body of `POST /records/cursor`.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "RecordCursor")]
pub struct CursorBody {
    /// The `cursor` of a record search made with `context_ttl`.
    cursor: String,
    /// Keep the cursor alive this much longer.
    #[serde(default)]
    #[schemars(schema_with = "ttl_schema", transform = ttl_text)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The view structs write the JSON the `json!` answer wrote (addresses
    /// typed).
    #[test]
    fn record_pages_are_the_json_they_were() {
        let stored = || StoredRecord {
            id: 4711,
            kind: "~dns_request".into(),
            time_ms: 1_767_225_601_000,
            fields: match json!({"qname": "example.com", "clientAddr": "10.1.2.3", "serverPort": 53})
            {
                Value::Object(m) => m,
                _ => unreachable!(),
            },
        };
        let before_record = {
            let r = stored();
            let mut src = r.fields;
            src.insert("timestamp".into(), json!(r.time_ms));
            // Addresses typed as ExtraHop writes them.
            src.insert(
                "clientAddr".into(),
                json!({"type": "ipaddr4", "value": "10.1.2.3"}),
            );
            json!({"_id": r.id.to_string(), "_type": r.kind, "_index": "wirewatch", "_source": src})
        };
        for cursor in [None, Some("3f2a9c0d".to_string())] {
            let mut before = json!({"from": 1, "until": 2, "total": 7_u64, "records": [before_record.clone()],
                "warnings": [], "lookback_exceeded": false, "lookback_truncated": false});
            if let Some(c) = &cursor {
                before["cursor"] = json!(c);
            }
            let after = RecordPage {
                from: 1,
                until: 2,
                total: 7,
                records: vec![Record::from_stored(stored())],
                warnings: vec![],
                lookback_exceeded: false,
                lookback_truncated: false,
                cursor,
            };
            assert_eq!(serde_json::to_value(&after).unwrap(), before);
        }
    }
}
