//! Network locality entries: which addresses are internal or external.

use serde::{Deserialize, Serialize};

/// A network locality entry (`/networklocalities`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkLocality {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub external: bool,
    pub mod_time: i64,
    /// Deprecated: the first entry of `networks`.
    pub network: Option<String>,
    pub networks: Vec<String>,
}

/// Body of `POST /networklocalities` and `PATCH /networklocalities/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LocalityInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub network: Option<String>,
    #[serde(default)]
    pub networks: Option<Vec<String>>,
    #[serde(default)]
    pub external: Option<bool>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub description: Option<Option<String>>,
}

/// Parse an IP address or CIDR block as `ipnet::IpNet` (a bare address is a /32 or /128).
pub fn parse_net(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    if let Ok(n) = s.parse::<ipnet::IpNet>() {
        return Some(n.trunc());
    }
    s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from)
}

/// An observation associating two IP addresses (`POST /observations/associatedipaddrs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub ipaddr: String,
    pub associated_ipaddr: String,
    /// Seconds since the epoch, as the source reported it.
    pub timestamp: i64,
}

/// Body of `POST /observations/associatedipaddrs`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ObservationBatch {
    pub observations: Vec<Observation>,
    pub source: String,
}
