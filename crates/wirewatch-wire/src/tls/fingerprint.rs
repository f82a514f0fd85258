//! JA3 / JA3S (Salesforce, github.com/salesforce/ja3) and JA4 (FoxIO,
//! github.com/FoxIO-LLC/ja4, technical_details/JA4.md) fingerprints.

use md5::Md5;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

use super::{ClientHello, ServerHello};

const EXT_SERVER_NAME: u16 = 0x0000;
const EXT_ALPN: u16 = 0x0010;

/// GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa.
fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

fn lower_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Values joined with '-' in decimal, as JA3 writes its lists.
fn dash_list<T: std::fmt::Display>(values: impl IntoIterator<Item = T>) -> String {
    let mut s = String::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            s.push('-');
        }
        let _ = write!(s, "{v}");
    }
    s
}

fn md5_hex(s: &str) -> String {
    lower_hex(&Md5::digest(s.as_bytes()))
}

/// JA3: `version,ciphers,extensions,groups,point_formats` in decimal, lists
/// '-'-joined in wire order, GREASE values dropped; returns (string, MD5 hex).
pub fn ja3(ch: &ClientHello) -> (String, String) {
    let not_grease = |v: &&u16| !is_grease(**v);
    let s = format!(
        "{},{},{},{},{}",
        ch.legacy_version,
        dash_list(ch.cipher_suites.iter().filter(not_grease)),
        dash_list(ch.extensions.iter().filter(not_grease)),
        dash_list(ch.supported_groups.iter().filter(not_grease)),
        dash_list(&ch.ec_point_formats),
    );
    let hash = md5_hex(&s);
    (s, hash)
}

/// JA3S: `version,cipher,extensions` from the ServerHello (legacy version
/// field, extensions in wire order, as the reference ja3s.py does); returns
/// (string, MD5 hex).
pub fn ja3s(sh: &ServerHello) -> (String, String) {
    let s = format!(
        "{},{},{}",
        sh.legacy_version,
        sh.cipher_suite,
        dash_list(&sh.extensions)
    );
    let hash = md5_hex(&s);
    (s, hash)
}

/// JA4 (TLS client): `t|q`, version, `d|i`, cipher count, extension count,
/// ALPN first+last character, `_`, sha256-12 of the sorted ciphers, `_`,
/// sha256-12 of the sorted extensions (without SNI and ALPN) followed by `_`
/// and the signature algorithms in wire order. GREASE is ignored throughout.
pub fn ja4(ch: &ClientHello, transport_quic: bool) -> String {
    let ciphers: Vec<u16> = ch
        .cipher_suites
        .iter()
        .copied()
        .filter(|&c| !is_grease(c))
        .collect();
    let extensions: Vec<u16> = ch
        .extensions
        .iter()
        .copied()
        .filter(|&e| !is_grease(e))
        .collect();
    let sigs: Vec<u16> = ch
        .signature_algorithms
        .iter()
        .copied()
        .filter(|&s| !is_grease(s))
        .collect();

    let version = ch
        .supported_versions
        .iter()
        .copied()
        .filter(|&v| !is_grease(v))
        .max()
        .unwrap_or(ch.legacy_version);
    let version = match version {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    };
    let mut out = String::with_capacity(36);
    out.push(if transport_quic { 'q' } else { 't' });
    out.push_str(version);
    out.push(if extensions.contains(&EXT_SERVER_NAME) {
        'd'
    } else {
        'i'
    });
    let _ = write!(
        out,
        "{:02}{:02}",
        ciphers.len().min(99),
        extensions.len().min(99)
    );
    out.push_str(&ja4_alpn(ch.alpn.first().map(String::as_str)));

    let mut sorted = ciphers;
    sorted.sort_unstable();
    out.push('_');
    out.push_str(&sha256_12(&comma_hex(&sorted)));

    let mut sorted: Vec<u16> = extensions
        .into_iter()
        .filter(|&e| e != EXT_SERVER_NAME && e != EXT_ALPN)
        .collect();
    sorted.sort_unstable();
    let mut c = comma_hex(&sorted);
    if !c.is_empty() && !sigs.is_empty() {
        c.push('_');
        c.push_str(&comma_hex(&sigs));
    }
    out.push('_');
    out.push_str(&sha256_12(&c));
    out
}

/// 4-digit lower-case hex values joined with ','.
fn comma_hex(values: &[u16]) -> String {
    let mut s = String::with_capacity(values.len() * 5);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{v:04x}");
    }
    s
}

/// First 12 hex digits of SHA-256, or twelve zeros for an empty list.
fn sha256_12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".to_string();
    }
    let mut h = lower_hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

/// The two ALPN characters of JA4: first and last character of the first
/// protocol if both are ASCII alphanumeric, else the first and last hex digit
/// of its bytes; "00" when there is none.
fn ja4_alpn(first: Option<&str>) -> String {
    // ClientHello strings hold one char per wire byte; a char above U+00FF can
    // only come from a hand-built value, whose UTF-8 bytes are used then.
    let bytes: Vec<u8> = match first {
        None => return "00".to_string(),
        Some(s) if s.chars().all(|c| u32::from(c) <= 0xff) => s
            .chars()
            .filter_map(|c| u8::try_from(u32::from(c)).ok())
            .collect(),
        Some(s) => s.as_bytes().to_vec(),
    };
    let (Some(&a), Some(&z)) = (bytes.first(), bytes.last()) else {
        return "00".to_string();
    };
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        [char::from(a), char::from(z)].iter().collect()
    } else {
        let hex = lower_hex(&bytes);
        let first = hex.chars().next().unwrap_or('0');
        let last = hex.chars().last().unwrap_or('0');
        [first, last].iter().collect()
    }
}
