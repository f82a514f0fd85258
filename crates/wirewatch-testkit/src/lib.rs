//! Test kit for wirewatch: [`Client`], what the API tests ask of a wirewatch
//! under test (in-process or a real server), and fakes of the ticketing
//! products the connectors talk to.
//!
//! [`FakeItsm`] is **a local stateful fake of the documented APIs** of two
//! IT service-management products — the Jira Cloud REST API v2 and the
//! ServiceNow Table API (incident table). It is not Jira or ServiceNow: it
//! follows Atlassian's and ServiceNow's published request and response
//! shapes closely enough for connector tests and benchmarks, keeps its state
//! in memory, and can simulate outages ([`FakeItsm::stop`]) and error
//! answers ([`FakeItsm::fail_next`]). Where it is stricter than the real
//! products this is noted on the item concerned.
//!
//! The API is synchronous for test code: the HTTP server runs on its own
//! tokio runtime on background threads.
//!
//! ```no_run
//! let fake = wirewatch_testkit::FakeItsm::start("bot@example.com", "api-token");
//! let jira_base = format!("{}/rest/api/2", fake.url());
//! let snow_base = format!("{}/api/now/v2/table", fake.url());
//! # let _ = (jira_base, snow_base);
//! assert!(fake.jira_issues().is_empty());
//! ```

mod client;
mod clock;
mod ids;
mod jira;
mod server;
mod snow;

use std::io;
use std::net::TcpListener as StdListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::serve::ListenerExt as _;
use parking_lot::Mutex;
use tokio::runtime::Runtime;

pub use client::{det, ids, Client, Resp, PASSWORD};
use server::Shared;

/// Worker threads of the fake's runtime: enough for a benchmark client on
/// a small machine without competing with the code under test.
const WORKER_THREADS: usize = 2;
/// How long `stop` waits for the runtime (and every open connection) to go.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);
/// How long `resume` retries binding the old port.
const REBIND_WAIT: Duration = Duration::from_secs(5);

/// A running fake of the Jira Cloud REST API v2 and the ServiceNow Table API
/// on `127.0.0.1`, with Basic auth. Dropping it stops the server.
///
/// Routes (all need `Authorization: Basic base64(user:password)`; Jira
/// Cloud's pair is e-mail + API token, ServiceNow's user + password):
///
/// * Jira: `GET /rest/api/2/myself`, `GET /rest/api/2/user?accountId=`,
///   `POST /rest/api/2/issue`, `GET|PUT /rest/api/2/issue/{idOrKey}`,
///   `GET|POST /rest/api/2/issue/{idOrKey}/comment`,
///   `GET|POST /rest/api/2/issue/{idOrKey}/transitions`,
///   `GET /rest/api/2/issue/createmeta/{projectIdOrKey}/issuetypes`.
/// * ServiceNow (under `/api/now/v2/table` and `/api/now/table`):
///   `GET|POST /incident`, `GET|PUT|PATCH /incident/{sys_id}`,
///   `GET /sys_user/{sys_id}`.
#[derive(Debug)]
pub struct FakeItsm {
    shared: Arc<Shared>,
    port: u16,
    /// The runtime serving the current listening session; `None` while stopped.
    session: Mutex<Option<Runtime>>,
}

impl FakeItsm {
    /// Starts on an ephemeral port of 127.0.0.1. Panics if it cannot bind.
    pub fn start(user: &str, password: &str) -> FakeItsm {
        FakeItsm::start_on(0, user, password)
    }

    /// Starts on `127.0.0.1:port` (0: ephemeral). Panics if it cannot bind.
    pub fn start_on(port: u16, user: &str, password: &str) -> FakeItsm {
        FakeItsm::try_start_on(port, user, password)
            .unwrap_or_else(|e| panic!("fake-itsm: cannot listen on 127.0.0.1:{port}: {e}"))
    }

    /// Like [`FakeItsm::start_on`], returning bind errors instead of panicking.
    pub fn try_start_on(port: u16, user: &str, password: &str) -> io::Result<FakeItsm> {
        let listener = StdListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let fake = FakeItsm {
            shared: Arc::new(Shared::new(port, user, password)),
            port,
            session: Mutex::new(None),
        };
        let runtime = fake.serve(listener)?;
        *fake.session.lock() = Some(runtime);
        tracing::info!(port, "fake-itsm listening");
        Ok(fake)
    }

    /// A new runtime serving the router on `listener`.
    fn serve(&self, listener: StdListener) -> io::Result<Runtime> {
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("fake-itsm")
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let app = server::router(Arc::clone(&self.shared));
        runtime.spawn(async move {
            let listener = listener.tap_io(|tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "fake-itsm: TCP_NODELAY not set");
                }
            });
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "fake-itsm: server ended");
            }
        });
        Ok(runtime)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The port, kept across [`FakeItsm::stop`] / [`FakeItsm::resume`].
    pub fn port(&self) -> u16 {
        self.port
    }

    /// An outage: stops listening and drops every open connection (clients
    /// see connection refused, or a reset / EOF on a kept-alive connection).
    /// State is kept. Returns once the port is closed; idempotent.
    pub fn stop(&self) {
        let Some(runtime) = self.session.lock().take() else {
            return;
        };
        // Dropping a runtime inside an async context panics, and the caller
        // may be one; shutting down on a plain thread is always allowed.
        let shutdown = std::thread::spawn(move || runtime.shutdown_timeout(SHUTDOWN_WAIT));
        if shutdown.join().is_err() {
            tracing::warn!("fake-itsm: runtime shutdown panicked");
        }
        tracing::info!(port = self.port, "fake-itsm stopped");
    }

    /// Listens again on the same port, with the state kept. Idempotent.
    /// Panics if the port cannot be bound again within a few seconds.
    pub fn resume(&self) {
        let mut session = self.session.lock();
        if session.is_some() {
            return;
        }
        let deadline = Instant::now() + REBIND_WAIT;
        let listener = loop {
            match StdListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    tracing::debug!(error = %e, "fake-itsm: port busy, retrying");
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("fake-itsm: cannot listen again on port {}: {e}", self.port),
            }
        };
        let runtime = self
            .serve(listener)
            .unwrap_or_else(|e| panic!("fake-itsm: cannot serve on port {}: {e}", self.port));
        *session = Some(runtime);
        tracing::info!(port = self.port, "fake-itsm resumed");
    }

    /// Answers the next `n` API requests (any route under `/rest/` or
    /// `/api/now/`, before authentication) with `status` and an error body
    /// in that product's format, with `Retry-After: 1` on 429 and 503.
    /// Replaces any failures still pending. Panics on a status outside
    /// 100..=999.
    pub fn fail_next(&self, n: u32, status: u16) {
        assert!(
            StatusCode::from_u16(status).is_ok(),
            "fail_next: {status} is not an HTTP status"
        );
        self.shared.fail_next(n, status);
    }

    /// API requests answered so far, whatever their status.
    pub fn requests(&self) -> u64 {
        self.shared.requests()
    }

    /// Every Jira issue in creation order, each as `GET issue` renders it
    /// (comments under `fields.comment.comments`).
    pub fn jira_issues(&self) -> Vec<serde_json::Value> {
        self.shared.jira.lock().render_all(&self.shared.base_url)
    }

    /// One Jira issue by key (`SEC-1`) or id (`10000`).
    pub fn jira_issue(&self, key: &str) -> Option<serde_json::Value> {
        let jira = self.shared.jira.lock();
        jira.find(key)
            .map(|i| jira.render(i, &self.shared.base_url, None))
    }

    /// An analyst changes an issue in Jira: `status_name` is "To Do",
    /// "In Progress" or "Done" (any case); `assignee` `Some(Some(name))`
    /// assigns a person by display name, `Some(None)` unassigns. Updates
    /// `updated`. Panics on an unknown issue or status.
    pub fn jira_set(&self, key: &str, status_name: Option<&str>, assignee: Option<Option<&str>>) {
        let mut jira = self.shared.jira.lock();
        let idx = jira
            .find(key)
            .unwrap_or_else(|| panic!("jira_set: no issue {key}"));
        if let Some(name) = status_name {
            let status = jira::STATUSES
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(name))
                .unwrap_or_else(|| panic!("jira_set: unknown status {name:?}"));
            jira.set_status(idx, status);
        }
        if let Some(assignee) = assignee {
            jira.set_assignee(idx, assignee);
        }
    }

    /// Every ServiceNow incident in creation order: plain values (as with
    /// `sysparm_display_value=false`) plus `"_journal"`, the work notes and
    /// comments written, oldest first, as `{element, value, created_on}`.
    pub fn snow_incidents(&self) -> Vec<serde_json::Value> {
        self.shared.snow.lock().dump_all(&self.shared.base_url)
    }

    /// One incident by sys_id, shaped as in [`FakeItsm::snow_incidents`].
    pub fn snow_incident(&self, sys_id: &str) -> Option<serde_json::Value> {
        let snow = self.shared.snow.lock();
        snow.find(sys_id)
            .map(|i| snow.dump(i, &self.shared.base_url))
    }

    /// An analyst changes an incident in ServiceNow: `state` is a code
    /// ("1", "2", "3", "6", "7", "8"); `assigned_to` `Some(Some(name))`
    /// assigns by display name (the user is created in `sys_user` if new),
    /// `Some(None)` unassigns. No data policy applies. Panics on an unknown
    /// sys_id or state code.
    pub fn snow_set(&self, sys_id: &str, state: Option<&str>, assigned_to: Option<Option<&str>>) {
        self.shared
            .snow
            .lock()
            .analyst_set(sys_id, state, assigned_to);
    }
}

impl Drop for FakeItsm {
    fn drop(&mut self) {
        self.stop();
    }
}
