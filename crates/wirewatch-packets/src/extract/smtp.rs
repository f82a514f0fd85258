//! SMTP: the messages a client sends after `DATA` (to the line holding a
//! single `.`, dot-stuffing undone) or in `BDAT` chunks (RFC 3030), and
//! their MIME attachments. After `STARTTLS` the session is encrypted and
//! nothing more is read (said in the notes).

use super::{cut_note, mime, File, Limits, Protocol, Stream};

/// Messages read from one connection.
const MAX_MESSAGES: usize = 1000;

/// The next line of `b` from `at`: (line without its end, start of the next).
fn line(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(at..)?;
    if rest.is_empty() {
        return None;
    }
    let end = rest.iter().position(|c| *c == b'\n')?;
    let l = &rest[..end];
    Some((l.strip_suffix(b"\r").unwrap_or(l), at + end + 1))
}

pub(crate) fn files(s: &Stream, limits: &Limits, out: &mut Vec<File>, notes: &mut Vec<String>) {
    let up = &s.up;
    let b = &up.data;
    let mut at = 0;
    let mut messages = 0;
    let mut bdat: Vec<u8> = Vec::new();
    let mut bdat_start = 0;
    while let Some((l, next)) = line(b, at) {
        let upper = l.to_ascii_uppercase();
        if upper == b"STARTTLS" {
            notes.push(format!(
                "SMTP {} -> {}: STARTTLS; the rest of the session is encrypted and was not read",
                s.client.sock(),
                s.server.sock()
            ));
            return;
        }
        if messages >= MAX_MESSAGES {
            notes.push(format!(
                "SMTP {} -> {}: messages after the first {MAX_MESSAGES} were not read",
                s.client.sock(),
                s.server.sock()
            ));
            return;
        }
        if upper == b"DATA" {
            let start = next;
            let mut msg = Vec::new();
            let mut p = next;
            let mut ended = false;
            while let Some((l, n)) = line(b, p) {
                p = n;
                if l == b"." {
                    ended = true;
                    break;
                }
                msg.extend_from_slice(l.strip_prefix(b".").unwrap_or(l));
                msg.extend_from_slice(b"\r\n");
            }
            messages += 1;
            message(s, start, &msg, ended, limits, out);
            at = p;
            if !ended {
                return;
            }
            continue;
        }
        if upper.starts_with(b"BDAT ") {
            let words: Vec<&[u8]> = l.split(|c| *c == b' ').filter(|w| !w.is_empty()).collect();
            let size: Option<usize> = words
                .get(1)
                .and_then(|w| std::str::from_utf8(w).ok())
                .and_then(|w| w.parse().ok());
            let Some(size) = size else {
                return;
            };
            if bdat.is_empty() {
                bdat_start = next;
            }
            let end = next.saturating_add(size).min(b.len());
            bdat.extend_from_slice(&b[next..end]);
            let last = words
                .get(2)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"LAST"));
            let whole = end - next == size;
            if last || !whole {
                messages += 1;
                message(
                    s,
                    bdat_start,
                    &std::mem::take(&mut bdat),
                    whole,
                    limits,
                    out,
                );
            }
            if !whole {
                return;
            }
            at = end;
            continue;
        }
        at = next;
    }
}

fn message(
    s: &Stream,
    start: usize,
    msg: &[u8],
    ended: bool,
    limits: &Limits,
    out: &mut Vec<File>,
) {
    let time_ns = s.up.time_at(start as u64);
    let cut = (!ended).then(|| {
        cut_note(&s.up, u64::MAX)
            .unwrap_or_else(|| "the connection ended before the message did".into())
    });
    for p in mime::message_attachments(msg, limits) {
        let note = cut.clone().or(p.note);
        out.push(File {
            name: p.name,
            protocol: Protocol::Smtp,
            sender: s.client.sock(),
            receiver: s.server.sock(),
            time_ns,
            data: p.data,
            content_type: p.content_type,
            decoded_from: p.decoded_from,
            complete: cut.is_none(),
            note,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::tcp::Assembled;
    use crate::extract::Ep;

    #[test]
    fn data_with_dot_stuffing_then_starttls_ends_the_reading() {
        let up = b"EHLO me\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Disposition: attachment; filename=dots.txt\r\n\r\n..leading dot\r\n--b--\r\n.\r\nSTARTTLS\r\nDATA\r\n";
        let s = Stream {
            client: Ep("10.0.0.1".parse().unwrap(), 40000),
            server: Ep("10.0.0.2".parse().unwrap(), 25),
            first_ns: 0,
            up: Assembled::from_bytes(up),
            down: Assembled::from_bytes(b"220 hi\r\n"),
        };
        let mut out = Vec::new();
        let mut notes = Vec::new();
        files(&s, &Limits::default(), &mut out, &mut notes);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, "dots.txt");
        assert_eq!(out[0].data, b".leading dot");
        assert!(out[0].complete);
        assert!(notes[0].contains("STARTTLS"), "{notes:?}");
    }
}
