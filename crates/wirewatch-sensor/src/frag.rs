//! IPv4 and IPv6 fragment reassembly with bounded memory.

use std::collections::HashMap;
use std::net::IpAddr;

/// Largest datagram reassembled (the IP maximum).
pub const MAX_DATAGRAM: usize = 65_535;
/// Most datagrams being reassembled at once; beyond it the oldest is dropped.
pub const MAX_PENDING: usize = 10_000;
/// Fragments of a datagram not completed within this time are dropped (RFC 791 suggests 15 s+).
pub const TIMEOUT_NS: i64 = 30 * 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    id: u32,
}

#[derive(Debug, Default)]
struct Pending {
    first_ns: i64,
    parts: Vec<(u32, Vec<u8>)>,
    total: Option<u32>,
    /// IP bytes of all fragments on the wire (for flow accounting).
    wire_bytes: u32,
}

/// The reassembler.
#[derive(Default)]
pub struct Reassembler {
    pending: HashMap<Key, Pending>,
    /// Datagrams dropped: timed out, too large, overlapping inconsistently, or evicted.
    pub dropped: u64,
}

/// A reassembled datagram.
pub struct Datagram {
    pub payload: Vec<u8>,
    /// Sum of the fragments' IP lengths.
    pub wire_bytes: u32,
}

impl Reassembler {
    /// Add a fragment; returns the datagram when it is complete.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        ts_ns: i64,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        id: u32,
        offset: u32,
        more: bool,
        data: &[u8],
        ip_len: u32,
    ) -> Option<Datagram> {
        if self.pending.len() >= MAX_PENDING {
            self.expire(ts_ns, true);
        }
        let key = Key {
            src,
            dst,
            proto,
            id,
        };
        let p = self.pending.entry(key).or_insert_with(|| Pending {
            first_ns: ts_ns,
            ..Pending::default()
        });
        let end = offset as usize + data.len();
        if end > MAX_DATAGRAM {
            self.pending.remove(&key);
            self.dropped += 1;
            return None;
        }
        p.wire_bytes = p.wire_bytes.saturating_add(ip_len);
        if !more {
            p.total = Some(end as u32);
        }
        p.parts.push((offset, data.to_vec()));
        let total = p.total? as usize;
        // Complete when the parts cover 0..total without a hole.
        p.parts.sort_by_key(|(o, _)| *o);
        let mut covered = 0usize;
        for (o, d) in &p.parts {
            if *o as usize > covered {
                return None;
            }
            covered = covered.max(*o as usize + d.len());
        }
        if covered < total {
            return None;
        }
        let p = self.pending.remove(&key)?;
        let mut out = vec![0u8; total];
        for (o, d) in &p.parts {
            let o = *o as usize;
            // Fragments that disagree on the end (a later "last fragment"
            // shorter than what came before) may start past it: ignore that part.
            if o >= total {
                continue;
            }
            let n = d.len().min(total - o);
            out[o..o + n].copy_from_slice(&d[..n]);
        }
        Some(Datagram {
            payload: out,
            wire_bytes: p.wire_bytes,
        })
    }

    /// Drop datagrams older than the timeout (or the oldest one when `force`).
    pub fn expire(&mut self, now: i64, force: bool) {
        let before = self.pending.len();
        self.pending
            .retain(|_, p| now.saturating_sub(p.first_ns) <= TIMEOUT_NS);
        if force && self.pending.len() == before {
            if let Some(k) = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.first_ns)
                .map(|(k, _)| *k)
            {
                self.pending.remove(&k);
            }
        }
        self.dropped += (before - self.pending.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the capture_file fuzz target: a part starting beyond the end
    /// a later last fragment declares.
    #[test]
    fn a_part_past_the_declared_end_is_ignored() {
        let mut r = Reassembler::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(r.add(0, a, b, 17, 7, 24, true, &[3; 8], 28).is_none());
        assert!(r.add(0, a, b, 17, 7, 0, true, &[1; 32], 52).is_none());
        let d = r.add(0, a, b, 17, 7, 8, false, &[2; 8], 28).unwrap();
        assert_eq!(d.payload.len(), 16);
    }

    #[test]
    fn out_of_order_fragments_reassemble() {
        let mut r = Reassembler::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(r.add(0, a, b, 17, 9, 8, false, b"world!!!", 28).is_none());
        let d = r.add(1, a, b, 17, 9, 0, true, b"hello,  ", 28).unwrap();
        assert_eq!(d.payload, b"hello,  world!!!");
        assert_eq!(d.wire_bytes, 56);
        assert!(r.add(2, a, b, 17, 10, 8, true, b"x", 21).is_none());
        r.expire(2 + TIMEOUT_NS + 1, false);
        assert_eq!(r.dropped, 1);
    }
}
