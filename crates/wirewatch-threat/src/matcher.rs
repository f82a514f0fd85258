//! The compiled observables of every threat collection, checked against
//! each record the sensor (or EVE input) produces:
//!
//! - addresses: one hash set (`~flow` sender and receiver, DNS answers,
//!   an address in a `Host` header);
//! - CIDR blocks: one hash map per prefix length present, longest first
//!   (an address costs one lookup per distinct length, whatever the number
//!   of blocks; overlapping blocks all match). IPv4 blocks are also marked
//!   in a bitmap of the /24 networks they cover (2 MiB): an address whose
//!   /24 no block covers (most of them) skips those lookups;
//! - host names: one hash table, looked up for the name and each parent
//!   (`a.b.evil.example` matches `evil.example`): DNS query names and
//!   answers, HTTP `Host`, TLS SNI. A name's hash is made label by label
//!   from the right ([`suffix_hashes`]), so the hashes of the name and of
//!   all its parents cost one pass over it, lower-casing as it goes (no
//!   copy of the name unless it matches or needs more than lower case);
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

thread_local! {
    /// The suffix hashes of the name being checked (kept to spare an
    /// allocation per name).
    static SUFFIXES: std::cell::RefCell<Vec<(u64, usize)>> = const { std::cell::RefCell::new(Vec::new()) };
}

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

/// A host name observable, under its [`suffix_hashes`] hash.
#[derive(Debug)]
struct Host {
    hash: u64,
    name: Box<str>,
    refs: Refs,
}

/// Longest name whose parents are looked up: no observable is longer
/// (`normalize::hostname`), so a longer suffix cannot match.
const MAX_SUFFIX: usize = normalize::MAX_HOSTNAME;

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xd6e8_feb8_6659_fd93;

fn mix(x: u64, k: u64) -> u64 {
    let m = (x as u128).wrapping_mul(k as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

/// The hash of one more label (to the left) of a name, lower-cased.
fn fold_label(h: u64, label: &[u8]) -> u64 {
    let mut h = mix(h ^ label.len() as u64, K1);
    for chunk in label.chunks(8) {
        let mut w = 0u64;
        for (i, b) in chunk.iter().enumerate() {
            w |= u64::from(b.to_ascii_lowercase()) << (8 * i);
        }
        h = mix(h ^ w, K2);
    }
    h
}

/// The hashes of `name` (taken in lower case) and of each of its parents
/// of at most [`MAX_SUFFIX`] bytes, as `(hash, offset of the suffix)`,
/// longest first (the order in which the matcher reports them). The hash
/// of a name is that of its labels folded from the right, so that of
/// `evil.example` is made on the way to that of `a.evil.example`.
fn suffix_hashes(name: &str, out: &mut Vec<(u64, usize)>) {
    out.clear();
    let b = name.as_bytes();
    let mut h = K2;
    let mut end = b.len();
    loop {
        let start = b[..end]
            .iter()
            .rposition(|&c| c == b'.')
            .map_or(0, |i| i + 1);
        if b.len() - start > MAX_SUFFIX {
            break;
        }
        h = fold_label(h, &b[start..end]);
        out.push((h, start));
        if start == 0 {
            break;
        }
        end = start - 1;
    }
    out.reverse();
}

/// Whether `stored` is `seen` in lower case.
fn eq_lower(stored: &str, seen: &str) -> bool {
    stored.len() == seen.len()
        && stored
            .bytes()
            .zip(seen.bytes())
            .all(|(a, b)| a == b.to_ascii_lowercase())
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
    /// One bit per IPv4 /24 network: whether a block of `v4` covers part
    /// of it (empty while `v4` is).
    v4_nets: Vec<u64>,
    v6: Vec<(u8, Map<u128, Refs>)>,
    hosts: hashbrown::HashTable<Host>,
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
                        let net = u32::from(n.network());
                        let m = slot(&mut self.v4, len);
                        insert(m, net, c);
                        self.mark_v4(net, len);
                    }
                    ipnet::IpNet::V6(n) => {
                        let m = slot(&mut self.v6, len);
                        insert(m, u128::from(n.network()), c);
                    }
                }
            }
            ObservableKind::Hostname => {
                let mut h = Vec::new();
                suffix_hashes(value, &mut h);
                // A name longer than any observable can be is never looked up.
                let Some(&(hash, 0)) = h.first() else {
                    return false;
                };
                match self
                    .hosts
                    .find_mut(hash, |e| e.hash == hash && *e.name == *value)
                {
                    Some(e) => e.refs.add(c),
                    None => {
                        self.hosts.insert_unique(
                            hash,
                            Host {
                                hash,
                                name: value.into(),
                                refs: Refs::One(c),
                            },
                            |e| e.hash,
                        );
                    }
                }
            }
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

    /// Mark the /24 networks block `net`/`len` covers.
    fn mark_v4(&mut self, net: u32, len: u8) {
        if self.v4_nets.is_empty() {
            self.v4_nets = vec![0u64; (1 << 24) / 64];
        }
        let first = (net >> 8) as usize;
        let count = if len >= 24 { 1 } else { 1usize << (24 - len) };
        for n in first..first + count {
            self.v4_nets[n / 64] |= 1 << (n % 64);
        }
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
                let n = (a >> 8) as usize;
                if self.v4_nets.is_empty() || self.v4_nets[n / 64] & (1 << (n % 64)) == 0 {
                    return;
                }
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
        // What `normalize::traffic_host` would change beyond lower case
        // (a port, brackets, a trailing dot, and, when there is upper case
        // to lower, white space around) takes the copy; lower case alone is
        // folded into the lookups.
        let lowered;
        let name = if raw.bytes().any(|b| b == b':' || b == b'[')
            || raw.ends_with('.')
            || (raw.bytes().any(|b| b.is_ascii_uppercase()) && raw.trim().len() != raw.len())
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
        SUFFIXES.with(|cell| {
            let mut hashes = cell.borrow_mut();
            suffix_hashes(name, &mut hashes);
            let mut value: Option<String> = None;
            for &(hash, start) in hashes.iter() {
                let rest = &name[start..];
                let Some(e) = self
                    .hosts
                    .find(hash, |e| e.hash == hash && eq_lower(&e.name, rest))
                else {
                    continue;
                };
                let value = value.get_or_insert_with(|| name.to_ascii_lowercase());
                self.hit(
                    &e.refs,
                    ObservableKind::Hostname,
                    &e.name,
                    field,
                    value,
                    out,
                );
            }
        });
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
        fn js(v: &Option<serde_json::Value>) -> Option<&str> {
            v.as_ref().and_then(|v| v.as_str())
        }
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
                    self.seen(Seen::Name(q), "qname", o);
                }
            }
            Record::SuricataHttp(h) => {
                let host = js(&h.host);
                if let Some(host) = host {
                    self.seen(Seen::Name(host), "host", o);
                }
                if let Some(uri) = js(&h.uri) {
                    self.seen(Seen::Request(host, uri), "uri", o);
                }
            }
            Record::SuricataTls(t) => {
                if let Some(host) = js(&t.host) {
                    self.seen(Seen::Name(host), "host", o);
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

    fn names(m: &Matcher, kind: &str, qname: &str) -> Vec<(String, String)> {
        m.check_doc(kind, &doc(serde_json::json!({ "qname": qname })))
            .into_iter()
            .map(|h| (h.observable, h.value))
            .collect()
    }

    #[test]
    fn names_match_in_lower_case_longest_first_without_trimming_more_than_before() {
        let mut m = matcher();
        m.add(0, ObservableKind::Hostname, "a.evil.example");
        // An observable not in lower case (never made by `normalize`) matches
        // nothing, as before.
        m.add(0, ObservableKind::Hostname, "Upper.example");
        let hits = names(&m, "~dns_request", "X.A.EVIL.example");
        assert_eq!(
            hits,
            [
                ("a.evil.example".to_string(), "x.a.evil.example".to_string()),
                ("evil.example".to_string(), "x.a.evil.example".to_string()),
            ]
        );
        assert!(names(&m, "~dns_request", "upper.example").is_empty());
        assert!(names(&m, "~dns_request", "UPPER.example").is_empty());
        // Upper case with white space around: trimmed (as `traffic_host` does).
        assert_eq!(names(&m, "~dns_request", " Evil.Example ").len(), 1);
        // White space without upper case: taken as it is (no match), as before.
        assert!(names(&m, "~dns_request", " evil.example").is_empty());
        // Empty labels, a port, a trailing dot.
        assert_eq!(names(&m, "~dns_request", "x..evil.example").len(), 1);
        assert_eq!(names(&m, "~dns_request", "evil.example:8080").len(), 1);
        assert_eq!(names(&m, "~dns_request", "b.evil.example.").len(), 1);
        assert!(names(&m, "~dns_request", "").is_empty());
        assert!(names(&m, "~dns_request", "example").is_empty());
        assert!(names(&m, "~dns_request", "vil.example").is_empty());
        // A name longer than any observable still matches by its parents.
        let long = format!("{}.evil.example", ["x"; 200].join("."));
        assert!(long.len() > normalize::MAX_HOSTNAME);
        assert_eq!(names(&m, "~dns_request", &long).len(), 1);
    }

    #[test]
    fn ipv4_blocks_of_any_length_behind_the_bitmap() {
        let mut m = Matcher::new(
            1,
            vec![Entry {
                id: 7,
                user_key: "bad".into(),
                name: "Bad".into(),
            }],
        );
        m.add(0, ObservableKind::Cidr, "10.0.0.0/8");
        m.add(0, ObservableKind::Cidr, "192.0.2.8/30");
        m.add(0, ObservableKind::Cidr, "198.51.100.0/23");
        let hit = |m: &Matcher, a: &str| {
            m.check_doc(
                "~flow",
                &doc(serde_json::json!({"senderAddr": a, "receiverAddr": "::1"})),
            )
            .into_iter()
            .map(|h| h.observable)
            .collect::<Vec<_>>()
        };
        assert_eq!(hit(&m, "10.200.3.4"), ["10.0.0.0/8"]);
        assert_eq!(hit(&m, "192.0.2.11"), ["192.0.2.8/30"]);
        // In a /24 a block covers part of, outside the block.
        assert!(hit(&m, "192.0.2.12").is_empty());
        assert_eq!(hit(&m, "198.51.101.255"), ["198.51.100.0/23"]);
        assert!(hit(&m, "198.51.102.0").is_empty());
        assert!(hit(&m, "11.0.0.0").is_empty());
        assert!(hit(&m, "9.255.255.255").is_empty());
        // The whole space.
        m.add(0, ObservableKind::Cidr, "0.0.0.0/0");
        assert_eq!(hit(&m, "11.0.0.0"), ["0.0.0.0/0"]);
        assert_eq!(hit(&m, "10.1.1.1"), ["10.0.0.0/8", "0.0.0.0/0"]);
    }

    #[test]
    fn suffix_hashes_are_those_of_the_parents() {
        let mut all = Vec::new();
        suffix_hashes("A.b.Evil.example", &mut all);
        let starts: Vec<usize> = all.iter().map(|e| e.1).collect();
        assert_eq!(starts, [0, 2, 4, 9]);
        for (h, start) in &all {
            let mut one = Vec::new();
            suffix_hashes(&"a.b.evil.example"[*start..], &mut one);
            assert_eq!(one[0], (*h, 0));
        }
    }
}
