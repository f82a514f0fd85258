//! Syslog targets: RFC 5424 messages over UDP (one per datagram), TCP or TLS
//! (newline framing, or RFC 6587 octet counting with
//! `tcp_length_prefix_framing`), written in batches of at least
//! `batch_min_bytes` over `concurrent_connections` connections. Messages go
//! out as facility local0 with the trigger's severity; the idempotency key
//! is the structured-data element `[wirewatch@32473 key="…"]`.

use super::{all, connect, Conn};
use crate::error::SinkError;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::UdpSocket;
use wirewatch_model::ods::{Message, SyslogProtocol, SyslogTarget};
use wirewatch_net::retry::Outcome;
use wirewatch_net::tls::{client_config, TlsOptions};
use wirewatch_store::OutboxRow;

/// Facility of every message: local0.
pub const FACILITY: u8 = 16;
/// Largest UDP datagram written; longer messages are truncated (RFC 5426 allows it).
pub const MAX_DATAGRAM: usize = 65_000;

pub struct SyslogSink {
    target: SyslogTarget,
    tls: Option<Arc<rustls::ClientConfig>>,
    conns: Vec<Option<Conn>>,
    udp: Option<UdpSocket>,
    hostname: String,
    instance: String,
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "wirewatch".into())
}

/// RFC 3339 timestamp with milliseconds, in UTC or the local offset.
pub fn timestamp(ms: i64, localtime: bool) -> String {
    let offset = if localtime {
        crate::local_offset()
    } else {
        time::UtcOffset::UTC
    };
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    let fmt = time::format_description::well_known::Rfc3339;
    t.format(&fmt).unwrap_or_else(|_| "-".into())
}

impl SyslogSink {
    pub fn new(target: SyslogTarget, instance: String) -> Result<SyslogSink, SinkError> {
        let tls = match target.protocol {
            SyslogProtocol::Tls => Some(client_config(
                &TlsOptions {
                    skip_verification: target.skip_cert_verification,
                    ca_pem: target.tls_ca_certs.clone(),
                    client_cert_pem: target.tls_client_cert.clone(),
                    client_key_pem: target.tls_client_key.clone(),
                },
                false,
            )?),
            _ => None,
        };
        let n = target.concurrent_connections.max(1) as usize;
        Ok(SyslogSink {
            target,
            tls,
            conns: (0..n).map(|_| None).collect(),
            udp: None,
            hostname: hostname(),
            instance,
        })
    }

    /// One message as RFC 5424 text (no framing).
    pub fn format(&self, row: &OutboxRow) -> Option<String> {
        let Message::Syslog {
            severity,
            time,
            message,
        } = &row.message
        else {
            return None;
        };
        let pri = u32::from(FACILITY) * 8 + u32::from((*severity).min(7));
        Some(format!(
            "<{pri}>1 {} {} wirewatch - - [wirewatch@32473 key=\"wirewatch-{}-{}\"] {}",
            timestamp(*time, self.target.localtime),
            self.hostname,
            self.instance,
            row.key_id,
            message.replace(['\r', '\n'], " ")
        ))
    }

    /// Whether a round of `rows` is below `batch_min_bytes` (the worker then
    /// waits briefly for more before writing).
    pub fn below_batch_min(&self, rows: &[OutboxRow]) -> bool {
        let min = self.target.batch_min_bytes;
        if min == 0 || self.target.protocol == SyslogProtocol::Udp {
            return false;
        }
        let approx: u64 = rows
            .iter()
            .map(|r| match &r.message {
                Message::Syslog { message, .. } => message.len() as u64 + 100,
                _ => 0,
            })
            .sum();
        approx < min
    }

    fn frame(&self, text: &str, out: &mut Vec<u8>) {
        if self.target.tcp_length_prefix_framing {
            out.extend_from_slice(format!("{} ", text.len()).as_bytes());
            out.extend_from_slice(text.as_bytes());
        } else {
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
    }

    pub async fn health(&self) -> Result<String, SinkError> {
        let t = &self.target;
        match t.protocol {
            SyslogProtocol::Udp => {
                let s = UdpSocket::bind("0.0.0.0:0")
                    .await
                    .map_err(SinkError::Socket)?;
                s.connect((t.host.as_str(), t.port))
                    .await
                    .map_err(|source| SinkError::Udp {
                        host: t.host.clone(),
                        port: t.port,
                        source,
                    })?;
                Ok(format!(
                    "{}:{} resolves; UDP delivery cannot be confirmed by the receiver",
                    t.host, t.port
                ))
            }
            _ => {
                connect(&t.host, t.port, self.tls.clone()).await?;
                Ok(format!("connected to {}:{}", t.host, t.port))
            }
        }
    }

    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        if self.target.protocol == SyslogProtocol::Udp {
            return self.send_udp(rows).await;
        }
        let n = self.conns.len().min(rows.len()).max(1);
        let chunk = rows.len().div_ceil(n);
        let mut out = Vec::with_capacity(rows.len());
        for (slot, part) in rows.chunks(chunk.max(1)).enumerate() {
            let mut buf = Vec::with_capacity(part.len() * 160);
            let mut results = Vec::with_capacity(part.len());
            for row in part {
                match self.format(row) {
                    Some(text) => {
                        self.frame(&text, &mut buf);
                        results.push(Outcome::Sent);
                    }
                    None => results.push(Outcome::Refused("not a syslog message".into())),
                }
            }
            if let Err(e) = self.write(slot, &buf).await {
                out.extend(all(
                    part,
                    Outcome::Retry {
                        error: e.to_string(),
                        after: None,
                    },
                ));
            } else {
                out.extend(results);
            }
        }
        out
    }

    async fn write(&mut self, slot: usize, buf: &[u8]) -> Result<(), SinkError> {
        if let Some(c) = self.conns[slot].as_mut() {
            if super::peer_closed(c).await {
                self.conns[slot] = None;
            }
        }
        if self.conns[slot].is_none() {
            let t = &self.target;
            self.conns[slot] = Some(connect(&t.host, t.port, self.tls.clone()).await?);
        }
        let Some(c) = self.conns[slot].as_mut() else {
            return Err(SinkError::NoConnection);
        };
        let r = async {
            c.write_all(buf).await?;
            c.flush().await
        }
        .await;
        if let Err(e) = r {
            self.conns[slot] = None;
            return Err(SinkError::Write {
                host: self.target.host.clone(),
                port: self.target.port,
                source: e,
            });
        }
        Ok(())
    }

    async fn send_udp(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        if self.udp.is_none() {
            let t = &self.target;
            let s = match UdpSocket::bind("0.0.0.0:0").await {
                Ok(s) => s,
                Err(e) => {
                    return all(
                        rows,
                        Outcome::Retry {
                            error: e.to_string(),
                            after: None,
                        },
                    )
                }
            };
            if let Err(e) = s.connect((t.host.as_str(), t.port)).await {
                return all(
                    rows,
                    Outcome::Retry {
                        error: format!("{}:{}: {e}", t.host, t.port),
                        after: None,
                    },
                );
            }
            self.udp = Some(s);
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(text) = self.format(row) else {
                out.push(Outcome::Refused("not a syslog message".into()));
                continue;
            };
            let bytes = &text.as_bytes()[..text.len().min(MAX_DATAGRAM)];
            let Some(s) = self.udp.as_ref() else { break };
            match s.send(bytes).await {
                Ok(_) => out.push(Outcome::Sent),
                Err(e) => {
                    self.udp = None;
                    let rest = rows.len() - out.len();
                    out.extend((0..rest).map(|_| Outcome::Retry {
                        error: format!("UDP send: {e}"),
                        after: None,
                    }));
                    break;
                }
            }
        }
        out
    }
}
