//! The sinks: a closed set of target kinds, each built from its typed config
//! and answering one [`Outcome`] per outbox row.

pub mod azure;
pub mod http;
pub mod kafka;
pub mod mongodb;
pub mod raw;
pub mod sigv4;
pub mod syslog;

use crate::error::SinkError;
use std::time::Duration;
use wirewatch_model::ods::Target;
use wirewatch_net::connect::{connect, Conn};
use wirewatch_net::retry::Outcome;
use wirewatch_store::OutboxRow;

/// Whether the receiver closed a connection we only write to (syslog, raw).
/// Such receivers never send anything, so anything readable means the peer
/// is gone: writing would "succeed" into the kernel buffer and be lost, so
/// the caller reconnects instead (and fails, and retries, while it is down).
pub async fn peer_closed(conn: &mut Conn) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 256];
    // `timeout` polls the read once before looking at the clock.
    match tokio::time::timeout(Duration::ZERO, conn.read(&mut buf)).await {
        Err(_) => false,
        Ok(Ok(0)) | Ok(Err(_)) => true,
        Ok(Ok(_)) => false,
    }
}

/// A sink of any kind.
pub enum Sink {
    Http(Box<http::HttpSink>),
    Syslog(Box<syslog::SyslogSink>),
    Raw(Box<raw::RawSink>),
    Mongodb(Box<mongodb::MongoSink>),
    Kafka(Box<kafka::KafkaSink>),
    /// A kind this build cannot deliver to; every message stays queued.
    Unsupported(String),
}

impl Sink {
    /// Build the sink of a target; `instance` prefixes idempotency keys.
    pub fn build(target: &Target, instance: &str) -> Result<Sink, SinkError> {
        Ok(match target {
            Target::Http(t) => {
                Sink::Http(Box::new(http::HttpSink::new(t.clone(), instance.into())?))
            }
            Target::Syslog(t) => Sink::Syslog(Box::new(syslog::SyslogSink::new(
                t.clone(),
                instance.into(),
            )?)),
            Target::Raw(t) => Sink::Raw(Box::new(raw::RawSink::new(t.clone())?)),
            Target::Mongodb(t) => Sink::Mongodb(Box::new(mongodb::MongoSink::new(
                t.clone(),
                instance.into(),
            )?)),
            Target::Kafka(t) => {
                Sink::Kafka(Box::new(kafka::KafkaSink::new(t.clone(), instance.into())?))
            }
        })
    }

    /// Rows taken per round.
    pub fn batch_size(&self) -> usize {
        match self {
            Sink::Http(_) => 256,
            Sink::Syslog(_) | Sink::Raw(_) => 2048,
            Sink::Mongodb(_) => 256,
            Sink::Kafka(_) => 16_384,
            Sink::Unsupported(_) => 1,
        }
    }

    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        match self {
            Sink::Http(s) => s.send(rows).await,
            Sink::Syslog(s) => s.send(rows).await,
            Sink::Raw(s) => s.send(rows).await,
            Sink::Mongodb(s) => s.send(rows).await,
            Sink::Kafka(s) => s.send(rows).await,
            Sink::Unsupported(why) => rows
                .iter()
                .map(|_| Outcome::Retry {
                    error: why.clone(),
                    after: Some(Duration::from_secs(60)),
                })
                .collect(),
        }
    }

    /// Whether the worker should wait briefly for more messages before sending `rows`.
    pub fn below_batch_min(&self, rows: &[OutboxRow]) -> bool {
        match self {
            Sink::Syslog(s) => s.below_batch_min(rows),
            _ => false,
        }
    }

    /// Check the target can be reached.
    pub async fn health(&self) -> Result<String, SinkError> {
        match self {
            Sink::Http(s) => s.health().await,
            Sink::Syslog(s) => s.health().await,
            Sink::Raw(s) => s.health().await,
            Sink::Mongodb(s) => s.health().await,
            Sink::Kafka(s) => s.health().await,
            Sink::Unsupported(why) => Err(SinkError::Unsupported(why.clone())),
        }
    }
}

/// The same outcome for every row (a whole batch written or failed at once).
pub(crate) fn all(rows: &[OutboxRow], o: Outcome) -> Vec<Outcome> {
    rows.iter().map(|_| o.clone()).collect()
}
