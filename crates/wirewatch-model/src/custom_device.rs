//! Custom devices (`/customdevices`): a name for traffic chosen by criteria
//! (addresses, CIDR blocks or ranges, ports, VLANs) instead of by a MAC or
//! IP address, and the compiled form the sensor matches flows with.
//!
//! A criterion is tested against a flow: its *source* is the flow's client
//! (originator), its *destination* the server (responder). The custom device
//! stands for the end its `ipaddr` names (`src`: the client, `dst`: the
//! server, `any`: whichever end is in `ipaddr`, both when both are); a
//! criterion without `ipaddr` stands for the server end.

use serde::{Deserialize, Deserializer, Serialize};
use std::net::IpAddr;

/// Most criteria one custom device holds.
pub const MAX_CRITERIA: usize = 256;
/// Most custom devices (each is tested on every new flow).
pub const MAX_CUSTOM_DEVICES: usize = 4_096;
/// Longest name, author or `extrahop_id` (bytes).
pub const MAX_NAME: usize = 256;
/// Longest description (bytes).
pub const MAX_DESCRIPTION: usize = 4_096;

/// Which end of the traffic `ipaddr` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Either end (client or server).
    Any,
    /// The source: the flow's client.
    Src,
    /// The destination: the flow's server.
    Dst,
}

/// One criterion as given in a request: every field is optional, `null` is
/// the same as absent; other fields (the legacy `custom_device_id`) are
/// ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "CustomDeviceCriterionInput")]
pub struct CriterionInput {
    /// An IP address, a CIDR block (`10.1.2.0/24`) or, as a wirewatch
    /// extension, a range `first-last` (`10.1.2.10-10.1.2.20`).
    #[serde(default)]
    pub ipaddr: Option<String>,
    /// Which end `ipaddr` must be: `any` (default), `src` or `dst`.
    #[serde(default)]
    pub ipaddr_direction: Option<Direction>,
    /// The other end's address, CIDR block or range; only with `ipaddr` and
    /// a direction of `src` or `dst`.
    #[serde(default)]
    pub ipaddr_peer: Option<String>,
    /// Lowest source (client) port, 1–65535.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub src_port_min: Option<u32>,
    /// Highest source (client) port, 1–65535.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub src_port_max: Option<u32>,
    /// Lowest destination (server) port, 1–65535.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub dst_port_min: Option<u32>,
    /// Highest destination (server) port, 1–65535.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub dst_port_max: Option<u32>,
    /// Lowest VLAN id, 0–4095 (traffic without a VLAN tag is VLAN 0).
    #[serde(default)]
    #[schemars(range(min = 0, max = 4095))]
    pub vlan_min: Option<u32>,
    /// Highest VLAN id, 0–4095.
    #[serde(default)]
    #[schemars(range(min = 0, max = 4095))]
    pub vlan_max: Option<u32>,
}

/// A stored criterion, as answers show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "CustomDeviceCriterion")]
pub struct Criterion {
    /// The criterion's id (see `DELETE /customdevices/{id}/criteria/{criteria_id}`).
    pub id: u64,
    /// The id of the custom device it belongs to.
    pub custom_device_id: u64,
    #[serde(flatten)]
    pub c: CriterionInput,
}

/// A custom device as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = CustomDevice::example())]
pub struct CustomDevice {
    /// The custom device's id.
    pub id: u64,
    /// The unique name.
    pub name: String,
    /// Who made it.
    pub author: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// A disabled custom device matches no traffic.
    pub disabled: bool,
    /// The unique id it is discovered by: its device's `discovery_id`.
    pub extrahop_id: String,
    /// When it last changed (ms).
    pub mod_time: i64,
    /// wirewatch extension: the id of its entry in `/devices`.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub device_id: u64,
    /// The criteria (only with `include_criteria=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<Criterion>>,
}

impl CustomDevice {
    /// The example of the API's documentation.
    pub fn example() -> CustomDevice {
        CustomDevice {
            id: 3,
            name: "Payment servers".into(),
            author: Some("soc".into()),
            description: Some("PCI scope, HTTPS only".into()),
            disabled: false,
            extrahop_id: "Payment_servers".into(),
            mod_time: 1_767_225_600_000,
            device_id: 41,
            criteria: Some(vec![Criterion {
                id: 7,
                custom_device_id: 3,
                c: CriterionInput::example(),
            }]),
        }
    }
}

impl CriterionInput {
    pub fn example() -> CriterionInput {
        CriterionInput {
            ipaddr: Some("10.20.0.0/24".into()),
            ipaddr_direction: Some(Direction::Dst),
            dst_port_min: Some(443),
            dst_port_max: Some(443),
            ..CriterionInput::default()
        }
    }
}

/// A boolean sent as `true`/`false` or as the strings `"true"`/`"false"`
/// (any case), as one real script does.
pub fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        B(bool),
        S(String),
    }
    match Option::<B>::deserialize(d)? {
        None => Ok(None),
        Some(B::B(b)) => Ok(Some(b)),
        Some(B::S(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(serde::de::Error::custom(format!(
                "\"{s}\" is not a boolean (true or false)"
            ))),
        },
    }
}

/// Body of `POST /customdevices`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(example = NewCustomDevice::example())]
pub struct NewCustomDevice {
    /// The unique name (1–256 bytes, not only spaces); 409 when taken.
    #[schemars(length(min = 1, max = 256))]
    pub name: String,
    /// Who made it.
    #[serde(default)]
    pub author: Option<String>,
    /// A description (at most 4096 bytes).
    #[serde(default)]
    pub description: Option<String>,
    /// `false` when left out; `"true"`/`"false"` strings are accepted.
    #[serde(default, deserialize_with = "loose_bool")]
    #[schemars(with = "bool")]
    pub disabled: Option<bool>,
    /// The unique id (no white space, at most 256 bytes); made from the
    /// name when left out. It cannot be changed later.
    #[serde(default)]
    pub extrahop_id: Option<String>,
    /// At most 256 criteria.
    #[serde(default)]
    #[schemars(length(max = 256))]
    pub criteria: Option<Vec<CriterionInput>>,
}

impl NewCustomDevice {
    pub fn example() -> serde_json::Value {
        serde_json::json!({
            "name": "Payment servers",
            "author": "soc",
            "description": "PCI scope, HTTPS only",
            "disabled": false,
            "extrahop_id": "Payment_servers",
            "criteria": [{"ipaddr": "10.20.0.0/24", "ipaddr_direction": "dst",
                          "dst_port_min": 443, "dst_port_max": 443}]
        })
    }

    /// Check every field (errors name it).
    pub fn validate(&self) -> crate::error::Result<()> {
        check_name("name", &self.name)?;
        check_text("author", self.author.as_deref(), MAX_NAME)?;
        check_text("description", self.description.as_deref(), MAX_DESCRIPTION)?;
        if let Some(x) = &self.extrahop_id {
            check_extrahop_id(x)?;
        }
        if let Some(c) = &self.criteria {
            check_criteria(c)?;
        }
        Ok(())
    }
}

/// Body of `PATCH /customdevices/{id}`: absent fields are left alone;
/// `criteria` replaces every criterion.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(example = CustomDevicePatch::example())]
pub struct CustomDevicePatch {
    /// A new unique name.
    #[serde(default)]
    #[schemars(length(min = 1, max = 256))]
    pub name: Option<String>,
    /// Who made it; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub author: Option<Option<String>>,
    /// A description; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// `"true"`/`"false"` strings are accepted.
    #[serde(default, deserialize_with = "loose_bool")]
    #[schemars(with = "bool")]
    pub disabled: Option<bool>,
    /// Immutable: accepted only when equal to the stored one (400 otherwise).
    #[serde(default)]
    pub extrahop_id: Option<String>,
    /// Replaces every criterion (at most 256).
    #[serde(default)]
    #[schemars(length(max = 256))]
    pub criteria: Option<Vec<CriterionInput>>,
}

impl CustomDevicePatch {
    pub fn example() -> serde_json::Value {
        serde_json::json!({
            "description": "PCI scope, HTTPS and SSH",
            "criteria": [{"ipaddr": "10.20.0.0/24", "ipaddr_direction": "dst",
                          "dst_port_min": 22, "dst_port_max": 22},
                         {"ipaddr": "10.20.0.0/24", "ipaddr_direction": "dst",
                          "dst_port_min": 443, "dst_port_max": 443}]
        })
    }

    pub fn validate(&self) -> crate::error::Result<()> {
        if let Some(n) = &self.name {
            check_name("name", n)?;
        }
        check_text("author", self.author.clone().flatten().as_deref(), MAX_NAME)?;
        check_text(
            "description",
            self.description.clone().flatten().as_deref(),
            MAX_DESCRIPTION,
        )?;
        if let Some(c) = &self.criteria {
            check_criteria(c)?;
        }
        Ok(())
    }
}

fn check_name(field: &str, s: &str) -> crate::error::Result<()> {
    if s.trim().is_empty() {
        return Err(crate::Error::invalid(field, "must not be empty"));
    }
    check_text(field, Some(s), MAX_NAME)
}

fn check_text(field: &str, s: Option<&str>, max: usize) -> crate::error::Result<()> {
    match s {
        Some(s) if s.len() > max => Err(crate::Error::invalid(
            field,
            format!("is longer than {max} bytes"),
        )),
        Some(s) if s.chars().any(char::is_control) => Err(crate::Error::invalid(
            field,
            "must not hold control characters",
        )),
        _ => Ok(()),
    }
}

/// An `extrahop_id` given by a client.
pub fn check_extrahop_id(x: &str) -> crate::error::Result<()> {
    if x.is_empty() {
        return Err(crate::Error::invalid("extrahop_id", "must not be empty"));
    }
    if x.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(crate::Error::invalid(
            "extrahop_id",
            format!("\"{x}\" holds white space"),
        ));
    }
    check_text("extrahop_id", Some(x), MAX_NAME)
}

/// The `extrahop_id` made from a name: letters, digits, `-`, `.` kept,
/// anything else `_`.
pub fn extrahop_id_from_name(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.chars().take(200).collect()
}

fn check_criteria(c: &[CriterionInput]) -> crate::error::Result<()> {
    if c.len() > MAX_CRITERIA {
        return Err(crate::Error::invalid(
            "criteria",
            format!("holds {} criteria; at most {MAX_CRITERIA}", c.len()),
        ));
    }
    for (i, c) in c.iter().enumerate() {
        c.compile(&format!("criteria[{i}]"))?;
    }
    Ok(())
}

/// An inclusive address range, one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrRange {
    V4(u32, u32),
    V6(u128, u128),
}

impl AddrRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (AddrRange::V4(lo, hi), IpAddr::V4(a)) => (*lo..=*hi).contains(&u32::from(a)),
            (AddrRange::V6(lo, hi), IpAddr::V6(a)) => (*lo..=*hi).contains(&u128::from(a)),
            _ => false,
        }
    }
}

/// An address, CIDR block or `first-last` range.
pub fn parse_range(s: &str) -> Option<AddrRange> {
    let s = s.trim();
    if let Some((a, b)) = s.split_once('-') {
        let (a, b): (IpAddr, IpAddr) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        return match (a, b) {
            (IpAddr::V4(a), IpAddr::V4(b)) if u32::from(a) <= u32::from(b) => {
                Some(AddrRange::V4(a.into(), b.into()))
            }
            (IpAddr::V6(a), IpAddr::V6(b)) if u128::from(a) <= u128::from(b) => {
                Some(AddrRange::V6(a.into(), b.into()))
            }
            _ => None,
        };
    }
    let net = if s.contains('/') {
        s.parse::<ipnet::IpNet>().ok()?
    } else {
        ipnet::IpNet::from(s.parse::<IpAddr>().ok()?)
    };
    Some(match net {
        ipnet::IpNet::V4(n) => AddrRange::V4(n.network().into(), n.broadcast().into()),
        ipnet::IpNet::V6(n) => AddrRange::V6(n.network().into(), n.broadcast().into()),
    })
}

/// A field under `path` (a criterion's path in a list, or `""` for a lone one).
fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// A criterion ready to test flows.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledCriterion {
    pub ipaddr: Option<AddrRange>,
    pub direction: Direction,
    pub peer: Option<AddrRange>,
    pub src_port: (u16, u16),
    pub dst_port: (u16, u16),
    pub vlan: (u16, u16),
}

fn port_range(
    path: &str,
    name: &str,
    lo: Option<u32>,
    hi: Option<u32>,
    min: u32,
    max: u32,
) -> crate::error::Result<(u16, u16)> {
    for (suffix, v) in [("min", lo), ("max", hi)] {
        if let Some(v) = v {
            if !(min..=max).contains(&v) {
                return Err(crate::Error::invalid(
                    join(path, &format!("{name}_{suffix}")),
                    format!("{v} is not in {min}–{max}"),
                ));
            }
        }
    }
    let (lo, hi) = (lo.unwrap_or(min), hi.unwrap_or(max));
    if lo > hi {
        return Err(crate::Error::invalid(
            join(path, &format!("{name}_min")),
            format!("{lo} is greater than {name}_max {hi}"),
        ));
    }
    Ok((lo as u16, hi as u16))
}

impl CriterionInput {
    /// Check and compile; errors name the field under `path`.
    pub fn compile(&self, path: &str) -> crate::error::Result<CompiledCriterion> {
        let addr = |field: &str, v: &Option<String>| -> crate::error::Result<Option<AddrRange>> {
            v.as_deref()
                .map(|s| {
                    parse_range(s).ok_or_else(|| {
                        crate::Error::invalid(
                            join(path, field),
                            format!("\"{s}\" is not an IP address, CIDR block or range first-last"),
                        )
                    })
                })
                .transpose()
        };
        let ipaddr = addr("ipaddr", &self.ipaddr)?;
        let peer = addr("ipaddr_peer", &self.ipaddr_peer)?;
        let direction = self.ipaddr_direction.unwrap_or(Direction::Any);
        if peer.is_some() {
            if ipaddr.is_none() {
                return Err(crate::Error::invalid(
                    join(path, "ipaddr_peer"),
                    "is only valid with ipaddr",
                ));
            }
            if direction == Direction::Any {
                return Err(crate::Error::invalid(
                    join(path, "ipaddr_peer"),
                    "is only valid with ipaddr_direction src or dst",
                ));
            }
        }
        let c = CompiledCriterion {
            ipaddr,
            direction,
            peer,
            src_port: port_range(
                path,
                "src_port",
                self.src_port_min,
                self.src_port_max,
                1,
                65535,
            )?,
            dst_port: port_range(
                path,
                "dst_port",
                self.dst_port_min,
                self.dst_port_max,
                1,
                65535,
            )?,
            vlan: port_range(path, "vlan", self.vlan_min, self.vlan_max, 0, 4095)?,
        };
        if c == CompiledCriterion::everything() {
            return Err(crate::Error::invalid(
                if path.is_empty() { "body" } else { path },
                "matches all traffic: give ipaddr, a port range or a VLAN range",
            ));
        }
        Ok(c)
    }
}

/// Which end of a flow a custom device stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Client,
    Server,
}

/// A flow as criteria see it.
#[derive(Debug, Clone, Copy)]
pub struct FlowView {
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub vlan: Option<u16>,
}

impl CompiledCriterion {
    fn everything() -> CompiledCriterion {
        CompiledCriterion {
            ipaddr: None,
            direction: Direction::Any,
            peer: None,
            src_port: (1, 65535),
            dst_port: (1, 65535),
            vlan: (0, 4095),
        }
    }

    /// The ends of the flow this criterion attributes (client, server).
    pub fn ends(&self, f: &FlowView) -> (bool, bool) {
        let vlan = f.vlan.unwrap_or(0);
        // Port 0 (ICMP and other portless traffic) is outside every port
        // range: only a criterion with the full default range passes it.
        let port_ok =
            |p: u16, (lo, hi): (u16, u16)| (lo..=hi).contains(&p) || (lo, hi) == (1, 65535);
        if !(self.vlan.0..=self.vlan.1).contains(&vlan)
            || !port_ok(f.client.1, self.src_port)
            || !port_ok(f.server.1, self.dst_port)
        {
            return (false, false);
        }
        let Some(addr) = self.ipaddr else {
            return (false, true);
        };
        let peer_ok = |ip: IpAddr| self.peer.is_none_or(|p| p.contains(ip));
        match self.direction {
            Direction::Src => (addr.contains(f.client.0) && peer_ok(f.server.0), false),
            Direction::Dst => (false, addr.contains(f.server.0) && peer_ok(f.client.0)),
            Direction::Any => (addr.contains(f.client.0), addr.contains(f.server.0)),
        }
    }
}

/// One enabled custom device, compiled.
#[derive(Debug, Clone)]
pub struct CompiledDevice {
    /// The id of its entry in the devices table.
    pub device_id: u64,
    /// Its `extrahop_id` (= the device's discovery id).
    pub extrahop_id: String,
    pub criteria: Vec<CompiledCriterion>,
}

/// What a flow is attributed to: indexes into [`Matcher::devices`] and
/// the end each stands for.
pub type Attribution = Vec<(u32, End)>;

/// Every enabled custom device's criteria, indexed for cheap tests: IPv4
/// `ipaddr` ranges sorted by their start (a flow's two addresses find their
/// candidates by binary search), the rest (IPv6, no `ipaddr`) tested one by one.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    pub devices: Vec<CompiledDevice>,
    /// (first, last, device index, criterion index), by first.
    v4: Vec<(u32, u32, u32, u32)>,
    /// The greatest `last` among `v4[..=i]`.
    v4_reach: Vec<u32>,
    rest: Vec<(u32, u32)>,
    /// Changes each time custom devices are reloaded (flows cache their
    /// attribution against it).
    pub generation: u64,
}

impl Matcher {
    pub fn new(devices: Vec<CompiledDevice>, generation: u64) -> Matcher {
        let mut v4 = Vec::new();
        let mut rest = Vec::new();
        for (d, dev) in devices.iter().enumerate() {
            for (c, crit) in dev.criteria.iter().enumerate() {
                match crit.ipaddr {
                    Some(AddrRange::V4(lo, hi)) => v4.push((lo, hi, d as u32, c as u32)),
                    _ => rest.push((d as u32, c as u32)),
                }
            }
        }
        v4.sort_unstable();
        let mut reach = Vec::with_capacity(v4.len());
        let mut m = 0;
        for (_, hi, _, _) in &v4 {
            m = m.max(*hi);
            reach.push(m);
        }
        Matcher {
            devices,
            v4,
            v4_reach: reach,
            rest,
            generation,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    fn test(&self, d: u32, c: u32, f: &FlowView, out: &mut Attribution) {
        let (client, server) = self.devices[d as usize].criteria[c as usize].ends(f);
        for (hit, end) in [(client, End::Client), (server, End::Server)] {
            if hit && !out.contains(&(d, end)) {
                out.push((d, end));
            }
        }
    }

    /// The custom devices a flow is attributed to (empty for most flows;
    /// no allocation then).
    pub fn attribute(&self, f: &FlowView) -> Attribution {
        let mut out = Attribution::new();
        if self.devices.is_empty() {
            return out;
        }
        let seen_v4 = |ip: IpAddr, out: &mut Attribution| {
            let IpAddr::V4(a) = ip else { return };
            let a = u32::from(a);
            // Candidates start at or before `a`; walk back while one may still reach it.
            let mut i = self.v4.partition_point(|e| e.0 <= a);
            while i > 0 && self.v4_reach[i - 1] >= a {
                i -= 1;
                let (_, hi, d, c) = self.v4[i];
                if hi >= a {
                    self.test(d, c, f, out);
                }
            }
        };
        seen_v4(f.client.0, &mut out);
        if f.server.0 != f.client.0 {
            seen_v4(f.server.0, &mut out);
        }
        for (d, c) in &self.rest {
            self.test(*d, *c, f, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests;
