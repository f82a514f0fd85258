//! TLS: the handshake of a connection (SNI, versions, cipher, ALPN, JA3/JA3S/JA4,
//! certificate subject and issuer when visible) as one `~ssl_open` event;
//! and, when there are keys ([`wirewatch_decrypt::KeyRing`]), the
//! connection decrypted and its plaintext handed to the HTTP analyzer, so
//! HTTPS gives `~http` records, metrics and detections as HTTP does.

use super::http::Http;
use super::{Analyzer, FlowCtx, Protocol, Sink};
use crate::flow::Dir;
use crate::sensor::Endpoints;
use wirewatch_decrypt::{Session, Side};
use wirewatch_wire::tls::{self, Handshake, HandshakeReader};

/// What was learned from one TLS handshake.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TlsEvent {
    pub server_name: Option<String>,
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub alpn: Option<String>,
    pub ja3: Option<String>,
    pub ja3s: Option<String>,
    pub ja4: Option<String>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// Whether the server answered (a ServerHello was seen).
    pub established: bool,
}

/// One TLS connection's two directions.
#[derive(Default)]
pub struct Tls {
    client: HandshakeReader,
    server: HandshakeReader,
    ev: TlsEvent,
    seen_client: bool,
    reported: bool,
    /// Parse errors seen (counted by the sensor).
    pub errors: u64,
    /// The decryption, when there were keys at the connection's start.
    decrypt: Option<Decrypt>,
    /// The first payload was seen (whether to decrypt is decided there).
    started: bool,
}

/// A decrypted connection: the TLS session and the HTTP analyzer its
/// plaintext goes to.
struct Decrypt {
    session: Session,
    http: Http,
}

impl Decrypt {
    /// Feed one side's bytes; the plaintext goes to HTTP; outcomes and
    /// session keys to the sink.
    fn feed(&mut self, flow: &mut FlowCtx<'_>, dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        let side = if dir == Dir::Orig {
            Side::Client
        } else {
            Side::Server
        };
        let plain = self.session.feed(flow.tls_keys, flow.tls_state, side, bytes);
        self.report(flow.ends, sink);
        for p in plain {
            // The flow stays `ssl` (its records' `l7proto`), whatever it carries.
            self.http.payload(flow, dir, &p, sink);
            *flow.service = Some("ssl");
        }
    }

    fn report(&mut self, ends: Endpoints, sink: &mut Sink<'_>) {
        if let Some(o) = self.session.take_outcome() {
            sink.out.tls_outcomes.push(o);
        }
        if let Some(line) = self.session.derived_line.take() {
            sink.out.session_keys.push((ends, line));
        }
    }
}

impl Tls {
    /// Whether the first client bytes look like a TLS record.
    pub fn looks_like(data: &[u8]) -> bool {
        data.len() >= 3 && data[0] == 0x16 && data[1] == 0x03 && data[2] <= 0x04
    }

    fn handle(&mut self, hs: Vec<Result<Handshake, tls::TlsError>>) {
        for h in hs {
            match h {
                Ok(Handshake::ClientHello(ch)) if !self.seen_client => {
                    self.seen_client = true;
                    self.ev.server_name = ch.sni.clone();
                    self.ev.ja3 = Some(tls::ja3(&ch).1);
                    self.ev.ja4 = Some(tls::ja4(&ch, false));
                }
                Ok(Handshake::ServerHello(sh)) => {
                    self.ev.established = true;
                    self.ev.version = Some(tls::version_name(sh.version()).to_string());
                    self.ev.cipher = Some(tls::cipher_name(sh.cipher_suite));
                    self.ev.alpn = sh.alpn.clone();
                    self.ev.ja3s = Some(tls::ja3s(&sh).1);
                }
                Ok(Handshake::Certificate(chain)) => {
                    if let Some(leaf) = chain.first() {
                        self.ev.subject.get_or_insert(leaf.subject.clone());
                        self.ev.issuer.get_or_insert(leaf.issuer.clone());
                    }
                }
                Ok(_) => {}
                Err(_) => self.errors += 1,
            }
        }
    }

    pub fn client(&mut self, data: &[u8]) {
        let hs = self.client.feed(data);
        self.handle(hs);
    }

    /// Server bytes; returns the event once the handshake is complete enough.
    pub fn server(&mut self, data: &[u8]) -> Option<TlsEvent> {
        let hs = self.server.feed(data);
        self.handle(hs);
        // Report after the server's certificate (TLS 1.2) or its encrypted flight (TLS 1.3).
        let done = self.ev.established
            && (self.ev.subject.is_some() || self.server.saw_application_data());
        self.report_if(done)
    }

    fn report_if(&mut self, ready: bool) -> Option<TlsEvent> {
        if ready && !self.reported && self.seen_client {
            self.reported = true;
            return Some(self.ev.clone());
        }
        None
    }

    /// End of the connection: report what was seen, if it was not yet.
    pub fn end(&mut self) -> Option<TlsEvent> {
        self.report_if(true)
    }

    pub fn established(&self) -> bool {
        self.ev.established
    }
}

/// `~ssl_open`: TCP to the usual TLS ports, or any TCP flow whose client opens with a handshake.
pub const PROTOCOL: Protocol = Protocol {
    name: "ssl",
    tcp_ports: &[443, 8443, 465, 636, 993, 995],
    sniff: Some(Tls::looks_like),
    udp: None,
    start: || Box::new(Tls::default()),
};

impl Analyzer for Tls {
    fn payload(&mut self, flow: &mut FlowCtx<'_>, dir: Dir, bytes: &[u8], sink: &mut Sink<'_>) {
        if !self.started {
            self.started = true;
            if !flow.tls_keys.is_empty() {
                self.decrypt = Some(Decrypt {
                    session: Session::new(flow.ends.server.1),
                    http: Http::default(),
                });
            }
        }
        if let Some(d) = &mut self.decrypt {
            d.feed(flow, dir, bytes, sink);
        }
        if dir == Dir::Orig {
            self.client(bytes);
            return;
        }
        let ends = flow.ends;
        if let Some(ev) = self.server(bytes) {
            let v = ev.version.clone().unwrap_or_default();
            for (objs, cat) in [
                (flow.client_objects(), "ssl_client"),
                (flow.server_objects(), "ssl_server"),
            ] {
                for o in objs {
                    sink.metrics
                        .count(ends.ts_ns, o.clone(), cat, "handshakes", "", 1.0);
                    sink.metrics
                        .count(ends.ts_ns, o, cat, "handshakes_by_version", &v, 1.0);
                }
            }
            sink.out.tls.push((ends, ev));
        }
        if self.established() {
            *flow.service = Some("ssl");
        }
    }

    fn end(&mut self, ends: Endpoints, last_ns: i64, sink: &mut Sink<'_>) {
        if let Some(ev) = Tls::end(self) {
            sink.out.tls.push((ends, ev));
        }
        if let Some(d) = &mut self.decrypt {
            d.report(ends, sink);
            Analyzer::end(&mut d.http, ends, last_ns, sink);
        }
    }
}
