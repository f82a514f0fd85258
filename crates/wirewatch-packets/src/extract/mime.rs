//! MIME (RFC 2045/2046/2183): the attached files of a mail message or of a
//! `multipart/form-data` upload — parts named by a `filename` (or a
//! `Content-Type` `name`) or marked `attachment` — with their
//! `Content-Transfer-Encoding` (`base64`, `quoted-printable`) decoded.
//! Nested multiparts and `message/rfc822` parts are followed to a depth of
//! [`MAX_DEPTH`].

use super::Limits;
use base64::Engine;

/// Multipart nesting followed (mail clients nest 3 or 4 deep).
const MAX_DEPTH: usize = 8;
/// Longest header block of a part.
const MAX_HEADERS: usize = 64 * 1024;

/// One attached file.
#[derive(Debug)]
pub(crate) struct Part {
    pub name: String,
    pub data: Vec<u8>,
    pub content_type: Option<String>,
    pub decoded_from: Option<String>,
    /// Why the content is kept encoded or cut.
    pub note: Option<String>,
}

/// Header fields up to the first empty line, and where the body starts.
pub(crate) fn fields(b: &[u8]) -> (Vec<(String, String)>, usize) {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut at = 0;
    while at < b.len() && at < MAX_HEADERS {
        let end = b[at..]
            .iter()
            .position(|c| *c == b'\n')
            .map_or(b.len(), |e| at + e);
        let line = &b[at..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        at = (end + 1).min(b.len());
        if line.is_empty() {
            return (out, at);
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some(h) = out.last_mut() {
                h.1.push(' ');
                h.1.push_str(String::from_utf8_lossy(line).trim());
            }
        } else if let Some(c) = line.iter().position(|c| *c == b':') {
            out.push((
                String::from_utf8_lossy(&line[..c])
                    .trim()
                    .to_ascii_lowercase(),
                String::from_utf8_lossy(&line[c + 1..]).trim().to_string(),
            ));
        }
    }
    (out, at)
}

fn get<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// A parameter of a structured header value (`name="x"`, `name=x`,
/// `name*=UTF-8''x%20y`), the extended form preferred.
pub(crate) fn param(value: &str, name: &str) -> Option<String> {
    let mut plain = None;
    for p in value.split(';').skip(1) {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        if k == format!("{name}*") {
            // charset'language'percent-encoded
            let enc = v.splitn(3, '\'').nth(2).unwrap_or(v);
            let mut bytes = Vec::new();
            let b = enc.as_bytes();
            let mut i = 0;
            while i < b.len() {
                let hex = |c: u8| (c as char).to_digit(16);
                if b[i] == b'%' && i + 2 < b.len() {
                    if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                        bytes.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                }
                bytes.push(b[i]);
                i += 1;
            }
            return Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        if k == name && plain.is_none() {
            plain = Some(v.trim_matches('"').to_string());
        }
    }
    plain.filter(|s| !s.is_empty())
}

/// The `filename` of a `Content-Disposition` value.
pub(crate) fn filename_param(value: &str) -> Option<String> {
    param(value, "filename")
}

/// Decode a `Content-Transfer-Encoding`.
fn decode_cte(cte: &str, data: &[u8]) -> Result<(Vec<u8>, Option<String>), String> {
    match cte {
        "base64" => {
            let clean: Vec<u8> = data
                .iter()
                .copied()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_allow_trailing_bits(true)
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
            );
            engine
                .decode(&clean)
                .map(|d| (d, Some("base64".into())))
                .map_err(|e| format!("base64 decoding failed ({e})"))
        }
        "quoted-printable" => Ok((quoted_printable(data), Some("quoted-printable".into()))),
        _ => Ok((data.to_vec(), None)),
    }
}

/// RFC 2045 §6.7: `=XX` bytes, `=` at a line's end joins it to the next.
fn quoted_printable(d: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(d.len());
    let hex = |c: u8| (c as char).to_digit(16);
    let mut i = 0;
    while i < d.len() {
        if d[i] == b'=' {
            if d[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if d[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if i + 2 < d.len() {
                if let (Some(h), Some(l)) = (hex(d[i + 1]), hex(d[i + 2])) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(d[i]);
        i += 1;
    }
    out
}

/// The parts of a multipart body between its `--boundary` lines.
fn split<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut starts = Vec::new();
    // Delimiter lines: at the body's start or after a line end.
    let mut i = 0;
    while i + d.len() <= body.len() {
        if (i == 0 || body[i - 1] == b'\n') && body[i..].starts_with(d) {
            starts.push(i);
            i += d.len();
        } else {
            i += 1;
        }
    }
    let mut parts = Vec::new();
    for w in starts.windows(2) {
        let from = w[0] + d.len();
        // The rest of the delimiter line (transport padding) and its end.
        let from = body[from..w[1]]
            .iter()
            .position(|c| *c == b'\n')
            .map_or(w[1], |e| from + e + 1);
        if body[w[0] + d.len()..].starts_with(b"--") {
            break;
        }
        // The line end before the next delimiter belongs to it.
        let mut to = w[1];
        if to > from && body[to - 1] == b'\n' {
            to -= 1;
            if to > from && body[to - 1] == b'\r' {
                to -= 1;
            }
        }
        parts.push(&body[from..to.max(from)]);
    }
    parts
}

/// The attached files of a body of this `Content-Type`.
pub(crate) fn attachments(content_type: &str, body: &[u8], limits: &Limits) -> Vec<Part> {
    let mut out = Vec::new();
    walk(content_type, body, 0, limits, &mut out);
    out
}

/// The attached files of a whole message (its header fields first): the
/// parts of a multipart message, or the body of a single-part message that
/// is itself an attachment.
pub(crate) fn message_attachments(msg: &[u8], limits: &Limits) -> Vec<Part> {
    let mut out = Vec::new();
    entity(msg, 0, limits, &mut out);
    out
}

fn walk(content_type: &str, body: &[u8], depth: usize, limits: &Limits, out: &mut Vec<Part>) {
    let ct = content_type.to_ascii_lowercase();
    if !ct.starts_with("multipart/") || depth >= MAX_DEPTH {
        return;
    }
    let Some(boundary) = param(content_type, "boundary") else {
        return;
    };
    for p in split(body, &boundary) {
        entity(p, depth, limits, out);
    }
}

/// One MIME entity (header fields, then content).
fn entity(p: &[u8], depth: usize, limits: &Limits, out: &mut Vec<Part>) {
    {
        let (h, at) = fields(p);
        let data = &p[at.min(p.len())..];
        let pct = get(&h, "content-type").unwrap_or("text/plain");
        let lower = pct.to_ascii_lowercase();
        if lower.starts_with("multipart/") {
            walk(pct, data, depth + 1, limits, out);
            return;
        }
        if lower.starts_with("message/rfc822") {
            if depth < MAX_DEPTH {
                entity(data, depth + 1, limits, out);
            }
            return;
        }
        let disposition = get(&h, "content-disposition").unwrap_or("");
        let name = filename_param(disposition).or_else(|| param(pct, "name"));
        let attachment = disposition
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("attachment");
        if name.is_none() && !attachment {
            return;
        }
        let cte = get(&h, "content-transfer-encoding")
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let (data, decoded_from, note) = match decode_cte(&cte, data) {
            Ok((d, _)) if d.len() as u64 > limits.file_bytes => (
                data.to_vec(),
                None,
                Some(format!(
                    "kept {cte}-encoded: decoded, it is larger than {} bytes",
                    limits.file_bytes
                )),
            ),
            Ok((d, from)) => (d, from, None),
            Err(why) => (data.to_vec(), None, Some(format!("kept as sent: {why}"))),
        };
        out.push(Part {
            name: name.unwrap_or_else(|| format!("attachment-{}", out.len() + 1)),
            data,
            content_type: Some(pct.split(';').next().unwrap_or(pct).trim().to_string()),
            decoded_from,
            note,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_parts_with_base64_and_quoted_printable() {
        let msg = b"--outer\r\nContent-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nbody text\r\n--in--\r\n--outer\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\naGVs\r\nbG8=\r\n--outer\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: attachment; filename*=UTF-8''caf%C3%A9.txt\r\n\r\ncaf=C3=A9 =3D long=\r\n line\r\nend\r\n--outer--\r\nepilogue";
        let parts = attachments("multipart/mixed; boundary=outer", msg, &Limits::default());
        let got: Vec<_> = parts
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.data.as_slice(),
                    p.decoded_from.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.pdf", &b"hello"[..], Some("base64")),
                (
                    "caf\u{e9}.txt",
                    "caf\u{e9} = long line\r\nend".as_bytes(),
                    Some("quoted-printable")
                ),
            ]
        );
        assert_eq!(parts[0].content_type.as_deref(), Some("application/pdf"));
    }

    #[test]
    fn bad_base64_is_kept_and_said() {
        let msg = b"--b\r\nContent-Disposition: attachment; filename=x\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n--b--";
        let parts = attachments("multipart/mixed; boundary=b", msg, &Limits::default());
        assert_eq!(parts[0].data, b"!!!!");
        assert!(parts[0]
            .note
            .as_deref()
            .unwrap()
            .starts_with("kept as sent"));
    }
}
