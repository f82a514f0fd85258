//! `populate_tickets DATA_DIR COUNT`: turn internal ticketing on and store
//! COUNT detections with distinct offenders (so COUNT tickets), printing the
//! rate of detections stored with their tickets.

use anyhow::Context;
use std::time::Instant;
use wirewatch_model::detection::NewDetection;
use wirewatch_store::{Store, StoreOptions};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: populate_tickets DATA_DIR COUNT")?;
    let count: u64 = args
        .next()
        .context("usage: populate_tickets DATA_DIR COUNT")?
        .parse()?;
    let store = Store::open(std::path::Path::new(&dir), StoreOptions::default())?;
    store.ensure_setup_user(Some(
        &std::env::var("WIREWATCH_SETUP_PASSWORD").unwrap_or_else(|_| "bench-password".into()),
    ))?;
    let mut t = store.ticketing();
    t.internal_ticketing_enabled = true;
    t.external_ticketing_enabled = false;
    t.enabled = false;
    store.set_ticketing(t)?;
    let types = [
        "port_scan",
        "ssh_brute_force",
        "dns_tunnel",
        "ftp_brute_force",
    ];
    let start = Instant::now();
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(5_000);
        let batch: Vec<NewDetection> = (done..done + n)
            .map(|i| {
                serde_json::from_value(serde_json::json!({
                    "type": types[(i % 4) as usize],
                    "participants": [{"object_type": "ipaddr",
                        "object_value": format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                        "role": "offender"}]
                }))
                .expect("a detection")
            })
            .collect();
        store.create_detections(batch)?;
        done += n;
    }
    let el = start.elapsed();
    println!(
        "{count} detections stored with their tickets in {el:.2?}: {:.0}/s ({} tickets)",
        count as f64 / el.as_secs_f64(),
        store.ticket_count()?
    );
    Ok(())
}
