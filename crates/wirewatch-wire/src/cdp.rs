//! Cisco Discovery Protocol: the announcement a Cisco device (switch, router,
//! access point, phone) sends to its neighbours over 802.3 with LLC/SNAP
//! (OUI 00:00:0c, protocol 0x2000). Only what names a device is kept: its
//! Device ID, platform and the IPv4 addresses it announces.

use std::net::Ipv4Addr;

/// One CDP announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cdp {
    /// Device ID TLV (a host name, or a serial number on some devices).
    pub device_id: String,
    /// Platform TLV (`cisco AIR-CAP2602I-Q-K9`), if sent.
    pub platform: Option<String>,
    /// IPv4 addresses from the Addresses TLV.
    pub addresses: Vec<Ipv4Addr>,
}

const TLV_DEVICE_ID: u16 = 0x0001;
const TLV_ADDRESSES: u16 = 0x0002;
const TLV_PLATFORM: u16 = 0x0006;
/// Longest text kept from a TLV (Device IDs are host names; anything longer is noise).
const MAX_TEXT: usize = 255;
/// Most addresses read from one Addresses TLV.
const MAX_ADDRESSES: usize = 16;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn text(v: &[u8]) -> Option<String> {
    let v = &v[..v.len().min(MAX_TEXT)];
    let s: String = String::from_utf8_lossy(v)
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn addresses(v: &[u8]) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let Some(n) = v
        .get(0..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return out;
    };
    let mut at = 4;
    for _ in 0..n.min(MAX_ADDRESSES as u32) {
        // Protocol type (1 = NLPID), protocol length, protocol, address length, address.
        let (Some(&ptype), Some(&plen)) = (v.get(at), v.get(at + 1)) else {
            break;
        };
        let plen = usize::from(plen);
        let proto = v.get(at + 2..at + 2 + plen);
        let Some(alen) = u16_at(v, at + 2 + plen).map(usize::from) else {
            break;
        };
        let addr = v.get(at + 4 + plen..at + 4 + plen + alen);
        if let (1, Some([0xcc]), Some(&[a, b, c, d])) = (ptype, proto, addr) {
            out.push(Ipv4Addr::new(a, b, c, d));
        }
        at += 4 + plen + alen;
    }
    out
}

/// Parse the payload of an 802.3 frame (from its LLC header); `None` when it
/// is not a CDP announcement with a Device ID.
pub fn parse(llc: &[u8]) -> Option<Cdp> {
    // LLC: DSAP 0xaa, SSAP 0xaa, control 0x03 (UI); SNAP: OUI 00:00:0c, PID 0x2000.
    if llc.get(0..8)? != [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00] {
        return None;
    }
    let cdp = &llc[8..];
    // Version (1 or 2), TTL, checksum; then type-length-value fields.
    if !matches!(cdp.first()?, 1 | 2) {
        return None;
    }
    let mut at = 4;
    let (mut device_id, mut platform, mut addrs) = (None, None, Vec::new());
    while let (Some(t), Some(len)) = (u16_at(cdp, at), u16_at(cdp, at + 2)) {
        let len = usize::from(len);
        if len < 4 {
            break;
        }
        let Some(v) = cdp.get(at + 4..at + len) else {
            break;
        };
        match t {
            TLV_DEVICE_ID => device_id = text(v),
            TLV_PLATFORM => platform = text(v),
            TLV_ADDRESSES => addrs = addresses(v),
            _ => {}
        }
        at += len;
    }
    Some(Cdp {
        device_id: device_id?,
        platform,
        addresses: addrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(t: u16, v: &[u8]) -> Vec<u8> {
        let mut out = t.to_be_bytes().to_vec();
        out.extend_from_slice(&((v.len() + 4) as u16).to_be_bytes());
        out.extend_from_slice(v);
        out
    }

    fn frame(tlvs: &[Vec<u8>]) -> Vec<u8> {
        let mut f = vec![0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00, 2, 180, 0, 0];
        for t in tlvs {
            f.extend_from_slice(t);
        }
        f
    }

    #[test]
    fn device_id_platform_and_addresses() {
        let mut addrs = 2u32.to_be_bytes().to_vec();
        addrs.extend_from_slice(&[1, 1, 0xcc, 0, 4, 192, 168, 10, 10]);
        // An IPv6 address (802.2 protocol type) is skipped.
        addrs.extend_from_slice(&[2, 8, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd, 0, 16]);
        addrs.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let f = frame(&[
            tlv(TLV_DEVICE_ID, b"sw-core-1"),
            tlv(TLV_ADDRESSES, &addrs),
            tlv(0x0003, b"GigabitEthernet0/1"),
            tlv(TLV_PLATFORM, b"cisco WS-C2960"),
        ]);
        let c = parse(&f).unwrap();
        assert_eq!(c.device_id, "sw-core-1");
        assert_eq!(c.platform.as_deref(), Some("cisco WS-C2960"));
        assert_eq!(c.addresses, vec![Ipv4Addr::new(192, 168, 10, 10)]);
    }

    #[test]
    fn other_llc_frames_and_damage_are_not_cdp() {
        // Spanning tree (LLC 0x42 0x42).
        assert_eq!(parse(&[0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0]), None);
        // No Device ID.
        assert_eq!(parse(&frame(&[tlv(TLV_PLATFORM, b"x")])), None);
        // A TLV longer than the frame: what came before it is kept.
        let mut f = frame(&[tlv(TLV_DEVICE_ID, b"ap-1")]);
        f.extend_from_slice(&[0, 6, 0xff, 0xff, 1]);
        assert_eq!(parse(&f).unwrap().device_id, "ap-1");
        // Every truncation of a valid frame parses or is refused, never panics.
        let full = frame(&[
            tlv(TLV_DEVICE_ID, b"ap-1"),
            tlv(TLV_ADDRESSES, &[0, 0, 0, 9, 1, 1]),
        ]);
        for n in 0..full.len() {
            let _ = parse(&full[..n]);
        }
    }
}
