//! Domain names: labels, compression pointers (RFC 1035 §4.1.4) and the
//! escaped text form.

use super::{DnsError, MAX_LABELS, MAX_NAME_LEN, MAX_POINTER_JUMPS};

/// Reads the name that starts at offset `start` of `msg`.
///
/// Returns the name's text and the offset just past its in-place encoding
/// (past the first compression pointer, if any). With `compressed` false a
/// pointer is refused ([`DnsError::BadPointer`]): used for names inside raw
/// RDATA, where offsets would not be message offsets.
///
/// A loop, not recursion: each pointer moves `pos`, and the jump cap ends any
/// cycle. Pointers may point forward, as resolvers (glibc's `dn_expand`)
/// accept them.
pub(super) fn read_name(
    msg: &[u8],
    start: usize,
    compressed: bool,
) -> Result<(String, usize), DnsError> {
    let mut text = String::new();
    let mut pos = start;
    // Where the caller continues: set by the first pointer followed.
    let mut resume: Option<usize> = None;
    let mut jumps = 0usize;
    let mut labels = 0usize;
    // The final root octet counts towards the limit.
    let mut wire_len = 1usize;
    loop {
        let len_octet = *msg.get(pos).ok_or(DnsError::Truncated)?;
        match len_octet >> 6 {
            0b00 if len_octet == 0 => {
                return Ok((text, resume.unwrap_or(pos + 1)));
            }
            0b00 => {
                let len = usize::from(len_octet);
                let label = msg.get(pos + 1..pos + 1 + len).ok_or(DnsError::Truncated)?;
                labels += 1;
                if labels > MAX_LABELS {
                    return Err(DnsError::TooManyLabels);
                }
                wire_len += 1 + len;
                if wire_len > MAX_NAME_LEN {
                    return Err(DnsError::NameTooLong);
                }
                if labels > 1 {
                    text.push('.');
                }
                push_escaped(&mut text, label);
                pos += 1 + len;
            }
            0b11 => {
                if !compressed {
                    return Err(DnsError::BadPointer);
                }
                let low = *msg.get(pos + 1).ok_or(DnsError::Truncated)?;
                let target = usize::from(len_octet & 0x3f) << 8 | usize::from(low);
                if target >= msg.len() {
                    return Err(DnsError::BadPointer);
                }
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(DnsError::PointerLoop);
                }
                resume.get_or_insert(pos + 2);
                pos = target;
            }
            _ => return Err(DnsError::BadLabel),
        }
    }
}

/// Appends `bytes` to `out`, printable ASCII as is and every other byte, and
/// the backslash, as `\xHH` (lowercase hex) — the escaping of Zeek's logs.
pub(super) fn push_escaped(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if (0x20..=0x7e).contains(&b) && b != b'\\' {
            out.push(char::from(b));
        } else {
            out.push_str("\\x");
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0x0f));
        }
    }
}

/// Lowercase hex digit of a nibble.
pub(super) fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble & 0x0f), 16).unwrap_or('0')
}
