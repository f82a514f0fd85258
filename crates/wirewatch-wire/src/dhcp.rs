//! DHCP (BOOTP with the DHCP magic cookie): client MAC, message type, host
//! name (option 12), requested and assigned addresses.

use std::net::Ipv4Addr;

/// Fixed BOOTP header length before the magic cookie.
const BOOTP_HEADER: usize = 236;
/// Most options walked (the options field is at most a few hundred bytes).
pub const MAX_OPTIONS: usize = 255;

/// Why a packet is not DHCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DhcpError {
    #[error("shorter than a BOOTP header")]
    Truncated,
    #[error("no DHCP magic cookie")]
    NoCookie,
    #[error("not an Ethernet client address")]
    NotEthernet,
}

/// What a DHCP message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dhcp {
    /// 1 request (client), 2 reply (server).
    pub op: u8,
    pub xid: u32,
    pub client_mac: [u8; 6],
    /// `yiaddr`: the address the server assigns (in offers and acks).
    pub your_ip: Ipv4Addr,
    /// Option 53 (1 discover, 2 offer, 3 request, 5 ack, 6 nak, 7 release, 8 inform).
    pub message_type: Option<u8>,
    /// Option 12.
    pub host_name: Option<String>,
    /// Option 50.
    pub requested_ip: Option<Ipv4Addr>,
    /// Option 81 (client FQDN), its domain name part.
    pub fqdn: Option<String>,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_matches(char::from(0))
        .trim()
        .to_string()
}

/// Parse a DHCP message (a UDP payload on port 67 or 68).
pub fn parse(d: &[u8]) -> Result<Dhcp, DhcpError> {
    if d.len() < BOOTP_HEADER + 4 {
        return Err(DhcpError::Truncated);
    }
    if d[BOOTP_HEADER..BOOTP_HEADER + 4] != [99, 130, 83, 99] {
        return Err(DhcpError::NoCookie);
    }
    if d[1] != 1 || d[2] != 6 {
        return Err(DhcpError::NotEthernet);
    }
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&d[28..34]);
    let mut out = Dhcp {
        op: d[0],
        xid: u32::from_be_bytes([d[4], d[5], d[6], d[7]]),
        client_mac: mac,
        your_ip: Ipv4Addr::new(d[16], d[17], d[18], d[19]),
        message_type: None,
        host_name: None,
        requested_ip: None,
        fqdn: None,
    };
    let mut at = BOOTP_HEADER + 4;
    for _ in 0..MAX_OPTIONS {
        let Some(&code) = d.get(at) else { break };
        match code {
            0 => {
                at += 1;
                continue;
            }
            255 => break,
            _ => {}
        }
        let Some(&len) = d.get(at + 1) else { break };
        let Some(v) = d.get(at + 2..at + 2 + usize::from(len)) else {
            break;
        };
        match code {
            53 if len == 1 => out.message_type = Some(v[0]),
            12 if len > 0 => out.host_name = Some(text(v)).filter(|s| !s.is_empty()),
            50 if len == 4 => out.requested_ip = Some(Ipv4Addr::new(v[0], v[1], v[2], v[3])),
            // Flags, two RCODE bytes, then the name (ASCII in the old form).
            81 if len > 3 => {
                out.fqdn = Some(text(&v[3..])).filter(|s| !s.is_empty() && s.is_ascii())
            }
            _ => {}
        }
        at += 2 + usize::from(len);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &[u8]) -> Vec<u8> {
        let mut d = vec![0u8; BOOTP_HEADER];
        d[0] = 1;
        d[1] = 1;
        d[2] = 6;
        d[28..34].copy_from_slice(&[0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79]);
        d.extend_from_slice(&[
            99,
            130,
            83,
            99,
            53,
            1,
            3,
            50,
            4,
            10,
            0,
            0,
            7,
            12,
            name.len() as u8,
        ]);
        d.extend_from_slice(name);
        d.push(255);
        d
    }

    #[test]
    fn host_name_and_request() {
        let m = parse(&request(b"MK03862")).unwrap();
        assert_eq!(m.host_name.as_deref(), Some("MK03862"));
        assert_eq!(m.message_type, Some(3));
        assert_eq!(m.requested_ip, Some(Ipv4Addr::new(10, 0, 0, 7)));
        assert_eq!(m.client_mac, [0x00, 0x1f, 0x29, 0xda, 0x2d, 0x79]);
    }

    #[test]
    fn truncation_and_garbage_never_panic() {
        let good = request(b"host");
        for cut in 0..good.len() {
            let _ = parse(&good[..cut]);
        }
        let mut x: u64 = 99;
        for _ in 0..50_000 {
            let mut b = good.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % b.len();
                b[i] = (x >> 8) as u8;
            }
            let _ = parse(&b);
        }
        assert_eq!(parse(&[0u8; 10]), Err(DhcpError::Truncated));
    }
}
