//! NetBIOS name service: registrations and query answers name hosts.

use super::{Analyzer, FlowCtx, Protocol, Sink};
use crate::flow::Dir;
use std::net::IpAddr;

/// UDP to or from port 137.
pub const PROTOCOL: Protocol = Protocol {
    name: "netbios-ns",
    tcp_ports: &[],
    sniff: None,
    udp: Some(|sport, dport| sport == 137 || dport == 137),
    start: || Box::new(Nbns),
};

/// Stateless: each message stands alone.
pub struct Nbns;

impl Analyzer for Nbns {
    fn payload(&mut self, _flow: &mut FlowCtx<'_>, _dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        for b in wirewatch_wire::nbns::parse(bytes) {
            if b.suffix == 0x00 || b.suffix == 0x20 {
                sink.devices.netbios_name(IpAddr::V4(b.addr), &b.name);
            }
        }
    }
}
