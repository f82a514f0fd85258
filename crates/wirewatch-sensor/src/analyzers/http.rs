//! HTTP/1.x: requests paired with their responses, as `~http` events.

use super::{Analyzer, FlowCtx, Protocol, Sink};
use crate::flow::Dir;
use crate::metrics::{MetricObject, Metrics};
use crate::sensor::Endpoints;
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

/// `~http`: TCP to the usual HTTP ports, or any TCP flow whose client opens with a request.
pub const PROTOCOL: Protocol = Protocol {
    name: "http",
    tcp_ports: &[80, 8080, 8000, 3128],
    sniff: Some(wirewatch_wire::http::looks_like_request),
    udp: None,
    start: || Box::new(Http::default()),
};

impl Analyzer for Http {
    fn payload(&mut self, flow: &mut FlowCtx<'_>, dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        let ts = flow.ends.ts_ns;
        match dir {
            Dir::Orig => {
                self.client(ts, bytes);
                // A parsed request is enough, as for Zeek and Suricata.
                if self.requests > 0 {
                    *flow.service = Some("http");
                }
            }
            Dir::Resp => {
                for ev in self.server(ts, bytes) {
                    *flow.service = Some("http");
                    metrics(
                        sink.metrics,
                        &ev,
                        flow.client_objects(),
                        flow.server_objects(),
                    );
                    sink.out.http.push((flow.ends, ev));
                }
            }
        }
    }

    fn end(&mut self, ends: Endpoints, last_ns: i64, sink: &mut Sink<'_>) {
        for ev in Http::end(self, last_ns) {
            sink.out.http.push((ends, ev));
        }
    }
}

/// `http_client` / `http_server` metrics of one exchange.
fn metrics(m: &mut Metrics, ev: &HttpEvent, client: Vec<MetricObject>, server: Vec<MetricObject>) {
    let ts = ev.ts_ns;
    for (objs, cat) in [(client, "http_client"), (server, "http_server")] {
        for o in objs {
            m.count(ts, o.clone(), cat, "req", "", 1.0);
            m.count(ts, o.clone(), cat, "req_by_method", &ev.method, 1.0);
            if let Some(st) = ev.status {
                m.count(ts, o.clone(), cat, "rsp", "", 1.0);
                m.count(ts, o.clone(), cat, "rsp_by_status", &st.to_string(), 1.0);
                if st >= 400 {
                    m.count(ts, o.clone(), cat, "rsp_error", "", 1.0);
                }
            }
            if let Some(t) = ev.processing_ms {
                m.sample(ts, o, cat, "server_processing_time", t);
            }
        }
    }
}
