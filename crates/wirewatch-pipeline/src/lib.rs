//! The pipeline: one object that takes what the inputs produce — the sensor's
//! typed events (capture files, live interfaces) and Suricata EVE events —
//! and hands each output to the detectors, the record store, the metrics
//! roll-up and the trigger queue.
//!
//! ```text
//!  capture file ─┐                       ┌─► detectors ─► detections ─┐
//!  live capture ─┼─► Sensor ─► Pipeline ─┼─► records (typed) ─────────┼─► store (one transaction)
//!  EVE JSON ─────┘   (eve.rs)            ├─► devices, metric points ──┘
//!                                        └─► trigger queue (FLOW_TICK, HTTP_*, DNS_*)
//! ```
//!
//! - [`capture`]: capture files, idempotent (see [`identity`]).
//! - [`eve`]: Suricata EVE JSON, idempotent by byte offset.
//! - [`Pipeline::take_sensor`] / [`Pipeline::commit`]: what live capture calls.
//!
//! Every batch, whatever its input, is checked against the threat
//! collections on its way to the store ([`Pipeline::commit`]): matching
//! records get their `threat` field and `threat_intel_match` detections
//! are raised (`wirewatch_threat`). The matcher is shared by the inputs of
//! a process ([`Pipeline::with_threats`]) and rebuilt off the ingest path
//! when the collections change (`wirewatch_threat::live`): a batch never
//! waits for a build but the very first one of a process.

pub mod capture;
pub mod custom;
pub mod devices;
pub mod eve;
pub mod identity;
pub mod records;
pub mod tls_keys;

use std::sync::Arc;
use wirewatch_detect::detectors::{Engine, Thresholds};
use wirewatch_model::detection::NewDetection;
use wirewatch_model::record::NewRecord;
use wirewatch_sensor::Sensor;
use wirewatch_store::{FileMark, IngestBatch, MetricPoint, Store};
use wirewatch_triggers::RunnerHandle;

/// Outputs collected before they are stored together (one transaction).
pub const BATCH: usize = 5_000;

/// Why the pipeline stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] wirewatch_model::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// An input that could not be opened or read from its start.
    #[error("{path}: {why}")]
    Input { path: String, why: String },
}

impl From<wirewatch_store::StoreError> for Error {
    fn from(e: wirewatch_store::StoreError) -> Self {
        Error::Store(e.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Counters of what a run stored.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub records: u64,
    pub detections: u64,
    pub detection_errors: u64,
    /// TLS sessions decrypted, and sessions whose keys did not open them.
    pub tls_decrypted: u64,
    pub tls_decrypt_failures: u64,
    /// TLS sessions not decrypted because the RSA budget was spent.
    pub tls_over_budget: u64,
}

/// Outputs taken from an input, with the detections they raised on their way
/// through the detectors; stored together by [`Pipeline::commit`].
#[derive(Debug, Default)]
pub struct Batch {
    pub records: Vec<NewRecord>,
    pub detections: Vec<NewDetection>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.detections.is_empty()
    }
}

/// The packet store's writer (on a thread of its own), shared by the inputs
/// of one process (capture files and live interfaces of `serve`).
pub type PacketSink = Arc<wirewatch_packets::Sink>;

/// The pipeline: detectors, the store, the trigger queue and the packet store.
pub struct Pipeline {
    store: Store,
    thresholds: Thresholds,
    engine: Engine,
    triggers: Option<Arc<RunnerHandle>>,
    packets: Option<PacketSink>,
    /// Packets the packet store failed to keep (logged once per pipeline).
    pub packet_errors: u64,
    /// What was stored so far.
    pub written: Written,
    /// Whether custom devices were loaded once (a sensor starts with none).
    custom_loaded: bool,
    /// The TLS keys' generation the sensor was last given (`None`: never).
    tls_generation: Option<u64>,
    /// What the sensors' decrypted sessions share (RSA budget, resumption cache).
    tls_state: Arc<wirewatch_decrypt::DecryptState>,
    /// When sessions over the RSA budget were last logged.
    over_budget_logged: Option<std::time::Instant>,
    /// The threat collections' observables, compiled and shared (made at
    /// the first batch when not given by [`Pipeline::with_threats`]).
    threats: Option<Arc<wirewatch_threat::Live>>,
    /// Time spent checking records against the threat collections.
    pub threat_check: std::time::Duration,
    /// Which threat matches already raised a detection.
    threat_raiser: wirewatch_threat::detect::Raiser,
    /// Thresholds changed while running (the running configuration), and
    /// the version of them the engine has.
    live: Option<(Arc<wirewatch_detect::detectors::LiveThresholds>, u64)>,
}

/// Outputs the sensor holds (a batch is taken at [`BATCH`]).
pub fn pending(sensor: &Sensor) -> usize {
    let o = &sensor.out;
    o.flows.len() + o.ftp.len() + o.tls.len() + o.http.len() + o.dns.len() + o.dns_queries.len()
}

impl Pipeline {
    /// A pipeline into `store`, firing sensor trigger events on `triggers` when given.
    pub fn new(store: Store, thresholds: Thresholds, triggers: Option<Arc<RunnerHandle>>) -> Self {
        Pipeline {
            engine: Engine::new(thresholds.clone(), wirewatch_sensor::devices::is_internal),
            thresholds,
            triggers,
            packets: None,
            packet_errors: 0,
            written: Written::default(),
            custom_loaded: false,
            tls_generation: None,
            tls_state: Arc::default(),
            over_budget_logged: None,
            threats: None,
            threat_check: std::time::Duration::ZERO,
            threat_raiser: Default::default(),
            store,
            live: None,
        }
    }

    /// Follow thresholds changed while running: the engine takes them
    /// before the next batch or event once they changed.
    pub fn with_live_thresholds(
        mut self,
        live: Arc<wirewatch_detect::detectors::LiveThresholds>,
    ) -> Self {
        self.live = Some((live, u64::MAX));
        self.refresh_thresholds();
        self
    }

    /// Take the live thresholds if they changed (one atomic load otherwise).
    pub(crate) fn refresh_thresholds(&mut self) {
        let Some((live, seen)) = &mut self.live else {
            return;
        };
        let now = live.version();
        if now != *seen {
            *seen = now;
            self.thresholds = live.get();
            self.engine.set_thresholds(&self.thresholds);
        }
    }

    /// Decrypt TLS with this shared state (the RSA budget and resumption
    /// cache of the process; by default the pipeline's own).
    pub fn with_tls_state(mut self, s: Arc<wirewatch_decrypt::DecryptState>) -> Self {
        self.tls_state = s;
        self
    }

    /// Check records against `threats` (the matcher the process's other
    /// inputs and the API share) instead of a matcher of its own.
    pub fn with_threats(mut self, threats: Option<Arc<wirewatch_threat::Live>>) -> Self {
        self.threats = threats;
        self
    }

    /// Keep every packet fed through [`Pipeline::keep_packet`] in the packet store.
    pub fn with_packets(mut self, packets: Option<PacketSink>) -> Self {
        self.packets = packets;
        self
    }

    /// Keep one packet in the packet store (when there is one); `meta` is
    /// what [`Sensor::packet`] returned for it (the store indexes it
    /// without decoding the packet again). The packet is copied into the
    /// sink's buffer; this waits while the writer thread's queue is full. A
    /// failure of the writer thread (a full disk) is logged there, counted,
    /// and reported here on a later packet: analysis goes on.
    pub fn keep_packet(
        &mut self,
        p: &wirewatch_sensor::capture::Packet<'_>,
        meta: &wirewatch_wire::packet::Meta,
    ) {
        let Some(sink) = &self.packets else { return };
        let result = sink.write_decoded(p.ts_ns, p.wire_len, p.link, p.data, meta);
        self.packet_failure(result, "the packet store could not keep packets");
    }

    fn packet_failure(&mut self, result: wirewatch_packets::Result<()>, what: &str) {
        if let Err(e) = result {
            if self.packet_errors == 0 {
                tracing::error!(error = %e, "{what}");
            }
            self.packet_errors += 1;
        }
    }

    /// Ask the packet store to make the packets kept so far searchable,
    /// without waiting for its writer thread (a commit does this: the
    /// capture goes on while the writer catches up).
    pub fn flush_packets(&mut self) {
        let Some(sink) = &self.packets else { return };
        let result = sink.flush_later();
        self.packet_failure(result, "flushing the packet store");
    }

    /// Wait until every packet kept so far is written and searchable (the
    /// end of a capture file).
    pub fn sync_packets(&mut self) {
        let Some(sink) = &self.packets else { return };
        let result = sink.flush();
        self.packet_failure(result, "flushing the packet store");
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Fresh detectors (each capture file is analysed on its own).
    pub fn reset_detectors(&mut self) {
        self.engine = Engine::new(
            self.thresholds.clone(),
            wirewatch_sensor::devices::is_internal,
        );
        self.threat_raiser = Default::default();
    }

    /// The threat collections' matcher for a batch (see
    /// `wirewatch_threat::live`).
    pub fn threat_matcher(&mut self) -> Option<Arc<wirewatch_threat::Matcher>> {
        let store = &self.store;
        self.threats
            .get_or_insert_with(|| wirewatch_threat::Live::new(store.clone()))
            .for_batch()
    }

    /// Observables of the threat matcher in use (0 before the first batch).
    pub fn threat_observables(&self) -> usize {
        self.threats
            .as_ref()
            .and_then(|t| t.current())
            .map_or(0, |m| m.len())
    }

    /// Take what the sensor produced and feed it through the detectors (in
    /// the same order whether kept or not, so the detectors' state is the
    /// same). With `keep` false (a resumed run replaying what is already
    /// stored) no records are built and the detections raised are dropped.
    pub fn take_sensor(&mut self, sensor: &mut Sensor, keep: bool) -> Batch {
        self.refresh_thresholds();
        self.refresh_custom_devices(sensor);
        self.refresh_tls_keys(sensor);
        let mut out = std::mem::take(&mut sensor.out);
        if keep {
            self.store_decryption(
                std::mem::take(&mut out.tls_outcomes),
                std::mem::take(&mut out.session_keys),
            );
        }
        let engine = &mut self.engine;
        if !keep {
            for (ends, q) in &out.dns_queries {
                engine.dns_query(ends, q);
            }
            for (ends, ev) in &out.http {
                engine.http(ends, ev);
            }
            for (ends, ev) in &out.ftp {
                engine.ftp(ends, ev);
            }
            for f in &out.flows {
                engine.flow(f);
            }
            engine.take();
            return Batch::default();
        }
        let mut recs = Vec::with_capacity(
            out.flows.len()
                + out.ftp.len()
                + out.tls.len()
                + out.http.len()
                + out.dns.len()
                + out.dns_queries.len(),
        );
        let m = &*sensor.custom;
        let at = |ends: &wirewatch_sensor::sensor::Endpoints| {
            custom::attribute(m, ends.client, ends.server, ends.vlan)
        };
        for (ends, q) in out.dns_queries {
            engine.dns_query(&ends, &q);
            recs.push(records::dns_request(&ends, q).with_devices(at(&ends)));
        }
        for (ends, d) in out.dns {
            recs.push(records::dns_response(&ends, d).with_devices(at(&ends)));
        }
        for (ends, ev) in out.http {
            engine.http(&ends, &ev);
            recs.push(records::http(&ends, ev).with_devices(at(&ends)));
        }
        for (ends, ev) in out.ftp {
            engine.ftp(&ends, &ev);
            recs.push(records::ftp(&ends, ev).with_devices(at(&ends)));
        }
        for (ends, ev) in out.tls {
            recs.push(records::ssl_open(&ends, ev).with_devices(at(&ends)));
        }
        for f in out.flows {
            engine.flow(&f);
            let d = custom::attribute(m, f.orig, f.resp, f.vlan);
            recs.push(records::flow(f).with_devices(d));
        }
        Batch {
            records: recs,
            detections: engine.take(),
        }
    }

    /// Give the sensor the custom devices' criteria when they changed in the
    /// store since it was given them (a cheap read of a counter). A failure
    /// is logged and the sensor keeps the criteria it has.
    pub fn refresh_custom_devices(&mut self, sensor: &mut Sensor) {
        let current = match self.store.custom_devices_generation() {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the custom devices' generation");
                return;
            }
        };
        if current == sensor.custom.generation && self.custom_loaded {
            return;
        }
        match self.store.custom_device_matcher() {
            Ok(m) => {
                tracing::debug!(
                    custom_devices = m.devices.len(),
                    generation = m.generation,
                    "custom devices loaded"
                );
                sensor.set_custom_devices(Arc::new(m));
                self.custom_loaded = true;
            }
            Err(e) => tracing::warn!(error = %e, "could not load the custom devices"),
        }
    }

    /// Give the sensor the TLS keys when they changed in the store since
    /// it was given them. A failure is logged and the sensor keeps its keys.
    pub fn refresh_tls_keys(&mut self, sensor: &mut Sensor) {
        if !Arc::ptr_eq(&sensor.tls_state, &self.tls_state) {
            sensor.set_tls_state(self.tls_state.clone());
        }
        let current = match self.store.ssl_keys_generation() {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the TLS keys' generation");
                return;
            }
        };
        if self.tls_generation == Some(current) {
            return;
        }
        match self.store.tls_key_material() {
            Ok(m) => {
                let ring = tls_keys::key_ring(m);
                tracing::debug!(
                    rsa_keys = ring.rsa.len(),
                    keylog_sessions = ring.sessions(),
                    generation = ring.generation,
                    "TLS keys loaded"
                );
                self.tls_generation = Some(ring.generation);
                sensor.set_tls_keys(tls_keys::shared(ring));
            }
            Err(e) => tracing::warn!(error = %e, "could not load the TLS keys"),
        }
    }

    /// Decryption outcomes into the counters, session keys into the key log.
    fn store_decryption(
        &mut self,
        outcomes: Vec<wirewatch_decrypt::Outcome>,
        keys: Vec<(
            wirewatch_sensor::sensor::Endpoints,
            wirewatch_decrypt::KeylogEntry,
        )>,
    ) {
        if !outcomes.is_empty() {
            let n = tls_keys::counts(&outcomes);
            self.written.tls_decrypted +=
                n.keys.iter().map(|k| k.1).sum::<u64>() + n.keylog_decrypted;
            self.written.tls_decrypt_failures +=
                n.keys.iter().map(|k| k.2).sum::<u64>() + n.keylog_failures;
            self.written.tls_over_budget += n.rsa_over_budget;
            let quiet = self
                .over_budget_logged
                .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(60));
            if n.rsa_over_budget > 0 && !quiet {
                self.over_budget_logged = Some(std::time::Instant::now());
                let b = &self.tls_state.rsa;
                tracing::warn!(
                    sessions = b.dropped(),
                    per_second = b.per_second(),
                    burst = b.burst(),
                    "TLS sessions not decrypted: RSA private-key operations over the budget \
                     (--tls-rsa-per-second; logged at most once a minute, counted in \
                     /ssldecryptkeys/keylog)"
                );
            }
            if let Err(e) = self.store.add_decrypt_counts(&n) {
                tracing::warn!(error = %e, "could not count TLS decryption outcomes");
            }
        }
        if !keys.is_empty() {
            let lines: Vec<_> = keys.iter().map(|(_, e)| tls_keys::line(e)).collect();
            if let Err(e) = self
                .store
                .add_session_keys(&lines, wirewatch_store::SOURCE_SENSOR)
            {
                tracing::warn!(error = %e, "could not keep TLS session keys");
            }
        }
    }

    /// Store a batch (with metric points and the input's mark, in one
    /// transaction), then hand its records to the triggers.
    pub fn commit(
        &mut self,
        mut batch: Batch,
        metrics: &[MetricPoint],
        mark: Option<&mut FileMark>,
    ) -> Result<wirewatch_store::Committed> {
        if !batch.records.is_empty() {
            if let Some(m) = self.threat_matcher() {
                let started = std::time::Instant::now();
                let raised = self.threat_raiser.mark(&m, &mut batch.records);
                batch.detections.extend(raised);
                self.threat_check += started.elapsed();
            }
        }
        // The packets up to the mark go to disk while the store commits
        // (not waited for: a kill in between loses at most the writer
        // thread's queue; a resumed run does not keep them again).
        self.flush_packets();
        let done = self.store.commit_ingest(
            IngestBatch {
                records: &batch.records,
                detections: batch.detections,
                metrics,
            },
            mark,
        )?;
        self.written.records += done.records;
        self.written.detections += done.detections;
        for e in &done.refused {
            self.written.detection_errors += 1;
            tracing::warn!(error = %e, "a detection could not be stored");
        }
        self.fire(&batch.records);
        Ok(done)
    }

    /// Hand records to the trigger queue (the events some trigger runs on).
    fn fire(&self, records: &[NewRecord]) {
        if let Some(t) = &self.triggers {
            let events = wirewatch_triggers::objects::sensor_events(records, |e| t.wants(e));
            t.fire(events);
        }
    }

    /// Move what the sensor produced into the store, through the detectors.
    pub fn flush(&mut self, sensor: &mut Sensor) -> Result<()> {
        let batch = self.take_sensor(sensor, true);
        self.commit(batch, &[], None)?;
        Ok(())
    }

    /// Store the sensor's device evidence and metrics (drained); returns
    /// (devices new to the store, metric points).
    pub fn store_devices_and_metrics(&mut self, sensor: &mut Sensor) -> Result<(usize, usize)> {
        let new = self
            .store
            .upsert_devices(&devices::device_updates(sensor))?;
        let points = devices::metric_points(&self.store, sensor)?;
        self.store.add_metrics(&points)?;
        Ok((new, points.len()))
    }
}
