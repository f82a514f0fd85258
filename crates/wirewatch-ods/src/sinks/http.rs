//! HTTP and HTTPS targets: HTTP/1.1 over `wirewatch_net`'s pooled, kept-alive
//! connections (several with `pipeline`, in which case messages may arrive out
//! of order; one otherwise), the target's
//! authentication, `additional_header`, and an `Idempotency-Key` header that
//! stays the same across retries and restarts.

use super::{azure, sigv4};
use crate::error::SinkError;
use base64::Engine as _;
use bytes::Bytes;
use futures_util::future::join_all;
use http_body_util::Full;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use wirewatch_model::ods::{parse_header, HttpAuthType, HttpProtocol, HttpTarget, Message};
use wirewatch_net::retry::{http_outcome, Outcome};
use wirewatch_net::tls::{client_config, TlsOptions};
use wirewatch_net::{connect, HttpClient, OneConnection, Response};
use wirewatch_store::OutboxRow;

/// Connections used when `pipeline` is on.
pub const PIPELINE_CONNECTIONS: usize = 8;

struct Token {
    value: String,
    expires: Instant,
}

/// Why an OAuth 2.0 token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0:?} is not an http(s) URL")]
    Url(String),
    #[error("token endpoint: {0}")]
    Request(#[from] wirewatch_net::HttpError),
    #[error("token endpoint: {0}")]
    Build(#[from] hyper::http::Error),
    #[error("token endpoint answered HTTP {status}: {snippet}")]
    Status { status: u16, snippet: String },
    #[error("token endpoint answered non-JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("token endpoint answer has no access_token")]
    NoToken,
    #[error("this authentication type takes no OAuth token")]
    NoClient,
}

/// A configured HTTP sink.
pub struct HttpSink {
    target: HttpTarget,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// The target's connections with `pipeline` (`PIPELINE_CONNECTIONS`).
    client: HttpClient,
    /// The one connection without `pipeline`: messages in order, no pool.
    one: OneConnection,
    /// `scheme://host:port` of every request's URI.
    origin: String,
    /// Concurrent requests of a batch.
    slots: usize,
    /// The OAuth token endpoint's connections (bearer authentication only).
    token_client: Option<HttpClient>,
    extra: Option<(String, String)>,
    instance: String,
    token: Arc<Mutex<Option<Token>>>,
}

fn host_header(t: &HttpTarget) -> String {
    wirewatch_net::http::host_header(t.protocol == HttpProtocol::Https, &t.host, t.port)
}

/// The URI of an http(s) token endpoint.
fn endpoint_uri(url: &str) -> Result<hyper::Uri, TokenError> {
    let bad = || TokenError::Url(url.to_string());
    let u = url::Url::parse(url).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    u.as_str().parse().map_err(|_| bad())
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl HttpSink {
    pub fn new(target: HttpTarget, instance: String) -> Result<HttpSink, SinkError> {
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
        let slots = if target.pipeline {
            PIPELINE_CONNECTIONS
        } else {
            1
        };
        let token_client = match target.authentication.auth_type {
            HttpAuthType::AzureAd | HttpAuthType::Crowdstrike => Some(HttpClient::new(
                Some(client_config(&TlsOptions::default(), true)?),
                1,
            )),
            _ => None,
        };
        let extra = target.additional_header.as_deref().and_then(parse_header);
        Ok(HttpSink {
            client: HttpClient::new(tls.clone(), slots),
            one: OneConnection::new(tls.clone()),
            origin: wirewatch_net::http::origin(
                target.protocol == HttpProtocol::Https,
                &target.host,
                target.port,
            ),
            slots,
            token_client,
            target,
            tls,
            extra,
            instance,
            token: Arc::default(),
        })
    }

    /// Connect (and handshake TLS) to check the target is reachable.
    pub async fn health(&self) -> Result<String, SinkError> {
        let t = &self.target;
        connect(&t.host, t.port, self.tls.clone()).await?;
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
    async fn bearer(&self) -> Result<String, TokenError> {
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
        let req = hyper::Request::builder()
            .method("POST")
            .uri(endpoint_uri(&endpoint)?)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(body)))?;
        let client = self.token_client.as_ref().ok_or(TokenError::NoClient)?;
        let Response { status, body, .. } = client.send(req).await?;
        if status != 200 && status != 201 {
            return Err(TokenError::Status {
                status,
                snippet: String::from_utf8_lossy(&body).chars().take(200).collect(),
            });
        }
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        let token = v["access_token"]
            .as_str()
            .ok_or(TokenError::NoToken)?
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
                .map_err(|e| Outcome::Refused(e.to_string()))?;
                all.retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
                all.push(("authorization".into(), auth));
            }
        }
        let mut b = hyper::Request::builder()
            .method(method.as_str())
            .uri(format!("{}{path}", self.origin));
        for (k, v) in &all {
            b = b.header(k.as_str(), v.as_str());
        }
        b.body(Full::new(Bytes::from(payload.clone())))
            .map_err(|e| Outcome::Refused(format!("the trigger built an invalid request: {e}")))
    }

    /// Send one message.
    async fn send_one(&self, row: &OutboxRow) -> Outcome {
        let req = match self.request(row).await {
            Ok(r) => r,
            Err(o) => return o,
        };
        let Response {
            status,
            retry_after,
            body,
        } = match if self.slots == 1 {
            self.one.send(req).await
        } else {
            self.client.send(req).await
        } {
            Ok(x) => x,
            Err(e) => {
                return Outcome::Retry {
                    error: e.to_string(),
                    after: None,
                }
            }
        };
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

    /// Send a batch: one outcome per row, in order. With `pipeline` the rows
    /// are spread over several concurrent requests (connections).
    pub async fn send(&mut self, rows: &[OutboxRow]) -> Vec<Outcome> {
        let n = self.slots.min(rows.len()).max(1);
        if n == 1 {
            let mut out = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let o = self.send_one(row).await;
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
            return out;
        }
        let this = &*self;
        let futures = (0..n).map(|s| async move {
            let mut out = Vec::new();
            for (i, row) in rows.iter().enumerate().skip(s).step_by(n) {
                out.push((i, this.send_one(row).await));
            }
            out
        });
        let mut results: Vec<Option<Outcome>> = vec![None; rows.len()];
        for part in join_all(futures).await {
            for (i, o) in part {
                results[i] = Some(o);
            }
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
    fn token_endpoints_must_be_http_urls() {
        assert_eq!(
            endpoint_uri("https://login.example.com/t/oauth2/token")
                .unwrap()
                .to_string(),
            "https://login.example.com/t/oauth2/token"
        );
        assert_eq!(
            endpoint_uri("http://127.0.0.1:8080").unwrap().to_string(),
            "http://127.0.0.1:8080/"
        );
        assert!(endpoint_uri("ftp://x").is_err());
    }

    /// A real HTTP/1.1 listener answering 200 after `delay`, counting the
    /// connections it accepted.
    async fn slow_server(delay: Duration) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut seen = Vec::new();
                    loop {
                        let n = s.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            tokio::time::sleep(delay).await;
                            let rsp = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                            if s.write_all(rsp.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        (port, accepted)
    }

    fn rows(n: i64) -> Vec<OutboxRow> {
        (0..n)
            .map(|i| OutboxRow {
                id: i,
                key_id: i,
                message: Message::Http {
                    method: "GET".into(),
                    path: format!("/m/{i}"),
                    headers: Vec::new(),
                    payload: String::new(),
                },
                create_time: 0,
                attempts: 0,
            })
            .collect()
    }

    fn sink(port: u16, pipeline: bool) -> HttpSink {
        let target: HttpTarget = serde_json::from_value(serde_json::json!({
            "name": "t", "host": "127.0.0.1", "port": port, "protocol": "http", "pipeline": pipeline
        }))
        .unwrap();
        HttpSink::new(target, "test".into()).unwrap()
    }

    #[tokio::test]
    async fn pipeline_spreads_a_batch_over_at_most_its_connections_and_keeps_them() {
        let (port, accepted) = slow_server(Duration::from_millis(5)).await;
        let mut s = sink(port, true);
        for _ in 0..2 {
            let out = s.send(&rows(64)).await;
            assert_eq!(out, vec![Outcome::Sent; 64]);
        }
        let n = accepted.load(std::sync::atomic::Ordering::SeqCst);
        assert!(n > 1 && n <= PIPELINE_CONNECTIONS, "{n} connections");
    }

    #[tokio::test]
    async fn without_pipeline_one_connection_carries_everything_in_order() {
        let (port, accepted) = slow_server(Duration::ZERO).await;
        let mut s = sink(port, false);
        for _ in 0..3 {
            assert_eq!(s.send(&rows(20)).await, vec![Outcome::Sent; 20]);
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn forms_are_url_encoded() {
        assert_eq!(
            form(&[("client_id", "a b"), ("secret", "x&y=z")]),
            "client_id=a+b&secret=x%26y%3Dz"
        );
    }
}
