//! HTTP and HTTPS targets: HTTP/1.1 over kept-alive connections (several with
//! `pipeline`, in which case messages may arrive out of order), the target's
//! authentication, `additional_header`, and an `Idempotency-Key` header that
//! stays the same across retries and restarts.

use super::{azure, connect, join_all, sigv4, Conn};
use crate::retry::{http_outcome, Outcome};
use crate::tls::{client_config, TlsOptions};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use wirewatch_model::ods::{parse_header, HttpAuthType, HttpProtocol, HttpTarget, Message};
use wirewatch_store::OutboxRow;

/// Connections used when `pipeline` is on.
pub const PIPELINE_CONNECTIONS: usize = 8;
/// Longest wait for one request's answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

struct Token {
    value: String,
    expires: Instant,
}

/// An HTTP answer read in full.
#[derive(Debug)]
pub struct Exchanged {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The server will close the connection: do not reuse it.
    pub close: bool,
    pub body: Bytes,
}

/// Send one request on a connection and read the whole answer, each step
/// within [`REQUEST_TIMEOUT`]; an error means the connection is not reusable.
/// Shared by the HTTP sink and the incident connectors.
pub async fn exchange(
    conn: &mut SendRequest<Full<Bytes>>,
    req: hyper::Request<Full<Bytes>>,
) -> Result<Exchanged, String> {
    let rsp = match tokio::time::timeout(REQUEST_TIMEOUT, conn.send_request(req)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(format!("request failed: {e}")),
        Err(_) => return Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
    };
    let status = rsp.status().as_u16();
    let header = |name: &str| {
        rsp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let retry_after = header("retry-after");
    let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let body = match tokio::time::timeout(REQUEST_TIMEOUT, rsp.into_body().collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) => return Err(format!("reading the answer: {e}")),
        Err(_) => return Err("the answer stalled".into()),
    };
    Ok(Exchanged {
        status,
        retry_after,
        close,
        body,
    })
}

/// A configured HTTP sink.
pub struct HttpSink {
    target: HttpTarget,
    tls: Option<Arc<rustls::ClientConfig>>,
    conns: Vec<Option<SendRequest<Full<Bytes>>>>,
    extra: Option<(String, String)>,
    instance: String,
    token: Arc<Mutex<Option<Token>>>,
}

fn host_header(t: &HttpTarget) -> String {
    let default = match t.protocol {
        HttpProtocol::Http => 80,
        HttpProtocol::Https => 443,
    };
    let host = if t.host.contains(':') && !t.host.starts_with('[') {
        format!("[{}]", t.host)
    } else {
        t.host.clone()
    };
    if t.port == default {
        host
    } else {
        format!("{host}:{}", t.port)
    }
}

async fn open(
    host: &str,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<SendRequest<Full<Bytes>>, String> {
    let io: Conn = connect(host, port, tls).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake with {host}:{port}: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Parse `http[s]://host[:port]/path` (token endpoints).
fn split_url(url: &str) -> Result<(bool, String, u16, String), String> {
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("{url:?} is not an http(s) URL"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse() {
            Ok(p) => (h.trim_matches(['[', ']']).to_string(), p),
            Err(_) => (authority.to_string(), if https { 443 } else { 80 }),
        },
        _ => (authority.to_string(), if https { 443 } else { 80 }),
    };
    Ok((https, host, port, path))
}

fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        let mut o = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                o.push(b as char);
            } else {
                o.push_str(&format!("%{b:02X}"));
            }
        }
        o
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl HttpSink {
    pub fn new(target: HttpTarget, instance: String) -> Result<HttpSink, String> {
        let tls = match target.protocol {
            HttpProtocol::Https => Some(client_config(
                &TlsOptions {
                    skip_verification: target.skip_cert_verification,
                    ..TlsOptions::default()
                },
                true,
            )?),
            HttpProtocol::Http => None,
        };
        let n = if target.pipeline {
            PIPELINE_CONNECTIONS
        } else {
            1
        };
        let extra = target.additional_header.as_deref().and_then(parse_header);
        Ok(HttpSink {
            target,
            tls,
            conns: (0..n).map(|_| None).collect(),
            extra,
            instance,
            token: Arc::default(),
        })
    }

    /// Connect (and handshake TLS) to check the target is reachable.
    pub async fn health(&self) -> Result<String, String> {
        let t = &self.target;
        open(&t.host, t.port, self.tls.clone()).await?;
        Ok(format!(
            "connected to {}://{}:{}",
            match t.protocol {
                HttpProtocol::Http => "http",
                HttpProtocol::Https => "https",
            },
            t.host,
            t.port
        ))
    }

    /// An OAuth 2.0 bearer token (Entra ID or CrowdStrike), cached until it expires.
    async fn bearer(&self) -> Result<String, String> {
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            if t.expires > Instant::now() {
                return Ok(t.value.clone());
            }
        }
        let a = &self.target.authentication;
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let (endpoint, body) = match a.auth_type {
            HttpAuthType::AzureAd => {
                let (id, secret, resource) = (s(&a.client_id), s(&a.client_secret), s(&a.resource));
                let body = match a.grant_type {
                    Some(wirewatch_model::ods::GrantType::ResourceOwner) => form(&[
                        ("grant_type", "password"),
                        ("client_id", &id),
                        ("client_secret", &secret),
                        ("resource", &resource),
                        ("username", &s(&a.username)),
                        ("password", &s(&a.password)),
                    ]),
                    _ => form(&[
                        ("grant_type", "client_credentials"),
                        ("client_id", &id),
                        ("client_secret", &secret),
                        ("resource", &resource),
                    ]),
                };
                (s(&a.token_endpoint), body)
            }
            _ => (
                a.token_endpoint
                    .clone()
                    .unwrap_or_else(|| "https://api.crowdstrike.com/oauth2/token".into()),
                form(&[
                    ("client_id", &s(&a.client_id)),
                    ("client_secret", &s(&a.client_secret)),
                ]),
            ),
        };
        let (https, host, port, path) = split_url(&endpoint)?;
        let tls = if https {
            Some(client_config(&TlsOptions::default(), true)?)
        } else {
            None
        };
        let mut conn = open(&host, port, tls).await?;
        let req = hyper::Request::builder()
            .method("POST")
            .uri(&path)
            .header("host", &host)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let rsp = tokio::time::timeout(REQUEST_TIMEOUT, conn.send_request(req))
            .await
            .map_err(|_| "token endpoint timed out".to_string())?
            .map_err(|e| format!("token endpoint: {e}"))?;
        let status = rsp.status().as_u16();
        let bytes = rsp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if status != 200 && status != 201 {
            return Err(format!(
                "token endpoint answered HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ));
        }
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("token endpoint answered non-JSON: {e}"))?;
        let token = v["access_token"]
            .as_str()
            .ok_or("token endpoint answer has no access_token")?
            .to_string();
        let ttl = v["expires_in"]
            .as_u64()
            .or_else(|| v["expires_in"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(3600);
        *guard = Some(Token {
            value: token.clone(),
            expires: Instant::now() + Duration::from_secs(ttl.saturating_sub(30).max(1)),
        });
        Ok(token)
    }

    async fn request(&self, row: &OutboxRow) -> Result<hyper::Request<Full<Bytes>>, Outcome> {
        let Message::Http {
            method,
            path,
            headers,
            payload,
        } = &row.message
        else {
            return Err(Outcome::Refused("not an HTTP message".into()));
        };
        let t = &self.target;
        let path = if path.starts_with('/') {
            path.clone()
        } else {
            format!("/{path}")
        };
        let host = host_header(t);
        let mut all: Vec<(String, String)> = vec![("host".into(), host)];
        for (k, v) in headers {
            if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("content-length") {
                all.push((k.clone(), v.clone()));
            }
        }
        if let Some((k, v)) = &self.extra {
            all.push((k.clone(), v.clone()));
        }
        all.push((
            "idempotency-key".into(),
            format!("wirewatch-{}-{}", self.instance, row.key_id),
        ));
        let a = &t.authentication;
        match a.auth_type {
            HttpAuthType::None => {}
            HttpAuthType::Basic => {
                let raw = format!(
                    "{}:{}",
                    a.username.as_deref().unwrap_or(""),
                    a.password.as_deref().unwrap_or("")
                );
                all.push((
                    "authorization".into(),
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(raw)
                    ),
                ));
            }
            HttpAuthType::Aws => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                let signed = sigv4::sign(
                    &sigv4::Request {
                        method,
                        path: &path,
                        headers: &all,
                        body: payload.as_bytes(),
                    },
                    &sigv4::Credentials {
                        access_key: a.access_key.as_deref().unwrap_or(""),
                        secret_key: a.secret_key.as_deref().unwrap_or(""),
                        session_token: None,
                    },
                    a.region.as_deref().unwrap_or(""),
                    a.service.as_deref().unwrap_or(""),
                    now,
                );
                all.retain(|(k, _)| !k.eq_ignore_ascii_case("x-amz-date"));
                all.push(("x-amz-date".into(), signed.amz_date));
                all.push(("authorization".into(), signed.authorization));
            }
            HttpAuthType::AzureAd | HttpAuthType::Crowdstrike => {
                let token = self.bearer().await.map_err(|e| Outcome::Retry {
                    error: format!("getting an OAuth token: {e}"),
                    after: None,
                })?;
                all.push(("authorization".into(), format!("Bearer {token}")));
            }
            HttpAuthType::AzureStorage => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                all.retain(|(k, _)| !k.eq_ignore_ascii_case("x-ms-date"));
                all.push(("x-ms-date".into(), azure::http_date(now)));
                if !all
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("x-ms-version"))
                {
                    all.push(("x-ms-version".into(), azure::VERSION.into()));
                }
                all.push(("content-length".into(), payload.len().to_string()));
                let auth = azure::shared_key(
                    a.access_key.as_deref().unwrap_or(""),
                    a.secret_key.as_deref().unwrap_or(""),
                    method,
                    &path,
                    &all,
                )
                .map_err(Outcome::Refused)?;
                all.retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
                all.push(("authorization".into(), auth));
            }
        }
        let mut b = hyper::Request::builder().method(method.as_str()).uri(&path);
        for (k, v) in &all {
            b = b.header(k.as_str(), v.as_str());
        }
        b.body(Full::new(Bytes::from(payload.clone())))
            .map_err(|e| Outcome::Refused(format!("the trigger built an invalid request: {e}")))
    }

    /// Send one message over connection slot `slot`.
    async fn send_one(
        &self,
        conn: &mut Option<SendRequest<Full<Bytes>>>,
        row: &OutboxRow,
    ) -> Outcome {
        let req = match self.request(row).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        if conn.as_ref().is_none_or(|c| c.is_closed()) {
            match open(&self.target.host, self.target.port, self.tls.clone()).await {
                Ok(c) => *conn = Some(c),
                Err(e) => {
                    return Outcome::Retry {
                        error: e,
                        after: None,
                    }
                }
            }
        }
        let Some(c) = conn.as_mut() else {
            return Outcome::Retry {
                error: "no connection".into(),
                after: None,
            };
        };
        if let Err(e) = c.ready().await {
            *conn = None;
            return Outcome::Retry {
                error: format!("connection lost: {e}"),
                after: None,
            };
        }
        let Exchanged {
            status,
            retry_after,
            close,
            body,
        } = match exchange(c, req).await {
            Ok(x) => x,
            Err(error) => {
                *conn = None;
                return Outcome::Retry { error, after: None };
            }
        };
        if close {
            *conn = None;
        }
        if status == 401
            && matches!(
                self.target.authentication.auth_type,
                HttpAuthType::AzureAd | HttpAuthType::Crowdstrike
            )
        {
            // The token may have been revoked: fetch a new one next time.
            *self.token.lock().await = None;
            return Outcome::Retry {
                error: "HTTP 401 with a bearer token; getting a new token".into(),
                after: None,
            };
        }
        http_outcome(
            status,
            retry_after.as_deref(),
            &String::from_utf8_lossy(&body),
        )
    }

    /// Send a batch: one outcome per row, in order. With several connections
    /// the rows are spread over them.
    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        let n = self.conns.len().min(rows.len()).max(1);
        if n == 1 {
            let mut conn = self.conns[0].take();
            let mut out = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let o = self.send_one(&mut conn, row).await;
                let stop = matches!(o, Outcome::Retry { .. });
                out.push(o);
                if stop {
                    // Keep order: the rest wait for the next attempt.
                    for _ in i + 1..rows.len() {
                        out.push(Outcome::Retry {
                            error: "not attempted: an earlier message failed".into(),
                            after: None,
                        });
                    }
                    break;
                }
            }
            self.conns[0] = conn;
            return out;
        }
        let mut slots: Vec<Option<SendRequest<Full<Bytes>>>> =
            self.conns.iter_mut().take(n).map(Option::take).collect();
        let this = &*self;
        let futures = slots.iter_mut().enumerate().map(|(s, conn)| async move {
            let mut out = Vec::new();
            for (i, row) in rows.iter().enumerate().skip(s).step_by(n) {
                out.push((i, this.send_one(conn, row).await));
            }
            out
        });
        let mut results: Vec<Option<Outcome>> = vec![None; rows.len()];
        for part in join_all(futures).await {
            for (i, o) in part {
                results[i] = Some(o);
            }
        }
        for (i, c) in slots.into_iter().enumerate() {
            self.conns[i] = c;
        }
        results
            .into_iter()
            .map(|o| {
                o.unwrap_or(Outcome::Retry {
                    error: "not attempted".into(),
                    after: None,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_host_port_path() {
        assert_eq!(
            split_url("https://login.example.com/t/oauth2/token").unwrap(),
            (
                true,
                "login.example.com".into(),
                443,
                "/t/oauth2/token".into()
            )
        );
        assert_eq!(
            split_url("http://127.0.0.1:8080").unwrap(),
            (false, "127.0.0.1".into(), 8080, "/".into())
        );
        assert!(split_url("ftp://x").is_err());
    }
}
