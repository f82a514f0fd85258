//! DNS over UDP and TCP: queries paired with responses by transaction id.

use super::{Analyzer, FlowCtx, Protocol, Sink};
use crate::flow::Dir;
use crate::metrics::{MetricObject, Metrics};
use crate::sensor::Endpoints;
use std::collections::HashMap;
use wirewatch_wire::dns::{self, Message, RData};

/// Most unanswered queries remembered per flow.
pub const MAX_PENDING: usize = 256;
/// Most bytes buffered per direction for DNS over TCP.
pub const MAX_TCP_BUFFER: usize = 131_072;

/// A query, and its response when one came.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsEvent {
    pub id: u16,
    pub query: String,
    pub qtype: u16,
    /// When the query was seen (or the response, for an unsolicited one), ns.
    pub ts_ns: i64,
    /// `None` until (or unless) answered.
    pub rcode: Option<u8>,
    pub answers: Vec<String>,
    pub ttls: Vec<u32>,
    /// Addresses in A/AAAA answers (for device names).
    pub addresses: Vec<std::net::IpAddr>,
    pub rtt_ms: Option<f64>,
    pub authoritative: bool,
}

/// One DNS flow.
#[derive(Default)]
pub struct Dns {
    pending: HashMap<u16, DnsEvent>,
    tcp: [Vec<u8>; 2],
    /// Messages that did not parse.
    pub errors: u64,
}

fn answered(mut ev: DnsEvent, m: &Message, ts_ns: i64) -> DnsEvent {
    ev.rcode = Some(m.rcode);
    ev.authoritative = m.authoritative;
    ev.rtt_ms = Some((ts_ns - ev.ts_ns) as f64 / 1e6);
    for r in &m.answers {
        let text = r.answer_text();
        if !text.is_empty() {
            ev.answers.push(text);
            ev.ttls.push(r.ttl);
        }
        match r.data {
            RData::A(a) => ev.addresses.push(a.into()),
            RData::Aaaa(a) => ev.addresses.push(a.into()),
            _ => {}
        }
    }
    ev
}

impl Dns {
    /// A DNS message; returns `(new query?, completed transactions)`.
    fn message(&mut self, ts_ns: i64, m: Message) -> (Option<DnsEvent>, Vec<DnsEvent>) {
        let q = m.questions.first();
        if !m.is_response {
            let Some(q) = q else { return (None, vec![]) };
            let ev = DnsEvent {
                id: m.id,
                query: q.name.clone(),
                qtype: q.qtype,
                ts_ns,
                rcode: None,
                answers: vec![],
                ttls: vec![],
                addresses: vec![],
                rtt_ms: None,
                authoritative: false,
            };
            let mut done = Vec::new();
            // A second query with the same id before an answer: the first stays unanswered.
            if let Some(old) = self.pending.insert(m.id, ev.clone()) {
                done.push(old);
            }
            if self.pending.len() > MAX_PENDING {
                if let Some(k) = self
                    .pending
                    .iter()
                    .min_by_key(|(_, e)| e.ts_ns)
                    .map(|(k, _)| *k)
                {
                    done.extend(self.pending.remove(&k));
                }
            }
            return (Some(ev), done);
        }
        let base = match self.pending.remove(&m.id) {
            Some(ev) => ev,
            None => DnsEvent {
                id: m.id,
                query: q.map(|q| q.name.clone()).unwrap_or_default(),
                qtype: q.map(|q| q.qtype).unwrap_or(0),
                ts_ns,
                rcode: None,
                answers: vec![],
                ttls: vec![],
                addresses: vec![],
                rtt_ms: None,
                authoritative: false,
            },
        };
        let mut ev = answered(base, &m, ts_ns);
        if m.questions.is_empty() && ev.rtt_ms == Some(0.0) {
            ev.rtt_ms = None;
        }
        (None, vec![ev])
    }

    /// A UDP payload.
    pub fn udp(&mut self, ts_ns: i64, data: &[u8]) -> (Option<DnsEvent>, Vec<DnsEvent>) {
        match dns::parse(data) {
            Ok(m) => self.message(ts_ns, m),
            Err(_) => {
                self.errors += 1;
                (None, vec![])
            }
        }
    }

    /// TCP stream bytes from one direction (0: client, 1: server).
    pub fn tcp(&mut self, ts_ns: i64, dir: usize, data: &[u8]) -> (Vec<DnsEvent>, Vec<DnsEvent>) {
        let buf = &mut self.tcp[dir.min(1)];
        buf.extend_from_slice(data);
        if buf.len() > MAX_TCP_BUFFER {
            buf.clear();
            self.errors += 1;
        }
        let (msgs, used) = dns::parse_tcp_stream(buf);
        buf.drain(..used.min(buf.len()));
        let (mut queries, mut done) = (Vec::new(), Vec::new());
        for m in msgs {
            match m {
                Ok(m) => {
                    let (q, d) = self.message(ts_ns, m);
                    queries.extend(q);
                    done.extend(d);
                }
                Err(_) => self.errors += 1,
            }
        }
        (queries, done)
    }

    /// End of the flow: unanswered queries.
    pub fn end(&mut self) -> Vec<DnsEvent> {
        let mut v: Vec<DnsEvent> = self.pending.drain().map(|(_, e)| e).collect();
        v.sort_by_key(|e| e.ts_ns);
        v
    }
}

/// `~dns_request` / `~dns_response`: UDP on the DNS, mDNS and LLMNR ports
/// (either side), TCP to port 53.
pub const PROTOCOL: Protocol = Protocol {
    name: "dns",
    tcp_ports: &[53],
    sniff: None,
    udp: Some(|sport, dport| is_dns_port(sport) || is_dns_port(dport)),
    start: || Box::new(Dns::default()),
};

fn is_dns_port(p: u16) -> bool {
    matches!(p, 53 | 5353 | 5355)
}

impl Analyzer for Dns {
    fn payload(&mut self, flow: &mut FlowCtx<'_>, dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        let ends = flow.ends;
        if !flow.datagram {
            let (queries, done) = self.tcp(ends.ts_ns, usize::from(dir == Dir::Resp), bytes);
            for q in queries {
                sink.out.dns_queries.push((ends, q));
            }
            for ev in done {
                *flow.service = Some("dns");
                sink.out.dns.push((ends, ev));
            }
            return;
        }
        let (q, done) = self.udp(ends.ts_ns, bytes);
        if !done.is_empty() || q.is_some() {
            *flow.service = Some("dns");
        }
        let objects = || (flow.client_objects(), flow.server_objects());
        if let Some(q) = &q {
            let (c, s) = objects();
            metrics(sink.metrics, q, false, c, s);
        }
        for ev in done {
            let (c, s) = objects();
            metrics(sink.metrics, &ev, true, c, s);
            for a in &ev.addresses {
                sink.devices.dns_name(*a, &ev.query);
            }
            sink.out.dns.push((ends, ev));
        }
        sink.out.dns_queries.extend(q.map(|q| (ends, q)));
    }

    fn end(&mut self, ends: Endpoints, _last_ns: i64, sink: &mut Sink<'_>) {
        for ev in Dns::end(self) {
            sink.out.dns.push((ends, ev));
        }
    }
}

/// `dns_client` / `dns_server` metrics of a query (`answered` false) or a transaction.
fn metrics(
    m: &mut Metrics,
    ev: &DnsEvent,
    answered: bool,
    client: Vec<MetricObject>,
    server: Vec<MetricObject>,
) {
    let ts = ev.ts_ns;
    let qtype = dns::qtype_name(ev.qtype);
    for (objs, cat) in [(client, "dns_client"), (server, "dns_server")] {
        for o in objs {
            if !answered {
                m.count(ts, o.clone(), cat, "req", "", 1.0);
                m.count(ts, o.clone(), cat, "req_by_qtype", &qtype, 1.0);
                m.count(ts, o, cat, "req_by_qname", &ev.query, 1.0);
                continue;
            }
            match ev.rcode {
                Some(r) => {
                    m.count(ts, o.clone(), cat, "rsp", "", 1.0);
                    if r != 0 {
                        m.count(ts, o.clone(), cat, "rsp_error", "", 1.0);
                        m.count(
                            ts,
                            o.clone(),
                            cat,
                            "rsp_error_by_rcode",
                            dns::rcode_name(r),
                            1.0,
                        );
                    }
                    if let Some(rtt) = ev.rtt_ms {
                        m.sample(ts, o, cat, "rtt", rtt);
                    }
                }
                None => m.count(ts, o, cat, "req_timeout", "", 1.0),
            }
        }
    }
}
