//! TCP stream reassembly for the application analyzers: delivers each
//! direction's bytes in order, once, and reports gaps it cannot fill.

use std::collections::BTreeMap;

/// Most out-of-order bytes held per direction before giving up on the hole.
pub const MAX_PENDING_BYTES: usize = 256 * 1024;

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct Reassembler {
    next: Option<u32>,
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
    /// Bytes skipped over holes that were never filled.
    pub gap_bytes: u64,
}

/// What a segment produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// In-order bytes, possibly preceded by a gap.
    pub chunks: Vec<(u64, Vec<u8>)>,
}

fn before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

impl Reassembler {
    /// Start of the stream: the sequence number after the SYN.
    pub fn syn(&mut self, seq: u32) {
        self.next = Some(seq.wrapping_add(1));
    }

    /// A segment; returns in-order data as `(gap before it, bytes)` chunks.
    pub fn segment(&mut self, seq: u32, data: &[u8]) -> Delivery {
        let mut out = Delivery::default();
        if data.is_empty() {
            return out;
        }
        let next = *self.next.get_or_insert(seq);
        let end = seq.wrapping_add(data.len() as u32);
        if !before(next, end) {
            return out; // entirely old: a retransmission
        }
        // Trim what was already delivered.
        let skip = if before(seq, next) {
            next.wrapping_sub(seq) as usize
        } else {
            0
        };
        let (seq, data) = (seq.wrapping_add(skip as u32), &data[skip..]);
        if seq == next {
            self.next = Some(seq.wrapping_add(data.len() as u32));
            out.chunks.push((0, data.to_vec()));
            self.drain(&mut out);
        } else if self.pending_bytes + data.len() <= MAX_PENDING_BYTES {
            self.pending_bytes += data.len();
            self.pending.entry(seq).or_insert_with(|| data.to_vec());
        } else {
            // Too much held behind a hole: skip the hole.
            self.skip_hole(&mut out);
            return self.segment(seq, data).merge(out);
        }
        out
    }

    fn drain(&mut self, out: &mut Delivery) {
        while let Some(next) = self.next {
            let Some((&s, _)) = self.pending.iter().next() else {
                break;
            };
            if before(next, s) {
                break;
            }
            let d = self.pending.remove(&s).unwrap_or_default();
            self.pending_bytes -= d.len();
            let end = s.wrapping_add(d.len() as u32);
            if before(next, end) {
                let skip = next.wrapping_sub(s) as usize;
                out.chunks.push((0, d[skip..].to_vec()));
                self.next = Some(end);
            }
        }
    }

    fn skip_hole(&mut self, out: &mut Delivery) {
        if let (Some(next), Some((&s, _))) = (self.next, self.pending.iter().next()) {
            let gap = u64::from(s.wrapping_sub(next));
            self.gap_bytes += gap;
            self.next = Some(s);
            let before_len = out.chunks.len();
            self.drain(out);
            if let Some(first) = out.chunks.get_mut(before_len) {
                first.0 = gap;
            }
        }
    }

    /// End of the connection: deliver what is held, over its holes.
    pub fn flush(&mut self) -> Delivery {
        let mut out = Delivery::default();
        while !self.pending.is_empty() {
            self.skip_hole(&mut out);
        }
        out
    }
}

impl Delivery {
    fn merge(mut self, mut earlier: Delivery) -> Delivery {
        earlier.chunks.append(&mut self.chunks);
        earlier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(d: Delivery) -> Vec<u8> {
        d.chunks.into_iter().flat_map(|(_, b)| b).collect()
    }

    #[test]
    fn in_order_out_of_order_and_retransmitted() {
        let mut r = Reassembler::default();
        r.syn(99);
        assert_eq!(bytes(r.segment(100, b"hello ")), b"hello ");
        assert_eq!(bytes(r.segment(111, b"!")), b"");
        assert_eq!(bytes(r.segment(100, b"hello ")), b"");
        assert_eq!(bytes(r.segment(104, b"o world")), b"world!");
        assert_eq!(bytes(r.segment(0xffff_fff0, b"old")), b"");
    }

    #[test]
    fn holes_are_skipped_at_the_end() {
        let mut r = Reassembler::default();
        r.syn(0);
        assert_eq!(bytes(r.segment(1, b"ab")), b"ab");
        assert_eq!(bytes(r.segment(10, b"xy")), b"");
        let f = r.flush();
        assert_eq!(f.chunks, vec![(7, b"xy".to_vec())]);
        assert_eq!(r.gap_bytes, 7);
    }
}
