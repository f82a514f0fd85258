//! `/metrics`: counts and datasets per object and time (`POST /metrics`), their
//! totals (`/metrics/total`, `/metrics/totalbyobject`), and the catalog.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::guard::{AnyAccess, Api, Guard, MetricsFull};
use crate::routes::blocking;
use crate::AppState;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wirewatch_model::detection::OneOrMany;
use wirewatch_model::now_ms;
use wirewatch_model::time::{time_schema, time_text, TimeSpec};
use wirewatch_store::{StoredPoint, CYCLES};

/// Most distinct dataset values returned; beyond it similar values are consolidated.
pub const MAX_DATASET_VALUES: usize = 1_000;

pub fn routes() -> Api {
    Api::new()
        .post("/metrics", series)
        .post("/metrics/total", total)
        .post("/metrics/totalbyobject", total_by_object)
        .get("/metrics/next/{xid}", next)
        .get("/metrics/catalog", catalog)
}

/// The object types a metric query answers for (`object_type`).
pub const METRIC_OBJECT_TYPES: &[&str] = &["device", "device_group", "network"];

/// The `calc_type` values of a metric spec.
pub const CALC_TYPES: &[&str] = &["mean", "percentiles"];

/// One metric of a query.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "MetricSpec")]
pub struct Spec {
    /// The metric's name, e.g. `bytes_in`.
    name: String,
    /// Only the details whose key is this value, or matches `/regex/`.
    #[serde(default)]
    key1: Option<String>,
    /// Not supported: no wirewatch metric has a second detail key (400).
    #[serde(default)]
    key2: Option<String>,
    /// For datasets: the mean, or the `percentiles`; without it the
    /// dataset's values and frequencies.
    #[serde(default)]
    #[schemars(schema_with = "calc_type_schema")]
    calc_type: Option<String>,
    /// The percentiles to compute with `calc_type: percentiles` (not with
    /// `mean`).
    #[serde(default)]
    #[schemars(inner(range(min = 0, max = 100)))]
    percentiles: Option<Vec<f64>>,
}

/// A metric query: which metrics of which objects over which time window.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "MetricQuery")]
pub struct MetricRequest {
    /// The aggregation period of the points; `auto` picks the finest that
    /// gives at most 360 points. `1sec` is not kept by wirewatch (400).
    #[serde(default)]
    #[schemars(schema_with = "cycle_schema", extend("default" = "auto"))]
    cycle: Option<String>,
    /// The start of the window (default 30 minutes ago).
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    from: Option<TimeSpec>,
    /// The end of the window (default now); not before `from`.
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    until: Option<TimeSpec>,
    /// The type of the objects. `application`, `vlan` and `system` are not
    /// collected by wirewatch (400).
    #[schemars(schema_with = "object_type_schema")]
    object_type: String,
    /// The ids of the objects (devices, device groups, or network 1). A
    /// device group must exist (400).
    object_ids: Vec<i64>,
    /// The metric category, e.g. `net` (see `GET /metrics/catalog`).
    metric_category: String,
    /// The metrics: one spec or a list of at least one.
    #[schemars(schema_with = "specs_schema")]
    metric_specs: OneOrMany<Spec>,
}

/// `cycle` of a query: `auto` or a kept cycle.
fn cycle_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let cycles: Vec<&str> = std::iter::once("auto")
        .chain(CYCLES.iter().map(|(_, n)| *n))
        .collect();
    schemars::json_schema!({"type": "string", "enum": cycles})
}

/// `object_type`: one of [`METRIC_OBJECT_TYPES`].
fn object_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": METRIC_OBJECT_TYPES})
}

/// `calc_type`: one of [`CALC_TYPES`].
fn calc_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": CALC_TYPES})
}

/// `metric_specs`: one spec, or a list of at least one.
fn specs_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let spec = g.subschema_for::<Spec>();
    schemars::json_schema!({"oneOf": [spec, {"type": "array", "minItems": 1, "items": spec}]})
}

/// The answer of a metric query.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(example = MetricResults::example())]
pub struct MetricResults {
    /// The cycle used.
    #[schemars(schema_with = "kept_cycle_schema")]
    pub cycle: &'static str,
    /// Always 0 (this sensor).
    pub node_id: i64,
    /// The sensor's time when it answered (ms).
    pub clock: i64,
    /// The start of the window (ms).
    pub from: i64,
    /// The end of the window (ms).
    pub until: i64,
    /// The values, per object and time.
    pub stats: Vec<MetricStat>,
}

/// `cycle` of an answer: a kept cycle.
fn kept_cycle_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let cycles: Vec<&str> = CYCLES.iter().map(|(_, n)| *n).collect();
    schemars::json_schema!({"type": "string", "enum": cycles})
}

impl MetricResults {
    /// The example of the API's documentation.
    pub fn example() -> MetricResults {
        MetricResults {
            cycle: "30sec",
            node_id: 0,
            clock: 1_767_229_200_000,
            from: 1_767_227_400_000,
            until: 1_767_229_200_000,
            stats: vec![MetricStat {
                oid: 17,
                time: 1_767_227_400_000,
                duration: 30_000,
                values: vec![json!(1_048_576.0), json!(2_048.0)],
            }],
        }
    }
}

/// The values of one object at one time: per point (`POST /metrics`), per
/// object over the window (`/metrics/totalbyobject`), or summed over all
/// objects (`/metrics/total`, `oid` -1).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MetricStat {
    /// The object's id; -1 for a total.
    pub oid: i64,
    /// The start of the point (series), or the end of the window (totals).
    pub time: i64,
    /// The length (ms) of the point or window.
    pub duration: i64,
    /// One value per metric spec, in order: a count (number); for detail
    /// metrics a list of `{key: {key_type, str}, vtype, value}`; for
    /// datasets a list of `{value, freq}`, the mean (number) or the
    /// percentiles (list of numbers).
    #[schemars(schema_with = "stat_values_schema")]
    pub values: Vec<Value>,
}

/// `values` of a stat: numbers or lists.
fn stat_values_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {"description": "A number or a list (see above)."},
    })
}

enum Mode {
    Series,
    Total,
    ByObject,
}

/// A key filter: exact, or `/regex/`.
fn key_matches(filter: &Option<String>, key: &str) -> Result<bool, ApiError> {
    match filter.as_deref() {
        None | Some("") => Ok(true),
        Some(f) if f.len() >= 2 && f.starts_with('/') && f.ends_with('/') => {
            regex::Regex::new(&f[1..f.len() - 1])
                .map(|r| r.is_match(key))
                .map_err(|e| {
                    ApiError::invalid(
                        "metric_specs.key1",
                        format!("\"{f}\" is not a valid regular expression: {e}"),
                    )
                })
        }
        Some(f) => Ok(f == key),
    }
}

/// Consolidate a dataset to at most `MAX_DATASET_VALUES` values (merging neighbours, frequency-weighted).
fn consolidate(mut ds: Vec<(f64, u64)>) -> Vec<(f64, u64)> {
    ds.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    while ds.len() > MAX_DATASET_VALUES {
        let per = ds.len().div_ceil(MAX_DATASET_VALUES);
        ds = ds
            .chunks(per)
            .map(|c| {
                let n: u64 = c.iter().map(|(_, f)| f).sum();
                let v = c.iter().map(|(v, f)| v * *f as f64).sum::<f64>() / n.max(1) as f64;
                ((v * 1000.0).round() / 1000.0, n)
            })
            .collect();
    }
    ds
}

fn percentile(ds: &[(f64, u64)], p: f64) -> f64 {
    let n: u64 = ds.iter().map(|(_, f)| f).sum();
    if n == 0 {
        return 0.0;
    }
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (v, f) in ds {
        seen += f;
        if seen >= rank {
            return *v;
        }
    }
    ds.last().map(|x| x.0).unwrap_or(0.0)
}

/// One spec's value for a set of points.
fn value(spec: &Spec, points: &[&StoredPoint]) -> Result<Value, ApiError> {
    let detail = points.iter().any(|p| !p.key1.is_empty()) || spec.key1.is_some();
    let is_dataset = points.iter().any(|p| p.dataset.is_some());
    if is_dataset {
        let mut all: Vec<(f64, u64)> = Vec::new();
        for p in points {
            all.extend(p.dataset.clone().unwrap_or_default());
        }
        let ds = consolidate(all);
        return Ok(match spec.calc_type.as_deref() {
            Some("mean") => {
                let n: u64 = ds.iter().map(|(_, f)| f).sum();
                json!(if n == 0 {
                    0.0
                } else {
                    ds.iter().map(|(v, f)| v * *f as f64).sum::<f64>() / n as f64
                })
            }
            Some("percentiles") => json!(spec
                .percentiles
                .clone()
                .unwrap_or_default()
                .iter()
                .map(|p| percentile(&ds, *p))
                .collect::<Vec<_>>()),
            _ => json!(ds
                .iter()
                .map(|(v, f)| json!({"value": v, "freq": f}))
                .collect::<Vec<_>>()),
        });
    }
    if detail {
        let mut by_key: BTreeMap<String, f64> = BTreeMap::new();
        for p in points {
            if key_matches(&spec.key1, &p.key1)? {
                *by_key.entry(p.key1.clone()).or_insert(0.0) += p.count.unwrap_or(0.0);
            }
        }
        return Ok(json!(by_key
            .into_iter()
            .map(|(k, v)| json!({"key": {"key_type": "string", "str": k}, "vtype": "count", "value": count_json(v)}))
            .collect::<Vec<_>>()));
    }
    Ok(count_json(
        points.iter().map(|p| p.count.unwrap_or(0.0)).sum::<f64>(),
    ))
}

/// A count on the wire: an integer (`254`, not `254.0`; `0`, never `-0.0`,
/// which is what an empty float sum gives); a fraction only if one was stored.
fn count_json(v: f64) -> Value {
    if v == 0.0 {
        return json!(0);
    }
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        return json!(v as i64);
    }
    json!(v)
}

async fn run(
    _: Caller,
    s: AppState,
    req: MetricRequest,
    mode: Mode,
) -> ApiResult<axum::Json<MetricResults>> {
    let now = now_ms();
    let from = req
        .from
        .as_ref()
        .map(|t| t.resolve(now))
        .transpose()
        .map_err(|m| ApiError::invalid("from", m.to_string()))?
        .unwrap_or(now - 1_800_000);
    let until = req
        .until
        .as_ref()
        .map(|t| t.resolve(now))
        .transpose()
        .map_err(|m| ApiError::invalid("until", m.to_string()))?
        .unwrap_or(now);
    if until < from {
        return Err(ApiError::invalid("until", "must not be before from"));
    }
    // Far-apart times (e.g. `-9999999y` to `9999999y`) must not overflow.
    let span = until.saturating_sub(from);
    let (cycle_ms, cycle_name) =
        match req.cycle.as_deref().unwrap_or("auto") {
            "auto" => *CYCLES
                .iter()
                .find(|(c, _)| span / c <= 360)
                .unwrap_or(&CYCLES[CYCLES.len() - 1]),
            "1sec" => return Err(ApiError::invalid(
                "cycle",
                "wirewatch keeps metrics at 30sec and coarser; use 30sec, 5min, 1hr, 24hr or auto",
            )),
            other => *CYCLES.iter().find(|(_, n)| *n == other).ok_or_else(|| {
                ApiError::invalid(
                    "cycle",
                    format!("\"{other}\" is not a cycle; use auto, 1sec, 30sec, 5min, 1hr or 24hr"),
                )
            })?,
        };
    let specs = req.metric_specs.clone().into_vec();
    if specs.is_empty() {
        return Err(ApiError::invalid(
            "metric_specs",
            "must name at least one metric",
        ));
    }
    for (i, sp) in specs.iter().enumerate() {
        if sp
            .calc_type
            .as_deref()
            .is_some_and(|c| !CALC_TYPES.contains(&c))
        {
            return Err(ApiError::invalid(
                format!("metric_specs[{i}].calc_type"),
                "must be mean or percentiles",
            ));
        }
        if sp.calc_type.as_deref() == Some("mean") && sp.percentiles.is_some() {
            return Err(ApiError::invalid(
                format!("metric_specs[{i}].percentiles"),
                "cannot be set with calc_type mean",
            ));
        }
        if sp.key2.is_some() {
            return Err(ApiError::invalid(
                format!("metric_specs[{i}].key2"),
                "no wirewatch metric has a second detail key",
            ));
        }
    }
    // Device groups are the sum of their devices.
    let (store_type, groups): (&str, Vec<(i64, Vec<i64>)>) = match req.object_type.as_str() {
        "device" | "network" => (req.object_type.as_str(), req.object_ids.iter().map(|id| (*id, vec![*id])).collect()),
        "device_group" => {
            let mut v = Vec::new();
            for id in &req.object_ids {
                let g = s.store.devicegroup(*id as u64)?.ok_or_else(|| ApiError::invalid("object_ids", format!("no device group {id}")))?;
                v.push((*id, s.store.group_devices(&g)?.iter().map(|d| d.id as i64).collect()));
            }
            ("device", v)
        }
        "application" | "vlan" | "system" => {
            return Err(ApiError::invalid("object_type", format!("\"{}\" metrics are not collected by wirewatch; use device, device_group or network", req.object_type)))
        }
        other => return Err(ApiError::invalid("object_type", format!("\"{other}\" is not an object type"))),
    };
    let (category, store2) = (req.metric_category.clone(), s.store.clone());
    let store_type = store_type.to_string();
    let specs2 = specs.clone();
    let per_spec: Vec<Vec<(i64, StoredPoint)>> = blocking(move || {
        let mut out = Vec::new();
        for sp in &specs2 {
            let mut pts = Vec::new();
            for (oid, members) in &groups {
                for p in store2.metric_points(
                    &store_type,
                    members,
                    &category,
                    &sp.name,
                    cycle_ms,
                    from.saturating_sub(from.rem_euclid(cycle_ms)),
                    until,
                )? {
                    pts.push((*oid, p));
                }
            }
            out.push(pts);
        }
        Ok(out)
    })
    .await?;
    let mut stats: Vec<MetricStat> = Vec::new();
    match mode {
        Mode::Series => {
            let mut cells: BTreeMap<(i64, i64), ()> = BTreeMap::new();
            for pts in &per_spec {
                for (oid, p) in pts {
                    cells.insert((*oid, p.time_ms), ());
                }
            }
            for (oid, t) in cells.keys() {
                let mut values = Vec::new();
                for (sp, pts) in specs.iter().zip(&per_spec) {
                    let here: Vec<&StoredPoint> = pts
                        .iter()
                        .filter(|(o, p)| o == oid && p.time_ms == *t)
                        .map(|(_, p)| p)
                        .collect();
                    values.push(value(sp, &here)?);
                }
                stats.push(MetricStat {
                    oid: *oid,
                    time: *t,
                    duration: cycle_ms,
                    values,
                });
            }
        }
        Mode::ByObject => {
            for oid in req.object_ids.iter() {
                let mut values = Vec::new();
                for (sp, pts) in specs.iter().zip(&per_spec) {
                    let here: Vec<&StoredPoint> = pts
                        .iter()
                        .filter(|(o, _)| o == oid)
                        .map(|(_, p)| p)
                        .collect();
                    values.push(value(sp, &here)?);
                }
                stats.push(MetricStat {
                    oid: *oid,
                    time: until,
                    duration: span,
                    values,
                });
            }
        }
        Mode::Total => {
            let mut values = Vec::new();
            for (sp, pts) in specs.iter().zip(&per_spec) {
                let here: Vec<&StoredPoint> = pts.iter().map(|(_, p)| p).collect();
                values.push(value(sp, &here)?);
            }
            stats.push(MetricStat {
                oid: -1,
                time: until,
                duration: span,
                values,
            });
        }
    }
    Ok(axum::Json(MetricResults {
        cycle: cycle_name,
        node_id: 0,
        clock: now,
        from,
        until,
        stats,
    }))
}

async fn series(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    r: Result<Json<MetricRequest>, ApiError>,
) -> ApiResult<axum::Json<MetricResults>> {
    let Json(r) = r?;
    run(caller.0, s, r, Mode::Series).await
}

async fn total(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    r: Result<Json<MetricRequest>, ApiError>,
) -> ApiResult<axum::Json<MetricResults>> {
    let Json(r) = r?;
    run(caller.0, s, r, Mode::Total).await
}

async fn total_by_object(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    r: Result<Json<MetricRequest>, ApiError>,
) -> ApiResult<axum::Json<MetricResults>> {
    let Json(r) = r?;
    run(caller.0, s, r, Mode::ByObject).await
}

/// A single sensor answers every query directly and never hands out an `xid`.
async fn next(
    _: Guard<MetricsFull>,
    Path(xid): Path<String>,
) -> ApiResult<axum::Json<MetricResults>> {
    Err(ApiError::not_found(format!(
        "xid {xid}: this sensor answers metric queries directly and issues no xids (they exist only on consoles)"
    )))
}

/// wirewatch extension: the metric catalog (object type, category, metric names).
async fn catalog(_: Guard<AnyAccess>) -> ApiResult<axum::Json<Vec<CatalogEntry>>> {
    Ok(axum::Json(
        wirewatch_model::metrics::CATALOG
            .iter()
            .map(|&(object_type, metric_category, metrics)| CatalogEntry {
                object_type,
                metric_category,
                metrics,
            })
            .collect(),
    ))
}

/// The metrics of one object type and category.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "MetricCatalogEntry", example = CatalogEntry::example())]
pub struct CatalogEntry {
    /// The object type.
    pub object_type: &'static str,
    /// The category.
    pub metric_category: &'static str,
    /// The metric names.
    pub metrics: &'static [&'static str],
}

impl CatalogEntry {
    /// The example of the API's documentation (an entry of the catalog:
    /// the tests check it).
    pub fn example() -> CatalogEntry {
        CatalogEntry {
            object_type: "device",
            metric_category: "net",
            metrics: &["bytes_in", "bytes_out", "pkts_in", "pkts_out"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view structs write the JSON the `json!` answers wrote.
    #[test]
    fn results_are_the_json_they_were() {
        let values = || vec![json!(254), json!([{"value": 1.5, "freq": 2}]), json!(0.25)];
        for (oid, time, duration) in [
            (17, 1_767_227_400_000_i64, 30_000_i64),
            (-1, 1_767_229_200_000, 1_800_000),
        ] {
            let before = json!({"cycle": "30sec", "node_id": 0, "clock": 5, "from": 1, "until": 2,
                "stats": [json!({"oid": oid, "time": time, "duration": duration, "values": values()})]});
            let after = MetricResults {
                cycle: "30sec",
                node_id: 0,
                clock: 5,
                from: 1,
                until: 2,
                stats: vec![MetricStat {
                    oid,
                    time,
                    duration,
                    values: values(),
                }],
            };
            assert_eq!(serde_json::to_value(&after).unwrap(), before);
        }
    }

    /// The view struct writes the bytes the `json!` entries wrote.
    #[test]
    fn catalog_entries_are_the_json_they_were() {
        for &(o, c, names) in wirewatch_model::metrics::CATALOG {
            let before = json!({"object_type": o, "metric_category": c, "metrics": names});
            let after = CatalogEntry {
                object_type: o,
                metric_category: c,
                metrics: names,
            };
            assert_eq!(serde_json::to_string(&after).unwrap(), before.to_string());
        }
    }
}
