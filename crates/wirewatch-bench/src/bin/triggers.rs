//! Trigger and ODS delivery figures (issue 4). Run in release:
//!
//! `cargo run --release -p wirewatch-bench --bin triggers -- engine 100000`
//!   the guide's trigger on DETECTION_UPDATE, run by the engine alone on one thread;
//! `… -- runner 20000`: detections stored with a trigger enabled → the runner
//!   runs it and commits the outbox rows (events durable before and after);
//! `… -- http 50000 [pipeline]`: drain N queued messages to a local HTTP server;
//! `… -- syslog 200000 HOST:PORT`: drain N queued messages to a syslog
//!   receiver over TCP (rsyslog, see bench/triggers.sh);
//! `… -- latency 5000 RATE`: detections created at RATE/s; time from creation
//!   to the ticket server's receipt (p50, p99, max).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wirewatch_model::detection::NewDetection;
use wirewatch_model::ods::{Message, Target, TargetKind};
use wirewatch_store::{Outgoing, Store, StoreOptions};
use wirewatch_triggers::{Engine, Limits, Runner};

fn seed_trigger() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/seeds/000_5b18e04743d5f92c.txt"
    ))
    .expect("../shared/seeds beside the repository");
    let start = text
        .find("The complete trigger code should look similar to the following example:\n")
        .unwrap();
    let body = &text[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let last = "Remote.HTTP('ticket-server').post(req);";
    body[..body.find(last).unwrap() + last.len()].to_string()
}

fn detection(i: u64) -> NewDetection {
    serde_json::from_value(serde_json::json!({
        "type": "port_scan",
        "participants": [
            {"object_type": "ipaddr", "object_value": format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255), "role": "offender"},
            {"object_type": "ipaddr", "object_value": "10.0.0.2", "role": "victim"}
        ]
    }))
    .unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path(), StoreOptions::default()).unwrap();
    // Triggers run with their owner's privileges: the administrator owns them.
    s.ensure_setup_user(Some("bench-password")).unwrap();
    (dir, s)
}

fn http_target(port: u16, pipeline: bool) -> Target {
    Target::from_body(
        TargetKind::Http,
        serde_json::json!({"name": "ticket-server", "host": "127.0.0.1", "port": port,
                           "protocol": "http", "pipeline": pipeline}),
    )
    .unwrap()
}

/// A minimal HTTP/1.1 receiver (hyper) that counts requests and records when
/// each detection's ticket arrived.
fn receiver(
    rt: &tokio::runtime::Runtime,
    arrivals: Arc<Mutex<Vec<(u64, Instant)>>>,
    count: Arc<AtomicU64>,
) -> u16 {
    use http_body_util::{BodyExt, Full};
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (arrivals, count) = (arrivals.clone(), count.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (arrivals, count) = (arrivals.clone(), count.clone());
                        async move {
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            count.fetch_add(1, Ordering::Relaxed);
                            let text = String::from_utf8_lossy(&body);
                            if let Some(rest) = text.split("ExtraHop Detection: ").nth(1) {
                                if let Some(id) =
                                    rest.split(':').next().and_then(|s| s.parse().ok())
                                {
                                    arrivals.lock().unwrap().push((id, Instant::now()));
                                }
                            }
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .status(201)
                                    .body(Full::new(bytes::Bytes::from_static(b"{}")))
                                    .unwrap(),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    port
}

fn engine_bench(n: u64) {
    let mut e = Engine::new(
        Limits::default(),
        Box::new(|_| Ok(())),
        Box::new(|_, _| true),
    )
    .unwrap();
    e.prepare(1, &seed_trigger()).unwrap();
    let det = r#"{"id": 1, "title": "Port Scan", "description": "A device scanned many ports.", "riskScore": 30,
      "type": "port_scan", "categories": ["sec", "sec.attack"], "isNew": true,
      "participants": [{"role": "offender", "ipaddr": "10.0.0.1"}]}"#;
    let t = Instant::now();
    let mut sent = 0;
    for _ in 0..n {
        let (_, out) = e.run(1, &[("Detection", det)], false);
        sent += out.messages.len();
    }
    let el = t.elapsed();
    println!(
        "engine: {n} runs of the guide's trigger in {:.2?}: {:.0} runs/s on one thread ({sent} messages)",
        el,
        n as f64 / el.as_secs_f64()
    );
}

fn runner_bench(n: u64) {
    let (_dir, s) = store();
    s.create_ods_target(http_target(9, false)).unwrap();
    s.create_trigger(
        serde_json::from_value(serde_json::json!({"name": "t", "events": ["DETECTION_UPDATE"], "script": seed_trigger()})).unwrap(),
        wirewatch_store::SETUP_USERNAME,
    )
    .unwrap();
    // Detections first (their events are queued durably), then time the runner draining them.
    let batch: Vec<NewDetection> = (0..n).map(detection).collect();
    for chunk in batch.chunks(5000) {
        s.create_detections(chunk.to_vec()).unwrap();
    }
    assert_eq!(s.trigger_backlog().unwrap(), n);
    let t = Instant::now();
    let h = Runner::spawn(s.clone(), Limits::default(), Box::new(|_| {})).unwrap();
    while s.trigger_backlog().unwrap() > 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let el = t.elapsed();
    h.stop();
    let q = s
        .ods_stats(TargetKind::Http, "ticket-server")
        .unwrap()
        .queued;
    println!(
        "runner: {n} DETECTION_UPDATE events → trigger runs → {q} outbox rows committed in {:.2?}: {:.0} runs/s",
        el,
        n as f64 / el.as_secs_f64()
    );
}

fn fill(s: &Store, kind_name: &str, n: u64, make: impl Fn(u64) -> Message) {
    let mut i = 0;
    while i < n {
        let end = (i + 10_000).min(n);
        let msgs: Vec<Outgoing> = (i..end)
            .map(|j| Outgoing {
                target: kind_name.into(),
                message: make(j),
            })
            .collect();
        s.enqueue_ods(msgs).unwrap();
        i = end;
    }
}

fn drain(s: &Store, kind: TargetKind, name: &str, n: u64, what: &str) {
    let t = Instant::now();
    loop {
        let st = s.ods_stats(kind, name).unwrap();
        if st.sent >= n {
            break;
        }
        if t.elapsed() > Duration::from_secs(600) {
            println!("{what}: gave up: {st:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let el = t.elapsed();
    println!(
        "{what}: {n} messages delivered in {:.2?}: {:.0} messages/s",
        el,
        n as f64 / el.as_secs_f64()
    );
}

fn http_bench(n: u64, pipeline: bool) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let count = Arc::new(AtomicU64::new(0));
    let port = receiver(&rt, Arc::default(), count.clone());
    let (_dir, s) = store();
    s.create_ods_target(http_target(port, pipeline)).unwrap();
    fill(&s, "ticket-server", n, |i| {
        Message::Http {
        method: "POST".into(),
        path: "/rest/api/issue".into(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        payload: format!("{{\"fields\": {{\"summary\": \"ExtraHop Detection: {i}: Port Scan\", \"priority\": {{\"id\": 30}}}}}}"),
    }
    });
    let _g = rt.enter();
    let _ods = wirewatch_ods::Ods::start(s.clone(), wirewatch_ods::WorkerOptions::default());
    drain(
        &s,
        TargetKind::Http,
        "ticket-server",
        n,
        &format!("http (pipeline: {pipeline})"),
    );
    assert!(count.load(Ordering::Relaxed) >= n);
}

fn syslog_bench(n: u64, addr: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (host, port) = addr.rsplit_once(':').expect("HOST:PORT");
    let (_dir, s) = store();
    s.create_ods_target(
        Target::from_body(
            TargetKind::Syslog,
            serde_json::json!({"name": "siem", "host": host, "port": port.parse::<u16>().unwrap(), "protocol": "tcp"}),
        )
        .unwrap(),
    )
    .unwrap();
    fill(&s, "siem", n, |i| Message::Syslog {
        severity: 4,
        time: wirewatch_model::now_ms(),
        message: format!("detection {i}: port scan from 10.0.0.1 risk 30"),
    });
    let _g = rt.enter();
    let _ods = wirewatch_ods::Ods::start(s.clone(), wirewatch_ods::WorkerOptions::default());
    drain(&s, TargetKind::Syslog, "siem", n, "syslog (tcp)");
}

fn kafka_bench(n: u64, addr: &str, topic: &str, compression: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (host, port) = addr.rsplit_once(':').expect("HOST:PORT");
    let (_dir, s) = store();
    s.create_ods_target(
        Target::from_body(
            TargetKind::Kafka,
            serde_json::json!({"name": "bus", "brokers": [{"host": host, "port": port.parse::<u16>().unwrap()}],
                               "protocol": "tcp", "compression": compression}),
        )
        .unwrap(),
    )
    .unwrap();
    fill(&s, "bus", n, |i| {
        Message::Kafka {
        topic: topic.into(),
        key: None,
        partition: None,
        values: vec![format!(
            "{{\"detection\": {i}, \"type\": \"port_scan\", \"offender\": \"10.0.0.1\", \"risk\": 30}}"
        )],
    }
    });
    let _g = rt.enter();
    let _ods = wirewatch_ods::Ods::start(s.clone(), wirewatch_ods::WorkerOptions::default());
    drain(
        &s,
        TargetKind::Kafka,
        "bus",
        n,
        &format!("kafka ({compression})"),
    );
}

fn latency_bench(n: u64, rate: u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let arrivals: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::default();
    let port = receiver(&rt, arrivals.clone(), Arc::default());
    let (_dir, s) = store();
    s.create_ods_target(http_target(port, false)).unwrap();
    s.create_trigger(
        serde_json::from_value(serde_json::json!({"name": "t", "events": ["DETECTION_UPDATE"], "script": seed_trigger()})).unwrap(),
        wirewatch_store::SETUP_USERNAME,
    )
    .unwrap();
    let ods = {
        let _g = rt.enter();
        wirewatch_ods::Ods::start(s.clone(), wirewatch_ods::WorkerOptions::default())
    };
    let w = ods.clone();
    let h = Runner::spawn(s.clone(), Limits::default(), Box::new(move |q| w.wake(q))).unwrap();
    let mut created: Vec<(u64, Instant)> = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        let t = Instant::now();
        let d = s.create_detection(detection(i)).unwrap();
        created.push((d.id, t));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().unwrap().len() < n as usize && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    h.stop();
    let got: std::collections::HashMap<u64, Instant> =
        arrivals.lock().unwrap().iter().copied().collect();
    let mut lat: Vec<f64> = created
        .iter()
        .filter_map(|(id, t)| {
            got.get(id)
                .map(|a| a.duration_since(*t).as_secs_f64() * 1000.0)
        })
        .collect();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    println!(
        "latency: {} of {n} detections at {rate}/s reached the ticket server: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        p(0.5),
        p(0.99),
        lat[lat.len() - 1]
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match args.first().map(String::as_str) {
        Some("engine") => engine_bench(n(1, 100_000)),
        Some("runner") => runner_bench(n(1, 20_000)),
        Some("http") => http_bench(n(1, 50_000), args.get(2).is_some_and(|a| a == "pipeline")),
        Some("syslog") => syslog_bench(
            n(1, 200_000),
            args.get(2).map(String::as_str).unwrap_or("127.0.0.1:10514"),
        ),
        Some("kafka") => kafka_bench(
            n(1, 200_000),
            args.get(2).map(String::as_str).unwrap_or("127.0.0.1:9092"),
            args.get(3).map(String::as_str).unwrap_or("detections"),
            args.get(4).map(String::as_str).unwrap_or("none"),
        ),
        Some("latency") => latency_bench(n(1, 5_000), n(2, 500)),
        _ => eprintln!("usage: triggers engine|runner|http|syslog|latency [N] …"),
    }
}
