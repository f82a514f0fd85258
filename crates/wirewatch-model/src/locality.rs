//! Network locality entries: which addresses are internal or external.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A network locality entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(example = NetworkLocality::example())]
pub struct NetworkLocality {
    /// The entry's id.
    pub id: u64,
    /// The entry's name.
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// Whether these addresses are outside the monitored network.
    pub external: bool,
    /// When the entry last changed (milliseconds since the epoch).
    pub mod_time: i64,
    /// Deprecated: the first entry of `networks`.
    #[schemars(extend("deprecated" = true))]
    pub network: Option<String>,
    /// The IP addresses and CIDR blocks of the entry.
    pub networks: Vec<String>,
}

impl NetworkLocality {
    /// The example of the API's documentation (a test reads it back).
    pub fn example() -> NetworkLocality {
        NetworkLocality {
            id: 1,
            name: "Guest Wi-Fi".into(),
            description: Some("Visitors".into()),
            external: true,
            mod_time: 1_767_225_600_000,
            network: Some("10.20.0.0/16".into()),
            networks: vec!["10.20.0.0/16".into(), "fd00:20::/64".into()],
        }
    }
}

/// Body of `POST /networklocalities` (which needs `networks` or `network`,
/// and `external`) and `PATCH /networklocalities/{id}` (absent fields are
/// left alone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(rename = "NetworkLocalityInput")]
pub struct LocalityInput {
    /// The entry's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Deprecated: a single IP address or CIDR block.
    #[serde(default)]
    #[schemars(extend("deprecated" = true))]
    pub network: Option<String>,
    /// IP addresses and CIDR blocks.
    #[serde(default)]
    pub networks: Option<Vec<String>>,
    /// Whether these addresses are outside the monitored network.
    #[serde(default)]
    pub external: Option<bool>,
    /// A description; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
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

/// An association of two IP addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Observation {
    /// An IP address the sensor sees (a VPN client's inner address, say).
    pub ipaddr: String,
    /// The IP address associated with it (the client's public address, say).
    pub associated_ipaddr: String,
    /// When the association was observed, in **seconds** since the epoch.
    #[schemars(range(min = 1))]
    pub timestamp: i64,
}

/// Body of `POST /observations/associatedipaddrs`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct ObservationBatch {
    #[schemars(length(min = 1, max = 10_000))]
    pub observations: Vec<Observation>,
    /// Where the observations come from (e.g. `OpenVPN`); not empty.
    pub source: String,
}
