//! The HTTPS certificate, changeable while serving (`/extrahop/sslcert`):
//! the TLS acceptor asks [`CertResolver`] for the certificate at every
//! handshake, so a regenerated or replaced certificate is used by the next
//! connection without a restart (connections already open keep theirs).
//! The files in the data directory (`tls-cert.pem`, `tls-key.pem`) are
//! rewritten too, so a restart keeps the change.

use crate::error::ApiError;
use parking_lot::RwLock;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wirewatch_model::{Code, Error};

/// The certificate file in the data directory.
pub const CERT_FILE: &str = "tls-cert.pem";
/// Its private key.
pub const KEY_FILE: &str = "tls-key.pem";
/// The key of the last certificate signing request, waiting for its certificate.
pub const PENDING_KEY_FILE: &str = "tls-csr-key.pem";
/// Largest PEM text accepted by `PUT /extrahop/sslcert`.
pub const MAX_PEM: usize = 256 * 1024;

/// Answers every handshake with the current certificate.
#[derive(Debug)]
pub struct CertResolver(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().clone())
    }
}

/// Why a certificate or key cannot be used or made.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("{0}")]
    Invalid(String),
    #[error("writing {}: {error}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        error: std::io::Error,
    },
    #[error("generating a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

impl From<CertError> for ApiError {
    fn from(e: CertError) -> ApiError {
        match e {
            CertError::Invalid(m) => ApiError::invalid("body", m),
            other => ApiError(Error::internal(other.to_string())),
        }
    }
}

/// The TLS side of a running server.
pub struct TlsControl {
    resolver: Arc<CertResolver>,
    dir: PathBuf,
    hostname: String,
    /// One change at a time (files and resolver stay in step).
    lock: parking_lot::Mutex<()>,
}

/// What `GET`-like answers say about the certificate in use.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CertInfo {
    /// SHA-256 of the certificate (DER), hexadecimal.
    pub sha256: String,
    /// Certificates in the chain served.
    pub chain_length: usize,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn invalid(m: impl Into<String>) -> CertError {
    CertError::Invalid(m.into())
}

/// The certificates of a PEM text (none: an error naming what is missing).
fn pem_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>, CertError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("the PEM text cannot be read: {e}")))?;
    if certs.is_empty() {
        return Err(invalid(
            "holds no certificate (a -----BEGIN CERTIFICATE----- block)",
        ));
    }
    for c in &certs {
        webpki::EndEntityCert::try_from(c)
            .map_err(|e| invalid(format!("a certificate is not valid X.509: {e:?}")))?;
    }
    Ok(certs)
}

/// The private key of a PEM text, if it has one.
fn pem_key(pem: &str) -> Result<Option<PrivateKeyDer<'static>>, CertError> {
    let has_key = pem.contains("PRIVATE KEY-----");
    if !has_key {
        return Ok(None);
    }
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map(Some)
        .map_err(|e| invalid(format!("the private key cannot be read: {e}")))
}

fn certified(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<CertifiedKey, CertError> {
    CertifiedKey::from_der(certs, key, &provider()).map_err(|e| {
        invalid(format!(
            "the private key does not go with the certificate ({e})"
        ))
    })
}

/// Check that a PEM text holds one X.509 certificate (an IdP's signing
/// certificate); the error says what is wrong.
pub fn check_certificate(pem: &str) -> Result<(), String> {
    let certs = pem_certs(pem).map_err(|e| e.to_string())?;
    if certs.len() != 1 {
        return Err(format!("holds {} certificates; give one", certs.len()));
    }
    Ok(())
}

/// A self-signed certificate for `hostname` (and localhost): (cert, key) PEM.
pub fn self_signed(hostname: &str) -> Result<(String, String), CertError> {
    let mut names = vec![
        hostname.to_string(),
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    names.dedup();
    let cert = rcgen::generate_simple_self_signed(names)?;
    Ok((cert.cert.pem(), cert.key_pair.serialize_pem()))
}

/// Write a file readable only by its owner, replacing it atomically.
fn write_private(path: &Path, data: &[u8]) -> Result<(), CertError> {
    use std::io::Write;
    let io = |error| CertError::Io {
        path: path.to_path_buf(),
        error,
    };
    let tmp = path.with_extension("pem.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(io)?;
    f.write_all(data).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Body of `POST /extrahop/sslcert/signingrequest`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = serde_json::json!({"subject": {"common_name": "sensor1.example.com", "organization_name": "Example"},
    "subject_alternative_names": [{"type": "dns", "name": "sensor1.example.com"}, {"type": "ip", "name": "192.0.2.10"}]}))]
pub struct SigningRequest {
    pub subject: Subject,
    /// The names the certificate applies to (an array; one object is taken as an array of one).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schemars(with = "Vec<AltName>")]
    pub subject_alternative_names: Vec<AltName>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<AltName>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(AltName),
        Many(Vec<AltName>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(a) => vec![a],
        OneOrMany::Many(v) => v,
    })
}

/// The subject of a certificate signing request.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// CN (required).
    pub common_name: String,
    /// C: two letters.
    #[serde(default)]
    pub country_code: Option<String>,
    /// ST.
    #[serde(default)]
    pub state_or_province_name: Option<String>,
    /// L.
    #[serde(default)]
    pub locality_name: Option<String>,
    /// O.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// OU.
    #[serde(default)]
    pub organizational_unit_name: Option<String>,
    /// emailAddress.
    #[serde(default)]
    pub email_address: Option<String>,
}

/// A subject alternative name.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AltName {
    /// `dns` or `ip`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}

/// Most subject alternative names in one request.
const MAX_SANS: usize = 100;

impl SigningRequest {
    /// The request's parameters for rcgen; 400 naming the field when wrong.
    fn params(&self) -> Result<rcgen::CertificateParams, ApiError> {
        use rcgen::{DnType, SanType};
        let mut p = rcgen::CertificateParams::default();
        let mut dn = rcgen::DistinguishedName::new();
        let s = &self.subject;
        let text = |field: &str, v: &str, max: usize| -> Result<String, ApiError> {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    field,
                    format!("must be 1 to {max} printable characters"),
                ));
            }
            Ok(v.to_string())
        };
        dn.push(
            DnType::CommonName,
            text("subject.common_name", &s.common_name, 64)?,
        );
        if let Some(c) = &s.country_code {
            if c.len() != 2 || !c.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(ApiError::invalid(
                    "subject.country_code",
                    "must be a two-letter country code (ISO 3166)",
                ));
            }
            dn.push(DnType::CountryName, c.to_ascii_uppercase());
        }
        for (field, v, ty) in [
            (
                "subject.state_or_province_name",
                &s.state_or_province_name,
                DnType::StateOrProvinceName,
            ),
            (
                "subject.locality_name",
                &s.locality_name,
                DnType::LocalityName,
            ),
            (
                "subject.organization_name",
                &s.organization_name,
                DnType::OrganizationName,
            ),
            (
                "subject.organizational_unit_name",
                &s.organizational_unit_name,
                DnType::OrganizationalUnitName,
            ),
        ] {
            if let Some(v) = v {
                dn.push(ty, text(field, v, 128)?);
            }
        }
        if let Some(e) = &s.email_address {
            let e = text("subject.email_address", e, 128)?;
            if !e.contains('@') {
                return Err(ApiError::invalid(
                    "subject.email_address",
                    "must be an e-mail address",
                ));
            }
            // emailAddress (PKCS #9), which rcgen has no name for.
            dn.push(
                DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
                rcgen::DnValue::Ia5String(
                    e.clone()
                        .try_into()
                        .map_err(|_| ApiError::invalid("subject.email_address", "must be ASCII"))?,
                ),
            );
        }
        p.distinguished_name = dn;
        if self.subject_alternative_names.len() > MAX_SANS {
            return Err(ApiError::invalid(
                "subject_alternative_names",
                format!("at most {MAX_SANS} names"),
            ));
        }
        for (i, a) in self.subject_alternative_names.iter().enumerate() {
            let field = format!("subject_alternative_names[{i}]");
            let san = match a.kind.as_str() {
                "dns" => {
                    let n = a.name.trim();
                    let ok = !n.is_empty()
                        && n.len() <= 253
                        && n.split('.').all(|l| {
                            !l.is_empty()
                                && l.len() <= 63
                                && l.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
                        });
                    if !ok {
                        return Err(ApiError::invalid(
                            format!("{field}.name"),
                            "must be a DNS name",
                        ));
                    }
                    SanType::DnsName(n.to_string().try_into().map_err(|_| {
                        ApiError::invalid(format!("{field}.name"), "must be a DNS name")
                    })?)
                }
                "ip" => SanType::IpAddress(a.name.trim().parse().map_err(|_| {
                    ApiError::invalid(format!("{field}.name"), "must be an IP address")
                })?),
                _ => {
                    return Err(ApiError::invalid(
                        format!("{field}.type"),
                        "must be \"dns\" or \"ip\"",
                    ))
                }
            };
            p.subject_alt_names.push(san);
        }
        Ok(p)
    }
}

impl TlsControl {
    /// Serve the certificate in `dir` (`tls-cert.pem`, `tls-key.pem`).
    pub fn load(dir: &Path, hostname: &str) -> Result<TlsControl, CertError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|error| CertError::Io { path, error })
        };
        let certs = pem_certs(&read(CERT_FILE)?)?;
        let key = pem_key(&read(KEY_FILE)?)?
            .ok_or_else(|| invalid(format!("{KEY_FILE} holds no private key")))?;
        let ck = certified(certs, key)?;
        Ok(TlsControl {
            resolver: Arc::new(CertResolver(RwLock::new(Arc::new(ck)))),
            dir: dir.to_path_buf(),
            hostname: hostname.to_string(),
            lock: parking_lot::Mutex::new(()),
        })
    }

    /// The resolver to put in the server's `rustls::ServerConfig`.
    pub fn resolver(&self) -> Arc<CertResolver> {
        self.resolver.clone()
    }

    /// What is served now.
    pub fn info(&self) -> CertInfo {
        use sha2::Digest;
        let ck = self.resolver.0.read().clone();
        CertInfo {
            sha256: ck
                .cert
                .first()
                .map(|c| hex::encode(sha2::Sha256::digest(c.as_ref())))
                .unwrap_or_default(),
            chain_length: ck.cert.len(),
        }
    }

    fn install(&self, cert_pem: &str, key_pem: &str, ck: CertifiedKey) -> Result<(), CertError> {
        write_private(&self.dir.join(KEY_FILE), key_pem.as_bytes())?;
        write_private(&self.dir.join(CERT_FILE), cert_pem.as_bytes())?;
        *self.resolver.0.write() = Arc::new(ck);
        Ok(())
    }

    /// A new self-signed certificate and key, served from the next connection.
    pub fn regenerate(&self) -> Result<CertInfo, CertError> {
        let _one = self.lock.lock();
        let (cert, key) = self_signed(&self.hostname)?;
        let ck = certified(pem_certs(&cert)?, pem_key(&key)?.expect("a generated key"))?;
        self.install(&cert, &key, ck)?;
        Ok(self.info())
    }

    /// Replace the certificate with the PEM text's (a chain, leaf first), and
    /// its key when the text has one; without one, the key of the last
    /// signing request or the current key, whichever goes with it.
    pub fn replace(&self, pem: &str) -> Result<CertInfo, CertError> {
        let _one = self.lock.lock();
        if pem.len() > MAX_PEM {
            return Err(invalid(format!("is larger than {MAX_PEM} bytes")));
        }
        let certs = pem_certs(pem)?;
        let cert_pem: String = certs
            .iter()
            .map(|c| pem_block("CERTIFICATE", c.as_ref()))
            .collect();
        let pending = self.dir.join(PENDING_KEY_FILE);
        let (ck, key_pem, used_pending) = match pem_key(pem)? {
            Some(key) => {
                let key_pem = pem_block(key_label(&key), key.secret_der());
                (certified(certs, key)?, key_pem, false)
            }
            None => {
                let mut tried = Vec::new();
                let mut found = None;
                for (path, is_pending) in
                    [(pending.clone(), true), (self.dir.join(KEY_FILE), false)]
                {
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    let Ok(Some(key)) = pem_key(&text) else {
                        continue;
                    };
                    tried.push(if is_pending {
                        "the signing request's key"
                    } else {
                        "the current key"
                    });
                    if let Ok(ck) = certified(certs.clone(), key) {
                        found = Some((ck, text, is_pending));
                        break;
                    }
                }
                found.ok_or_else(|| {
                    invalid(format!(
                        "has no private key, and the certificate goes with neither {}; send the key with it",
                        tried.join(" nor ")
                    ))
                })?
            }
        };
        self.install(&cert_pem, &key_pem, ck)?;
        if used_pending {
            let _ = std::fs::remove_file(&pending);
        }
        Ok(self.info())
    }

    /// A certificate signing request (PEM) for a new key, which is kept
    /// until a certificate for it is uploaded (`PUT /extrahop/sslcert`).
    pub fn signing_request(&self, req: &SigningRequest) -> Result<String, ApiError> {
        let params = req.params()?;
        let _one = self.lock.lock();
        let key = rcgen::KeyPair::generate().map_err(CertError::from)?;
        let csr = params.serialize_request(&key).map_err(CertError::from)?;
        let pem = csr.pem().map_err(CertError::from)?;
        write_private(
            &self.dir.join(PENDING_KEY_FILE),
            key.serialize_pem().as_bytes(),
        )?;
        Ok(pem)
    }
}

fn key_label(k: &PrivateKeyDer<'_>) -> &'static str {
    match k {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    }
}

/// One PEM block.
fn pem_block(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A server without TLS (`--no-tls`) has no certificate to change.
pub fn no_tls() -> ApiError {
    ApiError(Error::new(
        Code::NotApplicable,
        "this server runs without TLS (--no-tls): there is no certificate to regenerate or replace",
    ))
}
