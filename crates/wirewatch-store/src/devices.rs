//! Devices: merged from the sensor's discoveries, changed by users.

use crate::{Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use wirewatch_model::device::{Criticality, Device, DevicePatch, DeviceUpdate};
use wirewatch_model::now_ms;

fn load(c: &Connection, id: u64) -> Result<Option<Device>> {
    let doc: Option<String> = c
        .query_row("SELECT doc FROM devices WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    doc.as_deref().map(parse).transpose()
}

/// A stored device; one stored before `user_mod_time` was always set gets
/// its discovery time there.
fn parse(doc: &str) -> Result<Device> {
    let mut d: Device = serde_json::from_str(doc)?;
    if d.user_mod_time == 0 {
        d.user_mod_time = d.discover_time;
    }
    Ok(d)
}

fn save(c: &Connection, d: &Device) -> Result<()> {
    c.execute(
        "UPDATE devices SET doc = ?2, last_seen = ?3 WHERE id = ?1",
        params![d.id, serde_json::to_string(d)?, d.last_seen_time],
    )?;
    let mut ins =
        c.prepare_cached("INSERT OR IGNORE INTO device_ips(ipaddr, device_id) VALUES(?1, ?2)")?;
    for ip in &d.ipaddrs {
        ins.execute(params![ip, d.id])?;
    }
    Ok(())
}

fn default_name(u: &DeviceUpdate) -> String {
    match (&u.macaddr, &u.vendor) {
        (Some(mac), Some(v)) if !u.is_l3 => {
            let word: String = v
                .split_whitespace()
                .next()
                .unwrap_or("Device")
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            let tail: String = mac
                .replace(':', "")
                .chars()
                .skip(6)
                .collect::<String>()
                .to_uppercase();
            format!("{word}{tail}")
        }
        (Some(mac), None) if !u.is_l3 => format!("Device {}", mac.replace(':', "").to_uppercase()),
        _ => u
            .ipaddrs
            .first()
            .cloned()
            .unwrap_or_else(|| u.discovery_id.clone()),
    }
}

impl Store {
    /// Merge the sensor's discoveries; returns how many devices were new.
    pub fn upsert_devices(&self, updates: &[DeviceUpdate]) -> Result<usize> {
        let now = now_ms();
        self.write(|tx| {
            let mut created = 0;
            for u in updates {
                let existing: Option<u64> = tx
                    .query_row("SELECT id FROM devices WHERE discovery_id = ?1", [&u.discovery_id], |r| r.get(0))
                    .optional()?;
                let parent_id: Option<u64> = match &u.parent_discovery_id {
                    Some(p) => tx.query_row("SELECT id FROM devices WHERE discovery_id = ?1", [p], |r| r.get(0)).optional()?,
                    None => None,
                };
                let mut d = match existing.map(|id| load(tx, id)).transpose()?.flatten() {
                    Some(d) => d,
                    None => {
                        tx.execute(
                            "INSERT INTO devices(discovery_id, last_seen, doc) VALUES(?1, ?2, '{}')",
                            params![u.discovery_id, u.last_ms],
                        )?;
                        created += 1;
                        let id = tx.last_insert_rowid() as u64;
                        Device {
                            id,
                            discovery_id: u.discovery_id.clone(),
                            extrahop_id: u.discovery_id.clone(),
                            display_name: String::new(),
                            default_name: default_name(u),
                            custom_name: None,
                            description: None,
                            ipaddr4: None,
                            ipaddr6: None,
                            macaddr: u.macaddr.clone(),
                            vendor: u.vendor.clone(),
                            device_class: u.device_class.clone(),
                            role: "other".into(),
                            custom_type: String::new(),
                            is_l3: u.is_l3,
                            parent_id,
                            node_id: None,
                            analysis: "standard".into(),
                            analysis_level: 1,
                            discover_time: u.first_ms,
                            last_seen_time: u.last_ms,
                            mod_time: now,
                            user_mod_time: u.first_ms,
                            dhcp_name: None,
                            dns_name: None,
                            netbios_name: None,
                            cdp_name: None,
                            vlanid: u.vlan.unwrap_or(0),
                            on_watchlist: false,
                            critical: false,
                            custom_criticality: None,
                            custom_make: None,
                            custom_model: None,
                            ipaddrs: Vec::new(),
                        }
                    }
                };
                d.discover_time = d.discover_time.min(u.first_ms);
                d.last_seen_time = d.last_seen_time.max(u.last_ms);
                d.parent_id = parent_id.or(d.parent_id);
                for ip in &u.ipaddrs {
                    if !d.ipaddrs.contains(ip) {
                        d.ipaddrs.push(ip.clone());
                    }
                }
                d.ipaddr4 = d.ipaddrs.iter().find(|i| !i.contains(':')).cloned();
                d.ipaddr6 = d.ipaddrs.iter().find(|i| i.contains(':')).cloned();
                if let Some(r) = &u.role {
                    d.role = r.clone();
                }
                if u.device_class == "gateway" {
                    d.device_class = "gateway".into();
                }
                d.dns_name = u.dns_name.clone().or(d.dns_name);
                d.dhcp_name = u.dhcp_name.clone().or(d.dhcp_name);
                d.netbios_name = u.netbios_name.clone().or(d.netbios_name);
                d.cdp_name = u.cdp_name.clone().or(d.cdp_name);
                if d.vendor.is_none() {
                    d.vendor = u.vendor.clone();
                }
                d.display_name = d.best_name();
                d.mod_time = now;
                save(tx, &d)?;
            }
            Ok(created)
        })
    }

    /// One device.
    pub fn device(&self, id: u64) -> Result<Option<Device>> {
        self.read(|c| load(c, id))
    }

    /// One device by discovery id.
    pub fn device_by_discovery_id(&self, discovery_id: &str) -> Result<Option<Device>> {
        self.read(|c| {
            let id: Option<u64> = c
                .query_row(
                    "SELECT id FROM devices WHERE discovery_id = ?1",
                    [discovery_id],
                    |r| r.get(0),
                )
                .optional()?;
            id.map(|id| load(c, id)).transpose().map(Option::flatten)
        })
    }

    /// Devices active in `[from, until]` (last seen after `from`, discovered before `until`), by id.
    pub fn devices(&self, from: Option<i64>, until: Option<i64>) -> Result<Vec<Device>> {
        self.read(|c| {
            let mut stmt =
                c.prepare("SELECT doc FROM devices WHERE last_seen >= ?1 ORDER BY id")?;
            let rows = stmt.query_map([from.unwrap_or(i64::MIN)], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for doc in rows {
                let d = parse(&doc?)?;
                if until.is_none_or(|u| d.discover_time <= u) {
                    out.push(d);
                }
            }
            Ok(out)
        })
    }

    /// Devices that had an address.
    pub fn devices_by_ip(&self, ip: &str) -> Result<Vec<Device>> {
        let ids: Vec<u64> = self.read(|c| {
            let mut stmt =
                c.prepare("SELECT device_id FROM device_ips WHERE ipaddr = ?1 ORDER BY device_id")?;
            let rows = stmt.query_map([ip], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        ids.into_iter()
            .filter_map(|id| self.device(id).transpose())
            .collect()
    }

    /// Apply a user's changes; `None` when the device does not exist.
    pub fn patch_device(&self, id: u64, p: DevicePatch) -> Result<Option<Device>> {
        self.write(|tx| {
            let Some(mut d) = load(tx, id)? else {
                return Ok(None);
            };
            if let Some(n) = p.custom_name {
                d.custom_name = n.filter(|n| !n.is_empty());
            }
            if let Some(x) = p.description {
                d.description = x;
            }
            if let Some(t) = p.custom_type {
                d.custom_type = t.as_str();
            }
            if let Some(v) = p.vendor {
                d.vendor = v;
            }
            if let Some(c) = p.custom_criticality {
                d.custom_criticality = match c {
                    Criticality::Critical => Some("critical".into()),
                    Criticality::NotCritical => Some("not_critical".into()),
                    Criticality::Auto => None,
                };
                d.critical = c == Criticality::Critical;
            }
            if let Some(m) = p.custom_make {
                d.custom_make = m;
            }
            if let Some(m) = p.custom_model {
                d.custom_model = m;
            }
            let now = now_ms();
            d.display_name = d.best_name();
            d.mod_time = now;
            d.user_mod_time = now;
            save(tx, &d)?;
            Ok(Some(d))
        })
    }
}

/// The `devices` entry of a custom device: discovery id = its `extrahop_id`,
/// `role` and `device_class` `custom`, named by it; seen from its creation.
pub(crate) fn insert_custom_entry(
    tx: &Connection,
    extrahop_id: &str,
    name: &str,
    now: i64,
) -> Result<u64> {
    tx.execute(
        "INSERT INTO devices(discovery_id, last_seen, doc) VALUES(?1, ?2, '{}')",
        params![extrahop_id, now],
    )?;
    let id = tx.last_insert_rowid() as u64;
    let d = Device {
        id,
        discovery_id: extrahop_id.to_string(),
        extrahop_id: extrahop_id.to_string(),
        display_name: name.to_string(),
        default_name: name.to_string(),
        custom_name: None,
        description: None,
        ipaddr4: None,
        ipaddr6: None,
        macaddr: None,
        vendor: None,
        device_class: "custom".into(),
        role: "custom".into(),
        custom_type: String::new(),
        is_l3: false,
        parent_id: None,
        node_id: None,
        analysis: "standard".into(),
        analysis_level: 1,
        discover_time: now,
        last_seen_time: now,
        mod_time: now,
        user_mod_time: now,
        dhcp_name: None,
        dns_name: None,
        netbios_name: None,
        cdp_name: None,
        vlanid: 0,
        on_watchlist: false,
        critical: false,
        custom_criticality: None,
        custom_make: None,
        custom_model: None,
        ipaddrs: Vec::new(),
    };
    save(tx, &d)?;
    Ok(id)
}

/// A custom device was renamed: so is its `devices` entry.
pub(crate) fn rename_custom_entry(tx: &Connection, id: u64, name: &str, now: i64) -> Result<()> {
    if let Some(mut d) = load(tx, id)? {
        d.default_name = name.to_string();
        d.display_name = d.best_name();
        d.mod_time = now;
        save(tx, &d)?;
    }
    Ok(())
}

/// A custom device was deleted: so is its `devices` entry, with its tags,
/// group memberships and watchlist place.
pub(crate) fn delete_entry(tx: &Connection, id: u64) -> Result<()> {
    for table in [
        "device_ips",
        "device_tags",
        "devicegroup_members",
        "watchlist",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE device_id = ?1"), [id])?;
    }
    tx.execute("DELETE FROM devices WHERE id = ?1", [id])?;
    Ok(())
}

impl Store {
    /// Traffic was attributed to these devices (id, first ms, last ms):
    /// move their last-seen time on.
    pub fn touch_devices(&self, seen: &[(u64, i64, i64)]) -> Result<()> {
        if seen.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            for (id, first, last) in seen {
                if let Some(mut d) = load(tx, *id)? {
                    d.discover_time = d.discover_time.min(*first);
                    d.last_seen_time = d.last_seen_time.max(*last);
                    save(tx, &d)?;
                }
            }
            Ok(())
        })
    }
}
