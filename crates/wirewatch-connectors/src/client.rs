//! The client of one remote system: its base URL, basic authentication and
//! JSON in and out, over `wirewatch_net`'s pooled HTTP client (kept-alive
//! connections, several requests in flight at once, TLS with the built-in
//! roots, a deadline per request).

use crate::ConnectorError;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use serde_json::Value;
use wirewatch_net::retry::{http_outcome, Outcome};
use wirewatch_net::tls::{client_config, TlsError, TlsOptions};
use wirewatch_net::{HttpClient, Response};

/// Idle connections kept per remote system.
const POOL: usize = 32;

/// A base URL that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UrlError {
    #[error("{0:?} is not an http(s) URL")]
    NotHttp(String),
    #[error("{0:?}: bad port")]
    BadPort(String),
    #[error("{0:?} has no host")]
    NoHost(String),
    #[error("{url:?}: {source}")]
    Invalid {
        url: String,
        source: url::ParseError,
    },
}

/// Why a client of a remote system cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

impl From<ClientError> for ConnectorError {
    fn from(e: ClientError) -> Self {
        ConnectorError::config(e.to_string())
    }
}

/// `scheme://host:port` and the path prefix of a base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    pub https: bool,
    /// Without brackets for an IPv6 address.
    pub host: String,
    pub port: u16,
    /// Without a trailing slash (`""` for the root).
    pub prefix: String,
}

/// Parse an http(s) URL.
fn parse_url(url: &str) -> Result<(url::Url, bool, String, u16), UrlError> {
    let u = url::Url::parse(url).map_err(|source| match source {
        url::ParseError::InvalidPort => UrlError::BadPort(url.to_string()),
        url::ParseError::EmptyHost => UrlError::NoHost(url.to_string()),
        url::ParseError::RelativeUrlWithoutBase => UrlError::NotHttp(url.to_string()),
        source => UrlError::Invalid {
            url: url.to_string(),
            source,
        },
    })?;
    let https = match u.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(UrlError::NotHttp(url.to_string())),
    };
    let host = match u.host() {
        Some(url::Host::Ipv6(a)) => a.to_string(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
        _ => return Err(UrlError::NoHost(url.to_string())),
    };
    let port = u.port().unwrap_or(if https { 443 } else { 80 });
    Ok((u, https, host, port))
}

impl Base {
    pub fn parse(url: &str) -> Result<Base, UrlError> {
        let (u, https, host, port) = parse_url(url)?;
        Ok(Base {
            https,
            host,
            port,
            prefix: u.path().trim_end_matches('/').to_string(),
        })
    }

    /// `scheme://host:port`, the port always written (request URIs).
    fn origin(&self) -> String {
        wirewatch_net::http::origin(self.https, &self.host, self.port)
    }

    fn host_header(&self) -> String {
        wirewatch_net::http::host_header(self.https, &self.host, self.port)
    }

    /// The URL of a path under the base (for links shown to users).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}{path}", self.host_header(), self.prefix)
    }
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client of one remote system: its connections are pooled and reused.
pub struct Client {
    pub base: Base,
    http: HttpClient,
    auth: Option<String>,
    headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(base_url: &str, basic: Option<(&str, &str)>) -> Result<Client, ClientError> {
        let base = Base::parse(base_url)?;
        let tls = if base.https {
            Some(client_config(&TlsOptions::default(), true)?)
        } else {
            None
        };
        let auth = basic.map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        });
        Ok(Client {
            base,
            http: HttpClient::new(tls, POOL),
            auth,
            headers: Vec::new(),
        })
    }

    /// Extra headers sent with every request.
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Client {
        self.headers = headers;
        self
    }

    /// Send one request. `path` is relative to the base URL's path unless it
    /// is a full `http(s)://` URL of the same host (case-webhook templates).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ConnectorError> {
        let body = body.map(|b| b.to_string());
        self.send_raw(method, path, body, "application/json").await
    }

    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        content_type: &str,
    ) -> Result<Answer, ConnectorError> {
        let target = if path.starts_with("http://") || path.starts_with("https://") {
            let (u, https, host, port) =
                parse_url(path).map_err(|e| ConnectorError::config(e.to_string()))?;
            if host != self.base.host || port != self.base.port || https != self.base.https {
                return Err(ConnectorError::config(format!(
                    "{path:?} is not on {}",
                    self.base.host_header()
                )));
            }
            match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            }
        } else {
            format!("{}{}", self.base.prefix, path)
        };
        let host = self.base.host_header();
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{target}", self.base.origin()))
            .header("host", &host)
            .header("accept", "application/json")
            .header(
                "user-agent",
                concat!("wirewatch/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(a) = &self.auth {
            req = req.header("authorization", a);
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if body.is_some() {
            req = req.header("content-type", content_type);
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| ConnectorError::config(format!("building the request: {e}")))?;
        let Response {
            status,
            retry_after,
            body,
        } = self
            .http
            .send(req)
            .await
            .map_err(|e| ConnectorError::transient(e.to_string()))?;
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }

    /// Send and require a 2xx answer; other statuses become errors classified
    /// by the one retry policy (408, 429, 5xx retried; other 4xx refused).
    pub async fn expect(
        &self,
        what: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ConnectorError> {
        let a = self.send(method, path, body).await?;
        check(what, a)
    }
}

/// Turn a non-2xx answer into an error naming the operation and the remote's reason.
pub fn check(what: &str, a: Answer) -> Result<Answer, ConnectorError> {
    let text = a.text();
    match http_outcome(a.status, a.retry_after.as_deref(), &text) {
        Outcome::Sent => Ok(a),
        Outcome::Retry { after, .. } => Err(ConnectorError {
            message: format!(
                "Unable to {what}. Error: Request failed with status code {}. Reason: {}",
                a.status,
                reason(&a)
            ),
            retry: true,
            after,
            status: Some(a.status),
        }),
        Outcome::Refused(_) => Err(ConnectorError {
            message: format!(
                "Unable to {what}. Error: Request failed with status code {}. Reason: {}",
                a.status,
                reason(&a)
            ),
            retry: false,
            after: None,
            status: Some(a.status),
        }),
    }
}

/// The remote's own explanation: Jira's `errorMessages`/`errors`, ServiceNow's
/// `error.message`/`error.detail`, or the start of the body.
pub fn reason(a: &Answer) -> String {
    let v = a.json();
    let mut parts: Vec<String> = Vec::new();
    if let Some(list) = v.get("errorMessages").and_then(Value::as_array) {
        parts.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
    }
    if let Some(map) = v.get("errors").and_then(Value::as_object) {
        parts.extend(map.iter().map(|(k, v)| {
            format!(
                "{k}: {}",
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            )
        }));
    }
    if let Some(e) = v.get("error").and_then(Value::as_object) {
        for k in ["message", "detail"] {
            if let Some(s) = e.get(k).and_then(Value::as_str) {
                if !s.is_empty() {
                    parts.push(s.to_string());
                }
            }
        }
    }
    if parts.is_empty() {
        let t: String = a.text().chars().take(300).collect();
        if t.trim().is_empty() {
            return "no details".into();
        }
        return t.trim().to_string();
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_parse() {
        let b = Base::parse("https://acme.atlassian.net").unwrap();
        assert_eq!(
            (b.https, b.host.as_str(), b.port, b.prefix.as_str()),
            (true, "acme.atlassian.net", 443, "")
        );
        let b = Base::parse("http://127.0.0.1:8080/jira/").unwrap();
        assert_eq!((b.port, b.prefix.as_str()), (8080, "/jira"));
        assert_eq!(
            b.url("/browse/SEC-1"),
            "http://127.0.0.1:8080/jira/browse/SEC-1"
        );
        let b = Base::parse("http://[::1]:9/").unwrap();
        assert_eq!((b.host.as_str(), b.port), ("::1", 9));
        assert!(Base::parse("ftp://x").is_err());
        assert!(Base::parse("http://x:notaport").is_err());
    }

    #[test]
    fn reasons_come_from_the_remote_error_shapes() {
        let a = |body: &str| Answer {
            status: 400,
            retry_after: None,
            body: Bytes::from(body.to_string()),
        };
        assert_eq!(
            reason(&a(
                r#"{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}"#
            )),
            "summary: You must specify a summary of the issue."
        );
        assert_eq!(
            reason(&a(
                r#"{"error":{"message":"No Record found","detail":"ACL"},"status":"failure"}"#
            )),
            "No Record found; ACL"
        );
        assert_eq!(reason(&a("")), "no details");
        let e = check("create incident", a("{}")).unwrap_err();
        assert!(!e.retry);
        let e = check(
            "create incident",
            Answer {
                status: 503,
                retry_after: Some("2".into()),
                body: Bytes::new(),
            },
        )
        .unwrap_err();
        assert!(e.retry);
        assert_eq!(e.after, Some(std::time::Duration::from_secs(2)));
    }
}
