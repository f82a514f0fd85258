//! `wirewatch ingest FILE…`: analyse capture files into the data directory,
//! with a progress line (packets, bytes, rate, ETA) and a summary at the end.
//!
//! Ingest is idempotent: each file is analysed on its own (a fresh flow
//! table and fresh detectors), and what it produced is stored in batches, each
//! in one transaction with the file's mark (`identity.rs`: which file, how
//! many of its packets the stored outputs cover). A rerun skips files stored
//! whole; a run that was killed is resumed by replaying the file from its first
//! packet through a fresh sensor, storing nothing until it is past the packets
//! the mark covers (the sensor and detectors are deterministic, so the replay
//! rebuilds the flow table and detector windows and the outputs it drops are
//! exactly the stored ones). `--force` analyses files again on purpose.

pub(crate) mod identity;
mod output;

use anyhow::Context;
use clap::Args;
use identity::{InputError, Plan};
use output::{collect, commit, metric_points, pending, BATCH};
pub(crate) use output::{device_updates, Written};
#[cfg(feature = "live")]
pub(crate) use output::{flush, store_metrics};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wirewatch_detect::detectors::{Engine, Thresholds};
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::sensor::Stats;
use wirewatch_sensor::Sensor;
use wirewatch_store::Store;

#[derive(Args)]
pub struct IngestArgs {
    /// Data directory of the store.
    #[arg(long, env = "WIREWATCH_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Capture files: pcap or pcapng, optionally gzip-compressed.
    #[arg(required_unless_present = "eve")]
    files: Vec<PathBuf>,
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
}

/// How captures are analysed.
#[derive(Clone)]
pub struct SensorOptions {
    /// No progress line.
    pub quiet: bool,
    /// Most flows tracked at once.
    pub max_flows: usize,
    pub thresholds: Thresholds,
    /// Applied during and after the run (`None`: someone else applies it, as `serve` does).
    pub retention: Option<wirewatch_store::Retention>,
    /// Analyse files the store already holds again.
    pub force: bool,
}

/// Records written between two retention sweeps of a long run.
const SWEEP_EVERY: u64 = 1_000_000;

fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1} {}", UNITS[i])
}

/// What became of a run's inputs.
#[derive(Default)]
pub struct Report {
    /// Inputs that could not be read (path, why); the others were ingested.
    pub failed: Vec<(String, String)>,
}

pub fn run(args: IngestArgs) -> anyhow::Result<()> {
    let opts = SensorOptions {
        quiet: args.quiet,
        max_flows: args.max_flows,
        thresholds: args.detectors.thresholds()?,
        retention: Some(args.retention.retention()),
        force: args.force,
    };
    let store = Store::open(&args.data_dir, crate::store_options()?)
        .with_context(|| format!("opening the store in {}", args.data_dir.display()))?;
    let mut report = Report::default();
    if !args.files.is_empty() {
        report = ingest_files(&store, &args.files, &opts)?;
    }
    if let Some(eve) = &args.eve {
        crate::eve::ingest_eve(&store, eve, args.follow, args.force)?;
        if let Some(r) = opts.retention {
            store
                .expire_records(r)
                .map_err(wirewatch_model::Error::from)?;
        }
    }
    if !report.failed.is_empty() {
        for (path, why) in &report.failed {
            eprintln!("wirewatch ingest: {path}: {why}");
        }
        let names: Vec<&str> = report.failed.iter().map(|(p, _)| p.as_str()).collect();
        anyhow::bail!(
            "{} of {} input file(s) could not be read: {}",
            report.failed.len(),
            args.files.len(),
            names.join(", ")
        );
    }
    Ok(())
}

/// One run over a list of capture files.
struct Run<'a> {
    store: &'a Store,
    opts: &'a SensorOptions,
    started: Instant,
    total_size: u64,
    /// Bytes of the files before the current one.
    done_size: u64,
    written: Written,
    /// Counters of the files analysed so far.
    stats: Stats,
    swept_at: u64,
    expired: u64,
    capture_errors: Vec<(String, String)>,
    devices: HashSet<String>,
    new_devices: usize,
    metric_points: usize,
    analysed: usize,
    skipped: usize,
    resumed: usize,
    grown: usize,
    last_draw: Instant,
}

impl Run<'_> {
    /// Analyse one file. The outer error stops the run (the store failed);
    /// the inner one says this input could not be read.
    fn file(&mut self, path: &Path) -> anyhow::Result<Result<(), InputError>> {
        let plan = match identity::plan(self.store, path, self.opts.force) {
            Ok(p) => p,
            Err(InputError::Store(e)) => return Err(wirewatch_model::Error::from(e).into()),
            Err(e) => return Ok(Err(e)),
        };
        let (mut mark, replay) = match plan {
            Plan::Skip(m) => {
                self.skipped += 1;
                self.done_size += m.size;
                tracing::debug!(file = %path.display(), records = m.records, detections = m.detections,
                    "already stored; skipped (--force analyses it again)");
                return Ok(Ok(()));
            }
            Plan::Fresh(m) => (m, 0),
            Plan::Resume(m) => {
                tracing::info!(file = %path.display(), packets = m.packets,
                    "resuming an interrupted analysis: replaying the packets already stored");
                let n = m.packets;
                (m, n)
            }
            Plan::Grown(m) => {
                tracing::info!(file = %path.display(), packets = m.start_packets,
                    "the file grew since it was stored: analysing the packets after the stored part");
                (m, 0)
            }
        };
        // Counted once the file is done (it may yet turn out unreadable).
        let resuming = mark.id != 0;
        let growing = !resuming && mark.start_packets > 0;
        let mut reader = match CaptureReader::open(path) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e.into())),
        };
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return Ok(Err(e.into())),
        };
        let size = reader.file_size;
        let mut read_error = None;
        // Packets an earlier analysis of this file covered.
        let mut passed = 0u64;
        while passed < mark.start_packets {
            match reader.next_packet() {
                Ok(Some(_)) => passed += 1,
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        let mut sensor = Sensor::new(self.opts.max_flows);
        let mut engine = Engine::new(
            self.opts.thresholds.clone(),
            wirewatch_sensor::devices::is_internal,
        );
        let mut fed = 0u64;
        while read_error.is_none() {
            match reader.next_packet() {
                Ok(Some(p)) => sensor.packet(&p),
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
            fed += 1;
            if fed <= replay {
                // Stored already: rebuild the state, store nothing. Batches are
                // taken where the stored run took them, so the detectors see
                // the same events in the same order.
                if fed == replay || pending(&sensor) >= BATCH {
                    collect(&mut sensor, &mut engine, false);
                }
            } else if pending(&sensor) >= BATCH {
                let batch = collect(&mut sensor, &mut engine, true);
                mark.packets = fed;
                mark.size = reader.position();
                mark.tail = identity::tail_hash(&mut file, mark.size)?;
                commit(self.store, batch, &[], Some(&mut mark), &mut self.written)?;
                self.sweep()?;
            }
            if !self.opts.quiet
                && sensor.stats.packets.is_multiple_of(4096)
                && self.last_draw.elapsed() >= Duration::from_millis(200)
            {
                self.draw(&sensor, reader.position().min(size), fed <= replay);
            }
        }
        if let Some(e) = read_error {
            if fed == 0 && mark.start_packets == 0 {
                return Ok(Err(InputError::NoPacket(e)));
            }
            self.capture_errors
                .push((path.display().to_string(), e.to_string()));
        }
        sensor.finish();
        let batch = collect(&mut sensor, &mut engine, true);
        // Device evidence merges into what is stored: storing it twice (a
        // kill before the commit below) changes nothing.
        let updates = device_updates(&sensor);
        self.new_devices += self
            .store
            .upsert_devices(&updates)
            .map_err(wirewatch_model::Error::from)?;
        self.devices
            .extend(updates.into_iter().map(|u| u.discovery_id));
        // Metric points add up, so they are stored with the mark that says the file is done.
        let points = metric_points(self.store, &mut sensor)?;
        mark.packets = fed;
        mark.size = reader.position().max(size);
        mark.tail = identity::tail_hash(&mut file, mark.size)?;
        mark.complete = true;
        commit(
            self.store,
            batch,
            &points,
            Some(&mut mark),
            &mut self.written,
        )?;
        self.sweep()?;
        self.metric_points += points.len();
        self.stats.add(&sensor.stats);
        self.analysed += 1;
        if resuming {
            self.resumed += 1;
        } else if growing {
            self.grown += 1;
        }
        self.done_size += size;
        Ok(Ok(()))
    }

    /// Apply retention every [`SWEEP_EVERY`] records of a long run.
    fn sweep(&mut self) -> anyhow::Result<()> {
        if let Some(r) = self.opts.retention {
            if self.written.records - self.swept_at >= SWEEP_EVERY {
                self.swept_at = self.written.records;
                self.expired += self
                    .store
                    .expire_records(r)
                    .map_err(wirewatch_model::Error::from)?;
            }
        }
        Ok(())
    }

    fn draw(&mut self, sensor: &Sensor, file_pos: u64, replaying: bool) {
        self.last_draw = Instant::now();
        let pos = self.done_size + file_pos;
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let rate = pos as f64 / secs;
        let eta = if rate > 0.0 {
            (self.total_size.saturating_sub(pos)) as f64 / rate
        } else {
            0.0
        };
        let packets = self.stats.packets + sensor.stats.packets;
        let bytes = self.stats.bytes + sensor.stats.bytes;
        let mut stderr = std::io::stderr();
        let _ = write!(
            stderr,
            "\r{:>5.1}%  {} packets  {} read  {:.0} Mbit/s  {:.0} packets/s  {} records stored{}  ETA {:.0} s   ",
            100.0 * pos as f64 / self.total_size.max(1) as f64,
            packets,
            human_bytes(pos as f64),
            bytes as f64 * 8.0 / secs / 1e6,
            packets as f64 / secs,
            self.written.records,
            if replaying { " (replaying what is stored)" } else { "" },
            eta
        );
        let _ = stderr.flush();
    }
}

/// Analyse capture files into the store, printing progress (unless quiet) and
/// a summary. Files the store holds whole are skipped, files whose analysis
/// was interrupted are resumed (see the module comment); inputs that cannot be
/// read are reported and the others still ingested.
pub fn ingest_files(
    store: &Store,
    files: &[PathBuf],
    opts: &SensorOptions,
) -> anyhow::Result<Report> {
    let started_ms = wirewatch_model::now_ms();
    let mut run = Run {
        store,
        opts,
        started: Instant::now(),
        total_size: files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum(),
        done_size: 0,
        written: Written::default(),
        stats: Stats::default(),
        swept_at: 0,
        expired: 0,
        capture_errors: Vec::new(),
        devices: HashSet::new(),
        new_devices: 0,
        metric_points: 0,
        analysed: 0,
        skipped: 0,
        resumed: 0,
        grown: 0,
        last_draw: Instant::now() - Duration::from_secs(1),
    };
    // Make room before adding: what earlier runs stored may be past its time.
    if let Some(r) = opts.retention {
        run.expired += store
            .expire_records(r)
            .map_err(wirewatch_model::Error::from)?;
    }
    let mut report = Report::default();
    for file in files {
        if let Err(e) = run.file(file)? {
            tracing::debug!(file = %file.display(), error = %e, "input not read");
            report
                .failed
                .push((file.display().to_string(), e.to_string()));
        }
    }
    if let Some(r) = opts.retention {
        run.expired += store
            .expire_records(r)
            .map_err(wirewatch_model::Error::from)?;
        store
            .expire_metrics()
            .map_err(wirewatch_model::Error::from)?;
    }
    if !opts.quiet {
        let _ = writeln!(std::io::stderr(), "\r{:<120}", "");
    }
    let secs = run.started.elapsed().as_secs_f64();
    let st = &run.stats;
    let written = &run.written;
    let stats = serde_json::json!({
        "files": files.len(),
        "analysed": run.analysed,
        "skipped": run.skipped,
        "resumed": run.resumed,
        "grown": run.grown,
        "failed": report.failed,
        "seconds": secs,
        "sensor": st,
        "records": written.records,
        "records_expired": run.expired,
        "detections": written.detections,
        "devices": run.devices.len(),
        "new_devices": run.new_devices,
        "capture_errors": run.capture_errors,
    });
    store
        .record_ingest(
            &files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            started_ms,
            wirewatch_model::now_ms(),
            &stats,
        )
        .map_err(wirewatch_model::Error::from)?;
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
    if !report.failed.is_empty() {
        println!("  could not be read: {} file(s)", report.failed.len());
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
    if run.expired > 0 {
        println!(
            "  records expired by retention {} (--records-max-age, --records-max)",
            run.expired
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
        run.devices.len(),
        run.new_devices,
        run.metric_points
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
    Ok(report)
}
