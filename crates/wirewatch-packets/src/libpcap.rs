//! Filters outside the BPF subset ([`crate::bpf`]), compiled by libpcap when
//! the crate is built with the `libpcap` feature (the binary's `live`
//! feature turns it on); without it, [`Filter::compile`] says the build has
//! no libpcap and the caller answers a 400.
//!
//! The subset stays in charge of the filters it accepts: it finds candidate
//! blocks through the index and reads the innermost IP header (inside VLAN
//! tags and tunnels). A libpcap program has no index help: a search with one
//! reads every block of its time window (bounded by `limit_bytes` and the
//! deadline as any search), and it sees the packet as libpcap does (the
//! outer headers; `vlan` first to look inside a tag).
//!
//! A filter is checked when it is given by compiling it for Ethernet, the
//! link type of nearly every capture. A search compiles it again for each
//! segment's link type; a segment whose link type the filter cannot apply to
//! (`ether host` on raw IP) has no match. `len` is the stored length of a
//! packet (the whole packet, as the sensor keeps packets whole up to its
//! snap length). As in tcpdump, libpcap resolves host, network and service
//! names when it compiles (the sensor's resolver and `/etc/services`).

/// Whether this build compiles filters with libpcap.
pub const AVAILABLE: bool = cfg!(feature = "libpcap");

/// Ethernet (`LINKTYPE_ETHERNET`), the link type a filter is checked for.
pub const ETHERNET: u32 = 1;

/// Why a filter cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LibpcapError {
    #[error("this build of wirewatch has no libpcap (cargo feature `live`), so only the BPF subset is evaluated")]
    Unavailable,
    #[error("libpcap cannot compile the filter: {0}")]
    Compile(String),
}

/// A filter libpcap compiled for Ethernet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    text: String,
}

impl Filter {
    /// Compile `text` for Ethernet, to check it.
    pub fn compile(text: &str) -> Result<Filter, LibpcapError> {
        #[cfg(feature = "libpcap")]
        {
            Program::new(text, ETHERNET)?;
            Ok(Filter {
                text: text.to_string(),
            })
        }
        #[cfg(not(feature = "libpcap"))]
        {
            let _ = text;
            Err(LibpcapError::Unavailable)
        }
    }

    /// The filter as given.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The `DLT_*` libpcap's compiler takes for a file's `LINKTYPE_*`: the same
/// number but for raw IP (`LINKTYPE_RAW` 101 is `DLT_RAW`, 12; 14 on
/// OpenBSD), the one link type of the ring whose numbers differ.
#[cfg(feature = "libpcap")]
fn dlt(linktype: u32) -> Option<i32> {
    const LINKTYPE_RAW: u32 = 101;
    const DLT_RAW: i32 = if cfg!(target_os = "openbsd") { 14 } else { 12 };
    if linktype == LINKTYPE_RAW {
        return Some(DLT_RAW);
    }
    i32::try_from(linktype).ok()
}

/// A filter compiled for one link type.
#[cfg(feature = "libpcap")]
pub struct Program(::pcap::BpfProgram);

#[cfg(feature = "libpcap")]
impl Program {
    /// Compile `text` (optimised, as tcpdump does) for `linktype`.
    pub fn new(text: &str, linktype: u32) -> Result<Program, LibpcapError> {
        let lt = dlt(linktype).ok_or_else(|| {
            LibpcapError::Compile(format!("link type {linktype} is out of range"))
        })?;
        let dead = ::pcap::Capture::dead(::pcap::Linktype(lt))
            .map_err(|e| LibpcapError::Compile(e.to_string()))?;
        dead.compile(text, true).map(Program).map_err(|e| {
            LibpcapError::Compile(match e {
                ::pcap::Error::PcapError(m) => m,
                e => e.to_string(),
            })
        })
    }

    /// Whether the packet (its stored bytes, from the link-layer header) passes.
    pub fn matches(&self, packet: &[u8]) -> bool {
        self.0.filter(packet)
    }
}
