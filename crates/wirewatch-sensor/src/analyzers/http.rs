//! HTTP/1.x: requests paired with their responses, as `~http` events.

use std::collections::VecDeque;
use wirewatch_wire::http::{Authorization, Event, Request, StreamParser};

/// Most requests waiting for a response (pipelining) before the oldest is given up.
pub const MAX_PENDING: usize = 64;

/// A request and its response.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpEvent {
    pub method: String,
    pub host: Option<String>,
    pub uri: String,
    pub version: String,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    /// `None` when the connection ended before a response.
    pub status: Option<u16>,
    pub reason: Option<String>,
    pub content_type: Option<String>,
    pub req_body_len: u64,
    pub rsp_body_len: u64,
    /// Milliseconds from the request head to the response head.
    pub processing_ms: Option<f64>,
    /// The user of Basic authentication (its password is never kept).
    pub basic_user: Option<String>,
    pub auth_scheme: Option<String>,
    /// When the request was seen (ns).
    pub ts_ns: i64,
}

struct Pending {
    req: Request,
    ts_ns: i64,
    req_body: u64,
}

/// One HTTP connection.
pub struct Http {
    client: StreamParser,
    server: StreamParser,
    pending: VecDeque<Pending>,
    current: Option<HttpEvent>,
    /// Parser errors (counted by the sensor).
    pub errors: u64,
    /// Requests parsed from the client.
    pub requests: u64,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            client: StreamParser::client(),
            server: StreamParser::server(),
            pending: VecDeque::new(),
            current: None,
            requests: 0,
            errors: 0,
        }
    }
}

fn event_of(p: Pending) -> HttpEvent {
    let (basic_user, auth_scheme) = match &p.req.authorization {
        Some(Authorization::Basic { username, .. }) => {
            (Some(username.clone()), Some("Basic".to_string()))
        }
        Some(Authorization::Other(s)) => (None, Some(s.clone())),
        None => (None, None),
    };
    HttpEvent {
        method: p.req.method,
        host: p.req.host,
        uri: p.req.uri,
        version: p.req.version,
        user_agent: p.req.user_agent,
        referrer: p.req.referrer,
        status: None,
        reason: None,
        content_type: None,
        req_body_len: p.req_body,
        rsp_body_len: 0,
        processing_ms: None,
        basic_user,
        auth_scheme,
        ts_ns: p.ts_ns,
    }
}

impl Http {
    /// Bytes from the client.
    pub fn client(&mut self, ts_ns: i64, data: &[u8]) {
        for ev in self.client.feed(data) {
            match ev {
                Event::Request(r) => {
                    self.requests += 1;
                    self.server.set_request_method(&r.method);
                    if self.pending.len() >= MAX_PENDING {
                        self.pending.pop_front();
                    }
                    self.pending.push_back(Pending {
                        req: r,
                        ts_ns,
                        req_body: 0,
                    });
                }
                Event::RequestBodyDone { body_len } => {
                    if let Some(p) = self.pending.back_mut() {
                        p.req_body = body_len;
                    }
                }
                Event::Error(_) => self.errors += 1,
                _ => {}
            }
        }
    }

    /// Bytes from the server; returns the completed exchanges.
    pub fn server(&mut self, ts_ns: i64, data: &[u8]) -> Vec<HttpEvent> {
        let events = self.server.feed(data);
        self.on_server(ts_ns, events)
    }

    fn on_server(&mut self, ts_ns: i64, events: Vec<Event>) -> Vec<HttpEvent> {
        let mut out = Vec::new();
        for ev in events {
            match ev {
                Event::Response(r) if r.status >= 200 || r.status == 101 => {
                    let Some(p) = self.pending.pop_front() else {
                        continue;
                    };
                    let mut e = event_of(p);
                    e.processing_ms = Some((ts_ns - e.ts_ns) as f64 / 1e6);
                    e.status = Some(r.status);
                    e.reason = Some(r.reason);
                    e.content_type = r.content_type;
                    self.current = Some(e);
                }
                Event::ResponseBodyDone { body_len } => {
                    if let Some(mut e) = self.current.take() {
                        e.rsp_body_len = body_len;
                        out.push(e);
                    }
                }
                Event::Error(_) => self.errors += 1,
                _ => {}
            }
        }
        out
    }

    /// End of the connection: finish bodies; unanswered requests are reported without a status.
    pub fn end(&mut self, ts_ns: i64) -> Vec<HttpEvent> {
        let _ = self.client.finish();
        let events = self.server.finish();
        let mut out = self.on_server(ts_ns, events);
        out.extend(self.current.take());
        out.extend(self.pending.drain(..).map(event_of));
        out
    }
}
