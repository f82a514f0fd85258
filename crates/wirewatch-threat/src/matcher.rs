//! The compiled observables of every threat collection, checked against
//! each record the sensor (or EVE input) produces:
//!
//! - addresses: one hash set (`~flow` sender and receiver, DNS answers,
//!   an address in a `Host` header);
//! - CIDR blocks: one hash map per prefix length present, longest first
//!   (an address costs one lookup per distinct length, whatever the number
//!   of blocks; overlapping blocks all match);
//! - host names: one hash set, looked up for the name and each parent
//!   (`a.b.evil.example` matches `evil.example`): DNS query names and
//!   answers, HTTP `Host`, TLS SNI;
//! - URLs: one hash set of `host[:port]/path[?query]`, looked up with and
//!   without the query (an observable without query matches any query).
//!
//! Stored records are checked the same way from their JSON ([`Matcher::check_doc`]).

use crate::normalize;
use std::net::IpAddr;
use std::sync::Arc;
use wirewatch_model::record::Record;
use wirewatch_model::threat::{Observable, ObservableKind, ThreatMatch};

type Map<K, V> = foldhash::HashMap<K, V>;

/// The collections an observable is in (indexes into [`Matcher::collections`]).
#[derive(Debug, Clone)]
enum Refs {
    One(u32),
    Many(Vec<u32>),
}

impl Refs {
    fn add(&mut self, c: u32) {
        match self {
            Refs::One(x) if *x == c => {}
            Refs::One(x) => *self = Refs::Many(vec![*x, c]),
            Refs::Many(v) => {
                if !v.contains(&c) {
                    v.push(c)
                }
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let (one, many) = match self {
            Refs::One(x) => (Some(*x), &[][..]),
            Refs::Many(v) => (None, &v[..]),
        };
        one.into_iter().chain(many.iter().copied())
    }
}

fn insert<K: std::hash::Hash + Eq>(m: &mut Map<K, Refs>, k: K, c: u32) {
    m.entry(k).and_modify(|r| r.add(c)).or_insert(Refs::One(c));
}

/// A collection the matcher names in its matches.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    /// Its user key (what records and detections name it by).
    pub user_key: Arc<str>,
    pub name: Arc<str>,
}

/// The compiled observables of the threat collections.
#[derive(Debug, Default)]
pub struct Matcher {
    /// The store's threat collections generation it was built from.
    pub generation: u64,
    pub collections: Vec<Entry>,
    ips: Map<IpAddr, Refs>,
    v4: Vec<(u8, Map<u32, Refs>)>,
    v6: Vec<(u8, Map<u128, Refs>)>,
    hosts: Map<Box<str>, Refs>,
    urls: Map<Box<str>, Refs>,
    /// STIX 2 `LIKE`/`MATCHES` patterns (`None` while there is none: the
    /// exact path pays one check).
    patterns: Option<Box<crate::patterns::Patterns>>,
    len: usize,
}

/// The text of a record field that may match.
pub(crate) enum Seen<'a> {
    Ip(IpAddr),
    /// A host name or address as traffic wrote it.
    Name(&'a str),
    /// An HTTP request: `Host` and target.
    Request(Option<&'a str>, &'a str),
}

impl Matcher {
    /// An empty matcher (no collection).
    pub fn new(generation: u64, collections: Vec<Entry>) -> Matcher {
        Matcher {
            generation,
            collections,
            ..Matcher::default()
        }
    }

    /// Add an observable of the collection at index `c` of
    /// [`Matcher::collections`]; a value that does not parse as its kind is
    /// passed over (and `false` returned).
    pub fn add(&mut self, c: u32, kind: ObservableKind, value: &str) -> bool {
        match kind {
            ObservableKind::Ipaddr => {
                let Ok(ip) = value.parse::<IpAddr>() else {
                    return false;
                };
                insert(&mut self.ips, normalize::ip(ip), c);
            }
            ObservableKind::Cidr => {
                let Ok(net) = value.parse::<ipnet::IpNet>() else {
                    return false;
                };
                let len = net.prefix_len();
                match net.trunc() {
                    ipnet::IpNet::V4(n) => {
                        let m = slot(&mut self.v4, len);
                        insert(m, u32::from(n.network()), c);
                    }
                    ipnet::IpNet::V6(n) => {
                        let m = slot(&mut self.v6, len);
                        insert(m, u128::from(n.network()), c);
                    }
                }
            }
            ObservableKind::Hostname => insert(&mut self.hosts, value.into(), c),
            ObservableKind::Uri => insert(&mut self.urls, value.into(), c),
            ObservableKind::Pattern => {
                if !self
                    .patterns
                    .get_or_insert_with(Default::default)
                    .add(c, value)
                {
                    return false;
                }
            }
        }
        self.len += 1;
        true
    }

    /// Add every observable of a collection.
    pub fn add_all<'a>(&mut self, c: u32, list: impl IntoIterator<Item = &'a Observable>) {
        for o in list {
            self.add(c, o.kind, &o.value);
        }
    }

    /// Observables loaded.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A match of collection `c` (a pattern's).
    pub(crate) fn hit_one(
        &self,
        c: u32,
        kind: ObservableKind,
        observable: &str,
        field: &str,
        value: &str,
        out: &mut Vec<ThreatMatch>,
    ) {
        self.hit(&Refs::One(c), kind, observable, field, value, out);
    }

    fn hit(
        &self,
        refs: &Refs,
        kind: ObservableKind,
        observable: &str,
        field: &str,
        value: &str,
        out: &mut Vec<ThreatMatch>,
    ) {
        for c in refs.iter() {
            let Some(e) = self.collections.get(c as usize) else {
                continue;
            };
            if out
                .iter()
                .any(|m| m.collection_id == e.id && m.observable == observable && m.field == field)
            {
                continue;
            }
            out.push(ThreatMatch {
                collection_id: e.id,
                collection: e.user_key.to_string(),
                observable: observable.to_string(),
                kind,
                field: field.to_string(),
                value: value.to_string(),
            });
        }
    }

    fn ip(&self, ip: IpAddr, field: &str, out: &mut Vec<ThreatMatch>) {
        let ip = normalize::ip(ip);
        if let Some(r) = self.ips.get(&ip) {
            let s = ip.to_string();
            self.hit(r, ObservableKind::Ipaddr, &s, field, &s, out);
        }
        match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                for (len, m) in &self.v4 {
                    let net = if *len == 0 {
                        0
                    } else {
                        a & (u32::MAX << (32 - len))
                    };
                    if let Some(r) = m.get(&net) {
                        let obs = format!("{}/{len}", std::net::Ipv4Addr::from(net));
                        self.hit(r, ObservableKind::Cidr, &obs, field, &ip.to_string(), out);
                    }
                }
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                for (len, m) in &self.v6 {
                    let net = if *len == 0 {
                        0
                    } else {
                        a & (u128::MAX << (128 - len))
                    };
                    if let Some(r) = m.get(&net) {
                        let obs = format!("{}/{len}", std::net::Ipv6Addr::from(net));
                        self.hit(r, ObservableKind::Cidr, &obs, field, &ip.to_string(), out);
                    }
                }
            }
        }
    }

    fn name(&self, raw: &str, field: &str, out: &mut Vec<ThreatMatch>) {
        let lowered;
        let name = if raw
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b == b':' || b == b'[')
            || raw.ends_with('.')
        {
            lowered = normalize::traffic_host(raw);
            lowered.as_str()
        } else {
            raw
        };
        if name.contains(':') || name.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
            if let Ok(ip) = name.parse::<IpAddr>() {
                self.ip(ip, field, out);
                return;
            }
        }
        if self.hosts.is_empty() {
            return;
        }
        let mut rest = name;
        loop {
            if let Some(r) = self.hosts.get(rest) {
                self.hit(r, ObservableKind::Hostname, rest, field, name, out);
            }
            match rest.find('.') {
                Some(i) => rest = &rest[i + 1..],
                None => break,
            }
        }
    }

    fn request(&self, host: Option<&str>, target: &str, out: &mut Vec<ThreatMatch>) {
        if self.urls.is_empty() {
            return;
        }
        let Some(url) = normalize::request_url(host, target) else {
            return;
        };
        if let Some(r) = self.urls.get(url.as_str()) {
            self.hit(r, ObservableKind::Uri, &url, "uri", &url, out);
        }
        if let Some((base, _)) = url.split_once('?') {
            if let Some(r) = self.urls.get(base) {
                self.hit(r, ObservableKind::Uri, base, "uri", &url, out);
            }
        }
    }

    fn seen(&self, s: Seen<'_>, field: &str, out: &mut Vec<ThreatMatch>) {
        if let Some(p) = &self.patterns {
            crate::patterns::seen(self, p, &s, field, out);
        }
        match s {
            Seen::Ip(ip) => self.ip(ip, field, out),
            Seen::Name(n) => self.name(n, field, out),
            Seen::Request(h, t) => self.request(h, t, out),
        }
    }

    /// The observables a record's traffic matches (none when the matcher
    /// is empty): `~flow` addresses, DNS names and answers, HTTP host and
    /// URL, TLS SNI.
    pub fn check(&self, r: &Record) -> Vec<ThreatMatch> {
        let mut out = Vec::new();
        if self.len == 0 {
            return out;
        }
        let o = &mut out;
        let js =
            |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_str()).map(str::to_string);
        match r {
            Record::Flow(f) => {
                self.seen(Seen::Ip(f.client_addr), "senderAddr", o);
                self.seen(Seen::Ip(f.server_addr), "receiverAddr", o);
            }
            Record::DnsRequest(d) => self.seen(Seen::Name(&d.qname), "qname", o),
            Record::DnsResponse(d) => {
                self.seen(Seen::Name(&d.qname), "qname", o);
                for a in d.answers.iter().flatten() {
                    self.seen(Seen::Name(a), "answers", o);
                }
            }
            Record::Http(h) => {
                if let Some(host) = &h.host {
                    self.seen(Seen::Name(host), "host", o);
                }
                self.seen(Seen::Request(h.host.as_deref(), &h.uri), "uri", o);
            }
            Record::SslOpen(t) => {
                if let Some(host) = &t.host {
                    self.seen(Seen::Name(host), "host", o);
                }
            }
            Record::Ftp(_) => {}
            Record::SuricataFlow(f) => {
                for (v, field) in [
                    (&f.client_addr, "senderAddr"),
                    (&f.server_addr, "receiverAddr"),
                ] {
                    if let Some(ip) = js(v).and_then(|s| s.parse().ok()) {
                        self.seen(Seen::Ip(ip), field, o);
                    }
                }
            }
            Record::SuricataDnsRequest(d) | Record::SuricataDnsResponse(d) => {
                if let Some(q) = js(&d.qname) {
                    self.seen(Seen::Name(&q), "qname", o);
                }
            }
            Record::SuricataHttp(h) => {
                let host = js(&h.host);
                if let Some(host) = &host {
                    self.seen(Seen::Name(host), "host", o);
                }
                if let Some(uri) = js(&h.uri) {
                    self.seen(Seen::Request(host.as_deref(), &uri), "uri", o);
                }
            }
            Record::SuricataTls(t) => {
                if let Some(host) = js(&t.host) {
                    self.seen(Seen::Name(&host), "host", o);
                }
            }
        }
        out
    }

    /// The same check on a stored record's JSON fields (`kind` its type).
    pub fn check_doc(
        &self,
        kind: &str,
        doc: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<ThreatMatch> {
        let mut out = Vec::new();
        if self.len == 0 {
            return out;
        }
        let o = &mut out;
        let s = |k: &str| doc.get(k).and_then(|v| v.as_str());
        match kind {
            "~flow" => {
                for field in ["senderAddr", "receiverAddr"] {
                    if let Some(ip) = s(field).and_then(|v| v.parse().ok()) {
                        self.seen(Seen::Ip(ip), field, o);
                    }
                }
            }
            "~dns_request" | "~dns_response" => {
                if let Some(q) = s("qname") {
                    self.seen(Seen::Name(q), "qname", o);
                }
                for a in doc
                    .get("answers")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(a) = a.as_str() {
                        self.seen(Seen::Name(a), "answers", o);
                    }
                }
            }
            "~http" => {
                if let Some(h) = s("host") {
                    self.seen(Seen::Name(h), "host", o);
                }
                if let Some(u) = s("uri") {
                    self.seen(Seen::Request(s("host"), u), "uri", o);
                }
            }
            "~ssl_open" => {
                if let Some(h) = s("host") {
                    self.seen(Seen::Name(h), "host", o);
                }
            }
            _ => {}
        }
        out
    }
}

/// The map of one prefix length (kept longest first).
fn slot<K>(list: &mut Vec<(u8, Map<K, Refs>)>, len: u8) -> &mut Map<K, Refs> {
    let i = match list.iter().position(|(l, _)| *l == len) {
        Some(i) => i,
        None => {
            list.push((len, Map::default()));
            list.sort_by_key(|e| std::cmp::Reverse(e.0));
            list.iter().position(|(l, _)| *l == len).unwrap_or(0)
        }
    };
    &mut list[i].1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        let mut m = Matcher::new(
            1,
            vec![Entry {
                id: 7,
                user_key: "bad".into(),
                name: "Bad".into(),
            }],
        );
        m.add(0, ObservableKind::Ipaddr, "198.51.100.7");
        m.add(0, ObservableKind::Cidr, "203.0.113.0/24");
        m.add(0, ObservableKind::Cidr, "2001:db8::/32");
        m.add(0, ObservableKind::Hostname, "evil.example");
        m.add(0, ObservableKind::Uri, "shop.example/payload.exe");
        m
    }

    fn doc(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn addresses_blocks_names_and_urls() {
        let m = matcher();
        let flow =
            doc(serde_json::json!({"senderAddr": "10.0.0.1", "receiverAddr": "203.0.113.9"}));
        let hits = m.check_doc("~flow", &flow);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].observable, "203.0.113.0/24");
        assert_eq!(hits[0].field, "receiverAddr");
        assert_eq!(hits[0].value, "203.0.113.9");
        let v6 = doc(
            serde_json::json!({"senderAddr": "2001:db8::5", "receiverAddr": "::ffff:198.51.100.7"}),
        );
        assert_eq!(m.check_doc("~flow", &v6).len(), 2);
        let dns = doc(
            serde_json::json!({"qname": "A.B.Evil.Example.", "answers": ["198.51.100.7", "cdn.other"]}),
        );
        let hits = m.check_doc("~dns_response", &dns);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(hits[0].observable, "evil.example");
        assert_eq!(hits[0].value, "a.b.evil.example");
        let http = doc(serde_json::json!({"host": "shop.example:80", "uri": "/payload.exe?x=1"}));
        let hits = m.check_doc("~http", &http);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].kind, ObservableKind::Uri);
        let miss = doc(serde_json::json!({"qname": "notevil.example", "host": "example"}));
        assert!(m.check_doc("~dns_request", &miss).is_empty());
        assert!(m.check_doc("~ssl_open", &miss).is_empty());
    }
}
