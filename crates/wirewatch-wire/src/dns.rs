//! DNS messages (RFC 1035 and successors): header, questions and resource
//! records with name decompression, DNS-over-TCP framing, type and rcode
//! names, and the answer text of Zeek's `dns.log`.
//!
//! Everything here is pure: bytes in, `Result<_, DnsError>` out, no I/O, and
//! no panic on any input. Every read is bounds-checked, name decoding is a
//! loop (no recursion) with a cap on compression-pointer jumps, and every
//! count a peer controls is capped by one of the named limits below.
//!
//! Record data decoded: A, AAAA, CNAME/NS/PTR, MX, TXT, SOA and SRV. Every
//! other type — the EDNS OPT pseudo-record included — is kept as raw bytes
//! ([`RData::Other`]).
//!
//! Names are the labels joined with `.`, without the trailing dot; the root
//! is `""`. The wire case is kept. A label byte outside printable ASCII
//! (0x20..=0x7e) and the backslash are written `\xHH` (lowercase hex), which
//! is how Zeek's logs escape them, so the text is unambiguous and safe to
//! log. A `.` inside a label is kept as is, as Zeek does.

#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod name;
mod names;
mod rdata;

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests;

use std::net::{Ipv4Addr, Ipv6Addr};

pub use names::{
    qtype_from_name, qtype_name, rcode_name, zeek_opcode_name, zeek_qclass_name, zeek_qtype_name,
    zeek_rcode_name,
};

/// Largest DNS message. The 16-bit TCP length prefix (RFC 1035 §4.2.2) and
/// the 16-bit UDP length both cap a message at 65535 octets; longer input is
/// not one DNS message.
pub const MAX_MESSAGE_LEN: usize = 65_535;
/// Longest name on the wire, length octets and the final root octet
/// included (RFC 1035 §2.3.4). It also bounds the text one name can produce.
pub const MAX_NAME_LEN: usize = 255;
/// Most labels in one name. Every label costs at least two octets, so a name
/// within [`MAX_NAME_LEN`] has at most 127; checked on its own so the bound
/// stays explicit.
pub const MAX_LABELS: usize = 127;
/// Most compression pointers followed while reading one name. A pointer
/// before every label of the longest legal name needs 128; beyond that the
/// pointers go round in a loop (or were crafted to burn CPU), and the cap
/// bounds the work a 2-octet pointer can cause.
pub const MAX_POINTER_JUMPS: usize = MAX_LABELS + 1;
/// Most questions accepted in one message. Real queries carry one, mDNS
/// queries batch a few dozen at most; more is not DNS (Zeek's
/// `dns_max_queries`, 25 by default, weeds out such traffic the same way).
pub const MAX_QUESTIONS: usize = 64;
/// Most records accepted in each of the answer, authority and additional
/// sections. A message of [`MAX_MESSAGE_LEN`] octets holds at most 4095 A
/// records with compressed owner names (16 octets each), the densest real
/// content (an AXFR chunk); a larger count is crafted, and is refused
/// before any record is read.
pub const MAX_RECORDS_PER_SECTION: usize = 4096;

/// Fixed header: ID, flags and the four section counts.
const HEADER_LEN: usize = 12;
/// Smallest question: the root name (one octet), QTYPE and QCLASS.
const MIN_QUESTION_LEN: usize = 5;
/// Smallest resource record: the root name, TYPE, CLASS, TTL and RDLENGTH.
const MIN_RECORD_LEN: usize = 11;

/// Why bytes could not be parsed as a DNS message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DnsError {
    /// A field, name or record runs past the end of the message (or the
    /// section counts ask for more records than the message can hold).
    #[error("truncated DNS message")]
    Truncated,
    #[error("DNS message longer than {MAX_MESSAGE_LEN} octets")]
    MessageTooLong,
    /// A section count is above [`MAX_QUESTIONS`] / [`MAX_RECORDS_PER_SECTION`].
    #[error("too many records in a section")]
    TooManyRecords,
    /// A compression pointer targets an offset at or beyond the end of the
    /// message (or appears where compression is not allowed).
    #[error("compression pointer outside the message")]
    BadPointer,
    /// More than [`MAX_POINTER_JUMPS`] compression pointers in one name.
    #[error("compression pointer loop")]
    PointerLoop,
    /// A name longer than [`MAX_NAME_LEN`] octets on the wire.
    #[error("name longer than {MAX_NAME_LEN} octets")]
    NameTooLong,
    /// A name with more than [`MAX_LABELS`] labels.
    #[error("name with more than {MAX_LABELS} labels")]
    TooManyLabels,
    /// A label length octet with the reserved `0b10` or obsolete extended
    /// `0b01` (RFC 6891 §5) type bits.
    #[error("label with a reserved or extended label type")]
    BadLabel,
    /// Record data that does not fit its type (record type).
    #[error("malformed RDATA for record type {0}")]
    BadRdata(u16),
}

/// One DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    /// QR bit.
    pub is_response: bool,
    /// 4-bit OPCODE (0 query, 4 notify, 5 update, ...).
    pub opcode: u8,
    /// AA bit.
    pub authoritative: bool,
    /// TC bit.
    pub truncated: bool,
    /// RD bit.
    pub recursion_desired: bool,
    /// RA bit.
    pub recursion_available: bool,
    /// The 4-bit header RCODE; the EDNS extended-RCODE bits (in the OPT
    /// record's TTL) are not merged in.
    pub rcode: u8,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    pub additionals: Vec<Record>,
}

/// One entry of the question section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Owner name (`""` for the root, as in an EDNS OPT record).
    pub name: String,
    pub rtype: u16,
    /// CLASS; for an OPT record, the sender's UDP payload size.
    pub class: u16,
    /// TTL; for an OPT record, the extended RCODE, version and flags.
    pub ttl: u32,
    pub data: RData,
}

/// Decoded record data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// CNAME, NS or PTR target (see [`Record::rtype`]).
    Name(String),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The character-strings, raw.
    Txt(Vec<Vec<u8>>),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// Any other type (EDNS OPT included): the RDATA bytes as sent.
    Other(Vec<u8>),
}

const FLAG_QR: u16 = 0x8000;
const FLAG_AA: u16 = 0x0400;
const FLAG_TC: u16 = 0x0200;
const FLAG_RD: u16 = 0x0100;
const FLAG_RA: u16 = 0x0080;

/// Parses one DNS message (a UDP payload, or one TCP message without its
/// length prefix).
///
/// The message is parsed whole: an error anywhere (a truncated last record
/// included) fails it. Bytes after the last record are ignored.
pub fn parse(msg: &[u8]) -> Result<Message, DnsError> {
    if msg.len() > MAX_MESSAGE_LEN {
        return Err(DnsError::MessageTooLong);
    }
    let mut r = Reader::new(msg);
    let id = r.u16()?;
    let flags = r.u16()?;
    let qdcount = usize::from(r.u16()?);
    let ancount = usize::from(r.u16()?);
    let nscount = usize::from(r.u16()?);
    let arcount = usize::from(r.u16()?);

    if qdcount > MAX_QUESTIONS
        || ancount > MAX_RECORDS_PER_SECTION
        || nscount > MAX_RECORDS_PER_SECTION
        || arcount > MAX_RECORDS_PER_SECTION
    {
        return Err(DnsError::TooManyRecords);
    }
    // Refuse counts the message cannot possibly hold before allocating for them.
    let least = qdcount * MIN_QUESTION_LEN + (ancount + nscount + arcount) * MIN_RECORD_LEN;
    if least > msg.len().saturating_sub(HEADER_LEN) {
        return Err(DnsError::Truncated);
    }

    let mut questions = Vec::with_capacity(qdcount);
    for _ in 0..qdcount {
        let name = r.name()?;
        let qtype = r.u16()?;
        let qclass = r.u16()?;
        questions.push(Question {
            name,
            qtype,
            qclass,
        });
    }
    let answers = records(&mut r, ancount)?;
    let authorities = records(&mut r, nscount)?;
    let additionals = records(&mut r, arcount)?;

    Ok(Message {
        id,
        is_response: flags & FLAG_QR != 0,
        opcode: ((flags >> 11) & 0x0f) as u8,
        authoritative: flags & FLAG_AA != 0,
        truncated: flags & FLAG_TC != 0,
        recursion_desired: flags & FLAG_RD != 0,
        recursion_available: flags & FLAG_RA != 0,
        rcode: (flags & 0x0f) as u8,
        questions,
        answers,
        authorities,
        additionals,
    })
}

/// Parses the DNS-over-TCP messages at the start of `buf` (each one a 2-octet
/// big-endian length, then the message; RFC 1035 §4.2.2).
///
/// Returns one result per complete message, in order, and the number of
/// bytes they took, length prefixes included. An incomplete trailing message
/// (or a lone first octet of a length) is left unconsumed: call again once
/// more bytes arrived. A message that fails to parse is still consumed, so
/// one bad message does not stall the stream. Work and output are linear in
/// `buf.len()` (at most one result per two bytes).
pub fn parse_tcp_stream(buf: &[u8]) -> (Vec<Result<Message, DnsError>>, usize) {
    let mut out = Vec::new();
    let mut consumed = 0usize;
    while let Some(rest) = buf.get(consumed..) {
        let Some((prefix, body)) = rest.split_first_chunk::<2>() else {
            break;
        };
        let len = usize::from(u16::from_be_bytes(*prefix));
        let Some(message) = body.get(..len) else {
            break;
        };
        out.push(parse(message));
        consumed += 2 + len;
    }
    (out, consumed)
}

impl Record {
    /// The text Zeek's `dns.log` `answers` column shows for this record:
    /// the address for A/AAAA; the target name for CNAME, NS, PTR, MX, SRV;
    /// the primary server (MNAME) for SOA; `TXT <len> <text>` per string,
    /// space-separated, for TXT (`SPF ...` for SPF); the short forms Zeek
    /// uses for DNSSEC types; `<unknown type=N>` for types Zeek does not
    /// parse.
    ///
    /// Names are ASCII-lowercased, as Zeek lowercases them; bytes are escaped
    /// as in names. An empty string means Zeek adds no answer for this type
    /// (OPT, TSIG, WKS, HINFO, CAA, SVCB, HTTPS, ...). Zeek only logs answers
    /// from the answer section; choosing the section is up to the caller.
    pub fn answer_text(&self) -> String {
        rdata::answer_text(self)
    }
}

/// Reads fixed fields and names from a message, at `pos`, never past `end`.
struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
    /// Reads stop here: the message end, or the end of one record's RDATA.
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(msg: &'a [u8]) -> Self {
        Self {
            msg,
            pos: 0,
            end: msg.len(),
        }
    }

    /// A reader confined to `msg[start..end]`; compression pointers in names
    /// may still point anywhere in `msg`.
    fn within(msg: &'a [u8], start: usize, end: usize) -> Self {
        Self {
            msg,
            pos: start,
            end: end.min(msg.len()),
        }
    }

    fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DnsError> {
        let stop = self.pos.checked_add(n).ok_or(DnsError::Truncated)?;
        if stop > self.end {
            return Err(DnsError::Truncated);
        }
        let bytes = self.msg.get(self.pos..stop).ok_or(DnsError::Truncated)?;
        self.pos = stop;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DnsError> {
        let bytes = self.take(N)?;
        bytes.try_into().map_err(|_| DnsError::Truncated)
    }

    fn u8(&mut self) -> Result<u8, DnsError> {
        self.array::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Result<u16, DnsError> {
        self.array::<2>().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, DnsError> {
        self.array::<4>().map(u32::from_be_bytes)
    }

    /// A (possibly compressed) name; its in-place encoding must end by `end`.
    fn name(&mut self) -> Result<String, DnsError> {
        let (text, next) = name::read_name(self.msg, self.pos, true)?;
        if next > self.end {
            return Err(DnsError::Truncated);
        }
        self.pos = next;
        Ok(text)
    }
}

/// Reads `count` resource records.
fn records(r: &mut Reader<'_>, count: usize) -> Result<Vec<Record>, DnsError> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let name = r.name()?;
        let rtype = r.u16()?;
        let class = r.u16()?;
        let ttl = r.u32()?;
        let rdlength = usize::from(r.u16()?);
        let start = r.pos;
        r.take(rdlength)?;
        let data = rdata::parse(r.msg, start, r.pos, rtype)?;
        out.push(Record {
            name,
            rtype,
            class,
            ttl,
            data,
        });
    }
    Ok(out)
}
