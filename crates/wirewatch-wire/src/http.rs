//! Incremental HTTP/1.x parsing for one direction of a TCP stream: message
//! heads, body framing (Content-Length, chunked, read-until-close),
//! pipelining, interim 1xx responses, CONNECT/Upgrade tunnels and recovery
//! after lost bytes.
//!
//! Everything here is pure: bytes in, [`Event`]s out, no I/O, and no panic on
//! any input. Memory per direction is bounded by the named limits below:
//! bodies are counted and skipped, never stored.
//!
//! Text decoded from the wire (URIs, header values, credentials) is taken as
//! UTF-8 when it is valid UTF-8, and otherwise mapped one byte to one char
//! (ISO-8859-1), so no byte is ever replaced or dropped.
//!
//! HTTP/0.9 (a request line without a version, answered by a bare body) is
//! not supported: such a request line is reported as malformed.

mod head;
mod scan;
mod stream;

#[cfg(test)]
mod tests;

pub use stream::StreamParser;

/// Longest line accepted in a message head or chunked trailer, terminator
/// included. Servers cap lines at 8 KiB (Apache's `LimitRequestLine`, nginx's
/// `large_client_header_buffers`); twice that leaves room for unusual but
/// real traffic while bounding what one line can make the parser hold.
pub const MAX_LINE_LEN: usize = 16 * 1024;
/// Largest message head (start line, header lines and the blank line ending
/// it), and largest chunked trailer block. Bounds the memory a peer can make
/// the parser buffer before a message is complete.
pub const MAX_HEAD_LEN: usize = 64 * 1024;
/// Most header lines in one head (or one trailer block), folded continuation
/// lines included. Apache refuses more than 100; the cap bounds the fields
/// kept per message.
pub const MAX_HEADERS: usize = 256;
/// Longest chunk-size line, chunk extensions and terminator included. The
/// size is at most 16 hex digits and extensions are rare and short; anything
/// longer is not chunked framing.
pub const MAX_CHUNK_LINE_LEN: usize = 1024;
/// Most request methods queued by [`StreamParser::set_request_method`] for
/// responses not yet seen. Pipelines are a few requests deep; the cap bounds
/// the queue when responses are lost or never come.
pub const MAX_PENDING_METHODS: usize = 128;

/// Methods treated as a plausible request start when resynchronising, after
/// a CONNECT or Upgrade request, and by [`looks_like_request`]: RFC 9110,
/// WebDAV and its extensions, SSDP/GENA, and Outlook's RPC over HTTP. The
/// request-line parser itself accepts any token as a method.
const KNOWN_METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"TRACE",
    b"CONNECT",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"MKCALENDAR",
    b"ACL",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"MKACTIVITY",
    b"CHECKOUT",
    b"CHECKIN",
    b"UNCHECKOUT",
    b"MERGE",
    b"VERSION-CONTROL",
    b"MKWORKSPACE",
    b"UPDATE",
    b"LABEL",
    b"BASELINE-CONTROL",
    b"ORDERPATCH",
    b"LINK",
    b"UNLINK",
    b"PURGE",
    b"BCOPY",
    b"BDELETE",
    b"BMOVE",
    b"BPROPFIND",
    b"BPROPPATCH",
    b"POLL",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"NOTIFY",
    b"M-SEARCH",
    b"RPC_IN_DATA",
    b"RPC_OUT_DATA",
];

/// Why bytes of an HTTP stream could not be parsed.
///
/// Errors are reported as [`Event::Error`] and never stop the parser:
/// [`HttpError::BadHeaderLine`] only drops the offending line, and every
/// other error abandons the message in progress (closing its body with a
/// `*BodyDone` event if its head was already reported) and resynchronises at
/// the next plausible message start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("head line longer than MAX_LINE_LEN")]
    LineTooLong,
    #[error("message head longer than MAX_HEAD_LEN")]
    HeadTooLong,
    #[error("more than MAX_HEADERS header lines")]
    TooManyHeaders,
    #[error("malformed request line")]
    BadRequestLine,
    #[error("malformed status line")]
    BadStatusLine,
    /// A header line without a colon, with whitespace in its name, or a
    /// continuation line with nothing to continue. The line is ignored;
    /// reported at most once per message.
    #[error("malformed header line (ignored)")]
    BadHeaderLine,
    /// Content-Length not a decimal number, or several that disagree.
    #[error("invalid Content-Length")]
    BadContentLength,
    /// A request whose Transfer-Encoding does not end in `chunked`: its
    /// length cannot be determined (RFC 9112 §6.3).
    #[error("request Transfer-Encoding does not end in chunked")]
    BadTransferEncoding,
    #[error("malformed chunk-size line")]
    BadChunkSize,
    #[error("chunk-size line longer than MAX_CHUNK_LINE_LEN")]
    ChunkLineTooLong,
    /// Chunk data not followed by a line end.
    #[error("chunk data not followed by CRLF")]
    BadChunkEnd,
    /// This many lost bytes could not be skipped inside a body of known
    /// length, so message framing was lost.
    #[error("{0} bytes lost outside a skippable body")]
    Gap(u64),
    /// The stream ended inside a message head; the message is not reported.
    #[error("stream ended inside a message head")]
    TruncatedHead,
}

/// Credentials from an `Authorization` (or `Proxy-Authorization`) header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// `Basic` with base64 credentials that decode to `user:password`; the
    /// password is everything after the first colon.
    Basic { username: String, password: String },
    /// Any other scheme (or `Basic` whose credentials do not decode), by the
    /// scheme name as sent: `Bearer`, `Negotiate`, `Digest`…
    Other(String),
}

/// A request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub uri: String,
    /// Protocol version without the `HTTP/` prefix, as Zeek logs it: `1.1`.
    pub version: String,
    /// Value of the first `Host` header.
    pub host: Option<String>,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    /// Value of the first `Referer` header.
    pub referrer: Option<String>,
    /// From `Authorization`, or failing that `Proxy-Authorization`.
    pub authorization: Option<Authorization>,
    /// Every header in order, names as sent, values trimmed and folded lines joined.
    pub headers: Vec<(String, String)>,
    /// Body bytes as transferred, after de-chunking (Zeek's
    /// `request_body_len`), bytes lost in gaps included. Always 0 in
    /// [`Event::Request`]: the count arrives in [`Event::RequestBodyDone`].
    pub body_len: u64,
}

/// A response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Protocol version without the `HTTP/` prefix: `1.1`.
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub content_type: Option<String>,
    pub server: Option<String>,
    /// Every header in order, names as sent, values trimmed and folded lines joined.
    pub headers: Vec<(String, String)>,
    /// Body bytes as transferred, after de-chunking. Always 0 in
    /// [`Event::Response`]: the count arrives in [`Event::ResponseBodyDone`].
    pub body_len: u64,
}

/// What a [`StreamParser`] reports.
///
/// Every `Request`/`Response` is followed by exactly one matching
/// `*BodyDone` (at once for a message without body, at the latest from
/// [`StreamParser::finish`]). Interim 1xx responses are reported like others,
/// with an empty body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A request head is complete.
    Request(Request),
    /// A response head is complete.
    Response(Response),
    /// The body of the last request ended (possibly cut short by an error,
    /// a gap or the end of the stream).
    RequestBodyDone {
        body_len: u64,
    },
    /// The body of the last response ended.
    ResponseBodyDone {
        body_len: u64,
    },
    Error(HttpError),
}

/// Quick protocol detection on the first bytes of a client stream: a known
/// method, a space and the start of a request target and, if the first line
/// is complete within `data`, an `HTTP/x.y` version ending it.
///
/// Needs at least the method, the space and one byte of the target.
pub fn looks_like_request(data: &[u8]) -> bool {
    let longest = KNOWN_METHODS.iter().map(|m| m.len()).max().unwrap_or(0);
    let Some(sp) = data.iter().take(longest + 1).position(|&b| b == b' ') else {
        return false;
    };
    let Some((method, rest)) = data.split_at_checked(sp) else {
        return false;
    };
    if !KNOWN_METHODS.contains(&method) {
        return false;
    }
    let target = rest.get(1..).unwrap_or_default();
    match target.first() {
        Some(b) if *b == b'/' || *b == b'*' || b.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    let (line, complete) = match target.iter().position(|&b| b == b'\n') {
        Some(i) => (target.get(..i).unwrap_or_default(), true),
        None => (target, false),
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().any(|&b| b.is_ascii_control() && b != b'\t') {
        return false;
    }
    if !complete {
        return true;
    }
    line.rsplit(|&b| b == b' ')
        .next()
        .and_then(head::version_number)
        .is_some()
}

/// Wire bytes as text: UTF-8 if valid, else one char per byte (ISO-8859-1).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().copied().map(char::from).collect(),
    }
}
