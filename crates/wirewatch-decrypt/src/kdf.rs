//! Key derivation: the TLS 1.2 PRF (RFC 5246 §5) and the TLS 1.3
//! `HKDF-Expand-Label` (RFC 8446 §7.1).

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

/// The hash of a cipher suite's PRF / key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    pub fn size(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }
}

fn hmac(h: Hash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match h {
        Hash::Sha256 => {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        Hash::Sha384 => {
            let mut m = <Hmac<Sha384> as Mac>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
    }
}

/// `PRF(secret, label, seed)` of TLS 1.2, `len` bytes (`P_hash`).
pub fn prf12(h: Hash, secret: &[u8], label: &[u8], seed: &[&[u8]], len: usize) -> Vec<u8> {
    let mut full_seed = label.to_vec();
    seed.iter().for_each(|s| full_seed.extend_from_slice(s));
    let mut out = Vec::with_capacity(len + h.size());
    let mut a = hmac(h, secret, &[&full_seed]);
    while out.len() < len {
        out.extend(hmac(h, secret, &[&a, &full_seed]));
        a = hmac(h, secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// `HKDF-Expand-Label(secret, label, "", len)` of TLS 1.3.
pub fn expand_label(h: Hash, secret: &[u8], label: &str, len: usize) -> Option<Vec<u8>> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let mut out = vec![0u8; len];
    match h {
        Hash::Sha256 => hkdf::Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        Hash::Sha384 => hkdf::Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
    }
    Some(out)
}

/// The MAC of a CBC record (TLS 1.2, HMAC with the suite's MAC hash).
pub fn record_mac(mac: MacHash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match mac {
        MacHash::Sha1 => {
            let mut m = <Hmac<sha1::Sha1> as Mac>::new_from_slice(key).expect("any key length");
            parts.iter().for_each(|p| m.update(p));
            m.finalize().into_bytes().to_vec()
        }
        MacHash::Sha256 => hmac(Hash::Sha256, key, parts),
        MacHash::Sha384 => hmac(Hash::Sha384, key, parts),
    }
}

/// The record MAC hash of a CBC suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacHash {
    Sha1,
    Sha256,
    Sha384,
}

impl MacHash {
    pub fn size(self) -> usize {
        match self {
            MacHash::Sha1 => 20,
            MacHash::Sha256 => 32,
            MacHash::Sha384 => 48,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLS 1.2 PRF test vector (SHA-256) published on the IETF TLS list
    /// (www.ietf.org/mail-archive/web/tls/current/msg03416.html).
    #[test]
    fn prf_sha256_vector() {
        let secret = hex::decode("9bbe436ba940f017b17652849a71db35").unwrap();
        let seed = hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap();
        let out = prf12(Hash::Sha256, &secret, b"test label", &[&seed], 100);
        assert_eq!(
            hex::encode(&out[..32]),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        );
        assert_eq!(out.len(), 100);
    }

    /// RFC 8448 §3: the client's handshake traffic key and IV from its secret.
    #[test]
    fn expand_label_rfc8448() {
        let secret =
            hex::decode("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
                .unwrap();
        assert_eq!(
            hex::encode(expand_label(Hash::Sha256, &secret, "key", 16).unwrap()),
            "dbfaa693d1762c5b666af5d950258d01"
        );
        assert_eq!(
            hex::encode(expand_label(Hash::Sha256, &secret, "iv", 12).unwrap()),
            "5bd3c71b836e0b76bb73265f"
        );
    }
}
