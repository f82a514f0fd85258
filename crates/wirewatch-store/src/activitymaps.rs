//! Activity maps: saved maps (with their sharing), and the traffic graph the
//! topology query walks, built from the `~flow` records of a window.
//!
//! Traffic attributed to a custom device (the record's `client` / `server`
//! device fields, `RecordDevices`) is that device's too: a flow whose client
//! is attributed to custom device X makes an edge from X to the server's
//! device(s) besides the edge from the client address's device, so a walk
//! from X finds X's peers and protocols.
//!
//! Why `~flow` records: they are the one per-connection source that has both
//! ends (client = originator, server = responder, by address and MAC), the L4
//! protocol, the application protocol the analyzers recognised, the bytes of
//! each side and their payload. Metrics are per device and have no peer;
//! the L7 records cover only the protocols that have analyzers.

use crate::error::Conflict;
use crate::records::{only_fields, segments_in};
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::collections::HashMap;
use wirewatch_model::activitymap::{GraphEdge, StoredMap};
use wirewatch_model::record::{device_fields, RecordDevices};

/// The traffic graph of a window and what building it left out.
#[derive(Debug, Clone, Default)]
pub struct FlowGraph {
    /// One edge per client device, server device and protocol stack.
    pub edges: Vec<GraphEdge>,
    /// `~flow` records read.
    pub flows: u64,
    /// Flows of which an end belongs to no device (no device has the
    /// address, and no device has the MAC the packets crossed).
    pub unattributed: u64,
    /// Whether the window held more flows than the limit (they are read newest first by segment: segments stored out of time order overlap).
    pub flow_limit_hit: bool,
    /// Whether the flows made more distinct edges than the limit (later ones were dropped).
    pub graph_limit_hit: bool,
}

/// The ExtraHop name of an application protocol as the analyzers (or
/// Suricata's `app_proto`) name it.
fn l7_name(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "http" | "http2" => "HTTP".into(),
        "dns" => "DNS".into(),
        "ssl" | "tls" => "SSL".into(),
        "ssh" => "SSH".into(),
        "ftp" | "ftp-data" => "FTP".into(),
        "dhcp" => "DHCP".into(),
        "smb" => "CIFS".into(),
        "krb5" => "Kerberos".into(),
        "dcerpc" => "MSRPC".into(),
        "ike" => "IKE/ISAKMP".into(),
        "modbus" => "Modbus".into(),
        "telnet" => "telnet".into(),
        "failed" | "" => "OTHER".into(),
        other => other.to_ascii_uppercase(),
    }
}

/// The `~flow` fields a graph reads (the ExtraHop names; segments of
/// before have the old ones, [`LEGACY_FLOW_FIELDS`] in the same order).
const FLOW_FIELDS: &[&str] = &[
    "proto",
    "l7proto",
    "senderBytes",
    "receiverBytes",
    "senderPayloadBytes",
    "receiverPayloadBytes",
    "senderMac",
    "receiverMac",
];

const LEGACY_FLOW_FIELDS: &[&str] = &[
    "ipproto",
    "l7proto",
    "clientBytes",
    "serverBytes",
    "clientPayloadBytes",
    "serverPayloadBytes",
    "clientMac",
    "serverMac",
];

fn num(m: &serde_json::Map<String, Value>, k: &str) -> u64 {
    match m.get(k) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn text<'a>(m: &'a serde_json::Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Device ids by address (and the MAC the packets crossed), cached for one build.
struct Resolver<'c> {
    c: &'c Connection,
    by_ip: HashMap<String, Option<u64>>,
    by_mac: HashMap<String, Option<u64>>,
    by_custom: HashMap<String, Option<u64>>,
}

impl Resolver<'_> {
    /// The device entry of a custom device (by its `extrahop_id`, as
    /// records name it); none when it was deleted since.
    fn custom(&mut self, extrahop_id: &str) -> Result<Option<u64>> {
        if !self.by_custom.contains_key(extrahop_id) {
            let id: Option<u64> = self
                .c
                .prepare_cached("SELECT device_id FROM custom_devices WHERE extrahop_id = ?1")?
                .query_row([extrahop_id], |r| r.get(0))
                .optional()?;
            self.by_custom.insert(extrahop_id.to_string(), id);
        }
        Ok(self.by_custom[extrahop_id])
    }

    /// A flow end's devices: the address's, then the custom devices the
    /// record attributes that end to.
    fn ends(&mut self, addr: &str, mac: Option<&str>, custom: &[String]) -> Result<Vec<u64>> {
        let mut out: Vec<u64> = self.device(addr, mac)?.into_iter().collect();
        for x in custom {
            if let Some(id) = self.custom(x)? {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// The device an address belongs to: the L3 device with it, else the
    /// most recently seen L2 device with it, else the device of the MAC on
    /// that side (the gateway an external address was reached through).
    fn device(&mut self, addr: &str, mac: Option<&str>) -> Result<Option<u64>> {
        if !self.by_ip.contains_key(addr) {
            let id: Option<u64> = self
                .c
                .prepare_cached(
                    "SELECT d.id FROM device_ips i JOIN devices d ON d.id = i.device_id
                     WHERE i.ipaddr = ?1
                     ORDER BY (d.discovery_id LIKE 'ip-%') DESC, d.last_seen DESC, d.id LIMIT 1",
                )?
                .query_row([addr], |r| r.get(0))
                .optional()?;
            self.by_ip.insert(addr.to_string(), id);
        }
        if let Some(id) = self.by_ip[addr] {
            return Ok(Some(id));
        }
        let Some(mac) = mac else { return Ok(None) };
        if !self.by_mac.contains_key(mac) {
            let discovery = format!("{}0000", mac.replace(':', "").to_ascii_lowercase());
            let id: Option<u64> = self
                .c
                .prepare_cached("SELECT id FROM devices WHERE discovery_id = ?1")?
                .query_row([discovery], |r| r.get(0))
                .optional()?;
            self.by_mac.insert(mac.to_string(), id);
        }
        Ok(self.by_mac[mac])
    }
}

fn load(c: &Connection, id: u64) -> Result<Option<StoredMap>> {
    let doc: Option<String> = c
        .query_row("SELECT doc FROM activitymaps WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(doc.as_deref().map(serde_json::from_str).transpose()?)
}

fn short_code_taken(c: &Connection, code: &str, not_id: u64) -> Result<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM activitymaps WHERE short_code = ?1 AND id != ?2)",
        params![code, not_id],
        |r| r.get(0),
    )?)
}

impl Store {
    /// The traffic graph of `[from, until]` from the `~flow` records, newest
    /// first, reading at most `max_flows` flows and keeping at most
    /// `max_edges` distinct edges. A flow makes an edge from each device of
    /// its client end (the address's, the custom devices') to each of its
    /// server end.
    pub fn flow_graph(
        &self,
        from: i64,
        until: i64,
        max_flows: u64,
        max_edges: usize,
    ) -> Result<FlowGraph> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let mut g = FlowGraph::default();
            let mut index: HashMap<(u64, u64, [String; 3]), usize> = HashMap::new();
            let mut resolver = Resolver {
                c: &tx,
                by_ip: HashMap::new(),
                by_mac: HashMap::new(),
                by_custom: HashMap::new(),
            };
            // Custom devices are `sender`/`receiver` on a `~flow`, and were
            // `client`/`server` in the segments of before.
            let flow_devices = device_fields("~flow");
            let legacy_devices = ("client", "server");
            let with_devices = |names: &[&'static str], (c, s): (&'static str, &'static str)| {
                let mut v = names.to_vec();
                v.extend([c, s]);
                v
            };
            let fields = with_devices(FLOW_FIELDS, flow_devices);
            let legacy_fields = with_devices(LEGACY_FLOW_FIELDS, legacy_devices);
            'segments: for s in segments_in(&tx, from, until)? {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT client_addr, server_addr, doc FROM records_{} INDEXED BY records_{}_type
                     WHERE type = '~flow' AND time >= ?1 AND time <= ?2 ORDER BY time DESC",
                    s.id, s.id
                ))?;
                let mut rows = stmt.query([from, until])?;
                while let Some(r) = rows.next()? {
                    if g.flows >= max_flows {
                        g.flow_limit_hit = true;
                        break 'segments;
                    }
                    g.flows += 1;
                    let (Some(ca), Some(sa)) = (
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                    ) else {
                        g.unattributed += 1;
                        continue;
                    };
                    let doc: String = r.get(2)?;
                    let (names, devices) = if s.legacy() {
                        (&legacy_fields, legacy_devices)
                    } else {
                        (&fields, flow_devices)
                    };
                    let f = only_fields(&doc, names)?;
                    let [proto, l7proto, sbytes, rbytes, spayload, rpayload, smac, rmac] =
                        [0, 1, 2, 3, 4, 5, 6, 7].map(|i| names[i]);
                    let custom = RecordDevices::from_named(devices, &f);
                    let clients = resolver.ends(&ca, text(&f, smac), &custom.client)?;
                    let servers = resolver.ends(&sa, text(&f, rmac), &custom.server)?;
                    if clients.is_empty() || servers.is_empty() {
                        g.unattributed += 1;
                        continue;
                    }
                    let l3 = if ca.contains(':') { "IPv6" } else { "IPv4" };
                    let l4 = text(&f, proto).unwrap_or("OTHER").to_string();
                    let l7 = l7_name(text(&f, l7proto).unwrap_or(""));
                    let stack = [l3.to_string(), l4, l7];
                    let bytes = num(&f, sbytes).saturating_add(num(&f, rbytes));
                    let turn = u64::from(num(&f, spayload) > 0 && num(&f, rpayload) > 0);
                    for &client in &clients {
                        for &server in &servers {
                            let key = (client, server, stack.clone());
                            let i = match index.get(&key) {
                                Some(i) => *i,
                                None if g.edges.len() >= max_edges => {
                                    g.graph_limit_hit = true;
                                    continue;
                                }
                                None => {
                                    g.edges.push(GraphEdge {
                                        client,
                                        server,
                                        stack: stack.to_vec(),
                                        bytes: 0,
                                        connections: 0,
                                        turns: 0,
                                    });
                                    index.insert(key, g.edges.len() - 1);
                                    g.edges.len() - 1
                                }
                            };
                            let e = &mut g.edges[i];
                            e.bytes = e.bytes.saturating_add(bytes);
                            e.connections += 1;
                            e.turns += turn;
                        }
                    }
                }
            }
            Ok(g)
        })
    }

    /// Every saved map, by id.
    pub fn activity_maps(&self) -> Result<Vec<StoredMap>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc FROM activitymaps ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for doc in rows {
                out.push(serde_json::from_str(&doc?)?);
            }
            Ok(out)
        })
    }

    /// One saved map.
    pub fn activity_map(&self, id: u64) -> Result<Option<StoredMap>> {
        self.read(|c| load(c, id))
    }

    /// Create (id 0) or replace a map; its short code must be unique. The
    /// stored map (with its id and `mod_time`) is returned.
    pub fn save_activity_map(&self, mut m: StoredMap) -> Result<StoredMap> {
        m.mod_time = wirewatch_model::now_ms();
        self.write(|tx| {
            if short_code_taken(tx, &m.short_code, m.id)? {
                return Err(StoreError::Conflict(Conflict::ShortCode {
                    short_code: m.short_code.clone(),
                }));
            }
            if m.id == 0 {
                tx.execute(
                    "INSERT INTO activitymaps(short_code, doc) VALUES(?1, '{}')",
                    [&m.short_code],
                )?;
                m.id = tx.last_insert_rowid() as u64;
            }
            tx.execute(
                "UPDATE activitymaps SET short_code = ?2, doc = ?3 WHERE id = ?1",
                params![m.id, m.short_code, serde_json::to_string(&m)?],
            )?;
            Ok(m)
        })
    }

    /// Delete a map; whether it existed.
    pub fn delete_activity_map(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM activitymaps WHERE id = ?1", [id])? > 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewRecord;
    use wirewatch_model::activitymap::{Mode, Sharing, Weighting};
    use wirewatch_model::device::DeviceUpdate;
    use wirewatch_model::record::{Flow, Record};

    fn dev(discovery: &str, mac: Option<&str>, ips: &[&str], l3: bool) -> DeviceUpdate {
        DeviceUpdate {
            discovery_id: discovery.into(),
            parent_discovery_id: None,
            macaddr: mac.map(str::to_string),
            ipaddrs: ips.iter().map(|s| s.to_string()).collect(),
            is_l3: l3,
            first_ms: 1,
            last_ms: 2,
            vlan: None,
            role: None,
            device_class: "node".into(),
            vendor: None,
            dns_name: None,
            dhcp_name: None,
            netbios_name: None,
            cdp_name: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn flow(
        t: i64,
        c: &str,
        cmac: &str,
        s: &str,
        smac: &str,
        proto: &str,
        l7: Option<&str>,
        payload: (u64, u64),
    ) -> NewRecord {
        NewRecord {
            devices: Default::default(),
            threat: Vec::new(),
            time_ms: t,
            record: Record::Flow(Flow {
                age: 0.001,
                bytes: 200,
                pkts: 4,
                client_addr: c.parse().unwrap(),
                client_bytes: 100,
                client_l2_bytes: 114,
                client_mac: Some(cmac.into()),
                client_payload_bytes: payload.0,
                client_pkts: 2,
                client_port: 40000,
                conn_state: "SF".into(),
                duration: 1.0,
                first_seen: t,
                flow_id: t as u64,
                history: "ShADadFf".into(),
                ipproto: proto.into(),
                l7proto: l7.map(str::to_string),
                last_seen: t,
                server_addr: s.parse().unwrap(),
                server_bytes: 1000,
                server_l2_bytes: 1014,
                server_mac: Some(smac.into()),
                server_payload_bytes: payload.1,
                server_pkts: 2,
                server_port: 80,
                tunnel_client_addr: None,
                tunnel_server_addr: None,
                vlan: None,
            }),
        }
    }

    /// Addresses resolve to the device that has them (the L3 device first),
    /// else to the device of the MAC the packets crossed; flows of one client,
    /// server and stack add up; the window and the flow limit are kept.
    #[test]
    fn the_flow_graph_adds_up_flows_by_device_pair_and_stack() {
        let (_d, s) = crate::tests::temp_store();
        const A: &str = "02:00:00:00:00:0a";
        const B: &str = "02:00:00:00:00:0b";
        const GW: &str = "02:00:00:00:00:99";
        s.upsert_devices(&[
            dev("02000000000a0000", Some(A), &["10.0.0.1"], false),
            dev("02000000000b0000", Some(B), &["10.0.0.2"], false),
            dev("0200000000990000", Some(GW), &["10.0.0.254"], false),
            dev("ip-10.9.0.5", None, &["10.9.0.5"], true),
        ])
        .unwrap();
        let id = |disc: &str| s.device_by_discovery_id(disc).unwrap().unwrap().id;
        let (a, b, gw, l3) = (
            id("02000000000a0000"),
            id("02000000000b0000"),
            id("0200000000990000"),
            id("ip-10.9.0.5"),
        );
        s.insert_records(&[
            flow(
                1000,
                "10.0.0.1",
                A,
                "10.0.0.2",
                B,
                "TCP",
                Some("http"),
                (10, 20),
            ),
            flow(
                1001,
                "10.0.0.1",
                A,
                "10.0.0.2",
                B,
                "TCP",
                Some("http"),
                (10, 0),
            ),
            flow(
                1002,
                "10.0.0.1",
                A,
                "10.0.0.2",
                B,
                "UDP",
                Some("dns"),
                (10, 20),
            ),
            flow(
                1003,
                "10.0.0.1",
                A,
                "93.184.216.34",
                GW,
                "TCP",
                Some("tls"),
                (10, 20),
            ),
            flow(1004, "10.9.0.5", GW, "10.0.0.2", B, "TCP", None, (0, 0)),
            flow(
                1005,
                "10.0.0.1",
                A,
                "203.0.113.9",
                "02:00:00:00:00:77",
                "TCP",
                None,
                (0, 0),
            ),
            flow(
                5000,
                "10.0.0.1",
                A,
                "10.0.0.2",
                B,
                "TCP",
                Some("http"),
                (10, 20),
            ),
        ])
        .unwrap();
        let g = s.flow_graph(0, 4000, 1000, 1000).unwrap();
        assert_eq!((g.flows, g.unattributed), (6, 1));
        assert!(!g.flow_limit_hit && !g.graph_limit_hit);
        let mut got: Vec<(u64, u64, String, u64, u64, u64)> = g
            .edges
            .iter()
            .map(|e| {
                (
                    e.client,
                    e.server,
                    e.stack.join("/"),
                    e.bytes,
                    e.connections,
                    e.turns,
                )
            })
            .collect();
        got.sort();
        let mut want = vec![
            (a, b, "IPv4/TCP/HTTP".to_string(), 2200, 2, 1),
            (a, b, "IPv4/UDP/DNS".to_string(), 1100, 1, 1),
            (a, gw, "IPv4/TCP/SSL".to_string(), 1100, 1, 1),
            (l3, b, "IPv4/TCP/OTHER".to_string(), 1100, 1, 0),
        ];
        want.sort();
        assert_eq!(got, want);
        let g = s.flow_graph(0, 4000, 2, 1000).unwrap();
        assert!(g.flow_limit_hit);
        assert_eq!(g.flows, 2);
        let g = s.flow_graph(0, 4000, 1000, 1).unwrap();
        assert!(g.graph_limit_hit);
        assert_eq!(g.edges.len(), 1);
    }

    /// A flow attributed to a custom device is an edge of that device too
    /// (its device entry's id), to or from the peer's device; a record
    /// naming a custom device that no longer exists adds nothing.
    #[test]
    fn custom_devices_have_the_edges_of_the_flows_attributed_to_them() {
        let (_d, s) = crate::tests::temp_store();
        const A: &str = "02:00:00:00:00:0a";
        const B: &str = "02:00:00:00:00:0b";
        s.upsert_devices(&[
            dev("02000000000a0000", Some(A), &["10.0.0.1"], false),
            dev("02000000000b0000", Some(B), &["10.0.0.2"], false),
        ])
        .unwrap();
        let id = |disc: &str| s.device_by_discovery_id(disc).unwrap().unwrap().id;
        let (a, b) = (id("02000000000a0000"), id("02000000000b0000"));
        let web = s
            .create_custom_device(
                &serde_json::from_value(serde_json::json!({"name": "web", "extrahop_id": "WEB"}))
                    .unwrap(),
            )
            .unwrap();
        let cli = s
            .create_custom_device(
                &serde_json::from_value(serde_json::json!({"name": "cli", "extrahop_id": "CLI"}))
                    .unwrap(),
            )
            .unwrap();
        let with = |r: NewRecord, client: &[&str], server: &[&str]| {
            r.with_devices(RecordDevices {
                client: client.iter().map(|x| x.to_string()).collect(),
                server: server.iter().map(|x| x.to_string()).collect(),
            })
        };
        let f = |t| {
            flow(
                t,
                "10.0.0.1",
                A,
                "10.0.0.2",
                B,
                "TCP",
                Some("http"),
                (10, 20),
            )
        };
        s.insert_records(&[
            with(f(1000), &[], &["WEB"]),
            with(f(1001), &["CLI"], &["WEB"]),
            with(f(1002), &[], &["GONE"]),
            // To an address no device has: only the custom device's edge.
            with(
                flow(
                    1003,
                    "10.0.0.1",
                    A,
                    "203.0.113.9",
                    "02:00:00:00:00:77",
                    "TCP",
                    None,
                    (0, 0),
                ),
                &["CLI"],
                &[],
            ),
        ])
        .unwrap();
        let g = s.flow_graph(0, 4000, 1000, 1000).unwrap();
        assert_eq!((g.flows, g.unattributed), (4, 1));
        let mut got: Vec<(u64, u64, String, u64)> = g
            .edges
            .iter()
            .map(|e| (e.client, e.server, e.stack.join("/"), e.connections))
            .collect();
        got.sort();
        let http = "IPv4/TCP/HTTP".to_string();
        let (w, c) = (web.device_id, cli.device_id);
        let mut want = vec![
            (a, b, http.clone(), 3),
            (a, w, http.clone(), 2),
            (c, b, http.clone(), 1),
            (c, w, http.clone(), 1),
        ];
        want.sort();
        assert_eq!(got, want);
    }

    fn map(code: &str) -> StoredMap {
        StoredMap {
            id: 0,
            name: "m".into(),
            description: None,
            mode: Mode::TwoD,
            owner: "ann".into(),
            short_code: code.into(),
            show_alert_status: false,
            walks: Vec::new(),
            weighting: Weighting::Bytes,
            mod_time: 0,
            sharing: Sharing::default(),
        }
    }

    #[test]
    fn maps_are_saved_listed_and_deleted_and_short_codes_are_unique() {
        let (_d, s) = crate::tests::temp_store();
        let a = s.save_activity_map(map("a")).unwrap();
        let b = s.save_activity_map(map("b")).unwrap();
        assert!(a.id > 0 && b.id > a.id && a.mod_time > 0);
        let e = s.save_activity_map(map("a")).unwrap_err();
        assert!(
            matches!(e, StoreError::Conflict(Conflict::ShortCode { .. })),
            "{e}"
        );
        let mut a2 = a.clone();
        a2.name = "renamed".into();
        s.save_activity_map(a2).unwrap();
        let mut b2 = b.clone();
        b2.short_code = "a".into();
        assert!(s.save_activity_map(b2).is_err());
        assert_eq!(s.activity_map(a.id).unwrap().unwrap().name, "renamed");
        assert_eq!(s.activity_maps().unwrap().len(), 2);
        assert!(s.delete_activity_map(a.id).unwrap());
        assert!(!s.delete_activity_map(a.id).unwrap());
        assert_eq!(s.activity_map(a.id).unwrap(), None);
    }

    #[test]
    fn application_protocols_take_their_extrahop_names() {
        assert_eq!(l7_name("http"), "HTTP");
        assert_eq!(l7_name("tls"), "SSL");
        assert_eq!(l7_name("smb"), "CIFS");
        assert_eq!(l7_name(""), "OTHER");
        assert_eq!(l7_name("mqtt"), "MQTT");
    }
}
