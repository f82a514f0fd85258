//! External incident push figures (issue 5). Run in release (bench/incidents.sh):
//!
//! `incidents WIREWATCH_BIN COUNT OUTAGE_SECS [jira|servicenow]`
//!
//! Starts the local stateful fake of Jira/ServiceNow (wirewatch-testkit) in
//! this process and a `wirewatch serve` with automatic external ticketing to
//! it, stops the fake (an outage), creates COUNT detections through the API,
//! keeps the fake down for OUTAGE_SECS, then brings it back and times the
//! drain: incidents/s = COUNT / drain time. Checks at the end that the fake
//! holds exactly COUNT incidents (none lost, none twice) and that every
//! detection carries its incident's key as `ticket_id`.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wirewatch_testkit::FakeItsm;

const USER: &str = "bench@example.com";
const TOKEN: &str = "bench-token";

struct Api {
    url: String,
    key: String,
    agent: ureq::Agent,
}

impl Api {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.url, path))
            .header("Authorization", format!("ExtraHop apikey={}", self.key))
            .header("Content-Type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default().into_bytes())
            .expect("request");
        let mut r = self.agent.run(req).expect("the server answers");
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "target/release/wirewatch".into());
    let count: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let outage: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let kind = args.get(4).cloned().unwrap_or_else(|| "servicenow".into());
    let fake = FakeItsm::start(USER, TOKEN);
    let dir = tempfile::tempdir()?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let mut server: Child = Command::new(&bin)
        .args([
            "serve",
            "--no-tls",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .env("WIREWATCH_SETUP_PASSWORD", "bench-password")
        .env("WIREWATCH_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let url = format!("http://127.0.0.1:{port}");
    let a = agent();
    let start = Instant::now();
    let key = loop {
        let req = ureq::http::Request::builder()
            .method("POST")
            .uri(format!("{url}/api/v1/apikeys"))
            .header("Content-Type", "application/json")
            .body(br#"{"password":"bench-password"}"#.to_vec())?;
        if let Ok(mut r) = a.run(req) {
            let v: Value = serde_json::from_str(&r.body_mut().read_to_string()?)?;
            if let Some(k) = v["key"].as_str() {
                break k.to_string();
            }
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let api = Api {
        url: url.clone(),
        key,
        agent: a,
    };
    let body = match kind.as_str() {
        "jira" => json!({"name": "jira", "connector_type_id": ".jira",
            "config": {"apiUrl": fake.url(), "projectKey": "SEC"},
            "secrets": {"email": USER, "apiToken": TOKEN}}),
        _ => json!({"name": "snow", "connector_type_id": ".servicenow",
            "config": {"apiUrl": fake.url()}, "secrets": {"username": USER, "password": TOKEN}}),
    };
    let (st, c) = api.call("POST", "/api/actions/connector", Some(body));
    anyhow::ensure!(st == 200, "connector: {c}");
    let id = c["id"].as_str().unwrap_or_default().to_string();
    let (st, r) = api.call(
        "PATCH",
        "/api/v1/extrahop/ticketing",
        Some(json!({"external_ticketing_enabled": true, "internal_ticketing_enabled": false, "connector_id": id})),
    );
    anyhow::ensure!(st == 204, "ticketing: {r}");

    fake.stop();
    println!("== {kind}: remote down; creating {count} detections through the API");
    let t = Instant::now();
    let threads = 8u64;
    std::thread::scope(|s| {
        for th in 0..threads {
            let url = url.clone();
            let key = api.key.clone();
            s.spawn(move || {
                let api = Api {
                    url,
                    key,
                    agent: agent(),
                };
                let mut i = th;
                while i < count {
                    let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                    let (st, r) = api.call(
                        "POST",
                        "/api/v1/detections",
                        Some(
                            json!({"type": "port_scan", "risk_score": 50, "participants": [
                            {"object_type": "ipaddr", "object_value": ip, "role": "offender"}]}),
                        ),
                    );
                    assert_eq!(st, 201, "{r}");
                    i += threads;
                }
            });
        }
    });
    println!(
        "   created in {:.1} s ({:.0} detections/s)",
        t.elapsed().as_secs_f64(),
        count as f64 / t.elapsed().as_secs_f64()
    );
    let stats = |api: &Api| {
        api.call("GET", &format!("/api/actions/connector/{id}/_stats"), None)
            .1
    };
    let rest = Duration::from_secs(outage).saturating_sub(t.elapsed());
    println!("== outage: remote stays down {} s more", rest.as_secs());
    let until = Instant::now() + rest;
    while Instant::now() < until {
        std::thread::sleep(Duration::from_secs(1).min(until - Instant::now()));
    }
    let s = stats(&api);
    println!(
        "   during the outage: queued {} retried {} failed {} last_error {:?}",
        s["queued"],
        s["retried"],
        s["failed"],
        s["last_error"].as_str().unwrap_or("")
    );
    anyhow::ensure!(
        s["queued"] == count,
        "everything waits while the remote is down: {s}"
    );
    fake.resume();
    let t = Instant::now();
    let mut first: Option<Duration> = None;
    loop {
        let s = stats(&api);
        if first.is_none() && s["created"].as_u64().unwrap_or(0) > 0 {
            first = Some(t.elapsed());
        }
        if s["queued"] == 0 {
            break;
        }
        anyhow::ensure!(t.elapsed() < Duration::from_secs(600), "not drained: {s}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let drain = t.elapsed();
    let s = stats(&api);
    let held = match kind.as_str() {
        "jira" => fake.jira_issues().len(),
        _ => fake.snow_incidents().len(),
    } as u64;
    let wait = first.unwrap_or_default();
    let pushing = drain.saturating_sub(wait).max(Duration::from_millis(1));
    println!(
        "== remote back: first incident after {:.2} s (the backoff's next attempt), all {count} after {:.2} s",
        wait.as_secs_f64(),
        drain.as_secs_f64()
    );
    println!(
        "   push rate: {:.0} incidents/s ({count} in {:.2} s from the first)",
        count as f64 / pushing.as_secs_f64(),
        pushing.as_secs_f64()
    );
    println!(
        "   stats: created {} failed {} failed_waiting {}; the remote holds {held} incidents",
        s["created"], s["failed"], s["failed_waiting"]
    );
    anyhow::ensure!(held == count, "the remote holds {held}, expected {count}");
    anyhow::ensure!(s["failed_waiting"] == 0, "failed pushes: {s}");
    // Every detection carries its incident's key.
    let (_, found) = api.call(
        "POST",
        "/api/v1/detections/search",
        Some(json!({"limit": count + 10, "filter": {"ticket_id": [".none"]}})),
    );
    let missing = found.as_array().map(Vec::len).unwrap_or(usize::MAX);
    println!("   detections without a ticket_id: {missing}");
    anyhow::ensure!(missing == 0, "detections without ticket: {missing}");
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}
