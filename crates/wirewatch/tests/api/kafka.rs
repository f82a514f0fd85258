//! Kafka targets against tansu, a Kafka-compatible broker
//! (`cargo install tansu --features dynostore`), in memory on a free port.
//! What arrived is read back with a Kafka client (rskafka): partitions,
//! keys, headers, compression.

use crate::common::{Client, Server};
use rskafka::client::partition::{OffsetAt, UnknownTopicHandling};
use rskafka::client::ClientBuilder;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Tansu {
    child: Child,
    port: u16,
}

fn tansu_bin() -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    if let Ok(t) = std::env::var("TANSU") {
        return t;
    }
    let installed = format!("{home}/.cargo/bin/tansu");
    if std::path::Path::new(&installed).exists() {
        installed
    } else {
        "tansu".into()
    }
}

impl Tansu {
    fn start(extra: &[&str]) -> Tansu {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu_bin())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/", "--silent"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tansu (cargo install tansu --features dynostore)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tansu did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Tansu { child, port }
    }

    fn topic(&self, name: &str, partitions: u32) {
        let st = Command::new(tansu_bin())
            .args([
                "topic",
                "create",
                name,
                "--partitions",
                &partitions.to_string(),
            ])
            .args(["--broker", &format!("tcp://127.0.0.1:{}", self.port)])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Every record of `topic`, per partition: (partition, key, value, idempotency header).
    fn read(&self, topic: &str, partitions: i32) -> Vec<(i32, String, String, String)> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let c = ClientBuilder::new(vec![format!("127.0.0.1:{}", self.port)])
                .build()
                .await
                .unwrap();
            let mut out = Vec::new();
            for p in 0..partitions {
                let pc = c
                    .partition_client(topic, p, UnknownTopicHandling::Error)
                    .await
                    .unwrap();
                let end = pc.get_offset(OffsetAt::Latest).await.unwrap();
                let mut off = pc.get_offset(OffsetAt::Earliest).await.unwrap();
                while off < end {
                    let (recs, _) = pc.fetch_records(off, 1..10_000_000, 1_000).await.unwrap();
                    if recs.is_empty() {
                        break;
                    }
                    for r in recs {
                        off = r.offset + 1;
                        let s =
                            |b: Option<Vec<u8>>| String::from_utf8(b.unwrap_or_default()).unwrap();
                        let idem = r.record.headers.get("wirewatch-idempotency-key").cloned();
                        out.push((p, s(r.record.key), s(r.record.value), s(idem)));
                    }
                }
            }
            out
        })
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kafka_target(s: &Server, name: &str, port: u16, extra: serde_json::Value) {
    let mut body =
        json!({"name": name, "brokers": [{"host": "127.0.0.1", "port": port}], "protocol": "tcp"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = s.post("/api/v1/odstargets/kafka", body);
    assert_eq!(r.status, 201, "{}", r.text);
}

fn wait_sent(s: &Server, name: &str, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let st = s
            .get(&format!("/api/v1/odstargets/kafka/{name}/stats"))
            .body;
        if st["sent"].as_u64() >= Some(n) {
            return;
        }
        assert!(Instant::now() < deadline, "{st}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kafka_records_reach_tansu_with_each_compression_and_partition_strategy() {
    let k = Tansu::start(&[]);
    let s = Server::start();
    for (name, extra) in [
        ("plain", json!({})),
        (
            "gzip",
            json!({"compression": "gzip", "partition_strategy": "round_robin"}),
        ),
        (
            "snappy",
            json!({"compression": "snappy", "partition_strategy": "random"}),
        ),
        ("hashed", json!({"partition_strategy": "hash_key"})),
        ("manual", json!({"partition_strategy": "manual"})),
    ] {
        k.topic(&format!("t-{name}"), 3);
        kafka_target(&s, name, k.port, extra);
    }
    let script = "
        const n = ExternalData.body.n;
        for (let i = 0; i < n; i++) {
          for (const t of ['plain', 'gzip', 'snappy']) Remote.Kafka(t).send({topic: 't-' + t, messages: ['m' + i]});
          Remote.Kafka('hashed').send({topic: 't-hashed', messages: ['h' + i], key: 'host-' + (i % 4)});
          Remote.Kafka('manual').send({topic: 't-manual', messages: ['x' + i], partition: 2});
        }";
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "k", "events": ["EXTERNAL_DATA"], "script": script}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    s.external_data(json!({"n": 60}));
    for name in ["plain", "gzip", "snappy", "hashed", "manual"] {
        wait_sent(&s, name, 60);
    }
    for name in ["plain", "gzip", "snappy"] {
        let got = k.read(&format!("t-{name}"), 3);
        let mut values: Vec<&str> = got.iter().map(|r| r.2.as_str()).collect();
        values.sort();
        let mut expect: Vec<String> = (0..60).map(|i| format!("m{i}")).collect();
        expect.sort();
        assert_eq!(values, expect, "{name}");
        // No key given: the key is the idempotency key, also in the header.
        assert!(
            got.iter()
                .all(|r| r.1 == r.3 && r.1.starts_with("wirewatch-")),
            "{name}"
        );
        let used: std::collections::HashSet<i32> = got.iter().map(|r| r.0).collect();
        assert!(used.len() >= 2, "{name}: partitions used {used:?}");
    }
    // hash_key: one partition per key, always the same.
    let got = k.read("t-hashed", 3);
    assert_eq!(got.len(), 60);
    for key in ["host-0", "host-1", "host-2", "host-3"] {
        let parts: std::collections::HashSet<i32> =
            got.iter().filter(|r| r.1 == key).map(|r| r.0).collect();
        assert_eq!(parts.len(), 1, "{key}: {parts:?}");
    }
    // manual: the partition the trigger named.
    let got = k.read("t-manual", 3);
    assert_eq!(got.len(), 60);
    assert!(got.iter().all(|r| r.0 == 2));
    let h = s.get("/api/v1/odstargets/kafka/plain/health").body;
    assert_eq!(h["healthy"], true, "{h}");
}

#[test]
fn a_missing_topic_or_a_down_broker_keeps_messages_until_they_can_go() {
    let mut k = Tansu::start(&[]);
    let s = Server::start();
    kafka_target(&s, "k", k.port, json!({}));
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "k", "events": ["EXTERNAL_DATA"],
        "script": "Remote.Kafka('k').send('later', 'v' + ExternalData.body.n)"}),
    );
    assert_eq!(r.status, 201);
    s.external_data(json!({"n": 1}));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let st = s.get("/api/v1/odstargets/kafka/k/stats").body;
        if st["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("does not exist"))
        {
            assert_eq!(st["queued"], 1, "{st}");
            break;
        }
        assert!(Instant::now() < deadline, "{st}");
        std::thread::sleep(Duration::from_millis(50));
    }
    k.topic("later", 1);
    wait_sent(&s, "k", 1);
    assert_eq!(k.read("later", 1)[0].2, "v1");
    // The broker goes away (its memory with it): a new one on the same port gets what waited.
    let port = k.port;
    drop(k);
    s.external_data(json!({"n": 2}));
    std::thread::sleep(Duration::from_millis(500));
    let url = format!("tcp://127.0.0.1:{port}");
    let child = Command::new(tansu_bin())
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
            "--silent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    k = Tansu { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    k.topic("later", 1);
    wait_sent(&s, "k", 2);
    assert_eq!(k.read("later", 1)[0].2, "v2");
}

/// A broker with SASL/SCRAM required. Users are created through the Kafka API
/// while the broker runs without authentication, so the store must outlive a
/// restart: tansu's SQLite engine (tansu built with the `libsql` feature).
#[test]
fn kafka_sasl_scram_against_tansu_with_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let db = "sqlite://tansu.db".to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("tcp://127.0.0.1:{port}");
    let broker = |auth: bool| {
        let mut c = Command::new(tansu_bin());
        c.args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            &db,
            "--silent",
        ]);
        if auth {
            c.arg("--authentication");
        }
        let child = c
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tansu did not start (built with --features dynostore,libsql?)"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Tansu { child, port }
    };
    let k = broker(false);
    for (user, mech) in [("alice", "scram256"), ("bob", "scram512")] {
        let st = Command::new(tansu_bin())
            .args([
                "user",
                "create",
                user,
                "s3cret",
                "--mechanism",
                mech,
                "--broker",
                &url,
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "tansu user create");
    }
    k.topic("secure", 1);
    drop(k);
    let _k = broker(true);
    let s = Server::start();
    for (name, user, pw, alg) in [
        ("a256", "alice", "s3cret", "sha256"),
        ("b512", "bob", "s3cret", "sha512"),
        ("bad", "alice", "wrong", "sha256"),
    ] {
        kafka_target(
            &s,
            name,
            port,
            json!({"authentication": {"auth_type": "scram", "username": user, "password": pw, "algorithm": alg}}),
        );
    }
    let r = s.post("/api/v1/triggers", json!({"name": "k", "events": ["EXTERNAL_DATA"],
        "script": "for (const t of ['a256', 'b512', 'bad']) Remote.Kafka(t).send('secure', 'via ' + t);"}));
    assert_eq!(r.status, 201);
    s.external_data(json!({}));
    wait_sent(&s, "a256", 1);
    wait_sent(&s, "b512", 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let st = s.get("/api/v1/odstargets/kafka/bad/stats").body;
        if st["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("invalid proof"))
        {
            assert_eq!(
                (st["queued"].as_u64(), st["sent"].as_u64()),
                (Some(1), Some(0)),
                "{st}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{st}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!s
        .get("/api/v1/odstargets/kafka/a256")
        .text
        .contains("s3cret"));
}
