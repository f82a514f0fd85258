//! Cipher suites and the decryption of one direction's records.

use crate::kdf::{self, Hash, MacHash};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
use chacha20poly1305::ChaCha20Poly1305;

/// The bulk cipher of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
    Aes128Cbc(MacHash),
    Aes256Cbc(MacHash),
}

impl Bulk {
    pub fn key_len(self) -> usize {
        match self {
            Bulk::Aes128Gcm | Bulk::Aes128Cbc(_) => 16,
            _ => 32,
        }
    }

    /// The part of the IV that comes from the key schedule (TLS 1.2).
    pub fn fixed_iv_len12(self) -> usize {
        match self {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => 4,
            Bulk::ChaCha20Poly1305 => 12,
            Bulk::Aes128Cbc(_) | Bulk::Aes256Cbc(_) => 16,
        }
    }

    pub fn mac(self) -> Option<MacHash> {
        match self {
            Bulk::Aes128Cbc(m) | Bulk::Aes256Cbc(m) => Some(m),
            _ => None,
        }
    }
}

/// What the decryption needs of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub bulk: Bulk,
    /// The PRF (TLS 1.2) or key schedule (TLS 1.3) hash.
    pub hash: Hash,
    /// TLS 1.2 with the RSA key exchange (a private key decrypts it).
    pub rsa_kx: bool,
    pub tls13: bool,
}

/// The cipher suites decrypted: TLS 1.3's three; TLS 1.2's AES-GCM,
/// ChaCha20-Poly1305 and AES-CBC with SHA-1/SHA-256/SHA-384 MACs, with the
/// RSA, ECDHE and DHE key exchanges (RSA and ECDSA certificates).
pub fn suite(id: u16) -> Option<Suite> {
    use Bulk::*;
    use MacHash as M;
    let (bulk, hash, rsa_kx, tls13) = match id {
        0x1301 => (Aes128Gcm, Hash::Sha256, false, true),
        0x1302 => (Aes256Gcm, Hash::Sha384, false, true),
        0x1303 => (ChaCha20Poly1305, Hash::Sha256, false, true),
        // RSA key exchange.
        0x002f => (Aes128Cbc(M::Sha1), Hash::Sha256, true, false),
        0x0035 => (Aes256Cbc(M::Sha1), Hash::Sha256, true, false),
        0x003c => (Aes128Cbc(M::Sha256), Hash::Sha256, true, false),
        0x003d => (Aes256Cbc(M::Sha256), Hash::Sha256, true, false),
        0x009c => (Aes128Gcm, Hash::Sha256, true, false),
        0x009d => (Aes256Gcm, Hash::Sha384, true, false),
        // DHE-RSA.
        0x0033 => (Aes128Cbc(M::Sha1), Hash::Sha256, false, false),
        0x0039 => (Aes256Cbc(M::Sha1), Hash::Sha256, false, false),
        0x0067 => (Aes128Cbc(M::Sha256), Hash::Sha256, false, false),
        0x006b => (Aes256Cbc(M::Sha256), Hash::Sha256, false, false),
        0x009e => (Aes128Gcm, Hash::Sha256, false, false),
        0x009f => (Aes256Gcm, Hash::Sha384, false, false),
        0xccaa => (ChaCha20Poly1305, Hash::Sha256, false, false),
        // ECDHE-ECDSA and ECDHE-RSA.
        0xc009 | 0xc013 => (Aes128Cbc(M::Sha1), Hash::Sha256, false, false),
        0xc00a | 0xc014 => (Aes256Cbc(M::Sha1), Hash::Sha256, false, false),
        0xc023 | 0xc027 => (Aes128Cbc(M::Sha256), Hash::Sha256, false, false),
        0xc024 | 0xc028 => (Aes256Cbc(M::Sha384), Hash::Sha384, false, false),
        0xc02b | 0xc02f => (Aes128Gcm, Hash::Sha256, false, false),
        0xc02c | 0xc030 => (Aes256Gcm, Hash::Sha384, false, false),
        0xcca8 | 0xcca9 => (ChaCha20Poly1305, Hash::Sha256, false, false),
        _ => return None,
    };
    Some(Suite {
        id,
        bulk,
        hash,
        rsa_kx,
        tls13,
    })
}

/// Why a record did not decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// The tag or MAC did not verify: wrong keys (or a damaged record).
    Auth,
    /// Too short for its cipher, or bad CBC padding.
    Malformed,
}

/// One direction's record protection: keys and the sequence number.
pub struct RecordCipher {
    bulk: Bulk,
    key: Vec<u8>,
    iv: Vec<u8>,
    mac_key: Vec<u8>,
    /// Encrypt-then-MAC (RFC 7366, CBC suites).
    etm: bool,
    tls13: bool,
    pub seq: u64,
}

impl std::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordCipher({:?}, seq {})", self.bulk, self.seq)
    }
}

/// The client's and the server's record ciphers of a TLS 1.2 session from
/// its master secret.
pub fn tls12_ciphers(
    s: &Suite,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    etm: bool,
) -> (RecordCipher, RecordCipher) {
    let mac_len = s.bulk.mac().map_or(0, MacHash::size);
    let (kl, ivl) = (s.bulk.key_len(), s.bulk.fixed_iv_len12());
    let block = kdf::prf12(
        s.hash,
        master,
        b"key expansion",
        &[server_random, client_random],
        2 * (mac_len + kl + ivl),
    );
    let mut at = 0;
    let mut take = |n: usize| {
        let v = block[at..at + n].to_vec();
        at += n;
        v
    };
    let (cmac, smac) = (take(mac_len), take(mac_len));
    let (ckey, skey) = (take(kl), take(kl));
    let (civ, siv) = (take(ivl), take(ivl));
    let make = |key, iv, mac_key| RecordCipher {
        bulk: s.bulk,
        key,
        iv,
        mac_key,
        etm,
        tls13: false,
        seq: 0,
    };
    (make(ckey, civ, cmac), make(skey, siv, smac))
}

/// The master secret of TLS 1.2 from the pre-master secret: with the
/// extended master secret (RFC 7627) when `session_hash` is given.
pub fn master_secret(
    hash: Hash,
    pms: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    session_hash: Option<&[u8]>,
) -> Vec<u8> {
    match session_hash {
        Some(h) => kdf::prf12(hash, pms, b"extended master secret", &[h], 48),
        None => kdf::prf12(
            hash,
            pms,
            b"master secret",
            &[client_random, server_random],
            48,
        ),
    }
}

impl RecordCipher {
    /// A TLS 1.3 record cipher from a traffic secret.
    pub fn tls13(s: &Suite, secret: &[u8]) -> Option<RecordCipher> {
        Some(RecordCipher {
            bulk: s.bulk,
            key: kdf::expand_label(s.hash, secret, "key", s.bulk.key_len())?,
            iv: kdf::expand_label(s.hash, secret, "iv", 12)?,
            mac_key: Vec::new(),
            etm: false,
            tls13: true,
            seq: 0,
        })
    }

    /// Decrypt one record (`header`: its 5 bytes, `body`: what follows).
    /// TLS 1.3: the inner plaintext is returned with its content type
    /// (the type byte and padding removed). The sequence number advances
    /// only when the record opens.
    pub fn open(&mut self, header: &[u8; 5], body: &[u8]) -> Result<(u8, Vec<u8>), RecordError> {
        let out = if self.tls13 {
            self.open13(header, body)
        } else {
            self.open12(header, body).map(|p| (header[0], p))
        }?;
        self.seq += 1;
        Ok(out)
    }

    fn nonce_xor(&self) -> [u8; 12] {
        let mut n = [0u8; 12];
        n.copy_from_slice(&self.iv[..12]);
        for (i, b) in self.seq.to_be_bytes().iter().enumerate() {
            n[4 + i] ^= b;
        }
        n
    }

    fn aead(&self, nonce: &[u8; 12], ct: &[u8], aad: &[u8]) -> Result<Vec<u8>, RecordError> {
        let p = Payload { msg: ct, aad };
        let n = nonce.into();
        let r = match self.bulk {
            Bulk::Aes128Gcm => Aes128Gcm::new_from_slice(&self.key)
                .map_err(|_| RecordError::Malformed)?
                .decrypt(n, p),
            Bulk::Aes256Gcm => Aes256Gcm::new_from_slice(&self.key)
                .map_err(|_| RecordError::Malformed)?
                .decrypt(n, p),
            Bulk::ChaCha20Poly1305 => ChaCha20Poly1305::new_from_slice(&self.key)
                .map_err(|_| RecordError::Malformed)?
                .decrypt(n, p),
            _ => return Err(RecordError::Malformed),
        };
        r.map_err(|_| RecordError::Auth)
    }

    fn open13(&self, header: &[u8; 5], body: &[u8]) -> Result<(u8, Vec<u8>), RecordError> {
        if body.len() < 17 {
            return Err(RecordError::Malformed);
        }
        let mut p = self.aead(&self.nonce_xor(), body, header)?;
        // Strip the zero padding; the last non-zero byte is the real type.
        while p.last() == Some(&0) {
            p.pop();
        }
        let ty = p.pop().ok_or(RecordError::Malformed)?;
        Ok((ty, p))
    }

    fn aad12(&self, header: &[u8; 5], len: usize) -> [u8; 13] {
        let mut a = [0u8; 13];
        a[..8].copy_from_slice(&self.seq.to_be_bytes());
        a[8..11].copy_from_slice(&header[..3]);
        a[11..].copy_from_slice(&(len as u16).to_be_bytes());
        a
    }

    fn open12(&self, header: &[u8; 5], body: &[u8]) -> Result<Vec<u8>, RecordError> {
        match self.bulk {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => {
                if body.len() < 8 + 16 {
                    return Err(RecordError::Malformed);
                }
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(&self.iv[..4]);
                nonce[4..].copy_from_slice(&body[..8]);
                let aad = self.aad12(header, body.len() - 24);
                self.aead(&nonce, &body[8..], &aad)
            }
            Bulk::ChaCha20Poly1305 => {
                if body.len() < 16 {
                    return Err(RecordError::Malformed);
                }
                let aad = self.aad12(header, body.len() - 16);
                self.aead(&self.nonce_xor(), body, &aad)
            }
            Bulk::Aes128Cbc(m) | Bulk::Aes256Cbc(m) => self.open_cbc(m, header, body),
        }
    }

    fn cbc_decrypt(&self, iv: &[u8], ct: &[u8]) -> Result<Vec<u8>, RecordError> {
        if ct.is_empty() || !ct.len().is_multiple_of(16) {
            return Err(RecordError::Malformed);
        }
        let mut buf = ct.to_vec();
        let r = match self.bulk {
            Bulk::Aes128Cbc(_) => cbc::Decryptor::<aes::Aes128>::new_from_slices(&self.key, iv)
                .map_err(|_| RecordError::Malformed)?
                .decrypt_padded_mut::<NoPadding>(&mut buf)
                .map(<[u8]>::len),
            _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&self.key, iv)
                .map_err(|_| RecordError::Malformed)?
                .decrypt_padded_mut::<NoPadding>(&mut buf)
                .map(<[u8]>::len),
        };
        let n = r.map_err(|_| RecordError::Malformed)?;
        buf.truncate(n);
        Ok(buf)
    }

    fn open_cbc(&self, m: MacHash, header: &[u8; 5], body: &[u8]) -> Result<Vec<u8>, RecordError> {
        let ml = m.size();
        if self.etm {
            if body.len() < 16 + 16 + ml {
                return Err(RecordError::Malformed);
            }
            let (data, tag) = body.split_at(body.len() - ml);
            let aad = self.aad12(header, data.len());
            if !ct_eq(&kdf::record_mac(m, &self.mac_key, &[&aad, data]), tag) {
                return Err(RecordError::Auth);
            }
            let mut p = self.cbc_decrypt(&data[..16], &data[16..])?;
            let pad = usize::from(*p.last().ok_or(RecordError::Malformed)?);
            if pad + 1 > p.len() {
                return Err(RecordError::Malformed);
            }
            p.truncate(p.len() - pad - 1);
            return Ok(p);
        }
        if body.len() < 16 + 16 {
            return Err(RecordError::Malformed);
        }
        let p = self.cbc_decrypt(&body[..16], &body[16..])?;
        let pad = usize::from(*p.last().ok_or(RecordError::Malformed)?);
        // Wrong keys give random padding: the MAC below tells them apart.
        if pad + 1 + ml > p.len()
            || p[p.len() - pad - 1..]
                .iter()
                .any(|&b| usize::from(b) != pad)
        {
            return Err(RecordError::Auth);
        }
        let end = p.len() - pad - 1 - ml;
        let (plain, tag) = (&p[..end], &p[end..end + ml]);
        let aad = self.aad12(header, plain.len());
        if !ct_eq(&kdf::record_mac(m, &self.mac_key, &[&aad, plain]), tag) {
            return Err(RecordError::Auth);
        }
        Ok(plain.to_vec())
    }
}

/// Equal bytes, in time independent of where they differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
