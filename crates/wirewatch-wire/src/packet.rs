//! Link, network and transport headers: Ethernet (802.1Q/QinQ), Linux SLL,
//! BSD null/loopback, raw IP; ARP; IPv4 and IPv6 (extension headers,
//! fragment header); GRE and IP-in-IP tunnels; TCP, UDP, ICMP and ICMPv6.
//!
//! `decode` never panics: every read is bounds-checked, and what cannot be
//! decoded is a [`Malformed`] reason the caller counts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Deepest tunnel nesting followed (GRE, IP-in-IP): a crafted packet could nest forever.
pub const MAX_TUNNEL_DEPTH: u8 = 4;
/// Most IPv6 extension headers walked before giving up (RFC 8200 expects a handful).
pub const MAX_IPV6_EXTENSIONS: usize = 8;
/// Most VLAN tags followed (QinQ is two; more is unusual but seen in carrier captures).
pub const MAX_VLAN_TAGS: usize = 4;

/// Why a packet could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
pub enum Malformed {
    #[error("unsupported link type")]
    UnsupportedLink,
    #[error("truncated link header")]
    TruncatedLink,
    #[error("too many VLAN tags")]
    TooManyVlans,
    #[error("truncated ARP")]
    TruncatedArp,
    #[error("truncated IPv4 header")]
    TruncatedIpv4,
    #[error("bad IPv4 header")]
    BadIpv4Header,
    #[error("IPv4 total length beyond the captured packet")]
    Ipv4LengthMismatch,
    #[error("truncated IPv6 header")]
    TruncatedIpv6,
    #[error("IPv6 payload length beyond the captured packet")]
    Ipv6LengthMismatch,
    #[error("bad IPv6 extension header")]
    BadIpv6Extension,
    #[error("bad IP version")]
    BadIpVersion,
    #[error("truncated TCP header")]
    TruncatedTcp,
    #[error("bad TCP data offset")]
    BadTcpHeader,
    #[error("truncated UDP header")]
    TruncatedUdp,
    #[error("truncated ICMP header")]
    TruncatedIcmp,
    #[error("truncated GRE header")]
    TruncatedGre,
    #[error("unsupported GRE version or protocol")]
    UnsupportedGre,
    #[error("tunnels nested too deeply")]
    TunnelTooDeep,
}

impl Malformed {
    /// A stable snake_case name for counters.
    pub fn name(self) -> &'static str {
        match self {
            Malformed::UnsupportedLink => "unsupported_link",
            Malformed::TruncatedLink => "truncated_link",
            Malformed::TooManyVlans => "too_many_vlans",
            Malformed::TruncatedArp => "truncated_arp",
            Malformed::TruncatedIpv4 => "truncated_ipv4",
            Malformed::BadIpv4Header => "bad_ipv4_header",
            Malformed::Ipv4LengthMismatch => "ipv4_length_mismatch",
            Malformed::TruncatedIpv6 => "truncated_ipv6",
            Malformed::Ipv6LengthMismatch => "ipv6_length_mismatch",
            Malformed::BadIpv6Extension => "bad_ipv6_extension",
            Malformed::BadIpVersion => "bad_ip_version",
            Malformed::TruncatedTcp => "truncated_tcp",
            Malformed::BadTcpHeader => "bad_tcp_header",
            Malformed::TruncatedUdp => "truncated_udp",
            Malformed::TruncatedIcmp => "truncated_icmp",
            Malformed::TruncatedGre => "truncated_gre",
            Malformed::UnsupportedGre => "unsupported_gre",
            Malformed::TunnelTooDeep => "tunnel_too_deep",
        }
    }
}

/// Link-layer framing of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Ethernet,
    /// Raw IP, version from the first nibble.
    Raw,
    LinuxSll,
    LinuxSll2,
    /// BSD loopback: 4-byte address family in host order.
    Null,
    /// OpenBSD loopback: 4-byte address family in network order.
    Loop,
}

impl Link {
    /// The link type of a pcap/pcapng `LINKTYPE_*` value.
    pub fn from_linktype(t: u32) -> Option<Link> {
        Some(match t {
            1 => Link::Ethernet,
            101 | 12 | 14 | 228 | 229 => Link::Raw,
            113 => Link::LinuxSll,
            276 => Link::LinuxSll2,
            0 => Link::Null,
            108 => Link::Loop,
            _ => return None,
        })
    }
}

/// An ARP packet (Ethernet/IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sender_mac: [u8; 6],
    pub sender_ip: Ipv4Addr,
    pub target_mac: [u8; 6],
    pub target_ip: Ipv4Addr,
}

/// An IP fragment's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    pub id: u32,
    /// Offset of this fragment's data in bytes.
    pub offset: u32,
    pub more: bool,
}

/// The innermost IP packet of a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ip<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Transport protocol (after IPv6 extension headers).
    pub proto: u8,
    pub ttl: u8,
    /// IP length on the wire (header and payload), as the header states it.
    pub len: u32,
    pub frag: Option<Fragment>,
    /// The transport bytes captured (may be shorter than on the wire).
    pub payload: &'a [u8],
    /// Transport bytes on the wire.
    pub payload_len: u32,
    /// Number of tunnel layers (GRE, IP-in-IP) this packet was found inside.
    pub tunnel_depth: u8,
    /// The outermost IP endpoints when tunnelled.
    pub outer: Option<(IpAddr, IpAddr)>,
}

/// What the network layer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Net<'a> {
    Ip(Ip<'a>),
    Arp(Arp),
    /// A Cisco Discovery Protocol announcement (802.3 with LLC/SNAP).
    Cdp(crate::cdp::Cdp),
    /// Another ethertype (LLDP, STP, …), or the length of another 802.3 frame.
    Other(u16),
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    pub src_mac: Option<[u8; 6]>,
    pub dst_mac: Option<[u8; 6]>,
    /// Outermost VLAN id, if tagged.
    pub vlan: Option<u16>,
    pub net: Net<'a>,
}

/// What a packet store indexes and its filters read of a frame: the
/// innermost IP header's addresses and protocol with the TCP/UDP/SCTP ports
/// (first fragments only), or an ARP packet's addresses. Small and `Copy`:
/// the sensor hands it on with each packet it decodes, so the packet store
/// does not decode the packet a second time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    Ip(IpMeta),
    /// ARP (IPv4): sender and target protocol addresses.
    Arp {
        sender: IpAddr,
        target: IpAddr,
    },
    /// Anything else (other ethertypes, undecodable frames).
    Other,
}

/// The IP layer of a packet (the innermost one when tunnelled: what the
/// sensor analyses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpMeta {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    /// TCP, UDP or SCTP ports (source, destination) of an unfragmented
    /// packet or a first fragment.
    pub ports: Option<(u16, u16)>,
}

impl Frame<'_> {
    /// The frame's [`Meta`].
    pub fn meta(&self) -> Meta {
        match &self.net {
            Net::Ip(ip) => {
                let first = ip.frag.is_none_or(|f| f.offset == 0);
                let ports = match (ip.proto, first, ip.payload) {
                    (6 | 17 | 132, true, [a, b, c, d, ..]) => {
                        Some((u16::from_be_bytes([*a, *b]), u16::from_be_bytes([*c, *d])))
                    }
                    _ => None,
                };
                Meta::Ip(IpMeta {
                    src: ip.src,
                    dst: ip.dst,
                    proto: ip.proto,
                    ports,
                })
            }
            Net::Arp(a) => Meta::Arp {
                sender: IpAddr::V4(a.sender_ip),
                target: IpAddr::V4(a.target_ip),
            },
            _ => Meta::Other,
        }
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

fn mac(b: &[u8], at: usize) -> Option<[u8; 6]> {
    b.get(at..at + 6)?.try_into().ok()
}

const ETH_IPV4: u16 = 0x0800;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV6: u16 = 0x86DD;
const ETH_VLAN: u16 = 0x8100;
const ETH_QINQ: u16 = 0x88A8;
const ETH_QINQ_OLD: u16 = 0x9100;
const ETH_TEB: u16 = 0x6558;

/// Decode one captured frame.
pub fn decode(link: Link, data: &[u8]) -> Result<Frame<'_>, Malformed> {
    match link {
        Link::Ethernet => ethernet(data, 0),
        Link::Raw => Ok(Frame {
            src_mac: None,
            dst_mac: None,
            vlan: None,
            net: Net::Ip(ip_any(data, 0, None)?),
        }),
        Link::LinuxSll => {
            let proto = be16(data, 14).ok_or(Malformed::TruncatedLink)?;
            let src = (be16(data, 4) == Some(6)).then(|| mac(data, 6)).flatten();
            l3(
                proto,
                data.get(16..).ok_or(Malformed::TruncatedLink)?,
                src,
                None,
                None,
                0,
            )
        }
        Link::LinuxSll2 => {
            let proto = be16(data, 0).ok_or(Malformed::TruncatedLink)?;
            let src = (data.get(11) == Some(&6)).then(|| mac(data, 12)).flatten();
            l3(
                proto,
                data.get(20..).ok_or(Malformed::TruncatedLink)?,
                src,
                None,
                None,
                0,
            )
        }
        Link::Null | Link::Loop => {
            let raw: [u8; 4] = data
                .get(0..4)
                .and_then(|s| s.try_into().ok())
                .ok_or(Malformed::TruncatedLink)?;
            let family = if link == Link::Loop {
                u32::from_be_bytes(raw)
            } else {
                // Host order of the capturing machine: accept either.
                let le = u32::from_le_bytes(raw);
                if le < 256 {
                    le
                } else {
                    u32::from_be_bytes(raw)
                }
            };
            let proto = match family {
                2 => ETH_IPV4,
                24 | 28 | 30 => ETH_IPV6,
                _ => return Err(Malformed::UnsupportedLink),
            };
            l3(proto, &data[4..], None, None, None, 0)
        }
    }
}

fn ethernet(data: &[u8], depth: u8) -> Result<Frame<'_>, Malformed> {
    let dst = mac(data, 0).ok_or(Malformed::TruncatedLink)?;
    let src = mac(data, 6).ok_or(Malformed::TruncatedLink)?;
    let mut ethertype = be16(data, 12).ok_or(Malformed::TruncatedLink)?;
    let mut at = 14;
    let mut vlan = None;
    let mut tags = 0;
    while matches!(ethertype, ETH_VLAN | ETH_QINQ | ETH_QINQ_OLD) {
        tags += 1;
        if tags > MAX_VLAN_TAGS {
            return Err(Malformed::TooManyVlans);
        }
        let tci = be16(data, at).ok_or(Malformed::TruncatedLink)?;
        vlan.get_or_insert(tci & 0x0fff);
        ethertype = be16(data, at + 2).ok_or(Malformed::TruncatedLink)?;
        at += 4;
    }
    let rest = data.get(at..).ok_or(Malformed::TruncatedLink)?;
    l3(ethertype, rest, Some(src), Some(dst), vlan, depth)
}

fn l3<'a>(
    ethertype: u16,
    data: &'a [u8],
    src_mac: Option<[u8; 6]>,
    dst_mac: Option<[u8; 6]>,
    vlan: Option<u16>,
    depth: u8,
) -> Result<Frame<'a>, Malformed> {
    let net = match ethertype {
        ETH_IPV4 | ETH_IPV6 => Net::Ip(ip_any(data, depth, None)?),
        ETH_ARP => Net::Arp(arp(data)?),
        // An 802.3 length field rather than an ethertype: LLC follows.
        len if len <= 1500 => match crate::cdp::parse(data) {
            Some(c) => Net::Cdp(c),
            None => Net::Other(len),
        },
        other => Net::Other(other),
    };
    Ok(Frame {
        src_mac,
        dst_mac,
        vlan,
        net,
    })
}

fn arp(d: &[u8]) -> Result<Arp, Malformed> {
    // Ethernet hardware (1), IPv4 protocol, 6- and 4-byte addresses.
    if be16(d, 0) != Some(1)
        || be16(d, 2) != Some(ETH_IPV4)
        || d.get(4) != Some(&6)
        || d.get(5) != Some(&4)
    {
        return Err(Malformed::TruncatedArp);
    }
    let ip = |at: usize| -> Option<Ipv4Addr> { Some(Ipv4Addr::from(be32(d, at)?)) };
    (|| {
        Some(Arp {
            op: be16(d, 6)?,
            sender_mac: mac(d, 8)?,
            sender_ip: ip(14)?,
            target_mac: mac(d, 18)?,
            target_ip: ip(24)?,
        })
    })()
    .ok_or(Malformed::TruncatedArp)
}

fn ip_any(data: &[u8], depth: u8, outer: Option<(IpAddr, IpAddr)>) -> Result<Ip<'_>, Malformed> {
    match data.first().map(|b| b >> 4) {
        Some(4) => ipv4(data, depth, outer),
        Some(6) => ipv6(data, depth, outer),
        Some(_) => Err(Malformed::BadIpVersion),
        None => Err(Malformed::TruncatedIpv4),
    }
}

fn ipv4(d: &[u8], depth: u8, outer: Option<(IpAddr, IpAddr)>) -> Result<Ip<'_>, Malformed> {
    if d.len() < 20 {
        return Err(Malformed::TruncatedIpv4);
    }
    let ihl = usize::from(d[0] & 0x0f) * 4;
    if ihl < 20 {
        return Err(Malformed::BadIpv4Header);
    }
    if d.len() < ihl {
        return Err(Malformed::TruncatedIpv4);
    }
    let total = usize::from(be16(d, 2).ok_or(Malformed::TruncatedIpv4)?);
    if total < ihl {
        return Err(Malformed::BadIpv4Header);
    }
    let flags_frag = be16(d, 6).ok_or(Malformed::TruncatedIpv4)?;
    let more = flags_frag & 0x2000 != 0;
    let offset = u32::from(flags_frag & 0x1fff) * 8;
    let src = IpAddr::V4(Ipv4Addr::new(d[12], d[13], d[14], d[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(d[16], d[17], d[18], d[19]));
    let end = total.min(d.len());
    let payload = d.get(ihl..end).unwrap_or_default();
    let ip = Ip {
        src,
        dst,
        proto: d[9],
        ttl: d[8],
        len: total as u32,
        frag: (more || offset > 0).then_some(Fragment {
            id: u32::from(be16(d, 4).unwrap_or(0)),
            offset,
            more,
        }),
        payload,
        payload_len: (total - ihl) as u32,
        tunnel_depth: depth,
        outer,
    };
    tunnel(ip)
}

fn ipv6(d: &[u8], depth: u8, outer: Option<(IpAddr, IpAddr)>) -> Result<Ip<'_>, Malformed> {
    if d.len() < 40 {
        return Err(Malformed::TruncatedIpv6);
    }
    let plen = usize::from(be16(d, 4).ok_or(Malformed::TruncatedIpv6)?);
    let mut next = d[6];
    let ttl = d[7];
    let addr = |at: usize| -> IpAddr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&d[at..at + 16]);
        IpAddr::V6(Ipv6Addr::from(a))
    };
    let (src, dst) = (addr(8), addr(24));
    let end = (40 + plen).min(d.len());
    let mut at = 40;
    let mut frag = None;
    for _ in 0..MAX_IPV6_EXTENSIONS {
        match next {
            // Hop-by-hop, routing, destination options, mobility.
            0 | 43 | 60 | 135 => {
                let n = *d.get(at).ok_or(Malformed::BadIpv6Extension)?;
                let len = (usize::from(*d.get(at + 1).ok_or(Malformed::BadIpv6Extension)?) + 1) * 8;
                next = n;
                at += len;
            }
            44 => {
                let n = *d.get(at).ok_or(Malformed::BadIpv6Extension)?;
                let off = be16(d, at + 2).ok_or(Malformed::BadIpv6Extension)?;
                let id = be32(d, at + 4).ok_or(Malformed::BadIpv6Extension)?;
                frag = Some(Fragment {
                    id,
                    offset: u32::from(off >> 3) * 8,
                    more: off & 1 != 0,
                });
                next = n;
                at += 8;
            }
            // Authentication header: length in 4-byte units minus 2.
            51 => {
                let n = *d.get(at).ok_or(Malformed::BadIpv6Extension)?;
                let len = (usize::from(*d.get(at + 1).ok_or(Malformed::BadIpv6Extension)?) + 2) * 4;
                next = n;
                at += len;
            }
            _ => break,
        }
        // Fragments after the first carry no further headers.
        if frag.is_some_and(|f| f.offset > 0) {
            break;
        }
    }
    if at > 40 + plen {
        return Err(Malformed::BadIpv6Extension);
    }
    let payload = d.get(at..end).unwrap_or_default();
    let frag = frag.filter(|f| f.more || f.offset > 0);
    let ip = Ip {
        src,
        dst,
        proto: next,
        ttl,
        len: (40 + plen) as u32,
        frag,
        payload,
        payload_len: (40 + plen - at) as u32,
        tunnel_depth: depth,
        outer,
    };
    tunnel(ip)
}

/// Follow IP-in-IP and GRE encapsulation of an unfragmented packet.
fn tunnel(ip: Ip<'_>) -> Result<Ip<'_>, Malformed> {
    if ip.frag.is_some() || !matches!(ip.proto, 4 | 41 | 47) {
        return Ok(ip);
    }
    if ip.tunnel_depth >= MAX_TUNNEL_DEPTH {
        return Err(Malformed::TunnelTooDeep);
    }
    let depth = ip.tunnel_depth + 1;
    let outer = Some(ip.outer.unwrap_or((ip.src, ip.dst)));
    match ip.proto {
        4 | 41 => ip_any(ip.payload, depth, outer),
        _ => {
            let p = ip.payload;
            let flags = be16(p, 0).ok_or(Malformed::TruncatedGre)?;
            let proto = be16(p, 2).ok_or(Malformed::TruncatedGre)?;
            if flags & 0x7 != 0 {
                // GRE version 1 (PPTP) carries PPP, not followed here.
                return Err(Malformed::UnsupportedGre);
            }
            let mut at = 4;
            if flags & 0x8000 != 0 {
                at += 4; // checksum + reserved
            }
            if flags & 0x2000 != 0 {
                at += 4; // key
            }
            if flags & 0x1000 != 0 {
                at += 4; // sequence number
            }
            let inner = p.get(at..).ok_or(Malformed::TruncatedGre)?;
            match proto {
                ETH_IPV4 | ETH_IPV6 => ip_any(inner, depth, outer),
                ETH_TEB => match ethernet(inner, depth)?.net {
                    Net::Ip(mut i) => {
                        i.outer = outer;
                        Ok(i)
                    }
                    _ => Err(Malformed::UnsupportedGre),
                },
                _ => Err(Malformed::UnsupportedGre),
            }
        }
    }
}

/// TCP flag bits.
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

/// A TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tcp<'a> {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// Captured payload.
    pub payload: &'a [u8],
    /// Payload length on the wire.
    pub payload_len: u32,
}

/// The transport layer of an IP packet (or of a reassembled datagram).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp(Tcp<'a>),
    Udp {
        sport: u16,
        dport: u16,
        payload: &'a [u8],
        payload_len: u32,
    },
    Icmp {
        v6: bool,
        kind: u8,
        code: u8,
    },
    Other,
}

/// Decode the transport header. `wire_len` is the transport length on the wire.
pub fn transport(proto: u8, d: &[u8], wire_len: u32) -> Result<Transport<'_>, Malformed> {
    match proto {
        6 => {
            if d.len() < 20 {
                return Err(Malformed::TruncatedTcp);
            }
            let off = usize::from(d[12] >> 4) * 4;
            if off < 20 {
                return Err(Malformed::BadTcpHeader);
            }
            if d.len() < off {
                return Err(Malformed::TruncatedTcp);
            }
            Ok(Transport::Tcp(Tcp {
                sport: be16(d, 0).unwrap_or(0),
                dport: be16(d, 2).unwrap_or(0),
                seq: be32(d, 4).unwrap_or(0),
                ack: be32(d, 8).unwrap_or(0),
                flags: d[13],
                window: be16(d, 14).unwrap_or(0),
                payload: &d[off..],
                payload_len: wire_len.saturating_sub(off as u32),
            }))
        }
        17 => {
            if d.len() < 8 {
                return Err(Malformed::TruncatedUdp);
            }
            Ok(Transport::Udp {
                sport: be16(d, 0).unwrap_or(0),
                dport: be16(d, 2).unwrap_or(0),
                payload: &d[8..],
                payload_len: wire_len.saturating_sub(8),
            })
        }
        1 | 58 => {
            if d.len() < 2 {
                return Err(Malformed::TruncatedIcmp);
            }
            Ok(Transport::Icmp {
                v6: proto == 58,
                kind: d[0],
                code: d[1],
            })
        }
        _ => Ok(Transport::Other),
    }
}

#[cfg(test)]
mod tests;
