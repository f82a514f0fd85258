//! Alerts at work: evaluation of the stored alerts against the metrics store
//! and new detections (`evaluate`), and alert e-mail over SMTP from a
//! durable outbox (`notify`). `wirewatch serve` runs both as tasks.

pub mod evaluate;
pub mod notify;

pub use evaluate::{evaluate, packet_clock, Round};
pub use notify::{message, run_live, Delivered, Notifier, SmtpConfig, SmtpSecurity, SmtpWatch};

use std::time::Duration;
use wirewatch_store::Store;

/// An error of evaluation or notification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] wirewatch_store::StoreError),
    /// The SMTP configuration is unusable.
    #[error("SMTP configuration: {0}")]
    Config(String),
}

/// Evaluate the alerts every `every` until `stop` resolves. `mail`: whether
/// firings queue e-mail (an SMTP server is configured), asked every round.
pub async fn run_evaluator(
    store: Store,
    every: Duration,
    mail: impl Fn() -> bool + Send,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let s = store.clone();
        let now = wirewatch_model::now_ms();
        let mail = mail();
        match tokio::task::spawn_blocking(move || evaluate::evaluate_with(&s, now, mail)).await {
            Ok(Ok(r)) if !r.fired.is_empty() => {
                tracing::info!(fired = r.fired.len(), until = ?r.until, "alert evaluation")
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "alert evaluation failed"),
            Err(e) => tracing::warn!(error = %e, "alert evaluation panicked"),
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
