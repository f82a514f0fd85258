//! Record data: decoding the types the sensor uses, and the Zeek `dns.log`
//! answer text of a record.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::name::{hex_digit, push_escaped, read_name};
use super::{DnsError, RData, Reader, Record};

const TYPE_A: u16 = 1;
const TYPE_NS: u16 = 2;
const TYPE_CNAME: u16 = 5;
const TYPE_SOA: u16 = 6;
const TYPE_WKS: u16 = 11;
const TYPE_PTR: u16 = 12;
const TYPE_HINFO: u16 = 13;
const TYPE_MX: u16 = 15;
const TYPE_TXT: u16 = 16;
const TYPE_AAAA: u16 = 28;
const TYPE_LOC: u16 = 29;
/// NetBIOS general name service (NIMLOC in the IANA registry).
const TYPE_NB: u16 = 32;
const TYPE_SRV: u16 = 33;
const TYPE_A6: u16 = 38;
const TYPE_OPT: u16 = 41;
const TYPE_DS: u16 = 43;
const TYPE_SSHFP: u16 = 44;
const TYPE_RRSIG: u16 = 46;
const TYPE_NSEC: u16 = 47;
const TYPE_DNSKEY: u16 = 48;
const TYPE_NSEC3: u16 = 50;
const TYPE_NSEC3PARAM: u16 = 51;
const TYPE_SVCB: u16 = 64;
const TYPE_HTTPS: u16 = 65;
const TYPE_SPF: u16 = 99;
const TYPE_TSIG: u16 = 250;
const TYPE_CAA: u16 = 257;
/// BIND 9's private signing-state record.
const TYPE_BINDS: u16 = 65534;

/// Offset of the signer's name in RRSIG RDATA (RFC 4034 §3.1): type covered
/// (2), algorithm (1), labels (1), original TTL (4), expiration (4),
/// inception (4), key tag (2).
const RRSIG_SIGNER_OFFSET: usize = 18;

/// Decodes the RDATA at `msg[start..end]` of a record of type `rtype`.
///
/// Names in RDATA may be compressed, so they are read from the whole message;
/// their in-place encoding must still end inside the RDATA. Bytes left after
/// a decoded name-based RDATA are tolerated (Zeek only flags them).
pub(super) fn parse(msg: &[u8], start: usize, end: usize, rtype: u16) -> Result<RData, DnsError> {
    let mut r = Reader::within(msg, start, end);
    let decoded = match rtype {
        TYPE_A => r
            .array::<4>()
            .and_then(|b| exactly_consumed(&r, RData::A(Ipv4Addr::from(b)))),
        TYPE_AAAA => r
            .array::<16>()
            .and_then(|b| exactly_consumed(&r, RData::Aaaa(Ipv6Addr::from(b)))),
        TYPE_NS | TYPE_CNAME | TYPE_PTR => r.name().map(RData::Name),
        TYPE_MX => mx(&mut r),
        TYPE_TXT => character_strings(&mut r).map(RData::Txt),
        TYPE_SOA => soa(&mut r),
        TYPE_SRV => srv(&mut r),
        _ => r.take(r.remaining()).map(|b| RData::Other(b.to_vec())),
    };
    // Inside RDATA, running out of bytes means the RDATA is malformed.
    decoded.map_err(|e| match e {
        DnsError::Truncated => DnsError::BadRdata(rtype),
        other => other,
    })
}

fn exactly_consumed(r: &Reader<'_>, data: RData) -> Result<RData, DnsError> {
    if r.remaining() == 0 {
        Ok(data)
    } else {
        Err(DnsError::Truncated)
    }
}

fn mx(r: &mut Reader<'_>) -> Result<RData, DnsError> {
    let preference = r.u16()?;
    let exchange = r.name()?;
    Ok(RData::Mx {
        preference,
        exchange,
    })
}

fn soa(r: &mut Reader<'_>) -> Result<RData, DnsError> {
    let mname = r.name()?;
    let rname = r.name()?;
    Ok(RData::Soa {
        mname,
        rname,
        serial: r.u32()?,
        refresh: r.u32()?,
        retry: r.u32()?,
        expire: r.u32()?,
        minimum: r.u32()?,
    })
}

fn srv(r: &mut Reader<'_>) -> Result<RData, DnsError> {
    let priority = r.u16()?;
    let weight = r.u16()?;
    let port = r.u16()?;
    let target = r.name()?;
    Ok(RData::Srv {
        priority,
        weight,
        port,
        target,
    })
}

/// Length-prefixed character-strings filling the rest of the reader exactly.
fn character_strings(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, DnsError> {
    let mut strings = Vec::new();
    while r.remaining() > 0 {
        let len = usize::from(r.u8()?);
        strings.push(r.take(len)?.to_vec());
    }
    Ok(strings)
}

pub(super) fn answer_text(record: &Record) -> String {
    match &record.data {
        RData::A(addr) => addr.to_string(),
        RData::Aaaa(addr) => addr.to_string(),
        RData::Name(name) => name.to_ascii_lowercase(),
        RData::Mx { exchange, .. } => exchange.to_ascii_lowercase(),
        RData::Soa { mname, .. } => mname.to_ascii_lowercase(),
        RData::Srv { target, .. } => target.to_ascii_lowercase(),
        RData::Txt(strings) => strings_text("TXT", strings),
        RData::Other(bytes) => other_text(record.rtype, &record.name, bytes),
    }
}

/// Zeek's form for TXT and SPF: `<KIND> <len> <text>` per string, joined by
/// spaces.
fn strings_text(kind: &str, strings: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for s in strings {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(kind);
        out.push(' ');
        out.push_str(&s.len().to_string());
        out.push(' ');
        push_escaped(&mut out, s);
    }
    out
}

/// Answer text for record types kept as raw bytes, following what Zeek's
/// base DNS scripts log for each type it decodes. Where the RDATA is too
/// short for Zeek to decode, the text is empty.
fn other_text(rtype: u16, owner: &str, rdata: &[u8]) -> String {
    match rtype {
        TYPE_SPF => {
            let mut r = Reader::new(rdata);
            character_strings(&mut r)
                .map(|s| strings_text("SPF", &s))
                .unwrap_or_default()
        }
        TYPE_DS => match rdata.get(2..4) {
            Some(&[algorithm, digest_type]) => format!("DS {algorithm} {digest_type}"),
            _ => String::new(),
        },
        TYPE_DNSKEY => rdata
            .get(3)
            .map(|algorithm| format!("DNSKEY {algorithm}"))
            .unwrap_or_default(),
        TYPE_RRSIG => {
            let covered = rdata.first_chunk::<2>().map(|b| u16::from_be_bytes(*b));
            // RFC 4034 §3.1.7: the signer's name is not compressed.
            let signer = read_name(rdata, RRSIG_SIGNER_OFFSET, false);
            match (covered, signer) {
                (Some(covered), Ok((signer, _))) if signer.is_empty() => {
                    format!("RRSIG {covered} <Root>")
                }
                (Some(covered), Ok((signer, _))) => {
                    format!("RRSIG {covered} {}", signer.to_ascii_lowercase())
                }
                _ => String::new(),
            }
        }
        // RFC 4034 §4.1.1: the next owner name is not compressed.
        TYPE_NSEC => match read_name(rdata, 0, false) {
            Ok((next, _)) => format!(
                "NSEC {} {}",
                owner.to_ascii_lowercase(),
                next.to_ascii_lowercase()
            ),
            Err(_) => String::new(),
        },
        TYPE_NSEC3 => "NSEC3".to_string(),
        TYPE_NSEC3PARAM => "NSEC3PARAM".to_string(),
        TYPE_SSHFP => match rdata.get(2..) {
            Some(fingerprint) => {
                let mut out = String::from("SSHFP: ");
                for &b in fingerprint {
                    out.push(hex_digit(b >> 4));
                    out.push(hex_digit(b));
                }
                out
            }
            None => String::new(),
        },
        TYPE_LOC => match rdata.get(..16) {
            Some(&[_version, size, horiz_pre, vert_pre, ..]) => {
                format!("LOC:  {size} {horiz_pre} {vert_pre}")
            }
            _ => String::new(),
        },
        TYPE_BINDS => "BIND9 signing signal".to_string(),
        // Decoded by Zeek, but its scripts add no answer text for them.
        TYPE_WKS | TYPE_HINFO | TYPE_NB | TYPE_A6 | TYPE_OPT | TYPE_SVCB | TYPE_HTTPS
        | TYPE_TSIG | TYPE_CAA => String::new(),
        // Types this parser decodes never get here unless built by hand.
        TYPE_A | TYPE_AAAA | TYPE_NS | TYPE_CNAME | TYPE_PTR | TYPE_MX | TYPE_TXT | TYPE_SOA
        | TYPE_SRV => String::new(),
        other => format!("<unknown type={other}>"),
    }
}
