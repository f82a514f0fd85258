//! `/packets/search` outputs with session keys (`packets: full_with_keys`):
//! `keylog_txt`, the key log lines (SSLKEYLOGFILE format) of the TLS
//! sessions whose ClientHello is in the matched packets; `zip`, the
//! matched packets as a pcap with that key log beside it. The keys are
//! those the store holds: uploaded key logs, and the master secrets the
//! sensor worked out of sessions it decrypted with an RSA key.

use crate::error::ApiResult;
use crate::AppState;
use std::collections::HashSet;
use std::io::Write;
use wirewatch_packets::output::{Encoder, Format};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Most sessions looked up for one answer.
pub const MAX_SESSIONS: usize = 100_000;

/// The client randoms of the ClientHellos that start a TLS record in a
/// packet: a handshake record (`16 03 0x`) whose first message is a
/// ClientHello (`01`) of TLS 1.0 to 1.2's legacy version (`03 01`–`03 03`);
/// the random follows. Searched in the raw frame (any link type); a
/// ClientHello larger than one segment still has its random in the first.
pub fn client_randoms(frame: &[u8], seen: &mut HashSet<[u8; 32]>, out: &mut Vec<[u8; 32]>) {
    if frame.len() < 43 {
        return;
    }
    for i in 0..frame.len() - 43 {
        let w = &frame[i..];
        if w[0] == 0x16
            && w[1] == 3
            && w[2] <= 4
            && w[5] == 1
            && w[9] == 3
            && (1..=3).contains(&w[10])
            && out.len() < MAX_SESSIONS
        {
            let cr: [u8; 32] = w[11..43].try_into().expect("32 bytes");
            if seen.insert(cr) {
                out.push(cr);
            }
        }
    }
}

/// What a search with keys found: the pcap (for `zip`) and the key log.
pub struct Found {
    pub pcap: Vec<u8>,
    pub packets: u64,
    pub keylog: String,
}

/// Run the search, gather the packets (when `with_packets`) and the key
/// log of their sessions.
pub fn search(
    s: &AppState,
    dir: &std::path::Path,
    query: &wirewatch_packets::Query,
    with_packets: bool,
) -> Result<Found, String> {
    let mut enc = Encoder::new(Format::Pcap, None);
    let mut pcap = Vec::new();
    let mut seen = HashSet::new();
    let mut randoms = Vec::new();
    let mut packets = 0;
    wirewatch_packets::search::search(dir, query, |linktype, r| {
        packets += 1;
        client_randoms(r.data, &mut seen, &mut randoms);
        if with_packets {
            enc.packet(linktype, &r, &mut pcap);
        }
        true
    })
    .map_err(|e| e.to_string())?;
    let hex: Vec<String> = randoms.iter().map(hex::encode).collect();
    let lines = s.store.session_keys_of(&hex).map_err(|e| e.to_string())?;
    let mut keylog = String::new();
    for l in lines {
        keylog.push_str(&l.line());
        keylog.push('\n');
    }
    if with_packets && pcap.is_empty() {
        pcap = enc.empty();
    }
    Ok(Found {
        pcap,
        packets,
        keylog,
    })
}

/// The zip of `output: zip`: `packets.pcap` and `sslkeylog.txt`.
pub fn zip(found: &Found) -> ApiResult<Vec<u8>> {
    let err = |e: &dyn std::fmt::Display| {
        crate::error::ApiError(wirewatch_model::Error::internal(format!("zip: {e}")))
    };
    let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(found.pcap.len() as u64 >= u64::from(u32::MAX));
    z.start_file("packets.pcap", opts).map_err(|e| err(&e))?;
    z.write_all(&found.pcap).map_err(|e| err(&e))?;
    z.start_file("sslkeylog.txt", opts).map_err(|e| err(&e))?;
    z.write_all(found.keylog.as_bytes()).map_err(|e| err(&e))?;
    Ok(z.finish().map_err(|e| err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_randoms_in_a_frame() {
        let mut f = vec![0u8; 54];
        f.extend_from_slice(&[0x16, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]);
        f.extend((0..32).map(|i| i as u8));
        f.extend_from_slice(&[0; 20]);
        let (mut seen, mut out) = (HashSet::new(), Vec::new());
        client_randoms(&f, &mut seen, &mut out);
        client_randoms(&f, &mut seen, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0][31], 31);
        // A ServerHello (02) is not a client's.
        f[59] = 2;
        let (mut seen, mut out) = (HashSet::new(), Vec::new());
        client_randoms(&f, &mut seen, &mut out);
        assert!(out.is_empty());
    }
}
