//! The packet pipeline: decode → reassemble fragments → flow table →
//! analyzers, with counters for everything skipped and why.

use crate::analyzers::dns::DnsEvent;
use crate::analyzers::ftp::FtpEvent;
use crate::analyzers::http::HttpEvent;
use crate::analyzers::tls::TlsEvent;
use crate::analyzers::{self, endpoint_objects, Analyzer, FlowCtx, Sink};
use crate::capture::Packet;
use crate::devices::DeviceTracker;
use crate::flow::Dir;
use crate::flow::{Flow, FlowTable, PacketInfo, DEFAULT_MAX_FLOWS};
use crate::frag::Reassembler;
use crate::metrics::{MetricObject, Metrics};
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::net::IpAddr;
use wirewatch_model::custom_device::{End, FlowView, Matcher};
use wirewatch_wire::packet::{self, Meta, Net, Transport};

/// Source port, destination port, TCP flags and sequence, application bytes on the wire, captured application bytes.
type Ports<'a> = (u16, u16, Option<(u8, u32)>, u32, &'a [u8]);

/// Counters of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub packets: u64,
    /// Bytes captured (what was analysed).
    pub bytes: u64,
    /// Bytes on the wire, as the capture records claim them (snap lengths cut captures shorter).
    pub wire_bytes: u64,
    pub ip_packets: u64,
    pub arp_packets: u64,
    pub other_packets: u64,
    /// Packets skipped, by reason.
    pub malformed: BTreeMap<&'static str, u64>,
    pub fragments: u64,
    pub reassembled: u64,
    pub flows: u64,
    pub flows_evicted: u64,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
}

impl Stats {
    /// Add another run's counters (several files analysed one after another).
    pub fn add(&mut self, o: &Stats) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.wire_bytes += o.wire_bytes;
        self.ip_packets += o.ip_packets;
        self.arp_packets += o.arp_packets;
        self.other_packets += o.other_packets;
        for (k, v) in &o.malformed {
            *self.malformed.entry(k).or_insert(0) += v;
        }
        self.fragments += o.fragments;
        self.reassembled += o.reassembled;
        self.flows += o.flows;
        self.flows_evicted += o.flows_evicted;
        self.first_ns = match (self.first_ns, o.first_ns) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_ns = match (self.last_ns, o.last_ns) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// A finished flow, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowRecord {
    pub id: u64,
    pub first_ns: i64,
    pub last_ns: i64,
    pub proto: u8,
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
    pub service: Option<&'static str>,
    pub conn_state: &'static str,
    pub history: String,
    pub orig_pkts: u64,
    pub orig_ip_bytes: u64,
    pub resp_pkts: u64,
    pub resp_ip_bytes: u64,
    pub orig_l2_bytes: u64,
    pub resp_l2_bytes: u64,
    pub orig_bytes: u64,
    pub resp_bytes: u64,
    pub vlan: Option<u16>,
    pub orig_mac: Option<[u8; 6]>,
    pub resp_mac: Option<[u8; 6]>,
    pub tunnel: Option<(IpAddr, IpAddr)>,
}

impl From<&Flow> for FlowRecord {
    fn from(f: &Flow) -> Self {
        let (ob, rb) = f.bytes();
        FlowRecord {
            id: f.id,
            first_ns: f.first_ns,
            last_ns: f.last_ns,
            proto: f.proto,
            orig: f.orig,
            resp: f.resp,
            service: f.service,
            conn_state: f.conn_state(),
            history: f.history.clone(),
            orig_pkts: f.o.pkts,
            orig_ip_bytes: f.o.ip_bytes,
            resp_pkts: f.r.pkts,
            resp_ip_bytes: f.r.ip_bytes,
            orig_l2_bytes: f.o.l2_bytes,
            resp_l2_bytes: f.r.l2_bytes,
            orig_bytes: ob,
            resp_bytes: rb,
            vlan: f.vlan,
            orig_mac: f.orig_mac,
            resp_mac: f.resp_mac,
            tunnel: f.tunnel,
        }
    }
}

/// Who talked in an application event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    pub flow_id: u64,
    pub ts_ns: i64,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    /// The flow's VLAN (for custom-device criteria; not part of events).
    #[serde(skip)]
    pub vlan: Option<u16>,
}

/// What the sensor produced so far (drained by the caller).
#[derive(Debug, Default)]
pub struct Output {
    pub flows: Vec<FlowRecord>,
    pub ftp: Vec<(Endpoints, FtpEvent)>,
    pub tls: Vec<(Endpoints, TlsEvent)>,
    pub http: Vec<(Endpoints, HttpEvent)>,
    /// DNS queries as they are seen (`~dns_request`).
    pub dns_queries: Vec<(Endpoints, DnsEvent)>,
    /// DNS transactions: answered, or unanswered at the end of the flow (`~dns_response`).
    pub dns: Vec<(Endpoints, DnsEvent)>,
    /// How the decryption of each TLS session went (sessions seen while there were keys).
    pub tls_outcomes: Vec<wirewatch_decrypt::Outcome>,
    /// Session keys the sensor worked out (the master secret of sessions
    /// decrypted with an RSA key), as key log lines.
    pub session_keys: Vec<(Endpoints, wirewatch_decrypt::KeylogEntry)>,
}

/// Per-flow analyzer state.
#[derive(Default)]
struct AppState {
    /// The flow's protocol analyzer, once known (`analyzers::PROTOCOLS`).
    analyzer: Option<Box<dyn Analyzer>>,
    to_server: crate::stream::Reassembler,
    to_client: crate::stream::Reassembler,
    /// The first payload was looked at (to recognise a protocol on an unknown port).
    sniffed: bool,
    ends: Option<Endpoints>,
}

/// The sensor.
pub struct Sensor {
    flows: FlowTable,
    frags: Reassembler,
    ended: Vec<Flow>,
    pub devices: DeviceTracker,
    apps: HashMap<u64, AppState, crate::metrics::Fx>,
    pub metrics: Metrics,
    pub stats: Stats,
    pub out: Output,
    /// The enabled custom devices' criteria (see [`Sensor::set_custom_devices`]).
    pub custom: std::sync::Arc<Matcher>,
    /// The keys TLS sessions are decrypted with (see [`Sensor::set_tls_keys`]).
    pub tls_keys: std::sync::Arc<wirewatch_decrypt::KeyRing>,
    /// What the decrypted sessions share: the RSA budget and the
    /// resumption cache (see [`Sensor::set_tls_state`]).
    pub tls_state: std::sync::Arc<wirewatch_decrypt::DecryptState>,
}

impl Default for Sensor {
    fn default() -> Self {
        Sensor::new(DEFAULT_MAX_FLOWS)
    }
}

impl Sensor {
    pub fn new(max_flows: usize) -> Sensor {
        Sensor {
            flows: FlowTable::new(max_flows),
            frags: Reassembler::default(),
            ended: Vec::new(),
            devices: DeviceTracker::default(),
            apps: HashMap::default(),
            metrics: Metrics::default(),
            stats: Stats::default(),
            out: Output::default(),
            custom: std::sync::Arc::default(),
            tls_keys: std::sync::Arc::default(),
            tls_state: std::sync::Arc::default(),
        }
    }

    /// Match flows against these custom devices from now on (each flow is
    /// tested once per set of custom devices, its attribution cached).
    pub fn set_custom_devices(&mut self, m: std::sync::Arc<Matcher>) {
        self.custom = m;
    }

    /// Decrypt TLS sessions that start from now on with these keys.
    pub fn set_tls_keys(&mut self, k: std::sync::Arc<wirewatch_decrypt::KeyRing>) {
        self.tls_keys = k;
    }

    /// Share this decryption state (RSA budget, resumption cache) with
    /// other sensors, or give it a budget other than the default.
    pub fn set_tls_state(&mut self, s: std::sync::Arc<wirewatch_decrypt::DecryptState>) {
        self.tls_state = s;
    }

    fn malformed(&mut self, reason: &'static str) {
        *self.stats.malformed.entry(reason).or_insert(0) += 1;
    }

    /// Process one captured packet. Returns what the packet store indexes
    /// of it (its addresses, protocol and ports, from this decode: the
    /// store does not decode it again); [`Meta::Other`] for a packet that
    /// could not be decoded.
    pub fn packet(&mut self, p: &Packet<'_>) -> Meta {
        self.stats.packets += 1;
        self.stats.bytes += p.data.len() as u64;
        self.stats.wire_bytes += u64::from(p.wire_len);
        self.stats.first_ns.get_or_insert(p.ts_ns);
        self.stats.last_ns = Some(p.ts_ns.max(self.stats.last_ns.unwrap_or(i64::MIN)));
        let Some(link) = p.link else {
            self.malformed(packet::Malformed::UnsupportedLink.name());
            return Meta::Other;
        };
        let frame = match packet::decode(link, p.data) {
            Ok(f) => f,
            Err(e) => {
                self.malformed(e.name());
                return Meta::Other;
            }
        };
        let meta = frame.meta();
        self.analyse(p, frame);
        meta
    }

    /// The sensor's work on a decoded packet.
    fn analyse(&mut self, p: &Packet<'_>, frame: packet::Frame<'_>) {
        let ip = match frame.net {
            Net::Ip(ip) => ip,
            Net::Arp(a) => {
                self.stats.arp_packets += 1;
                self.devices
                    .arp(p.ts_ns, a.sender_mac, IpAddr::V4(a.sender_ip));
                return;
            }
            Net::Cdp(c) => {
                self.stats.other_packets += 1;
                if let Some(mac) = frame.src_mac {
                    self.devices.cdp_name(p.ts_ns, mac, &c.device_id);
                }
                return;
            }
            Net::Other(_) => {
                self.stats.other_packets += 1;
                return;
            }
        };
        self.stats.ip_packets += 1;
        // MACs of a tunnelled packet belong to the tunnel's endpoints, not to the inner hosts.
        let (smac, dmac) = if ip.tunnel_depth == 0 {
            (frame.src_mac, frame.dst_mac)
        } else {
            (None, None)
        };
        self.devices
            .packet(p.ts_ns, frame.vlan, (smac, ip.src), (dmac, ip.dst));
        self.net_metrics(p.ts_ns, &ip, smac, dmac);
        // Fragments wait for the rest of their datagram.
        let (payload_owned, ip_len, payload_len);
        let payload: &[u8] = if let Some(fr) = ip.frag {
            self.stats.fragments += 1;
            match self.frags.add(
                p.ts_ns, ip.src, ip.dst, ip.proto, fr.id, fr.offset, fr.more, ip.payload, ip.len,
            ) {
                None => return,
                Some(d) => {
                    self.stats.reassembled += 1;
                    ip_len = d.wire_bytes;
                    payload_len = d.payload.len() as u32;
                    payload_owned = d.payload;
                    &payload_owned
                }
            }
        } else {
            ip_len = ip.len;
            payload_len = ip.payload_len;
            ip.payload
        };
        let t = match packet::transport(ip.proto, payload, payload_len) {
            Ok(t) => t,
            Err(e) => {
                self.malformed(e.name());
                return;
            }
        };
        let (sport, dport, tcp, app_len, app): Ports<'_> = match &t {
            Transport::Tcp(s) => (
                s.sport,
                s.dport,
                Some((s.flags, s.seq)),
                s.payload_len,
                s.payload,
            ),
            Transport::Udp {
                sport,
                dport,
                payload,
                payload_len,
            } => (*sport, *dport, None, *payload_len, payload),
            // ICMP: the port fields carry the type and its counterpart (echo request
            // 8 and reply 0 make one flow), or the code for unpaired types, as Zeek does.
            Transport::Icmp { v6, kind, code } => {
                let (a, b) = icmp_ports(*v6, *kind, *code);
                (a, b, None, payload_len.saturating_sub(8), &[])
            }
            Transport::Other => (0, 0, None, payload_len, &[]),
        };
        let info = PacketInfo {
            ts_ns: p.ts_ns,
            proto: ip.proto,
            src: (ip.src, sport),
            dst: (ip.dst, dport),
            ip_len,
            // A reassembled datagram counts its parts' IP bytes plus this frame's link headers.
            l2_len: (p.data.len() as u32)
                .saturating_sub(ip.len)
                .saturating_add(ip_len),
            payload_len: app_len,
            tcp,
            vlan: frame.vlan,
            src_mac: frame.src_mac,
            dst_mac: frame.dst_mac,
            tunnel: ip.outer,
        };
        let (flow, dir, _new) = self.flows.packet(&info, &mut self.ended);
        if !self.custom.is_empty() {
            custom_metrics(
                &self.custom,
                &mut self.metrics,
                flow,
                dir,
                p.ts_ns,
                info.ip_len,
            );
        }
        let (client_custom, server_custom) = custom_ends(&self.custom, flow);
        let ends = Endpoints {
            flow_id: flow.id,
            ts_ns: p.ts_ns,
            client: flow.orig,
            server: flow.resp,
            vlan: flow.vlan,
        };
        let mut sink = Sink {
            out: &mut self.out,
            metrics: &mut self.metrics,
            devices: &mut self.devices,
        };
        if ip.proto == 6 {
            let state = self.apps.entry(flow.id).or_insert_with(|| AppState {
                analyzer: analyzers::for_tcp_port(flow.resp.1).map(|a| (a.start)()),
                ..AppState::default()
            });
            state.ends = Some(ends);
            if let Some((flags, seq)) = tcp {
                let r = if dir == Dir::Orig {
                    &mut state.to_server
                } else {
                    &mut state.to_client
                };
                if flags & wirewatch_wire::packet::tcp_flags::SYN != 0 {
                    r.syn(seq);
                }
                if !app.is_empty() {
                    let delivered = r.segment(seq, app);
                    let mut ctx = FlowCtx {
                        ends,
                        service: &mut flow.service,
                        client_mac: flow.orig_mac,
                        server_mac: flow.resp_mac,
                        datagram: false,
                        client_custom,
                        server_custom,
                        tls_keys: &self.tls_keys,
                        tls_state: &self.tls_state,
                    };
                    for (_, bytes) in delivered.chunks {
                        if !state.sniffed {
                            state.sniffed = true;
                            if bytes.starts_with(b"SSH-") {
                                *ctx.service = Some("ssh");
                            } else if dir == Dir::Orig && state.analyzer.is_none() {
                                state.analyzer = analyzers::sniff(&bytes).map(|a| (a.start)());
                            }
                        }
                        if let Some(a) = &mut state.analyzer {
                            a.payload(&mut ctx, dir, &bytes, &mut sink);
                        }
                    }
                }
            }
        } else if ip.proto == 17 && !app.is_empty() {
            if let Some(proto) = analyzers::for_udp(sport, dport) {
                let state = self.apps.entry(flow.id).or_insert_with(|| AppState {
                    analyzer: Some((proto.start)()),
                    sniffed: true,
                    ..AppState::default()
                });
                state.ends = Some(ends);
                // The sender of a response is the server: its MAC is the frame's source.
                let (client_mac, server_mac) = if info.src == flow.resp {
                    (info.dst_mac, info.src_mac)
                } else {
                    (info.src_mac, info.dst_mac)
                };
                let mut ctx = FlowCtx {
                    ends,
                    service: &mut flow.service,
                    client_mac,
                    server_mac,
                    datagram: true,
                    client_custom,
                    server_custom,
                    tls_keys: &self.tls_keys,
                    tls_state: &self.tls_state,
                };
                if let Some(a) = &mut state.analyzer {
                    a.payload(&mut ctx, dir, app, &mut sink);
                }
            }
        }
        self.flush_ended();
    }

    /// Traffic counts: by MAC (for L2 devices) and by address (for L3 devices).
    fn net_metrics(
        &mut self,
        ts: i64,
        ip: &wirewatch_wire::packet::Ip<'_>,
        smac: Option<[u8; 6]>,
        dmac: Option<[u8; 6]>,
    ) {
        let wire = f64::from(ip.len);
        let m = &mut self.metrics;
        m.packet(ts, MetricObject::DeviceIp(ip.src), true, wire);
        m.packet(ts, MetricObject::DeviceIp(ip.dst), false, wire);
        if let Some(mac) = smac {
            m.packet(ts, MetricObject::DeviceMac(mac), true, wire);
        }
        if let Some(mac) = dmac.filter(|m| m[0] & 1 == 0) {
            m.packet(ts, MetricObject::DeviceMac(mac), false, wire);
        }
        m.packet(ts, MetricObject::Network, true, wire);
        if ip.frag.is_some() {
            m.fragment(ts);
        }
    }

    fn flush_ended(&mut self) {
        for f in self.ended.drain(..) {
            if let Some(st) = self.apps.remove(&f.id) {
                if let (Some(mut a), Some(ends)) = (st.analyzer, st.ends) {
                    let mut sink = Sink {
                        out: &mut self.out,
                        metrics: &mut self.metrics,
                        devices: &mut self.devices,
                    };
                    a.end(ends, f.last_ns, &mut sink);
                }
            }
            if f.r.pkts > 0 && f.proto != 1 && f.proto != 58 {
                self.devices.server(f.resp.0, f.proto, f.resp.1);
            }
            flow_metrics(&mut self.metrics, &f);
            self.out.flows.push(FlowRecord::from(&f));
        }
        self.stats.flows = self.flows.stats.created;
        self.stats.flows_evicted = self.flows.stats.evicted;
    }

    /// End of input: every live flow ends.
    pub fn finish(&mut self) {
        self.flows.drain(&mut self.ended);
        self.flush_ended();
    }

    /// Flows currently live.
    pub fn live_flows(&self) -> usize {
        self.flows.len()
    }
}

/// Zeek's ICMP "ports": (type, counterpart type) for request/reply pairs, else (type, code).
fn icmp_ports(v6: bool, kind: u8, code: u8) -> (u16, u16) {
    let pairs: &[(u8, u8)] = if v6 {
        &[
            (128, 129),
            (130, 131),
            (133, 134),
            (135, 136),
            (139, 140),
            (144, 145),
        ]
    } else {
        &[(8, 0), (13, 14), (15, 16), (17, 18), (10, 9)]
    };
    for (req, rep) in pairs {
        if kind == *req {
            return (u16::from(kind), u16::from(*rep));
        }
        if kind == *rep {
            return (u16::from(kind), u16::from(*req));
        }
    }
    (u16::from(kind), u16::from(code))
}

/// TCP metrics of a finished flow.
fn flow_metrics(m: &mut Metrics, f: &Flow) {
    if f.proto != 6 {
        return;
    }
    let c = endpoint_objects(f.orig.0, f.orig_mac);
    let sv = endpoint_objects(f.resp.0, f.resp_mac);
    let each = |m: &mut Metrics, objs: &[MetricObject], ts: i64, name: &'static str| {
        for o in objs {
            m.count(ts, o.clone(), "tcp", name, "", 1.0);
        }
    };
    if f.history.contains('h') {
        each(m, &c, f.first_ns, "connections_out");
        each(m, &sv, f.first_ns, "connections_in");
        m.count(
            f.first_ns,
            MetricObject::Network,
            "tcp",
            "connections",
            "",
            1.0,
        );
    }
    for (letter, from, to) in [('R', &c, &sv), ('r', &sv, &c)] {
        if f.history.contains(letter) {
            each(m, from, f.last_ns, "resets_out");
            each(m, to, f.last_ns, "resets_in");
            m.count(f.last_ns, MetricObject::Network, "tcp", "resets", "", 1.0);
        }
    }
    for (letter, who) in [('T', &c), ('t', &sv)] {
        if f.history.contains(letter) {
            each(m, who, f.last_ns, "retransmissions_out");
        }
    }
    for o in c {
        m.sample(
            f.first_ns,
            o,
            "flow",
            "duration",
            (f.last_ns - f.first_ns) as f64 / 1e6,
        );
    }
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_string(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Protocol name as records show it.
pub fn ipproto_name(p: u8) -> String {
    match p {
        1 => "ICMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        58 => "ICMPv6".into(),
        132 => "SCTP".into(),
        other => other.to_string(),
    }
}

/// The custom devices (device entry ids) standing for a flow's client and
/// for its server, as `custom_metrics` last worked them out.
fn custom_ends(m: &Matcher, flow: &Flow) -> (Vec<u64>, Vec<u64>) {
    let (mut c, mut s) = (Vec::new(), Vec::new());
    if m.is_empty() || flow.custom_gen != m.generation {
        return (c, s);
    }
    for (d, end) in &flow.custom {
        if let Some(dev) = m.devices.get(*d as usize) {
            match end {
                End::Client => c.push(dev.device_id),
                End::Server => s.push(dev.device_id),
            }
        }
    }
    (c, s)
}

/// Count a packet for the custom devices its flow is attributed to (as the
/// end each stands for: a packet from the client is sent by a custom device
/// standing for the client). The flow's attribution is worked out once per
/// set of custom devices.
fn custom_metrics(
    m: &Matcher,
    metrics: &mut Metrics,
    flow: &mut Flow,
    dir: Dir,
    ts: i64,
    ip_len: u32,
) {
    if flow.custom_gen != m.generation {
        flow.custom = m.attribute(&FlowView {
            client: flow.orig,
            server: flow.resp,
            vlan: flow.vlan,
        });
        flow.custom_gen = m.generation;
    }
    for (d, end) in &flow.custom {
        let Some(dev) = m.devices.get(*d as usize) else {
            continue;
        };
        let out = (dir == Dir::Orig) == (*end == End::Client);
        metrics.packet(
            ts,
            MetricObject::Custom(dev.device_id),
            out,
            f64::from(ip_len),
        );
    }
}
