//! Network locality entries: which addresses are internal or external.

use crate::Error;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most observations accepted in one request.
pub const MAX_OBSERVATIONS: usize = 10_000;

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

impl LocalityInput {
    /// Validate and normalise `networks` (or the deprecated `network`).
    pub fn normalized_networks(&self) -> Result<Option<Vec<String>>, Error> {
        let (field, list): (&str, Vec<String>) = match (&self.networks, &self.network) {
            (Some(n), _) => ("networks", n.clone()),
            (None, Some(n)) => (
                "network",
                n.split(',').map(|s| s.trim().to_string()).collect(),
            ),
            (None, None) => return Ok(None),
        };
        if list.is_empty() {
            return Err(Error::invalid(
                field,
                "must name at least one IP address or CIDR block",
            ));
        }
        let mut out = Vec::new();
        for (i, n) in list.iter().enumerate() {
            let net = parse_net(n).ok_or_else(|| {
                Error::invalid(
                    format!("{field}[{i}]"),
                    format!("\"{n}\" is not an IP address or CIDR block"),
                )
            })?;
            let s = if n.contains('/') {
                net.to_string()
            } else {
                net.addr().to_string()
            };
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(Some(out))
    }

    /// The networks and the `external` flag a create request must give.
    pub fn validate_new(&self) -> Result<(Vec<String>, bool), Error> {
        let nets = self
            .normalized_networks()?
            .ok_or_else(|| Error::invalid("networks", "is required"))?;
        let external = self
            .external
            .ok_or_else(|| Error::invalid("external", "is required (true or false)"))?;
        Ok((nets, external))
    }
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

impl ObservationBatch {
    /// Check the batch; the rows to store: (address, associated address,
    /// timestamp), addresses normalised.
    pub fn validate(&self) -> Result<Vec<(String, String, i64)>, Error> {
        if self.source.trim().is_empty() {
            return Err(Error::invalid("source", "must not be empty"));
        }
        if self.observations.is_empty() {
            return Err(Error::invalid(
                "observations",
                "must contain at least one observation",
            ));
        }
        if self.observations.len() > MAX_OBSERVATIONS {
            return Err(Error::invalid(
                "observations",
                format!("at most {MAX_OBSERVATIONS} per request"),
            ));
        }
        let mut rows = Vec::with_capacity(self.observations.len());
        for (i, o) in self.observations.iter().enumerate() {
            let ip = |field: &str, v: &str| {
                v.trim()
                    .parse::<std::net::IpAddr>()
                    .map(|a| a.to_string())
                    .map_err(|_| {
                        Error::invalid(
                            format!("observations[{i}].{field}"),
                            format!("\"{v}\" is not an IP address"),
                        )
                    })
            };
            let a = ip("ipaddr", &o.ipaddr)?;
            let b = ip("associated_ipaddr", &o.associated_ipaddr)?;
            if o.timestamp <= 0 {
                return Err(Error::invalid(
                    format!("observations[{i}].timestamp"),
                    "must be seconds since the epoch",
                ));
            }
            rows.push((a, b, o.timestamp));
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(e: Error) -> String {
        e.field.unwrap_or_default()
    }

    #[test]
    fn locality_networks_are_normalised_and_named_on_error() {
        let input: LocalityInput =
            serde_json::from_value(json!({"network": "10.0.0.0/8, 10.1.2.3, 10.0.0.0/8"})).unwrap();
        assert_eq!(
            input.normalized_networks().unwrap().unwrap(),
            vec!["10.0.0.0/8", "10.1.2.3"]
        );
        assert_eq!(field(input.validate_new().unwrap_err()), "external");
        let input: LocalityInput =
            serde_json::from_value(json!({"networks": ["10.0.0.0/8", "x"], "external": true}))
                .unwrap();
        assert_eq!(field(input.validate_new().unwrap_err()), "networks[1]");
        let input: LocalityInput = serde_json::from_value(json!({"external": true})).unwrap();
        assert_eq!(field(input.validate_new().unwrap_err()), "networks");
    }

    #[test]
    fn observation_batches_are_checked_row_by_row() {
        let batch = |v| serde_json::from_value::<ObservationBatch>(v).unwrap();
        let ok = batch(json!({"source": "vpn", "observations": [
            {"ipaddr": " 10.0.0.1", "associated_ipaddr": "::1", "timestamp": 5}
        ]}));
        assert_eq!(
            ok.validate().unwrap(),
            vec![("10.0.0.1".to_string(), "::1".to_string(), 5)]
        );
        let bad = batch(json!({"source": "vpn", "observations": [
            {"ipaddr": "10.0.0.1", "associated_ipaddr": "::1", "timestamp": 0}
        ]}));
        assert_eq!(
            field(bad.validate().unwrap_err()),
            "observations[0].timestamp"
        );
        let empty = batch(json!({"source": " ", "observations": []}));
        assert_eq!(field(empty.validate().unwrap_err()), "source");
    }
}
