//! TLS decryption for the sensor: RSA private keys and TLS key logs
//! ([`keys`]), the key derivations ([`kdf`]), record ciphers ([`cipher`])
//! and one connection's decryption ([`session`]).
//!
//! RustCrypto's crates do the cryptography (rsa, aes-gcm, chacha20poly1305,
//! aes + cbc, hmac, sha1/sha2, hkdf): pure Rust, so no C toolchain or
//! system OpenSSL; constant-time AES, GHASH and ChaCha20; and they expose
//! the raw primitives passive decryption needs (decrypting with a given
//! key, nonce and associated data), which TLS libraries such as rustls keep
//! private since they only ever talk TLS themselves.

pub mod cipher;
pub mod kdf;
pub mod keys;
pub mod session;
pub mod shared;

pub use keys::{AssignedKey, KeyError, KeyRing, KeylogEntry, KeylogError, Label, RsaKey};
pub use session::{Outcome, Session, Side, Source};
pub use shared::{DecryptState, Resumption, RsaBudget};
