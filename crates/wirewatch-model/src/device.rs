//! Devices discovered by the sensor, as the API shows them.

use serde::{Deserialize, Serialize};

/// A device (`/devices`), with the real product's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: u64,
    pub discovery_id: String,
    pub extrahop_id: String,
    pub display_name: String,
    pub default_name: String,
    pub custom_name: Option<String>,
    pub description: Option<String>,
    pub ipaddr4: Option<String>,
    pub ipaddr6: Option<String>,
    pub macaddr: Option<String>,
    pub vendor: Option<String>,
    pub device_class: String,
    pub role: String,
    pub custom_type: String,
    pub is_l3: bool,
    pub parent_id: Option<u64>,
    pub node_id: Option<u64>,
    pub analysis: String,
    pub analysis_level: u8,
    pub discover_time: i64,
    pub last_seen_time: i64,
    pub mod_time: i64,
    /// When a user last changed the device, else when it was discovered:
    /// always a number (clients do arithmetic on it). Stores written before
    /// held `null`, read as 0 and filled in by the store.
    #[serde(default, deserialize_with = "null_as_zero")]
    pub user_mod_time: i64,
    pub dhcp_name: Option<String>,
    pub dns_name: Option<String>,
    pub netbios_name: Option<String>,
    pub cdp_name: Option<String>,
    pub vlanid: u16,
    pub on_watchlist: bool,
    pub critical: bool,
    pub custom_criticality: Option<String>,
    pub custom_make: Option<String>,
    pub custom_model: Option<String>,
    /// wirewatch extension: every address the device was seen with.
    #[serde(default)]
    pub ipaddrs: Vec<String>,
}

impl Device {
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

/// Body of `PATCH /devices/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DevicePatch {
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub custom_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub custom_type: Option<CustomType>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub vendor: Option<Option<String>>,
    #[serde(default)]
    pub custom_criticality: Option<Criticality>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub custom_make: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::detection::nullable")]
    pub custom_model: Option<Option<String>>,
}

/// Manually set criticality; empty means "decided by the system".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Criticality {
    #[serde(rename = "critical")]
    Critical,
    #[serde(rename = "not_critical")]
    NotCritical,
    #[serde(rename = "")]
    Auto,
}

/// Device roles a user may assign (`custom_type`); empty means automatic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
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
