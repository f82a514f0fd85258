//! TLS decryption through the API and real processes: keys uploaded to a
//! `wirewatch serve`, captures of `samples/tls` ingested with `wirewatch
//! ingest` into its data directory, then `~http` records of the decrypted
//! sessions searched through the API, the keys' counters read, and the
//! session keys downloaded from `/packets/search` as `keylog_txt` and `zip`.

use crate::common::{ingest_into, Client, Server};
use serde_json::{json, Value};
use std::io::Read;
use std::path::PathBuf;

fn tls_sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/tls")
        .join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(tls_sample(name)).unwrap()
}

/// The URIs of the `~http` records, sorted.
fn http_uris(s: &Server) -> Vec<String> {
    let r = s.post(
        "/api/v1/records/search",
        json!({"from": 1, "types": ["~http"], "limit": 1000}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let mut v: Vec<String> = r.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rec| {
            rec["_source"]["uri"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    v.sort();
    v
}

/// Stop the server, ingest `pcap` into its data directory, start it again.
fn ingest(s: &mut Server, pcap: &str, args: &[&str]) -> String {
    s.kill();
    let (ok, out, err) = ingest_into(&s.data_dir(), args, &[tls_sample(pcap)]);
    assert!(ok, "{out}\n{err}");
    s.restart();
    out
}

fn add_key(s: &Server, file: &str) -> String {
    let r = s.post(
        "/api/v1/ssldecryptkeys",
        json!({"name": file, "private_key": text(file)}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let loc = r.headers["location"].to_str().unwrap().to_string();
    loc.rsplit('/').next().unwrap().to_string()
}

#[test]
fn an_uploaded_rsa_key_decrypts_https_into_http_records() {
    let mut s = Server::start();
    let id = add_key(&s, "server.key");
    assert_eq!(id.len(), 40);
    // Its certificate is checked against it; the key is never answered.
    let r = s.patch(
        &format!("/api/v1/ssldecryptkeys/{id}"),
        json!({"certificate": text("server.crt")}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let got = s.get(&format!("/api/v1/ssldecryptkeys/{id}"));
    assert_eq!(got.status, 200);
    assert!(got.body["cert_pem"]
        .as_str()
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
    assert!(!got.text.contains("PRIVATE KEY"), "{}", got.text);
    let again = s.post(
        "/api/v1/ssldecryptkeys",
        json!({"private_key": text("server.key")}),
    );
    assert_eq!(again.status, 409, "{}", again.text);
    let out = ingest(&mut s, "tls12-rsa.pcap", &[]);
    assert!(out.contains("TLS sessions decrypted 3"), "{out}");
    assert_eq!(
        http_uris(&s),
        ["/rsa-cbc-etm.html", "/rsa-cbc.html", "/rsa-gcm.html"]
    );
    let got = s.get(&format!("/api/v1/ssldecryptkeys/{id}"));
    assert_eq!(got.body["sessions_decrypted"], 3, "{}", got.text);
    assert_eq!(got.body["decrypt_failures"], 0);
    // keylog_txt: the master secrets the sensor worked out, for `full_with_keys` only.
    let keys_user = s.user_key(
        "keys",
        json!({"write": "full", "packets": "full_with_keys"}),
    );
    let packets_user = s.user_key("pkts", json!({"write": "full", "packets": "full"}));
    let q = "/api/v1/packets/search?from=1&until=0&output=keylog_txt";
    let refused = s.call_with("GET", q, None, Some(&packets_user));
    assert_eq!(refused.status, 403, "{}", refused.text);
    let log = String::from_utf8(s.download(q, &keys_user)).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines.iter().all(|l| l.starts_with("CLIENT_RANDOM ")),
        "{log}"
    );
    // tshark decrypts the capture with that key log alone.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.log");
    std::fs::write(&file, &log).unwrap();
    let tshark = std::process::Command::new("tshark")
        .arg("-r")
        .arg(tls_sample("tls12-rsa.pcap"))
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", file.display()))
        .args([
            "-d",
            "tcp.port==4431-4433,tls",
            "-Y",
            "http.request",
            "-T",
            "fields",
            "-e",
            "http.request.uri",
        ])
        .output()
        .expect("tshark runs");
    let mut seen: Vec<String> = String::from_utf8_lossy(&tshark.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        ["/rsa-cbc-etm.html", "/rsa-cbc.html", "/rsa-gcm.html"]
    );
    // zip: the packets and the key log.
    let zip = s.download(
        "/api/v1/packets/search?from=1&until=0&output=zip&port1=4431",
        &keys_user,
    );
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut inside = String::new();
    z.by_name("sslkeylog.txt")
        .unwrap()
        .read_to_string(&mut inside)
        .unwrap();
    assert_eq!(inside.lines().count(), 1, "{inside}");
    let mut pcap = Vec::new();
    z.by_name("packets.pcap")
        .unwrap()
        .read_to_end(&mut pcap)
        .unwrap();
    assert_eq!(&pcap[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    assert!(pcap.len() > 1000);
}

#[test]
fn without_the_key_no_records_and_a_wrong_key_counts_failures() {
    let mut s = Server::start();
    ingest(&mut s, "tls12-rsa.pcap", &[]);
    assert!(http_uris(&s).is_empty());
    let mut s = Server::start();
    let id = add_key(&s, "wrong.key");
    for port in [4431, 4432, 4433] {
        let r = s.post(
            &format!("/api/v1/ssldecryptkeys/{id}/protocols"),
            json!({"protocol": "http", "port": port}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let p = s.get(&format!("/api/v1/ssldecryptkeys/{id}/protocols"));
    assert_eq!(p.body.as_array().unwrap().len(), 3, "{}", p.text);
    let out = ingest(&mut s, "tls12-rsa.pcap", &[]);
    assert!(out.contains("not opened by their keys 3"), "{out}");
    assert!(http_uris(&s).is_empty());
    let got = s.get(&format!("/api/v1/ssldecryptkeys/{id}"));
    assert_eq!(got.body["decrypt_failures"], 3, "{}", got.text);
    assert_eq!(got.body["sessions_decrypted"], 0);
    // Without a key held, keylog_txt has nothing to give.
    let r = s.call(
        "GET",
        "/api/v1/packets/search?from=1&until=0&output=keylog_txt",
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text);
}

#[test]
fn key_logs_decrypt_ecdhe_and_tls13_uploaded_or_given_to_ingest() {
    let mut s = Server::start();
    let r = s.send_raw(
        "POST",
        "/api/v1/ssldecryptkeys/keylog",
        Some(text("tls12-ecdhe.keylog").as_bytes()),
        "text/plain",
        Some(&format!("ExtraHop apikey={}", s.key)),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["lines"], 2, "{}", r.text);
    ingest(&mut s, "tls12-ecdhe.pcap", &[]);
    ingest(
        &mut s,
        "tls13.pcap",
        &["--keylog", tls_sample("tls13.keylog").to_str().unwrap()],
    );
    assert_eq!(
        http_uris(&s),
        [
            "/ecdhe-chacha.html",
            "/ecdhe-gcm.html",
            "/tls13-aes128.html",
            "/tls13-aes256.html",
            "/tls13-chacha.html"
        ]
    );
    let st = s.get("/api/v1/ssldecryptkeys/keylog");
    assert_eq!(st.body["sessions_decrypted"], 5, "{}", st.text);
    assert_eq!(st.body["decrypt_failures"], 0);
    assert!(!st.text.contains(&text("tls13.keylog")[..40]));
    // A bad line is a 400 naming it.
    let r = s.send_raw(
        "POST",
        "/api/v1/ssldecryptkeys/keylog",
        Some(b"CLIENT_RANDOM abc def\n"),
        "text/plain",
        Some(&format!("ExtraHop apikey={}", s.key)),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("line 1"), "{}", r.text);
}

#[test]
fn keys_are_validated_and_encrypted_at_rest() {
    let s = Server::start();
    for (body, field) in [
        (json!({"name": "x"}), "private_key"),
        (json!({"private_key": "not a key"}), "private_key"),
        (
            json!({"private_key": text("server.key"), "certificate": "junk"}),
            "certificate",
        ),
        (
            json!({"private_key": text("wrong.key"), "certificate": text("server.crt")}),
            "certificate",
        ),
    ] {
        let r = s.post("/api/v1/ssldecryptkeys", body);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["field"], field, "{}", r.text);
    }
    let id = add_key(&s, "server.key");
    let r = s.post(
        &format!("/api/v1/ssldecryptkeys/{id}/protocols"),
        json!({"protocol": "HTTP", "port": 443}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let r = s.post(
        &format!("/api/v1/ssldecryptkeys/{id}/protocols"),
        json!({"protocol": "http", "port": 70000}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let list: Value = s.get("/api/v1/ssldecryptkeys").body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The database holds no byte of the key in the clear.
    let pem = text("server.key");
    let body_line = pem.lines().nth(1).unwrap();
    let mut db = Vec::new();
    for f in ["wirewatch.db", "wirewatch.db-wal"] {
        if let Ok(b) = std::fs::read(s.data_dir().join(f)) {
            db.extend(b);
        }
    }
    assert!(!db
        .windows(body_line.len())
        .any(|w| w == body_line.as_bytes()));
    let r = s.call("DELETE", &format!("/api/v1/ssldecryptkeys/{id}"), None);
    assert_eq!(r.status, 204);
    assert_eq!(s.get(&format!("/api/v1/ssldecryptkeys/{id}")).status, 404);
}

#[test]
fn resumed_sessions_and_0rtt_early_data_decrypt() {
    let mut s = Server::start();
    let id = add_key(&s, "server.key");
    // TLS 1.2 RSA: two full handshakes, each resumed (session id, ticket).
    let out = ingest(&mut s, "tls12-resume.pcap", &[]);
    assert!(out.contains("TLS sessions decrypted 4"), "{out}");
    let got = s.get(&format!("/api/v1/ssldecryptkeys/{id}"));
    assert_eq!(got.body["sessions_decrypted"], 4, "{}", got.text);
    // TLS 1.2 ECDHE resumed by ticket: the key log has the full handshake's line only.
    ingest(
        &mut s,
        "tls12-resume-ecdhe.pcap",
        &[
            "--keylog",
            tls_sample("tls12-resume-ecdhe.keylog").to_str().unwrap(),
        ],
    );
    // TLS 1.3 PSK resumption, and 0-RTT early data.
    for (pcap, log) in [
        ("tls13-resume.pcap", "tls13-resume.keylog"),
        ("tls13-early.pcap", "tls13-early.keylog"),
    ] {
        ingest(
            &mut s,
            pcap,
            &["--keylog", tls_sample(log).to_str().unwrap()],
        );
    }
    assert_eq!(
        http_uris(&s),
        [
            "/early-data.html",
            "/early-full.html",
            "/ecdhe-full.html",
            "/ecdhe-resumed.html",
            "/sid-full.html",
            "/sid-resumed.html",
            "/ticket-full.html",
            "/ticket-resumed.html",
            "/tls13-full.html",
            "/tls13-resumed.html",
        ]
    );
    let st = s.get("/api/v1/ssldecryptkeys/keylog");
    assert_eq!(st.body["sessions_decrypted"], 6, "{}", st.text);
    assert_eq!(st.body["decrypt_failures"], 0);
    // The resumed sessions' master secrets are in keylog_txt too.
    let keys_user = s.user_key(
        "keys",
        json!({"write": "full", "packets": "full_with_keys"}),
    );
    let log = String::from_utf8(s.download(
        "/api/v1/packets/search?from=1&until=0&output=keylog_txt&port1=4436",
        &keys_user,
    ))
    .unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
}

#[test]
fn crafted_key_exchanges_are_held_to_the_rsa_budget_and_counted() {
    let mut s = Server::start();
    let id = add_key(&s, "server.key");
    // The 3 sessions of tls12-rsa.pcap, then 100 crafted handshakes
    // (scripts/gen-tls-flood.py); 10 operations at once, 1 a second.
    let started = std::time::Instant::now();
    let out = ingest(
        &mut s,
        "tls12-rsa-flood.pcap",
        &["--tls-rsa-per-second", "1", "--tls-rsa-burst", "10"],
    );
    let refill = started.elapsed().as_secs() + 1;
    assert_eq!(
        http_uris(&s),
        ["/rsa-cbc-etm.html", "/rsa-cbc.html", "/rsa-gcm.html"]
    );
    let got = s.get(&format!("/api/v1/ssldecryptkeys/{id}"));
    assert_eq!(got.body["sessions_decrypted"], 3, "{}", got.text);
    let failed = got.body["decrypt_failures"].as_u64().unwrap();
    let st = s.get("/api/v1/ssldecryptkeys/keylog");
    let over = st.body["sessions_over_rsa_budget"].as_u64().unwrap();
    // Each crafted handshake either cost one operation (and failed) or was dropped.
    assert_eq!(failed + over, 100, "{}", st.text);
    assert!(3 + failed <= 10 + refill, "{failed} operations failed");
    assert!(over >= 100 - 7 - refill, "{over}");
    assert!(
        out.contains(&format!("over the RSA budget {over}")),
        "{out}"
    );
    // A budget of 0 is refused.
    let (ok, _, err) = ingest_into(
        &s.data_dir(),
        &["--tls-rsa-per-second", "0"],
        &[tls_sample("tls12-rsa.pcap")],
    );
    assert!(!ok);
    assert!(err.contains("tls-rsa-per-second"), "{err}");
}
