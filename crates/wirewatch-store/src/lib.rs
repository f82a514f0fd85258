//! The embedded store: one SQLite database in WAL mode inside the data directory.
//!
//! One writer connection (behind a mutex) serialises writes; a small pool of
//! reader connections serves queries concurrently. A write is committed to the
//! WAL before the call returns, so an acknowledged write survives a SIGKILL of
//! the process (with `Durability::Full` it also survives power loss).
//! Small, hot tables (settings, tuning rules, localities, API keys) are cached
//! in memory and refreshed on every change.

mod activitymaps;
mod alerts;
mod audit;
mod commit;
mod custom_devices;
mod datadir;
mod detections;
mod devices;
mod error;
mod formats;
mod groups;
mod idps;
mod incidents;
mod ingested;
mod investigations;
mod links;
mod localities;
mod metrics;
mod observations;
mod ods;
pub mod passwords;
mod records;
mod rules;
mod schema;
mod search;
mod secrets;
mod sessions;
mod ssl_keys;
mod system;
mod threat;
mod tickets;
mod trigger_links;
mod triggers;
mod usergroups;
mod users;

pub use activitymaps::FlowGraph;
pub use alerts::{
    AlertLink, Firing, NewFiring, QueuedMail, MAX_FIRINGS, MAX_MAIL_ATTEMPTS, MAX_QUEUED_MAIL,
};
pub use audit::AuditEntry;
pub use commit::AuditRecord;
pub use detections::{DetectionPage, Visibility};
pub use error::{Conflict, Missing, Refusal, Result, StoreError};
pub use groups::{group_filter_schema, DeviceGroup, Tag};
pub use incidents::{FailedPush, IncidentRef, IncidentStats, PushJob, Pushed, RemoteState};
pub use ingested::{Committed, FileMark, IngestBatch};
pub use metrics::{MetricPoint, StoredPoint, CYCLES};
pub use observations::StoredObservation;
pub use ods::{reason, DeadLetter, OdsStats, OutboxRow, Outgoing, Queued, DEFAULT_QUEUE_LIMIT};
pub use records::{NewRecord, RecordQuery, Retention, StoredRecord};
pub use secrets::{
    KeyFormatError, SecretKey, SecretsError, KEY_ENV as SECRET_KEY_ENV, KEY_FILE as SECRET_KEY_FILE,
};
pub use sessions::{Session, SessionLimits};
pub use ssl_keys::{DecryptCounts, SessionKeyLine, TlsKeyMaterial, SOURCE_SENSOR, SOURCE_UPLOAD};
pub use threat::{CollectionUpload, ScannedRecord, ThreatSource};
pub use tickets::{
    guid_from, is_guid, new_guid, TicketOrder, TicketQuery, MAX_ATTACHMENT,
    MAX_LIMIT as MAX_TICKETS,
};
pub use trigger_links::TriggerLink;
pub use triggers::{
    PendingEvent, RunStats, Signal, TriggerBatch, TriggerDetection, LOG_KEEP as TRIGGER_LOG_KEEP,
};
pub use users::{random_hex, validate_password, AuthUser, SETUP_USERNAME};
pub use wirewatch_model::catalog::FormatInput;

use parking_lot::{Mutex, RwLock};
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use wirewatch_model::ods::{Target, TargetKind};
use wirewatch_model::settings::Ticketing;
use wirewatch_model::trigger::Trigger;

/// The one helper every store write runs through: a write waits for the
/// writer's mutex (held by an ingest batch or a group commit for
/// milliseconds at a time), so on a worker thread of a multi-threaded tokio
/// runtime (an API handler) the worker first hands its other tasks to another
/// thread (`block_in_place`), and a wait for the writer never stalls
/// unrelated requests. Elsewhere (capture threads, `spawn_blocking`, tests)
/// it simply runs `f`.
///
/// Reads do not go through it: they take a connection of their own from the
/// reader pool (WAL readers never wait for the writer) and answer from the
/// page cache in microseconds, and the handoff measured 35% of
/// `GET /detections/{id}` throughput (20k against 29-32k req/s). Reads that
/// can be long (record and detection searches, big listings) run in the
/// API's explicit `spawn_blocking` sections, which also build their answers.
fn off_the_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// How hard a commit works to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Survives a crash of the process (SIGKILL); the default.
    #[default]
    Process,
    /// Survives a crash of the machine: every commit is fsynced.
    Full,
}

/// Options for [`Store::open`].
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    pub durability: Durability,
    /// Number of reader connections; 0 means "one per core, at least two".
    pub readers: usize,
    /// The key that encrypts stored secrets (from `WIREWATCH_SECRET_KEY`);
    /// `None`: the key file `secret.key` in the data directory, created at
    /// first start. See `secrets.rs`.
    pub secret_key: Option<SecretKey>,
}

/// Cached, small, hot state.
#[derive(Default)]
struct Cache {
    ticketing: Ticketing,
    rules: Vec<rules::LiveRule>,
    localities: Vec<localities::LiveLocality>,
    keys: HashMap<String, AuthUser>,
    ods_targets: HashMap<(TargetKind, String), Target>,
    triggers: Vec<Trigger>,
}

/// The store. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    cache: RwLock<Cache>,
    /// Hands new detections to the group-commit thread.
    committer: std::sync::mpsc::SyncSender<commit::Job>,
    /// Messages waiting per ODS target.
    ods_queued: Mutex<HashMap<(TargetKind, String), u64>>,
    /// Bound of each ODS target's queue.
    ods_limit: AtomicU64,
    /// Random id of this data directory (prefix of idempotency keys).
    instance: String,
    /// Rows per record segment (see `records.rs`).
    record_segment_rows: AtomicU64,
    /// Set inside a transaction that queued trigger events; signalled after commit.
    events_dirty: AtomicBool,
    signal: Arc<triggers::Signal>,
    /// Moves on every change of a trigger's assignments (`trigger_links.rs`).
    trigger_links_gen: AtomicU64,
    /// Seals and opens the secrets of ODS targets and connectors.
    sealer: secrets::Sealer,
}

const DB_FILE: &str = "wirewatch.db";

fn configure(conn: &Connection, durability: Durability) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // 8 KiB pages: ingest ~10 % faster than 4 KiB; 16 KiB made each detection
    // commit write more and cut creates by 17 %. Takes effect only when the
    // file is new (before WAL mode is set).
    conn.pragma_update(None, "page_size", 8_192)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match durability {
        Durability::Process => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Checkpoint every ~40 MB of WAL (5,000 pages of 8 KiB) rather than 4 MB: hot pages (index
    // roots, the newest record segment) are copied back once per checkpoint,
    // not ten times.
    conn.pragma_update(None, "wal_autocheckpoint", 5_000)?;
    Ok(())
}

impl Store {
    /// Open (or create) the store in `dir`.
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Store> {
        datadir::create(dir).map_err(StoreError::Io)?;
        datadir::restrict(dir).map_err(StoreError::Io)?;
        let path = dir.join(DB_FILE);
        // 0600 before SQLite opens it: its -wal and -shm files take its mode.
        datadir::create_private_file(&path).map_err(StoreError::Io)?;
        let mut writer = Connection::open(&path)?;
        configure(&writer, opts.durability)?;
        schema::migrate(&mut writer)?;
        let sealer = secrets::load_key(dir, opts.secret_key.as_ref(), &writer)?;
        let sealed = secrets::seal_plain(&sealer, &mut writer)?;
        if sealed > 0 {
            tracing::info!(
                rows = sealed,
                "encrypted the secrets of ODS targets and connectors stored in plain text by an earlier version"
            );
        }
        let instance = match schema::meta_get(&writer, "instance_id")? {
            Some(i) => i,
            None => {
                let i = users::random_hex(8);
                schema::meta_set(&writer, "instance_id", &i)?;
                i
            }
        };
        let queued = ods::load_queued(&writer)?;
        let n = if opts.readers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .max(2)
                * 2
        } else {
            opts.readers
        };
        let mut readers = Vec::with_capacity(n);
        for _ in 0..n {
            let c = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            c.busy_timeout(std::time::Duration::from_secs(10))?;
            c.pragma_update(None, "cache_size", -32768)?;
            readers.push(c);
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(commit::QUEUE);
        let store = Store {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(readers),
                cache: RwLock::new(Cache::default()),
                committer: tx,
                ods_queued: Mutex::new(queued),
                ods_limit: AtomicU64::new(ods::DEFAULT_QUEUE_LIMIT),
                trigger_links_gen: AtomicU64::new(0),
                instance,
                record_segment_rows: AtomicU64::new(records::DEFAULT_SEGMENT_ROWS),
                events_dirty: AtomicBool::new(false),
                signal: Arc::default(),
                sealer,
            }),
        };
        let weak = Arc::downgrade(&store.inner);
        std::thread::Builder::new()
            .name("wirewatch-commit".into())
            .spawn(move || commit::run(weak, rx))
            .map_err(StoreError::Io)?;
        store.reload_cache()?;
        // The -wal and -shm files exist now; anything left wider by an earlier version is narrowed.
        datadir::restrict(dir).map_err(StoreError::Io)?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Run `f` with a reader connection (a fresh one if the pool is empty).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.read_now(f)
    }

    fn read_now<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.inner.readers.lock().pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c
            }
        };
        let out = f(&conn);
        self.inner.readers.lock().push(conn);
        out
    }

    /// Run `f` inside one write transaction; committed before returning.
    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        off_the_runtime(|| self.write_now(f))
    }

    fn write_now<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.inner.writer.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx);
        let out = match out {
            Ok(v) => v,
            Err(e) => {
                self.inner.events_dirty.store(false, Ordering::Release);
                return Err(e);
            }
        };
        tx.commit()?;
        drop(conn);
        if self.inner.events_dirty.swap(false, Ordering::AcqRel) {
            self.inner.signal.notify();
        }
        Ok(out)
    }

    fn reload_cache(&self) -> Result<()> {
        let ticketing = self.read(schema::load_ticketing)?;
        let rules = self.read(rules::load_live)?;
        let localities = self.read(localities::load_live)?;
        let keys = self.read(users::load_keys)?;
        let ods_targets = self.read(|c| ods::load_targets(c, &self.inner.sealer))?;
        let triggers = self.read(triggers::load_all)?;
        let mut c = self.inner.cache.write();
        c.ticketing = ticketing;
        c.rules = rules;
        c.localities = localities;
        c.keys = keys;
        c.ods_targets = ods_targets;
        c.triggers = triggers;
        Ok(())
    }

    /// Current ticket-tracking settings.
    pub fn ticketing(&self) -> Ticketing {
        self.inner.cache.read().ticketing.clone()
    }

    /// Whether third-party ticket tracking is on (without copying the settings).
    pub(crate) fn external_ticketing(&self) -> bool {
        self.inner.cache.read().ticketing.external_ticketing_enabled
    }

    /// Replace the ticket-tracking settings.
    pub fn set_ticketing(&self, t: Ticketing) -> Result<()> {
        let json = serde_json::to_string(&t)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES('ticketing', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [json],
            )?;
            Ok(())
        })?;
        self.inner.cache.write().ticketing = t;
        Ok(())
    }

    /// A value from the meta table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| schema::meta_get(c, key))
    }

    /// Set a value in the meta table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| schema::meta_set(tx, key, value))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod records_legacy_tests;

#[cfg(test)]
mod secrets_tests;

#[cfg(test)]
mod search_tests;
