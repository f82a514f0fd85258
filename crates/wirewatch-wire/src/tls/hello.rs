//! ClientHello and ServerHello bodies (RFC 5246 §7.4.1, RFC 8446 §4.1.2-4.1.3).

use super::{TlsError, MAX_EXTENSIONS};

const EXT_SERVER_NAME: u16 = 0;
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_EC_POINT_FORMATS: u16 = 11;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_ALPN: u16 = 16;
const EXT_SUPPORTED_VERSIONS: u16 = 43;

/// Longest legacy session id (RFC 8446 §4.1.2).
const MAX_SESSION_ID_LEN: usize = 32;
/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The fields of a ClientHello the sensor logs and fingerprints. Lists keep
/// wire order and include GREASE values; the fingerprint functions drop them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    pub cipher_suites: Vec<u16>,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// First host_name of the server_name extension.
    pub sni: Option<String>,
    /// ALPN protocol ids offered, in order.
    pub alpn: Vec<String>,
    pub supported_versions: Vec<u16>,
    pub supported_groups: Vec<u16>,
    pub ec_point_formats: Vec<u8>,
    pub signature_algorithms: Vec<u16>,
}

/// The fields of a ServerHello (or HelloRetryRequest) the sensor logs and fingerprints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub cipher_suite: u16,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// The supported_versions extension (TLS 1.3 negotiation), if present.
    pub selected_version: Option<u16>,
    /// The ALPN protocol the server selected.
    pub alpn: Option<String>,
}

impl ServerHello {
    /// The negotiated version: supported_versions if present, else the legacy field.
    pub fn version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }
}

/// Bounds-checked big-endian reader over a byte slice.
pub(super) struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(super) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(super) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], TlsError> {
        let (head, rest) = self
            .buf
            .split_at_checked(n)
            .ok_or(TlsError::Truncated(what))?;
        self.buf = rest;
        Ok(head)
    }

    pub(super) fn u8(&mut self, what: &'static str) -> Result<u8, TlsError> {
        let (&b, rest) = self.buf.split_first().ok_or(TlsError::Truncated(what))?;
        self.buf = rest;
        Ok(b)
    }

    pub(super) fn u16(&mut self, what: &'static str) -> Result<u16, TlsError> {
        match self.take(2, what)? {
            &[a, b] => Ok(u16::from_be_bytes([a, b])),
            _ => Err(TlsError::Truncated(what)),
        }
    }

    pub(super) fn u24(&mut self, what: &'static str) -> Result<usize, TlsError> {
        match self.take(3, what)? {
            &[a, b, c] => Ok(usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c)),
            _ => Err(TlsError::Truncated(what)),
        }
    }

    /// A vector with a one-byte length prefix.
    pub(super) fn vec8(&mut self, what: &'static str) -> Result<&'a [u8], TlsError> {
        let n = self.u8(what)?;
        self.take(usize::from(n), what)
    }

    /// A vector with a two-byte length prefix.
    pub(super) fn vec16(&mut self, what: &'static str) -> Result<&'a [u8], TlsError> {
        let n = self.u16(what)?;
        self.take(usize::from(n), what)
    }

    /// A vector with a three-byte length prefix.
    pub(super) fn vec24(&mut self, what: &'static str) -> Result<&'a [u8], TlsError> {
        let n = self.u24(what)?;
        self.take(n, what)
    }

    /// Fails unless everything has been read.
    pub(super) fn finish(&self, what: &'static str) -> Result<(), TlsError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(TlsError::TrailingData(what))
        }
    }
}

/// A packed list of big-endian u16 values.
fn u16_list(bytes: &[u8], what: &'static str) -> Result<Vec<u16>, TlsError> {
    let pairs = bytes.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(TlsError::BadLength(what));
    }
    Ok(pairs
        .filter_map(|p| <[u8; 2]>::try_from(p).ok())
        .map(u16::from_be_bytes)
        .collect())
}

/// Wire bytes as text, one char per byte (ISO-8859-1): lossless, and ASCII reads as itself.
pub(super) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

pub(super) fn parse_client_hello(body: &[u8]) -> Result<ClientHello, TlsError> {
    let mut c = Cursor::new(body);
    let legacy_version = c.u16("client_hello.version")?;
    c.take(32, "client_hello.random")?;
    let session_id = c.vec8("client_hello.session_id")?;
    if session_id.len() > MAX_SESSION_ID_LEN {
        return Err(TlsError::BadLength("client_hello.session_id"));
    }
    let cipher_suites = u16_list(
        c.vec16("client_hello.cipher_suites")?,
        "client_hello.cipher_suites",
    )?;
    c.vec8("client_hello.compression_methods")?;
    let mut ch = ClientHello {
        legacy_version,
        cipher_suites,
        ..ClientHello::default()
    };
    // Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2).
    if !c.is_empty() {
        let exts = c.vec16("client_hello.extensions")?;
        c.finish("client_hello")?;
        let mut e = Cursor::new(exts);
        while !e.is_empty() {
            if ch.extensions.len() >= MAX_EXTENSIONS {
                return Err(TlsError::TooManyExtensions);
            }
            let typ = e.u16("extension.type")?;
            let data = e.vec16("extension.data")?;
            // A repeated extension (forbidden, RFC 8446 §4.2) is listed but its content ignored.
            let repeated = ch.extensions.contains(&typ);
            ch.extensions.push(typ);
            if !repeated {
                client_extension(&mut ch, typ, data).map_err(|_| TlsError::BadExtension(typ))?;
            }
        }
    }
    Ok(ch)
}

fn client_extension(ch: &mut ClientHello, typ: u16, data: &[u8]) -> Result<(), TlsError> {
    let mut c = Cursor::new(data);
    match typ {
        EXT_SERVER_NAME => {
            // Servers acknowledge SNI with an empty extension; clients may too.
            if c.is_empty() {
                return Ok(());
            }
            let mut list = Cursor::new(c.vec16("server_name_list")?);
            while !list.is_empty() {
                let name_type = list.u8("server_name.type")?;
                let name = list.vec16("server_name.name")?;
                if name_type == 0 && ch.sni.is_none() {
                    ch.sni = Some(latin1(name));
                }
            }
        }
        EXT_SUPPORTED_GROUPS => {
            ch.supported_groups = u16_list(c.vec16("supported_groups")?, "supported_groups")?;
        }
        EXT_EC_POINT_FORMATS => ch.ec_point_formats = c.vec8("ec_point_formats")?.to_vec(),
        EXT_SIGNATURE_ALGORITHMS => {
            ch.signature_algorithms =
                u16_list(c.vec16("signature_algorithms")?, "signature_algorithms")?;
        }
        EXT_ALPN => {
            let mut list = Cursor::new(c.vec16("alpn")?);
            while !list.is_empty() {
                ch.alpn.push(latin1(list.vec8("alpn.protocol")?));
            }
        }
        EXT_SUPPORTED_VERSIONS => {
            ch.supported_versions = u16_list(c.vec8("supported_versions")?, "supported_versions")?;
        }
        _ => return Ok(()),
    }
    c.finish("extension")
}

/// Parses a ServerHello; the flag says whether it is a HelloRetryRequest.
pub(super) fn parse_server_hello(body: &[u8]) -> Result<(ServerHello, bool), TlsError> {
    let mut c = Cursor::new(body);
    let legacy_version = c.u16("server_hello.version")?;
    let is_hrr = c.take(32, "server_hello.random")? == HELLO_RETRY_REQUEST_RANDOM;
    let session_id = c.vec8("server_hello.session_id")?;
    if session_id.len() > MAX_SESSION_ID_LEN {
        return Err(TlsError::BadLength("server_hello.session_id"));
    }
    let cipher_suite = c.u16("server_hello.cipher_suite")?;
    c.u8("server_hello.compression_method")?;
    let mut sh = ServerHello {
        legacy_version,
        cipher_suite,
        ..ServerHello::default()
    };
    if !c.is_empty() {
        let exts = c.vec16("server_hello.extensions")?;
        c.finish("server_hello")?;
        let mut e = Cursor::new(exts);
        while !e.is_empty() {
            if sh.extensions.len() >= MAX_EXTENSIONS {
                return Err(TlsError::TooManyExtensions);
            }
            let typ = e.u16("extension.type")?;
            let data = e.vec16("extension.data")?;
            let repeated = sh.extensions.contains(&typ);
            sh.extensions.push(typ);
            if !repeated {
                server_extension(&mut sh, typ, data).map_err(|_| TlsError::BadExtension(typ))?;
            }
        }
    }
    Ok((sh, is_hrr))
}

fn server_extension(sh: &mut ServerHello, typ: u16, data: &[u8]) -> Result<(), TlsError> {
    let mut c = Cursor::new(data);
    match typ {
        EXT_SUPPORTED_VERSIONS => sh.selected_version = Some(c.u16("supported_versions")?),
        EXT_ALPN => {
            // The server answers with a list of exactly one protocol (RFC 7301 §3.1).
            let mut list = Cursor::new(c.vec16("alpn")?);
            sh.alpn = Some(latin1(list.vec8("alpn.protocol")?));
            list.finish("alpn")?;
        }
        _ => return Ok(()),
    }
    c.finish("extension")
}
