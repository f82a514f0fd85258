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
    /// A custom device, by the id of its device entry.
    Custom(u64),
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

/// A small, fast hasher for the per-packet counters (keys are not attacker-chosen
/// in a way that matters: addresses and MACs, bounded by the flow table).
#[derive(Default)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u16(&mut self, n: u16) {
        self.write_u64(u64::from(n));
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash-map state with [`FxHasher`].
pub type Fx = std::hash::BuildHasherDefault<FxHasher>;

/// Per-packet traffic counters of one object in one bucket.
#[derive(Debug, Default, Clone, Copy)]
struct Net {
    bytes_in: f64,
    bytes_out: f64,
    pkts_in: f64,
    pkts_out: f64,
    frags: f64,
}

/// Collects metrics.
#[derive(Default)]
pub struct Metrics {
    net: HashMap<(MetricObject, i64), Net, Fx>,
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

    /// Count a packet for an object (`out`: sent by it); the hot path, kept apart.
    pub fn packet(&mut self, ts_ns: i64, object: MetricObject, out: bool, bytes: f64) {
        let n = self.net.entry((object, bucket(ts_ns))).or_default();
        if out {
            n.bytes_out += bytes;
            n.pkts_out += 1.0;
        } else {
            n.bytes_in += bytes;
            n.pkts_in += 1.0;
        }
    }

    /// Count a fragment seen on the network.
    pub fn fragment(&mut self, ts_ns: i64) {
        self.net
            .entry((MetricObject::Network, bucket(ts_ns)))
            .or_default()
            .frags += 1.0;
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
        for ((object, time_ms), n) in self.net.drain() {
            let names: &[(&'static str, f64)] = if object == MetricObject::Network {
                &[
                    ("bytes", n.bytes_out),
                    ("pkts", n.pkts_out),
                    ("frags", n.frags),
                ]
            } else {
                &[
                    ("bytes_in", n.bytes_in),
                    ("bytes_out", n.bytes_out),
                    ("pkts_in", n.pkts_in),
                    ("pkts_out", n.pkts_out),
                ]
            };
            for (name, v) in names {
                if *v > 0.0 {
                    let key = MetricKey {
                        object: object.clone(),
                        category: "net",
                        name,
                        key1: String::new(),
                        time_ms,
                    };
                    out.push((key, MetricValue::Count(*v)));
                }
            }
        }
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
        self.counts.is_empty() && self.datasets.is_empty() && self.net.is_empty()
    }
}
