//! Header decoding tests: hand-built frames, and no panic on any input.

use super::*;

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 1, 2, 3, 4, 5, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut p = vec![
        0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

fn udp(sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    u
}

#[test]
fn ethernet_vlan_ipv4_udp() {
    let mut tagged = vec![
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xa8, 0, 100, 0x81, 0x00, 0, 200, 0x08, 0x00,
    ];
    tagged.extend(ipv4(17, &udp(5353, 53, b"abc")));
    let f = decode(Link::Ethernet, &tagged).unwrap();
    assert_eq!(f.vlan, Some(100));
    let Net::Ip(ip) = f.net else { panic!() };
    assert_eq!(ip.src, "10.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(ip.len, 31);
    let Transport::Udp {
        sport,
        dport,
        payload,
        ..
    } = transport(ip.proto, ip.payload, ip.payload_len).unwrap()
    else {
        panic!()
    };
    assert_eq!((sport, dport, payload), (5353, 53, &b"abc"[..]));
}

#[test]
fn gre_and_ipip_tunnels_are_followed() {
    let inner = ipv4(17, &udp(1, 2, b""));
    let mut gre = vec![0, 0, 0x08, 0x00];
    gre.extend_from_slice(&inner);
    let frame = eth(0x0800, &ipv4(47, &gre));
    let f = decode(Link::Ethernet, &frame).unwrap();
    let Net::Ip(ip) = f.net else { panic!() };
    assert_eq!((ip.proto, ip.tunnel_depth), (17, 1));
    let frame = eth(0x0800, &ipv4(4, &inner));
    let f = decode(Link::Ethernet, &frame).unwrap();
    let Net::Ip(ip) = f.net else { panic!() };
    assert_eq!((ip.proto, ip.tunnel_depth), (17, 1));
    // A tunnel inside itself, five deep, is refused.
    let mut p = inner.clone();
    for _ in 0..5 {
        p = ipv4(4, &p);
    }
    assert_eq!(decode(Link::Raw, &p).unwrap_err(), Malformed::TunnelTooDeep);
}

#[test]
fn ipv6_fragment_header() {
    let mut p = vec![0x60, 0, 0, 0, 0, 16, 44, 64];
    p.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    p.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    // Fragment header: next UDP, offset 0, more fragments, id 7.
    p.extend_from_slice(&[17, 0, 0, 1, 0, 0, 0, 7]);
    p.extend_from_slice(&[0; 8]);
    let f = decode(Link::Raw, &p).unwrap();
    let Net::Ip(ip) = f.net else { panic!() };
    assert_eq!(ip.proto, 17);
    assert_eq!(
        ip.frag,
        Some(Fragment {
            id: 7,
            offset: 0,
            more: true
        })
    );
    assert_eq!(ip.payload.len(), 8);
}

#[test]
fn arp_and_truncation() {
    let mut a = vec![
        0, 1, 8, 0, 6, 4, 0, 1, 1, 2, 3, 4, 5, 6, 192, 168, 0, 1, 0, 0, 0, 0, 0, 0, 192, 168, 0, 2,
    ];
    let frame = eth(0x0806, &a);
    let f = decode(Link::Ethernet, &frame).unwrap();
    assert!(matches!(f.net, Net::Arp(Arp { op: 1, .. })));
    a.truncate(20);
    assert_eq!(
        decode(Link::Ethernet, &eth(0x0806, &a)).unwrap_err(),
        Malformed::TruncatedArp
    );
    let full = eth(0x0800, &ipv4(6, &[0; 20]));
    for cut in 0..full.len() {
        let _ = decode(Link::Ethernet, &full[..cut]);
    }
    assert_eq!(
        decode(Link::Ethernet, &full[..20]).unwrap_err(),
        Malformed::TruncatedIpv4
    );
}

#[test]
fn no_panic_on_random_input() {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let seed = eth(
        0x0800,
        &ipv4(
            47,
            &[
                0, 0, 0x65, 0x58, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd,
            ],
        ),
    );
    for i in 0..200_000 {
        let len = (next() % 120) as usize;
        let mut buf: Vec<u8> = if i % 2 == 0 {
            (0..len).map(|_| next() as u8).collect()
        } else {
            seed.clone()
        };
        if i % 2 == 1 {
            for _ in 0..(next() % 6) {
                let at = (next() as usize) % buf.len();
                buf[at] = next() as u8;
            }
        }
        for link in [
            Link::Ethernet,
            Link::Raw,
            Link::LinuxSll,
            Link::LinuxSll2,
            Link::Null,
            Link::Loop,
        ] {
            if let Ok(Frame {
                net: Net::Ip(ip), ..
            }) = decode(link, &buf)
            {
                let _ = transport(ip.proto, ip.payload, ip.payload_len);
            }
        }
    }
}
