//! A search over the ring: the segments oldest first, in each the blocks
//! whose time range meets the query's and whose keys hold the keys the
//! filter requires, and in those the packets that pass the filter. Packets
//! come out in the order they were stored (capture order for one capture).
//!
//! Limits are approximate as on an ExtraHop appliance: the search stops
//! after the packet that reaches `limit_bytes`, and at the first block after
//! the deadline.

use crate::bpf::Expr;
use crate::index;
use crate::ring::{list_segments, segment_paths};
use crate::{meta, pcap, Error, Result};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

/// What to look for.
#[derive(Debug, Clone)]
pub struct Query {
    /// Packet times, ns since the epoch, both ends included.
    pub from_ns: i64,
    pub until_ns: i64,
    /// Every packet passes without one.
    pub filter: Option<Expr>,
    /// A filter outside the subset, compiled by libpcap ([`crate::libpcap`]):
    /// a packet must pass it too. It has no index help.
    pub libpcap: Option<crate::libpcap::Filter>,
    /// Stop once this many bytes of packets (record headers included) were found.
    pub limit_bytes: u64,
    /// Stop at the first block after this instant.
    pub deadline: Option<Instant>,
}

/// Why a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every candidate block was read.
    Done,
    LimitBytes,
    Deadline,
    /// The consumer asked to stop (the client went away).
    Consumer,
}

/// What a search did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchStats {
    pub segments: u64,
    pub blocks_read: u64,
    pub blocks_skipped: u64,
    pub packets: u64,
    pub bytes: u64,
    pub stop: Stop,
}

/// Run `q` over the ring in `dir`, handing each matching packet (with its
/// segment's link type) to `emit`, which returns false to stop.
pub fn search(
    dir: &Path,
    q: &Query,
    mut emit: impl FnMut(u32, pcap::Record<'_>) -> bool,
) -> Result<SearchStats> {
    let required = q
        .filter
        .as_ref()
        .map(Expr::required_keys)
        .unwrap_or_default();
    let mut st = SearchStats {
        segments: 0,
        blocks_read: 0,
        blocks_skipped: 0,
        packets: 0,
        bytes: 0,
        stop: Stop::Done,
    };
    let mut buf = Vec::new();
    #[cfg(feature = "libpcap")]
    let mut programs = Programs::default();
    for seq in list_segments(dir)? {
        let (seg, idx) = segment_paths(dir, seq);
        // A segment deleted by retention meanwhile is skipped.
        let idx_bytes = match std::fs::read(&idx) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&idx, e)),
        };
        let (wanted, blocks) = index::candidates(&idx_bytes, q.from_ns, q.until_ns, &required);
        st.blocks_skipped += (blocks - wanted.len()) as u64;
        if wanted.is_empty() {
            continue;
        }
        let mut file = match std::fs::File::open(&seg) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&seg, e)),
        };
        let mut head = [0u8; pcap::FILE_HEADER];
        file.read_exact(&mut head).map_err(|e| Error::io(&seg, e))?;
        let Some(linktype) = pcap::parse_file_header(&head) else {
            continue;
        };
        let link = meta::link(linktype);
        #[cfg(feature = "libpcap")]
        let program = match &q.libpcap {
            Some(f) => match programs.get(f, linktype) {
                Some(p) => Some(p),
                // The filter does not apply to this link type: no match.
                None => continue,
            },
            None => None,
        };
        st.segments += 1;
        for (start, end) in wanted {
            if q.deadline.is_some_and(|d| Instant::now() >= d) {
                st.stop = Stop::Deadline;
                return Ok(st);
            }
            let len = end.saturating_sub(start) as usize;
            buf.resize(len, 0);
            // A segment cut short (power loss) reads as far as it goes.
            let got = read_at_most(&file, &mut buf, start).map_err(|e| Error::io(&seg, e))?;
            st.blocks_read += 1;
            for (_, r) in pcap::Records::new(&buf[..got]) {
                if r.ts_ns < q.from_ns || r.ts_ns > q.until_ns {
                    continue;
                }
                if let Some(f) = &q.filter {
                    if !f.matches(&meta::of(link, r.data)) {
                        continue;
                    }
                }
                #[cfg(feature = "libpcap")]
                if let Some(p) = program {
                    if !p.matches(r.data) {
                        continue;
                    }
                }
                st.packets += 1;
                st.bytes += (pcap::RECORD_HEADER + r.data.len()) as u64;
                if !emit(linktype, r) {
                    st.stop = Stop::Consumer;
                    return Ok(st);
                }
                if st.bytes >= q.limit_bytes {
                    st.stop = Stop::LimitBytes;
                    return Ok(st);
                }
            }
        }
    }
    Ok(st)
}

/// The libpcap filter compiled per link type, once each (`None`: it does
/// not compile for that link type).
#[cfg(feature = "libpcap")]
#[derive(Default)]
struct Programs(std::collections::HashMap<u32, Option<crate::libpcap::Program>>);

#[cfg(feature = "libpcap")]
impl Programs {
    fn get(
        &mut self,
        f: &crate::libpcap::Filter,
        linktype: u32,
    ) -> Option<&crate::libpcap::Program> {
        self.0
            .entry(linktype)
            .or_insert_with(|| match crate::libpcap::Program::new(f.text(), linktype) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::info!(linktype, error = %e, "packet search: the libpcap filter does not apply to this link type; its segments have no match");
                    None
                }
            })
            .as_ref()
    }
}

fn read_at_most(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read_at(&mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
