//! `populate DATA_DIR COUNT`: add COUNT synthetic detections to a store, in
//! batches of 10,000 per transaction, and print the insert rate.

use anyhow::Context;
use std::time::Instant;
use wirewatch_bench::Gen;
use wirewatch_store::{Store, StoreOptions};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().context("usage: populate DATA_DIR COUNT")?;
    let count: u64 = args
        .next()
        .context("usage: populate DATA_DIR COUNT")?
        .parse()?;
    let store = Store::open(std::path::Path::new(&dir), StoreOptions::default())?;
    store.ensure_setup_user(Some(
        &std::env::var("WIREWATCH_SETUP_PASSWORD").unwrap_or_else(|_| "bench-password".into()),
    ))?;
    let start = Instant::now();
    let base = wirewatch_model::now_ms() - (count as i64) * 1000;
    let existing = store.detection_count()?;
    let mut g = Gen::new(42 + existing);
    let mut done = 0;
    while done < count {
        let n = (count - done).min(10_000);
        let batch = (0..n)
            .map(|i| g.detection(existing + done + i, base))
            .collect();
        store
            .create_detections(batch)
            .map_err(wirewatch_model::Error::from)?;
        done += n;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "inserted {count} detections in {secs:.1} s ({:.0}/s); store now holds {}",
        count as f64 / secs,
        store.detection_count()?
    );
    Ok(())
}
