//! The sensor's device evidence and metrics as the store takes them: device
//! updates (by discovery id) and metric points resolved to stored objects.

use wirewatch_model::device::DeviceUpdate;
use wirewatch_sensor::devices::DeviceKey;
use wirewatch_sensor::metrics::{MetricObject, MetricValue};
use wirewatch_sensor::sensor::mac_string;
use wirewatch_sensor::Sensor;
use wirewatch_store::{MetricPoint, Store};

/// The sensor's metrics (drained), resolved to stored objects: devices by
/// address or MAC (points of devices not stored are left out), the network.
pub fn metric_points(store: &Store, sensor: &mut Sensor) -> crate::Result<Vec<MetricPoint>> {
    let mut ids: std::collections::HashMap<std::net::IpAddr, Option<i64>> =
        std::collections::HashMap::new();
    let mut macs: std::collections::HashMap<String, Option<i64>> = std::collections::HashMap::new();
    let mut points = Vec::new();
    // Custom devices with traffic: (device id) -> (first, last) bucket time.
    let mut seen: std::collections::HashMap<u64, (i64, i64)> = std::collections::HashMap::new();
    for (k, v) in sensor.metrics.drain() {
        let (object_type, object_id) = match k.object {
            MetricObject::Network => ("network", 1),
            MetricObject::Custom(id) => {
                let e = seen.entry(id).or_insert((k.time_ms, k.time_ms));
                e.0 = e.0.min(k.time_ms);
                e.1 =
                    e.1.max(k.time_ms + wirewatch_sensor::metrics::CYCLE_NS / 1_000_000);
                ("device", id as i64)
            }
            MetricObject::DeviceMac(mac) => {
                let key = format!("{}0000", mac_string(&mac).replace(':', ""));
                let id = match macs.get(&key) {
                    Some(id) => *id,
                    None => {
                        let found = store.device_by_discovery_id(&key)?.map(|d| d.id as i64);
                        macs.insert(key, found);
                        found
                    }
                };
                match id {
                    Some(id) => ("device", id),
                    None => continue,
                }
            }
            MetricObject::DeviceIp(ip) => {
                // Addresses count for L3 devices; L2 devices count by MAC.
                let id = match ids.get(&ip) {
                    Some(id) => *id,
                    None => {
                        let found = store
                            .devices_by_ip(&ip.to_string())?
                            .iter()
                            .find(|d| d.is_l3)
                            .map(|d| d.id as i64);
                        ids.insert(ip, found);
                        found
                    }
                };
                match id {
                    Some(id) => ("device", id),
                    None => continue,
                }
            }
        };
        let (count, dataset) = match v {
            MetricValue::Count(c) => (Some(c), None),
            MetricValue::Dataset(d) => (None, Some(d)),
        };
        points.push(MetricPoint {
            object_type,
            object_id,
            category: k.category,
            name: k.name,
            key1: k.key1,
            time_ms: k.time_ms,
            count,
            dataset,
        });
    }
    let seen: Vec<(u64, i64, i64)> = seen.into_iter().map(|(id, (a, b))| (id, a, b)).collect();
    store.touch_devices(&seen)?;
    Ok(points)
}

/// Role shown for a device: the most telling of what it was seen doing.
fn main_role(roles: &std::collections::BTreeSet<&'static str>) -> Option<String> {
    const PRIORITY: [&str; 8] = [
        "gateway",
        "domain_controller",
        "dns_server",
        "dhcp_server",
        "db_server",
        "file_server",
        "http_server",
        "other",
    ];
    PRIORITY
        .iter()
        .find(|r| roles.contains(*r))
        .map(|r| r.to_string())
}

fn discovery_id(key: &DeviceKey) -> String {
    match key {
        DeviceKey::Mac(m) => format!("{}0000", mac_string(m).replace(':', "")),
        DeviceKey::Ip(ip) => format!("ip-{ip}"),
    }
}

/// The sensor's device evidence as store updates (gateways before the devices behind them).
pub fn device_updates(sensor: &Sensor) -> Vec<DeviceUpdate> {
    sensor
        .devices
        .devices()
        .into_iter()
        .map(|d| DeviceUpdate {
            discovery_id: discovery_id(&d.key),
            parent_discovery_id: d.parent.map(|m| discovery_id(&DeviceKey::Mac(m))),
            macaddr: d.macaddr.as_ref().map(mac_string),
            ipaddrs: d.ipaddrs.iter().map(|i| i.to_string()).collect(),
            is_l3: d.is_l3,
            first_ms: d.first_ns / 1_000_000,
            last_ms: d.last_ns / 1_000_000,
            vlan: d.vlan,
            device_class: if d.roles.contains("gateway") {
                "gateway".into()
            } else {
                "node".into()
            },
            role: main_role(&d.roles),
            vendor: d.vendor.map(str::to_string),
            dns_name: d.dns_name,
            dhcp_name: d.dhcp_name,
            netbios_name: d.netbios_name,
            cdp_name: d.cdp_name,
        })
        .collect()
}
