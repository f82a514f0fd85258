//! STIX 2 `LIKE` and `MATCHES` comparisons on `domain-name`, `url` and
//! `ipv4-addr`/`ipv6-addr` values: kept as observables of kind `pattern`
//! (value `<target> <LIKE|MATCHES> <operand>`, e.g.
//! `hostname LIKE %.evil.example`) and matched against the record fields the
//! exact sets use, through the `regex` crate (linear time in the text, no
//! backtracking).
//!
//! Bounded: an operand of at most [`MAX_PATTERN_LEN`] bytes that compiles
//! within [`MAX_COMPILED`] bytes; at most [`MAX_PATTERNS_PER_COLLECTION`]
//! kept per collection and [`MAX_PATTERNS`] compiled in all (the excess is
//! counted as skipped, or logged when loading). What targets match:
//! - `hostname`: the host names the exact set is looked up with (DNS query
//!   names and answers, HTTP `Host`, TLS SNI), lower case, no port; a
//!   `LIKE` operand is lowered too (DNS names are case-insensitive);
//! - `uri`: the URL of an HTTP request, written `http://host[:port]/path[?query]`;
//! - `ipaddr`: an address field (`~flow` sender and receiver, a DNS answer
//!   or `Host` that is an address), in its usual text form.
//!
//! `LIKE` is SQL's: `%` any run of characters, `_` one character, the
//! whole value. `MATCHES` is a regular expression found anywhere in the
//! value (as STIX's PCRE); one the `regex` crate cannot take (look-around,
//! back-references) is skipped and counted.
//!
//! The matcher holds no pattern set when there is no pattern: the exact
//! path pays one `None` check per field.

use crate::matcher::{Matcher, Seen};
use crate::normalize;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::sync::OnceLock;
use wirewatch_model::threat::{ObservableKind, ThreatMatch};

/// Longest operand taken (bytes).
pub const MAX_PATTERN_LEN: usize = 1024;
/// Most bytes one compiled pattern may take.
pub const MAX_COMPILED: usize = 256 << 10;
/// Most patterns kept from one collection.
pub const MAX_PATTERNS_PER_COLLECTION: usize = 1000;
/// Most patterns compiled into the matcher, all collections together.
pub const MAX_PATTERNS: usize = 10_000;
/// Patterns per compiled set (a set's size stays bounded).
const CHUNK: usize = 256;

/// What a pattern is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Hostname,
    Uri,
    Ipaddr,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Target::Hostname => "hostname",
            Target::Uri => "uri",
            Target::Ipaddr => "ipaddr",
        }
    }

    /// The target of a STIX cyber-observable type.
    pub fn of_stix(ty: &str) -> Option<Target> {
        match ty {
            "domain-name" | "hostname" => Some(Target::Hostname),
            "url" => Some(Target::Uri),
            "ipv4-addr" | "ipv6-addr" => Some(Target::Ipaddr),
            _ => None,
        }
    }
}

/// A comparison operator of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Like,
    Matches,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Like => "LIKE",
            Op::Matches => "MATCHES",
        }
    }
}

/// The regular expression of a `LIKE` operand: anchored, `%` → `.*`,
/// `_` → `.`, everything else literal.
fn like_regex(operand: &str) -> String {
    let mut out = String::with_capacity(operand.len() + 8);
    out.push_str("^(?s:");
    let mut lit = [0u8; 4];
    for c in operand.chars() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            c => out.push_str(&regex::escape(c.encode_utf8(&mut lit))),
        }
    }
    out.push_str(")$");
    out
}

fn source(op: Op, operand: &str) -> String {
    match op {
        Op::Like => like_regex(operand),
        Op::Matches => operand.to_string(),
    }
}

fn compile_one(src: &str) -> Result<Regex, String> {
    RegexBuilder::new(src)
        .size_limit(MAX_COMPILED)
        .dfa_size_limit(MAX_COMPILED)
        .build()
        .map_err(|e| e.to_string())
}

/// The stored value of a pattern observable, checked: `None` (to be
/// counted as skipped) when the operand is too long or does not compile.
pub fn observable(target: Target, op: Op, operand: &str) -> Option<String> {
    if operand.is_empty() || operand.len() > MAX_PATTERN_LEN {
        return None;
    }
    let operand = match (target, op) {
        (Target::Hostname, Op::Like) => operand.to_lowercase(),
        _ => operand.to_string(),
    };
    compile_one(&source(op, &operand)).ok()?;
    Some(format!("{} {} {operand}", target.as_str(), op.as_str()))
}

/// A stored pattern observable read back: its target and regex source.
fn parse(value: &str) -> Option<(Target, String)> {
    let (target, rest) = value.split_once(' ')?;
    let (op, operand) = rest.split_once(' ')?;
    let target = match target {
        "hostname" => Target::Hostname,
        "uri" => Target::Uri,
        "ipaddr" => Target::Ipaddr,
        _ => return None,
    };
    let op = match op {
        "LIKE" => Op::Like,
        "MATCHES" => Op::Matches,
        _ => return None,
    };
    Some((target, source(op, operand)))
}

/// One pattern: the collections it is in and its stored value.
#[derive(Debug)]
struct Entry {
    value: Box<str>,
    collections: Vec<u32>,
}

/// The compiled sets of one target.
#[derive(Debug, Default)]
struct Sets {
    /// (set, index of its first pattern in the target's entries)
    chunks: Vec<(RegexSet, usize)>,
}

/// The patterns of a matcher: collected while the matcher is built,
/// compiled at the first check.
#[derive(Debug, Default)]
pub struct Patterns {
    /// Where each stored value is: (target slot, index in its entries).
    index: foldhash::HashMap<Box<str>, (usize, usize)>,
    by_target: [Vec<Entry>; 3],
    sources: [Vec<String>; 3],
    compiled: OnceLock<[Sets; 3]>,
    /// Patterns passed over (beyond [`MAX_PATTERNS`], unreadable).
    pub dropped: usize,
}

fn slot(t: Target) -> usize {
    match t {
        Target::Hostname => 0,
        Target::Uri => 1,
        Target::Ipaddr => 2,
    }
}

/// A match of a pattern: its stored value and the collection.
pub struct Hit<'a> {
    pub observable: &'a str,
    pub collection: u32,
}

impl Patterns {
    /// Add a stored pattern of collection `c`; `false` when passed over.
    pub fn add(&mut self, c: u32, value: &str) -> bool {
        let Some((target, src)) = parse(value) else {
            self.dropped += 1;
            return false;
        };
        let i = slot(target);
        if let Some(&(i, k)) = self.index.get(value) {
            let e = &mut self.by_target[i][k];
            if !e.collections.contains(&c) {
                e.collections.push(c);
            }
            return true;
        }
        if self.len() >= MAX_PATTERNS {
            self.dropped += 1;
            return false;
        }
        self.index
            .insert(value.into(), (i, self.by_target[i].len()));
        self.by_target[i].push(Entry {
            value: value.into(),
            collections: vec![c],
        });
        self.sources[i].push(src);
        true
    }

    /// Distinct patterns kept.
    pub fn len(&self) -> usize {
        self.by_target.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn compiled(&self) -> &[Sets; 3] {
        self.compiled.get_or_init(|| {
            let mut out: [Sets; 3] = Default::default();
            for (i, sources) in self.sources.iter().enumerate() {
                for (n, chunk) in sources.chunks(CHUNK).enumerate() {
                    let built = RegexSetBuilder::new(chunk)
                        .size_limit(MAX_COMPILED * CHUNK)
                        .dfa_size_limit(MAX_COMPILED * CHUNK)
                        .build();
                    match built {
                        Ok(set) => out[i].chunks.push((set, n * CHUNK)),
                        Err(e) => {
                            tracing::warn!(error = %e, patterns = chunk.len(), "threat patterns passed over: their set does not compile");
                        }
                    }
                }
            }
            out
        })
    }

    /// The patterns of `target` that `text` matches.
    pub fn check<'a>(&'a self, target: Target, text: &str, mut f: impl FnMut(Hit<'a>)) {
        let i = slot(target);
        if self.by_target[i].is_empty() {
            return;
        }
        for (set, first) in &self.compiled()[i].chunks {
            for k in set.matches(text).iter() {
                if let Some(e) = self.by_target[i].get(first + k) {
                    for &c in &e.collections {
                        f(Hit {
                            observable: &e.value,
                            collection: c,
                        });
                    }
                }
            }
        }
    }
}

/// The kind pattern observables are stored with.
pub const KIND: ObservableKind = ObservableKind::Pattern;

/// The patterns a record field matches (the hook of `Matcher::seen`).
pub(crate) fn seen(
    m: &Matcher,
    p: &Patterns,
    s: &Seen<'_>,
    field: &str,
    out: &mut Vec<ThreatMatch>,
) {
    let (target, text) = match s {
        Seen::Ip(ip) => (Target::Ipaddr, normalize::ip(*ip).to_string()),
        Seen::Name(raw) => {
            let name = normalize::traffic_host(raw);
            match name.parse::<std::net::IpAddr>() {
                Ok(ip) => (Target::Ipaddr, normalize::ip(ip).to_string()),
                Err(_) => (Target::Hostname, name),
            }
        }
        Seen::Request(host, target) => match normalize::request_url(*host, target) {
            Some(url) => (Target::Uri, format!("http://{url}")),
            None => return,
        },
    };
    p.check(target, &text, |h| {
        m.hit_one(h.collection, KIND, h.observable, field, &text, out)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(p: &Patterns, t: Target, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        p.check(t, text, |h| out.push(h.observable.to_string()));
        out
    }

    #[test]
    fn like_is_sql_like_and_matches_a_regex_anywhere() {
        let mut p = Patterns::default();
        let like = observable(Target::Hostname, Op::Like, "%.Evil.example").unwrap();
        assert_eq!(like, "hostname LIKE %.evil.example");
        assert!(p.add(0, &like));
        let one = observable(Target::Hostname, Op::Like, "c_.bad.example").unwrap();
        assert!(p.add(0, &one));
        let re = observable(Target::Uri, Op::Matches, "/payload[0-9]+\\.exe").unwrap();
        assert!(p.add(1, &re));
        let ip = observable(Target::Ipaddr, Op::Like, "203.0.113.%").unwrap();
        assert!(p.add(0, &ip));
        assert_eq!(
            hits(&p, Target::Hostname, "a.evil.example"),
            vec![like.clone()]
        );
        assert!(hits(&p, Target::Hostname, "evil.example").is_empty());
        assert!(hits(&p, Target::Hostname, "a.evil.example.org").is_empty());
        assert_eq!(hits(&p, Target::Hostname, "c2.bad.example"), vec![one]);
        assert!(hits(&p, Target::Hostname, "c22.bad.example").is_empty());
        // Regex metacharacters of a LIKE operand are literal.
        assert!(hits(&p, Target::Hostname, "a.evilxexample").is_empty());
        assert_eq!(
            hits(&p, Target::Uri, "http://shop.example/x/payload42.exe?a=1"),
            vec![re]
        );
        assert_eq!(hits(&p, Target::Ipaddr, "203.0.113.9"), vec![ip]);
        assert!(hits(&p, Target::Ipaddr, "203.0.114.9").is_empty());
    }

    #[test]
    fn bounded() {
        assert!(observable(Target::Uri, Op::Matches, &"a".repeat(MAX_PATTERN_LEN + 1)).is_none());
        // What the regex crate cannot take (no backtracking constructs).
        assert!(observable(Target::Uri, Op::Matches, "(a)\\1").is_none());
        assert!(observable(Target::Uri, Op::Matches, "(?=a)").is_none());
        // A repetition that would compile past the size limit.
        assert!(observable(Target::Uri, Op::Matches, "(\\w{100}){100}").is_none());
        let mut p = Patterns::default();
        for i in 0..MAX_PATTERNS + 5 {
            p.add(0, &format!("hostname LIKE h{i}.example"));
        }
        assert_eq!((p.len(), p.dropped), (MAX_PATTERNS, 5));
        assert!(!p.add(0, "nonsense"));
    }
}
