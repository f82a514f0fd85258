//! `wirewatch ingest FILE…` / `--eve FILE`: the flags, then the pipeline
//! (`wirewatch_pipeline::capture`, `wirewatch_pipeline::eve`), then the
//! summary.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use wirewatch_pipeline::capture::{human_bytes, ingest_files, SensorOptions, Summary};
use wirewatch_pipeline::Pipeline;
use wirewatch_store::Store;

#[derive(Args)]
pub struct IngestArgs {
    /// Data directory of the store.
    #[arg(long, env = "WIREWATCH_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Capture files: pcap or pcapng, optionally gzip-compressed.
    #[arg(required_unless_present_any = ["eve", "keylog"])]
    files: Vec<PathBuf>,
    /// A TLS key log (SSLKEYLOGFILE format) whose sessions are decrypted,
    /// kept in the store before the capture files are read (repeatable).
    #[arg(long)]
    keylog: Vec<PathBuf>,
    /// A Suricata EVE JSON file: alerts become detections, flow/dns/http/tls events records.
    #[arg(long)]
    eve: Option<PathBuf>,
    /// With --eve: keep following the file as it grows (until interrupted).
    #[arg(long, requires = "eve")]
    follow: bool,
    /// No progress line (for scripts); the summary is still printed.
    #[arg(long)]
    quiet: bool,
    /// Analyse the files again even when the store already holds them (their
    /// records and detections are then stored a second time).
    #[arg(long)]
    force: bool,
    /// Most flows tracked at once; the least recently active are ended first past it.
    #[arg(long, default_value_t = wirewatch_sensor::flow::DEFAULT_MAX_FLOWS)]
    max_flows: usize,
    #[command(flatten)]
    retention: crate::opts::RetentionArgs,
    #[command(flatten)]
    detectors: crate::opts::DetectorArgs,
    #[command(flatten)]
    packets: crate::opts::PacketArgs,
    #[command(flatten)]
    tls: crate::opts::TlsArgs,
}

pub fn run(args: IngestArgs) -> anyhow::Result<()> {
    let opts = SensorOptions {
        quiet: args.quiet,
        max_flows: args.max_flows,
        thresholds: args.detectors.thresholds()?,
        retention: Some(args.retention.retention()),
        force: args.force,
        packets: if args.files.is_empty() {
            None
        } else {
            args.packets.writer(&args.data_dir)?
        },
        tls_state: args.tls.state(),
        threats: None,
    };
    let store = Store::open(&args.data_dir, crate::store_options()?)
        .with_context(|| format!("opening the store in {}", args.data_dir.display()))?;
    for path in &args.keylog {
        let text = read_keylog(path)?;
        let (lines, added) = wirewatch_pipeline::tls_keys::store_keylog(&store, &text)
            .with_context(|| format!("key log {}", path.display()))?;
        println!("key log {}: {lines} lines, {added} new", path.display());
    }
    let mut failed = Vec::new();
    if !args.files.is_empty() {
        let summary = ingest_files(&store, &args.files, &opts, None)?;
        print_summary(&summary);
        if let Some(sink) = &opts.packets {
            // Flushed at the end of each file: what the writer thread failed
            // to keep is counted by now.
            let st = sink.stats();
            println!(
                "  packet store: {} packets kept ({} bytes), {} skipped, {} write errors",
                st.packets,
                st.bytes,
                st.skipped,
                sink.errors()
            );
        }
        failed = summary.failed;
    }
    if let Some(eve) = &args.eve {
        let mut pipeline = Pipeline::new(store.clone(), opts.thresholds.clone(), None);
        ingest_eve(&mut pipeline, eve, args.follow, args.force)?;
        if let Some(r) = opts.retention {
            store
                .expire_records(r)
                .map_err(wirewatch_model::Error::from)?;
        }
    }
    if !failed.is_empty() {
        for (path, why) in &failed {
            eprintln!("wirewatch ingest: {path}: {why}");
        }
        let names: Vec<&str> = failed.iter().map(|(p, _)| p.as_str()).collect();
        anyhow::bail!(
            "{} of {} input file(s) could not be read: {}",
            failed.len(),
            args.files.len(),
            names.join(", ")
        );
    }
    Ok(())
}

/// Longest key log read (a line is under 200 bytes: about 300,000 sessions).
const MAX_KEYLOG_BYTES: u64 = 64 << 20;

fn read_keylog(path: &std::path::Path) -> anyhow::Result<String> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("key log {}", path.display()))?
        .len();
    anyhow::ensure!(
        len <= MAX_KEYLOG_BYTES,
        "key log {}: {len} bytes, more than the {MAX_KEYLOG_BYTES} read",
        path.display()
    );
    std::fs::read_to_string(path).with_context(|| format!("key log {}", path.display()))
}

/// Read an EVE file through `pipeline` and print what it did.
pub(crate) fn ingest_eve(
    pipeline: &mut Pipeline,
    path: &std::path::Path,
    follow: bool,
    force: bool,
) -> anyhow::Result<()> {
    let c = wirewatch_pipeline::eve::ingest_eve(pipeline, path, follow, force)?;
    println!(
        "EVE {}: {} lines, {} records, {} detections, {} events of other types ignored",
        path.display(),
        c.lines,
        c.records,
        c.detections,
        c.ignored
    );
    if c.resumed_at > 0 {
        println!(
            "  already stored up to byte {}: read from there (--force reads it all again)",
            c.resumed_at
        );
    }
    for (why, n) in &c.skipped {
        println!("  skipped {n} line(s): {why}");
    }
    if c.partial {
        println!("  last line incomplete: left for a later run");
    }
    Ok(())
}

/// The summary of a capture run, on stdout.
pub(crate) fn print_summary(run: &Summary) {
    let (secs, st, written) = (run.seconds, &run.stats, &run.written);
    println!("ingested {} file(s) in {:.2} s", run.analysed, secs);
    if run.skipped > 0 {
        println!(
            "  already stored, skipped: {} file(s) (--force analyses them again)",
            run.skipped
        );
    }
    if run.resumed > 0 {
        println!(
            "  resumed after an interrupted run: {} file(s) (replayed without storing twice)",
            run.resumed
        );
    }
    if run.grown > 0 {
        println!(
            "  grown since stored: {} file(s) (only the new packets analysed)",
            run.grown
        );
    }
    if !run.failed.is_empty() {
        println!("  could not be read: {} file(s)", run.failed.len());
    }
    println!(
        "  packets {}  captured bytes {} (on the wire {})  ({:.0} Mbit/s, {:.0} packets/s)",
        st.packets,
        human_bytes(st.bytes as f64),
        human_bytes(st.wire_bytes as f64),
        st.bytes as f64 * 8.0 / secs.max(1e-9) / 1e6,
        st.packets as f64 / secs.max(1e-9)
    );
    println!(
        "  IP {}  ARP {}  other {}  fragments {} (reassembled {})",
        st.ip_packets, st.arp_packets, st.other_packets, st.fragments, st.reassembled
    );
    println!(
        "  flows {} (evicted early {})  records written {}  detections {}",
        st.flows, st.flows_evicted, written.records, written.detections
    );
    if run.threat_observables > 0 {
        println!(
            "  threat matching: {} observables, {:.3} s checking the records",
            run.threat_observables,
            run.threat_check.as_secs_f64()
        );
    }
    if run.expired > 0 {
        println!(
            "  records expired by retention {} (--records-max-age, --records-max)",
            run.expired
        );
    }
    if written.tls_decrypted + written.tls_decrypt_failures > 0 {
        println!(
            "  TLS sessions decrypted {}  not opened by their keys {}",
            written.tls_decrypted, written.tls_decrypt_failures
        );
    }
    if written.tls_over_budget > 0 {
        println!(
            "  TLS sessions not decrypted, over the RSA budget {} (--tls-rsa-per-second, --tls-rsa-burst)",
            written.tls_over_budget
        );
    }
    if written.detection_errors > 0 {
        println!(
            "  detections not stored: {} (see the log)",
            written.detection_errors
        );
    }
    println!(
        "  devices seen {} (new {})  metric points {}",
        run.devices, run.new_devices, run.metric_points
    );
    if st.malformed.is_empty() {
        println!("  malformed packets: none");
    } else {
        let list: Vec<String> = st
            .malformed
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("  malformed packets skipped: {}", list.join(", "));
    }
    for (f, e) in &run.capture_errors {
        println!("  capture error in {f}: {e} (packets before it were kept)");
    }
}
