//! The sensor's TLS keys from the store, and what its decryption produced
//! back into the store: outcomes into the counters, session keys worked
//! out from RSA keys into the key log (for `/packets/search`'s `keylog_txt`).

use std::sync::Arc;
pub use wirewatch_decrypt::shared::{DEFAULT_RSA_BURST, DEFAULT_RSA_PER_SECOND};
pub use wirewatch_decrypt::DecryptState;
use wirewatch_decrypt::{AssignedKey, KeyRing, KeylogEntry, Label, Outcome, RsaKey, Source};
use wirewatch_store::{DecryptCounts, SessionKeyLine, TlsKeyMaterial};

/// The key ring of what the store holds; a stored key or line that no
/// longer parses is left out (and logged).
pub fn key_ring(m: TlsKeyMaterial) -> KeyRing {
    let mut rsa = Vec::with_capacity(m.keys.len());
    for (pem, ports) in m.keys {
        match RsaKey::from_pem(&pem) {
            Ok(key) => rsa.push(AssignedKey { key, ports }),
            Err(e) => {
                tracing::warn!(error = %e, "a stored TLS decryption key does not parse; skipped")
            }
        }
    }
    let log = m.lines.into_iter().filter_map(|l| entry(&l)).collect();
    KeyRing::new(m.generation, rsa, log)
}

fn entry(l: &SessionKeyLine) -> Option<KeylogEntry> {
    Some(KeylogEntry {
        label: Label::parse(&l.label)?,
        client_random: hex::decode(&l.client_random).ok()?.try_into().ok()?,
        secret: hex::decode(&l.secret).ok()?,
    })
}

/// A key log line of the store.
pub fn line(e: &KeylogEntry) -> SessionKeyLine {
    SessionKeyLine {
        label: e.label.as_str().to_string(),
        client_random: hex::encode(e.client_random),
        secret: hex::encode(&e.secret),
    }
}

/// Outcomes added up as the store's counters.
pub fn counts(outcomes: &[Outcome]) -> DecryptCounts {
    let mut n = DecryptCounts::default();
    let mut key = |id: &str, ok: u64, failed: u64| match n.keys.iter_mut().find(|k| k.0 == id) {
        Some(k) => {
            k.1 += ok;
            k.2 += failed;
        }
        None => n.keys.push((id.to_string(), ok, failed)),
    };
    let (mut klo, mut klf, mut none, mut over) = (0, 0, 0, 0);
    for o in outcomes {
        match o {
            Outcome::Decrypted(Source::Key(id)) => key(id, 1, 0),
            Outcome::Failed(Some(Source::Key(id)), _) => key(id, 0, 1),
            Outcome::Decrypted(Source::Keylog) => klo += 1,
            Outcome::Failed(Some(Source::Keylog), _) => klf += 1,
            Outcome::Failed(None, _) | Outcome::NoKey | Outcome::Unsupported(_) => none += 1,
            Outcome::OverBudget(_) => over += 1,
        }
    }
    n.keylog_decrypted = klo;
    n.keylog_failures = klf;
    n.without_key = none;
    n.rsa_over_budget = over;
    n
}

/// The decryption state of a process: its RSA budget (operations a
/// second, and at once) and an empty resumption cache.
pub fn decrypt_state(rsa_per_second: u32, rsa_burst: u32) -> Arc<DecryptState> {
    Arc::new(DecryptState::new(wirewatch_decrypt::RsaBudget::new(
        rsa_per_second,
        rsa_burst,
    )))
}

/// Whether the ring is the store's current one; `Arc` for the sensor.
pub fn shared(ring: KeyRing) -> Arc<KeyRing> {
    Arc::new(ring)
}

/// Why a key log was not stored.
#[derive(Debug, thiserror::Error)]
pub enum KeylogError {
    #[error(transparent)]
    Parse(#[from] wirewatch_decrypt::KeylogError),
    #[error(transparent)]
    Store(#[from] wirewatch_store::StoreError),
}

/// Parse a key log and keep its lines in the store (the sensor reloads
/// them): (lines used, lines new).
pub fn store_keylog(store: &wirewatch_store::Store, text: &str) -> Result<(u64, u64), KeylogError> {
    let entries = wirewatch_decrypt::keys::parse_keylog(text)?;
    let lines: Vec<_> = entries.iter().map(line).collect();
    let added = store.add_session_keys(&lines, wirewatch_store::SOURCE_UPLOAD)?;
    Ok((lines.len() as u64, added))
}
