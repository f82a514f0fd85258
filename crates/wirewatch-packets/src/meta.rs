//! What the index and the filters know of a packet: its innermost IP
//! header's addresses and protocol, TCP/UDP ports (first fragments only), or
//! an ARP packet's addresses; and the key hashes the index keeps of them.

use std::net::IpAddr;
use wirewatch_wire::packet::{decode, Link};

pub use wirewatch_wire::packet::{IpMeta, Meta};

/// The link of a pcap `LINKTYPE_*` value.
pub fn link(linktype: u32) -> Option<Link> {
    Link::from_linktype(linktype)
}

/// The pcap `LINKTYPE_*` a segment states for a decoded link.
pub fn linktype(link: Link) -> u32 {
    match link {
        Link::Ethernet => 1,
        Link::Raw => 101,
        Link::LinuxSll => 113,
        Link::LinuxSll2 => 276,
        Link::Null => 0,
        Link::Loop => 108,
    }
}

/// Decode what the filters need (never panics; an undecodable packet is [`Meta::Other`]).
pub fn of(link: Option<Link>, data: &[u8]) -> Meta {
    let Some(link) = link else {
        return Meta::Other;
    };
    match decode(link, data) {
        Ok(frame) => frame.meta(),
        Err(_) => Meta::Other,
    }
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// An address as 16 bytes (IPv4 in the first 4, zeros after) and a tag
/// saying which family: hashed without allocating.
fn words(a: &IpAddr) -> (u64, u64, u64) {
    match a {
        IpAddr::V4(v) => (4, u64::from(u32::from_be_bytes(v.octets())), 0),
        IpAddr::V6(v) => {
            let b = v.octets();
            let mut hi = [0u8; 8];
            let mut lo = [0u8; 8];
            hi.copy_from_slice(&b[..8]);
            lo.copy_from_slice(&b[8..]);
            (6, u64::from_be_bytes(hi), u64::from_be_bytes(lo))
        }
    }
}

fn hash(tag: u64, words: &[u64]) -> u64 {
    let mut h = mix(0x9e37_79b9_7f4a_7c15 ^ tag);
    for w in words {
        h = mix(h ^ w);
    }
    h
}

/// The key of an address (either side of a packet).
pub fn addr_key(a: &IpAddr) -> u64 {
    let (f, x, y) = words(a);
    hash(1, &[f, x, y])
}

/// The key of a TCP/UDP port (either side).
pub fn port_key(p: u16) -> u64 {
    hash(2, &[u64::from(p)])
}

/// The key of a pair of addresses (in either direction).
pub fn pair_key(a: &IpAddr, b: &IpAddr) -> u64 {
    let (x, y) = (words(a), words(b));
    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
    hash(3, &[lo.0, lo.1, lo.2, hi.0, hi.1, hi.2])
}

/// Push the keys of a packet (addresses, their pair, ports).
pub fn keys(m: &Meta, out: &mut Vec<u64>) {
    match m {
        Meta::Ip(ip) => {
            out.push(addr_key(&ip.src));
            out.push(addr_key(&ip.dst));
            out.push(pair_key(&ip.src, &ip.dst));
            if let Some((s, d)) = ip.ports {
                out.push(port_key(s));
                out.push(port_key(d));
            }
        }
        Meta::Arp { sender, target } => {
            out.push(addr_key(sender));
            out.push(addr_key(target));
            out.push(pair_key(sender, target));
        }
        Meta::Other => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_keys_ignore_direction_and_keys_differ_by_kind() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(pair_key(&a, &b), pair_key(&b, &a));
        assert_ne!(addr_key(&a), addr_key(&b));
        assert_ne!(port_key(80), port_key(443));
        assert_ne!(addr_key(&a), pair_key(&a, &a));
    }

    #[test]
    fn decodes_a_tcp_packet_in_ethernet() {
        // Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2, TCP) + TCP 1234 -> 80.
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        f.extend_from_slice(&[
            0x04, 0xd2, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
        ]);
        let m = of(link(1), &f);
        let Meta::Ip(ip) = m else { panic!("{m:?}") };
        assert_eq!(ip.proto, 6);
        assert_eq!(ip.ports, Some((1234, 80)));
        assert_eq!(ip.dst, "10.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(of(link(1), &f[..10]), Meta::Other);
        assert_eq!(of(None, &f), Meta::Other);
    }
}
