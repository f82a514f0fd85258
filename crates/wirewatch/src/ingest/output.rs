//! The sensor's output as the store takes it: records (ExtraHop field
//! names), detections, device updates and metric points.

use serde_json::json;
use wirewatch_detect::detectors::Engine;
use wirewatch_model::detection::NewDetection;
use wirewatch_model::device::DeviceUpdate;
use wirewatch_sensor::devices::DeviceKey;
use wirewatch_sensor::metrics::{MetricObject, MetricValue};
use wirewatch_sensor::sensor::{mac_string, Endpoints};
use wirewatch_sensor::Sensor;
use wirewatch_store::{FileMark, IngestBatch, MetricPoint, NewRecord, Store};

/// Outputs collected before they are stored together (one transaction).
pub(crate) const BATCH: usize = 5_000;

/// Counters of what a run stored.
#[derive(Default)]
pub(crate) struct Written {
    pub records: u64,
    pub detections: u64,
    pub detection_errors: u64,
}

fn endpoint_fields(e: &Endpoints) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("flowId".into(), json!(format!("{:016x}", e.flow_id)));
    m.insert("clientAddr".into(), json!(e.client.0.to_string()));
    m.insert("clientPort".into(), json!(e.client.1));
    m.insert("serverAddr".into(), json!(e.server.0.to_string()));
    m.insert("serverPort".into(), json!(e.server.1));
    m
}

/// The sensor's output since the last call, as records, and the detections
/// it raised on its way through the detectors.
#[derive(Default)]
pub(crate) struct Batch {
    pub records: Vec<NewRecord>,
    pub detections: Vec<NewDetection>,
}

/// Outputs the sensor holds (a batch is taken at [`BATCH`]).
pub(crate) fn pending(sensor: &Sensor) -> usize {
    let o = &sensor.out;
    o.flows.len() + o.ftp.len() + o.tls.len() + o.http.len() + o.dns.len() + o.dns_queries.len()
}

/// Take what the sensor produced and feed it through the detectors (in the
/// same order whether kept or not, so the detectors' state is the same).
/// With `keep` false (a resumed run replaying what is already stored) no
/// records are built and the detections raised are dropped.
pub(crate) fn collect(sensor: &mut Sensor, engine: &mut Engine, keep: bool) -> Batch {
    let flows = std::mem::take(&mut sensor.out.flows);
    let ftp = std::mem::take(&mut sensor.out.ftp);
    let tls = std::mem::take(&mut sensor.out.tls);
    let http = std::mem::take(&mut sensor.out.http);
    let dns_queries = std::mem::take(&mut sensor.out.dns_queries);
    let dns = std::mem::take(&mut sensor.out.dns);
    if !keep {
        for (ends, q) in &dns_queries {
            engine.dns_query(ends, q);
        }
        for (ends, ev) in &http {
            engine.http(ends, ev);
        }
        for (ends, ev) in &ftp {
            engine.ftp(ends, ev);
        }
        for f in &flows {
            engine.flow(f);
        }
        engine.take();
        return Batch::default();
    }
    let mut recs: Vec<NewRecord> = Vec::with_capacity(flows.len() + ftp.len());
    for (ends, q) in &dns_queries {
        engine.dns_query(ends, q);
        let mut f = endpoint_fields(ends);
        f.insert("qname".into(), json!(q.query));
        f.insert(
            "qtype".into(),
            json!(wirewatch_wire::dns::qtype_name(q.qtype)),
        );
        f.insert("id".into(), json!(q.id));
        recs.push(NewRecord {
            kind: "~dns_request",
            time_ms: q.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, d) in &dns {
        let mut f = endpoint_fields(ends);
        f.insert("qname".into(), json!(d.query));
        f.insert(
            "qtype".into(),
            json!(wirewatch_wire::dns::qtype_name(d.qtype)),
        );
        f.insert("id".into(), json!(d.id));
        match d.rcode {
            Some(r) => {
                f.insert("rcode".into(), json!(wirewatch_wire::dns::rcode_name(r)));
                f.insert("answers".into(), json!(d.answers));
                f.insert("ttls".into(), json!(d.ttls));
                f.insert("authoritative".into(), json!(d.authoritative));
                if let Some(rtt) = d.rtt_ms {
                    f.insert("rtt".into(), json!(rtt));
                }
            }
            None => {
                f.insert("timeout".into(), json!(true));
            }
        }
        recs.push(NewRecord {
            kind: "~dns_response",
            time_ms: d.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, ev) in &http {
        engine.http(ends, ev);
        let mut f = endpoint_fields(ends);
        f.insert("method".into(), json!(ev.method));
        f.insert("uri".into(), json!(ev.uri));
        f.insert("version".into(), json!(ev.version));
        f.insert("reqBytes".into(), json!(ev.req_body_len));
        f.insert("rspBytes".into(), json!(ev.rsp_body_len));
        for (k, v) in [
            ("host", &ev.host),
            ("userAgent", &ev.user_agent),
            ("referer", &ev.referrer),
            ("contentType", &ev.content_type),
        ] {
            if let Some(v) = v {
                f.insert(k.into(), json!(v));
            }
        }
        if let Some(c) = ev.status {
            f.insert("statusCode".into(), json!(c));
        }
        if let Some(t) = ev.processing_ms {
            f.insert("processingTime".into(), json!(t));
        }
        if let Some(a) = &ev.auth_scheme {
            f.insert("authScheme".into(), json!(a));
        }
        if let Some(u) = &ev.basic_user {
            f.insert("user".into(), json!(u));
        }
        recs.push(NewRecord {
            kind: "~http",
            time_ms: ev.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, ev) in &ftp {
        engine.ftp(ends, ev);
        let mut f = endpoint_fields(ends);
        f.insert("method".into(), json!(ev.command));
        f.insert("args".into(), json!(ev.arg));
        f.insert("statusCode".into(), json!(ev.reply_code));
        f.insert("statusText".into(), json!(ev.reply_msg));
        if let Some(u) = &ev.user {
            f.insert("user".into(), json!(u));
        }
        recs.push(NewRecord {
            kind: "~ftp",
            time_ms: ends.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for (ends, ev) in &tls {
        let mut f = endpoint_fields(ends);
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                f.insert(k.into(), json!(v));
            }
        };
        put("host", &ev.server_name);
        put("version", &ev.version);
        put("cipherSuite", &ev.cipher);
        put("alpn", &ev.alpn);
        put("ja3Hash", &ev.ja3);
        put("ja3sHash", &ev.ja3s);
        put("ja4", &ev.ja4);
        put("certificateSubject", &ev.subject);
        put("certificateIssuer", &ev.issuer);
        f.insert("established".into(), json!(ev.established));
        recs.push(NewRecord {
            kind: "~ssl_open",
            time_ms: ends.ts_ns / 1_000_000,
            fields: f,
        });
    }
    for f in &flows {
        engine.flow(f);
        recs.push(NewRecord {
            kind: "~flow",
            time_ms: f.first_ns / 1_000_000,
            fields: f.fields(),
        });
    }
    Batch {
        records: recs,
        detections: engine.take(),
    }
}

/// Store a batch (with metric points and the file's mark, in one
/// transaction), then hand its records to the triggers.
pub(crate) fn commit(
    store: &Store,
    batch: Batch,
    metrics: &[MetricPoint],
    mark: Option<&mut FileMark>,
    w: &mut Written,
) -> anyhow::Result<()> {
    let done = store
        .commit_ingest(
            IngestBatch {
                records: &batch.records,
                detections: batch.detections,
                metrics,
            },
            mark,
        )
        .map_err(wirewatch_model::Error::from)?;
    w.records += done.records;
    w.detections += done.detections;
    for e in &done.refused {
        w.detection_errors += 1;
        tracing::warn!(error = %e, "a detection could not be stored");
    }
    if let Some(t) = crate::TRIGGERS.get() {
        let events = wirewatch_triggers::objects::sensor_events(&batch.records, |e| t.wants(e));
        t.fire(events);
    }
    Ok(())
}

/// Move what the sensor produced into the store, through the detectors.
#[cfg(feature = "live")]
pub(crate) fn flush(
    store: &Store,
    sensor: &mut Sensor,
    engine: &mut Engine,
    w: &mut Written,
) -> anyhow::Result<()> {
    let batch = collect(sensor, engine, true);
    commit(store, batch, &[], None, w)
}

/// Resolve the sensor's metrics to stored objects (devices by address, the
/// capture network) and store them with their roll-ups; returns the point count.
#[cfg(feature = "live")]
pub(crate) fn store_metrics(store: &Store, sensor: &mut Sensor) -> anyhow::Result<usize> {
    let points = metric_points(store, sensor)?;
    store
        .add_metrics(&points)
        .map_err(wirewatch_model::Error::from)?;
    Ok(points.len())
}

/// The sensor's metrics (drained), resolved to stored objects: devices by
/// address or MAC (points of devices not stored are left out), the network.
pub(crate) fn metric_points(
    store: &Store,
    sensor: &mut Sensor,
) -> anyhow::Result<Vec<MetricPoint>> {
    let mut ids: std::collections::HashMap<std::net::IpAddr, Option<i64>> =
        std::collections::HashMap::new();
    let mut macs: std::collections::HashMap<String, Option<i64>> = std::collections::HashMap::new();
    let mut points = Vec::new();
    for (k, v) in sensor.metrics.drain() {
        let (object_type, object_id) = match k.object {
            MetricObject::Network => ("network", 1),
            MetricObject::DeviceMac(mac) => {
                let key = format!("{}0000", mac_string(&mac).replace(':', ""));
                let id = match macs.get(&key) {
                    Some(id) => *id,
                    None => {
                        let found = store
                            .device_by_discovery_id(&key)
                            .map_err(wirewatch_model::Error::from)?
                            .map(|d| d.id as i64);
                        macs.insert(key, found);
                        found
                    }
                };
                match id {
                    Some(id) => ("device", id),
                    None => continue,
                }
            }
            MetricObject::DeviceIp(ip) => {
                // Addresses count for L3 devices; L2 devices count by MAC.
                let id = match ids.get(&ip) {
                    Some(id) => *id,
                    None => {
                        let found = store
                            .devices_by_ip(&ip.to_string())
                            .map_err(wirewatch_model::Error::from)?
                            .iter()
                            .find(|d| d.is_l3)
                            .map(|d| d.id as i64);
                        ids.insert(ip, found);
                        found
                    }
                };
                match id {
                    Some(id) => ("device", id),
                    None => continue,
                }
            }
        };
        let (count, dataset) = match v {
            MetricValue::Count(c) => (Some(c), None),
            MetricValue::Dataset(d) => (None, Some(d)),
        };
        points.push(MetricPoint {
            object_type,
            object_id,
            category: k.category,
            name: k.name,
            key1: k.key1,
            time_ms: k.time_ms,
            count,
            dataset,
        });
    }
    Ok(points)
}

/// Role shown for a device: the most telling of what it was seen doing.
fn main_role(roles: &std::collections::BTreeSet<&'static str>) -> Option<String> {
    const PRIORITY: [&str; 8] = [
        "gateway",
        "domain_controller",
        "dns_server",
        "dhcp_server",
        "db_server",
        "file_server",
        "http_server",
        "other",
    ];
    PRIORITY
        .iter()
        .find(|r| roles.contains(*r))
        .map(|r| r.to_string())
}

fn discovery_id(key: &DeviceKey) -> String {
    match key {
        DeviceKey::Mac(m) => format!("{}0000", mac_string(m).replace(':', "")),
        DeviceKey::Ip(ip) => format!("ip-{ip}"),
    }
}

/// The sensor's device evidence as store updates (gateways before the devices behind them).
pub(crate) fn device_updates(sensor: &Sensor) -> Vec<DeviceUpdate> {
    sensor
        .devices
        .devices()
        .into_iter()
        .map(|d| DeviceUpdate {
            discovery_id: discovery_id(&d.key),
            parent_discovery_id: d.parent.map(|m| discovery_id(&DeviceKey::Mac(m))),
            macaddr: d.macaddr.as_ref().map(mac_string),
            ipaddrs: d.ipaddrs.iter().map(|i| i.to_string()).collect(),
            is_l3: d.is_l3,
            first_ms: d.first_ns / 1_000_000,
            last_ms: d.last_ns / 1_000_000,
            vlan: d.vlan,
            device_class: if d.roles.contains("gateway") {
                "gateway".into()
            } else {
                "node".into()
            },
            role: main_role(&d.roles),
            vendor: d.vendor.map(str::to_string),
            dns_name: d.dns_name,
            dhcp_name: d.dhcp_name,
            netbios_name: d.netbios_name,
            cdp_name: d.cdp_name,
        })
        .collect()
}
