//! Secrets at rest and write-only headers, end to end: configured through
//! the API of a real server, absent from every answer and from the database
//! files, and still delivered to real receivers; the data directory's
//! permissions; a wrong or missing key refused at start.

use crate::common::*;
use crate::receiver::{Receiver, Seen};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use wirewatch_testkit::FakeItsm;

const JIRA_USER: &str = "bot@example.com";
const JIRA_TOKEN: &str = "jira-Api-Token-5e1f90";
const HOOK_TOKEN: &str = "hook-Bearer-Token-c4d2";
const ODS_PASSWORD: &str = "ods-Basic-Pass-8a3b";
const ODS_KEY: &str = "ods-Api-Key-77e0d1";
const SECRETS: [&str; 4] = [JIRA_TOKEN, HOOK_TOKEN, ODS_PASSWORD, ODS_KEY];

/// The database, its WAL and its shared-memory file, as bytes.
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for f in ["wirewatch.db", "wirewatch.db-wal", "wirewatch.db-shm"] {
        if let Ok(b) = std::fs::read(dir.join(f)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows {s}: {text}");
    }
}

fn webhook(s: &Server, id: &str) -> Resp {
    s.post(
        &format!("/api/actions/connector/{id}/_execute"),
        json!({"params": {"body": "{\"n\": 1}"}}),
    )
}

fn hook_request(rx: &Receiver, n: usize) -> Seen {
    let seen = rx.wait_for(10, "the webhook", |seen| {
        seen.iter().filter(|r| r.path == "/hook").count() >= n
    });
    seen.into_iter()
        .filter(|r| r.path == "/hook")
        .nth(n - 1)
        .unwrap()
}

#[test]
fn secrets_are_encrypted_at_rest_hidden_from_answers_and_still_delivered() {
    let rx = Receiver::start();
    let fake = FakeItsm::start(JIRA_USER, JIRA_TOKEN);
    let s = Server::start();

    // A Jira connector: its token authenticates against the fake Jira.
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "Jira", "connector_type_id": ".jira",
               "config": {"apiUrl": fake.url(), "projectKey": "SEC"},
               "secrets": {"email": JIRA_USER, "apiToken": JIRA_TOKEN}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let jira = r.body["id"].as_str().unwrap().to_string();
    let r = s.post(
        &format!("/api/actions/connector/{jira}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {"incident": {"summary": "at rest"}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    assert_eq!(fake.jira_issues().len(), 1);

    // A webhook whose token is a header: write-only, still sent.
    let r = s.post(
        "/api/actions/connector",
        json!({"name": "hook", "connector_type_id": ".webhook",
               "config": {"url": format!("http://{}/hook", rx.addr), "hasAuth": false,
                          "headers": {"X-Team": "soc", "Authorization": format!("Bearer {HOOK_TOKEN}")}}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_secret("the created connector", &r.text);
    assert_eq!(r.body["config"]["headers"], json!({"X-Team": "soc"}));
    let hook = r.body["id"].as_str().unwrap().to_string();
    let one = s.get(&format!("/api/actions/connector/{hook}"));
    assert_no_secret("GET connector", &one.text);
    assert_eq!(one.body["config"]["headers"], json!({"X-Team": "soc"}));
    assert_no_secret("the connector list", &s.get("/api/actions/connectors").text);
    assert_eq!(webhook(&s, &hook).body["status"], "ok");
    let first = hook_request(&rx, 1);
    assert_eq!(
        first.header("authorization"),
        Some(format!("Bearer {HOOK_TOKEN}").as_str())
    );
    assert_eq!(first.header("x-team"), Some("soc"));

    // Putting back what GET showed (no secret header) keeps the secret header.
    let mut config = one.body["config"].clone();
    config["headers"]["X-Team"] = json!("blue");
    let r = s.call(
        "PUT",
        &format!("/api/actions/connector/{hook}"),
        Some(json!({"name": "hook", "config": config})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_secret("the updated connector", &r.text);
    assert_eq!(webhook(&s, &hook).body["status"], "ok");
    let second = hook_request(&rx, 2);
    assert_eq!(
        second.header("authorization"),
        Some(format!("Bearer {HOOK_TOKEN}").as_str())
    );
    assert_eq!(second.header("x-team"), Some("blue"));

    // An HTTP ODS target with a password and a key header.
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "siem", "host": "127.0.0.1", "port": rx.addr.port(), "protocol": "http",
               "additional_header": format!("X-Api-Key: {ODS_KEY}"),
               "authentication": {"auth_type": "basic", "username": "ods", "password": ODS_PASSWORD}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_no_secret("the created target", &r.text);
    let t = s.get("/api/v1/odstargets/http/siem");
    assert_no_secret("GET target", &t.text);
    assert_eq!(t.body["additional_header_set"], true);
    assert!(t.body.get("additional_header").is_none(), "{}", t.text);
    assert_no_secret("the target list", &s.get("/api/v1/odstargets").text);
    let r = s.post(
        "/api/v1/triggers",
        json!({"name": "to siem", "events": ["EXTERNAL_DATA"],
               "script": "Remote.HTTP('siem').post({path: '/ods', payload: 'x'});"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.post(
        "/api/v1/triggers/externaldata",
        json!({"type": "t", "body": {}}),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    let seen = rx.wait_for(20, "the ODS request", |seen| {
        seen.iter().any(|r| r.path == "/ods")
    });
    let ods = seen.iter().find(|r| r.path == "/ods").unwrap();
    assert_eq!(ods.header("x-api-key"), Some(ODS_KEY));
    let basic = ods.header("authorization").unwrap();
    assert!(basic.starts_with("Basic "), "{basic}");

    assert_no_secret("the audit log", &s.get("/api/v1/auditlog?limit=100").text);

    // The database as any SQLite client, and as bytes, holds none of them.
    let dir = s.data_dir();
    let raw = rusqlite::Connection::open_with_flags(
        dir.join("wirewatch.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for table in ["connectors", "ods_targets"] {
        let docs: Vec<String> = raw
            .prepare(&format!("SELECT doc FROM {table}"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!docs.is_empty(), "{table}");
        for d in &docs {
            assert_no_secret(table, d);
            assert!(d.contains("enc:v1:"), "{table}: {d}");
        }
    }
    drop(raw);
    let bytes = database_bytes(&dir);
    assert!(contains(&bytes, "X-Team"), "the scan sees plain data");
    for secret in SECRETS {
        assert!(
            !contains(&bytes, secret),
            "{secret} is in the database files"
        );
    }

    // After a restart the secrets still work; `null` removes a secret header.
    let mut s = s;
    s.restart();
    let r = s.post(
        &format!("/api/actions/connector/{jira}/_execute"),
        json!({"params": {"subAction": "pushToService", "subActionParams": {"incident": {"summary": "after restart"}}}}),
    );
    assert_eq!(r.body["status"], "ok", "{}", r.text);
    let r = s.call(
        "PUT",
        &format!("/api/actions/connector/{hook}"),
        Some(
            json!({"name": "hook", "config": {"url": format!("http://{}/hook", rx.addr),
                    "hasAuth": false, "headers": {"X-Team": "soc", "Authorization": null}}}),
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(webhook(&s, &hook).body["status"], "ok");
    let third = hook_request(&rx, 3);
    assert_eq!(third.header("authorization"), None);
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn the_data_directory_and_everything_in_it_are_private() {
    let s = Server::start_with(true);
    let dir = s.data_dir();
    for f in [
        "wirewatch.db",
        "wirewatch.db-wal",
        "wirewatch.db-shm",
        "secret.key",
        "tls-cert.pem",
        "tls-key.pem",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    assert_eq!(mode(&dir), 0o700);
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[test]
fn a_wrong_or_missing_secret_key_stops_serve_with_a_clear_message() {
    let mut s = Server::start();
    let r = s.post(
        "/api/v1/odstargets/http",
        json!({"name": "t", "host": "127.0.0.1", "port": 9, "protocol": "http",
               "authentication": {"auth_type": "basic", "username": "u", "password": ODS_PASSWORD}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    s.kill();
    let dir = s.data_dir();
    let key = std::fs::read_to_string(dir.join("secret.key")).unwrap();
    let key = key.trim();
    assert_eq!(key.len(), 64, "64 hexadecimal digits");

    let other = if key.starts_with('0') { "1" } else { "0" }.repeat(64);
    let e = refused_start(&dir, &[("WIREWATCH_SECRET_KEY", &other)]);
    assert!(
        e.contains("WIREWATCH_SECRET_KEY") && e.contains("is not the one"),
        "{e}"
    );
    let e = refused_start(&dir, &[("WIREWATCH_SECRET_KEY", "not-hex")]);
    assert!(
        e.contains("WIREWATCH_SECRET_KEY: must be 64 hexadecimal digits"),
        "{e}"
    );
    std::fs::rename(dir.join("secret.key"), dir.join("secret.key.bak")).unwrap();
    let e = refused_start(&dir, &[("WIREWATCH_SECRET_KEY", "")]);
    assert!(e.contains("there is no key"), "{e}");

    // The key from the environment works as the file did.
    std::fs::remove_file(dir.join("secret.key.bak")).unwrap();
    s.restart_args(&[&format!("ENV:WIREWATCH_SECRET_KEY={key}")]);
    let t: Value = s.get("/api/v1/odstargets/http/t").body;
    assert_eq!(t["authentication"]["password_set"], true);
    assert!(!dir.join("secret.key").exists());
}
