//! `populate DATA_DIR COUNT [--triaged]`: add COUNT synthetic detections to a
//! store, in batches of 10,000 per transaction, and print the insert rate.
//! With `--triaged` they are spread over the last 30 days and carry triage
//! state (statuses, resolutions, assignees, tickets), as the web app's
//! figures need (`bench/webapp.sh`); without, one a second up to now.

use anyhow::Context;
use std::time::Instant;
use wirewatch_bench::Gen;
use wirewatch_store::{Store, StoreOptions};

const USAGE: &str = "usage: populate DATA_DIR COUNT [--triaged]";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().context(USAGE)?;
    let count: u64 = args.next().context(USAGE)?.parse()?;
    let triaged = match args.next().as_deref() {
        None => false,
        Some("--triaged") => true,
        Some(other) => anyhow::bail!("unknown argument {other}; {USAGE}"),
    };
    let store = Store::open(std::path::Path::new(&dir), StoreOptions::default())?;
    store.ensure_setup_user(Some(
        &std::env::var("WIREWATCH_SETUP_PASSWORD").unwrap_or_else(|_| "bench-password".into()),
    ))?;
    let start = Instant::now();
    let spacing: i64 = if triaged {
        (30 * 86_400_000 / count.max(1) as i64).max(1)
    } else {
        1000
    };
    let base = wirewatch_model::now_ms() - (count as i64) * spacing;
    let existing = store.detection_count()?;
    let mut g = Gen::new(42 + existing);
    let mut done = 0;
    while done < count {
        let n = (count - done).min(10_000);
        let batch = (0..n)
            .map(|i| {
                let i = existing + done + i;
                if triaged {
                    g.triaged_detection(i, base, spacing)
                } else {
                    g.detection(i, base)
                }
            })
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
