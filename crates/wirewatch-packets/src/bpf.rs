//! The BPF subset wirewatch evaluates itself (no libpcap): the primitives
//! SOC playbooks send to a packet search, with libpcap's grammar.
//!
//! | Primitive | Matches |
//! |---|---|
//! | `host A`, `src host A`, `dst host A`, `src or dst host A`, `src and dst host A` | IPv4/IPv6 source/destination address (ARP sender/target too, as libpcap) |
//! | `net N/len`, `src net …`, `dst net …` | address in the prefix |
//! | `port P`, `src port P`, `dst port P`, `tcp port P`, `udp dst port P` | TCP/UDP/SCTP port (first fragments only) |
//! | `portrange A-B` (with the same qualifiers) | a port in the range |
//! | `ip`, `ip6`, `arp`, `tcp`, `udp`, `icmp`, `icmp6` | the protocol |
//! | `ip host A`, `ip6 net N` | the protocol and the address |
//! | `and`/`&&`, `or`/`||`, `not`/`!`, `( … )` | as libpcap: `and` and `or` have the same precedence, left to right; `not` binds tighter |
//!
//! A value after `and`/`or` without a keyword takes the previous primitive's
//! keywords (`host 10.0.0.1 or 10.0.0.2`), as libpcap does. A host is an
//! address (names are not resolved); a port is a number.
//!
//! Differences from libpcap, documented (measured against `tcpdump -r` on
//! 150 nDPI captures, every difference one of these): the addresses,
//! protocol and ports are the innermost IP header's, the packet the sensor
//! analyses: inside VLAN tags (libpcap needs `vlan` first), inside
//! 6in4/4in6/GRE tunnels (libpcap sees the outer header), and after IPv6
//! extension headers (`icmp6` matches ICMPv6 behind a hop-by-hop header); a
//! packet the decoder refuses (a truncated or malformed IP or ARP header)
//! matches no address or protocol primitive.
//! Anything else (`vlan`, `ether`, `len`, byte offsets such as
//! `tcp[13]`, `gateway`, `proto`, names) is refused with a message naming it;
//! a build with the `libpcap` feature hands such a filter to libpcap
//! instead ([`crate::libpcap`]), the subset keeping the filters it accepts
//! (it uses the index and reads inner headers).

use crate::meta::{self, IpMeta, Meta};
use ipnet::IpNet;
use std::net::IpAddr;

/// Longest filter accepted.
pub const MAX_LEN: usize = 4096;
/// Most primitives in a filter.
pub const MAX_TERMS: usize = 256;
/// Deepest nesting of parentheses and `not`.
pub const MAX_DEPTH: usize = 64;

/// Which side of a packet an address or port is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
}

/// A protocol keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Ip,
    Ip6,
    Arp,
    Tcp,
    Udp,
    Icmp,
    Icmp6,
}

/// One primitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prim {
    Host(Dir, IpAddr),
    Net(Dir, IpNet),
    /// A port range (one port: `lo == hi`), of TCP or UDP only when given.
    Port(Dir, Option<Proto>, u16, u16),
    Proto(Proto),
}

/// A filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Prim(Prim),
}

/// A filter outside the subset, or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BpfError {
    #[error("is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("has more than {MAX_TERMS} primitives")]
    TooManyTerms,
    #[error("nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("is empty")]
    Empty,
    #[error("ends too early: {0}")]
    Incomplete(&'static str),
    #[error("\"{0}\" is not supported by wirewatch's BPF subset (host, net, port, portrange, src/dst, ip, ip6, arp, tcp, udp, icmp, icmp6, and/or/not, parentheses)")]
    Unsupported(String),
    #[error("expected {expected} at \"{found}\"")]
    Unexpected {
        expected: &'static str,
        found: String,
    },
    #[error("\"{0}\" is not an IP address (host names are not resolved)")]
    BadAddress(String),
    #[error("\"{0}\" is not a network (use address/length, e.g. 10.0.0.0/8)")]
    BadNet(String),
    #[error("\"{0}\" is not a port number (0 to 65535)")]
    BadPort(String),
    #[error("\"{0}\" is not a port range (e.g. 6000-6010)")]
    BadRange(String),
    #[error("\"{0} {1}\" is not a valid combination")]
    BadCombination(String, String),
}

impl BpfError {
    /// A limit (length, primitives, depth) or an empty filter: refused
    /// whatever evaluates the filter, where other errors are only outside
    /// the subset (libpcap may still compile the filter, [`crate::libpcap`]).
    pub fn is_bound(&self) -> bool {
        matches!(
            self,
            BpfError::TooLong | BpfError::TooManyTerms | BpfError::TooDeep | BpfError::Empty
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Word(String),
}

fn tokens(s: &str) -> Result<Vec<Tok>, BpfError> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                out.push(Tok::LParen);
                chars.next();
            }
            ')' => {
                out.push(Tok::RParen);
                chars.next();
            }
            '&' | '|' => {
                chars.next();
                if chars.next_if(|&(_, d)| d == c).is_none() {
                    return Err(BpfError::Unsupported(c.to_string()));
                }
                out.push(if c == '&' { Tok::And } else { Tok::Or });
            }
            '!' => {
                chars.next();
                if chars.next_if(|&(_, d)| d == '=').is_some() {
                    return Err(BpfError::Unsupported("!=".into()));
                }
                out.push(Tok::Not);
            }
            _ => {
                let mut end = s.len();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || matches!(d, '(' | ')' | '&' | '|' | '!') {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                let w = &s[i..end];
                out.push(match w.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    _ => Tok::Word(w.to_string()),
                });
            }
        }
    }
    Ok(out)
}

/// The keywords of the last primitive (what a bare value after and/or takes).
#[derive(Debug, Clone, Copy)]
struct Quals {
    proto: Option<Proto>,
    dir: Option<Dir>,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Host,
    Net,
    Port,
    PortRange,
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    terms: usize,
    last: Option<Quals>,
}

fn proto_word(w: &str) -> Option<Proto> {
    Some(match w {
        "ip" => Proto::Ip,
        "ip6" => Proto::Ip6,
        "arp" => Proto::Arp,
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "icmp" => Proto::Icmp,
        "icmp6" => Proto::Icmp6,
        _ => return None,
    })
}

fn kind_word(w: &str) -> Option<Kind> {
    Some(match w {
        "host" => Kind::Host,
        "net" => Kind::Net,
        "port" => Kind::Port,
        "portrange" => Kind::PortRange,
        _ => return None,
    })
}

/// Keywords of libpcap's language outside the subset (named in the refusal).
const KNOWN_UNSUPPORTED: [&str; 24] = [
    "vlan",
    "mpls",
    "ether",
    "gateway",
    "broadcast",
    "multicast",
    "less",
    "greater",
    "len",
    "proto",
    "protochain",
    "rarp",
    "sctp",
    "decnet",
    "atalk",
    "stp",
    "ipx",
    "iso",
    "wlan",
    "pppoes",
    "geneve",
    "inbound",
    "outbound",
    "mask",
];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn word(&self) -> Option<String> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end".into(),
            Some(Tok::Word(w)) => w.clone(),
            Some(Tok::LParen) => "(".into(),
            Some(Tok::RParen) => ")".into(),
            Some(Tok::And) => "and".into(),
            Some(Tok::Or) => "or".into(),
            Some(Tok::Not) => "not".into(),
        }
    }

    /// expr := unary (("and"|"or") unary)*, left to right, one precedence.
    fn expr(&mut self, depth: usize) -> Result<Expr, BpfError> {
        let mut left = self.unary(depth)?;
        loop {
            let and = match self.peek() {
                Some(Tok::And) => true,
                Some(Tok::Or) => false,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.unary(depth)?;
            left = if and {
                Expr::And(Box::new(left), Box::new(right))
            } else {
                Expr::Or(Box::new(left), Box::new(right))
            };
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, BpfError> {
        if depth > MAX_DEPTH {
            return Err(BpfError::TooDeep);
        }
        match self.peek() {
            Some(Tok::Not) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary(depth + 1)?)))
            }
            Some(Tok::LParen) => {
                self.at += 1;
                let e = self.expr(depth + 1)?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(BpfError::Unexpected {
                        expected: "\")\"",
                        found: self.found(),
                    });
                }
                self.at += 1;
                Ok(e)
            }
            Some(Tok::Word(_)) => {
                self.terms += 1;
                if self.terms > MAX_TERMS {
                    return Err(BpfError::TooManyTerms);
                }
                self.primitive()
            }
            None => Err(BpfError::Incomplete("a primitive is missing")),
            _ => Err(BpfError::Unexpected {
                expected: "a primitive",
                found: self.found(),
            }),
        }
    }

    fn primitive(&mut self) -> Result<Expr, BpfError> {
        let mut proto = None;
        let mut dir = None;
        let mut kind = None;
        let mut w = self.word().unwrap_or_default();
        if let Some(p) = proto_word(&w) {
            proto = Some(p);
            self.at += 1;
            w = match self.word() {
                Some(n) if n == "src" || n == "dst" || kind_word(&n).is_some() => n,
                _ => return Ok(Expr::Prim(Prim::Proto(p))),
            };
        }
        if w == "src" || w == "dst" {
            self.at += 1;
            let first = if w == "src" { Dir::Src } else { Dir::Dst };
            dir = Some(first);
            // "src or dst" / "src and dst" (a direction, not a boolean) when
            // followed by the other direction.
            if let (Some(op), Some(Tok::Word(next))) = (self.peek(), self.toks.get(self.at + 1)) {
                let other = if first == Dir::Src { "dst" } else { "src" };
                if next.eq_ignore_ascii_case(other) && matches!(op, Tok::And | Tok::Or) {
                    dir = Some(if *op == Tok::And {
                        Dir::SrcAndDst
                    } else {
                        Dir::SrcOrDst
                    });
                    self.at += 2;
                }
            }
            w = self.word().unwrap_or_default();
        }
        if let Some(k) = kind_word(&w) {
            kind = Some(k);
            self.at += 1;
        }
        let quals = match (proto, dir, kind) {
            (None, None, None) => match self.last {
                // A bare value: the previous primitive's keywords.
                Some(q) => q,
                None => {
                    let raw = self.found();
                    return Err(
                        if KNOWN_UNSUPPORTED.contains(&w.as_str()) || w.contains('[') {
                            BpfError::Unsupported(raw)
                        } else if raw.parse::<IpAddr>().is_ok() {
                            BpfError::Unexpected {
                                expected: "a keyword such as host before an address",
                                found: raw,
                            }
                        } else {
                            BpfError::Unsupported(raw)
                        },
                    );
                }
            },
            (p, d, k) => Quals {
                proto: p,
                dir: d,
                // "src 10.0.0.1": a host (a net when it has a length).
                kind: k.unwrap_or(Kind::Host),
            },
        };
        let value = match self.peek() {
            Some(Tok::Word(v)) => v.clone(),
            None => return Err(BpfError::Incomplete("a value is missing")),
            _ => {
                return Err(BpfError::Unexpected {
                    expected: "a value",
                    found: self.found(),
                })
            }
        };
        self.at += 1;
        let d = quals.dir.unwrap_or(Dir::SrcOrDst);
        let kind = if kind.is_none() && quals.kind == Kind::Host && value.contains('/') {
            Kind::Net
        } else {
            quals.kind
        };
        let prim = match kind {
            Kind::Host => Prim::Host(
                d,
                value
                    .parse()
                    .map_err(|_| BpfError::BadAddress(value.clone()))?,
            ),
            Kind::Net => Prim::Net(
                d,
                value
                    .parse::<IpNet>()
                    .map_err(|_| BpfError::BadNet(value.clone()))?
                    .trunc(),
            ),
            Kind::Port => {
                let p = port(&value)?;
                Prim::Port(d, None, p, p)
            }
            Kind::PortRange => {
                let (a, b) = value
                    .split_once('-')
                    .ok_or_else(|| BpfError::BadRange(value.clone()))?;
                let (a, b) = (port(a)?, port(b)?);
                Prim::Port(d, None, a.min(b), a.max(b))
            }
        };
        self.last = Some(Quals {
            kind: quals.kind,
            ..quals
        });
        Ok(match (quals.proto, prim) {
            (None, p) => Expr::Prim(p),
            (Some(pr @ (Proto::Tcp | Proto::Udp)), Prim::Port(d, _, a, b)) => {
                Expr::Prim(Prim::Port(d, Some(pr), a, b))
            }
            (
                Some(pr @ (Proto::Ip | Proto::Ip6 | Proto::Arp)),
                p @ (Prim::Host(..) | Prim::Net(..)),
            ) => Expr::And(
                Box::new(Expr::Prim(Prim::Proto(pr))),
                Box::new(Expr::Prim(p)),
            ),
            (Some(pr), _) => {
                return Err(BpfError::BadCombination(
                    format!("{pr:?}").to_ascii_lowercase(),
                    format!("{kind:?}").to_ascii_lowercase(),
                ))
            }
        })
    }
}

fn port(s: &str) -> Result<u16, BpfError> {
    s.trim()
        .parse::<u16>()
        .map_err(|_| BpfError::BadPort(s.to_string()))
}

/// Parse a filter of the subset.
pub fn parse(filter: &str) -> Result<Expr, BpfError> {
    if filter.len() > MAX_LEN {
        return Err(BpfError::TooLong);
    }
    let toks = tokens(filter)?;
    if toks.is_empty() {
        return Err(BpfError::Empty);
    }
    let mut p = Parser {
        toks,
        at: 0,
        terms: 0,
        last: None,
    };
    let e = p.expr(0)?;
    if p.at < p.toks.len() {
        return Err(BpfError::Unexpected {
            expected: "and, or or the end",
            found: p.found(),
        });
    }
    Ok(e)
}

fn dir_match(d: Dir, src: bool, dst: bool) -> bool {
    match d {
        Dir::Src => src,
        Dir::Dst => dst,
        Dir::SrcOrDst => src || dst,
        Dir::SrcAndDst => src && dst,
    }
}

fn ip_matches(p: &Prim, ip: &IpMeta) -> bool {
    match p {
        Prim::Host(d, a) => dir_match(*d, ip.src == *a, ip.dst == *a),
        Prim::Net(d, n) => dir_match(*d, n.contains(&ip.src), n.contains(&ip.dst)),
        Prim::Port(d, proto, lo, hi) => {
            let proto_ok = match proto {
                Some(Proto::Tcp) => ip.proto == 6,
                Some(Proto::Udp) => ip.proto == 17,
                _ => true,
            };
            let r = *lo..=*hi;
            proto_ok
                && ip
                    .ports
                    .is_some_and(|(s, t)| dir_match(*d, r.contains(&s), r.contains(&t)))
        }
        Prim::Proto(pr) => match pr {
            Proto::Ip => ip.src.is_ipv4(),
            Proto::Ip6 => ip.src.is_ipv6(),
            Proto::Arp => false,
            Proto::Tcp => ip.proto == 6,
            Proto::Udp => ip.proto == 17,
            Proto::Icmp => ip.proto == 1 && ip.src.is_ipv4(),
            Proto::Icmp6 => ip.proto == 58 && ip.src.is_ipv6(),
        },
    }
}

impl Expr {
    /// Whether a packet passes the filter.
    pub fn matches(&self, m: &Meta) -> bool {
        match self {
            Expr::And(a, b) => a.matches(m) && b.matches(m),
            Expr::Or(a, b) => a.matches(m) || b.matches(m),
            Expr::Not(a) => !a.matches(m),
            Expr::Prim(p) => match m {
                Meta::Ip(ip) => ip_matches(p, ip),
                Meta::Arp { sender, target } => match p {
                    Prim::Host(d, a) => dir_match(*d, sender == a, target == a),
                    Prim::Net(d, n) => dir_match(*d, n.contains(sender), n.contains(target)),
                    Prim::Proto(Proto::Arp) => true,
                    _ => false,
                },
                Meta::Other => false,
            },
        }
    }

    /// Index keys every matching packet has (see [`crate::meta::keys`]):
    /// from the primitives every match needs (the `and`s from the top).
    pub fn required_keys(&self) -> Vec<u64> {
        let mut hosts = Vec::new();
        let mut keys = Vec::new();
        self.conjuncts(&mut hosts, &mut keys);
        hosts.sort_by_key(|h: &IpAddr| match h {
            IpAddr::V4(v) => v.octets().to_vec(),
            IpAddr::V6(v) => v.octets().to_vec(),
        });
        hosts.dedup();
        if let [a, b] = hosts.as_slice() {
            // Two distinct addresses on one packet: its two sides.
            keys.push(meta::pair_key(a, b));
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    fn conjuncts(&self, hosts: &mut Vec<IpAddr>, keys: &mut Vec<u64>) {
        match self {
            Expr::And(a, b) => {
                a.conjuncts(hosts, keys);
                b.conjuncts(hosts, keys);
            }
            Expr::Prim(Prim::Host(_, a)) => {
                hosts.push(*a);
                keys.push(meta::addr_key(a));
            }
            Expr::Prim(Prim::Port(_, _, lo, hi)) if lo == hi => keys.push(meta::port_key(*lo)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(src: &str, dst: &str, proto: u8, ports: Option<(u16, u16)>) -> Meta {
        Meta::Ip(IpMeta {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto,
            ports,
        })
    }

    fn m(filter: &str, p: &Meta) -> bool {
        parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches(p)
    }

    #[test]
    fn accepted_filters_match_as_tcpdump_does() {
        let web = ip("10.0.0.1", "93.184.216.34", 6, Some((51000, 443)));
        let dns6 = ip("2001:db8::1", "2001:db8::53", 17, Some((5353, 53)));
        let ping = ip("10.0.0.1", "10.0.0.9", 1, None);
        for f in [
            "host 10.0.0.1",
            "src host 10.0.0.1",
            "dst host 93.184.216.34",
            "host 10.0.0.1 and host 93.184.216.34 and port 443",
            "tcp",
            "ip",
            "tcp port 443",
            "tcp dst port 443",
            "src port 51000",
            "net 10.0.0.0/8",
            "src net 10.0.0.0/24",
            "dst net 93.184.0.0/16",
            "portrange 400-500",
            "not udp",
            "!udp && (port 443 || port 80)",
            "host 10.9.9.9 or 10.0.0.1",
            "src or dst host 93.184.216.34",
            "ip host 10.0.0.1",
            "src 10.0.0.1",
            "src 10.0.0.0/8",
            "HOST 10.0.0.1 AND TCP",
            "(((tcp)))",
        ] {
            assert!(m(f, &web), "{f} should match");
        }
        for f in [
            "udp",
            "ip6",
            "dst host 10.0.0.1",
            "src and dst net 10.0.0.0/8",
            "udp port 443",
            "port 80",
            "icmp",
            "not tcp",
            "host 10.0.0.1 and port 80",
            "net 192.168.0.0/16",
            "portrange 1-442",
            "arp",
        ] {
            assert!(!m(f, &web), "{f} should not match");
        }
        assert!(m("ip6 and udp port 53", &dns6));
        assert!(m("host 2001:db8::53", &dns6));
        assert!(m("net 2001:db8::/32", &dns6));
        assert!(!m("ip", &dns6));
        assert!(m("icmp and src and dst net 10.0.0.0/8", &ping));
        assert!(!m("port 0", &ping));
        // libpcap: and/or have one precedence, left to right.
        assert!(!m("udp or tcp and port 80", &web));
        assert!(m("udp or (tcp and port 443)", &web));
        let arp = Meta::Arp {
            sender: "10.0.0.1".parse().unwrap(),
            target: "10.0.0.254".parse().unwrap(),
        };
        assert!(m("arp and host 10.0.0.254", &arp));
        assert!(m("host 10.0.0.1", &arp));
        assert!(!m("tcp", &arp));
        assert!(!m("host 10.0.0.1", &Meta::Other));
        assert!(m("not host 10.0.0.1", &Meta::Other));
    }

    #[test]
    fn refused_filters_say_why() {
        type Check = fn(&BpfError) -> bool;
        let cases: [(&str, Check); 16] = [
            ("", |e| *e == BpfError::Empty),
            ("   ", |e| *e == BpfError::Empty),
            (
                "vlan 10",
                |e| matches!(e, BpfError::Unsupported(w) if w == "vlan"),
            ),
            ("tcp[13] & 2 != 0", |e| {
                matches!(e, BpfError::Unsupported(_))
            }),
            (
                "ether host 00:11:22:33:44:55",
                |e| matches!(e, BpfError::Unsupported(w) if w == "ether"),
            ),
            ("host example.com", |e| matches!(e, BpfError::BadAddress(_))),
            ("port http", |e| matches!(e, BpfError::BadPort(_))),
            ("port 70000", |e| matches!(e, BpfError::BadPort(_))),
            ("net 10.0.0.1", |e| matches!(e, BpfError::BadNet(_))),
            ("portrange 80", |e| matches!(e, BpfError::BadRange(_))),
            ("host", |e| matches!(e, BpfError::Incomplete(_))),
            ("(tcp", |e| matches!(e, BpfError::Unexpected { .. })),
            ("tcp)", |e| matches!(e, BpfError::Unexpected { .. })),
            ("tcp and", |e| matches!(e, BpfError::Incomplete(_))),
            ("tcp host 10.0.0.1", |e| {
                matches!(e, BpfError::BadCombination(..))
            }),
            ("10.0.0.1", |e| matches!(e, BpfError::Unexpected { .. })),
        ];
        for (f, ok) in cases {
            let e = parse(f).expect_err(f);
            assert!(ok(&e), "{f}: {e:?}");
        }
        assert_eq!(parse(&"(".repeat(100)), Err(BpfError::TooDeep));
        assert_eq!(
            parse("tcp or ".repeat(300).trim_end_matches(" or ")),
            Err(BpfError::TooManyTerms)
        );
        assert_eq!(parse(&" ".repeat(MAX_LEN + 1)), Err(BpfError::TooLong));
        assert!(matches!(parse("a | b"), Err(BpfError::Unsupported(_))));
    }

    #[test]
    fn required_keys_come_from_the_conjunction_only() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let mut want = vec![
            meta::addr_key(&a),
            meta::addr_key(&b),
            meta::pair_key(&a, &b),
            meta::port_key(80),
        ];
        want.sort_unstable();
        assert_eq!(
            parse("host 10.0.0.1 and host 10.0.0.2 and tcp port 80")
                .unwrap()
                .required_keys(),
            want
        );
        assert_eq!(
            parse("host 10.0.0.1 or host 10.0.0.2")
                .unwrap()
                .required_keys(),
            Vec::<u64>::new()
        );
        assert_eq!(
            parse("not host 10.0.0.1").unwrap().required_keys(),
            Vec::<u64>::new()
        );
        assert_eq!(
            parse("portrange 1-5 and tcp").unwrap().required_keys(),
            Vec::<u64>::new()
        );
    }
}
