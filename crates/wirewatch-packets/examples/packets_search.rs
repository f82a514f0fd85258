//! Search a packet store from the command line, as `/packets/search` does
//! (the same query code, without HTTP): the matching packets as a pcap on
//! standard output; on standard error the time to the first packet, the
//! total time and what the index let the search skip.
//!
//! `cargo run --release -p wirewatch-packets --example packets_search -- DIR FROM_MS UNTIL_MS [BPF]`

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use wirewatch_packets::output::{Encoder, Format};
use wirewatch_packets::{bpf, search, Query};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err("usage: packets_search DIR FROM_MS UNTIL_MS [BPF]".into());
    }
    let dir = PathBuf::from(&args[0]);
    let from_ms: i64 = args[1].parse()?;
    let until_ms: i64 = args[2].parse()?;
    let filter = match args.get(3) {
        Some(f) => Some(bpf::parse(f)?),
        None => None,
    };
    let q = Query {
        from_ns: from_ms.saturating_mul(1_000_000),
        until_ns: until_ms.saturating_mul(1_000_000).saturating_add(999_999),
        filter,
        libpcap: None,
        limit_bytes: u64::MAX,
        deadline: None,
    };
    let started = Instant::now();
    let mut first = None;
    let mut enc = Encoder::new(Format::Pcap, None);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut buf = Vec::new();
    let mut failed = None;
    let st = search::search(&dir, &q, |linktype, r| {
        first.get_or_insert_with(|| started.elapsed());
        buf.clear();
        enc.packet(linktype, &r, &mut buf);
        match out.write_all(&buf) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    out.flush()?;
    eprintln!(
        "first packet after {:.1} ms, done after {:.1} ms: {} packets, {} bytes; blocks read {}, skipped {}; {:?}",
        first.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3),
        started.elapsed().as_secs_f64() * 1e3,
        st.packets,
        st.bytes,
        st.blocks_read,
        st.blocks_skipped,
        st.stop
    );
    Ok(())
}
