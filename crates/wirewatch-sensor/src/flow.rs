//! The flow table: bidirectional flows keyed by protocol and endpoints, with
//! per-direction packet and byte counters, TCP endpoint states (mapped to
//! Zeek's `conn_state`), a history string in Zeek's letters, inactivity
//! timeouts and a cap on the number of flows (oldest evicted first).

use std::collections::HashMap;
use std::net::IpAddr;
use wirewatch_wire::packet::tcp_flags::{ACK, FIN, RST, SYN};

/// Seconds of silence after which a TCP flow is over (Zeek's tcp_inactivity_timeout).
pub const TCP_TIMEOUT_NS: i64 = 300 * 1_000_000_000;
/// Seconds of silence after which a UDP or other flow is over (Zeek's udp_inactivity_timeout).
pub const UDP_TIMEOUT_NS: i64 = 60 * 1_000_000_000;
/// A TCP flow closed by FIN/RST on both sides lingers this long for stragglers.
pub const CLOSE_DELAY_NS: i64 = 5 * 1_000_000_000;
/// Default cap on live flows; past it the least recently active flow is evicted.
pub const DEFAULT_MAX_FLOWS: usize = 1_000_000;

/// A TCP endpoint's state, as Zeek tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TcpState {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

/// One direction of a flow.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub pkts: u64,
    /// IP bytes (header and payload) on the wire.
    pub ip_bytes: u64,
    /// Captured frame bytes, link-layer headers included (Suricata's flow bytes).
    pub l2_bytes: u64,
    /// Payload bytes: for TCP from sequence numbers, for others the sum of payloads.
    pub bytes: u64,
    pub state: TcpState,
    /// Whether anything of this side's was seen (UDP "active").
    pub active: bool,
    isn: Option<u32>,
    max_end: Option<u32>,
    fin_seen: bool,
}

impl Side {
    fn tcp_bytes(&self) -> u64 {
        match (self.isn, self.max_end) {
            (Some(isn), Some(end)) => {
                let mut n = u64::from(end.wrapping_sub(isn));
                // The SYN and FIN each take one sequence number.
                n = n.saturating_sub(1);
                if self.fin_seen {
                    n = n.saturating_sub(1);
                }
                if n > 1 << 31 {
                    0
                } else {
                    n
                }
            }
            _ => 0,
        }
    }
}

/// Normalised flow key: protocol and the two endpoints, lower first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub proto: u8,
    pub lo: (IpAddr, u16),
    pub hi: (IpAddr, u16),
}

impl FlowKey {
    pub fn new(proto: u8, a: (IpAddr, u16), b: (IpAddr, u16)) -> FlowKey {
        if a <= b {
            FlowKey {
                proto,
                lo: a,
                hi: b,
            }
        } else {
            FlowKey {
                proto,
                lo: b,
                hi: a,
            }
        }
    }
}

/// A flow.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: u64,
    pub proto: u8,
    pub orig: (IpAddr, u16),
    pub resp: (IpAddr, u16),
    pub first_ns: i64,
    pub last_ns: i64,
    pub o: Side,
    pub r: Side,
    /// Zeek-style history letters (originator upper case, responder lower case).
    pub history: String,
    /// The application protocol an analyzer recognised.
    pub service: Option<&'static str>,
    pub vlan: Option<u16>,
    pub orig_mac: Option<[u8; 6]>,
    pub resp_mac: Option<[u8; 6]>,
    /// Outer endpoints when the flow was carried in a tunnel.
    pub tunnel: Option<(IpAddr, IpAddr)>,
    /// The custom devices the flow is attributed to, as of the matcher
    /// generation `custom_gen` (`u64::MAX`: not worked out yet).
    pub custom: wirewatch_model::custom_device::Attribution,
    pub custom_gen: u64,
}

/// One packet's view, as the flow table needs it.
#[derive(Debug, Clone, Copy)]
pub struct PacketInfo {
    pub ts_ns: i64,
    pub proto: u8,
    pub src: (IpAddr, u16),
    pub dst: (IpAddr, u16),
    pub ip_len: u32,
    /// The captured frame's length, link-layer headers included.
    pub l2_len: u32,
    pub payload_len: u32,
    /// TCP only.
    pub tcp: Option<(u8, u32)>,
    pub vlan: Option<u16>,
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    pub tunnel: Option<(IpAddr, IpAddr)>,
}

/// Which side sent a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Orig,
    Resp,
}

impl Flow {
    /// Zeek's `conn_state` for this flow.
    pub fn conn_state(&self) -> &'static str {
        let (os, rs) = (self.o.state, self.r.state);
        if matches!(self.proto, 1 | 58) {
            // Zeek gives ICMP exchanges no state of their own.
            return "OTH";
        }
        if self.proto != 6 {
            return match (self.o.active, self.r.active) {
                (true, true) => "SF",
                (true, false) => "S0",
                (false, true) => "SHR",
                (false, false) => "OTH",
            };
        }
        use TcpState::*;
        let o_inactive = matches!(os, Inactive | Partial);
        let r_inactive = matches!(rs, Inactive | Partial);
        if rs == Reset {
            if matches!(os, SynSent | SynAckSent)
                || (os == Reset && self.o.bytes == 0 && self.r.bytes == 0)
            {
                "REJ"
            } else if o_inactive {
                "RSTRH"
            } else {
                "RSTR"
            }
        } else if os == Reset {
            if r_inactive {
                let h = self.history.trim_start_matches('^');
                if h.starts_with('S')
                    && !h
                        .chars()
                        .skip(1)
                        .take_while(|c| *c != 'R')
                        .any(|c| "HAFGIQ".contains(c))
                {
                    "RSTOS0"
                } else {
                    "OTH"
                }
            } else {
                "RSTO"
            }
        } else if rs == Closed && os == Closed {
            "SF"
        } else if os == Closed {
            if r_inactive {
                "SH"
            } else {
                "S2"
            }
        } else if rs == Closed {
            if o_inactive {
                "SHR"
            } else {
                "S3"
            }
        } else if os == SynSent && rs == Inactive {
            "S0"
        } else if os == Established && rs == Established {
            "S1"
        } else {
            "OTH"
        }
    }

    /// Payload bytes sent by the originator and the responder.
    pub fn bytes(&self) -> (u64, u64) {
        if self.proto == 6 {
            (self.o.tcp_bytes(), self.r.tcp_bytes())
        } else {
            (self.o.bytes, self.r.bytes)
        }
    }

    fn letter(&mut self, dir: Dir, c: char) {
        let c = if dir == Dir::Orig {
            c
        } else {
            c.to_ascii_lowercase()
        };
        if !self.history.contains(c) {
            self.history.push(c);
        }
    }

    fn closed(&self) -> bool {
        use TcpState::*;
        self.proto == 6
            && matches!(self.o.state, Closed | Reset)
            && matches!(self.r.state, Closed | Reset)
            || self.proto == 6 && (self.o.state == Reset || self.r.state == Reset)
    }

    fn expired(&self, now: i64) -> bool {
        let idle = now.saturating_sub(self.last_ns);
        if self.closed() {
            return idle > CLOSE_DELAY_NS;
        }
        idle > if self.proto == 6 {
            TCP_TIMEOUT_NS
        } else {
            UDP_TIMEOUT_NS
        }
    }

    fn update(&mut self, dir: Dir, p: &PacketInfo) {
        self.last_ns = self.last_ns.max(p.ts_ns);
        let (me, peer) = match dir {
            Dir::Orig => (&mut self.o, &mut self.r),
            Dir::Resp => (&mut self.r, &mut self.o),
        };
        me.pkts += 1;
        me.ip_bytes += u64::from(p.ip_len);
        me.l2_bytes += u64::from(p.l2_len);
        me.active = true;
        let mut letters: Vec<char> = Vec::new();
        match p.tcp {
            None => {
                me.bytes += u64::from(p.payload_len);
                if p.payload_len > 0 && !matches!(p.proto, 1 | 58) {
                    letters.push('D');
                }
            }
            Some((flags, seq)) => {
                let _ = peer;
                if flags & RST != 0 {
                    me.state = TcpState::Reset;
                    letters.push('R');
                } else if flags & SYN != 0 {
                    me.isn = Some(seq);
                    me.max_end = Some(seq.wrapping_add(1));
                    if flags & ACK != 0 {
                        letters.push('H');
                        if matches!(me.state, TcpState::Inactive | TcpState::SynSent) {
                            me.state = TcpState::SynAckSent;
                        }
                    } else {
                        letters.push('S');
                        if me.state == TcpState::Inactive {
                            me.state = TcpState::SynSent;
                        }
                    }
                } else {
                    if me.isn.is_none() {
                        // Midstream: the first sequence number seen is the base.
                        me.isn = Some(seq.wrapping_sub(1));
                        me.max_end = Some(seq);
                    }
                    if flags & FIN != 0 {
                        me.state = TcpState::Closed;
                        me.fin_seen = true;
                        letters.push('F');
                    } else {
                        me.state = match me.state {
                            TcpState::Inactive => TcpState::Partial,
                            TcpState::SynSent | TcpState::SynAckSent => TcpState::Established,
                            s => s,
                        };
                    }
                    if p.payload_len > 0 {
                        letters.push('D');
                        // Payload entirely below what this side already sent: a retransmission.
                        let end = seq.wrapping_add(p.payload_len);
                        if let (Some(isn), Some(max)) = (me.isn, me.max_end) {
                            if end.wrapping_sub(isn) <= max.wrapping_sub(isn) {
                                letters.push('T');
                            }
                        }
                    } else if flags & ACK != 0 && flags & FIN == 0 {
                        letters.push('A');
                    }
                }
                let end = seq
                    .wrapping_add(p.payload_len)
                    .wrapping_add(u32::from(flags & (SYN | FIN) != 0));
                if let (Some(isn), Some(max)) = (me.isn, me.max_end) {
                    // Later in sequence space (relative to the initial number) moves the end.
                    if end.wrapping_sub(isn) > max.wrapping_sub(isn)
                        && end.wrapping_sub(isn) < 1 << 31
                    {
                        me.max_end = Some(end);
                    }
                }
            }
        }
        for c in letters {
            self.letter(dir, c);
        }
    }
}

/// Counters of the table's own behaviour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowStats {
    pub created: u64,
    pub expired: u64,
    pub evicted: u64,
}

/// The flow table.
pub struct FlowTable {
    flows: HashMap<FlowKey, Flow, crate::metrics::Fx>,
    next_id: u64,
    max_flows: usize,
    last_sweep_ns: i64,
    pub stats: FlowStats,
}

impl FlowTable {
    pub fn new(max_flows: usize) -> FlowTable {
        FlowTable {
            flows: HashMap::default(),
            next_id: 1,
            max_flows: max_flows.max(1),
            last_sweep_ns: i64::MIN,
            stats: FlowStats::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Account a packet; returns the flow, the packet's direction, and whether the flow is new.
    /// Flows that ended (timeouts, evictions) are appended to `done`.
    pub fn packet(&mut self, p: &PacketInfo, done: &mut Vec<Flow>) -> (&mut Flow, Dir, bool) {
        if p.ts_ns.saturating_sub(self.last_sweep_ns) > 1_000_000_000 {
            self.sweep(p.ts_ns, done);
        }
        let key = FlowKey::new(p.proto, p.src, p.dst);
        // A new connection attempt on a key whose flow is over starts a new flow.
        let restart = self.flows.get(&key).is_some_and(|f| {
            f.expired(p.ts_ns)
                || (f.closed() && p.tcp.is_some_and(|(fl, _)| fl & SYN != 0 && fl & ACK == 0))
        });
        if restart {
            if let Some(f) = self.flows.remove(&key) {
                self.stats.expired += 1;
                done.push(f);
            }
        }
        if !self.flows.contains_key(&key) && self.flows.len() >= self.max_flows {
            self.evict(done);
        }
        let mut created = false;
        let next_id = &mut self.next_id;
        let flow = self.flows.entry(key).or_insert_with(|| {
            created = true;
            // A SYN-ACK first means we missed the SYN: the sender is the responder.
            // Midstream (no SYN at all), a packet from a well-known port to an
            // ephemeral one is most likely the server answering.
            let synack = p.tcp.is_some_and(|(fl, _)| fl & SYN != 0 && fl & ACK != 0);
            let midstream_reply = p.proto == 6
                && p.tcp.is_some_and(|(fl, _)| fl & SYN == 0)
                && p.src.1 < 1024
                && p.dst.1 >= 1024;
            let flipped = synack || midstream_reply;
            let (orig, resp, om, rm) = if flipped {
                (p.dst, p.src, p.dst_mac, p.src_mac)
            } else {
                (p.src, p.dst, p.src_mac, p.dst_mac)
            };
            let id = *next_id;
            *next_id += 1;
            Flow {
                id,
                proto: p.proto,
                orig,
                resp,
                first_ns: p.ts_ns,
                last_ns: p.ts_ns,
                o: Side::default(),
                r: Side::default(),
                history: if flipped { "^".into() } else { String::new() },
                service: None,
                vlan: p.vlan,
                orig_mac: om,
                resp_mac: rm,
                tunnel: p.tunnel,
                custom: Vec::new(),
                custom_gen: u64::MAX,
            }
        });
        if created {
            self.stats.created += 1;
        }
        let dir = if flow.orig == p.src {
            Dir::Orig
        } else {
            Dir::Resp
        };
        flow.update(dir, p);
        (flow, dir, created)
    }

    /// End flows that timed out by `now`.
    pub fn sweep(&mut self, now: i64, done: &mut Vec<Flow>) {
        self.last_sweep_ns = now;
        let expired: Vec<FlowKey> = self
            .flows
            .iter()
            .filter(|(_, f)| f.expired(now))
            .map(|(k, _)| *k)
            .collect();
        for k in expired {
            if let Some(f) = self.flows.remove(&k) {
                self.stats.expired += 1;
                done.push(f);
            }
        }
    }

    fn evict(&mut self, done: &mut Vec<Flow>) {
        // Evict the least recently active tenth at once, so eviction stays rare.
        let n = (self.max_flows / 10).max(1);
        let mut by_age: Vec<(i64, FlowKey)> =
            self.flows.iter().map(|(k, f)| (f.last_ns, *k)).collect();
        by_age.sort_unstable_by_key(|(t, _)| *t);
        for (_, k) in by_age.into_iter().take(n) {
            if let Some(f) = self.flows.remove(&k) {
                self.stats.evicted += 1;
                done.push(f);
            }
        }
    }

    /// End every flow (end of input), oldest first.
    pub fn drain(&mut self, done: &mut Vec<Flow>) {
        let mut all: Vec<Flow> = self.flows.drain().map(|(_, f)| f).collect();
        all.sort_by_key(|f| (f.first_ns, f.id));
        done.extend(all);
    }

    /// The id of the live flow a packet belongs to.
    pub fn id_of(&self, p: &PacketInfo) -> Option<u64> {
        self.flows
            .get(&FlowKey::new(p.proto, p.src, p.dst))
            .map(|f| f.id)
    }

    /// Originator and responder of the live flow a packet belongs to.
    pub fn endpoints(&self, p: &PacketInfo) -> Option<((IpAddr, u16), (IpAddr, u16))> {
        self.flows
            .get(&FlowKey::new(p.proto, p.src, p.dst))
            .map(|f| (f.orig, f.resp))
    }

    /// Set the service of the live flow a packet belongs to.
    pub fn set_service(&mut self, p: &PacketInfo, service: &'static str) {
        if let Some(f) = self.flows.get_mut(&FlowKey::new(p.proto, p.src, p.dst)) {
            f.service = Some(service);
        }
    }

    /// A live flow by key.
    pub fn get_mut(&mut self, key: &FlowKey) -> Option<&mut Flow> {
        self.flows.get_mut(key)
    }
}
