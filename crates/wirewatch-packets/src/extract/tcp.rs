//! TCP stream reassembly from stored packets, one direction of one
//! connection at a time: segments are kept (bounded) as they come, in any
//! order, and put in sequence order at the end.
//!
//! - The stream starts after the SYN's sequence number when a SYN was seen,
//!   otherwise at the earliest sequence number seen.
//! - Retransmissions and overlaps: bytes already placed are kept (the
//!   segment of lower sequence number wins; of two at the same number, the
//!   first stored), the rest of an overlapping segment is appended.
//! - A hole (a segment never seen, a packet cut short by the capture's snap
//!   length, a segment dropped by a cap) ends the stream there: what
//!   follows cannot be placed in the file it belongs to. The hole is said.

/// One direction's segments as stored.
#[derive(Debug, Default)]
pub struct HalfStream {
    /// Sequence number of the first byte after a SYN.
    syn_next: Option<u32>,
    /// (sequence number, start in `arena`, length, packet time ns)
    segs: Vec<(u32, u32, u32, i64)>,
    arena: Vec<u8>,
    /// Payload bytes not stored (caps), and the first time it happened.
    pub dropped_bytes: u64,
    pub fin: bool,
}

/// Why an assembled stream stops before its last stored byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Bytes at this offset were never seen.
    Hole { at: u64, missing: u64 },
    /// Bytes were dropped by a cap (see `HalfStream::push`); the stream
    /// stops at the last byte kept in order.
    Capped { at: u64, dropped: u64 },
}

/// A direction's bytes in order, with the time of each segment's first byte.
#[derive(Debug, Default)]
pub struct Assembled {
    pub data: Vec<u8>,
    /// (offset in `data`, packet time ns), increasing offsets.
    marks: Vec<(u64, i64)>,
    pub cut: Option<Cut>,
    /// Bytes seen again (retransmitted or overlapping), not used twice.
    pub duplicate_bytes: u64,
    /// The sender's FIN was among the packets: the stream ended there.
    pub fin: bool,
}

impl Assembled {
    /// The time of the packet that carried the byte at `offset`.
    pub fn time_at(&self, offset: u64) -> i64 {
        match self.marks.binary_search_by(|(o, _)| o.cmp(&offset)) {
            Ok(i) => self.marks[i].1,
            Err(0) => self.marks.first().map_or(0, |m| m.1),
            Err(i) => self.marks[i - 1].1,
        }
    }

    #[cfg(test)]
    pub fn from_bytes(data: &[u8]) -> Assembled {
        Assembled {
            data: data.to_vec(),
            marks: vec![(0, 0)],
            cut: None,
            duplicate_bytes: 0,
            fin: true,
        }
    }
}

impl HalfStream {
    /// Bytes stored.
    pub fn stored(&self) -> u64 {
        self.arena.len() as u64
    }

    pub fn syn(&mut self, seq: u32) {
        self.syn_next = Some(seq.wrapping_add(1));
    }

    /// Store a segment's payload (`room` bytes at most may be stored; the
    /// rest is counted as dropped). Returns the bytes stored.
    pub fn push(&mut self, seq: u32, payload: &[u8], ts_ns: i64, room: u64) -> u64 {
        if payload.is_empty() {
            return 0;
        }
        let keep = payload
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        self.dropped_bytes += (payload.len() - keep) as u64;
        if keep == 0 {
            return 0;
        }
        let Ok(start) = u32::try_from(self.arena.len()) else {
            self.dropped_bytes += keep as u64;
            return 0;
        };
        self.arena.extend_from_slice(&payload[..keep]);
        self.segs.push((seq, start, keep as u32, ts_ns));
        keep as u64
    }

    /// The stream's first sequence number: after the SYN, else the earliest
    /// seen (sequence numbers compared as TCP does, modulo 2^32).
    fn base(&self) -> Option<u32> {
        if let Some(s) = self.syn_next {
            return Some(s);
        }
        self.earliest()
    }

    /// The earliest sequence number of the segments stored.
    pub fn earliest(&self) -> Option<u32> {
        let first = self.segs.first()?.0;
        Some(self.segs.iter().fold(first, |b, (s, ..)| {
            if (s.wrapping_sub(b) as i32) < 0 {
                *s
            } else {
                b
            }
        }))
    }

    /// Put the segments in order (consumes what was stored).
    pub fn assemble(mut self) -> Assembled {
        let mut out = Assembled {
            fin: self.fin,
            ..Assembled::default()
        };
        let Some(base) = self.base() else {
            return out;
        };
        // Offsets from the base; a segment before it (data before a SYN, a
        // stale retransmission) is not part of this stream.
        let mut segs: Vec<(u64, u32, u32, i64)> = self
            .segs
            .iter()
            .filter_map(|&(seq, start, len, ts)| {
                let off = seq.wrapping_sub(base);
                (off < 1 << 31).then_some((u64::from(off), start, len, ts))
            })
            .collect();
        segs.sort_by_key(|s| s.0);
        let arena = std::mem::take(&mut self.arena);
        for (off, start, len, ts) in segs {
            let end = off + u64::from(len);
            let have = out.data.len() as u64;
            if end <= have {
                out.duplicate_bytes += u64::from(len);
                continue;
            }
            if off > have {
                out.cut = Some(Cut::Hole {
                    at: have,
                    missing: off - have,
                });
                break;
            }
            let skip = (have - off) as usize;
            out.duplicate_bytes += skip as u64;
            let bytes = &arena[start as usize + skip..start as usize + len as usize];
            out.marks.push((have, ts));
            out.data.extend_from_slice(bytes);
        }
        if out.cut.is_none() && self.dropped_bytes > 0 {
            out.cut = Some(Cut::Capped {
                at: out.data.len() as u64,
                dropped: self.dropped_bytes,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_retransmitted_and_overlapping_segments_assemble_once() {
        let mut h = HalfStream::default();
        h.syn(999);
        // "hello world, again": segments 6..11, 0..5 (twice), 3..8 overlap,
        // 11..18; where they overlap, the segment of lower number wins.
        h.push(1006, b"world", 3, u64::MAX);
        h.push(1000, b"hello ", 1, u64::MAX);
        h.push(1000, b"HELLO ", 2, u64::MAX);
        h.push(1003, b"LO WO", 4, u64::MAX);
        h.push(1011, b", again", 5, u64::MAX);
        let a = h.assemble();
        assert_eq!(a.data, b"hello WOrld, again");
        assert_eq!(a.cut, None);
        assert_eq!(a.duplicate_bytes, 6 + 5);
        assert_eq!(a.time_at(0), 1);
        assert_eq!(a.time_at(7), 4);
        assert_eq!(a.time_at(9), 3);
        assert_eq!(a.time_at(12), 5);
    }

    #[test]
    fn a_hole_cuts_the_stream_and_wrapping_sequence_numbers_work() {
        let mut h = HalfStream::default();
        // No SYN: the earliest sequence number is the start, across 2^32.
        h.push(0, b"cd", 2, u64::MAX);
        h.push(u32::MAX - 1, b"ab", 1, u64::MAX);
        h.push(10, b"zz", 3, u64::MAX);
        let a = h.assemble();
        assert_eq!(a.data, b"abcd");
        assert_eq!(a.cut, Some(Cut::Hole { at: 4, missing: 8 }));
    }

    #[test]
    fn the_room_given_caps_what_is_stored() {
        let mut h = HalfStream::default();
        assert_eq!(h.push(0, b"abcdef", 0, 4), 4);
        assert_eq!(h.push(6, b"gh", 0, 0), 0);
        assert_eq!(h.dropped_bytes, 4);
        let a = h.assemble();
        assert_eq!(a.data, b"abcd");
        assert_eq!(a.cut, Some(Cut::Capped { at: 4, dropped: 4 }));
    }
}
