//! Secrets at rest and the data directory's permissions, on real files.

use super::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use wirewatch_model::connector::{parse_spec, Connector, ConnectorType};
use wirewatch_model::ods::{Target, TargetKind};

const ODS_PASSWORD: &str = "ods-Pa55word-7f3a";
const ODS_HEADER_TOKEN: &str = "hdr-Token-91c2e8";
const KAFKA_PASSWORD: &str = "kafka-Pw-5d1b44";
const CONNECTOR_TOKEN: &str = "jira-Api-Token-0b7d";
const WEBHOOK_KEY: &str = "webhook-Key-e4a9f0";

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn key(byte: &str) -> SecretKey {
    SecretKey::from_hex(&byte.repeat(32)).unwrap()
}

fn with_key(k: Option<SecretKey>) -> StoreOptions {
    StoreOptions {
        secret_key: k,
        ..StoreOptions::default()
    }
}

fn http_target() -> Target {
    Target::from_body(
        TargetKind::Http,
        json!({"name": "tickets", "host": "127.0.0.1", "port": 8080, "protocol": "http",
               "additional_header": format!("Authorization: Bearer {ODS_HEADER_TOKEN}"),
               "authentication": {"auth_type": "basic", "username": "ods", "password": ODS_PASSWORD}}),
    )
    .unwrap()
}

fn kafka_target() -> Target {
    Target::from_body(
        TargetKind::Kafka,
        json!({"name": "bus", "brokers": [{"host": "127.0.0.1", "port": 9092}], "protocol": "tcp",
               "authentication": {"auth_type": "scram", "username": "k", "password": KAFKA_PASSWORD, "algorithm": "sha256"}}),
    )
    .unwrap()
}

fn jira() -> Connector {
    Connector {
        id: "jira-1".into(),
        name: "Jira".into(),
        spec: parse_spec(
            ConnectorType::Jira,
            json!({"apiUrl": "https://jira.example.com", "projectKey": "SEC"}),
            json!({"email": "bot@example.com", "apiToken": CONNECTOR_TOKEN}),
        )
        .unwrap(),
    }
}

fn webhook() -> Connector {
    Connector {
        id: "hook-1".into(),
        name: "hook".into(),
        spec: parse_spec(
            ConnectorType::Webhook,
            json!({"url": "https://hooks.example.com/x", "hasAuth": false,
                   "headers": {"X-Team": "soc", "X-Api-Key": WEBHOOK_KEY}}),
            json!({}),
        )
        .unwrap(),
    }
}

/// The bytes of the database and its WAL and shared-memory files.
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

const ALL_SECRETS: [&str; 5] = [
    ODS_PASSWORD,
    ODS_HEADER_TOKEN,
    KAFKA_PASSWORD,
    CONNECTOR_TOKEN,
    WEBHOOK_KEY,
];

#[test]
fn the_data_directory_is_0700_and_every_file_0600_wal_and_shm_included() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let store = Store::open(&dir, StoreOptions::default()).unwrap();
    store.create_ods_target(http_target()).unwrap();
    assert!(dir.join("wirewatch.db-wal").exists());
    assert!(dir.join("wirewatch.db-shm").exists());
    assert!(dir.join(SECRET_KEY_FILE).exists());
    assert_eq!(mode(&dir), 0o700);
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[test]
fn wider_modes_of_an_older_data_directory_are_narrowed_at_open() {
    let (dir, store) = tests::temp_store();
    store.create_ods_target(http_target()).unwrap();
    drop(store);
    // As an earlier version left it: 0755 and 0644 (a TLS key too).
    std::fs::write(
        dir.path().join("tls-key.pem"),
        "-----BEGIN PRIVATE KEY-----",
    )
    .unwrap();
    set_mode(dir.path(), 0o755);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        set_mode(&e.unwrap().path(), 0o644);
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(mode(dir.path()), 0o700);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    assert!(store.ods_target(TargetKind::Http, "tickets").is_some());
}

#[test]
fn secrets_are_encrypted_in_the_files_and_read_back_whole() {
    let (dir, store) = tests::temp_store();
    store.create_ods_target(http_target()).unwrap();
    store.create_ods_target(kafka_target()).unwrap();
    store.create_connector(&jira()).unwrap();
    store.create_connector(&webhook()).unwrap();
    // An update seals again.
    let mut renamed = webhook();
    renamed.name = "hook (renamed)".into();
    store.update_connector(&renamed).unwrap();

    let bytes = database_bytes(dir.path());
    assert!(
        contains(&bytes, "hooks.example.com"),
        "the scan sees plain data"
    );
    for s in ALL_SECRETS {
        assert!(!contains(&bytes, s), "{s} is in the database files");
    }
    // The rows as any SQLite client sees them.
    let raw = rusqlite::Connection::open(dir.path().join("wirewatch.db")).unwrap();
    let doc: String = raw
        .query_row("SELECT doc FROM connectors WHERE id = 'hook-1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(v["config"]["headers"]["X-Team"], "soc");
    assert!(v["config"]["headers"]["X-Api-Key"]
        .as_str()
        .unwrap()
        .starts_with("enc:v1:"));
    drop(raw);

    // Another process (reopening) reads every secret back.
    drop(store);
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(
        store.ods_target(TargetKind::Http, "tickets"),
        Some(http_target())
    );
    assert_eq!(
        store.ods_target(TargetKind::Kafka, "bus"),
        Some(kafka_target())
    );
    assert_eq!(store.connector("jira-1").unwrap(), Some(jira()));
    assert_eq!(store.connector("hook-1").unwrap(), Some(renamed));
}

#[test]
fn plain_secrets_of_an_older_store_are_encrypted_at_open_and_still_read() {
    let (dir, store) = tests::temp_store();
    drop(store);
    // Rows as an earlier version wrote them: secrets in plain text, no key check.
    {
        let raw = rusqlite::Connection::open(dir.path().join("wirewatch.db")).unwrap();
        let t = http_target();
        raw.execute(
            "INSERT INTO ods_targets(kind, name, doc, create_time) VALUES('http', 'tickets', ?1, 0)",
            [serde_json::to_string(&t).unwrap()],
        )
        .unwrap();
        for c in [jira(), webhook()] {
            raw.execute(
                "INSERT INTO connectors(id, name, doc, create_time) VALUES(?1, ?2, ?3, 0)",
                rusqlite::params![c.id, c.name, serde_json::to_string(&c).unwrap()],
            )
            .unwrap();
        }
        raw.execute("DELETE FROM meta WHERE key = 'secret_key_check'", [])
            .unwrap();
    }
    std::fs::remove_file(dir.path().join(SECRET_KEY_FILE)).unwrap();
    assert!(contains(&database_bytes(dir.path()), CONNECTOR_TOKEN));

    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(
        store.ods_target(TargetKind::Http, "tickets"),
        Some(http_target())
    );
    assert_eq!(store.connector("jira-1").unwrap(), Some(jira()));
    assert_eq!(store.connector("hook-1").unwrap(), Some(webhook()));
    let bytes = database_bytes(dir.path());
    for s in [ODS_PASSWORD, ODS_HEADER_TOKEN, CONNECTOR_TOKEN, WEBHOOK_KEY] {
        assert!(!contains(&bytes, s), "{s} is still in the database files");
    }
    drop(store);
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.connector("jira-1").unwrap(), Some(jira()));
}

#[test]
fn a_wrong_or_missing_key_stops_the_store_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), with_key(Some(key("a1")))).unwrap();
    store.create_connector(&jira()).unwrap();
    drop(store);
    assert!(
        !dir.path().join(SECRET_KEY_FILE).exists(),
        "a given key writes no key file"
    );

    let err = |opts: StoreOptions| match Store::open(dir.path(), opts) {
        Ok(_) => panic!("opened"),
        Err(e) => e.to_string(),
    };
    let wrong = err(with_key(Some(key("b2"))));
    assert!(wrong.contains("not the one"), "{wrong}");
    assert!(wrong.contains(SECRET_KEY_ENV), "{wrong}");
    let missing = err(with_key(None));
    assert!(missing.contains("there is no key"), "{missing}");
    assert!(
        !dir.path().join(SECRET_KEY_FILE).exists(),
        "no new key replaces the lost one"
    );
    // A key file with the wrong key is refused too, naming the file.
    std::fs::write(dir.path().join(SECRET_KEY_FILE), "c3".repeat(32)).unwrap();
    let wrong_file = err(with_key(None));
    assert!(wrong_file.contains(SECRET_KEY_FILE), "{wrong_file}");
    std::fs::write(dir.path().join(SECRET_KEY_FILE), "not a key").unwrap();
    let bad_file = err(with_key(None));
    assert!(bad_file.contains("64 hexadecimal digits"), "{bad_file}");
    // The right key, from the file, opens it.
    std::fs::write(dir.path().join(SECRET_KEY_FILE), "a1".repeat(32)).unwrap();
    let store = Store::open(dir.path(), with_key(None)).unwrap();
    assert_eq!(store.connector("jira-1").unwrap(), Some(jira()));
}

#[test]
fn a_setup_password_shorter_than_the_api_allows_is_refused() {
    let (_dir, store) = tests::temp_store();
    let e = store.ensure_setup_user(Some("short")).unwrap_err();
    assert!(e.to_string().contains("at least 8 characters"), "{e}");
    assert!(store.user(SETUP_USERNAME).unwrap().is_none());
    assert_eq!(store.ensure_setup_user(Some("long-enough")).unwrap(), None);
}
