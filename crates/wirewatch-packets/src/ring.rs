//! The writer of the ring: appends packets to the current segment, closes a
//! block every [`Config::block_bytes`] (its index record appended once its
//! bytes are flushed), starts a new segment at [`Config::segment_bytes`]
//! (a pcap file has one link type: packets of up to [`MAX_ACTIVE`] link
//! types are written into one segment each at a time), and deletes the oldest segments while the
//! ring is over [`Config::max_bytes`] or their newest block was written more
//! than [`Config::max_age_ms`] ago.
//!
//! Opening the ring repairs what a kill left: a torn index record is cut
//! off, a segment's bytes the index does not cover are indexed from the
//! segment itself, a torn last packet is cut off. New packets always go to
//! a new segment. One process writes a ring at a time (a `lock` file holding
//! its pid; a lock whose process is gone is taken over).

use crate::index::{self, Block, Builder};
use crate::{meta, pcap, Error, Result};
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use wirewatch_wire::packet::Link;

/// Default most bytes the ring keeps (segments and their indexes).
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Default longest time a segment is kept after its last write: 7 days.
pub const DEFAULT_MAX_AGE_MS: i64 = 7 * 86_400_000;
/// Largest segment (a file of the ring).
pub const MAX_SEGMENT: u64 = 64 * 1024 * 1024;
/// Smallest ring accepted: a few segments of a useful size.
pub const MIN_MAX_BYTES: u64 = 4 * 1024 * 1024;
/// Bytes of packets per index block: what a search reads at least when a
/// block may hold a match.
pub const BLOCK_BYTES: u64 = 1024 * 1024;
/// Segments written at once, one per link type: a capture of several link
/// types (a merged pcapng) does not start a segment at each change.
pub const MAX_ACTIVE: usize = 4;
/// Write buffer of the current segment.
const BUFFER: usize = 256 * 1024;

/// Where the ring is and how much it keeps.
#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    /// Most bytes kept (segments and indexes); the oldest segments go first.
    pub max_bytes: u64,
    /// Segments whose newest block was written longer ago are deleted.
    pub max_age_ms: i64,
    /// A new segment is started past this size.
    pub segment_bytes: u64,
    /// An index block is closed past this many bytes.
    pub block_bytes: u64,
}

impl Config {
    /// A ring in `dir` keeping at most `max_bytes` for at most `max_age_ms`:
    /// segments of an eighth of the ring (at most [`MAX_SEGMENT`]), so that
    /// deleting the oldest frees a small part of it.
    pub fn new(dir: PathBuf, max_bytes: u64, max_age_ms: i64) -> Result<Config> {
        if max_bytes < MIN_MAX_BYTES {
            return Err(Error::Config(format!(
                "the packet store needs at least {MIN_MAX_BYTES} bytes (got {max_bytes}); 0 turns it off"
            )));
        }
        if max_age_ms <= 0 {
            return Err(Error::Config(
                "the packet store's max age must be positive".into(),
            ));
        }
        let segment_bytes = (max_bytes / 8).min(MAX_SEGMENT);
        Ok(Config {
            dir,
            max_bytes,
            max_age_ms,
            segment_bytes,
            block_bytes: BLOCK_BYTES.min(segment_bytes / 4),
        })
    }
}

/// What the writer did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriterStats {
    pub packets: u64,
    pub bytes: u64,
    /// Packets not kept: a link type the decoder does not know, or larger than [`pcap::MAX_PACKET`].
    pub skipped: u64,
    pub segments_deleted: u64,
    /// Index blocks rebuilt from segments when the ring was opened.
    pub blocks_rebuilt: u64,
}

/// A segment's file names.
pub fn segment_paths(dir: &Path, seq: u64) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("seg-{seq:012}.pcap")),
        dir.join(format!("seg-{seq:012}.idx")),
    )
}

/// The sequence numbers of the segments in `dir`, oldest first.
pub fn list_segments(dir: &Path) -> Result<Vec<u64>> {
    let mut seqs = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(seqs),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(seq) = name
            .strip_prefix("seg-")
            .and_then(|n| n.strip_suffix(".pcap"))
            .and_then(|n| n.parse::<u64>().ok())
        {
            seqs.push(seq);
        }
    }
    seqs.sort_unstable();
    Ok(seqs)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// A closed segment as retention sees it.
#[derive(Debug)]
struct Closed {
    seq: u64,
    bytes: u64,
    newest_write_ms: i64,
}

/// The segment being written.
struct Active {
    seq: u64,
    linktype: u32,
    link: Option<Link>,
    pcap: BufWriter<File>,
    idx: File,
    /// The segment's and its index's paths (for errors: made once, not per packet).
    seg_path: PathBuf,
    idx_path: PathBuf,
    /// Bytes of the segment (header included).
    pos: u64,
    idx_bytes: u64,
    block: Builder,
    newest_write_ms: i64,
    last_use: u64,
}

/// The writer of a ring.
pub struct Writer {
    cfg: Config,
    closed: VecDeque<Closed>,
    /// The segments being written, one per link type (at most [`MAX_ACTIVE`]).
    active: Vec<Active>,
    /// Packets written (orders the active segments by last use).
    uses: u64,
    next_seq: u64,
    lock: PathBuf,
    pub stats: WriterStats,
}

impl Writer {
    /// Open (and repair) the ring, taking its lock.
    pub fn open(cfg: Config) -> Result<Writer> {
        std::fs::create_dir_all(&cfg.dir).map_err(|e| Error::io(&cfg.dir, e))?;
        let lock = take_lock(&cfg.dir)?;
        let mut stats = WriterStats::default();
        let mut closed = VecDeque::new();
        let mut next_seq = 1;
        for seq in list_segments(&cfg.dir)? {
            next_seq = seq + 1;
            if let Some(c) = repair(&cfg, seq, &mut stats)? {
                closed.push_back(c);
            }
        }
        let mut w = Writer {
            cfg,
            closed,
            active: Vec::new(),
            uses: 0,
            next_seq,
            lock,
            stats,
        };
        w.retain()?;
        Ok(w)
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Keep one packet (`linktype`: its pcap `LINKTYPE_*`), decoding it for
    /// its index keys.
    pub fn write(&mut self, ts_ns: i64, wire_len: u32, linktype: u32, data: &[u8]) -> Result<()> {
        self.put(ts_ns, wire_len, linktype, data, None)
    }

    /// Keep one packet the caller decoded already: `m` is its
    /// [`meta::Meta`] (what `Sensor::packet` returns, the same as
    /// [`meta::of`] would find), so it is not decoded again.
    pub fn write_decoded(
        &mut self,
        ts_ns: i64,
        wire_len: u32,
        link: Option<Link>,
        data: &[u8],
        m: &meta::Meta,
    ) -> Result<()> {
        match link {
            Some(l) => self.put(ts_ns, wire_len, meta::linktype(l), data, Some(m)),
            None => {
                self.stats.skipped += 1;
                Ok(())
            }
        }
    }

    fn put(
        &mut self,
        ts_ns: i64,
        wire_len: u32,
        linktype: u32,
        data: &[u8],
        m: Option<&meta::Meta>,
    ) -> Result<()> {
        let link = meta::link(linktype);
        if link.is_none() || data.len() > pcap::MAX_PACKET {
            self.stats.skipped += 1;
            return Ok(());
        }
        let record = (pcap::RECORD_HEADER + data.len()) as u64;
        let i = match self.active.iter().position(|a| a.linktype == linktype) {
            Some(i) => {
                let a = &self.active[i];
                if a.pos + record > self.cfg.segment_bytes && a.pos > pcap::FILE_HEADER as u64 {
                    self.retire(i)?;
                    self.open_segment(linktype, link)?
                } else {
                    i
                }
            }
            None => {
                if self.active.len() >= MAX_ACTIVE {
                    // The link type written longest ago makes room.
                    let oldest = (0..self.active.len())
                        .min_by_key(|i| self.active[*i].last_use)
                        .unwrap_or(0);
                    self.retire(oldest)?;
                }
                self.open_segment(linktype, link)?
            }
        };
        self.uses += 1;
        let uses = self.uses;
        let a = &mut self.active[i];
        a.last_use = uses;
        let caplen = data.len() as u32;
        if let Err(e) = a
            .pcap
            .write_all(&pcap::record_header(ts_ns, caplen, wire_len, 1))
            .and_then(|_| a.pcap.write_all(data))
        {
            return Err(Error::io(&a.seg_path, e));
        }
        a.pos += record;
        match m {
            Some(m) => a.block.add(ts_ns, m),
            None => a.block.add(ts_ns, &meta::of(a.link, data)),
        }
        self.stats.packets += 1;
        self.stats.bytes += record;
        if a.pos - a.block.start >= self.cfg.block_bytes {
            close_block(a)?;
            self.retain()?;
        }
        Ok(())
    }

    /// Keep one packet of a decoded link (`None`: a link type the decoder
    /// does not know, counted in [`WriterStats::skipped`]).
    pub fn write_link(
        &mut self,
        ts_ns: i64,
        wire_len: u32,
        link: Option<Link>,
        data: &[u8],
    ) -> Result<()> {
        match link {
            Some(l) => self.write(ts_ns, wire_len, meta::linktype(l), data),
            None => {
                self.stats.skipped += 1;
                Ok(())
            }
        }
    }

    /// Make everything written so far searchable (closes the current blocks).
    pub fn flush(&mut self) -> Result<()> {
        for a in &mut self.active {
            close_block(a)?;
        }
        self.retain()
    }

    /// Close a segment being written: it joins the closed ones.
    fn retire(&mut self, i: usize) -> Result<()> {
        let mut a = self.active.remove(i);
        close_block(&mut a)?;
        self.closed.push_back(Closed {
            seq: a.seq,
            bytes: a.pos + a.idx_bytes,
            newest_write_ms: a.newest_write_ms,
        });
        Ok(())
    }

    /// Start a segment for `linktype`; returns its place among the active ones.
    fn open_segment(&mut self, linktype: u32, link: Option<Link>) -> Result<usize> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let (seg, idx) = segment_paths(&self.cfg.dir, seq);
        let mut pcap_file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&seg)
            .map_err(|e| Error::io(&seg, e))?;
        pcap_file
            .write_all(&pcap::file_header(pcap::MAGIC_NS, linktype, pcap::SNAPLEN))
            .map_err(|e| Error::io(&seg, e))?;
        let mut idx_file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&idx)
            .map_err(|e| Error::io(&idx, e))?;
        idx_file
            .write_all(index::MAGIC)
            .map_err(|e| Error::io(&idx, e))?;
        self.active.push(Active {
            seq,
            linktype,
            link,
            pcap: BufWriter::with_capacity(BUFFER, pcap_file),
            idx: idx_file,
            seg_path: seg,
            idx_path: idx,
            pos: pcap::FILE_HEADER as u64,
            idx_bytes: index::MAGIC.len() as u64,
            block: Builder::new(pcap::FILE_HEADER as u64),
            newest_write_ms: now_ms(),
            last_use: self.uses,
        });
        self.retain()?;
        Ok(self.active.len() - 1)
    }

    /// Delete the oldest closed segments while the ring is too large or they are too old.
    fn retain(&mut self) -> Result<()> {
        let active: u64 = self.active.iter().map(|a| a.pos + a.idx_bytes).sum();
        let mut total: u64 = self.closed.iter().map(|c| c.bytes).sum::<u64>() + active;
        let oldest_kept = now_ms().saturating_sub(self.cfg.max_age_ms);
        while let Some(c) = self.closed.front() {
            if total <= self.cfg.max_bytes && c.newest_write_ms >= oldest_kept {
                break;
            }
            let (seg, idx) = segment_paths(&self.cfg.dir, c.seq);
            for p in [&seg, &idx] {
                match std::fs::remove_file(p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(p, e)),
                }
            }
            tracing::debug!(segment = c.seq, bytes = c.bytes, "packet segment deleted");
            total -= c.bytes;
            self.stats.segments_deleted += 1;
            self.closed.pop_front();
        }
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "closing the packet store");
        }
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Close the block being filled of a segment being written: its bytes are
/// flushed, then its index record appended.
fn close_block(a: &mut Active) -> Result<()> {
    if a.block.is_empty() {
        return Ok(());
    }
    // The bytes first, then the record that describes them.
    a.pcap.flush().map_err(|e| Error::io(&a.seg_path, e))?;
    let written = now_ms();
    let block = std::mem::replace(&mut a.block, Builder::new(a.pos)).finish(a.pos, written);
    let rec = block.encode();
    a.idx
        .write_all(&rec)
        .map_err(|e| Error::io(&a.idx_path, e))?;
    a.idx_bytes += rec.len() as u64;
    a.newest_write_ms = written;
    Ok(())
}

/// Take the ring's lock file, or say which live process holds it.
fn take_lock(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("lock");
    let me = std::process::id();
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(pid) = text.trim().parse::<u32>() {
            if pid != me && Path::new(&format!("/proc/{pid}")).exists() {
                return Err(Error::Config(format!(
                    "the packet store in {} is being written by process {pid}",
                    dir.display()
                )));
            }
        }
    }
    std::fs::write(&path, me.to_string()).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Bring one segment of a previous run into a consistent state; `None` when
/// it held nothing usable (its files are deleted).
fn repair(cfg: &Config, seq: u64, stats: &mut WriterStats) -> Result<Option<Closed>> {
    let (seg, idx) = segment_paths(&cfg.dir, seq);
    let mut head = [0u8; pcap::FILE_HEADER];
    let linktype = File::open(&seg)
        .and_then(|mut f| f.read_exact(&mut head))
        .ok()
        .and_then(|_| pcap::parse_file_header(&head));
    let Some(linktype) = linktype else {
        tracing::warn!(segment = %seg.display(), "packet segment without a valid header: deleted");
        let _ = std::fs::remove_file(&seg);
        let _ = std::fs::remove_file(&idx);
        return Ok(None);
    };
    let idx_bytes = std::fs::read(&idx).unwrap_or_default();
    let (blocks, valid) = index::parse(&idx_bytes);
    let mut idx_file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&idx)
        .map_err(|e| Error::io(&idx, e))?;
    if valid == 0 {
        idx_file.set_len(0).map_err(|e| Error::io(&idx, e))?;
        idx_file
            .write_all(index::MAGIC)
            .map_err(|e| Error::io(&idx, e))?;
    } else if valid < idx_bytes.len() {
        idx_file
            .set_len(valid as u64)
            .map_err(|e| Error::io(&idx, e))?;
    }
    idx_file
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io(&idx, e))?;
    let covered = blocks.last().map_or(pcap::FILE_HEADER as u64, |b| b.end);
    let seg_len = file_len(&seg);
    let mut newest = blocks.iter().map(|b| b.written_ms).max();
    if seg_len > covered {
        // Index what the index does not cover, from the segment itself.
        let mut f = File::open(&seg).map_err(|e| Error::io(&seg, e))?;
        f.seek(SeekFrom::Start(covered))
            .map_err(|e| Error::io(&seg, e))?;
        let mut tail = Vec::with_capacity((seg_len - covered) as usize);
        f.read_to_end(&mut tail).map_err(|e| Error::io(&seg, e))?;
        let link = meta::link(linktype);
        let mut records = pcap::Records::new(&tail);
        let mut block = Builder::new(covered);
        let written = std::fs::metadata(&seg)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(now_ms, |d| d.as_millis() as i64);
        let mut write_block = |b: Block, idx_file: &mut File| -> Result<()> {
            idx_file
                .write_all(&b.encode())
                .map_err(|e| Error::io(&idx, e))?;
            stats.blocks_rebuilt += 1;
            Ok(())
        };
        for (off, r) in records.by_ref() {
            let at = covered + off as u64;
            if at - block.start >= cfg.block_bytes && !block.is_empty() {
                let done = std::mem::replace(&mut block, Builder::new(at));
                write_block(done.finish(at, written), &mut idx_file)?;
            }
            block.add(r.ts_ns, &meta::of(link, r.data));
        }
        let end = covered + records.consumed() as u64;
        if !block.is_empty() {
            write_block(block.finish(end, written), &mut idx_file)?;
            newest = Some(newest.unwrap_or(written).max(written));
        }
        if end < seg_len {
            tracing::warn!(segment = %seg.display(), bytes = seg_len - end,
                "packet segment ended in a torn packet: cut off");
            OpenOptions::new()
                .write(true)
                .open(&seg)
                .and_then(|f| f.set_len(end))
                .map_err(|e| Error::io(&seg, e))?;
        }
    }
    Ok(Some(Closed {
        seq,
        bytes: file_len(&seg) + file_len(&idx),
        newest_write_ms: newest.unwrap_or_else(now_ms),
    }))
}
