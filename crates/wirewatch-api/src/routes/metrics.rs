//! `/metrics`: counts and datasets per object and time (`POST /metrics`), their
//! totals (`/metrics/total`, `/metrics/totalbyobject`), and the catalog.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::guard::{AnyAccess, Api, Guard, MetricsFull};
use crate::routes::blocking;
use crate::AppState;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wirewatch_model::detection::OneOrMany;
use wirewatch_model::now_ms;
use wirewatch_model::time::TimeSpec;
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

#[derive(Debug, Clone, Deserialize)]
struct Spec {
    name: String,
    #[serde(default)]
    key1: Option<String>,
    #[serde(default)]
    key2: Option<String>,
    #[serde(default)]
    calc_type: Option<String>,
    #[serde(default)]
    percentiles: Option<Vec<f64>>,
}

#[derive(Debug, Clone, Deserialize)]
struct MetricRequest {
    #[serde(default)]
    cycle: Option<String>,
    #[serde(default)]
    from: Option<TimeSpec>,
    #[serde(default)]
    until: Option<TimeSpec>,
    object_type: String,
    object_ids: Vec<i64>,
    metric_category: String,
    metric_specs: OneOrMany<Spec>,
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
) -> ApiResult<axum::Json<Value>> {
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
            .is_some_and(|c| c != "mean" && c != "percentiles")
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
    let mut stats: Vec<Value> = Vec::new();
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
                stats.push(json!({"oid": oid, "time": t, "duration": cycle_ms, "values": values}));
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
                stats.push(json!({"oid": oid, "time": until, "duration": span, "values": values}));
            }
        }
        Mode::Total => {
            let mut values = Vec::new();
            for (sp, pts) in specs.iter().zip(&per_spec) {
                let here: Vec<&StoredPoint> = pts.iter().map(|(_, p)| p).collect();
                values.push(value(sp, &here)?);
            }
            stats.push(json!({"oid": -1, "time": until, "duration": span, "values": values}));
        }
    }
    Ok(axum::Json(
        json!({"cycle": cycle_name, "node_id": 0, "clock": now, "from": from, "until": until, "stats": stats}),
    ))
}

async fn series(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    r: Result<Json<MetricRequest>, ApiError>,
) -> ApiResult<axum::Json<Value>> {
    let Json(r) = r?;
    run(caller.0, s, r, Mode::Series).await
}

async fn total(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    r: Result<Json<MetricRequest>, ApiError>,
) -> ApiResult<axum::Json<Value>> {
    let Json(r) = r?;
    run(caller.0, s, r, Mode::Total).await
}

async fn total_by_object(
    caller: Guard<MetricsFull>,
    State(s): State<AppState>,
    r: Result<Json<MetricRequest>, ApiError>,
) -> ApiResult<axum::Json<Value>> {
    let Json(r) = r?;
    run(caller.0, s, r, Mode::ByObject).await
}

/// A single sensor answers every query directly and never hands out an `xid`.
async fn next(_: Guard<MetricsFull>, Path(xid): Path<String>) -> ApiResult<axum::Json<Value>> {
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
