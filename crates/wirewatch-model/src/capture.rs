//! The live capture interfaces' counters (`GET /extrahop/capture/interfaces`):
//! written by each capture thread of `wirewatch serve --interface`, read by
//! the API. Held in memory: they describe this process's captures.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// One live capture interface: what libpcap received and dropped, and what
/// wirewatch read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "CaptureInterface", example = InterfaceStats::example())]
pub struct InterfaceStats {
    /// The interface's name (`--interface`).
    pub interface: String,
    /// `starting` (not open yet), `capturing`, or `stopped` (see `error`).
    pub state: String,
    /// When the capture thread started (ms, wall clock).
    pub started: i64,
    /// Packets wirewatch read from libpcap and analysed.
    pub packets_read: u64,
    /// Packets the kernel received for this capture (libpcap's `ps_recv`,
    /// since the capture opened).
    pub received: u64,
    /// Packets the kernel dropped because its capture buffer was full:
    /// analysis fell behind the link (`ps_drop`).
    pub dropped: u64,
    /// Packets the interface or its driver dropped (`ps_ifdrop`; 0 where
    /// the platform does not count them).
    pub if_dropped: u64,
    /// When the kernel's counters were last read (ms, wall clock; every
    /// second while capturing); null before the first read.
    pub stats_time: Option<i64>,
    /// When the last packet was read (ms, wall clock); null before one.
    pub last_packet_time: Option<i64>,
    /// Why the capture stopped (`state: "stopped"`).
    pub error: Option<String>,
}

impl InterfaceStats {
    /// The example of the API's documentation.
    pub fn example() -> InterfaceStats {
        InterfaceStats {
            interface: "eth1".into(),
            state: "capturing".into(),
            started: 1_767_225_000_000,
            packets_read: 18_204_411,
            received: 18_204_560,
            dropped: 149,
            if_dropped: 0,
            stats_time: Some(1_767_225_600_000),
            last_packet_time: Some(1_767_225_600_412),
            error: None,
        }
    }

    /// A capture about to open `interface`.
    pub fn starting(interface: &str, now_ms: i64) -> InterfaceStats {
        InterfaceStats {
            interface: interface.into(),
            state: "starting".into(),
            started: now_ms,
            packets_read: 0,
            received: 0,
            dropped: 0,
            if_dropped: 0,
            stats_time: None,
            last_packet_time: None,
            error: None,
        }
    }
}

/// The counters of every live capture of the process, by interface name.
/// Cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct CaptureStats(Arc<RwLock<BTreeMap<String, InterfaceStats>>>);

impl CaptureStats {
    /// Replace the counters of one interface.
    pub fn set(&self, stats: InterfaceStats) {
        let mut m = self.0.write().unwrap_or_else(|e| e.into_inner());
        m.insert(stats.interface.clone(), stats);
    }

    /// Every interface's counters, by name.
    pub fn all(&self) -> Vec<InterfaceStats> {
        let m = self.0.read().unwrap_or_else(|e| e.into_inner());
        m.values().cloned().collect()
    }
}
