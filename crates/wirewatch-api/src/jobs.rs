//! A small runner of long operations (`/jobs`): each job runs on the
//! blocking pool and reports its steps; `GET /jobs/{id}` shows its progress.
//! The jobs: support packs (`supportpack_execute`, `supportpack_upload`),
//! threat collection loads with their back-search
//! (`threatcollection_load`) and TLS certificate regeneration
//! (`sslcert_regenerate`). The operation that starts one names it in its
//! answer's `Location` (`/api/v1/jobs/{id}`, as ExtraHop does) where that
//! header is free (a `201` names the object made; a collection names its
//! load's job in `backsearch.job_id`).
//!
//! Jobs live in memory: a restart forgets them, and that is deliberate. A
//! job is the progress of work running in this process, which a restart
//! stops anyway; what a job makes is kept where it belongs and survives
//! (the support pack's file, the certificate, the collection's observables
//! and its back-search outcome, whose state a restart turns from `running`
//! to `failed` with the reason). The most recent [`KEEP`] finished ones
//! are kept, and at most [`MAX_RUNNING`] run at once (beyond it a new one
//! is refused with 429 rather than queued without end).

use parking_lot::Mutex;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;

/// Finished jobs kept for `GET /jobs`.
pub const KEEP: usize = 100;
/// Jobs running at once.
pub const MAX_RUNNING: usize = 4;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

/// The status of a job (`GET /jobs/{id}`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(rename = "JobStatus", example = Job::example())]
pub struct Job {
    /// The job's id.
    pub id: String,
    /// What the job does: `supportpack_execute`, `supportpack_upload`,
    /// `threatcollection_load`, `sslcert_regenerate`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: JobState,
    /// What the current step does.
    pub step_description: String,
    /// The current step (1-based; `total_steps` when done).
    pub step_number: u32,
    /// How many steps the job has.
    pub total_steps: u32,
    /// The outcome: what was made, or why it failed.
    pub details: String,
    /// Jobs on other systems (always empty: a sensor has no remote nodes).
    pub remote_jobs: Vec<serde_json::Value>,
    /// wirewatch extension: when the job was started (ms since the epoch).
    pub created_time: i64,
    /// wirewatch extension: when it finished (ms since the epoch), or `null`.
    pub finished_time: Option<i64>,
    /// wirewatch extension: the user who started it.
    pub user: String,
    /// wirewatch extension: what the job made (a support pack's file name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl Job {
    pub fn example() -> Job {
        Job {
            id: "3f2a9c1e5b7d4a60".into(),
            kind: "supportpack_execute".into(),
            status: JobState::Running,
            step_description: "collecting store statistics".into(),
            step_number: 2,
            total_steps: 5,
            details: String::new(),
            remote_jobs: vec![],
            created_time: 1_700_000_000_000,
            finished_time: None,
            user: "setup".into(),
            result: None,
        }
    }
}

/// The jobs of this process.
#[derive(Default)]
pub struct Jobs {
    list: Mutex<VecDeque<Job>>,
}

/// A running job's handle: reports its steps.
pub struct Progress {
    jobs: Arc<Jobs>,
    id: String,
}

impl Progress {
    /// The job's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Entering step `n`.
    pub fn step(&self, n: u32, description: &str) {
        self.jobs.update(&self.id, |j| {
            j.status = JobState::Running;
            j.step_number = n;
            j.step_description = description.to_string();
        });
    }
}

/// Too many jobs running.
#[derive(Debug)]
pub struct Busy;

impl From<Busy> for crate::error::ApiError {
    fn from(_: Busy) -> Self {
        crate::error::ApiError(wirewatch_model::Error::new(
            wirewatch_model::Code::TooManyRequests,
            format!(
                "{MAX_RUNNING} jobs are running; retry when one has finished (GET /api/v1/jobs)"
            ),
        ))
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Jobs {
    /// Every job, newest first.
    pub fn all(&self) -> Vec<Job> {
        self.list.lock().iter().rev().cloned().collect()
    }

    pub fn get(&self, id: &str) -> Option<Job> {
        self.list.lock().iter().find(|j| j.id == id).cloned()
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(j) = self.list.lock().iter_mut().find(|j| j.id == id) {
            f(j);
        }
    }

    /// Register a job (queued) unless too many run.
    fn register(&self, kind: &str, total_steps: u32, user: &str) -> Result<String, Busy> {
        let mut list = self.list.lock();
        let active = list
            .iter()
            .filter(|j| matches!(j.status, JobState::Queued | JobState::Running))
            .count();
        if active >= MAX_RUNNING {
            return Err(Busy);
        }
        let id = {
            use rand::Rng;
            let b: [u8; 8] = rand::thread_rng().gen();
            hex::encode(b)
        };
        list.push_back(Job {
            id: id.clone(),
            kind: kind.to_string(),
            status: JobState::Queued,
            step_description: "queued".into(),
            step_number: 0,
            total_steps,
            details: String::new(),
            remote_jobs: vec![],
            created_time: now_ms(),
            finished_time: None,
            user: user.to_string(),
            result: None,
        });
        // Forget the oldest finished jobs beyond the limit.
        while list.len() > KEEP + MAX_RUNNING {
            match list
                .iter()
                .position(|j| matches!(j.status, JobState::Done | JobState::Failed))
            {
                Some(i) => {
                    list.remove(i);
                }
                None => break,
            }
        }
        Ok(id)
    }

    fn finish(&self, id: &str, outcome: Result<(String, Option<String>), String>) {
        self.update(id, |j| {
            j.finished_time = Some(now_ms());
            match outcome {
                Ok((details, result)) => {
                    j.status = JobState::Done;
                    j.step_number = j.total_steps;
                    j.step_description = "done".into();
                    j.details = details;
                    j.result = result;
                }
                Err(why) => {
                    j.status = JobState::Failed;
                    j.details = why;
                }
            }
        });
    }

    /// Start `work` on the blocking pool as a job of `kind`; it returns what
    /// it made (details, and a file name) or why it failed.
    pub fn spawn<F>(
        self: &Arc<Self>,
        kind: &str,
        total_steps: u32,
        user: &str,
        work: F,
    ) -> Result<String, Busy>
    where
        F: FnOnce(&Progress) -> Result<(String, Option<String>), String> + Send + 'static,
    {
        let id = self.register(kind, total_steps, user)?;
        let progress = Progress {
            jobs: self.clone(),
            id: id.clone(),
        };
        let kind = kind.to_string();
        tokio::task::spawn_blocking(move || {
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&progress)))
                    .unwrap_or_else(|_| {
                        Err("the job stopped unexpectedly; see the server log".into())
                    });
            if let Err(why) = &outcome {
                tracing::warn!(job = %progress.id, kind = %kind, error = %why, "job failed");
            }
            progress.jobs.finish(&progress.id, outcome);
        });
        Ok(id)
    }

    /// Record a job that ran to completion in the request itself.
    pub fn record_done(&self, kind: &str, user: &str, details: String) -> Result<String, Busy> {
        let id = self.register(kind, 1, user)?;
        self.finish(&id, Ok((details, None)));
        Ok(id)
    }
}
