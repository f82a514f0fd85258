//! `wirewatch ingest FILE…`: analyse capture files into the data directory,
//! with a progress line (packets, bytes, rate, ETA) and a summary at the end.

use anyhow::Context;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wirewatch_detect::detectors::{Engine, Thresholds};
use wirewatch_model::device::DeviceUpdate;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::devices::DeviceKey;
use wirewatch_sensor::metrics::{MetricObject, MetricValue};
use wirewatch_sensor::sensor::mac_string;
use wirewatch_sensor::sensor::Endpoints;
use wirewatch_sensor::Sensor;
use wirewatch_store::MetricPoint;
use wirewatch_store::{NewRecord, Store};

/// Records written to the store per transaction.
const BATCH: usize = 5_000;

#[derive(Args)]
pub struct IngestArgs {
    /// Data directory of the store.
    #[arg(long, env = "WIREWATCH_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Capture files: pcap or pcapng, optionally gzip-compressed.
    #[arg(required_unless_present = "eve")]
    files: Vec<PathBuf>,
    /// A Suricata EVE JSON file: alerts become detections, flow/dns/http/tls events records.
    #[arg(long)]
    eve: Option<PathBuf>,
    /// With --eve: keep following the file as it grows (until interrupted).
    #[arg(long, requires = "eve")]
    follow: bool,
    /// No progress line (for scripts); the summary is still printed.
    #[arg(long)]
    quiet: bool,
    /// Most flows tracked at once; the least recently active are ended first past it.
    #[arg(long, default_value_t = wirewatch_sensor::flow::DEFAULT_MAX_FLOWS)]
    max_flows: usize,
    #[command(flatten)]
    retention: crate::opts::RetentionArgs,
    #[command(flatten)]
    detectors: crate::opts::DetectorArgs,
}

/// How captures are analysed.
#[derive(Clone)]
pub struct SensorOptions {
    /// No progress line.
    pub quiet: bool,
    /// Most flows tracked at once.
    pub max_flows: usize,
    pub thresholds: Thresholds,
    /// Applied during and after the run (`None`: someone else applies it, as `serve` does).
    pub retention: Option<wirewatch_store::Retention>,
}

/// Records written between two retention sweeps of a long run.
const SWEEP_EVERY: u64 = 1_000_000;

fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1} {}", UNITS[i])
}

/// Counters of what a run stored.
#[derive(Default)]
pub(crate) struct Written {
    records: u64,
    detections: u64,
    detection_errors: u64,
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

/// Move what the sensor produced into the store, through the detectors.
pub(crate) fn flush(
    store: &Store,
    sensor: &mut Sensor,
    engine: &mut Engine,
    w: &mut Written,
) -> anyhow::Result<()> {
    let flows = std::mem::take(&mut sensor.out.flows);
    let ftp = std::mem::take(&mut sensor.out.ftp);
    let tls = std::mem::take(&mut sensor.out.tls);
    let http = std::mem::take(&mut sensor.out.http);
    let dns_queries = std::mem::take(&mut sensor.out.dns_queries);
    let dns = std::mem::take(&mut sensor.out.dns);
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
    if let Some(t) = crate::TRIGGERS.get() {
        let events = wirewatch_triggers::objects::sensor_events(&recs, |e| t.wants(e));
        t.fire(events);
    }
    for chunk in recs.chunks(BATCH) {
        w.records += store
            .insert_records(chunk)
            .map_err(wirewatch_model::Error::from)? as u64;
    }
    for d in engine.take() {
        match store.create_detection(d) {
            Ok(_) => w.detections += 1,
            Err(e) => {
                w.detection_errors += 1;
                tracing::warn!(error = %wirewatch_model::Error::from(e), "a detection could not be stored");
            }
        }
    }
    Ok(())
}

/// Resolve the sensor's metrics to stored objects (devices by address, the
/// capture network) and store them with their roll-ups; returns the point count.
pub(crate) fn store_metrics(store: &Store, sensor: &mut Sensor) -> anyhow::Result<usize> {
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
    store
        .add_metrics(&points)
        .map_err(wirewatch_model::Error::from)?;
    Ok(points.len())
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

pub fn run(args: IngestArgs) -> anyhow::Result<()> {
    let opts = SensorOptions {
        quiet: args.quiet,
        max_flows: args.max_flows,
        thresholds: args.detectors.thresholds()?,
        retention: Some(args.retention.retention()),
    };
    let store = Store::open(&args.data_dir, crate::store_options()?)
        .with_context(|| format!("opening the store in {}", args.data_dir.display()))?;
    if !args.files.is_empty() {
        ingest_files(&store, &args.files, &opts)?;
    }
    if let Some(eve) = &args.eve {
        crate::eve::ingest_eve(&store, eve, args.follow)?;
        if let Some(r) = opts.retention {
            store
                .expire_records(r)
                .map_err(wirewatch_model::Error::from)?;
        }
    }
    Ok(())
}

/// Analyse capture files into the store, printing progress (unless quiet) and a summary.
pub fn ingest_files(store: &Store, files: &[PathBuf], opts: &SensorOptions) -> anyhow::Result<()> {
    let store = store.clone();
    let started = Instant::now();
    let started_ms = wirewatch_model::now_ms();
    let total_size: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let mut sensor = Sensor::new(opts.max_flows);
    let mut done_size = 0u64;
    let mut written = Written::default();
    let (mut swept_at, mut expired) = (0u64, 0u64);
    // Make room before adding: what earlier runs stored may be past its time.
    if let Some(r) = opts.retention {
        expired += store
            .expire_records(r)
            .map_err(wirewatch_model::Error::from)?;
    }
    let mut engine = Engine::new(
        opts.thresholds.clone(),
        wirewatch_sensor::devices::is_internal,
    );
    let mut capture_errors: Vec<(String, String)> = Vec::new();
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut stderr = std::io::stderr();
    for file in files {
        let mut reader = match CaptureReader::open(file) {
            Ok(r) => r,
            Err(e) => {
                capture_errors.push((file.display().to_string(), e.to_string()));
                done_size += std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
                continue;
            }
        };
        let size = reader.file_size;
        loop {
            match reader.next_packet() {
                Ok(Some(p)) => sensor.packet(&p),
                Ok(None) => break,
                Err(e) => {
                    capture_errors.push((file.display().to_string(), e.to_string()));
                    break;
                }
            }
            if sensor.out.flows.len()
                + sensor.out.ftp.len()
                + sensor.out.tls.len()
                + sensor.out.http.len()
                + sensor.out.dns.len()
                + sensor.out.dns_queries.len()
                >= BATCH
            {
                flush(&store, &mut sensor, &mut engine, &mut written)?;
                if let Some(r) = opts.retention {
                    if written.records - swept_at >= SWEEP_EVERY {
                        swept_at = written.records;
                        expired += store
                            .expire_records(r)
                            .map_err(wirewatch_model::Error::from)?;
                    }
                }
            }
            if !opts.quiet
                && sensor.stats.packets.is_multiple_of(4096)
                && last_draw.elapsed() >= Duration::from_millis(200)
            {
                last_draw = Instant::now();
                let pos = done_size + reader.position().min(size);
                let secs = started.elapsed().as_secs_f64().max(1e-6);
                let rate = pos as f64 / secs;
                let eta = if rate > 0.0 {
                    (total_size.saturating_sub(pos)) as f64 / rate
                } else {
                    0.0
                };
                let _ = write!(
                    stderr,
                    "\r{:>5.1}%  {} packets  {} read  {:.0} Mbit/s  {:.0} packets/s  ETA {:.0} s   ",
                    100.0 * pos as f64 / total_size.max(1) as f64,
                    sensor.stats.packets,
                    human_bytes(pos as f64),
                    sensor.stats.bytes as f64 * 8.0 / secs / 1e6,
                    sensor.stats.packets as f64 / secs,
                    eta
                );
                let _ = stderr.flush();
            }
        }
        done_size += size;
    }
    sensor.finish();
    flush(&store, &mut sensor, &mut engine, &mut written)?;
    let updates = device_updates(&sensor);
    let new_devices = store
        .upsert_devices(&updates)
        .map_err(wirewatch_model::Error::from)?;
    let metric_points = store_metrics(&store, &mut sensor)?;
    if let Some(r) = opts.retention {
        expired += store
            .expire_records(r)
            .map_err(wirewatch_model::Error::from)?;
        store
            .expire_metrics()
            .map_err(wirewatch_model::Error::from)?;
    }
    if !opts.quiet {
        let _ = writeln!(stderr, "\r{:<100}", "");
    }
    let secs = started.elapsed().as_secs_f64();
    let st = &sensor.stats;
    let stats = serde_json::json!({
        "files": files.len(),
        "seconds": secs,
        "sensor": st,
        "records": written.records,
        "records_expired": expired,
        "detections": written.detections,
        "devices": updates.len(),
        "new_devices": new_devices,
        "capture_errors": capture_errors,
    });
    store
        .record_ingest(
            &files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            started_ms,
            wirewatch_model::now_ms(),
            &stats,
        )
        .map_err(wirewatch_model::Error::from)?;
    println!("ingested {} file(s) in {:.2} s", files.len(), secs);
    println!(
        "  packets {}  captured bytes {} (on the wire {})  ({:.0} Mbit/s, {:.0} packets/s)",
        st.packets,
        human_bytes(st.bytes as f64),
        human_bytes(st.wire_bytes as f64),
        st.bytes as f64 * 8.0 / secs.max(1e-9) / 1e6,
        st.packets as f64 / secs.max(1e-9)
    );
    println!(
        "  IP {}  ARP {}  other {}  fragments {} (reassembled {})",
        st.ip_packets, st.arp_packets, st.other_packets, st.fragments, st.reassembled
    );
    println!(
        "  flows {} (evicted early {})  records written {}  detections {}",
        st.flows, st.flows_evicted, written.records, written.detections
    );
    if expired > 0 {
        println!("  records expired by retention {expired} (--records-max-age, --records-max)");
    }
    if written.detection_errors > 0 {
        println!(
            "  detections not stored: {} (see the log)",
            written.detection_errors
        );
    }
    println!(
        "  devices seen {} (new {})  metric points {}",
        updates.len(),
        new_devices,
        metric_points
    );
    if st.malformed.is_empty() {
        println!("  malformed packets: none");
    } else {
        let list: Vec<String> = st
            .malformed
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("  malformed packets skipped: {}", list.join(", "));
    }
    for (f, e) in &capture_errors {
        println!("  capture error in {f}: {e} (packets before it were kept)");
    }
    Ok(())
}
