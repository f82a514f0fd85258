//! The packet store: every packet the sensor sees (capture files and live
//! interfaces), kept in a bounded on-disk ring of pcap segments with an
//! index by time and by address/port, and the search `/packets/search`
//! answers from.
//!
//! ```text
//!  <data dir>/packets/
//!    seg-000000000001.pcap   pcap (nanosecond), one link type, ≤ segment_bytes
//!    seg-000000000001.idx    one record per block of ≈ 1 MiB of the segment:
//!                            byte range, time range, sorted key hashes
//!    …                        (oldest segments deleted first: size, then age)
//! ```
//!
//! - [`ring`]: the writer (append, rotate, retention, crash repair);
//!   [`sink`] runs it on a thread of its own, fed full buffers of packets
//!   over a bounded queue by the capture thread (which waits when it is full).
//! - [`index`]: the block records and their keys ([`meta`] decodes a packet's
//!   addresses, protocol and ports; the sensor's pipeline hands the writer
//!   the ones its own decode found, [`Writer::write_decoded`], so a kept
//!   packet is decoded once).
//! - [`bpf`]: the documented BPF subset, parsed and evaluated in Rust;
//!   [`libpcap`] the other filters, compiled by libpcap (feature `libpcap`).
//! - [`search`]: the query over the ring, and [`output`] the files it writes;
//!   [`extract`] the files carried in the packets (`output=extract`).
//!
//! Crash safety: a segment is written through a buffer and its index record
//! is appended only after the block's bytes are flushed, so every index
//! record describes bytes on disk. A segment cut short by a kill is readable
//! up to its last complete packet; opening the ring again rebuilds the index
//! of any bytes the index does not cover, from the segment itself.

pub mod bpf;
pub mod extract;
pub mod index;
pub mod libpcap;
#[cfg(all(test, feature = "libpcap"))]
mod libpcap_tests;
pub mod meta;
pub mod output;
pub mod pcap;
pub mod ring;
#[cfg(test)]
mod ring_tests;
pub mod search;
pub mod sink;
#[cfg(test)]
mod sink_tests;
pub mod units;

pub use ring::{Config, Writer};
pub use search::{Query, SearchStats, Stop};
pub use sink::Sink;

/// The directory of the ring under a data directory.
pub fn dir_in(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("packets")
}

/// Why the packet store could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("packet store I/O ({path}): {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("packet store configuration: {0}")]
    Config(String),
    #[error("the packet store's writer thread stopped")]
    Stopped,
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
