//! Metrics accumulated while packets flow: counts and datasets per object,
//! category, metric and detail keys, in 30-second buckets.

use std::collections::HashMap;
use std::net::IpAddr;

/// The finest metric cycle, in nanoseconds.
pub const CYCLE_NS: i64 = 30 * 1_000_000_000;
/// Most distinct detail keys per metric and bucket (the rest count under "other").
pub const MAX_KEYS: usize = 1_000;

/// The object a metric describes, before device ids are known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricObject {
    /// A device, by one of its addresses (counts for L3 devices).
    DeviceIp(IpAddr),
    /// A device, by its MAC address (counts for L2 devices).
    DeviceMac([u8; 6]),
    /// The capture network.
    Network,
}

/// A metric's identity within a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricKey {
    pub object: MetricObject,
    pub category: &'static str,
    pub name: &'static str,
    pub key1: String,
    pub time_ms: i64,
}

/// A metric's value: a count or a dataset (value → frequency).
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    Count(f64),
    Dataset(Vec<(f64, u64)>),
}

/// Metric names per category and object type (the catalog).
pub const CATALOG: &[(&str, &str, &[&str])] = &[
    (
        "device",
        "net",
        &["bytes_in", "bytes_out", "pkts_in", "pkts_out"],
    ),
    (
        "device",
        "tcp",
        &[
            "connections_in",
            "connections_out",
            "resets_in",
            "resets_out",
            "retransmissions_out",
        ],
    ),
    (
        "device",
        "ssl_client",
        &["handshakes", "handshakes_by_version"],
    ),
    (
        "device",
        "ssl_server",
        &["handshakes", "handshakes_by_version"],
    ),
    ("device", "ftp_server", &["logins", "login_failures"]),
    ("device", "flow", &["duration"]),
    ("network", "net", &["bytes", "pkts", "frags"]),
    ("network", "tcp", &["connections", "resets"]),
];

/// Collects metrics.
#[derive(Default)]
pub struct Metrics {
    counts: HashMap<MetricKey, f64>,
    datasets: HashMap<MetricKey, Vec<f64>>,
    keys_per_metric: HashMap<(MetricObject, &'static str, &'static str, i64), usize>,
}

fn bucket(ts_ns: i64) -> i64 {
    ts_ns.div_euclid(CYCLE_NS) * CYCLE_NS / 1_000_000
}

impl Metrics {
    fn key(
        &mut self,
        ts_ns: i64,
        object: MetricObject,
        category: &'static str,
        name: &'static str,
        key1: &str,
    ) -> MetricKey {
        let time_ms = bucket(ts_ns);
        let mut key1 = key1.to_string();
        if !key1.is_empty() {
            let n = self
                .keys_per_metric
                .entry((object.clone(), category, name, time_ms))
                .or_insert(0);
            *n += 1;
            if *n > MAX_KEYS {
                key1 = "other".into();
            }
        }
        MetricKey {
            object,
            category,
            name,
            key1,
            time_ms,
        }
    }

    /// Add to a count metric.
    pub fn count(
        &mut self,
        ts_ns: i64,
        object: MetricObject,
        category: &'static str,
        name: &'static str,
        key1: &str,
        n: f64,
    ) {
        let k = self.key(ts_ns, object, category, name, key1);
        *self.counts.entry(k).or_insert(0.0) += n;
    }

    /// Add a sample to a dataset metric.
    pub fn sample(
        &mut self,
        ts_ns: i64,
        object: MetricObject,
        category: &'static str,
        name: &'static str,
        v: f64,
    ) {
        let k = self.key(ts_ns, object, category, name, "");
        self.datasets.entry(k).or_default().push(v);
    }

    /// Take everything collected so far.
    pub fn drain(&mut self) -> Vec<(MetricKey, MetricValue)> {
        let mut out: Vec<(MetricKey, MetricValue)> = self
            .counts
            .drain()
            .map(|(k, v)| (k, MetricValue::Count(v)))
            .collect();
        for (k, mut v) in self.datasets.drain() {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            let mut freq: Vec<(f64, u64)> = Vec::new();
            for x in v {
                match freq.last_mut() {
                    Some((last, n)) if *last == x => *n += 1,
                    _ => freq.push((x, 1)),
                }
            }
            out.push((k, MetricValue::Dataset(freq)));
        }
        self.keys_per_metric.clear();
        out
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.datasets.is_empty()
    }
}
