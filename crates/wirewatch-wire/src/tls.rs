//! TLS handshake parsing for one direction of a TCP stream: record reassembly,
//! ClientHello / ServerHello / Certificate decoding, a minimal X.509 walk for
//! the certificate names, and the JA3, JA3S and JA4 fingerprints.
//!
//! Everything here is pure: bytes in, `Result<_, TlsError>` out, no I/O, and
//! no panic on any input — every read is bounds-checked and every size a
//! peer controls is capped by one of the named limits below.
//!
//! Text decoded from the wire (SNI, ALPN) is mapped one byte to one char
//! (ISO-8859-1), so it is lossless: ASCII reads as itself and the exact bytes
//! can always be recovered (JA4 needs them for odd ALPN values).

mod fingerprint;
mod hello;
mod names;
mod x509;

#[cfg(test)]
mod tests;

pub use fingerprint::{ja3, ja3s, ja4};
pub use hello::{ClientHello, ServerHello};
pub use names::{cipher_name, version_name};
pub use x509::{CertInfo, X509Error, MAX_DER_LENGTH_OCTETS, MAX_NAME_ATTRIBUTES};

use hello::Cursor;

/// Largest record body accepted: 2^14 plaintext plus the 2048 bytes of
/// expansion RFC 5246 §6.2.3 allows a protected record. Anything longer is not
/// TLS (or is corrupt), and stops the reader.
pub const MAX_RECORD_LEN: usize = 16_384 + 2_048;
/// Largest handshake message reassembled. The wire allows 2^24 bytes; real
/// messages are far smaller (a long certificate chain is ~10-20 KiB), and this
/// bounds the memory one stream direction can make the reader hold.
pub const MAX_HANDSHAKE_LEN: usize = 256 * 1024;
/// Most extensions accepted in a hello. Real clients send fewer than 30; a
/// longer list is crafted, and the cap keeps JA3 strings short.
pub const MAX_EXTENSIONS: usize = 256;
/// Most certificates accepted in one Certificate message. Real chains have
/// 2-5; the cap bounds the X.509 work one message can ask for.
pub const MAX_CERTIFICATES: usize = 64;

const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
const CONTENT_HANDSHAKE: u8 = 22;
const CONTENT_APPLICATION_DATA: u8 = 23;
const CONTENT_HEARTBEAT: u8 = 24;

const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_CERTIFICATE: u8 = 11;

/// Why TLS bytes could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// The first record header of the stream is not a TLS record header.
    #[error("not TLS: first bytes are not a TLS record header")]
    NotTls,
    #[error("unknown record content type {0}")]
    BadRecordType(u8),
    #[error("unsupported record version {0:#06x}")]
    BadRecordVersion(u16),
    #[error("record length {0} exceeds the limit")]
    RecordTooLong(usize),
    #[error("handshake message length {0} exceeds the limit")]
    HandshakeTooLong(usize),
    /// A field ran past the end of its enclosing message or vector.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// A length field is inconsistent with what it describes.
    #[error("bad length for {0}")]
    BadLength(&'static str),
    /// Bytes left over after the last field of a message.
    #[error("trailing bytes after {0}")]
    TrailingData(&'static str),
    /// A known extension whose contents do not parse (extension type).
    #[error("malformed extension {0:#06x}")]
    BadExtension(u16),
    #[error("more than MAX_EXTENSIONS extensions")]
    TooManyExtensions,
    #[error("more than MAX_CERTIFICATES certificates")]
    TooManyCertificates,
    /// Certificate `index` (0 = leaf) of a Certificate message is not valid DER X.509.
    #[error("certificate {index}: {reason}")]
    BadCertificate {
        index: usize,
        #[source]
        reason: X509Error,
    },
}

/// One handshake message, decoded as far as the sensor needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    ClientHello(ClientHello),
    ServerHello(ServerHello),
    /// The chain from a TLS 1.2 (or older) Certificate message, leaf first.
    Certificate(Vec<CertInfo>),
    /// Any other handshake type, by number (e.g. 14 ServerHelloDone, 16 ClientKeyExchange).
    Other(u8),
}

/// Decodes one handshake message body (without its 4-byte type/length header).
///
/// Exposed for callers that carry handshake messages outside TLS records
/// (QUIC CRYPTO frames).
pub fn parse_handshake(msg_type: u8, body: &[u8]) -> Result<Handshake, TlsError> {
    match msg_type {
        HS_CLIENT_HELLO => hello::parse_client_hello(body).map(Handshake::ClientHello),
        HS_SERVER_HELLO => {
            hello::parse_server_hello(body).map(|(sh, _)| Handshake::ServerHello(sh))
        }
        HS_CERTIFICATE => x509::parse_certificate_message(body).map(Handshake::Certificate),
        other => Ok(Handshake::Other(other)),
    }
}

/// Reassembles TLS records from one direction of a TCP stream and yields handshake messages.
///
/// Feed the stream's payload in order, in chunks of any size; the messages
/// (or per-message errors) come out in order, and the result does not depend
/// on where the chunks were split. Handshake messages may span records and
/// records may hold several messages.
///
/// Handshake records after this direction's ChangeCipherSpec (and after a
/// TLS 1.3 ServerHello) are encrypted and skipped. A record-layer error is
/// fatal: it is reported once and the reader ignores the rest of the stream.
/// A malformed handshake message is reported and reading continues.
#[derive(Debug, Clone, Default)]
pub struct HandshakeReader {
    /// Record header being collected (`header_len` bytes valid).
    header: [u8; 5],
    header_len: usize,
    /// Content type of the record whose body is being read.
    rec_type: u8,
    /// Body bytes of the current record still to come.
    rec_remaining: usize,
    /// Body of the current handshake record (other record bodies are skipped, not kept).
    rec_body: Vec<u8>,
    /// Handshake-layer bytes not yet forming a whole message.
    hs: Vec<u8>,
    is_tls: Option<bool>,
    app_data: bool,
    /// Later handshake records from this direction are encrypted.
    encrypted: bool,
    /// A record-layer error was reported; everything after it is ignored.
    failed: bool,
}

impl HandshakeReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes the next bytes of the stream and returns the handshake
    /// messages completed by them.
    pub fn feed(&mut self, mut data: &[u8]) -> Vec<Result<Handshake, TlsError>> {
        let mut out = Vec::new();
        while !self.failed {
            if self.header_len < self.header.len() {
                if data.is_empty() {
                    break;
                }
                let want = self.header.len() - self.header_len;
                let (head, rest) = data.split_at(want.min(data.len()));
                if let Some(dst) = self
                    .header
                    .get_mut(self.header_len..self.header_len + head.len())
                {
                    dst.copy_from_slice(head);
                }
                self.header_len += head.len();
                data = rest;
                if self.header_len < self.header.len() {
                    break;
                }
                if let Err(e) = self.start_record() {
                    out.push(Err(e));
                    self.fail();
                    break;
                }
            }
            // In a record body (possibly empty).
            let (body, rest) = data.split_at(self.rec_remaining.min(data.len()));
            if self.rec_type == CONTENT_HANDSHAKE {
                self.rec_body.extend_from_slice(body);
            }
            self.rec_remaining -= body.len();
            data = rest;
            if self.rec_remaining > 0 {
                break;
            }
            self.header_len = 0;
            if self.rec_type == CONTENT_HANDSHAKE {
                self.finish_handshake_record(&mut out);
            }
        }
        out
    }

    /// True once a record of type application_data has been seen. In TLS 1.3
    /// the encrypted handshake also travels in such records.
    pub fn saw_application_data(&self) -> bool {
        self.app_data
    }

    /// Whether the stream starts with a TLS record header; `None` until the
    /// first 5 bytes have been fed.
    pub fn is_tls(&self) -> Option<bool> {
        self.is_tls
    }

    /// Validates the collected header and enters the record body.
    fn start_record(&mut self) -> Result<(), TlsError> {
        let [typ, major, minor, len_hi, len_lo] = self.header;
        let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
        let checked = if !(CONTENT_CHANGE_CIPHER_SPEC..=CONTENT_HEARTBEAT).contains(&typ) {
            Err(TlsError::BadRecordType(typ))
        } else if major != 3 || minor > 4 {
            Err(TlsError::BadRecordVersion(u16::from_be_bytes([
                major, minor,
            ])))
        } else if len > MAX_RECORD_LEN {
            Err(TlsError::RecordTooLong(len))
        } else {
            Ok(())
        };
        if let Err(e) = checked {
            return Err(if self.is_tls.is_none() {
                self.is_tls = Some(false);
                TlsError::NotTls
            } else {
                e
            });
        }
        self.is_tls = Some(true);
        self.rec_type = typ;
        self.rec_remaining = len;
        self.rec_body.clear();
        if typ == CONTENT_CHANGE_CIPHER_SPEC {
            // A handshake message cut by ChangeCipherSpec can never complete.
            self.encrypted = true;
            self.hs.clear();
        } else if typ == CONTENT_APPLICATION_DATA {
            self.app_data = true;
        }
        Ok(())
    }

    fn finish_handshake_record(&mut self, out: &mut Vec<Result<Handshake, TlsError>>) {
        if self.encrypted && !is_whole_hello(&self.rec_body) {
            // An encrypted Finished (or later encrypted handshake): opaque.
            self.rec_body.clear();
            return;
        }
        self.hs.extend_from_slice(&self.rec_body);
        self.rec_body.clear();

        let hs = std::mem::take(&mut self.hs);
        let mut rest: &[u8] = &hs;
        while let [typ, l0, l1, l2, after @ ..] = rest {
            let len = usize::from(*l0) << 16 | usize::from(*l1) << 8 | usize::from(*l2);
            if len > MAX_HANDSHAKE_LEN {
                out.push(Err(TlsError::HandshakeTooLong(len)));
                self.fail();
                return;
            }
            let Some((msg, after_msg)) = after.split_at_checked(len) else {
                break;
            };
            rest = after_msg;
            if *typ == HS_SERVER_HELLO {
                let parsed = hello::parse_server_hello(msg);
                let tls13 =
                    matches!(&parsed, Ok((sh, false)) if sh.selected_version == Some(0x0304));
                out.push(parsed.map(|(sh, _)| Handshake::ServerHello(sh)));
                if tls13 {
                    // Everything after a TLS 1.3 ServerHello is encrypted.
                    self.encrypted = true;
                    rest = &[];
                    break;
                }
            } else {
                out.push(parse_handshake(*typ, msg));
            }
        }
        let consumed = hs.len() - rest.len();
        self.hs = hs;
        self.hs.drain(..consumed);
    }

    fn fail(&mut self) {
        self.failed = true;
        self.rec_body = Vec::new();
        self.hs = Vec::new();
    }
}

/// A handshake record after ChangeCipherSpec is normally an encrypted
/// Finished. The exception is TLS 1.3 middlebox-compatibility mode (RFC 8446
/// §D.4): the server may send its dummy ChangeCipherSpec right after a
/// HelloRetryRequest and the client before its second ClientHello, and those
/// hellos are plaintext. Such a record holds exactly one hello whose header
/// matches the record length; ciphertext matches that by chance with
/// probability about 2^-31.
fn is_whole_hello(body: &[u8]) -> bool {
    let mut c = Cursor::new(body);
    matches!(
        (c.u8("type"), c.u24("length")),
        (Ok(HS_CLIENT_HELLO | HS_SERVER_HELLO), Ok(len)) if len == c.remaining() && len >= 38
    )
}
