//! Fill a packet store for `bench/packets.sh`: the packets of the capture
//! files given, written again and again into the ring at DIR until BYTES
//! are written, their timestamps spread evenly over the HOURS before now
//! (so a one-hour window holds 1/HOURS of the store).
//!
//! `cargo run --release -p wirewatch-packets --example packets_fill -- DIR BYTES HOURS FILE...`

use std::path::PathBuf;
use std::time::Instant;
use wirewatch_packets::{Config, Writer};
use wirewatch_sensor::capture::CaptureReader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: packets_fill DIR BYTES HOURS FILE...".into());
    }
    let dir = PathBuf::from(&args[0]);
    let total = wirewatch_packets::units::parse_bytes(&args[1])?;
    let hours: i64 = args[2].parse()?;
    let files: Vec<PathBuf> = args[3..].iter().map(PathBuf::from).collect();
    // Room for everything written: nothing is deleted while filling.
    let mut w = Writer::open(Config::new(
        dir,
        total + total / 10 + (64 << 20),
        365 * 86_400_000,
    )?)?;
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos() as i64;
    let span = hours * 3_600_000_000_000;
    let start = now_ns - span;
    let started = Instant::now();
    let mut copies = 0;
    'fill: loop {
        let before = w.stats.bytes;
        for f in &files {
            let Ok(mut r) = CaptureReader::open(f) else {
                continue;
            };
            while let Ok(Some(p)) = r.next_packet() {
                let ts = start + (span as f64 * (w.stats.bytes as f64 / total as f64)) as i64;
                w.write_link(ts, p.wire_len, p.link, p.data)?;
                if w.stats.bytes >= total {
                    break 'fill;
                }
            }
        }
        copies += 1;
        if w.stats.bytes == before {
            return Err("the capture files hold no packets".into());
        }
    }
    w.flush()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "wrote {} packets, {} bytes ({} copies of the input and part of one) in {secs:.1} s: {:.0} MB/s",
        w.stats.packets,
        w.stats.bytes,
        copies,
        w.stats.bytes as f64 / secs / 1e6
    );
    Ok(())
}
