//! Which capture files the store already holds, by content rather than by
//! name: a file is known by the SHA-256 of its first [`HEAD`] bytes, and a
//! stored analysis matches it when the file is at least as long as the part
//! analysed and the SHA-256 of the [`TAIL`] bytes before that length is the
//! same. Renamed and copied files are recognised; a file that grew (a capture
//! still being written, or appended to) matches its earlier part.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use wirewatch_store::{FileMark, Store};

/// Bytes hashed as a file's identity (or the whole file when shorter).
pub const HEAD: u64 = 4096;
/// Bytes before the analysed length hashed to check that part is unchanged.
pub const TAIL: u64 = 65_536;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("no such file")]
    Missing,
    #[error("is a directory, not a capture file")]
    Directory,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Capture(#[from] wirewatch_sensor::capture::CaptureError),
    #[error("no packet could be read: {0}")]
    NoPacket(wirewatch_sensor::capture::CaptureError),
    #[error("store: {0}")]
    Store(#[from] wirewatch_store::StoreError),
}

/// What to do with one input.
pub enum Plan {
    /// Stored whole and unchanged since.
    Skip(FileMark),
    /// Never stored (or `--force`): analyse from the first packet.
    Fresh(FileMark),
    /// An analysis stopped before the end (the process was killed): replay
    /// it from its first packet without storing again what `packets` covers.
    Resume(FileMark),
    /// Stored whole, and it has grown since: analyse the packets after the
    /// stored part (a new mark starting there).
    Grown(FileMark),
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of the (at most [`TAIL`]) bytes before `len` in `file`.
pub fn tail_hash(file: &mut File, len: u64) -> std::io::Result<String> {
    let from = len.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(from))?;
    let mut buf = Vec::with_capacity((len - from) as usize);
    file.by_ref().take(len - from).read_to_end(&mut buf)?;
    if (buf.len() as u64) < len - from {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the file is shorter than when it was read",
        ));
    }
    Ok(sha_hex(&buf))
}

/// Decide what to do with `path`, given what the store holds.
pub fn plan(store: &Store, path: &Path, force: bool) -> Result<Plan, InputError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(InputError::Missing),
        Err(e) => return Err(e.into()),
    };
    if meta.is_dir() {
        return Err(InputError::Directory);
    }
    let mut file = File::open(path)?;
    let size = meta.len();
    let mut head = Vec::with_capacity(HEAD.min(size) as usize);
    file.by_ref().take(HEAD).read_to_end(&mut head)?;
    let fresh = FileMark {
        head: sha_hex(&head),
        head_len: head.len() as u64,
        path: path.display().to_string(),
        ..FileMark::default()
    };
    if force {
        return Ok(Plan::Fresh(fresh));
    }
    // Marks made when the file was shorter than a head block hash fewer bytes.
    let mut lens = vec![head.len() as u64];
    lens.extend(store.short_mark_heads(head.len() as u64)?);
    let mut found: Option<FileMark> = None;
    for len in lens {
        for m in store.file_marks(len, &sha_hex(&head[..len as usize]))? {
            if found.as_ref().is_some_and(|f| f.id > m.id) {
                break;
            }
            if m.size <= size && tail_hash(&mut file, m.size)? == m.tail {
                found = Some(m);
                break;
            }
        }
    }
    let Some(mut m) = found else {
        return Ok(Plan::Fresh(fresh));
    };
    m.path = fresh.path.clone();
    Ok(if !m.complete {
        Plan::Resume(m)
    } else if m.size >= size {
        Plan::Skip(m)
    } else {
        Plan::Grown(FileMark {
            start_packets: m.start_packets + m.packets,
            ..fresh
        })
    })
}
