//! Devices discovered by the sensor, as the API shows them.

use serde::{Deserialize, Serialize};

/// A device the sensor discovered: an L2 device by MAC address or, behind a
/// gateway, an L3 device by IP address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = Device::example())]
pub struct Device {
    /// The device's id.
    pub id: u64,
    /// The id the sensor discovered the device by: the MAC address (hex)
    /// followed by `0000`, or `ip-` and the IP address for an L3 device.
    pub discovery_id: String,
    /// The same as `discovery_id`.
    pub extrahop_id: String,
    /// The name shown: the custom name, else the DNS, DHCP or NetBIOS name,
    /// else `default_name`.
    pub display_name: String,
    /// The name made up at discovery: vendor and MAC address, or the IP address.
    pub default_name: String,
    /// The name a user gave the device.
    pub custom_name: Option<String>,
    /// A user's description.
    pub description: Option<String>,
    /// The device's first IPv4 address.
    pub ipaddr4: Option<String>,
    /// The device's first IPv6 address.
    pub ipaddr6: Option<String>,
    /// The MAC address (`null` for an L3 device).
    pub macaddr: Option<String>,
    /// The vendor, from the MAC address or a user.
    pub vendor: Option<String>,
    /// `node` or `gateway`; `custom` for a custom device.
    pub device_class: String,
    /// The role discovered from traffic: `gateway`, `domain_controller`,
    /// `dns_server`, `dhcp_server`, `db_server`, `file_server`,
    /// `http_server` or `other`; `custom` for a custom device (see
    /// `/customdevices`).
    pub role: String,
    /// The role a user assigned (see `PATCH /devices/{id}`); `""` when none.
    pub custom_type: String,
    /// Whether the device is an IP address seen behind a gateway rather than
    /// a MAC address.
    pub is_l3: bool,
    /// The id of the L2 device (the gateway) an L3 device was seen behind.
    pub parent_id: Option<u64>,
    /// Always `null` (no connected sensors).
    pub node_id: Option<u64>,
    /// The analysis level's name: `standard`.
    pub analysis: String,
    /// The analysis level: `1` (standard).
    pub analysis_level: u8,
    /// When the device was first seen (ms).
    pub discover_time: i64,
    /// When the device was last seen (ms).
    pub last_seen_time: i64,
    /// When the device last changed (ms).
    pub mod_time: i64,
    /// When a user last changed the device, else when it was discovered (ms).
    // Always a number (clients do arithmetic on it). Stores written before
    // held `null`, read as 0 and filled in by the store.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub user_mod_time: i64,
    /// The name from DHCP.
    pub dhcp_name: Option<String>,
    /// The name from DNS.
    pub dns_name: Option<String>,
    /// The name from NetBIOS.
    pub netbios_name: Option<String>,
    /// The name from CDP.
    pub cdp_name: Option<String>,
    /// The VLAN the device was seen on (0: none).
    pub vlanid: u16,
    /// Whether the device is on the watchlist.
    pub on_watchlist: bool,
    /// Whether the device is critical.
    pub critical: bool,
    /// The criticality a user set; `null` lets the system decide.
    #[schemars(schema_with = "custom_criticality")]
    pub custom_criticality: Option<String>,
    /// The make a user set.
    pub custom_make: Option<String>,
    /// The model a user set.
    pub custom_model: Option<String>,
    /// wirewatch extension: every IP address the device was seen with.
    #[serde(default)]
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub ipaddrs: Vec<String>,
}

/// `custom_criticality` of a device: what a user set (`""`, "decided by the
/// system", is shown as `null`).
fn custom_criticality(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "nullable": true,
        "enum": ["critical", "not_critical", null],
    })
}

impl Device {
    /// The example of the API's documentation.
    pub fn example() -> Device {
        let s = |v: &str| Some(v.to_string());
        Device {
            id: 17,
            discovery_id: "00137fbe8cff0000".into(),
            extrahop_id: "00137fbe8cff0000".into(),
            display_name: "core-router".into(),
            default_name: "CiscoBE8CFF".into(),
            custom_name: s("core-router"),
            description: s("Edge router of the lab"),
            ipaddr4: s("10.1.0.1"),
            ipaddr6: s("fe80::213:7fff:febe:8cff"),
            macaddr: s("00:13:7f:be:8c:ff"),
            vendor: s("Cisco Systems, Inc"),
            device_class: "gateway".into(),
            role: "gateway".into(),
            custom_type: "firewall".into(),
            is_l3: false,
            parent_id: None,
            node_id: None,
            analysis: "standard".into(),
            analysis_level: 1,
            discover_time: 1_767_225_600_000,
            last_seen_time: 1_767_229_200_000,
            mod_time: 1_767_229_200_000,
            user_mod_time: 1_767_226_000_000,
            dhcp_name: None,
            dns_name: s("gw.example.com"),
            netbios_name: None,
            cdp_name: None,
            vlanid: 0,
            on_watchlist: true,
            critical: true,
            custom_criticality: s("critical"),
            custom_make: None,
            custom_model: None,
            ipaddrs: vec!["10.1.0.1".into(), "fe80::213:7fff:febe:8cff".into()],
        }
    }

    /// The name shown: custom, then DNS, DHCP, NetBIOS, then the default name.
    pub fn best_name(&self) -> String {
        [
            &self.custom_name,
            &self.dns_name,
            &self.dhcp_name,
            &self.netbios_name,
            &self.cdp_name,
        ]
        .into_iter()
        .flatten()
        .find(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| self.default_name.clone())
    }
}

/// What the sensor reports about a device; merged into the stored device.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceUpdate {
    pub discovery_id: String,
    pub parent_discovery_id: Option<String>,
    pub macaddr: Option<String>,
    pub ipaddrs: Vec<String>,
    pub is_l3: bool,
    pub first_ms: i64,
    pub last_ms: i64,
    pub vlan: Option<u16>,
    pub role: Option<String>,
    pub device_class: String,
    pub vendor: Option<String>,
    pub dns_name: Option<String>,
    pub dhcp_name: Option<String>,
    pub netbios_name: Option<String>,
    pub cdp_name: Option<String>,
}

/// Body of `PATCH /devices/{id}`: absent fields are left alone, `null` clears.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct DevicePatch {
    /// The name shown instead of the discovered ones; `null` or `""` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub custom_name: Option<Option<String>>,
    /// A description; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// The role shown instead of the discovered one; `""` goes back to the
    /// discovered role.
    #[serde(default)]
    #[schemars(with = "CustomType")]
    pub custom_type: Option<CustomType>,
    /// The vendor; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub vendor: Option<Option<String>>,
    /// `critical` or `not_critical`; `""` lets the system decide.
    #[serde(default)]
    #[schemars(with = "Criticality")]
    pub custom_criticality: Option<Criticality>,
    /// The make; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub custom_make: Option<Option<String>>,
    /// The model; `null` removes it.
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    #[schemars(with = "Option<String>")]
    pub custom_model: Option<Option<String>>,
}

/// Manually set criticality; empty means "decided by the system".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[schemars(inline)]
pub enum Criticality {
    #[serde(rename = "critical")]
    Critical,
    #[serde(rename = "not_critical")]
    NotCritical,
    #[serde(rename = "")]
    Auto,
}

/// Device roles a user may assign (`custom_type`); empty means automatic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum CustomType {
    AttackSimulator,
    DbServer,
    DhcpServer,
    DnsServer,
    DomainController,
    FileServer,
    Firewall,
    Gateway,
    HttpServer,
    IpCamera,
    LoadBalancer,
    MedicalDevice,
    MobileDevice,
    NatGateway,
    Other,
    Pc,
    Printer,
    Scanner,
    VoipPhone,
    VpnGateway,
    WebProxy,
    WifiAp,
    #[serde(rename = "")]
    Auto,
}

impl CustomType {
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

fn null_as_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(<Option<i64> as serde::Deserialize>::deserialize(d)?.unwrap_or(0))
}
