//! Protocol analyzers: one module per protocol, each behind the same per-flow
//! hooks, all registered in one line ([`PROTOCOLS`]).
//!
//! A protocol module gives a [`Protocol`]: which flows it takes (TCP server
//! ports, a sniffer for TCP flows on other ports, UDP ports) and `start`,
//! the flow-start hook, which makes its per-flow state. That state
//! implements [`Analyzer`]: `payload` sees the bytes of each direction in
//! order (a reassembled TCP stream, or each UDP datagram), `end` sees the end
//! of the flow. Analyzers write typed events to [`Sink::out`], counts to
//! [`Sink::metrics`] and names to [`Sink::devices`]; the sensor does the
//! rest (decoding, flows, reassembly, which analyzer a flow goes to).
//!
//! # Adding a protocol analyzer
//!
//! One new module and one line of registration. HTTP is the example:
//!
//! 1. `analyzers/http.rs` holds the per-flow state (`Http`: the request and
//!    response parsers, requests waiting for their response) and
//!    `impl Analyzer for Http`: client bytes go to the request parser,
//!    server bytes to the response parser, each exchange is pushed onto
//!    `sink.out.http` with its [`Endpoints`] and counted in `http_client` /
//!    `http_server` metrics; at the flow's end, requests left without a
//!    response are pushed too. It ends with
//!    ```ignore
//!    pub const PROTOCOL: Protocol = Protocol {
//!        name: "http",
//!        tcp_ports: &[80, 8080, 8000, 3128],
//!        sniff: Some(wirewatch_wire::http::looks_like_request),
//!        udp: None,
//!        start: || Box::new(Http::default()),
//!    };
//!    ```
//! 2. Its name goes into the `register!` line below (the order is the order
//!    flows on unknown ports are sniffed: TLS before HTTP).
//!
//! A protocol whose events are a new kind of record also adds a field to
//! [`Output`], its record to `wirewatch_model::record` and one conversion
//! to the pipeline's `records.rs`; one that only names devices or counts
//! metrics (DHCP, NetBIOS) needs nothing else.

use crate::devices::DeviceTracker;
use crate::flow::Dir;
use crate::metrics::{MetricObject, Metrics};
use crate::sensor::{Endpoints, Output};
use std::net::IpAddr;

/// Registers the protocol modules: declares each and lists its
/// [`Protocol`] in [`PROTOCOLS`].
macro_rules! register {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every protocol analyzer, in the order flows on unknown ports are sniffed.
        pub const PROTOCOLS: &[Protocol] = &[$($module::PROTOCOL),*];
    };
}

register!(ftp, tls, http, dns, dhcp, nbns);

/// Where analyzers write: the sensor's outputs, metrics and device evidence.
pub struct Sink<'a> {
    pub out: &'a mut Output,
    pub metrics: &'a mut Metrics,
    pub devices: &'a mut DeviceTracker,
}

/// The flow a payload belongs to, as an analyzer sees it.
pub struct FlowCtx<'a> {
    /// Flow id, this packet's time, client (originator) and server (responder).
    pub ends: Endpoints,
    /// The flow's application (`l7proto`), set once recognised.
    pub service: &'a mut Option<&'static str>,
    /// MAC of the client and of the server (their L2 devices), when known.
    pub client_mac: Option<[u8; 6]>,
    pub server_mac: Option<[u8; 6]>,
    /// UDP: each payload is one datagram (else a TCP stream's next bytes).
    pub datagram: bool,
    /// The custom devices (ids of their device entries) standing for the
    /// client and for the server: protocol metrics count for them too.
    pub client_custom: Vec<u64>,
    pub server_custom: Vec<u64>,
    /// The keys TLS sessions are decrypted with (empty: none are).
    pub tls_keys: &'a wirewatch_decrypt::KeyRing,
    /// What decrypted sessions share (RSA budget, resumption cache).
    pub tls_state: &'a wirewatch_decrypt::DecryptState,
}

impl FlowCtx<'_> {
    /// The objects the client's protocol metrics count for: its address,
    /// its MAC, the custom devices standing for it.
    pub fn client_objects(&self) -> Vec<MetricObject> {
        let mut v = endpoint_objects(self.ends.client.0, self.client_mac);
        v.extend(self.client_custom.iter().map(|d| MetricObject::Custom(*d)));
        v
    }

    /// The objects the server's protocol metrics count for.
    pub fn server_objects(&self) -> Vec<MetricObject> {
        let mut v = endpoint_objects(self.ends.server.0, self.server_mac);
        v.extend(self.server_custom.iter().map(|d| MetricObject::Custom(*d)));
        v
    }
}

/// One flow's analyzer state: the per-flow hooks.
pub trait Analyzer: Send {
    /// The next bytes from one side, in order.
    fn payload(&mut self, flow: &mut FlowCtx<'_>, dir: Dir, bytes: &[u8], sink: &mut Sink<'_>);

    /// The flow ended: `ends` as of its last packet, `last_ns` that packet's time.
    fn end(&mut self, ends: Endpoints, last_ns: i64, sink: &mut Sink<'_>) {
        let _ = (ends, last_ns, sink);
    }
}

/// A protocol: which flows it analyses, and the flow-start hook.
pub struct Protocol {
    pub name: &'static str,
    /// TCP flows to these server ports.
    pub tcp_ports: &'static [u16],
    /// TCP flows on other ports whose client's first bytes this recognises.
    pub sniff: Option<fn(&[u8]) -> bool>,
    /// UDP datagrams between these (source, destination) ports.
    pub udp: Option<fn(u16, u16) -> bool>,
    /// A new flow's analyzer state.
    pub start: fn() -> Box<dyn Analyzer>,
}

/// The protocol of a new TCP flow to `server_port`.
pub fn for_tcp_port(server_port: u16) -> Option<&'static Protocol> {
    PROTOCOLS
        .iter()
        .find(|p| p.tcp_ports.contains(&server_port))
}

/// The protocol a TCP flow on an unknown port speaks, from its client's first bytes.
pub fn sniff(first: &[u8]) -> Option<&'static Protocol> {
    PROTOCOLS
        .iter()
        .find(|p| p.sniff.is_some_and(|looks_like| looks_like(first)))
}

/// The protocol of a UDP datagram between these ports.
pub fn for_udp(sport: u16, dport: u16) -> Option<&'static Protocol> {
    PROTOCOLS
        .iter()
        .find(|p| p.udp.is_some_and(|takes| takes(sport, dport)))
}

/// The objects a flow endpoint counts for: its address (L3 devices) and its MAC (L2 devices).
pub fn endpoint_objects(ip: IpAddr, mac: Option<[u8; 6]>) -> Vec<MetricObject> {
    let mut v = vec![MetricObject::DeviceIp(ip)];
    v.extend(mac.map(MetricObject::DeviceMac));
    v
}
