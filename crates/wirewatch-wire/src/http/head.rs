//! Message heads: start lines, header fields, body framing from the headers,
//! and the values the sensor pulls out of them (including Basic credentials).

use super::{text, Authorization, HttpError, Request, Response};

/// A parsed request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestLine {
    pub method: Vec<u8>,
    pub uri: Vec<u8>,
    /// Version number without `HTTP/`.
    pub version: Vec<u8>,
}

/// A parsed status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StatusLine {
    /// Version number without `HTTP/`.
    pub version: Vec<u8>,
    pub status: u16,
    pub reason: Vec<u8>,
}

/// How the length of a message body is determined, from its headers alone
/// (the status code and request method are weighed by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// Neither Transfer-Encoding nor Content-Length.
    Unspecified,
    Length(u64),
    Chunked,
    /// Transfer-Encoding present but `chunked` is not the final coding.
    NotChunked,
    BadLength,
}

/// `true` for the characters of an RFC 9110 token (`tchar`).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_ows(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

/// The number of an `HTTP/x.y` version (`x.y`), prefix matched case-insensitively.
pub(super) fn version_number(v: &[u8]) -> Option<&[u8]> {
    let (prefix, number) = v.split_at_checked(5)?;
    let ok = prefix.eq_ignore_ascii_case(b"HTTP/")
        && number.first().is_some_and(u8::is_ascii_digit)
        && number.iter().all(|&b| b.is_ascii_digit() || b == b'.');
    ok.then_some(number)
}

/// `METHOD SP request-target SP HTTP/x.y`. Lenient like the servers it
/// observes: runs of spaces or tabs separate the parts, and spaces inside
/// the target are kept (the version is the last word).
pub(super) fn parse_request_line(line: &[u8]) -> Result<RequestLine, HttpError> {
    let line = line.trim_ascii();
    let bad = HttpError::BadRequestLine;
    let sp = line.iter().position(is_ows).ok_or(bad.clone())?;
    let (method, rest) = line.split_at_checked(sp).ok_or(bad.clone())?;
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(bad);
    }
    let last = rest.iter().rposition(is_ows).ok_or(bad.clone())?;
    let (uri, version) = rest.split_at_checked(last).ok_or(bad.clone())?;
    let uri = uri.trim_ascii();
    let version = version_number(version.trim_ascii()).ok_or(bad.clone())?;
    if uri.is_empty() {
        return Err(bad);
    }
    Ok(RequestLine {
        method: method.to_vec(),
        uri: uri.to_vec(),
        version: version.to_vec(),
    })
}

/// `HTTP/x.y SP 3DIGIT [SP reason]`; the reason may be missing or empty.
pub(super) fn parse_status_line(line: &[u8]) -> Result<StatusLine, HttpError> {
    let line = line.trim_ascii();
    let bad = HttpError::BadStatusLine;
    let sp = line.iter().position(is_ows).ok_or(bad.clone())?;
    let (version, rest) = line.split_at_checked(sp).ok_or(bad.clone())?;
    let version = version_number(version).ok_or(bad.clone())?;
    let rest = rest.trim_ascii_start();
    let (code, reason) = rest.split_at_checked(3).ok_or(bad.clone())?;
    if !code.iter().all(u8::is_ascii_digit) || reason.first().is_some_and(|b| !is_ows(b)) {
        return Err(bad);
    }
    let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    Ok(StatusLine {
        version: version.to_vec(),
        status,
        reason: reason.trim_ascii().to_vec(),
    })
}

/// The header fields of one head, in order, as raw bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Fields {
    list: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Fields {
    /// Adds one header line (terminator removed). A line starting with
    /// whitespace continues the previous value (obsolete folding). Returns
    /// `false` for a malformed line, which is ignored.
    pub fn push_line(&mut self, line: &[u8]) -> bool {
        if line.first().is_some_and(is_ows) {
            let Some((_, value)) = self.list.last_mut() else {
                return false;
            };
            let more = line.trim_ascii();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(b' ');
                }
                value.extend_from_slice(more);
            }
            return true;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        let Some((name, value)) = line.split_at_checked(colon) else {
            return false;
        };
        let name = name.trim_ascii_end();
        if name.is_empty() || name.iter().any(is_ows) {
            return false;
        }
        let value = value.get(1..).unwrap_or_default().trim_ascii();
        self.list.push((name.to_vec(), value.to_vec()));
        true
    }

    /// Values of every field named `name` (case-insensitive), in order.
    fn all<'a, 'n>(&'a self, name: &'n [u8]) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.list
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn first(&self, name: &[u8]) -> Option<&[u8]> {
        self.all(name).next()
    }

    pub fn has(&self, name: &[u8]) -> bool {
        self.first(name).is_some()
    }

    fn first_text(&self, name: &[u8]) -> Option<String> {
        self.first(name).map(text)
    }

    /// Body framing per RFC 9112 §6.3: Transfer-Encoding wins over
    /// Content-Length; `identity` codings are ignored; several Content-Length
    /// values (or a comma-separated list) must all agree.
    pub fn framing(&self) -> Framing {
        let mut last_coding = None;
        for value in self.all(b"transfer-encoding") {
            for coding in value.split(|&b| b == b',') {
                let name = coding
                    .split(|&b| b == b';')
                    .next()
                    .unwrap_or_default()
                    .trim_ascii();
                if !name.is_empty() && !name.eq_ignore_ascii_case(b"identity") {
                    last_coding = Some(name);
                }
            }
        }
        if let Some(coding) = last_coding {
            return if coding.eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked
            } else {
                Framing::NotChunked
            };
        }
        let mut length = None;
        for value in self.all(b"content-length") {
            for part in value.split(|&b| b == b',') {
                match (parse_decimal(part.trim_ascii()), length) {
                    (Some(n), None) => length = Some(n),
                    (Some(n), Some(m)) if n == m => {}
                    _ => return Framing::BadLength,
                }
            }
        }
        length.map_or(Framing::Unspecified, Framing::Length)
    }

    fn into_text(self) -> Vec<(String, String)> {
        self.list
            .into_iter()
            .map(|(n, v)| (text(&n), text(&v)))
            .collect()
    }
}

/// A non-empty run of ASCII digits as a `u64`; `None` on anything else or overflow.
fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// The size on a chunk-size line: hex digits, then optional whitespace and
/// `;extensions`. `None` if malformed or larger than `u64`.
pub(super) fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let line = line.trim_ascii();
    let end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at_checked(end)?;
    let rest = rest.trim_ascii_start();
    if digits.is_empty() || !(rest.is_empty() || rest.starts_with(b";")) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        let v = char::from(d).to_digit(16)?;
        n.checked_mul(16)?.checked_add(u64::from(v))
    })
}

pub(super) fn request(line: RequestLine, fields: Fields) -> Request {
    let authorization = fields
        .first(b"authorization")
        .or_else(|| fields.first(b"proxy-authorization"))
        .map(parse_authorization);
    Request {
        method: text(&line.method),
        uri: text(&line.uri),
        version: text(&line.version),
        host: fields.first_text(b"host"),
        user_agent: fields.first_text(b"user-agent"),
        content_type: fields.first_text(b"content-type"),
        referrer: fields.first_text(b"referer"),
        authorization,
        headers: fields.into_text(),
        body_len: 0,
    }
}

pub(super) fn response(line: StatusLine, fields: Fields) -> Response {
    Response {
        version: text(&line.version),
        status: line.status,
        reason: text(&line.reason),
        content_type: fields.first_text(b"content-type"),
        server: fields.first_text(b"server"),
        headers: fields.into_text(),
        body_len: 0,
    }
}

/// `scheme credentials`; Basic credentials are decoded into user and password.
pub(super) fn parse_authorization(value: &[u8]) -> Authorization {
    let value = value.trim_ascii();
    let (scheme, credentials) = match value.iter().position(is_ows) {
        Some(i) => value.split_at_checked(i).unwrap_or((value, &[])),
        None => (value, &[][..]),
    };
    if scheme.eq_ignore_ascii_case(b"basic") {
        let decoded = base64_decode(credentials.trim_ascii()).unwrap_or_default();
        if let Some(colon) = decoded.iter().position(|&b| b == b':') {
            if let Some((user, password)) = decoded.split_at_checked(colon) {
                return Authorization::Basic {
                    username: text(user),
                    password: text(password.get(1..).unwrap_or_default()),
                };
            }
        }
    }
    Authorization::Other(text(scheme))
}

/// A base64 engine of the standard alphabet ignoring unused trailing bits.
const fn base64_engine(
    padding: base64::engine::DecodePaddingMode,
) -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(padding)
            .with_decode_allow_trailing_bits(true),
    )
}

/// Padded input: the padding must be complete.
const BASE64_PADDED: base64::engine::GeneralPurpose =
    base64_engine(base64::engine::DecodePaddingMode::RequireCanonical);
/// Unpadded input.
const BASE64_UNPADDED: base64::engine::GeneralPurpose =
    base64_engine(base64::engine::DecodePaddingMode::RequireNone);

/// Decodes standard base64 (RFC 4648 §4). Padding is optional but complete
/// when present; `None` on a character outside the alphabet or an impossible
/// length.
pub(super) fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let engine = if input.ends_with(b"=") {
        &BASE64_PADDED
    } else {
        &BASE64_UNPADDED
    };
    engine.decode(input).ok()
}
