//! `wirewatch ingest --eve FILE [--follow]`: Suricata EVE JSON into the store.
//!
//! Idempotent like capture ingest (see `ingest/identity.rs`): the file is
//! known by content, and its mark is the byte offset just after the last line
//! whose records and detections are stored, written in the same transaction
//! as them. A rerun (or a restarted `--follow`, or a run after a kill) seeks
//! to that offset, so a file that grew is read from where the last run
//! stopped; `--force` reads it again from the start.

use crate::ingest::identity::{self, Plan, HEAD, TAIL};
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;
use wirewatch_model::detection::NewDetection;
use wirewatch_sensor::eve::{parse_line, EveItem};
use wirewatch_store::{FileMark, IngestBatch, NewRecord, Store};

/// Records (or detections) written per transaction.
const BATCH: usize = 2_000;

#[derive(Default)]
struct Counts {
    lines: u64,
    records: u64,
    detections: u64,
    ignored: u64,
    skipped: BTreeMap<String, u64>,
}

/// Lines read but not yet stored, and what is needed to mark them.
struct Pending {
    mark: FileMark,
    recs: Vec<NewRecord>,
    dets: Vec<NewDetection>,
    /// Lines read since the last commit.
    lines: u64,
    /// Offset just after the last line read.
    pos: u64,
    /// The file's first (at most [`HEAD`]) bytes up to `pos`.
    head: Vec<u8>,
    /// The (at most [`TAIL`]) bytes before `pos`.
    tail: VecDeque<u8>,
}

impl Pending {
    /// Start reading `file` at `pos` under `mark`.
    fn open(file: &mut File, mark: FileMark, pos: u64) -> std::io::Result<Pending> {
        let mut head = Vec::new();
        file.seek(SeekFrom::Start(0))?;
        file.by_ref().take(HEAD.min(pos)).read_to_end(&mut head)?;
        let from = pos.saturating_sub(TAIL);
        let mut tail = Vec::new();
        file.seek(SeekFrom::Start(from))?;
        file.by_ref().take(pos - from).read_to_end(&mut tail)?;
        file.seek(SeekFrom::Start(pos))?;
        Ok(Pending {
            mark,
            recs: Vec::new(),
            dets: Vec::new(),
            lines: 0,
            pos,
            head,
            tail: tail.into(),
        })
    }

    /// `bytes` (one line) were read.
    fn advance(&mut self, bytes: &[u8]) {
        self.pos += bytes.len() as u64;
        self.lines += 1;
        let room = (HEAD as usize).saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        self.tail.extend(bytes);
        let excess = self.tail.len().saturating_sub(TAIL as usize);
        self.tail.drain(..excess);
    }

    /// Store what was read and, in the same transaction, the mark at `pos`.
    fn commit(&mut self, store: &Store, c: &mut Counts) -> anyhow::Result<()> {
        if self.pos == self.mark.size && self.mark.id != 0 {
            return Ok(());
        }
        if self.pos == 0 {
            return Ok(());
        }
        self.mark.head = hex::encode(Sha256::digest(&self.head));
        self.mark.head_len = self.head.len() as u64;
        self.mark.tail = hex::encode(Sha256::digest(self.tail.make_contiguous()));
        self.mark.size = self.pos;
        self.mark.packets += self.lines;
        self.mark.complete = false;
        let batch = IngestBatch {
            records: &self.recs,
            detections: std::mem::take(&mut self.dets),
            metrics: &[],
        };
        let done = store
            .commit_ingest(batch, Some(&mut self.mark))
            .map_err(wirewatch_model::Error::from)?;
        c.records += done.records;
        c.detections += done.detections;
        for e in done.refused {
            *c.skipped
                .entry(format!("detection not stored: {}", e.message))
                .or_insert(0) += 1;
        }
        self.recs.clear();
        self.lines = 0;
        Ok(())
    }
}

/// Parse one line into `p`; false when it is not an EVE event (bad JSON and the like).
fn line(text: &str, p: &mut Pending, c: &mut Counts) -> bool {
    let text = text.trim();
    if text.is_empty() {
        return true;
    }
    c.lines += 1;
    match parse_line(text) {
        Ok(EveItem::Record {
            kind,
            time_ms,
            fields,
        }) => p.recs.push(NewRecord {
            kind,
            time_ms,
            fields,
        }),
        Ok(EveItem::Detection(d)) => p.dets.push(*d),
        Ok(EveItem::Ignored) => c.ignored += 1,
        Err(e) => {
            *c.skipped
                .entry(
                    e.to_string()
                        .split(':')
                        .next()
                        .unwrap_or("bad line")
                        .to_string(),
                )
                .or_insert(0) += 1;
            return false;
        }
    }
    true
}

/// Where to start reading `path`, given what the store holds.
fn start(store: &Store, path: &Path, force: bool, file: &mut File) -> anyhow::Result<Pending> {
    let plan = identity::plan(store, path, force)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let (mark, pos) = match plan {
        Plan::Fresh(m) => (m, 0),
        // EVE marks are never complete, so these come back as `Resume`.
        Plan::Resume(m) | Plan::Skip(m) => {
            let at = m.size;
            (m, at)
        }
        // Only a complete (capture) mark grows: not an EVE one, read it all.
        Plan::Grown(m) => (
            FileMark {
                start_packets: 0,
                ..m
            },
            0,
        ),
    };
    Ok(Pending::open(file, mark, pos)?)
}

/// Read an EVE file (and, with `follow`, what is appended to it), from where
/// the store's mark for it ends (from the start with `force`).
pub fn ingest_eve(store: &Store, path: &Path, follow: bool, force: bool) -> anyhow::Result<()> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut p = start(store, path, force, &mut file)?;
    let resumed_at = p.pos;
    let mut reader = BufReader::new(file);
    let mut c = Counts::default();
    let mut buf = String::new();
    let mut partial = false;
    loop {
        buf.clear();
        let n = reader.read_line(&mut buf)?;
        if n > 0 && buf.ends_with('\n') {
            line(&buf, &mut p, &mut c);
            p.advance(buf.as_bytes());
            if p.recs.len() >= BATCH || p.dets.len() >= BATCH {
                p.commit(store, &mut c)?;
            }
            continue;
        }
        if !follow {
            if n > 0 {
                // A last line without its newline: kept when it is a whole
                // event, else left for a later run (it may still be written).
                if line(&buf, &mut p, &mut c) {
                    p.advance(buf.as_bytes());
                } else {
                    partial = true;
                }
            }
            break;
        }
        // Following: a partial last line is read again once complete.
        p.commit(store, &mut c)?;
        std::thread::sleep(Duration::from_millis(200));
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(p.pos);
        if len < p.pos {
            // Rotated or truncated: a new file, known or not.
            let mut file =
                File::open(path).with_context(|| format!("opening {}", path.display()))?;
            p = start(store, path, false, &mut file)?;
            reader = BufReader::new(file);
        } else {
            reader.seek(SeekFrom::Start(p.pos))?;
        }
    }
    p.commit(store, &mut c)?;
    println!(
        "EVE {}: {} lines, {} records, {} detections, {} events of other types ignored",
        path.display(),
        c.lines,
        c.records,
        c.detections,
        c.ignored
    );
    if resumed_at > 0 {
        println!(
            "  already stored up to byte {resumed_at}: read from there (--force reads it all again)"
        );
    }
    for (why, n) in &c.skipped {
        println!("  skipped {n} line(s): {why}");
    }
    if partial {
        println!("  last line incomplete: left for a later run");
    }
    Ok(())
}
