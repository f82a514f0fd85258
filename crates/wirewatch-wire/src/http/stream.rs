//! The per-direction state machine: heads, body framing, gaps, resynchronisation and tunnels.
//!
//! Every decision depends only on the bytes consumed so far, never on how
//! they were split into `feed` calls, so any split of a stream gives the same
//! events. Limits are enforced at fixed stream offsets for the same reason.

use std::collections::VecDeque;

use super::head::{self, Fields, Framing, RequestLine, StatusLine};
use super::scan::{
    advance, body_part, classify, strip_eol, take_line, LineStep, Matcher, Prefix, Side,
};
use super::{
    Event, HttpError, MAX_CHUNK_LINE_LEN, MAX_HEADERS, MAX_HEAD_LEN, MAX_LINE_LEN,
    MAX_PENDING_METHODS,
};

/// What the method of the request a response answers means for its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Head,
    Connect,
    Other,
}

/// Where the stream goes once the current message is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Message,
    /// Client side after CONNECT or an Upgrade request: HTTP goes on only if
    /// the next bytes start a request; otherwise they are tunnelled.
    Probe,
    Tunnel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a message head (skipping blank lines before it).
    Head,
    /// Body with this many bytes still to come.
    Fixed { remaining: u64 },
    /// Response body delimited by the end of the connection.
    UntilClose,
    /// Reading a chunk-size line.
    ChunkSize,
    /// Chunk data with this many bytes still to come.
    ChunkData { remaining: u64 },
    /// The line end after chunk data.
    ChunkEnd { seen_cr: bool },
    /// Trailer lines after the last chunk, up to a blank line.
    Trailers,
    /// See [`After::Probe`].
    Probe,
    /// Looking for the next plausible message start.
    Resync,
    /// Not HTTP any more (CONNECT, 101 Switching Protocols): bytes ignored.
    Tunnel,
    /// `finish` was called.
    Closed,
}

/// The start line of the head being read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Start {
    Request(RequestLine),
    Status(StatusLine),
}

/// One direction's incremental HTTP/1.x parser.
///
/// Feed the direction's bytes in order, in chunks of any size; report lost
/// bytes with [`gap`](Self::gap) and the end of the connection with
/// [`finish`](Self::finish). The server side needs the method of each
/// request it answers, from [`set_request_method`](Self::set_request_method).
#[derive(Debug, Clone)]
pub struct StreamParser {
    side: Side,
    state: State,
    /// The line being collected (head, chunk-size or trailer line).
    line: Vec<u8>,
    /// Bytes of the completed lines of the current head or trailer block.
    block_len: usize,
    /// Header lines in the current head or trailer block.
    block_lines: usize,
    start: Option<Start>,
    fields: Fields,
    bad_header_reported: bool,
    body_len: u64,
    after: After,
    matcher: Matcher,
    /// Methods of the requests whose responses are still to come (server side).
    methods: VecDeque<Method>,
    /// Events produced by `gap`, returned by the next `feed` or `finish`.
    pending: Vec<Event>,
}

impl StreamParser {
    /// Parser for the client → server direction (requests).
    pub fn client() -> Self {
        Self::new(Side::Client)
    }

    /// Parser for the server → client direction (responses).
    pub fn server() -> Self {
        Self::new(Side::Server)
    }

    fn new(side: Side) -> Self {
        Self {
            side,
            state: State::Head,
            line: Vec::new(),
            block_len: 0,
            block_lines: 0,
            start: None,
            fields: Fields::default(),
            bad_header_reported: false,
            body_len: 0,
            after: After::Message,
            matcher: Matcher::default(),
            methods: VecDeque::new(),
            pending: Vec::new(),
        }
    }

    /// Server side: the method of the next request to be answered. Call it
    /// once per request, in order, before feeding the bytes of its response;
    /// methods queue up for pipelined requests (at most
    /// [`MAX_PENDING_METHODS`], the oldest dropped first). Responses to HEAD
    /// have no body; after a 2xx response to CONNECT the stream is a tunnel.
    /// A response with no method queued is taken to answer a GET. Interim 1xx
    /// responses do not use up a method. No effect on the client side.
    pub fn set_request_method(&mut self, method: &str) {
        if self.side == Side::Client {
            return;
        }
        let method = method_of(method.as_bytes());
        if self.methods.len() >= MAX_PENDING_METHODS {
            self.methods.pop_front();
        }
        self.methods.push_back(method);
    }

    /// Whether the stream has become a tunnel (after CONNECT or a protocol
    /// upgrade) and is no longer parsed.
    pub fn in_tunnel(&self) -> bool {
        self.state == State::Tunnel
    }

    /// Consumes the next bytes of the stream and returns the events they
    /// complete (after any left over from [`gap`](Self::gap)). Events are
    /// reported as soon as the bytes determine them, so any split of the
    /// stream into `feed` calls gives the same events.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Event> {
        let mut out = std::mem::take(&mut self.pending);
        let mut data = data;
        while !data.is_empty() {
            match self.state {
                State::Head => self.head_bytes(&mut data, &mut out),
                State::Fixed { remaining } => {
                    let n = body_part(remaining, data.len());
                    advance(&mut data, n);
                    self.body_len = self.body_len.saturating_add(n as u64);
                    match remaining.saturating_sub(n as u64) {
                        0 => self.end_message(&mut out),
                        remaining => self.state = State::Fixed { remaining },
                    }
                }
                State::UntilClose => {
                    self.body_len = self.body_len.saturating_add(data.len() as u64);
                    data = &[];
                }
                State::ChunkSize => self.chunk_size_bytes(&mut data, &mut out),
                State::ChunkData { remaining } => {
                    let n = body_part(remaining, data.len());
                    advance(&mut data, n);
                    self.body_len = self.body_len.saturating_add(n as u64);
                    self.state = match remaining.saturating_sub(n as u64) {
                        0 => State::ChunkEnd { seen_cr: false },
                        remaining => State::ChunkData { remaining },
                    };
                }
                State::ChunkEnd { seen_cr } => match data.first() {
                    Some(b'\n') => {
                        advance(&mut data, 1);
                        self.state = State::ChunkSize;
                    }
                    Some(b'\r') if !seen_cr => {
                        advance(&mut data, 1);
                        self.state = State::ChunkEnd { seen_cr: true };
                    }
                    _ => self.abort_body(HttpError::BadChunkEnd, false, &mut out),
                },
                State::Trailers => self.trailer_bytes(&mut data, &mut out),
                State::Probe => self.probe_bytes(&mut data),
                State::Resync => {
                    if self.matcher.scan(self.side, &mut data) {
                        self.line = std::mem::take(&mut self.matcher.buf);
                        self.state = State::Head;
                    }
                }
                State::Tunnel | State::Closed => break,
            }
        }
        out
    }

    /// Reports `len` bytes lost from the stream at this point. Inside a body
    /// of known length (or one read until close) they are skipped and
    /// counted as body; otherwise the message in progress is abandoned with
    /// [`HttpError::Gap`] and parsing resumes at the next plausible message
    /// start. Resulting events come out of the next `feed` or `finish`.
    pub fn gap(&mut self, len: u64) {
        let mut out = std::mem::take(&mut self.pending);
        self.lose(len, &mut out);
        self.pending = out;
    }

    fn lose(&mut self, len: u64, out: &mut Vec<Event>) {
        if len == 0 {
            return;
        }
        match self.state {
            State::Tunnel | State::Closed => {}
            State::UntilClose => self.body_len = self.body_len.saturating_add(len),
            State::Fixed { remaining } | State::ChunkData { remaining } if len < remaining => {
                self.body_len = self.body_len.saturating_add(len);
                self.state = match self.state {
                    State::Fixed { .. } => State::Fixed {
                        remaining: remaining - len,
                    },
                    _ => State::ChunkData {
                        remaining: remaining - len,
                    },
                };
            }
            State::Fixed { remaining } => {
                // The body ended inside the gap; the rest of the gap is lost
                // from whatever followed it.
                self.body_len = self.body_len.saturating_add(remaining);
                self.end_message(out);
                self.lose(len - remaining, out);
            }
            State::ChunkData { remaining } if len == remaining => {
                self.body_len = self.body_len.saturating_add(remaining);
                self.state = State::ChunkEnd { seen_cr: false };
            }
            State::ChunkData { remaining } => {
                self.body_len = self.body_len.saturating_add(remaining);
                self.abort_body(HttpError::Gap(len - remaining), true, out);
            }
            State::ChunkSize | State::ChunkEnd { .. } | State::Trailers => {
                self.abort_body(HttpError::Gap(len), true, out);
            }
            State::Head | State::Probe => {
                out.push(Event::Error(HttpError::Gap(len)));
                self.resync(true);
            }
            State::Resync => self.matcher.reset(true),
        }
    }

    /// The connection closed: ends a body read until close (or cut short)
    /// and reports a head left incomplete. Later calls do nothing.
    pub fn finish(&mut self) -> Vec<Event> {
        let mut out = std::mem::take(&mut self.pending);
        match self.state {
            State::Head if self.start.is_some() || !self.line.is_empty() => {
                out.push(Event::Error(HttpError::TruncatedHead));
            }
            State::Fixed { .. }
            | State::UntilClose
            | State::ChunkSize
            | State::ChunkData { .. }
            | State::ChunkEnd { .. }
            | State::Trailers => out.push(self.body_done()),
            _ => {}
        }
        self.clear_message();
        self.methods.clear();
        self.state = State::Closed;
        out
    }

    // ---- heads ----

    fn head_bytes(&mut self, data: &mut &[u8], out: &mut Vec<Event>) {
        if self.start.is_none() && self.line.is_empty() {
            // Blank lines before a start line are ignored (RFC 9112 §2.2).
            let blank = data.iter().take_while(|&&b| b == b'\r' || b == b'\n');
            advance(data, blank.count());
            if data.is_empty() {
                return;
            }
        }
        let line_room = MAX_LINE_LEN.saturating_sub(self.line.len());
        let head_room = MAX_HEAD_LEN.saturating_sub(self.block_len + self.line.len());
        match take_line(&mut self.line, data, line_room.min(head_room)) {
            LineStep::Partial => {}
            LineStep::Overflow => {
                let e = if line_room <= head_room {
                    HttpError::LineTooLong
                } else {
                    HttpError::HeadTooLong
                };
                self.fail(e, false, out);
            }
            LineStep::Complete => {
                self.block_len += self.line.len();
                let mut line = std::mem::take(&mut self.line);
                self.head_line(strip_eol(&line), out);
                // Keep the allocation for the next line.
                if self.line.is_empty() {
                    line.clear();
                    self.line = line;
                }
            }
        }
    }

    fn head_line(&mut self, line: &[u8], out: &mut Vec<Event>) {
        if self.start.is_none() {
            let start = match self.side {
                Side::Client => head::parse_request_line(line).map(Start::Request),
                Side::Server => head::parse_status_line(line).map(Start::Status),
            };
            match start {
                Ok(start) => self.start = Some(start),
                Err(e) => self.fail(e, true, out),
            }
        } else if line.is_empty() {
            self.end_head(out);
        } else {
            self.block_lines += 1;
            if self.block_lines > MAX_HEADERS {
                self.fail(HttpError::TooManyHeaders, true, out);
            } else if !self.fields.push_line(line) && !self.bad_header_reported {
                self.bad_header_reported = true;
                out.push(Event::Error(HttpError::BadHeaderLine));
            }
        }
    }

    /// The blank line ending a head: report it and enter its body.
    fn end_head(&mut self, out: &mut Vec<Event>) {
        let fields = std::mem::take(&mut self.fields);
        let start = self.start.take();
        self.clear_message();
        let framing = fields.framing();
        match start {
            Some(Start::Request(line)) => {
                let method = method_of(&line.method);
                self.after = if method == Method::Connect || fields.has(b"upgrade") {
                    After::Probe
                } else {
                    After::Message
                };
                out.push(Event::Request(head::request(line, fields)));
                match framing {
                    Framing::Unspecified => self.end_message(out),
                    Framing::NotChunked => {
                        self.abort_body(HttpError::BadTransferEncoding, true, out);
                    }
                    _ => self.enter_body(framing, out),
                }
            }
            Some(Start::Status(line)) => {
                let status = line.status;
                out.push(Event::Response(head::response(line, fields)));
                self.after = After::Message;
                if (100..200).contains(&status) {
                    // Interim; 101 answers the request and switches protocol.
                    if status == 101 {
                        self.methods.pop_front();
                        self.after = After::Tunnel;
                    }
                    return self.end_message(out);
                }
                let method = self.methods.pop_front().unwrap_or(Method::Other);
                if method == Method::Connect && (200..300).contains(&status) {
                    self.after = After::Tunnel;
                    return self.end_message(out);
                }
                if method == Method::Head || status == 204 || status == 304 {
                    return self.end_message(out);
                }
                match framing {
                    Framing::Unspecified | Framing::NotChunked => self.state = State::UntilClose,
                    _ => self.enter_body(framing, out),
                }
            }
            None => {}
        }
    }

    fn enter_body(&mut self, framing: Framing, out: &mut Vec<Event>) {
        match framing {
            Framing::Length(0) => self.end_message(out),
            Framing::Length(remaining) => self.state = State::Fixed { remaining },
            Framing::Chunked => self.state = State::ChunkSize,
            Framing::BadLength => self.abort_body(HttpError::BadContentLength, true, out),
            Framing::Unspecified => self.end_message(out),
            Framing::NotChunked => self.state = State::UntilClose,
        }
    }

    // ---- chunked bodies ----

    fn chunk_size_bytes(&mut self, data: &mut &[u8], out: &mut Vec<Event>) {
        let room = MAX_CHUNK_LINE_LEN.saturating_sub(self.line.len());
        match take_line(&mut self.line, data, room) {
            LineStep::Partial => {}
            LineStep::Overflow => self.abort_body(HttpError::ChunkLineTooLong, false, out),
            LineStep::Complete => {
                let line = std::mem::take(&mut self.line);
                match head::parse_chunk_size(strip_eol(&line)) {
                    Some(0) => {
                        self.block_len = 0;
                        self.block_lines = 0;
                        self.state = State::Trailers;
                    }
                    Some(remaining) => self.state = State::ChunkData { remaining },
                    None => self.abort_body(HttpError::BadChunkSize, true, out),
                }
            }
        }
    }

    /// Trailer fields after the last chunk: checked against the head limits, then dropped.
    fn trailer_bytes(&mut self, data: &mut &[u8], out: &mut Vec<Event>) {
        let line_room = MAX_LINE_LEN.saturating_sub(self.line.len());
        let block_room = MAX_HEAD_LEN.saturating_sub(self.block_len + self.line.len());
        match take_line(&mut self.line, data, line_room.min(block_room)) {
            LineStep::Partial => {}
            LineStep::Overflow => {
                let e = if line_room <= block_room {
                    HttpError::LineTooLong
                } else {
                    HttpError::HeadTooLong
                };
                self.abort_body(e, false, out);
            }
            LineStep::Complete => {
                self.block_len += self.line.len();
                let line = std::mem::take(&mut self.line);
                if strip_eol(&line).is_empty() {
                    self.end_message(out);
                } else {
                    self.block_lines += 1;
                    if self.block_lines > MAX_HEADERS {
                        self.abort_body(HttpError::TooManyHeaders, true, out);
                    }
                }
            }
        }
    }

    // ---- message boundaries ----

    fn body_done(&self) -> Event {
        let body_len = self.body_len;
        match self.side {
            Side::Client => Event::RequestBodyDone { body_len },
            Side::Server => Event::ResponseBodyDone { body_len },
        }
    }

    /// The current message's body is complete.
    fn end_message(&mut self, out: &mut Vec<Event>) {
        out.push(self.body_done());
        self.clear_message();
        self.state = match self.after {
            After::Message => State::Head,
            After::Probe => {
                self.matcher.reset(true);
                State::Probe
            }
            After::Tunnel => State::Tunnel,
        };
    }

    /// A reported message's body cannot be followed: close it and resynchronise.
    fn abort_body(&mut self, e: HttpError, at_line_start: bool, out: &mut Vec<Event>) {
        out.push(Event::Error(e));
        out.push(self.body_done());
        self.resync(at_line_start);
    }

    /// A head cannot be parsed: drop it and resynchronise.
    fn fail(&mut self, e: HttpError, at_line_start: bool, out: &mut Vec<Event>) {
        out.push(Event::Error(e));
        self.resync(at_line_start);
    }

    fn resync(&mut self, at_line_start: bool) {
        self.clear_message();
        self.matcher.reset(at_line_start);
        self.state = State::Resync;
    }

    fn clear_message(&mut self) {
        self.line.clear();
        self.block_len = 0;
        self.block_lines = 0;
        self.start = None;
        self.fields = Fields::default();
        self.bad_header_reported = false;
        self.body_len = 0;
    }

    /// After CONNECT or Upgrade: a request start goes on as HTTP, anything else is a tunnel.
    fn probe_bytes(&mut self, data: &mut &[u8]) {
        while let Some((&b, rest)) = data.split_first() {
            *data = rest;
            if self.matcher.buf.is_empty() && (b == b'\r' || b == b'\n') {
                continue;
            }
            self.matcher.buf.push(b);
            match classify(self.side, &self.matcher.buf) {
                Prefix::Full => {
                    self.line = std::mem::take(&mut self.matcher.buf);
                    self.state = State::Head;
                    return;
                }
                Prefix::Partial => {}
                Prefix::No => {
                    self.matcher.reset(false);
                    self.state = State::Tunnel;
                    return;
                }
            }
        }
    }
}

fn method_of(method: &[u8]) -> Method {
    if method.eq_ignore_ascii_case(b"HEAD") {
        Method::Head
    } else if method.eq_ignore_ascii_case(b"CONNECT") {
        Method::Connect
    } else {
        Method::Other
    }
}
