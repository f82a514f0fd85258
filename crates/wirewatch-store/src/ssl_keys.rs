//! TLS decryption keys (`/ssldecryptkeys`) and key log lines. Private keys
//! and session secrets are sealed with the store's key (`secrets.rs`), the
//! row's identity as associated data; the API never reads a private key
//! back, only the sensor does ([`Store::tls_key_material`]). Every change
//! the sensor must see moves the `ssl_keys_generation` counter on, which
//! the pipeline polls as it does for custom devices.

use crate::schema::{meta_get, meta_set};
use crate::{Conflict, Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use wirewatch_model::now_ms;
use wirewatch_model::ssl_key::{KeylogStatus, SslDecryptKey, SslKeyProtocol, MAX_SESSION_KEYS};

const GENERATION: &str = "ssl_keys_generation";
const KEYLOG_DECRYPTED: &str = "tls_keylog_decrypted";
const KEYLOG_FAILURES: &str = "tls_keylog_failures";
const NO_KEY: &str = "tls_sessions_without_key";
const OVER_BUDGET: &str = "tls_rsa_over_budget";

/// Where a key log line came from.
pub const SOURCE_UPLOAD: &str = "upload";
/// Worked out by the sensor (the master secret of a session it decrypted with an RSA key).
pub const SOURCE_SENSOR: &str = "sensor";

fn key_aad(id: &str) -> String {
    format!("ssl_decrypt_keys/{id}")
}

fn line_aad(client_random: &str, label: &str) -> String {
    format!("tls_session_keys/{client_random}/{label}")
}

/// A key log line: label, client random and secret (hexadecimal as in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeyLine {
    pub label: String,
    pub client_random: String,
    pub secret: String,
}

impl SessionKeyLine {
    pub fn line(&self) -> String {
        format!("{} {} {}", self.label, self.client_random, self.secret)
    }
}

/// What the sensor decrypts with: each enabled key's PEM and ports, every
/// key log line, and the generation they were read at.
#[derive(Debug, Clone, Default)]
pub struct TlsKeyMaterial {
    pub generation: u64,
    pub keys: Vec<(String, Vec<u16>)>,
    pub lines: Vec<SessionKeyLine>,
}

/// Decryption outcomes to add to the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptCounts {
    /// Per RSA key id: (sessions decrypted, failures).
    pub keys: Vec<(String, u64, u64)>,
    pub keylog_decrypted: u64,
    pub keylog_failures: u64,
    pub without_key: u64,
    /// Sessions whose RSA key exchange was not decrypted (the RSA budget was spent).
    pub rsa_over_budget: u64,
}

impl DecryptCounts {
    pub fn is_empty(&self) -> bool {
        self == &DecryptCounts::default()
    }
}

fn bump(c: &Connection) -> Result<()> {
    crate::schema::next_counter(c, GENERATION, 1)?;
    Ok(())
}

fn counter(c: &Connection, key: &str) -> Result<u64> {
    Ok(meta_get(c, key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn add_counter(c: &Connection, key: &str, by: u64) -> Result<()> {
    if by > 0 {
        let v = counter(c, key)? + by;
        meta_set(c, key, &v.to_string())?;
    }
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SslDecryptKey> {
    Ok(SslDecryptKey {
        id: r.get(0)?,
        name: r.get(1)?,
        enabled: r.get(2)?,
        cert_pem: r.get(3)?,
        sessions_decrypted: r.get(4)?,
        decrypt_failures: r.get(5)?,
    })
}

const COLUMNS: &str = "id, name, enabled, cert_pem, decrypted, failures";

fn exists(c: &Connection, id: &str) -> Result<bool> {
    Ok(
        c.query_row("SELECT 1 FROM ssl_decrypt_keys WHERE id = ?1", [id], |_| {
            Ok(())
        })
        .optional()?
        .is_some(),
    )
}

impl Store {
    /// Every TLS decryption key (no private key).
    pub fn ssl_keys(&self) -> Result<Vec<SslDecryptKey>> {
        self.read(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {COLUMNS} FROM ssl_decrypt_keys ORDER BY created, id"
            ))?;
            let v = st.query_map([], row)?.collect::<rusqlite::Result<_>>()?;
            Ok(v)
        })
    }

    pub fn ssl_key(&self, id: &str) -> Result<Option<SslDecryptKey>> {
        self.read(|c| {
            Ok(c.query_row(
                &format!("SELECT {COLUMNS} FROM ssl_decrypt_keys WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
        })
    }

    /// Store a new key (its private key PEM sealed); a key of this id is a conflict.
    pub fn create_ssl_key(&self, key: &SslDecryptKey, private_key_pem: &str) -> Result<()> {
        let sealed = self.inner.sealer.seal(private_key_pem, &key_aad(&key.id))?;
        self.write(|tx| {
            if exists(tx, &key.id)? {
                return Err(StoreError::Conflict(Conflict::SslKey {
                    id: key.id.clone(),
                }));
            }
            tx.execute(
                "INSERT INTO ssl_decrypt_keys(id, name, enabled, cert_pem, private_key, created)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    key.id,
                    key.name,
                    key.enabled,
                    key.cert_pem,
                    sealed,
                    now_ms()
                ],
            )?;
            bump(tx)
        })
    }

    /// Change a key's name, state or certificate (`None`: left alone);
    /// false when there is no such key.
    pub fn patch_ssl_key(
        &self,
        id: &str,
        name: Option<&str>,
        enabled: Option<bool>,
        cert_pem: Option<&str>,
    ) -> Result<bool> {
        self.write(|tx| {
            if !exists(tx, id)? {
                return Ok(false);
            }
            if let Some(n) = name {
                tx.execute(
                    "UPDATE ssl_decrypt_keys SET name = ?2 WHERE id = ?1",
                    params![id, n],
                )?;
            }
            if let Some(e) = enabled {
                tx.execute(
                    "UPDATE ssl_decrypt_keys SET enabled = ?2 WHERE id = ?1",
                    params![id, e],
                )?;
            }
            if let Some(c) = cert_pem {
                tx.execute(
                    "UPDATE ssl_decrypt_keys SET cert_pem = ?2 WHERE id = ?1",
                    params![id, c],
                )?;
            }
            bump(tx)?;
            Ok(true)
        })
    }

    /// Delete a key (and its protocols); false when there is none.
    pub fn delete_ssl_key(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM ssl_decrypt_keys WHERE id = ?1", [id])?;
            if n > 0 {
                bump(tx)?;
            }
            Ok(n > 0)
        })
    }

    /// A key's protocols; `None` when there is no such key.
    pub fn ssl_key_protocols(&self, id: &str) -> Result<Option<Vec<SslKeyProtocol>>> {
        self.read(|c| {
            if !exists(c, id)? {
                return Ok(None);
            }
            let mut st = c.prepare(
                "SELECT protocol, port FROM ssl_decrypt_key_protocols WHERE key_id = ?1 ORDER BY port, protocol",
            )?;
            let v = st
                .query_map([id], |r| {
                    Ok(SslKeyProtocol {
                        protocol: r.get(0)?,
                        port: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Some(v))
        })
    }

    /// Assign a protocol and port to a key (at most `max` per key); false
    /// when there is no such key.
    pub fn add_ssl_key_protocol(&self, id: &str, p: &SslKeyProtocol, max: usize) -> Result<bool> {
        self.write(|tx| {
            if !exists(tx, id)? {
                return Ok(false);
            }
            let n: i64 = tx.query_row(
                "SELECT count(*) FROM ssl_decrypt_key_protocols WHERE key_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if n as usize >= max {
                return Err(wirewatch_model::Error::invalid(
                    "protocol",
                    format!("a key has at most {max} protocols"),
                )
                .into());
            }
            let added = tx.execute(
                "INSERT OR IGNORE INTO ssl_decrypt_key_protocols(key_id, protocol, port) VALUES(?1, ?2, ?3)",
                params![id, p.protocol, p.port],
            )?;
            if added == 0 {
                return Err(StoreError::Conflict(Conflict::SslKeyProtocol {
                    protocol: p.protocol.clone(),
                    port: p.port,
                }));
            }
            bump(tx)?;
            Ok(true)
        })
    }

    /// Remove a protocol from a key (on one port, or all): how many went;
    /// `None` when there is no such key.
    pub fn delete_ssl_key_protocol(
        &self,
        id: &str,
        protocol: &str,
        port: Option<u16>,
    ) -> Result<Option<usize>> {
        self.write(|tx| {
            if !exists(tx, id)? {
                return Ok(None);
            }
            let n = match port {
                Some(p) => tx.execute(
                    "DELETE FROM ssl_decrypt_key_protocols WHERE key_id = ?1 AND protocol = ?2 AND port = ?3",
                    params![id, protocol, p],
                )?,
                None => tx.execute(
                    "DELETE FROM ssl_decrypt_key_protocols WHERE key_id = ?1 AND protocol = ?2",
                    params![id, protocol],
                )?,
            };
            if n > 0 {
                bump(tx)?;
            }
            Ok(Some(n))
        })
    }

    /// Add key log lines (sealed); returns how many were new. Lines from an
    /// upload move the generation on (the sensor reloads); the sensor's own
    /// do not (it has them). Beyond [`MAX_SESSION_KEYS`] lines the earliest
    /// added are deleted.
    pub fn add_session_keys(&self, lines: &[SessionKeyLine], source: &str) -> Result<u64> {
        let sealed: Vec<(&SessionKeyLine, String)> = lines
            .iter()
            .map(|l| {
                let s = self
                    .inner
                    .sealer
                    .seal(&l.secret, &line_aad(&l.client_random, &l.label))?;
                Ok((l, s))
            })
            .collect::<Result<_>>()?;
        self.write(|tx| {
            let now = now_ms();
            let mut added = 0;
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO tls_session_keys(client_random, label, secret, source, added)
                     VALUES(?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(client_random, label) DO UPDATE SET secret = excluded.secret",
                )?;
                let mut known = tx.prepare_cached(
                    "SELECT 1 FROM tls_session_keys WHERE client_random = ?1 AND label = ?2",
                )?;
                for (l, s) in &sealed {
                    let had = known
                        .query_row(params![l.client_random, l.label], |_| Ok(()))
                        .optional()?
                        .is_some();
                    st.execute(params![l.client_random, l.label, s, source, now])?;
                    added += u64::from(!had);
                }
            }
            let total: u64 =
                tx.query_row("SELECT count(*) FROM tls_session_keys", [], |r| r.get(0))?;
            if total > MAX_SESSION_KEYS {
                tx.execute(
                    "DELETE FROM tls_session_keys WHERE (client_random, label) IN
                     (SELECT client_random, label FROM tls_session_keys ORDER BY added LIMIT ?1)",
                    [total - MAX_SESSION_KEYS],
                )?;
            }
            if source != SOURCE_SENSOR && !sealed.is_empty() {
                bump(tx)?;
            }
            Ok(added)
        })
    }

    /// Delete the uploaded key log lines (the sensor's own stay); how many went.
    pub fn delete_uploaded_session_keys(&self) -> Result<u64> {
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM tls_session_keys WHERE source = ?1",
                [SOURCE_UPLOAD],
            )?;
            if n > 0 {
                bump(tx)?;
            }
            Ok(n as u64)
        })
    }

    /// The key log lines of these sessions (client randoms, hexadecimal).
    pub fn session_keys_of(&self, client_randoms: &[String]) -> Result<Vec<SessionKeyLine>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT label, secret FROM tls_session_keys WHERE client_random = ?1 ORDER BY label",
            )?;
            let mut out = Vec::new();
            for cr in client_randoms {
                let rows: Vec<(String, String)> = st
                    .query_map([cr], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                for (label, sealed) in rows {
                    let secret = self.inner.sealer.open(&sealed, &line_aad(cr, &label))?;
                    out.push(SessionKeyLine {
                        label,
                        client_random: cr.clone(),
                        secret,
                    });
                }
            }
            Ok(out)
        })
    }

    /// How many times the keys changed (cheap: the sensor polls it).
    pub fn ssl_keys_generation(&self) -> Result<u64> {
        self.read(|c| counter(c, GENERATION))
    }

    /// Everything the sensor decrypts with (private keys and secrets opened).
    pub fn tls_key_material(&self) -> Result<TlsKeyMaterial> {
        self.read(|c| {
            let generation = counter(c, GENERATION)?;
            let rows: Vec<(String, String)> = c
                .prepare("SELECT id, private_key FROM ssl_decrypt_keys WHERE enabled ORDER BY created, id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut keys = Vec::with_capacity(rows.len());
            let mut ports = c.prepare_cached(
                "SELECT DISTINCT port FROM ssl_decrypt_key_protocols WHERE key_id = ?1 ORDER BY port",
            )?;
            for (id, sealed) in rows {
                let pem = self.inner.sealer.open(&sealed, &key_aad(&id))?;
                let p: Vec<u16> = ports
                    .query_map([&id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                keys.push((pem, p));
            }
            let raw: Vec<(String, String, String)> = c
                .prepare("SELECT client_random, label, secret FROM tls_session_keys")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut lines = Vec::with_capacity(raw.len());
            for (cr, label, sealed) in raw {
                let secret = self.inner.sealer.open(&sealed, &line_aad(&cr, &label))?;
                lines.push(SessionKeyLine {
                    label,
                    client_random: cr,
                    secret,
                });
            }
            Ok(TlsKeyMaterial {
                generation,
                keys,
                lines,
            })
        })
    }

    /// Add decryption outcomes to the counters.
    pub fn add_decrypt_counts(&self, n: &DecryptCounts) -> Result<()> {
        if n.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            for (id, ok, failed) in &n.keys {
                tx.execute(
                    "UPDATE ssl_decrypt_keys SET decrypted = decrypted + ?2, failures = failures + ?3 WHERE id = ?1",
                    params![id, ok, failed],
                )?;
            }
            add_counter(tx, KEYLOG_DECRYPTED, n.keylog_decrypted)?;
            add_counter(tx, KEYLOG_FAILURES, n.keylog_failures)?;
            add_counter(tx, NO_KEY, n.without_key)?;
            add_counter(tx, OVER_BUDGET, n.rsa_over_budget)?;
            Ok(())
        })
    }

    /// The key log's counters.
    pub fn keylog_status(&self) -> Result<KeylogStatus> {
        self.read(|c| {
            Ok(KeylogStatus {
                lines: c.query_row("SELECT count(*) FROM tls_session_keys", [], |r| r.get(0))?,
                sessions_decrypted: counter(c, KEYLOG_DECRYPTED)?,
                decrypt_failures: counter(c, KEYLOG_FAILURES)?,
                sessions_without_key: counter(c, NO_KEY)?,
                sessions_over_rsa_budget: counter(c, OVER_BUDGET)?,
            })
        })
    }
}
