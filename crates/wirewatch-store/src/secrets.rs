//! Secrets at rest: the write-only fields of ODS targets and connectors are
//! encrypted in the database with a key kept outside it, so a copied `.db`
//! alone reveals none of them.
//!
//! The key is 32 random bytes, written as 64 hexadecimal digits: from
//! `WIREWATCH_SECRET_KEY` when set (the binary reads it and passes it in
//! [`crate::StoreOptions::secret_key`]), else from the file `secret.key` in the
//! data directory, created (mode 0600) at first start. Each value is sealed
//! with ChaCha20-Poly1305 (ring's AEAD) under a fresh random 96-bit nonce, and
//! the row's identity (`ods_targets/http/<name>`, `connectors/<id>`) as
//! associated data, so a sealed value moved to another row does not open.
//! A sealed value is the string `enc:v1:<hex of nonce ‖ ciphertext ‖ tag>` in
//! place of the secret in the row's JSON document.
//!
//! The meta row `secret_key_check` holds a value sealed with the key: a
//! wrong key, or a missing one once secrets were sealed, stops the store from
//! opening with an error saying so, rather than yielding garbage. Values
//! stored before this module existed are plain; they are read as they are
//! and sealed when the store opens ([`seal_plain`]).

use crate::{schema, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{params, Connection};
use serde_json::Value;
use std::path::{Path, PathBuf};
use wirewatch_model::ods::SECRET_FIELDS;
use wirewatch_model::secret::{is_secret_header, is_secret_header_line};

/// The key file in the data directory.
pub const KEY_FILE: &str = "secret.key";
/// The environment variable that gives the key instead of the file (read by the binary).
pub const KEY_ENV: &str = "WIREWATCH_SECRET_KEY";

const PREFIX: &str = "enc:v1:";
const CHECK_META: &str = "secret_key_check";
const CHECK_PLAIN: &str = "wirewatch secret key check";
const CHECK_AAD: &str = "meta/secret_key_check";

/// A secret key given as text that is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("must be 64 hexadecimal digits (32 bytes), got {0} characters; make one with `openssl rand -hex 32`")]
    Length(usize),
    #[error("must be 64 hexadecimal digits (0-9, a-f); make one with `openssl rand -hex 32`")]
    NotHex,
}

/// Why the stored secrets cannot be sealed or opened: the key is missing or
/// wrong, its file unreadable, or a sealed value altered.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The system's random source failed (`what`: "a new key", "a nonce").
    #[error("no random numbers for {what}")]
    NoRandom { what: &'static str },
    #[error("sealing a value failed")]
    Seal,
    #[error("a stored secret of {aad} does not open with this key (wrong key, or the value was altered)")]
    DoesNotOpen { aad: String },
    #[error("the key file {}: {error}", path.display())]
    KeyFileFormat {
        path: PathBuf,
        #[source]
        error: KeyFormatError,
    },
    /// Reading, creating or writing the key file failed (`action` says which).
    #[error("{action} the key file {}: {error}", path.display())]
    KeyFileIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("the stored secrets are encrypted, but there is no key: neither {KEY_ENV} is set nor does {} exist; restore the key file from the backup made with the database (or set {KEY_ENV})", path.display())]
    NoKey { path: PathBuf },
    /// `from`: the environment variable or the key file the key came from.
    #[error("the secret key from {from} is not the one this database's secrets were encrypted with; use the key file backed up with the database (or the matching {KEY_ENV})")]
    WrongKey { from: String },
}

/// A 32-byte key; its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// Parse 64 hexadecimal digits (surrounding white space ignored).
    pub fn from_hex(text: &str) -> std::result::Result<SecretKey, KeyFormatError> {
        let t = text.trim();
        if t.len() != 64 {
            return Err(KeyFormatError::Length(t.len()));
        }
        let bytes = hex::decode(t).map_err(|_| KeyFormatError::NotHex)?;
        let mut k = [0u8; 32];
        k.copy_from_slice(&bytes);
        Ok(SecretKey(k))
    }

    fn generate() -> Result<SecretKey> {
        let mut k = [0u8; 32];
        SystemRandom::new()
            .fill(&mut k)
            .map_err(|_| SecretsError::NoRandom { what: "a new key" })?;
        Ok(SecretKey(k))
    }
}

/// Seals and opens values with the store's key.
pub(crate) struct Sealer {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl Sealer {
    fn new(k: &SecretKey) -> Sealer {
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &k.0).expect("a 32-byte key");
        Sealer {
            key: LessSafeKey::new(unbound),
            rng: SystemRandom::new(),
        }
    }

    pub(crate) fn seal(&self, plain: &str, aad: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| SecretsError::NoRandom { what: "a nonce" })?;
        let mut buf = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buf,
            )
            .map_err(|_| SecretsError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(format!("{PREFIX}{}", hex::encode(out)))
    }

    /// Open a sealed value; a plain one (stored before sealing) is returned as is.
    pub(crate) fn open(&self, stored: &str, aad: &str) -> Result<String> {
        let Some(h) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let bad = || SecretsError::DoesNotOpen {
            aad: aad.to_string(),
        };
        let raw = hex::decode(h).map_err(|_| bad())?;
        if raw.len() < NONCE_LEN {
            return Err(bad().into());
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| bad())?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| bad())?;
        Ok(String::from_utf8(plain.to_vec()).map_err(|_| bad())?)
    }
}

fn is_sealed(s: &str) -> bool {
    s.starts_with(PREFIX)
}

/// The kinds of document holding secrets.
#[derive(Clone, Copy)]
pub(crate) enum Doc {
    /// An ODS target: the fields named in [`SECRET_FIELDS`] wherever they
    /// are, and a secret `additional_header`.
    OdsTarget,
    /// A connector: all of `secrets`, and secret `config.headers`.
    Connector,
}

fn all_strings<'a>(v: &'a mut Value, out: &mut Vec<&'a mut String>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter_mut().for_each(|x| all_strings(x, out)),
        Value::Object(m) => m.iter_mut().for_each(|(_, x)| all_strings(x, out)),
        _ => {}
    }
}

fn ods_strings<'a>(v: &'a mut Value, out: &mut Vec<&'a mut String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    all_strings(x, out);
                } else if k == "additional_header" {
                    if let Value::String(s) = x {
                        if is_sealed(s) || is_secret_header_line(s) {
                            out.push(s);
                        }
                    }
                } else {
                    ods_strings(x, out);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| ods_strings(x, out)),
        _ => {}
    }
}

fn connector_strings<'a>(v: &'a mut Value, out: &mut Vec<&'a mut String>) {
    let Value::Object(m) = v else {
        return;
    };
    for (k, x) in m.iter_mut() {
        match k.as_str() {
            "secrets" => all_strings(x, out),
            "config" => {
                if let Some(Value::Object(h)) = x.get_mut("headers") {
                    for (name, value) in h.iter_mut() {
                        if is_secret_header(name) {
                            all_strings(value, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The secret strings of a document.
fn secret_strings(doc: Doc, v: &mut Value) -> Vec<&mut String> {
    let mut out = Vec::new();
    match doc {
        Doc::OdsTarget => ods_strings(v, &mut out),
        Doc::Connector => connector_strings(v, &mut out),
    }
    out
}

impl Sealer {
    /// Seal every secret of a document (as JSON text) for the row `aad`.
    pub(crate) fn seal_doc(&self, doc: Doc, v: &mut Value, aad: &str) -> Result<()> {
        for s in secret_strings(doc, v) {
            *s = self.seal(s, aad)?;
        }
        Ok(())
    }

    /// Open every sealed secret of a document.
    pub(crate) fn open_doc(&self, doc: Doc, v: &mut Value, aad: &str) -> Result<()> {
        for s in secret_strings(doc, v) {
            *s = self.open(s, aad)?;
        }
        Ok(())
    }

    /// Serialise `value` with its secrets sealed.
    pub(crate) fn write_doc<T: serde::Serialize>(
        &self,
        doc: Doc,
        value: &T,
        aad: &str,
    ) -> Result<String> {
        let mut v = serde_json::to_value(value)?;
        self.seal_doc(doc, &mut v, aad)?;
        Ok(serde_json::to_string(&v)?)
    }

    /// Parse a stored document, opening its secrets.
    pub(crate) fn read_doc<T: serde::de::DeserializeOwned>(
        &self,
        doc: Doc,
        text: &str,
        aad: &str,
    ) -> Result<T> {
        let mut v: Value = serde_json::from_str(text)?;
        self.open_doc(doc, &mut v, aad)?;
        Ok(serde_json::from_value(v)?)
    }
}

/// The associated data of an ODS target's row.
pub(crate) fn ods_aad(kind: &str, name: &str) -> String {
    format!("ods_targets/{kind}/{name}")
}

/// The associated data of a connector's row.
pub(crate) fn connector_aad(id: &str) -> String {
    format!("connectors/{id}")
}

/// Read the key (given, or the key file), check it against the database,
/// and create the key file when this data directory has never had a key.
pub(crate) fn load_key(dir: &Path, given: Option<&SecretKey>, conn: &Connection) -> Result<Sealer> {
    let path = dir.join(KEY_FILE);
    let from_file = match std::fs::read_to_string(&path) {
        Ok(text) => {
            Some(
                SecretKey::from_hex(&text).map_err(|error| SecretsError::KeyFileFormat {
                    path: path.clone(),
                    error,
                })?,
            )
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            return Err(SecretsError::KeyFileIo {
                action: "reading",
                path,
                error,
            }
            .into())
        }
    };
    let check = schema::meta_get(conn, CHECK_META)?;
    let (key, source) = match (given, from_file) {
        (Some(k), _) => (k.clone(), KEY_ENV.to_string()),
        (None, Some(k)) => (k, format!("the key file {}", path.display())),
        (None, None) => {
            if check.is_some() {
                return Err(SecretsError::NoKey { path }.into());
            }
            let k = SecretKey::generate()?;
            write_key_file(&path, &k)?;
            tracing::info!(file = %path.display(), "created the key that encrypts stored secrets; back it up with the database");
            (k, format!("the key file {}", path.display()))
        }
    };
    let sealer = Sealer::new(&key);
    match check {
        Some(c) => {
            let ok = sealer.open(&c, CHECK_AAD).ok().as_deref() == Some(CHECK_PLAIN);
            if !ok {
                return Err(SecretsError::WrongKey { from: source }.into());
            }
        }
        None => schema::meta_set(conn, CHECK_META, &sealer.seal(CHECK_PLAIN, CHECK_AAD)?)?,
    }
    Ok(sealer)
}

fn write_key_file(path: &Path, k: &SecretKey) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let io = |action| {
        move |error| SecretsError::KeyFileIo {
            action,
            path: path.to_path_buf(),
            error,
        }
    };
    let mut f = o.open(path).map_err(io("creating"))?;
    Ok(f.write_all(format!("{}\n", hex::encode(k.0)).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(io("writing"))?)
}

/// Seal the plain secrets of rows written before secrets were sealed, and
/// leave no copy of them behind: the rewrite runs with `secure_delete` (the
/// old cells are zeroed) and the WAL is checkpointed and truncated after it.
/// Returns how many rows changed.
pub(crate) fn seal_plain(sealer: &Sealer, conn: &mut Connection) -> Result<usize> {
    if !has_plain_rows(conn)? {
        return Ok(0);
    }
    let before: i64 = conn.pragma_query_value(None, "secure_delete", |r| r.get(0))?;
    conn.pragma_update(None, "secure_delete", 1)?;
    let tx = conn.transaction()?;
    let n = seal_plain_rows(sealer, &tx)?;
    tx.commit()?;
    conn.pragma_update(None, "secure_delete", before)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(n)
}

/// Whether any row holds a plain secret (a cheap look before a rewrite).
fn has_plain_rows(conn: &Connection) -> Result<bool> {
    let mut stmt = conn.prepare("SELECT doc FROM ods_targets")?;
    let docs = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for d in docs {
        let mut v: Value = serde_json::from_str(&d?)?;
        if secret_strings(Doc::OdsTarget, &mut v)
            .iter()
            .any(|s| !is_sealed(s))
        {
            return Ok(true);
        }
    }
    let mut stmt = conn.prepare("SELECT doc FROM connectors")?;
    let docs = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for d in docs {
        let mut v: Value = serde_json::from_str(&d?)?;
        if secret_strings(Doc::Connector, &mut v)
            .iter()
            .any(|s| !is_sealed(s))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn seal_plain_rows(sealer: &Sealer, conn: &Connection) -> Result<usize> {
    let mut changed = 0;
    let targets: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare("SELECT kind, name, doc FROM ods_targets")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (kind, name, doc) in targets {
        let aad = ods_aad(&kind, &name);
        if let Some(sealed) = reseal(sealer, Doc::OdsTarget, &doc, &aad)? {
            conn.execute(
                "UPDATE ods_targets SET doc = ?3 WHERE kind = ?1 AND name = ?2",
                params![kind, name, sealed],
            )?;
            changed += 1;
        }
    }
    let connectors: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT id, doc FROM connectors")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, doc) in connectors {
        let aad = connector_aad(&id);
        if let Some(sealed) = reseal(sealer, Doc::Connector, &doc, &aad)? {
            conn.execute(
                "UPDATE connectors SET doc = ?2 WHERE id = ?1",
                params![id, sealed],
            )?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// The document with its plain secrets sealed, when it has any.
fn reseal(sealer: &Sealer, doc: Doc, text: &str, aad: &str) -> Result<Option<String>> {
    let mut v: Value = serde_json::from_str(text)?;
    let mut plain = false;
    for s in secret_strings(doc, &mut v) {
        if !is_sealed(s) {
            *s = sealer.seal(s, aad)?;
            plain = true;
        }
    }
    Ok(plain.then(|| v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sealer() -> Sealer {
        Sealer::new(&SecretKey::from_hex(&"ab".repeat(32)).unwrap())
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_row() {
        let s = sealer();
        let a = s.seal("hunter2", "connectors/a").unwrap();
        let b = s.seal("hunter2", "connectors/a").unwrap();
        assert!(a.starts_with(PREFIX) && !a.contains("hunter2"));
        assert_ne!(a, b, "a fresh nonce per value");
        assert_eq!(s.open(&a, "connectors/a").unwrap(), "hunter2");
        assert!(s.open(&a, "connectors/b").is_err(), "another row");
        let other = Sealer::new(&SecretKey::from_hex(&"cd".repeat(32)).unwrap());
        assert!(other.open(&a, "connectors/a").is_err(), "another key");
        assert_eq!(s.open("plain", "x").unwrap(), "plain", "legacy values");
    }

    #[test]
    fn only_secret_positions_are_sealed() {
        let s = sealer();
        let mut t = json!({"kind": "http", "name": "n", "host": "h",
            "additional_header": "Authorization: Bearer tok",
            "authentication": {"auth_type": "basic", "username": "u", "password": "pw"}});
        s.seal_doc(Doc::OdsTarget, &mut t, "a").unwrap();
        let text = t.to_string();
        assert!(!text.contains("pw\"") && !text.contains("tok"), "{text}");
        assert_eq!(t["authentication"]["username"], "u");
        assert_eq!(t["host"], "h");
        s.open_doc(Doc::OdsTarget, &mut t, "a").unwrap();
        assert_eq!(t["authentication"]["password"], "pw");
        assert_eq!(t["additional_header"], "Authorization: Bearer tok");

        let mut c = json!({"id": "c", "config": {"url": "u", "headers": {"X-Team": "soc", "X-Api-Key": "k1"}},
                           "secrets": {"user": "u1", "password": "p1"}});
        s.seal_doc(Doc::Connector, &mut c, "c").unwrap();
        assert_eq!(c["config"]["headers"]["X-Team"], "soc");
        assert!(c["config"]["headers"]["X-Api-Key"]
            .as_str()
            .unwrap()
            .starts_with(PREFIX));
        assert!(c["secrets"]["user"].as_str().unwrap().starts_with(PREFIX));
        s.open_doc(Doc::Connector, &mut c, "c").unwrap();
        assert_eq!(c["secrets"]["password"], "p1");
        assert_eq!(c["config"]["headers"]["X-Api-Key"], "k1");
    }

    #[test]
    fn keys_are_64_hex_digits() {
        assert!(SecretKey::from_hex(&format!(" {}\n", "0f".repeat(32))).is_ok());
        let short = SecretKey::from_hex("abc").unwrap_err();
        assert_eq!(short, KeyFormatError::Length(3));
        assert!(short.to_string().contains("64"));
        assert_eq!(
            SecretKey::from_hex(&"zz".repeat(32)).unwrap_err(),
            KeyFormatError::NotHex
        );
        assert_eq!(
            format!("{:?}", SecretKey::from_hex(&"0f".repeat(32)).unwrap()),
            "SecretKey(..)"
        );
    }
}
