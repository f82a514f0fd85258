//! The TLS 1.2 Certificate message and a minimal DER walk of each X.509
//! certificate: serial, issuer, validity and subject (RFC 5280 §4.1).
//!
//! Names are printed the way Zeek's x509.log / ssl.log print them, which is
//! OpenSSL's `X509_NAME_print_ex(…, XN_FLAG_RFC2253)`: RDNs last-to-first,
//! ',' between RDNs and '+' inside a multi-valued one, short attribute names,
//! RFC 2253 escaping (`\,` `\+` `\"` `\\` `\<` `\>` `\;`, a leading `#` or
//! space, a trailing space), control bytes and every byte of a non-ASCII
//! character's UTF-8 as `\XX`, and `#`-hex DER for unknown attribute types or
//! non-string values.
//!
//! The walk descends a fixed number of levels (Certificate → TBSCertificate →
//! Name → RDN → attribute) and never recurses, so nesting depth needs no limit.

use std::fmt::Write as _;

use super::hello::Cursor;
use super::{TlsError, MAX_CERTIFICATES};

/// Most attributes read from one Name. Real names have fewer than 15; the
/// cap bounds the text one certificate can make the sensor log.
pub const MAX_NAME_ATTRIBUTES: usize = 64;
/// Longest DER long-form length accepted, in octets. Four octets express
/// 4 GiB, more than any certificate; longer length fields are malformed.
pub const MAX_DER_LENGTH_OCTETS: usize = 4;

const TAG_INTEGER: u8 = 0x02;
const TAG_OID: u8 = 0x06;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_VERSION: u8 = 0xa0;

/// What the sensor logs about one certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// RFC 4514-style, in Zeek's order, e.g. `CN=*.taleo.net,OU=Web,O=Taleo Inc.,C=US`.
    pub subject: String,
    pub issuer: String,
    /// Validity start as RFC 3339 UTC (`2011-05-04T00:00:00Z`); `None` if the time does not parse.
    pub not_before: Option<String>,
    /// Validity end, same format.
    pub not_after: Option<String>,
    /// Upper-case hex of the serial number without sign padding, as Zeek
    /// prints it (`01`, `99FAA8…`); negative serials get a leading '-'.
    pub serial_hex: String,
}

impl CertInfo {
    /// `not_before` as seconds since the Unix epoch (Zeek's x509.log time format).
    pub fn not_before_unix(&self) -> Option<i64> {
        self.not_before.as_deref().and_then(rfc3339_to_unix)
    }

    /// `not_after` as seconds since the Unix epoch.
    pub fn not_after_unix(&self) -> Option<i64> {
        self.not_after.as_deref().and_then(rfc3339_to_unix)
    }
}

/// Why a certificate's DER could not be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum X509Error {
    #[error("truncated DER")]
    Truncated,
    #[error("expected DER tag {expected:#04x}, found {found:#04x}")]
    UnexpectedTag { expected: u8, found: u8 },
    #[error("multi-byte DER tag")]
    HighTagNumber,
    #[error("indefinite DER length")]
    IndefiniteLength,
    #[error("DER length field too long")]
    LengthTooLong,
    #[error("empty INTEGER")]
    EmptyInteger,
    #[error("validity time is neither UTCTime nor GeneralizedTime (tag {0:#04x})")]
    BadTimeTag(u8),
    #[error("more than MAX_NAME_ATTRIBUTES attributes in a name")]
    TooManyAttributes,
}

/// The certificate_list of a TLS 1.0-1.2 Certificate message (RFC 5246 §7.4.2), leaf first.
pub(super) fn parse_certificate_message(body: &[u8]) -> Result<Vec<CertInfo>, TlsError> {
    let mut c = Cursor::new(body);
    let mut list = Cursor::new(c.vec24("certificate_list")?);
    c.finish("certificate")?;
    let mut out = Vec::new();
    while !list.is_empty() {
        if out.len() >= MAX_CERTIFICATES {
            return Err(TlsError::TooManyCertificates);
        }
        let der = list.vec24("certificate")?;
        let info = parse_certificate(der).map_err(|reason| TlsError::BadCertificate {
            index: out.len(),
            reason,
        })?;
        out.push(info);
    }
    Ok(out)
}

/// One DER element: tag, contents, the whole encoding, and what follows it.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
    whole: &'a [u8],
    rest: &'a [u8],
}

fn tlv(buf: &[u8]) -> Result<Tlv<'_>, X509Error> {
    let (&tag, after_tag) = buf.split_first().ok_or(X509Error::Truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(X509Error::HighTagNumber);
    }
    let (&first, mut after_len) = after_tag.split_first().ok_or(X509Error::Truncated)?;
    let len = match first {
        0..=0x7f => usize::from(first),
        0x80 => return Err(X509Error::IndefiniteLength),
        _ => {
            let n = usize::from(first & 0x7f);
            if n > MAX_DER_LENGTH_OCTETS {
                return Err(X509Error::LengthTooLong);
            }
            let (octets, rest) = after_len.split_at_checked(n).ok_or(X509Error::Truncated)?;
            after_len = rest;
            octets
                .iter()
                .fold(0usize, |acc, &b| acc << 8 | usize::from(b))
        }
    };
    let header = buf.len() - after_len.len();
    let (body, rest) = after_len
        .split_at_checked(len)
        .ok_or(X509Error::Truncated)?;
    let whole = buf.get(..header + len).ok_or(X509Error::Truncated)?;
    Ok(Tlv {
        tag,
        body,
        whole,
        rest,
    })
}

fn expect(buf: &[u8], expected: u8) -> Result<Tlv<'_>, X509Error> {
    let t = tlv(buf)?;
    if t.tag != expected {
        return Err(X509Error::UnexpectedTag {
            expected,
            found: t.tag,
        });
    }
    Ok(t)
}

pub(super) fn parse_certificate(der: &[u8]) -> Result<CertInfo, X509Error> {
    let cert = expect(der, TAG_SEQUENCE)?;
    let tbs = expect(cert.body, TAG_SEQUENCE)?;
    let mut rest = tbs.body;
    if rest.first() == Some(&TAG_VERSION) {
        rest = tlv(rest)?.rest;
    }
    let serial = expect(rest, TAG_INTEGER)?;
    let signature = expect(serial.rest, TAG_SEQUENCE)?;
    let issuer = expect(signature.rest, TAG_SEQUENCE)?;
    let validity = expect(issuer.rest, TAG_SEQUENCE)?;
    let subject = expect(validity.rest, TAG_SEQUENCE)?;
    let not_before = tlv(validity.body)?;
    let not_after = tlv(not_before.rest)?;
    Ok(CertInfo {
        subject: format_name(subject.body)?,
        issuer: format_name(issuer.body)?,
        not_before: asn1_time(not_before.tag, not_before.body)?,
        not_after: asn1_time(not_after.tag, not_after.body)?,
        serial_hex: serial_hex(serial.body)?,
    })
}

fn upper_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02X}");
    }
}

/// INTEGER contents (two's complement) as OpenSSL's `i2a_ASN1_INTEGER` prints them.
pub(super) fn serial_hex(body: &[u8]) -> Result<String, X509Error> {
    let (&first, _) = body.split_first().ok_or(X509Error::EmptyInteger)?;
    let mut out = String::with_capacity(body.len() * 2 + 1);
    let magnitude: Vec<u8> = if first & 0x80 != 0 {
        out.push('-');
        // Negate: invert and add one, from the least significant byte up.
        let mut m: Vec<u8> = body.iter().map(|b| !b).collect();
        for b in m.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        m
    } else {
        body.to_vec()
    };
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let digits = magnitude.get(start..).unwrap_or_default();
    if digits.is_empty() {
        out.push_str("00");
    } else {
        upper_hex(&mut out, digits);
    }
    Ok(out)
}

/// One attribute of a Name, flattened, with the index of its RDN.
struct Attribute<'a> {
    rdn: usize,
    oid: &'a [u8],
    value: Tlv<'a>,
}

/// The contents of a Name (SEQUENCE OF RDN) as Zeek prints it.
pub(super) fn format_name(name: &[u8]) -> Result<String, X509Error> {
    let mut attrs: Vec<Attribute<'_>> = Vec::new();
    let mut rdns = name;
    let mut rdn = 0;
    while !rdns.is_empty() {
        let set = expect(rdns, TAG_SET)?;
        rdns = set.rest;
        let mut members = set.body;
        while !members.is_empty() {
            if attrs.len() >= MAX_NAME_ATTRIBUTES {
                return Err(X509Error::TooManyAttributes);
            }
            let atv = expect(members, TAG_SEQUENCE)?;
            members = atv.rest;
            let oid = expect(atv.body, TAG_OID)?;
            let value = tlv(oid.rest)?;
            attrs.push(Attribute {
                rdn,
                oid: oid.body,
                value,
            });
        }
        rdn += 1;
    }

    let mut out = String::new();
    let mut prev_rdn = None;
    for a in attrs.iter().rev() {
        match prev_rdn {
            None => {}
            Some(p) if p == a.rdn => out.push('+'),
            Some(_) => out.push(','),
        }
        prev_rdn = Some(a.rdn);
        match attribute_name(a.oid) {
            Some(short) => {
                out.push_str(short);
                out.push('=');
                format_value(&mut out, &a.value);
            }
            None => {
                push_dotted_oid(&mut out, a.oid);
                out.push_str("=#");
                upper_hex(&mut out, a.value.whole);
            }
        }
    }
    Ok(out)
}

/// OpenSSL's short names for the attribute types found in certificate names.
fn attribute_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, x] => match x {
            3 => "CN",
            4 => "SN",
            5 => "serialNumber",
            6 => "C",
            7 => "L",
            8 => "ST",
            9 => "street",
            10 => "O",
            11 => "OU",
            12 => "title",
            13 => "description",
            15 => "businessCategory",
            17 => "postalCode",
            41 => "name",
            42 => "GN",
            43 => "initials",
            44 => "generationQualifier",
            46 => "dnQualifier",
            65 => "pseudonym",
            97 => "organizationIdentifier",
            _ => return None,
        },
        // 1.2.840.113549.1.9.{1,2}
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02] => "unstructuredName",
        // 0.9.2342.19200300.100.1.{25,1}
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        // 1.3.6.1.4.1.311.60.2.1.{1,2,3} (EV jurisdiction)
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, x] => match x {
            1 => "jurisdictionL",
            2 => "jurisdictionST",
            3 => "jurisdictionC",
            _ => return None,
        },
        _ => return None,
    })
}

/// Dotted-decimal form of OBJECT IDENTIFIER contents; malformed contents as `#`-less hex.
fn push_dotted_oid(out: &mut String, oid: &[u8]) {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut ok = !oid.is_empty();
    for &b in oid {
        if acc > u64::MAX >> 7 {
            ok = false;
            break;
        }
        acc = acc << 7 | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    if !ok || oid.last().is_some_and(|b| b & 0x80 != 0) {
        upper_hex(out, oid);
        return;
    }
    for (i, arc) in arcs.iter().enumerate() {
        if i == 0 {
            let (a, b) = match *arc {
                0..=39 => (0, *arc),
                40..=79 => (1, arc - 40),
                _ => (2, arc - 80),
            };
            let _ = write!(out, "{a}.{b}");
        } else {
            let _ = write!(out, ".{arc}");
        }
    }
}

/// An attribute value with OpenSSL's `ASN1_STRFLGS_RFC2253` treatment.
fn format_value(out: &mut String, value: &Tlv<'_>) {
    let body = value.body;
    let chars: Vec<u32> = match value.tag {
        // UTF8String
        0x0c => match std::str::from_utf8(body) {
            Ok(s) => s.chars().map(u32::from).collect(),
            Err(_) => {
                // Not UTF-8 after all: show every byte escaped rather than guess.
                for b in body {
                    let _ = write!(out, "\\{b:02X}");
                }
                return;
            }
        },
        // Numeric, Printable, T61 (as Latin-1), IA5, UTCTime, GeneralizedTime, Visible: 1 byte/char.
        0x12 | 0x13 | 0x14 | 0x16 | 0x17 | 0x18 | 0x1a => {
            body.iter().map(|&b| u32::from(b)).collect()
        }
        // BMPString: UCS-2 big-endian.
        0x1e if body.len().is_multiple_of(2) => body
            .chunks_exact(2)
            .filter_map(|c| <[u8; 2]>::try_from(c).ok())
            .map(|c| u32::from(u16::from_be_bytes(c)))
            .collect(),
        // UniversalString: UCS-4 big-endian.
        0x1c if body.len().is_multiple_of(4) => body
            .chunks_exact(4)
            .filter_map(|c| <[u8; 4]>::try_from(c).ok())
            .map(u32::from_be_bytes)
            .collect(),
        _ => {
            out.push('#');
            upper_hex(out, value.whole);
            return;
        }
    };
    let last = chars.len().saturating_sub(1);
    for (i, &c) in chars.iter().enumerate() {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => {
                let special = matches!(b, b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';')
                    || (i == 0 && (b == b'#' || b == b' '))
                    || (i == last && b == b' ');
                if special {
                    out.push('\\');
                    out.push(char::from(b));
                } else if b.is_ascii_control() {
                    let _ = write!(out, "\\{b:02X}");
                } else {
                    out.push(char::from(b));
                }
            }
            _ => {
                let mut buf = [0u8; 6];
                for b in utf8_encode(c, &mut buf) {
                    let _ = write!(out, "\\{b:02X}");
                }
            }
        }
    }
}

/// UTF-8 encoding of any 31-bit code point (surrogates included, as OpenSSL
/// does for BMP/Universal strings).
fn utf8_encode(c: u32, buf: &mut [u8; 6]) -> &[u8] {
    let n = match c {
        0..=0x7f => 1,
        0x80..=0x7ff => 2,
        0x800..=0xffff => 3,
        0x1_0000..=0x1f_ffff => 4,
        0x20_0000..=0x3ff_ffff => 5,
        _ => 6,
    };
    if n == 1 {
        buf[0] = c as u8;
        return &buf[..1];
    }
    let lead_marks: [u8; 7] = [0, 0, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc];
    let mut v = c;
    for i in (1..n).rev() {
        buf[i] = 0x80 | (v & 0x3f) as u8;
        v >>= 6;
    }
    buf[0] = lead_marks[n] | v as u8;
    &buf[..n]
}

/// UTCTime / GeneralizedTime contents as RFC 3339 UTC. `Ok(None)` when the
/// text is not a time this walk understands; an element of another type is an error.
pub(super) fn asn1_time(tag: u8, body: &[u8]) -> Result<Option<String>, X509Error> {
    let digits = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let (year, rest) = match tag {
        TAG_UTC_TIME => {
            let (yy, rest) = match body.split_at_checked(2) {
                Some(p) => p,
                None => return Ok(None),
            };
            // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
            let year = digits(yy).map(|y| if y >= 50 { 1900 + y } else { 2000 + y });
            (year, rest)
        }
        TAG_GENERALIZED_TIME => match body.split_at_checked(4) {
            Some((yyyy, rest)) => (digits(yyyy), rest),
            None => return Ok(None),
        },
        other => return Err(X509Error::BadTimeTag(other)),
    };
    Ok(year.and_then(|year| time_rest(year, rest)))
}

/// MMDDHHMM[SS][.fraction]Z after the year.
fn time_rest(year: u32, rest: &[u8]) -> Option<String> {
    let two = |i: usize| -> Option<u32> {
        match rest.get(i..i + 2)? {
            &[a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            }
            _ => None,
        }
    };
    let (month, day, hour, minute) = (two(0)?, two(2)?, two(4)?, two(6)?);
    let (second, mut tail) = match two(8) {
        Some(s) => (s, rest.get(10..)?),
        None => (0, rest.get(8..)?),
    };
    if let Some(frac) = tail.strip_prefix(b".") {
        let digits = frac.iter().take_while(|b| b.is_ascii_digit()).count();
        tail = frac.get(digits..)?;
    }
    if tail != b"Z" {
        return None;
    }
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    valid.then(|| format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"))
}

/// Days of a month of the proleptic Gregorian calendar (0 for no such month).
fn days_in_month(year: u32, month: u32) -> u32 {
    let (Ok(year), Some(month)) = (
        i32::try_from(year),
        u8::try_from(month)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok()),
    ) else {
        return 0;
    };
    u32::from(month.length(year))
}

/// Seconds since the epoch for a `YYYY-MM-DDTHH:MM:SSZ` string (a leap
/// second `:60` counts as the next second).
fn rfc3339_to_unix(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        std::str::from_utf8(b.get(from..to)?).ok()?.parse().ok()
    };
    if b.len() != 20
        || b.get(4) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(19) != Some(&b'Z')
    {
        return None;
    }
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hh, mm, ss) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Some(midnight + hh * 3_600 + mm * 60 + ss)
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn certificate_times_are_calendar_checked_and_converted() {
        assert_eq!(
            time_rest(2024, b"0229120000Z").as_deref(),
            Some("2024-02-29T12:00:00Z")
        );
        assert_eq!(time_rest(2023, b"0229120000Z"), None);
        assert_eq!(time_rest(2100, b"0229120000Z"), None);
        assert!(time_rest(2000, b"0229120000Z").is_some());
        assert_eq!(time_rest(2024, b"1301120000Z"), None);
        assert_eq!(rfc3339_to_unix("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_to_unix("2020-03-31T06:40:21Z"), Some(1_585_636_821));
        assert_eq!(rfc3339_to_unix("2016-12-31T23:59:60Z"), Some(1_483_228_800));
        assert_eq!(rfc3339_to_unix("1950-01-01T00:00:00Z"), Some(-631_152_000));
    }
}
