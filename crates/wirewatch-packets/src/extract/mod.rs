//! `output=extract`: the files carried in the packets a search matched —
//! HTTP/1.x message bodies, FTP data transfers, SMTP attachments — carved
//! from the TCP streams reassembled out of those packets ([`tcp`]), and
//! written as a zip with a manifest ([`archive`]).
//!
//! Protocols are recognised by what the streams say, not by port (a server
//! on port 8080 or 2121 is found alike): an HTTP request line, an FTP or
//! SMTP greeting followed by that protocol's first commands. FTP data
//! connections are matched to the `PORT`/`EPRT` command or the `227`
//! (PASV)/`229` (EPSV) reply of a control connection also in the matched
//! packets, and named by the `RETR`/`STOR`/`APPE`/`STOU` that follows.
//!
//! Everything is bounded ([`Limits`]): bytes kept per stream direction and
//! in total, connections followed, files returned, and the size of a
//! decoded file. What a limit leaves out is said in the manifest's `notes`
//! (and a file cut short is marked `complete: false`), never silently.

pub mod archive;
mod ftp;
mod http;
mod mime;
mod smtp;
pub mod tcp;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use tcp::{Assembled, Cut, HalfStream};
use wirewatch_wire::packet::{decode, transport, Net, Transport};

/// The bounds of one extraction.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Payload bytes kept for one direction of one connection.
    pub stream_bytes: u64,
    /// Payload bytes kept in all.
    pub total_bytes: u64,
    /// Connections followed.
    pub connections: usize,
    /// Files returned.
    pub files: usize,
    /// Largest file after content decoding (gzip, base64…).
    pub file_bytes: u64,
}

impl Default for Limits {
    /// 64 MiB a stream direction, 256 MiB in all (an extract search reads
    /// at most 100 MB of packets), 100 000 connections, 10 000 files, 64 MiB
    /// a decoded file.
    fn default() -> Self {
        Limits {
            stream_bytes: 64 << 20,
            total_bytes: 256 << 20,
            connections: 100_000,
            files: 10_000,
            file_bytes: 64 << 20,
        }
    }
}

/// The application protocol a file was carried in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http,
    Ftp,
    Smtp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Ftp => "ftp",
            Protocol::Smtp => "smtp",
        }
    }
}

/// A file found.
#[derive(Debug, Clone)]
pub struct File {
    /// As the transfer named it (sanitised later for the zip).
    pub name: String,
    pub protocol: Protocol,
    /// Who sent the file's bytes, and to whom (TCP).
    pub sender: SocketAddr,
    pub receiver: SocketAddr,
    /// The time of the packet carrying its first byte, ns since the epoch.
    pub time_ns: i64,
    pub data: Vec<u8>,
    pub content_type: Option<String>,
    /// The content or transfer encoding removed (`gzip`, `base64`…).
    pub decoded_from: Option<String>,
    /// False when the transfer was cut short (a hole in the stream, a cap).
    pub complete: bool,
    /// Why it is incomplete or kept encoded.
    pub note: Option<String>,
}

/// What an extraction found, and what it left out.
#[derive(Debug, Default)]
pub struct Extraction {
    pub files: Vec<File>,
    /// What the limits or the packets left out, one sentence each.
    pub notes: Vec<String>,
    pub connections: usize,
    pub packets: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ep(IpAddr, u16);

impl Ep {
    fn sock(self) -> SocketAddr {
        SocketAddr::new(self.0, self.1)
    }
}

/// One TCP connection: `a` sent its first stored packet.
#[derive(Debug)]
struct Conn {
    a: Ep,
    b: Ep,
    /// Some(true): `a` sent the SYN; Some(false): `b` did.
    a_opened: Option<bool>,
    /// The opening SYN's sequence number: another SYN with another number
    /// on the same addresses and ports is a new connection (a port reused).
    syn_seq: Option<u32>,
    first_ns: i64,
    ab: HalfStream,
    ba: HalfStream,
}

impl Conn {
    /// Whether a SYN from `src` numbered `seq` opens another connection on
    /// these addresses and ports: the opening SYN had another number, or
    /// (its SYN not seen yet: packets out of order) the data `src` sent is
    /// not just after it.
    fn reused_by(&self, src: Ep, seq: u32) -> bool {
        if let Some(s) = self.syn_seq {
            return s != seq;
        }
        let half = if src == self.a { &self.ab } else { &self.ba };
        half.earliest()
            .is_some_and(|e| e.wrapping_sub(seq.wrapping_add(1)) >= 1 << 30)
    }
}

/// Gathers the packets of a search and carves the files at the end.
#[derive(Debug)]
pub struct Extractor {
    limits: Limits,
    by_key: HashMap<(Ep, Ep), usize>,
    conns: Vec<Conn>,
    stored: u64,
    packets: u64,
    connections_dropped: u64,
    fragments_skipped: u64,
}

/// A connection with both directions in order, client first when known.
#[derive(Debug)]
pub(crate) struct Stream {
    pub client: Ep,
    pub server: Ep,
    pub first_ns: i64,
    /// Client to server, server to client.
    pub up: Assembled,
    pub down: Assembled,
}

impl Stream {
    fn flipped(self) -> Stream {
        Stream {
            client: self.server,
            server: self.client,
            first_ns: self.first_ns,
            up: self.down,
            down: self.up,
        }
    }
}

/// Where a file taken from `a` (an assembled direction) stops short.
pub(crate) fn cut_note(a: &Assembled, end: u64) -> Option<String> {
    match a.cut {
        Some(Cut::Hole { at, missing }) if at < end => Some(format!(
            "{missing} bytes of the TCP stream at offset {at} were not in the matched packets (or were cut by the capture's snap length): the file stops there"
        )),
        Some(Cut::Capped { at, dropped }) if at < end => Some(format!(
            "the TCP stream was cut at offset {at} by the extraction's memory limits ({dropped} bytes dropped): the file stops there"
        )),
        _ => None,
    }
}

impl Extractor {
    pub fn new(limits: Limits) -> Self {
        Extractor {
            limits,
            by_key: HashMap::new(),
            conns: Vec::new(),
            stored: 0,
            packets: 0,
            connections_dropped: 0,
            fragments_skipped: 0,
        }
    }

    /// Take one packet of the search (any link type the store keeps).
    pub fn packet(&mut self, linktype: u32, ts_ns: i64, data: &[u8]) {
        self.packets += 1;
        let Some(link) = crate::meta::link(linktype) else {
            return;
        };
        let Ok(frame) = decode(link, data) else {
            return;
        };
        let Net::Ip(ip) = frame.net else {
            return;
        };
        if ip.proto != 6 {
            return;
        }
        if ip.frag.is_some() {
            self.fragments_skipped += 1;
            return;
        }
        let Ok(Transport::Tcp(t)) = transport(ip.proto, ip.payload, ip.payload_len) else {
            return;
        };
        let (src, dst) = (Ep(ip.src, t.sport), Ep(ip.dst, t.dport));
        let key = if src <= dst { (src, dst) } else { (dst, src) };
        let syn = t.flags & 0x02 != 0;
        let ack = t.flags & 0x10 != 0;
        let reused = syn
            && !ack
            && self
                .by_key
                .get(&key)
                .is_some_and(|i| self.conns[*i].reused_by(src, t.seq));
        let i = match self.by_key.get(&key) {
            Some(i) if !reused => *i,
            _ => {
                if self.conns.len() >= self.limits.connections {
                    self.connections_dropped += 1;
                    return;
                }
                self.conns.push(Conn {
                    a: src,
                    b: dst,
                    a_opened: None,
                    syn_seq: None,
                    first_ns: ts_ns,
                    ab: HalfStream::default(),
                    ba: HalfStream::default(),
                });
                self.by_key.insert(key, self.conns.len() - 1);
                self.conns.len() - 1
            }
        };
        let c = &mut self.conns[i];
        let from_a = c.a == src;
        if syn && !ack {
            c.a_opened = Some(from_a);
            c.syn_seq = Some(t.seq);
        }
        let half = if from_a { &mut c.ab } else { &mut c.ba };
        if syn {
            half.syn(t.seq);
        }
        if t.flags & 0x01 != 0 {
            half.fin = true;
        }
        // A packet cut short by the capture keeps what was captured; the
        // rest is a hole the assembly reports.
        let n = t.payload.len().min(t.payload_len as usize);
        let room = (self.limits.stream_bytes.saturating_sub(half.stored()))
            .min(self.limits.total_bytes.saturating_sub(self.stored));
        self.stored += half.push(t.seq, &t.payload[..n], ts_ns, room);
    }

    /// Carve the files.
    pub fn finish(self) -> Extraction {
        let mut ex = Extraction {
            connections: self.conns.len(),
            packets: self.packets,
            ..Extraction::default()
        };
        let limits = self.limits;
        if self.connections_dropped > 0 {
            ex.notes.push(format!(
                "{} packets of connections beyond the first {} were not followed",
                self.connections_dropped, limits.connections
            ));
        }
        if self.fragments_skipped > 0 {
            ex.notes.push(format!(
                "{} fragmented IP packets carrying TCP were not reassembled",
                self.fragments_skipped
            ));
        }
        let mut files = Vec::new();
        let mut ftp_control = Vec::new();
        let mut others = Vec::new();
        // One connection at a time: an HTTP or SMTP stream is dropped once
        // carved; other streams wait for the FTP control connections.
        for c in self.conns {
            for (from, to, h) in [(c.a, c.b, &c.ab), (c.b, c.a, &c.ba)] {
                if h.dropped_bytes > 0 {
                    ex.notes.push(format!(
                        "{} bytes of the TCP stream {} -> {} were dropped: the limit of {} bytes a stream or {} in all was reached",
                        h.dropped_bytes,
                        from.sock(),
                        to.sock(),
                        limits.stream_bytes,
                        limits.total_bytes
                    ));
                }
            }
            let s = Stream {
                client: c.a,
                server: c.b,
                first_ns: c.first_ns,
                up: c.ab.assemble(),
                down: c.ba.assemble(),
            };
            // The opener is the client; without a SYN, whichever side
            // speaks as a client does.
            let s = match c.a_opened {
                Some(true) => s,
                Some(false) => s.flipped(),
                None if kind(&s).is_some() => s,
                None => {
                    let f = s.flipped();
                    if kind(&f).is_some() {
                        f
                    } else {
                        f.flipped()
                    }
                }
            };
            match kind(&s) {
                Some(Kind::Http) => http::files(&s, &limits, &mut files),
                Some(Kind::Smtp) => smtp::files(&s, &limits, &mut files, &mut ex.notes),
                Some(Kind::Ftp) => ftp_control.push(s),
                None => others.push(s),
            }
        }
        ftp::files(&ftp_control, others, &mut files, &mut ex.notes);
        files.sort_by_key(|f| f.time_ns);
        if files.len() > limits.files {
            ex.notes.push(format!(
                "{} files beyond the first {} were left out",
                files.len() - limits.files,
                limits.files
            ));
            files.truncate(limits.files);
        }
        ex.files = files;
        ex
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    Ftp,
    Smtp,
}

/// The first line of `b` (without its end), if it has one within 4 KiB.
pub(crate) fn first_line(b: &[u8]) -> Option<&[u8]> {
    let end = b.iter().take(4096).position(|c| *c == b'\n')?;
    let l = &b[..end];
    Some(l.strip_suffix(b"\r").unwrap_or(l))
}

fn first_word(b: &[u8]) -> Vec<u8> {
    first_line(b)
        .unwrap_or(b"")
        .split(|c| *c == b' ')
        .next()
        .unwrap_or(b"")
        .to_ascii_uppercase()
}

/// What application protocol the client side of `s` speaks.
fn kind(s: &Stream) -> Option<Kind> {
    if http::is_request_line(first_line(&s.up.data)?) {
        return Some(Kind::Http);
    }
    let greeting = first_line(&s.down.data)?;
    if !greeting.starts_with(b"220") {
        return None;
    }
    match first_word(&s.up.data).as_slice() {
        b"EHLO" | b"HELO" | b"LHLO" => Some(Kind::Smtp),
        b"USER" | b"AUTH" | b"FEAT" | b"SYST" | b"OPTS" | b"HOST" | b"CLNT" => Some(Kind::Ftp),
        _ => None,
    }
}

/// Inflate a gzip, zlib or raw deflate body, at most `cap` bytes.
pub(crate) fn inflate(encoding: &str, data: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    let r: Box<dyn Read> = match encoding {
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(data)),
        "deflate" => {
            // Servers send zlib-wrapped (as the RFC says) or raw deflate.
            if data.len() >= 2 && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0 {
                Box::new(flate2::read::ZlibDecoder::new(data))
            } else {
                Box::new(flate2::read::DeflateDecoder::new(data))
            }
        }
        other => return Err(format!("content encoding {other} is not decoded")),
    };
    r.take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{encoding} decoding failed ({e})"))?;
    if out.len() as u64 > cap {
        return Err(format!("decoded, it is larger than {cap} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
