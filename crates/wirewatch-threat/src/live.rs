//! The matcher a process checks its traffic against, shared by its inputs
//! (capture files, live interfaces, EVE) and the API, and rebuilt off the
//! ingest path when the threat collections change.
//!
//! - [`Live::for_batch`] is what a pipeline calls for each batch: a read of
//!   the collections' generation (a counter in the store) and a clone of an
//!   `Arc`. When the generation moved on (an upload, a deletion, by this
//!   process or another one on the same store) it starts a rebuild on a
//!   thread of its own and goes on with the matcher it has; the new one is
//!   swapped in when built. Only the very first batch of a process waits,
//!   for the first build (started in the background by [`Live::start`], so
//!   it overlaps with the analysis of the first batch when a second core is
//!   free): before it there is nothing to check against, and a record let
//!   through unchecked would be a match lost.
//! - [`Live::refresh`] builds the matcher now (the upload job of the API
//!   calls it before its back-search, so that the records stored after the
//!   back-search's read are checked live against the new collection).
//!
//! While a rebuild runs both matchers are held (twice the memory for that
//! time). A build that fails is logged and retried at most every
//! [`RETRY`]; meanwhile the previous matcher stays in use.

use crate::matcher::Matcher;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};
use wirewatch_store::{Store, StoreError};

/// Least time between two attempts to build the same generation after a failure.
pub const RETRY: Duration = Duration::from_secs(10);

#[derive(Default)]
struct BuildState {
    /// A build runs (on some thread).
    running: bool,
    /// A thread to build was started and has not begun yet.
    queued: bool,
    /// The generation whose build failed last, and when.
    failed: Option<(u64, Instant)>,
    /// Builds completed (for the log and tests).
    builds: u64,
}

/// The shared, swappable matcher of one store (see the module's documentation).
pub struct Live {
    store: Store,
    current: RwLock<Option<Arc<Matcher>>>,
    state: Mutex<BuildState>,
    built: Condvar,
}

/// Resets `running` (and wakes the waiters) even when a build panics.
struct Running<'a>(&'a Live);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        s.running = false;
        self.0.built.notify_all();
    }
}

impl Live {
    /// A matcher of `store`'s collections, not built yet.
    pub fn new(store: Store) -> Arc<Live> {
        Arc::new(Live {
            store,
            current: RwLock::new(None),
            state: Mutex::new(BuildState::default()),
            built: Condvar::new(),
        })
    }

    /// [`Live::new`], with its first build started in the background.
    pub fn start(store: Store) -> Arc<Live> {
        let live = Live::new(store);
        live.refresh_later();
        live
    }

    /// The matcher built last (`None` before the first build).
    pub fn current(&self) -> Option<Arc<Matcher>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Builds completed so far.
    pub fn builds(&self) -> u64 {
        self.lock().builds
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BuildState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Build the matcher of the store's current generation unless the
    /// current one is of it (waiting for a build another thread runs), and
    /// answer the matcher in use after it.
    pub fn refresh(&self) -> Result<Arc<Matcher>, StoreError> {
        let mut s = self.lock();
        while s.running {
            s = self.built.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.queued = false;
        let generation = self.store.threat_generation()?;
        if let Some(m) = self.current().filter(|m| m.generation == generation) {
            return Ok(m);
        }
        s.running = true;
        drop(s);
        let guard = Running(self);
        let started = Instant::now();
        let result = crate::backsearch::load_all(&self.store);
        let mut s = self.lock();
        let out = match result {
            Ok(m) => {
                tracing::info!(
                    observables = m.len(),
                    collections = m.collections.len(),
                    generation = m.generation,
                    ms = started.elapsed().as_millis() as u64,
                    "threat collections loaded"
                );
                let m = Arc::new(m);
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(m.clone());
                s.failed = None;
                s.builds += 1;
                Ok(m)
            }
            Err(e) => {
                tracing::warn!(error = %e, generation, "could not load the threat collections");
                s.failed = Some((generation, Instant::now()));
                Err(e)
            }
        };
        drop(s);
        drop(guard);
        out
    }

    /// Start [`Live::refresh`] on a thread of its own unless a build runs
    /// (or the same generation failed less than [`RETRY`] ago).
    pub fn refresh_later(self: &Arc<Self>) {
        self.refresh_later_of(None);
    }

    fn refresh_later_of(self: &Arc<Self>, generation: Option<u64>) {
        {
            let mut s = self.lock();
            if s.running || s.queued {
                return;
            }
            if let (Some((g, at)), Some(want)) = (s.failed, generation) {
                if g == want && at.elapsed() < RETRY {
                    return;
                }
            }
            s.queued = true;
        }
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("wirewatch-threat-load".into())
            .spawn(move || {
                let _ = me.refresh();
            });
        if let Err(e) = spawned {
            self.lock().queued = false;
            tracing::warn!(error = %e, "could not start loading the threat collections");
        }
    }

    /// The matcher to check a batch against (see the module's
    /// documentation): never a build on the caller's thread, except the
    /// first one of the process when none was started before.
    pub fn for_batch(self: &Arc<Self>) -> Option<Arc<Matcher>> {
        let generation = match self.store.threat_generation() {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the threat collections' generation");
                return self.current();
            }
        };
        match self.current() {
            Some(m) if m.generation == generation => Some(m),
            Some(m) => {
                self.refresh_later_of(Some(generation));
                Some(m)
            }
            // Nothing to check against yet: wait for the first build (or
            // make it).
            None => match self.refresh() {
                Ok(m) => Some(m),
                Err(_) => self.current(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirewatch_model::threat::{Observable, ObservableKind};
    use wirewatch_store::CollectionUpload;

    fn put(store: &Store, key: &str, values: &[&str]) {
        let list: Vec<Observable> = values
            .iter()
            .map(|v| Observable {
                kind: ObservableKind::Hostname,
                value: v.to_string(),
            })
            .collect();
        store
            .put_threat_collection(
                CollectionUpload {
                    user_key: key,
                    name: Some(key),
                    filename: None,
                    observables: Some(&list),
                },
                false,
            )
            .unwrap();
    }

    fn wait_for(live: &Arc<Live>, generation: u64) -> Arc<Matcher> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let m = live.for_batch().unwrap();
            if m.generation == generation {
                return m;
            }
            assert!(Instant::now() < until, "the rebuild did not happen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn first_batch_waits_then_rebuilds_happen_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Default::default()).unwrap();
        put(&store, "one", &["evil.example"]);
        let live = Live::start(store.clone());
        // The first batch gets the collections as stored (waiting for the
        // build started by `start`, or making it).
        let m = live.for_batch().unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(live.builds(), 1);
        // Unchanged: the same matcher, no build.
        assert!(Arc::ptr_eq(&m, &live.for_batch().unwrap()));
        assert_eq!(live.builds(), 1);
        // A change: the batch right after still gets a matcher at once (the
        // old one or the new one), and the new one comes.
        put(&store, "two", &["bad.example", "worse.example"]);
        let generation = store.threat_generation().unwrap();
        assert!(live.for_batch().is_some());
        let m = wait_for(&live, generation);
        assert_eq!(m.len(), 3);
        assert_eq!(m.collections.len(), 2);
        // `refresh` builds at once; twice in a row builds once.
        put(&store, "one", &["other.example"]);
        let before = live.builds();
        let m = live.refresh().unwrap();
        assert_eq!(m.generation, store.threat_generation().unwrap());
        let _ = live.refresh().unwrap();
        // (A background build started above may have been the one.)
        assert!(live.builds() <= before + 1);
        assert_eq!(m.len(), 3);
    }
}
