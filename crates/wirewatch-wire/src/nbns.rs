//! NetBIOS Name Service (RFC 1002, UDP 137): the names hosts register and the
//! answers to name queries, as `(name, suffix, address)` bindings. Only unique
//! names (not groups such as workgroups) bound to an IPv4 address are kept.

use std::net::Ipv4Addr;

/// A unique NetBIOS name bound to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The name without its padding (upper case as sent).
    pub name: String,
    /// The 16th byte: 0x00 workstation, 0x20 file server, ….
    pub suffix: u8,
    pub addr: Ipv4Addr,
}

const TYPE_NB: u16 = 0x0020;
const CLASS_IN: u16 = 0x0001;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

/// Read a (possibly compressed) encoded name at `at`; the 16 decoded bytes and
/// the position after the name in the message.
fn name_at(d: &[u8], mut at: usize) -> Option<([u8; 16], usize)> {
    let mut end = None;
    let mut first = None;
    for _ in 0..16 {
        let len = *d.get(at)? as usize;
        if len & 0xC0 == 0xC0 {
            let ptr = (u16_at(d, at)? & 0x3FFF) as usize;
            end.get_or_insert(at + 2);
            at = ptr;
            continue;
        }
        if len == 0 {
            let label = first?;
            return Some((label, end.unwrap_or(at + 1)));
        }
        let label = d.get(at + 1..at + 1 + len)?;
        if first.is_none() {
            // The first label is the 32-character first-level encoding.
            if len != 32 {
                return None;
            }
            let mut out = [0u8; 16];
            for (i, pair) in label.chunks_exact(2).enumerate() {
                let hi = pair[0].checked_sub(b'A').filter(|v| *v < 16)?;
                let lo = pair[1].checked_sub(b'A').filter(|v| *v < 16)?;
                out[i] = hi << 4 | lo;
            }
            first = Some(out);
        }
        at += 1 + len;
    }
    None
}

/// The unique-name bindings a message announces: the answers of a positive
/// query response, or the records of a registration, refresh or overwrite.
pub fn parse(d: &[u8]) -> Vec<Binding> {
    let mut out = Vec::new();
    let (Some(flags), Some(qd), Some(an), Some(ns), Some(ar)) = (
        u16_at(d, 2),
        u16_at(d, 4),
        u16_at(d, 6),
        u16_at(d, 8),
        u16_at(d, 10),
    ) else {
        return out;
    };
    let response = flags & 0x8000 != 0;
    let opcode = (flags >> 11) & 0xF;
    let rcode = flags & 0xF;
    // 0: query (answers in a response); 5: registration; 8, 9: refresh.
    let trusted = match (response, opcode) {
        (true, 0) | (true, 5) => rcode == 0,
        (false, 5) | (false, 8) | (false, 9) => true,
        _ => false,
    };
    if !trusted {
        return out;
    }
    let mut at = 12;
    for _ in 0..qd.min(16) {
        let Some((_, next)) = name_at(d, at) else {
            return out;
        };
        at = next + 4;
    }
    let records = u32::from(an) + u32::from(ns) + u32::from(ar);
    for _ in 0..records.min(32) {
        let Some((raw, next)) = name_at(d, at) else {
            return out;
        };
        let (Some(rtype), Some(class), Some(rdlen)) =
            (u16_at(d, next), u16_at(d, next + 2), u16_at(d, next + 8))
        else {
            return out;
        };
        let rdata_at = next + 10;
        let Some(rdata) = d.get(rdata_at..rdata_at + rdlen as usize) else {
            return out;
        };
        at = rdata_at + rdlen as usize;
        if rtype != TYPE_NB || class != CLASS_IN {
            continue;
        }
        let name: String = raw[..15]
            .iter()
            .map(|&b| b as char)
            .collect::<String>()
            .trim_end_matches([' ', '\0'])
            .to_string();
        if name.is_empty()
            || name.starts_with('*')
            || !name.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        {
            continue;
        }
        for entry in rdata.chunks_exact(6) {
            let group = entry[0] & 0x80 != 0;
            let addr = Ipv4Addr::new(entry[2], entry[3], entry[4], entry[5]);
            if !group && !addr.is_unspecified() {
                out.push(Binding {
                    name: name.clone(),
                    suffix: raw[15],
                    addr,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(name: &str, suffix: u8) -> Vec<u8> {
        let mut raw = [b' '; 16];
        raw[..name.len()].copy_from_slice(name.as_bytes());
        raw[15] = suffix;
        let mut out = vec![32];
        for b in raw {
            out.push(b'A' + (b >> 4));
            out.push(b'A' + (b & 15));
        }
        out.push(0);
        out
    }

    /// A positive name query response, the answer name compressed to the question.
    fn response(name: &str, suffix: u8, flags_nb: u8, ip: [u8; 4]) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0];
        m.extend(encode(name, suffix));
        m.extend([0, 0x20, 0, 1]);
        m.extend([0xC0, 12, 0, 0x20, 0, 1, 0, 0, 0x0e, 0x10, 0, 6, flags_nb, 0]);
        m.extend(ip);
        m
    }

    #[test]
    fn a_query_response_binds_the_name() {
        let b = parse(&response("GUNNAR", 0, 0x60, [10, 0, 4, 24]));
        assert_eq!(
            b,
            vec![Binding {
                name: "GUNNAR".into(),
                suffix: 0,
                addr: Ipv4Addr::new(10, 0, 4, 24)
            }]
        );
    }

    #[test]
    fn groups_queries_and_garbage_bind_nothing() {
        assert!(parse(&response("WORKGROUP", 0, 0x80, [10, 0, 0, 1])).is_empty());
        let mut q = response("GUNNAR", 0, 0, [10, 0, 4, 24]);
        q[2] = 0x01; // a query, not a response
        assert!(parse(&q).is_empty());
        let r = response("GUNNAR", 0, 0, [10, 0, 4, 24]);
        for cut in 0..r.len() {
            let _ = parse(&r[..cut]);
        }
        assert!(parse(&[0xff; 64]).is_empty());
    }
}
