//! Byte scanning shared by the parser states: collecting a line under a
//! byte budget, and recognising a plausible message start byte by byte.

use super::KNOWN_METHODS;

/// Which direction of the connection a parser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Client,
    Server,
}

/// Outcome of offering bytes to [`take_line`].
pub(super) enum LineStep {
    /// No line end yet; all bytes taken.
    Partial,
    /// A line end was taken: the line is complete.
    Complete,
    /// `room` bytes taken without a line end: the line exceeds its limit.
    Overflow,
}

/// Moves bytes from `data` into `line` up to and including the first `\n`,
/// taking at most `room` bytes.
pub(super) fn take_line(line: &mut Vec<u8>, data: &mut &[u8], room: usize) -> LineStep {
    let bytes: &[u8] = data;
    let window = bytes.get(..room).unwrap_or(bytes);
    let (taken, step) = match window.iter().position(|&b| b == b'\n') {
        Some(i) => (i + 1, LineStep::Complete),
        None if bytes.len() >= room => (room, LineStep::Overflow),
        None => (bytes.len(), LineStep::Partial),
    };
    let (head, rest) = bytes.split_at_checked(taken).unwrap_or((bytes, &[]));
    if !matches!(step, LineStep::Overflow) {
        line.extend_from_slice(head);
    }
    *data = rest;
    step
}

/// A completed line without its `\n` or `\r\n`.
pub(super) fn strip_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub(super) fn advance(data: &mut &[u8], n: usize) {
    let bytes: &[u8] = data;
    *data = bytes.get(n..).unwrap_or_default();
}

/// Bytes of a body of which `remaining` are still due that can be taken from `available`.
pub(super) fn body_part(remaining: u64, available: usize) -> usize {
    usize::try_from(remaining).map_or(available, |r| r.min(available))
}

/// How a byte string relates to the plausible message starts of a side.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Prefix {
    No,
    Partial,
    Full,
}

/// A plausible start: a known method and a space (client), `HTTP/1.` (server).
pub(super) fn classify(side: Side, buf: &[u8]) -> Prefix {
    let fits = |pattern: &[u8], sp: bool| {
        let full_len = pattern.len() + usize::from(sp);
        let matches = buf.iter().enumerate().all(|(i, &b)| {
            pattern
                .get(i)
                .map_or(sp && i == pattern.len() && b == b' ', |&p| p == b)
        });
        match (matches, buf.len().cmp(&full_len)) {
            (true, std::cmp::Ordering::Equal) => Prefix::Full,
            (true, std::cmp::Ordering::Less) => Prefix::Partial,
            _ => Prefix::No,
        }
    };
    match side {
        Side::Server => fits(b"HTTP/1.", false),
        Side::Client => {
            let mut best = Prefix::No;
            for method in KNOWN_METHODS {
                match fits(method, true) {
                    Prefix::Full => return Prefix::Full,
                    Prefix::Partial => best = Prefix::Partial,
                    Prefix::No => {}
                }
            }
            best
        }
    }
}

/// Byte-wise search for a plausible message start at the beginning of a line.
#[derive(Debug, Clone, Default)]
pub(super) struct Matcher {
    /// Bytes so far of a candidate start (a proper prefix of one).
    pub(super) buf: Vec<u8>,
    /// The next byte begins a line.
    at_line_start: bool,
}

impl Matcher {
    pub(super) fn reset(&mut self, at_line_start: bool) {
        self.buf.clear();
        self.at_line_start = at_line_start;
    }

    /// Consumes bytes until a start is recognised (returns `true`, the start
    /// in `buf`) or `data` is exhausted.
    pub(super) fn scan(&mut self, side: Side, data: &mut &[u8]) -> bool {
        while let Some((&b, rest)) = data.split_first() {
            if !self.at_line_start && self.buf.is_empty() {
                match data.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        advance(data, i + 1);
                        self.at_line_start = true;
                        continue;
                    }
                    None => {
                        *data = &[];
                        return false;
                    }
                }
            }
            *data = rest;
            self.buf.push(b);
            match classify(side, &self.buf) {
                Prefix::Full => return true,
                Prefix::Partial => self.at_line_start = false,
                Prefix::No => self.reset(b == b'\n'),
            }
        }
        false
    }
}
