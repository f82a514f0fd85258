//! Alert e-mail over SMTP (`lettre`): the message of a firing, and the
//! notifier that drains the store's durable outbox (`alert_mail`).
//!
//! A message is deleted only once the SMTP server accepted it. A failure
//! that may pass (connection refused, timeout, a 4xx reply) puts it back
//! with the one retry policy's backoff (`wirewatch_net::retry::Backoff`,
//! capped at 30 s); a permanent refusal (a 5xx reply) keeps it, never due
//! again, with its error. A restart resumes with what is queued.

use crate::Error;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use wirewatch_net::retry::Backoff;
use wirewatch_store::{Firing, QueuedMail, Store};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay).
    None,
    /// Plain connection upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// Where and how alert e-mail is sent.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender address (`From`).
    pub from: String,
    pub security: SmtpSecurity,
    /// User name and password for SMTP AUTH (the password is a secret: never logged).
    pub credentials: Option<(String, String)>,
    /// Longest wait for the server on one message.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("security", &self.security)
            .field("username", &self.credentials.as_ref().map(|c| &c.0))
            .finish_non_exhaustive()
    }
}

/// The subject and body of a firing's e-mail (made before the firing is
/// stored: it names the alert, the device and the condition, not the firing's id).
pub fn message(f: &Firing) -> (String, String) {
    let subject = format!(
        "[wirewatch] Alert \"{}\" fired for {} (severity {})",
        f.alert_name, f.object_name, f.severity
    );
    let mut body = format!(
        "The alert \"{}\" (id {}, severity {}) fired for the device {} (id {}).\n",
        f.alert_name, f.alert_id, f.severity, f.object_name, f.object_id
    );
    if let Some(c) = &f.condition {
        body.push_str(&format!(
            "Condition: {c}, over the window {} to {} (ms since the epoch, packet time).\n",
            f.from.unwrap_or_default(),
            f.time
        ));
    }
    if let Some(d) = f.detection_id {
        body.push_str(&format!("Detection: {d}.\n"));
    }
    if f.severity <= 2 && f.condition.is_some() {
        body.push_str("Severity 0 to 2: a detection (metric_threshold_alert) was raised too.\n");
    }
    body.push_str(&format!(
        "The alert's firings: GET /api/v1/alerts/{}/firings\n",
        f.alert_id
    ));
    (subject, body)
}

/// Sends the queued alert e-mail.
pub struct Notifier {
    store: Store,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// What one delivery attempt did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Whether `from` is a sender address alert e-mail can carry (`a@b.c`,
/// `Name <a@b.c>`); the error says why not.
pub fn check_sender(from: &str) -> Result<(), String> {
    from.parse::<Mailbox>()
        .map(drop)
        .map_err(|e| format!("is not an e-mail address: {e}"))
}

impl SmtpConfig {
    /// Check the configuration as the notifier would use it (the sender
    /// address parses; TLS parameters build), without connecting.
    pub fn check(&self) -> Result<(), Error> {
        transport(self).map(drop)
    }
}

/// The sender and the SMTP transport of a configuration.
fn transport(config: &SmtpConfig) -> Result<(Mailbox, AsyncSmtpTransport<Tokio1Executor>), Error> {
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| Error::Config(format!("--smtp-from {:?}: {e}", config.from)))?;
    let tls = |host: &str| {
        TlsParameters::new(host.to_string())
            .map_err(|e| Error::Config(format!("TLS for {host}: {e}")))
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
        .port(config.port)
        .timeout(Some(config.timeout));
    b = match config.security {
        SmtpSecurity::None => b.tls(Tls::None),
        SmtpSecurity::StartTls => b.tls(Tls::Required(tls(&config.host)?)),
        SmtpSecurity::Tls => b.tls(Tls::Wrapper(tls(&config.host)?)),
    };
    if let Some((u, p)) = &config.credentials {
        b = b.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok((from, b.build()))
}

/// The SMTP configuration of a server, changeable while it runs (the
/// running configuration's `smtp` section): `None` when alert e-mail is off.
pub type SmtpWatch = tokio::sync::watch::Sender<Option<SmtpConfig>>;

/// Deliver alert e-mail with the configuration `config` holds, following
/// its changes: a new configuration takes effect for the next message; with
/// none (or an unusable one, logged) the queue waits. Checks the queue
/// every `every` until `stop` resolves.
pub async fn run_live(
    store: Store,
    mut config: tokio::sync::watch::Receiver<Option<SmtpConfig>>,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    // Whether the configuration can still change (its sender is alive).
    let mut watching = true;
    loop {
        let current = config.borrow_and_update().clone();
        let notifier = match current {
            None => None,
            Some(c) => match Notifier::new(store.clone(), &c) {
                Ok(n) => {
                    tracing::info!(smtp = ?c, "alert e-mail goes through this SMTP server");
                    Some(n)
                }
                Err(e) => {
                    tracing::error!(error = %e, "the SMTP configuration cannot be used; alert e-mail waits");
                    None
                }
            },
        };
        loop {
            if let Some(n) = &notifier {
                if let Err(e) = n.deliver_due().await {
                    tracing::warn!(error = %e, "alert e-mail delivery failed");
                }
            }
            tokio::select! {
                _ = &mut stop => return,
                changed = config.changed(), if watching => {
                    if changed.is_ok() {
                        break;
                    }
                    // The sender is gone: the configuration stays as it is.
                    watching = false;
                }
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}

impl Notifier {
    pub fn new(store: Store, config: &SmtpConfig) -> Result<Notifier, Error> {
        let (from, transport) = transport(config)?;
        Ok(Notifier {
            store,
            from,
            transport,
        })
    }

    fn build(&self, m: &QueuedMail) -> Result<Message, String> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for r in &m.recipients {
            let to: Mailbox = r.parse().map_err(|e| format!("recipient {r:?}: {e}"))?;
            b = b.to(to);
        }
        b.body(m.body.clone()).map_err(|e| e.to_string())
    }

    /// Send what is due now; failures are rescheduled.
    pub async fn deliver_due(&self) -> Result<Delivered, Error> {
        let now = wirewatch_model::now_ms();
        let due = self.store.due_alert_mail(now, 100)?;
        let mut out = Delivered::default();
        for m in due {
            let msg = match self.build(&m) {
                Ok(msg) => msg,
                Err(e) => {
                    tracing::warn!(mail = m.id, error = %e, "alert e-mail cannot be built; kept, not retried");
                    self.store.alert_mail_failed(m.id, &e, i64::MAX)?;
                    out.failed += 1;
                    continue;
                }
            };
            match self.transport.send(msg).await {
                Ok(_) => {
                    self.store.alert_mail_sent(m.id)?;
                    out.sent += 1;
                }
                Err(e) => {
                    out.failed += 1;
                    let next = if e.is_permanent() {
                        tracing::warn!(mail = m.id, error = %e, "the SMTP server refused an alert e-mail for good; kept, not retried");
                        i64::MAX
                    } else {
                        let mut b = Backoff::default();
                        let mut delay = b.fail();
                        for _ in 0..m.attempts.min(20) {
                            delay = b.fail();
                        }
                        tracing::info!(mail = m.id, attempts = m.attempts + 1, error = %e, retry_in_ms = delay.as_millis() as u64, "alert e-mail not sent; will retry");
                        now + delay.as_millis() as i64
                    };
                    self.store.alert_mail_failed(m.id, &e.to_string(), next)?;
                }
            }
        }
        Ok(out)
    }

    /// Deliver until `stop` resolves, checking the queue every `every`.
    pub async fn run(self, every: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "alert e-mail delivery failed");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}
