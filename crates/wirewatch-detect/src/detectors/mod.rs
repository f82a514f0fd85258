//! Detectors over the sensor's output: brute force (SSH, FTP), port scans
//! (vertical and horizontal) and new external connections on admin ports.
//! Each keeps bounded state per offender and raises a detection once per
//! offender/victim (or offender/port) in its window.

mod bruteforce;
mod cleartext;
mod dnsdet;
mod live;
mod scan;

use serde_json::{Map, Value};
use std::collections::HashSet;
use std::net::IpAddr;
use wirewatch_model::detection::{NewDetection, NewParticipant, Role};
use wirewatch_sensor::analyzers::ftp::FtpEvent;
use wirewatch_sensor::sensor::Endpoints;
use wirewatch_sensor::FlowRecord;

pub use bruteforce::BruteForce;
pub use cleartext::Cleartext;
pub use dnsdet::{registered_domain, DnsDetectors, SUSPICIOUS_TLDS};
pub use live::{check_thresholds, LiveThresholds};
pub use scan::{AdminPorts, PortScan};
use wirewatch_sensor::analyzers::dns::DnsEvent;
use wirewatch_sensor::analyzers::http::HttpEvent;

/// Detector thresholds (all configurable).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Failed SSH logins from one client to one server within the window.
    pub ssh_failures: u32,
    /// An SSH connection whose server sent fewer payload bytes than this, and
    /// that lasted less than `ssh_max_failed_ms`, counts as a failed login.
    pub ssh_failed_max_server_bytes: u64,
    pub ssh_max_failed_ms: i64,
    /// Failed FTP logins (530 replies to PASS) from one client within the window.
    pub ftp_failures: u32,
    /// Distinct ports on one host probed without an established connection (vertical scan).
    pub scan_ports: usize,
    /// Distinct hosts probed on one port (horizontal scan).
    pub scan_hosts: usize,
    /// Window of the counting detectors.
    pub window_ms: i64,
    /// A DNS label at least this long is unusual (encoded data).
    pub dns_long_label: usize,
    /// A subdomain of at least 20 characters with this entropy (bits/char) looks random.
    pub dns_entropy: f64,
    /// Unusual queries (long, random-looking or TXT) to one domain that make a tunnel.
    pub dns_tunnel_queries: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            ssh_failures: 10,
            ssh_failed_max_server_bytes: 8192,
            ssh_max_failed_ms: 60_000,
            ftp_failures: 10,
            scan_ports: 100,
            scan_hosts: 50,
            window_ms: 3_600_000,
            dns_long_label: 40,
            dns_entropy: 3.8,
            dns_tunnel_queries: 20,
        }
    }
}

/// A participant given by its IP address.
pub fn ip_participant(ip: IpAddr, role: Role) -> NewParticipant {
    NewParticipant::address(ip, role)
}

/// Build a detection of a built-in type.
pub fn detection(
    kind: &str,
    start_ms: i64,
    end_ms: i64,
    participants: Vec<NewParticipant>,
    properties: Value,
    description: String,
) -> NewDetection {
    NewDetection {
        kind: kind.into(),
        description: Some(description),
        start_time: Some(start_ms),
        end_time: Some(end_ms.max(start_ms)),
        participants,
        properties: properties.as_object().cloned().unwrap_or_else(Map::new),
        ..NewDetection::default()
    }
}

/// Every detector, fed in the order events happen.
pub struct Engine {
    pub brute: BruteForce,
    pub scan: PortScan,
    pub admin: AdminPorts,
    pub cleartext: Cleartext,
    pub dns: DnsDetectors,
    raised: Vec<NewDetection>,
}

impl Engine {
    pub fn new(t: Thresholds, internal: fn(IpAddr) -> bool) -> Engine {
        Engine {
            brute: BruteForce::new(t.clone()),
            scan: PortScan::new(t.clone()),
            admin: AdminPorts::new(internal),
            cleartext: Cleartext::default(),
            dns: DnsDetectors::new(t.clone()),
            raised: Vec::new(),
        }
    }

    /// Use new thresholds from now on; the state counted so far (tallies,
    /// what already raised) is kept, so a lower threshold fires on the next
    /// event of an offender already past it.
    pub fn set_thresholds(&mut self, t: &Thresholds) {
        self.brute.t = t.clone();
        self.scan.t = t.clone();
        self.dns.t = t.clone();
    }

    /// A finished flow.
    pub fn flow(&mut self, f: &FlowRecord) {
        self.raised.extend(self.brute.flow(f));
        self.raised.extend(self.scan.flow(f));
        self.raised.extend(self.admin.flow(f));
    }

    /// An FTP command and its reply.
    pub fn ftp(&mut self, e: &Endpoints, ev: &FtpEvent) {
        self.raised.extend(self.brute.ftp(e, ev));
        self.raised.extend(self.cleartext.ftp(e, ev));
    }

    /// A DNS query.
    pub fn dns_query(&mut self, e: &Endpoints, ev: &DnsEvent) {
        self.raised.extend(self.dns.query(e, ev));
    }

    /// An HTTP request and its response.
    pub fn http(&mut self, e: &Endpoints, ev: &HttpEvent) {
        self.raised.extend(self.cleartext.http(e, ev));
    }

    /// Detections raised since the last call.
    pub fn take(&mut self) -> Vec<NewDetection> {
        std::mem::take(&mut self.raised)
    }
}

/// Remembers which (key) already raised, bounded.
#[derive(Default)]
pub(crate) struct Once(HashSet<String>);

impl Once {
    /// True the first time a key is seen.
    pub fn first(&mut self, key: String) -> bool {
        if self.0.len() > 1_000_000 {
            self.0.clear();
        }
        self.0.insert(key)
    }
}
