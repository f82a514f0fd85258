//! HTTP/1.x bodies of one connection: request bodies (uploads; the file
//! parts of a `multipart/form-data` body) and response bodies, framed by
//! `Content-Length`, `Transfer-Encoding: chunked` or the connection's end.
//! A `Content-Encoding` of `gzip`, `x-gzip` or `deflate` is decoded (the
//! file is what the user would save, as tshark's export does; the manifest
//! says `decoded_from`); another (`br`, `zstd`) is kept as sent and said.
//! Requests and responses are paired in order (HTTP/1.1 pipelining keeps
//! it); `CONNECT` and `101 Switching Protocols` end the parsing (a tunnel).

use super::{cut_note, first_line, inflate, mime, File, Limits, Protocol, Stream};
use crate::extract::tcp::Assembled;

/// Longest request or response head read (start line and headers).
const MAX_HEAD: usize = 64 * 1024;

pub(crate) fn is_request_line(l: &[u8]) -> bool {
    let mut parts = l.split(|c| *c == b' ');
    let (Some(m), Some(target), Some(v)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    (3..=12).contains(&m.len())
        && m.iter().all(|c| c.is_ascii_uppercase() || *c == b'-')
        && !target.is_empty()
        && v.starts_with(b"HTTP/1.")
}

pub(crate) struct Head {
    pub start: String,
    pub headers: Vec<(String, String)>,
    /// Bytes of the head, its blank line included.
    pub len: usize,
}

impl Head {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parse a head (lines to an empty line; `\r\n` or a bare `\n`).
pub(crate) fn parse_head(b: &[u8], max: usize) -> Option<Head> {
    let mut at = 0;
    let mut lines = Vec::new();
    loop {
        let rest = &b[at..];
        let end = rest
            .iter()
            .take(max.saturating_sub(at))
            .position(|c| *c == b'\n')?;
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        at += end + 1;
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let mut it = lines.into_iter();
    let start = String::from_utf8_lossy(it.next()?).into_owned();
    let mut headers: Vec<(String, String)> = Vec::new();
    for l in it {
        if l.first().is_some_and(|c| *c == b' ' || *c == b'\t') {
            // An obsolete folded line continues the previous header.
            if let Some(h) = headers.last_mut() {
                h.1.push(' ');
                h.1.push_str(String::from_utf8_lossy(l).trim());
            }
            continue;
        }
        if let Some(c) = l.iter().position(|c| *c == b':') {
            headers.push((
                String::from_utf8_lossy(&l[..c]).trim().to_string(),
                String::from_utf8_lossy(&l[c + 1..]).trim().to_string(),
            ));
        }
    }
    Some(Head {
        start,
        headers,
        len: at,
    })
}

enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

fn framing(h: &Head, request: bool) -> Framing {
    if h.get("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"))
    {
        return Framing::Chunked;
    }
    if let Some(n) = h.get("content-length").and_then(|v| v.trim().parse().ok()) {
        return Framing::Length(n);
    }
    if request {
        Framing::None
    } else {
        Framing::UntilClose
    }
}

/// A body: its bytes (de-chunked), the bytes it took in the stream, and
/// whether it ended as framed.
fn body(b: &[u8], f: &Framing) -> (Vec<u8>, usize, bool) {
    match f {
        Framing::None => (Vec::new(), 0, true),
        Framing::Length(n) => {
            let take = usize::try_from(*n).unwrap_or(usize::MAX).min(b.len());
            (b[..take].to_vec(), take, take as u64 == *n)
        }
        Framing::UntilClose => (b.to_vec(), b.len(), true),
        Framing::Chunked => {
            let mut out = Vec::new();
            let mut at = 0;
            loop {
                let Some(line) = first_line(&b[at..]) else {
                    return (out, at, false);
                };
                let line_len = b[at..].iter().position(|c| *c == b'\n').unwrap_or(0) + 1;
                let size_text = String::from_utf8_lossy(line);
                let size_text = size_text.split(';').next().unwrap_or("").trim();
                let Ok(size) = usize::from_str_radix(size_text, 16) else {
                    return (out, at, false);
                };
                at += line_len;
                if size == 0 {
                    // Trailers, then the blank line.
                    while let Some(l) = first_line(&b[at..]) {
                        at += b[at..].iter().position(|c| *c == b'\n').unwrap_or(0) + 1;
                        if l.is_empty() {
                            return (out, at, true);
                        }
                    }
                    return (out, at, false);
                }
                let end = at.saturating_add(size);
                if end > b.len() {
                    out.extend_from_slice(&b[at..]);
                    return (out, b.len(), false);
                }
                out.extend_from_slice(&b[at..end]);
                at = end;
                if b[at..].starts_with(b"\r\n") {
                    at += 2;
                } else if b[at..].starts_with(b"\n") {
                    at += 1;
                }
            }
        }
    }
}

/// `%41` → `A` (invalid escapes kept).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The last path segment of a request target (`/a/b.pdf?x=1` → `b.pdf`).
fn name_of_target(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = path
        .strip_prefix("http://")
        .or_else(|| path.strip_prefix("https://"))
        .map(|p| p.find('/').map_or("", |i| &p[i..]))
        .unwrap_or(path);
    let last = path.rsplit('/').next().unwrap_or("");
    let name = percent_decode(last);
    (!name.is_empty()).then_some(name)
}

struct Request {
    method: String,
    target: String,
}

/// The files of one HTTP connection.
pub(crate) fn files(s: &Stream, limits: &Limits, out: &mut Vec<File>) {
    let mut requests = Vec::new();
    let mut at = 0;
    let up = &s.up;
    while at < up.data.len() {
        let Some(h) = parse_head(&up.data[at..], MAX_HEAD) else {
            break;
        };
        if !is_request_line(h.start.as_bytes()) {
            break;
        }
        let mut parts = h.start.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let start = at + h.len;
        let (data, used, complete) = body(&up.data[start..], &framing(&h, true));
        if !data.is_empty() {
            let name = name_of_target(&target).unwrap_or_else(|| "request-body".into());
            push_body(s, up, true, start, &h, name, data, complete, limits, out);
        }
        at = start + used;
        let connect = method == "CONNECT";
        requests.push(Request { method, target });
        if connect || !complete {
            break;
        }
    }
    let down = &s.down;
    let mut at = 0;
    let mut next = 0;
    while at < down.data.len() {
        let Some(h) = parse_head(&down.data[at..], MAX_HEAD) else {
            break;
        };
        if !h.start.starts_with("HTTP/") {
            break;
        }
        let status: u16 = h
            .start
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let start = at + h.len;
        if (100..200).contains(&status) {
            at = start;
            if status == 101 {
                break;
            }
            continue;
        }
        let req = requests.get(next);
        next += 1;
        let method = req.map_or("", |r| r.method.as_str());
        let f = if method == "HEAD" || status == 204 || status == 304 {
            Framing::None
        } else {
            framing(&h, false)
        };
        let (data, used, complete) = body(&down.data[start..], &f);
        // A body to the connection's end is whole only if nothing is missing
        // and that end (the server's FIN) was seen.
        let complete =
            complete && !(matches!(f, Framing::UntilClose) && (down.cut.is_some() || !down.fin));
        if !data.is_empty() {
            let name = h
                .get("content-disposition")
                .and_then(mime::filename_param)
                .or_else(|| req.and_then(|r| name_of_target(&r.target)))
                .unwrap_or_else(|| format!("response-{status}"));
            push_body(s, down, false, start, &h, name, data, complete, limits, out);
        }
        at = start + used;
        if method == "CONNECT" || !complete {
            break;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push_body(
    s: &Stream,
    a: &Assembled,
    upload: bool,
    start: usize,
    h: &Head,
    name: String,
    raw: Vec<u8>,
    complete: bool,
    limits: &Limits,
    out: &mut Vec<File>,
) {
    let (sender, receiver) = if upload {
        (s.client.sock(), s.server.sock())
    } else {
        (s.server.sock(), s.client.sock())
    };
    let time_ns = a.time_at(start as u64);
    let mut note = (!complete).then(|| {
        cut_note(a, u64::MAX)
            .unwrap_or_else(|| "the body's end is not in the matched packets".into())
    });
    let whole = note.is_none();
    let content_type = h.get("content-type").map(str::to_string);
    // An upload form: its file parts are the files.
    if upload
        && complete
        && content_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
    {
        let parts = mime::attachments(h.get("content-type").unwrap_or(""), &raw, limits);
        if !parts.is_empty() {
            for p in parts {
                out.push(File {
                    name: p.name,
                    protocol: Protocol::Http,
                    sender,
                    receiver,
                    time_ns,
                    data: p.data,
                    content_type: p.content_type,
                    decoded_from: p.decoded_from,
                    complete: p.note.is_none(),
                    note: p.note,
                });
            }
            return;
        }
    }
    let encoding = h
        .get("content-encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != "identity");
    let (data, decoded_from) = match &encoding {
        Some(e) if complete => match inflate(e, &raw, limits.file_bytes) {
            Ok(d) => (d, Some(e.clone())),
            Err(why) => {
                note.get_or_insert(format!("kept as sent: {why}"));
                (raw, None)
            }
        },
        Some(e) => {
            note.get_or_insert(format!("kept {e}-encoded: the body is incomplete"));
            (raw, None)
        }
        None => (raw, None),
    };
    out.push(File {
        name,
        protocol: Protocol::Http,
        sender,
        receiver,
        time_ns,
        data,
        content_type,
        decoded_from,
        complete: whole,
        note,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::tcp::Assembled;
    use crate::extract::Ep;

    fn stream(up: &[u8], down: &[u8]) -> Stream {
        Stream {
            client: Ep("10.0.0.1".parse().unwrap(), 40000),
            server: Ep("10.0.0.2".parse().unwrap(), 80),
            first_ns: 0,
            up: Assembled::from_bytes(up),
            down: Assembled::from_bytes(down),
        }
    }

    #[test]
    fn pipelined_bodies_chunked_head_and_gzip() {
        let z = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(b"decoded text").unwrap();
            e.finish().unwrap()
        };
        let up = b"GET /dir/a%20b.txt?x=1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /big HTTP/1.1\r\n\r\nGET /z HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n";
        let mut down = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
        down.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n");
        down.extend_from_slice(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                z.len()
            )
            .as_bytes(),
        );
        down.extend_from_slice(&z);
        down.extend_from_slice(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Disposition: attachment; filename=\"r.csv\"\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        let mut out = Vec::new();
        files(&stream(up, &down), &Limits::default(), &mut out);
        let got: Vec<_> = out
            .iter()
            .map(|f| (f.name.as_str(), f.data.as_slice(), f.complete))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a b.txt", &b"hello"[..], true),
                ("z", &b"decoded text"[..], true),
                ("r.csv", &b"abcde"[..], true),
            ]
        );
        assert_eq!(out[1].decoded_from.as_deref(), Some("gzip"));
        assert_eq!(out[0].sender.port(), 80);
    }

    #[test]
    fn a_short_body_is_incomplete_and_a_gzip_bomb_is_kept_encoded() {
        let up = b"POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345";
        let mut out = Vec::new();
        files(&stream(up, b""), &Limits::default(), &mut out);
        assert_eq!(out.len(), 1);
        assert!(!out[0].complete);
        assert_eq!(out[0].data, b"12345");
        assert_eq!(out[0].receiver.port(), 80);

        let z = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(&vec![0u8; 100_000]).unwrap();
            e.finish().unwrap()
        };
        let mut down = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            z.len()
        )
        .into_bytes();
        down.extend_from_slice(&z);
        let limits = Limits {
            file_bytes: 1000,
            ..Limits::default()
        };
        let mut out = Vec::new();
        files(
            &stream(b"GET /b HTTP/1.1\r\n\r\n", &down),
            &limits,
            &mut out,
        );
        assert_eq!(out[0].data, z);
        assert_eq!(out[0].decoded_from, None);
        assert!(out[0].note.as_deref().unwrap().contains("larger than 1000"));
    }
}
