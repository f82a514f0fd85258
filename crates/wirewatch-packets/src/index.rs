//! The index of a segment (`seg-N.idx`): after an 8-byte magic, one record
//! per block of the segment, appended when the block is complete:
//!
//! ```text
//! u32 length of the payload │ payload │ u32 CRC-32 of the payload
//! payload: start u64 │ end u64 (byte range in the segment) │ min_ts i64 │ max_ts i64 (ns)
//!          │ written_ms i64 (wall clock) │ packets u32 │ n u32 │ n sorted key hashes u64
//! ```
//!
//! A search reads a block only when its time range meets the query's and
//! its keys hold every key the query requires ([`crate::meta`] keys:
//! addresses, address pairs, ports; hash collisions only cost a read, the
//! filter decides). A torn last record (a kill while appending) is ignored
//! and cut off when the ring is opened again.

use crate::meta;

/// The first bytes of every index file (the version: the key hashes are
/// part of the format; an index of another version is rebuilt from its
/// segment when the ring is opened).
pub const MAGIC: &[u8; 8] = b"WWPKIDX2";
/// Most distinct keys one block may hold (a block of ~1 MiB of minimal
/// packets holds far fewer); a record claiming more is damaged.
pub const MAX_KEYS: usize = 1 << 20;
const FIXED: usize = 8 * 5 + 4 + 4;

/// One indexed block of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Byte range in the segment (from a record boundary to one).
    pub start: u64,
    pub end: u64,
    /// Packet time range (ns since the epoch): packets of a block need not
    /// be in time order (several capture files).
    pub min_ts: i64,
    pub max_ts: i64,
    /// When the block was written (wall clock, ms): what age retention reads.
    pub written_ms: i64,
    pub packets: u32,
    /// Sorted, distinct key hashes.
    pub keys: Vec<u64>,
}

impl Block {
    /// Whether the block may hold packets of `[from, until]` (ns) with every key of `required`.
    pub fn may_match(&self, from: i64, until: i64, required: &[u64]) -> bool {
        self.max_ts >= from
            && self.min_ts <= until
            && required.iter().all(|k| self.keys.binary_search(k).is_ok())
    }

    /// The record of this block.
    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(FIXED + 8 * self.keys.len() + 8);
        p.extend_from_slice(&0u32.to_le_bytes());
        p.extend_from_slice(&self.start.to_le_bytes());
        p.extend_from_slice(&self.end.to_le_bytes());
        p.extend_from_slice(&self.min_ts.to_le_bytes());
        p.extend_from_slice(&self.max_ts.to_le_bytes());
        p.extend_from_slice(&self.written_ms.to_le_bytes());
        p.extend_from_slice(&self.packets.to_le_bytes());
        p.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for k in &self.keys {
            p.extend_from_slice(&k.to_le_bytes());
        }
        let len = (p.len() - 4) as u32;
        p[0..4].copy_from_slice(&len.to_le_bytes());
        let crc = crc32fast::hash(&p[4..]);
        p.extend_from_slice(&crc.to_le_bytes());
        p
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The blocks of an index file's bytes, and how many bytes of it are whole
/// records (the rest is a torn or damaged tail). A file without the magic
/// has no blocks.
pub fn parse(bytes: &[u8]) -> (Vec<Block>, usize) {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return (Vec::new(), 0);
    }
    let mut at = MAGIC.len();
    let mut blocks = Vec::new();
    while let Some(b) = bytes.get(at..at + 4) {
        let len = u32_at(b, 0) as usize;
        if !(FIXED..=FIXED + 8 * MAX_KEYS).contains(&len) {
            break;
        }
        let Some(payload) = bytes.get(at + 4..at + 4 + len) else {
            break;
        };
        let Some(crc) = bytes.get(at + 4 + len..at + 8 + len) else {
            break;
        };
        if crc32fast::hash(payload) != u32_at(crc, 0) {
            break;
        }
        let n = u32_at(payload, 44) as usize;
        if FIXED + 8 * n != len {
            break;
        }
        blocks.push(Block {
            start: u64_at(payload, 0),
            end: u64_at(payload, 8),
            min_ts: u64_at(payload, 16) as i64,
            max_ts: u64_at(payload, 24) as i64,
            written_ms: u64_at(payload, 32) as i64,
            packets: u32_at(payload, 40),
            keys: (0..n).map(|i| u64_at(payload, FIXED + 8 * i)).collect(),
        });
        at += 8 + len;
    }
    (blocks, at)
}

/// The byte ranges of the blocks of an index file's bytes that may hold
/// packets of `[from, until]` with every key of `required` (as
/// [`Block::may_match`]), read in place: a block outside the window costs
/// its header, and keys are searched where they lie. Also returns how many
/// blocks the file holds. A torn or damaged record ends the file, as in
/// [`parse`] (a block's checksum is checked when it is a candidate).
pub fn candidates(
    bytes: &[u8],
    from: i64,
    until: i64,
    required: &[u64],
) -> (Vec<(u64, u64)>, usize) {
    let mut out = Vec::new();
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return (out, 0);
    }
    let mut at = MAGIC.len();
    let mut blocks = 0;
    while let Some(b) = bytes.get(at..at + 4) {
        let len = u32_at(b, 0) as usize;
        if !(FIXED..=FIXED + 8 * MAX_KEYS).contains(&len) {
            break;
        }
        let Some(payload) = bytes.get(at + 4..at + 4 + len) else {
            break;
        };
        let Some(crc) = bytes.get(at + 4 + len..at + 8 + len) else {
            break;
        };
        let n = u32_at(payload, 44) as usize;
        if FIXED + 8 * n != len {
            break;
        }
        blocks += 1;
        at += 8 + len;
        let (min_ts, max_ts) = (u64_at(payload, 16) as i64, u64_at(payload, 24) as i64);
        if max_ts < from || min_ts > until {
            continue;
        }
        let keys = &payload[FIXED..];
        let has = |k: u64| {
            let (mut lo, mut hi) = (0usize, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                match u64_at(keys, 8 * mid).cmp(&k) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => return true,
                }
            }
            false
        };
        if !required.iter().all(|k| has(*k)) {
            continue;
        }
        if crc32fast::hash(payload) != u32_at(crc, 0) {
            blocks -= 1;
            break;
        }
        out.push((u64_at(payload, 0), u64_at(payload, 8)));
    }
    (out, blocks)
}

/// A block being filled.
#[derive(Debug)]
pub struct Builder {
    pub start: u64,
    min_ts: i64,
    max_ts: i64,
    packets: u32,
    keys: Vec<u64>,
    /// The previous packet's addresses and ports: a packet of the same flow
    /// direction adds no key (packets come in bursts of one flow).
    last: Option<meta::Meta>,
}

impl Builder {
    pub fn new(start: u64) -> Self {
        Builder {
            start,
            min_ts: i64::MAX,
            max_ts: i64::MIN,
            packets: 0,
            keys: Vec::new(),
            last: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.packets == 0
    }

    /// Count a packet of this block.
    pub fn add(&mut self, ts_ns: i64, m: &meta::Meta) {
        self.min_ts = self.min_ts.min(ts_ns);
        self.max_ts = self.max_ts.max(ts_ns);
        self.packets += 1;
        if self.last.as_ref() == Some(m) {
            return;
        }
        self.last = Some(*m);
        meta::keys(m, &mut self.keys);
        // Keep the pending keys small: most packets repeat the block's keys.
        if self.keys.len() >= 64 * 1024 {
            self.keys.sort_unstable();
            self.keys.dedup();
        }
    }

    /// The finished block, ending at `end`.
    pub fn finish(mut self, end: u64, written_ms: i64) -> Block {
        self.keys.sort_unstable();
        self.keys.dedup();
        Block {
            start: self.start,
            end,
            min_ts: self.min_ts,
            max_ts: self.max_ts,
            written_ms,
            packets: self.packets,
            keys: self.keys,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(start: u64, keys: Vec<u64>) -> Block {
        Block {
            start,
            end: start + 100,
            min_ts: 10,
            max_ts: 20,
            written_ms: 5,
            packets: 3,
            keys,
        }
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_is_ignored() {
        let mut file = MAGIC.to_vec();
        let (a, b) = (block(24, vec![1, 5, 9]), block(124, vec![]));
        file.extend(a.encode());
        file.extend(b.encode());
        let whole = file.len();
        let c = block(224, vec![7; 3]).encode();
        file.extend(&c[..c.len() - 3]);
        let (blocks, valid) = parse(&file);
        assert_eq!(blocks, vec![a.clone(), b]);
        assert_eq!(valid, whole);
        // A flipped byte fails the checksum: the index stops before it.
        let mut bad = file[..whole].to_vec();
        bad[MAGIC.len() + 10] ^= 1;
        assert_eq!(parse(&bad).0, Vec::<Block>::new());
        assert_eq!(parse(b"not an index").0, Vec::<Block>::new());
    }

    #[test]
    fn candidates_read_in_place_agree_with_may_match() {
        let mut file = MAGIC.to_vec();
        let mut all = Vec::new();
        for i in 0..20u64 {
            let b = Block {
                start: 24 + i * 100,
                end: 124 + i * 100,
                min_ts: i as i64 * 10,
                max_ts: i as i64 * 10 + 9,
                written_ms: 1,
                packets: 1,
                keys: (0..i).map(|k| k * 3).collect(),
            };
            file.extend(b.encode());
            all.push(b);
        }
        for (from, until, req) in [
            (0, 1000, vec![]),
            (35, 72, vec![]),
            (0, 1000, vec![9, 12]),
            (50, 60, vec![15]),
            (0, 1000, vec![1]),
        ] {
            let want: Vec<(u64, u64)> = all
                .iter()
                .filter(|b| b.may_match(from, until, &req))
                .map(|b| (b.start, b.end))
                .collect();
            assert_eq!(
                candidates(&file, from, until, &req),
                (want, 20),
                "{from} {until} {req:?}"
            );
        }
        // A damaged candidate ends the file there.
        let mut bad = file.clone();
        let last = bad.len() - 5;
        bad[last] ^= 1;
        assert_eq!(candidates(&bad, 0, 1000, &[]).1, 19);
    }

    #[test]
    fn a_block_matches_by_time_and_by_every_required_key() {
        let b = block(24, vec![1, 5, 9]);
        assert!(b.may_match(0, 10, &[]));
        assert!(b.may_match(20, 30, &[5, 9]));
        assert!(!b.may_match(21, 30, &[]));
        assert!(!b.may_match(0, 9, &[]));
        assert!(!b.may_match(0, 30, &[5, 6]));
    }
}
