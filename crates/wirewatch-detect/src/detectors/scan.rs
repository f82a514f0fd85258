//! Port scans (vertical: many ports on one host; horizontal: one port on many
//! hosts) and new external connections on administrative ports.

use super::{detection, ip_participant, Once, Thresholds};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use wirewatch_model::detection::{NewDetection, Role};
use wirewatch_sensor::FlowRecord;

/// Most distinct targets remembered per scanner (beyond the threshold there is nothing to learn).
const MAX_TARGETS: usize = 4096;

/// States of a TCP attempt that was not answered or was refused (Zeek's names).
fn unanswered(f: &FlowRecord) -> bool {
    f.proto == 6
        && matches!(
            f.conn_state,
            "S0" | "REJ" | "RSTOS0" | "RSTR" | "SH" | "OTH"
        )
        && f.orig_bytes == 0
}

#[derive(Default)]
struct Probes {
    first_ms: i64,
    last_ms: i64,
    ports: HashSet<u16>,
    hosts: HashSet<IpAddr>,
}

/// The port-scan detector.
pub struct PortScan {
    pub(super) t: Thresholds,
    vertical: HashMap<(IpAddr, IpAddr), Probes>,
    horizontal: HashMap<(IpAddr, u16), Probes>,
    once: Once,
}

impl PortScan {
    pub fn new(t: Thresholds) -> Self {
        PortScan {
            t,
            vertical: HashMap::new(),
            horizontal: HashMap::new(),
            once: Once::default(),
        }
    }

    pub fn flow(&mut self, f: &FlowRecord) -> Option<NewDetection> {
        if !unanswered(f) {
            return None;
        }
        let t = f.first_ns / 1_000_000;
        let (src, dst, port) = (f.orig.0, f.resp.0, f.resp.1);
        let window = self.t.window_ms;
        let touch = |p: &mut Probes| {
            if p.first_ms != 0 && t - p.first_ms > window {
                *p = Probes::default();
            }
            if p.first_ms == 0 {
                p.first_ms = t;
            }
            p.last_ms = p.last_ms.max(t);
        };
        let v = self.vertical.entry((src, dst)).or_default();
        touch(v);
        if v.ports.len() < MAX_TARGETS {
            v.ports.insert(port);
        }
        if v.ports.len() >= self.t.scan_ports && self.once.first(format!("v {src} {dst}")) {
            let mut sample: Vec<u16> = v.ports.iter().copied().collect();
            sample.sort_unstable();
            sample.truncate(20);
            return Some(detection(
                "port_scan",
                v.first_ms,
                v.last_ms,
                vec![
                    ip_participant(src, Role::Offender),
                    ip_participant(dst, Role::Victim),
                ],
                json!({"scan_type": "vertical", "ports_scanned": v.ports.len(), "hosts_scanned": 1,
                       "port_sample": sample.iter().map(|p| p.to_string()).collect::<Vec<_>>()}),
                format!(
                    "{src} probed {} ports on {dst} without establishing connections.",
                    v.ports.len()
                ),
            ));
        }
        let h = self.horizontal.entry((src, port)).or_default();
        touch(h);
        if h.hosts.len() < MAX_TARGETS {
            h.hosts.insert(dst);
        }
        if h.hosts.len() >= self.t.scan_hosts && self.once.first(format!("h {src} {port}")) {
            return Some(detection(
                "port_scan",
                h.first_ms,
                h.last_ms,
                vec![ip_participant(src, Role::Offender)],
                json!({"scan_type": "horizontal", "ports_scanned": 1, "hosts_scanned": h.hosts.len(),
                       "port_sample": [port.to_string()]}),
                format!("{src} probed port {port} on {} hosts.", h.hosts.len()),
            ));
        }
        None
    }
}

/// Administrative services whose exposure to the outside matters.
pub const ADMIN_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (135, "MSRPC"),
    (139, "NetBIOS"),
    (445, "SMB"),
    (3389, "RDP"),
    (5900, "VNC"),
    (5985, "WinRM"),
    (5986, "WinRM"),
];

/// New established connections from outside to an internal admin service.
pub struct AdminPorts {
    internal: fn(IpAddr) -> bool,
    once: Once,
}

impl AdminPorts {
    pub fn new(internal: fn(IpAddr) -> bool) -> Self {
        AdminPorts {
            internal,
            once: Once::default(),
        }
    }

    pub fn flow(&mut self, f: &FlowRecord) -> Option<NewDetection> {
        if f.proto != 6 || !f.history.contains('h') || f.resp_bytes == 0 {
            return None;
        }
        let (client, server, port) = (f.orig.0, f.resp.0, f.resp.1);
        let (_, name) = ADMIN_PORTS.iter().find(|(p, _)| *p == port)?;
        if (self.internal)(client) || !(self.internal)(server) {
            return None;
        }
        if !self.once.first(format!("{client} {server} {port}")) {
            return None;
        }
        Some(detection(
            "new_external_admin_connection",
            f.first_ns / 1_000_000,
            f.last_ns / 1_000_000,
            vec![
                ip_participant(client, Role::Offender),
                ip_participant(server, Role::Victim),
            ],
            json!({"server_port": port, "protocol": name}),
            format!(
                "External {client} connected to {name} on internal {server} for the first time."
            ),
        ))
    }
}
