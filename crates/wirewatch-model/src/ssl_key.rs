//! TLS decryption keys (`/ssldecryptkeys`): RSA private keys with their
//! certificates and the protocols/ports they decrypt, and the TLS key log
//! (a wirewatch extension, `/ssldecryptkeys/keylog`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most protocol/port assignments of one key.
pub const MAX_PROTOCOLS: usize = 64;
/// Longest key name.
pub const MAX_NAME: usize = 256;
/// Most key log lines kept (uploaded and worked out by the sensor); beyond
/// it the earliest added go first.
pub const MAX_SESSION_KEYS: u64 = 1_000_000;

/// A TLS decryption key as the API shows it: never its private key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SslDecryptKey {
    /// Hexadecimal SHA-1 of the key's public key (DER SubjectPublicKeyInfo,
    /// as `openssl pkey -in KEY -pubout -outform DER | sha1sum`), no delimiters.
    pub id: String,
    /// The key's friendly name.
    pub name: String,
    /// Whether the sensor decrypts with it.
    pub enabled: bool,
    /// The certificate given with the key (PEM), if any.
    pub cert_pem: Option<String>,
    /// TLS sessions decrypted with the key so far.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub sessions_decrypted: u64,
    /// Sessions the key was tried on that did not decrypt (the key is not
    /// the server's, or the capture is damaged).
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub decrypt_failures: u64,
}

/// Body of `POST /ssldecryptkeys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct NewSslDecryptKey {
    /// The friendly name (default: the key's id).
    #[serde(default)]
    pub name: Option<String>,
    /// Whether the key is active (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The certificate of the key (PEM); checked to hold its public key.
    #[serde(default)]
    pub certificate: Option<String>,
    /// The RSA private key (PEM, PKCS#1 or PKCS#8, unencrypted). Write-only:
    /// encrypted at rest, never returned.
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub private_key: Option<String>,
}

/// Body of `PATCH /ssldecryptkeys/{id}`: absent fields are left alone. A
/// key's private key cannot change (its id is its hash): add a new key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct SslDecryptKeyPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// A new certificate (PEM), checked against the key.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Refused: a different private key is a different key.
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub private_key: Option<String>,
}

/// A protocol and the server port a key decrypts it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SslKeyProtocol {
    /// The protocol's name, in lower case (`http`, `smtp`, `imap`, `ldap`…).
    pub protocol: String,
    /// The server port of the traffic.
    pub port: u16,
}

/// What `GET /ssldecryptkeys/keylog` reports: never a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeylogStatus {
    /// Key log lines held (uploaded, and worked out by the sensor from RSA keys).
    pub lines: u64,
    /// TLS sessions decrypted with the key log.
    pub sessions_decrypted: u64,
    /// Sessions the key log had secrets for that did not decrypt.
    pub decrypt_failures: u64,
    /// TLS sessions seen while there were keys that no key applied to.
    pub sessions_without_key: u64,
    /// TLS sessions with the RSA key exchange not decrypted because the
    /// sensor's budget of RSA private-key operations was spent
    /// (`--tls-rsa-per-second`, `--tls-rsa-burst`).
    #[serde(default)]
    pub sessions_over_rsa_budget: u64,
}

/// What `POST /ssldecryptkeys/keylog` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeylogUpload {
    /// Lines read that the sensor uses.
    pub lines: u64,
    /// Of them, lines not held before.
    pub added: u64,
}
