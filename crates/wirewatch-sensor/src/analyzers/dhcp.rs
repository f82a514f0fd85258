//! DHCP: a client's host name names its device; an ACK ties its MAC to the
//! address it was given.

use super::{Analyzer, FlowCtx, Protocol, Sink};
use crate::flow::Dir;
use std::net::IpAddr;

/// UDP between the DHCP client and server ports.
pub const PROTOCOL: Protocol = Protocol {
    name: "dhcp",
    tcp_ports: &[],
    sniff: None,
    udp: Some(|sport, dport| matches!((sport, dport), (68, 67) | (67, 68))),
    start: || Box::new(Dhcp),
};

/// Stateless: each message stands alone.
pub struct Dhcp;

impl Analyzer for Dhcp {
    fn payload(&mut self, flow: &mut FlowCtx<'_>, _dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        let Ok(m) = wirewatch_wire::dhcp::parse(bytes) else {
            return;
        };
        let ts = flow.ends.ts_ns;
        if let Some(name) = m.host_name.as_deref().or(m.fqdn.as_deref()) {
            sink.devices.dhcp_name(ts, m.client_mac, name);
        }
        if m.message_type == Some(5) && !m.your_ip.is_unspecified() {
            sink.devices.arp(ts, m.client_mac, IpAddr::V4(m.your_ip));
        }
        *flow.service = Some("dhcp");
    }
}
