//! The trigger runner: one thread owning a JavaScript engine, running every
//! enabled trigger on each event, and committing what the runs produced
//! (ODS messages, debug lines, statistics, detections) together with the
//! removal of the events they handled. A trigger with `apply_all: false`
//! runs only for events about a device assigned to it, directly or through
//! a device group (a detection's device or IP participants, an alert
//! firing's device, a flow's client or server address); `EXTERNAL_DATA` is
//! about no device and runs every trigger on it.
//!
//! Durable events (`DETECTION_UPDATE`, `EXTERNAL_DATA`) come from the store's
//! event queue. Sensor events (`FLOW_TICK`, `HTTP_*`, `DNS_*`) come through a
//! bounded channel; when it is full the sensor does not wait — the events are
//! counted as dropped (`GET /triggers/{id}/stats` … `sensor_events_dropped`).

use crate::engine::{DetectionRefused, Engine, EngineError, Limits, RunEnd};
use crate::objects;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirewatch_model::access::Modules;
use wirewatch_model::detection::ParticipantKind;
use wirewatch_model::now_ms;
use wirewatch_model::trigger::{LogLine, Trigger};
use wirewatch_store::{Outgoing, PendingEvent, Queued, RunStats, Store, TriggerBatch};

/// Sensor event batches that may wait before the sensor's events are dropped.
pub const SENSOR_QUEUE: usize = 1024;
/// Durable events taken per round.
const ROUND: usize = 512;

/// One event from the sensor: its name and the objects the trigger sees.
#[derive(Debug, Clone)]
pub struct SensorEvent {
    pub event: &'static str,
    /// (global name, JSON text), e.g. ("Flow", "{…}"), ("HTTP", "{…}").
    pub globals: Vec<(&'static str, String)>,
    /// The flow's client and server addresses: a trigger with `apply_all:
    /// false` runs when one of them is an address of a device assigned to it.
    pub addrs: Vec<IpAddr>,
}

/// The devices an event is about, for triggers with `apply_all: false`.
#[derive(Debug, Default)]
struct Parties {
    devices: Vec<u64>,
    addrs: Vec<IpAddr>,
}

/// What a trigger with `apply_all: false` runs for: the ids and addresses
/// of its assigned devices (directly or through device groups).
struct Scope {
    devices: HashSet<u64>,
    addrs: HashSet<IpAddr>,
    read_at: Instant,
}

impl Scope {
    fn covers(&self, p: &Parties) -> bool {
        p.devices.iter().any(|d| self.devices.contains(d))
            || p.addrs.iter().any(|a| self.addrs.contains(a))
    }
}

/// Called after each commit with what was queued (wakes ODS workers).
pub type OnQueued = Box<dyn Fn(&Queued) + Send>;

/// Control of a running runner.
pub struct RunnerHandle {
    tx: SyncSender<Vec<SensorEvent>>,
    store: Store,
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunnerHandle {
    /// Whether some enabled trigger runs on `event` (so the sensor can skip building objects).
    pub fn wants(&self, event: &str) -> bool {
        self.store.triggers().iter().any(|t| t.runs_on(event))
    }

    /// Hand sensor events to the runner without waiting; returns false (and
    /// counts them) when the queue is full.
    pub fn fire(&self, events: Vec<SensorEvent>) -> bool {
        if events.is_empty() {
            return true;
        }
        let n = events.len() as u64;
        match self.tx.try_send(events) {
            Ok(()) => {
                self.store.trigger_signal().notify();
                true
            }
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(n, Ordering::Relaxed);
                false
            }
        }
    }

    /// Sensor events dropped because the runner could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Stop the thread after its current round.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        self.store.trigger_signal().notify();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts runner threads.
pub struct Runner;

impl Runner {
    pub fn spawn(
        store: Store,
        limits: Limits,
        on_queued: OnQueued,
    ) -> std::io::Result<RunnerHandle> {
        let (tx, rx) = sync_channel(SENSOR_QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let thread = {
            let store = store.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("wirewatch-triggers".into())
                .spawn(move || {
                    let mut w = match Worker::new(store, limits, on_queued) {
                        Ok(w) => w,
                        Err(e) => {
                            tracing::error!(error = %e, "the trigger engine did not start");
                            return;
                        }
                    };
                    w.run(rx, &stop);
                })?
        };
        Ok(RunnerHandle {
            tx,
            store,
            stop,
            dropped,
            thread: Some(thread),
        })
    }
}

/// How long a trigger owner's privileges are cached before being read again.
const RIGHTS_TTL: Duration = Duration::from_secs(2);

/// How long a trigger's assigned devices are kept before being read again
/// (a change of the assignments themselves is seen at once; a change of a
/// device group's members or of a device's addresses within this time).
const SCOPE_TTL: Duration = Duration::from_secs(2);

/// The effective roles of the user a trigger runs as (`None`: the user no
/// longer exists or is disabled, and the trigger may see and create nothing).
type Rights = Option<wirewatch_model::user::Roles>;

struct Worker {
    store: Store,
    engine: Engine,
    limits: Limits,
    /// The rights of the trigger running now, read by `commitDetection`.
    current: Arc<parking_lot::Mutex<Rights>>,
    /// Owners' rights, with when they were read.
    rights: HashMap<String, (Rights, Instant)>,
    on_queued: OnQueued,
    /// Script each trigger was last compiled from, and whether it compiled.
    compiled: HashMap<u64, (String, bool)>,
    batch: TriggerBatch,
    stats: HashMap<u64, RunStats>,
    /// Assigned devices of the triggers with `apply_all: false`.
    scopes: HashMap<u64, Scope>,
    /// `Store::trigger_links_gen` when `scopes` were read.
    links_gen: u64,
}

impl Worker {
    fn new(store: Store, limits: Limits, on_queued: OnQueued) -> Result<Worker, EngineError> {
        let s1 = store.clone();
        let s2 = store.clone();
        let current: Arc<parking_lot::Mutex<Rights>> = Arc::default();
        let cur = current.clone();
        let engine = Engine::new(
            limits,
            Box::new(move |new| {
                // The rule of POST /detections, for the trigger's owner.
                let roles = cur.lock().clone().ok_or(DetectionRefused::NoOwner)?;
                let format = s1.format(&new.kind, false).map_err(|e| {
                    DetectionRefused::Invalid(wirewatch_model::Error::from(e).message)
                })?;
                if format.is_some() {
                    let cats = wirewatch_model::access::new_detection_categories(
                        new.categories.as_deref(),
                        format.as_ref().map(|f| f.categories.as_slice()),
                    );
                    wirewatch_model::access::may_create_detection(&roles, &new.kind, &cats)
                        .map_err(|e| DetectionRefused::NotAllowed(e.message))?;
                }
                s1.check_new_detection(new.clone())
                    .map_err(|e| DetectionRefused::Invalid(wirewatch_model::Error::from(e).message))
            }),
            Box::new(move |kind, name| s2.ods_target(kind, name).is_some()),
        )?;
        Ok(Worker {
            store,
            engine,
            limits,
            current,
            rights: HashMap::new(),
            on_queued,
            compiled: HashMap::new(),
            batch: TriggerBatch::default(),
            stats: HashMap::new(),
            scopes: HashMap::new(),
            links_gen: 0,
        })
    }

    fn run(&mut self, rx: Receiver<Vec<SensorEvent>>, stop: &AtomicBool) {
        let signal = self.store.trigger_signal();
        while !stop.load(Ordering::Acquire) {
            let seen = signal.seq();
            let mut busy = false;
            let triggers = self.refresh();
            let mut sensor = 0usize;
            while sensor < ROUND * 8 {
                match rx.try_recv() {
                    Ok(events) => {
                        sensor += events.len();
                        for e in events {
                            self.sensor_event(&triggers, &e);
                        }
                        busy = true;
                    }
                    Err(_) => break,
                }
            }
            match self.store.pending_trigger_events(ROUND) {
                Ok(events) if !events.is_empty() => {
                    busy = true;
                    for e in events {
                        self.durable_event(&triggers, &e);
                        self.batch.done.push(e.id);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "reading trigger events failed");
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            if busy {
                self.commit();
            } else {
                signal.wait(seen, Duration::from_millis(500));
            }
        }
    }

    /// Enabled triggers, compiled; a trigger whose script does not compile is skipped (and logged once).
    fn refresh(&mut self) -> Vec<Trigger> {
        let triggers: Vec<Trigger> = self
            .store
            .triggers()
            .into_iter()
            .filter(|t| !t.disabled)
            .collect();
        let ids: Vec<u64> = triggers.iter().map(|t| t.id).collect();
        self.engine.retain(&ids);
        self.compiled.retain(|id, _| ids.contains(id));
        self.refresh_scopes(&triggers);
        let mut ok = Vec::with_capacity(triggers.len());
        for t in triggers {
            let fresh = self.compiled.get(&t.id).is_none_or(|(s, _)| *s != t.script);
            if fresh {
                let r = self.engine.prepare(t.id, &t.script);
                let good = r.is_ok();
                match r {
                    Ok(Some(w)) => self.line(&t, "warning", "", w),
                    Ok(None) => {}
                    Err(e) => {
                        self.line(&t, "error", "", format!("the script does not compile: {e}"))
                    }
                }
                self.compiled.insert(t.id, (t.script.clone(), good));
            }
            if self.compiled.get(&t.id).is_some_and(|(_, good)| *good) {
                ok.push(t);
            }
        }
        ok
    }

    /// Read the assigned devices of triggers with `apply_all: false` that
    /// changed or are older than [`SCOPE_TTL`].
    fn refresh_scopes(&mut self, triggers: &[Trigger]) {
        let gen = self.store.trigger_links_gen();
        if gen != self.links_gen {
            self.scopes.clear();
            self.links_gen = gen;
        }
        self.scopes.retain(|id, s| {
            s.read_at.elapsed() < SCOPE_TTL && triggers.iter().any(|t| t.id == *id && !t.apply_all)
        });
        for t in triggers.iter().filter(|t| !t.apply_all) {
            if self.scopes.contains_key(&t.id) {
                continue;
            }
            let devices = match self.store.trigger_devices(t.id) {
                Ok(d) => d,
                Err(e) => {
                    // Runs for nothing until read: never for more than assigned.
                    tracing::warn!(error = %e, trigger = t.id, "reading a trigger's assigned devices failed");
                    Vec::new()
                }
            };
            let addrs = devices
                .iter()
                .flat_map(|d| [&d.ipaddr4, &d.ipaddr6])
                .filter_map(|a| a.as_deref().and_then(|a| a.parse().ok()))
                .collect();
            self.scopes.insert(
                t.id,
                Scope {
                    devices: devices.iter().map(|d| d.id).collect(),
                    addrs,
                    read_at: Instant::now(),
                },
            );
        }
    }

    /// Whether `t` runs for an event about `parties` (`None`: an event about
    /// no device, e.g. `EXTERNAL_DATA`, which every trigger on it runs for).
    fn applies(&self, t: &Trigger, parties: Option<&Parties>) -> bool {
        match parties {
            _ if t.apply_all => true,
            None => true,
            Some(p) => self.scopes.get(&t.id).is_some_and(|s| s.covers(p)),
        }
    }

    fn line(&mut self, t: &Trigger, level: &str, event: &str, message: String) {
        self.batch.log.push(LogLine {
            id: 0,
            trigger_id: t.id,
            time: now_ms(),
            level: level.to_string(),
            event: event.to_string(),
            message,
        });
    }

    fn durable_event(&mut self, triggers: &[Trigger], e: &PendingEvent) {
        let globals: Vec<(&str, String)> = match e.event.as_str() {
            "DETECTION_UPDATE" => match &e.detection {
                Some(d) if !e.hidden => {
                    vec![("Detection", objects::detection(d, e.is_new).to_string())]
                }
                // Deleted or hidden by a tuning rule since: nothing to run on.
                _ => return,
            },
            "EXTERNAL_DATA" => vec![(
                "ExternalData",
                e.body
                    .clone()
                    .unwrap_or(serde_json::Value::Null)
                    .to_string(),
            )],
            "ALERT_RECORD_COMMIT" => vec![(
                "AlertRecord",
                e.body
                    .clone()
                    .unwrap_or(serde_json::Value::Null)
                    .to_string(),
            )],
            _ => return,
        };
        let parties = match e.event.as_str() {
            "DETECTION_UPDATE" => e.detection.as_ref().map(|d| Parties {
                devices: d
                    .participants
                    .iter()
                    .filter(|p| p.object_type == ParticipantKind::Device)
                    .filter_map(|p| p.object_id)
                    .collect(),
                addrs: d
                    .participants
                    .iter()
                    .flat_map(|p| {
                        let value = (p.object_type == ParticipantKind::Ipaddr)
                            .then_some(p.object_value.as_deref())
                            .flatten();
                        [p.ipaddr.as_deref(), value]
                    })
                    .filter_map(|a| a.and_then(|a| a.parse().ok()))
                    .collect(),
            }),
            // The firing's device.
            "ALERT_RECORD_COMMIT" => Some(Parties {
                devices: e
                    .body
                    .as_ref()
                    .and_then(|b| b.get("object_id"))
                    .and_then(serde_json::Value::as_u64)
                    .into_iter()
                    .collect(),
                addrs: Vec::new(),
            }),
            _ => None,
        };
        let chosen: Vec<&Trigger> = triggers
            .iter()
            .filter(|t| t.runs_on(&e.event) && Some(t.id) != e.origin)
            .filter(|t| self.applies(t, parties.as_ref()))
            .collect();
        for t in chosen {
            // A trigger sees only the detections its owner may see.
            if let Some(d) = &e.detection {
                let sees = self
                    .rights_of(t)
                    .is_some_and(|r| Modules::of(&r).sees(&d.categories));
                if !sees {
                    continue;
                }
            }
            self.run_one(t, &e.event, &globals);
        }
    }

    /// The rights of the user `t` runs as, cached for [`RIGHTS_TTL`].
    fn rights_of(&mut self, t: &Trigger) -> Rights {
        let owner = t.runs_as();
        if let Some((r, at)) = self.rights.get(owner) {
            if at.elapsed() < RIGHTS_TTL {
                return r.clone();
            }
        }
        let r = match self.store.user(owner) {
            Ok(Some(u)) if u.enabled => Some(u.effective_roles),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, owner, "reading a trigger owner's privileges failed");
                None
            }
        };
        self.rights
            .insert(owner.to_string(), (r.clone(), Instant::now()));
        r
    }

    fn sensor_event(&mut self, triggers: &[Trigger], e: &SensorEvent) {
        let globals: Vec<(&str, String)> = e.globals.iter().map(|(k, v)| (*k, v.clone())).collect();
        let parties = Parties {
            devices: Vec::new(),
            addrs: e.addrs.clone(),
        };
        let chosen: Vec<&Trigger> = triggers
            .iter()
            .filter(|t| t.runs_on(e.event) && self.applies(t, Some(&parties)))
            .collect();
        for t in chosen {
            self.run_one(t, e.event, &globals);
        }
    }

    fn run_one(&mut self, t: &Trigger, event: &str, globals: &[(&str, String)]) {
        let rights = self.rights_of(t);
        *self.current.lock() = rights;
        let g: Vec<(&str, &str)> = globals.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let started = Instant::now();
        let (end, out) = self.engine.run(t.id, &g, t.debug);
        let us = started.elapsed().as_micros() as u64;
        let s = self.stats.entry(t.id).or_default();
        s.runs += 1;
        s.total_us += us;
        s.max_us = s.max_us.max(us);
        s.last_run_time = Some(now_ms());
        match &end {
            RunEnd::Ok => {}
            RunEnd::Exception(m) => {
                s.errors += 1;
                s.last_error = Some(m.clone());
            }
            RunEnd::BudgetExceeded(m) => {
                s.budget_exceeded += 1;
                s.last_error = Some(m.clone());
            }
        }
        for (level, text) in out.log {
            self.line(t, level, event, text);
        }
        let d = out.dropped;
        if d.total() > 0 {
            let l = self.limits;
            let what = format!(
                "dropped beyond this run's caps: {} detections (cap {}), {} Remote messages (cap {}), {} log lines (cap {})",
                d.detections, l.detections, d.messages, l.messages, d.log_lines, l.log_lines
            );
            tracing::warn!(trigger = t.id, name = %t.name, "{what}");
            self.line(t, "warning", event, what);
            self.stats.entry(t.id).or_default().dropped += d.total();
        }
        match end {
            RunEnd::Ok => {}
            RunEnd::Exception(m) => {
                self.line(t, "error", event, format!("uncaught exception: {m}"))
            }
            RunEnd::BudgetExceeded(m) => self.line(t, "error", event, m),
        }
        for (_, target, message) in out.messages {
            self.batch.messages.push(Outgoing { target, message });
        }
        for d in out.detections {
            match self.store.prepare_trigger_detection(d, t.id) {
                Ok(p) => self.batch.detections.push(p),
                Err(e) => {
                    let msg = wirewatch_model::Error::from(e).message;
                    self.line(t, "error", event, format!("commitDetection: {msg}"));
                }
            }
        }
    }

    fn commit(&mut self) {
        let mut batch = std::mem::take(&mut self.batch);
        batch.stats = self.stats.drain().collect();
        match self.store.commit_trigger_batch(batch) {
            Ok(q) => (self.on_queued)(&q),
            Err(e) => {
                // The events stay queued and run again: at-least-once.
                tracing::error!(error = %e, "committing trigger results failed; the events will run again");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}
