//! TLS client configuration shared by the sinks and connectors: trusted roots
//! (the built-in Mozilla list, or the target's `tls_ca_certs`), an optional
//! client certificate, and `skip_cert_verification` when the user asks for it.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

/// TLS options of a target.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub skip_verification: bool,
    pub ca_pem: Option<String>,
    pub client_cert_pem: Option<String>,
    pub client_key_pem: Option<String>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS option that cannot be used; the message names the option and the
/// cause stays attached as [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{0}")]
    Provider(#[source] rustls::Error),
    #[error("tls_ca_certs: {0}")]
    CaPem(#[source] rustls::pki_types::pem::Error),
    #[error("tls_ca_certs: {0}")]
    CaCert(#[source] rustls::Error),
    #[error("tls_ca_certs: no certificate found in the PEM text")]
    NoCaCert,
    #[error("tls_client_cert: {0}")]
    ClientCertPem(#[source] rustls::pki_types::pem::Error),
    #[error("tls_client_cert: {0}")]
    ClientCert(#[source] rustls::Error),
    #[error("tls_client_key: {0}")]
    ClientKey(#[source] rustls::pki_types::pem::Error),
    #[error("host {host:?}: {source}")]
    ServerName {
        host: String,
        source: rustls::pki_types::InvalidDnsNameError,
    },
}

/// Build a client configuration; the error names the bad option.
pub fn client_config(o: &TlsOptions, alpn_http1: bool) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Provider)?;
    let builder = if o.skip_verification {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
    } else {
        let mut roots = RootCertStore::empty();
        match &o.ca_pem {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                    roots
                        .add(cert.map_err(TlsError::CaPem)?)
                        .map_err(TlsError::CaCert)?;
                }
                if roots.is_empty() {
                    return Err(TlsError::NoCaCert);
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots)
    };
    let mut config = match (&o.client_cert_pem, &o.client_key_pem) {
        (Some(cert), Some(key)) => {
            let certs = CertificateDer::pem_slice_iter(cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(TlsError::ClientCertPem)?;
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(TlsError::ClientKey)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(TlsError::ClientCert)?
        }
        _ => builder.with_no_client_auth(),
    };
    if alpn_http1 {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Ok(Arc::new(config))
}

/// The server name to verify, from a host name or an IP address.
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(host.to_string()).map_err(|source| TlsError::ServerName {
        host: host.to_string(),
        source,
    })
}

/// Accepts any certificate: only for `skip_cert_verification: true`.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::connect;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

    /// A CA and a `127.0.0.1` server certificate it signed.
    fn pki() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".into()])
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        (
            ca.pem(),
            leaf.der().clone(),
            PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
    }

    /// A real TLS listener that completes handshakes.
    async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = acceptor.accept(s).await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn a_custom_ca_is_trusted_an_unknown_one_refused_unless_told_to_skip() {
        let (ca_pem, cert, key) = pki();
        let port = tls_server(cert, key).await;
        let with = |o: TlsOptions| client_config(&o, false).unwrap();
        let trusted = with(TlsOptions {
            ca_pem: Some(ca_pem),
            ..TlsOptions::default()
        });
        assert!(connect("127.0.0.1", port, Some(trusted)).await.is_ok());
        let builtin = with(TlsOptions::default());
        let e = connect("127.0.0.1", port, Some(builtin))
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with(&format!("TLS handshake with 127.0.0.1:{port}: ")),
            "{e}"
        );
        let skip = with(TlsOptions {
            skip_verification: true,
            ..TlsOptions::default()
        });
        assert!(connect("127.0.0.1", port, Some(skip)).await.is_ok());
    }

    #[test]
    fn bad_options_name_the_field() {
        let e = client_config(
            &TlsOptions {
                ca_pem: Some("not a certificate".into()),
                ..TlsOptions::default()
            },
            false,
        )
        .unwrap_err();
        assert!(matches!(e, TlsError::NoCaCert), "{e:?}");
        assert_eq!(
            e.to_string(),
            "tls_ca_certs: no certificate found in the PEM text"
        );
        // A certificate that does not parse: named, with its cause kept.
        let e = client_config(
            &TlsOptions {
                ca_pem: Some(
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
                ),
                ..TlsOptions::default()
            },
            false,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("tls_ca_certs: "), "{e}");
        assert!(std::error::Error::source(&e).is_some(), "{e:?}");
    }
}
