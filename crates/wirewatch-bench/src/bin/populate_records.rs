//! `populate_records DATA_DIR COUNT`: add COUNT synthetic `~flow` records
//! (spread over the last 24 hours, 50 server ports, 10.0.0.0/8 clients; one in
//! ten a `~dns_request` for one of 100,000 names) in
//! batches of 10,000 per transaction, and print the insert rate. The records
//! are typed as Suricata's (any field may be absent), so they carry only the
//! fields given here.

use anyhow::Context;
use serde_json::json;
use std::time::Instant;
use wirewatch_bench::Gen;
use wirewatch_model::record::Record;
use wirewatch_store::{NewRecord, Store, StoreOptions};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: populate_records DATA_DIR COUNT")?;
    let count: i64 = args
        .next()
        .context("usage: populate_records DATA_DIR COUNT")?
        .parse()?;
    let store = Store::open(std::path::Path::new(&dir), StoreOptions::default())?;
    store.ensure_setup_user(Some("bench-password"))?;
    if let Some(rows) = std::env::var("SEGMENT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        store.set_record_segment_rows(rows);
    }
    let now = wirewatch_model::now_ms();
    let mut g = Gen::new(7);
    let start = Instant::now();
    let mut done = 0;
    while done < count {
        let n = (count - done).min(10_000);
        let batch: Vec<NewRecord> = (0..n)
            .map(|i| {
                let t = now - 86_400_000 + (done + i) * 86_400_000 / count;
                if (done + i) % 10 == 9 {
                    // One record in ten: a DNS query for one of 100,000 names.
                    let fields = json!({
                        "clientAddr": format!("10.{}.{}.{}", g.below(16), g.below(256), 1 + g.below(254)),
                        "clientPort": 1024 + g.below(60000),
                        "serverAddr": "192.0.2.53",
                        "serverPort": 53,
                        "qname": format!("host{}.site{}.example.com", g.below(1000), g.below(100)),
                        "qtype": "A",
                    });
                    let record = Record::SuricataDnsRequest(Box::new(serde_json::from_value(fields).expect("DNS fields")));
                    return NewRecord { time_ms: t, record, devices: Default::default(), threat: Vec::new() };
                }
                let port = [22, 53, 80, 443, 445, 3389, 8080][(g.below(7)) as usize] + 1000 * (g.below(7) as i64 / 6);
                let fields = json!({
                    "clientAddr": format!("10.{}.{}.{}", g.below(16), g.below(256), 1 + g.below(254)),
                    "clientPort": 1024 + g.below(60000),
                    "serverAddr": format!("192.0.2.{}", 1 + g.below(254)),
                    "serverPort": port,
                    "ipproto": "TCP",
                    "clientBytes": g.below(100_000),
                    "serverBytes": g.below(1_000_000),
                });
                let record = Record::SuricataFlow(Box::new(serde_json::from_value(fields).expect("flow fields")));
                NewRecord { time_ms: t, record, devices: Default::default(), threat: Vec::new() }
            })
            .collect();
        store
            .insert_records(&batch)
            .map_err(wirewatch_model::Error::from)?;
        done += n;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "inserted {count} records in {secs:.1} s ({:.0}/s)",
        count as f64 / secs
    );
    Ok(())
}
