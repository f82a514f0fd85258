//! Raw targets: the trigger's bytes as they are, over TCP (a stream) or UDP
//! (one datagram per message). With `compression`, each round's messages are
//! written as gzip members of at most `gzip_threshold_bytes` of input; a
//! round never holds messages longer than the worker's wake-up interval, so
//! `gzip_threshold_seconds` is always met.

use super::{all, connect, Conn};
use crate::error::SinkError;
use flate2::write::GzEncoder;
use std::io::Write;
use tokio::io::AsyncWriteExt;
use tokio::net::UdpSocket;
use wirewatch_model::ods::{Message, RawProtocol, RawTarget};
use wirewatch_net::retry::Outcome;
use wirewatch_store::OutboxRow;

pub struct RawSink {
    target: RawTarget,
    conn: Option<Conn>,
    udp: Option<UdpSocket>,
}

fn gzip(chunks: &[&[u8]]) -> std::io::Result<Vec<u8>> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for c in chunks {
        e.write_all(c)?;
    }
    e.finish()
}

impl RawSink {
    pub fn new(target: RawTarget) -> Result<RawSink, SinkError> {
        Ok(RawSink {
            target,
            conn: None,
            udp: None,
        })
    }

    pub async fn health(&self) -> Result<String, SinkError> {
        let t = &self.target;
        match t.protocol {
            RawProtocol::Tcp => {
                connect(&t.host, t.port, None).await?;
                Ok(format!("connected to {}:{}", t.host, t.port))
            }
            RawProtocol::Udp => {
                let s = UdpSocket::bind("0.0.0.0:0")
                    .await
                    .map_err(SinkError::Socket)?;
                s.connect((t.host.as_str(), t.port))
                    .await
                    .map_err(SinkError::Socket)?;
                Ok(format!(
                    "{}:{} resolves; UDP delivery cannot be confirmed",
                    t.host, t.port
                ))
            }
        }
    }

    /// The bytes to write for a round: plain concatenation or gzip members.
    pub fn encode(&self, datas: &[&[u8]]) -> std::io::Result<Vec<u8>> {
        if !self.target.compression {
            return Ok(datas.concat());
        }
        let limit = self.target.threshold_bytes() as usize;
        let mut out = Vec::new();
        let mut member: Vec<&[u8]> = Vec::new();
        let mut size = 0usize;
        for d in datas {
            if size > 0 && size + d.len() > limit {
                out.extend(gzip(&member)?);
                member.clear();
                size = 0;
            }
            member.push(d);
            size += d.len();
        }
        if !member.is_empty() {
            out.extend(gzip(&member)?);
        }
        Ok(out)
    }

    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        let mut datas: Vec<&[u8]> = Vec::with_capacity(rows.len());
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            match &row.message {
                Message::Raw { data } => {
                    datas.push(data.as_bytes());
                    outcomes.push(Outcome::Sent);
                }
                _ => outcomes.push(Outcome::Refused("not a raw message".into())),
            }
        }
        let t = self.target.clone();
        match t.protocol {
            RawProtocol::Udp => {
                if self.udp.is_none() {
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
                                error: e.to_string(),
                                after: None,
                            },
                        );
                    }
                    self.udp = Some(s);
                }
                if let Some(s) = &self.udp {
                    for d in &datas {
                        if let Err(e) = s.send(d).await {
                            self.udp = None;
                            return all(
                                rows,
                                Outcome::Retry {
                                    error: format!("UDP send: {e}"),
                                    after: None,
                                },
                            );
                        }
                    }
                }
                outcomes
            }
            RawProtocol::Tcp => {
                let bytes = match self.encode(&datas) {
                    Ok(b) => b,
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
                if let Some(c) = self.conn.as_mut() {
                    if super::peer_closed(c).await {
                        self.conn = None;
                    }
                }
                if self.conn.is_none() {
                    match connect(&t.host, t.port, None).await {
                        Ok(c) => self.conn = Some(c),
                        Err(e) => {
                            return all(
                                rows,
                                Outcome::Retry {
                                    error: e.to_string(),
                                    after: None,
                                },
                            )
                        }
                    }
                }
                let Some(c) = self.conn.as_mut() else {
                    return all(
                        rows,
                        Outcome::Retry {
                            error: "no connection".into(),
                            after: None,
                        },
                    );
                };
                let r = async {
                    c.write_all(&bytes).await?;
                    c.flush().await
                }
                .await;
                match r {
                    Ok(()) => outcomes,
                    Err(e) => {
                        self.conn = None;
                        all(
                            rows,
                            Outcome::Retry {
                                error: format!("writing to {}:{}: {e}", t.host, t.port),
                                after: None,
                            },
                        )
                    }
                }
            }
        }
    }
}
