//! Capture files: pcap (both byte orders, micro- and nanosecond), pcapng
//! (section, interface, enhanced/simple/obsolete packet blocks, per-interface
//! link type and timestamp resolution), each optionally gzip-compressed.
//!
//! A damaged record ends the file with an error the caller counts; packets
//! read before it are kept.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use wirewatch_wire::packet::Link;

/// Largest packet record accepted: jumbo frames and TSO captures stay well under it.
pub const MAX_PACKET: usize = 256 * 1024;
/// Largest pcapng block accepted (a packet block plus generous options).
pub const MAX_BLOCK: usize = MAX_PACKET + 64 * 1024;

/// Why a capture could not be read (further).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a pcap or pcapng file")]
    UnknownFormat,
    #[error("truncated record at the end of the capture")]
    Truncated,
    #[error("bad record: {0}")]
    BadRecord(&'static str),
}

impl CaptureError {
    /// A stable name for counters.
    pub fn name(&self) -> &'static str {
        match self {
            CaptureError::Io(_) => "io_error",
            CaptureError::UnknownFormat => "unknown_format",
            CaptureError::Truncated => "truncated_capture",
            CaptureError::BadRecord(_) => "bad_capture_record",
        }
    }
}

/// One packet, borrowed from the reader's buffer.
#[derive(Debug)]
pub struct Packet<'a> {
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Bytes on the wire (may exceed `data.len()` when the capture was cut by a snap length).
    pub wire_len: u32,
    /// The link type of the interface it was captured on (`None`: unsupported).
    pub link: Option<Link>,
    pub data: &'a [u8],
}

/// Counts bytes read from the underlying file, for progress reports.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy)]
struct Iface {
    link: Option<Link>,
    /// Nanoseconds per timestamp unit numerator/denominator form: ts * mul / div.
    mul: u64,
    div: u64,
}

enum Format {
    Pcap {
        big_endian: bool,
        nanos: bool,
        link: Option<Link>,
    },
    Pcapng {
        big_endian: bool,
        ifaces: Vec<Iface>,
    },
}

/// A streaming reader over one capture file.
pub struct CaptureReader {
    src: Box<dyn Read + Send>,
    format: Format,
    buf: Vec<u8>,
    progress: Arc<AtomicU64>,
    /// Size of the file on disk (compressed size for .gz).
    pub file_size: u64,
}

fn read_exact_or_eof(r: &mut dyn Read, buf: &mut [u8]) -> Result<bool, CaptureError> {
    let mut got = 0;
    while got < buf.len() {
        let n = r.read(&mut buf[got..])?;
        if n == 0 {
            return if got == 0 {
                Ok(false)
            } else {
                Err(CaptureError::Truncated)
            };
        }
        got += n;
    }
    Ok(true)
}

fn u32_at(b: &[u8], at: usize, big: bool) -> u32 {
    let x = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big {
        u32::from_be_bytes(x)
    } else {
        u32::from_le_bytes(x)
    }
}

fn u16_at(b: &[u8], at: usize, big: bool) -> u16 {
    let x = [b[at], b[at + 1]];
    if big {
        u16::from_be_bytes(x)
    } else {
        u16::from_le_bytes(x)
    }
}

impl CaptureReader {
    /// Open a capture file (gzip-compressed or not).
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        let file = File::open(path)?;
        let file_size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let progress = Arc::new(AtomicU64::new(0));
        let mut head = BufReader::with_capacity(
            1 << 16,
            Counting {
                inner: file,
                count: progress.clone(),
            },
        );
        let gz = {
            use std::io::BufRead;
            let peek = head.fill_buf()?;
            peek.len() >= 2 && peek[0] == 0x1f && peek[1] == 0x8b
        };
        let src: Box<dyn Read + Send> = if gz {
            Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(head)))
        } else {
            Box::new(head)
        };
        Self::from_reader(src, progress, file_size)
    }

    /// Read a capture held in memory (pcap or pcapng, not compressed): the
    /// fuzz targets' entry point.
    pub fn from_bytes(data: Vec<u8>) -> Result<CaptureReader, CaptureError> {
        let size = data.len() as u64;
        Self::from_reader(
            Box::new(std::io::Cursor::new(data)),
            Arc::new(AtomicU64::new(0)),
            size,
        )
    }

    fn from_reader(
        mut src: Box<dyn Read + Send>,
        progress: Arc<AtomicU64>,
        file_size: u64,
    ) -> Result<CaptureReader, CaptureError> {
        let mut magic = [0u8; 4];
        if !read_exact_or_eof(&mut *src, &mut magic)? {
            return Err(CaptureError::UnknownFormat);
        }
        let format = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0xc3, 0xd4]
            | [0x4d, 0x3c, 0xb2, 0xa1]
            | [0xa1, 0xb2, 0x3c, 0x4d] => {
                let big = magic[0] == 0xa1;
                let nanos = matches!(magic, [0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]);
                let mut rest = [0u8; 20];
                if !read_exact_or_eof(&mut *src, &mut rest)? {
                    return Err(CaptureError::Truncated);
                }
                // The link type's low 16 bits (the upper ones carry FCS flags).
                let link = Link::from_linktype(u32_at(&rest, 16, big) & 0xffff);
                Format::Pcap {
                    big_endian: big,
                    nanos,
                    link,
                }
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => Format::Pcapng {
                big_endian: false,
                ifaces: Vec::new(),
            },
            _ => return Err(CaptureError::UnknownFormat),
        };
        let mut r = CaptureReader {
            src,
            format,
            buf: Vec::with_capacity(65_536),
            progress,
            file_size,
        };
        if matches!(r.format, Format::Pcapng { .. }) {
            r.section_header(magic)?;
        }
        Ok(r)
    }

    /// Bytes of the file consumed so far (compressed bytes for .gz).
    pub fn position(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }

    /// A shared counter of bytes read, for a progress thread.
    pub fn progress_counter(&self) -> Arc<AtomicU64> {
        self.progress.clone()
    }

    /// Read the rest of the file's first section header block (its type was the file magic).
    fn section_header(&mut self, _magic: [u8; 4]) -> Result<(), CaptureError> {
        let mut hdr = [0u8; 8];
        if !read_exact_or_eof(&mut *self.src, &mut hdr)? {
            return Err(CaptureError::Truncated);
        }
        self.finish_section(
            [hdr[0], hdr[1], hdr[2], hdr[3]],
            [hdr[4], hdr[5], hdr[6], hdr[7]],
        )
    }

    /// Given a section header's length and byte-order magic, skip the rest of
    /// the block and start a new section (byte order and interfaces reset).
    fn finish_section(&mut self, len: [u8; 4], magic: [u8; 4]) -> Result<(), CaptureError> {
        let big = match magic {
            [0x1a, 0x2b, 0x3c, 0x4d] => true,
            [0x4d, 0x3c, 0x2b, 0x1a] => false,
            _ => return Err(CaptureError::BadRecord("pcapng byte-order magic")),
        };
        let total = u32_at(&len, 0, big) as usize;
        if !(28..=MAX_BLOCK).contains(&total) || !total.is_multiple_of(4) {
            return Err(CaptureError::BadRecord("pcapng section header length"));
        }
        let mut rest = vec![0u8; total - 12];
        if !read_exact_or_eof(&mut *self.src, &mut rest)? {
            return Err(CaptureError::Truncated);
        }
        self.format = Format::Pcapng {
            big_endian: big,
            ifaces: Vec::new(),
        };
        Ok(())
    }

    /// The next packet, `None` at the end of the file.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        match self.format {
            Format::Pcap {
                big_endian,
                nanos,
                link,
            } => {
                let mut hdr = [0u8; 16];
                if !read_exact_or_eof(&mut *self.src, &mut hdr)? {
                    return Ok(None);
                }
                let secs = u32_at(&hdr, 0, big_endian) as i64;
                let frac = u32_at(&hdr, 4, big_endian) as i64;
                let caplen = u32_at(&hdr, 8, big_endian) as usize;
                let wire = u32_at(&hdr, 12, big_endian);
                if caplen > MAX_PACKET {
                    return Err(CaptureError::BadRecord("pcap record length"));
                }
                self.buf.resize(caplen, 0);
                if !read_exact_or_eof(&mut *self.src, &mut self.buf)? && caplen > 0 {
                    return Err(CaptureError::Truncated);
                }
                let ts_ns = secs * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
                Ok(Some(Packet {
                    ts_ns,
                    wire_len: wire.max(caplen as u32),
                    link,
                    data: &self.buf,
                }))
            }
            Format::Pcapng { .. } => self.next_pcapng(),
        }
    }

    fn next_pcapng(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        loop {
            let Format::Pcapng {
                big_endian: big, ..
            } = self.format
            else {
                return Ok(None);
            };
            let mut hdr = [0u8; 8];
            if !read_exact_or_eof(&mut *self.src, &mut hdr)? {
                return Ok(None);
            }
            if hdr[0..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
                // A new section: its header restarts byte order and interfaces.
                self.section_header_after_type(hdr)?;
                continue;
            }
            let kind = u32_at(&hdr, 0, big);
            let total = u32_at(&hdr, 4, big) as usize;
            if !(12..=MAX_BLOCK).contains(&total) || !total.is_multiple_of(4) {
                return Err(CaptureError::BadRecord("pcapng block length"));
            }
            self.buf.resize(total - 8, 0);
            if !read_exact_or_eof(&mut *self.src, &mut self.buf)? {
                return Err(CaptureError::Truncated);
            }
            let body_len = total - 12;
            let Format::Pcapng { ref mut ifaces, .. } = self.format else {
                return Ok(None);
            };
            match kind {
                1 => {
                    if body_len < 8 {
                        return Err(CaptureError::BadRecord("pcapng interface block"));
                    }
                    let link = Link::from_linktype(u32::from(u16_at(&self.buf, 0, big)));
                    let (mut mul, mut div) = (1000u64, 1u64); // default: microseconds
                    let mut at = 8;
                    while at + 4 <= body_len {
                        let code = u16_at(&self.buf, at, big);
                        let len = usize::from(u16_at(&self.buf, at + 2, big));
                        if code == 0 || at + 4 + len > body_len {
                            break;
                        }
                        if code == 9 && len >= 1 {
                            let v = self.buf[at + 4];
                            let exp = u32::from(v & 0x7f);
                            if v & 0x80 == 0 && exp <= 9 {
                                mul = 10u64.pow(9 - exp);
                                div = 1;
                            } else if v & 0x80 == 0 && exp <= 18 {
                                mul = 1;
                                div = 10u64.pow(exp - 9);
                            } else if v & 0x80 != 0 && exp < 63 {
                                // Power-of-two resolution.
                                mul = 1_000_000_000;
                                div = 1u64 << exp;
                            }
                        }
                        at += 4 + len.div_ceil(4) * 4;
                    }
                    ifaces.push(Iface { link, mul, div });
                }
                6 | 2 => {
                    if body_len < 20 {
                        return Err(CaptureError::BadRecord("pcapng packet block"));
                    }
                    let iface = if kind == 6 {
                        u32_at(&self.buf, 0, big) as usize
                    } else {
                        usize::from(u16_at(&self.buf, 0, big))
                    };
                    let ts = (u64::from(u32_at(&self.buf, 4, big)) << 32)
                        | u64::from(u32_at(&self.buf, 8, big));
                    let caplen = u32_at(&self.buf, 12, big) as usize;
                    let wire = u32_at(&self.buf, 16, big);
                    if 20 + caplen > body_len {
                        return Err(CaptureError::BadRecord("pcapng packet length"));
                    }
                    let info = ifaces.get(iface).copied().unwrap_or(Iface {
                        link: None,
                        mul: 1000,
                        div: 1,
                    });
                    let ts_ns =
                        (u128::from(ts) * u128::from(info.mul) / u128::from(info.div)) as i64;
                    return Ok(Some(Packet {
                        ts_ns,
                        wire_len: wire.max(caplen as u32),
                        link: info.link,
                        data: &self.buf[20..20 + caplen],
                    }));
                }
                3 => {
                    if body_len < 4 {
                        return Err(CaptureError::BadRecord("pcapng simple packet block"));
                    }
                    let wire = u32_at(&self.buf, 0, big);
                    let caplen = (wire as usize).min(body_len - 4);
                    let link = ifaces.first().and_then(|i| i.link);
                    return Ok(Some(Packet {
                        ts_ns: 0,
                        wire_len: wire,
                        link,
                        data: &self.buf[4..4 + caplen],
                    }));
                }
                _ => continue,
            }
        }
    }

    fn section_header_after_type(&mut self, hdr: [u8; 8]) -> Result<(), CaptureError> {
        let mut magic = [0u8; 4];
        if !read_exact_or_eof(&mut *self.src, &mut magic)? {
            return Err(CaptureError::Truncated);
        }
        self.finish_section([hdr[4], hdr[5], hdr[6], hdr[7]], magic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(p: &str) -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data")
            .join(p)
    }

    fn count(path: &Path) -> (usize, Option<String>) {
        let mut r = CaptureReader::open(path).unwrap();
        let mut n = 0;
        loop {
            match r.next_packet() {
                Ok(Some(_)) => n += 1,
                Ok(None) => return (n, None),
                Err(e) => return (n, Some(e.name().to_string())),
            }
        }
    }

    #[test]
    fn reads_pcap_and_gzip_and_pcapng() {
        let p = shared("zeek/traces/wikipedia.pcap");
        let (n, err) = count(&p);
        assert_eq!(err, None);
        assert!(n > 100, "{n}");
        // The same file gzip-compressed gives the same packets.
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("w.pcap.gz");
        let mut enc =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        std::io::copy(&mut File::open(&p).unwrap(), &mut enc).unwrap();
        enc.finish().unwrap();
        assert_eq!(count(&gz), (n, None));
        // Some pcapng in the nDPI corpus.
        let dir = shared("ndpi/pcaps");
        let ng = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "pcapng"))
            .unwrap();
        let (n, err) = count(&ng);
        assert!(n > 0 && err.is_none(), "{}: {n} {err:?}", ng.display());
    }

    #[test]
    fn truncated_files_keep_what_was_read() {
        let data = std::fs::read(shared("zeek/traces/wikipedia.pcap")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("cut.pcap");
        std::fs::write(&cut, &data[..data.len() - 7]).unwrap();
        let (n, err) = count(&cut);
        assert!(n > 0);
        assert_eq!(err.as_deref(), Some("truncated_capture"));
        std::fs::write(&cut, b"hello world, not a capture").unwrap();
        assert!(matches!(
            CaptureReader::open(&cut),
            Err(CaptureError::UnknownFormat)
        ));
    }
}
