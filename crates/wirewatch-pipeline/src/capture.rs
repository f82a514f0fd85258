//! Capture files through the pipeline, with a progress line (packets, bytes,
//! rate, ETA) on stderr and a [`Summary`] at the end.
//!
//! Ingest is idempotent: each file is analysed on its own (a fresh flow
//! table and fresh detectors), and what it produced is stored in batches, each
//! in one transaction with the file's mark ([`crate::identity`]: which file, how
//! many of its packets the stored outputs cover). A rerun skips files stored
//! whole; a run that was killed is resumed by replaying the file from its first
//! packet through a fresh sensor, storing nothing until it is past the packets
//! the mark covers (the sensor and detectors are deterministic, so the replay
//! rebuilds the flow table and detector windows and the outputs it drops are
//! exactly the stored ones). `force` analyses files again on purpose.

use crate::identity::{self, InputError, Plan};
use crate::{pending, Pipeline, Written, BATCH};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch_detect::detectors::Thresholds;
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::sensor::Stats;
use wirewatch_sensor::Sensor;
use wirewatch_store::Store;
use wirewatch_triggers::RunnerHandle;

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
    /// Where the packets analysed are kept (`None`: nowhere).
    pub packets: Option<crate::PacketSink>,
    /// The TLS decryption state the files share (RSA budget, resumption cache).
    pub tls_state: Arc<wirewatch_decrypt::DecryptState>,
    /// The threat matcher shared with the process's other inputs (`None`:
    /// one of the run's own, its build started with the run so that it
    /// overlaps with the analysis of the first batch).
    pub threats: Option<Arc<wirewatch_threat::Live>>,
}

/// Human-readable byte count (`1.5 MiB`).
pub fn human_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1} {}", UNITS[i])
}

/// What a run over capture files did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Inputs that could not be read (path, why); the others were ingested.
    pub failed: Vec<(String, String)>,
    pub seconds: f64,
    /// Counters of the files analysed.
    pub stats: Stats,
    pub written: Written,
    pub expired: u64,
    pub devices: usize,
    pub new_devices: usize,
    pub metric_points: usize,
    pub analysed: usize,
    pub skipped: usize,
    pub resumed: usize,
    pub grown: usize,
    /// Files whose capture ended in an error (path, error): packets before it were kept.
    pub capture_errors: Vec<(String, String)>,
    /// Threat observables the records were checked against, and the time
    /// spent checking them (not counting the matcher's build).
    pub threat_observables: usize,
    pub threat_check: Duration,
}

/// Records written between two retention sweeps of a long run.
const SWEEP_EVERY: u64 = 1_000_000;

/// One run over a list of capture files.
struct Run<'a> {
    store: &'a Store,
    pipeline: Pipeline,
    opts: &'a SensorOptions,
    started: Instant,
    total_size: u64,
    /// Bytes of the files before the current one.
    done_size: u64,
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
    fn file(&mut self, path: &Path) -> crate::Result<Result<(), InputError>> {
        let plan = match identity::plan(self.store, path, self.opts.force) {
            Ok(p) => p,
            Err(InputError::Store(e)) => return Err(e.into()),
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
        self.pipeline.custom_loaded = false;
        self.pipeline.refresh_custom_devices(&mut sensor);
        self.pipeline.tls_generation = None;
        self.pipeline.refresh_tls_keys(&mut sensor);
        self.pipeline.reset_detectors();
        let mut fed = 0u64;
        while read_error.is_none() {
            match reader.next_packet() {
                Ok(Some(p)) => {
                    let meta = sensor.packet(&p);
                    // A resumed run does not keep again what it replays.
                    if fed >= replay {
                        self.pipeline.keep_packet(&p, &meta);
                    }
                }
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
                    self.pipeline.take_sensor(&mut sensor, false);
                }
            } else if pending(&sensor) >= BATCH {
                let batch = self.pipeline.take_sensor(&mut sensor, true);
                mark.packets = fed;
                mark.size = reader.position();
                mark.tail = identity::tail_hash(&mut file, mark.size)?;
                self.pipeline.commit(batch, &[], Some(&mut mark))?;
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
        let batch = self.pipeline.take_sensor(&mut sensor, true);
        // Device evidence merges into what is stored: storing it twice (a
        // kill before the commit below) changes nothing.
        let updates = crate::devices::device_updates(&sensor);
        self.new_devices += self.store.upsert_devices(&updates)?;
        self.devices
            .extend(updates.into_iter().map(|u| u.discovery_id));
        // Metric points add up, so they are stored with the mark that says the file is done.
        let points = crate::devices::metric_points(self.store, &mut sensor)?;
        mark.packets = fed;
        mark.size = reader.position().max(size);
        mark.tail = identity::tail_hash(&mut file, mark.size)?;
        mark.complete = true;
        self.pipeline.commit(batch, &points, Some(&mut mark))?;
        // The file's packets are searchable once its analysis is reported.
        self.pipeline.sync_packets();
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
    fn sweep(&mut self) -> crate::Result<()> {
        if let Some(r) = self.opts.retention {
            let written = self.pipeline.written.records;
            if written - self.swept_at >= SWEEP_EVERY {
                self.swept_at = written;
                self.expired += self.store.expire_records(r)?;
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
            self.pipeline.written.records,
            if replaying { " (replaying what is stored)" } else { "" },
            eta
        );
        let _ = stderr.flush();
    }
}

/// Analyse capture files into the store, printing progress (unless quiet).
/// Files the store holds whole are skipped, files whose analysis was
/// interrupted are resumed (see the module comment); inputs that cannot be
/// read are listed in the summary and the others still ingested.
pub fn ingest_files(
    store: &Store,
    files: &[PathBuf],
    opts: &SensorOptions,
    triggers: Option<Arc<RunnerHandle>>,
) -> crate::Result<Summary> {
    let started_ms = wirewatch_model::now_ms();
    let mut run = Run {
        store,
        pipeline: Pipeline::new(store.clone(), opts.thresholds.clone(), triggers)
            .with_packets(opts.packets.clone())
            .with_tls_state(opts.tls_state.clone())
            .with_threats(Some(
                opts.threats
                    .clone()
                    .unwrap_or_else(|| wirewatch_threat::Live::start(store.clone())),
            )),
        opts,
        started: Instant::now(),
        total_size: files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum(),
        done_size: 0,
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
        run.expired += store.expire_records(r)?;
    }
    let mut failed = Vec::new();
    for file in files {
        if let Err(e) = run.file(file)? {
            tracing::debug!(file = %file.display(), error = %e, "input not read");
            failed.push((file.display().to_string(), e.to_string()));
        }
    }
    if let Some(r) = opts.retention {
        run.expired += store.expire_records(r)?;
        store.expire_metrics()?;
    }
    if !opts.quiet {
        let _ = writeln!(std::io::stderr(), "\r{:<120}", "");
    }
    let secs = run.started.elapsed().as_secs_f64();
    let st = &run.stats;
    let written = &run.pipeline.written;
    let stats = serde_json::json!({
        "files": files.len(),
        "analysed": run.analysed,
        "skipped": run.skipped,
        "resumed": run.resumed,
        "grown": run.grown,
        "failed": failed,
        "seconds": secs,
        "sensor": st,
        "records": written.records,
        "records_expired": run.expired,
        "detections": written.detections,
        "devices": run.devices.len(),
        "new_devices": run.new_devices,
        "capture_errors": run.capture_errors,
    });
    store.record_ingest(
        &files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        started_ms,
        wirewatch_model::now_ms(),
        &stats,
    )?;
    Ok(Summary {
        failed,
        seconds: secs,
        stats: run.stats,
        written: run.pipeline.written,
        expired: run.expired,
        devices: run.devices.len(),
        new_devices: run.new_devices,
        metric_points: run.metric_points,
        analysed: run.analysed,
        skipped: run.skipped,
        resumed: run.resumed,
        grown: run.grown,
        threat_observables: run.pipeline.threat_observables(),
        threat_check: run.pipeline.threat_check,
        capture_errors: run.capture_errors,
    })
}
