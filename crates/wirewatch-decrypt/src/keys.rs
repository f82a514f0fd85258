//! The keys that decrypt TLS: RSA private keys (PEM, PKCS#1 or PKCS#8),
//! their certificates, and TLS key logs (the `SSLKEYLOGFILE` format of
//! NSS, OpenSSL, curl and browsers), gathered in a [`KeyRing`] the sensor
//! reads.

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use sha1::{Digest, Sha1};
use std::collections::HashMap;

/// Longest PEM text taken for a key or a certificate (a 16,384-bit RSA key
/// in PEM is under 13 KB; a certificate chain rarely passes 20 KB).
pub const MAX_PEM_BYTES: usize = 64 * 1024;
/// Largest RSA modulus accepted: each decrypted session costs one private
/// key operation, quartic in the size; 4,096 bits is what servers use.
pub const MAX_RSA_BITS: usize = 4096;
/// Smallest RSA modulus accepted.
pub const MIN_RSA_BITS: usize = 1024;

/// Why a private key or certificate was refused (the message names the problem).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("longer than {MAX_PEM_BYTES} bytes")]
    TooLong,
    #[error(
        "is encrypted with a passphrase; give it unencrypted (`openssl pkey -in KEY -out PLAIN`)"
    )]
    Encrypted,
    #[error("is not an RSA key: only RSA keys decrypt TLS (sessions with the RSA key exchange); for (EC)DHE sessions upload a TLS key log")]
    NotRsa,
    #[error("is not a PEM RSA private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")]
    NotPem,
    #[error("is a {0}-bit RSA key; {MIN_RSA_BITS} to {MAX_RSA_BITS} bits are accepted")]
    Size(usize),
    #[error("is not a PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NotCertificate,
    #[error("does not hold the public key of the private key")]
    CertificateMismatch,
}

/// An RSA private key that decrypts TLS sessions.
#[derive(Clone)]
pub struct RsaKey {
    /// Hexadecimal SHA-1 of the public key (DER SubjectPublicKeyInfo), the
    /// key's id: the same for the PKCS#1 and PKCS#8 forms of one key, and
    /// what `openssl pkey -in KEY -pubout -outform DER | sha1sum` prints.
    pub id: String,
    spki: Vec<u8>,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaKey({})", self.id)
    }
}

impl RsaKey {
    /// Parse and check a PEM private key.
    pub fn from_pem(pem: &str) -> Result<RsaKey, KeyError> {
        if pem.len() > MAX_PEM_BYTES {
            return Err(KeyError::TooLong);
        }
        if pem.contains("ENCRYPTED") {
            return Err(KeyError::Encrypted);
        }
        if pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("BEGIN DSA PRIVATE KEY") {
            return Err(KeyError::NotRsa);
        }
        let key = match RsaPrivateKey::from_pkcs8_pem(pem.trim()) {
            Ok(k) => k,
            Err(rsa::pkcs8::Error::PublicKey(_)) => return Err(KeyError::NotRsa),
            Err(rsa::pkcs8::Error::KeyMalformed) if pem.contains("BEGIN PRIVATE KEY") => {
                return Err(KeyError::NotRsa)
            }
            Err(_) => RsaPrivateKey::from_pkcs1_pem(pem.trim()).map_err(|_| {
                if pem.contains("BEGIN PRIVATE KEY") {
                    KeyError::NotRsa
                } else {
                    KeyError::NotPem
                }
            })?,
        };
        let bits = key.n().bits();
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(KeyError::Size(bits));
        }
        key.validate().map_err(|_| KeyError::NotPem)?;
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| KeyError::NotPem)?
            .into_vec();
        Ok(RsaKey {
            id: hex::encode(Sha1::digest(&spki)),
            spki,
            key,
        })
    }

    /// The size of the modulus in bytes (of an RSA-encrypted secret).
    pub fn size(&self) -> usize {
        self.key.size()
    }

    /// Whether a DER certificate carries this key's public key (its
    /// SubjectPublicKeyInfo is in the certificate as it is).
    pub fn in_certificate(&self, der: &[u8]) -> bool {
        der.windows(self.spki.len()).any(|w| w == self.spki)
    }

    /// Check a PEM certificate (its first one) against this key.
    pub fn check_certificate(&self, pem_text: &str) -> Result<(), KeyError> {
        let der = certificate_der(pem_text)?;
        if self.in_certificate(&der) {
            Ok(())
        } else {
            Err(KeyError::CertificateMismatch)
        }
    }

    /// Decrypt an RSA-encrypted pre-master secret (PKCS#1 v1.5); `None`
    /// when it does not open or is not 48 bytes (another key's).
    pub fn premaster(&self, encrypted: &[u8]) -> Option<Vec<u8>> {
        let pms = self.key.decrypt(rsa::Pkcs1v15Encrypt, encrypted).ok()?;
        (pms.len() == 48).then_some(pms)
    }
}

/// The DER of the first certificate of a PEM text.
pub fn certificate_der(pem_text: &str) -> Result<Vec<u8>, KeyError> {
    if pem_text.len() > MAX_PEM_BYTES {
        return Err(KeyError::TooLong);
    }
    let all = pem::parse_many(pem_text).map_err(|_| KeyError::NotCertificate)?;
    all.into_iter()
        .find(|p| p.tag() == "CERTIFICATE")
        .map(|p| p.into_contents())
        .ok_or(KeyError::NotCertificate)
}

/// The secrets of a key log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// TLS 1.2 and earlier: the master secret.
    ClientRandom,
    ClientHandshake,
    ServerHandshake,
    ClientTraffic0,
    ServerTraffic0,
    /// TLS 1.3 0-RTT: the client's early data.
    ClientEarly,
}

impl Label {
    pub const ALL: [Label; 6] = [
        Label::ClientRandom,
        Label::ClientHandshake,
        Label::ServerHandshake,
        Label::ClientTraffic0,
        Label::ServerTraffic0,
        Label::ClientEarly,
    ];

    /// As key log files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::ClientRandom => "CLIENT_RANDOM",
            Label::ClientHandshake => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            Label::ServerHandshake => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            Label::ClientTraffic0 => "CLIENT_TRAFFIC_SECRET_0",
            Label::ServerTraffic0 => "SERVER_TRAFFIC_SECRET_0",
            Label::ClientEarly => "CLIENT_EARLY_TRAFFIC_SECRET",
        }
    }

    pub fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// Labels of key log lines that decrypt nothing the sensor reads
/// (exporters, the old `RSA` form): accepted and left out.
const IGNORED_LABELS: [&str; 3] = ["EXPORTER_SECRET", "EARLY_EXPORTER_SECRET", "RSA"];

/// One line of a key log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeylogEntry {
    pub label: Label,
    pub client_random: [u8; 32],
    pub secret: Vec<u8>,
}

impl KeylogEntry {
    /// The line as key log files write it (no newline).
    pub fn line(&self) -> String {
        format!(
            "{} {} {}",
            self.label.as_str(),
            hex::encode(self.client_random),
            hex::encode(&self.secret)
        )
    }
}

/// A key log line that is not understood: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct KeylogError {
    pub line: usize,
    pub why: String,
}

/// Parse a key log: `LABEL <client random, 64 hex digits> <secret, hex>`
/// lines; `#` comments and blank lines skipped; the labels of
/// [`IGNORED_LABELS`] accepted and left out.
pub fn parse_keylog(text: &str) -> Result<Vec<KeylogEntry>, KeylogError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |why: String| KeylogError { line: i + 1, why };
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() != 3 {
            return Err(err(format!(
                "expected `LABEL CLIENT_RANDOM SECRET`, got {} fields",
                f.len()
            )));
        }
        let Some(label) = Label::parse(f[0]) else {
            if IGNORED_LABELS.contains(&f[0]) {
                continue;
            }
            return Err(err(format!("unknown label {:?}", truncate(f[0]))));
        };
        let cr = hex::decode(f[1])
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .ok_or_else(|| err("the client random is not 64 hexadecimal digits".into()))?;
        let secret = hex::decode(f[2]).map_err(|_| err("the secret is not hexadecimal".into()))?;
        let ok_len = match label {
            Label::ClientRandom => secret.len() == 48,
            _ => matches!(secret.len(), 32 | 48),
        };
        if !ok_len {
            return Err(err(format!(
                "a {} secret of {} bytes (expected {})",
                label.as_str(),
                secret.len(),
                if label == Label::ClientRandom {
                    "48"
                } else {
                    "32 or 48"
                }
            )));
        }
        out.push(KeylogEntry {
            label,
            client_random: cr,
            secret,
        });
    }
    Ok(out)
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The secrets known for one session (one client random).
#[derive(Debug, Clone, Default)]
pub struct SessionSecrets {
    pub master: Option<Vec<u8>>,
    pub client_handshake: Option<Vec<u8>>,
    pub server_handshake: Option<Vec<u8>>,
    pub client_traffic: Option<Vec<u8>>,
    pub server_traffic: Option<Vec<u8>>,
    pub client_early: Option<Vec<u8>>,
}

impl SessionSecrets {
    fn set(&mut self, label: Label, secret: Vec<u8>) {
        let slot = match label {
            Label::ClientRandom => &mut self.master,
            Label::ClientHandshake => &mut self.client_handshake,
            Label::ServerHandshake => &mut self.server_handshake,
            Label::ClientTraffic0 => &mut self.client_traffic,
            Label::ServerTraffic0 => &mut self.server_traffic,
            Label::ClientEarly => &mut self.client_early,
        };
        *slot = Some(secret);
    }
}

/// An RSA key as the sensor uses it: with the server ports it is assigned
/// to (its `/protocols`; empty: any port).
#[derive(Debug, Clone)]
pub struct AssignedKey {
    pub key: RsaKey,
    pub ports: Vec<u16>,
}

/// Every key the sensor decrypts with, read from the store; replaced
/// whole when the keys change (`generation`).
#[derive(Debug, Default)]
pub struct KeyRing {
    pub generation: u64,
    pub rsa: Vec<AssignedKey>,
    sessions: HashMap<[u8; 32], SessionSecrets>,
}

impl KeyRing {
    pub fn new(generation: u64, rsa: Vec<AssignedKey>, log: Vec<KeylogEntry>) -> KeyRing {
        let mut sessions: HashMap<[u8; 32], SessionSecrets> = HashMap::new();
        for e in log {
            sessions
                .entry(e.client_random)
                .or_default()
                .set(e.label, e.secret);
        }
        KeyRing {
            generation,
            rsa,
            sessions,
        }
    }

    /// Whether there is nothing to decrypt with (the sensor then does no decryption work).
    pub fn is_empty(&self) -> bool {
        self.rsa.is_empty() && self.sessions.is_empty()
    }

    /// The key log's secrets of a session.
    pub fn session(&self, client_random: &[u8; 32]) -> Option<&SessionSecrets> {
        self.sessions.get(client_random)
    }

    /// Key log sessions held.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_log_lines() {
        let cr = "ab".repeat(32);
        let text = format!(
            "# comment\n\nCLIENT_RANDOM {cr} {}\nEXPORTER_SECRET {cr} {}\nSERVER_TRAFFIC_SECRET_0 {cr} {}\n",
            "11".repeat(48),
            "22".repeat(32),
            "33".repeat(32)
        );
        let v = parse_keylog(&text).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].label, Label::ClientRandom);
        assert_eq!(
            v[1].line(),
            format!("SERVER_TRAFFIC_SECRET_0 {cr} {}", "33".repeat(32))
        );
        let e = parse_keylog(&format!("CLIENT_RANDOM {cr} 1122\n")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.why.contains("2 bytes"), "{e}");
        assert_eq!(
            parse_keylog("BOGUS a b").unwrap_err().why,
            "unknown label \"BOGUS\""
        );
        assert!(parse_keylog(&format!("CLIENT_RANDOM abc {}", "11".repeat(48))).is_err());
    }

    #[test]
    fn refused_keys_say_why() {
        assert_eq!(RsaKey::from_pem("hello").unwrap_err(), KeyError::NotPem);
        assert_eq!(
            RsaKey::from_pem(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"
            )
            .unwrap_err(),
            KeyError::Encrypted
        );
    }
}
