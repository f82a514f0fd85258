//! The self-signed certificate generated at first start into the data directory.

use anyhow::Context;
use std::path::Path;

/// Paths of the certificate and key, created if missing.
pub fn ensure_certificate(
    dir: &Path,
    hostname: &str,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    let cert_path = dir.join("tls-cert.pem");
    let key_path = dir.join("tls-key.pem");
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    let (cert, key) = wirewatch_api::certs::self_signed(hostname)
        .context("generating the self-signed certificate")?;
    // Both 0600 like every file of the data directory (the store narrowed
    // existing ones when it opened).
    write_private(&cert_path, cert.as_bytes()).context("writing the certificate")?;
    write_private(&key_path, key.as_bytes()).context("writing the private key")?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed TLS certificate");
    Ok((cert_path, key_path))
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}
