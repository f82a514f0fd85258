//! Hand-written component schemas of metrics (tags, device groups and
//! networks are generated: `derived.rs`).

use super::{array, enumeration, ms, object, r, string};
use serde_json::{json, Map, Value};
use wirewatch_store::CYCLES;

/// The object types `POST /metrics` answers for.
pub(super) const METRIC_OBJECT_TYPES: &[&str] = &["device", "device_group", "network"];

/// The `calc_type` values of a metric spec.
pub(super) const CALC_TYPES: &[&str] = &["mean", "percentiles"];

/// The `cycle` values of a metric query: `auto` and the kept cycles.
fn cycles() -> Vec<Value> {
    std::iter::once("auto")
        .chain(CYCLES.iter().map(|(_, n)| *n))
        .map(|c| json!(c))
        .collect()
}

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("MetricQuery", metric_query());
    put("MetricSpec", metric_spec());
    put("MetricResults", metric_results());
    put("MetricStat", metric_stat());
}

fn metric_query() -> Value {
    object(
        "A metric query: which metrics of which objects over which time window.",
        &[
            "object_type",
            "object_ids",
            "metric_category",
            "metric_specs",
        ],
        json!({
            "cycle": {
                "type": "string", "enum": cycles(), "default": "auto",
                "description": "The aggregation period of the points; `auto` picks the finest that gives at most 360 points. \
                                `1sec` is not kept by wirewatch (400).",
            },
            "from": super::sensor_schemas::time("The start of the window (default 30 minutes ago)."),
            "until": super::sensor_schemas::time("The end of the window (default now); not before `from`."),
            "object_type": enumeration(
                METRIC_OBJECT_TYPES.iter().map(|t| json!(t)).collect(),
                false,
                "The type of the objects. `application`, `vlan` and `system` are not collected by wirewatch (400).",
            ),
            "object_ids": {
                "type": "array", "items": {"type": "integer", "format": "int64"},
                "description": "The ids of the objects (devices, device groups, or network 1). A device group must exist (400).",
            },
            "metric_category": string("The metric category, e.g. `net` (see `GET /metrics/catalog`)."),
            "metric_specs": {
                "description": "The metrics: one spec or a list of at least one.",
                "oneOf": [r("MetricSpec"), {"type": "array", "minItems": 1, "items": r("MetricSpec")}],
            },
        }),
    )
}

fn metric_spec() -> Value {
    object(
        "One metric of a query.",
        &["name"],
        json!({
            "name": string("The metric's name, e.g. `bytes_in`."),
            "key1": string("Only the details whose key is this value, or matches `/regex/`."),
            "key2": string("Not supported: no wirewatch metric has a second detail key (400)."),
            "calc_type": enumeration(
                CALC_TYPES.iter().map(|t| json!(t)).collect(),
                false,
                "For datasets: the mean, or the `percentiles`; without it the dataset's values and frequencies.",
            ),
            "percentiles": {
                "type": "array", "items": {"type": "number", "minimum": 0, "maximum": 100},
                "description": "The percentiles to compute with `calc_type: percentiles` (not with `mean`).",
            },
        }),
    )
}

fn metric_results() -> Value {
    let mut m = object(
        "The answer of a metric query.",
        &["cycle", "node_id", "clock", "from", "until", "stats"],
        json!({
            "cycle": {"type": "string", "enum": CYCLES.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
                      "description": "The cycle used."},
            "node_id": {"type": "integer", "format": "int64", "description": "Always 0 (this sensor)."},
            "clock": ms("The sensor's time when it answered."),
            "from": ms("The start of the window."),
            "until": ms("The end of the window."),
            "stats": array(r("MetricStat")),
        }),
    );
    m["example"] = json!({
        "cycle": "30sec", "node_id": 0, "clock": 1_767_229_200_000_i64,
        "from": 1_767_227_400_000_i64, "until": 1_767_229_200_000_i64,
        "stats": [
            {"oid": 17, "time": 1_767_227_400_000_i64, "duration": 30_000, "values": [1_048_576.0, 2_048.0]},
        ],
    });
    m
}

fn metric_stat() -> Value {
    object(
        "The values of one object at one time: per point (`POST /metrics`), per object over the window \
         (`/metrics/totalbyobject`), or summed over all objects (`/metrics/total`, `oid` -1).",
        &["oid", "time", "duration", "values"],
        json!({
            "oid": {"type": "integer", "format": "int64", "description": "The object's id; -1 for a total."},
            "time": ms("The start of the point (series), or the end of the window (totals)."),
            "duration": {"type": "integer", "format": "int64", "description": "The length (ms) of the point or window."},
            "values": {
                "type": "array",
                "description": "One value per metric spec, in order: a count (number); for detail metrics a list of \
                                `{key: {key_type, str}, vtype, value}`; for datasets a list of `{value, freq}`, \
                                the mean (number) or the percentiles (list of numbers).",
                "items": {"description": "A number or a list (see above)."},
            },
        }),
    )
}
