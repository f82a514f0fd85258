//! Device discovery: L2 devices by MAC address, L3 devices by IP address for
//! hosts seen behind a gateway (a MAC carrying many internal addresses) or on
//! captures without link headers; roles from the services a device answers;
//! names learned from DNS and DHCP; vendors from the IEEE OUI registry.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::net::IpAddr;
use std::sync::OnceLock;

/// A MAC with more internal IP addresses than this routes for others: a gateway.
pub const GATEWAY_MIN_IPS: usize = 4;
/// Most addresses remembered per MAC (a gateway may carry thousands).
pub const MAX_IPS_PER_MAC: usize = 4096;

/// What a device is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceKey {
    Mac([u8; 6]),
    Ip(IpAddr),
}

/// Everything learned about one device in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceObs {
    pub key: DeviceKey,
    pub macaddr: Option<[u8; 6]>,
    pub ipaddrs: Vec<IpAddr>,
    pub is_l3: bool,
    /// The gateway an L3 device sits behind.
    pub parent: Option<[u8; 6]>,
    pub first_ns: i64,
    pub last_ns: i64,
    pub vlan: Option<u16>,
    pub roles: BTreeSet<&'static str>,
    pub dns_name: Option<String>,
    pub dhcp_name: Option<String>,
    pub netbios_name: Option<String>,
    /// The Device ID the device announced over CDP.
    pub cdp_name: Option<String>,
    pub vendor: Option<&'static str>,
}

#[derive(Debug, Default)]
struct Seen {
    first_ns: i64,
    last_ns: i64,
    ips: HashSet<IpAddr>,
    arp_ips: HashSet<IpAddr>,
    vlan: Option<u16>,
}

/// Whether an address belongs to the monitored network by default (private,
/// link-local, unique-local ranges).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            v.is_private()
                || v.is_link_local()
                || (v.octets()[0] == 100 && (v.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v) => {
            (v.segments()[0] & 0xfe00) == 0xfc00 || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

fn usable(ip: IpAddr) -> bool {
    let broadcast = matches!(ip, IpAddr::V4(v) if v.is_broadcast() || v.octets()[3] == 255);
    !(ip.is_unspecified() || ip.is_multicast() || ip.is_loopback() || broadcast)
}

/// Vendor of a MAC from the IEEE registry (locally administered MACs have none).
pub fn vendor(mac: &[u8; 6]) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<u32, &'static str>> = OnceLock::new();
    if mac[0] & 0x02 != 0 {
        return None;
    }
    let table = TABLE.get_or_init(|| {
        let gz = include_bytes!("../data/oui.tsv.gz");
        let mut text = String::new();
        let _ = flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text);
        let text: &'static str = Box::leak(text.into_boxed_str());
        text.lines()
            .filter_map(|l| {
                let (p, name) = l.split_once('\t')?;
                Some((u32::from_str_radix(p, 16).ok()?, name))
            })
            .collect()
    });
    table
        .get(&(u32::from(mac[0]) << 16 | u32::from(mac[1]) << 8 | u32::from(mac[2])))
        .copied()
}

/// The role a device plays when it answers on a port.
pub fn role_for_port(proto: u8, port: u16) -> Option<&'static str> {
    Some(match (proto, port) {
        (17, 53) | (6, 53) => "dns_server",
        (17, 67) => "dhcp_server",
        (6, 80) | (6, 443) | (6, 8080) | (6, 8443) => "http_server",
        (6, 1433) | (6, 3306) | (6, 5432) | (6, 1521) | (6, 27017) => "db_server",
        (6, 445) | (6, 139) | (6, 2049) => "file_server",
        (6, 88) | (17, 88) | (6, 389) | (17, 389) => "domain_controller",
        _ => return None,
    })
}

/// Collects device evidence while packets flow.
#[derive(Default)]
pub struct DeviceTracker {
    macs: HashMap<[u8; 6], Seen, crate::metrics::Fx>,
    bare: HashMap<IpAddr, Seen, crate::metrics::Fx>,
    roles: HashMap<IpAddr, BTreeSet<&'static str>>,
    dns_names: HashMap<IpAddr, String>,
    dhcp_names: HashMap<[u8; 6], String>,
    netbios_names: HashMap<IpAddr, String>,
    cdp_names: HashMap<[u8; 6], String>,
}

fn touch(s: &mut Seen, ts: i64) {
    if s.first_ns == 0 || ts < s.first_ns {
        s.first_ns = ts;
    }
    s.last_ns = s.last_ns.max(ts);
}

impl DeviceTracker {
    /// A packet: its source (and destination) MAC and IP bind each other.
    pub fn packet(
        &mut self,
        ts: i64,
        vlan: Option<u16>,
        src: (Option<[u8; 6]>, IpAddr),
        dst: (Option<[u8; 6]>, IpAddr),
    ) {
        for (mac, ip) in [src, dst] {
            match mac {
                Some(m) if m[0] & 0x01 == 0 && m != [0; 6] => {
                    let s = self.macs.entry(m).or_default();
                    touch(s, ts);
                    s.vlan = s.vlan.or(vlan);
                    // Every address a MAC carries is recorded: a MAC with few is a host on
                    // this segment (whatever its range); one with many routes for others.
                    if usable(ip) && s.ips.len() < MAX_IPS_PER_MAC {
                        s.ips.insert(ip);
                    }
                }
                Some(_) => {}
                None => {
                    if usable(ip) && is_internal(ip) {
                        let s = self.bare.entry(ip).or_default();
                        touch(s, ts);
                        s.vlan = s.vlan.or(vlan);
                    }
                }
            }
        }
    }

    /// An ARP packet: the sender's MAC owns the sender's address.
    pub fn arp(&mut self, ts: i64, mac: [u8; 6], ip: IpAddr) {
        if mac[0] & 0x01 != 0 || mac == [0; 6] {
            return;
        }
        let s = self.macs.entry(mac).or_default();
        touch(s, ts);
        if usable(ip) {
            s.arp_ips.insert(ip);
            s.ips.insert(ip);
        }
    }

    /// A device answered on a service port.
    pub fn server(&mut self, ip: IpAddr, proto: u8, port: u16) {
        if let Some(r) = role_for_port(proto, port) {
            self.roles.entry(ip).or_default().insert(r);
        }
    }

    /// A DNS answer named an address.
    pub fn dns_name(&mut self, ip: IpAddr, name: &str) {
        if is_internal(ip) && !name.is_empty() {
            self.dns_names
                .insert(ip, name.trim_end_matches('.').to_string());
        }
    }

    /// A DHCP client announced its host name (the MAC becomes a device even if
    /// it has no address yet).
    pub fn dhcp_name(&mut self, ts: i64, mac: [u8; 6], name: &str) {
        if !name.is_empty() && mac[0] & 0x01 == 0 && mac != [0; 6] {
            self.dhcp_names.insert(mac, name.to_string());
            touch(self.macs.entry(mac).or_default(), ts);
        }
    }

    /// A CDP announcement named the device that sent it.
    pub fn cdp_name(&mut self, ts: i64, mac: [u8; 6], name: &str) {
        if !name.is_empty() && mac[0] & 0x01 == 0 && mac != [0; 6] {
            self.cdp_names.insert(mac, name.to_string());
            touch(self.macs.entry(mac).or_default(), ts);
        }
    }

    /// A NetBIOS name service packet named an address.
    pub fn netbios_name(&mut self, ip: IpAddr, name: &str) {
        if !name.is_empty() {
            self.netbios_names.insert(ip, name.to_string());
        }
    }

    /// The devices discovered so far.
    pub fn devices(&self) -> Vec<DeviceObs> {
        let mut out = Vec::new();
        let named = |ips: &[IpAddr], mac: Option<[u8; 6]>| {
            let dns = ips.iter().find_map(|ip| self.dns_names.get(ip).cloned());
            let nb = ips
                .iter()
                .find_map(|ip| self.netbios_names.get(ip).cloned());
            let dhcp = mac.and_then(|m| self.dhcp_names.get(&m).cloned());
            (dns, dhcp, nb)
        };
        let roles_of = |ips: &[IpAddr]| -> BTreeSet<&'static str> {
            ips.iter()
                .filter_map(|ip| self.roles.get(ip))
                .flatten()
                .copied()
                .collect()
        };
        let mut macs: Vec<_> = self.macs.iter().collect();
        macs.sort_by_key(|(m, _)| **m);
        for (mac, s) in macs {
            let mut ips: Vec<IpAddr> = s.ips.iter().copied().collect();
            ips.sort();
            let gateway = ips.len() >= GATEWAY_MIN_IPS;
            let own: Vec<IpAddr> = if gateway {
                let mut a: Vec<IpAddr> = s.arp_ips.iter().copied().collect();
                a.sort();
                a
            } else {
                ips.clone()
            };
            let (dns_name, dhcp_name, netbios_name) = named(&own, Some(*mac));
            let mut roles = roles_of(&own);
            if gateway {
                roles.insert("gateway");
            }
            out.push(DeviceObs {
                key: DeviceKey::Mac(*mac),
                macaddr: Some(*mac),
                ipaddrs: own.clone(),
                is_l3: false,
                parent: None,
                first_ns: s.first_ns,
                last_ns: s.last_ns,
                vlan: s.vlan,
                roles,
                dns_name,
                dhcp_name,
                netbios_name,
                cdp_name: self.cdp_names.get(mac).cloned(),
                vendor: vendor(mac),
            });
            if gateway {
                // Behind a gateway only internal addresses are devices; the rest is the internet.
                for ip in ips
                    .iter()
                    .filter(|ip| !own.contains(ip) && is_internal(**ip))
                {
                    let (dns_name, _, netbios_name) = named(&[*ip], None);
                    out.push(DeviceObs {
                        key: DeviceKey::Ip(*ip),
                        macaddr: None,
                        ipaddrs: vec![*ip],
                        is_l3: true,
                        parent: Some(*mac),
                        first_ns: s.first_ns,
                        last_ns: s.last_ns,
                        vlan: s.vlan,
                        roles: roles_of(&[*ip]),
                        dns_name,
                        dhcp_name: None,
                        netbios_name,
                        cdp_name: None,
                        vendor: None,
                    });
                }
            }
        }
        let mut bare: Vec<_> = self.bare.iter().collect();
        bare.sort_by_key(|(ip, _)| **ip);
        for (ip, s) in bare {
            let (dns_name, _, netbios_name) = named(&[*ip], None);
            out.push(DeviceObs {
                key: DeviceKey::Ip(*ip),
                macaddr: None,
                ipaddrs: vec![*ip],
                is_l3: true,
                parent: None,
                first_ns: s.first_ns,
                last_ns: s.last_ns,
                vlan: s.vlan,
                roles: roles_of(&[*ip]),
                dns_name,
                dhcp_name: None,
                netbios_name,
                cdp_name: None,
                vendor: None,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn hosts_gateways_and_l3_devices() {
        let mut t = DeviceTracker::default();
        let host = [0x00, 0x1b, 0x21, 1, 2, 3];
        let router = [0x00, 0x00, 0x0c, 9, 9, 9];
        t.arp(1, router, ip("10.0.0.1"));
        for (i, remote) in ["10.9.0.1", "10.9.0.2", "10.9.0.3", "10.9.0.4"]
            .iter()
            .enumerate()
        {
            t.packet(
                10 + i as i64,
                None,
                (Some(router), ip(remote)),
                (Some(host), ip("10.0.0.5")),
            );
        }
        t.packet(
            20,
            None,
            (Some(host), ip("10.0.0.5")),
            (Some(router), ip("8.8.8.8")),
        );
        t.server(ip("10.9.0.2"), 6, 443);
        t.dns_name(ip("10.0.0.5"), "laptop.corp.example.");
        let d = t.devices();
        let h = d.iter().find(|x| x.key == DeviceKey::Mac(host)).unwrap();
        assert_eq!(h.ipaddrs, vec![ip("10.0.0.5")]);
        assert_eq!(h.dns_name.as_deref(), Some("laptop.corp.example"));
        assert_eq!(h.vendor, Some("Intel Corporate"));
        let g = d.iter().find(|x| x.key == DeviceKey::Mac(router)).unwrap();
        assert!(g.roles.contains("gateway"));
        assert_eq!(g.ipaddrs, vec![ip("10.0.0.1")]);
        let l3: Vec<_> = d.iter().filter(|x| x.is_l3).collect();
        assert_eq!(l3.len(), 4);
        assert!(l3.iter().all(|x| x.parent == Some(router)));
        assert!(l3
            .iter()
            .find(|x| x.ipaddrs == vec![ip("10.9.0.2")])
            .unwrap()
            .roles
            .contains("http_server"));
        // External addresses are never devices.
        assert!(!d.iter().any(|x| x.ipaddrs.contains(&ip("8.8.8.8"))));
    }
}
